import { ApiObject, Chart } from 'cdk8s';

export const ARGOCD_SYNC_OPTIONS = 'argocd.argoproj.io/sync-options';
/** kustomize-controller skips objects with this annotation when it prunes or garbage-collects. */
export const FLUX_PRUNE = 'kustomize.toolkit.fluxcd.io/prune';

/**
 * Whether deleting or pruning this object would lose state: Namespaces (they hold PVCs and the bundle
 * ConfigMap the server publishes), StatefulSets with volume claims (the datastore and the CA keys of the
 * disk KeyManager), PVCs, and what delivers the database credentials and CA.
 */
export function holdsState(manifest: any, stateNames: ReadonlySet<string>): boolean {
  switch (manifest.kind) {
    case 'Namespace':
    case 'PersistentVolumeClaim':
      return true;
    case 'StatefulSet':
      return (manifest.spec?.volumeClaimTemplates?.length ?? 0) > 0;
    default:
      return stateNames.has(`${manifest.kind}/${manifest.metadata?.name}`);
  }
}

/** Adds `entries` to an object's comma-separated Argo CD sync options, keeping those it has. */
export function addSyncOptions(object: ApiObject, entries: readonly string[]): void {
  const current = (object.metadata.toJson().annotations?.[ARGOCD_SYNC_OPTIONS] ?? '').split(',').filter(Boolean);
  object.metadata.addAnnotation(ARGOCD_SYNC_OPTIONS, [...new Set([...current, ...entries])].join(','));
}

/**
 * Marks what holds state in a cluster tree so that neither engine ever deletes it: not when the object
 * leaves Git (Prune=false; Flux prune disabled) and not when its Application or Kustomization is deleted
 * (Delete=false; the same Flux annotation). `stateNames` are further `Kind/name` pairs to protect.
 */
export function protectState(chart: Chart, stateNames: ReadonlySet<string> = new Set()): void {
  for (const object of chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    if (!holdsState(object.toJson(), stateNames)) continue;
    addSyncOptions(object, ['Delete=false', 'Prune=false']);
    object.metadata.addAnnotation(FLUX_PRUNE, 'disabled');
  }
}
