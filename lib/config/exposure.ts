import { formatViolation } from './violation';
import { ClusterConfig, EnvironmentConfig } from './types';

/*
 * What is derived from an environment's `exposure` (lib/config/schema.ts exposureSchema): the one home
 * of the external host names and of the rules the exposure must satisfy, read by the estate checks and
 * by the resolve stage alike.
 */

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** An exposed host of one cluster: the template with `{cluster}` replaced by the cluster's name. */
export function exposedHost(template: string, cluster: Pick<ClusterConfig, 'name'>): string {
  return template.split('{cluster}').join(cluster.name);
}

/** The https:// URL of an exposed host on the external port 443 (no port in the URL). */
export function httpsUrl(host: string): string {
  return `https://${host}`;
}

/**
 * The JWT issuer of an environment's OIDC discovery provider: its first domain, under its path prefix. The
 * provider serves the discovery document at `<issuer>/.well-known/openid-configuration` and, without
 * jwks_uri, the keys at `<issuer>/keys` (spire support/oidc-discovery-provider/handler.go NewHandler and
 * serveWellKnown); the server's jwt_issuer must be the same URL.
 */
export function oidcIssuerUrl(settings: { readonly domains: readonly string[]; readonly serverPathPrefix?: string }): string {
  return `${httpsUrl(settings.domains[0])}${settings.serverPathPrefix ?? ''}`;
}

/** Rules an environment's exposure must satisfy; each problem names the field, the value and the fix. */
export function exposureProblems(env: EnvironmentConfig): string[] {
  const exposure = env.exposure;
  if (!exposure) return [];
  const problems: string[] = [];
  const report = (field: string, value: unknown, rule: string, fix: string) =>
    problems.push(formatViolation(env.name, { resource: `Environment "${env.name}"`, field, value, rule, fix }));
  const clusters = Array.isArray(env.clusters) ? env.clusters : [];
  const checkHost = (field: string, template: string) => {
    for (const cluster of clusters) {
      const host = exposedHost(template, cluster);
      if (!DNS_NAME.test(host) || host.length > 253) {
        report(field, template, `gives "${host}" for cluster ${cluster.name}, which is not a fully qualified DNS name`, 'use a DNS name such as spire-bundle.{cluster}.example.com');
        return;
      }
    }
    if (clusters.length > 1 && !template.includes('{cluster}')) {
      report(field, template, `is the same host for all ${clusters.length} clusters, and each cluster's Certificate and route would claim it`,
        'put {cluster} in the host, e.g. spire-bundle.{cluster}.example.com, so that each cluster has its own');
    }
  };

  const bundle = exposure.bundleEndpoint;
  if (bundle) {
    checkHost('exposure.bundleEndpoint.host', bundle.host);
    if (bundle.route.via === 'ingress') {
      report('exposure.bundleEndpoint.route.via', 'ingress',
        'cannot carry the bundle endpoint: SPIRE serves it over TLS itself (https_web with the Certificate\'s key, https_spiffe with its SVID), and an Ingress terminates TLS',
        'use via: \'gateway\' (a TLSRoute that passes TLS through) or via: \'loadBalancer\'');
    }
    if (bundle.profile === 'https_web' && !exposure.issuer) {
      report('exposure.issuer', undefined, 'is needed by the https_web bundle endpoint, whose Web PKI certificate cert-manager obtains from it',
        'name the ACME issuer: issuer: { kind: \'ClusterIssuer\', name: \'letsencrypt-production\' }');
    }
  }

  const oidc = exposure.oidcDiscovery;
  if (oidc) {
    // Its hosts are oidcDiscovery.domains (checked as DNS names with them): every cluster of the trust
    // domain serves the same keys, so one name may front them all.
    if (!env.oidcDiscovery) {
      report('exposure.oidcDiscovery', oidc.route.via, 'exposes an OIDC discovery provider the environment does not run', 'add oidcDiscovery with its domains, or remove exposure.oidcDiscovery');
    }
    if (!exposure.issuer) {
      report('exposure.issuer', undefined, 'is needed by the exposed OIDC discovery provider, whose TLS certificate cert-manager obtains from it',
        'name the ACME issuer: issuer: { kind: \'ClusterIssuer\', name: \'letsencrypt-production\' }');
    }
  }

  const grpc = exposure.serverGrpc;
  if (grpc) {
    checkHost('exposure.serverGrpc.host', grpc.host);
    const names = new Set(clusters.map((cluster) => cluster.name));
    const seen = new Set<string>();
    for (const [index, remote] of grpc.remoteClusters.entries()) {
      const field = `exposure.serverGrpc.remoteClusters[${index}].name`;
      if (names.has(remote.name)) {
        report(field, remote.name, 'is a cluster of this environment, whose agents already attest to their own server', 'list only clusters outside the environment');
      }
      if (seen.has(remote.name)) report(field, remote.name, 'is listed twice', 'list each remote cluster once');
      seen.add(remote.name);
      if (remote.serviceAccount !== undefined && !/^[a-z0-9-]+:[a-z0-9-]+$/.test(remote.serviceAccount)) {
        report(`exposure.serverGrpc.remoteClusters[${index}].serviceAccount`, remote.serviceAccount, 'must be namespace:name', 'write it like spire-system:spire-agent');
      }
    }
  }
  return problems;
}
