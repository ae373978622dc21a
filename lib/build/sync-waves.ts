/**
 * Argo CD sync waves inside a cluster tree, by kind, ordered by what each object needs at runtime. Argo CD
 * applies a wave, waits until all of it is healthy, then applies the next; so nothing may need an object
 * of a later wave to become healthy, and nothing whose creation needs a running webhook may share a wave
 * with the webhook's server.
 *
 * - Namespaces first; then config, RBAC, Services and the ValidatingWebhookConfiguration: the controller
 *   manager reads the webhook configuration when it starts (to mint its serving certificate for the
 *   Services it names) and exits when it is missing, so the server pod could never become ready before it.
 * - The server StatefulSet with its controller manager sidecar.
 * - Identities (ClusterSPIFFEID, ClusterFederatedTrustDomain, ClusterStaticEntry) once the server and the
 *   manager's webhook run (the webhook validates their creation), together with the agents and the CSI
 *   driver, which need the server but no identity.
 * - Deployments last: a workload that mounts the Workload API (the OIDC discovery provider, the sample
 *   workload) becomes ready only after the manager created its entry from its identity and an agent
 *   and the CSI driver serve it on its node.
 */
const WAVES: Record<string, number> = {
  Namespace: -2,
  ServiceAccount: -1,
  ClusterRole: -1,
  ClusterRoleBinding: -1,
  Role: -1,
  RoleBinding: -1,
  ConfigMap: -1,
  // Never with data (synth refuses secret material); e.g. a service account token Secret an extension adds.
  Secret: -1,
  Service: -1,
  NetworkPolicy: -1,
  PodDisruptionBudget: -1,
  CSIDriver: -1,
  ValidatingWebhookConfiguration: -1,
  // The identity policy is in force before the first identity is applied.
  ValidatingAdmissionPolicy: -1,
  ValidatingAdmissionPolicyBinding: -1,
  // Routes from outside the cluster, with the Services they lead to: they carry traffic once the pods are
  // ready and need nothing of a later wave. The Certificates they use are PreSync hooks (lib/spire/exposure.ts).
  Ingress: -1,
  TLSRoute: -1,
  HTTPRoute: -1,
  ReferenceGrant: -1,
  StatefulSet: 0,
  // The server's autoscaler, with the workload it scales (lib/spire/spire-server.ts).
  HorizontalPodAutoscaler: 0,
  ClusterSPIFFEID: 1,
  ClusterFederatedTrustDomain: 1,
  ClusterStaticEntry: 1,
  DaemonSet: 1,
  Deployment: 2,
  PodMonitor: 2,
  ServiceMonitor: 2,
  PrometheusRule: 2,
};

/**
 * A nested topology's cluster tree holds two servers, the one's CA signed through the other: the root's
 * side (root server at 0; its agents, CSI driver and registrations at 1) comes first, and the cluster's own
 * server, which starts only once a root agent gives it an SVID from its registration, with everything after
 * it, moves this many waves later (StatefulSet 2, identities and agents 3, Deployments 4).
 */
export const NESTED_DOWNSTREAM_WAVE_SHIFT = 2;

/** Kinds whose CRDs come from another Application or chart. */
const CUSTOM_RESOURCES = new Set([
  'ClusterSPIFFEID', 'ClusterFederatedTrustDomain', 'ClusterStaticEntry', 'PodMonitor', 'ServiceMonitor', 'PrometheusRule',
  'TLSRoute', 'HTTPRoute', 'ReferenceGrant',
]);


/**
 * Components whose workload is a server whatever its kind: a server run as a Deployment (server.workload.kind)
 * keeps the StatefulSet's wave, since the identities of the next wave need its webhook.
 */
const SERVER_COMPONENTS = new Set(['server', 'root-server']);

/** The wave of one object: its kind's, except a server's Deployment, which takes the server's. */
export function syncWaveOfObject(kind: string, component: string | undefined): { wave: number; customResource: boolean } | undefined {
  if (kind === 'Deployment' && component !== undefined && SERVER_COMPONENTS.has(component)) return syncWaveOf('StatefulSet');
  return syncWaveOf(kind);
}

/** The wave of a kind, or undefined for a kind the table lacks (one an extension added). */
export function syncWaveOf(kind: string): { wave: number; customResource: boolean } | undefined {
  const wave = WAVES[kind];
  return wave === undefined ? undefined : { wave, customResource: CUSTOM_RESOURCES.has(kind) };
}

export function syncWaveFor(kind: string): { wave: number; customResource: boolean } {
  const wave = syncWaveOf(kind);
  if (wave === undefined) throw new Error(`no sync wave is defined for kind ${kind}; add it to lib/build/sync-waves.ts`);
  return wave;
}
