import { environment } from '../../lib/config/presets';
import { DEFAULT_IMAGES } from '../../lib/config/versions';
import { EstateConfig } from '../../lib/config/types';

/*
 * Istio on SPIRE: the sidecars and gateways of one staging cluster take their certificates from the SPIRE
 * agent's Envoy SDS API instead of istiod's CA. The tree carries the agent (its Workload API socket named
 * as Istio's proxy expects it), the `istio-mesh` ClusterSPIFFEID that issues Istio's
 * spiffe://<trust domain>/ns/<namespace>/sa/<service account> IDs to pods the injection template marks,
 * and the istiod Helm values (ConfigMap spire-system/spire-istio-values) with meshConfig.trustDomain set to
 * this trust domain. The agent also serves its admin socket to one delegate, renews SVIDs early enough
 * to ride out a day of server downtime, attests pods whose proxy holds the application back by pod alone
 * (no container selectors), runs the unix attestor beside k8s, and rebootstraps after a missed CA change.
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
      trustDomain: 'mesh.example.org',
      clusters: [{ name: 'mesh-a', region: 'region-a', apiServer: 'https://mesh-a.k8s.example.org' }],
      server: {
        caSubject: { country: 'US', organization: 'Example', commonName: 'Example SPIRE CA' },
        // SVIDs that outlive the agent's availability target by the 12h SPIRE needs to renew them in time,
        // under a CA that outlives them six times.
        defaultX509SvidTtl: '36h',
        caTtl: '216h',
      },
      identityPolicy: { maxTtl: '36h' },
      agent: {
        // Istio's proxy asks for `default` and `ROOTCA`, SPIRE's defaults: stated here to show where they live.
        sds: { defaultSvidName: 'default', defaultBundleName: 'ROOTCA' },
        // A node-level agent (e.g. a CNI's) that obtains the SVIDs of the pods on its node.
        adminSocket: { authorizedDelegates: ['spiffe://mesh.example.org/ns/kube-system/sa/node-delegate'] },
        availabilityTarget: '24h',
        workloadX509SvidKeyType: 'ec-p256',
        x509SvidCacheMaxSize: 2000,
        // The kubelets serve self-signed certificates (no serving certificate rotation): the agent trusts each node's own
        // certificate, read from the node, instead of skipping verification.
        kubeletVerification: 'hostCert',
        workloadAttestors: {
          // Pods with Istio's holdApplicationUntilProxyStarts: the proxy asks for its SVID from a postStart hook, and
          // the kubelet reports no container status until that hook returns, so the attestor must attest by pod alone.
          k8s: { disableContainerSelectors: true },
          // unix:uid selectors beside the pod's: e.g. Istio's proxy runs as uid 1337.
          unix: {},
        },
        // After a server CA replacement the agent missed, it drops its cached bundle after 10m and starts over from
        // the bundle ConfigMap (k8s_psat attests again at no cost).
        rebootstrapMode: 'auto',
        rebootstrapDelay: '10m',
      },
      mesh: { type: 'istio', meshTrustDomain: 'mesh.example.org' },
    }),
  ],
};
