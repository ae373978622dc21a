import { ViolationDetails, formatViolation } from '../context';
import { parseDuration } from '../duration';
import { isTrustDomain } from '../identity/policy';
import { EstateConfig } from './types';

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
    report('estate', { resource: 'estate', field: 'environments', value: [], rule: 'must describe at least one environment', fix: 'add an environment' });
  }
  if (!/^(https|ssh):\/\/|^git@/.test(estate.repository.url)) {
    report('estate', { resource: 'repository', field: 'url', value: estate.repository.url, rule: 'must be a Git URL GitOps controllers can clone', fix: 'use https://... or ssh://...' });
  }
  if (!estate.repository.targetRevision) {
    report('estate', { resource: 'repository', field: 'targetRevision', value: estate.repository.targetRevision, rule: 'must name a branch, tag or commit', fix: 'set it, e.g. main' });
  }

  const environmentNames = new Set<string>();
  for (const env of estate.environments) {
    const where = env.name;
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
    for (const cluster of env.clusters) {
      if (!DNS_LABEL.test(cluster.name) || cluster.name.length > 40) {
        report(where, { resource: `cluster "${cluster.name}"`, field: 'name', value: cluster.name, rule: 'must be a DNS label of at most 40 characters (it becomes the psat cluster name, className and paths)', fix: 'use lowercase letters, digits and -' });
      }
      if (clusterNames.has(cluster.name)) report(where, { resource: `cluster "${cluster.name}"`, field: 'name', value: cluster.name, rule: 'is used twice in this environment', fix: 'give each cluster its own name' });
      clusterNames.add(cluster.name);
      let url: URL | undefined;
      try { url = new URL(cluster.apiServer); } catch { url = undefined; }
      if (!url || url.protocol !== 'https:') {
        report(where, { resource: `cluster "${cluster.name}"`, field: 'apiServer', value: cluster.apiServer, rule: 'must be the https:// URL of the API server', fix: 'use the URL Argo CD knows the cluster by' });
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
    env.gitops.syncWindows.forEach((window, index) => {
      if (window.schedule.trim().split(/\s+/).length !== 5) {
        report(where, { resource, field: `gitops.syncWindows[${index}].schedule`, value: window.schedule, rule: 'must be a five-field cron expression', fix: 'write it like 0 7 * * 1-5' });
      }
    });
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
    }
    const partners = new Set<string>();
    for (const federation of env.federation) {
      if (partners.has(federation.trustDomain)) {
        report(where, { resource, field: 'federation', value: federation.trustDomain, rule: 'lists the same trust domain twice', fix: 'keep one entry per partner' });
      }
      partners.add(federation.trustDomain);
    }
  }
  return problems;
}
