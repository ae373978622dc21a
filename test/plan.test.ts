import { EnvironmentConfig, EstateConfig, IdentitySpec } from '../lib/config/types';
import { Plan, planSnapshots } from '../lib/plan/diff';
import { planEstates, snapshotOfEstate } from '../lib/plan/estates';
import { formatMarkdown, formatText } from '../lib/plan/format';
import { Workload } from '../lib/plan/select';
import { workloadsFromClusterExport } from '../lib/plan/workloads';
import { defaultEstate } from './helpers/estate';

/** The default estate with environments changed by `change` (by name). */
function edit(changes: Record<string, (environment: EnvironmentConfig) => EnvironmentConfig | undefined>): EstateConfig {
  return {
    ...defaultEstate,
    environments: defaultEstate.environments
      .map((environment) => (changes[environment.name] ? changes[environment.name](environment) : environment))
      .filter((environment): environment is EnvironmentConfig => environment !== undefined),
  };
}

function identity(environment: EnvironmentConfig, name: string, change: (identity: IdentitySpec) => IdentitySpec | undefined): EnvironmentConfig {
  return {
    ...environment,
    identities: environment.identities
      .map((candidate) => (candidate.name === name ? change(candidate) : candidate))
      .filter((candidate): candidate is IdentitySpec => candidate !== undefined),
  };
}

const billing: IdentitySpec = {
  name: 'billing-api',
  spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'billing' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'billing-api' } },
  workloadSelectorTemplates: ['k8s:sa:billing-api'],
  ttl: '1h',
  admin: false,
};

/** A pod list as `kubectl get pods,namespaces,endpoints -A -o json` exports it. */
function clusterExport(): Workload[] {
  return workloadsFromClusterExport({
    kind: 'List',
    items: [
      { kind: 'Namespace', metadata: { name: 'batch', labels: { 'kubernetes.io/metadata.name': 'batch', team: 'data' } } },
      { kind: 'Pod', metadata: { name: 'report-7d9', namespace: 'batch', uid: 'uid-report', labels: { 'app.kubernetes.io/name': 'report' } }, spec: { serviceAccountName: 'report', nodeName: 'n1' } },
      { kind: 'Pod', metadata: { name: 'web-frontend-5c6', namespace: 'web', uid: 'uid-web', labels: { 'app.kubernetes.io/name': 'web-frontend' } }, spec: { serviceAccountName: 'web-frontend', nodeName: 'n1' } },
      { kind: 'Pod', metadata: { name: 'intruder', namespace: 'web', uid: 'uid-intruder', labels: { 'app.kubernetes.io/name': 'web-frontend' } }, spec: { serviceAccountName: 'default', nodeName: 'n1' } },
      { kind: 'Endpoints', metadata: { name: 'web', namespace: 'web' }, subsets: [{ addresses: [{ ip: '10.0.0.1', targetRef: { kind: 'Pod', uid: 'uid-web' } }] }] },
    ],
  }, 'cluster.json');
}

/** One line per reported change, so a case's whole plan is one readable list. */
function lines(plan: Plan): string[] {
  const out: string[] = [];
  const show = (value: unknown) => (value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value));
  for (const cluster of plan.clusters) {
    const where = `${cluster.environment}/${cluster.cluster}`;
    if (cluster.status !== 'present') out.push(`${where} cluster ${cluster.status}`);
    for (const change of [...cluster.identities, ...cluster.federation]) {
      if (change.change !== 'changed') out.push(`${where} ${change.change} ${change.kind} ${change.name}`);
      else for (const field of change.fields) out.push(`${where} ${change.kind} ${change.name} ${field.field}: ${show(field.before)} -> ${show(field.after)}`);
    }
    for (const field of cluster.topology) out.push(`${where} topology ${field.field}: ${show(field.before)} -> ${show(field.after)}`);
    for (const field of cluster.policy) out.push(`${where} policy ${field.field}: ${show(field.before)} -> ${show(field.after)}`);
    for (const migration of cluster.migrations) out.push(`${where} migration ${migration.what}: ${show(migration.before)} -> ${show(migration.after)}`);
    for (const change of cluster.workloads) {
      const fields = change.fields.map((field) => `${field.field}: ${show(field.before)} -> ${show(field.after)}`).join('; ');
      const ids = change.change === 'changes' ? `${change.before} -> ${change.after}` : change.after ?? change.before;
      out.push(`${where} ${change.workload} ${change.change} ${ids}${fields ? ` {${fields}}` : ''}${change.note ? ' NOT ISSUED' : ''}`);
    }
  }
  return out;
}

interface Case {
  readonly name: string;
  readonly base?: EstateConfig;
  readonly head: EstateConfig;
  readonly workloads?: Workload[];
  readonly expected?: string[];
  /** Lines that must be there, when the whole plan is too long to list. */
  readonly contains?: string[];
  readonly exitCode: 0 | 3;
}

const cases: Case[] = [
  { name: 'no edit plans nothing', head: defaultEstate, expected: [], exitCode: 0 },
  { name: 'a staging TTL change', head: edit({ staging: (env) => identity(env, 'web-frontend', (id) => ({ ...id, ttl: '2h' })) }), expected: [
      "staging/stg-euw1 ClusterSPIFFEID web-frontend spec.ttl: 1h -> 2h",
      "staging/stg-euw1 pod web/web-frontend-0 (sa web-frontend, app.kubernetes.io/name=web-frontend) entry changed spiffe://staging.spire.acme.example/ns/web/sa/web-frontend {x509SvidTtl: 1h -> 2h}",
    ], exitCode: 0 },
  { name: 'a production TTL change needs the second approval', head: edit({ production: (env) => identity(env, 'web-frontend', (id) => ({ ...id, ttl: '2h' })) }), expected: [
      "production/prod-euw1 ClusterSPIFFEID web-frontend spec.ttl: 1h -> 2h",
      "production/prod-euw1 pod web/web-frontend-0 (sa web-frontend, app.kubernetes.io/name=web-frontend) entry changed spiffe://prod.spire.acme.example/ns/web/sa/web-frontend {x509SvidTtl: 1h -> 2h}",
      "production/prod-use1 ClusterSPIFFEID web-frontend spec.ttl: 1h -> 2h",
      "production/prod-use1 pod web/web-frontend-0 (sa web-frontend, app.kubernetes.io/name=web-frontend) entry changed spiffe://prod.spire.acme.example/ns/web/sa/web-frontend {x509SvidTtl: 1h -> 2h}",
    ], exitCode: 3 },
  { name: 'a production JWT TTL change', head: edit({ production: (env) => identity(env, 'api-gateway', (id) => ({ ...id, jwtTtl: '10m' })) }), expected: [
      "production/prod-euw1 ClusterSPIFFEID api-gateway spec.jwtTtl: 5m -> 10m",
      "production/prod-euw1 pod edge/api-gateway-0 (sa api-gateway, app.kubernetes.io/name=api-gateway,gateway-tier=public) entry changed spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/public {jwtSvidTtl: 5m -> 10m}",
      "production/prod-use1 ClusterSPIFFEID api-gateway spec.jwtTtl: 5m -> 10m",
      "production/prod-use1 pod edge/api-gateway-0 (sa api-gateway, app.kubernetes.io/name=api-gateway,gateway-tier=public) entry changed spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/public {jwtSvidTtl: 5m -> 10m}",
    ], exitCode: 3 },
  { name: 'a new production identity', head: edit({ production: (env) => ({ ...env, identities: [...env.identities, billing] }) }), expected: [
      "production/prod-euw1 added ClusterSPIFFEID billing-api",
      "production/prod-euw1 pod billing/billing-api-0 (sa billing-api, app.kubernetes.io/name=billing-api) entry changed spiffe://prod.spire.acme.example/ns/billing/sa/billing-api {hint: default-fallback -> billing-api; selectors: [] -> [\"k8s:sa:billing-api\"]}",
      "production/prod-use1 added ClusterSPIFFEID billing-api",
      "production/prod-use1 pod billing/billing-api-0 (sa billing-api, app.kubernetes.io/name=billing-api) entry changed spiffe://prod.spire.acme.example/ns/billing/sa/billing-api {hint: default-fallback -> billing-api; selectors: [] -> [\"k8s:sa:billing-api\"]}",
    ], exitCode: 3 },
  { name: 'a removed development identity: its pods fall back to default-fallback', head: edit({ development: (env) => identity(env, 'data-replica', () => undefined) }), expected: [
      "development/dev-euw1 removed ClusterSPIFFEID data-replica",
      "development/dev-euw1 pod data/postgres-0 (sa postgres-replica, app.kubernetes.io/component=replica,app.kubernetes.io/name=postgres) entry changed spiffe://dev.spire.acme.example/ns/data/sa/postgres-replica {hint: data-replica -> default-fallback; selectors: [\"k8s:sa:postgres-replica\"] -> []; x509SvidTtl: 4h -> 1h}",
    ], exitCode: 0 },
  { name: 'a changed SPIFFE ID template', head: edit({ staging: (env) => identity(env, 'api-gateway', (id) => ({ ...id, spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}' })) }), expected: [
      "staging/stg-euw1 ClusterSPIFFEID api-gateway spec.spiffeIDTemplate: spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}/{{ index .PodMeta.Labels \"gateway-tier\" }} -> spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}",
      "staging/stg-euw1 pod edge/api-gateway-0 (sa api-gateway, app.kubernetes.io/name=api-gateway,gateway-tier=public) changes spiffe://staging.spire.acme.example/ns/edge/sa/api-gateway/public -> spiffe://staging.spire.acme.example/ns/edge/sa/api-gateway",
    ], exitCode: 0 },
  { name: 'a template rendered with Go semantics (printf)', head: edit({ staging: (env) => identity(env, 'data-primary', (id) => ({ ...id, spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ printf "%s-%s" .PodMeta.Namespace "db" }}/sa/{{ .PodSpec.ServiceAccountName }}' })) }), expected: [
      "staging/stg-euw1 ClusterSPIFFEID data-primary spec.spiffeIDTemplate: spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }} -> spiffe://{{ .TrustDomain }}/ns/{{ printf \"%s-%s\" .PodMeta.Namespace \"db\" }}/sa/{{ .PodSpec.ServiceAccountName }}",
      "staging/stg-euw1 pod data/postgres-0 (sa postgres-primary, app.kubernetes.io/component=primary,app.kubernetes.io/name=postgres) changes spiffe://staging.spire.acme.example/ns/data/sa/postgres-primary -> spiffe://staging.spire.acme.example/ns/data-db/sa/postgres-primary",
    ], exitCode: 0 },
  { name: 'a changed podSelector: old pods fall back, new pods gain', head: edit({ staging: (env) => identity(env, 'web-frontend', (id) => ({ ...id, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } })) }), expected: [
      "staging/stg-euw1 ClusterSPIFFEID web-frontend spec.podSelector.matchLabels.app.kubernetes.io/name: web-frontend -> web",
      "staging/stg-euw1 pod web/web-frontend-0 (sa web-frontend, app.kubernetes.io/name=web-frontend) entry changed spiffe://staging.spire.acme.example/ns/web/sa/web-frontend {dnsNames: [\"web-frontend.web.svc.cluster.local\"] -> []; hint: web-frontend -> default-fallback; selectors: [\"k8s:sa:web-frontend\"] -> []}",
      "staging/stg-euw1 pod web/web-0 (sa web-frontend, app.kubernetes.io/name=web) entry changed spiffe://staging.spire.acme.example/ns/web/sa/web-frontend {dnsNames: [] -> [\"web-frontend.web.svc.cluster.local\"]; hint: default-fallback -> web-frontend; selectors: [] -> [\"k8s:sa:web-frontend\"]}",
    ], exitCode: 0 },
  { name: 'a matchExpressions namespaceSelector over two namespaces', head: edit({ staging: (env) => ({ ...env, identities: [...env.identities, { ...billing, namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['billing', 'batch'] }] }, podSelector: undefined, workloadSelectorTemplates: ['k8s:sa:report'] }] }) }), workloads: clusterExport(), expected: [
      "staging/stg-euw1 added ClusterSPIFFEID billing-api",
      "staging/stg-euw1 pod billing/billing-api-0 (sa report) entry changed spiffe://staging.spire.acme.example/ns/billing/sa/report {hint: default-fallback -> billing-api; selectors: [] -> [\"k8s:sa:report\"]}",
      "staging/stg-euw1 pod batch/report-7d9 (sa report, app.kubernetes.io/name=report) entry changed spiffe://staging.spire.acme.example/ns/batch/sa/report {hint: default-fallback -> billing-api; selectors: [] -> [\"k8s:sa:report\"]}",
    ], exitCode: 0 },
  { name: 'a second identity selecting the same pod gives it a second SPIFFE ID', head: edit({ staging: (env) => ({ ...env, identities: [...env.identities, { ...env.identities.find((id) => id.name === 'web-frontend')!, name: 'web-frontend-jwt', spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}/jwt' }] }) }), expected: [
      "staging/stg-euw1 added ClusterSPIFFEID web-frontend-jwt",
      "staging/stg-euw1 pod web/web-frontend-0 (sa web-frontend, app.kubernetes.io/name=web-frontend) gains spiffe://staging.spire.acme.example/ns/web/sa/web-frontend/jwt",
    ], exitCode: 0 },
  { name: 'a duplicate identity rendering the same entry changes no workload', head: edit({ staging: (env) => ({ ...env, identities: [...env.identities, { ...env.identities.find((id) => id.name === 'data-primary')!, name: 'data-primary-copy', hint: 'data-primary' }] }) }), expected: [
      "staging/stg-euw1 added ClusterSPIFFEID data-primary-copy",
    ], exitCode: 0 },
  { name: 'a new identity takes a live pod off the fallback', head: edit({ staging: (env) => ({ ...env, identities: [...env.identities, { ...billing, name: 'report', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'report' } }, workloadSelectorTemplates: ['k8s:sa:report'], spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/report' }] }) }), workloads: clusterExport(), expected: [
      "staging/stg-euw1 added ClusterSPIFFEID report",
      "staging/stg-euw1 pod batch/report-0 (sa report, app.kubernetes.io/name=report) changes spiffe://staging.spire.acme.example/ns/batch/sa/report -> spiffe://staging.spire.acme.example/ns/batch/report {hint: default-fallback -> report; selectors: [] -> [\"k8s:sa:report\"]}",
      "staging/stg-euw1 pod batch/report-7d9 (sa report, app.kubernetes.io/name=report) changes spiffe://staging.spire.acme.example/ns/batch/sa/report -> spiffe://staging.spire.acme.example/ns/batch/report {hint: default-fallback -> report; selectors: [] -> [\"k8s:sa:report\"]}",
    ], exitCode: 0 },
  { name: 'an ignored namespace takes a live pod\'s fallback identity away', head: edit({ staging: (env) => ({ ...env, server: { ...env.server, ignoreNamespaces: [...env.server.ignoreNamespaces, 'batch'] } }) }), workloads: clusterExport(), expected: [
      "staging/stg-euw1 policy controller manager ignoreNamespaces: [\"^kube-system$\",\"^kube-public$\",\"^kube-node-lease$\",\"^spire-system$\"] -> [\"^kube-system$\",\"^kube-public$\",\"^kube-node-lease$\",\"^spire-system$\",\"^batch$\"]",
      "staging/stg-euw1 pod batch/report-7d9 (sa report, app.kubernetes.io/name=report) loses spiffe://staging.spire.acme.example/ns/batch/sa/report",
    ], exitCode: 0 },
  { name: 'a pod an identity selects but whose service account its selector does not match is flagged as never issued', head: edit({ staging: (env) => identity(env, 'web-frontend', (id) => ({ ...id, ttl: '30m' })) }), workloads: clusterExport(), expected: [
      "staging/stg-euw1 ClusterSPIFFEID web-frontend spec.ttl: 1h -> 30m",
      "staging/stg-euw1 pod web/web-frontend-0 (sa web-frontend, app.kubernetes.io/name=web-frontend) entry changed spiffe://staging.spire.acme.example/ns/web/sa/web-frontend {x509SvidTtl: 1h -> 30m}",
      "staging/stg-euw1 pod web/web-frontend-5c6 (sa web-frontend, app.kubernetes.io/name=web-frontend) entry changed spiffe://staging.spire.acme.example/ns/web/sa/web-frontend {x509SvidTtl: 1h -> 30m}",
      "staging/stg-euw1 pod web/intruder (sa default, app.kubernetes.io/name=web-frontend) entry changed spiffe://staging.spire.acme.example/ns/web/sa/default {x509SvidTtl: 1h -> 30m} NOT ISSUED",
    ], exitCode: 0 },
  { name: 'autopopulated DNS names from the pod\'s Endpoints', head: edit({ staging: (env) => identity(env, 'web-frontend', (id) => ({ ...id, autoPopulateDNSNames: true })) }), workloads: clusterExport(), expected: [
      "staging/stg-euw1 ClusterSPIFFEID web-frontend spec.autoPopulateDNSNames: - -> true",
      "staging/stg-euw1 pod web/web-frontend-5c6 (sa web-frontend, app.kubernetes.io/name=web-frontend) entry changed spiffe://staging.spire.acme.example/ns/web/sa/web-frontend {dnsNames: [\"web-frontend.web.svc.cluster.local\"] -> [\"web-frontend.web.svc.cluster.local\",\"web\",\"web.web\",\"web.web.svc\",\"web.web.svc.cluster.local\"]}",
    ], exitCode: 0 },
  { name: 'a DNS name template added', head: edit({ staging: (env) => identity(env, 'data-primary', (id) => ({ ...id, dnsNameTemplates: ['postgres.{{ .PodMeta.Namespace }}.svc'] })) }), expected: [
      "staging/stg-euw1 ClusterSPIFFEID data-primary spec.dnsNameTemplates: - -> [\"postgres.{{ .PodMeta.Namespace }}.svc\"]",
      "staging/stg-euw1 pod data/postgres-0 (sa postgres-primary, app.kubernetes.io/component=primary,app.kubernetes.io/name=postgres) entry changed spiffe://staging.spire.acme.example/ns/data/sa/postgres-primary {dnsNames: [] -> [\"postgres.data.svc\"]}",
    ], exitCode: 0 },
  { name: 'a federation partner removed from production', head: edit({ production: (env) => ({ ...env, federation: env.federation.filter((f) => f.trustDomain !== 'logistics.partner.example'), identities: env.identities.map((id) => (id.federatesWith ? { ...id, federatesWith: id.federatesWith.filter((td) => td !== 'logistics.partner.example') } : id)) }) }), expected: [
      "production/prod-euw1 ClusterSPIFFEID api-gateway spec.federatesWith: [\"payments.partner.example\",\"logistics.partner.example\"] -> [\"payments.partner.example\"]",
      "production/prod-euw1 removed ClusterFederatedTrustDomain logistics-partner-example",
      "production/prod-euw1 pod edge/api-gateway-0 (sa api-gateway, app.kubernetes.io/name=api-gateway,gateway-tier=public) entry changed spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/public {federatesWith: [\"payments.partner.example\",\"logistics.partner.example\"] -> [\"payments.partner.example\"]}",
      "production/prod-use1 ClusterSPIFFEID api-gateway spec.federatesWith: [\"payments.partner.example\",\"logistics.partner.example\"] -> [\"payments.partner.example\"]",
      "production/prod-use1 removed ClusterFederatedTrustDomain logistics-partner-example",
      "production/prod-use1 pod edge/api-gateway-0 (sa api-gateway, app.kubernetes.io/name=api-gateway,gateway-tier=public) entry changed spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/public {federatesWith: [\"payments.partner.example\",\"logistics.partner.example\"] -> [\"payments.partner.example\"]}",
    ], exitCode: 3 },
  { name: 'a partner bundle endpoint profile switch is a migration', head: edit({ production: (env) => ({ ...env, federation: env.federation.map((f) => (f.trustDomain === 'payments.partner.example' ? { ...f, profile: { type: 'https_web' as const } } : f)) }) }), expected: [
      "production/prod-euw1 ClusterFederatedTrustDomain payments-partner-example spec.bundleEndpointProfile.endpointSPIFFEID: spiffe://payments.partner.example/spire/server -> -",
      "production/prod-euw1 ClusterFederatedTrustDomain payments-partner-example spec.bundleEndpointProfile.type: https_spiffe -> https_web",
      "production/prod-euw1 migration bundle endpoint profile of payments.partner.example: https_spiffe -> https_web",
      "production/prod-use1 ClusterFederatedTrustDomain payments-partner-example spec.bundleEndpointProfile.endpointSPIFFEID: spiffe://payments.partner.example/spire/server -> -",
      "production/prod-use1 ClusterFederatedTrustDomain payments-partner-example spec.bundleEndpointProfile.type: https_spiffe -> https_web",
      "production/prod-use1 migration bundle endpoint profile of payments.partner.example: https_spiffe -> https_web",
    ], exitCode: 3 },
  { name: 'a staging policy cap change', head: edit({ staging: (env) => ({ ...env, identityPolicy: { ...env.identityPolicy, maxTtl: '10h' } }) }), expected: [
      "staging/stg-euw1 policy identityPolicy.maxTtl: 12h -> 10h",
    ], exitCode: 0 },
  {
    name: 'a production trust domain change is a migration and changes every ID',
    head: edit({ production: (env) => ({ ...env, trustDomain: 'prod2.spire.acme.example' }) }),
    contains: [
      'production/prod-euw1 migration trust domain: prod.spire.acme.example -> prod2.spire.acme.example',
      'production/prod-use1 migration trust domain: prod.spire.acme.example -> prod2.spire.acme.example',
      'production/prod-euw1 pod edge/api-gateway-0 (sa api-gateway, app.kubernetes.io/name=api-gateway,gateway-tier=public) changes spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/public -> spiffe://prod2.spire.acme.example/ns/edge/sa/api-gateway/public',
      'production/prod-use1 pod apps/default-fallback-0 (sa default) changes spiffe://prod.spire.acme.example/ns/apps/sa/default -> spiffe://prod2.spire.acme.example/ns/apps/sa/default',
    ],
    exitCode: 3,
  },
  { name: 'a production CA key type change is a migration', head: edit({ production: (env) => ({ ...env, server: { ...env.server, caKeyType: 'ec-p384' } }) }), expected: [
      "production/prod-euw1 migration CA key type (server.caKeyType): ec-p256 -> ec-p384",
      "production/prod-use1 migration CA key type (server.caKeyType): ec-p256 -> ec-p384",
    ], exitCode: 3 },
  {
    name: 'a staging datastore change is a migration',
    head: edit({
      staging: (env) => ({
        ...env,
        server: { ...env.server, datastore: { type: 'postgres', host: 'spire-db.staging.acme.example', port: 5432, database: 'spire', user: 'spire', passwordSecret: { name: 'spire-server-db', key: 'password' }, sslMode: 'require', maxOpenConns: 10, maxIdleConns: 5 } },
        gitops: { ...env.gitops, secretDelivery: { type: 'prerequisite' } },
      }),
    }),
    expected: [
      "staging/stg-euw1 migration datastore (server.datastore type): sqlite3 -> postgres",
    ],
    exitCode: 0,
  },
  { name: 'a staging KeyManager change is a migration', head: edit({ staging: (env) => ({ ...env, server: { ...env.server, keyManager: { type: 'memory' } } }) }), expected: [
      "staging/stg-euw1 migration KeyManager (server.keyManager type): disk -> memory",
      "staging/stg-euw1 migration server StatefulSet volumeClaimTemplates: [{\"name\":\"spire-data\",\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"1Gi\"}}}}] -> [{\"name\":\"spire-data\",\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":\"2Gi\"}}}}]",
    ], exitCode: 0 },
  {
    name: 'a new production cluster',
    head: edit({ production: (env) => ({ ...env, clusters: [...env.clusters, { ...env.clusters[1], name: 'prod-apse1', region: 'ap-southeast-1', apiServer: 'https://prod-apse1.k8s.acme.example' }] }) }),
    contains: [
      'production/prod-apse1 cluster added',
      'production/prod-apse1 added ClusterSPIFFEID web-frontend',
      'production/prod-apse1 added ClusterFederatedTrustDomain payments-partner-example',
      'production/prod-apse1 pod web/web-frontend-0 (sa web-frontend, app.kubernetes.io/name=web-frontend) gains spiffe://prod.spire.acme.example/ns/web/sa/web-frontend',
    ],
    exitCode: 3,
  },
  { name: 'a moved staging cluster is a topology change', head: edit({ staging: (env) => ({ ...env, clusters: [{ ...env.clusters[0], region: 'eu-central-1' }] }) }), expected: [
      "staging/stg-euw1 topology region: eu-west-1 -> eu-central-1",
    ], exitCode: 0 },
  {
    name: 'development removed',
    // Without the teams on both sides: their grants and files name development, which is gone.
    base: { ...defaultEstate, teams: undefined },
    head: { ...edit({ development: () => undefined }), teams: undefined },
    contains: [
      'development/dev-euw1 cluster removed',
      'development/dev-euw1 removed ClusterSPIFFEID default-fallback',
      'development/dev-euw1 pod data/postgres-0 (sa postgres-replica, app.kubernetes.io/component=replica,app.kubernetes.io/name=postgres) loses spiffe://dev.spire.acme.example/ns/data/sa/postgres-replica',
    ],
    exitCode: 0,
  },
  { name: 'a production static entry added', head: edit({ production: (env) => ({ ...env, staticEntries: [{ name: 'billing-batch', spiffeIdPath: '/ns/vm/billing-batch', parentIdPath: '/spire/agent/join/vm-1', selectors: ['unix:uid:1000'], admin: false }] }) }), expected: [
      "production/prod-euw1 added ClusterStaticEntry billing-batch",
      "production/prod-use1 added ClusterStaticEntry billing-batch",
    ], exitCode: 3 },
  { name: 'a production admin flag on SPIRE tooling', head: edit({ production: (env) => ({ ...env, identities: [...env.identities, { ...billing, name: 'spire-tooling', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'spire-server' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'spire-tooling' } }, workloadSelectorTemplates: ['k8s:sa:spire-tooling'], admin: true }] }) }), expected: [
      "production/prod-euw1 added ClusterSPIFFEID spire-tooling",
      "production/prod-euw1 pod spire-server/spire-tooling-0 (sa spire-tooling, app.kubernetes.io/name=spire-tooling) gains spiffe://prod.spire.acme.example/ns/spire-server/sa/spire-tooling",
      "production/prod-use1 added ClusterSPIFFEID spire-tooling",
      "production/prod-use1 pod spire-server/spire-tooling-0 (sa spire-tooling, app.kubernetes.io/name=spire-tooling) gains spiffe://prod.spire.acme.example/ns/spire-server/sa/spire-tooling",
    ], exitCode: 3 },
];

/** The default estate's snapshot, the base of most cases, rendered once. */
const defaultSnapshot = snapshotOfEstate(defaultEstate);

describe('plan', () => {
  test('the table has at least 25 estate edits', () => {
    expect(new Set(cases.map((c) => c.name)).size).toBeGreaterThanOrEqual(25);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const base = c.base ? snapshotOfEstate(c.base) : defaultSnapshot;
    const plan = planSnapshots(base, snapshotOfEstate(c.head), { workloads: c.workloads, workloadClusters: c.workloads ? undefined : [] });
    if (c.contains) expect(lines(plan)).toEqual(expect.arrayContaining(c.contains));
    else expect(lines(plan)).toEqual(c.expected);
    expect(plan.exitCode).toBe(c.exitCode);
  });
});

describe('plan output', () => {
  const plan = planEstates(defaultEstate, edit({ production: (env) => identity(env, 'web-frontend', (id) => ({ ...id, ttl: '2h' })) }), { workloadClusters: [] });

  test('text names the cluster, the field and the exit code', () => {
    const text = formatText(plan, 'plan');
    expect(text).toContain('production/prod-euw1 (production)\n  identities:\n    ~ ClusterSPIFFEID web-frontend\n        spec.ttl: "1h" -> "2h"');
    expect(text).toMatch(/4 identity changes \(4 in production\) in 2 clusters; exit 3\n$/);
  });

  test('markdown warns that production changes and lists fields in a table', () => {
    const markdown = formatMarkdown(plan, 'plan');
    expect(markdown).toContain('> Production identities change: this needs a second approval.');
    expect(markdown).toContain('| ~ | ClusterSPIFFEID | web-frontend | `spec.ttl` | `"1h"` | `"2h"` |');
  });

  test('an unchanged estate says so and exits 0', () => {
    const same = planSnapshots(defaultSnapshot, snapshotOfEstate(defaultEstate));
    expect(formatText(same, 'plan')).toContain('No changes.');
    expect(same.exitCode).toBe(0);
  });
});
