export const PART_OF = 'spire';

/** Recommended labels; selectors use only name and instance so a version bump never changes them. */
export function standardLabels(name: string, component: string, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'spire-gitops',
  };
}

export function selectorLabels(name: string, instance: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance };
}
