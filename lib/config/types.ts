import { ImageCatalogue } from './versions';

/** A Go duration string as SPIRE and Kubernetes accept it: `90s`, `15m`, `4h`, `1h30m`. */
export type Duration = string;

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
export type LogFormat = 'text' | 'json';

export interface ResourceSpec {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/** The whole estate: what one Git repository describes. */
export interface EstateConfig {
  /** The Git repository that holds the committed dist/, as GitOps controllers clone it. */
  readonly repository: { readonly url: string; readonly targetRevision: string };
  /**
   * Commits that environments with `gitops.pinRevision` deploy, by environment name: the committed
   * promotion state (promotion/revisions.json), written by `npm run promote`.
   * @default - none recorded
   */
  readonly pinnedRevisions?: Readonly<Record<string, string>>;
  readonly argocd: ArgoCdConfig;
  readonly flux: FluxConfig;
  readonly images: ImageCatalogue;
  readonly environments: readonly EnvironmentConfig[];
  /**
   * Owners of everything no team owns, in CODEOWNERS syntax (`@org/team`, `@user` or an email): the
   * estate, the policy code and the `identities/` directory itself. Needed when `teams` is given.
   * @default - none
   */
  readonly platformOwners?: readonly string[];
  /**
   * App teams that request identities in `identities/<environment>/<team>.yaml` files, each with what the
   * platform grants it; synth merges their identities into the environments.
   * @default - no team files are read
   */
  readonly teams?: readonly TeamConfig[];
}

/**
 * An app team and the platform's grant: where its identity files apply. What an identity is (selectors,
 * ID path, DNS names, TTLs) is the team's file; where it applies is bound here.
 */
export interface TeamConfig {
  /** A DNS label; its files are `identities/<environment>/<name>.yaml`. */
  readonly name: string;
  /** CODEOWNERS owners of its files: `@org/team`, `@user` or an email. */
  readonly owners: readonly string[];
  /** Namespaces its identities may select; none of another team's or of the platform's. */
  readonly namespaces: readonly string[];
  /** Environments it may request identities in. */
  readonly environments: readonly string[];
  /** Trust domains its identities may federate with; each must be a federation partner of one of its environments. */
  readonly federatesWith: readonly string[];
  /**
   * Prefixes an explicit `spiffeIdPath` of its identities must start with.
   * @default - `/ns/<namespace>/` for each of its namespaces
   */
  readonly spiffeIdPathPrefixes?: readonly string[];
}

export interface ArgoCdConfig {
  /** Namespace of the Argo CD instance that syncs the estate. */
  readonly namespace: string;
  /** AppProject that holds every SPIRE Application. */
  readonly project: string;
  /** SSO groups per project role. */
  readonly roles: { readonly admin: readonly string[]; readonly operator: readonly string[]; readonly viewer: readonly string[] };
  /**
   * Argo CD notifications: every Application subscribes `on-sync-failed` and `on-health-degraded` to this
   * service (`service.<name>` in argocd-notifications-cm) and these recipients (e.g. Slack channels).
   */
  readonly notifications: { readonly service: string; readonly recipients: readonly string[] };
}

export interface FluxConfig {
  readonly namespace: string;
  /** How often Flux polls the repository and re-applies the trees. */
  readonly interval: Duration;
  /**
   * Flux notification-controller Provider for the Alerts of Flux environments; its address or token is in
   * the named Secret in the Flux namespace (a prerequisite, never in Git).
   * @default - no Provider and no Alerts
   */
  readonly notifications?: { readonly type: string; readonly channel?: string; readonly secretName: string };
}

export type GitOpsEngine = 'argocd' | 'flux';

export interface SyncWindow {
  readonly kind: 'allow' | 'deny';
  /** Cron expression in `timeZone`. */
  readonly schedule: string;
  readonly duration: Duration;
  readonly timeZone: string;
  /** Let people sync by hand while the window blocks automated syncs. */
  readonly manualSync: boolean;
  /**
   * Shown in Argo CD next to the window.
   * @default - none
   */
  readonly description?: string;
}

/**
 * How the Secret and ConfigMap an external datastore needs reach the cluster. `external-secrets`:
 * ExternalSecrets (external-secrets.io/v1) rendered into the tree read them from a secret store; `sops`:
 * SOPS-encrypted manifests committed under `path/<cluster>/`, decrypted by Flux; `prerequisite`: created
 * out of band before the first sync.
 */
export type SecretDelivery =
  | {
    readonly type: 'external-secrets';
    readonly store: { readonly kind: 'ClusterSecretStore' | 'SecretStore'; readonly name: string };
    /** Key in the store; `{cluster}` is replaced by the cluster name. Its properties are `password` and `ca.crt`. */
    readonly remoteKey: string;
    readonly refreshInterval: Duration;
  }
  | { readonly type: 'sops'; readonly path: string; readonly decryptionSecret: string }
  | { readonly type: 'prerequisite' };

export interface EnvironmentConfig {
  /** `development`, `staging`, `production`, ...: a DNS label, used in paths and names. */
  readonly name: string;
  /**
   * Holds the environment to production rules: Argo CD syncs by hand only, every image pinned by digest,
   * admin identities only for SPIRE's own tooling, and the database's certificate verified (postgres
   * sslmode defaults to verify-full; require is refused).
   * @default false
   */
  readonly production?: boolean;
  /** SPIFFE trust domain shared by every cluster of the environment. */
  readonly trustDomain: string;
  readonly clusters: readonly ClusterConfig[];
  readonly server: ServerSettings;
  readonly agent: AgentSettings;
  readonly identityPolicy: IdentityPolicy;
  /** Identities every cluster of the environment carries. */
  readonly identities: readonly IdentitySpec[];
  readonly staticEntries: readonly StaticEntrySpec[];
  /** Trust domains this environment federates with; empty means no federation. */
  readonly federation: readonly FederationSpec[];
  readonly oidcDiscovery?: OidcDiscoverySettings;
  /** Render NetworkPolicies that admit only the traffic SPIRE needs. */
  readonly networkPolicies: boolean;
  /** Refuse any image that is not pinned by digest. */
  readonly requireImageDigests: boolean;
  /** failurePolicy of the controller manager's validating webhooks. */
  readonly webhookFailurePolicy: 'Ignore' | 'Fail';
  readonly gitops: GitOpsSettings;
  readonly monitoring: MonitoringSettings;
  /** Ship a sample workload running as this identity (by name), to show how an app gets its SVID. */
  readonly sampleWorkload?: string;
}

export interface ClusterConfig {
  /** Becomes the k8s_psat cluster name, the controller manager's clusterName and its entryIDPrefix. */
  readonly name: string;
  readonly region: string;
  /** API server URL: the Argo CD destination. */
  readonly apiServer: string;
  /**
   * The cluster's DNS domain (kubelet clusterDomain), given to the controller manager, which otherwise
   * guesses it from a DNS lookup at start, and used for `{{ .ClusterDomain }}` in identity templates.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /** Overrides of the environment's server settings for this cluster (e.g. a regional database host). */
  readonly serverOverrides?: Partial<Pick<ServerSettings, 'datastore' | 'replicas'>>;
}

/** An external SQL database several server replicas (and clusters) can share. */
export interface ExternalDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** Existing Secret holding the password; it is read through an env var, never rendered. */
  readonly passwordSecret: { readonly name: string; readonly key: string };
  /** Existing ConfigMap with the database server's CA (key `ca.crt`), to verify the server's certificate. */
  readonly caConfigMap?: string;
  readonly maxOpenConns: number;
  readonly maxIdleConns: number;
}

export type Datastore =
  | { readonly type: 'sqlite3'; readonly storageSize: string; readonly storageClass?: string }
  | ExternalDatabase & {
    readonly type: 'postgres';
    /**
     * libpq sslmode. verify-ca and verify-full need `caConfigMap`; production environments refuse require.
     * @default - verify-full in production environments, require elsewhere
     */
    readonly sslMode?: 'require' | 'verify-ca' | 'verify-full';
  }
  | ExternalDatabase & { readonly type: 'mysql' };

export type KeyManager =
  | { readonly type: 'disk'; readonly storageSize: string; readonly storageClass?: string }
  | { readonly type: 'memory' };

export type UpstreamAuthority = {
  readonly type: 'cert-manager';
  readonly issuerName: string;
  readonly issuerKind: 'Issuer' | 'ClusterIssuer';
  readonly issuerGroup: string;
  /** Namespace where the server creates CertificateRequests. */
  readonly namespace: string;
};

export interface ServerSettings {
  readonly replicas: number;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly caTtl: Duration;
  readonly caKeyType: 'ec-p256' | 'ec-p384' | 'rsa-2048' | 'rsa-4096';
  readonly caSubject: { readonly country: string; readonly organization: string; readonly commonName: string };
  readonly defaultX509SvidTtl: Duration;
  readonly defaultJwtSvidTtl: Duration;
  readonly datastore: Datastore;
  readonly keyManager: KeyManager;
  readonly upstreamAuthority?: UpstreamAuthority;
  readonly resources: ResourceSpec;
  readonly controllerManagerResources: ResourceSpec;
  readonly controllerManagerLogLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Namespaces the controller manager never registers workloads in (matched exactly). */
  readonly ignoreNamespaces: readonly string[];
}

export interface AgentSettings {
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /**
   * How the k8s workload attestor verifies the kubelet: `skip` (the upstream chart's default; kubelets
   * with self-signed serving certs) or `apiServerCA` (kubelet certs signed by the cluster CA).
   */
  readonly kubeletVerification: 'skip' | 'apiServerCA';
  readonly resources: ResourceSpec;
  readonly csiDriverResources: ResourceSpec;
}

export interface IdentityPolicy {
  /** Longest X509-SVID TTL an identity may ask for. */
  readonly maxTtl: Duration;
  /** Longest JWT-SVID TTL an identity may ask for. */
  readonly maxJwtTtl: Duration;
  /**
   * `forbidden`: no identity may be admin; `explicit`: `admin` must be stated (true or false) on every
   * identity; `spire-tooling`: stated on every identity, and true only for SPIRE's own tooling, i.e. an
   * identity whose namespace selector pins the SPIRE server namespace and nothing else (an admin SVID
   * may create and delete any registration entry).
   */
  readonly admin: 'forbidden' | 'allowed' | 'explicit' | 'spire-tooling';
  /** Trust domains identities may federate with; empty forbids federation. */
  readonly allowedFederation: readonly string[];
  /** SPIFFE ID paths must start with one of these (after the trust domain); empty allows any. */
  readonly allowedPathPrefixes: readonly string[];
}

export interface LabelSelectorSpec {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

/** A workload identity: becomes one ClusterSPIFFEID per cluster. */
export interface IdentitySpec {
  /** Name of the ClusterSPIFFEID (and the entry hint unless `hint` is given). */
  readonly name: string;
  /** Go text/template; must start with `spiffe://{{ .TrustDomain }}/`. */
  readonly spiffeIDTemplate: string;
  readonly podSelector?: LabelSelectorSpec;
  readonly namespaceSelector?: LabelSelectorSpec;
  readonly workloadSelectorTemplates?: readonly string[];
  readonly dnsNameTemplates?: readonly string[];
  readonly autoPopulateDNSNames?: boolean;
  readonly ttl?: Duration;
  readonly jwtTtl?: Duration;
  readonly federatesWith?: readonly string[];
  readonly admin?: boolean;
  readonly downstream?: boolean;
  /** Applies only to pods no other identity selects. */
  readonly fallback?: boolean;
  readonly hint?: string;
}

/** A registration entry for a workload outside Kubernetes. */
export interface StaticEntrySpec {
  readonly name: string;
  /** Path under the trust domain, e.g. `/vm/billing-batch`. */
  readonly spiffeIdPath: string;
  /** Path of the parent (usually a node alias) under the trust domain. */
  readonly parentIdPath: string;
  readonly selectors: readonly string[];
  readonly x509SvidTtl?: Duration;
  readonly jwtSvidTtl?: Duration;
  readonly federatesWith?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly admin?: boolean;
  readonly hint?: string;
}

export type BundleEndpointProfile =
  | { readonly type: 'https_spiffe'; readonly endpointSPIFFEID: string }
  | { readonly type: 'https_web' };

export interface FederationSpec {
  readonly trustDomain: string;
  readonly bundleEndpointURL: string;
  readonly profile: BundleEndpointProfile;
  /**
   * The partner's SPIFFE bundle (JWKS JSON, public keys only) to trust before the first fetch. An
   * https_spiffe endpoint authenticates with a certificate from that very bundle, so it needs one
   * (here or through `trustDomainBundleFile`); synth refuses an https_spiffe partner without it.
   * @default - none: fetched from the endpoint (https_web only)
   */
  readonly trustDomainBundle?: string;
  /**
   * A committed file holding the partner's public SPIFFE bundle (what `spire-server bundle show -format
   * spiffe` prints on their side), relative to the repository root; synth reads it into
   * `trustDomainBundle`.
   * @default - none
   */
  readonly trustDomainBundleFile?: string;
}

export interface OidcDiscoverySettings {
  /** Host names the provider answers for; the first is the JWT issuer host. */
  readonly domains: readonly string[];
  readonly resources: ResourceSpec;
}

export interface GitOpsSettings {
  /** The one engine that deploys the environment (two would apply and prune the same objects). */
  readonly engines: readonly GitOpsEngine[];
  /**
   * Moving the environment from one engine to the other: `orphan` makes the old engine let go of the
   * objects without deleting them (Argo CD: no resources finalizer; Flux: deletionPolicy Orphan);
   * `adopt` removes the old engine's objects and lets the new one (in `engines`) take the objects over.
   * @default - no migration under way
   */
  readonly handover?: { readonly from: GitOpsEngine; readonly phase: 'orphan' | 'adopt' };
  /**
   * Argo CD: one Application per cluster, or one ApplicationSet per environment generating them from
   * the cluster Secrets labelled for it, synced region by region (RollingSync).
   * @default 'applications'
   */
  readonly argoDelivery?: 'applications' | 'applicationset';
  /**
   * Deploy the commit recorded for this environment in promotion/revisions.json (written by `npm run
   * promote`), never a branch head.
   * @default false
   */
  readonly pinRevision?: boolean;
  /**
   * Lets manual syncs through the deny windows, for an incident; the reason is shown on the windows.
   * @default - deny windows block manual syncs too
   */
  readonly freezeOverride?: { readonly reason: string };
  /**
   * How the datastore's password Secret and CA ConfigMap are delivered.
   * @default - nothing is delivered: they are prerequisites, as with `{ type: 'prerequisite' }`
   */
  readonly secretDelivery?: SecretDelivery;
  /** Argo CD: `automated` syncs with these switches, or `manual` (no automated block at all). */
  readonly argoSync: { readonly mode: 'automated'; readonly prune: boolean; readonly selfHeal: boolean } | { readonly mode: 'manual' };
  readonly syncWindows: readonly SyncWindow[];
  /** Members of the AppProject's operator role may sync this environment's Applications. */
  readonly operatorsMaySync: boolean;
  /** Flux: suspend reconciliation until the environment is promoted. */
  readonly fluxSuspended: boolean;
  /** Run the PreSync `spire-server validate` hook. */
  readonly preSyncValidation: boolean;
  /** Run the PostSync health check hook (needs the health probe image). */
  readonly postSyncHealthCheck: boolean;
}

export interface MonitoringSettings {
  /** Render ServiceMonitor/PodMonitor, PrometheusRule and the Grafana dashboard. */
  readonly enabled: boolean;
  /** Label the Prometheus instance selects monitors and rules by. */
  readonly prometheusSelector: Readonly<Record<string, string>>;
  /** Namespace Grafana's dashboard sidecar watches. */
  readonly dashboardNamespace: string;
  /** Namespace Prometheus scrapes from; the NetworkPolicies admit metrics traffic from it only. */
  readonly prometheusNamespace: string;
}
