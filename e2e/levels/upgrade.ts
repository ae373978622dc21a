/**
 * Level upgrade: the previous minor SPIRE release hands a production-like datastore to the shipped one,
 * as SPIRE documents upgrades (doc/upgrading.md: servers first, one minor version at a time, agents up to
 * one minor version older than the server).
 *
 * The tree's own server pod (the StatefulSet of a postgres tree, its server.conf, env, volumes and claim)
 * runs first with the previous release's binary, as the old image would run it, against PostgreSQL; it
 * creates entries and its CA in the datastore, and an agent of the previous release attests with a join
 * token (the tree's k8s_psat needs an apiserver's TokenReview; the e2e adds `NodeAttestor "join_token"` to
 * the server's config for this level only) and serves a workload SVID. Then the pod is rolled to the
 * shipped binary on the same claim and database, and the level proves: the entries are all there, the
 * bundle still holds the previous server's CA, the running old agent syncs an entry created by the new
 * server, and the shipped agent, started on the old agent's data directory, resumes its identity (the SVID
 * the old CA signed) without attesting again and serves the workload SVID.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeNetwork } from '../net';
import { KeyPair, Pki, read } from '../pki';
import { PrerequisiteValues, prerequisites } from '../prerequisites';
import { startPostgres, postgresConnection } from '../postgres';
import { Processes, Running, run, tail, waitFor } from '../processes';
import { Report } from '../report';
import { PodContext, materializeVolumes, shortPath } from '../runtime';
import { httpStatus, startPodContainer } from '../pods';
import { serverCli, startJoinTokenAgent, standInAgentConf, withJoinTokenAttestor } from '../standin-spire';
import { podsFor } from '../sync';
import { ClusterTree, K8sObject, objectsOf, where } from '../trees';
import { TreeSource } from './config';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The tree the level runs: the first whose server keeps its state in PostgreSQL (production's). */
export function upgradeTree(trees: ClusterTree[]): ClusterTree | undefined {
  return trees.find((tree) => postgresConnection(tree) !== undefined);
}

/** The server.conf with a join_token node attestor beside the tree's own (an agent without an apiserver). */
function withJoinToken(object: K8sObject): K8sObject {
  if (object.kind !== 'ConfigMap' || !Object.values(object.data ?? {}).some((text) => /database_type = "postgres"/.test(String(text)))) return object;
  const data = Object.fromEntries(Object.entries(object.data as Record<string, string>).map(([key, text]) => [key, withJoinTokenAttestor(text)
    // Publishing the bundle to a ConfigMap needs an apiserver; this level has none.
    .replace(/^  BundlePublisher "k8s_configmap" \{\n[\s\S]*?^  \}\n/m, '')]));
  return { ...object, data };
}

function value(text: string, pattern: RegExp): string | undefined {
  return pattern.exec(text)?.[1];
}

export async function upgradeLevel(trees: ClusterTree[], report: Report, env: { workDir: string; binaries: Record<string, string>; values: PrerequisiteValues }): Promise<void> {
  const tree = upgradeTree(trees);
  if (!tree) {
    report.fail('upgrade', 'tree', 'no tree keeps its server state in PostgreSQL; the upgrade level needs one');
    return;
  }
  const at = where(tree);
  for (const program of ['spire-server-previous', 'spire-agent-previous', 'spire-server', 'spire-agent']) {
    if (!env.binaries[program]) {
      report.fail('upgrade', program, 'not built; e2e/build-binaries.sh builds it');
      return;
    }
  }
  const dir = join(env.workDir, 'upgrade');
  mkdirSync(dir, { recursive: true });
  const processes = new Processes(dir);
  const network = new NodeNetwork(`sgu${process.pid}`);
  try {
    const pki = new Pki(dir);
    const dbCa: KeyPair = pki.ca('db-ca', '/CN=spire-gitops-e2e-upgrade-db-ca');
    const values = { ...env.values, dbCaPem: read(dbCa.cert) };
    const postgres = await startPostgres(tree, dir, processes, pki, dbCa, values.dbPassword);
    const objects = [...objectsOf(tree).map(withJoinToken), ...prerequisites(tree, values)];
    const context: PodContext = {
      client: new TreeSource(objects, new Map()),
      workDir: dir,
      nodeRoot: join(dir, 'node'),
      hosts: postgres.hosts,
      caCertificates: '',
      csiSource: () => { const csi = join(dir, 'csi'); mkdirSync(csi, { recursive: true }); return csi; },
      claimDir: (claim) => { const claimPath = join(dir, 'claims', claim); mkdirSync(claimPath, { recursive: true }); return claimPath; },
    };
    const statefulSet = objects.find((o) => o.kind === 'StatefulSet');
    const pod: Json = podsFor(statefulSet!, 'e2e-node', context.claimDir)[0];
    pod.metadata.uid = '';
    pod.spec.serviceAccountName = pod.spec.serviceAccountName ?? 'default';
    pod.status = { podIP: '127.0.0.1', hostIP: '127.0.0.1' };
    const container = pod.spec.containers.find((c: Json) => c.name === 'spire-server');
    const conf = String(Object.values(objects.find((o) => o.kind === 'ConfigMap' && Object.values(o.data ?? {}).some((text) => String(text).includes('NodeAttestor "join_token"')))!.data)[0]);
    const trustDomain = value(conf, /trust_domain = "([^"]+)"/)!;
    const readyPort = Number(value(conf, /health_checks \{[^}]*bind_port = "(\d+)"/));
    const readyPath = value(conf, /health_checks \{[^}]*ready_path = "([^"]+)"/) ?? '/ready';
    const serverPort = value(conf, /bind_port = "(\d+)"/)!;
    const volumes = await materializeVolumes(pod, context, join(dir, 'pods', 'spire-server'));
    const socketFile = value(conf, /socket_path = "([^"]+)"/)!;
    const socketMount = container.volumeMounts.find((mount: Json) => socketFile.startsWith(`${mount.mountPath}/`));
    const socket = shortPath(join(volumes.get(socketMount.name)!, socketFile.slice(socketMount.mountPath.length + 1)));

    /** The server pod with the given release's binary; the StatefulSet's image change, as the kubelet sees it. */
    const startServer = async (program: string, suffix: string): Promise<Running> => {
      const kubelet = { processes, binaries: { ...env.binaries, 'spire-server': env.binaries[program] }, context };
      const running = await startPodContainer(kubelet, pod, container, volumes, { ip: '127.0.0.1' }, undefined, suffix);
      await waitFor(`${program} to be ready on ${at}'s datastore`, 90000, async () => ((await httpStatus('127.0.0.1', readyPort, readyPath).catch(() => 0)) === 200 ? true : undefined), running);
      return running;
    };
    const cli = (program: string, args: string[]) => serverCli(program, env.binaries[program], socket)(args);
    const entries = async (program: string) => {
      const listed = JSON.parse(await cli(program, ['entry', 'show', '-output', 'json'])) as Json;
      return new Map<string, string>((listed.entries ?? []).map((entry: Json) => {
        const id = entry.spiffe_id ?? entry.spiffeId;
        return [entry.id, `spiffe://${id.trust_domain ?? id.trustDomain}${id.path}`];
      }));
    };
    const agentNode = `spiffe://${trustDomain}/upgrade/agent`;
    const workload = `spiffe://${trustDomain}/upgrade/workload`;

    // The previous release: entries and a CA in the datastore, an agent attested.
    const previous = await startServer('spire-server-previous', '-previous');
    const previousVersion = await versionOf(env.binaries['spire-server-previous']);
    await cli('spire-server-previous', ['entry', 'create', '-parentID', agentNode, '-spiffeID', workload, '-selector', 'unix:uid:0']);
    await cli('spire-server-previous', ['entry', 'create', '-parentID', agentNode, '-spiffeID', `${workload}-kept`, '-selector', 'unix:uid:4242']);
    const before = await entries('spire-server-previous');
    const previousCas = pems(await cli('spire-server-previous', ['bundle', 'show', '-format', 'pem']));
    writeFileSync(join(dir, 'bundle.pem'), previousCas.join(''));
    const agentData = join(dir, 'agent-data');
    mkdirSync(agentData, { recursive: true });
    const agentConf = join(dir, 'agent.conf');
    const agentSocket = shortPath(join(dir, 'agent', 'api.sock'));
    mkdirSync(join(dir, 'agent'), { recursive: true });
    // Keys on disk: the shipped agent, started on this data directory later, resumes the SVID.
    writeFileSync(agentConf, standInAgentConf({
      trustDomain, serverAddress: '127.0.0.1', serverPort, dataDir: agentData, socketPath: agentSocket, trustBundlePath: join(dir, 'bundle.pem'), keyManager: 'disk',
    }));
    const fetchSvid = async (program: string, spiffeId: string) => waitFor(`${program} to serve ${spiffeId}`, 60000, async () => {
      const result = await run(env.binaries[program], ['api', 'fetch', 'x509', '-socketPath', agentSocket], 15000);
      return result.ok && result.out.includes(`SPIFFE ID:\t\t${spiffeId}`) ? result.out : undefined;
    });
    const { running: oldAgent, token } = await startJoinTokenAgent(processes, 'spire-agent-previous', env.binaries['spire-agent-previous'], agentConf,
      (args) => cli('spire-server-previous', args), agentNode);
    await fetchSvid('spire-agent-previous', workload).catch((error: Error) => { throw new Error(`${error.message}; agent said: ${tail(oldAgent.output(), 3)}`); });
    const agentsBefore = await cli('spire-server-previous', ['agent', 'list']);
    // The agent is spire/agent/join_token/<token>; at attestation the token's -spiffeID adds the alias entry that makes it agentNode.
    const attested = `spiffe://${trustDomain}/spire/agent/join_token/${token}`;
    report.check('upgrade', before.size === 2 && previousCas.length > 0 && agentsBefore.includes(attested), at,
      `${previousVersion} server on the tree's datastore: 2 entries, a CA, an agent attested`, agentsBefore);

    // The roll: the previous server stops, the shipped one starts on the same claim and database.
    await previous.stop();
    await startServer('spire-server', '-shipped');
    const shippedVersion = await versionOf(env.binaries['spire-server']);
    const after = await entries('spire-server');
    const kept = [...before].every(([id, spiffeId]) => after.get(id) === spiffeId);
    report.check('upgrade', kept, at, `${previousVersion} -> ${shippedVersion}: every entry kept, same IDs`, kept ? '' : `before ${JSON.stringify([...before])}, after ${JSON.stringify([...after])}`);
    const bundle = pems(await cli('spire-server', ['bundle', 'show', '-format', 'pem']));
    const caKept = previousCas.every((ca) => bundle.includes(ca));
    report.check('upgrade', caKept, at, `${previousVersion} -> ${shippedVersion}: the bundle still holds the previous server's CA`, caKept ? '' : `${previousCas.length} CAs before, ${bundle.length} now, not all kept`);

    // The old agent (one minor version behind) syncs from the new server.
    await cli('spire-server', ['entry', 'create', '-parentID', agentNode, '-spiffeID', `${workload}-new`, '-selector', 'unix:uid:0']);
    const synced = await fetchSvid('spire-agent-previous', `${workload}-new`).then(() => true, () => false);
    report.check('upgrade', synced, at, `${previousVersion} agent syncs an entry the ${shippedVersion} server created`, synced ? '' : tail(oldAgent.output(), 3));

    // The agents roll last: the shipped agent resumes the old agent's identity from its data directory.
    await oldAgent.stop();
    const newAgent = processes.start('spire-agent-shipped', env.binaries['spire-agent'], ['run', '-config', agentConf]);
    const served = await fetchSvid('spire-agent', workload).then(() => true, () => false);
    const agentsAfter = await cli('spire-server', ['agent', 'list']);
    const output = newAgent.output();
    // pkg/agent/attestor/node/node.go (attestor.Attest): "SVID loaded" when the agent resumes from its data
    // directory, "Node attestation was successful" when it attested again.
    const resumed = served && agentsAfter.includes(attested) && /SVID loaded/.test(output) && !/Node attestation was successful/.test(output);
    report.check('upgrade', resumed, at, `${shippedVersion} agent resumes the ${previousVersion} agent's SVID (no new attestation) and serves the workload`,
      resumed ? '' : `served=${served}; ${tail(output, 3)}`);
  } catch (error) {
    report.fail('upgrade', at, (error as Error).message);
  } finally {
    await processes.stopAll();
    network.close();
  }
}

/** What `--version` prints (the CLI writes it to stderr). */
async function versionOf(binary: string): Promise<string> {
  const result = await run('bash', ['-c', `${JSON.stringify(binary)} --version 2>&1`]);
  return result.out.trim().split('\n')[0];
}

/** The PEM blocks of `spire-server bundle show -format pem`. */
function pems(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g)?.map((pem) => pem.trim()) ?? [];
}
