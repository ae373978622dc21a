/**
 * A real etcd and kube-apiserver for the e2e, and a small client for them. The apiserver runs with
 * service-account token signing, RBAC, the PodSecurity admission and endpoint routing for webhooks
 * (it calls the controller manager's webhook at the address an EndpointSlice names).
 */
import { request } from 'node:https';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_IP } from './net';
import { KeyPair, Pki, read } from './pki';
import { Processes, Running, waitFor } from './processes';

export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const APISERVER_PORT = 6443;

export interface ApiResponse {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly text: string;
  /** The apiserver's Warning headers (PodSecurity, unknown fields, deprecations). */
  readonly warnings: string[];
}

interface ResourceInfo { readonly path: string; readonly namespaced: boolean }

export class KubeClient {
  private readonly resources = new Map<string, ResourceInfo>();

  constructor(readonly host: string, readonly port: number, readonly ca: string, private readonly credential: { cert: string; key: string } | { token: string }) {}

  /** The same apiserver, as someone else (a service account token). */
  as(token: string): KubeClient {
    return new KubeClient(this.host, this.port, this.ca, { token });
  }

  async call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = contentType;
    if ('token' in this.credential) headers.Authorization = `Bearer ${this.credential.token}`;
    const tls = 'cert' in this.credential ? { cert: this.credential.cert, key: this.credential.key } : {};
    return new Promise((resolve, reject) => {
      const req = request({ host: this.host, port: this.port, method, path, headers, ca: this.ca, ...tls, timeout: 30000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try { parsed = JSON.parse(text); } catch { parsed = undefined; }
          const warningHeader = res.headers.warning;
          const warnings = (Array.isArray(warningHeader) ? warningHeader : warningHeader ? [warningHeader] : [])
            .flatMap((w) => w.split(/,(?=\s*299 )/))
            .map((w) => w.replace(/^\s*299 - /, '').replace(/^"|"$/g, ''));
          resolve({ status: res.statusCode ?? 0, body: parsed, text, warnings });
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  async ok(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiResponse> {
    const response = await this.call(method, path, body, contentType);
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${response.body?.message ?? response.text}`);
    return response;
  }

  /** Reads the API groups again (after CRDs were installed). */
  async discover(): Promise<void> {
    this.resources.clear();
    const groupVersions = ['v1'];
    const groups = (await this.ok('GET', '/apis')).body.groups as { versions: { groupVersion: string }[] }[];
    for (const group of groups) for (const version of group.versions) groupVersions.push(version.groupVersion);
    for (const groupVersion of groupVersions) {
      const base = groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`;
      const list = (await this.ok('GET', base)).body.resources as { name: string; kind: string; namespaced: boolean }[];
      for (const resource of list) {
        if (resource.name.includes('/')) continue;
        this.resources.set(`${groupVersion}/${resource.kind}`, { path: `${base}/${resource.name}`, namespaced: resource.namespaced });
      }
    }
  }

  /** The REST path of an object (or of its collection when name is empty). */
  path(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
    const info = this.resources.get(`${apiVersion}/${kind}`);
    if (!info) throw new Error(`the apiserver does not serve ${kind} in ${apiVersion}`);
    const [prefix, resource] = splitLast(info.path);
    const scoped = info.namespaced ? `${prefix}/namespaces/${namespace ?? 'default'}/${resource}` : info.path;
    return name ? `${scoped}/${name}` : scoped;
  }

  serves(apiVersion: string, kind: string): boolean {
    return this.resources.has(`${apiVersion}/${kind}`);
  }

  isNamespaced(apiVersion: string, kind: string): boolean {
    return this.resources.get(`${apiVersion}/${kind}`)?.namespaced ?? false;
  }

  /** Server-side apply of one YAML document as written, with strict field validation. */
  async apply(apiVersion: string, kind: string, namespace: string | undefined, name: string, yamlText: string, dryRun = false): Promise<ApiResponse> {
    const query = `fieldManager=spire-gitops-e2e&fieldValidation=Strict&force=true${dryRun ? '&dryRun=All' : ''}`;
    return this.call('PATCH', `${this.path(apiVersion, kind, namespace, name)}?${query}`, yamlText, 'application/apply-patch+yaml');
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<any | undefined> {
    const response = await this.call('GET', this.path(apiVersion, kind, namespace, name));
    if (response.status === 404) return undefined;
    if (response.status >= 300) throw new Error(`GET ${kind} ${name}: ${response.status} ${response.body?.message ?? response.text}`);
    return response.body;
  }

  /** A token for a service account, as the kubelet would request it for a projected volume. */
  async token(namespace: string, serviceAccount: string, audiences: string[], expirationSeconds: number, pod?: { name: string; uid: string }): Promise<string> {
    const response = await this.ok('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences, expirationSeconds, ...(pod ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid } } : {}) },
    });
    return response.body.status.token as string;
  }
}

function splitLast(path: string): [string, string] {
  const index = path.lastIndexOf('/');
  return [path.slice(0, index), path.slice(index + 1)];
}

export interface Cluster {
  readonly admin: KubeClient;
  readonly ca: KeyPair;
  /** The cluster CA as a pod sees it (ca.crt of the projected service-account volume). */
  readonly caPem: string;
  readonly apiserver: Running;
}

/** Where a cluster's apiserver listens and its etcd serves: a second cluster on the node needs its own. */
export interface ClusterAddress {
  readonly apiserver: string;
  /** etcd's client port; its peer port is the next one. */
  readonly etcdPort: number;
}

/** Starts etcd and kube-apiserver in `dir` and waits until the apiserver is ready. */
export async function startCluster(dir: string, binaries: Record<string, string>, processes: Processes, address: ClusterAddress = { apiserver: NODE_IP, etcdPort: 2379 }): Promise<Cluster> {
  const etcdClient = `http://127.0.0.1:${address.etcdPort}`;
  const etcdPeer = `http://127.0.0.1:${address.etcdPort + 1}`;
  mkdirSync(join(dir, 'etcd'), { recursive: true });
  const pki = new Pki(dir);
  const ca = pki.ca('cluster-ca', '/CN=spire-gitops-e2e-cluster-ca');
  const serving = pki.leaf(ca, 'apiserver', '/CN=kube-apiserver', [
    `IP:${address.apiserver}`, 'IP:127.0.0.1', 'IP:10.96.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local',
  ], 'serverAuth');
  const admin = pki.leaf(ca, 'admin', '/O=system:masters/CN=spire-gitops-e2e-admin', [], 'clientAuth');
  const signing = pki.signingKey('service-account');

  const etcd = processes.start('etcd', binaries.etcd, [
    '--name', 'e2e', '--data-dir', join(dir, 'etcd'), '--unsafe-no-fsync',
    '--listen-client-urls', etcdClient, '--advertise-client-urls', etcdClient,
    '--listen-peer-urls', etcdPeer, '--initial-advertise-peer-urls', etcdPeer,
    '--initial-cluster', `e2e=${etcdPeer}`, '--log-level', 'warn',
  ]);
  const apiserver = processes.start('kube-apiserver', binaries['kube-apiserver'], [
    '--etcd-servers', etcdClient,
    '--bind-address', address.apiserver, '--advertise-address', address.apiserver, '--secure-port', String(APISERVER_PORT),
    '--tls-cert-file', serving.cert, '--tls-private-key-file', serving.key, '--client-ca-file', ca.cert,
    '--service-account-issuer', SERVICE_ACCOUNT_ISSUER, '--api-audiences', SERVICE_ACCOUNT_ISSUER,
    '--service-account-key-file', signing.pub, '--service-account-signing-key-file', signing.key,
    '--authorization-mode', 'RBAC',
    // PodSecurity is among the default admission plugins; named here so that turning it off is visible.
    '--enable-admission-plugins', 'NamespaceLifecycle,ServiceAccount,PodSecurity,ValidatingAdmissionPolicy,ValidatingAdmissionWebhook',
    '--enable-aggregator-routing=true', '--allow-privileged=true',
    '--service-cluster-ip-range', '10.96.0.0/16', '--cert-dir', join(dir, 'apiserver-certs'), '--profiling=false',
  ]);
  const client = new KubeClient(address.apiserver, APISERVER_PORT, read(ca.cert), { cert: read(admin.cert), key: read(admin.key) });
  await waitFor('etcd and kube-apiserver to be ready', 120000, async () => {
    if (etcd.exitCode() !== undefined) throw new Error(`etcd exited: ${etcd.output().slice(-2000)}`);
    const response = await client.call('GET', '/readyz');
    return response.status === 200 ? true : undefined;
  }, apiserver);
  // RBAC's bootstrap roles are written by a post-start hook after /readyz turns green on some versions.
  await waitFor('RBAC bootstrap roles', 60000, async () => (await client.call('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user')).status === 200 ? true : undefined);
  await client.discover();
  return { admin: client, ca, caPem: read(ca.cert), apiserver };
}
