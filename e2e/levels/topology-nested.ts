/**
 * Topology nested, live: examples/nested synthesized by the CLI, and the tree of the cluster that runs the
 * root (workload-a) synced on a real kube-apiserver as Argo CD would, wave by wave, by the real programs:
 * the root server and its controller manager, the root's agent (k8s_psat), the cluster's own server as a
 * downstream server (UpstreamAuthority spire, through the root agent's socket on the root's CSI volume)
 * and the cluster's agent. The sync finishes only if the downstream server got its CA signed by the root.
 * Then: the root attested its agent, registered the downstream server with downstream: true, an X509-SVID
 * the downstream server issues chains to a CA of the root's bundle, and the cluster's agent attested to
 * the downstream server.
 *
 * The other cluster's tree (workload-b) is judged by the config level only: the root reaches it with a
 * kubeconfig, which here points at workload-a's own apiserver (the root's BundlePublisher and k8s_psat
 * need one for every cluster to start).
 */
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { APISERVER_PORT, Cluster } from '../kube';
import { NODE_IP } from '../net';
import { read } from '../pki';
import { PodHandle } from '../pods';
import { run, waitFor } from '../processes';
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

/** A kubeconfig for the apiserver the e2e started, as the admin (the stand-in for another cluster's). */
function kubeconfigFor(cluster: Cluster, dir: string): string {
  const pem = (path: string) => Buffer.from(read(path)).toString('base64');
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'e2e',
    clusters: [{ name: 'e2e', cluster: { server: `https://${NODE_IP}:${APISERVER_PORT}`, 'certificate-authority-data': pem(cluster.ca.cert) } }],
    users: [{ name: 'e2e', user: { 'client-certificate-data': pem(join(dir, 'admin.crt')), 'client-key-data': pem(join(dir, 'admin.key')) } }],
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
  const remote = trees.filter((other) => other !== tree).map((other) => other.cluster);

  const kubeconfigSecret = (cluster: Cluster): K8sObject[] => {
    const dir = join(env.workDir, 'cluster', tree.env, tree.cluster);
    const config = kubeconfigFor(cluster, dir);
    return [{
      apiVersion: 'v1', kind: 'Secret', metadata: { name: 'spire-root-kubeconfigs', namespace: 'spire-root' }, type: 'Opaque',
      data: Object.fromEntries(remote.map((name) => [name, Buffer.from(config).toString('base64')])),
    }];
  };

  const inspect = async ({ pods, node }: SyncedCluster): Promise<void> => {
    const rootConf = objectsOf(tree).find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'spire-root' && o.data?.['server.conf'] !== undefined);
    const trustDomain = /trust_domain = "([^"]+)"/.exec(String(rootConf?.data?.['server.conf'] ?? ''))?.[1];
    const rootSocket = serverSocket(tree, pods, 'spire-root');
    const downstreamSocket = serverSocket(tree, pods, 'spire-server');
    if (!report.check('topologies', !!rootSocket && !!downstreamSocket && !!trustDomain, at, 'root and downstream server pods run with reachable admin sockets',
      `root socket ${rootSocket ?? 'not found'}, downstream socket ${downstreamSocket ?? 'not found'}, trust domain ${trustDomain ?? 'not found'}; pods ${pods.map((p) => `${p.pod.metadata.namespace}/${p.pod.metadata.name}`).join(', ')}`)) return;
    const server = async (socket: string, args: string[]): Promise<Json> => {
      const result = await run(env.binaries['spire-server'], [...args, '-socketPath', shortPath(socket), '-output', 'json']);
      if (!result.ok) throw new Error(`spire-server ${args.join(' ')}: ${result.out}`);
      return JSON.parse(result.out);
    };
    const agentIds = async (socket: string) => (((await server(socket, ['agent', 'list'])).agents ?? []) as Json[]).map((a) => `spiffe://${a.id.trust_domain}${a.id.path}`);
    const nodeAgent = `spiffe://${trustDomain}/spire/agent/k8s_psat/${tree.cluster}/${node.uid}`;

    // The root attested its agent on the node (k8s_psat, audience spire-root-server).
    const rootAgents = await waitFor('the root agent in the root\'s agent list', 30000, async () => ((await agentIds(rootSocket!)).includes(nodeAgent) ? true : undefined)).then(() => true, () => false);
    report.check('topologies', rootAgents, at, `root server attested the root agent ${nodeAgent}`, rootAgents ? '' : `root agent list: ${JSON.stringify(await agentIds(rootSocket!))}`);

    // The root's controller manager registered the downstream server: a downstream entry pinned to its namespace and service account.
    const entries = ((await server(rootSocket!, ['entry', 'show'])).entries ?? []) as Json[];
    const downstream = entries.filter((e) => e.downstream === true).map((e) => ({
      id: `spiffe://${e.spiffe_id.trust_domain}${e.spiffe_id.path}`, selectors: (e.selectors ?? []).map((s: Json) => `${s.type}:${s.value}`).sort(),
    }));
    const ownEntry = downstream.find((e) => e.id.endsWith(`/nested/downstream/${tree.cluster}`));
    const pinned = JSON.stringify(ownEntry?.selectors) === JSON.stringify(['k8s:ns:spire-server', 'k8s:sa:spire-server']);
    report.check('topologies', pinned, at, `root holds a downstream entry for ${tree.cluster}'s server, pinned to k8s:ns:spire-server and k8s:sa:spire-server`, pinned ? '' : `downstream entries at the root: ${JSON.stringify(downstream)}`);

    // An X509-SVID the downstream server issues chains to a CA of the root's bundle.
    const rootBundle = await run(env.binaries['spire-server'], ['bundle', 'show', '-format', 'pem', '-socketPath', shortPath(rootSocket!)]);
    const roots = pemCertificates(rootBundle.out);
    const minted = await server(downstreamSocket!, ['x509', 'mint', '-spiffeID', `spiffe://${trustDomain}/e2e/nested-probe`, '-ttl', '10m']);
    const chain = ((minted.x509_svid ?? []) as string[]).map((der) => new X509Certificate(Buffer.from(der, 'base64')));
    const chained = roots.length > 0 ? chainsTo(chain, roots) : `the root's bundle has no X.509 authority: ${rootBundle.out.slice(0, 200)}`;
    const selfSignedAtDownstream = chain.length > 0 && chain[chain.length - 1].checkIssued(chain[chain.length - 1]);
    report.check('topologies', chained === true && !selfSignedAtDownstream && chain.length >= 2, at,
      `X509-SVID from the downstream server verifies against the root bundle (chain of ${chain.length}: leaf, downstream CA, to the root CA)`,
      chained === true ? (selfSignedAtDownstream ? 'the downstream CA signs itself: it is not nested under the root' : `chain of ${chain.length}`) : chained);

    // The cluster's own agent attested to the downstream server.
    const attested = await waitFor('the cluster agent in the downstream server\'s agent list', 30000, async () => ((await agentIds(downstreamSocket!)).includes(nodeAgent) ? true : undefined)).then(() => true, () => false);
    report.check('topologies', attested, at, `downstream server attested the cluster's agent ${nodeAgent}`, attested ? '' : `downstream agent list: ${JSON.stringify(await agentIds(downstreamSocket!))}`);
  };

  const before = report.failed;
  await clusterLevels(tree, report, { workDir: env.workDir, binaries: env.binaries, shared: env.shared, levels: new Set(['api']), provide: kubeconfigSecret, inspect, failFast: true });
  report.check('topologies', report.failed === before, at, 'first sync of the root\'s cluster (root side, then the downstream server) on kube-apiserver');
}
