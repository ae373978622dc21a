import { environment } from '../../lib/config/presets';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { EstateConfig } from '../../lib/config/types';

/*
 * Topology `nested` with the root in a management cluster of its own: no workload runs beside the root
 * server, and no workload cluster holds the root's CA. dist/staging/management runs only the root server,
 * its controller manager and the registrations of the downstream servers; each workload cluster runs the
 * root's agents and a downstream server whose CA the root signs (UpstreamAuthority `spire`).
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
        root: {
          managementCluster: { name: 'management', region: 'region-a', apiServer: 'https://management.k8s.example.org' },
          // Every workload cluster reaches the root here: a load balancer in front of Service spire-root/spire-root-server of the management cluster.
          serverAddress: 'spire-root.management.example.org',
        },
      },
      clusters: [
        { name: 'workload-a', region: 'region-a', apiServer: 'https://workload-a.k8s.example.org' },
        { name: 'workload-b', region: 'region-b', apiServer: 'https://workload-b.k8s.example.org' },
      ],
      server: { caSubject: { country: 'US', organization: 'Example', commonName: 'Example SPIRE CA' } },
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
