import { ClusterSnapshot, EstateSnapshot } from './model';
import { EmulatedEntry, Selection, Workload, selectEntries } from './select';

export interface ExplainRequest {
  readonly environment: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly namespaceLabels?: Readonly<Record<string, string>>;
  /** @default - every cluster of the environment */
  readonly cluster?: string;
}

export interface ClusterExplanation {
  readonly cluster: ClusterSnapshot;
  readonly workload: Workload;
  readonly selection: Selection;
}

/** What each cluster of the environment registers for a pod with this namespace, service account and labels. */
export function explain(estate: EstateSnapshot, request: ExplainRequest): ClusterExplanation[] {
  const clusters = estate.clusters.filter((cluster) => cluster.environment === request.environment
    && (request.cluster === undefined || cluster.cluster === request.cluster));
  if (clusters.length === 0) {
    const environments = [...new Set(estate.clusters.map((cluster) => `${cluster.environment}/${cluster.cluster}`))];
    throw new Error(`no cluster ${request.environment}${request.cluster ? `/${request.cluster}` : ''} in the estate (have ${environments.join(', ')})`);
  }
  const workload: Workload = {
    name: `${request.labels?.['app.kubernetes.io/name'] ?? request.serviceAccount}-0`,
    namespace: request.namespace,
    serviceAccountName: request.serviceAccount,
    labels: { ...request.labels },
    namespaceLabels: request.namespaceLabels,
    source: 'explain',
  };
  return clusters.map((cluster) => ({ cluster, workload, selection: selectEntries(cluster, workload) }));
}

/** Whether the pod gets an SVID from every cluster explained: an entry that its selectors let the agent issue. */
export function getsIdentityEverywhere(explanations: readonly ClusterExplanation[]): boolean {
  return explanations.every(({ selection }) => selection.entries.some((entry) => entry.unusable === undefined));
}

/**
 * Where the server gets each partner's bundle: the ClusterFederatedTrustDomain for that trust domain that
 * this cluster's manager reconciles (spire-controller-manager pkg/spirefederationrelationship/reconciler.go
 * reconcileClass: the manager's className, or none with watchClassless). Without one the
 * server holds no bundle of that trust domain and the entry's federatesWith gives the pod nothing for it.
 */
function federationLine(cluster: ClusterSnapshot, trustDomain: string): string {
  const relationship = [...cluster.federations.entries()].find(([, spec]) => spec.trustDomain === trustDomain
    && ((spec.className ?? '') === cluster.className || ((spec.className ?? '') === '' && cluster.watchClassless)));
  if (!relationship) return `${trustDomain}: NO ClusterFederatedTrustDomain this cluster's manager reconciles, so the server has no bundle of it to give the pod`;
  const [name, spec] = relationship;
  const profile = spec.bundleEndpointProfile?.type ?? '?';
  return `${trustDomain}: bundle from ${spec.bundleEndpointURL} (${profile}${profile === 'https_spiffe' ? ` as ${spec.bundleEndpointProfile.endpointSPIFFEID}` : ''}), ClusterFederatedTrustDomain ${name}`;
}

/** Template data explain has to invent: the ID or DNS names that use it hold a stand-in. */
const STAND_INS: readonly [RegExp, string][] = [
  [/\.PodMeta\.Name\b/, 'pod name'], [/\.PodMeta\.UID\b/, 'pod UID'], [/\.PodSpec\.NodeName\b/, 'node name'], [/\.NodeMeta\b/, 'node'],
];

function standInNote(cluster: ClusterSnapshot, entry: EmulatedEntry, workload: Workload): string | undefined {
  const templates = entry.by.map((name) => cluster.identities.get(name)).flatMap((spec) => [spec?.spiffeIDTemplate ?? '', ...(spec?.dnsNameTemplates ?? [])]);
  const used = STAND_INS.filter(([pattern]) => templates.some((template) => pattern.test(template))).map(([, what]) => what);
  return used.length === 0 ? undefined : `    (the templates use the ${used.join(', ')}: shown for a pod named ${workload.name} on a stand-in node)`;
}

export function formatExplanation(explanations: readonly ClusterExplanation[]): string {
  const lines: string[] = [];
  for (const { cluster, workload, selection } of explanations) {
    const labels = Object.entries(workload.labels).map(([key, value]) => `${key}=${value}`).join(',');
    lines.push(`${cluster.environment}/${cluster.cluster}: pod in ${workload.namespace} as ${workload.serviceAccountName}${labels ? ` with ${labels}` : ''}`);
    if (selection.entries.length === 0) lines.push('  no identity: no ClusterSPIFFEID gives this pod an entry');
    for (const entry of selection.entries) {
      const note = standInNote(cluster, entry, workload);
      lines.push(
        `  ${entry.spiffeId}`,
        ...(note ? [note] : []),
        `    from ClusterSPIFFEID ${entry.by.join(', ')}`,
        `    parent ${entry.parentId.replace(/[^/]+$/, '<node uid>')}`,
        `    selectors ${entry.selectors.map((selector) => selector.replace(/^k8s:pod-uid:.*$/, 'k8s:pod-uid:<pod uid>')).join(', ')}`,
        `    X509-SVID TTL ${entry.x509SvidTtl ?? `${cluster.server.defaultX509SvidTtl ?? '?'} (server default)`}, JWT-SVID TTL ${entry.jwtSvidTtl ?? `${cluster.server.defaultJwtSvidTtl ?? '?'} (server default)`}`,
        ...(entry.federatesWith.length === 0 ? ['    federates with nobody']
          : ['    federates with', ...entry.federatesWith.map((trustDomain) => `      ${federationLine(cluster, trustDomain)}`)]),
        `    DNS names ${entry.dnsNames.length ? entry.dnsNames.join(', ') : 'none'}`,
        `    admin ${entry.admin}, downstream ${entry.downstream}, hint ${JSON.stringify(entry.hint)}`,
      );
      if (entry.unusable) lines.push(`    NOT ISSUED: ${entry.unusable}`);
    }
    for (const note of selection.notes) lines.push(`  not ${note.identity}: ${note.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
