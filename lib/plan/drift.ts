import { parseDuration } from '../duration';
import { FieldChange, diffFields } from './diff';
import { ClusterSnapshot, EstateSnapshot } from './model';
import { EmulatedEntry, Workload, selectEntries } from './select';

/*
 * Compares what a live SPIRE server holds (`spire-server entry show -output json`) with what the estate
 * promises for one cluster. Entries the controller manager creates carry its entryIDPrefix (the cluster
 * name; spire-controller-manager pkg/spireentry/reconciler.go: new IDs are the prefix followed by a UUID,
 * and shouldProcessOrDeleteEntryID leaves entries of other prefixes alone), so entries of the other clusters
 * that share the datastore are set aside rather than reported.
 */

export interface LiveEntry {
  readonly id: string;
  readonly spiffe_id: { readonly trust_domain: string; readonly path: string };
  readonly parent_id: { readonly trust_domain: string; readonly path: string };
  readonly selectors?: readonly { readonly type: string; readonly value: string }[];
  readonly x509_svid_ttl?: number;
  readonly jwt_svid_ttl?: number;
  readonly federates_with?: readonly string[];
  readonly admin?: boolean;
  readonly downstream?: boolean;
  readonly dns_names?: readonly string[];
  readonly hint?: string;
}

export interface DriftFinding {
  /** The live entry's ID, or what is missing. */
  readonly entry: string;
  readonly spiffeId: string;
  readonly reason: string;
  readonly fields: readonly FieldChange[];
}

export interface DriftReport {
  readonly environment: string;
  readonly cluster: string;
  readonly missing: readonly DriftFinding[];
  readonly extra: readonly DriftFinding[];
  readonly different: readonly DriftFinding[];
  readonly matching: number;
  /** Entries created by the managers of other clusters sharing this datastore. */
  readonly otherClusters: number;
  /** ClusterSPIFFEIDs without any live entry (no pod selected, or not reconciled); not drift by itself. */
  readonly identitiesWithoutEntries: readonly string[];
}

const idOf = (id: { trust_domain: string; path: string }) => `spiffe://${id.trust_domain}${id.path}`;
const selectorsOf = (entry: LiveEntry) => (entry.selectors ?? []).map((selector) => `${selector.type}:${selector.value}`);
const seconds = (duration: unknown): number => (typeof duration === 'string' && duration !== '' ? (parseDuration(duration) ?? NaN) / 1000 : 0);
const sortedKey = (spiffeId: string, parentId: string, selectors: readonly string[]) => JSON.stringify([spiffeId, parentId, [...selectors].sort()]);

/** Reads `spire-server entry show -output json` output. */
export function parseEntries(text: string, source = 'entries'): LiveEntry[] {
  let document: any;
  try { document = JSON.parse(text); } catch (error) { throw new Error(`${source}: not JSON: ${(error as Error).message}`); }
  if (!document || !Array.isArray(document.entries)) throw new Error(`${source}: expected {"entries": [...]} as spire-server entry show -output json prints it`);
  for (const [index, entry] of document.entries.entries()) {
    if (!entry?.spiffe_id?.trust_domain || typeof entry.spiffe_id.path !== 'string' || !entry.parent_id) {
      throw new Error(`${source}: entries[${index}] has no spiffe_id {trust_domain, path} or parent_id`);
    }
  }
  return document.entries;
}

/** The cluster of the estate the entries belong to: by the parent IDs' k8s_psat cluster names and trust domain. */
export function clusterOfEntries(estate: EstateSnapshot, entries: readonly LiveEntry[]): ClusterSnapshot | undefined {
  const counts = new Map<ClusterSnapshot, number>();
  for (const entry of entries) {
    const match = /^\/spire\/agent\/k8s_psat\/([^/]+)\//.exec(entry.parent_id.path);
    const cluster = estate.clusters.find((candidate) => candidate.trustDomain === entry.parent_id.trust_domain
      && (match ? candidate.clusterName === match[1] : candidate.entryIDPrefix !== undefined && entry.id.startsWith(candidate.entryIDPrefix)));
    if (cluster) counts.set(cluster, (counts.get(cluster) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function liveComparable(entry: LiveEntry) {
  return {
    x509SvidTtl: entry.x509_svid_ttl ?? 0,
    jwtSvidTtl: entry.jwt_svid_ttl ?? 0,
    federatesWith: [...(entry.federates_with ?? [])].sort(),
    admin: entry.admin === true,
    downstream: entry.downstream === true,
    hint: entry.hint ?? '',
  };
}

function ttlsMatch(live: number, promised: number, serverDefault: string | undefined): boolean {
  // An unset TTL is 0 in the entry (the server applies its default when it signs); accept either form.
  return live === promised || (promised === 0 && live === seconds(serverDefault));
}

function fieldDifferences(live: LiveEntry, promised: ReturnType<typeof liveComparable>, cluster: ClusterSnapshot): FieldChange[] {
  const actual = liveComparable(live);
  return diffFields(promised, actual).filter((change) => !(
    (change.field === 'x509SvidTtl' && ttlsMatch(actual.x509SvidTtl, promised.x509SvidTtl, cluster.server.defaultX509SvidTtl))
    || (change.field === 'jwtSvidTtl' && ttlsMatch(actual.jwtSvidTtl, promised.jwtSvidTtl, cluster.server.defaultJwtSvidTtl))));
}

function promisedFromSpec(spec: any, ttl: unknown, jwtTtl: unknown) {
  return {
    x509SvidTtl: seconds(ttl),
    jwtSvidTtl: seconds(jwtTtl),
    federatesWith: [...(spec.federatesWith ?? [])].sort(),
    admin: spec.admin === true,
    downstream: spec.downstream === true,
    hint: spec.hint ?? '',
  };
}

/** A regex a rendered value of the template matches: literal text, and any run without `/` for each action. */
function templatePattern(template: string, actionMatches = '[^/]*'): RegExp {
  const parts = template.split(/\{\{.*?\}\}/s).map((text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join(actionMatches)}$`);
}

function className(cluster: ClusterSnapshot, spec: any): boolean {
  const name = spec.className ?? '';
  return (name === '' && cluster.watchClassless) || name === cluster.className;
}

function emulatedComparable(entry: EmulatedEntry) {
  return promisedFromSpec({ federatesWith: entry.federatesWith, admin: entry.admin, downstream: entry.downstream, hint: entry.hint }, entry.x509SvidTtl, entry.jwtSvidTtl);
}

export interface DriftOptions {
  /**
   * Pods running in the cluster (`--pods`): the entries promised for them are then compared exactly, and
   * those the server lacks are reported missing.
   */
  readonly workloads?: readonly Workload[];
  /** Every cluster of the estate, to recognise entries of the other clusters sharing the datastore. */
  readonly estate?: EstateSnapshot;
}

export function driftReport(cluster: ClusterSnapshot, entries: readonly LiveEntry[], options: DriftOptions = {}): DriftReport {
  const missing: DriftFinding[] = [];
  const extra: DriftFinding[] = [];
  const different: DriftFinding[] = [];
  let matching = 0;
  let otherClusters = 0;
  const prefixes = (options.estate?.clusters ?? [cluster])
    .filter((candidate) => candidate.trustDomain === cluster.trustDomain && candidate.entryIDPrefix)
    .map((candidate) => ({ prefix: candidate.entryIDPrefix!, mine: candidate === cluster || (candidate.environment === cluster.environment && candidate.cluster === cluster.cluster) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const ours: LiveEntry[] = [];
  for (const entry of entries) {
    const owner = prefixes.find(({ prefix }) => entry.id.startsWith(prefix));
    if (owner && !owner.mine) { otherClusters++; continue; }
    if (!owner && cluster.entryIDPrefix) {
      extra.push({ entry: entry.id, spiffeId: idOf(entry.spiffe_id), reason: `its ID lacks the manager's entryIDPrefix (${cluster.entryIDPrefix}): created by hand or by another tool`, fields: [] });
      continue;
    }
    ours.push(entry);
  }

  const used = new Set<LiveEntry>();
  const byKey = new Map<string, LiveEntry[]>();
  for (const entry of ours) {
    const key = sortedKey(idOf(entry.spiffe_id), idOf(entry.parent_id), selectorsOf(entry));
    byKey.set(key, [...(byKey.get(key) ?? []), entry]);
  }

  // Static entries: exact.
  for (const [name, spec] of cluster.staticEntries) {
    if (!className(cluster, spec)) continue;
    const spiffeId = spec.spiffeID ?? spec.spiffeId;
    const key = sortedKey(spiffeId, spec.parentID ?? spec.parentId, spec.selectors ?? []);
    const live = byKey.get(key)?.find((entry) => !used.has(entry));
    if (!live) {
      missing.push({ entry: `ClusterStaticEntry ${name}`, spiffeId, reason: 'promised by the estate, absent on the server', fields: [] });
      continue;
    }
    used.add(live);
    const fields = [
      ...fieldDifferences(live, promisedFromSpec(spec, spec.x509SVIDTTL, spec.jwtSVIDTTL), cluster),
      ...diffFields([...(spec.dnsNames ?? [])].sort(), [...(live.dns_names ?? [])].sort(), 'dnsNames'),
    ];
    if (fields.length > 0) different.push({ entry: live.id, spiffeId, reason: `differs from ClusterStaticEntry ${name}`, fields });
    else matching++;
  }

  // Pod entries for the pods given: exact.
  if (options.workloads) {
    for (const workload of options.workloads) {
      for (const promised of selectEntries(cluster, workload).entries) {
        const uidSelector = promised.selectors[0];
        const live = ours.find((entry) => !used.has(entry) && idOf(entry.spiffe_id) === promised.spiffeId && selectorsOf(entry).includes(uidSelector));
        if (!live) {
          missing.push({ entry: `pod ${workload.namespace}/${workload.name} (${promised.by.join(', ')})`, spiffeId: promised.spiffeId, reason: 'promised for this pod, absent on the server', fields: [] });
          continue;
        }
        used.add(live);
        const fields = [
          ...fieldDifferences(live, emulatedComparable(promised), cluster),
          ...diffFields([...promised.selectors].sort(), [...selectorsOf(live)].sort(), 'selectors'),
          ...diffFields([...promised.dnsNames].sort(), [...(live.dns_names ?? [])].sort(), 'dnsNames'),
          ...(workload.nodeUid ? diffFields(promised.parentId, idOf(live.parent_id), 'parentId') : []),
        ];
        if (fields.length > 0) different.push({ entry: live.id, spiffeId: promised.spiffeId, reason: `differs from what ${promised.by.join(', ')} declares for pod ${workload.namespace}/${workload.name}`, fields });
        else matching++;
      }
    }
  }

  // Remaining pod entries: explained by a ClusterSPIFFEID's templates, or extra.
  const identities = [...cluster.identities.entries()].filter(([, spec]) => className(cluster, spec));
  const seen = new Set<string>();
  for (const entry of ours) {
    if (used.has(entry)) continue;
    const selectors = selectorsOf(entry);
    const spiffeId = idOf(entry.spiffe_id);
    const podUid = selectors.find((selector) => selector.startsWith('k8s:pod-uid:'));
    if (!podUid) {
      extra.push({ entry: entry.id, spiffeId, reason: 'no ClusterStaticEntry declares it (a static entry deleted from Git but left behind, or created by hand)', fields: [] });
      continue;
    }
    const others = selectors.filter((selector) => selector !== podUid).sort();
    const explains = ([, spec]: [string, any]) => templatePattern(spec.spiffeIDTemplate ?? '').test(spiffeId)
      && others.length === (spec.workloadSelectorTemplates ?? []).length
      && (spec.workloadSelectorTemplates ?? []).every((template: string) => others.some((selector) => templatePattern(template, '.*').test(selector)));
    const candidates = identities.filter(explains);
    const byHint = candidates.find(([, spec]) => (spec.hint ?? '') === (entry.hint ?? '')) ?? candidates[0];
    if (!byHint) {
      const named = identities.find(([, spec]) => (spec.hint ?? '') !== '' && spec.hint === entry.hint);
      if (named) {
        different.push({ entry: entry.id, spiffeId, reason: `hint names ClusterSPIFFEID ${named[0]}, whose templates do not render this SPIFFE ID and selectors (the identity changed and the manager has not reconciled, or the entry was edited)`, fields: [] });
      } else {
        extra.push({ entry: entry.id, spiffeId, reason: 'no ClusterSPIFFEID of this cluster declares an entry like it (left behind by a deleted identity, or created by hand)', fields: [] });
      }
      continue;
    }
    const [name, spec] = byHint;
    seen.add(name);
    const dnsPatterns = (spec.dnsNameTemplates ?? []).map((template: string) => templatePattern(template));
    const liveDns = entry.dns_names ?? [];
    const dnsProblems: FieldChange[] = [];
    for (const [index, pattern] of dnsPatterns.entries()) {
      if (!liveDns.some((dnsName) => pattern.test(dnsName))) dnsProblems.push({ field: `dnsNames (template ${index})`, before: spec.dnsNameTemplates[index], after: liveDns });
    }
    if (!spec.autoPopulateDNSNames && liveDns.length > dnsPatterns.length) dnsProblems.push({ field: 'dnsNames', before: spec.dnsNameTemplates ?? [], after: liveDns });
    const fields = [...fieldDifferences(entry, promisedFromSpec(spec, spec.ttl, spec.jwtTtl), cluster), ...dnsProblems];
    if (fields.length > 0) different.push({ entry: entry.id, spiffeId, reason: `differs from what ClusterSPIFFEID ${name} declares`, fields });
    else matching++;
  }
  const withEntries = new Set([...seen]);
  if (options.workloads) {
    for (const workload of options.workloads) for (const promised of selectEntries(cluster, workload).entries) promised.by.forEach((name) => withEntries.add(name));
  }
  return {
    environment: cluster.environment,
    cluster: cluster.cluster,
    missing, extra, different, matching, otherClusters,
    identitiesWithoutEntries: identities.map(([name]) => name).filter((name) => !withEntries.has(name)),
  };
}

export function formatDrift(report: DriftReport): string {
  const lines = [`drift of ${report.environment}/${report.cluster}:`];
  const section = (title: string, findings: readonly DriftFinding[]) => {
    if (findings.length === 0) return;
    lines.push(`  ${title}:`);
    for (const finding of findings) {
      lines.push(`    ${finding.entry} ${finding.spiffeId}: ${finding.reason}`);
      for (const field of finding.fields) lines.push(`        ${field.field}: promised ${JSON.stringify(field.before)}, live ${JSON.stringify(field.after)}`);
    }
  };
  section('missing', report.missing);
  section('extra', report.extra);
  section('different', report.different);
  if (report.identitiesWithoutEntries.length > 0) lines.push(`  no live entry (no selected pod, or not reconciled yet): ${report.identitiesWithoutEntries.join(', ')}`);
  lines.push(`${report.missing.length} missing, ${report.extra.length} extra, ${report.different.length} different, ${report.matching} matching, ${report.otherClusters} of other clusters`);
  return `${lines.join('\n')}\n`;
}

/** An emulated entry in the shape `spire-server entry show -output json` prints (TTLs in seconds, 0 when unset). */
export function entryShowOf(entry: EmulatedEntry): Omit<LiveEntry, 'id'> {
  const id = (spiffeId: string) => {
    const match = /^spiffe:\/\/([^/]+)(.*)$/.exec(spiffeId)!;
    return { trust_domain: match[1], path: match[2] };
  };
  return {
    spiffe_id: id(entry.spiffeId),
    parent_id: id(entry.parentId),
    selectors: entry.selectors.map((selector) => {
      const colon = selector.indexOf(':');
      return { type: selector.slice(0, colon), value: selector.slice(colon + 1) };
    }),
    x509_svid_ttl: seconds(entry.x509SvidTtl),
    jwt_svid_ttl: seconds(entry.jwtSvidTtl),
    federates_with: [...entry.federatesWith],
    admin: entry.admin,
    downstream: entry.downstream,
    dns_names: [...entry.dnsNames],
    hint: entry.hint,
  };
}

/**
 * The entries the cluster's controller manager creates for these pods, as `entry show -output json` would
 * print them: what a live server must hold for them, field by field.
 */
export function predictedEntries(cluster: ClusterSnapshot, workloads: readonly Workload[]): Omit<LiveEntry, 'id'>[] {
  return workloads.flatMap((workload) => selectEntries(cluster, workload).entries.map(entryShowOf));
}
