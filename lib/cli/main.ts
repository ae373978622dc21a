import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { planSnapshots } from '../plan/diff';
import { clusterOfEntries, driftReport, formatDrift, parseEntries } from '../plan/drift';
import { explain, formatExplanation } from '../plan/explain';
import { formatMarkdown, formatText } from '../plan/format';
import { loadEstateSource, snapshotOf, withWorktree } from '../plan/load';
import { EstateSnapshot } from '../plan/model';
import { readClusterExport } from '../plan/workloads';
import { UsageError, parseArgs, parseLabels } from './args';
import { EXPLAIN_DEFAULTS_USAGE, explainDefaultsCommand } from './explain-defaults';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

const USAGE = `usage: spire-gitops <command> [options]

commands:
  plan --base <git-ref> [--pods cluster.json] [--pods-cluster <env>/<cluster>] [--format text|markdown]
      what changes in identities between <git-ref> and the working tree; exit 0 when no production
      identity changes, 2 when one does, 1 on error
  explain <env> <namespace>/<serviceaccount> [--labels k=v,...] [--namespace-labels k=v,...] [--cluster <name>]
      which ClusterSPIFFEID gives such a pod its identity, and the exact entry, or why none does
  drift --entries entries.json [--env <env> --cluster <cluster>] [--pods cluster.json]
      compares spire-server entry show -output json with what the estate promises for that cluster;
      exit 0 without drift, 2 with drift, 1 on error
${EXPLAIN_DEFAULTS_USAGE}`;

function repositoryRoot(cwd: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    throw new UsageError(`${cwd} is not inside a git repository`);
  }
}

function shortRevision(root: string, ref: string): string {
  return execFileSync('git', ['rev-parse', '--short', `${ref}^{commit}`], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function headSnapshot(root: string): EstateSnapshot {
  return snapshotOf(loadEstateSource(root, root));
}

function plan(argv: readonly string[], io: Io): number {
  const { positional, options } = parseArgs(argv, ['base', 'pods', 'pods-cluster', 'format']);
  if (positional.length > 0) throw new UsageError(`plan takes no arguments, got ${positional.join(' ')}`);
  const base = options.get('base');
  if (!base) throw new UsageError('plan needs --base <git-ref>');
  const format = options.get('format') ?? 'text';
  if (format !== 'text' && format !== 'markdown') throw new UsageError(`--format must be text or markdown, got ${JSON.stringify(format)}`);
  const root = repositoryRoot(io.cwd);
  const workloads = options.has('pods') ? readClusterExport(options.get('pods')!) : undefined;
  const baseSnapshot = withWorktree(root, base, (dir) => {
    try {
      return snapshotOf(loadEstateSource(dir, root));
    } catch (error) {
      throw new Error(`the estate at ${base} does not synthesize: ${(error as Error).message}`);
    }
  });
  const head = headSnapshot(root);
  const result = planSnapshots(baseSnapshot, head, {
    workloads,
    workloadClusters: options.has('pods-cluster') ? [options.get('pods-cluster')!] : undefined,
  });
  const title = `spire-gitops plan: ${base} (${shortRevision(root, base)}) -> working tree`;
  io.out(format === 'markdown' ? formatMarkdown(result, title) : formatText(result, title));
  return result.exitCode;
}

function explainCommand(argv: readonly string[], io: Io): number {
  const { positional, options } = parseArgs(argv, ['labels', 'namespace-labels', 'cluster']);
  if (positional.length !== 2 || !/^[^/]+\/[^/]+$/.test(positional[1])) {
    throw new UsageError('explain needs <env> <namespace>/<serviceaccount>');
  }
  const [namespace, serviceAccount] = positional[1].split('/');
  const explanations = explain(headSnapshot(repositoryRoot(io.cwd)), {
    environment: positional[0],
    namespace,
    serviceAccount,
    labels: parseLabels(options.get('labels'), 'labels'),
    namespaceLabels: parseLabels(options.get('namespace-labels'), 'namespace-labels'),
    cluster: options.get('cluster'),
  });
  io.out(formatExplanation(explanations));
  return 0;
}

function drift(argv: readonly string[], io: Io): number {
  const { positional, options } = parseArgs(argv, ['entries', 'env', 'cluster', 'pods']);
  if (positional.length > 0) throw new UsageError(`drift takes no arguments, got ${positional.join(' ')}`);
  const path = options.get('entries');
  if (!path) throw new UsageError('drift needs --entries entries.json (spire-server entry show -output json)');
  if (options.has('env') !== options.has('cluster')) throw new UsageError('give both --env and --cluster, or neither (then the entries\' parent IDs name the cluster)');
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (error) { throw new Error(`cannot read ${path}: ${(error as Error).message}`); }
  const entries = parseEntries(text, path);
  const estate = headSnapshot(repositoryRoot(io.cwd));
  const cluster = options.has('env')
    ? estate.clusters.find((candidate) => candidate.environment === options.get('env') && candidate.cluster === options.get('cluster'))
    : clusterOfEntries(estate, entries);
  if (!cluster) {
    throw new UsageError(options.has('env')
      ? `no cluster ${options.get('env')}/${options.get('cluster')} in the estate`
      : 'the entries name no cluster of the estate (no k8s_psat parent ID of a known trust domain and cluster); give --env and --cluster');
  }
  const report = driftReport(cluster, entries, { estate, workloads: options.has('pods') ? readClusterExport(options.get('pods')!) : undefined });
  io.out(formatDrift(report));
  return report.missing.length + report.extra.length + report.different.length > 0 ? 2 : 0;
}

const COMMANDS: Record<string, (argv: readonly string[], io: Io) => number> = { plan, explain: explainCommand, drift, 'explain-defaults': explainDefaultsCommand };

/** Runs one command; returns the exit code. Errors go to stderr. */
export function run(argv: readonly string[], io: Io = defaultIo): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 1 : 0;
  }
  const handler = COMMANDS[command];
  if (!handler) {
    io.err(`spire-gitops: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return 1;
  }
  try {
    return handler(rest, io);
  } catch (error) {
    const message = (error as Error).message;
    io.err(error instanceof UsageError ? `spire-gitops ${command}: ${message}\n` : `spire-gitops ${command} failed: ${message}\n`);
    return 1;
  }
}
