import { formatViolation } from '../config/violation';
import { EstateConfig } from '../config/types';
import { nestedRootOf } from '../config/topology';
import { engineProblems, engineRole } from './engines';
import { promotionProblems } from './promotion';
import { upgradeProblems } from './spire-upgrade';
import { datastoreNeeds } from './secret-delivery';
import { syncWindowProblems } from './sync-windows';

/**
 * Checks on how the estate is delivered, before anything is built: one engine per environment, a
 * handover between two, sync windows that do what they say, pinned revisions that cannot move, SPIRE
 * versions one minor step from what runs, and a way for every Secret a datastore needs to reach the cluster.
 */
export function gitopsProblems(estate: EstateConfig): string[] {
  const problems: string[] = [];
  for (const env of estate.environments) {
    const resource = `environment "${env.name}"`;
    for (const problem of [...engineProblems(env), ...syncWindowProblems(env)]) problems.push(formatViolation(env.name, { resource, ...problem }));
    const delivery = env.gitops.secretDelivery;
    if (delivery?.type === 'sops' && engineRole(env, 'flux') !== 'active' && engineRole(env, 'flux') !== 'orphaning') {
      problems.push(formatViolation(env.name, {
        resource, field: 'gitops.secretDelivery.type', value: 'sops', rule: 'SOPS files are decrypted by Flux, which does not deploy this environment',
        fix: "use 'external-secrets' (Argo CD has no decryption of its own) or deploy the environment with Flux",
      }));
    }
    if (env.gitops.argoDelivery === 'applicationset' && engineRole(env, 'argocd') === 'none' && env.gitops.engines.length > 0) {
      problems.push(formatViolation(env.name, {
        resource, field: 'gitops.argoDelivery', value: 'applicationset', rule: 'only applies to environments Argo CD deploys', fix: 'remove it, or deploy the environment with Argo CD',
      }));
    }
    if (delivery === undefined) {
      // Every server's datastore: each cluster's, and a nested root's (in a workload or a management cluster).
      const root = nestedRootOf(env);
      const needed = [...env.clusters.map((cluster) => cluster.serverOverrides?.datastore ?? env.server.datastore), ...(root ? [root.serverOverrides?.datastore ?? env.server.datastore] : [])]
        .map(datastoreNeeds).some((needs) => needs.secret);
      if (needed) {
        problems.push(formatViolation(env.name, {
          resource, field: 'gitops.secretDelivery', value: undefined,
          rule: 'the datastore reads a password Secret that nothing delivers; say how it reaches the cluster',
          fix: "set { type: 'external-secrets', ... }, { type: 'sops', ... }, or { type: 'prerequisite' } if it is created out of band",
        }));
      }
    }
  }
  for (const problem of [...promotionProblems(estate), ...upgradeProblems(estate)]) {
    problems.push(formatViolation(problem.where, { resource: `environment "${problem.where}"`, ...problem }));
  }
  return problems;
}
