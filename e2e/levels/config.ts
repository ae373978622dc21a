/**
 * Level 1: every config dist/ ships is judged by the real program that reads it, started with the argv
 * a container runtime would build from the image's ENTRYPOINT and the manifest's command/args, its
 * env and mounted files in a root of its own. No apiserver: ConfigMaps come from the tree, Secrets and
 * prerequisites from the e2e.
 */
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Report } from '../report';
import { ClusterTree, K8sObject, objectsOf, where } from '../trees';
import { podsFor } from '../sync';
import { ObjectSource, PodContext, containerArgv, imageContent, materializeVolumes, namesBuiltProgram } from '../runtime';
import { startPodContainer, httpGetHost, httpStatus } from '../pods';
import { Processes, sleep, tail, waitFor } from '../processes';
import { prerequisites, PrerequisiteValues } from '../prerequisites';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** ConfigMaps and Secrets as the tree and the operator provide them, without an apiserver. */
export class TreeSource implements ObjectSource {
  constructor(private readonly objects: K8sObject[], private readonly published: Map<string, Record<string, string>>) {}

  async get(_apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<Json | undefined> {
    const found = this.objects.find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? undefined) === namespace);
    if (found) return found;
    const published = kind === 'ConfigMap' ? this.published.get(`${namespace}/${name}`) : undefined;
    return published ? { data: published } : undefined;
  }

  async token(): Promise<string> {
    return 'config-level-placeholder-token';
  }
}

/**
 * ConfigMaps that a SPIRE server publishes at runtime (BundlePublisher k8s_configmap), by namespace/name:
 * this tree's own servers', and those another tree's server of the environment publishes into this
 * cluster through a kubeconfig (a nested topology's root, for its agents in the other clusters).
 */
function runtimePublished(tree: ClusterTree, all: readonly ClusterTree[]): Map<string, Record<string, string>> {
  const published = new Map<string, Record<string, string>>();
  for (const source of all.filter((other) => other.env === tree.env)) {
    for (const o of objectsOf(source)) {
      if (o.kind !== 'ConfigMap') continue;
      for (const text of Object.values(o.data ?? {}) as string[]) {
        const block = /BundlePublisher "k8s_configmap" \{[\s\S]*?\n {6}\}\n/.exec(text)?.[0] ?? '';
        const targets = block.matchAll(/"([^"]+)" = \{\s*"configmap_name" = "([^"]+)"\s*"configmap_key" = "([^"]+)"\s*"namespace" = "([^"]+)"\s*"format" = "[^"]+"\s*("kubeconfig_path" = "[^"]+"\s*)?\}/g);
        for (const [, cluster, name, key, namespace, kubeconfig] of targets) {
          const here = source === tree ? kubeconfig === undefined : cluster === tree.cluster && kubeconfig !== undefined;
          // An empty bundle: the agent's validate reads the config, not the bundle's content.
          if (here) published.set(`${namespace}/${name}`, { [key]: '' });
        }
      }
    }
  }
  return published;
}

interface Runnable { owner: K8sObject; pod: Json; container: Json; init: boolean }

function runnables(tree: ClusterTree, claimDir: (claim: string) => string): Runnable[] {
  const list: Runnable[] = [];
  for (const owner of objectsOf(tree)) {
    // The first pod its controller would create, with what the controller adds (a StatefulSet's claims).
    const pod = podsFor(owner, 'e2e-node', claimDir)[0];
    if (!pod) continue;
    pod.metadata.uid = '';
    pod.spec.serviceAccountName = pod.spec.serviceAccountName ?? 'default';
    pod.status = { podIP: '127.0.0.1', hostIP: '127.0.0.1' };
    for (const container of pod.spec.initContainers ?? []) list.push({ owner, pod, container, init: true });
    for (const container of pod.spec.containers) list.push({ owner, pod, container, init: false });
  }
  return list;
}

export async function configLevel(trees: ClusterTree[], report: Report, env: { workDir: string; binaries: Record<string, string>; values: PrerequisiteValues }): Promise<void> {
  for (const tree of trees) {
    const workDir = join(env.workDir, 'config', tree.env, tree.cluster);
    mkdirSync(workDir, { recursive: true });
    const processes = new Processes(workDir);
    const source = new TreeSource([...objectsOf(tree), ...prerequisites(tree, env.values)], runtimePublished(tree, trees));
    const context: PodContext = {
      client: source,
      workDir,
      nodeRoot: join(workDir, 'node'),
      hosts: {},
      caCertificates: '',
      csiSource: () => { const dir = join(workDir, 'csi'); mkdirSync(dir, { recursive: true }); return dir; },
      claimDir: (claim) => { const dir = join(workDir, 'claims', claim); mkdirSync(dir, { recursive: true }); return dir; },
    };
    const kubelet = { processes, binaries: env.binaries, context };
    try {
      for (const { owner, pod, container } of runnables(tree, context.claimDir)) {
        const subject = `${owner.kind}/${owner.metadata.name} container ${container.name}`;
        const content = imageContent(container.image);
        if (!content) {
          if (namesBuiltProgram(container.image)) {
            report.check('configs', false, where(tree), `${subject} config`, `image ${container.image} names a program the e2e builds, but matches neither its repository nor its digest`);
          } else {
            console.log(`   (${where(tree)} ${subject}: image ${container.image} is not among the programs the e2e builds; not run)`);
          }
          continue;
        }
        const argv = containerArgv(container)!;
        let volumes: Map<string, string>;
        try {
          volumes = await materializeVolumes(pod, context, join(workDir, 'pods', `${owner.kind}-${owner.metadata.name}`));
        } catch (error) {
          report.check('argv', false, where(tree), subject, `its volumes cannot be provided: ${(error as Error).message}`);
          continue;
        }
        try {
          await checkContainer(report, tree, subject, kubelet, pod, container, volumes, argv, content.program);
        } catch (error) {
          report.check('argv', false, where(tree), subject, (error as Error).message);
        }
        await processes.stopAll();
      }
    } finally {
      await processes.stopAll();
    }
  }
}

async function checkContainer(
  report: Report, tree: ClusterTree, subject: string, kubelet: Json, pod: Json, container: Json, volumes: Map<string, string>, argv: string[], program: string,
): Promise<void> {
  const at = where(tree);
  const network = { netns: undefined, ip: '127.0.0.1' };
  const start = (override?: string[], suffix = '') => startPodContainer(kubelet, pod, container, volumes, network, override, suffix);
  const exited = async (running: Json, timeoutMs: number) => {
    try {
      await waitFor(`${subject} to exit`, timeoutMs, () => (running.exitCode() === undefined ? undefined : true));
    } catch {
      await running.stop();
      return { code: 'still running', output: running.output() };
    }
    return { code: running.exitCode(), output: running.output() };
  };

  if (program === 'spire-server' || program === 'spire-agent') {
    if (argv[1] === 'run') {
      // `run` and `validate` read their flags and the config through the same loader (spire
      // cmd/spire-server/cli/run/run.go LoadConfig, used by cli/validate/validate.go Run): validate
      // with the container's own flags judges both the config and the command line.
      const result = await exited(await start([argv[0], 'validate', ...argv.slice(2)], '-validate'), 60000);
      const ok = result.code === 0 && /configuration file is valid/.test(result.output);
      report.check('configs', ok, at, `${subject} config (${program} validate ${argv.slice(2).join(' ')})`, ok ? '' : tail(result.output));
      report.check('argv', ok, at, `${subject} argv ${JSON.stringify(argv)}`, ok ? '' : `exit ${result.code}: ${tail(result.output, 3)}`);
      return;
    }
    if (['healthcheck', 'entry', 'bundle', 'agent', 'jwt', 'x509', 'api'].includes(argv[1])) {
      console.log(`   (${at} ${subject}: ${argv.slice(0, 2).join(' ')} talks to a running server or agent; run at the live level)`);
      return;
    }
    // One-shot commands (the PreSync validate Job): the exact argv must succeed.
    const result = await exited(await start(), 60000);
    report.check('argv', result.code === 0, at, `${subject} argv ${JSON.stringify(argv)}`, result.code === 0 ? '' : `exit ${result.code}: ${tail(result.output, 4)}`);
    return;
  }

  if (program === 'spire-controller-manager') {
    // main.go: parseConfig, then run(), whose first step after the trust domain is "Dialing SPIRE Server socket".
    const running = await start();
    const reached = await waitFor(`${subject} to load its config`, 30000, () => {
      const output = running.output();
      if (/Dialing SPIRE Server socket/.test(output)) return true;
      if (running.exitCode() !== undefined) return false;
      return undefined;
    }).catch(() => false);
    await running.stop();
    const output = running.output();
    report.check('configs', reached, at, `${subject} config`, reached ? '' : tail(output, 4));
    report.check('argv', reached, at, `${subject} argv ${JSON.stringify(argv)}`, reached ? '' : tail(output, 2));
    return;
  }

  if (program === 'oidc-discovery-provider') {
    // main.go: a bad flag or config exits at once; a loaded config serves its live endpoint.
    const running = await start();
    const live = liveEndpoint(volumes);
    let ok = false;
    let last: string = live ? 'no answer' : 'no health_checks block in its config';
    for (let i = 0; i < 120 && running.exitCode() === undefined && !ok && live; i++) {
      await sleep(250);
      const status = await httpStatus('127.0.0.1', live.port, live.path).catch((error: Error) => error.message);
      last = `GET :${live.port}${live.path}: ${status}`;
      ok = status === 200;
    }
    const document = ok ? await discoveryDocument(volumes) : undefined;
    await running.stop();
    const said = ok ? '' : `${last}; ${tail(running.output(), 2)}`;
    report.check('configs', ok, at, `${subject} config`, said);
    report.check('argv', ok, at, `${subject} argv ${JSON.stringify(argv)}`, said);
    if (document) {
      // The document the program serves names the issuer the server signs with, and the keys where the config says.
      report.check('configs', document.ok, at, `${subject} serves ${document.path} with issuer ${document.wantIssuer} and jwks_uri ${document.wantJwks}`, document.said);
    }
  }
}

/** The provider's config file text, from the volume that carries it. */
function oidcConfig(volumes: Map<string, string>): string | undefined {
  for (const dir of volumes.values()) {
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir)) {
      if (file.endsWith('.conf')) return readFileSync(join(dir, file), 'utf8');
    }
  }
  return undefined;
}

/**
 * The discovery document the running provider serves for its first domain, next to what its config says it
 * must hold: issuer = jwt_issuer, jwks_uri = the configured one or the issuer's /keys (spire
 * support/oidc-discovery-provider/handler.go serveWellKnown).
 */
async function discoveryDocument(volumes: Map<string, string>): Promise<{ ok: boolean; path: string; wantIssuer: string; wantJwks: string; said: string } | undefined> {
  const text = oidcConfig(volumes);
  if (!text) return undefined;
  const value = (key: string) => new RegExp(`^${key} = "([^"]*)"`, 'm').exec(text)?.[1];
  const domain = /domains = \["([^"]+)"/.exec(text)?.[1] ?? 'localhost';
  const port = Number(/insecure_addr = ":(\d+)"/.exec(text)?.[1] ?? 8080);
  const wantIssuer = value('jwt_issuer') ?? '';
  // Where a relying party looks: the issuer URL's path followed by /.well-known/openid-configuration (OpenID
  // Connect Discovery 1.0, section 4), not wherever the config happens to serve it.
  const path = `${wantIssuer ? new URL(wantIssuer).pathname.replace(/\/$/, '') : ''}/.well-known/openid-configuration`;
  const wantJwks = value('jwks_uri') ?? `${wantIssuer}/keys`;
  const got = await httpGetHost('127.0.0.1', port, path, domain).catch((error: Error) => ({ status: 0, body: error.message }));
  let document: { issuer?: string; jwks_uri?: string } = {};
  try { document = JSON.parse(got.body); } catch { /* reported below */ }
  const ok = got.status === 200 && document.issuer === wantIssuer && document.jwks_uri === wantJwks;
  return { ok, path, wantIssuer, wantJwks, said: ok ? '' : `HTTP ${got.status}: ${got.body.slice(0, 300)}` };
}

/** The OIDC provider's live endpoint, read from the health_checks block of its config file. */
function liveEndpoint(volumes: Map<string, string>): { port: number; path: string } | undefined {
  for (const dir of volumes.values()) {
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir)) {
      if (!file.endsWith('.conf')) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      const port = /health_checks\s*{[^}]*bind_port\s*=\s*"?(\d+)"?/.exec(text);
      const path = /health_checks\s*{[^}]*live_path\s*=\s*"([^"]+)"/.exec(text);
      if (port) return { port: Number(port[1]), path: path ? path[1] : '/live' };
    }
  }
  return undefined;
}
