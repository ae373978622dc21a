import { readFileSync } from 'node:fs';
import { samplePodFor } from '../identity/policy';
import { ClusterSnapshot } from './model';
import { Workload } from './select';

/** The inventory's example pod of every identity of the cluster (the pod dist/README.md shows). */
export function examplePods(cluster: ClusterSnapshot): Workload[] {
  return [...cluster.identities.entries()].map(([name, spec]) => {
    const pod = samplePodFor({ ...spec, name });
    return {
      name: pod.name, namespace: pod.namespace, serviceAccountName: pod.serviceAccountName,
      labels: { ...pod.labels }, source: `example pod of ${name}`,
    };
  });
}

/** A stable key of what selection depends on, to de-duplicate workloads from several sources. */
export function workloadKey(workload: Workload): string {
  const sorted = (record: Readonly<Record<string, string>> | undefined) => Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([workload.namespace, workload.serviceAccountName, workload.name, sorted(workload.labels), sorted(workload.namespaceLabels), workload.uid ?? '', [...(workload.endpoints ?? [])].sort()]);
}

/**
 * Workloads from `kubectl get pods,namespaces -A -o json` (a List). Namespaces give their labels; Endpoints
 * and Nodes, when the export has them, give autopopulated DNS names and the parent IDs' node UIDs.
 */
export function workloadsFromClusterExport(document: any, source = 'cluster export'): Workload[] {
  const items: any[] = Array.isArray(document?.items) ? document.items : [];
  if (!Array.isArray(document?.items)) throw new Error(`${source}: expected a List with items (kubectl get pods,namespaces -A -o json)`);
  const namespaceLabels = new Map<string, Record<string, string>>();
  const nodeUids = new Map<string, string>();
  const nodeLabels = new Map<string, Record<string, string>>();
  const endpointsByPod = new Map<string, string[]>();
  for (const item of items) {
    if (item?.kind === 'Namespace') namespaceLabels.set(item.metadata.name, item.metadata.labels ?? {});
    if (item?.kind === 'Node' && item.metadata?.uid) nodeUids.set(item.metadata.name, item.metadata.uid);
    if (item?.kind === 'Node') nodeLabels.set(item.metadata.name, item.metadata.labels ?? {});
    if (item?.kind === 'Endpoints') {
      for (const subset of item.subsets ?? []) {
        for (const address of [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])]) {
          const uid = address.targetRef?.uid;
          if (!uid) continue;
          const list = endpointsByPod.get(uid) ?? [];
          if (!list.includes(item.metadata.name)) list.push(item.metadata.name);
          endpointsByPod.set(uid, list);
        }
      }
    }
  }
  return items.filter((item) => item?.kind === 'Pod').map((pod) => ({
    name: pod.metadata.name,
    namespace: pod.metadata.namespace ?? 'default',
    serviceAccountName: pod.spec?.serviceAccountName || 'default',
    labels: pod.metadata.labels ?? {},
    annotations: pod.metadata.annotations,
    namespaceLabels: namespaceLabels.get(pod.metadata.namespace ?? 'default'),
    uid: pod.metadata.uid,
    nodeName: pod.spec?.nodeName,
    nodeUid: pod.spec?.nodeName ? nodeUids.get(pod.spec.nodeName) : undefined,
    nodeLabels: pod.spec?.nodeName ? nodeLabels.get(pod.spec.nodeName) : undefined,
    endpoints: pod.metadata.uid ? endpointsByPod.get(pod.metadata.uid) : undefined,
    source: `${source} pod ${pod.metadata.namespace}/${pod.metadata.name}`,
  }));
}

export function readClusterExport(path: string): Workload[] {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  return workloadsFromClusterExport(document, path);
}
