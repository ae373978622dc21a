/**
 * A first sync of one cluster tree, in the order Argo CD applies it: PreSync hooks, then each sync wave
 * (Argo CD waits until a wave is healthy before the next), then PostSync hooks. Within a wave objects
 * go in the kind order of gitops-engine (pkg/sync/sync_tasks.go, kindOrder: namespaces, policies,
 * service accounts, secrets, config maps, CRDs, RBAC, services, then workloads).
 *
 * No controllers run beside the apiserver, so this module does their part, as little as a first sync
 * needs: the StatefulSet, Deployment, DaemonSet and Job controllers create Pods (run by pods.ts with
 * the real programs), the endpoints controller writes Endpoints and EndpointSlices, and kube-proxy's
 * part is the Service proxy of net.ts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from './kube';
import { NodeNetwork } from './net';
import { Kubelet, PodHandle, podFromTemplate, runPod, waitReady } from './pods';
import { Processes, waitFor, tail } from './processes';
import { imageContent } from './runtime';
import { ClusterTree, K8sObject, ManifestFile, podTemplate } from './trees';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount', 'Secret',
  'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition', 'ClusterRole',
  'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding', 'RoleBindingList', 'Service',
  'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob',
  'IngressClass', 'Ingress', 'APIService',
];

export interface SyncItem {
  readonly object: K8sObject;
  /** The YAML document as committed. */
  readonly text: string;
  readonly file: string;
  readonly phase: 'PreSync' | 'Sync' | 'PostSync';
  readonly wave: number;
}

function documents(file: ManifestFile): string[] {
  return file.text.split(/^---\s*$/m).filter((doc) => doc.trim().length > 0);
}

/** The tree's objects in Argo CD's order. */
export function syncOrder(tree: ClusterTree): SyncItem[] {
  const items: SyncItem[] = [];
  for (const file of tree.files) {
    const texts = documents(file);
    file.objects.forEach((object, index) => {
      const annotations = object.metadata.annotations ?? {};
      const hook = annotations['argocd.argoproj.io/hook'];
      const phase = hook === 'PreSync' ? 'PreSync' : hook === 'PostSync' ? 'PostSync' : 'Sync';
      items.push({ object, text: texts[index] ?? file.text, file: file.path, phase, wave: Number(annotations['argocd.argoproj.io/sync-wave'] ?? 0) });
    });
  }
  const phaseRank = { PreSync: 0, Sync: 1, PostSync: 2 };
  const kindRank = (kind: string) => { const index = KIND_ORDER.indexOf(kind); return index < 0 ? KIND_ORDER.length : index; };
  return items.sort((a, b) => phaseRank[a.phase] - phaseRank[b.phase] || a.wave - b.wave || kindRank(a.object.kind) - kindRank(b.object.kind)
    || a.object.metadata.name.localeCompare(b.object.metadata.name));
}

export interface ServiceRoute { readonly ip: string; readonly names: string[] }

/** Kube-proxy and the endpoints controller for the tree's Services. */
export class Services {
  private readonly pods: PodHandle[] = [];
  readonly routes = new Map<string, ServiceRoute>();

  constructor(private readonly client: KubeClient, private readonly network: NodeNetwork) {}

  /** Gives every Service of the tree an address and DNS names; traffic reaches ready pods its selector picks. */
  async expose(services: K8sObject[]): Promise<Record<string, string>> {
    const hosts: Record<string, string> = {};
    for (const service of services) {
      const ports = (service.spec.ports ?? []) as Json[];
      if (ports.length === 0) continue;
      const ns = service.metadata.namespace;
      let ip = '';
      for (const port of ports) {
        const target = () => this.target(service, port);
        if (!ip) ip = await this.network.service(port.port, target);
        else await this.network.forward(ip, port.port, target);
      }
      const names = [`${service.metadata.name}.${ns}.svc`, `${service.metadata.name}.${ns}.svc.cluster.local`, `${service.metadata.name}.${ns}`];
      this.routes.set(`${ns}/${service.metadata.name}`, { ip, names });
      for (const name of names) hosts[name] = ip;
    }
    return hosts;
  }

  /**
   * A stand-in for a Gateway's TLS passthrough listener: every host name of a TLSRoute gets an address on
   * the listener's port that forwards the TCP stream, TLS untouched, to the route's backend Service port.
   */
  async passthroughRoutes(routes: K8sObject[], services: K8sObject[], listenerPort: number): Promise<Record<string, string>> {
    const hosts: Record<string, string> = {};
    for (const route of routes) {
      const backend = route.spec.rules?.[0]?.backendRefs?.[0] as Json;
      const service = services.find((s) => s.metadata.name === backend?.name && s.metadata.namespace === route.metadata.namespace);
      const port = ((service?.spec.ports ?? []) as Json[]).find((p) => p.port === backend?.port);
      if (!service || !port) throw new Error(`TLSRoute ${route.metadata.name} leads to ${backend?.name}:${backend?.port}, which no Service of the tree has`);
      const ip = await this.network.service(listenerPort, () => this.target(service, port));
      for (const host of route.spec.hostnames ?? []) hosts[host] = ip;
    }
    return hosts;
  }

  addPod(pod: PodHandle): void {
    this.pods.push(pod);
  }

  private selected(service: K8sObject): PodHandle[] {
    const selector = (service.spec.selector ?? {}) as Record<string, string>;
    return this.pods.filter((handle) => handle.pod.metadata.namespace === service.metadata.namespace
      && Object.entries(selector).every(([key, value]) => handle.pod.metadata.labels?.[key] === value));
  }

  private target(service: K8sObject, port: Json): { host: string; port: number } {
    const pods = this.selected(service);
    if (pods.length === 0) return { host: '127.0.0.1', port: 9 };
    const pod = pods[Math.floor(Math.random() * pods.length)];
    return { host: pod.ip, port: containerPort(pod.pod, port.targetPort ?? port.port) };
  }

  /** Endpoints and EndpointSlices for the Services whose pods run, as the endpoints controllers write them. */
  async publishEndpoints(services: K8sObject[]): Promise<void> {
    for (const service of services) {
      const pods = this.selected(service);
      if (pods.length === 0 || !service.spec.selector) continue;
      const ns = service.metadata.namespace;
      const name = service.metadata.name;
      const ports = (service.spec.ports ?? []) as Json[];
      const resolved = ports.map((port) => ({ name: port.name, port: containerPort(pods[0].pod, port.targetPort ?? port.port), protocol: port.protocol ?? 'TCP' }));
      await this.client.ok('PUT', `/api/v1/namespaces/${ns}/endpoints/${name}`, {
        apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns },
        subsets: [{ addresses: pods.map((p) => ({ ip: p.ip, targetRef: { kind: 'Pod', name: p.pod.metadata.name, namespace: ns, uid: p.pod.metadata.uid } })), ports: resolved }],
      });
      const slice = `${name}-e2e`;
      const body = {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
        metadata: { name: slice, namespace: ns, labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'spire-gitops-e2e' } },
        endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: p.pod.metadata.name, namespace: ns, uid: p.pod.metadata.uid } })),
        ports: resolved,
      };
      const existing = await this.client.call('GET', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/${slice}`);
      if (existing.status === 200) await this.client.ok('PUT', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/${slice}`, { ...body, metadata: { ...body.metadata, resourceVersion: existing.body.metadata.resourceVersion } });
      else await this.client.ok('POST', `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, body);
    }
  }
}

function containerPort(pod: Json, targetPort: number | string): number {
  if (typeof targetPort === 'number') return targetPort;
  for (const container of pod.spec.containers) {
    const found = (container.ports ?? []).find((p: Json) => p.name === targetPort);
    if (found) return found.containerPort;
  }
  throw new Error(`no container of ${pod.metadata.name} declares a port named ${targetPort}`);
}

/** The controllers' part: the Pods a workload object asks for, with what its controller adds to each. */
export function podsFor(workload: K8sObject, nodeName: string, claimDir: (claim: string) => string): Json[] {
  const template = podTemplate(workload);
  if (!template) return [];
  const ns = workload.metadata.namespace ?? 'default';
  const name = workload.metadata.name;
  if (workload.kind === 'StatefulSet') {
    const replicas = workload.spec.replicas ?? 1;
    return Array.from({ length: replicas }, (_, ordinal) => {
      const podName = `${name}-${ordinal}`;
      const pod = podFromTemplate(template, podName, ns, nodeName, { hostname: podName, subdomain: workload.spec.serviceName });
      // The StatefulSet controller adds one PVC volume per volumeClaimTemplate.
      for (const claim of workload.spec.volumeClaimTemplates ?? []) {
        const claimName = `${claim.metadata.name}-${podName}`;
        claimDir(claimName);
        pod.spec.volumes = [...(pod.spec.volumes ?? []), { name: claim.metadata.name, persistentVolumeClaim: { claimName } }];
      }
      pod.metadata.labels = { ...pod.metadata.labels, 'statefulset.kubernetes.io/pod-name': podName };
      return pod;
    });
  }
  const suffix = createHash('sha256').update(`${ns}/${name}`).digest('hex').slice(0, 5);
  if (workload.kind === 'Deployment') {
    return Array.from({ length: workload.spec.replicas ?? 1 }, (_, index) => podFromTemplate(template, `${name}-${suffix}-${index}`, ns, nodeName));
  }
  if (workload.kind === 'DaemonSet') return [podFromTemplate(template, `${name}-${suffix}`, ns, nodeName)];
  if (workload.kind === 'Job') {
    const pod = podFromTemplate(template, `${name}-${suffix}`, ns, nodeName);
    pod.metadata.labels = { ...pod.metadata.labels, 'job-name': name };
    return [pod];
  }
  return [];
}

/** Whether every container of the workload's pods is a program the e2e builds. */
export function runnable(workload: K8sObject): { ok: boolean; missing: string[] } {
  const template = podTemplate(workload);
  const images = template ? [...(template.spec.initContainers ?? []), ...template.spec.containers].map((c: Json) => c.image as string) : [];
  const missing = images.filter((image) => !imageContent(image));
  return { ok: missing.length === 0, missing };
}

export interface SyncEnvironment {
  readonly client: KubeClient;
  readonly kubelet: Kubelet;
  readonly services: Services;
  readonly nodeName: string;
  readonly processes: Processes;
  readonly workDir: string;
}

/** Runs one workload object's pods and waits until the workload is healthy (Job: succeeded). */
export async function runWorkload(env: SyncEnvironment, workload: K8sObject, timeoutMs: number): Promise<PodHandle[]> {
  const claimDir = (claim: string) => { const dir = join(env.workDir, 'claims', claim); mkdirSync(dir, { recursive: true }); return dir; };
  const handles: PodHandle[] = [];
  const pods = podsFor(workload, env.nodeName, claimDir);
  if (workload.kind === 'Job') {
    for (const pod of pods) {
      const handle = await runPod(env.kubelet, pod, { waitReady: false });
      for (const [name, running] of handle.containers) {
        await waitFor(`Job ${workload.metadata.name} container ${name} to finish`, timeoutMs, () => (running.exitCode() === undefined ? undefined : true));
        if (running.exitCode() !== 0) throw new Error(`Job ${workload.metadata.name} container ${name} failed (exit ${running.exitCode()}): ${tail(running.output(), 6)}`);
      }
      handles.push(handle);
    }
    return handles;
  }
  // Pods of one workload start together (podManagementPolicy Parallel, Deployments, DaemonSets).
  const started = await Promise.all(pods.map(async (pod) => {
    const handle = await runPod(env.kubelet, pod, { waitReady: false });
    env.services.addPod(handle);
    return handle;
  }));
  await Promise.all(started.map((handle) => waitReady(env.kubelet, handle, timeoutMs)));
  handles.push(...started);
  return handles;
}
