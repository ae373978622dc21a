/**
 * Level node-attestation: the http_challenge NodeAttestor the on-prem example ships for VMs, with the real
 * server and real agents.
 *
 * The example is synthesized by the CLI; its server.conf's `NodeAttestor "http_challenge"` block is taken
 * verbatim into a server of the shipped release (sqlite, keys in memory: the block is what is judged,
 * not the rest of the tree, which needs an apiserver). Each VM agent runs in a network namespace of its
 * own on the e2e's bridge; the server resolves the VMs' names through an /etc/hosts of its own (a private
 * mount namespace), so `http://<hostname>:<port>/.well-known/...` reaches the agent that claims the name.
 * The level proves: an agent whose name matches the example's pattern, on its required port, attests as
 * spiffe://<trust domain>/spire/agent/http_challenge/<hostname> and serves a workload SVID parented there;
 * a name outside the pattern and an unprivileged port are refused with SPIRE's words; and, since the
 * example turns trust on first use off, the same VM attests again after losing its data directory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_IP, NodeNetwork } from '../net';
import { Processes, Running, run, sleep, tail, waitFor } from '../processes';
import { Report } from '../report';
import { shortPath } from '../runtime';
import { serverCli, serverHealthy, standInAgentConf, writeStandInServer } from '../standin-spire';
import { clusterTrees, objectsOf } from '../trees';
import { synthesizeExample } from './examples';

const EXAMPLE = 'on-prem';
/** Names under the example's pattern `^[a-z0-9-]+\.vms\.onprem\.example\.org$`, and one outside it. */
const ADMITTED_HOST = 'vm-1.vms.onprem.example.org';
const UNPRIVILEGED_HOST = 'vm-3.vms.onprem.example.org';
const FOREIGN_HOST = 'vm-2.attacker.example.net';
const UNPRIVILEGED_PORT = 8080;
const SERVER_PORT = 18081;

/** The shipped server.conf's http_challenge block, with the trust domain. */
function shippedChallenge(out: string): { block: string; trustDomain: string; requiredPort: number } | string {
  const tree = clusterTrees(out)[0];
  if (!tree) return `examples/${EXAMPLE} synthesized no cluster tree`;
  const conf = objectsOf(tree).filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'spire-server').map((o) => String(o.data?.['server.conf'] ?? ''))[0] ?? '';
  const block = /^ {2}NodeAttestor "http_challenge" \{\n[\s\S]*?^ {2}\}\n/m.exec(conf)?.[0];
  const trustDomain = /trust_domain = "([^"]+)"/.exec(conf)?.[1];
  const requiredPort = Number(/required_port = (\d+)/.exec(block ?? '')?.[1]);
  if (!block || !trustDomain || !requiredPort) return `the ConfigMap spire-server of examples/${EXAMPLE} has no http_challenge block with a required_port:\n${conf}`;
  return { block, trustDomain, requiredPort };
}

/** What an agent's log says went wrong: its error lines, else its last lines. */
function said(output: string): string {
  const errors = output.split('\n').filter((line) => /level=error/.test(line));
  return errors.length > 0 ? errors.slice(-2).join('\n') : tail(output, 3);
}

export async function nodeAttestationLevel(report: Report, env: { workDir: string; binaries: Record<string, string> }): Promise<void> {
  const subject = `examples/${EXAMPLE} http_challenge`;
  for (const program of ['spire-server', 'spire-agent']) {
    if (!env.binaries[program]) {
      report.fail('node-attestation', program, 'not built; e2e/build-binaries.sh builds it');
      return;
    }
  }
  const dir = join(env.workDir, 'node-attestation');
  const out = join(dir, 'example');
  mkdirSync(out, { recursive: true });
  const failure = await synthesizeExample(EXAMPLE, out);
  if (failure !== undefined) {
    report.fail('node-attestation', `examples/${EXAMPLE}`, failure);
    return;
  }
  const shipped = shippedChallenge(out);
  if (typeof shipped === 'string') {
    report.fail('node-attestation', subject, shipped);
    return;
  }
  const { block, trustDomain, requiredPort } = shipped;
  const processes = new Processes(dir);
  const network = new NodeNetwork(`sgn${process.pid}`);
  try {
    const vms = [ADMITTED_HOST, FOREIGN_HOST, UNPRIVILEGED_HOST].map((host) => ({ host, ...network.podNetwork() }));
    const hostsFile = join(dir, 'hosts');
    writeFileSync(hostsFile, ['127.0.0.1 localhost', ...vms.map((vm) => `${vm.ip} ${vm.host}`), ''].join('\n'));
    // A stand-in server around the subject: the shipped http_challenge block.
    const { conf: serverConf, socket: serverSocket } = writeStandInServer(dir, { trustDomain, bindAddress: '0.0.0.0', bindPort: SERVER_PORT, plugins: [block] });
    // The server's own /etc/hosts: the VMs' names, as the site's DNS would give them.
    const server = processes.start('spire-server', 'unshare', ['--mount', '--propagation', 'private', 'bash', '-c',
      `mount --bind ${JSON.stringify(hostsFile)} /etc/hosts && exec ${JSON.stringify(env.binaries['spire-server'])} run -config ${JSON.stringify(serverConf)}`]);
    const cli = serverCli('spire-server', env.binaries['spire-server'], serverSocket);
    await serverHealthy('the server to be healthy', env.binaries['spire-server'], serverSocket, server);
    writeFileSync(join(dir, 'bundle.pem'), await cli(['bundle', 'show', '-format', 'pem']));

    /** One VM's agent, in the VM's network namespace, claiming its name on `port`. */
    const startAgent = (vm: typeof vms[number], port: number, name: string): { running: Running; socket: string } => {
      const data = join(dir, name);
      mkdirSync(data, { recursive: true });
      const socket = shortPath(join(data, 'api.sock'));
      const conf = join(dir, `${name}.conf`);
      writeFileSync(conf, standInAgentConf({
        trustDomain, serverAddress: NODE_IP, serverPort: SERVER_PORT, dataDir: data, socketPath: socket, trustBundlePath: join(dir, 'bundle.pem'),
        nodeAttestor: { name: 'http_challenge', data: { hostname: vm.host, port } },
      }));
      return { running: processes.start(name, 'ip', ['netns', 'exec', vm.netns, env.binaries['spire-agent'], 'run', '-config', conf]), socket };
    };
    /** The output of an agent once the server's refusal shows in it (or the agent has exited). */
    const refusal = async (agent: Running, words: RegExp) => {
      await waitFor('the server\'s refusal', 60000, () => (words.test(agent.output()) || agent.exitCode() !== undefined ? true : undefined)).catch(() => undefined);
      await agent.stop();
      return agent.output();
    };

    // An admitted name on the required port: attests, and serves an SVID parented on its agent ID.
    const agentId = `spiffe://${trustDomain}/spire/agent/http_challenge/${ADMITTED_HOST}`;
    const workload = `spiffe://${trustDomain}/vm/${ADMITTED_HOST.split('.')[0]}/workload`;
    await cli(['entry', 'create', '-parentID', agentId, '-spiffeID', workload, '-selector', 'unix:uid:0']);
    const first = startAgent(vms[0], requiredPort, 'agent-admitted');
    const fetched = await waitFor(`the agent of ${ADMITTED_HOST} to serve ${workload}`, 60000, async () => {
      const result = await run(env.binaries['spire-agent'], ['api', 'fetch', 'x509', '-socketPath', first.socket], 15000);
      return result.ok && result.out.includes(`SPIFFE ID:\t\t${workload}`) ? true : undefined;
    }, first.running).catch((error: Error) => error.message);
    const agents = await cli(['agent', 'list']);
    report.check('nodeAttestation', fetched === true && agents.includes(agentId), subject,
      `${ADMITTED_HOST} on port ${requiredPort} attests as ${agentId} and serves ${workload}`, fetched === true ? agents : `${fetched}; agent said: ${said(first.running.output())}`);

    // A name outside allowed_dns_patterns, though it answers the challenge: refused.
    const hostnameRefused = /the requested hostname is not allowed to connect/;
    const foreign = await refusal(startAgent(vms[1], requiredPort, 'agent-foreign').running, hostnameRefused);
    report.check('nodeAttestation', hostnameRefused.test(foreign), subject,
      `${FOREIGN_HOST} (outside allowed_dns_patterns) is refused`, said(foreign));

    // An unprivileged port, which any user of the VM could bind: refused.
    const portRefused = new RegExp(`port ${UNPRIVILEGED_PORT} is not allowed`);
    const unprivileged = await refusal(startAgent(vms[2], UNPRIVILEGED_PORT, 'agent-unprivileged').running, portRefused);
    report.check('nodeAttestation', portRefused.test(unprivileged), subject,
      `${UNPRIVILEGED_HOST} on port ${UNPRIVILEGED_PORT} is refused`, said(unprivileged));

    // tofu = false: the VM, its data directory lost, attests again under the same ID.
    await first.running.stop();
    await sleep(500);
    const again = startAgent(vms[0], requiredPort, 'agent-readmitted');
    const reattested = await waitFor(`${ADMITTED_HOST} to attest again`, 60000, () => (/Node attestation was successful/.test(again.running.output()) ? true : undefined), again.running)
      .catch((error: Error) => error.message);
    report.check('nodeAttestation', reattested === true, subject, `${ADMITTED_HOST} attests again with a fresh data directory (tofu = false)`,
      reattested === true ? '' : `agent said: ${said(again.running.output())}`);
  } catch (error) {
    report.fail('node-attestation', subject, (error as Error).message);
  } finally {
    await processes.stopAll();
    network.close();
  }
}
