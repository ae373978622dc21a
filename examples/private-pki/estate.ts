import { environment } from '../../lib/config/presets';
import { EstateConfig } from '../../lib/config/types';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';

/*
 * SPIRE under a site's own PKI. In production the server's CA is signed by an intermediate CA that the
 * site's offline root issued: its certificate and key are in a Secret (UpstreamAuthority disk), the
 * offline root in another, and the SPIRE bundle carries that root. A k8sbundle Notifier keeps a PEM
 * copy of the bundle in a ConfigMap and in the caBundle of every webhook configuration labelled
 * `pki.example.org/spire-ca-bundle: "true"`. Staging signs through Keyfactor EJBCA instead (UpstreamAuthority
 * ejbca, mTLS with a client certificate from a Secret). examples/private-pki/README.md lists what to replace.
 */

const identities = [
  {
    name: 'admission-hook',
    spiffeIDTemplate: namespaceServiceAccountId(),
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'policy' } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'admission-hook' } },
    workloadSelectorTemplates: ['k8s:sa:admission-hook'],
    dnsNameTemplates: ['admission-hook.policy.svc'],
    ttl: '1h',
  },
];

const production = environment({
  name: 'production',
  preset: 'staging',
  trustDomain: 'pki.example.org',
  clusters: [{ name: 'dc1', region: 'dc1', apiServer: 'https://dc1.k8s.example.org' }],
  server: {
    caSubject: { country: 'US', organization: 'Example Org', commonName: 'Example SPIRE CA' },
    // A kubernetes.io/tls Secret (tls.crt, tls.key) with the intermediate the offline root issued for SPIRE,
    // and the offline root itself in a Secret of its own.
    upstreamAuthority: {
      type: 'disk',
      secret: { name: 'spire-upstream-ca' },
      bundle: { name: 'site-root-ca', key: 'ca.crt' },
    },
    notifiers: [{ type: 'k8sbundle', configMap: 'spire-bundle-pem', webhookLabel: 'pki.example.org/spire-ca-bundle' }],
  },
  identities,
});

const staging = environment({
  name: 'staging',
  preset: 'staging',
  trustDomain: 'staging.pki.example.org',
  clusters: [{ name: 'lab1', region: 'lab1', apiServer: 'https://lab1.k8s.example.org' }],
  server: {
    caSubject: { country: 'US', organization: 'Example Org', commonName: 'Example SPIRE staging CA' },
    upstreamAuthority: {
      type: 'ejbca',
      hostname: 'ejbca.example.org:8443',
      caName: 'Example Issuing CA',
      endEntityProfileName: 'SPIRE Intermediate',
      certificateProfileName: 'SUBCA',
      endEntityName: 'uri',
      clientCertificate: { name: 'spire-ejbca-client' },
      caCert: { name: 'spire-ejbca-client', key: 'ca.crt' },
    },
  },
  identities,
});

export const estate: EstateConfig = {
  repository: { url: 'https://git.example.org/platform/spire-gitops.git', targetRevision: 'main' },
  argocd: {
    namespace: 'argocd',
    project: 'spire',
    roles: { admin: ['example:platform-admins'], operator: ['example:platform-oncall'], viewer: ['example:security'] },
    notifications: { service: 'slack', recipients: ['spire-alerts'] },
  },
  flux: { namespace: 'flux-system', interval: '5m' },
  images: DEFAULT_IMAGES,
  environments: [production, staging],
};
