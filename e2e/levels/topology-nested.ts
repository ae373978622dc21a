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

export async function topologyNested(report: Report, env: TopologyEnv): Promise<void> {
  const out = join(env.workDir, 'topologies', 'nested');
  mkdirSync(out, { recursive: true });
  const failure = await synthesizeExample('nested', out);
  if (!report.check('topologies', failure === undefined, 'examples/nested', 'spire-gitops synth', failure)) return;
  const trees = clusterTrees(out);
  const rootTree = trees.find((tree) => objectsOf(tree).some((o) => o.kind === 'StatefulSet' && o.metadata.namespace === 'spire-root'));
  if (!report.check('topologies', rootTree !== undefined, 'examples/nested', 'a tree runs the root server (namespace spire-root)')) return;
  const tree = rootTree!;
  const at = where(tree);
  const others = trees.filter((other) => other !== tree);
  const { trustDomain, port: rootPort } = rootServerConf(tree);
  if (!report.check('topologies', others.length === 1 && trustDomain !== undefined, 'examples/nested', 'one more cluster beside the root\'s, and the root\'s trust domain',
    `clusters ${trees.map((t) => t.cluster).join(', ')}; trust domain ${trustDomain ?? 'not found'}`)) return;
  const second = others[0];
  const upstream = upstreamAddress(second);
  if (!report.check('topologies', upstream !== undefined, where(second), 'the downstream server names the root (UpstreamAuthority spire server_address)')) return;

  // One node network for both clusters; workload-b's apiserver starts first, since the root loads every
  // cluster's kubeconfig when it starts (k8s_psat node attestor and k8s_configmap BundlePublisher).
  const network = new NodeNetwork(`sgx${process.pid}nest`);
  const secondDir = join(env.workDir, 'cluster', second.env, second.cluster);
  mkdirSync(secondDir, { recursive: true });
  const secondProcesses = new Processes(secondDir);
  try {
    const secondCluster = await startCluster(secondDir, env.binaries, secondProcesses, { apiserver: network.address(), etcdPort: 2391 });
    const secondServer = `https://${secondCluster.admin.host}:${APISERVER_PORT}`;
    // The root acts in workload-b as the ServiceAccount its tree ships for it; the operator makes its
    // token before the root's first sync, so the account exists before workload-b's tree is synced.
    const remote = objectsOf(second).find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'spire-root-server-remote');
    if (!report.check('topologies', remote !== undefined, where(second), 'the tree ships ServiceAccount spire-root-server-remote for the root')) return;
    const remoteNamespace = remote!.metadata.namespace!;
    await secondCluster.admin.ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: remoteNamespace } });
    await secondCluster.admin.ok('POST', `/api/v1/namespaces/${remoteNamespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: remote!.metadata.name } });
    const remoteToken = await secondCluster.admin.token(remoteNamespace, remote!.metadata.name, [], 3600);
    const rootConf = String(objectsOf(tree).find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'spire-root' && o.data?.['server.conf'] !== undefined)?.data?.['server.conf']);
    // The Secret spire-root/spire-root-kubeconfigs as the operator creates it: one key per other cluster.
    const kubeconfigSecret = (): K8sObject[] => [{
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'spire-root-kubeconfigs', namespace: 'spire-root' }, type: 'Opaque',
      data: { [second.cluster]: Buffer.from(kubeconfigFor(secondCluster, secondServer, remoteToken)).toString('base64') },
    }];

    const inspect = async (synced: SyncedCluster): Promise<void> => {
      const rootSocket = serverSocket(tree, synced.pods, 'spire-root');
      const rootPod = synced.pods.find((p) => p.pod.metadata.namespace === 'spire-root' && p.pod.spec.containers.some((c: Json) => /spire-server:/.test(c.image)) && !p.pod.metadata.labels?.['job-name']);
      if (!report.check('topologies', !!rootSocket && !!rootPod, at, 'root server pod runs with a reachable admin socket',
        `root socket ${rootSocket ?? 'not found'}; pods ${synced.pods.map((p) => `${p.pod.metadata.namespace}/${p.pod.metadata.name}`).join(', ')}`)) return;
      await checkNestedCluster(report, env, { tree, rootSocket: rootSocket!, trustDomain: trustDomain! }, synced);

      // workload-b, while the root runs: root.serverAddress is a load balancer in front of the root server.
      const rootAddress = await network.service(upstream!.port, () => ({ host: rootPod!.ip, port: rootPort }));
      const before = report.failed;
      await clusterLevels(second, report, {
        workDir: env.workDir, binaries: env.binaries, shared: env.shared, levels: new Set(['api']), failFast: true,
        beside: { network, cluster: secondCluster, node: network.podNetwork() },
        hosts: { [upstream!.host]: rootAddress },
        remoteServers: [{ namespace: remoteNamespace, name: remote!.metadata.name, serverConf: rootConf }],
        inspect: (secondSynced) => checkNestedCluster(report, env, { tree: second, rootSocket: rootSocket!, trustDomain: trustDomain! }, secondSynced),
      });
      report.check('topologies', report.failed === before, where(second), `first sync of ${second.cluster} (its root agent attesting to the root through its own apiserver, then its downstream server) beside the running root`);
    };

    const before = report.failed;
    await clusterLevels(tree, report, { workDir: env.workDir, binaries: env.binaries, shared: env.shared, levels: new Set(['api']), provide: kubeconfigSecret, inspect, failFast: true, beside: { network } });
    report.check('topologies', report.failed === before, at, 'first sync of the root\'s cluster (root side, then the downstream server) on kube-apiserver');
  } catch (error) {
    report.fail(where(second), 'nested topology', (error as Error).message);
  } finally {
    await secondProcesses.stopAll();
    network.close();
  }
}
