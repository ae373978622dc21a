import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EstateConfig } from '../config/types';
import { synthesize } from '../synth';
import { PromotionState, pinnedRevisions, promote } from './promotion';

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
 * synthesizes dist/ again, so the promotion is one reviewable diff of the state file and of `to`'s
 * Applications (or GitRepositories). Returns the promoted revision.
 */
export function runPromote(options: PromoteOptions): string {
  const path = join(options.root, PROMOTION_STATE);
  const state = JSON.parse(readFileSync(path, 'utf8')) as PromotionState;
  const next = promote(options.estate, state, options.from, options.to, options.resolveBranch);
  // Render before writing anything: an estate that does not synthesize leaves the state file as it was.
  synthesize({ ...options.estate, pinnedRevisions: pinnedRevisions(next) }, [join(options.root, 'dist')]);
  writeFileSync(path, `${JSON.stringify(next, null, 2)}\n`);
  return next[options.to].revision;
}
