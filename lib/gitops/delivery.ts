import { App, Chart } from 'cdk8s';
import { ClusterChart } from '../build/cluster-chart';
import { EstateConfig } from '../config/types';
import { ArgoCdChart, ArgoCdRootChart } from './argocd-bootstrap';
import { engineRole } from './engines';
import { FluxBootstrapChart, FluxChart } from './flux';
import { DatastoreExternalSecrets, datastoreNeeds } from './secret-delivery';
import { protectState } from './state-protection';

export { gitopsProblems } from './validate';

/** A directory of dist/ that the delivery objects go to. */
export interface DeliveryTree {
  readonly path: string;
  readonly chart: Chart;
  /** Files of other trees its kustomization.yaml lists too (see OutputTree.references). */
  readonly references?: readonly string[];
}

/** Adds to each cluster tree what its environment's secret delivery renders (ExternalSecrets). */
function addSecretDelivery(cluster: ClusterChart): void {
  const delivery = cluster.context.environment.gitops.secretDelivery;
  if (delivery?.type !== 'external-secrets') return;
  const datastore = cluster.context.server.settings.datastore;
  if (!datastoreNeeds(datastore).secret) return;
  new DatastoreExternalSecrets(cluster, 'DatastoreSecrets', {
    delivery, datastore, namespace: cluster.context.server.namespace, clusterName: cluster.context.cluster.name,
  });
}

/**
 * Builds the GitOps side of the estate: secret delivery inside the cluster trees, then per Flux cluster
 * its `dist/flux/` and `dist/flux-bootstrap/` directories, and for the Argo CD clusters `dist/argocd/`
 * and `dist/argocd-bootstrap/`. Each engine renders what its role in the environment asks for.
 */
export function deliveryTrees(app: App, estate: EstateConfig, clusters: readonly ClusterChart[]): DeliveryTree[] {
  for (const cluster of clusters) addSecretDelivery(cluster);
  const trees: DeliveryTree[] = [];
  for (const cluster of clusters) {
    const role = engineRole(cluster.context.environment, 'flux');
    if (role === 'none') continue;
    const flux = new FluxChart(app, `flux-${cluster.node.id}`, { estate, cluster, role });
    trees.push({ path: flux.outputPath, chart: flux });
    if (flux.crds) trees.push({ path: flux.crdsPath, chart: flux.crds });
    if (flux.agents) trees.push({ path: flux.agentsPath, chart: flux.agents, references: flux.agentFiles });
    const bootstrap = new FluxBootstrapChart(app, `flux-bootstrap-${cluster.node.id}`, { estate, cluster });
    trees.push({ path: bootstrap.outputPath, chart: bootstrap });
  }
  const argoClusters = clusters.filter((cluster) => engineRole(cluster.context.environment, 'argocd') !== 'none');
  // While the last Argo CD environment is adopted by Flux, dist/argocd stays (without its Applications),
  // so the root prunes them instead of failing on a missing path.
  if (argoClusters.length > 0 || estate.environments.some((env) => env.gitops.handover?.from === 'argocd')) {
    const children = new ArgoCdChart(app, 'argocd', { estate, clusters: argoClusters });
    const root = new ArgoCdRootChart(app, 'argocd-bootstrap', { estate, children });
    trees.push({ path: 'argocd', chart: children }, { path: 'argocd-bootstrap', chart: root });
  }
  return trees;
}

/** The last touches on a cluster tree once its objects are final: what holds state is never deleted. */
export function finishClusterTree(chart: Chart): void {
  if (!(chart instanceof ClusterChart)) return;
  const datastore = (chart as ClusterChart).context.server.settings.datastore;
  const needs = datastoreNeeds(datastore);
  const stateNames = new Set<string>([
    ...(needs.secret ? [`ExternalSecret/${needs.secret.name}`] : []),
    ...(needs.caConfigMap ? [`ExternalSecret/${needs.caConfigMap}`, `ConfigMap/${needs.caConfigMap}`] : []),
  ]);
  protectState(chart, stateNames);
}
