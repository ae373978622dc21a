import { ClusterSnapshot, EstateSnapshot } from './model';
import { EmulatedEntry, Workload, selectEntries } from './select';
import { examplePods, workloadKey } from './workloads';

export interface FieldChange {
  readonly field: string;
  readonly before: unknown;
  readonly after: unknown;
}

export type ObjectKind = 'ClusterSPIFFEID' | 'ClusterStaticEntry' | 'ClusterFederatedTrustDomain';

export interface ObjectChange {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly fields: readonly FieldChange[];
}

/** A change that cannot be applied in place, and what it takes. */
export interface Migration {
  readonly what: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly requires: string;
}

export interface WorkloadChange {
  readonly workload: string;
  readonly source: string;
  readonly change: 'gains' | 'loses' | 'changes' | 'entry changed';
  readonly before?: string;
  readonly after?: string;
  readonly fields: readonly FieldChange[];
  /** Set when the entry the workload gains or keeps is never issued to it (a selector it cannot match). */
  readonly note?: string;
}

export interface ClusterPlan {
  readonly environment: string;
  readonly cluster: string;
  readonly production: boolean;
  readonly status: 'added' | 'removed' | 'present';
  readonly identities: readonly ObjectChange[];
  readonly federation: readonly ObjectChange[];
  readonly topology: readonly FieldChange[];
  readonly policy: readonly FieldChange[];
  readonly migrations: readonly Migration[];
  readonly workloads: readonly WorkloadChange[];
}

export interface Plan {
  readonly clusters: readonly ClusterPlan[];
  /** Identity, static entry, federation, migration and workload changes, over all clusters. */
  readonly identityChanges: number;
  readonly productionIdentityChanges: number;
  /** 0: no production identity changes; 3: some (not an error: CI asks for a second approval). */
  readonly exitCode: 0 | 3;
}

export interface PlanOptions {
  /** Workloads checked in every cluster, besides the example pods of both sides' identities. */
  readonly workloads?: readonly Workload[];
  /**
   * Limits `workloads` to these clusters (`environment/cluster`).
   * @default - every cluster
   */
  readonly workloadClusters?: readonly string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field-level differences: objects by key, arrays and scalars as whole values. */
export function diffFields(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => diffFields(before[key], after[key], path ? `${path}.${key}` : key));
  }
  return JSON.stringify(before) === JSON.stringify(after) ? [] : [{ field: path, before, after }];
}

function diffObjects(kind: ObjectKind, before: ReadonlyMap<string, any> | undefined, after: ReadonlyMap<string, any> | undefined): ObjectChange[] {
  const changes: ObjectChange[] = [];
  const names = [...new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])])].sort();
  for (const name of names) {
    const a = before?.get(name);
    const b = after?.get(name);
    if (a === undefined) changes.push({ kind, name, change: 'added', fields: diffFields({}, b, 'spec') });
    else if (b === undefined) changes.push({ kind, name, change: 'removed', fields: [] });
    else {
      const fields = diffFields(a, b, 'spec');
      if (fields.length > 0) changes.push({ kind, name, change: 'changed', fields });
    }
  }
  return changes;
}

const MIGRATIONS: readonly { what: string; read: (cluster: ClusterSnapshot) => unknown; requires: string }[] = [
  {
    what: 'trust domain',
    read: (cluster) => cluster.trustDomain,
    requires: 'a new trust domain: every SPIFFE ID, entry and SVID changes and the CA starts afresh. Build the new trust domain beside the old one (a new environment), have federation partners and every peer that authorizes by SPIFFE ID accept the new IDs, move workloads, then retire the old one',
  },
  {
    what: 'CA key type (server.caKeyType)',
    read: (cluster) => cluster.server.caKeyType,
    requires: 'a CA rotation: the server prepares a CA of the new type only at its next rotation (spire-server localauthority x509 prepare/activate to force it); SVIDs signed by the old CA stay valid until they expire, and federation partners must have fetched the new bundle before it is activated',
  },
  {
    what: 'datastore (server.datastore type)',
    read: (cluster) => cluster.server.datastoreType,
    requires: 'moving the registration data: the new datastore starts empty (no entries, bundle history or attested agents). Export what the manager does not recreate (spire-server entry show -output json), switch, let the manager re-create its entries, and expect every agent to re-attest',
  },
  {
    what: 'KeyManager (server.keyManager type)',
    read: (cluster) => cluster.server.keyManager,
    requires: 'new CA keys: the server does not carry keys between KeyManagers, so it mints a new CA; federation partners must fetch the new bundle, and SVIDs from the old CA stay trusted only while the old keys remain in the bundle',
  },
  {
    what: 'own bundle endpoint profile',
    read: (cluster) => cluster.server.bundleEndpointProfile,
    requires: 'coordination with every federation partner: they authenticate this endpoint by its profile, so each must change its ClusterFederatedTrustDomain (bundleEndpointProfile) when this one changes, or their bundle refresh fails',
  },
  {
    what: 'server StatefulSet serviceName',
    read: (cluster) => cluster.server.statefulSetServiceName,
    requires: 'recreating the StatefulSet (the field is immutable): kubectl delete statefulset spire-server --cascade=orphan, then sync (Argo CD sync option Replace=true does both); the pods keep running meanwhile',
  },
  {
    what: 'server StatefulSet volumeClaimTemplates',
    read: (cluster) => cluster.server.volumeClaimTemplates,
    requires: 'recreating the StatefulSet (the field is immutable: kubectl delete statefulset spire-server --cascade=orphan, then sync); existing PersistentVolumeClaims are neither resized nor renamed, so a renamed template starts on empty volumes (sqlite data and disk CA keys lost) unless the data is copied first',
  },
];

function partnerProfileMigrations(before: ClusterSnapshot, after: ClusterSnapshot): Migration[] {
  const migrations: Migration[] = [];
  for (const [name, spec] of after.federations) {
    const previous = before.federations.get(name);
    if (!previous) continue;
    const a = previous.bundleEndpointProfile?.type;
    const b = spec.bundleEndpointProfile?.type;
    if (a !== b) {
      migrations.push({
        what: `bundle endpoint profile of ${spec.trustDomain ?? name}`,
        before: a,
        after: b,
        requires: b === 'https_spiffe'
          ? 'the partner\'s endpoint must already serve an SVID of its trust domain, and its current bundle must be committed (trustDomainBundle), or the bundle refresh fails from the switch on'
          : 'the partner\'s endpoint must already serve a Web PKI certificate for its host name, or the bundle refresh fails from the switch on',
      });
    }
  }
  return migrations;
}

function workloadLabel(workload: Workload): string {
  const labels = Object.entries(workload.labels).map(([key, value]) => `${key}=${value}`).join(',');
  return `pod ${workload.namespace}/${workload.name} (sa ${workload.serviceAccountName}${labels ? `, ${labels}` : ''})`;
}

function comparable(entry: EmulatedEntry) {
  return {
    selectors: entry.selectors.filter((selector) => !selector.startsWith('k8s:pod-uid:')),
    x509SvidTtl: entry.x509SvidTtl ?? null,
    jwtSvidTtl: entry.jwtSvidTtl ?? null,
    federatesWith: entry.federatesWith,
    dnsNames: entry.dnsNames,
    admin: entry.admin,
    downstream: entry.downstream,
    hint: entry.hint,
    usable: entry.unusable === undefined,
  };
}

function workloadChanges(before: ClusterSnapshot | undefined, after: ClusterSnapshot | undefined, workloads: readonly Workload[]): WorkloadChange[] {
  const changes: WorkloadChange[] = [];
  for (const workload of workloads) {
    const usable = (entries: readonly EmulatedEntry[]) => new Map(entries.map((entry) => [entry.spiffeId, entry]));
    const a = usable(before ? selectEntries(before, workload).entries : []);
    const b = usable(after ? selectEntries(after, workload).entries : []);
    const label = workloadLabel(workload);
    const lost = [...a.keys()].filter((id) => !b.has(id));
    const gained = [...b.keys()].filter((id) => !a.has(id));
    if (lost.length === 1 && gained.length === 1) {
      const entry = b.get(gained[0])!;
      changes.push({ workload: label, source: workload.source, change: 'changes', before: lost[0], after: gained[0], fields: diffFields(comparable(a.get(lost[0])!), comparable(entry)), ...(entry.unusable ? { note: entry.unusable } : {}) });
    } else {
      for (const id of lost) changes.push({ workload: label, source: workload.source, change: 'loses', before: id, fields: [] });
      for (const id of gained) {
        const entry = b.get(id)!;
        changes.push({ workload: label, source: workload.source, change: 'gains', after: id, fields: [], ...(entry.unusable ? { note: entry.unusable } : {}) });
      }
    }
    for (const [id, entry] of b) {
      const previous = a.get(id);
      if (!previous) continue;
      const fields = diffFields(comparable(previous), comparable(entry));
      if (fields.length > 0) changes.push({ workload: label, source: workload.source, change: 'entry changed', before: id, after: id, fields, ...(entry.unusable ? { note: entry.unusable } : {}) });
    }
  }
  return changes;
}

function clusterWorkloads(before: ClusterSnapshot | undefined, after: ClusterSnapshot | undefined, options: PlanOptions): Workload[] {
  const where = `${(after ?? before)!.environment}/${(after ?? before)!.cluster}`;
  const extra = !options.workloadClusters || options.workloadClusters.includes(where) ? options.workloads ?? [] : [];
  const seen = new Set<string>();
  const all: Workload[] = [];
  for (const workload of [...(before ? examplePods(before) : []), ...(after ? examplePods(after) : []), ...extra]) {
    const key = workloadKey(workload);
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(workload);
  }
  return all;
}

/** What changes between two estates, per environment and cluster. */
export function planSnapshots(base: EstateSnapshot, head: EstateSnapshot, options: PlanOptions = {}): Plan {
  const key = (cluster: ClusterSnapshot) => `${cluster.environment}/${cluster.cluster}`;
  const before = new Map(base.clusters.map((cluster) => [key(cluster), cluster]));
  const after = new Map(head.clusters.map((cluster) => [key(cluster), cluster]));
  const order = [...head.clusters.map(key), ...base.clusters.map(key).filter((name) => !after.has(name))];
  const clusters: ClusterPlan[] = [];
  for (const name of order) {
    const a = before.get(name);
    const b = after.get(name);
    const any = (b ?? a)!;
    const topology: FieldChange[] = [];
    const policy: FieldChange[] = [];
    const migrations: Migration[] = [];
    if (a && b) {
      for (const field of ['region', 'apiServer'] as const) {
        if (a[field] !== b[field]) topology.push({ field, before: a[field], after: b[field] });
      }
      policy.push(...diffFields(a.policy, b.policy, 'identityPolicy'));
      if (a.className !== b.className) policy.push({ field: 'controller manager className', before: a.className, after: b.className });
      if (JSON.stringify(a.ignoreNamespaces) !== JSON.stringify(b.ignoreNamespaces)) {
        policy.push({ field: 'controller manager ignoreNamespaces', before: a.ignoreNamespaces, after: b.ignoreNamespaces });
      }
      for (const field of ['defaultX509SvidTtl', 'defaultJwtSvidTtl'] as const) {
        if (a.server[field] !== b.server[field]) policy.push({ field: `server ${field}`, before: a.server[field], after: b.server[field] });
      }
      for (const migration of MIGRATIONS) {
        const x = migration.read(a);
        const y = migration.read(b);
        if (JSON.stringify(x) !== JSON.stringify(y)) migrations.push({ what: migration.what, before: x, after: y, requires: migration.requires });
      }
      migrations.push(...partnerProfileMigrations(a, b));
    }
    clusters.push({
      environment: any.environment,
      cluster: any.cluster,
      production: (a?.production ?? false) || (b?.production ?? false),
      status: !a ? 'added' : !b ? 'removed' : 'present',
      identities: [
        ...diffObjects('ClusterSPIFFEID', a?.identities, b?.identities),
        ...diffObjects('ClusterStaticEntry', a?.staticEntries, b?.staticEntries),
      ],
      federation: diffObjects('ClusterFederatedTrustDomain', a?.federations, b?.federations),
      topology,
      policy,
      migrations,
      workloads: workloadChanges(a, b, clusterWorkloads(a, b, options)),
    });
  }
  const count = (plan: ClusterPlan) => plan.identities.length + plan.federation.length + plan.migrations.length + plan.workloads.length
    + (plan.status === 'present' ? 0 : 1);
  const identityChanges = clusters.reduce((sum, plan) => sum + count(plan), 0);
  const productionIdentityChanges = clusters.filter((plan) => plan.production).reduce((sum, plan) => sum + count(plan), 0);
  return { clusters, identityChanges, productionIdentityChanges, exitCode: productionIdentityChanges > 0 ? 3 : 0 };
}
