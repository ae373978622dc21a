import { EnvironmentConfig, EstateConfig } from '../config/types';

/**
 * The committed promotion state (promotion/revisions.json): per environment the commit it deploys and
 * where that commit was promoted from. Environments with `gitops.pinRevision` deploy exactly this commit.
 */
export type PromotionState = Readonly<Record<string, { readonly revision: string; readonly promotedFrom?: string }>>;

export const FULL_COMMIT = /^[0-9a-f]{40}$/;

export function pinnedRevisions(state: PromotionState): Record<string, string> {
  return Object.fromEntries(Object.entries(state).map(([env, entry]) => [env, entry.revision]));
}

/** The revision an environment's Applications and GitRepositories name: its pinned commit, or the branch. */
export function revisionOf(estate: EstateConfig, env: EnvironmentConfig): string {
  if (!env.gitops.pinRevision) return estate.repository.targetRevision;
  const pinned = estate.pinnedRevisions?.[env.name];
  if (pinned === undefined) {
    throw new Error(`environment ${env.name}: gitops.pinRevision is set but promotion/revisions.json records no revision for it; run npm run promote -- <from> ${env.name}`);
  }
  return pinned;
}

/** Problems with the pins: a pinned environment must name a full commit (a branch or short name would move). */
export function promotionProblems(estate: EstateConfig): { where: string; field: string; value: unknown; rule: string; fix: string }[] {
  const problems: { where: string; field: string; value: unknown; rule: string; fix: string }[] = [];
  for (const env of estate.environments.filter((candidate) => candidate.gitops.pinRevision)) {
    const revision = estate.pinnedRevisions?.[env.name];
    if (revision === undefined || !FULL_COMMIT.test(revision)) {
      problems.push({
        where: env.name, field: `promotion/revisions.json ${env.name}.revision`, value: revision ?? '(none)',
        rule: 'must be a full 40-character commit id: this environment never tracks a branch head',
        fix: `run npm run promote -- <from-env> ${env.name}`,
      });
    }
  }
  return problems;
}

/**
 * The promotion of `from` to `to`: `to` gets the revision `from` runs, which is the commit recorded for
 * `from`, or, for an environment that tracks a branch, that branch's commit as `resolveBranch` gives it.
 */
export function promote(
  estate: EstateConfig, state: PromotionState, from: string, to: string, resolveBranch: (branch: string) => string,
): PromotionState {
  const names = estate.environments.map((env) => env.name);
  for (const name of [from, to]) {
    if (!names.includes(name)) throw new Error(`unknown environment '${name}'; the estate has ${names.join(', ')}`);
  }
  if (from === to) throw new Error(`cannot promote ${from} to itself`);
  const target = estate.environments.find((env) => env.name === to)!;
  if (!target.gitops.pinRevision) {
    throw new Error(`environment ${to} tracks ${estate.repository.targetRevision} (gitops.pinRevision is off), so there is nothing to promote into`);
  }
  const source = estate.environments.find((env) => env.name === from)!;
  const revision = source.gitops.pinRevision ? state[from]?.revision : resolveBranch(estate.repository.targetRevision);
  if (revision === undefined || !FULL_COMMIT.test(revision)) {
    throw new Error(`environment ${from} runs no recorded commit (got ${revision ?? 'none'}); promote into it first`);
  }
  const sorted = Object.fromEntries(Object.entries({ ...state, [to]: { revision, promotedFrom: from } }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return sorted;
}
