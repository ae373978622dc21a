/**
 * Levels 2 and 3 for one cluster tree, on a real etcd and kube-apiserver of its own:
 *  - api: the pinned CRDs installed, every object applied server-side with strict field validation in
 *    Argo CD's order, every wave brought to health by the real programs before the next (a first sync
 *    that cannot finish fails here), every pod template admitted at its namespace's Pod Security level,
 *    every ServiceAccount holding exactly what its program needs;
 *  - live: sample workloads get exactly the entries the inventory promises from the real controller
 *    manager, the real agent attests through k8s_psat, and a JWT-SVID verifies against the keys the
 *    real OIDC discovery provider serves.
 */
import { X509Certificate, createPublicKey, createVerify, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { DEFAULT_ESTATE } from '../../lib/config/estate';
import { federationLockPath } from '../../lib/config/federation-locks';
import { run as runCommand } from '../../lib/cli/main';
import { EXPOSURE, SPIRE_SERVER } from '../../lib/config/spire-facts';
import { buildEstate } from '../../lib/synth';
import { validatedEstate } from '../../lib/estate/validated';
import { ClusterChart } from '../../lib/build/cluster-chart';
import { Cluster, KubeClient, startCluster } from '../kube';
import { NodeNetwork } from '../net';
import { Kubelet, PodHandle, createNode, httpGetHost } from '../pods';
import { samplePodFor } from '../../lib/identity/policy';
import { parseDuration } from '../../lib/duration';
import { Pki, read } from '../pki';
import { PREREQUISITE_NAMESPACES, prerequisites } from '../prerequisites';
import { Processes, run, waitFor } from '../processes';
import { RemoteServer, checkRbac } from '../rbac';
import { Report } from '../report';
import { Services, SyncItem, podsFor, runWorkload, runnable, syncOrder } from '../sync';
import { ClusterTree, K8sObject, find, objectsOf, podTemplate, readManifests, where } from '../trees';
import { KUBELET_PORT, startKubeletApi } from '../kubelet-api';
import { RESTART_NOTE, shortPath } from '../runtime';
import { startPostgres } from '../postgres';
import { IDENTITY_KINDS, checkPolicyCases } from '../admission';
import { snapshotEstate } from '../../lib/plan/model';
import { driftReport, formatDrift, parseEntries, predictedEntries } from '../../lib/plan/drift';
import { Workload } from '../../lib/plan/select';
import { StandIn, partnersOf, startStandIns } from '../standin';
import { cachedCrdDirs } from '../external-crds';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const NODE_NAME = 'e2e-node-1';
const CRD_DIRS = ['spire', 'argocd', 'flux', 'prometheus-operator'];
const WORKLOAD_KINDS = new Set(['StatefulSet', 'Deployment', 'DaemonSet', 'Job']);

export interface ClusterLevelEnv {
  /** How long a wave's workloads may take to become healthy (a mutation run uses less: it expects failure). */
  readonly readyTimeoutMs?: number;
  /** Stop at the first failure (a mutation run only needs to know that something noticed). */
  readonly failFast?: boolean;
  readonly workDir: string;
  readonly binaries: Record<string, string>;
  readonly shared: string;
  readonly levels: Set<string>;
  /** What the operator provides beside the tree that the e2e cannot derive from it (replaces a derived object of the same name). */
  readonly provide?: (cluster: Cluster) => K8sObject[];
  /** A second cluster on the node, beside one that runs: the caller's network, apiserver and node network namespace. */
  readonly beside?: { readonly network: NodeNetwork; readonly cluster?: Cluster; readonly node?: { readonly netns: string; readonly ip: string } };
  /** Servers of other clusters that act here as one of the tree's ServiceAccounts (their RBAC is judged by their config). */
  readonly remoteServers?: RemoteServer[];
  /** /etc/hosts entries the operator's DNS would add (names outside the cluster). */
  readonly hosts?: Record<string, string>;
  /** Checks of the caller's own on the synced cluster, before anything is stopped. */
  readonly inspect?: (context: SyncedCluster) => Promise<void>;
}

/** A cluster whose first sync finished: what a caller's checks need. */
export interface SyncedCluster {
  readonly tree: ClusterTree;
  readonly client: KubeClient;
  readonly pods: PodHandle[];
  readonly node: { name: string; uid: string };
}

/**
 * Installs the pinned upstream CRDs (../shared/crds and the Gateway API and cert-manager CRDs of
 * e2e/external-crds.ts, from the Go module cache) and waits until the apiserver serves them.
 */
export async function installCrds(client: KubeClient, shared: string): Promise<void> {
  const { parseAllDocuments } = await import('yaml');
  const names: string[] = [];
  const external = cachedCrdDirs();
  if (external.missing.length > 0) throw new Error(`the CRDs of ${external.missing.join(', ')} are not in the Go module cache; the e2e downloads them before it enters its network namespace`);
  for (const path of [...CRD_DIRS.map((dir) => join(shared, 'crds', dir)), ...external.dirs]) {
    for (const file of readdirSync(path).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')) {
      for (const doc of parseAllDocuments(readFileSync(join(path, file), 'utf8'))) {
        const crd = doc.toJS();
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        await client.ok('PATCH', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=spire-gitops-e2e&force=true`, JSON.stringify(crd), 'application/apply-patch+yaml');
        names.push(crd.metadata.name);
      }
    }
  }
  for (const name of names) {
    await waitFor(`CRD ${name} to be established`, 30000, async () => {
      const crd = await client.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', undefined, name).catch(() => undefined);
      return crd?.status?.conditions?.some((c: Json) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  }
  await client.discover();
}

export async function clusterLevels(tree: ClusterTree, report: Report, env: ClusterLevelEnv): Promise<void> {
  const at = where(tree);
  const dir = join(env.workDir, 'cluster', tree.env, tree.cluster);
  mkdirSync(dir, { recursive: true });
  const processes = new Processes(dir);
  const network = env.beside?.network ?? new NodeNetwork(`sgx${process.pid}${tree.cluster.replace(/[^a-z0-9]/g, '').slice(-4)}`);
  const api = env.levels.has('api');
  let kubeletApi: { close(): void } | undefined;
  try {
    const cluster = env.beside?.cluster ?? await startCluster(dir, env.binaries, processes);
    const client = cluster.admin;
    await installCrds(client, env.shared);
    const node = await createNode(client, NODE_NAME);

    // What the operator provides beside dist/: Secrets and the database CA (README prerequisites).
    const pki = new Pki(dir);
    const dbCa = pki.ca('db-ca', '/CN=spire-gitops-e2e-db-ca');
    const dbPassword = `e2e-${randomUUID()}`;
    // The e2e's web CA stands in for the public CA behind the ACME issuer: it signs what cert-manager
    // would write for the tree's Certificates, and every pod and partner trusts it as a public root.
    const webCa = pki.ca('web-ca', '/CN=spire-gitops-e2e-web-ca');
    const extra = env.provide?.(cluster) ?? [];
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const required = prerequisites(tree, {
      dbPassword,
      dbCaPem: read(dbCa.cert),
      // Any real CA: x509pop only loads it.
      nodeCaPem: read(dbCa.cert),
      servingCertificate: (name, dnsNames) => {
        const pair = pki.leaf(webCa, `acme-${name}`, `/CN=${dnsNames[0] ?? name}`, dnsNames.map((dns) => `DNS:${dns}`), 'serverAuth');
        return { cert: read(pair.cert), key: read(pair.key) };
      },
    });
    // What a topology level provides itself (the root's kubeconfigs) replaces the generic stand-in.
    const provided = [...required.filter((o) => !extra.some((e) => key(e) === key(o))), ...extra];

    const services = new Services(client, network);
    const hosts = { ...env.hosts, ...await services.expose(find(tree, 'Service')) };
    // The Gateway's TLS passthrough listener, on the exposed hosts: partners dial the external name.
    Object.assign(hosts, await services.passthroughRoutes(find(tree, 'TLSRoute'), find(tree, 'Service'), EXPOSURE.externalPort));
    // The partners the tree federates with exist (as stand-ins) whenever its servers run.
    const { standIns, hosts: partnerHosts } = await startStandIns(partnersOf(tree), { dir, processes, network, binaries: env.binaries, pki, webCa, hosts: { ...hosts }, caCertificates: read(webCa.cert) });
    Object.assign(hosts, partnerHosts);
    const postgres = await startPostgres(tree, dir, processes, pki, dbCa, dbPassword);
    Object.assign(hosts, postgres.hosts);

    const agentSockets = join(dir, 'node');
    const kubelet: Kubelet = {
      client, processes, binaries: env.binaries, network, node: env.beside?.node,
      context: {
        client, workDir: dir, nodeRoot: agentSockets, hosts, caCertificates: read(webCa.cert),
        // The SPIFFE CSI driver publishes the agent's socket directory (a hostPath on the node) into pods.
        csiSource: (driver) => csiDriverSocketDir(tree, agentSockets, driver) ?? (driver === 'csi.spiffe.io' ? agentSocketDir(tree, agentSockets) : undefined),
        claimDir: (claim) => { const d = join(dir, 'claims', claim); mkdirSync(d, { recursive: true }); return d; },
      },
    };
    kubeletApi = env.beside?.node ? await kubeletApiOnNode(env.beside.node.netns, { client, pki, ca: cluster.ca, network, processes }) : await startKubeletApi(client, pki, cluster.ca, NODE_NAME);
    const syncEnv = { client, kubelet, services, nodeName: NODE_NAME, processes, workDir: dir };

    // Argo CD's CreateNamespace=true creates the Application's destination namespace before anything
    // else, PreSync hooks included (gitops-engine runs it as a pre-sync step).
    for (const name of PREREQUISITE_NAMESPACES) {
      if (objectsOf(tree).some((o) => o.metadata.namespace === name)) await ensure(client, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    const destination = argoDestination(tree);
    if (destination?.createNamespace) {
      await ensure(client, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: destination.namespace } });
      await namespaceControllers(client, cluster.caPem);
    }

    // The first sync, wave by wave.
    const order = syncOrder(tree);
    const groups = new Map<string, SyncItem[]>();
    for (const item of order) {
      const key = `${item.phase} wave ${item.wave}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(item);
    }
    const pods: PodHandle[] = [];
    let providedApplied = false;
    let syncBroken = false;
    for (const [group, items] of groups) {
      if (env.failFast && report.failed > 0) syncBroken = true;
      if (syncBroken) break;
      for (const item of items) {
        const o = item.object;
        if (!client.serves(o.apiVersion, o.kind)) {
          // A kind whose CRD belongs to another operator and is not pinned in ../shared/crds.
          console.log(`   (${at} ${item.file} ${o.kind}/${o.metadata.name}: no CRD for ${o.apiVersion} ${o.kind} is pinned in ../shared/crds; not applied)`);
          continue;
        }
        const applyOnce = () => client.apply(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name, item.text).catch((error: Error) => ({ status: 0, text: error.message, body: undefined, warnings: [] as string[] }));
        let response = await applyOnce();
        // Argo CD retries a failed sync (the Applications' syncPolicy.retry; back-off shortened here): an
        // admission webhook whose serving certificate the caBundle does not cover yet gets another chance.
        for (let attempt = 1; attempt <= 6 && response.status >= 500; attempt++) {
          console.log(`   (${at} ${o.kind}/${o.metadata.name}: ${response.status} ${String(response.body?.message ?? response.text).slice(0, 200)}; retrying as a sync retry would, attempt ${attempt})`);
          await new Promise((resolve) => setTimeout(resolve, 5000));
          response = await applyOnce();
        }
        const ok = response.status >= 200 && response.status < 300 && response.warnings.length === 0;
        const said = ok ? '' : `${response.status} ${response.body?.message ?? response.text}${response.warnings.length ? ` warnings: ${response.warnings.join(' | ')}` : ''}`;
        if (api) report.check('objects', ok, at, `${item.file} ${o.kind}/${o.metadata.name} (${group})`, said);
        if (api && IDENTITY_KINDS.has(o.kind)) {
          report.admission.crs++;
          if (ok) report.admission.admitted++;
        }
        else if (!ok) report.fail(at, `${item.file} ${o.kind}/${o.metadata.name} (${group})`, said);
      }
      await namespaceControllers(client, cluster.caPem);
      if (!providedApplied) {
        // Prerequisites go in as soon as their namespaces exist.
        const present = await Promise.all(provided.map(async (p) => (await client.get('v1', 'Namespace', undefined, p.metadata.namespace!)) !== undefined));
        if (present.every(Boolean)) {
          for (const p of provided) await client.ok('PATCH', `${client.path(p.apiVersion, p.kind, p.metadata.namespace, p.metadata.name)}?fieldManager=operator&force=true`, JSON.stringify(p), 'application/apply-patch+yaml');
          providedApplied = true;
        }
      }
      // Argo CD moves on only when every object of the wave is healthy: run what the wave's workloads need.
      for (const item of items.filter((i) => WORKLOAD_KINDS.has(i.object.kind))) {
        const o = item.object;
        const { ok, missing } = runnable(o);
        if (!ok) {
          console.log(`   (${at} ${o.kind}/${o.metadata.name}: images ${missing.join(', ')} are not among the programs the e2e builds; counted healthy)`);
          continue;
        }
        try {
          const started = await runWorkload(syncEnv, o, env.readyTimeoutMs ?? 120000);
          pods.push(...started);
          await services.publishEndpoints(find(tree, 'Service'));
        } catch (error) {
          report.fail(at, `${item.file} ${o.kind}/${o.metadata.name} (${group})`, `never became healthy, so the sync stops here: ${(error as Error).message}`);
          syncBroken = true;
          break;
        }
      }
    }

    for (const handle of pods) {
      for (const [name, running] of handle.containers) {
        const restarts = running.output().split('\n').filter((line) => line.includes(RESTART_NOTE));
        if (restarts.length) {
          const cause = running.output().split('\n').filter((line) => /"level":"error"|level=error|ERROR/.test(line)).slice(-1)[0] ?? '';
          console.log(`   (${at} ${handle.pod.metadata.namespace}/${handle.pod.metadata.name} ${name} was restarted ${restarts.length} time(s) by the kubelet before it became ready; last error: ${cause.slice(0, 300)})`);
        }
      }
    }
    if (env.failFast && report.failed > 0) syncBroken = true;
    // After a sync that stopped, the later waves were never applied: their checks would only repeat that.
    if (api && !syncBroken) {
      await checkPodSecurity(client, tree, report);
      await checkRbac(client, tree, report, env.remoteServers);
      const first = builtDefaultEstate().clusters.find((chart) => chart.context.environment.name === tree.env);
      if (first?.context.cluster.name === tree.cluster && !syncBroken) {
        const counts = await checkPolicyCases(client, tree.env, at, report);
        report.admission.denied += counts.denied;
        report.admission.cases += counts.cases;
      }
    }
    if (env.levels.has('live') && !syncBroken) {
      await liveChecks(tree, report, { client, cluster, pods, node, dir, services }, env.binaries);
    }
    if (env.inspect) {
      if (syncBroken) report.fail(at, 'inspect', 'the first sync did not finish');
      else await env.inspect({ tree, client, pods, node });
    }
    if (env.levels.has('federation')) {
      if (syncBroken) report.check('federation', false, at, 'federation', 'the first sync did not finish');
      else await federationChecks(tree, report, { pods, services, standIns, binaries: env.binaries, dir, partnerHosts });
    }
  } catch (error) {
    report.fail(at, 'cluster levels', (error as Error).stack ?? String(error));
  } finally {
    kubeletApi?.close();
    await processes.stopAll();
    if (!env.beside) network.close();
  }
}

/**
 * The kubelet API of a second node: SPIRE's k8s workload attestor calls 127.0.0.1:10250 in the agent's
 * network namespace (the node's), so a forwarder there sends it to the API this process serves on the bridge.
 */
async function kubeletApiOnNode(netns: string, env: { client: KubeClient; pki: Pki; ca: { cert: string; key: string }; network: NodeNetwork; processes: Processes }): Promise<{ close(): void }> {
  const address = env.network.address();
  const api = await startKubeletApi(env.client, env.pki, env.ca, NODE_NAME, address);
  const forward = `require('net').createServer((c) => { const u = require('net').connect(${KUBELET_PORT}, '${address}'); c.pipe(u).pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); }).listen(${KUBELET_PORT}, '127.0.0.1')`;
  env.processes.start('kubelet-api-forward', 'ip', ['netns', 'exec', netns, process.execPath, '-e', forward]);
  return api;
}

/** The destination namespace of the Argo CD Application that syncs this tree, and whether it creates it. */
function argoDestination(tree: ClusterTree): { namespace: string; createNamespace: boolean } | undefined {
  const dist = dirname(dirname(tree.dir));
  const argocd = join(dist, 'argocd');
  if (!existsSync(argocd)) return undefined;
  const path = `${tree.env}/${tree.cluster}`;
  for (const file of readManifests(dist, argocd)) {
    for (const app of file.objects) {
      if (app.kind !== 'Application') continue;
      const sources = [app.spec.source, ...(app.spec.sources ?? [])].filter(Boolean) as Json[];
      if (!sources.some((source) => typeof source.path === 'string' && source.path.endsWith(path))) continue;
      return { namespace: app.spec.destination.namespace, createNamespace: (app.spec.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true') };
    }
  }
  return undefined;
}

/**
 * What kube-controller-manager does for every namespace and a pod needs: the ServiceAccount controller's
 * `default` ServiceAccount and the root CA publisher's `kube-root-ca.crt` (the projected volume the
 * ServiceAccount admission adds to every pod reads it).
 */
async function namespaceControllers(client: KubeClient, caPem: string): Promise<void> {
  const namespaces = (await client.ok('GET', '/api/v1/namespaces')).body.items as Json[];
  for (const ns of namespaces) {
    const name = ns.metadata.name;
    await ensure(client, `/api/v1/namespaces/${name}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    await ensure(client, `/api/v1/namespaces/${name}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': caPem } });
  }
}

/**
 * The node directory a SPIFFE CSI driver serves to pods as `driver`: the hostPath its DaemonSet mounts at
 * its -workload-api-socket-dir (spiffe/spiffe-csi cmd/spiffe-csi-driver flags).
 */
function csiDriverSocketDir(tree: ClusterTree, nodeRoot: string, driver: string): string | undefined {
  for (const o of objectsOf(tree).filter((object) => object.kind === 'DaemonSet')) {
    const spec = podTemplate(o)?.spec;
    for (const container of (spec?.containers ?? []) as Json[]) {
      const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
      const plugin = argv.indexOf('-plugin-name');
      const socketDir = argv.indexOf('-workload-api-socket-dir');
      if (plugin < 0 || argv[plugin + 1] !== driver || socketDir < 0) continue;
      const mount = (container.volumeMounts ?? []).find((m: Json) => m.mountPath === argv[socketDir + 1]);
      const volume = (spec.volumes ?? []).find((v: Json) => v.name === mount?.name);
      if (volume?.hostPath) return join(nodeRoot, volume.hostPath.path);
    }
  }
  return undefined;
}

function agentSocketDir(tree: ClusterTree, nodeRoot: string): string | undefined {
  const agent = objectsOf(tree).find((o) => o.kind === 'DaemonSet' && podTemplate(o)?.spec.containers.some((c: Json) => /spire-agent/.test(c.image)));
  const volume = podTemplate(agent!)?.spec.volumes?.find((v: Json) => v.hostPath && /sock/.test(v.name));
  return volume ? join(nodeRoot, volume.hostPath.path) : undefined;
}

/** Each pod template, as a Pod created in its namespace (dry run): the apiserver's PodSecurity admission judges it; a warning fails too. */
async function checkPodSecurity(client: KubeClient, tree: ClusterTree, report: Report): Promise<void> {
  for (const o of objectsOf(tree)) {
    // The first Pod its controller would create (a StatefulSet's adds its claims).
    const pod = podsFor(o, NODE_NAME, () => '')[0];
    if (!pod) continue;
    const ns = pod.metadata.namespace;
    pod.metadata.name = `${pod.metadata.name}-pss`;
    const response = await client.call('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All&fieldValidation=Strict`, pod);
    const level = (await client.get('v1', 'Namespace', undefined, ns))?.metadata?.labels?.['pod-security.kubernetes.io/enforce'] ?? 'none';
    const ok = response.status === 201 && response.warnings.length === 0;
    report.check('pss', ok, where(tree), `${o.kind}/${o.metadata.name} in ${ns} (enforce=${level})`, ok ? '' : `${response.status} ${response.body?.message ?? ''} ${response.warnings.join(' | ')}`);
  }
}

interface LiveEnv { client: KubeClient; cluster: Cluster; pods: PodHandle[]; node: { name: string; uid: string }; dir: string; services: Services }

/** The default estate built as synth builds it: parsed, with the teams' identity files (in the repository) merged. */
function builtDefaultEstate() {
  return buildEstate(validatedEstate(DEFAULT_ESTATE, join(__dirname, '..', '..')));
}

function findChart(tree: ClusterTree): ClusterChart | undefined {
  return builtDefaultEstate().clusters.find((chart) => chart.context.environment.name === tree.env && chart.context.cluster.name === tree.cluster);
}

async function spireServer(binary: string, socket: string, args: string[]): Promise<Json> {
  const result = await run(binary, [...args, '-socketPath', shortPath(socket), '-output', 'json']);
  if (!result.ok) throw new Error(`spire-server ${args.join(' ')}: ${result.out}`);
  return JSON.parse(result.out);
}


/** Where a path inside a container of `pod` lives on the host, through the container's volume mounts. */
function hostPathOf(handle: PodHandle, containerImage: RegExp, path: string): string | undefined {
  const container = handle.pod.spec.containers.find((c: Json) => containerImage.test(c.image));
  const mounts = ((container?.volumeMounts ?? []) as Json[]).sort((a, b) => b.mountPath.length - a.mountPath.length);
  const mount = mounts.find((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`));
  const volume = mount && handle.volumes.get(mount.name);
  return volume ? join(volume, mount.subPath ?? '', path.slice(mount.mountPath.length)) : undefined;
}

function confValue(text: string, key: string): string | undefined {
  return new RegExp(`\\b${key}\\s*=\\s*"([^"]*)"`).exec(text)?.[1];
}

interface NormalizedEntry {
  spiffeId: string; parentId: string; selectors: string[]; x509SvidTtl: number; jwtSvidTtl: number;
  dnsNames: string[]; federatesWith: string[]; admin: boolean; downstream: boolean; hint: string;
}

function idString(id: Json): string {
  return `spiffe://${id.trust_domain}${id.path}`;
}

function normalize(entry: Json): NormalizedEntry {
  return {
    spiffeId: idString(entry.spiffe_id),
    parentId: idString(entry.parent_id),
    selectors: (entry.selectors ?? []).map((s: Json) => `${s.type}:${s.value}`).sort(),
    x509SvidTtl: entry.x509_svid_ttl ?? 0,
    jwtSvidTtl: entry.jwt_svid_ttl ?? 0,
    dnsNames: [...(entry.dns_names ?? [])].sort(),
    federatesWith: [...(entry.federates_with ?? [])].sort(),
    admin: entry.admin === true,
    downstream: entry.downstream === true,
    hint: entry.hint ?? '',
  };
}

function seconds(duration: string | undefined): number {
  if (!duration) return 0;
  const ms = parseDuration(duration);
  return ms === undefined ? NaN : ms / 1000;
}

async function ensure(client: KubeClient, path: string, body: Json): Promise<void> {
  const response = await client.call('POST', path, body);
  if (response.status >= 300 && response.status !== 409) throw new Error(`POST ${path}: ${response.status} ${response.body?.message}`);
}

async function liveChecks(tree: ClusterTree, report: Report, env: LiveEnv, binaries: Record<string, string>): Promise<void> {
  const at = where(tree);
  const chart = findChart(tree);
  if (!chart) {
    report.fail(at, 'live', 'the default estate has no such cluster; the entries are compared with the estate that synthesized dist/');
    return;
  }
  const serverConf = objectsOf(tree).filter((o) => o.kind === 'ConfigMap').flatMap((o) => Object.values(o.data ?? {}) as string[]).find((t) => /^server \{/m.test(t)) ?? '';
  const serverPod = env.pods.find((p) => p.pod.spec.containers.some((c: Json) => /spire-server:/.test(c.image)) && !p.pod.metadata.labels?.['job-name']);
  const socket = serverPod && hostPathOf(serverPod, /spire-server:/, confValue(serverConf, 'socket_path') ?? '');
  if (!serverPod || !socket) {
    report.fail(at, 'live', 'no running SPIRE server pod with a reachable admin socket');
    return;
  }
  const server = (args: string[]) => spireServer(binaries['spire-server'], socket, args);
  const trustDomain = chart.context.environment.trustDomain;
  const parentId = `spiffe://${trustDomain}/spire/agent/k8s_psat/${tree.cluster}/${env.node.uid}`;

  // The agent of the node attested through k8s_psat.
  const agents = await waitFor('the agent to appear in spire-server agent list', 60000, async () => {
    const list = ((await server(['agent', 'list'])).agents ?? []) as Json[];
    return list.some((a) => idString(a.id) === parentId) ? list : undefined;
  }).catch(async () => (await server(['agent', 'list'])).agents ?? []);
  const agentIds = (agents as Json[]).map((a) => idString(a.id));
  report.check('agents', agentIds.includes(parentId), at, `agent of node ${env.node.name} (k8s_psat)`, agentIds.includes(parentId) ? '' : `spire-server agent list has ${JSON.stringify(agentIds)}, expected ${parentId}`);

  // Sample pods the inventory describes, and one in an ignored namespace that must get nothing.
  const identities = [...chart.identities.values()];
  const ignored = chart.context.environment.server.ignoreNamespaces;
  const samples = new Map<string, { namespace: string; name: string; serviceAccountName: string; labels: Record<string, string> }>();
  for (const identity of identities) {
    const sample = samplePodFor(identity.identity);
    samples.set(`${sample.namespace}/${sample.name}`, { ...sample, labels: { ...(sample.labels ?? {}) } });
  }
  samples.set('kube-system/e2e-ignored', { namespace: 'kube-system', name: 'e2e-ignored', serviceAccountName: 'e2e-ignored', labels: { 'app.kubernetes.io/name': 'web-frontend' } });

  const created: { uid: string; sample: { namespace: string; name: string; serviceAccountName: string; labels: Record<string, string> } }[] = [];
  for (const sample of samples.values()) {
    await ensure(env.client, '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: sample.namespace } });
    await namespaceControllers(env.client, env.cluster.caPem);
    await ensure(env.client, `/api/v1/namespaces/${sample.namespace}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sample.serviceAccountName } });
    const pod = (await env.client.ok('POST', `/api/v1/namespaces/${sample.namespace}/pods`, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: sample.name, namespace: sample.namespace, labels: sample.labels },
      spec: {
        nodeName: env.node.name, serviceAccountName: sample.serviceAccountName, automountServiceAccountToken: false,
        containers: [{ name: 'app', image: 'registry.invalid/e2e/sample:1', securityContext: { runAsNonRoot: true, runAsUser: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } } }],
      },
    })).body;
    await env.client.ok('PATCH', `/api/v1/namespaces/${sample.namespace}/pods/${sample.name}/status`, { status: { phase: 'Running', podIP: '10.213.9.9', podIPs: [{ ip: '10.213.9.9' }] } }, 'application/merge-patch+json');
    created.push({ uid: pod.metadata.uid, sample });
  }

  const expectedFor = (sample: { namespace: string; name: string; serviceAccountName: string; labels: Record<string, string> }, uid: string): NormalizedEntry[] => {
    if (ignored.includes(sample.namespace)) return [];
    const selecting = identities.filter((identity) => identity.selects(sample).length === 0);
    const chosen = selecting.some((i) => !i.identity.fallback) ? selecting.filter((i) => !i.identity.fallback) : selecting;
    return chosen.map((identity) => {
      const spec = identity.identity;
      const preview = identity.preview({ ...sample, uid, nodeName: env.node.name, nodeUid: env.node.uid });
      return {
        spiffeId: preview.spiffeId,
        parentId,
        selectors: preview.selectors.map((s) => (s === 'k8s:pod-uid:<uid>' ? `k8s:pod-uid:${uid}` : s)).sort(),
        x509SvidTtl: seconds(spec.ttl),
        jwtSvidTtl: seconds(spec.jwtTtl),
        dnsNames: [...preview.dnsNames].sort(),
        federatesWith: [...(spec.federatesWith ?? [])].sort(),
        admin: spec.admin === true,
        downstream: spec.downstream === true,
        hint: spec.hint ?? spec.name,
      };
    });
  };

  const entriesFor = (all: NormalizedEntry[], uid: string) => all.filter((e) => e.selectors.includes(`k8s:pod-uid:${uid}`));
  const key = (e: NormalizedEntry) => JSON.stringify(e);
  let entries: NormalizedEntry[] = [];
  await waitFor('the controller manager to register the sample pods', 60000, async () => {
    entries = (((await server(['entry', 'show'])).entries ?? []) as Json[]).map(normalize);
    return created.every(({ sample, uid }) => entriesFor(entries, uid).length >= expectedFor(sample, uid).length) ? true : undefined;
  }).catch(() => undefined);
  // One more reconcile period, so extra entries have time to appear too.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  entries = (((await server(['entry', 'show'])).entries ?? []) as Json[]).map(normalize);
  const managerLog = serverPod.containers.get('spire-controller-manager')?.output() ?? '';
  // The plan/explain/drift model of the controller manager (lib/plan/select.ts) must predict the same.
  const distFiles = new Map(readManifests(dirname(dirname(tree.dir)), dirname(dirname(tree.dir))).map((file) => [file.path, file.text] as const));
  const snapshot = snapshotEstate(DEFAULT_ESTATE, distFiles);
  const clusterSnapshot = snapshot.clusters.find((c) => c.environment === tree.env && c.cluster === tree.cluster);
  const workloadOf = (sample: { namespace: string; name: string; serviceAccountName: string; labels: Record<string, string> }, uid: string): Workload => ({
    ...sample, uid, nodeName: env.node.name, nodeUid: env.node.uid, namespaceLabels: {}, endpoints: [], source: 'e2e sample pod',
  });
  for (const { sample, uid } of created) {
    const expected = expectedFor(sample, uid).map(key).sort();
    const actual = entriesFor(entries, uid).map(key).sort();
    const planned = clusterSnapshot ? predictedEntries(clusterSnapshot, [workloadOf(sample, uid)]).map(normalize).map(key).sort() : ['no cluster in the plan snapshot'];
    const ok = JSON.stringify(expected) === JSON.stringify(actual) && JSON.stringify(planned) === JSON.stringify(actual);
    const failures = managerLog.split('\n').filter((line) => /"level":"error"|ERROR/.test(line)).slice(-2).join(' | ');
    report.check('entries', ok, at, `pod ${sample.namespace}/${sample.name} (${expected.length} entr${expected.length === 1 ? 'y' : 'ies'} promised)`,
      ok ? '' : `inventory promised ${expected.join(' ') || 'none'}; plan predicted ${planned.join(' ') || 'none'}; spire-server entry show has ${actual.join(' ') || 'none'}${failures ? `; controller manager said: ${failures}` : ''}`);
  }

  // spire-gitops drift against the live server: nothing to report for the cluster as synced, and an entry
  // made by hand reported as extra.
  if (clusterSnapshot) {
    const workloads = await liveWorkloads(env.client, env.node);
    const drift = async () => driftReport(clusterSnapshot, parseEntries((await run(binaries['spire-server'], ['entry', 'show', '-output', 'json', '-socketPath', shortPath(socket)])).out, 'entry show'), { workloads, estate: snapshot });
    const clean = await drift();
    const findings = [...clean.missing, ...clean.extra, ...clean.different];
    report.check('entries', findings.length === 0, at, `spire-gitops drift on the live server finds nothing (${clean.matching} entries match)`, findings.length ? formatDrift(clean) : '');
    const byHand = `spiffe://${trustDomain}/e2e/created-by-hand`;
    await server(['entry', 'create', '-parentID', parentId, '-spiffeID', byHand, '-selector', 'k8s:ns:e2e-by-hand']);
    const dirty = await drift();
    const reported = dirty.extra.some((finding) => finding.spiffeId === byHand);
    report.check('entries', reported, at, `spire-gitops drift reports an entry created by hand (${byHand}) as extra`, reported ? '' : formatDrift(dirty));
  }

  // A JWT-SVID minted by the server verifies against the keys the OIDC discovery provider serves (or the bundle's, without one).
  const subject = entries.find((e) => !e.admin)?.spiffeId ?? `spiffe://${trustDomain}/e2e`;
  const token = ((await server(['jwt', 'mint', '-spiffeID', subject, '-audience', 'e2e'])).svid?.token ?? '') as string;
  const oidcPod = env.pods.find((p) => p.pod.spec.containers.some((c: Json) => /oidc-discovery-provider:/.test(c.image)));
  let keys: Json[] = [];
  let from = 'the server bundle';
  if (oidcPod) {
    const config = objectsOf(tree).find((o) => o.kind === 'ConfigMap' && Object.keys(o.data ?? {}).some((k) => k.includes('oidc')));
    const text = Object.values(config?.data ?? {})[0] as string;
    const domain = /domains = \["([^"]+)"/.exec(text)?.[1] ?? 'localhost';
    const port = Number(/insecure_addr = ":(\d+)"/.exec(text)?.[1] ?? 8080);
    const prefix = /server_path_prefix = "([^"]+)"/.exec(text)?.[1] ?? '';
    const discovery = await httpGetHost(oidcPod.ip, port, `${prefix}/.well-known/openid-configuration`, domain);
    const document = JSON.parse(discovery.body || '{}');
    // The keys where the document says they are, when that is this provider; a jwks_uri elsewhere names a proxy's copy.
    const jwksUrl = document.jwks_uri ? new URL(document.jwks_uri) : undefined;
    const keysPath = jwksUrl && jwksUrl.host === domain ? jwksUrl.pathname : `${prefix}/keys`;
    const jwks = await httpGetHost(oidcPod.ip, port, keysPath, domain);
    from = `the OIDC discovery provider (${domain}${keysPath}, issuer ${document.issuer ?? '?'})`;
    keys = jwks.status === 200 ? JSON.parse(jwks.body).keys ?? [] : [];
    const setKeyUse = /set_key_use = true/.test(text);
    report.check('jwt', keys.length > 0 && keys.every((key) => (key.use === 'sig') === setKeyUse), at, `the provider's keys carry "use": "sig" exactly when set_key_use is on (${setKeyUse})`,
      keys.map((key) => `${key.kid}: use ${key.use ?? 'absent'}`).join(', ') || `no keys (HTTP ${jwks.status})`);
  } else {
    keys = (JSON.parse((await run(binaries['spire-server'], ['bundle', 'show', '-format', 'spiffe', '-socketPath', shortPath(socket)])).out).keys ?? []).filter((k: Json) => k.use === 'jwt-svid');
  }
  const verified = verifyJwt(token, keys);
  report.check('jwt', verified === true, at, `JWT-SVID for ${subject} verified with the keys of ${from}`, verified === true ? '' : String(verified));
}

/** Every pod of the node as `plan`/`drift` take workloads (`--pods`): labels, namespace labels, Services. */
async function liveWorkloads(client: KubeClient, node: { name: string; uid: string }): Promise<Workload[]> {
  const pods = (await client.ok('GET', '/api/v1/pods')).body.items as Json[];
  const namespaces = new Map(((await client.ok('GET', '/api/v1/namespaces')).body.items as Json[]).map((ns) => [ns.metadata.name, ns.metadata.labels ?? {}]));
  const endpoints = (await client.ok('GET', '/api/v1/endpoints')).body.items as Json[];
  return pods.map((pod) => ({
    name: pod.metadata.name,
    namespace: pod.metadata.namespace,
    serviceAccountName: pod.spec.serviceAccountName ?? 'default',
    labels: pod.metadata.labels ?? {},
    annotations: pod.metadata.annotations ?? {},
    namespaceLabels: namespaces.get(pod.metadata.namespace) ?? {},
    uid: pod.metadata.uid,
    nodeName: node.name,
    nodeUid: node.uid,
    source: 'the e2e apiserver',
    endpoints: endpoints.filter((e) => e.metadata.namespace === pod.metadata.namespace
      && (e.subsets ?? []).some((subset: Json) => (subset.addresses ?? []).some((a: Json) => a.targetRef?.uid === pod.metadata.uid))).map((e) => e.metadata.name),
  }));
}

/** Verifies a compact JWS with the JWK whose kid it names; true, or why not. */
function verifyJwt(token: string, keys: Json[]): true | string {
  const parts = token.split('.');
  if (parts.length !== 3) return `not a JWT: ${token.slice(0, 40)}`;
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) return `no key with kid ${header.kid} among ${keys.length} served keys`;
  const algorithms: Record<string, string> = { ES256: 'sha256', ES384: 'sha384', RS256: 'sha256', PS256: 'sha256' };
  const hash = algorithms[header.alg];
  if (!hash) return `unsupported alg ${header.alg}`;
  const verifier = createVerify(hash);
  verifier.update(`${parts[0]}.${parts[1]}`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const ok = verifier.verify(header.alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : header.alg.startsWith('PS') ? { key, padding: 6 } : key, Buffer.from(parts[2], 'base64url'));
  return ok ? true : 'signature does not verify';
}

/** Each federation relationship, both ways: the tree's server fetches the partner's bundle from its endpoint, and the partner fetches the tree's. */
async function federationChecks(tree: ClusterTree, report: Report, env: { pods: PodHandle[]; services: Services; standIns: StandIn[]; binaries: Record<string, string>; dir: string; partnerHosts: Record<string, string> }): Promise<void> {
  const at = where(tree);
  const serverConf = objectsOf(tree).filter((o) => o.kind === 'ConfigMap').flatMap((o) => Object.values(o.data ?? {}) as string[]).find((t) => /^server \{/m.test(t)) ?? '';
  const serverPod = env.pods.find((p) => p.pod.spec.containers.some((c: Json) => /spire-server:/.test(c.image)) && !p.pod.metadata.labels?.['job-name']);
  const socket = serverPod && hostPathOf(serverPod, /spire-server:/, confValue(serverConf, 'socket_path') ?? '');
  const trustDomain = confValue(serverConf, 'trust_domain') ?? '';
  if (!socket) return;
  const cli = (socketPath: string, args: string[]) => run(env.binaries['spire-server'], [...args, '-socketPath', shortPath(socketPath)]);
  const hasBundle = async (socketPath: string, td: string) => (await cli(socketPath, ['bundle', 'list', '-id', `spiffe://${td}`])).ok;
  for (const standIn of env.standIns) {
    const partner = standIn.partner.trustDomain;
    // The tree's server, through the relationship the controller manager (or server.conf) set up.
    let said = '';
    const fetched = await waitFor(`${trustDomain} to fetch the bundle of ${partner}`, 45000, async () => {
      const refresh = await cli(socket, ['federation', 'refresh', '-id', partner]);
      said = refresh.out;
      return refresh.ok && (await hasBundle(socket, partner)) ? true : undefined;
    }).catch(() => false);
    report.check('federation', fetched, at, `${trustDomain} fetches ${partner} from ${standIn.partner.url} (${standIn.partner.profile})`, fetched ? '' : said);
    if (standIn.partner.profile === 'https_spiffe') await fetchBundleCheck(tree, report, standIn, env);

    // The other way: the partner fetches this trust domain's bundle from its bundle endpoint. An https_web
    // endpoint is dialled where partners dial it, at the exposed host through the Gateway's passthrough,
    // and authenticated by the certificate the test CA (standing in for ACME) issued for that host; the
    // partner is given nothing but the URL.
    const web = /bundle_endpoint \{[\s\S]*?profile "https_web"/.test(serverConf);
    const endpoint = web ? exposedBundleEndpoint(tree) : bundleEndpoint(tree, env.services, serverConf);
    if (!endpoint) {
      report.check('federation', false, at, `${partner} fetches ${trustDomain}`, web ? 'no TLSRoute leads to the server\'s https_web bundle endpoint' : 'no Service exposes the server\'s bundle endpoint port');
      continue;
    }
    const bundleFile = join(env.dir, `bundle-${trustDomain}.json`);
    const bundle = await cli(socket, ['bundle', 'show', '-format', 'spiffe']);
    writeFileSync(bundleFile, bundle.out);
    const create = await cli(standIn.socket, ['federation', 'create', '-trustDomain', trustDomain, '-bundleEndpointURL', endpoint,
      ...(web
        ? ['-bundleEndpointProfile', 'https_web']
        : ['-bundleEndpointProfile', 'https_spiffe', '-endpointSpiffeID', `spiffe://${trustDomain}/spire/server`, '-trustDomainBundlePath', bundleFile, '-trustDomainBundleFormat', 'spiffe'])]);
    let back = create.ok;
    said = create.out;
    if (back) {
      back = await waitFor(`${partner} to fetch the bundle of ${trustDomain}`, 45000, async () => {
        const refresh = await cli(standIn.socket, ['federation', 'refresh', '-id', trustDomain]);
        said = refresh.out;
        return refresh.ok ? true : undefined;
      }).catch(() => false);
    }
    if (back && web) {
      // Fetched over https_web: the partner now holds this trust domain's own bundle.
      const held = await cli(standIn.socket, ['bundle', 'list', '-id', `spiffe://${trustDomain}`, '-format', 'spiffe']);
      const keysOf = (text: string) => ((JSON.parse(text || '{}').keys ?? []) as Json[]).map((key) => key.x5c?.[0] ?? key.kid).sort();
      back = held.ok && JSON.stringify(keysOf(held.out)) === JSON.stringify(keysOf(bundle.out));
      if (!back) said = `the partner holds ${held.out.slice(0, 300)}, the server serves ${bundle.out.slice(0, 300)}`;
    }
    report.check('federation', back, at, `${partner} fetches ${trustDomain} from ${endpoint} (${web ? 'https_web, certificate of the test CA for the exposed host' : 'https_spiffe'})`, back ? '' : said);
    if (back && web) console.log(`${at}: ${partner} fetched ${trustDomain}'s bundle over https_web from ${endpoint}, through the TLSRoute's passthrough, trusting only the test CA`);
  }
}

/**
 * `spire-gitops federation fetch-bundle` against the stand-in's real bundle endpoint: trusting only the
 * bundle the tree commits for the partner (its lock file), it must authenticate the endpoint's X509-SVID
 * and find that bundle's X.509 authority still served. The estate's URL names the partner's host, which
 * resolves only inside the tree's pods; the command is given the stand-in's address on the node instead.
 */
async function fetchBundleCheck(tree: ClusterTree, report: Report, standIn: StandIn, env: { dir: string; partnerHosts: Record<string, string> }): Promise<void> {
  const at = where(tree);
  const partner = standIn.partner.trustDomain;
  const subject = `spire-gitops federation fetch-bundle ${partner} authenticates the stand-in's endpoint with the committed bundle`;
  const committed = objectsOf(tree).find((o) => o.kind === 'ClusterFederatedTrustDomain' && o.spec.trustDomain === partner)?.spec.trustDomainBundle as string | undefined;
  const address = env.partnerHosts[standIn.partner.url.hostname];
  if (!committed || !address) {
    report.check('federation', false, at, subject, committed ? `no address for ${standIn.partner.url.hostname}` : 'the tree commits no bundle for it');
    return;
  }
  const base = join(env.dir, 'fetch-bundle');
  mkdirSync(join(base, dirname(federationLockPath(partner))), { recursive: true });
  writeFileSync(join(base, federationLockPath(partner)), committed);
  const url = `https://${address}:${standIn.partner.url.port || 443}/`;
  const estate = {
    ...DEFAULT_ESTATE, teams: undefined,
    environments: DEFAULT_ESTATE.environments.map((environment) => ({ ...environment, federation: environment.federation.map((spec) => (spec.trustDomain === partner ? { ...spec, bundleEndpointURL: url } : spec)) })),
  };
  writeFileSync(join(base, 'estate.json'), JSON.stringify(estate));
  let out = '';
  const code = await runCommand(['federation', 'fetch-bundle', partner, '--estate', 'estate.json'], { out: (text) => { out += text; }, err: (text) => { out += text; }, cwd: base });
  const lockAuthority = (JSON.parse(committed).keys as Json[]).find((key) => key.use === 'x509-svid')?.x5c?.[0] as string | undefined;
  const fingerprint = lockAuthority ? new X509Certificate(Buffer.from(lockAuthority, 'base64')).fingerprint256 : 'none';
  // Exit 1 is expected: the live server's bundle also carries its JWT key, which the committed one lacks.
  const ok = code !== 2 && out.includes(`trust domain ${partner}:`) && out.includes(`x509-svid SHA256 ${fingerprint}`) && !out.includes(`- x509-svid SHA256 ${fingerprint}`);
  report.check('federation', ok, at, subject, ok ? '' : `exit ${code}: ${out}`);
  if (ok) console.log(`${at}: fetch-bundle ${partner} from ${url}:\n${out}`);
}

/** The external URL of the server's bundle endpoint: the host of the TLSRoute that leads to its Service port. */
function exposedBundleEndpoint(tree: ClusterTree): string | undefined {
  const routes = find(tree, 'TLSRoute');
  for (const service of find(tree, 'Service')) {
    const federation = ((service.spec.ports ?? []) as Json[]).find((p) => p.targetPort === 'federation');
    if (!federation) continue;
    const route = routes.find((r) => r.metadata.namespace === service.metadata.namespace
      && ((r.spec.rules ?? []) as Json[]).some((rule) => (rule.backendRefs ?? []).some((ref: Json) => ref.name === service.metadata.name && ref.port === federation.port)));
    if (route) return `https://${route.spec.hostnames[0]}`;
  }
  return undefined;
}

/** The in-cluster URL of the server's bundle endpoint: the Service port that targets it. */
function bundleEndpoint(tree: ClusterTree, services: Services, serverConf: string): string | undefined {
  const port = Number(/bundle_endpoint \{[^}]*port = (\d+)/.exec(serverConf)?.[1] ?? SPIRE_SERVER.ports.federation);
  for (const service of find(tree, 'Service')) {
    const match = ((service.spec.ports ?? []) as Json[]).find((p) => p.targetPort === 'federation' || p.targetPort === port);
    const route = services.routes.get(`${service.metadata.namespace}/${service.metadata.name}`);
    if (match && route) return `https://${route.names[0]}:${match.port}`;
  }
  return undefined;
}
