import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { toYaml } from '../render/yaml';
import { ResolvedCluster } from '../resolve/model';

export interface ControllerManagerManifestsProps {
  /** The cluster's resolved model; it names the ConfigMap (`controllerManager.staticManifests`). */
  readonly resolved: ResolvedCluster;
}

/**
 * The manifests a controller manager in static manifest mode reads instead of the Kubernetes API: one ConfigMap, one
 * ClusterStaticEntry or ClusterFederatedTrustDomain a file, as the manager's loaders take them (one object a file, only
 * names ending in `.yaml`: api/v1alpha1/clusterstaticentry_loader.go ListClusterStaticEntries).
 */
export class ControllerManagerManifests extends Construct {
  private readonly files = new Map<string, string>();

  constructor(scope: Construct, id: string, props: ControllerManagerManifestsProps) {
    super(scope, id);
    const { resolved } = props;
    const manifests = resolved.controllerManager.staticManifests;
    if (!manifests) throw new Error(`${resolved.where}: the controller manager is not in static manifest mode`);
    const files = this.files;
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: { name: manifests.configMapName, namespace: resolved.server.namespace, labels: resolved.server.podLabels },
      // Read at synthesis, after every manifest was added; sorted so the order of the estate's lists never shows.
      data: Lazy.any({ produce: () => Object.fromEntries([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) }),
    });
  }

  /** Adds one manifest as `<prefix>-<name>.yaml`; a second file of the same name is a bug of the caller. */
  public addManifest(prefix: 'entry' | 'federation', name: string, manifest: Record<string, unknown>): void {
    // The loaders read only names ending in .yaml, one object a file (api/v1alpha1/*_loader.go List*).
    const file = `${prefix}-${name}.yaml`;
    if (this.files.has(file)) throw new Error(`static manifest ${file} is added twice`);
    this.files.set(file, toYaml(manifest));
  }
}
