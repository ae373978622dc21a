/**
 * Typed building blocks for SPIFFE ID templates, so app teams need not write Go template syntax by hand.
 * Every template they produce starts with `spiffe://{{ .TrustDomain }}/`, which keeps IDs in the
 * environment's own trust domain.
 */

/** The label the API server gives every namespace: its name. Selectors pin a namespace with it. */
export const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

/** A path segment the controller manager fills in per pod. */
export class TemplateField {
  private constructor(public readonly template: string) {}

  public static readonly namespace = new TemplateField('{{ .PodMeta.Namespace }}');
  public static readonly serviceAccount = new TemplateField('{{ .PodSpec.ServiceAccountName }}');
  public static readonly podName = new TemplateField('{{ .PodMeta.Name }}');
  public static readonly clusterName = new TemplateField('{{ .ClusterName }}');

  /** A pod label's value; `index` works for keys with dashes and dots, where `.Labels.key` does not. */
  public static podLabel(key: string): TemplateField {
    return new TemplateField(`{{ index .PodMeta.Labels ${JSON.stringify(key)} }}`);
  }
}

export type PathSegment = string | TemplateField;

const LITERAL_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** `spiffe://{{ .TrustDomain }}/<segments joined by />`; literal segments are checked as SPIFFE path segments. */
export function spiffeIdTemplate(...segments: PathSegment[]): string {
  if (segments.length === 0) throw new Error('a SPIFFE ID template needs at least one path segment');
  const parts = segments.map((segment) => {
    if (segment instanceof TemplateField) return segment.template;
    if (!LITERAL_SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new Error(`SPIFFE ID path segment ${JSON.stringify(segment)} must be one segment of A-Z a-z 0-9 . _ - (no slashes)`);
    }
    return segment;
  });
  return `spiffe://{{ .TrustDomain }}/${parts.join('/')}`;
}

/** The shape the upstream chart uses: `spiffe://<trust domain>/ns/<namespace>/sa/<service account>`. */
export function namespaceServiceAccountId(...extra: PathSegment[]): string {
  return spiffeIdTemplate('ns', TemplateField.namespace, 'sa', TemplateField.serviceAccount, ...extra);
}
