import { formatViolation } from '../config/violation';
import { ResolvedCluster, ResolvedEstate } from '../resolve/model';

/**
 * Wiring problems of one cluster's resolved model: the facts two components read from different places
 * of the model must still meet. The resolve stage derives them from one another, so these hold unless
 * that derivation is changed, or a model is made by hand; then they name the pair that parted.
 */
export function wiringProblems(resolved: ResolvedCluster): string[] {
  const { server, agent, csiDriver, controllerManager } = resolved;
  const problems: string[] = [];
  const report = (field: string, value: unknown, rule: string, fix: string) => problems.push(formatViolation(resolved.where, {
    resource: 'resolved model', field, value, rule, fix,
  }));
  if (server.bundle.namespace !== agent.namespace) {
    report('server.bundle.namespace', server.bundle.namespace, `must be the agents' namespace "${agent.namespace}", where they mount the bundle`, 'derive both from one value in lib/resolve/resolve.ts');
  }
  if (server.psatAudience !== agent.tokenAudience) {
    report('server.psatAudience', server.psatAudience, `must be the audience of the agents' tokens "${agent.tokenAudience}"`, 'derive both from one value in lib/resolve/resolve.ts');
  }
  // A nested root's management cluster runs no agent: every one that attests to it is in another cluster.
  const attests = resolved.managementRoot !== undefined || server.attestingAgents.some((agents) => agents.cluster === resolved.clusterName
    && agents.namespace === agent.namespace && agents.serviceAccount === agent.serviceAccountName && agents.audience === agent.tokenAudience);
  if (!attests) {
    report('server.attestingAgents', server.attestingAgents, `must let this cluster's agents (${agent.namespace}:${agent.serviceAccountName}) attest through k8s_psat`, 'list the agents of the cluster in lib/resolve/resolve.ts');
  }
  if (csiDriver.namespace !== agent.namespace) {
    report('csiDriver.namespace', csiDriver.namespace, `must be the agents' namespace "${agent.namespace}"`, 'derive both from one value in lib/resolve/resolve.ts');
  }
  if (!controllerManager.className) {
    report('controllerManager.className', controllerManager.className, 'must name the class the controller manager reconciles', 'set it in lib/resolve/resolve.ts');
  }
  return problems;
}

/** Wiring problems of every cluster, in the estate's order. */
export function resolvedProblems(resolved: ResolvedEstate): string[] {
  return resolved.clusters.flatMap(wiringProblems);
}
