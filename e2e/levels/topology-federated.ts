/**
 * Topology federated, live: examples/federated synthesized by the CLI; two of its clusters' servers run
 * from their own trees (e2e/topology-server.ts), each serving its bundle endpoint behind the address its
 * cluster's `bundleEndpoint` names. The first bundles reach the other side as the estate says they do:
 * fetched once (here through each server's admin socket, where an operator runs `spire-gitops federation
 * fetch-bundle`) into federation/<trust domain>.bundle.json lock files, then synthesized again, and each
 * tree's ClusterFederatedTrustDomains handed to its server through the server API (`spire-server
 * federation create`, what the controller manager does with them). Proves the bundles then travel both
 * ways through the bundle endpoints (a JWT authority prepared after the locks were written reaches the
 * other side), and that an X509-SVID of one trust domain verifies with its federated bundle at the other.
 * The example also sends metrics to a DogStatsD listener: the level listens at the address the trees'
 * server.conf names and sees each running server's metrics arrive there.
 */
import { createSocket, Socket } from 'node:dgram';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEstateFile } from '../../lib/cli/estate-file';
import { federationLockPath, lockText } from '../../lib/config/federation-locks';
import { synthesize } from '../../lib/synth';
import { NODE_IP, NodeNetwork } from '../net';
import { Processes, sleep } from '../processes';
import { Report } from '../report';
import { TreeServer, serverCommand, startTreeServer } from '../topology-server';
import { ClusterTree, clusterTrees, find } from '../trees';
import { synthesizeExample } from './examples';
import { TopologyEnv, verifies } from './topology-ha';

/** The clusters of examples/federated this level runs: two are enough for both directions. */
const RUN = ['eu', 'us'];

/** The DogStatsD listeners (`host:port`) a tree's server.conf sends metrics to. */
function dogStatsdAddresses(tree: ClusterTree): string[] {
  const conf = find(tree, 'ConfigMap').map((o) => o.data?.['server.conf'] as string | undefined).find((text) => text !== undefined) ?? '';
  return [...conf.matchAll(/DogStatsd \{\s*address = "([^"]+)"/g)].map((match) => match[1]);
}

/** A UDP listener on the node that keeps the datagrams it receives, by sender address. */
async function listenUdp(port: number): Promise<{ socket: Socket; received: Map<string, string[]> }> {
  const received = new Map<string, string[]>();
  const socket = createSocket('udp4');
  socket.on('message', (message, from) => received.set(from.address, [...(received.get(from.address) ?? []), message.toString('utf8')]));
  await new Promise<void>((done, fail) => { socket.once('error', fail); socket.bind(port, NODE_IP, () => done()); });
  return { socket, received };
}

function keyIds(bundle: string): string[] {
  return (JSON.parse(bundle).keys as { kid?: string; x5c?: string[] }[]).map((key) => key.kid ?? key.x5c?.[0] ?? '').sort();
}

export async function federatedTopology(report: Report, env: TopologyEnv): Promise<void> {
  const where = 'topologies/federated';
  const base = join(env.workDir, 'topologies', 'federated');
  const dir = join(base, 'run');
  mkdirSync(dir, { recursive: true });
  const first = join(base, 'dist-pending');
  const failure = await synthesizeExample('federated', first);
  if (!report.check('topologies', failure === undefined, where, 'spire-gitops synth examples/federated', failure)) return;
  const pending = clusterTrees(first).filter((tree) => RUN.includes(tree.cluster));
  report.check('topologies', pending.length === RUN.length && pending.every((tree) => find(tree, 'ClusterFederatedTrustDomain').length === 0), where,
    'without committed first bundles the trees carry no ClusterFederatedTrustDomain (pending)', pending.map((tree) => `${tree.cluster}: ${find(tree, 'ClusterFederatedTrustDomain').length}`).join(', '));

  const input = loadEstateFile(resolve(__dirname, '..', '..', 'examples', 'federated', 'estate.ts'), process.cwd());
  const clusters = input.estate.environments[0].clusters;
  const processes = new Processes(dir);
  const network = new NodeNetwork(`sgx${process.pid}fed`);
  let statsd: { socket: Socket; received: Map<string, string[]> } | undefined;
  try {
    // Pods first, then the bundle endpoint addresses: every server's /etc/hosts names the others'.
    const pods = new Map(pending.map((tree) => [tree.cluster, network.podNetwork()]));
    const hosts: Record<string, string> = {};
    for (const tree of pending) {
      const host = clusters.find((cluster) => cluster.name === tree.cluster)?.bundleEndpoint;
      if (!host) throw new Error(`examples/federated cluster ${tree.cluster} has no bundleEndpoint`);
      const pod = pods.get(tree.cluster)!;
      hosts[host] = await network.service(443, () => ({ host: pod.ip, port: 8443 }));
    }
    // The DogStatsD listener the trees name, at the node's address.
    const sinks = [...new Set(pending.flatMap(dogStatsdAddresses))];
    report.check('topologies', sinks.length === 1, where, 'the servers\' telemetry names one DogStatsD listener', sinks.join(', ') || 'none');
    if (sinks.length === 1) {
      const [sinkHost, sinkPort] = sinks[0].split(':');
      hosts[sinkHost] = NODE_IP;
      statsd = await listenUdp(Number(sinkPort));
    }
    const servers = new Map<string, TreeServer>();
    for (const tree of pending) {
      const serverDir = join(dir, tree.cluster);
      mkdirSync(serverDir, { recursive: true });
      servers.set(tree.cluster, await startTreeServer(tree, { dir: serverDir, processes, binaries: env.binaries, netns: pods.get(tree.cluster)!.netns, hosts, secretEnv: {}, volumeFiles: {} }));
    }

    // The first bundles, committed as lock files beside a copy of the estate's repository.
    const repo = join(base, 'repo');
    mkdirSync(join(repo, 'federation'), { recursive: true });
    const locked = new Map<string, string>();
    for (const server of servers.values()) {
      const bundle = await serverCommand(env.binaries, server, ['bundle', 'show', '-format', 'spiffe']);
      const text = lockText(JSON.parse(bundle));
      writeFileSync(join(repo, federationLockPath(server.trustDomain)), text);
      locked.set(server.trustDomain, text);
    }
    // A JWT authority each server prepares now is in no lock: the other side can only learn it from the endpoint.
    for (const server of servers.values()) await serverCommand(env.binaries, server, ['localauthority', 'jwt', 'prepare']);

    const second = join(base, 'dist');
    synthesize(input.estate, [second], { render: { baseDir: repo } });
    const trees = clusterTrees(second).filter((tree) => RUN.includes(tree.cluster));
    for (const tree of trees) {
      const server = servers.get(tree.cluster)!;
      const federations = find(tree, 'ClusterFederatedTrustDomain').filter((o) => [...servers.values()].some((other) => other.trustDomain === o.spec.trustDomain));
      report.check('topologies', federations.length === servers.size - 1, `${where} ${tree.cluster}`, 'the tree federates with the other running cluster', `${federations.length} ClusterFederatedTrustDomains for running clusters`);
      for (const federation of federations) await createFederation(env, server, tree, federation.spec, dir);
    }

    for (const [name, server] of servers) {
      for (const [otherName, other] of servers) {
        if (other === server) continue;
        const current = await serverCommand(env.binaries, other, ['bundle', 'show', '-format', 'spiffe']);
        let held = '';
        for (let attempt = 0; attempt < 30; attempt++) {
          const listed = await serverCommand(env.binaries, server, ['bundle', 'list', '-id', `spiffe://${other.trustDomain}`, '-format', 'spiffe']).catch((error: Error) => error.message);
          held = listed;
          try {
            if (keyIds(listed).join() === keyIds(current).join()) break;
          } catch { /* not a bundle yet */ }
          await sleep(2000);
        }
        let same = false;
        let fromLock = true;
        try {
          same = keyIds(held).join() === keyIds(current).join();
          fromLock = keyIds(held).join() === keyIds(locked.get(other.trustDomain)!).join();
        } catch { /* reported below */ }
        report.check('topologies', same && !fromLock, where, `${name} holds ${otherName}'s current bundle, fetched through ${otherName}'s bundle endpoint (not only the lock)`,
          `held ${held.slice(0, 300)}; ${otherName} serves keys ${keyIds(current).join(', ')}`);

        const mintDir = join(dir, `mint-${otherName}-for-${name}`);
        mkdirSync(mintDir, { recursive: true });
        await serverCommand(env.binaries, other, ['x509', 'mint', '-spiffeID', `spiffe://${other.trustDomain}/e2e/federated`, '-write', mintDir]);
        const federatedPem = await serverCommand(env.binaries, server, ['bundle', 'list', '-id', `spiffe://${other.trustDomain}`, '-format', 'pem']);
        const result = verifies(dir, `federated-${otherName}-at-${name}`, readFileSync(join(mintDir, 'svid.pem'), 'utf8'), federatedPem);
        report.check('topologies', result.ok, where, `an X509-SVID of ${other.trustDomain} verifies with the federated bundle held by ${name}`, result.said);
      }
    }

    if (statsd) {
      for (const [name, pod] of pods) {
        const lines = (statsd.received.get(pod.ip) ?? []).flatMap((datagram) => datagram.split('\n'));
        const metrics = lines.filter((line) => /^spire_server\.[^:]+:[^|]+\|(c|g|ms|h|d|s)/.test(line));
        report.check('topologies', metrics.length > 0, `${where} ${name}`, 'the server\'s metrics arrive at the DogStatsD listener',
          `${lines.length} lines from ${pod.ip}, ${metrics.length} spire_server metrics; first: ${lines.slice(0, 2).join(' / ')}`);
      }
    }
  } catch (error) {
    report.fail(where, 'federated topology', (error as Error).stack ?? String(error));
  } finally {
    statsd?.socket.close();
    await processes.stopAll();
    network.close();
  }
}

/** A ClusterFederatedTrustDomain's spec given to the server as the controller manager gives it (the trust domain API). */
async function createFederation(env: TopologyEnv, server: TreeServer, tree: ClusterTree, spec: any, dir: string): Promise<void> {
  const bundlePath = join(dir, `${tree.cluster}-${spec.trustDomain}.bundle.json`);
  writeFileSync(bundlePath, spec.trustDomainBundle);
  await serverCommand(env.binaries, server, [
    'federation', 'create', '-trustDomain', spec.trustDomain, '-bundleEndpointURL', spec.bundleEndpointURL,
    '-bundleEndpointProfile', spec.bundleEndpointProfile.type, '-endpointSpiffeID', spec.bundleEndpointProfile.endpointSPIFFEID,
    '-trustDomainBundlePath', bundlePath, '-trustDomainBundleFormat', 'spiffe',
  ]);
}
