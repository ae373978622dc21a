import { EstateConfig, FederationSpec, IdentitySpec } from './types';
import { environment } from './presets';
import { TemplateField, namespaceServiceAccountId } from '../identity/spiffe-id';
import { DEFAULT_IMAGES } from './versions';
import { pinnedRevisions } from '../gitops/promotion';
import promotionState from '../../promotion/revisions.json';
import runningSpireVersions from '../../promotion/spire-versions.json';

/*
 * The estate this repository ships: edit this file to describe yours. Each environment starts from a
 * preset (lib/config/presets.ts; `spire-gitops explain-defaults` lists what each one sets) and states
 * only what differs; constructs never look at an environment's name.
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

// The platform's cert-manager ClusterIssuer (an ACME account): Web PKI certificates for exposed hosts.
const ACME_ISSUER = { kind: 'ClusterIssuer' as const, name: 'letsencrypt-production' };

// ACME's CA subject; every other server and agent setting is its preset's (lib/config/presets.ts).
const ACME_SERVER = { caSubject: { country: 'DE', organization: 'ACME Platform', commonName: 'ACME SPIRE CA' } };

const PARTNERS: FederationSpec[] = [
  {
    trustDomain: 'payments.partner.example',
    bundleEndpointURL: 'https://spire-bundle.payments.partner.example',
    profile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://payments.partner.example/spire/server' },
    // The endpoint authenticates with a certificate of the partner's bundle: synth reads it from the lock
    // file federation/payments.partner.example.bundle.json (spire-gitops federation fetch-bundle).
  },
  {
    trustDomain: 'logistics.partner.example',
    bundleEndpointURL: 'https://bundle.logistics.partner.example/spiffe',
    profile: { type: 'https_web' },
  },
];

const development = environment({
  name: 'development',
  preset: 'development',
  trustDomain: 'dev.spire.acme.example',
  clusters: [{ name: 'dev-euw1', region: 'eu-west-1', apiServer: 'https://dev-euw1.k8s.acme.example' }],
  server: ACME_SERVER,
  identities: standardIdentities({ ttl: '4h' }),
  // Development is reconciled by Flux in the cluster itself; staging and production by Argo CD. Putting
  // both engines on one cluster would have two controllers apply and prune the same objects.
  gitops: { engines: ['flux'] },
  sampleWorkload: 'web-frontend',
});

const staging = environment({
  name: 'staging',
  preset: 'staging',
  trustDomain: 'staging.spire.acme.example',
  clusters: [{ name: 'stg-euw1', region: 'eu-west-1', apiServer: 'https://stg-euw1.k8s.acme.example' }],
  server: ACME_SERVER,
  identities: standardIdentities({ ttl: '8h' }),
  oidcDiscovery: {
    domains: ['oidc-discovery.staging.spire.acme.example'],
    // Keys carry "use": "sig": some cloud IAM JWKS clients refuse keys without it.
    setKeyUse: true,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
  },
  // Cloud IAM verifies staging's JWT-SVIDs against the discovery document at https://oidc-discovery.staging...
  exposure: {
    issuer: ACME_ISSUER,
    oidcDiscovery: { route: { via: 'ingress', className: 'nginx', controllerNamespace: 'ingress-nginx' } },
  },
});

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

const production = environment({
  name: 'production',
  preset: 'production',
  trustDomain: 'prod.spire.acme.example',
  // Both regions share one trust domain: their servers share one database (below), and so one bundle
  // that carries every server's signing key (README "Topologies"). Synth refuses servers of one trust
  // domain on different databases: they would be separate CAs.
  topology: { type: 'ha' },
  clusters: [
    { name: 'prod-euw1', region: 'eu-west-1', apiServer: 'https://prod-euw1.k8s.acme.example' },
    { name: 'prod-use1', region: 'us-east-1', apiServer: 'https://prod-use1.k8s.acme.example' },
  ],
  server: {
    ...ACME_SERVER,
    // Two servers per cluster on the shared database: one restarts while the other signs.
    replicas: 2,
    datastore: productionDatabase('spire-db.eu-west-1.acme.example'),
  },
  identityPolicy: { allowedFederation: PARTNERS.map((partner) => partner.trustDomain) },
  identities: standardIdentities({
    ttl: '12h',
    explicitAdmin: true,
    gatewayFederatesWith: PARTNERS.map((partner) => partner.trustDomain),
  }),
  federation: PARTNERS,
  // Partners fetch production's bundle from https://spire-bundle.<cluster>.prod.spire.acme.example with a
  // Web PKI certificate: the server serves cert-manager's certificate itself, the Gateway passes TLS through.
  exposure: {
    issuer: ACME_ISSUER,
    bundleEndpoint: {
      host: 'spire-bundle.{cluster}.prod.spire.acme.example',
      profile: 'https_web',
      route: { via: 'gateway', gateway: { name: 'edge', namespace: 'gateway-system', sectionName: 'tls-passthrough' }, controllerNamespace: 'gateway-system' },
    },
  },
  gitops: {
    // The weekday window is when changes are planned (it would gate automated syncs); manual syncs stay
    // possible outside it, for incidents. The weekend is a freeze that blocks manual syncs too, until an
    // incident override (gitops.freezeOverride) is committed.
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
  },
});

export const DEFAULT_ESTATE: EstateConfig = {
  repository: { url: 'https://git.acme.example/platform/spire-gitops.git', targetRevision: 'main' },
  pinnedRevisions: pinnedRevisions(promotionState),
  runningSpireVersions,
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
