/**
 * Runs a container of a pod the way a kubelet and container runtime would, with the real program:
 * the argv is the image's ENTRYPOINT/CMD combined with the manifest's command/args; the root is an
 * empty, read-only (where the manifest says so) file system holding only what the image holds (its
 * binary, its directories, its CA certificates) and the pod's volumes at their mountPaths; the
 * environment, user and network namespace are the ones the pod spec asks for. Each container gets its
 * own mount namespace (`unshare -m`), so nothing is written to the host's paths.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, chownSync, existsSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, dirname } from 'node:path';
import { DEFAULT_IMAGES, ImageRef, effectiveArgv } from '../lib/config/versions';
import { NODE_IP } from './net';
import { Processes, Running } from './processes';
import { APISERVER_PORT } from './kube';

/** What the e2e knows of each upstream image beyond versions.ts: which built program is its binary, its USER, its directories. */
interface ImageContent {
  readonly image: ImageRef;
  readonly program: string;
  /** The image's USER (uid:gid); used where the pod spec sets none. */
  readonly uid: number;
  readonly gid: number;
  /** Directories the image creates (spiffe/spire Dockerfile, prep-spire-* stages). */
  readonly dirs: string[];
}

const IMAGES: ImageContent[] = [
  { image: DEFAULT_IMAGES.spireServer, program: 'spire-server', uid: 1000, gid: 1000, dirs: ['/etc/spire/server', '/run/spire/server/private', '/tmp/spire-server/private', '/var/lib/spire/server'] },
  { image: DEFAULT_IMAGES.spireAgent, program: 'spire-agent', uid: 0, gid: 0, dirs: ['/etc/spire/agent', '/run/spire/agent/public', '/tmp/spire-agent/public', '/var/lib/spire/agent'] },
  { image: DEFAULT_IMAGES.oidcDiscoveryProvider, program: 'oidc-discovery-provider', uid: 1000, gid: 1000, dirs: [] },
  // gcr.io/distroless/static (spire-controller-manager Dockerfile): runs as root unless the pod says otherwise.
  { image: DEFAULT_IMAGES.controllerManager, program: 'spire-controller-manager', uid: 0, gid: 0, dirs: [] },
];

export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

export function imageContent(image: string): ImageContent | undefined {
  const repository = repositoryOf(image);
  // A registry mirror (another repository, the same digest) serves the same image.
  const digest = image.includes('@') ? image.split('@')[1] : undefined;
  return IMAGES.find((content) => content.image.repository === repository)
    ?? (digest ? IMAGES.find((content) => content.image.digest === digest) : undefined);
}

/**
 * Whether an image the e2e cannot match is nevertheless one of the programs it builds by name (a mirror
 * that changed the digest too, a typo in the repository): judging nothing there must not pass unnoticed.
 */
export function namesBuiltProgram(image: string): boolean {
  const name = repositoryOf(image).split('/').pop();
  return IMAGES.some((content) => content.image.repository.split('/').pop() === name);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The argv a container runtime builds for this container (ENTRYPOINT/CMD of the image, then command/args). */
export function containerArgv(container: Json): string[] | undefined {
  const content = imageContent(container.image);
  if (!content) return undefined;
  return effectiveArgv(content.image, container.command, container.args);
}

/** A stable 64-hex container ID for a pod's container (what the runtime reports in containerStatuses). */
export function containerId(podUid: string, container: string): string {
  return createHash('sha256').update(`${podUid}/${container}`).digest('hex');
}

/**
 * The cgroup a container's process joins, named as a kubelet with the cgroupfs driver names it: SPIRE's
 * k8s workload attestor finds the pod UID and container ID of a caller in /proc/<pid>/cgroup
 * (pkg/common/containerinfo/extract.go, rePodUID and reContainerID).
 */
export function containerCgroup(podUid: string, container: string): string {
  return `kubepods/pod${podUid}/${containerId(podUid, container)}`;
}

/** The cgroup v1 hierarchy containers join (any controller will do; pids is always there). */
export const CGROUP_HIERARCHY = 'pids';

const CHROOT = '/usr/sbin/chroot';

function q(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export interface Mount { readonly path: string; readonly source: string; readonly readOnly: boolean }

export interface ContainerLaunch {
  readonly name: string;
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly uid: number;
  readonly gid: number;
  readonly program: string;
  readonly binaryPath: string;
  readonly imageDirs: string[];
  readonly mounts: Mount[];
  readonly readOnlyRoot: boolean;
  /** Network namespace name; undefined runs in the node's (hostNetwork). */
  readonly netns?: string;
  /** /etc/hosts of the container: name → address. */
  readonly hosts: Record<string, string>;
  /** PEM bundle installed as the image's /etc/ssl/certs/ca-certificates.crt. */
  readonly caCertificates: string;
  readonly rootDir: string;
  /** cgroup (path in the pids hierarchy) the process joins before it execs. */
  readonly cgroup?: string;
  /** restartPolicy Always: the kubelet starts a container again when it exits (this many times here). */
  readonly restarts?: number;
}

/** What the e2e's kubelet writes to a container's log when it restarts it. */
export const RESTART_NOTE = 'e2e kubelet: container exited with';

/** The shell script that builds the container's root in a private mount namespace and execs its argv. */
function launchScript(launch: ContainerLaunch, binary: string): string {
  const R = q(launch.rootDir);
  const lines = [
    'set -e',
    // `ip netns exec` gave this process a /sys without cgroups: mount the hierarchy privately to join it.
    ...(launch.cgroup ? [
      `mkdir -p ${q(`${launch.rootDir}.cgroup`)}`,
      `mount -t cgroup -o ${CGROUP_HIERARCHY} cgroup ${q(`${launch.rootDir}.cgroup`)}`,
      `mkdir -p ${q(`${launch.rootDir}.cgroup/${launch.cgroup}`)}`,
      `echo $$ > ${q(`${launch.rootDir}.cgroup/${launch.cgroup}/cgroup.procs`)}`,
      `umount ${q(`${launch.rootDir}.cgroup`)}`,
    ] : []),
    `mount -t tmpfs -o mode=0755 tmpfs ${R}`,
    `mkdir -p ${R}/proc ${R}/dev ${R}/etc/ssl/certs ${R}/tmp`,
    `chmod 1777 ${R}/tmp`,
    `mount -t proc proc ${R}/proc`,
    `mount --rbind /dev ${R}/dev`,
    `printf '%s' ${q(Object.entries({ localhost: '127.0.0.1', ...launch.hosts }).map(([name, address]) => `${address} ${name}\n`).join(''))} > ${R}/etc/hosts`,
    `printf '%s' ${q(launch.caCertificates)} > ${R}/etc/ssl/certs/ca-certificates.crt`,
    `mkdir -p ${R}${q(dirname(launch.binaryPath))}`,
    `touch ${R}${q(launch.binaryPath)}`,
    `mount --bind ${q(binary)} ${R}${q(launch.binaryPath)}`,
    ...launch.imageDirs.map((dir) => `mkdir -p ${R}${q(dir)} && chown ${launch.uid}:${launch.gid} ${R}${q(dir)}`),
  ];
  // Parents before children, as containerd's CRI sorts a container's mounts (by path depth).
  const depth = (path: string) => path.split('/').filter(Boolean).length;
  const mounts = [...launch.mounts].sort((a, b) => depth(a.path) - depth(b.path));
  for (const mount of mounts) {
    const target = `${R}${q(mount.path)}`;
    const isFile = existsSync(mount.source) && !statSync(mount.source).isDirectory();
    lines.push(isFile ? `mkdir -p "$(dirname ${target})" && touch ${target}` : `mkdir -p ${target}`);
    lines.push(`mount --bind ${q(mount.source)} ${target}`);
    if (mount.readOnly) lines.push(`mount -o remount,bind,ro ${target}`);
  }
  if (launch.readOnlyRoot) lines.push(`mount -o remount,ro ${R}`);
  const env = Object.entries(launch.env).map(([key, value]) => q(`${key}=${value}`)).join(' ');
  lines.push(`cd ${R}`);
  const run = `/usr/bin/env -i ${env} ${CHROOT} --userspec=${launch.uid}:${launch.gid} ${R} ${launch.argv.map(q).join(' ')}`;
  if (!launch.restarts) {
    lines.push(`exec ${run}`);
  } else {
    lines.push('restarts=0', 'while :; do', `  code=0; ${run} || code=$?`, `  restarts=$((restarts + 1)); [ $restarts -gt ${launch.restarts} ] && exit $code`,
      `  echo "${RESTART_NOTE} $code; restart $restarts of ${launch.restarts} in 2 s" >&2`, '  sleep 2', 'done');
  }
  return lines.join('\n');
}

export function startContainer(processes: Processes, binaries: Record<string, string>, launch: ContainerLaunch): Running {
  const binary = binaries[launch.program];
  if (!binary) throw new Error(`no built program ${launch.program}`);
  mkdirSync(launch.rootDir, { recursive: true });
  const unshare = ['unshare', '--mount', '--propagation', 'private', 'bash', '-c', launchScript(launch, binary)];
  const [command, ...args] = launch.netns ? ['ip', 'netns', 'exec', launch.netns, ...unshare] : unshare;
  return processes.start(launch.name, command, args);
}

/** Where a kubelet reads ConfigMaps and Secrets and gets projected tokens: the apiserver, or the tree alone. */
export interface ObjectSource {
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Json | undefined>;
  token(namespace: string, serviceAccount: string, audiences: string[], expirationSeconds: number, pod?: { name: string; uid: string }): Promise<string>;
  /** The apiserver's address, when the source is one. */
  readonly host?: string;
  readonly port?: number;
}

/** What a pod's containers need from outside: the apiserver (for volumes and env), the node, the network. */
export interface PodContext {
  readonly client: ObjectSource;
  readonly workDir: string;
  /** Directory standing for the node's root, for hostPath volumes. */
  readonly nodeRoot: string;
  readonly hosts: Record<string, string>;
  readonly caCertificates: string;
  /** Host directory a CSI volume of this driver provides (the SPIFFE CSI driver shares the agent socket dir). */
  readonly csiSource?: (driver: string) => string | undefined;
  /** Where a PVC's data lives (kept across restarts of the pod). */
  readonly claimDir: (claimName: string) => string;
}

/** Writes the pod's volumes to directories, as a kubelet would, and returns volume name → directory. */
export async function materializeVolumes(pod: Json, context: PodContext, dir: string): Promise<Map<string, string>> {
  const volumes = new Map<string, string>();
  const ns = pod.metadata.namespace;
  const uidGid = podFsOwner(pod);
  for (const volume of pod.spec.volumes ?? []) {
    const path = join(dir, 'volumes', volume.name);
    if (volume.hostPath) {
      const hostDir = join(context.nodeRoot, volume.hostPath.path);
      mkdirSync(hostDir, { recursive: true });
      volumes.set(volume.name, hostDir);
      continue;
    }
    if (volume.persistentVolumeClaim) {
      volumes.set(volume.name, context.claimDir(volume.persistentVolumeClaim.claimName));
      continue;
    }
    if (volume.csi) {
      const source = context.csiSource?.(volume.csi.driver);
      if (!source) throw new Error(`no node plugin for CSI driver ${volume.csi.driver}`);
      volumes.set(volume.name, source);
      continue;
    }
    mkdirSync(path, { recursive: true });
    volumes.set(volume.name, path);
    if (volume.emptyDir) {
      if (uidGid) chownSync(path, uidGid.uid, uidGid.gid);
      continue;
    }
    if (volume.configMap) {
      const configMap = await context.client.get('v1', 'ConfigMap', ns, volume.configMap.name);
      if (!configMap) throw new Error(`ConfigMap ${ns}/${volume.configMap.name} (volume ${volume.name}) does not exist`);
      writeKeys(path, configMap.data ?? {}, volume.configMap.items);
      continue;
    }
    if (volume.secret) {
      const secret = await context.client.get('v1', 'Secret', ns, volume.secret.secretName);
      if (!secret) throw new Error(`Secret ${ns}/${volume.secret.secretName} (volume ${volume.name}) does not exist`);
      writeKeys(path, decode(secret.data ?? {}), volume.secret.items);
      continue;
    }
    if (volume.projected) {
      for (const source of volume.projected.sources ?? []) {
        if (source.serviceAccountToken) {
          const token = await context.client.token(ns, pod.spec.serviceAccountName ?? 'default',
            source.serviceAccountToken.audience ? [source.serviceAccountToken.audience] : [],
            source.serviceAccountToken.expirationSeconds ?? 3607, { name: pod.metadata.name, uid: pod.metadata.uid });
          writeKeys(path, { [source.serviceAccountToken.path]: token });
        } else if (source.configMap) {
          const configMap = await context.client.get('v1', 'ConfigMap', ns, source.configMap.name);
          if (!configMap) throw new Error(`ConfigMap ${ns}/${source.configMap.name} (volume ${volume.name}) does not exist`);
          writeKeys(path, configMap.data ?? {}, source.configMap.items);
        } else if (source.downwardAPI) {
          writeKeys(path, Object.fromEntries((source.downwardAPI.items ?? []).map((item: Json) => [item.path, fieldValue(pod, item.fieldRef.fieldPath)])));
        } else if (source.secret) {
          const secret = await context.client.get('v1', 'Secret', ns, source.secret.name);
          if (!secret) throw new Error(`Secret ${ns}/${source.secret.name} (volume ${volume.name}) does not exist`);
          writeKeys(path, decode(secret.data ?? {}), source.secret.items);
        }
      }
      continue;
    }
    throw new Error(`volume ${volume.name}: this e2e does not provide its kind (${Object.keys(volume).filter((k) => k !== 'name').join(', ')})`);
  }
  return volumes;
}

function podFsOwner(pod: Json): { uid: number; gid: number } | undefined {
  const security = pod.spec.securityContext ?? {};
  if (security.runAsUser === undefined && security.fsGroup === undefined) return undefined;
  return { uid: security.runAsUser ?? 0, gid: security.fsGroup ?? security.runAsGroup ?? 0 };
}

function decode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

function writeKeys(dir: string, data: Record<string, string>, items?: { key: string; path: string }[]): void {
  const entries = items ? items.map((item) => [item.path, data[item.key]] as const) : Object.entries(data);
  for (const [path, value] of entries) {
    if (value === undefined) throw new Error(`key for ${path} missing`);
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, value, { mode: 0o644 });
  }
}

export function fieldValue(pod: Json, fieldPath: string): string {
  const fields: Record<string, string | undefined> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec.nodeName,
    'spec.serviceAccountName': pod.spec.serviceAccountName,
    'status.podIP': pod.status?.podIP,
    'status.hostIP': pod.status?.hostIP,
  };
  const value = fields[fieldPath];
  if (value === undefined) throw new Error(`fieldRef ${fieldPath} is not provided`);
  return value;
}

/** The environment of a container as the kubelet builds it. */
export async function containerEnv(pod: Json, container: Json, client: ObjectSource): Promise<Record<string, string>> {
  const env: Record<string, string> = {
    // The apiserver the pod's objects come from (a second cluster on the node has its own address).
    KUBERNETES_SERVICE_HOST: client.host ?? NODE_IP,
    KUBERNETES_SERVICE_PORT: String(client.port ?? APISERVER_PORT),
    HOSTNAME: pod.metadata.name,
  };
  const ns = pod.metadata.namespace;
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, (await client.get('v1', 'ConfigMap', ns, from.configMapRef.name))?.data ?? {});
    if (from.secretRef) Object.assign(env, decode((await client.get('v1', 'Secret', ns, from.secretRef.name))?.data ?? {}));
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = variable.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole: string, name: string) => env[name] ?? whole);
    } else if (variable.valueFrom?.fieldRef) {
      env[variable.name] = fieldValue(pod, variable.valueFrom.fieldRef.fieldPath);
    } else if (variable.valueFrom?.secretKeyRef) {
      const ref = variable.valueFrom.secretKeyRef;
      const secret = await client.get('v1', 'Secret', ns, ref.name);
      const value = secret?.data?.[ref.key];
      if (value === undefined) throw new Error(`env ${variable.name}: Secret ${ns}/${ref.name} key ${ref.key} does not exist`);
      env[variable.name] = Buffer.from(value, 'base64').toString('utf8');
    } else if (variable.valueFrom?.configMapKeyRef) {
      const ref = variable.valueFrom.configMapKeyRef;
      const value = (await client.get('v1', 'ConfigMap', ns, ref.name))?.data?.[ref.key];
      if (value === undefined) throw new Error(`env ${variable.name}: ConfigMap ${ns}/${ref.name} key ${ref.key} does not exist`);
      env[variable.name] = value;
    }
  }
  return env;
}

/** The container's user as the kubelet resolves it, refusing root where runAsNonRoot is set. */
export function containerUser(pod: Json, container: Json, content: ImageContent): { uid: number; gid: number } {
  const podSecurity = pod.spec.securityContext ?? {};
  const security = container.securityContext ?? {};
  const uid = security.runAsUser ?? podSecurity.runAsUser ?? content.uid;
  const gid = security.runAsGroup ?? podSecurity.runAsGroup ?? content.gid;
  if ((security.runAsNonRoot ?? podSecurity.runAsNonRoot) && uid === 0) {
    throw new Error(`container ${container.name} has runAsNonRoot and would run as root (uid 0): the kubelet refuses to start it`);
  }
  return { uid, gid };
}

/** Every mount of a container, from its volumeMounts and the pod's materialized volumes (subPath included). */
export function containerMounts(container: Json, volumes: Map<string, string>, owner: { uid: number; gid: number }): Mount[] {
  return (container.volumeMounts ?? []).map((mount: Json) => {
    const volume = volumes.get(mount.name);
    if (!volume) throw new Error(`volumeMount ${mount.name} names no volume of the pod`);
    let source = volume;
    if (mount.subPath) {
      source = join(volume, mount.subPath);
      if (!existsSync(source)) {
        mkdirSync(source, { recursive: true });
        chownSync(source, owner.uid, owner.gid);
      }
    }
    return { path: mount.mountPath, source, readOnly: mount.readOnly === true };
  });
}

/** Makes writable volume directories usable by the user (what fsGroup does for emptyDir and PVCs). */
export function ownWritable(mounts: Mount[], owner: { uid: number; gid: number }, podFsGroup: number | undefined): void {
  for (const mount of mounts) {
    if (mount.readOnly || !statSync(mount.source).isDirectory()) continue;
    if (podFsGroup !== undefined || owner.uid !== 0) {
      chownSync(mount.source, owner.uid, podFsGroup ?? owner.gid);
      for (const entry of readdirSync(mount.source)) {
        try { chownSync(join(mount.source, entry), owner.uid, podFsGroup ?? owner.gid); } catch { /* a socket of another container */ }
      }
    }
  }
}

/** A unix socket path within the 108 bytes connect(2) takes: a short link to its directory. */
export function shortPath(socket: string): string {
  if (socket.length < 100) return socket;
  const link = join(tmpdir(), `sgx-${createHash('sha256').update(socket).digest('hex').slice(0, 10)}`);
  if (!existsSync(link)) symlinkSync(dirname(socket), link);
  return join(link, basename(socket));
}
