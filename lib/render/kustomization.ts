import { toYaml } from './yaml';

/** Byte order, not locale order: the same on every machine. */
export function sortedByCodePoint(items: readonly string[]): string[] {
  return [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The file an object becomes in its tree: `<namespace>/<kind>-<name>.yaml` in a cluster tree, else `<kind>-<name>.yaml`. */
export function manifestFileName(manifest: { readonly kind: string; readonly metadata: { readonly name?: string; readonly namespace?: string } }, folderPerNamespace: boolean): string {
  const kind = String(manifest.kind).toLowerCase();
  const name = String(manifest.metadata.name);
  const namespace = manifest.metadata.namespace;
  return namespace && folderPerNamespace ? `${namespace}/${kind}-${name}.yaml` : `${kind}-${name}.yaml`;
}

/** A kustomization that only lists the tree's files (no namespace, patches or generators). */
export function renderKustomization(resources: readonly string[]): string {
  return toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: sortedByCodePoint(resources),
  });
}
