import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EstateConfig } from '../config/types';
import { EstateValidationError, formatViolation } from '../config/violation';
import { synthesize } from '../synth';
import { PromotionState, pinnedRevisions, promote } from './promotion';
import { RunningSpireVersions, SPIRE_VERSIONS_STATE, recordSpireVersions, upgradeProblems } from './spire-upgrade';

export const PROMOTION_STATE = 'promotion/revisions.json';

export interface PromoteOptions {
  readonly from: string;
  readonly to: string;
  /** The repository root: promotion/revisions.json is read and written there, and dist/ replaced. */
  readonly root: string;
  /** The estate whose environments are promoted; its pinned revisions are replaced by the new state. */
  readonly estate: EstateConfig;
  /** The commit a branch points at. */
  readonly resolveBranch: (branch: string) => string;
}

/** The commit of `branch` as this clone knows it: the remote-tracking branch if there is one. */
export function gitBranchCommit(root: string): (branch: string) => string {
  return (branch) => {
    for (const ref of [`refs/remotes/origin/${branch}`, branch]) {
      try {
        return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
      } catch {
        // try the next form
      }
    }
    throw new Error(`branch ${branch} is not known to this clone; fetch it first`);
  };
}

/**
 * `promote <from> <to>`: records the commit `from` runs as `to`'s revision in promotion/revisions.json and
 * synthesizes dist/ again, so the promotion is one reviewable diff of the state files and of `to`'s
 * Applications (or GitRepositories). It also records in promotion/spire-versions.json that `to` (and
 * `from`, when it tracks the branch and so runs this estate) runs the SPIRE versions this estate renders;
 * a promotion that would skip a minor version is refused before anything is written. Returns the
 * promoted revision.
 */
export function runPromote(options: PromoteOptions): string {
  const path = join(options.root, PROMOTION_STATE);
  const state = JSON.parse(readFileSync(path, 'utf8')) as PromotionState;
  const next = promote(options.estate, state, options.from, options.to, options.resolveBranch);
  const source = options.estate.environments.find((env) => env.name === options.from)!;
  const rolledOut = source.gitops.pinRevision ? [options.to] : [options.from, options.to];
  const versions = recordVersions(options, rolledOut);
  // Render before writing anything: an estate that does not synthesize leaves the state files as they were.
  synthesize({ ...options.estate, pinnedRevisions: pinnedRevisions(next), runningSpireVersions: versions.next }, [join(options.root, 'dist')]);
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`);
  writeFileSync(versions.path, `${JSON.stringify(versions.next, null, 2)}\n`);
  return next[options.to].revision;
}

/**
 * `promote --record <env>`: records that an environment which tracks the branch runs the SPIRE versions
 * this estate renders (once its Applications or Kustomizations are healthy on them). A pinned environment
 * is recorded by promoting into it.
 */
export function runRecord(options: Omit<PromoteOptions, 'from' | 'to' | 'resolveBranch'> & { readonly environment: string }): RunningSpireVersions {
  const env = options.estate.environments.find((candidate) => candidate.name === options.environment);
  if (env?.gitops.pinRevision) {
    throw new Error(`environment ${env.name} deploys a pinned commit; its SPIRE versions are recorded by promoting into it: npm run promote -- <from-env> ${env.name}`);
  }
  const versions = recordVersions(options, [options.environment]);
  synthesize({ ...options.estate, runningSpireVersions: versions.next }, [join(options.root, 'dist')]);
  writeFileSync(versions.path, `${JSON.stringify(versions.next, null, 2)}\n`);
  return versions.next;
}

/** The versions record with `environments` moved to what the estate renders, refused if that skips a step. */
function recordVersions(options: { readonly root: string; readonly estate: EstateConfig }, environments: readonly string[]): { path: string; next: RunningSpireVersions } {
  const path = join(options.root, SPIRE_VERSIONS_STATE);
  const current = JSON.parse(readFileSync(path, 'utf8')) as RunningSpireVersions;
  // Judged against what runs now: recording first would make any jump look like no jump at all.
  const problems = upgradeProblems({ ...options.estate, runningSpireVersions: current }).filter((problem) => environments.includes(problem.where));
  if (problems.length > 0) {
    throw new EstateValidationError(problems.map((problem) => formatViolation(problem.where, { resource: `environment "${problem.where}"`, ...problem })));
  }
  return { path, next: recordSpireVersions(options.estate, current, environments) };
}
