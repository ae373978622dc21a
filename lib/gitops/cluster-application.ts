import { ClusterChart } from '../build/cluster-chart';
import { EnvironmentConfig, EstateConfig } from '../config/types';
import { SPIRE_CRDS_CHART } from '../config/versions';
import { ApplicationSource, SyncOption } from './argocd-application';
import { revisionOf } from './promotion';

/*
 * What the Application of a cluster is made of, shared by the hand-listed Applications and the
 * ApplicationSet template.
 */

/** Labels on Applications (and on the cluster Secrets an ApplicationSet selects). */
export const ENVIRONMENT_LABEL = 'spire-gitops/environment';
export const CLUSTER_LABEL = 'spire-gitops/cluster';
export const REGION_LABEL = 'spire-gitops/region';

/**
 * Annotations the spire-crds chart puts on each CRD (its charts/spire-crds/templates/*.yaml render
 * `.Values.annotations` into their metadata): an earlier wave than anything in the tree, server-side apply for their size, and never
 * deleted or pruned with the Application, since deleting a CRD deletes every ClusterSPIFFEID.
 */
export const CRD_ANNOTATIONS = {
  'argocd.argoproj.io/sync-wave': '-10',
  'argocd.argoproj.io/sync-options': 'Delete=false,Prune=false,ServerSideApply=true',
  // A Helm uninstall (Flux's HelmRelease removed) keeps them too.
  'helm.sh/resource-policy': 'keep',
};

export function applicationName(cluster: ClusterChart): string {
  return `spire-${cluster.context.environment.name}-${cluster.context.cluster.name}`;
}

/** `on-sync-failed` and `on-health-degraded` subscriptions of the configured service. */
export function notificationAnnotations(estate: EstateConfig): Record<string, string> {
  const { service, recipients } = estate.argocd.notifications;
  const to = recipients.join(';');
  return {
    [`notifications.argoproj.io/subscribe.on-sync-failed.${service}`]: to,
    [`notifications.argoproj.io/subscribe.on-health-degraded.${service}`]: to,
  };
}

/**
 * The CRD chart and the tree: one Application syncs both, so the CRDs' earlier wave orders them before
 * the CRs, and Argo CD skips the dry run of CRs whose CRD is part of the same sync (argo-cd
 * gitops-engine/pkg/sync/sync_context.go, hasCRDOfGroupKind).
 */
export function clusterSources(estate: EstateConfig, env: EnvironmentConfig, path: string): ApplicationSource[] {
  return [
    { repoURL: SPIRE_CRDS_CHART.repoURL, chart: SPIRE_CRDS_CHART.chart, targetRevision: SPIRE_CRDS_CHART.version, values: { annotations: { ...CRD_ANNOTATIONS } } },
    { repoURL: estate.repository.url, targetRevision: revisionOf(estate, env), path },
  ];
}

/** CreateNamespace lets the PreSync hooks run on a new cluster, before the Namespace object is applied. */
export const CLUSTER_SYNC_OPTIONS: readonly SyncOption[] = ['CreateNamespace=true', 'PruneLast=true', 'RespectIgnoreDifferences=true'];

export function webhookIgnoreDifferences(webhook: string) {
  return [{
    group: 'admissionregistration.k8s.io',
    kind: 'ValidatingWebhookConfiguration',
    name: webhook,
    // The controller manager patches caBundle at runtime; without this the app is never in sync.
    jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
  }];
}
