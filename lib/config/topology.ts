import { formatViolation } from './violation';
import { ClusterConfig, EnvironmentConfig, EstateConfig, TopologyConfig } from './types';

/*
 * How the clusters of one trust domain relate (README "Topologies"): the one home of the facts derived
 * from an environment's `topology`, read by the estate checks and by the resolve stage alike.
 */

export type TopologyType = TopologyConfig['type'];

/** The environment's topology; none stated is `single`. */
export function topologyOf(env: EnvironmentConfig): TopologyConfig {
  return env.topology ?? { type: 'single' };
}

export const DEFAULT_TRUST_DOMAIN_TEMPLATE = '{cluster}.{trustDomain}';

/** The trust domain a cluster's server issues SVIDs of: the environment's, or its own in a federated topology. */
export function clusterTrustDomain(env: EnvironmentConfig, cluster: Pick<ClusterConfig, 'name'>): string {
  const topology = topologyOf(env);
  if (topology.type !== 'federated') return env.trustDomain;
  return (topology.trustDomainTemplate ?? DEFAULT_TRUST_DOMAIN_TEMPLATE)
    .split('{cluster}').join(cluster.name)
    .split('{environment}').join(env.name)
    .split('{trustDomain}').join(env.trustDomain);
}

/** Topologies in which several servers of one trust domain sign with one shared CA state (one database). */
const SHARED_TRUST_DOMAIN: ReadonlySet<TopologyType> = new Set(['ha', 'nested']);

/**
 * Rules that span the clusters of an environment and the environments of a trust domain. Field-level
 * checks of the trust domain names the topology derives happen where trust domains are checked.
 */
export function topologyProblems(estate: EstateConfig): string[] {
  const problems: string[] = [];
  const environments = Array.isArray(estate.environments) ? estate.environments : [];
  const byName = new Map(environments.map((env) => [env.name, env]));
  for (const env of environments) {
    const clusters: readonly ClusterConfig[] = Array.isArray(env?.clusters) ? env.clusters : [];
    if (clusters.length === 0) continue;
    const topology = topologyOf(env);
    const report = (field: string, value: unknown, rule: string, fix: string) =>
      problems.push(formatViolation(env.name, { resource: `Environment "${env.name}"`, field, value, rule, fix }));
    if (topology.type === 'single' && clusters.length > 1) {
      report('topology', env.topology?.type ?? 'single (none stated)', `has ${clusters.length} clusters (${clusters.map((c) => c.name).join(', ')}), and a single topology has one`,
        'state how they relate: topology: { type: \'ha\' } (one shared database), { type: \'nested\', root: ... } or { type: \'federated\' }');
    }
    if (topology.type === 'ha') {
      const sqlite = env.server?.datastore?.type === 'sqlite3' || clusters.some((cluster) => cluster.serverOverrides?.datastore?.type === 'sqlite3');
      if (sqlite) {
        report('server.datastore', 'sqlite3', 'is a file only one server can use, and an ha topology shares one datastore between its servers',
          'give the environment an external postgres or mysql datastore every server reaches');
      }
    }
    if (topology.type === 'federated') {
      const template = topology.trustDomainTemplate ?? DEFAULT_TRUST_DOMAIN_TEMPLATE;
      if (!template.includes('{cluster}')) {
        report('topology.trustDomainTemplate', template, 'must contain {cluster}: every cluster of a federated topology is a trust domain of its own',
          `use e.g. '${DEFAULT_TRUST_DOMAIN_TEMPLATE}'`);
      }
      if (clusters.length < 2) {
        report('topology', 'federated', `has one cluster (${clusters[0]?.name}), and there is nothing to federate it with`,
          'remove topology (single), or add the clusters that federate');
      }
    }
    const joined = env.joinsTrustDomainOf === undefined ? undefined : byName.get(env.joinsTrustDomainOf);
    if (joined) {
      const own = topology.type;
      const theirs = topologyOf(joined).type;
      if (!SHARED_TRUST_DOMAIN.has(own) || own !== theirs) {
        report('topology', own, `joins the trust domain of environment "${joined.name}" (topology ${theirs}); environments that share a trust domain share its topology, and only ha or nested let several servers sign for one trust domain`,
          `state the same topology in both: topology: { type: '${SHARED_TRUST_DOMAIN.has(theirs) ? theirs : 'ha'}' }`);
      }
    }
  }
  return problems;
}
