import { environment } from '../../lib/config/presets';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { EstateConfig } from '../../lib/config/types';

/*
 * Topology `nested`: one trust domain, one root of trust, two workload clusters. The root server runs in
 * workload-a (namespace spire-root, beside that cluster's own server); each cluster runs a downstream
 * server whose CA the root signs (UpstreamAuthority `spire`), so each cluster keeps issuing SVIDs on its
 * own when the other or the root is unreachable, and every SVID verifies with the root's bundle.
 */

export const estate: EstateConfig = {
  repository: { url: 'https://git.example.org/platform/spire.git', targetRevision: 'main' },
  argocd: {
    namespace: 'argocd',
    project: 'spire',
    roles: { admin: ['example:platform-admins'], operator: ['example:platform-oncall'], viewer: ['example:security'] },
    notifications: { service: 'slack', recipients: ['spire-alerts'] },
  },
  flux: { namespace: 'flux-system', interval: '5m' },
  images: DEFAULT_IMAGES,
  environments: [
    environment({
      name: 'staging',
      preset: 'staging',
      trustDomain: 'staging.example.org',
      topology: {
        type: 'nested',
        // workload-b reaches the root here: a load balancer in front of Service spire-root/spire-root-server of workload-a.
        root: { cluster: 'workload-a', serverAddress: 'spire-root.workload-a.example.org' },
      },
      clusters: [
        { name: 'workload-a', region: 'region-a', apiServer: 'https://workload-a.k8s.example.org' },
        { name: 'workload-b', region: 'region-b', apiServer: 'https://workload-b.k8s.example.org' },
      ],
      server: { caSubject: { country: 'US', organization: 'Example', commonName: 'Example SPIRE CA' } },
      // JWT-SVIDs for relying parties outside SPIFFE: one issuer for the whole nested trust domain,
      // https://oidc.example.org/staging, served under a path prefix of a shared host; a CDN serves the keys.
      oidcDiscovery: {
        domains: ['oidc.example.org'],
        serverPathPrefix: '/staging',
        jwksUri: 'https://keys.example.org/staging/keys',
        logFormat: 'json',
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
      },
      identities: [{
        name: 'checkout',
        spiffeIDTemplate: namespaceServiceAccountId(),
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'checkout' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'checkout' } },
        workloadSelectorTemplates: ['k8s:sa:checkout'],
        ttl: '1h',
        admin: false,
      }],
    }),
  ],
};
