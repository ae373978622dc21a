import { toYaml } from './yaml';

/** Byte order, not locale order: the same on every machine. */
export function sortedByCodePoint(items: readonly string[]): string[] {
  return [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A kustomization that only lists the tree's files (no namespace, patches or generators). */
export function renderKustomization(resources: readonly string[]): string {
  return toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: sortedByCodePoint(resources),
  });
}
