export const PART_OF = 'spire';

/** The label keys the project sets on every object it renders; the estate's extra pod labels may not set them. */
export const PROJECT_LABEL_KEYS: readonly string[] = [
  'app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by',
];

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
