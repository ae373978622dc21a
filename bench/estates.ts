import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EnvironmentConfig, EstateConfig, IdentitySpec } from '../lib/config/types';

/** `count` valid identities, the kind app teams write, spread over 20 namespaces. */
function identities(count: number, ttl: string, admin: boolean | undefined): IdentitySpec[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `svc-${index}`,
    spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': `team-${index % 20}` } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': `svc-${index}` } },
    workloadSelectorTemplates: [`k8s:sa:svc-${index}`],
    dnsNameTemplates: [`svc-${index}.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}`],
    ttl,
    ...(admin === undefined ? {} : { admin }),
  }));
}

/**
 * A synthetic estate built from the same typed configuration users write: the default environments,
 * with `clusters` clusters spread over them (1: development only) and `identitiesPerEnvironment` each.
 */
export function syntheticEstate(clusters: number, identitiesPerEnvironment: number): EstateConfig {
  const shares = clusters === 1 ? [1, 0, 0] : [Math.round(clusters * 0.2), Math.round(clusters * 0.3), 0];
  shares[2] = clusters - shares[0] - shares[1];
  const sharedDatabase = DEFAULT_ESTATE.environments.find((env) => env.server.datastore.type === 'postgres')!.server.datastore;
  const environments: EnvironmentConfig[] = DEFAULT_ESTATE.environments
    .map((env, index) => ({
      ...env,
      clusters: Array.from({ length: shares[index] }, (_, n) => ({
        ...env.clusters[n % env.clusters.length],
        name: `${env.clusters[0].name}-${n}`,
        apiServer: `https://${env.name}-${n}.k8s.acme.example`,
      })),
      // Policies that want admin stated (explicit, spire-tooling) get it stated: false.
      identities: identities(identitiesPerEnvironment, '1h', ['explicit', 'spire-tooling'].includes(env.identityPolicy.admin) ? false : undefined),
      // Servers of one trust domain share one database (synth refuses separate CAs): several clusters on
      // sqlite get the production environment's kind of database, on a host of their own environment.
      ...(shares[index] > 1 && env.server.datastore.type === 'sqlite3'
        ? {
          server: { ...env.server, datastore: { ...sharedDatabase, host: `spire-db.${env.name}.acme.example` } },
          gitops: { ...env.gitops, secretDelivery: { type: 'prerequisite' as const } },
        }
        : {}),
      sampleWorkload: undefined,
    }))
    .filter((env) => env.clusters.length > 0);
  // The teams' grants and files name every default environment: left out when one is.
  const teams = environments.length === DEFAULT_ESTATE.environments.length ? DEFAULT_ESTATE.teams : undefined;
  return { ...DEFAULT_ESTATE, teams, environments };
}
