/**
 * The e2e's kubelet: creates a Pod from a manifest's pod template in the real apiserver (so admission,
 * service-account tokens and the controller manager see it as in a cluster), binds it to a node, writes
 * its volumes, runs its init containers and containers with the real programs, and reports it Running
 * and Ready the way the kubelet would, judged by the manifest's own readiness probes.
 */
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { KubeClient } from './kube';
import { NodeNetwork, NODE_IP } from './net';
import { Processes, Running, waitFor } from './processes';
import {
  PodContext, containerArgv, containerCgroup, containerId, containerEnv, containerMounts, containerUser, imageContent, materializeVolumes, ownWritable, startContainer,
} from './runtime';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface PodHandle {
  readonly pod: Json;
  readonly ip: string;
  readonly containers: Map<string, Running>;
  readonly volumes: Map<string, string>;
}

export interface NodeInfo {
  readonly name: string;
  readonly uid: string;
}

/** Creates the Node object a pod is bound to. */
export async function createNode(client: KubeClient, name: string): Promise<NodeInfo> {
  const existing = await client.get('v1', 'Node', undefined, name);
  const node = existing ?? (await client.ok('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } })).body;
  await client.ok('PATCH', `/api/v1/nodes/${name}/status`, {
    status: {
      addresses: [{ type: 'InternalIP', address: NODE_IP }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'e2e node', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    },
  }, 'application/merge-patch+json');
  return { name, uid: node.metadata.uid };
}

/** A Pod object from a workload's template, as its controller would create it. */
export function podFromTemplate(template: Json, name: string, namespace: string, nodeName: string, extra: { hostname?: string; subdomain?: string } = {}): Json {
  const spec = JSON.parse(JSON.stringify(template.spec));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: template.metadata?.labels ?? {}, annotations: template.metadata?.annotations ?? {} },
    spec: { ...spec, nodeName, ...extra },
  };
}

export interface Kubelet {
  readonly client: KubeClient;
  readonly processes: Processes;
  readonly binaries: Record<string, string>;
  readonly network: NodeNetwork;
  readonly context: PodContext;
  /** The node's own network namespace for hostNetwork pods, when it is not the e2e's (a second cluster's node). */
  readonly node?: { readonly netns: string; readonly ip: string };
}

/** Creates the Pod, starts it and waits until every container with a readiness probe is ready. */
export async function runPod(kubelet: Kubelet, podObject: Json, options: { waitReady?: boolean; readyTimeoutMs?: number } = {}): Promise<PodHandle> {
  const { client } = kubelet;
  const ns = podObject.metadata.namespace;
  const created = await client.ok('POST', `/api/v1/namespaces/${ns}/pods?fieldValidation=Strict`, podObject);
  let pod = created.body;
  const hostNetwork = pod.spec.hostNetwork === true;
  const hostIP = kubelet.node?.ip ?? NODE_IP;
  const network = hostNetwork ? { netns: kubelet.node?.netns, ip: hostIP } : kubelet.network.podNetwork();
  pod = (await client.ok('PUT', `/api/v1/namespaces/${ns}/pods/${pod.metadata.name}/status`, {
    ...pod,
    status: {
      phase: 'Running',
      podIP: network.ip,
      podIPs: [{ ip: network.ip }],
      hostIP,
      startTime: new Date().toISOString(),
      conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }],
      containerStatuses: containerStatuses(pod, false),
    },
  })).body;

  const dir = join(kubelet.context.workDir, 'pods', `${ns}_${pod.metadata.name}`);
  mkdirSync(dir, { recursive: true });
  // Like the kubelet, wait (ContainerCreating) for ConfigMaps and Secrets that do not exist yet.
  const volumes = await waitFor(`the volumes of ${ns}/${pod.metadata.name}`, 60000, () => materializeVolumes(pod, kubelet.context, dir));
  const containers = new Map<string, Running>();
  // Containers of restartPolicy Always are started again when they exit, as the kubelet does (back-off shortened).
  const restarts = (pod.spec.restartPolicy ?? 'Always') === 'Always' ? 5 : 0;
  const launch = (container: Json, init = false) => startPodContainer(kubelet, pod, container, volumes, network, undefined, '', init ? 0 : restarts);
  for (const init of pod.spec.initContainers ?? []) {
    const running = await launch(init, true);
    await waitFor(`init container ${init.name} of ${ns}/${pod.metadata.name}`, 60000, () => (running.exitCode() === undefined ? undefined : running.exitCode()));
    if (running.exitCode() !== 0) throw new Error(`init container ${init.name} exited ${running.exitCode()}: ${running.output().slice(-1500)}`);
  }
  for (const container of pod.spec.containers) containers.set(container.name, await launch(container));
  const handle = { pod, ip: network.ip, containers, volumes };
  if (options.waitReady !== false) await waitReady(kubelet, handle, options.readyTimeoutMs ?? 90000);
  return handle;
}

/** Starts one container of a materialized pod; `argv` replaces the one the runtime would build (for `validate`). */
export async function startPodContainer(
  kubelet: Pick<Kubelet, 'processes' | 'binaries' | 'context'>, pod: Json, container: Json, volumes: Map<string, string>,
  network: { netns?: string; ip: string }, argv?: string[], nameSuffix = '', restarts = 0,
): Promise<Running> {
  const content = imageContent(container.image);
  if (!content) throw new Error(`container ${container.name}: no real program is built for image ${container.image}`);
  const user = containerUser(pod, container, content);
  const mounts = containerMounts(container, volumes, user);
  const hostPathVolumes = new Set((pod.spec.volumes ?? []).filter((v: Json) => v.hostPath).map((v: Json) => volumes.get(v.name)));
  ownWritable(mounts.filter((m) => !hostPathVolumes.has(m.source)), user, pod.spec.securityContext?.fsGroup);
  const ns = pod.metadata.namespace;
  return startContainer(kubelet.processes, kubelet.binaries, {
    name: `${ns}_${pod.metadata.name}_${container.name}${nameSuffix}`,
    argv: argv ?? containerArgv(container)!,
    env: await containerEnv(pod, container, kubelet.context.client),
    uid: user.uid,
    gid: user.gid,
    program: content.program,
    binaryPath: content.image.entrypoint[0],
    imageDirs: content.dirs,
    mounts,
    readOnlyRoot: container.securityContext?.readOnlyRootFilesystem === true,
    netns: network.netns,
    hosts: { ...kubelet.context.hosts, [pod.metadata.name]: network.ip },
    caCertificates: kubelet.context.caCertificates,
    rootDir: join(kubelet.context.workDir, 'pods', `${ns}_${pod.metadata.name}`, 'roots', `${container.name}${nameSuffix}`),
    cgroup: pod.metadata.uid && !nameSuffix ? containerCgroup(pod.metadata.uid, container.name) : undefined,
    restarts,
  });
}

/** Polls each container's readiness probe (httpGet, as declared) and marks the Pod Ready in the apiserver. */
export async function waitReady(kubelet: Kubelet, handle: PodHandle, timeoutMs: number): Promise<void> {
  const { pod } = handle;
  for (const container of pod.spec.containers) {
    const probe = container.readinessProbe?.httpGet;
    if (!probe) continue;
    const port = typeof probe.port === 'number' ? probe.port : container.ports?.find((p: Json) => p.name === probe.port)?.containerPort;
    if (port === undefined) throw new Error(`container ${container.name}: readiness probe port ${probe.port} is not a declared port`);
    await waitFor(`readiness of ${pod.metadata.namespace}/${pod.metadata.name} container ${container.name} (GET :${port}${probe.path})`, timeoutMs,
      async () => ((await httpStatus(handle.ip, port, probe.path)) === 200 ? true : undefined), handle.containers.get(container.name));
  }
  await kubelet.client.ok('PATCH', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, {
    status: {
      conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'PodScheduled', status: 'True' }],
      containerStatuses: containerStatuses(pod, true),
    },
  }, 'application/strategic-merge-patch+json');
}

/** The containers' status as the kubelet reports it: running, with the IDs their cgroups carry. */
function containerStatuses(pod: Json, ready: boolean): Json[] {
  return pod.spec.containers.map((c: Json) => ({
    name: c.name, image: c.image, imageID: '', ready, restartCount: 0, started: true,
    containerID: `containerd://${containerId(pod.metadata.uid, c.name)}`, state: { running: { startedAt: new Date().toISOString() } },
  }));
}

/** GET with a Host header of our choosing (a provider that answers only for its domains). */
export function httpGetHost(host: string, port: number, path: string, hostHeader: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers: { Host: hostHeader }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

export function httpStatus(host: string, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: 3000 }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}
