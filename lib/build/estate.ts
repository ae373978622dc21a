import { App, Chart } from 'cdk8s';
import { EstateConfig } from '../config/types';
import { deliveryTrees } from '../gitops/delivery';
import { ClusterChart } from './cluster-chart';

/** A chart and the dist/ subdirectory its objects go to (one kustomize tree). */
export interface OutputTree {
  readonly path: string;
  readonly chart: Chart;
  /** A cluster tree: objects get Argo CD sync waves by kind and namespaced ones a folder per namespace. */
  readonly clusterTree: boolean;
  /** `environment/cluster` or the directory, for messages. */
  readonly where: string;
  readonly requireImageDigests: boolean;
}

export interface BuiltEstate {
  readonly app: App;
  readonly trees: OutputTree[];
  readonly clusters: ClusterChart[];
}

/** The build stage: every chart of the estate; nothing is validated or written yet. */
export function buildEstate(estate: EstateConfig): BuiltEstate {
  const app = new App({ outdir: 'dist' });
  const clusters: ClusterChart[] = [];
  for (const environment of estate.environments) {
    for (const cluster of environment.clusters) {
      clusters.push(new ClusterChart(app, `${environment.name}-${cluster.name}`, {
        context: { environment, cluster, images: estate.images },
      }));
    }
  }
  const trees: OutputTree[] = clusters.map((chart) => ({
    path: chart.outputPath,
    chart,
    clusterTree: true,
    where: `${chart.context.environment.name}/${chart.context.cluster.name}`,
    requireImageDigests: chart.context.environment.requireImageDigests,
  }));
  for (const tree of deliveryTrees(app, estate, clusters)) {
    trees.push({ ...tree, clusterTree: false, where: tree.path, requireImageDigests: false });
  }
  return { app, trees, clusters };
}
