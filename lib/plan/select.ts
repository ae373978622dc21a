import { LabelSelectorSpec } from '../config/types';
import { matches } from '../identity/cluster-spiffe-id';
import { spiffeIdProblem } from '../identity/policy';
import { ParsedTemplate, TemplateError, parseGoTemplate, renderTemplate } from '../identity/template';
import { ClusterSnapshot } from './model';

/*
 * Which registration entries spire-controller-manager v0.7.0 declares for one pod, emulated from its
 * source:
 * - pkg/spireentry/reconciler.go reconcileClass: only objects whose className equals the manager's are
 *   reconciled (an empty className only with watchClassless);
 * - addClusterSPIFFEIDEntriesState: non-fallback ClusterSPIFFEIDs first (a stable sort), namespaces by
 *   namespaceSelector (none: every namespace), namespaces the ignoreNamespaces regexes match skipped
 *   (pkg/namespace IsIgnored, unanchored regex match), pods by podSelector; a fallback one skips pods that
 *   a non-fallback one already gave an entry (a failed render gives none);
 * - api/v1alpha1 ParseClusterSPIFFEIDSpec: a template that does not parse disables the whole object;
 * - pkg/spireentry/entries.go renderPodEntry: parent ID from the default parent template (k8s_psat path
 *   with the node's UID), selectors k8s:pod-uid plus the rendered workload selectors (parseSelector:
 *   type:value, both non-empty), the SPIFFE ID rendered and required in the manager's trust domain
 *   (renderSPIFFEID), DNS names from the templates then, with autoPopulateDNSNames, from the pod's
 *   Endpoints (dnsNamesFromEndpoints: name, name.ns, name.ns.svc, name.ns.svc.<clusterDomain>, sorted),
 *   de-duplicated in that order (appendIfNotExists);
 * - reconciler.go makeEntryKey: entries with the same SPIFFE ID, parent ID and selectors are one entry,
 *   whichever objects declare it.
 */

export interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Labels of the pod's namespace; `kubernetes.io/metadata.name` is always added, as the apiserver does. */
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  readonly uid?: string;
  readonly nodeName?: string;
  readonly nodeUid?: string;
  /** Labels of the pod's node (template data `.NodeMeta.Labels`). */
  readonly nodeLabels?: Readonly<Record<string, string>>;
  /** Names of the Endpoints objects that list this pod (the Services that select it). */
  readonly endpoints?: readonly string[];
  /** Where the workload comes from, for reports. */
  readonly source: string;
}

export interface EmulatedEntry {
  readonly spiffeId: string;
  readonly parentId: string;
  readonly selectors: readonly string[];
  /** As the ClusterSPIFFEID states it; undefined means the server's default applies. */
  readonly x509SvidTtl?: string;
  readonly jwtSvidTtl?: string;
  readonly federatesWith: readonly string[];
  readonly dnsNames: readonly string[];
  readonly admin: boolean;
  readonly downstream: boolean;
  readonly hint: string;
  /** The ClusterSPIFFEIDs that declare it. */
  readonly by: readonly string[];
  /**
   * Set when a workload selector cannot match what the k8s workload attestor reports for this pod: the
   * entry exists, but the agent never issues its SVID to the pod.
   */
  readonly unusable?: string;
}

export interface IdentityNote {
  readonly identity: string;
  readonly reason: string;
}

export interface Selection {
  readonly entries: readonly EmulatedEntry[];
  /** Why each ClusterSPIFFEID that gives no entry does not. */
  readonly notes: readonly IdentityNote[];
}

const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';
const PLACEHOLDER_UID = '00000000-0000-0000-0000-000000000001';
const PLACEHOLDER_NODE_UID = '00000000-0000-0000-0000-00000000000a';

function parseSelector(rendered: string): string | Error {
  const colon = rendered.indexOf(':');
  if (colon < 0) return new Error(`invalid workload selector "${rendered}": expected at least one colon separate the type from the value`);
  if (colon === 0) return new Error(`invalid workload selector "${rendered}": type cannot be empty`);
  if (colon === rendered.length - 1) return new Error(`invalid workload selector "${rendered}": value cannot be empty`);
  return rendered;
}

/** What the k8s workload attestor reports for the pod, checked against one selector; undefined when it matches or cannot be told. */
function attestationMismatch(selector: string, workload: Workload): string | undefined {
  const [type, ...rest] = selector.split(':');
  if (type !== 'k8s') return undefined;
  const [kind, ...valueParts] = rest;
  const value = valueParts.join(':');
  switch (kind) {
    case 'ns': return value === workload.namespace ? undefined : `${selector} but the pod runs in namespace ${workload.namespace}`;
    case 'sa': return value === workload.serviceAccountName ? undefined : `${selector} but the pod runs as service account ${workload.serviceAccountName}`;
    case 'pod-name': return value === workload.name ? undefined : `${selector} but the pod is ${workload.name}`;
    case 'pod-label': {
      const colon = value.indexOf(':');
      const key = value.slice(0, colon);
      return workload.labels[key] === value.slice(colon + 1) ? undefined : `${selector} but the pod's label ${key} is ${JSON.stringify(workload.labels[key] ?? null)}`;
    }
    default: return undefined;
  }
}

function durationOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

interface ParsedSpec {
  readonly spiffeId: ParsedTemplate;
  readonly dnsNames: readonly ParsedTemplate[];
  readonly workloadSelectors: readonly ParsedTemplate[];
}

/*
 * Parsed as the manager's webhook parses them (api/v1alpha1/clusterspiffeid_webhook.go,
 * ParseClusterSPIFFEIDSpec: text/template Parse, nothing else): an unknown field in a branch a pod never
 * takes is no error here either; it fails only for the pods that take it, when the entry is rendered.
 */
function parseSpec(spec: any): ParsedSpec | Error {
  try {
    if (!spec.spiffeIDTemplate) return new Error('empty SPIFFEID template');
    return {
      spiffeId: parseGoTemplate(spec.spiffeIDTemplate),
      dnsNames: (spec.dnsNameTemplates ?? []).map((template: string) => parseGoTemplate(template)),
      workloadSelectors: (spec.workloadSelectorTemplates ?? []).map((template: string) => parseGoTemplate(template)),
    };
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
}

function entryKey(entry: { spiffeId: string; parentId: string; selectors: readonly string[] }): string {
  return JSON.stringify([entry.spiffeId, entry.parentId, [...entry.selectors].sort()]);
}

/** The entries the controller manager of this cluster declares for the workload, and why the others give none. */
export function selectEntries(cluster: ClusterSnapshot, workload: Workload): Selection {
  const notes: IdentityNote[] = [];
  const byKey = new Map<string, { entry: EmulatedEntry; by: string[] }>();
  const namespaceLabels = { ...workload.namespaceLabels, [NAMESPACE_LABEL]: workload.namespace };
  const ignoredBy = cluster.ignoreNamespaces.find((pattern) => new RegExp(pattern).test(workload.namespace));
  const uid = workload.uid ?? PLACEHOLDER_UID;
  const parentId = `spiffe://${cluster.trustDomain}/spire/agent/k8s_psat/${cluster.clusterName}/${workload.nodeUid ?? PLACEHOLDER_NODE_UID}`;
  let nonFallbackApplied: string | undefined;

  const identities = [...cluster.identities.entries()]
    .sort(([, a], [, b]) => Number(a.fallback === true) - Number(b.fallback === true));
  for (const [name, spec] of identities) {
    const className = spec.className ?? '';
    if (!((className === '' && cluster.watchClassless) || className === cluster.className)) {
      notes.push({ identity: name, reason: `className ${JSON.stringify(className)} is not the manager's (${cluster.className})` });
      continue;
    }
    const parsed = parseSpec(spec);
    if (parsed instanceof Error) {
      notes.push({ identity: name, reason: `the manager cannot parse it: ${parsed.message}` });
      continue;
    }
    if (spec.namespaceSelector && !matches(spec.namespaceSelector as LabelSelectorSpec, namespaceLabels)) {
      notes.push({ identity: name, reason: `namespaceSelector does not select namespace ${workload.namespace}` });
      continue;
    }
    if (ignoredBy !== undefined) {
      notes.push({ identity: name, reason: `namespace ${workload.namespace} is ignored by the manager (ignoreNamespaces ${ignoredBy})` });
      continue;
    }
    if (spec.podSelector && !matches(spec.podSelector as LabelSelectorSpec, workload.labels)) {
      notes.push({ identity: name, reason: `podSelector does not match the pod's labels ${JSON.stringify(workload.labels)}` });
      continue;
    }
    if (spec.fallback === true && nonFallbackApplied !== undefined) {
      notes.push({ identity: name, reason: `fallback, and ${nonFallbackApplied} already gives the pod an entry` });
      continue;
    }
    const data = {
      trustDomain: cluster.trustDomain,
      clusterName: cluster.clusterName,
      clusterDomain: cluster.clusterDomain,
      pod: {
        name: workload.name, namespace: workload.namespace, serviceAccountName: workload.serviceAccountName,
        labels: workload.labels, annotations: workload.annotations, uid, nodeName: workload.nodeName, nodeUid: workload.nodeUid, nodeLabels: workload.nodeLabels,
      },
    };
    let spiffeId: string;
    const selectors = [`k8s:pod-uid:${uid}`];
    const dnsNames: string[] = [];
    try {
      spiffeId = renderTemplate(parsed.spiffeId, data);
      const problem = spiffeIdProblem(spiffeId);
      if (problem) throw new TemplateError(`invalid SPIFFE ID "${spiffeId}": ${problem}`);
      const trustDomain = /^spiffe:\/\/([^/]*)/.exec(spiffeId)![1];
      if (trustDomain !== cluster.trustDomain) throw new TemplateError(`invalid SPIFFE ID: expected trust domain "${cluster.trustDomain}" but got "${trustDomain}"`);
      for (const template of parsed.dnsNames) {
        const name = renderTemplate(template, data);
        if (!dnsNames.includes(name)) dnsNames.push(name);
      }
      if (spec.autoPopulateDNSNames) {
        const fromEndpoints = (workload.endpoints ?? []).flatMap((endpoint) => [
          endpoint, `${endpoint}.${workload.namespace}`, `${endpoint}.${workload.namespace}.svc`,
          ...(cluster.clusterDomain ? [`${endpoint}.${workload.namespace}.svc.${cluster.clusterDomain}`] : []),
        ]).sort();
        for (const name of fromEndpoints) if (!dnsNames.includes(name)) dnsNames.push(name);
      }
      for (const template of parsed.workloadSelectors) {
        const selector = parseSelector(renderTemplate(template, data));
        if (selector instanceof Error) throw new TemplateError(`failed to render workload selector: ${selector.message}`);
        selectors.push(selector);
      }
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      notes.push({ identity: name, reason: `the entry fails to render (counted in status.stats.podEntryRenderFailures): ${error.message}` });
      continue;
    }
    if (spec.fallback !== true) nonFallbackApplied = name;
    const unusable = selectors.slice(1).map((selector) => attestationMismatch(selector, workload)).find((reason) => reason !== undefined);
    const entry: EmulatedEntry = {
      spiffeId, parentId, selectors,
      x509SvidTtl: durationOf(spec.ttl),
      jwtSvidTtl: durationOf(spec.jwtTtl),
      federatesWith: [...(spec.federatesWith ?? [])],
      dnsNames,
      admin: spec.admin === true,
      downstream: spec.downstream === true,
      hint: spec.hint ?? '',
      by: [],
      ...(unusable ? { unusable: `the entry selects ${unusable}, so the agent never issues it to this pod` } : {}),
    };
    const key = entryKey(entry);
    const existing = byKey.get(key);
    if (existing) existing.by.push(name);
    else byKey.set(key, { entry, by: [name] });
  }
  return {
    entries: [...byKey.values()].map(({ entry, by }) => ({ ...entry, by })),
    notes,
  };
}
