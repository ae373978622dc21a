import { parseDuration } from '../duration';
import { namespacePinnedBy } from '../identity/policy';
import { SERVER_NAMESPACE } from '../resolve/resolve';
import { CONTROLLER_MANAGER } from './spire-facts';
import { topologyOf } from './topology';
import { EnvironmentConfig } from './types';
import { ViolationDetails, formatViolation } from './violation';

/*
 * server.controllerManager, checked as spire-controller-manager v0.7.0 checks its config at start (cmd/main.go parseConfig),
 * as client-go checks the leader election's timing (tools/leaderelection/leaderelection.go NewLeaderElector), and against
 * what the rest of the environment needs the manager to do.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function controllerManagerProblems(env: EnvironmentConfig, where: string): string[] {
  const settings = env.server.controllerManager;
  if (!settings) return [];
  const problems: string[] = [];
  const resource = 'Deployment/StatefulSet "spire-server" container "spire-controller-manager"';
  const report = (details: Omit<ViolationDetails, 'resource'>) => problems.push(formatViolation(where, { resource, ...details }));
  const field = (name: string) => `server.controllerManager.${name}`;

  if (settings.gcInterval !== undefined) {
    const ms = parseDuration(settings.gcInterval);
    // parseConfig replaces a gcInterval of 0 or less by its default: refused rather than silently changed.
    if (ms === undefined || ms <= 0) report({ field: field('gcInterval'), value: settings.gcInterval, rule: 'must be a Go duration above zero', fix: 'write it like 10s or 1m' });
  }

  const election = settings.leaderElection;
  if (election) {
    const defaults = CONTROLLER_MANAGER.leaderElectionDefaults;
    const timing = {
      leaseDuration: election.leaseDuration ?? defaults.leaseDuration,
      renewDeadline: election.renewDeadline ?? defaults.renewDeadline,
      retryPeriod: election.retryPeriod ?? defaults.retryPeriod,
    };
    const ms: Record<string, number | undefined> = {};
    for (const [key, value] of Object.entries(timing)) {
      ms[key] = parseDuration(value);
      if (ms[key] === undefined || ms[key]! <= 0) {
        report({ field: field(`leaderElection.${key}`), value, rule: 'must be a Go duration above zero', fix: 'write it like 15s' });
      }
    }
    const { leaseDuration, renewDeadline, retryPeriod } = ms;
    if (leaseDuration && renewDeadline && leaseDuration <= renewDeadline) {
      report({
        field: field('leaderElection.renewDeadline'), value: timing.renewDeadline,
        rule: `must be shorter than leaseDuration (${timing.leaseDuration}), or client-go refuses to elect and the manager exits`,
        fix: 'lower renewDeadline or raise leaseDuration (defaults 10s and 15s)',
      });
    }
    if (renewDeadline && retryPeriod && renewDeadline <= CONTROLLER_MANAGER.leaderElectionJitterFactor * retryPeriod) {
      report({
        field: field('leaderElection.retryPeriod'), value: timing.retryPeriod,
        rule: `must be shorter than renewDeadline (${timing.renewDeadline}) divided by ${CONTROLLER_MANAGER.leaderElectionJitterFactor}, or client-go refuses to elect and the manager exits`,
        fix: 'lower retryPeriod or raise renewDeadline (defaults 2s and 10s)',
      });
    }
  }

  const clusterNames = env.clusters.map((cluster) => cluster.name);
  const cleanup = settings.entryIDPrefixCleanup;
  // The manager appends the dot itself (cmd/main.go addDotSuffix); every cluster's manager prefixes its entries with the cluster's name.
  if (cleanup !== undefined && clusterNames.includes(cleanup.replace(/\.$/, ''))) {
    report({
      field: field('entryIDPrefixCleanup'), value: cleanup,
      rule: `is the entry ID prefix of cluster "${cleanup.replace(/\.$/, '')}" of this environment, whose entries the manager would delete (and recreate, endlessly, where it is the cluster's own)`,
      fix: 'name the prefix of the install whose entries you are moving away from, or leave the key out',
    });
  }

  const clusterSpiffeIds = [
    ...env.identities.map((identity) => `identity "${identity.name}"`),
    ...(env.oidcDiscovery ? ['the OIDC discovery provider\'s identity'] : []),
    ...(env.mesh ? ['the mesh\'s identity'] : []),
  ];
  const reconcile = settings.reconcile ?? {};
  const needed: [keyof typeof reconcile, string[]][] = [
    ['clusterSPIFFEIDs', clusterSpiffeIds],
    ['clusterStaticEntries', [...env.staticEntries.map((entry) => `static entry "${entry.name}"`), ...(topologyOf(env).type === 'nested' ? ['the nested root\'s downstream registrations'] : [])]],
    ['clusterFederatedTrustDomains', env.federation.map((federation) => `federation with "${federation.trustDomain}"`)],
  ];
  for (const [kind, users] of needed) {
    if (reconcile[kind] === false && users.length > 0) {
      report({ field: field(`reconcile.${kind}`), value: false, rule: `leaves ${users.join(', ')} unregistered`, fix: `keep it on, or remove what needs it` });
    }
  }

  if (settings.cacheNamespaces !== undefined) {
    const cached = settings.cacheNamespaces;
    if (cached.length === 0) report({ field: field('cacheNamespaces'), value: cached, rule: 'is empty; leave the key out for every namespace', fix: 'list namespaces, or remove the key' });
    for (const namespace of cached) {
      if (!DNS_LABEL.test(namespace)) report({ field: field('cacheNamespaces'), value: namespace, rule: 'is not a namespace name', fix: 'use lowercase letters, digits and -' });
    }
    const wanted = [
      ...env.identities.flatMap((identity) => namespacePinnedBy(identity.namespaceSelector).map((namespace) => [namespace, `identity "${identity.name}"`])),
      ...(env.oidcDiscovery ? [[SERVER_NAMESPACE, 'the OIDC discovery provider']] : []),
    ];
    for (const [namespace, user] of wanted) {
      if (!cached.includes(namespace)) {
        report({ field: field('cacheNamespaces'), value: cached, rule: `leaves out namespace "${namespace}" of ${user}, whose pods would get no entries`, fix: `add "${namespace}"` });
      }
    }
  }

  if (settings.staticManifestMode === 'internal') problems.push(...staticModeProblems(env, where, clusterSpiffeIds));
  return problems;
}

/** Static manifest mode: what the manager refuses with static manifests, and what it cannot do without the Kubernetes API. */
function staticModeProblems(env: EnvironmentConfig, where: string, clusterSpiffeIds: string[]): string[] {
  const problems: string[] = [];
  const settings = env.server.controllerManager!;
  const resource = `environment "${env.name}"`;
  const report = (details: Omit<ViolationDetails, 'resource'>) => problems.push(formatViolation(where, { resource, ...details }));
  const mode = 'with server.controllerManager.staticManifestMode internal';
  if (clusterSpiffeIds.length > 0) {
    // cmd/main.go parseConfig: "ClusterSPIFFEID reconciliation is not possible with static manifests" (staticRun has no Kubernetes client for pods and nodes).
    report({
      field: env.identities.length > 0 ? 'identities' : env.oidcDiscovery ? 'oidcDiscovery' : 'mesh', value: clusterSpiffeIds,
      rule: `${mode} no ClusterSPIFFEID can be registered (the manager reads no pods or nodes), yet the environment has ${clusterSpiffeIds.join(', ')}`,
      fix: 'register those workloads with staticEntries (parented on a node alias), or keep staticManifestMode off',
    });
  }
  if (settings.reconcile?.clusterSPIFFEIDs === true) {
    report({ field: 'server.controllerManager.reconcile.clusterSPIFFEIDs', value: true, rule: `${mode} the manager refuses to start with it`, fix: 'leave it out' });
  }
  if (env.server.replicas > 1) {
    report({
      field: 'server.replicas', value: env.server.replicas,
      rule: `${mode} there is no leader election (the manager refuses it), so every replica's manager would write entries, and during a rollout an old replica deletes what a new one adds`,
      fix: 'run one server replica, or keep staticManifestMode off',
    });
  }
  if (topologyOf(env).type === 'nested') {
    report({
      field: 'topology', value: 'nested',
      rule: `${mode} is not offered for nested environments: the root's registrations are resources its manager reads from the API`,
      fix: 'keep staticManifestMode off',
    });
  }
  const ignored: [string, unknown][] = [
    ['server.controllerManager.leaderElection', settings.leaderElection],
    ['server.workload.controllerManagerProbes', env.server.workload?.controllerManagerProbes],
    ['server.controllerManager.cacheNamespaces', settings.cacheNamespaces],
  ];
  for (const [key, value] of ignored) {
    if (value !== undefined) {
      report({
        field: key, value,
        rule: `${mode} has nothing to act on (no leader election, no health endpoint, no Kubernetes cache)`,
        fix: 'leave it out',
      });
    }
  }
  return problems;
}
