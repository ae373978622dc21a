/**
 * Level controller-manager: examples/static-manifests synthesized by the CLI and synced, wave by wave, on a
 * kube-apiserver of its own as the live level syncs a tree (e2e/levels/cluster.ts), with the real SPIRE server
 * and spire-controller-manager v0.7.0 in static manifest mode beside it. Proves that:
 *  - the manager registers exactly what the rendered manifests say: every ClusterStaticEntry of the manifests
 *    ConfigMap is an entry of the server (`spire-server entry show`), under the cluster's entry ID prefix, and every
 *    ClusterFederatedTrustDomain a federation relationship (`spire-server federation list`);
 *  - an entry whose manifest is gone is deleted within gcInterval: the ConfigMap loses one file through the API, the
 *    volume loses it as the kubelet would update it, and the server no longer has the entry soon after;
 *  - the server's ServiceAccount holds exactly what the server needs (e2e/rbac.ts): no RBAC for the manager.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../../lib/duration';
import { CONTROLLER_MANAGER } from '../../lib/config/spire-facts';
import { estate as staticExample } from '../../examples/static-manifests/estate';
import { PodHandle } from '../pods';
import { checkRbac } from '../rbac';
import { run, waitFor } from '../processes';
import { Report } from '../report';
import { shortPath } from '../runtime';
import { ClusterTree, K8sObject, clusterTrees, objectsOf, where } from '../trees';
import { SyncedCluster, clusterLevels } from './cluster';
import { synthesizeExample } from './examples';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const EXAMPLE = 'static-manifests';

export interface ControllerManagerLevelEnv {
  readonly workDir: string;
  readonly binaries: Record<string, string>;
  readonly shared: string;
}

interface ExpectedEntry { readonly file: string; readonly spiffeId: string; readonly parentId: string; readonly selectors: string[] }

/** The manager's ConfigMaps in the tree: its config (static mode on) and the manifests it reads. */
function managerObjects(tree: ClusterTree): { config: Json; manifests: K8sObject } | undefined {
  const configMaps = objectsOf(tree).filter((o) => o.kind === 'ConfigMap');
  const configText = configMaps.map((o) => o.data?.['controller-manager-config.yaml']).find((text) => typeof text === 'string');
  const config = configText ? parse(configText) : undefined;
  const manifests = configMaps.find((o) => Object.values(o.data ?? {}).some((text) => /^kind: ClusterStaticEntry$/m.test(String(text))));
  return config && manifests ? { config, manifests } : undefined;
}

function expectedEntries(manifests: K8sObject): ExpectedEntry[] {
  return Object.entries(manifests.data as Record<string, string>)
    .map(([file, text]) => ({ file, object: parse(text) }))
    .filter(({ object }) => object.kind === 'ClusterStaticEntry')
    .map(({ file, object }) => ({ file, spiffeId: object.spec.spiffeID, parentId: object.spec.parentID, selectors: [...object.spec.selectors].sort() }));
}

function idString(id: Json): string {
  return `spiffe://${id.trust_domain}${id.path}`;
}

function sameEntry(entry: Json, expected: ExpectedEntry): boolean {
  const selectors = ((entry.selectors ?? []) as Json[]).map((s) => `${s.type}:${s.value}`).sort();
  return idString(entry.spiffe_id) === expected.spiffeId && idString(entry.parent_id) === expected.parentId
    && JSON.stringify(selectors) === JSON.stringify(expected.selectors);
}

/** The server's admin socket on the host, through the server container's volume mounts and the socket path of its server.conf. */
function serverSocket(tree: ClusterTree, pods: PodHandle[]): string | undefined {
  const conf = String(objectsOf(tree).filter((o) => o.kind === 'ConfigMap').map((o) => o.data?.['server.conf']).find((text) => typeof text === 'string') ?? '');
  const socketPath = /\bsocket_path = "([^"]+)"/.exec(conf)?.[1];
  const pod = pods.find((p) => p.pod.spec.containers.some((c: Json) => /spire-server:/.test(c.image)) && !p.pod.metadata.labels?.['job-name']);
  const container = pod?.pod.spec.containers.find((c: Json) => /spire-server:/.test(c.image));
  const mount = ((container?.volumeMounts ?? []) as Json[]).find((m) => socketPath?.startsWith(`${m.mountPath}/`));
  const volume = mount && pod?.volumes.get(mount.name);
  return volume && socketPath ? join(volume, socketPath.slice(mount.mountPath.length)) : undefined;
}

async function inspect(synced: SyncedCluster, report: Report, binaries: Record<string, string>): Promise<void> {
  const { tree, pods, client } = synced;
  const at = where(tree);
  const objects = managerObjects(tree);
  if (!report.check('manager', objects?.config?.staticManifestPath !== undefined, at, 'the manager\'s config names a static manifest path and a manifests ConfigMap exists')) return;
  const { config, manifests } = objects!;
  const socket = serverSocket(tree, pods);
  const serverPod = pods.find((p) => p.containers.has('spire-controller-manager'));
  const manager = serverPod?.containers.get('spire-controller-manager');
  if (!socket || !serverPod || !manager) {
    report.fail(at, 'controller-manager', 'no running server pod with its controller manager and a reachable admin socket');
    return;
  }
  const server = async (args: string[]) => {
    const result = await run(binaries['spire-server'], [...args, '-socketPath', shortPath(socket), '-output', 'json']);
    if (!result.ok) throw new Error(`spire-server ${args.join(' ')}: ${result.out}`);
    return JSON.parse(result.out);
  };
  const prefix = `${config.entryIDPrefix}.`;
  // The manager took the estate's gcInterval (rendered as an integer of nanoseconds) and static mode: its start-up
  // line says so (cmd/main.go parseConfig). The expectation is the estate's, not the rendered file's.
  const gcMs = parseDuration(staticExample.environments[0].server.controllerManager?.gcInterval ?? CONTROLLER_MANAGER.defaultGcInterval)!;
  const loaded = await waitFor('the manager\'s "Config loaded" line', 30000, () => manager.output().split('\n').find((line) => line.includes('Config loaded')), manager).catch(() => '');
  const goDuration = gcMs % 1000 === 0 && gcMs < 60000 ? `${gcMs / 1000}s` : undefined;
  report.check('manager', goDuration !== undefined && loaded.includes(`"gc interval": "${goDuration}"`) && loaded.includes('"reconcile ClusterSPIFFEIDs": false'), at,
    `the manager loaded gcInterval ${goDuration ?? gcMs + ' ms'} and runs without ClusterSPIFFEIDs`, loaded);
  const expected = expectedEntries(manifests);

  // Every manifest is an entry, created by the manager (its ID carries the cluster's prefix).
  const entries = await waitFor('the manager to create the entries of every manifest', 30000, async () => {
    const listed = ((await server(['entry', 'show'])).entries ?? []) as Json[];
    return expected.every((e) => listed.some((entry) => sameEntry(entry, e))) ? listed : undefined;
  }, manager).catch(async () => ((await server(['entry', 'show'])).entries ?? []) as Json[]);
  for (const e of expected) {
    const entry = entries.find((candidate) => sameEntry(candidate, e));
    report.check('manager', entry !== undefined && String(entry.id).startsWith(prefix), at, `${e.file}: entry ${e.spiffeId} under ${e.parentId} [${e.selectors.join(' ')}], ID prefixed ${prefix}`,
      entry ? `entry ID ${entry.id}` : `spire-server entry show has ${JSON.stringify(entries.map((x) => idString(x.spiffe_id)))}; manager said: ${manager.output().trim().split('\n').slice(-5).join(' | ')}`);
  }
  // Nothing beyond the manifests under the manager's prefix.
  const extra = entries.filter((entry) => String(entry.id).startsWith(prefix) && !expected.some((e) => sameEntry(entry, e)));
  report.check('manager', extra.length === 0, at, `no entry under ${prefix} beyond the manifests`, JSON.stringify(extra.map((x) => idString(x.spiffe_id))));

  // Every ClusterFederatedTrustDomain manifest is a federation relationship.
  const partners = Object.values(manifests.data as Record<string, string>).map((text) => parse(text)).filter((o) => o.kind === 'ClusterFederatedTrustDomain').map((o) => o.spec.trustDomain as string);
  for (const partner of partners) {
    const listed = await waitFor(`a federation relationship with ${partner}`, 30000, async () => {
      const relationships = ((await server(['federation', 'list'])).federation_relationships ?? []) as Json[];
      return relationships.some((r) => r.trust_domain === partner) ? relationships : undefined;
    }, manager).catch(() => undefined);
    report.check('manager', listed !== undefined, at, `federation relationship with ${partner}`, listed ? '' : 'spire-server federation list does not have it');
  }

  // A manifest leaves the ConfigMap: the entry goes within gcInterval (the manager's periodic reconcile).
  const removed = expected.find((e) => e.file.startsWith('entry-') && !e.selectors.some((s) => s.startsWith('k8s_psat:')));
  const volume = serverPod.volumes.get('controller-manager-manifests');
  if (!removed || !volume || !entries.some((entry) => sameEntry(entry, removed))) {
    report.check('manager', false, at, 'an entry deleted once its manifest is gone', 'no workload entry of a manifest was created, or the server pod has no manifests volume: nothing to remove');
    return;
  }
  const path = client.path('v1', 'ConfigMap', manifests.metadata.namespace, manifests.metadata.name);
  const current = await client.get('v1', 'ConfigMap', manifests.metadata.namespace, manifests.metadata.name);
  const data = { ...(current.data as Record<string, string>) };
  delete data[removed.file];
  await client.ok('PUT', path, { ...current, data });
  // What the kubelet does on its next sync of a ConfigMap volume whose ConfigMap changed: the file is gone.
  const stored = await client.get('v1', 'ConfigMap', manifests.metadata.namespace, manifests.metadata.name);
  for (const file of readdirSync(volume)) if (!(file in (stored?.data ?? {}))) rmSync(join(volume, file));
  const start = Date.now();
  // One gcInterval, and a few seconds for the reconcile itself: the manager has nothing else that would trigger it.
  const gone = await waitFor(`the entry of ${removed.file} to be deleted`, gcMs + 4000, async () => {
    const listed = ((await server(['entry', 'show'])).entries ?? []) as Json[];
    return listed.some((entry) => sameEntry(entry, removed)) ? undefined : listed;
  }, manager).catch(() => undefined);
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  console.log(`   (${at} ${removed.file}: its entry was ${gone ? `deleted ${seconds} s` : `still there ${seconds} s`} after the manifest left the volume; gcInterval ${gcMs / 1000} s)`);
  report.check('manager', gone !== undefined, at, `entry of ${removed.file} deleted once its manifest is gone (gcInterval ${gcMs / 1000} s; took ${seconds} s)`,
    gone ? '' : `still there after ${seconds} s`);
  if (gone) {
    const kept = expected.filter((e) => e !== removed).every((e) => gone.some((entry) => sameEntry(entry, e)));
    report.check('manager', kept, at, 'the other manifests\' entries are kept', 'an entry of a manifest still in the ConfigMap is gone too');
  }
  // The server's ServiceAccount holds exactly what the server needs: static mode ships no RBAC for the manager.
  await checkRbac(client, tree, report);
  report.check('manager', manager.exitCode() === undefined, at, 'the controller manager is still running (no probe or API call stopped it)', manager.output().trim().split('\n').slice(-5).join(' | '));
}

export async function controllerManagerLevel(report: Report, env: ControllerManagerLevelEnv): Promise<void> {
  const out = join(env.workDir, 'controller-manager', 'dist');
  mkdirSync(out, { recursive: true });
  const failure = await synthesizeExample(EXAMPLE, out);
  if (!report.check('manager', failure === undefined, `examples/${EXAMPLE}`, 'spire-gitops synth', failure)) return;
  for (const tree of clusterTrees(out)) {
    await clusterLevels(tree, report, {
      workDir: join(env.workDir, 'controller-manager', 'run'), binaries: env.binaries, shared: env.shared, levels: new Set(),
      inspect: (synced) => inspect(synced, report, env.binaries),
    });
  }
}
