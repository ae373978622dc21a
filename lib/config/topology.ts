import { formatViolation } from './violation';
import { ClusterConfig, Datastore, EnvironmentConfig, EstateConfig, FederationSpec, TopologyConfig } from './types';

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

/**
 * The URL at which the other trust domains of the estate fetch this cluster's bundle: its `bundleEndpoint`
 * host over https (the server's bundle endpoint as published outside the cluster). Undefined when the
 * estate gives no address; a federation that needs one is refused (topologyProblems).
 */
export function bundleEndpointUrlOf(env: EnvironmentConfig, cluster: ClusterConfig): string | undefined {
  void env;
  return cluster.bundleEndpoint === undefined ? undefined : `https://${cluster.bundleEndpoint}`;
}

/**
 * The SPIFFE ID a trust domain's bundle endpoint authenticates with: SPIRE serves the https_spiffe
 * profile with the server's own X509-SVID (spire pkg/server/endpoints/bundle, the server SVID), whose ID
 * is the server ID (spire pkg/common/idutil ServerID).
 */
export function bundleEndpointSpiffeId(trustDomain: string): string {
  return `spiffe://${trustDomain}/spire/server`;
}

/** Every trust domain this estate's own servers issue, with the clusters that run them, in estate order. */
export function estateTrustDomains(estate: EstateConfig): Map<string, { environment: EnvironmentConfig; cluster: ClusterConfig }[]> {
  const owners = new Map<string, { environment: EnvironmentConfig; cluster: ClusterConfig }[]>();
  for (const environment of Array.isArray(estate.environments) ? estate.environments : []) {
    for (const cluster of Array.isArray(environment?.clusters) ? environment.clusters : []) {
      const trustDomain = clusterTrustDomain(environment, cluster);
      owners.set(trustDomain, [...owners.get(trustDomain) ?? [], { environment, cluster }]);
    }
  }
  return owners;
}

/** The trust domains an environment's servers issue: its own, or one per cluster in a federated topology. */
export function trustDomainsOf(env: EnvironmentConfig): string[] {
  return [...new Set((Array.isArray(env.clusters) ? env.clusters : []).map((cluster) => clusterTrustDomain(env, cluster)))];
}

/** A federation between two trust domains of this estate that the estate implies but an environment does not list. */
interface ImpliedFederation {
  readonly environment: EnvironmentConfig;
  readonly trustDomain: string;
  /** Why: the federated topology, or the environment that names this environment's trust domain. */
  readonly because: string;
}

/**
 * The internal federations an environment must also list: in a federated topology every cluster's trust
 * domain (each cluster drops its own, clusterEnvironment), and both sides of a federation one environment
 * names with another environment's trust domain.
 */
function impliedFederations(estate: EstateConfig): ImpliedFederation[] {
  const owners = estateTrustDomains(estate);
  const implied: ImpliedFederation[] = [];
  const environments = Array.isArray(estate.environments) ? estate.environments : [];
  const add = (environment: EnvironmentConfig, trustDomain: string, because: string) => {
    const listed = (Array.isArray(environment.federation) ? environment.federation : []).some((spec) => spec?.trustDomain === trustDomain);
    const again = implied.some((entry) => entry.environment === environment && entry.trustDomain === trustDomain);
    if (!listed && !again && !(topologyOf(environment).type !== 'federated' && trustDomain === environment.trustDomain)) {
      implied.push({ environment, trustDomain, because });
    }
  };
  for (const environment of environments) {
    if (topologyOf(environment).type === 'federated') {
      for (const trustDomain of trustDomainsOf(environment)) add(environment, trustDomain, `the federated topology of ${environment.name}`);
    }
  }
  for (const environment of environments) {
    for (const spec of Array.isArray(environment?.federation) ? environment.federation : []) {
      for (const { environment: other } of owners.get(spec?.trustDomain) ?? []) {
        if (other === environment) continue;
        for (const trustDomain of trustDomainsOf(environment)) add(other, trustDomain, `environment ${environment.name} federating with ${spec.trustDomain}`);
      }
    }
  }
  return implied;
}

/**
 * The estate with every internal federation listed on both sides (impliedFederations): a
 * ClusterFederatedTrustDomain with the https_spiffe profile against the other side's bundle endpoint
 * (bundleEndpointUrlOf) and the partner allowed in the identity policy, since the estate named the
 * federation once for both. Its bundle comes from the partner's lock file, like any partner's. A trust
 * domain without a bundle endpoint is left out here and refused by topologyProblems.
 */
export function withInternalFederation(estate: EstateConfig): EstateConfig {
  // A federation added to one side can imply more on the other (a federated environment answers with all
  // its clusters), so it runs to the fixed point; each round only adds, and there are finitely many pairs.
  for (;;) {
    const next = addImpliedFederations(estate);
    if (next === estate) return estate;
    estate = next;
  }
}

function addImpliedFederations(estate: EstateConfig): EstateConfig {
  const implied = impliedFederations(estate);
  const owners = estateTrustDomains(estate);
  let added = false;
  const environments = estate.environments.map((environment) => {
    const specs: FederationSpec[] = [];
    for (const { trustDomain } of implied.filter((entry) => entry.environment === environment)) {
      const url = (owners.get(trustDomain) ?? []).map(({ environment: owner, cluster }) => bundleEndpointUrlOf(owner, cluster)).find((found) => found !== undefined);
      if (url === undefined) continue;
      specs.push({ trustDomain, bundleEndpointURL: url, profile: { type: 'https_spiffe', endpointSPIFFEID: bundleEndpointSpiffeId(trustDomain) } });
    }
    if (specs.length === 0) return environment;
    added = true;
    const allowed = environment.identityPolicy.allowedFederation;
    return {
      ...environment,
      federation: [...environment.federation, ...specs],
      identityPolicy: { ...environment.identityPolicy, allowedFederation: [...allowed, ...specs.map((spec) => spec.trustDomain).filter((trustDomain) => !allowed.includes(trustDomain))] },
    };
  });
  return added ? { ...estate, environments } : estate;
}

/**
 * The estate without the internal federations whose first bundle has not arrived: an https_spiffe
 * endpoint is authenticated with the partner's own bundle, which SPIRE must already hold (spire
 * pkg/server/bundle/client updater.go newClient: "local copy of bundle not found"), and the controller
 * manager hands SPIRE the ClusterFederatedTrustDomain's trustDomainBundle as that first copy. Between two
 * trust domains of this estate that copy is the lock file federation/<trust domain>.bundle.json that
 * `spire-gitops federation fetch-bundle` writes once the other side serves its bundle; until it is
 * committed the federation is left out of the trees (no ClusterFederatedTrustDomain and no `federatesWith`
 * that SPIRE would refuse) and listed as pending (pendingFederations). Call it after the lock files are read.
 */
export function withoutPendingFederation(estate: EstateConfig): EstateConfig {
  const internal = estateTrustDomains(estate);
  const waiting = (spec: FederationSpec) => internal.has(spec.trustDomain) && spec.profile.type === 'https_spiffe' && spec.trustDomainBundle === undefined;
  return {
    ...estate,
    environments: estate.environments.map((environment) => (environment.federation.some(waiting)
      ? { ...environment, federation: environment.federation.filter((spec) => !waiting(spec)) }
      : environment)),
  };
}

/** Internal federations the estate implies that no tree carries yet: their first bundle has no lock file. */
export function pendingFederations(estate: EstateConfig): { environment: string; trustDomain: string; because: string }[] {
  return impliedFederations(estate).map(({ environment, trustDomain, because }) => ({ environment: environment.name, trustDomain, because }));
}

/**
 * The environment as one cluster's server sees it: in a federated topology its trust domain is the
 * cluster's, its partners and identities' `federatesWith` are the other clusters' trust domains (computed,
 * never typed) besides the environment's own partners, and it drops its own trust domain from those lists.
 * Any other topology: the environment itself.
 */
export function clusterEnvironment(env: EnvironmentConfig, cluster: Pick<ClusterConfig, 'name'>): EnvironmentConfig {
  if (topologyOf(env).type !== 'federated') return env;
  const own = clusterTrustDomain(env, cluster);
  // The other clusters whose federation is in place (withoutPendingFederation leaves out those still waiting for a bundle).
  const others = env.clusters.filter((candidate) => candidate.name !== cluster.name).map((candidate) => clusterTrustDomain(env, candidate))
    .filter((trustDomain) => env.federation.some((spec) => spec.trustDomain === trustDomain));
  const federatesWith = (listed: readonly string[] | undefined) => [...new Set([...listed ?? [], ...others])].filter((trustDomain) => trustDomain !== own);
  return {
    ...env,
    trustDomain: own,
    federation: env.federation.filter((spec) => spec.trustDomain !== own),
    identityPolicy: { ...env.identityPolicy, allowedFederation: env.identityPolicy.allowedFederation.filter((trustDomain) => trustDomain !== own) },
    identities: env.identities.map((identity) => ({ ...identity, federatesWith: federatesWith(identity.federatesWith) })),
    staticEntries: env.staticEntries.map((entry) => ({ ...entry, federatesWith: federatesWith(entry.federatesWith) })),
  };
}

/** Where one cluster's server keeps its CA state: an external database it may share, or (undefined) its own storage. */
export function caHomeOf(env: EnvironmentConfig, cluster: Pick<ClusterConfig, 'serverOverrides'> | undefined): string | undefined {
  return databaseOf(cluster?.serverOverrides?.datastore ?? env.server?.datastore);
}

function databaseOf(datastore: Datastore | undefined): string | undefined {
  if (!datastore || datastore.type === 'sqlite3') return undefined;
  return `${datastore.type}://${datastore.host}:${datastore.port}/${datastore.database}`;
}

/**
 * Every server override the environment states, with the estate path it is written at: each cluster's
 * (`clusters["<name>"].serverOverrides`) and a nested root's (`topology.root.serverOverrides`, or its
 * management cluster's own). Tolerates an estate whose shape is not checked yet.
 */
export function serverOverridesOf(env: EnvironmentConfig): { readonly field: string; readonly overrides: NonNullable<ClusterConfig['serverOverrides']> }[] {
  const clusters: readonly ClusterConfig[] = Array.isArray(env?.clusters) ? env.clusters : [];
  const root = env?.topology?.type === 'nested' ? env.topology.root : undefined;
  const rootOverrides = root === undefined ? []
    : 'managementCluster' in root ? [{ field: 'topology.root.managementCluster.serverOverrides', overrides: root.managementCluster?.serverOverrides }]
      : [{ field: 'topology.root.serverOverrides', overrides: root.serverOverrides }];
  return [
    ...clusters.map((cluster) => ({ field: `clusters["${cluster?.name}"].serverOverrides`, overrides: cluster?.serverOverrides })),
    ...rootOverrides,
  ].filter((entry): entry is { field: string; overrides: NonNullable<ClusterConfig['serverOverrides']> } => entry.overrides !== undefined && entry.overrides !== null);
}

/** The databases of an environment: its own and each override's (clusters', a nested root's), with where they come from. */
export function datastoresOf(env: EnvironmentConfig): { field: string; datastore: Datastore }[] {
  return [
    { field: 'server.datastore', datastore: env.server?.datastore },
    ...serverOverridesOf(env).filter(({ overrides }) => overrides.datastore)
      .map(({ field, overrides }) => ({ field: `${field}.datastore`, datastore: overrides.datastore! })),
  ];
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
    if (topology.type === 'federated') {
      for (const cluster of clusters) {
        const derived = clusterTrustDomain(env, cluster);
        const claimed = environments.find((other) => other !== env && (other.trustDomain === derived || (Array.isArray(other.clusters) && other.clusters.some((theirs: ClusterConfig) => clusterTrustDomain(other, theirs) === derived))));
        if (claimed) {
          report('topology.trustDomainTemplate', topology.trustDomainTemplate ?? DEFAULT_TRUST_DOMAIN_TEMPLATE,
            `gives cluster ${cluster.name} the trust domain ${derived}, which environment "${claimed.name}" also issues; two CAs under one name would each reject the other's SVIDs`,
            'change the template (or the environment\'s trustDomain) so every cluster\'s trust domain is the estate\'s only one of that name');
        }
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
  for (const { environment, trustDomain, because } of impliedFederations(estate)) {
    const servers = estateTrustDomains(estate).get(trustDomain) ?? [];
    if (servers.some(({ environment: owner, cluster }) => bundleEndpointUrlOf(owner, cluster) !== undefined)) continue;
    const { environment: owner, cluster } = servers[0];
    problems.push(formatViolation(owner.name, {
      resource: `cluster "${cluster.name}"`, field: 'bundleEndpoint', value: undefined,
      rule: `serves trust domain ${trustDomain}, which environment "${environment.name}" federates with (${because}), but has no bundle endpoint address the other side could fetch its bundle from`,
      fix: 'set bundleEndpoint to the host (host:port) at which the other clusters reach this server\'s bundle endpoint, or remove the federation',
    }));
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
  const rootHost = root.cluster ?? root.managementCluster!.name;
  if (root.managementCluster && names.includes(root.managementCluster.name)) {
    report('topology.root.managementCluster.name', root.managementCluster.name, `is also a workload cluster of the environment (${names.join(', ')}); both would write dist/${env.name}/${root.managementCluster.name}`,
      `give the management cluster a name of its own, or place the root in that cluster: root: { cluster: '${root.managementCluster.name}' }`);
  }
  if (root.cluster !== undefined && !names.includes(root.cluster)) {
    report('topology.root.cluster', root.cluster, `is not a cluster of the environment (${names.join(', ')}), so no tree would run the root server and the downstream servers would have no upstream`,
      'name one of the environment\'s clusters, or give the root a management cluster of its own: root: { managementCluster: { name, region, apiServer }, serverAddress }');
  }
  const remote = names.filter((name) => name !== root.cluster);
  if (remote.length > 0 && root.serverAddress === undefined) {
    report('topology.root.serverAddress', '(none)', `is needed: the downstream servers and root agents of ${remote.join(', ')} run outside the root's cluster ${rootHost} and reach the root only at an address the estate gives`,
      'set topology.root.serverAddress to the DNS name of the root server\'s gRPC endpoint as the other clusters reach it (e.g. a load balancer in front of Service spire-root/spire-root-server)');
  }
  const authorities = [env.server?.upstreamAuthority].filter((authority) => authority !== undefined);
  for (const authority of authorities) {
    report('server.upstreamAuthority', authority.type, 'signs the downstream servers\' CAs in a nested topology already (UpstreamAuthority spire, the root); a second upstream authority would replace it',
      'remove server.upstreamAuthority, or use topology ha with cert-manager as the one upstream');
  }
  const servers = [
    { name: `root (in ${rootHost})`, home: databaseOf(root.serverOverrides?.datastore ?? env.server?.datastore) },
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
