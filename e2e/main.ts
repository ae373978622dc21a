/**
 * npm run e2e [-- --level LEVEL]... [--tree ENV/CLUSTER]... [--dist DIR] [--shared DIR] [--keep]
 * (LEVEL: a name of the LEVEL_TABLE below; without --level, all of them, in the table's order)
 *
 * Proves dist/ on the real programs: SPIRE server, agent, OIDC discovery provider, controller manager,
 * kube-apiserver and etcd, built from their Go modules (e2e/go) at the versions the project ships.
 * Runs inside a network namespace of its own; nothing it starts can reach another address.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { CGROUP_HIERARCHY } from './runtime';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NODE_NETNS_ENV, deleteNetworkNamespace, enterOwnNetworkNamespace } from './net';
import { Report, stage } from './report';
import { ClusterTree, clusterTrees } from './trees';
import { configLevel } from './levels/config';
import { clusterLevels } from './levels/cluster';
import { gitopsLevel } from './levels/gitops';
import { examplesLevel } from './levels/examples';
import { topologiesLevel } from './levels/topologies';
import { workloadsLevel } from './levels/workloads';
import { upgradeLevel } from './levels/upgrade';
import { upstreamLevel } from './levels/upstream';
import { workloadAttestationLevel } from './levels/workload-attestation';
import { serverSettingsLevel } from './levels/server-settings';
import { controllerManagerLevel } from './levels/controller-manager';
import { nodeAttestationLevel } from './levels/node-attestation';
import { MUTATIONS, copyDist } from './mutations';
import { EXTERNAL_CRD_MODULES, downloadCrdDirs } from './external-crds';
import { Pki, read } from './pki';
import { PrerequisiteValues } from './prerequisites';

const BINARIES_ENV = 'SPIRE_GITOPS_E2E_BINARIES';

/** What every level's stage may read: the arguments, the trees, the programs and the e2e's work directory. */
interface LevelContext {
  readonly options: Options;
  readonly report: Report;
  readonly trees: ClusterTree[];
  readonly workDir: string;
  readonly binaries: Record<string, string>;
  readonly values: PrerequisiteValues;
}

/** One stage of the run: its title as the log prints it, and what it does. */
interface Stage { readonly title: string; readonly body: () => Promise<void> }

/**
 * One entry of the level table: the `--level` names that select it, and the stages it runs for the names of
 * it that were asked for (in the order they were asked for).
 */
interface LevelEntry {
  readonly names: readonly string[];
  readonly stages: (context: LevelContext, wanted: string[]) => Stage[];
}

/** The work directory and the programs, what every level runs with. */
const programs = (c: LevelContext) => ({ workDir: c.workDir, binaries: c.binaries });
/** ...with the values of the operator's prerequisites. */
const withValues = (c: LevelContext) => ({ ...programs(c), values: c.values });
/** ...with the reference material (CRDs, schemas). */
const withShared = (c: LevelContext) => ({ ...programs(c), shared: c.options.shared });

/** A level of one name and one stage. */
function level(name: string, title: string, body: (context: LevelContext) => Promise<void>): LevelEntry {
  return { names: [name], stages: (context) => [{ title, body: () => body(context) }] };
}

/** The levels in the order they run; adding a level is adding its entry here. */
const LEVEL_TABLE: readonly LevelEntry[] = [
  level('config', 'level config: real programs on every shipped config and argv', (c) => configLevel(c.trees, c.report, withValues(c))),
  level('examples', 'level examples: every example estate synthesized by the CLI, its configs judged by the real programs', (c) => examplesLevel(c.report, withValues(c))),
  {
    // A tree can only be judged live once it has been synced: the three share one apiserver per tree.
    names: ['api', 'live', 'federation'],
    stages: (c, wanted) => c.trees.map((tree) => ({
      title: `levels ${wanted.join('+')}: ${tree.env}/${tree.cluster} on kube-apiserver and etcd`,
      body: () => clusterLevels(tree, c.report, { workDir: c.workDir, binaries: c.binaries, shared: c.options.shared, levels: new Set(wanted) }),
    })),
  },
  level('topologies', 'level topologies: each topology\'s example synthesized by the CLI and run live', (c) => topologiesLevel(c.report, withShared(c))),
  level('controller-manager', 'level controller-manager: examples/static-manifests live, the real manager in static manifest mode', (c) => controllerManagerLevel(c.report, withShared(c))),
  level('gitops', 'level gitops: the Argo CD and Flux trees on kube-apiserver with the pinned CRDs', (c) => gitopsLevel(c.options.dist, c.report, withShared(c))),
  level('upgrade', 'level upgrade: the previous minor SPIRE hands its datastore to the shipped one', (c) => upgradeLevel(c.trees, c.report, withValues(c))),
  level('upstream', 'level upstream: examples/private-pki live, its CA signed by a root through disk, its bundle pushed by k8sbundle', (c) => upstreamLevel(c.report, withShared(c))),
  level('workload-attestation', 'level workload-attestation: an example\'s WorkloadAttestors in the real agent; unix:uid decides who gets an SVID', (c) => workloadAttestationLevel(c.report, programs(c))),
  level('server-settings', 'level server-settings: examples/ha\'s server core and datastore settings on the real server and PostgreSQL', (c) => serverSettingsLevel(c.report, programs(c))),
  level('node-attestation', 'level node-attestation: the on-prem example\'s http_challenge with the real server and agents', (c) => nodeAttestationLevel(c.report, programs(c))),
  level('workloads', 'level workloads: the server as a Deployment with an autoscaler (examples/gcp) on kube-apiserver', (c) => workloadsLevel(c.report, programs(c))),
  level('mutations', 'mutations: each must make the e2e fail', (c) => mutationStage(c.options, c.report, withValues(c))),
];
const LEVELS = LEVEL_TABLE.flatMap((entry) => entry.names);

interface Options { levels: string[]; dist: string; shared: string; keep: boolean; trees: string[] }

function parseArgs(argv: string[]): Options {
  const options: Options = { levels: [], dist: resolve(__dirname, '..', 'dist'), shared: resolve(__dirname, '..', '..', 'shared'), keep: false, trees: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--level') {
      const name = argv[++i];
      if (!LEVELS.includes(name)) throw new Error(`--level takes one of ${LEVELS.join(', ')}, got ${name}`);
      options.levels.push(name);
    } else if (arg === '--dist') {
      options.dist = resolve(argv[++i]);
    } else if (arg === '--shared') {
      options.shared = resolve(argv[++i]);
    } else if (arg === '--tree') {
      options.trees.push(argv[++i]);
    } else if (arg === '--keep') {
      options.keep = true;
    } else {
      throw new Error(`unknown argument ${arg}; usage: npm run e2e -- [--level ${LEVELS.join('|')}]... [--tree ENV/CLUSTER]... [--dist DIR] [--shared DIR] [--keep]`);
    }
  }
  if (options.levels.length === 0) options.levels = [...LEVELS];
  return options;
}

function buildBinaries(): Record<string, string> {
  const out = execFileSync('bash', [join(__dirname, 'build-binaries.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return Object.fromEntries(out.trim().split('\n').map((line) => line.split(' ') as [string, string]));
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const netns = enterOwnNetworkNamespace();
  if (netns.parent) {
    // Build first (it needs the module proxy), then run the checks inside the e2e's own network namespace.
    const binaries = await stage('build the real programs (cached by module and version)', async () => buildBinaries());
    await stage(`download the Gateway API and cert-manager CRDs (${EXTERNAL_CRD_MODULES.map((pin) => `${pin.module}@${pin.version}`).join(', ')}; cached by version)`, async () => { downloadCrdDirs(); });
    const result = spawnSync('ip', ['netns', 'exec', netns.name, process.execPath, ...process.execArgv, __filename, ...process.argv.slice(2)], {
      stdio: 'inherit', env: { ...process.env, [NODE_NETNS_ENV]: netns.name, [BINARIES_ENV]: JSON.stringify(binaries) },
    });
    deleteNetworkNamespace(netns.name);
    // The pods' network namespaces carry the child's pid; a child that was killed leaves them behind.
    for (const line of execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')) {
      const name = line.split(' ')[0];
      if (name && result.pid && name.startsWith(`sgx${result.pid}`)) deleteNetworkNamespace(name);
    }
    return result.status ?? 1;
  }

  const binaries = JSON.parse(process.env[BINARIES_ENV] ?? '{}') as Record<string, string>;
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const workDir = mkdtempSync(join(tmpdir(), 'spire-gitops-e2e-'));
  // Programs that run as other users (PostgreSQL, the SPIRE server's uid) reach their files below it.
  chmodSync(workDir, 0o755);
  const report = new Report();
  const trees = clusterTrees(options.dist).filter((tree) => options.trees.length === 0 || options.trees.includes(`${tree.env}/${tree.cluster}`));
  report.trees = trees.length;
  console.log(`e2e: ${trees.length} cluster trees in ${options.dist}; levels ${options.levels.join(', ')}; work dir ${workDir}`);
  // The config level only needs a key pair SPIRE can load where cert-manager's Secret would be.
  const configPki = new Pki(workDir);
  const configCa = configPki.ca('config-web-ca', '/CN=spire-gitops-e2e-config-web-ca');
  const values: PrerequisiteValues = {
    dbPassword: 'e2e "pass word"\\with $pecial=chars',
    dbCaPem: '',
    // spire-server validate loads an x509pop CA bundle, so that one is a real CA.
    nodeCaPem: read(configPki.ca('node-ca', '/CN=spire-gitops-e2e-node-ca').cert),
    servingCertificate: (name, dnsNames) => {
      const pair = configPki.leaf(configCa, `config-serving-${name}`, '/CN=spire-gitops-e2e', dnsNames.map((dns) => `DNS:${dns}`), 'serverAuth');
      return { cert: read(pair.cert), key: read(pair.key) };
    },
  };
  try {
    const context: LevelContext = { options, report, trees, workDir, binaries, values };
    for (const entry of LEVEL_TABLE) {
      const wanted = [...new Set(options.levels.filter((name) => entry.names.includes(name)))];
      if (wanted.length === 0) continue;
      for (const { title, body } of entry.stages(context, wanted)) await stage(title, body);
    }
  } catch (error) {
    report.fail('e2e', 'run', (error as Error).stack ?? String(error));
  } finally {
    removeCgroups(workDir);
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  }
  console.log(report.admissionLine());
  console.log(report.summary());
  console.log(report.closingLine());
  return report.failed === 0 ? 0 : 1;
}

/** The cgroups the containers joined (runtime.ts containerCgroup), once their processes are gone. */
function removeCgroups(workDir: string): void {
  const mountPoint = join(workDir, 'cgroup');
  mkdirSync(mountPoint, { recursive: true });
  try { execFileSync('mount', ['-t', 'cgroup', '-o', CGROUP_HIERARCHY, 'cgroup', mountPoint]); } catch { return; }
  try { removeUnder(join(mountPoint, 'kubepods')); } finally { execFileSync('umount', [mountPoint]); }
}

function removeUnder(root: string): void {
  if (!existsSync(root)) return;
  for (const pod of readdirSync(root).filter((name) => name.startsWith('pod'))) {
    for (const container of readdirSync(join(root, pod), { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      try { rmdirSync(join(root, pod, container.name)); } catch { /* still has a process */ }
    }
    try { rmdirSync(join(root, pod)); } catch { /* still in use */ }
  }
}

async function mutationStage(options: Options, report: Report, env: { workDir: string; binaries: Record<string, string>; values: PrerequisiteValues }): Promise<void> {
  for (const [index, mutation] of MUTATIONS.entries()) {
    const copy = join(env.workDir, `mutation-${index}`);
    copyDist(options.dist, copy);
    // The smallest tree the mutation applies to (development first: sqlite, fewest objects).
    const candidates = clusterTrees(copy).sort((a, b) => a.files.length - b.files.length);
    const target = candidates.find((tree) => mutation.apply(copy, tree));
    if (!target) {
      report.fail('mutations', mutation.name, 'no tree has what this mutation breaks; update e2e/mutations.ts');
      continue;
    }
    const tree = clusterTrees(copy).find((t) => t.env === target.env && t.cluster === target.cluster)!;
    const inner = new Report('   (mutated) ');
    if (mutation.levels.includes('config')) await configLevel([tree], inner, { workDir: join(copy, 'work'), binaries: env.binaries, values: env.values });
    const clusterWanted = new Set(mutation.levels.filter((level) => level !== 'config'));
    if (clusterWanted.size > 0) await clusterLevels(tree, inner, { workDir: join(copy, 'work'), binaries: env.binaries, shared: options.shared, levels: clusterWanted, readyTimeoutMs: 30000, failFast: true });
    // A mutation counts as caught only by a check, not by the e2e itself breaking.
    const broken = inner.failures.filter((line) => / (cluster levels|run): /.test(line));
    if (broken.length > 0) report.fail('mutations', mutation.name, `the e2e broke instead of judging the tree: ${broken[0]}`);
    else if (inner.failed > 0) console.log(`mutation caught: ${mutation.name} (${tree.env}/${tree.cluster}): ${inner.firstFailure}`);
    else report.fail('mutations', mutation.name, `the e2e passed on ${tree.env}/${tree.cluster} with this fault`);
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(error);
  process.exit(1);
});
