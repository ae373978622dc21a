import { environment } from '../../lib/config/presets';
import { EstateConfig } from '../../lib/config/types';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';

/*
 * SPIRE on a bare-metal cluster: node provisioning gives every node a certificate from the site's own CA
 * (subject CN = the Kubernetes node name), and the agents attest with it (x509pop); agents on VMs outside
 * the cluster attest with one-time join tokens or by serving an HTTP challenge on their DNS name. Replace the CA ConfigMap, the node certificate directory and
 * the names with yours (examples/on-prem/README.md lists them).
 */

const onPrem = environment({
  name: 'production',
  preset: 'staging',
  trustDomain: 'onprem.spire.example.org',
  clusters: [{ name: 'dc1', region: 'dc1', apiServer: 'https://dc1.k8s.example.org' }],
  server: {
    caSubject: { country: 'US', organization: 'Example Org', commonName: 'Example SPIRE CA' },
    vmNodeAttestors: [
      // VMs beside the cluster: an operator runs `spire-server token generate -spiffeID ...` per VM.
      { type: 'join_token' },
      // VMs with a DNS name under vms.onprem.example.org: their agent serves a nonce on port 80, which only
      // root can bind, so a VM may attest again after a restart (tofu false) without an operator.
      {
        type: 'http_challenge',
        allowedDnsPatterns: ['^[a-z0-9-]+\\.vms\\.onprem\\.example\\.org$'],
        requiredPort: 80,
        allowNonRootPorts: false,
        tofu: false,
      },
    ],
  },
  agent: {
    nodeAttestor: {
      type: 'x509pop',
      caBundleConfigMap: { name: 'node-ca', key: 'ca.crt' },
      nodeCertificateDir: '/etc/spire-agent/pki',
      certificateFile: 'node.crt',
      keyFile: 'node.key',
      // The site CA issues node certificates through one intermediate, with keys of at most 4096 bits.
      maxIntermediates: 1,
      maxRsaKeySize: 4096,
    },
  },
  identities: [
    {
      name: 'billing',
      spiffeIDTemplate: namespaceServiceAccountId(),
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'billing' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'billing' } },
      workloadSelectorTemplates: ['k8s:sa:billing'],
      ttl: '1h',
    },
  ],
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
  environments: [onPrem],
};
