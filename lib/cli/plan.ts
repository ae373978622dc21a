import { execFileSync } from 'node:child_process';
import { planSnapshots } from '../plan/diff';
import { formatMarkdown, formatText } from '../plan/format';
import { loadEstateSource, snapshotOf, withWorktree } from '../plan/load';
import { readClusterExport } from '../plan/workloads';
import { UsageError, parseArgs } from './args';
import { Io } from './io';

export const PLAN_USAGE = `  plan --base <git-ref> [--pods cluster.json] [--pods-cluster <env>/<cluster>] [--format text|markdown]
      what changes in identities between <git-ref> and the working tree of this repository; exit 0 when
      no production identity changes, 3 when one does (CI asks for a second approval), 1 on error
`;

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

export function plan(argv: readonly string[], io: Io): number {
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
  const head = snapshotOf(loadEstateSource(root, root));
  const result = planSnapshots(baseSnapshot, head, {
    workloads,
    workloadClusters: options.has('pods-cluster') ? [options.get('pods-cluster')!] : undefined,
  });
  const title = `spire-gitops plan: ${base} (${shortRevision(root, base)}) -> working tree`;
  io.out(format === 'markdown' ? formatMarkdown(result, title) : formatText(result, title));
  return result.exitCode;
}
