/**
 * Level workload-attestation: the agent config an example ships, with its WorkloadAttestors as rendered,
 * run by the real spire-agent. `spire-agent validate` loads no plugin (cmd/spire-agent/cli/validate), so
 * this is where the k8s attestor's options (examples/mesh: disable_container_selectors) meet the plugin's
 * own Configure, which refuses keys it does not know (pkg/agent/plugin/workloadattestor/k8s/k8s.go
 * buildConfig, pluginconf.ReportUnusedKeys), and where the unix attestor proves itself: a process of one
 * uid receives the SVID of an entry that selects `unix:uid`, a process of another uid does not.
 *
 * What the level changes in the shipped agent.conf, and why: the agent section's paths and the server
 * address (a server of this level's own on 127.0.0.1; the subject is the agent), the NodeAttestor
 * (join_token: k8s_psat needs an apiserver's TokenReview, proven at the live level), and the k8s
 * attestor's token_path (in a pod, the service account token sits at the default path). The workload
 * runs outside any pod, where the k8s attestor gives no selectors without asking the kubelet (k8s.go
 * attestByPIDReference: "Not a Kubernetes pod"). With hostCert, kubelet_ca_path points at a certificate this
 * level writes in the kubelet's manner; the agent must load it, and must refuse to start on a key file in
 * its place. The TLS handshake with a kubelet is not made here (that needs a workload in a pod's cgroup).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pki, read } from '../pki';
import { Processes, run, tail, waitFor } from '../processes';
import { Report } from '../report';
import { shortPath } from '../runtime';
import { JOIN_TOKEN_ATTESTOR, serverCli, serverHealthy, startJoinTokenAgent, writeStandInServer } from '../standin-spire';
import { clusterTrees, objectsOf, where } from '../trees';
import { synthesizeExample } from './examples';

/** The example whose agent runs here: the one that sets the k8s attestor's options and runs the unix attestor. */
const EXAMPLE = 'mesh';
const WORKLOAD_UID = 4242;
const OTHER_UID = 4343;
const SERVER_PORT = 18081;

function setAgentKey(conf: string, key: string, value: string): string {
  const pattern = new RegExp(`^( {2}${key} = )"[^"]*"$`, 'm');
  if (!pattern.test(conf)) throw new Error(`the shipped agent.conf has no ${key}`);
  return conf.replace(pattern, `$1${JSON.stringify(value)}`);
}

export async function workloadAttestationLevel(report: Report, env: { workDir: string; binaries: Record<string, string> }): Promise<void> {
  const dir = join(env.workDir, 'workload-attestation');
  mkdirSync(dir, { recursive: true });
  const processes = new Processes(dir);
  const out = join(dir, 'dist');
  let at = `examples/${EXAMPLE}`;
  try {
    const failure = await synthesizeExample(EXAMPLE, out);
    if (failure) throw new Error(`spire-gitops synth: ${failure}`);
    const tree = clusterTrees(out)[0];
    at = `examples/${EXAMPLE} ${where(tree)}`;
    const shipped = objectsOf(tree).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'spire-agent')?.data?.['agent.conf'] as string | undefined;
    if (!shipped) throw new Error('no spire-agent ConfigMap with agent.conf in the tree');
    const trustDomain = /^ {2}trust_domain = "([^"]+)"$/m.exec(shipped)![1];
    const attestors = ['WorkloadAttestor "k8s"', 'WorkloadAttestor "unix"'];
    const caPathPattern = /^( {6}kubelet_ca_path = )"[^"]*"$/m;
    const hostCert = caPathPattern.test(shipped) && !/^ {6}(node_name_env|skip_kubelet_verification) = /m.test(shipped);
    const rendered = report.check('attestation', hostCert && attestors.every((name) => shipped.includes(name)), at,
      `agent.conf configures ${attestors.join(' and ')}, the kubelet verified by hostCert`, shipped);
    if (!rendered) return;

    // The server: a stand-in of this level's own, sqlite3 and join_token.
    const { conf: serverConf, socket: serverSocket } = writeStandInServer(dir, { trustDomain, bindPort: SERVER_PORT, plugins: [JOIN_TOKEN_ATTESTOR] });
    const server = processes.start('spire-server', env.binaries['spire-server'], ['run', '-config', serverConf]);
    const cli = serverCli('spire-server', env.binaries['spire-server'], serverSocket);
    await serverHealthy('spire-server to be healthy', env.binaries['spire-server'], serverSocket, server);
    const agentNode = `spiffe://${trustDomain}/e2e/workload-attestation/node`;
    const workload = `spiffe://${trustDomain}/e2e/workload-attestation/uid-${WORKLOAD_UID}`;
    await cli(['entry', 'create', '-parentID', agentNode, '-spiffeID', workload, '-selector', `unix:uid:${WORKLOAD_UID}`]);
    const format = /^ {2}trust_bundle_format = "([^"]+)"$/m.exec(shipped)![1];
    const bundleFile = join(dir, `bundle.${format}`);
    writeFileSync(bundleFile, await cli(['bundle', 'show', '-format', format]));

    // The shipped agent.conf, changed only where this level's surroundings differ from a node's.
    const agentDir = join(dir, 'agent');
    mkdirSync(join(agentDir, 'data'), { recursive: true });
    mkdirSync(join(agentDir, 'public'), { recursive: true });
    mkdirSync(join(agentDir, 'admin'), { recursive: true });
    const tokenFile = join(agentDir, 'service-account-token');
    writeFileSync(tokenFile, 'stand-in-service-account-token');
    const agentSocket = shortPath(join(agentDir, 'public', 'api.sock'));
    let conf = shipped;
    conf = setAgentKey(conf, 'data_dir', join(agentDir, 'data'));
    conf = setAgentKey(conf, 'server_address', '127.0.0.1');
    conf = setAgentKey(conf, 'server_port', String(SERVER_PORT));
    conf = setAgentKey(conf, 'socket_path', agentSocket);
    conf = setAgentKey(conf, 'trust_bundle_path', bundleFile);
    if (/^ {2}admin_socket_path = /m.test(conf)) conf = setAgentKey(conf, 'admin_socket_path', shortPath(join(agentDir, 'admin', 'admin.sock')));
    conf = conf.replace(/^ {2}NodeAttestor "[^"]+" \{\n[\s\S]*?^ {2}\}\n/m, '  NodeAttestor "join_token" {\n    plugin_data {}\n  }\n');
    conf = conf.replace(/^( {2}WorkloadAttestor "k8s" \{\n {4}plugin_data \{\n)/m, `$1      token_path = ${JSON.stringify(tokenFile)}\n`);
    // hostCert: the node's kubelet.crt is mounted at kubelet_ca_path; here a certificate as the kubelet writes it
    // (its serving certificate, then the CA that signed it) stands in for it. The k8s attestor loads it in
    // Configure (k8s.go reloadKubeletClient, loadKubeletCA): a file with no certificate in it stops the agent.
    const pki = new Pki(dir);
    const kubeletCa = pki.ca('kubelet-ca', '/CN=e2e-node-ca@1');
    const serving = pki.leaf(kubeletCa, 'kubelet-serving', '/CN=e2e-node@1', ['DNS:e2e-node', 'IP:127.0.0.1'], 'serverAuth');
    const kubeletCert = join(agentDir, 'kubelet.crt');
    writeFileSync(kubeletCert, read(serving.cert) + read(kubeletCa.cert));
    const keyInstead = join(dir, 'agent-key-as-kubelet-ca.conf');
    writeFileSync(keyInstead, conf.replace(caPathPattern, `$1${JSON.stringify(serving.key)}`));
    const refused = await run(env.binaries['spire-agent'], ['run', '-config', keyInstead, '-joinToken', 'unused'], 30000);
    report.check('attestation', !refused.ok && /kubelet CA/.test(refused.out), at,
      'hostCert: with a key file at kubelet_ca_path the agent refuses to start (the certificate file is read and parsed)', tail(refused.out, 3));
    conf = conf.replace(caPathPattern, `$1${JSON.stringify(kubeletCert)}`);
    const agentConf = join(dir, 'agent.conf');
    writeFileSync(agentConf, conf);

    const { running: agent } = await startJoinTokenAgent(processes, 'spire-agent', env.binaries['spire-agent'], agentConf, cli, agentNode);
    await waitFor('spire-agent to open its Workload API', 60000, async () => ((await run(env.binaries['spire-agent'], ['healthcheck', '-socketPath', agentSocket])).ok ? true : undefined), agent);
    report.check('attestation', true, at, 'the real spire-agent starts with the shipped WorkloadAttestors and their options (each plugin\'s Configure accepted them)');

    // `api fetch x509` as one uid and as another: the unix attestor's selector decides.
    const fetchAs = (uid: number) => run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', env.binaries['spire-agent'], 'api', 'fetch', 'x509', '-socketPath', agentSocket, '-timeout', '5s'], 20000);
    const served = await waitFor(`the SVID of uid ${WORKLOAD_UID}`, 60000, async () => {
      const result = await fetchAs(WORKLOAD_UID);
      return result.ok && result.out.includes(`SPIFFE ID:\t\t${workload}`) ? result.out : undefined;
    }, agent).then(() => '', (error: Error) => error.message);
    report.check('attestation', served === '', at, `a process of uid ${WORKLOAD_UID} receives ${workload} (entry selector unix:uid:${WORKLOAD_UID})`, served);
    const other = await fetchAs(OTHER_UID);
    report.check('attestation', !other.ok && !other.out.includes(workload), at, `a process of uid ${OTHER_UID} receives no SVID`, other.ok ? other.out : '');
  } catch (error) {
    report.fail('attestation', at, (error as Error).message);
  } finally {
    await processes.stopAll();
  }
}
