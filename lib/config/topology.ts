import { formatViolation } from './violation';
import { ClusterConfig, Datastore, EnvironmentConfig, EstateConfig, TopologyConfig } from './types';

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

/** Where one cluster's server keeps its CA state: an external database it may share, or (undefined) its own storage. */
export function caHomeOf(env: EnvironmentConfig, cluster: Pick<ClusterConfig, 'serverOverrides'> | undefined): string | undefined {
  return databaseOf(cluster?.serverOverrides?.datastore ?? env.server?.datastore);
}

function databaseOf(datastore: Datastore | undefined): string | undefined {
  if (!datastore || datastore.type === 'sqlite3') return undefined;
  return `${datastore.type}://${datastore.host}:${datastore.port}/${datastore.database}`;
}

/** A nested environment's root: the cluster that runs it (none stated: a management cluster), and how the others reach it. */
export interface NestedRoot {
  /** The workload cluster whose tree also carries the root server; undefined for a management cluster. */
  readonly cluster?: string;
  readonly managementCluster?: ClusterConfig;
  readonly serverAddress?: string;
  readonly serverPort?: number;
  readonly serverOverrides?: ClusterConfig['serverOverrides'];
}

/** The root of a nested environment; undefined in every other topology. */
export function nestedRootOf(env: EnvironmentConfig): NestedRoot | undefined {
  const topology = topologyOf(env);
  if (topology.type !== 'nested') return undefined;
  const { root } = topology;
  return 'cluster' in root ? root : { ...root, cluster: undefined, serverOverrides: root.managementCluster.serverOverrides };
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
    if (topology.type === 'nested') nestedProblems(env, clusters, report);
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

/**
 * A nested environment: the root is placed where it can run, every downstream server can reach it, and
 * each server is a CA of its own (the root signs the downstream CAs, so nothing else may sign them).
 */
function nestedProblems(env: EnvironmentConfig, clusters: readonly ClusterConfig[],
  report: (field: string, value: unknown, rule: string, fix: string) => void): void {
  const root = nestedRootOf(env)!;
  const names = clusters.map((cluster) => cluster.name);
  if (root.managementCluster) {
    if (names.includes(root.managementCluster.name)) {
      report('topology.root.managementCluster.name', root.managementCluster.name, `is also a workload cluster of the environment (${names.join(', ')}); both would write dist/${env.name}/${root.managementCluster.name}`,
        `give the management cluster a name of its own, or place the root in that cluster: root: { cluster: '${root.managementCluster.name}' }`);
    }
    report('topology.root.managementCluster', root.managementCluster.name, 'is not built yet: a root server in a management cluster of its own has no tree of its own',
      `place the root in one of the environment's clusters: root: { cluster: '${names[0]}' } (it runs in a namespace of its own there)`);
    return;
  }
  if (!names.includes(root.cluster!)) {
    report('topology.root.cluster', root.cluster, `is not a cluster of the environment (${names.join(', ')}), so no tree would run the root server and the downstream servers would have no upstream`,
      'name one of the environment\'s clusters');
  }
  const remote = names.filter((name) => name !== root.cluster);
  if (remote.length > 0 && root.serverAddress === undefined) {
    report('topology.root.serverAddress', '(none)', `is needed: the downstream servers and root agents of ${remote.join(', ')} run outside the root's cluster ${root.cluster} and reach the root only at an address the estate gives`,
      'set topology.root.serverAddress to the DNS name of the root server\'s gRPC endpoint as the other clusters reach it (e.g. a load balancer in front of Service spire-root/spire-root-server)');
  }
  const authorities = [env.server?.upstreamAuthority].filter((authority) => authority !== undefined);
  for (const authority of authorities) {
    report('server.upstreamAuthority', authority.type, 'signs the downstream servers\' CAs in a nested topology already (UpstreamAuthority spire, the root); a second upstream authority would replace it',
      'remove server.upstreamAuthority, or use topology ha with cert-manager as the one upstream');
  }
  const servers = [
    { name: `root (in ${root.cluster})`, home: databaseOf(root.serverOverrides?.datastore ?? env.server?.datastore) },
    ...clusters.map((cluster) => ({ name: cluster.name, home: caHomeOf(env, cluster) })),
  ];
  const byHome = new Map<string, string[]>();
  for (const server of servers) {
    if (server.home !== undefined) byHome.set(server.home, [...(byHome.get(server.home) ?? []), server.name]);
  }
  for (const [home, sharing] of byHome) {
    if (sharing.length < 2) continue;
    report('server.datastore', home, `is shared by the nested servers ${sharing.join(', ')}; each nested server is a CA with entries of its own, and servers on one database would mix them`,
      'give the root (topology.root.serverOverrides.datastore) and each cluster (serverOverrides.datastore) a database of its own, or sqlite3');
  }
}
