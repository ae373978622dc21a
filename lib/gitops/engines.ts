import { EnvironmentConfig, GitOpsEngine } from '../config/types';

/**
 * What each engine renders for an environment. `active`: it deploys the environment. `orphaning`: the
 * first handover step; its objects stay but let go of what they deployed (nothing is deleted when they
 * go). `released`: the second step, for Flux; its directory stays, empty, so the root Kustomization prunes
 * the orphaning Kustomizations. `none`: nothing.
 */
export type EngineRole = 'active' | 'orphaning' | 'released' | 'none';

export function engineRole(env: EnvironmentConfig, engine: GitOpsEngine): EngineRole {
  const handover = env.gitops.handover;
  const chosen = env.gitops.engines.includes(engine);
  if (handover && handover.from === engine && !chosen) {
    if (handover.phase === 'orphan') return 'orphaning';
    return engine === 'flux' ? 'released' : 'none';
  }
  if (!chosen) return 'none';
  // The new engine starts only once the old one let go (adopt).
  if (handover && handover.from !== engine && handover.phase === 'orphan') return 'none';
  return 'active';
}

/** Problems with the choice of engines: one engine per environment, and a handover between two different ones. */
export function engineProblems(env: EnvironmentConfig): { field: string; value: unknown; rule: string; fix: string }[] {
  const problems: { field: string; value: unknown; rule: string; fix: string }[] = [];
  const engines = env.gitops.engines;
  if (engines.length > 1) {
    problems.push({
      field: 'gitops.engines', value: [...engines], rule: 'two engines would apply and prune the same objects',
      fix: `keep one; to move between them use gitops.handover (orphan, then adopt)`,
    });
  }
  const handover = env.gitops.handover;
  if (handover && engines.length === 1 && handover.from === engines[0]) {
    problems.push({
      field: 'gitops.handover.from', value: handover.from, rule: 'must be the engine the environment leaves, not the one in gitops.engines',
      fix: `set gitops.engines to the engine that takes over`,
    });
  }
  return problems;
}
