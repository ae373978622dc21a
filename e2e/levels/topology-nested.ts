/**
 * Topology nested, live: examples/nested synthesized by the CLI; root and both downstream servers run by
 * the real programs from the trees' own configs, each cluster on a kube-apiserver of its own, synced as
 * Argo CD would, wave by wave.
 *  - workload-a (runs the root): the root server and its controller manager, the root's agent (k8s_psat),
 *    the cluster's own server as a downstream server (UpstreamAuthority spire, through the root agent's
 *    socket on the root's CSI volume) and the cluster's agent.
 *  - workload-b, synced while workload-a runs: its root agent attests to the root through workload-b's
 *    apiserver (the root reaches it with the kubeconfig the operator puts in spire-root/spire-root-kubeconfigs),
 *    its downstream server reaches the root at the estate's root.serverAddress (a load balancer in front of
 *    the root server, here a proxy on the node that /etc/hosts names), and its agent.
 * For each cluster: the root attested its root agent, registered its downstream server with downstream:
 * true, an X509-SVID the downstream server issues chains to a CA of the root's bundle, and the cluster's
 * agent attested to the downstream server.
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { APISERVER_PORT, Cluster, KubeClient, startCluster } from '../kube';
import { NodeNetwork } from '../net';
import { PodHandle } from '../pods';
import { Processes, run, waitFor } from '../processes';
import { Report } from '../report';
import { pemCertificates } from './topology-ha';
import { shortPath } from '../runtime';
import { ClusterTree, K8sObject, clusterTrees, objectsOf, where } from '../trees';
import { SyncedCluster, clusterLevels } from './cluster';
import { synthesizeExample } from './examples';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface TopologyEnv {
  readonly workDir: string;
  readonly binaries: Record<string, string>;
  readonly shared: string;
}

/** The admin socket of the server pod in `namespace`, on the host, from the tree's own server.conf. */
function serverSocket(tree: ClusterTree, pods: PodHandle[], namespace: string): string | undefined {
  const pod = pods.find((p) => p.pod.metadata.namespace === namespace && p.pod.spec.containers.some((c: Json) => /spire-server:/.test(c.image)) && !p.pod.metadata.labels?.['job-name']);
  const conf = objectsOf(tree).find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === namespace && /^server \{/m.test(String(o.data?.['server.conf'] ?? '')));
  const socketPath = /\bsocket_path = "([^"]+)"/.exec(String(conf?.data?.['server.conf'] ?? ''))?.[1];
  if (!pod || !socketPath) return undefined;
  const container = pod.pod.spec.containers.find((c: Json) => /spire-server:/.test(c.image));
  const mount = ((container?.volumeMounts ?? []) as Json[]).find((m) => socketPath.startsWith(`${m.mountPath}/`));
  const volume = mount && pod.volumes.get(mount.name);
  return volume ? join(volume, socketPath.slice(mount.mountPath.length)) : undefined;
}

/** A kubeconfig for `server` (an apiserver the e2e started), as the ServiceAccount whose `token` it carries. */
function kubeconfigFor(cluster: Cluster, server: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'e2e',
    clusters: [{ name: 'e2e', cluster: { server, 'certificate-authority-data': Buffer.from(cluster.caPem).toString('base64') } }],
    users: [{ name: 'e2e', user: { token } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e' } }],
  });
}

/** Verifies that `chain` (leaf first) chains to one of `roots`; true, or what broke. */
export function chainsTo(chain: X509Certificate[], roots: X509Certificate[]): true | string {
  if (chain.length === 0) return 'empty chain';
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey)) return `certificate ${i} (${chain[i].subject}) is not signed by certificate ${i + 1} (${chain[i + 1].subject})`;
  }
  const last = chain[chain.length - 1];
  const root = roots.find((ca) => last.checkIssued(ca) && last.verify(ca.publicKey));
  return root ? true : `the chain ends at ${last.subject.replace(/\n/g, ', ')} issued by ${last.issuer.replace(/\n/g, ', ')}, which none of the root's ${roots.length} CA(s) signed`;
}


/** What is checked for each cluster of the nested topology, once its tree is synced. */
interface NestedCluster {
  readonly tree: ClusterTree;
  readonly rootSocket: string;
  readonly trustDomain: string;
}

/**
 * A pod that mounts the root's CSI driver (the driver name as the tree's downstream server mounts it), as
 * the apiserver judges it (dry run) in `namespace`: allowed, or the denial message.
 */
async function rootCsiPodAdmission(client: KubeClient, tree: ClusterTree, namespace: string): Promise<{ allowed: boolean; said: string }> {
  const serverPod = objectsOf(tree).find((o) => o.kind === 'StatefulSet' && o.metadata.namespace === 'spire-server');
  const driver = ((serverPod?.spec?.template?.spec?.volumes ?? []) as Json[]).map((v) => v.csi?.driver).find((name) => name && name !== 'csi.spiffe.io');
  if (!driver) return { allowed: true, said: 'the downstream server mounts no root CSI volume' };
  const pod = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'root-socket-probe', namespace },
    spec: {
      serviceAccountName: 'spire-server', automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'probe', image: 'registry.example.org/probe@sha256:' + '0'.repeat(64),
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'root', mountPath: '/root-agent', readOnly: true }],
      }],
      volumes: [{ name: 'root', csi: { driver, readOnly: true } }],
    },
  };
  const response = await client.call('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, pod);
  return { allowed: response.status < 300, said: `${response.status}: ${String(response.body?.message ?? response.text).slice(0, 300)}` };
}

async function checkNestedCluster(report: Report, env: TopologyEnv, { tree, rootSocket, trustDomain }: NestedCluster, { pods, node, client }: SyncedCluster): Promise<void> {
  const at = where(tree);
  // Only the downstream server's namespace may mount the root agents' socket (the tree's ValidatingAdmissionPolicy).
  for (const namespace of ['spire-server', 'checkout']) {
    if (namespace !== 'spire-server') await client.call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    if (namespace !== 'spire-server') await client.call('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'spire-server' } });
    const judged = await rootCsiPodAdmission(client, tree, namespace);
    const want = namespace === 'spire-server';
    report.check('topologies', judged.allowed === want, at, `a pod mounting the root's CSI driver is ${want ? 'admitted' : 'denied'} in namespace ${namespace}`, judged.said);
  }
  const downstreamSocket = serverSocket(tree, pods, 'spire-server');
  if (!report.check('topologies', !!downstreamSocket, at, 'downstream server pod runs with a reachable admin socket',
    `downstream socket not found; pods ${pods.map((p) => `${p.pod.metadata.namespace}/${p.pod.metadata.name}`).join(', ')}`)) return;
  const server = async (socket: string, args: string[]): Promise<Json> => {
    const result = await run(env.binaries['spire-server'], [...args, '-socketPath', shortPath(socket), '-output', 'json']);
    if (!result.ok) throw new Error(`spire-server ${args.join(' ')}: ${result.out}`);
    return JSON.parse(result.out);
  };
  const agentIds = async (socket: string) => (((await server(socket, ['agent', 'list'])).agents ?? []) as Json[]).map((a) => `spiffe://${a.id.trust_domain}${a.id.path}`);
  const nodeAgent = `spiffe://${trustDomain}/spire/agent/k8s_psat/${tree.cluster}/${node.uid}`;

  // The root attested the cluster's root agent (k8s_psat, audience spire-root-server, through the cluster's apiserver).
  const rootAgents = await waitFor('the root agent in the root\'s agent list', 30000, async () => ((await agentIds(rootSocket)).includes(nodeAgent) ? true : undefined)).then(() => true, () => false);
  report.check('topologies', rootAgents, at, `root server attested the root agent ${nodeAgent}`, rootAgents ? '' : `root agent list: ${JSON.stringify(await agentIds(rootSocket))}`);

  // The root's controller manager registered the downstream server: a downstream entry pinned to its namespace and service account.
  const entries = ((await server(rootSocket, ['entry', 'show'])).entries ?? []) as Json[];
  const downstream = entries.filter((e) => e.downstream === true).map((e) => ({
    id: `spiffe://${e.spiffe_id.trust_domain}${e.spiffe_id.path}`, selectors: (e.selectors ?? []).map((s: Json) => `${s.type}:${s.value}`).sort(),
  }));
  const ownEntry = downstream.find((e) => e.id.endsWith(`/nested/downstream/${tree.cluster}`));
  const pinned = JSON.stringify(ownEntry?.selectors) === JSON.stringify(['k8s:ns:spire-server', 'k8s:sa:spire-server']);
  report.check('topologies', pinned, at, `root holds a downstream entry for ${tree.cluster}'s server, pinned to k8s:ns:spire-server and k8s:sa:spire-server`, pinned ? '' : `downstream entries at the root: ${JSON.stringify(downstream)}`);

  // An X509-SVID the downstream server issues chains to a CA of the root's bundle.
  const rootBundle = await run(env.binaries['spire-server'], ['bundle', 'show', '-format', 'pem', '-socketPath', shortPath(rootSocket)]);
  const roots = pemCertificates(rootBundle.out);
  const minted = await server(downstreamSocket!, ['x509', 'mint', '-spiffeID', `spiffe://${trustDomain}/e2e/nested-probe`, '-ttl', '10m']);
  const chain = ((minted.x509_svid ?? []) as string[]).map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  const chained = roots.length > 0 ? chainsTo(chain, roots) : `the root's bundle has no X.509 authority: ${rootBundle.out.slice(0, 200)}`;
  const selfSignedAtDownstream = chain.length > 0 && chain[chain.length - 1].checkIssued(chain[chain.length - 1]);
  report.check('topologies', chained === true && !selfSignedAtDownstream && chain.length >= 2, at,
    `X509-SVID from ${tree.cluster}'s downstream server verifies against the root bundle (chain of ${chain.length}: leaf, downstream CA, to the root CA)`,
    chained === true ? (selfSignedAtDownstream ? 'the downstream CA signs itself: it is not nested under the root' : `chain of ${chain.length}`) : chained);

  // The cluster's own agent attested to the downstream server.
  const attested = await waitFor('the cluster agent in the downstream server\'s agent list', 30000, async () => ((await agentIds(downstreamSocket!)).includes(nodeAgent) ? true : undefined)).then(() => true, () => false);
  report.check('topologies', attested, at, `downstream server attested the cluster's agent ${nodeAgent}`, attested ? '' : `downstream agent list: ${JSON.stringify(await agentIds(downstreamSocket!))}`);
}

/** The address and port the root's tree says its server listens on (server.conf of namespace spire-root). */
function rootServerConf(tree: ClusterTree): { trustDomain?: string; port: number } {
  const rootConf = String(objectsOf(tree).find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'spire-root' && o.data?.['server.conf'] !== undefined)?.data?.['server.conf'] ?? '');
  return { trustDomain: /trust_domain = "([^"]+)"/.exec(rootConf)?.[1], port: Number(/^\s*bind_port = "(\d+)"/m.exec(rootConf)?.[1] ?? 8081) };
}

/** Where the downstream server of `tree` reaches the root: its UpstreamAuthority spire's server_address and server_port. */
function upstreamAddress(tree: ClusterTree): { host: string; port: number } | undefined {
  const conf = String(objectsOf(tree).find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'spire-server' && /^server \{/m.test(String(o.data?.['server.conf'] ?? '')))?.data?.['server.conf'] ?? '');
  const upstream = /UpstreamAuthority "spire" \{[\s\S]*?server_address = "([^"]+)"[\s\S]*?server_port = "(\d+)"/.exec(conf);
  return upstream ? { host: upstream[1], port: Number(upstream[2]) } : undefined;
}

/** A workload cluster the root does not run in: its apiserver, started before the root, and the kubeconfig the root reaches it with. */
interface RemoteWorkload {
  readonly tree: ClusterTree;
  readonly cluster: Cluster;
  readonly processes: Processes;
  /** The kubeconfig the operator puts under the cluster's key in Secret spire-root/spire-root-kubeconfigs. */
  readonly kubeconfig: string;
  readonly remote: { readonly namespace: string; readonly name: string };
  readonly upstream: { readonly host: string; readonly port: number };
}

/**
 * Starts the apiserver of `tree`'s cluster on `network` and makes, as the operator does before the root's first
 * sync, the token of the ServiceAccount the tree ships for the root (so the account exists before the tree syncs).
 */
async function startRemoteWorkload(report: Report, env: TopologyEnv, tree: ClusterTree, network: NodeNetwork, etcdPort: number): Promise<RemoteWorkload | undefined> {
  const upstream = upstreamAddress(tree);
  if (!report.check('topologies', upstream !== undefined, where(tree), 'the downstream server names the root (UpstreamAuthority spire server_address)')) return undefined;
  const remote = objectsOf(tree).find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'spire-root-server-remote');
  if (!report.check('topologies', remote !== undefined, where(tree), 'the tree ships ServiceAccount spire-root-server-remote for the root')) return undefined;
  const dir = join(env.workDir, 'cluster', tree.env, tree.cluster);
  mkdirSync(dir, { recursive: true });
  const processes = new Processes(dir);
  const cluster = await startCluster(dir, env.binaries, processes, { apiserver: network.address(), etcdPort });
  const namespace = remote!.metadata.namespace!;
  const name = remote!.metadata.name;
  await cluster.admin.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  await cluster.admin.ok('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  const token = await cluster.admin.token(namespace, name, [], 3600);
  return { tree, cluster, processes, kubeconfig: kubeconfigFor(cluster, `https://${cluster.admin.host}:${APISERVER_PORT}`, token), remote: { namespace, name }, upstream: upstream! };
}

/** The Secret spire-root/spire-root-kubeconfigs as the operator creates it: one key per cluster the root does not run in. */
function kubeconfigSecret(workloads: readonly RemoteWorkload[]): K8sObject[] {
  return [{
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'spire-root-kubeconfigs', namespace: 'spire-root' }, type: 'Opaque',
    data: Object.fromEntries(workloads.map((workload) => [workload.tree.cluster, Buffer.from(workload.kubeconfig).toString('base64')])),
  }];
}

/** The running root as the workload clusters meet it. */
interface RunningRoot {
  readonly tree: ClusterTree;
  readonly socket: string;
  readonly trustDomain: string;
  readonly serverConf: string;
  /** The address root.serverAddress resolves to: a load balancer in front of the root server. */
  readonly address: string;
}

/** The root server pod of the synced root tree and its admin socket; undefined (reported) when it does not run. */
function rootPodOf(report: Report, tree: ClusterTree, synced: SyncedCluster): { pod: PodHandle; socket: string } | undefined {
  const socket = serverSocket(tree, synced.pods, 'spire-root');
  const pod = synced.pods.find((p) => p.pod.metadata.namespace === 'spire-root' && p.pod.spec.containers.some((c: Json) => /spire-server:/.test(c.image)) && !p.pod.metadata.labels?.['job-name']);
  if (!report.check('topologies', !!socket && !!pod, where(tree), 'root server pod runs with a reachable admin socket',
    `root socket ${socket ?? 'not found'}; pods ${synced.pods.map((p) => `${p.pod.metadata.namespace}/${p.pod.metadata.name}`).join(', ')}`)) return undefined;
  return { pod: pod!, socket: socket! };
}

/** First sync of a workload cluster the root does not run in, beside the running root, and the nested checks on it. */
async function syncBesideRoot(report: Report, env: TopologyEnv, root: RunningRoot, workload: RemoteWorkload, network: NodeNetwork): Promise<void> {
  const before = report.failed;
  await clusterLevels(workload.tree, report, {
    workDir: env.workDir, binaries: env.binaries, shared: env.shared, levels: new Set(['api']), failFast: true,
    beside: { network, cluster: workload.cluster, node: network.podNetwork() },
    hosts: { [workload.upstream.host]: root.address },
    remoteServers: [{ ...workload.remote, serverConf: root.serverConf }],
    inspect: (synced) => checkNestedCluster(report, env, { tree: workload.tree, rootSocket: root.socket, trustDomain: root.trustDomain }, synced),
  });
  report.check('topologies', report.failed === before, where(workload.tree),
    `first sync of ${workload.tree.cluster} (its root agent attesting to the root through its own apiserver, then its downstream server) beside the running root`);
}

/** The root tree's facts: its server.conf, trust domain and port. */
function rootFacts(report: Report, tree: ClusterTree, example: string): { serverConf: string; trustDomain: string; port: number } | undefined {
  const serverConf = String(objectsOf(tree).find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'spire-root' && o.data?.['server.conf'] !== undefined)?.data?.['server.conf']);
  const { trustDomain, port } = rootServerConf(tree);
  if (!report.check('topologies', trustDomain !== undefined, example, 'the root\'s trust domain in its server.conf')) return undefined;
  return { serverConf, trustDomain: trustDomain!, port };
}

async function nestedTrees(report: Report, env: TopologyEnv, example: string): Promise<{ root: ClusterTree; others: ClusterTree[] } | undefined> {
  const out = join(env.workDir, 'topologies', example);
  mkdirSync(out, { recursive: true });
  const failure = await synthesizeExample(example, out);
  if (!report.check('topologies', failure === undefined, `examples/${example}`, 'spire-gitops synth', failure)) return undefined;
  const trees = clusterTrees(out);
  const root = trees.find((tree) => objectsOf(tree).some((o) => o.kind === 'StatefulSet' && o.metadata.namespace === 'spire-root'));
  if (!report.check('topologies', root !== undefined, `examples/${example}`, 'a tree runs the root server (namespace spire-root)')) return undefined;
  return { root: root!, others: trees.filter((tree) => tree !== root) };
}

export async function topologyNested(report: Report, env: TopologyEnv): Promise<void> {
  const trees = await nestedTrees(report, env, 'nested');
  if (!trees) return;
  const { root: tree, others } = trees;
  const at = where(tree);
  const facts = rootFacts(report, tree, 'examples/nested');
  if (!facts || !report.check('topologies', others.length === 1, 'examples/nested', 'one more cluster beside the root\'s', `clusters ${[tree, ...others].map((t) => t.cluster).join(', ')}`)) return;

  // One node network for both clusters; workload-b's apiserver starts first, since the root loads every
  // cluster's kubeconfig when it starts (k8s_psat node attestor and k8s_configmap BundlePublisher).
  const network = new NodeNetwork(`sgx${process.pid}nest`);
  let second: RemoteWorkload | undefined;
  try {
    second = await startRemoteWorkload(report, env, others[0], network, 2391);
    if (!second) return;
    const workload = second;
    const inspect = async (synced: SyncedCluster): Promise<void> => {
      const rootPod = rootPodOf(report, tree, synced);
      if (!rootPod) return;
      await checkNestedCluster(report, env, { tree, rootSocket: rootPod.socket, trustDomain: facts.trustDomain }, synced);
      // workload-b, while the root runs: root.serverAddress is a load balancer in front of the root server.
      const address = await network.service(workload.upstream.port, () => ({ host: rootPod.pod.ip, port: facts.port }));
      await syncBesideRoot(report, env, { tree, socket: rootPod.socket, trustDomain: facts.trustDomain, serverConf: facts.serverConf, address }, workload, network);
    };
    const before = report.failed;
    await clusterLevels(tree, report, { workDir: env.workDir, binaries: env.binaries, shared: env.shared, levels: new Set(['api']), provide: () => kubeconfigSecret([workload]), inspect, failFast: true, beside: { network } });
    report.check('topologies', report.failed === before, at, 'first sync of the root\'s cluster (root side, then the downstream server) on kube-apiserver');
  } catch (error) {
    report.fail(where(others[0]), 'nested topology', (error as Error).message);
  } finally {
    await second?.processes.stopAll();
    network.close();
  }
}

/**
 * Topology nested with the root in a management cluster of its own (examples/nested-management): the
 * management tree alone on a kube-apiserver runs the root server and its controller manager, with no agent
 * and no rights in its own cluster; then each workload cluster on an apiserver of its own syncs beside it,
 * and gets the same checks as a cluster of examples/nested that the root does not run in.
 */
export async function topologyNestedManagement(report: Report, shared: TopologyEnv): Promise<void> {
  const example = 'nested-management';
  // Its workload clusters have the names of examples/nested's: a work directory of its own (short, for socket paths) keeps their etcd data apart.
  const env = { ...shared, workDir: join(shared.workDir, 'nm') };
  const trees = await nestedTrees(report, env, example);
  if (!trees) return;
  const { root: tree, others } = trees;
  const at = where(tree);
  const facts = rootFacts(report, tree, `examples/${example}`);
  if (!facts) return;
  const rootOnly = objectsOf(tree).filter((o) => o.kind === 'DaemonSet' || (o.metadata.namespace !== undefined && o.metadata.namespace !== 'spire-root'));
  if (!report.check('topologies', rootOnly.length === 0 && others.length === 2, at, 'the management tree runs only the root side (namespace spire-root, no DaemonSet), beside two workload trees',
    `outside spire-root: ${rootOnly.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).join(', ')}; workload trees ${others.map((t) => t.cluster).join(', ')}`)) return;

  // Every workload apiserver starts before the root, which loads every cluster's kubeconfig when it starts.
  const network = new NodeNetwork(`sgx${process.pid}mgmt`);
  const workloads: RemoteWorkload[] = [];
  try {
    for (const [index, other] of others.entries()) {
      const workload = await startRemoteWorkload(report, env, other, network, 2391 + 2 * index);
      if (!workload) return;
      workloads.push(workload);
    }
    const inspect = async (synced: SyncedCluster): Promise<void> => {
      const rootPod = rootPodOf(report, tree, synced);
      if (!rootPod) return;
      // No agent attests in the management cluster: the root's agent list is empty until a workload cluster syncs.
      const agents = await run(env.binaries['spire-server'], ['agent', 'list', '-socketPath', shortPath(rootPod.socket), '-output', 'json']);
      report.check('topologies', agents.ok && (JSON.parse(agents.out).agents ?? []).length === 0, at, 'the root runs with no agent of its own cluster', agents.out.slice(0, 300));
      // The tree's admission policy: the root's registrations were admitted by the sync; anything else of the root's class is not.
      const stray = {
        apiVersion: 'spire.spiffe.io/v1alpha1', kind: 'ClusterStaticEntry', metadata: { name: 'spire-downstream-elsewhere' },
        spec: {
          className: objectsOf(tree).find((o) => o.kind === 'ClusterStaticEntry')?.spec?.className, downstream: true, parentID: `spiffe://${facts.trustDomain}/nested/root-agents/workload-a`,
          spiffeID: `spiffe://${facts.trustDomain}/nested/downstream/elsewhere`, selectors: ['k8s:ns:elsewhere', 'k8s:sa:spire-server'],
        },
      };
      const judged = await synced.client.call('POST', '/apis/spire.spiffe.io/v1alpha1/clusterstaticentries?dryRun=All', stray);
      const said = String(judged.body?.message ?? judged.text).slice(0, 300);
      report.check('topologies', judged.status === 403 && said.includes('[clusterstaticentry-class-name]'), at,
        'the apiserver denies a ClusterStaticEntry of the root\'s class that is not one of its registrations (a downstream entry for another namespace)', `${judged.status}: ${said}`);
      // A registration the sync admitted cannot be retargeted: a downstream entry's selectors changed in place (dry run).
      const registered = objectsOf(tree).find((o) => o.kind === 'ClusterStaticEntry' && o.spec?.downstream === true);
      const retarget = await synced.client.call('PATCH', `/apis/spire.spiffe.io/v1alpha1/clusterstaticentries/${registered?.metadata.name}?dryRun=All`,
        { spec: { selectors: ['k8s:ns:elsewhere', 'k8s:sa:spire-server'] } }, 'application/merge-patch+json');
      const retargetSaid = String(retarget.body?.message ?? retarget.text).slice(0, 300);
      report.check('topologies', retarget.status === 403 && retargetSaid.includes('[clusterstaticentry-class-name]'), at,
        `the apiserver denies retargeting the root's registration ${registered?.metadata.name} (its selectors changed to another namespace)`, `${retarget.status}: ${retargetSaid}`);
      const upstreams = [...new Set(workloads.map((workload) => `${workload.upstream.host}:${workload.upstream.port}`))];
      if (!report.check('topologies', upstreams.length === 1, at, 'every workload cluster reaches the root at one address (root.serverAddress)', upstreams.join(', '))) return;
      const address = await network.service(workloads[0].upstream.port, () => ({ host: rootPod.pod.ip, port: facts.port }));
      for (const workload of workloads) {
        await syncBesideRoot(report, env, { tree, socket: rootPod.socket, trustDomain: facts.trustDomain, serverConf: facts.serverConf, address }, workload, network);
      }
      // The root issued to the root agents of both workload clusters, and to nothing of its own cluster.
      const listed = await run(env.binaries['spire-server'], ['agent', 'list', '-socketPath', shortPath(rootPod.socket), '-output', 'json']);
      const clusters = listed.ok ? [...new Set(((JSON.parse(listed.out).agents ?? []) as Json[]).map((a) => String(a.id.path).split('/')[4]))].sort() : [];
      report.check('topologies', JSON.stringify(clusters) === JSON.stringify(others.map((t) => t.cluster).sort()), at,
        `the root attested root agents of ${others.map((t) => t.cluster).join(' and ')} only`, `clusters of the root's agents: ${clusters.join(', ') || listed.out.slice(0, 300)}`);
    };
    const before = report.failed;
    await clusterLevels(tree, report, {
      workDir: env.workDir, binaries: env.binaries, shared: env.shared, levels: new Set(['api']), provide: () => kubeconfigSecret(workloads), inspect, failFast: true, beside: { network },
    });
    report.check('topologies', report.failed === before, at, 'first sync of the management cluster (the root alone), then of each workload cluster beside it, on kube-apiservers of their own');
  } catch (error) {
    report.fail(at, 'nested topology, management cluster', (error as Error).message);
  } finally {
    for (const workload of workloads) await workload.processes.stopAll();
    network.close();
  }
}
