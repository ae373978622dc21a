import { environment } from '../../lib/config/presets';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { EstateConfig } from '../../lib/config/types';

/*
 * The controller manager in static manifest mode: it reads the environment's registration entries and
 * federation relationships from files of a ConfigMap synth renders, and nothing from the Kubernetes API.
 * The workloads of the cluster get their identities from static entries parented on one node alias that
 * every agent of the cluster belongs to (k8s_psat's node selectors), instead of ClusterSPIFFEIDs, which
 * need the API and so do not exist in this mode. The manager's tuning options are set beside it.
 */

const CLUSTER = 'edge-1';
/** Every agent of the cluster, as k8s_psat attests it (SPIRE doc/plugin_server_nodeattestor_k8s_psat.md, selectors). */
const NODES = `/cluster/${CLUSTER}/nodes`;

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
      name: 'edge',
      preset: 'staging',
      trustDomain: 'edge.example.org',
      clusters: [{ name: CLUSTER, region: 'region-a', apiServer: 'https://edge-1.k8s.example.org' }],
      server: {
        replicas: 1,
        caSubject: { country: 'US', organization: 'Example', commonName: 'Example SPIRE CA' },
        controllerManager: {
          staticManifestMode: 'internal',
          // A removed entry is gone from SPIRE within 5 s of its manifest leaving the ConfigMap volume.
          gcInterval: '5s',
          logEncoding: 'console',
          reconcile: { clusterStaticEntries: true, clusterFederatedTrustDomains: true },
        },
      },
      identityPolicy: { allowedFederation: ['partner.example.net'] },
      staticEntries: [
        {
          name: 'edge-1-nodes',
          spiffeIdPath: NODES,
          parentIdPath: '/spire/server',
          selectors: [`k8s_psat:cluster:${CLUSTER}`, 'k8s_psat:agent_ns:spire-system', 'k8s_psat:agent_sa:spire-agent'],
        },
        {
          name: 'checkout',
          spiffeIdPath: '/ns/checkout/sa/checkout',
          parentIdPath: NODES,
          selectors: ['k8s:ns:checkout', 'k8s:sa:checkout'],
          x509SvidTtl: '1h',
          dnsNames: ['checkout.checkout.svc.cluster.local'],
        },
        {
          name: 'payments',
          spiffeIdPath: '/ns/payments/sa/payments',
          parentIdPath: NODES,
          selectors: ['k8s:ns:payments', 'k8s:sa:payments'],
          jwtSvidTtl: '10m',
        },
      ],
      federation: [{ trustDomain: 'partner.example.net', bundleEndpointURL: 'https://bundle.partner.example.net', profile: { type: 'https_web' } }],
    }),
  ],
};
