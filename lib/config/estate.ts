import {
  AgentSettings, EnvironmentConfig, EstateConfig, FederationSpec, IdentitySpec, ResourceSpec, ServerSettings,
} from './types';
import { TemplateField, namespaceServiceAccountId } from '../identity/spiffe-id';
import { DEFAULT_IMAGES } from './versions';
import { pinnedRevisions } from '../gitops/promotion';
import promotionState from '../../promotion/revisions.json';

/*
 * The estate this repository ships: edit this file to describe yours. Every difference between environments
 * is a field below; constructs never look at an environment's name.
 */

const WORKLOAD_ID = namespaceServiceAccountId();

function inNamespace(name: string) {
  return { matchLabels: { 'kubernetes.io/metadata.name': name } };
}

/** The identities every environment carries, varied only by the fields given. */
function standardIdentities(options: {
  readonly ttl: string;
  /** State `admin: false` on every identity (for policies that demand it stated). */
  readonly explicitAdmin?: boolean;
  readonly gatewayFederatesWith?: readonly string[];
}): IdentitySpec[] {
  // No workload here administers SPIRE: none is admin, and where policy wants it stated, it says so.
  const admin = options.explicitAdmin ? { admin: false } : {};
  const gatewayAdmin = admin;
  return [
    {
      name: 'web-frontend',
      spiffeIDTemplate: WORKLOAD_ID,
      namespaceSelector: inNamespace('web'),
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web-frontend' } },
      workloadSelectorTemplates: ['k8s:sa:web-frontend'],
      dnsNameTemplates: ['web-frontend.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}'],
      ttl: '1h',
      ...gatewayAdmin,
    },
    {
      name: 'data-primary',
      spiffeIDTemplate: WORKLOAD_ID,
      namespaceSelector: inNamespace('data'),
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'primary' } },
      workloadSelectorTemplates: ['k8s:sa:postgres-primary'],
      ttl: options.ttl,
      ...admin,
    },
    {
      name: 'data-replica',
      spiffeIDTemplate: WORKLOAD_ID,
      namespaceSelector: inNamespace('data'),
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'replica' } },
      workloadSelectorTemplates: ['k8s:sa:postgres-replica'],
      ttl: options.ttl,
      ...gatewayAdmin,
    },
    {
      name: 'api-gateway',
      // One ID per tier: .../sa/api-gateway/public or .../partner, from the pod's gateway-tier label.
      spiffeIDTemplate: namespaceServiceAccountId(TemplateField.podLabel('gateway-tier')),
      namespaceSelector: inNamespace('edge'),
      podSelector: {
        matchLabels: { 'app.kubernetes.io/name': 'api-gateway' },
        matchExpressions: [{ key: 'gateway-tier', operator: 'In', values: ['public', 'partner'] }],
      },
      workloadSelectorTemplates: ['k8s:sa:api-gateway', `k8s:pod-label:gateway-tier:${TemplateField.podLabel('gateway-tier').template}`],
      dnsNameTemplates: ['api-gateway.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}'],
      jwtTtl: '5m',
      ttl: '1h',
      ...(options.gatewayFederatesWith?.length ? { federatesWith: options.gatewayFederatesWith } : {}),
      ...gatewayAdmin,
    },
    {
      // Like the upstream chart's default: every pod no other identity selects gets an ns/sa identity.
      name: 'default-fallback',
      spiffeIDTemplate: WORKLOAD_ID,
      namespaceSelector: {
        matchExpressions: [{
          key: 'kubernetes.io/metadata.name',
          operator: 'NotIn',
          values: ['kube-system', 'kube-public', 'kube-node-lease', 'spire-server', 'spire-system'],
        }],
      },
      fallback: true,
      ttl: '1h',
      ...gatewayAdmin,
    },
  ];
}

const small: ResourceSpec = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } };
const medium: ResourceSpec = { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } };
const large: ResourceSpec = { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } };

// The server namespace is not ignored: the OIDC discovery provider there gets its identity from the manager.
const IGNORED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'spire-system'];

const baseServer: Omit<ServerSettings, 'replicas' | 'logLevel' | 'caTtl' | 'datastore' | 'keyManager' | 'resources'> = {
  logFormat: 'json',
  caKeyType: 'ec-p256',
  caSubject: { country: 'DE', organization: 'ACME Platform', commonName: 'ACME SPIRE CA' },
  defaultX509SvidTtl: '1h',
  defaultJwtSvidTtl: '5m',
  controllerManagerResources: small,
  controllerManagerLogLevel: 'info',
  ignoreNamespaces: IGNORED_NAMESPACES,
};

const baseAgent: Omit<AgentSettings, 'logLevel' | 'resources'> = {
  logFormat: 'json',
  kubeletVerification: 'skip',
  csiDriverResources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
};

const PARTNERS: FederationSpec[] = [
  {
    trustDomain: 'payments.partner.example',
    bundleEndpointURL: 'https://spire-bundle.payments.partner.example',
    profile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://payments.partner.example/spire/server' },
    // The endpoint authenticates with a certificate of this bundle: the partner's public bundle, committed.
    trustDomainBundleFile: 'lib/config/federation-bundles/payments.partner.example.json',
  },
  {
    trustDomain: 'logistics.partner.example',
    bundleEndpointURL: 'https://bundle.logistics.partner.example/spiffe',
    profile: { type: 'https_web' },
  },
];

const development: EnvironmentConfig = {
  name: 'development',
  trustDomain: 'dev.spire.acme.example',
  clusters: [{ name: 'dev-euw1', region: 'eu-west-1', apiServer: 'https://dev-euw1.k8s.acme.example' }],
  server: {
    ...baseServer,
    replicas: 1,
    logLevel: 'DEBUG',
    caTtl: '24h',
    datastore: { type: 'sqlite3', storageSize: '1Gi' },
    keyManager: { type: 'disk', storageSize: '1Gi' },
    resources: small,
  },
  agent: { ...baseAgent, logLevel: 'DEBUG', resources: small },
  identityPolicy: { maxTtl: '4h', maxJwtTtl: '1h', admin: 'forbidden', allowedFederation: [], allowedPathPrefixes: [] },
  identities: standardIdentities({ ttl: '4h' }),
  staticEntries: [],
  federation: [],
  networkPolicies: false,
  requireImageDigests: false,
  webhookFailurePolicy: 'Ignore',
  gitops: {
    // Development is reconciled by Flux in the cluster itself; staging and production by Argo CD. Putting
    // both engines on one cluster would have two controllers apply and prune the same objects.
    engines: ['flux'],
    argoSync: { mode: 'automated', prune: true, selfHeal: true },
    syncWindows: [],
    operatorsMaySync: true,
    fluxSuspended: false,
    preSyncValidation: true,
    postSyncHealthCheck: true,
  },
  monitoring: { enabled: false, prometheusSelector: { release: 'kube-prometheus-stack' }, dashboardNamespace: 'monitoring', prometheusNamespace: 'monitoring' },
  sampleWorkload: 'web-frontend',
};

const staging: EnvironmentConfig = {
  name: 'staging',
  trustDomain: 'staging.spire.acme.example',
  clusters: [{ name: 'stg-euw1', region: 'eu-west-1', apiServer: 'https://stg-euw1.k8s.acme.example' }],
  server: {
    ...baseServer,
    replicas: 1,
    logLevel: 'INFO',
    caTtl: '72h',
    datastore: { type: 'sqlite3', storageSize: '2Gi' },
    keyManager: { type: 'disk', storageSize: '1Gi' },
    resources: medium,
  },
  agent: { ...baseAgent, logLevel: 'INFO', resources: medium },
  identityPolicy: { maxTtl: '12h', maxJwtTtl: '1h', admin: 'forbidden', allowedFederation: [], allowedPathPrefixes: ['/ns/'] },
  identities: standardIdentities({ ttl: '8h' }),
  staticEntries: [],
  federation: [],
  oidcDiscovery: { domains: ['oidc-discovery.staging.spire.acme.example'], resources: small },
  networkPolicies: true,
  requireImageDigests: false,
  webhookFailurePolicy: 'Fail',
  gitops: {
    engines: ['argocd'],
    // Prune: an identity removed from Git is revoked; objects that hold state are never pruned.
    argoSync: { mode: 'automated', prune: true, selfHeal: true },
    syncWindows: [],
    operatorsMaySync: true,
    fluxSuspended: false,
    preSyncValidation: true,
    postSyncHealthCheck: true,
  },
  monitoring: { enabled: true, prometheusSelector: { release: 'kube-prometheus-stack' }, dashboardNamespace: 'monitoring', prometheusNamespace: 'monitoring' },
};

function productionDatabase(host: string) {
  return {
    type: 'postgres' as const,
    host,
    port: 5432,
    database: 'spire',
    user: 'spire',
    passwordSecret: { name: 'spire-server-db', key: 'password' },
    sslMode: 'verify-full' as const,
    caConfigMap: 'spire-server-db-ca',
    maxOpenConns: 50,
    maxIdleConns: 10,
  };
}

const production: EnvironmentConfig = {
  name: 'production',
  production: true,
  trustDomain: 'prod.spire.acme.example',
  // Both regions share one trust domain: their servers share one database (below), and so one bundle
  // that carries every server's signing key. Synth refuses servers of one trust domain on different
  // databases: they would be separate CAs.
  clusters: [
    { name: 'prod-euw1', region: 'eu-west-1', apiServer: 'https://prod-euw1.k8s.acme.example' },
    { name: 'prod-use1', region: 'us-east-1', apiServer: 'https://prod-use1.k8s.acme.example' },
  ],
  server: {
    ...baseServer,
    replicas: 2,
    logLevel: 'INFO',
    // 7 days: at least 6 times the longest X509-SVID TTL the policy allows (24h).
    caTtl: '168h',
    datastore: productionDatabase('spire-db.eu-west-1.acme.example'),
    keyManager: { type: 'disk', storageSize: '1Gi' },
    resources: large,
    controllerManagerResources: medium,
  },
  agent: { ...baseAgent, logLevel: 'INFO', resources: medium },
  identityPolicy: {
    maxTtl: '24h',
    maxJwtTtl: '1h',
    // Every identity states admin, and only SPIRE's own tooling may be admin.
    admin: 'spire-tooling',
    allowedFederation: PARTNERS.map((partner) => partner.trustDomain),
    allowedPathPrefixes: ['/ns/'],
  },
  identities: standardIdentities({
    ttl: '12h',
    explicitAdmin: true,
    gatewayFederatesWith: PARTNERS.map((partner) => partner.trustDomain),
  }),
  staticEntries: [],
  federation: PARTNERS,
  networkPolicies: true,
  requireImageDigests: true,
  webhookFailurePolicy: 'Fail',
  gitops: {
    engines: ['argocd'],
    argoSync: { mode: 'manual' },
    // Production syncs by hand only. The weekday window is when changes are planned (it would gate
    // automated syncs); manual syncs stay possible outside it, for incidents. The weekend is a freeze that
    // blocks manual syncs too, until an incident override (gitops.freezeOverride) is committed.
    syncWindows: [
      { kind: 'allow', schedule: '0 7 * * 1-5', duration: '4h', timeZone: 'Europe/Berlin', manualSync: true, description: 'weekday change window' },
      { kind: 'deny', schedule: '0 0 * * 6', duration: '48h', timeZone: 'Europe/Berlin', manualSync: false, description: 'weekend freeze' },
    ],
    // Deploys the commit promoted from staging (npm run promote -- staging production), never main's head.
    pinRevision: true,
    secretDelivery: {
      type: 'external-secrets',
      store: { kind: 'ClusterSecretStore', name: 'platform-vault' },
      remoteKey: 'spire/production/{cluster}/database',
      refreshInterval: '1h',
    },
    operatorsMaySync: false,
    fluxSuspended: true,
    preSyncValidation: true,
    // The health probe image has no verified digest in lib/config/versions.ts yet; production refuses
    // undigested images, so this stays off until one is recorded there.
    postSyncHealthCheck: false,
  },
  monitoring: { enabled: true, prometheusSelector: { release: 'kube-prometheus-stack' }, dashboardNamespace: 'monitoring', prometheusNamespace: 'monitoring' },
};

export const DEFAULT_ESTATE: EstateConfig = {
  repository: { url: 'https://git.acme.example/platform/spire-gitops.git', targetRevision: 'main' },
  pinnedRevisions: pinnedRevisions(promotionState),
  argocd: {
    namespace: 'argocd',
    project: 'spire',
    roles: { admin: ['acme:platform-admins'], operator: ['acme:platform-oncall'], viewer: ['acme:security-reviewers'] },
    notifications: { service: 'slack', recipients: ['spire-alerts'] },
  },
  flux: { namespace: 'flux-system', interval: '5m', notifications: { type: 'slack', channel: 'spire-alerts', secretName: 'spire-alerts-slack' } },
  images: DEFAULT_IMAGES,
  environments: [development, staging, production],
  platformOwners: ['@acme/platform'],
  // App teams request identities in identities/<environment>/<team>.yaml; this is what each may request.
  teams: [
    {
      name: 'payments',
      owners: ['@acme/payments'],
      namespaces: ['payments'],
      environments: ['development', 'staging', 'production'],
      federatesWith: ['payments.partner.example'],
    },
    {
      name: 'search',
      owners: ['@acme/search'],
      namespaces: ['search'],
      environments: ['development', 'staging', 'production'],
      federatesWith: [],
    },
  ],
};
