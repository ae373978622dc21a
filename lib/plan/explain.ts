import { ClusterSnapshot, EstateSnapshot } from './model';
import { Selection, Workload, selectEntries } from './select';

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

export function formatExplanation(explanations: readonly ClusterExplanation[]): string {
  const lines: string[] = [];
  for (const { cluster, workload, selection } of explanations) {
    const labels = Object.entries(workload.labels).map(([key, value]) => `${key}=${value}`).join(',');
    lines.push(`${cluster.environment}/${cluster.cluster}: pod in ${workload.namespace} as ${workload.serviceAccountName}${labels ? ` with ${labels}` : ''}`);
    if (selection.entries.length === 0) lines.push('  no identity: no ClusterSPIFFEID gives this pod an entry');
    for (const entry of selection.entries) {
      lines.push(
        `  ${entry.spiffeId}`,
        `    from ClusterSPIFFEID ${entry.by.join(', ')}`,
        `    parent ${entry.parentId.replace(/[^/]+$/, '<node uid>')}`,
        `    selectors ${entry.selectors.map((selector) => selector.replace(/^k8s:pod-uid:.*$/, 'k8s:pod-uid:<pod uid>')).join(', ')}`,
        `    X509-SVID TTL ${entry.x509SvidTtl ?? `${cluster.server.defaultX509SvidTtl ?? '?'} (server default)`}, JWT-SVID TTL ${entry.jwtSvidTtl ?? `${cluster.server.defaultJwtSvidTtl ?? '?'} (server default)`}`,
        `    federates with ${entry.federatesWith.length ? entry.federatesWith.join(', ') : 'nobody'}`,
        `    DNS names ${entry.dnsNames.length ? entry.dnsNames.join(', ') : 'none'}`,
        `    admin ${entry.admin}, downstream ${entry.downstream}, hint ${JSON.stringify(entry.hint)}`,
      );
      if (entry.unusable) lines.push(`    NOT ISSUED: ${entry.unusable}`);
    }
    for (const note of selection.notes) lines.push(`  not ${note.identity}: ${note.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
