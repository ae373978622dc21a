import { dump } from 'js-yaml';

/**
 * The one YAML writer of the project. js-yaml quotes every string a YAML 1.1 reader (kustomize, Argo CD,
 * Flux) would take for a boolean, number or null (`'yes'`, `'on'`, `'0755'`), writes multi-line
 * strings as block literals and never folds lines. Key order is the caller's; cdk8s already sorts.
 */
export function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true, sortKeys: false });
}
