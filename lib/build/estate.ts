import { App, Chart } from 'cdk8s';
import { EstateConfig } from '../config/types';
import { deliveryTrees } from '../gitops/delivery';
import { ResolvedEstate } from '../resolve/model';
import { resolveEstate } from '../resolve/resolve';
import { ResolvedCluster } from '../resolve/model';
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
  /**
   * Files of other trees its kustomization.yaml lists too, relative to this tree (Flux builds a path with
   * files from anywhere in the repository).
   * @default - only its own objects
   */
  readonly references?: readonly string[];
}

export interface BuiltEstate {
  readonly app: App;
  readonly trees: OutputTree[];
  readonly clusters: ClusterChart[];
}

/**
 * Adds to one cluster's tree what the estate's data cannot say: extra objects (constructs created in
 * `chart`), labels, annotations. It runs once per cluster after the cluster's own constructs; what it adds
 * goes through the same checks (secrets, digests, names, sync waves) into the same tree.
 */
export type ClusterExtension = (chart: ClusterChart, cluster: ResolvedCluster) => void;

/**
 * The build stage: every chart of the estate from its resolved model; nothing is checked or written
 * yet. The GitOps trees (Argo CD, Flux) also read the estate as written: which environments each engine
 * delivers, promotion and sync windows. Without `resolved`, the estate is resolved first.
 */
export function buildEstate(
  estate: EstateConfig,
  resolved: ResolvedEstate = resolveEstate(estate),
  options: { readonly extend?: ClusterExtension } = {},
): BuiltEstate {
  const app = new App({ outdir: 'dist' });
  const clusters = resolved.clusters.map((cluster) => {
    const chart = new ClusterChart(app, `${cluster.environment.name}-${cluster.clusterName}`, { resolved: cluster });
    options.extend?.(chart, cluster);
    return chart;
  });
  const trees: OutputTree[] = clusters.map((chart) => ({
    path: chart.outputPath,
    chart,
    clusterTree: true,
    where: chart.context.where,
    requireImageDigests: chart.context.environment.requireImageDigests,
  }));
  for (const tree of deliveryTrees(app, estate, clusters)) {
    trees.push({ ...tree, clusterTree: false, where: tree.path, requireImageDigests: false });
  }
  return { app, trees, clusters };
}
