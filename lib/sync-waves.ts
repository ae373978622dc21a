/**
 * Argo CD sync waves inside a cluster tree, by kind. Argo CD waits for each wave to be healthy before
 * the next. The ValidatingWebhookConfiguration comes with the config, before the server: the
 * controller manager reads it when it starts (to mint its serving certificate for the Services it
 * names) and exits when it is missing, so the server pod could never become ready before it.
 */
const WAVES: Record<string, number> = {
  Namespace: -2,
  ServiceAccount: -1,
  ClusterRole: -1,
  ClusterRoleBinding: -1,
  Role: -1,
  RoleBinding: -1,
  ConfigMap: -1,
  Service: -1,
  NetworkPolicy: -1,
  PodDisruptionBudget: -1,
  CSIDriver: -1,
  ValidatingWebhookConfiguration: -1,
  StatefulSet: 0,
  DaemonSet: 1,
  Deployment: 2,
};

/** Kinds whose CRDs come from another Application or chart, applied in the last wave. */
const CUSTOM_RESOURCES = new Set([
  'ClusterSPIFFEID', 'ClusterFederatedTrustDomain', 'ClusterStaticEntry', 'PodMonitor', 'ServiceMonitor', 'PrometheusRule',
]);

/** The last wave: identities and monitoring, once the webhook and the workloads they describe run. */
export const LAST_WAVE = 3;

export function syncWaveFor(kind: string): { wave: number; customResource: boolean } {
  if (CUSTOM_RESOURCES.has(kind)) return { wave: LAST_WAVE, customResource: true };
  const wave = WAVES[kind];
  if (wave === undefined) throw new Error(`no sync wave is defined for kind ${kind}; add it to lib/sync-waves.ts`);
  return { wave, customResource: false };
}
