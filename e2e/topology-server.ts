/**
 * A synthesized tree's SPIRE server run as its StatefulSet would run it, without a kube-apiserver: the
 * container's argv, environment and volume mounts from the tree, its server.conf from the tree's
 * ConfigMap. One edit: the BundlePublisher k8s_configmap block goes, since it writes the bundle into the
 * cluster's kube API, which the topology levels do not run; they read each server's bundle through its
 * admin socket instead. Used by the topology levels, which run several servers side by side.
 */
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Processes, Running, run, waitFor } from './processes';
import { shortPath, startContainer } from './runtime';
import { ClusterTree, find, podTemplate } from './trees';

export interface TreeServer {
  readonly tree: ClusterTree;
  /** The admin API socket on the host. */
  readonly socket: string;
  readonly running: Running;
  readonly trustDomain: string;
}

/** The tree's server.conf, as its ConfigMap ships it. */
export function serverConfOf(tree: ClusterTree): string {
  const text = find(tree, 'ConfigMap').map((o) => o.data?.['server.conf']).find((candidate) => typeof candidate === 'string');
  if (!text) throw new Error(`${tree.env}/${tree.cluster}: no ConfigMap with server.conf`);
  return text;
}

/** server.conf without its `BundlePublisher "k8s_configmap"` block (a block is balanced braces). */
export function withoutKubeBundlePublisher(conf: string): string {
  const start = conf.indexOf('BundlePublisher "k8s_configmap"');
  if (start < 0) return conf;
  let depth = 0;
  let end = conf.indexOf('{', start);
  for (; end < conf.length; end++) {
    if (conf[end] === '{') depth++;
    if (conf[end] === '}' && --depth === 0) break;
  }
  return conf.slice(0, conf.lastIndexOf('\n', start) + 1) + conf.slice(conf.indexOf('\n', end) + 1);
}

export interface TreeServerEnv {
  readonly dir: string;
  readonly processes: Processes;
  readonly binaries: Record<string, string>;
  /** The pod's network namespace (NodeNetwork.podNetwork). */
  readonly netns: string;
  /** /etc/hosts of the container. */
  readonly hosts: Record<string, string>;
  /** Environment the operator's Secrets give the container (valueFrom), by variable name. */
  readonly secretEnv: Record<string, string>;
  /** Files the operator's ConfigMaps give a volume, by volume name then file name. */
  readonly volumeFiles: Record<string, Record<string, string>>;
}

/** Starts the tree's server and waits until its admin socket answers a healthcheck. */
export async function startTreeServer(tree: ClusterTree, env: TreeServerEnv): Promise<TreeServer> {
  const statefulSet = find(tree, 'StatefulSet').find((o) => /spire-server/.test(o.metadata.name));
  const pod = statefulSet && podTemplate(statefulSet);
  const container = pod?.spec.containers.find((c: any) => c.name === 'spire-server');
  if (!pod || !container) throw new Error(`${tree.env}/${tree.cluster}: no spire-server container`);
  const conf = withoutKubeBundlePublisher(serverConfOf(tree));
  const uid = pod.spec.securityContext?.runAsUser ?? 1000;
  const gid = pod.spec.securityContext?.runAsGroup ?? 1000;
  const mounts = (container.volumeMounts ?? []).map((mount: any) => {
    const source = join(env.dir, 'volumes', mount.name);
    mkdirSync(source, { recursive: true });
    if (mount.mountPath === '/run/spire/config' || mount.name === 'config') writeFileSync(join(source, 'server.conf'), conf);
    for (const [file, text] of Object.entries(env.volumeFiles[mount.name] ?? {})) writeFileSync(join(source, file), text);
    if (!mount.readOnly) chownSync(source, uid, gid);
    return { path: mount.mountPath, source, readOnly: mount.readOnly === true };
  });
  const socketPath = /socket_path = "([^"]+)"/.exec(conf)?.[1] ?? '/tmp/spire-server/private/api.sock';
  const socketMount = mounts.filter((mount: any) => socketPath.startsWith(`${mount.path}/`)).sort((a: any, b: any) => b.path.length - a.path.length)[0];
  if (!socketMount) throw new Error(`${tree.env}/${tree.cluster}: no volume holds the admin socket ${socketPath}`);
  const socket = join(socketMount.source, socketPath.slice(socketMount.path.length + 1));
  const environment: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    environment[variable.name] = variable.value ?? env.secretEnv[variable.name] ?? '';
  }
  const running = startContainer(env.processes, env.binaries, {
    name: `server-${tree.env}-${tree.cluster}`,
    argv: ['/opt/spire/bin/spire-server', 'run', ...(container.args ?? [])],
    env: environment, uid, gid, program: 'spire-server', binaryPath: '/opt/spire/bin/spire-server', imageDirs: [],
    mounts, readOnlyRoot: true, netns: env.netns, hosts: env.hosts, caCertificates: '', rootDir: join(env.dir, 'root'),
  });
  await waitFor(`${tree.env}/${tree.cluster} server`, 90000, async () => ((await run(env.binaries['spire-server'], ['healthcheck', '-socketPath', shortPath(socket)])).ok ? true : undefined), running);
  return { tree, socket, running, trustDomain: /trust_domain = "([^"]+)"/.exec(conf)![1] };
}

/** `spire-server <args> -socketPath <socket>`; throws with the output when it fails. */
export async function serverCommand(binaries: Record<string, string>, server: TreeServer, args: string[]): Promise<string> {
  const result = await run(binaries['spire-server'], [...args, '-socketPath', shortPath(server.socket)], 60000);
  if (!result.ok) throw new Error(`spire-server ${args.join(' ')} (${server.tree.env}/${server.tree.cluster}): ${result.out}`);
  return result.out;
}

