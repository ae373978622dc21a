/**
 * Level server-settings: the server core and datastore settings of examples/ha, live. The example is
 * synthesized by the CLI; its first tree's server runs as its StatefulSet would (e2e/topology-server.ts) on
 * PostgreSQL (e2e/postgres.ts), whose read replica is the same database under the replica's host name, reached
 * as a role of its own that may only SELECT, with a password that holds a space, `$` and `=` (what the
 * single quotes of ro_connection_string must carry through `-expandEnv`). The level proves: the server opens
 * its read-only connection as that role, serves entries, writes an audit line per API call (JSON, the
 * example's log format), starts pruning attested nodes, gives an agent attested with a join token an SVID
 * that lives agent_ttl, and adds the uniqueid CredentialComposer's attribute to workload X509-SVIDs.
 *
 * One edit to the tree's server.conf: `NodeAttestor "join_token"` beside k8s_psat, which would need an
 * apiserver's TokenReview (as the upgrade level does).
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDuration } from '../../lib/duration';
import { NodeNetwork } from '../net';
import { Pki, read } from '../pki';
import { connectedUsers, startPostgres } from '../postgres';
import { Processes, Running, tail, waitFor } from '../processes';
import { Report } from '../report';
import { startJoinTokenAgent, standInAgentConf, withJoinTokenAttestor } from '../standin-spire';
import { serverCommand, serverConfOf, startTreeServer } from '../topology-server';
import { ClusterTree, clusterTrees } from '../trees';
import { synthesizeExample } from './examples';
import { estate } from '../../examples/ha/estate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const EXAMPLE = 'ha';

/** The settings of the example this level proves, as server.conf must carry them. */
const EXPECTED_KEYS = [
  /^\s*agent_ttl = "[^"]+"$/m, /^\s*audit_log_enabled = true$/m, /^\s*prune_attested_nodes_expired_for = "[^"]+"$/m,
  /^\s*max_attested_node_info_staleness = "[^"]+"$/m, /^\s*ratelimit \{$/m, /^\s*ro_connection_string = "[^"]+"$/m,
  /^\s*conn_max_lifetime = "[^"]+"$/m, /^\s*CredentialComposer "uniqueid" \{$/m, /^\s*log_format = "json"$/m,
];

/** The tree with a join_token NodeAttestor in its server.conf, so an agent attests without an apiserver. */
function withJoinToken(tree: ClusterTree): ClusterTree {
  const files = tree.files.map((file) => ({
    ...file,
    objects: file.objects.map((o) => (o.kind === 'ConfigMap' && typeof o.data?.['server.conf'] === 'string'
      ? { ...o, data: { ...o.data, 'server.conf': withJoinTokenAttestor(o.data['server.conf']) } }
      : o)),
  }));
  return { ...tree, files };
}

/** The server's JSON log lines (logFormat json); other lines are skipped. */
function jsonLines(running: Running): Json[] {
  return running.output().split('\n').flatMap((line) => {
    try { return [JSON.parse(line)]; } catch { return []; }
  });
}

export async function serverSettingsLevel(report: Report, env: { workDir: string; binaries: Record<string, string> }): Promise<void> {
  const where = `server-settings/examples/${EXAMPLE}`;
  const out = join(env.workDir, 'server-settings', 'dist');
  const dir = join(env.workDir, 'server-settings', 'run');
  mkdirSync(out, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const failure = await synthesizeExample(EXAMPLE, out);
  if (!report.check('settings', failure === undefined, where, `spire-gitops synth examples/${EXAMPLE}`, failure)) return;
  const tree = clusterTrees(out)[0];
  const conf = serverConfOf(tree);
  const missing = EXPECTED_KEYS.filter((pattern) => !pattern.test(conf)).map(String);
  if (!report.check('settings', missing.length === 0, where, 'server.conf carries the settings this level proves', `missing ${missing.join(', ')}`)) return;
  // What the estate asks for, not what the config says: a renderer that wrote the wrong value would agree with itself.
  const agentTtl = estate.environments[0].server.agentTtl ?? '';
  const agentTtlHours = (parseDuration(agentTtl) ?? 0) / 3_600_000;

  const processes = new Processes(dir);
  const network = new NodeNetwork(`sgs${process.pid}`);
  try {
    const pki = new Pki(dir);
    const dbCa = pki.ca('db-ca', '/CN=spire-gitops-e2e-settings-db-ca');
    const password = `e2e-${randomUUID()}`;
    const readOnlyPassword = `e2e ro $pass=${randomUUID()}`;
    const postgres = await startPostgres(tree, dir, processes, pki, dbCa, password, readOnlyPassword);
    if (!postgres.target || !postgres.readOnly) throw new Error('the example\'s server has no PostgreSQL primary and read replica');
    const pod = network.podNetwork();
    const server = await startTreeServer(withJoinToken(tree), {
      dir, processes, binaries: env.binaries, netns: pod.netns, hosts: postgres.hosts,
      secretEnv: { PGPASSWORD: password, RODBPW: readOnlyPassword }, volumeFiles: { 'db-ca': { 'ca.crt': read(dbCa.cert) } },
    });
    const cli = (args: string[]) => serverCommand(env.binaries, server, args);

    // The read-only connection: SPIRE logs it (sqlstore.go openConnection), PostgreSQL lists its role.
    const readOnlyLogged = jsonLines(server.running).some((line) => line.msg === 'Connected to SQL database' && line.read_only === true);
    const users = connectedUsers(dir, postgres.target);
    report.check('settings', readOnlyLogged && users.includes(postgres.readOnly.user) && users.includes(postgres.target.user), where,
      `the server connects to the read replica as ${postgres.readOnly.user} (SELECT only) beside ${postgres.target.user}`,
      `read-only connection logged: ${readOnlyLogged}; connected users: ${users.join(', ')}`);

    // Entries through the primary, read back; each call leaves an audit line.
    const trustDomain = server.trustDomain;
    const workload = `spiffe://${trustDomain}/e2e/settings-workload`;
    const agentId = `spiffe://${trustDomain}/e2e/settings-agent`;
    await cli(['entry', 'create', '-parentID', agentId, '-spiffeID', workload, '-selector', 'unix:uid:0']);
    const shown = await cli(['entry', 'show', '-spiffeID', workload]);
    report.check('settings', shown.includes(workload), where, 'the server creates and serves an entry on the primary and replica', tail(shown, 3));
    const audit = await waitFor('the audit line of BatchCreateEntry', 10000, () => jsonLines(server.running)
      .find((line) => line.msg === 'API accessed' && line.type === 'audit' && line.method === 'BatchCreateEntry' && line.status === 'success')).catch(() => undefined);
    report.check('settings', audit !== undefined, where, 'audit_log_enabled: a JSON audit line for the entry created (type audit, method BatchCreateEntry, status success)',
      tail(server.running.output(), 3));

    // pkg/server/node/manager.go pruneEvery logs the duration in JSON as nanoseconds.
    const expiredFor = /^\s*prune_attested_nodes_expired_for = "([^"]+)"$/m.exec(conf)![1];
    const pruning = jsonLines(server.running).find((line) => line.msg === 'Periodic prune of expired nodes started');
    report.check('settings', pruning !== undefined && pruning.expired_for === parseDuration(expiredFor)! * 1e6 && pruning.include_tofu === false, where,
      `prune_attested_nodes_expired_for: the node manager prunes nodes expired for ${expiredFor}, TOFU nodes kept`, JSON.stringify(pruning ?? 'no prune line'));

    // An agent attests with a join token; its SVID lives agent_ttl, not default_x509_svid_ttl.
    const agentDir = join(dir, 'agent');
    mkdirSync(agentDir, { recursive: true });
    writeFileSync(join(agentDir, 'bundle.pem'), await cli(['bundle', 'show', '-format', 'pem']));
    const agentConf = join(agentDir, 'agent.conf');
    writeFileSync(agentConf, standInAgentConf({
      trustDomain, serverAddress: pod.ip, serverPort: /^\s*bind_port = "(\d+)"$/m.exec(conf)![1],
      dataDir: agentDir, socketPath: join(agentDir, 'api.sock'), trustBundlePath: join(agentDir, 'bundle.pem'),
    }));
    const { running: agent, token } = await startJoinTokenAgent(processes, 'settings-agent', env.binaries['spire-agent'], agentConf, cli, agentId);
    const attested = `spiffe://${trustDomain}/spire/agent/join_token/${token}`;
    const listed: Json = await waitFor('the agent to attest', 30000, async () => {
      const agents = JSON.parse(await cli(['agent', 'list', '-output', 'json'])).agents ?? [];
      return agents.find((candidate: Json) => `spiffe://${candidate.id.trust_domain}${candidate.id.path}` === attested);
    }, agent);
    const lifetimeHours = (Number(listed.x509svid_expires_at) - Date.now() / 1000) / 3600;
    report.check('settings', Math.abs(lifetimeHours - agentTtlHours) < 0.1, where, `agent_ttl: the attested agent's X509-SVID lives ${agentTtlHours}h`,
      `expires in ${lifetimeHours.toFixed(2)}h`);

    // uniqueid adds x500UniqueIdentifier (OID 2.5.4.45) to workload X509-SVIDs (x509svid.UniqueIDAttribute).
    const mintDir = join(dir, 'mint');
    mkdirSync(mintDir, { recursive: true });
    await cli(['x509', 'mint', '-spiffeID', workload, '-write', mintDir]);
    const subject = new X509Certificate(readFileSync(join(mintDir, 'svid.pem'))).subject;
    report.check('settings', /x500UniqueIdentifier=|2\.5\.4\.45=/.test(subject), where, 'CredentialComposer uniqueid: a minted workload X509-SVID carries x500UniqueIdentifier',
      subject.replace(/\n/g, ', '));
  } catch (error) {
    report.fail(where, 'server settings', (error as Error).stack ?? String(error));
  } finally {
    await processes.stopAll();
    network.close();
  }
}
