import { environment } from '../../lib/config/presets';
import { EstateConfig } from '../../lib/config/types';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { namespaceServiceAccountId } from '../../lib/identity/spiffe-id';

/*
 * SPIRE on a bare-metal cluster: node provisioning gives every node a certificate from the site's own CA
 * (subject CN = the Kubernetes node name), and the agents attest with it (x509pop); agents on VMs outside
 * the cluster attest with one-time join tokens. Replace the CA ConfigMap, the node certificate directory and
 * the names with yours (examples/on-prem/README.md lists them).
 */

const onPrem = environment({
  name: 'production',
  preset: 'staging',
  trustDomain: 'onprem.spire.example.org',
  clusters: [{ name: 'dc1', region: 'dc1', apiServer: 'https://dc1.k8s.example.org' }],
  server: {
    caSubject: { country: 'US', organization: 'Example Org', commonName: 'Example SPIRE CA' },
    // VMs beside the cluster: an operator runs `spire-server token generate -spiffeID ...` per VM.
    vmNodeAttestors: [{ type: 'join_token' }],
  },
  agent: {
    nodeAttestor: {
      type: 'x509pop',
      caBundleConfigMap: { name: 'node-ca', key: 'ca.crt' },
      nodeCertificateDir: '/etc/spire-agent/pki',
      certificateFile: 'node.crt',
      keyFile: 'node.key',
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
