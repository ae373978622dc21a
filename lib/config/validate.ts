import { ViolationDetails, formatViolation } from './violation';
import { formatDuration, parseDuration } from '../duration';
import { isTrustDomain } from '../identity/policy';
import { connValueProblem } from '../render/libpq';
import { postgresSslMode } from '../resolve/resolve';
import { httpsUrlProblem, parseGoUrl } from './go-url';
import { SecretFinding, findPlaceholders, findSecrets } from './secrets';
import { agentAndMeshProblems } from './validate-agent-mesh';
import { agentAttestationProblems } from './validate-agent-attestation';
import { controllerManagerProblems } from './validate-controller-manager';
import { upstreamProblems } from './validate-upstream';
import { serverSettingsProblems } from './validate-server';
import { checkEnvironmentFields, checkEstateFields } from './validate-fields';
import { checkAwsFields } from './validate-aws';
import { checkCloudPlugins } from './validate-cloud';
import { checkNodeAttestors } from './validate-node-attestors';
import { checkImagePullFields, checkWorkloadFields } from './validate-workloads';
import { EnvironmentConfig, EstateConfig } from './types';
import { caHomeOf, clusterTrustDomain, datastoresOf, nestedRootOf, topologyOf, topologyProblems } from './topology';
import { exposureProblems } from './exposure';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks on the configuration itself, before any construct is built: names that become paths, labels
 * and resource names, URLs, durations. Returns every problem found.
 */
export function validateEstate(estate: EstateConfig): string[] {
  const problems: string[] = [];
  const report = (where: string, details: ViolationDetails) => problems.push(formatViolation(where, details));

  if (estate.environments.length === 0) {
    report('estate', { resource: 'the estate', field: 'environments', value: [], rule: 'must describe at least one environment', fix: 'add an environment' });
  }
  for (const finding of findSecrets(estate)) {
    report(findingPlace(estate, finding), {
      resource: 'the estate', field: finding.path, value: '<redacted>',
      rule: `holds secret material (${finding.kind}); everything in the estate is committed to Git and much of it written to dist/`,
      fix: 'keep the secret in a Secret created out of band (or by External Secrets/SOPS) and reference it by name',
    });
  }
  for (const finding of findPlaceholders(estate)) {
    report(findingPlace(estate, finding), {
      resource: 'the estate', field: finding.path, value: finding.text,
      rule: `is still ${finding.kind}, a value left for you to replace`,
      fix: 'write your own value here (the example\'s README lists what to replace)',
    });
  }
  // Argo CD and Flux clone it (Go): an https:// or ssh:// URL Go parses, without a password in it, or scp-like git@host:path.
  const repositoryUrl = estate.repository?.url;
  const parsedRepository = typeof repositoryUrl === 'string' && !/^git@/.test(repositoryUrl) ? parseGoUrl(repositoryUrl) : undefined;
  const scpLike = typeof repositoryUrl === 'string' && /^git@[A-Za-z0-9.-]+:[A-Za-z0-9._\/-]+$/.test(repositoryUrl);
  const repositoryProblem = scpLike ? undefined
    : parsedRepository === undefined ? 'is not a URL'
      : parsedRepository instanceof Error ? `Go's net/url refuses it (${parsedRepository.message})`
        : !['https', 'ssh'].includes(parsedRepository.scheme) || parsedRepository.host === '' ? 'must be https:// or ssh:// with a host'
          : parsedRepository.userinfo?.includes(':') ? 'carries a password; credentials belong in the GitOps engine\'s repository Secret' : undefined;
  if (repositoryProblem) {
    report('estate', { resource: 'repository', field: 'url', value: repositoryProblem.includes('password') ? '<redacted>' : repositoryUrl, rule: `must be a Git URL GitOps controllers can clone: ${repositoryProblem}`, fix: 'use https://host/path.git, ssh://git@host/path.git or git@host:path.git' });
  }
  if (!estate.repository.targetRevision) {
    report('estate', { resource: 'repository', field: 'targetRevision', value: estate.repository.targetRevision, rule: 'must name a branch, tag or commit', fix: 'set it, e.g. main' });
  }

  checkEstateFields(estate, (details) => report('estate', details));
  checkImagePullFields(estate, (details) => report('estate', details));

  const environmentNames = new Set<string>();
  for (const [index, env] of estate.environments.entries()) {
    // Problems are prefixed with the environment's name, or its position when the name itself is bad.
    const where = typeof env.name === 'string' && DNS_LABEL.test(env.name) ? env.name : `environments[${index}]`;
    const resource = `environment "${env.name}"`;
    if (!DNS_LABEL.test(env.name) || env.name.length > 30) {
      report(where, { resource, field: 'name', value: env.name, rule: 'must be a DNS label of at most 30 characters (it names paths and resources)', fix: 'use lowercase letters, digits and -' });
    }
    if (environmentNames.has(env.name)) report(where, { resource, field: 'name', value: env.name, rule: 'is used by two environments', fix: 'rename one' });
    environmentNames.add(env.name);
    if (!isTrustDomain(env.trustDomain)) {
      report(where, { resource, field: 'trustDomain', value: env.trustDomain, rule: 'is not a SPIFFE trust domain name', fix: 'use lowercase letters, digits, . _ - (no spiffe:// prefix)' });
    }
    if (env.clusters.length === 0) report(where, { resource, field: 'clusters', value: [], rule: 'needs at least one cluster', fix: 'add a cluster' });
    const clusterNames = new Set<string>();
    // A nested root's management cluster gets a tree of its own, so it is held to the same rules; a name it
    // shares with a workload cluster is reported by topologyProblems.
    const managementCluster = [nestedRootOf(env)?.managementCluster].filter((cluster) => cluster !== undefined);
    for (const cluster of [...env.clusters, ...managementCluster]) {
      if (!DNS_LABEL.test(cluster.name) || cluster.name.length > 40) {
        report(where, { resource: `cluster "${cluster.name}"`, field: 'name', value: cluster.name, rule: 'must be a DNS label of at most 40 characters (it becomes the psat cluster name, className and paths)', fix: 'use lowercase letters, digits and -' });
      }
      if (clusterNames.has(cluster.name) && !managementCluster.includes(cluster)) report(where, { resource: `cluster "${cluster.name}"`, field: 'name', value: cluster.name, rule: 'is used twice in this environment', fix: 'give each cluster its own name' });
      clusterNames.add(cluster.name);
      if (cluster.clusterDomain !== undefined && (typeof cluster.clusterDomain !== 'string' || !DNS_NAME.test(cluster.clusterDomain) || cluster.clusterDomain.length > 253)) {
        report(where, { resource: `cluster "${cluster.name}"`, field: 'clusterDomain', value: cluster.clusterDomain, rule: 'is not a DNS domain', fix: 'use the kubelet\'s clusterDomain, e.g. cluster.local' });
      }
      if (cluster.bundleEndpoint !== undefined) {
        const [host, port, ...rest] = String(cluster.bundleEndpoint).split(':');
        const portOk = port === undefined || (/^\d+$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
        if (!DNS_NAME.test(host) || host.length > 253 || !portOk || rest.length > 0) {
          report(where, { resource: `cluster "${cluster.name}"`, field: 'bundleEndpoint', value: cluster.bundleEndpoint, rule: 'must be a host name with an optional port (host or host:port), the address other clusters reach this server\'s bundle endpoint at', fix: 'write it like spire-bundle.eu.example.org or spire-bundle.eu.example.org:8443, without https://' });
        }
      }
      // Argo CD (Go) reads it; checked with Go's URL rules, not Node's.
      const apiServerProblem = httpsUrlProblem(cluster.apiServer);
      if (apiServerProblem) {
        report(where, { resource: `cluster "${cluster.name}"`, field: 'apiServer', value: cluster.apiServer, rule: `must be the https:// URL of the API server: ${apiServerProblem}`, fix: 'use the URL Argo CD knows the cluster by' });
      }
    }
    const durations: [string, string][] = [
      ['identityPolicy.maxTtl', env.identityPolicy.maxTtl],
      ['identityPolicy.maxJwtTtl', env.identityPolicy.maxJwtTtl],
      ['server.defaultJwtSvidTtl', env.server.defaultJwtSvidTtl],
      ...env.gitops.syncWindows.map((window, index): [string, string] => [`gitops.syncWindows[${index}].duration`, window.duration]),
    ];
    for (const [field, value] of durations) {
      if (parseDuration(value) === undefined) report(where, { resource, field, value, rule: 'is not a Go duration', fix: 'write it like 1h, 30m or 168h' });
    }
    // Schedules are checked once, as Argo CD parses them: lib/gitops/sync-windows.ts scheduleProblem.
    if (env.gitops.engines.length === 0) {
      report(where, { resource, field: 'gitops.engines', value: [], rule: 'no GitOps engine would deploy this environment', fix: "add 'argocd' or 'flux'" });
    }
    if (env.oidcDiscovery) {
      if (env.oidcDiscovery.domains.length === 0) {
        report(where, { resource, field: 'oidcDiscovery.domains', value: [], rule: 'needs at least one domain (the first is the JWT issuer)', fix: 'add the host name the provider is served at' });
      }
      for (const domain of env.oidcDiscovery.domains) {
        if (!DNS_NAME.test(domain)) report(where, { resource, field: 'oidcDiscovery.domains', value: domain, rule: 'is not a DNS name', fix: 'use a host name like oidc.example.com' });
      }
      const { serverPathPrefix, jwksUri } = env.oidcDiscovery;
      // The provider joins the prefix with its paths (handler.go NewHandler, url.JoinPath) and the issuer ends in it:
      // a trailing slash or an empty segment would give an issuer no token names.
      if (serverPathPrefix !== undefined && !/^(\/[A-Za-z0-9._~-]+)+$/.test(serverPathPrefix)) {
        report(where, { resource, field: 'oidcDiscovery.serverPathPrefix', value: serverPathPrefix, rule: 'must be an absolute URL path of unreserved characters, without a trailing slash', fix: 'write it like /spire' });
      }
      const jwksProblem = jwksUri === undefined ? undefined : httpsUrlProblem(jwksUri);
      if (jwksProblem) {
        report(where, { resource, field: 'oidcDiscovery.jwksUri', value: jwksUri, rule: `is not an absolute https URL (${jwksProblem})`, fix: 'write it like https://keys.example.org/spire/keys' });
      }
    }
    checkEnvironmentFields(env, (details) => report(where, details));
    checkWorkloadFields(env, (details) => report(where, details));
    checkCloudPlugins(env, (details) => report(where, details));
    checkAwsFields(env, (details) => report(where, details));
    checkNodeAttestors(env, (details) => report(where, details));
    problems.push(...datastoreProblems(env, where));
    problems.push(...serverSettingsProblems(env, where));
    problems.push(...productionProblems(env, where));
    problems.push(...agentAndMeshProblems(env, where));
    problems.push(...agentAttestationProblems(env, where));
    problems.push(...controllerManagerProblems(env, where));
    problems.push(...upstreamProblems(env, where));
    problems.push(...exposureProblems(env));
    const partners = new Set<string>();
    for (const federation of env.federation) {
      if (partners.has(federation.trustDomain)) {
        report(where, { resource, field: 'federation', value: federation.trustDomain, rule: 'lists the same trust domain twice', fix: 'keep one entry per partner' });
      }
      partners.add(federation.trustDomain);
    }
  }
  problems.push(...trustDomainClaimProblems(estate));
  problems.push(...sharedClusterProblems(estate));
  problems.push(...topologyProblems(estate));
  return problems;
}

/** Where a finding in the estate belongs: its environment's name, or its index when the name is unusable. */
function findingPlace(estate: EstateConfig, finding: SecretFinding): string {
  const env = finding.environment === undefined ? undefined : estate.environments[finding.environment];
  if (env && typeof env.name === 'string' && DNS_LABEL.test(env.name)) return env.name;
  return finding.environment === undefined ? 'estate' : `environments[${finding.environment}]`;
}

/**
 * One trust domain, one environment, unless another environment says it joins it: an environment copied
 * from another that kept its trust domain would otherwise issue SVIDs of the first one's trust domain from
 * a second CA. A stated join is checked by sharedTrustDomainProblems like the clusters of one environment:
 * every server of the trust domain on one external database.
 */
function trustDomainClaimProblems(estate: EstateConfig): string[] {
  const problems: string[] = [];
  const byName = new Map(estate.environments.map((env) => [env.name, env]));
  const owners = new Map<string, EnvironmentConfig>();
  for (const env of estate.environments) {
    const resource = `environment "${env.name}"`;
    const joined = env.joinsTrustDomainOf === undefined ? undefined : byName.get(env.joinsTrustDomainOf);
    if (env.joinsTrustDomainOf !== undefined) {
      const rule = env.joinsTrustDomainOf === env.name ? 'names the environment itself'
        : !joined ? 'names no environment of the estate'
          : joined.trustDomain !== env.trustDomain ? `names environment "${joined.name}", whose trust domain is ${joined.trustDomain}, not ${env.trustDomain}`
            : joined.joinsTrustDomainOf !== undefined ? `names environment "${joined.name}", which joins another environment's trust domain itself` : undefined;
      if (rule) {
        problems.push(formatViolation(env.name, {
          resource, field: 'joinsTrustDomainOf', value: env.joinsTrustDomainOf, rule,
          fix: joined && joined.trustDomain !== env.trustDomain ? `set trustDomain to ${joined.trustDomain}, or remove joinsTrustDomainOf` : 'name the environment that owns the trust domain, or remove joinsTrustDomainOf',
        }));
      }
      continue;
    }
    const owner = owners.get(env.trustDomain);
    if (!owner) {
      owners.set(env.trustDomain, env);
      continue;
    }
    problems.push(formatViolation(env.name, {
      resource, field: 'trustDomain', value: env.trustDomain,
      rule: `is also the trust domain of environment "${owner.name}": two environments ${owner.name} and ${env.name} would issue SVIDs of one trust domain from two CAs`,
      fix: `give ${env.name} its own trust domain, or state that it joins the other environment's: joinsTrustDomainOf: '${owner.name}'`,
    }));
  }
  return problems;
}

/**
 * One tree per cluster: two trees deployed into one cluster (by the Argo CD destination, its API server) would
 * fight over the same namespaces (spire-server, spire-root), cluster-scoped objects (ClusterRoles, admission
 * policies, webhooks) and GitOps objects.
 */
function sharedClusterProblems(estate: EstateConfig): string[] {
  const problems: string[] = [];
  const trees = new Map<string, string>();
  for (const env of estate.environments) {
    const management = [nestedRootOf(env)?.managementCluster].filter((cluster) => cluster !== undefined)
      .map((cluster) => ({ cluster, field: 'topology.root.managementCluster.apiServer' }));
    for (const { cluster, field } of [...(env.clusters ?? []).map((candidate) => ({ cluster: candidate, field: 'apiServer' })), ...management]) {
      if (typeof cluster?.apiServer !== 'string') continue;
      const tree = `${env.name}/${cluster.name}`;
      const other = trees.get(cluster.apiServer);
      if (other === undefined) {
        trees.set(cluster.apiServer, tree);
        continue;
      }
      problems.push(formatViolation(env.name, {
        resource: `cluster "${cluster.name}"`, field, value: cluster.apiServer,
        rule: `is also the API server of dist/${other}; two trees in one cluster would overwrite each other's namespaces (spire-server, spire-root), ClusterRoles, admission policies and webhooks`,
        fix: 'give every tree a cluster of its own (a nested root of each environment its own management cluster, or a place in one of its environment\'s clusters)',
      }));
    }
  }
  return problems;
}

/**
 * Every server of one trust domain must publish one bundle. Servers sharing one SQL datastore do (each
 * signs with its own key, and the shared bundle carries all of them); servers with their own datastores
 * are separate CAs whose SVIDs do not verify across, even under the same trust domain name. Reported
 * with the constructs' problems: it does not stop them from being built.
 */
export function sharedTrustDomainProblems(estate: EstateConfig): string[] {
  const servers = new Map<string, { where: string; cluster: string; home?: string }[]>();
  for (const env of Array.isArray(estate.environments) ? estate.environments : []) {
    if (typeof env?.trustDomain !== 'string' || !Array.isArray(env.clusters)) continue;
    // A nested topology's servers are separate CAs on purpose, each on its own datastore: every downstream
    // CA is signed by the one root, so the root's bundle verifies every SVID (topologyProblems checks the rest).
    if (topologyOf(env).type === 'nested') continue;
    for (const cluster of env.clusters) {
      const trustDomain = clusterTrustDomain(env, cluster);
      const list = servers.get(trustDomain) ?? [];
      list.push({ where: `${env.name}/${cluster?.name}`, cluster: `${env.name}/${cluster?.name}`, home: caHomeOf(env, cluster) });
      servers.set(trustDomain, list);
    }
  }
  const problems: string[] = [];
  for (const [trustDomain, list] of servers) {
    if (list.length < 2) continue;
    const homes = new Set(list.map((server) => server.home ?? `own storage of ${server.cluster}`));
    if (homes.size === 1 && list[0].home !== undefined) continue;
    for (const server of list) {
      problems.push(formatViolation(server.where, {
        resource: 'SpireServer "spire-server"', field: 'server.datastore', value: server.home ?? 'sqlite3',
        rule: `shares trust domain ${trustDomain} with ${list.filter((other) => other !== server).map((other) => other.cluster).join(', ')} but not its CA: `
          + 'servers on different datastores are separate CAs, and SVIDs of one do not verify with the other\'s bundle',
        fix: 'point every server of the trust domain at one external database, or give each its own trust domain and federate them',
      }));
    }
  }
  return problems;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The values that go into the server's database connection string: what lib/pq (postgres) or
 * go-sql-driver (mysql) would read differently from what was meant, and TLS settings that cannot work.
 */
function datastoreProblems(env: EnvironmentConfig, where: string): string[] {
  const problems: string[] = [];
  const report = (details: ViolationDetails) => problems.push(formatViolation(where, details));
  const resource = `environment "${env.name}"`;
  for (const { field, datastore } of datastoresOf(env)) {
    if (datastore.type === 'sqlite3') continue;
    // lib/pq splits host on commas into several hosts; go-sql-driver ends the address at ")" or "/".
    if (typeof datastore.host !== 'string' || !(DNS_NAME.test(datastore.host) || IPV4.test(datastore.host)) || datastore.host.length > 253) {
      report({ resource, field: `${field}.host`, value: datastore.host, rule: 'must be a DNS name or IPv4 address (the driver would read anything else as something else, e.g. a comma as a second host)', fix: 'use the database server\'s host name, like db.example.com' });
    }
    if (!Number.isInteger(datastore.port) || datastore.port < 1 || datastore.port > 65535) {
      report({ resource, field: `${field}.port`, value: datastore.port, rule: 'must be a TCP port (1-65535)', fix: `use the port the database listens on, like ${datastore.type === 'postgres' ? 5432 : 3306}` });
    }
    for (const key of ['database', 'user'] as const) {
      const value = datastore[key];
      const problem = typeof value !== 'string' || value === '' ? 'must not be empty' : connValueProblem(value)
        ?? (datastore.type === 'mysql' && /[:@/?]/.test(value) ? 'contains one of : @ / ?, which end the field in a go-sql-driver DSN' : undefined);
      if (problem) report({ resource, field: `${field}.${key}`, value, rule: problem, fix: `name the ${key === 'database' ? 'database' : 'database user'} with letters, digits, _ and -` });
    }
    if (datastore.type === 'postgres') {
      const sslMode = postgresSslMode(datastore.sslMode, env.production);
      if (sslMode !== 'require' && !datastore.caConfigMap && !datastore.caSecret) {
        report({ resource, field: `${field}.caConfigMap`, value: undefined, rule: `sslmode ${sslMode} verifies the server against a CA, and without one lib/pq looks for ~/.postgresql/root.crt, which the image does not have`, fix: 'name the ConfigMap (caConfigMap) or Secret (caSecret) holding the database server\'s CA (key ca.crt)' });
      }
      if (env.production && sslMode === 'require') {
        report({ resource, field: `${field}.sslMode`, value: sslMode, rule: 'production verifies the database server\'s certificate (require does not)', fix: 'use verify-full (the default in production) with caConfigMap' });
      }
    }
    if (datastore.caConfigMap !== undefined && datastore.caSecret !== undefined) {
      report({ resource, field: `${field}.caSecret`, value: datastore.caSecret, rule: `and caConfigMap (${datastore.caConfigMap}) both name the database server's CA; the server reads one file`, fix: 'keep one of them' });
    }
    for (const key of ['maxOpenConns', 'maxIdleConns'] as const) {
      if (!Number.isInteger(datastore[key]) || datastore[key] < 1) {
        report({ resource, field: `${field}.${key}`, value: datastore[key], rule: 'must be a positive whole number', fix: 'use e.g. 20' });
      }
    }
    if (Number.isInteger(datastore.maxIdleConns) && Number.isInteger(datastore.maxOpenConns) && datastore.maxIdleConns > datastore.maxOpenConns) {
      report({ resource, field: `${field}.maxIdleConns`, value: datastore.maxIdleConns, rule: `is more than maxOpenConns (${datastore.maxOpenConns}); idle connections can never exceed open ones`, fix: `lower it to ${datastore.maxOpenConns} or less` });
    }
  }
  return problems;
}

/**
 * An environment's identity policy must not allow what its own server cannot issue. Reported with the
 * constructs' problems (it does not stop them from being built).
 */
export function policyContradictions(estate: EstateConfig): string[] {
  return estate.environments.flatMap((env) => environmentPolicyContradictions(env, env.name));
}

function environmentPolicyContradictions(env: EnvironmentConfig, where: string): string[] {
  const problems: string[] = [];
  const resource = `environment "${env.name}"`;
  const caTtl = parseDuration(env.server?.caTtl);
  const maxTtl = parseDuration(env.identityPolicy?.maxTtl);
  const defaultTtl = parseDuration(env.server?.defaultX509SvidTtl);
  if (caTtl !== undefined && maxTtl !== undefined && maxTtl * 6 > caTtl) {
    problems.push(formatViolation(where, {
      resource, field: 'identityPolicy.maxTtl', value: env.identityPolicy.maxTtl,
      rule: `allows X509-SVID TTLs beyond a sixth of server.caTtl (${env.server.caTtl}); SPIRE shortens SVIDs that would outlive its CA`,
      fix: `lower identityPolicy.maxTtl to ${formatDuration(caTtl / 6)} or raise server.caTtl to ${formatDuration(maxTtl * 6)}`,
    }));
  }
  if (defaultTtl !== undefined && maxTtl !== undefined && defaultTtl > maxTtl) {
    problems.push(formatViolation(where, {
      resource, field: 'server.defaultX509SvidTtl', value: env.server.defaultX509SvidTtl,
      rule: `is longer than the policy allows any identity (identityPolicy.maxTtl ${env.identityPolicy.maxTtl})`,
      fix: `lower server.defaultX509SvidTtl to ${env.identityPolicy.maxTtl} or less`,
    }));
  }
  return problems;
}

/** An environment held to production rules must not contradict them elsewhere in its own config. */
function productionProblems(env: EnvironmentConfig, where: string): string[] {
  if (!env.production) return [];
  const problems: string[] = [];
  const resource = `environment "${env.name}"`;
  const report = (details: ViolationDetails) => problems.push(formatViolation(where, details));
  if (env.gitops?.engines?.includes('argocd') && env.gitops.argoSync?.mode === 'automated') {
    report({ resource, field: 'gitops.argoSync.mode', value: 'automated', rule: 'a production environment (production: true) is synced by hand only', fix: "set gitops.argoSync to { mode: 'manual' }" });
  }
  if (!env.requireImageDigests) {
    report({ resource, field: 'requireImageDigests', value: env.requireImageDigests, rule: 'a production environment (production: true) runs only images pinned by digest', fix: 'set requireImageDigests: true' });
  }
  if (env.webhookFailurePolicy === 'Ignore') {
    report({ resource, field: 'webhookFailurePolicy', value: 'Ignore', rule: 'a production environment (production: true) lets no identity past the manager\'s webhook unchecked (Ignore admits them while it is down)', fix: "set webhookFailurePolicy: 'Fail'" });
  }
  if (env.identityPolicy?.admin === 'allowed') {
    report({ resource, field: 'identityPolicy.admin', value: 'allowed', rule: 'a production environment (production: true) gives admin only to SPIRE\'s own tooling', fix: "set identityPolicy.admin to 'spire-tooling' (or 'forbidden')" });
  }
  return problems;
}
