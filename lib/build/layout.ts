import { ApiObject, Chart } from 'cdk8s';
import { finishClusterTree } from '../gitops/delivery';
import { manifestFileName, renderKustomization } from '../render/kustomization';
import { toYaml } from '../render/yaml';
import { BuiltEstate, OutputTree } from './estate';
import { ClusterChart } from './cluster-chart';
import { NESTED_DOWNSTREAM_WAVE_SHIFT, syncWaveOfObject } from './sync-waves';

/** One object of a tree as it will be written: its path under dist/ and its YAML. */
export interface LaidOutObject {
  readonly tree: OutputTree;
  readonly manifest: any;
  /** Relative to dist/. */
  readonly path: string;
  /** Undefined when an earlier object of the estate already took `path`: this one is not written. */
  readonly yaml?: string;
}

export interface LaidOutEstate {
  /** Every object in tree order, duplicates included, so that checks report them where they occur. */
  readonly objects: readonly LaidOutObject[];
  /** File contents keyed by path under dist/: each tree's objects and its kustomization.yaml. */
  readonly files: Map<string, string>;
}

/** The wave of an object of a cluster tree: by kind, later for the downstream side of a nested tree. */
function waveOf(chart: Chart, object: ApiObject, kindWave: number): number {
  const cluster = chart instanceof ClusterChart ? chart as ClusterChart : undefined;
  const downstream = cluster?.context.nested !== undefined && !cluster.isNestedRootSide(object);
  return downstream && kindWave >= 0 ? kindWave + NESTED_DOWNSTREAM_WAVE_SHIFT : kindWave;
}

function applySyncWaves(chart: Chart): void {
  for (const construct of chart.node.findAll()) {
    if (!(construct instanceof ApiObject)) continue;
    if (construct.metadata.toJson().annotations?.['argocd.argoproj.io/hook']) continue;
    const wave = syncWaveOfObject(construct.kind, construct.metadata.getLabel('app.kubernetes.io/component'));
    // A kind the table lacks (only an extension adds one) is reported by the check stage.
    if (!wave) continue;
    construct.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(waveOf(chart, construct, wave.wave)));
    if (wave.customResource) {
      // Its CRD comes from another Application (spire-crds) that may not have synced yet on a new cluster.
      construct.metadata.addAnnotation('argocd.argoproj.io/sync-options', 'SkipDryRunOnMissingResource=true');
    }
  }
}

/**
 * The last step of the build stage: finishes the cluster trees (sync waves, state protection) and turns
 * every object into the file it becomes, without checking or writing anything.
 */
export function layOutEstate(built: BuiltEstate): LaidOutEstate {
  const objects: LaidOutObject[] = [];
  const files = new Map<string, string>();
  for (const tree of built.trees) {
    if (tree.clusterTree) {
      applySyncWaves(tree.chart);
      finishClusterTree(tree.chart);
    }
    // ApiObject.toJson, not Chart.toJson: the latter validates again and throws at the first chart,
    // while every problem of every chart should be reported together.
    const manifests = tree.chart.node.findAll()
      .filter((construct): construct is ApiObject => construct instanceof ApiObject)
      .map((object) => object.toJson());
    const names: string[] = [];
    for (const manifest of manifests) {
      const name = manifestFileName(manifest, tree.clusterTree);
      const path = `${tree.path}/${name}`;
      if (files.has(path)) {
        objects.push({ tree, manifest, path });
        continue;
      }
      const yaml = toYaml(manifest);
      objects.push({ tree, manifest, path, yaml });
      files.set(path, yaml);
      names.push(name);
    }
    files.set(`${tree.path}/kustomization.yaml`, renderKustomization([...names, ...(tree.references ?? [])]));
  }
  return { objects, files };
}
