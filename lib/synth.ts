import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ApiObject, App, Chart } from 'cdk8s';
import * as lockfile from 'proper-lockfile';
import { Construct } from 'constructs';
import { ClusterChart } from './cluster-chart';
import { deliveryTrees, finishClusterTree, gitopsProblems } from './gitops/delivery';
import { EstateConfig } from './config/types';
import { resolveBundleFiles } from './config/bundle-files';
import { parseEstate } from './config/parse';
import { secretKind } from './config/secrets';
import { policyContradictions, sharedTrustDomainProblems, validateEstate } from './config/validate';
import { formatViolation } from './context';
import { renderInventory } from './render/inventory';
import { renderKustomization, sortedByCodePoint } from './render/kustomization';
import { toYaml } from './render/yaml';
import { syncWaveFor } from './sync-waves';

/** Raised when the estate breaks a rule; lists every problem found. */
export class EstateValidationError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`the estate has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'EstateValidationError';
  }
}

/** A chart and the dist/ subdirectory its objects go to (one kustomize tree). */
export interface OutputTree {
  readonly path: string;
  readonly chart: Chart;
  /** A cluster tree: objects get Argo CD sync waves by kind and namespaced ones a folder per namespace. */
  readonly clusterTree: boolean;
  /** `environment/cluster` or the directory, for messages. */
  readonly where: string;
  readonly requireImageDigests: boolean;
}

export interface BuiltEstate {
  readonly app: App;
  readonly trees: OutputTree[];
  readonly clusters: ClusterChart[];
}

/** Builds every chart of the estate; nothing is validated or written yet. */
export function buildEstate(estate: EstateConfig): BuiltEstate {
  const app = new App({ outdir: 'dist' });
  const clusters: ClusterChart[] = [];
  for (const environment of estate.environments) {
    for (const cluster of environment.clusters) {
      clusters.push(new ClusterChart(app, `${environment.name}-${cluster.name}`, {
        context: { environment, cluster, images: estate.images },
      }));
    }
  }
  const trees: OutputTree[] = clusters.map((chart) => ({
    path: chart.outputPath,
    chart,
    clusterTree: true,
    where: `${chart.context.environment.name}/${chart.context.cluster.name}`,
    requireImageDigests: chart.context.environment.requireImageDigests,
  }));
  for (const tree of deliveryTrees(app, estate, clusters)) {
    trees.push({ ...tree, clusterTree: false, where: tree.path, requireImageDigests: false });
  }
  return { app, trees, clusters };
}

function validationErrors(root: Construct): string[] {
  const errors: string[] = [];
  for (const construct of root.node.findAll()) errors.push(...construct.node.validate());
  return [...new Set(errors)];
}

const PRIVATE_KEY = /-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----/;

function imagesOf(manifest: any): { container: string; image: string }[] {
  const pod = manifest.kind === 'Pod' ? manifest.spec
    : manifest.spec?.jobTemplate?.spec?.template?.spec ?? manifest.spec?.template?.spec;
  if (!pod) return [];
  return [...(pod.initContainers ?? []), ...(pod.containers ?? [])]
    .map((container: any) => ({ container: container.name, image: container.image }));
}

/** Checks on one final object and its YAML: what no construct may get wrong, whoever wrote it. */
function outputProblems(tree: OutputTree, manifest: any, yaml: string): string[] {
  const problems: string[] = [];
  const resource = `${manifest.kind} "${manifest.metadata?.name}"`;
  if (tree.requireImageDigests) {
    for (const { container, image } of imagesOf(manifest)) {
      if (!/@sha256:[0-9a-f]{64}$/.test(image)) {
        problems.push(formatViolation(tree.where, {
          resource, field: `container ${container} image`, value: image,
          rule: 'must be pinned by digest in this environment (requireImageDigests)',
          fix: 'add the image\'s sha256 digest in lib/config/versions.ts (crane digest IMAGE:TAG), or disable the component',
        }));
      }
    }
  }
  if (manifest.kind === 'Secret' && (manifest.data || manifest.stringData)) {
    problems.push(formatViolation(tree.where, {
      resource, field: 'data', value: '<redacted>', rule: 'secret material must never be written to dist/',
      fix: 'reference an existing Secret (created out of band, or by External Secrets/SOPS) instead',
    }));
  }
  const secret = secretKind(yaml);
  if (secret && !PRIVATE_KEY.test(yaml)) {
    problems.push(formatViolation(tree.where, {
      resource, field: '(content)', value: '<redacted>', rule: `contains secret material (${secret})`, fix: 'reference a Secret that is not in Git instead',
    }));
  }
  if (PRIVATE_KEY.test(yaml)) {
    problems.push(formatViolation(tree.where, {
      resource, field: '(content)', value: '<redacted>', rule: 'contains a private key', fix: 'remove key material; mount it from a Secret that is not in Git',
    }));
  }
  return problems;
}

function fileNameFor(manifest: any, folderPerNamespace: boolean): string {
  const kind = String(manifest.kind).toLowerCase();
  const name = String(manifest.metadata.name);
  const namespace = manifest.metadata.namespace;
  return namespace && folderPerNamespace ? `${namespace}/${kind}-${name}.yaml` : `${kind}-${name}.yaml`;
}

function applySyncWaves(chart: Chart): void {
  for (const construct of chart.node.findAll()) {
    if (!(construct instanceof ApiObject)) continue;
    if (construct.metadata.toJson().annotations?.['argocd.argoproj.io/hook']) continue;
    const wave = syncWaveFor(construct.kind);
    construct.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(wave.wave));
    if (wave.customResource) {
      // Its CRD comes from another Application (spire-crds) that may not have synced yet on a new cluster.
      construct.metadata.addAnnotation('argocd.argoproj.io/sync-options', 'SkipDryRunOnMissingResource=true');
    }
  }
}

export interface RenderOptions {
  /**
   * The repository root, against which files the estate names (federation bundles) are read.
   * @default - the current working directory
   */
  readonly baseDir?: string;
}

/**
 * Renders the estate (from TypeScript, JavaScript or a data file: it is checked against the estate
 * schema first) into file contents keyed by path under dist/. Throws EstateValidationError, listing
 * every problem, when any rule is broken; nothing is written in that case.
 */
export function renderEstate(input: EstateConfig | unknown, options: RenderOptions = {}): Map<string, string> {
  const parsed = parseEstate(input);
  if (!parsed.ok) throw new EstateValidationError(parsed.problems);
  const resolved = resolveBundleFiles(parsed.estate, options.baseDir ?? process.cwd());
  const estate = resolved.estate;
  // Names become paths, labels and resource names: building constructs from bad ones would fail obscurely.
  const configProblems = [...resolved.problems, ...validateEstate(estate), ...gitopsProblems(estate)];
  if (configProblems.length > 0) throw new EstateValidationError(configProblems);
  const built = buildEstate(estate);
  const problems = [...validationErrors(built.app), ...sharedTrustDomainProblems(estate), ...policyContradictions(estate)];
  const files = new Map<string, string>();
  for (const tree of built.trees) {
    if (tree.clusterTree) {
      applySyncWaves(tree.chart);
      finishClusterTree(tree.chart);
    }
    // ApiObject.toJson, not Chart.toJson: the latter validates again and throws at the first chart,
    // while every problem of every chart should be reported together.
    const manifests = tree.chart.node.findAll()
      .filter((construct): construct is ApiObject => construct instanceof ApiObject)
      .map((object) => object.toJson());
    const names: string[] = [];
    for (const manifest of manifests) {
      const name = fileNameFor(manifest, tree.clusterTree);
      const path = `${tree.path}/${name}`;
      if (files.has(path)) {
        problems.push(formatViolation(tree.where, {
          resource: `${manifest.kind} "${manifest.metadata.name}"`, field: 'metadata.name', value: manifest.metadata.name,
          rule: `is defined twice (both would be written to dist/${path})`, fix: 'rename one of them',
        }));
        continue;
      }
      const yaml = toYaml(manifest);
      problems.push(...outputProblems(tree, manifest, yaml));
      files.set(path, yaml);
      names.push(name);
    }
    files.set(`${tree.path}/kustomization.yaml`, renderKustomization(names));
  }
  if (problems.length > 0) throw new EstateValidationError(problems);
  files.set('README.md', renderInventory(estate, built.clusters));
  return files;
}

export interface WriteOptions {
  /**
   * Told once, with what is being waited for, when another synth holds the swap lock of an outdir.
   * @default - printed to stderr
   */
  readonly onWait?: (message: string) => void;
  /**
   * After how long a lock whose holder stopped refreshing it (a killed synth) is taken over, in ms.
   * @default 10000
   */
  readonly staleLockMs?: number;
  /** Passed to renderEstate. */
  readonly render?: RenderOptions;
}

/** Names of the files beside `outdir` that synth uses: the lock, and per-run staging and previous trees. */
function siblings(outdir: string) {
  const parent = dirname(outdir);
  const base = basename(outdir);
  return {
    parent,
    // `.${base}-*` so that a .gitignore line `.dist-*/` covers all of them.
    lock: join(parent, `.${base}-lock`),
    stagingPrefix: `.${base}-next-`,
    previousPrefix: `.${base}-previous-`,
  };
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Holds the swap lock of `outdir` (proper-lockfile: an atomic mkdir, refreshed while held and taken over
 * once stale, so a killed holder never blocks for good). Waits, saying so once, while another synth
 * holds it.
 */
function acquireSwapLock(outdir: string, options: WriteOptions): () => void {
  const { lock } = siblings(outdir);
  const stale = options.staleLockMs ?? 10_000;
  let told = false;
  for (;;) {
    try {
      return lockfile.lockSync(outdir, { lockfilePath: lock, realpath: false, stale });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (!told) {
        const message = `waiting for another synth to finish replacing ${outdir} (it holds the lock ${lock}; `
          + `a lock left by a killed run is taken over after ${stale / 1000} s)`;
        (options.onWait ?? ((text: string) => process.stderr.write(`${text}\n`)))(message);
        told = true;
      }
      sleep(100);
    }
  }
}

/**
 * Puts `outdir` back in order after a synth was killed: restores the previous tree when a run died
 * between its two renames (outdir missing), and removes the staging and previous trees that dead runs
 * left beside it. Call only while holding the swap lock (writeTree does); `recoverTree` takes it.
 */
function recoverLocked(outdir: string): void {
  const { parent, stagingPrefix, previousPrefix } = siblings(outdir);
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  const ownedByDeadRun = (name: string, prefix: string) => name.startsWith(prefix) && !processAlive(Number(name.slice(prefix.length).split('-')[0]));
  const previous = entries.filter((name) => ownedByDeadRun(name, previousPrefix)).sort();
  if (!existsSync(outdir) && previous.length > 0) renameSync(join(parent, previous.pop()!), outdir);
  for (const name of [...previous, ...entries.filter((entry) => ownedByDeadRun(entry, stagingPrefix))]) {
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Restores `outdir` to a whole tree if a synth was killed while swapping it; waits for running synths. */
export function recoverTree(outdir: string, options: WriteOptions = {}): void {
  mkdirSync(dirname(outdir), { recursive: true });
  const release = acquireSwapLock(outdir, options);
  try {
    recoverLocked(outdir);
  } finally {
    release();
  }
}

/**
 * Replaces `outdir` with exactly these files. Each run writes the new tree into its own staging directory
 * beside it (named after its pid), then, holding the swap lock so that concurrent synths take turns,
 * renames the current tree aside and the new one in. Readers and killed runs therefore see the old or the
 * new tree, never a mix; a run killed between the two renames leaves the old tree beside outdir, and the
 * next run (or recoverTree) puts it back before anything else.
 */
export function writeTree(files: ReadonlyMap<string, string>, outdir: string, options: WriteOptions = {}): void {
  const { parent, stagingPrefix, previousPrefix } = siblings(outdir);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `${stagingPrefix}${process.pid}-`));
  // mkdtemp makes the directory private (0700); dist/ is read by others (CI users, GitOps tooling).
  chmodSync(staging, 0o755);
  let previous: string | undefined;
  try {
    for (const path of sortedByCodePoint([...files.keys()])) {
      const target = join(staging, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, files.get(path)!);
    }
    const release = acquireSwapLock(outdir, options);
    try {
      recoverLocked(outdir);
      const aside = `${join(parent, previousPrefix)}${process.pid}-${Date.now()}`;
      try {
        renameSync(outdir, aside);
        previous = aside;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      renameSync(staging, outdir);
    } finally {
      release();
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    if (previous) rmSync(previous, { recursive: true, force: true });
  }
}

/**
 * Renders the estate and, only when it is valid, replaces each of `outdirs` with it. Throws
 * EstateValidationError, listing every problem, and leaves every outdir untouched otherwise.
 */
export function synthesize(estate: EstateConfig | unknown, outdirs: readonly string[], options: WriteOptions = {}): Map<string, string> {
  const files = renderEstate(estate, options.render);
  for (const outdir of outdirs) writeTree(files, outdir, options);
  return files;
}
