import { z } from 'zod';
import { DEFAULT_CLUSTER_DOMAIN } from './spire-facts';

/*
 * The estate's one description: every field, its type, its documentation and its default. The types of
 * lib/config/types.ts are inferred from these schemas, parseEstate (lib/config/parse.ts) checks every
 * estate against them before synth, and schema/estate.schema.json is generated from them for editors.
 * Objects are strict: a key the schema does not know is an error, never silently ignored.
 *
 * What the schema says is the shape (types, required keys, enumerations). What a value must satisfy
 * beyond its type (a DNS label, a Kubernetes quantity, a Go duration, rules across fields) is checked in
 * validate.ts and validate-fields.ts, which can name the fix.
 */

export const durationSchema = z.string()
  .describe('A Go duration as SPIRE and Kubernetes accept it: `90s`, `15m`, `4h`, `1h30m`.');

export const logLevelSchema = z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).describe('SPIRE\'s log level (log_level).');
export const logFormatSchema = z.enum(['text', 'json']).describe('SPIRE\'s log format (log_format): `json` for log pipelines, `text` for people.');

export const resourceSpecSchema = z.strictObject({
  requests: z.strictObject({
    cpu: z.string().describe('Kubernetes quantity, e.g. `50m`.'),
    memory: z.string().describe('Kubernetes quantity, e.g. `64Mi`.'),
  }).describe('What the scheduler reserves for the container.'),
  limits: z.strictObject({
    cpu: z.string().optional().describe('Kubernetes quantity; none: no CPU limit (throttling a CA costs more than it saves).'),
    memory: z.string().describe('Kubernetes quantity, at least the request.'),
  }).describe('Where the container is throttled (cpu) or killed (memory).'),
}).describe('Container requests and limits.');

// ------------------------------------------------------------------------------------------ pods

/*
 * How a component's pods are scheduled and marked. These mirror the per-component values of the upstream
 * hardened chart (spiffe/helm-charts-hardened, chart spire 0.30.0: spire-server, spire-agent,
 * spiffe-csi-driver and spiffe-oidc-discovery-provider values.yaml): `tolerations`, `nodeSelector`,
 * `priorityClassName`, `podLabels` (here `labels`) and `podAnnotations` (here `annotations`). The chart's
 * free-form `affinity` and `topologySpreadConstraints` are replaced, for the replicated components (server,
 * OIDC provider), by the typed `spread` switch below; node choice is `nodeSelector`. Each component's
 * defaults are applied once in the resolve stage (lib/resolve/pods.ts) and named in its field's description.
 */

export const tolerationSchema = z.strictObject({
  key: z.string().optional().describe('Taint key the toleration matches (a label key); none: every key, with operator Exists.'),
  operator: z.enum(['Exists', 'Equal']).describe('`Exists`: any value of the key; `Equal`: exactly `value`.'),
  value: z.string().optional().describe('Taint value (a label value), for Equal only.'),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Taint effect matched; none: every effect.'),
  tolerationSeconds: z.number().optional().describe('With effect NoExecute: seconds the pod stays on a node after the taint appears; none: for ever.'),
}).describe('A Kubernetes toleration: lets the pods onto nodes with a matching taint.');

export const podSpreadSchema = z.strictObject({
  over: z.enum(['nodes', 'zones']).describe(
    '`nodes`: replicas on different nodes (kubernetes.io/hostname); `zones`: in different zones (topology.kubernetes.io/zone).',
  ),
  required: z.boolean().describe(
    '`true`: a replica that cannot be placed apart stays Pending (DoNotSchedule); `false`: the scheduler prefers apart but places it anyway (ScheduleAnyway).',
  ),
}).describe('Spread the replicas: a topology spread constraint with maxSkew 1 over the component\'s own selector labels.');

const podOptionsShape = {
  tolerations: z.array(tolerationSchema).optional().describe('Tolerations of the pods; given, they replace the component\'s default list.'),
  nodeSelector: z.record(z.string(), z.string()).optional().describe('Node labels a node must carry to run the pods (valid label keys and values).'),
  priorityClassName: z.string().nullable().optional().describe('PriorityClass of the pods (a DNS subdomain); `null`: none.'),
  labels: z.record(z.string(), z.string()).optional().describe(
    'Extra labels on the pods (not on the workload or its selector); the app.kubernetes.io labels the project sets are refused.',
  ),
  annotations: z.record(z.string(), z.string()).optional().describe(
    'Extra annotations on the pods; the spire-gitops/ annotations and kubectl.kubernetes.io/default-container the project sets are refused.',
  ),
};

export const podOptionsSchema = z.strictObject(podOptionsShape)
  .describe('How the pods of a component on every node are scheduled and marked.');

export const replicatedPodOptionsSchema = z.strictObject({
  ...podOptionsShape,
  spread: podSpreadSchema.optional().describe('None: the scheduler places replicas as it likes (possibly together).'),
}).describe('How the pods of a replicated component are scheduled, spread and marked.');

// ------------------------------------------------------------------------------------------- probes

/*
 * The timing of a container's liveness or readiness probe (the hardened chart's livenessProbe and
 * readinessProbe values). What is probed (path and port) is SPIRE's and stays in lib/config/spire-facts.ts;
 * each field left out keeps the component's default, named in lib/resolve/workloads.ts.
 */
export const probeTimingSchema = z.strictObject({
  initialDelaySeconds: z.number().optional().describe('Seconds after the container starts before the first probe (0 or more). None: the component\'s default.'),
  periodSeconds: z.number().optional().describe('Seconds between probes (at least 1). None: the component\'s default.'),
  timeoutSeconds: z.number().optional().describe('Seconds one probe may take (at least 1). None: 3.'),
  failureThreshold: z.number().optional().describe('Failed probes in a row before the container is restarted (liveness) or taken out of its Services (readiness); at least 1. None: the component\'s default.'),
}).describe('Timing of one probe; what it probes is SPIRE\'s health endpoint.');

export const probesSchema = z.strictObject({
  liveness: probeTimingSchema.optional().describe('None: the component\'s default liveness timing.'),
  readiness: probeTimingSchema.optional().describe('None: the component\'s default readiness timing.'),
}).describe('Probe timing of one container.');

// ---------------------------------------------------------------------------------------------- images

export const imageRefSchema = z.strictObject({
  repository: z.string().describe('Registry and path without tag, e.g. `ghcr.io/spiffe/spire-server`.'),
  tag: z.string().describe('The release tag; never `latest`.'),
  digest: z.string().optional().describe('`sha256:...`; environments with `requireImageDigests` refuse an image without one.'),
  entrypoint: z.array(z.string()).describe(
    'The image\'s ENTRYPOINT as its Dockerfile sets it. A container that gives only `args` runs ENTRYPOINT + args; one that '
    + 'gives `command` replaces it. Read from the image\'s Dockerfile when upgrading; `containerCommand` derives every '
    + 'container\'s command line from it.',
  ),
  cmd: z.array(z.string()).describe('The image\'s CMD: what runs after the ENTRYPOINT when a container gives neither command nor args.'),
}).describe('One container image, pinned.');

export const imageCatalogueSchema = z.strictObject({
  spireServer: imageRefSchema,
  spireAgent: imageRefSchema,
  controllerManager: imageRefSchema,
  csiDriver: imageRefSchema,
  csiNodeDriverRegistrar: imageRefSchema,
  oidcDiscoveryProvider: imageRefSchema,
  healthProbe: imageRefSchema.describe('Small image with `wget`, used by the PostSync health check hook.'),
  pullSecrets: z.array(z.string()).optional().describe(
    'Names of existing kubernetes.io/dockerconfigjson Secrets the kubelet pulls every image with (imagePullSecrets of every '
    + 'pod the trees run: server, agent, CSI driver, OIDC provider, sync hooks, sample workload). Each must exist in every '
    + 'namespace those pods run in (README "Images"); never rendered. None: images are pulled anonymously or with the nodes\' credentials.',
  ),
  pullPolicy: z.enum(['IfNotPresent', 'Always']).optional().describe(
    'imagePullPolicy of every container. `Never` is not offered: a node without the image could never start the pod. None: '
    + 'Kubernetes\' default (IfNotPresent for a tagged image) on SPIRE\'s own containers; the sample workload keeps Always.',
  ),
}).describe('Every container image the estate runs (lib/config/versions.ts holds the shipped catalogue) and how the nodes pull them.');

// ------------------------------------------------------------------------------------------ delivery

export const gitOpsEngineSchema = z.enum(['argocd', 'flux']);

export const argoCdConfigSchema = z.strictObject({
  namespace: z.string().describe('Namespace of the Argo CD instance that syncs the estate.'),
  project: z.string().describe('AppProject that holds every SPIRE Application.'),
  roles: z.strictObject({
    admin: z.array(z.string()).describe('SSO groups that may change and sync every SPIRE Application.'),
    operator: z.array(z.string()).describe('SSO groups that may sync the Applications of environments with operatorsMaySync.'),
    viewer: z.array(z.string()).describe('SSO groups that may only read.'),
  }).describe('SSO groups per project role.'),
  notifications: z.strictObject({
    service: z.string().describe('Notification service name (`service.<name>` in argocd-notifications-cm), e.g. `slack`.'),
    recipients: z.array(z.string()).describe('Recipients on that service, e.g. Slack channels.'),
  }).describe(
    'Argo CD notifications: every Application subscribes `on-sync-failed` and `on-health-degraded` to this service '
    + '(`service.<name>` in argocd-notifications-cm) and these recipients (e.g. Slack channels).',
  ),
}).describe('The Argo CD instance that deploys Argo CD environments.');

export const fluxConfigSchema = z.strictObject({
  namespace: z.string().describe('Namespace of the Flux controllers.'),
  interval: durationSchema.describe('How often Flux polls the repository and re-applies the trees.'),
  notifications: z.strictObject({
    type: z.string().describe('Provider type, e.g. `slack`.'),
    channel: z.string().optional().describe('Channel the Provider posts to; none: the one its Secret names.'),
    secretName: z.string().describe('Secret in the Flux namespace holding the address or token (a prerequisite, never in Git).'),
  }).optional().describe(
    'Flux notification-controller Provider for the Alerts of Flux environments. None: no Provider and no Alerts.',
  ),
}).describe('The Flux instance that deploys Flux environments.');

export const syncWindowSchema = z.strictObject({
  kind: z.enum(['allow', 'deny']).describe('`allow`: syncs only inside the window; `deny`: no syncs inside it.'),
  schedule: z.string().describe('Cron expression in `timeZone`.'),
  duration: durationSchema.describe('How long the window stays open from each start.'),
  timeZone: z.string().describe('IANA time zone of the schedule, e.g. `Europe/Berlin`.'),
  manualSync: z.boolean().describe('Let people sync by hand while the window blocks automated syncs.'),
  description: z.string().optional().describe('Shown in Argo CD next to the window. None: no description.'),
});

export const secretDeliverySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('external-secrets').describe('ExternalSecrets rendered into the tree.'),
    store: z.strictObject({
      kind: z.enum(['ClusterSecretStore', 'SecretStore']).describe('Kind of the store.'),
      name: z.string().describe('Name of the store.'),
    }).describe('The external-secrets store to read from.'),
    remoteKey: z.string().describe('Key in the store; `{cluster}` is replaced by the cluster name. Its properties are `password` and `ca.crt`.'),
    refreshInterval: durationSchema.describe('How often external-secrets reads the store again.'),
  }),
  z.strictObject({
    type: z.literal('sops').describe('SOPS-encrypted manifests committed to Git, decrypted by Flux.'),
    path: z.string().describe('Directory of the SOPS-encrypted manifests; those of a cluster are under `path/<cluster>/`.'),
    decryptionSecret: z.string().describe('Secret in the Flux namespace holding the decryption key.'),
  }),
  z.strictObject({ type: z.literal('prerequisite').describe('Created out of band before the first sync.') }),
]).describe(
  'How the Secret and ConfigMap an external datastore needs reach the cluster. `external-secrets`: ExternalSecrets '
  + '(external-secrets.io/v1) rendered into the tree read them from a secret store; `sops`: SOPS-encrypted manifests '
  + 'committed under `path/<cluster>/`, decrypted by Flux; `prerequisite`: created out of band before the first sync.',
);

export const argoSyncSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('automated').describe('Argo CD syncs on every change.'),
    prune: z.boolean().describe('Delete objects removed from Git (an identity removed from Git is revoked).'),
    selfHeal: z.boolean().describe('Undo changes made in the cluster by hand.'),
  }),
  z.strictObject({ mode: z.literal('manual').describe('People sync by hand.') }),
]).describe('Argo CD: `automated` syncs with these switches, or `manual` (no automated block at all).');

export const gitOpsSettingsSchema = z.strictObject({
  engines: z.array(gitOpsEngineSchema).describe('The one engine that deploys the environment (two would apply and prune the same objects).'),
  handover: z.strictObject({
    from: gitOpsEngineSchema.describe('The engine that deployed the environment until now.'),
    phase: z.enum(['orphan', 'adopt']).describe('Where the move stands: `orphan` first, then `adopt`.'),
  }).optional().describe(
    'Moving the environment from one engine to the other: `orphan` makes the old engine let go of the objects without '
    + 'deleting them (Argo CD: no resources finalizer; Flux: deletionPolicy Orphan); `adopt` removes the old engine\'s '
    + 'objects and lets the new one (in `engines`) take the objects over. None: no migration under way.',
  ),
  argoDelivery: z.enum(['applications', 'applicationset']).default('applications').describe(
    'Argo CD: one Application per cluster, or one ApplicationSet per environment generating them from the cluster Secrets '
    + 'labelled for it, synced region by region (RollingSync).',
  ),
  pinRevision: z.boolean().default(false).describe(
    'Deploy the commit recorded for this environment in promotion/revisions.json (written by `npm run promote`), never a branch head.',
  ),
  freezeOverride: z.strictObject({ reason: z.string().describe('Why the freeze is lifted (e.g. the incident), shown on the windows.') }).optional().describe(
    'Lets manual syncs through the deny windows, for an incident; the reason is shown on the windows. None: deny windows block manual syncs too.',
  ),
  secretDelivery: secretDeliverySchema.optional().describe(
    'How the datastore\'s password Secret and CA ConfigMap are delivered. None: they are prerequisites, as with `{ type: \'prerequisite\' }`.',
  ),
  argoSync: argoSyncSchema,
  syncWindows: z.array(syncWindowSchema).describe('Argo CD sync windows of the environment\'s Applications; empty: syncs at any time.'),
  operatorsMaySync: z.boolean().describe('Members of the AppProject\'s operator role may sync this environment\'s Applications.'),
  fluxSuspended: z.boolean().describe('Flux: suspend reconciliation until the environment is promoted.'),
  preSyncValidation: z.boolean().describe('Run the PreSync `spire-server validate` hook.'),
  postSyncHealthCheck: z.boolean().describe('Run the PostSync health check hook (needs the health probe image).'),
}).describe('How the environment is delivered.');

// ------------------------------------------------------------------------------------------- server

const awsRegionSchema = z.string().describe('AWS region, e.g. `us-east-1`.');

const databaseShape = {
  host: z.string().describe('DNS name or IPv4 address of the database server.'),
  port: z.number().describe('TCP port of the database server.'),
  database: z.string().describe('Name of the database.'),
  user: z.string().describe('Database user the server connects as.'),
  passwordSecret: z.strictObject({
    name: z.string().describe('Name of the Secret.'),
    key: z.string().describe('Key of the password in the Secret.'),
  }).optional().describe('Existing Secret holding the password; it is read through an env var, never rendered. Needed unless `iamAuth`.'),
  iamAuth: z.strictObject({
    region: awsRegionSchema.describe('Region of the RDS database.'),
  }).optional().describe(
    'RDS IAM authentication (SPIRE pkg/server/datastore/sqlstore/sqlstore.go awsConfig: database_type aws_postgres or aws_mysql): '
    + 'the server signs a short-lived token with server.cloudCredentials.aws instead of a password. Not together with `passwordSecret`. '
    + 'None: the server logs in with the password from `passwordSecret`.',
  ),
  caConfigMap: z.string().optional().describe('Existing ConfigMap with the database server\'s CA (key `ca.crt`), to verify the server\'s certificate.'),
  caSecret: z.string().optional().describe(
    'Existing Secret with the database server\'s CA (key `ca.crt`), instead of caConfigMap where the CA is kept in Secrets. None: caConfigMap\'s, if any.',
  ),
  clientCertificateSecret: z.string().optional().describe(
    'Existing kubernetes.io/tls Secret (keys `tls.crt`, `tls.key`) with the certificate the server authenticates to the database with '
    + '(postgres sslcert/sslkey, mysql client_cert_path/client_key_path); created out of band in every delivery mode, e.g. by a '
    + 'cert-manager Certificate. None: no client certificate.',
  ),
  maxOpenConns: z.number().describe('Most open connections of one server (max_open_conns).'),
  maxIdleConns: z.number().describe('Most idle connections one server keeps (max_idle_conns); at most maxOpenConns.'),
  connMaxLifetime: durationSchema.optional().describe(
    'Longest a connection is reused before the server opens a new one (conn_max_lifetime), e.g. `1h`, so connections move to '
    + 'database servers that come back after a failover. None: SPIRE\'s default, no limit (idle connections still close after 30s).',
  ),
  disableMigration: z.boolean().optional().describe(
    'disable_migration: the server refuses to start on a database whose schema is older than its own instead of migrating it, so '
    + 'schema changes happen only when an operator allows them. A new, empty database is still created. Default: false (SPIRE migrates).',
  ),
  readReplica: z.strictObject({
    host: z.string().describe('DNS name or IPv4 address of the read replica (a replica of the same database).'),
    port: z.number().optional().describe('TCP port of the replica. None: the primary\'s `port`.'),
    user: z.string().optional().describe('Database user on the replica, e.g. a role with SELECT grants only. None: the primary\'s `user`.'),
    passwordSecret: z.strictObject({
      name: z.string().describe('Name of the Secret.'),
      key: z.string().describe('Key of the password in the Secret.'),
    }).optional().describe(
      'Existing Secret holding the replica user\'s password, read into RODBPW and substituted by `-expandEnv` (so it must not contain '
      + '`"`, `\\` or, on postgres, `\'`); a prerequisite in every delivery mode. Not with `iamAuth`. None: the primary\'s password.',
    ),
  }).optional().describe(
    'A read replica the server sends the reads that may be slightly stale to (ro_connection_string): same database name, sslmode, CA '
    + 'and client certificate as the primary. None: every read goes to the primary.',
  ),
};

export const externalDatabaseSchema = z.strictObject(databaseShape)
  .describe('An external SQL database several server replicas (and clusters) can share.');

export const datastoreSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('sqlite3').describe('A SQLite file on the server\'s own volume: one replica, its own CA.'),
    storageSize: z.string().describe('Size of the server\'s PersistentVolumeClaim (a Kubernetes quantity).'),
    storageClass: z.string().optional().describe('StorageClass of the claim; none: the cluster\'s default.'),
  }),
  z.strictObject({
    type: z.literal('postgres').describe('An external PostgreSQL database.'),
    ...databaseShape,
    sslMode: z.enum(['require', 'verify-ca', 'verify-full']).optional().describe(
      'libpq sslmode. verify-ca and verify-full need `caConfigMap`; production environments refuse require. '
      + 'None: verify-full in production environments, require elsewhere.',
    ),
  }),
  z.strictObject({ type: z.literal('mysql').describe('An external MySQL database.'), ...databaseShape }),
]).describe('Where the server keeps registration entries, bundles and its CA\'s state.');

/** A key of an existing Secret; the project mounts or reads it, never renders its content. */
export const secretKeyRefSchema = z.strictObject({
  name: z.string().describe('Name of the Secret (in the component\'s namespace, created out of band).'),
  key: z.string().describe('Key in the Secret.'),
}).describe('A key of an existing Secret.');

/*
 * Cloud credentials of the server: one per cloud, shared by every plugin of that cloud (KeyManager,
 * UpstreamAuthority, BundlePublisher, NodeAttestor), because a pod has one ServiceAccount and one set of
 * Application Default Credentials. Only workload identity or a Secret: nothing secret is ever inline.
 */
export const gcpCredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('workload-identity').describe('GKE Workload Identity: the ServiceAccount is annotated `iam.gke.io/gcp-service-account`.'),
    serviceAccount: z.string().describe('The Google service account the pod acts as, e.g. `spire-server@my-project.iam.gserviceaccount.com`.'),
  }),
  z.strictObject({
    type: z.literal('service-account-file').describe(
      'A service account key file from a Secret, mounted read-only; plugins with a `service_account_file` key get its path, the others '
      + 'find it through GOOGLE_APPLICATION_CREDENTIALS.',
    ),
    secret: secretKeyRefSchema,
  }),
]).describe('How the SPIRE server authenticates to Google Cloud.');

export const azureCredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('workload-identity').describe(
      'Azure Workload Identity: the ServiceAccount is annotated `azure.workload.identity/client-id` and the pods labelled '
      + '`azure.workload.identity/use: "true"`; the webhook injects the token, and the plugins use DefaultAzureCredential.',
    ),
    clientId: z.string().describe('Client ID (a GUID) of the user-assigned managed identity or app registration federated with the ServiceAccount.'),
  }),
  z.strictObject({
    type: z.literal('app-secret').describe('An app registration\'s client secret, read from a Secret into an environment variable (`-expandEnv`).'),
    tenantId: z.string().describe('Directory (tenant) ID, a GUID.'),
    subscriptionId: z.string().describe('Subscription ID, a GUID.'),
    appId: z.string().describe('Application (client) ID, a GUID.'),
    appSecret: secretKeyRefSchema.describe('The client secret, in a Secret created out of band.'),
  }),
]).describe('How the SPIRE server authenticates to Azure.');

/** AWS SDK for Go v2 default credential chain, which every SPIRE AWS plugin falls back on when its access keys are empty. */
export const awsCredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('irsa').describe('IAM Roles for Service Accounts: the ServiceAccount carries the role ARN, EKS injects a web identity token.'),
    roleArn: z.string().describe('ARN of the IAM role, e.g. `arn:aws:iam::111122223333:role/spire-server`; becomes the `eks.amazonaws.com/role-arn` annotation.'),
  }),
  z.strictObject({
    type: z.literal('secret').describe('An access key in an existing Secret, given to the container as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'),
    secretName: z.string().describe('Name of the Secret (in the component\'s namespace), created out of band; never rendered.'),
    accessKeyIdKey: z.string().describe('Key of the access key id in the Secret.'),
    secretAccessKeyKey: z.string().describe('Key of the secret access key in the Secret.'),
  }),
]).describe('How the pods reach AWS: IRSA, or an access key from a Secret. Never inline.');

export const cloudCredentialsSchema = z.strictObject({
  gcp: gcpCredentialsSchema.optional().describe('Needed by gcp_kms, gcp_cas, gcp_cloudstorage and gcp_iit with useInstanceMetadata. None: no Google Cloud plugin.'),
  azure: azureCredentialsSchema.optional().describe('Needed by azure_key_vault, and by azure_msi tenants without their own appCredentials. None: no Azure plugin.'),
  aws: awsCredentialsSchema.optional().describe(
    'Needed by aws_kms, aws_pca, awssecret, aws_s3, aws_rolesanywhere_trustanchor, aws_iid and datastore iamAuth. None: no AWS plugin.',
  ),
}).describe('The server\'s cloud credentials, one per cloud.');

export const agentCloudCredentialsSchema = z.strictObject({
  aws: awsCredentialsSchema.optional().describe('Needed by the aws_secretsmanager SVIDStore. None: no AWS plugin on the agents.'),
}).describe('The agents\' cloud credentials (the gcp_secretmanager SVIDStore names its own key file).');

/** Where a cloud key manager keeps the identifier that tells its keys from other servers\' keys. */
export const keyIdentifierSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('file').describe('Generated on first start into key_identifier_file on a PersistentVolumeClaim of each replica: one identifier per replica.'),
    storageSize: z.string().describe('Size of the claim holding the file (a Kubernetes quantity).'),
    storageClass: z.string().optional().describe('StorageClass of the claim; none: the cluster\'s default.'),
  }),
  z.strictObject({
    type: z.literal('podName').describe(
      'key_identifier_value set to the pod\'s own name (`${POD_NAME}`, the server runs with -expandEnv): one identifier per pod and '
      + 'nothing on a volume, so the server can be a Deployment. Every new pod creates new keys (a new CA, published beside the '
      + 'others); the keys of pods gone are destroyed by the other servers once stale for two weeks (the plugins\' disposal of '
      + 'keys of other server IDs in the trust domain).',
    ),
  }),
  z.strictObject({
    type: z.literal('value').describe('A fixed key_identifier_value: one server only (two replicas with one identifier would manage the same keys).'),
    value: z.string().describe('Letters, digits, _ and - (gcp_kms: at most 63 characters; azure_key_vault: at most 256; aws_kms: also /, at most 256, not under alias/aws/).'),
  }),
]).describe('How the server identifies its keys in the cloud key store (key_identifier_file or key_identifier_value).');

export const keyManagerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('disk').describe('Keys in a file on a volume.'),
    storageSize: z.string().describe('Size of the claim holding the keys (a Kubernetes quantity).'),
    storageClass: z.string().optional().describe('StorageClass of the claim; none: the cluster\'s default.'),
  }),
  z.strictObject({ type: z.literal('memory').describe('Keys in memory only.') }),
  z.strictObject({
    type: z.literal('gcp_kms').describe('Keys in Google Cloud KMS (SPIRE KeyManager gcp_kms); needs server.cloudCredentials.gcp.'),
    keyRing: z.string().describe('Key ring, `projects/<project>/locations/<location>/keyRings/<ring>`.'),
    keyIdentifier: keyIdentifierSchema,
    keyPolicy: z.strictObject({
      configMap: z.string().describe('Existing ConfigMap in the server namespace.'),
      key: z.string().describe('Key of the IAM policy (v3, JSON) in the ConfigMap.'),
    }).optional().describe('Custom IAM policy set on the CryptoKeys the server creates (key_policy_file). None: the plugin\'s default policy.'),
  }),
  z.strictObject({
    type: z.literal('azure_key_vault').describe('Keys in Azure Key Vault (SPIRE KeyManager azure_key_vault); needs server.cloudCredentials.azure.'),
    keyVaultUri: z.string().describe('The vault\'s URI, `https://<vault>.vault.azure.net/`.'),
    keyIdentifier: keyIdentifierSchema,
  }),
  /* pkg/server/plugin/keymanager/awskms/awskms.go, Config and buildConfig. */
  z.strictObject({
    type: z.literal('aws_kms').describe('Keys in AWS KMS (SPIRE KeyManager aws_kms); needs server.cloudCredentials.aws.'),
    region: awsRegionSchema.describe('Region the keys are created in (region).'),
    keyIdentifier: keyIdentifierSchema,
    keyPolicy: z.strictObject({
      configMap: z.string().describe('Existing ConfigMap in the server namespace.'),
      key: z.string().describe('Key of the key policy (JSON) in the ConfigMap.'),
    }).optional().describe('Custom key policy set on the keys the server creates (key_policy_file). None: KMS\'s default key policy.'),
    tagBasedKeyDiscovery: z.boolean().optional().describe(
      'enable_tag_based_key_discovery: find keys by tags instead of aliases (needs tag:GetResources). Default: false, as SPIRE.',
    ),
  }),
]).describe(
  'Where the server keeps its signing keys: `disk` survives restarts, `memory` rotates them on every start, `gcp_kms`, '
  + '`azure_key_vault` and `aws_kms` keep them in the cloud\'s key store (never in the pod).',
);

export const certManagerUpstreamSchema = z.strictObject({
  type: z.literal('cert-manager').describe('cert-manager signs the CA through CertificateRequests.'),
  issuerName: z.string().describe('Name of the issuer.'),
  issuerKind: z.enum(['Issuer', 'ClusterIssuer']).describe('Kind of the issuer.'),
  issuerGroup: z.string().describe('API group of the issuer, e.g. `cert-manager.io`.'),
  namespace: z.string().describe('Namespace where the server creates CertificateRequests.'),
}).describe('A cert-manager issuer that signs the server\'s CA.');

export const gcpCasUpstreamSchema = z.strictObject({
  type: z.literal('gcp_cas').describe('Google Certificate Authority Service signs the CA (SPIRE UpstreamAuthority gcp_cas); needs server.cloudCredentials.gcp.'),
  projectName: z.string().describe('Google Cloud project of the CA pool (root_cert_spec project_name).'),
  regionName: z.string().describe('Region of the CA pool, e.g. `us-central1` (root_cert_spec region_name).'),
  caPool: z.string().describe('Name of the CA pool (root_cert_spec ca_pool; SPIRE 1.15 warns without it, and validate counts the warning).'),
  labelKey: z.string().describe('Label key that marks the CAs of the pool SPIRE may use (root_cert_spec label_key).'),
  labelValue: z.string().describe('Value of that label (root_cert_spec label_value).'),
}).describe('Google Certificate Authority Service that signs the server\'s CA.');

/** pkg/server/plugin/upstreamauthority/awspca/pca.go, Configuration and buildConfig. */
export const awsPcaUpstreamSchema = z.strictObject({
  type: z.literal('aws_pca').describe('AWS Private CA signs the CA (SPIRE UpstreamAuthority aws_pca); needs server.cloudCredentials.aws.'),
  region: awsRegionSchema,
  certificateAuthorityArn: z.string().describe('ARN of the private CA (certificate_authority_arn).'),
  signingAlgorithm: z.enum(['SHA256WITHECDSA', 'SHA384WITHECDSA', 'SHA512WITHECDSA', 'SHA256WITHRSA', 'SHA384WITHRSA', 'SHA512WITHRSA'])
    .optional().describe('signing_algorithm; none: the CA\'s own default.'),
  caSigningTemplateArn: z.string().optional().describe('ca_signing_template_arn; none: SPIRE\'s default (SubordinateCACertificate_PathLen0).'),
  assumeRoleArn: z.string().optional().describe('assume_role_arn: a role the server assumes to reach the CA; none: its own credentials.'),
  supplementalBundle: z.strictObject({
    configMap: z.string().describe('Existing ConfigMap in the server namespace.'),
    key: z.string().describe('Key of the PEM certificates in the ConfigMap.'),
  }).optional().describe('Extra root certificates for the bundle (supplemental_bundle_path). None: none.'),
}).describe('AWS Private CA that signs the server\'s CA.');

/** pkg/server/plugin/upstreamauthority/awssecret/awssecret.go, Configuration and buildConfig. */
export const awsSecretUpstreamSchema = z.strictObject({
  type: z.literal('awssecret').describe('A CA certificate and key kept in AWS Secrets Manager (SPIRE UpstreamAuthority awssecret); needs server.cloudCredentials.aws.'),
  region: awsRegionSchema,
  certFileArn: z.string().describe('Secret (ARN or name) holding the CA certificate (cert_file_arn).'),
  keyFileArn: z.string().describe('Secret (ARN or name) holding the CA key (key_file_arn).'),
  bundleFileArn: z.string().optional().describe('Secret holding the upstream bundle (bundle_file_arn); none: the CA certificate is the root.'),
  assumeRoleArn: z.string().optional().describe('assume_role_arn: a role the server assumes to read the secrets; none: its own credentials.'),
}).describe('An upstream CA kept in AWS Secrets Manager that signs the server\'s CA.');

/** A BundlePublisher beside the k8s_configmap one the agents read: publishes the trust bundle for others. */
export const bundlePublisherSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('gcp_cloudstorage').describe('An object in a Google Cloud Storage bucket (SPIRE BundlePublisher gcp_cloudstorage); needs server.cloudCredentials.gcp.'),
    bucketName: z.string().describe('The bucket (bucket_name).'),
    objectName: z.string().describe('The object the bundle is written to (object_name).'),
    format: z.enum(['spiffe', 'jwks', 'pem']).describe('Bundle format (format).'),
  }),
  /* pkg/server/plugin/bundlepublisher/awss3/awss3.go, Config and buildConfig. */
  z.strictObject({
    type: z.literal('aws_s3').describe('An object in an S3 bucket (SPIRE BundlePublisher aws_s3); needs server.cloudCredentials.aws.'),
    region: awsRegionSchema,
    bucket: z.string().describe('The bucket (bucket).'),
    objectKey: z.string().describe('The object the bundle is written to (object_key), e.g. `example.org/bundle.json`.'),
    format: z.enum(['spiffe', 'jwks', 'pem']).describe('Bundle format (format).'),
    endpoint: z.string().optional().describe('An S3-compatible endpoint URL (endpoint); none: AWS S3.'),
  }),
  /* pkg/server/plugin/bundlepublisher/awsrolesanywhere/awsrolesanywhere.go, Config and buildConfig. */
  z.strictObject({
    type: z.literal('aws_rolesanywhere_trustanchor').describe(
      'An IAM Roles Anywhere trust anchor kept on the trust bundle (SPIRE BundlePublisher aws_rolesanywhere_trustanchor); needs server.cloudCredentials.aws.',
    ),
    region: awsRegionSchema,
    trustAnchorId: z.string().describe('ID of the trust anchor, a UUID (trust_anchor_id).'),
  }),
]).describe('Where else the server publishes its trust bundle; at most one publisher of each type.');

/** A key of an existing ConfigMap. */
const configMapKeySchema = z.strictObject({
  name: z.string().describe('Name of the ConfigMap.'),
  key: z.string().describe('Key in the ConfigMap.'),
});

/* pkg/server/plugin/nodeattestor/x509pop/x509pop.go Config and buildConfig: both must be greater than 0. */
const x509popLimits = {
  maxIntermediates: z.number().optional().describe('max_intermediates: the most intermediate certificates an agent may present. Default: 5, SPIRE\'s.'),
  maxRsaKeySize: z.number().optional().describe('max_rsa_key_size: the largest RSA key, in bits, of the agent\'s certificate. Default: 8192, SPIRE\'s.'),
};

/** An extra NodeAttestor on the server, for SPIRE agents on virtual machines outside the clusters. */
export const vmNodeAttestorSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('azure_msi').describe('Azure VMs with a managed identity (SPIRE NodeAttestor azure_msi).'),
    tenants: z.array(z.strictObject({
      tenantId: z.string().describe('Tenant (directory) ID, a GUID: tokens of other tenants are refused.'),
      resourceId: z.string().optional().describe('Audience of the MSI tokens (resource_id). None: `https://management.azure.com/`.'),
      appCredentials: z.strictObject({
        subscriptionId: z.string().describe('Subscription of the VMs, a GUID.'),
        appId: z.string().describe('Application (client) ID of an app registration in the tenant, a GUID.'),
        appSecret: secretKeyRefSchema.describe('Its client secret, in a Secret created out of band (read through `-expandEnv`).'),
      }).optional().describe(
        'The app registration the server reads the VMs\' properties with (subscription_id, app_id, app_secret). None: '
        + 'DefaultAzureCredential, i.e. server.cloudCredentials.azure of type workload-identity.',
      ),
    })).describe('The tenants whose VMs may attest, keyed by tenant ID in the plugin.'),
  }),
  /* pkg/server/plugin/nodeattestor/awsiid/iid.go, IIDAttestorConfig and buildConfig (SessionConfig in session.go). */
  z.strictObject({
    type: z.literal('aws_iid').describe(
      'EC2 instances attesting with their instance identity document (SPIRE NodeAttestor aws_iid); needs server.cloudCredentials.aws, '
      + 'since the server describes each instance through the EC2 API.',
    ),
    assumeRole: z.string().optional().describe(
      'assume_role: the name of a role in the agents\' accounts that the server assumes to describe their instances; none: its own credentials.',
    ),
    skipBlockDevice: z.boolean().optional().describe('skip_block_device: skip the root-volume anti-tampering check. Default: false.'),
    disableInstanceProfileSelectors: z.boolean().optional().describe(
      'disable_instance_profile_selectors: no IAM role selectors (for servers that cannot reach iam.amazonaws.com). Default: false.',
    ),
    agentPathTemplate: z.string().optional().describe(
      'agent_path_template: Go template of the agent\'s SPIFFE ID path. Default: SPIRE\'s `/{{ .PluginName }}/{{ .AccountID }}/{{ .Region }}/{{ .InstanceID }}`.',
    ),
    accountIdsForLocalValidation: z.array(z.string()).optional().describe('account_ids_for_local_validation: the AWS accounts whose instances may attest. None: any.'),
    partition: z.enum(['aws', 'aws-cn', 'aws-us-gov']).optional().describe('partition. Default: aws.'),
    /* pkg/server/plugin/nodeattestor/awsiid/organization.go orgValidationConfig; iid.go validateOrganizationConfig. */
    verifyOrganization: z.strictObject({
      managementAccountId: z.string().describe('management_account_id: the 12-digit ID of the organization\'s management account.'),
      assumeOrgRole: z.string().describe('assume_org_role: name of the role in the management account the server assumes to list the organization\'s accounts.'),
      managementAccountRegion: z.string().optional().describe('management_account_region. Default: us-west-2, SPIRE\'s.'),
      orgAccountMapTtl: durationSchema.optional().describe('org_account_map_ttl: how long the list of member accounts is cached; at least 1m. Default: 3m, SPIRE\'s.'),
    }).optional().describe(
      'verify_organization: admit only instances of accounts that are ACTIVE members of this AWS Organization. None: no organization check.',
    ),
  }),
  z.strictObject({
    type: z.literal('join_token').describe(
      'One-time join tokens (SPIRE NodeAttestor join_token, no options). Tokens are created with `spire-server token generate` '
      + 'and handed to the VM\'s agent (`-joinToken` or `join_token_file`); they are never in the estate or in Git.',
    ),
  }),
  z.strictObject({
    type: z.literal('x509pop').describe('VMs holding a certificate and key of a CA you run (SPIRE NodeAttestor x509pop, external_pki mode).'),
    caBundleConfigMap: configMapKeySchema.describe('Existing ConfigMap in the server namespace with the PEM CA bundle the VMs\' certificates chain to (ca_bundle_path).'),
    agentPathTemplate: z.string().optional().describe('agent_path_template, a Go template over the certificate. None: `/x509pop/{{ .Fingerprint }}`, SPIRE\'s default.'),
    ...x509popLimits,
  }),
  /* pkg/server/plugin/nodeattestor/httpchallenge/httpchallenge.go Config and buildConfig. */
  z.strictObject({
    type: z.literal('http_challenge').describe(
      'VMs that prove their DNS name (SPIRE NodeAttestor http_challenge): the agent serves a nonce on a port of the VM and the server '
      + 'fetches it over plain HTTP from http://<hostname>:<port>/.well-known/spiffe/nodeattestor/http_challenge/<agentname>/challenge; '
      + 'the agent ID is /spire/agent/http_challenge/<hostname>. The VM agent\'s own options (hostname, agentname, port, '
      + 'advertised_port) are in its agent.conf, outside the estate.',
    ),
    allowedDnsPatterns: z.array(z.string()).describe(
      'allowed_dns_patterns: Go regular expressions, one of which the hostname must match; each anchored with ^ and $ here, '
      + 'since SPIRE also accepts a match anywhere in the name. At least one: SPIRE would otherwise admit any hostname the server can reach.',
    ),
    requiredPort: z.number().optional().describe('required_port: the one port agents may be challenged on. None: any port.'),
    allowNonRootPorts: z.boolean().optional().describe(
      'allow_non_root_ports: accept ports 1024 and above, which any user of the VM could bind. Default: true, SPIRE\'s.',
    ),
    tofu: z.boolean().optional().describe(
      'tofu: trust on first use, a hostname attests once (later attempts are refused until its agent is evicted). May be false only '
      + 'when the port is privileged: requiredPort below 1024, or allowNonRootPorts false without requiredPort. Default: true, SPIRE\'s.',
    ),
  }),
  /* github.com/spiffe/spire-tpm-plugin v1.9.0 (module github.com/bloomberg/spire-tpm-plugin) pkg/server/server.go Config and Configure. */
  z.strictObject({
    type: z.literal('tpm_direct').describe(
      'VMs with a TPM 2.0 proving their endorsement key (the third-party external plugin `tpm`, marked experimental upstream). '
      + 'An init container copies the plugin binary from its image into the server pod and the PreSync validation; SPIRE starts it '
      + 'only if its sha256 is pluginChecksum. The agent ID is /spire/agent/tpm/<public key hash>. Not proven by spire-server '
      + 'validate or the e2e, which cannot build the plugin (README).',
    ),
    image: imageRefSchema.describe(
      'The plugin\'s image, e.g. ghcr.io/spiffe/spire-tpm-plugin-tpm-attestor-server v1.9.0; pinned by digest where requireImageDigests.',
    ),
    pluginPath: z.string().optional().describe('Absolute path of the binary in the image. Default: `/app/tpm_attestor_server`, the upstream image\'s.'),
    pluginChecksum: z.string().describe('plugin_checksum: the sha256 of the binary, 64 hex digits; SPIRE refuses to start a binary with another.'),
    caConfigMap: z.string().optional().describe(
      'Existing ConfigMap in the server namespace whose every key is a TPM manufacturer CA certificate (PEM or DER) that '
      + 'endorsement key certificates must chain to (ca_path). None: no CA is trusted.',
    ),
    hashesConfigMap: z.string().optional().describe(
      'Existing ConfigMap in the server namespace whose keys are the endorsement key public hashes allowed to attest, values '
      + 'ignored (hash_path). None: no hash is allowed by name. At least one of caConfigMap and hashesConfigMap.',
    ),
  }),
]).describe(
  'A NodeAttestor for agents on VMs outside the clusters (their workloads are registered as staticEntries under their agent '
  + 'ID). Not for the clusters\' own agents: on AKS every node of a pool shares the kubelet\'s managed identity, so their agent '
  + 'IDs would collide and SPIRE (trust on first use) would admit one node only; aws_iid likewise, since the controller manager '
  + 'parents the clusters\' workload entries on agent IDs it derives from the Node, which an EC2 instance ID is not; http_challenge '
  + 'likewise, since the server would have to reach every node by its name over plain HTTP, and proves less than k8s_psat, which '
  + 'every cluster has; tpm_direct likewise, since the manager cannot derive an endorsement key hash from a Node.',
);

/*
 * UpstreamAuthority "vault" of SPIRE 1.15.2 (pkg/server/plugin/upstreamauthority/vault/vault.go
 * Configuration, pkg/server/common/vault/configuration.go BaseConfiguration): exactly one auth method,
 * its credentials never in the config file but in the environment variables the plugin reads first
 * (GenClientParams: VAULT_TOKEN, VAULT_APPROLE_ID, VAULT_APPROLE_SECRET_ID) or in files mounted from
 * Secrets and projected tokens.
 */
export const vaultAuthSchema = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('token').describe('token_auth: a Vault token, from a Secret into VAULT_TOKEN.'),
    tokenSecret: z.strictObject({
      name: z.string().describe('Name of the Secret.'),
      key: z.string().describe('Key of the token in the Secret.'),
    }).describe('Existing Secret holding the token (renewable; the plugin renews it).'),
  }),
  z.strictObject({
    method: z.literal('cert').describe('cert_auth: TLS client certificate login.'),
    certificateSecret: z.string().describe('Existing kubernetes.io/tls Secret (keys `tls.crt`, `tls.key`) with the client certificate.'),
    roleName: z.string().optional().describe('cert_auth_role_name; none: any role the certificate matches.'),
    mountPoint: z.string().optional().describe('cert_auth_mount_point; none: `cert`.'),
  }),
  z.strictObject({
    method: z.literal('approle').describe('approle_auth: AppRole login, role and secret ID from a Secret.'),
    secret: z.strictObject({
      name: z.string().describe('Name of the Secret.'),
      roleIdKey: z.string().describe('Key of the role ID.'),
      secretIdKey: z.string().describe('Key of the secret ID.'),
    }).describe('Existing Secret holding both, read into VAULT_APPROLE_ID and VAULT_APPROLE_SECRET_ID.'),
    mountPoint: z.string().optional().describe('approle_auth_mount_point; none: `approle`.'),
  }),
  z.strictObject({
    method: z.literal('kubernetes').describe('k8s_auth: login with the server\'s own ServiceAccount token, projected for Vault.'),
    roleName: z.string().describe('k8s_auth_role_name: the Vault role bound to the server\'s ServiceAccount.'),
    mountPoint: z.string().optional().describe('k8s_auth_mount_point; none: `kubernetes`.'),
    audience: z.string().optional().describe('Audience of the projected token, as the Vault role expects it. Default: `vault`.'),
  }),
]).describe('How the server logs in to Vault; exactly one method.');

export const vaultUpstreamSchema = z.strictObject({
  type: z.literal('vault').describe('Vault\'s PKI secrets engine signs the CA.'),
  vaultAddr: z.string().describe('https:// URL of the Vault server (vault_addr).'),
  pkiMountPoint: z.string().optional().describe('pki_mount_point. None: `pki`.'),
  namespace: z.string().optional().describe('Vault Enterprise namespace (namespace). None: the root namespace.'),
  caCertConfigMap: z.string().optional().describe(
    'Existing ConfigMap with the CA that verifies Vault\'s certificate (key `ca.crt`), read as ca_cert_path. None: the system roots.',
  ),
  insecureSkipVerify: z.boolean().optional().describe('insecure_skip_verify: accept any Vault certificate. Refused in production environments. Default: false.'),
  auth: vaultAuthSchema,
}).describe('A Vault PKI secrets engine that signs the server\'s CA.');

/**
 * Certificate and key of a CA in an existing Secret: a kubernetes.io/tls Secret (keys `tls.crt`, `tls.key`),
 * or any Secret whose keys are named here. Mounted read-only; never rendered.
 */
export const keyPairSecretSchema = z.strictObject({
  name: z.string().describe('Name of the Secret in the server namespace, created out of band.'),
  certificateKey: z.string().optional().describe('Key of the PEM certificate (chain). Default: `tls.crt`.'),
  privateKeyKey: z.string().optional().describe('Key of the PEM private key. Default: `tls.key`.'),
}).describe('A certificate and its private key in an existing Secret.');

/*
 * UpstreamAuthority "disk" of SPIRE 1.15.2 (pkg/server/plugin/upstreamauthority/disk/disk.go Configuration,
 * loadUpstreamCAAndCerts): cert_file_path, key_file_path and bundle_file_path, read from Secret volumes.
 */
export const diskUpstreamSchema = z.strictObject({
  type: z.literal('disk').describe('A CA certificate and key from a Secret sign the server\'s CA (SPIRE UpstreamAuthority disk).'),
  secret: keyPairSecretSchema.describe(
    'The upstream CA: its certificate (first in the file; intermediates may follow when `bundle` is set) and key (cert_file_path, key_file_path).',
  ),
  bundle: secretKeyRefSchema.optional().describe(
    'The upstream roots the CA certificate chains to (bundle_file_path), from the same or another Secret. None: the CA certificate must be '
    + 'self-signed (it is then the root), as the plugin requires.',
  ),
}).describe('An upstream CA whose certificate and key are kept in a Secret.');

/*
 * UpstreamAuthority "ejbca" of SPIRE 1.15.2 (pkg/server/plugin/upstreamauthority/ejbca/ejbca.go Config and
 * buildConfig; ejbca_client.go getAuthenticator reads the files): mTLS to EJBCA's REST API.
 */
export const ejbcaUpstreamSchema = z.strictObject({
  type: z.literal('ejbca').describe('Keyfactor EJBCA signs the CA through its REST API, with mTLS (SPIRE UpstreamAuthority ejbca).'),
  hostname: z.string().describe('Host and optional port of EJBCA, without scheme or path, e.g. `ejbca.example.org:8443` (hostname).'),
  caName: z.string().describe('The EJBCA CA that signs the server\'s CA (ca_name).'),
  endEntityProfileName: z.string().describe('End entity profile the enrolment uses (end_entity_profile_name).'),
  certificateProfileName: z.string().describe('Certificate profile that issues intermediate CAs (certificate_profile_name).'),
  endEntityName: z.string().optional().describe(
    'How the end entity is named (end_entity_name): `cn`, `dns`, `uri`, `ip` (taken from the CSR) or a fixed name. None: the first of '
    + 'cn, dns, uri, ip the CSR has.',
  ),
  accountBindingId: z.string().optional().describe('Account binding ID recorded with the issued certificates (account_binding_id). None: none.'),
  clientCertificate: keyPairSecretSchema.describe('The client certificate and key the server authenticates to EJBCA with (client_cert_path, client_cert_key_path).'),
  caCert: secretKeyRefSchema.optional().describe('The CA that verifies EJBCA\'s serving certificate (ca_cert_path). None: the system roots.'),
}).describe('A Keyfactor EJBCA CA that signs the server\'s CA.');

export const upstreamAuthoritySchema = z.discriminatedUnion('type', [
  certManagerUpstreamSchema,
  gcpCasUpstreamSchema,
  vaultUpstreamSchema,
  awsPcaUpstreamSchema,
  awsSecretUpstreamSchema,
  diskUpstreamSchema,
  ejbcaUpstreamSchema,
]).describe(
  'What signs the server\'s CA: a cert-manager issuer, Google Certificate Authority Service, Vault\'s PKI engine, AWS Private CA, a CA kept in '
  + 'AWS Secrets Manager, a CA in a Secret (disk) or Keyfactor EJBCA.',
);

/*
 * Notifier "k8sbundle" of SPIRE 1.15.2 (pkg/server/plugin/notifier/k8sbundle/k8sbundle.go cluster and
 * Configuration): the bundle's X.509 authorities as PEM into one ConfigMap key, and into the caBundle of
 * webhook configurations and APIServices labelled `<label>=true`, in this cluster.
 */
export const k8sBundleNotifierSchema = z.strictObject({
  type: z.literal('k8sbundle').describe('SPIRE Notifier k8sbundle: keeps a PEM copy of the trust bundle in a ConfigMap and in labelled webhooks\' caBundle.'),
  namespace: z.string().optional().describe('Namespace of the ConfigMap (namespace). Default: the server\'s namespace.'),
  configMap: z.string().describe('The ConfigMap the PEM bundle is written to (config_map); the tree renders it empty, the notifier fills its key.'),
  configMapKey: z.string().optional().describe('Key of the PEM bundle in the ConfigMap (config_map_key). Default: `bundle.crt`, as SPIRE.'),
  webhookLabel: z.string().optional().describe(
    'Label key (webhook_label): every ValidatingWebhookConfiguration and MutatingWebhookConfiguration labelled `<key>: "true"` gets the bundle as '
    + 'its caBundle. None: no webhook is touched.',
  ),
  apiServiceLabel: z.string().optional().describe(
    'Label key (api_service_label): every APIService labelled `<key>: "true"` gets the bundle as its caBundle. None: no APIService is touched.',
  ),
}).describe('Keeps a PEM copy of the trust bundle in a ConfigMap and in labelled webhooks and APIServices of this cluster.');

export const notifierSchema = z.discriminatedUnion('type', [k8sBundleNotifierSchema]).describe('A Notifier of the server.');

/**
 * spire-controller-manager v0.7.0's own options (its ControllerManagerConfig, api/v1alpha1/controllermanagerconfig_types.go),
 * beside the server. Every key is optional; absent keys keep what the manager gets today.
 */
export const controllerManagerSchema = z.strictObject({
  staticManifestMode: z.enum(['off', 'internal']).optional().describe(
    'How the manager learns what to register. `off`: from ClusterStaticEntry and ClusterFederatedTrustDomain (and ClusterSPIFFEID) '
    + 'resources in the cluster, checked at admission. `internal`: from files (staticManifestPath) of a ConfigMap synth renders from '
    + 'the environment\'s staticEntries and federation; the manager then reads nothing from the Kubernetes API, so no ClusterSPIFFEID '
    + '(identities, OIDC provider, mesh) can be registered, and there is no webhook, no admission policy, no leader election and no '
    + 'health or metrics endpoint. The chart\'s `external` (a ConfigMap made outside the estate) is not offered: its entries would '
    + 'bypass the synth-time identity policy, the only check left in this mode. Default: `off`.',
  ),
  gcInterval: durationSchema.optional().describe(
    'gcInterval: how often the manager reconciles when nothing triggers it, which bounds how long an entry whose resource or manifest '
    + 'is gone (or that was changed behind the manager\'s back) survives. Default: the manager\'s 10s.',
  ),
  logEncoding: z.enum(['json', 'console']).optional().describe('logEncoding of the manager. Default: `json` (the manager\'s own default is console).'),
  leaderElection: z.strictObject({
    leaseDuration: durationSchema.optional().describe('How long a lease lasts before another replica may take it (leaderElection.leaseDuration). Default: 15s.'),
    renewDeadline: durationSchema.optional().describe('How long the leader retries renewing before it gives up leading; below leaseDuration. Default: 10s.'),
    retryPeriod: durationSchema.optional().describe('Wait between attempts; renewDeadline must exceed 1.2 times it (client-go). Default: 2s.'),
  }).optional().describe('Timing of the leader election every manager runs (controller-runtime defaults when absent). Not with staticManifestMode internal.'),
  watchClassless: z.boolean().optional().describe(
    'watchClassless: also reconcile resources without spec.className. For a migration from a classless install only: the admission '
    + 'policy refuses new classless resources, so this reaches only those created before it. Default: false.',
  ),
  entryIDPrefixCleanup: z.string().optional().describe(
    'entryIDPrefixCleanup: the manager deletes every entry whose ID starts with `<value>.`; with "" every entry whose ID has no dot, i.e. '
    + 'every entry no prefixed manager made, entries created with `spire-server entry create` included. For moving a server\'s entries '
    + 'from an older install\'s prefix; must not be the prefix of any manager of the environment. Default: none (nothing is deleted '
    + 'outside the cluster\'s own prefix).',
  ),
  reconcile: z.strictObject({
    clusterSPIFFEIDs: z.boolean().optional().describe('reconcile.clusterSPIFFEIDs. Default: true (false, and refused true, in static mode).'),
    clusterStaticEntries: z.boolean().optional().describe('reconcile.clusterStaticEntries. Default: true.'),
    clusterFederatedTrustDomains: z.boolean().optional().describe('reconcile.clusterFederatedTrustDomains. Default: true.'),
  }).optional().describe('Which kinds the manager reconciles; a kind the environment uses must stay on.'),
  cacheNamespaces: z.array(z.string()).optional().describe(
    'cacheNamespaces: the only namespaces whose pods the manager sees. Pods elsewhere get no entries, and entries it made for them are '
    + 'deleted. Must include the namespaces of the environment\'s identities. Default: every namespace.',
  ),
}).describe('Options of spire-controller-manager.');

/*
 * The server's Kubernetes workload: the hardened chart's spire-server `kind`, `autoscaling`,
 * `terminationGracePeriodSeconds`, probe and persistence values.
 */
export const serverAutoscalingSchema = z.strictObject({
  minReplicas: z.number().describe('Fewest server replicas the HorizontalPodAutoscaler keeps (at least 1; at least 2 in production).'),
  maxReplicas: z.number().describe('Most server replicas it scales to (at least minReplicas).'),
  targetCPUUtilizationPercentage: z.number().optional().describe(
    'Average CPU use of the spire-server containers, in percent of their request, the autoscaler aims at. None: 80 when no memory target is given either (the chart\'s default), else no CPU target.',
  ),
  targetMemoryUtilizationPercentage: z.number().optional().describe(
    'Average memory use of the spire-server containers, in percent of their request, the autoscaler aims at. None: no memory target.',
  ),
}).describe(
  'A HorizontalPodAutoscaler (autoscaling/v2) owns the server\'s replica count: the workload is rendered without `replicas`, '
  + 'so Argo CD and Flux never reset what the autoscaler chose. Its metrics are the spire-server container\'s alone '
  + '(ContainerResource: the chart\'s scaleOnSPIREServerOnly, always on), never the controller manager beside it. Needs an '
  + 'external datastore; `server.replicas` must lie between minReplicas and maxReplicas.',
);

export const serverWorkloadSchema = z.strictObject({
  kind: z.enum(['StatefulSet', 'Deployment']).optional().describe(
    '`Deployment` only when nothing of the server\'s state is on its own volume: an external datastore and a KeyManager '
    + 'other than `disk` whose key identifier is not a file. None: StatefulSet.',
  ),
  autoscaling: serverAutoscalingSchema.optional().describe('None: `server.replicas` replicas, no autoscaler.'),
  terminationGracePeriodSeconds: z.number().optional().describe('Seconds a stopping server pod gets to finish (0 or more). None: Kubernetes\' 30.'),
  probes: probesSchema.optional().describe(
    'spire-server container probes. Defaults: liveness initialDelaySeconds 15, periodSeconds 60, timeoutSeconds 3, failureThreshold 2; '
    + 'readiness initialDelaySeconds 5, periodSeconds 5, timeoutSeconds 3, failureThreshold 3.',
  ),
  controllerManagerProbes: probesSchema.optional().describe(
    'Controller manager container probes. Defaults: liveness and readiness initialDelaySeconds 5, timeoutSeconds 3, failureThreshold 3; '
    + 'periodSeconds 10 (liveness) and 5 (readiness).',
  ),
  volumeAccessMode: z.enum(['ReadWriteOnce', 'ReadWriteOncePod']).optional().describe(
    'Access mode of the StatefulSet\'s data claims (sqlite3, disk keys, key identifier file). ReadWriteOncePod needs a CSI '
    + 'volume driver. None: ReadWriteOnce.',
  ),
}).describe(
  'The server\'s Kubernetes workload. The chart\'s hostPath and emptyDir persistence are not offered: a hostPath ties the '
  + 'server\'s CA keys and database to one node and is refused by the restricted Pod Security level, and an emptyDir loses '
  + 'them on every restart (the chart keeps it for tests); a server whose state is elsewhere is a Deployment instead.',
);

export const serverSettingsSchema = z.strictObject({
  replicas: z.number().describe('Server replicas: 1 on sqlite3, 2 or more on an external database they share.'),
  logLevel: logLevelSchema,
  logFormat: logFormatSchema,
  caTtl: durationSchema.describe('Lifetime of the server\'s CA; at least 6 times the longest X509-SVID TTL.'),
  caKeyType: z.enum(['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-4096']).describe('Key type of the server\'s CA (ca_key_type).'),
  caSubject: z.strictObject({
    country: z.string().describe('Two-letter ISO 3166 country code.'),
    organization: z.string().describe('Organization (O) of the CA certificate.'),
    commonName: z.string().describe('Common name (CN) of the CA certificate.'),
  }).describe('Subject of the server\'s CA certificate.'),
  defaultX509SvidTtl: durationSchema.describe('X509-SVID TTL of identities that give none.'),
  defaultJwtSvidTtl: durationSchema.describe('JWT-SVID TTL of identities that give none.'),
  agentTtl: durationSchema.optional().describe(
    'TTL of the agents\' own X509-SVIDs (agent_ttl); counts towards caTtl\'s six-fold rule. None: SPIRE uses defaultX509SvidTtl.',
  ),
  adminIds: z.array(z.string()).optional().describe(
    'SPIFFE IDs that are SPIRE admins whatever their entry says (admin_ids), of this trust domain or one the environment federates with. '
    + 'Refused where identityPolicy.admin is `forbidden` or `spire-tooling`: whoever gets an SVID with such an ID (any entry, '
    + 'static or team-requested) could create and delete every entry, which the policy keeps to flagged SPIRE tooling. None: no admin IDs.',
  ),
  auditLog: z.boolean().optional().describe(
    'audit_log_enabled: one log line per API call with caller, request and outcome (with logFormat `json`, one JSON object each). Default: false.',
  ),
  rateLimit: z.strictObject({
    attestation: z.boolean().optional().describe('Limit node attestation to 1 per second per caller IP (ratelimit attestation; pkg/server/api/limits). Default: true.'),
    signing: z.boolean().optional().describe('Limit SVID signing (BatchNewX509SVID, NewJWTSVID, BatchNewWITSVID, NewDownstreamX509CA) to 500 per second per caller IP (ratelimit signing; pkg/server/endpoints/middleware.go RateLimits). Default: true.'),
  }).optional().describe('The server\'s API rate limits (ratelimit block). None: both on, as in SPIRE.'),
  pruneAttestedNodes: z.strictObject({
    expiredFor: durationSchema.describe('Delete attested nodes whose SVID expired more than this long ago, checked about hourly (prune_attested_nodes_expired_for), e.g. `168h`.'),
    includeTofu: z.boolean().optional().describe(
      'Also prune nodes whose attestor admits a node once (join_token, gcp_iit, aws_iid, azure_msi: prune_tofu_nodes), which lets such a '
      + 'node attest again with the same identity. Banned nodes are never pruned. Default: false.',
    ),
    batchSize: z.number().optional().describe('Most nodes deleted per run (prune_attested_nodes_batch_size). None: SPIRE\'s 1000.'),
  }).optional().describe('Periodic removal of attested nodes whose SVIDs expired long ago. None: attested nodes are kept until evicted.'),
  maxAttestedNodeInfoStaleness: durationSchema.optional().describe(
    'How long the server trusts its cached view of an agent (banned, evicted, SVID serial) before reading the datastore again '
    + '(max_attested_node_info_staleness); an evicted agent may be served that long. At most 1m. None: SPIRE\'s 0s, always read.',
  ),
  credentialComposers: z.array(z.discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('uniqueid').describe(
        'SPIRE\'s built-in CredentialComposer uniqueid: adds an x500UniqueIdentifier attribute, derived from the SPIFFE ID, to the subject '
        + 'of workload X509-SVIDs, so every workload\'s certificate subject is distinct (for software that keys on the subject DN).',
      ),
    }),
  ])).optional().describe('CredentialComposer plugins; at most one of each type. None: SVIDs as SPIRE composes them.'),
  datastore: datastoreSchema,
  keyManager: keyManagerSchema,
  upstreamAuthority: upstreamAuthoritySchema.optional().describe('None: the server\'s CA is self-signed.'),
  cloudCredentials: cloudCredentialsSchema.optional().describe('None: no cloud plugin on the server.'),
  bundlePublishers: z.array(bundlePublisherSchema).optional().describe('None: the bundle is published only to the agents\' ConfigMap.'),
  vmNodeAttestors: z.array(vmNodeAttestorSchema).optional().describe('None: only the clusters\' own agents attest.'),
  notifiers: z.array(notifierSchema).optional().describe('Notifiers of the server (at most one of each type). None: none.'),
  resources: resourceSpecSchema,
  controllerManagerResources: resourceSpecSchema,
  controllerManagerLogLevel: z.enum(['debug', 'info', 'warn', 'error']).describe('Log level of the controller manager.'),
  ignoreNamespaces: z.array(z.string()).describe('Namespaces the controller manager never registers workloads in (matched exactly).'),
  controllerManager: controllerManagerSchema.optional().describe('None: every controller manager option at its default.'),
  pod: replicatedPodOptionsSchema.optional().describe(
    'Scheduling and marks of the server pods. Defaults: priorityClassName system-cluster-critical (the hardened chart\'s '
    + 'recommendation for the server), no tolerations, no nodeSelector, no spread, no extra labels or annotations.',
  ),
  workload: serverWorkloadSchema.optional().describe('None: a StatefulSet of `replicas` pods with the default probes.'),
}).describe('The SPIRE server and the controller manager beside it.');

/**
 * How the agents of every cluster of the environment attest their node to the server. The server always
 * also runs k8s_psat, so an environment can move its agents from one to the other.
 */
export const agentNodeAttestorSchema = z.discriminatedUnion('type', [
  /* pkg/server/plugin/nodeattestor/k8spsat/psat.go ClusterConfig: service_account_allow_list and audience are the agents' own (not options). */
  z.strictObject({
    type: z.literal('k8s_psat').describe('A projected ServiceAccount token the server checks with the TokenReview API.'),
    allowedNodeLabelKeys: z.array(z.string()).optional().describe(
      'Node label keys that become agent selectors `k8s_psat:agent_node_label:<key>:<value>` (server allowed_node_label_keys, every cluster). None: none.',
    ),
    allowedPodLabelKeys: z.array(z.string()).optional().describe(
      'Agent pod label keys that become agent selectors `k8s_psat:agent_pod_label:<key>:<value>` (server allowed_pod_label_keys, every cluster). None: none.',
    ),
  }),
  z.strictObject({
    type: z.literal('gcp_iit').describe(
      'The GCE instance identity token of the node (SPIRE NodeAttestor gcp_iit): GKE nodes. Agents keep their data on the node '
      + '(hostPath), since SPIRE admits an instance once (trust on first use).',
    ),
    projectIdAllowList: z.array(z.string()).describe('Projects whose instances may attest (server projectid_allow_list); at least one.'),
    useInstanceMetadata: z.boolean().optional().describe(
      'Read the instance\'s labels and metadata for selectors (server use_instance_metadata); needs server.cloudCredentials.gcp. None: false.',
    ),
    allowedLabelKeys: z.array(z.string()).optional().describe('Instance label keys that become selectors (server allowed_label_keys). None: none.'),
    allowedMetadataKeys: z.array(z.string()).optional().describe('Instance metadata keys that become selectors (server allowed_metadata_keys). None: none.'),
    maxMetadataValueSize: z.number().optional().describe('Longest metadata value read, in bytes (server max_metadata_value_size). None: 128.'),
    serviceAccount: z.string().optional().describe('The instance\'s service account whose identity token the agent fetches (agent service_account). None: `default`.'),
    identityTokenHost: z.string().optional().describe('Metadata server host the agent asks (agent identity_token_host). None: `metadata.google.internal`.'),
  }),
  z.strictObject({
    type: z.literal('x509pop').describe(
      'A certificate and key that node provisioning put on each node (SPIRE NodeAttestor x509pop): bare-metal and on-prem '
      + 'clusters. The certificate\'s subject CN must be the Kubernetes node name: the agent ID is `/spire/agent/x509pop/<CN>`, '
      + 'and the controller manager parents the node\'s pods on `/spire/agent/x509pop/<node name>`.',
    ),
    caBundleConfigMap: configMapKeySchema.describe('Existing ConfigMap in the server namespace with the PEM CA bundle the node certificates chain to (server ca_bundle_path).'),
    nodeCertificateDir: z.string().describe('Absolute directory on every node holding its certificate and key, mounted read-only into the agent; the files are never in Git.'),
    certificateFile: z.string().optional().describe('File name of the node certificate (PEM) in nodeCertificateDir (agent certificate_path). None: `node.crt`.'),
    keyFile: z.string().optional().describe('File name of the node\'s private key (PEM) in nodeCertificateDir (agent private_key_path). None: `node.key`.'),
    ...x509popLimits,
  }),
]).describe('The NodeAttestor the clusters\' agents use: `k8s_psat` (any cluster), `gcp_iit` (GKE) or `x509pop` (node certificates).');

/** An SVIDStore on the agents: SVIDs of entries that ask for it are also written to a cloud secret store. */
export const svidStoreSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('gcp_secretmanager').describe(
      'Google Secret Manager (SPIRE SVIDStore gcp_secretmanager). The agents run on the host network, where GKE Workload Identity does '
      + 'not reach, so the credentials are a service account key file from a Secret in the agents\' namespace.',
    ),
    serviceAccountSecret: secretKeyRefSchema.describe('Secret holding the service account key file (service_account_file).'),
  }),
  /* pkg/agent/plugin/svidstore/awssecretsmanager/aws.go, Configuration and buildConfig. */
  z.strictObject({
    type: z.literal('aws_secretsmanager').describe(
      'AWS Secrets Manager (SPIRE SVIDStore aws_secretsmanager); needs agent.cloudCredentials.aws (the plugin reads no key file).',
    ),
    region: awsRegionSchema,
  }),
]).describe('A cloud secret store the agents write SVIDs to, for entries with `storeSVID` and `gcp_secretmanager:` or `aws_secretsmanager:` selectors; at most one of each type.');

export const agentSdsSchema = z.strictObject({
  defaultSvidName: z.string().optional().describe('SDS resource name of the workload\'s default X509-SVID (default_svid_name). Default: `default`, what Istio\'s proxy asks for.'),
  defaultBundleName: z.string().optional().describe('SDS resource name of the trust domain\'s bundle (default_bundle_name). Default: `ROOTCA`, what Istio\'s proxy asks for.'),
  defaultAllBundlesName: z.string().optional().describe('SDS resource name of all bundles, federated ones included (default_all_bundles_name). Default: `ALL`; must differ from defaultBundleName.'),
  disableSpiffeCertValidation: z.boolean().optional().describe(
    'Serve bundles as plain trusted CAs, without SPIFFE certificate validation (disable_spiffe_cert_validation). Default: false.',
  ),
}).describe('The names under which the agent\'s Envoy SDS API serves SVIDs and bundles.');

export const agentAdminSocketSchema = z.strictObject({
  authorizedDelegates: z.array(z.string()).describe(
    'SPIFFE IDs (of this trust domain) that may call the Delegated Identity API to obtain other workloads\' SVIDs '
    + '(authorized_delegates); empty: only the Debug API is useful.',
  ),
}).describe('The agent\'s admin API socket, on a host directory of its own next to the Workload API\'s.');

/*
 * The agent's WorkloadAttestors beyond the k8s attestor's kubelet verification: SPIRE 1.15.2
 * pkg/agent/plugin/workloadattestor/k8s/k8s.go HCLConfig and pkg/agent/plugin/workloadattestor/unix/unix_posix.go
 * Configuration.
 */
export const agentK8sWorkloadAttestorSchema = z.strictObject({
  kubeletServingCertHostPath: z.string().optional().describe(
    'With `kubeletVerification: hostCert`: the kubelet\'s self-signed serving certificate on every node, mounted alone and '
    + 'read-only into the agent (never its directory, which holds the kubelet\'s key) and trusted as the kubelet\'s CA '
    + '(kubelet_ca_path). Default: `/var/lib/kubelet/pki/kubelet.crt`, where the kubelet writes it when it has no serving '
    + 'certificate of its own. Rotated serving certificates (`kubelet-server-*.pem`) are refused: those files hold the key, '
    + 'and the cluster CA signs them, so `apiServerCA` verifies them.',
  ),
  disableContainerSelectors: z.boolean().optional().describe(
    'Attest a workload whose container the kubelet does not report yet with its pod\'s selectors only, and never give '
    + '`k8s:container-name`/`k8s:container-image` selectors (disable_container_selectors). Needed by Istio\'s '
    + '`holdApplicationUntilProxyStarts`: the proxy asks for its SVID from a postStart hook, before the kubelet reports its '
    + 'container. Default: false (container selectors on, and the attestor waits for the container).',
  ),
  useNewContainerLocator: z.boolean().optional().describe(
    'Find a process\'s container from its mountinfo and cgroups (cgroup v2 aware) rather than the legacy cgroup matchers '
    + '(use_new_container_locator). Default: true, SPIRE\'s default.',
  ),
  verboseContainerLocatorLogs: z.boolean().optional().describe(
    'Log the mountinfo and cgroup lines the container locator reads (verbose_container_locator_logs), to debug a workload '
    + 'that is not attested. Default: false.',
  ),
}).describe('Options of the k8s WorkloadAttestor beside `kubeletVerification`.');

export const agentUnixWorkloadAttestorSchema = z.strictObject({
  discoverWorkloadPath: z.boolean().optional().describe(
    'Also give `unix:path` and `unix:sha256` selectors: the workload\'s binary and its digest (discover_workload_path). Default: false.',
  ),
  workloadSizeLimit: z.number().optional().describe(
    'Largest binary, in bytes, whose sha256 the attestor computes (workload_size_limit); 0: no limit, negative: no '
    + '`unix:sha256`. Only with discoverWorkloadPath. Default: 0.',
  ),
}).describe('The unix WorkloadAttestor: `unix:uid`, `unix:gid`, `unix:user`, `unix:group` (and optionally path and digest) selectors of the calling process.');

export const agentWorkloadAttestorsSchema = z.strictObject({
  k8s: agentK8sWorkloadAttestorSchema.optional().describe('None: SPIRE\'s defaults for these options.'),
  unix: agentUnixWorkloadAttestorSchema.optional().describe(
    'Run the unix WorkloadAttestor beside k8s, for processes on the node (hostPID) that identities select by `unix:` selectors. '
    + 'None: no unix attestor.',
  ),
}).describe('The agent\'s WorkloadAttestors: k8s always, unix when asked for.');

/** Where the agent takes the bundle it trusts the server with before its first attestation. */
export const agentTrustBundleUrlSchema = z.strictObject({
  url: z.string().describe(
    'An https:// URL serving the trust domain\'s bundle (trust_bundle_url), checked against the agent image\'s Web PKI roots, e.g. '
    + 'the object an aws_s3 or gcp_cloudstorage BundlePublisher writes. http:// is refused (a bundle fetched in the clear lets '
    + 'anyone on the path choose the server the agent trusts).',
  ),
  format: z.enum(['spiffe', 'pem']).optional().describe('Format of what the URL serves (trust_bundle_format). Default: `spiffe`.'),
}).describe('A bundle URL in place of the bundle ConfigMap.');

export const agentSettingsSchema = z.strictObject({
  logLevel: logLevelSchema,
  nodeAttestor: agentNodeAttestorSchema.optional().describe('None: k8s_psat.'),
  svidStores: z.array(svidStoreSchema).optional().describe('None: SVIDs go to workloads only.'),
  cloudCredentials: agentCloudCredentialsSchema.optional().describe('None: no cloud plugin on the agents that needs them.'),
  logFormat: logFormatSchema,
  kubeletVerification: z.enum(['skip', 'apiServerCA', 'hostCert']).describe(
    'How the k8s workload attestor verifies the kubelet: `skip` (the upstream chart\'s default; kubelets with self-signed '
    + 'serving certs), `apiServerCA` (kubelet certs signed by the cluster CA) or `hostCert` (the kubelet\'s self-signed '
    + 'serving certificate, read from the node: workloadAttestors.k8s.kubeletServingCertHostPath).',
  ),
  resources: resourceSpecSchema,
  csiDriverResources: resourceSpecSchema,
  pod: podOptionsSchema.optional().describe(
    'Scheduling and marks of the agent pods. Defaults: priorityClassName system-node-critical (the hardened chart\'s '
    + 'recommendation for node agents: evicted last, so workloads keep their SVIDs), tolerations `[{ operator: Exists }]` '
    + '(an agent on every node, tainted or not: a pod on a node without one gets no identity), no nodeSelector, no extra '
    + 'labels or annotations.',
  ),
  sds: agentSdsSchema.optional().describe(
    'The Envoy SDS names the agent serves (agent `sds` block). None: SPIRE\'s defaults, `default`, `ROOTCA` and `ALL`, with '
    + 'SPIFFE certificate validation on.',
  ),
  adminSocket: agentAdminSocketSchema.optional().describe(
    'Serve the agent\'s admin API (Debug and Delegated Identity APIs) on a socket of its own. None: no admin socket, as in SPIRE.',
  ),
  x509SvidCacheMaxSize: z.number().optional().describe(
    'Soft limit of X509-SVIDs the agent keeps in its LRU cache (x509_svid_cache_max_size); 0 or none: SPIRE\'s default, 1000.',
  ),
  workloadX509SvidKeyType: z.enum(['ec-p256', 'ec-p384', 'rsa-2048']).optional().describe(
    'Key type of the workloads\' X509-SVIDs (workload_x509_svid_key_type). None: SPIRE\'s default, ec-p256.',
  ),
  availabilityTarget: durationSchema.optional().describe(
    'How long the agent and its workloads must keep working while server or agent are down (availability_target): X509-SVIDs '
    + 'are renewed when this much lifetime is left. At least 24h, and every X509-SVID TTL at least 12h longer. None: SPIRE '
    + 'renews at half the lifetime.',
  ),
  workloadAttestors: agentWorkloadAttestorsSchema.optional().describe('None: the k8s attestor with SPIRE\'s defaults beside `kubeletVerification`, no unix attestor.'),
  keyManager: z.enum(['memory', 'disk']).optional().describe(
    'Where the agent keeps its own SVID\'s key (agent KeyManager). `memory`: a restarted agent attests again (cheap with '
    + 'k8s_psat and x509pop); `disk`: the key and SVID stay in a node directory (hostPath) and survive restarts. Default: '
    + '`disk` for gcp_iit (SPIRE admits an instance once, so an agent that lost its key could not come back; `memory` is refused '
    + 'there), `memory` otherwise.',
  ),
  rebootstrapMode: z.enum(['never', 'auto', 'always']).optional().describe(
    'What the agent does when the server presents a certificate its cached bundle does not know, e.g. after the server\'s CA '
    + 'was replaced while the agent was away (rebootstrap_mode): `never` keeps failing, `auto` drops its bundle and attests '
    + 'again from the bundle source when its node attestor allows it, `always` likewise and refuses to start when it does not '
    + '(refused with gcp_iit). Default: `never`, SPIRE\'s default.',
  ),
  rebootstrapDelay: durationSchema.optional().describe(
    'How long the agent keeps trying with its cached bundle before it rebootstraps (rebootstrap_delay); only with '
    + 'rebootstrapMode auto or always. Default: 10m.',
  ),
  trustBundleUrl: agentTrustBundleUrlSchema.optional().describe(
    'Bootstrap from a bundle URL instead of the bundle ConfigMap the server publishes (which is then not mounted). None: the '
    + 'ConfigMap. Insecure bootstrap (no bundle at all, trusting whichever server answers first) is never offered.',
  ),
  csiDriverPod: podOptionsSchema.optional().describe(
    'Scheduling and marks of the CSI driver pods, which must run on the nodes the agents run on. Defaults: the agent\'s '
    + 'resolved tolerations, nodeSelector and priorityClassName (so the two DaemonSets land on the same nodes), no extra '
    + 'labels or annotations.',
  ),
  kubeletRootDir: z.string().optional().describe(
    'The kubelet\'s root directory on the nodes (kubelet --root-dir), under which the CSI driver registers and mounts its '
    + 'volumes (the hardened chart\'s spiffe-csi-driver kubeletPath): k0s, MicroK8s and some managed distributions move it. '
    + 'None: `/var/lib/kubelet`.',
  ),
  workload: z.strictObject({
    maxUnavailable: z.number().optional().describe(
      'Agents the DaemonSet\'s rolling update replaces at once (updateStrategy.rollingUpdate.maxUnavailable, at least 1); a node '
      + 'whose agent is restarting serves no new SVIDs meanwhile. None: 1.',
    ),
    probes: probesSchema.optional().describe(
      'spire-agent container probes. Defaults: liveness initialDelaySeconds 15, periodSeconds 60, timeoutSeconds 3, failureThreshold 2; '
      + 'readiness initialDelaySeconds 10, periodSeconds 30, timeoutSeconds 3, failureThreshold 3.',
    ),
  }).optional().describe('The agents\' DaemonSet: its rolling update and probes. None: the defaults named in its fields.'),
  csiDriverWorkload: z.strictObject({
    maxUnavailable: z.number().optional().describe(
      'CSI driver pods the DaemonSet\'s rolling update replaces at once (at least 1); a node without its driver mounts no new '
      + 'Workload API volumes meanwhile. None: 1.',
    ),
    probes: probesSchema.optional().describe(
      'node-driver-registrar container probes (its health endpoint checks the driver\'s CSI socket; the driver itself serves none '
      + 'of its own). Defaults: liveness and readiness initialDelaySeconds 5, periodSeconds 10, timeoutSeconds 3, failureThreshold 3.',
    ),
  }).optional().describe('The CSI driver\'s DaemonSet: its rolling update and the registrar\'s probes. None: the defaults named in its fields.'),
}).describe('The SPIRE agent and the SPIFFE CSI driver on every node.');

// ---------------------------------------------------------------------------------------- identities

export const identityPolicySchema = z.strictObject({
  maxTtl: durationSchema.describe('Longest X509-SVID TTL an identity may ask for.'),
  maxJwtTtl: durationSchema.describe('Longest JWT-SVID TTL an identity may ask for.'),
  admin: z.enum(['forbidden', 'allowed', 'explicit', 'spire-tooling']).describe(
    '`forbidden`: no identity may be admin; `allowed`: any may; `explicit`: `admin` must be stated (true or false) on every '
    + 'identity; `spire-tooling`: stated on every identity, and true only for SPIRE\'s own tooling, i.e. an identity whose '
    + 'namespace selector pins the SPIRE server namespace and nothing else (an admin SVID may create and delete any '
    + 'registration entry).',
  ),
  allowedFederation: z.array(z.string()).describe('Trust domains identities may federate with; empty forbids federation.'),
  allowedPathPrefixes: z.array(z.string()).describe('SPIFFE ID paths must start with one of these (after the trust domain); empty allows any.'),
}).describe('What the environment\'s identities may ask for.');

export const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional().describe('Labels that must all be present with these values.'),
  matchExpressions: z.array(z.strictObject({
    key: z.string().describe('Label key.'),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']).describe('How the label\'s value is matched against `values`.'),
    values: z.array(z.string()).optional().describe('Values for In and NotIn; none for Exists and DoesNotExist.'),
  })).optional().describe('Label requirements that must all hold.'),
}).describe('A Kubernetes label selector.');

export const identitySpecSchema = z.strictObject({
  name: z.string().describe('Name of the ClusterSPIFFEID (and the entry hint unless `hint` is given).'),
  spiffeIDTemplate: z.string().describe('Go text/template; must start with `spiffe://{{ .TrustDomain }}/`.'),
  podSelector: labelSelectorSchema.optional().describe('Pods the identity applies to; none: every pod of the selected namespaces.'),
  namespaceSelector: labelSelectorSchema.optional().describe('Namespaces the identity applies to; none: every namespace the manager does not ignore.'),
  workloadSelectorTemplates: z.array(z.string()).optional().describe('Extra workload selectors (Go templates) the entry demands, e.g. `k8s:sa:web`.'),
  dnsNameTemplates: z.array(z.string()).optional().describe('DNS SANs of the X509-SVID (Go templates).'),
  autoPopulateDNSNames: z.boolean().optional().describe('Add the DNS names of the Services that select the pod.'),
  ttl: durationSchema.optional().describe('X509-SVID TTL; none: the server\'s defaultX509SvidTtl.'),
  jwtTtl: durationSchema.optional().describe('JWT-SVID TTL; none: the server\'s defaultJwtSvidTtl.'),
  federatesWith: z.array(z.string()).optional().describe('Trust domains whose bundles the workload receives.'),
  admin: z.boolean().optional().describe('Whether the SVID may administer SPIRE (create and delete any entry).'),
  downstream: z.boolean().optional().describe('Whether the workload is a downstream SPIRE server.'),
  fallback: z.boolean().optional().describe('Applies only to pods no other identity selects.'),
  hint: z.string().optional().describe('Entry hint for workloads that receive several SVIDs.'),
}).describe('A workload identity: becomes one ClusterSPIFFEID per cluster.');

export const staticEntrySpecSchema = z.strictObject({
  name: z.string().describe('Name of the ClusterStaticEntry.'),
  spiffeIdPath: z.string().describe('Path under the trust domain, e.g. `/vm/billing-batch`.'),
  parentIdPath: z.string().describe('Path of the parent (usually a node alias) under the trust domain.'),
  selectors: z.array(z.string()).describe('Selectors the workload must match, e.g. `unix:uid:1000`.'),
  x509SvidTtl: durationSchema.optional().describe('X509-SVID TTL; none: the server\'s defaultX509SvidTtl.'),
  jwtSvidTtl: durationSchema.optional().describe('JWT-SVID TTL; none: the server\'s defaultJwtSvidTtl.'),
  federatesWith: z.array(z.string()).optional().describe('Trust domains whose bundles the workload receives.'),
  dnsNames: z.array(z.string()).optional().describe('DNS SANs of the X509-SVID.'),
  admin: z.boolean().optional().describe('Whether the SVID may administer SPIRE (create and delete any entry).'),
  hint: z.string().optional().describe('Entry hint for workloads that receive several SVIDs.'),
}).describe('A registration entry for a workload outside Kubernetes.');

export const bundleEndpointProfileSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('https_spiffe').describe('The endpoint authenticates with an SVID of the partner\'s trust domain.'),
    endpointSPIFFEID: z.string().describe('SPIFFE ID of the partner\'s bundle endpoint server.'),
  }),
  z.strictObject({ type: z.literal('https_web').describe('The endpoint authenticates with a Web PKI certificate.') }),
]).describe('How the partner\'s bundle endpoint authenticates: with an SVID of its own trust domain, or a Web PKI certificate.');

export const federationSpecSchema = z.strictObject({
  trustDomain: z.string().describe('The partner\'s trust domain.'),
  bundleEndpointURL: z.string().describe('https:// URL of the partner\'s bundle endpoint.'),
  profile: bundleEndpointProfileSchema,
  trustDomainBundle: z.string().optional().describe(
    'The partner\'s SPIFFE bundle (JWKS JSON, public keys only) to trust before the first fetch. An https_spiffe endpoint '
    + 'authenticates with a certificate from that very bundle, so it needs one: here, through `trustDomainBundleFile`, or '
    + 'as the lock file federation/<trust domain>.bundle.json that `spire-gitops federation fetch-bundle --write` keeps and '
    + 'synth reads when it exists. None: fetched from the endpoint (https_web only).',
  ),
  trustDomainBundleFile: z.string().optional().describe(
    'A committed file holding the partner\'s public SPIFFE bundle (what `spire-server bundle show -format spiffe` prints on '
    + 'their side), relative to the repository root; synth reads it into `trustDomainBundle`. Not together with a lock file.',
  ),
}).describe('A trust domain this environment federates with.');

export const oidcDiscoverySettingsSchema = z.strictObject({
  domains: z.array(z.string()).describe('Host names the provider answers for; the first is the JWT issuer host.'),
  resources: resourceSpecSchema,
  replicas: z.number().optional().describe(
    'Replicas of the provider (the hardened chart\'s replicaCount); more than one also gets a PodDisruptionBudget (maxUnavailable 1). Default: 1.',
  ),
  pod: replicatedPodOptionsSchema.optional().describe(
    'Scheduling and marks of the provider pods. Defaults: no priorityClassName (an ordinary web service), no tolerations, '
    + 'no nodeSelector, no spread, no extra labels or annotations.',
  ),
  logLevel: logLevelSchema.optional().describe('The provider\'s log level (log_level). None: INFO.'),
  logFormat: logFormatSchema.optional().describe('The provider\'s log format (log_format). None: text.'),
  setKeyUse: z.boolean().optional().describe(
    'Put `"use": "sig"` on every served key (set_key_use), for JWKS clients that require it. None: false, as in SPIRE.',
  ),
  serverPathPrefix: z.string().optional().describe(
    'Serve the discovery document and keys under this path (server_path_prefix), e.g. `/spire` for '
    + '`https://<domain>/spire/.well-known/openid-configuration`, where one host serves several issuers. The JWT issuer, '
    + 'server and provider alike, becomes `https://<first domain><prefix>`. None: at the root.',
  ),
  jwksUri: z.string().optional().describe(
    'The absolute https URL the discovery document gives for the keys (jwks_uri), when a proxy or CDN serves them elsewhere. '
    + 'None: the issuer URL followed by `/keys`.',
  ),
  probes: probesSchema.optional().describe(
    'Provider container probes. Defaults: initialDelaySeconds 5, timeoutSeconds 3, failureThreshold 3; periodSeconds 10 (liveness) and 5 (readiness).',
  ),
}).describe('The SPIRE OIDC discovery provider, for JWT-SVID verifiers outside SPIFFE.');

export const monitoringSettingsSchema = z.strictObject({
  enabled: z.boolean().describe('Render ServiceMonitor/PodMonitor, PrometheusRule and the Grafana dashboard.'),
  prometheusSelector: z.record(z.string(), z.string()).describe('Label the Prometheus instance selects monitors and rules by.'),
  dashboardNamespace: z.string().describe('Namespace Grafana\'s dashboard sidecar watches.'),
  prometheusNamespace: z.string().describe('Namespace Prometheus scrapes from; the NetworkPolicies admit metrics traffic from it only.'),
  dogStatsd: z.array(z.strictObject({
    address: z.string().describe('`host:port` of a DogStatsD listener (UDP), e.g. the Datadog agent\'s Service `datadog.kube-system.svc:8125`.'),
  })).optional().describe(
    'Also send the SPIRE server\'s and agents\' metrics to DogStatsD listeners (SPIRE telemetry `DogStatsd` sink, '
    + 'pkg/common/telemetry/config.go FileConfig), as the hardened chart\'s telemetry.datadog does. The agents run on the host '
    + 'network with dnsPolicy ClusterFirstWithHostNet, so a Service name resolves for them too; the UDP packets leave from the '
    + 'node\'s address. None: Prometheus only.',
  ),
}).describe('Prometheus and Grafana integration, and DogStatsD metrics.');

// ---------------------------------------------------------------------------------------------- mesh

/*
 * A service mesh whose proxies take their identities from SPIRE's Envoy SDS API. Each preset renders
 * what the mesh needs from the SPIRE side and checks what must agree between the two; the facts it relies
 * on (socket path, SDS resource names) live in lib/config/spire-facts.ts with their upstream source.
 */
export const meshSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('istio').describe(
      'Istio sidecars and gateways fetch their certificates from the agent: the Workload API socket is named as Istio\'s '
      + 'proxy expects it, a ClusterSPIFFEID issues the spiffe://<trust domain>/ns/<namespace>/sa/<service account> IDs Istio '
      + 'authorizes by, and the istiod values that inject the CSI volume are rendered into the tree.',
    ),
    meshTrustDomain: z.string().optional().describe(
      'Istio\'s meshConfig.trustDomain, when it is set outside this estate: it must equal the environment\'s trust domain '
      + '(Istio authorizes peers by their SPIFFE IDs\' trust domain). None: the rendered istiod values set it.',
    ),
    namespaceSelector: labelSelectorSchema.optional().describe(
      'Namespaces whose mesh pods get the Istio identity. None: every namespace the controller manager does not ignore.',
    ),
  }),
  z.strictObject({
    type: z.literal('envoy').describe(
      'Plain Envoy proxies beside workloads: an example Envoy bootstrap that reads its certificate and trust bundle from the '
      + 'agent\'s SDS API is rendered as a ConfigMap for the workloads to mount.',
    ),
    namespace: z.string().describe('Namespace of the workloads that run Envoy: where the bootstrap ConfigMap is rendered.'),
  }),
]).describe('A service mesh that takes its workload certificates from the SPIRE agent\'s SDS API.');

// ------------------------------------------------------------------------------------------ exposure

/*
 * Reaching SPIRE from outside its cluster. Every exposed host gets a cert-manager Certificate whose key
 * stays in a Secret of the cluster (never in Git); the traffic arrives through a Gateway API route, an
 * Ingress or a LoadBalancer Service, and the NetworkPolicies admit the controller that forwards it.
 */

export const certificateIssuerSchema = z.strictObject({
  kind: z.enum(['ClusterIssuer', 'Issuer']).describe('`ClusterIssuer` (one for the whole cluster, e.g. the ACME account) or `Issuer` (in the namespace of the exposed component).'),
  name: z.string().describe('Name of the cert-manager issuer, e.g. `letsencrypt-production`.'),
}).describe('The cert-manager issuer (an ACME ClusterIssuer, typically) that signs the certificates of exposed hosts.');

const gatewayRouteShape = {
  via: z.literal('gateway').describe('A Gateway API route attached to an existing Gateway.'),
  gateway: z.strictObject({
    name: z.string().describe('Name of the Gateway.'),
    namespace: z.string().describe('Namespace of the Gateway.'),
    sectionName: z.string().optional().describe('Listener of the Gateway the route attaches to; none: every listener that allows the route.'),
  }).describe('The Gateway (run by the platform) the route attaches to.'),
  controllerNamespace: z.string().describe(
    'Namespace of the pods that forward the Gateway\'s traffic (its data plane); the NetworkPolicies admit them, and only them, to the exposed port.',
  ),
};

export const gatewayRouteSchema = z.strictObject(gatewayRouteShape);

export const ingressRouteSchema = z.strictObject({
  via: z.literal('ingress').describe('A networking.k8s.io Ingress that terminates TLS with the Certificate\'s Secret.'),
  className: z.string().describe('ingressClassName of the Ingress controller.'),
  controllerNamespace: z.string().describe('Namespace of the Ingress controller\'s pods; the NetworkPolicies admit them, and only them, to the exposed port.'),
});

export const loadBalancerRouteSchema = z.strictObject({
  via: z.literal('loadBalancer').describe('A Service of type LoadBalancer on port 443 in front of the port: TLS passes through to SPIRE.'),
  sourceRanges: z.array(z.string()).optional().describe('CIDRs the load balancer admits (loadBalancerSourceRanges); none: any source.'),
  annotations: z.record(z.string(), z.string()).optional().describe('Annotations of the Service for the cloud\'s load balancer controller (scheme, type); none: the controller\'s defaults.'),
});

export const bundleEndpointExposureSchema = z.strictObject({
  host: z.string().describe(
    'External DNS name partners reach the bundle endpoint at (`https://<host>`); `{cluster}` is replaced by the cluster\'s name.',
  ),
  profile: z.enum(['https_web', 'https_spiffe']).describe(
    '`https_web`: the server presents a Web PKI certificate from cert-manager (`exposure.issuer`), partners need nothing but the URL; '
    + '`https_spiffe`: it presents its own X509-SVID, partners need this trust domain\'s bundle and the server\'s SPIFFE ID.',
  ),
  route: z.discriminatedUnion('via', [gatewayRouteSchema, ingressRouteSchema, loadBalancerRouteSchema]).describe(
    'How partners\' traffic reaches the endpoint. SPIRE terminates the TLS itself, so `gateway` renders a TLSRoute (passthrough) and '
    + '`loadBalancer` a LoadBalancer Service; `ingress` is refused (an Ingress terminates TLS).',
  ),
}).describe('The server\'s federation bundle endpoint, for partners outside the cluster.');

export const oidcDiscoveryExposureSchema = z.strictObject({
  route: z.discriminatedUnion('via', [gatewayRouteSchema, ingressRouteSchema]).describe(
    'How relying parties reach the provider: `ingress` (TLS terminated by the Ingress with the Certificate\'s Secret) or `gateway` (an '
    + 'HTTPRoute on a Gateway whose HTTPS listener for the hosts uses the Certificate\'s Secret, allowed by a ReferenceGrant).',
  ),
}).describe('The OIDC discovery provider for relying parties outside the cluster, on the hosts of `oidcDiscovery.domains`.');

export const remoteAgentClusterSchema = z.strictObject({
  name: z.string().describe('The remote cluster\'s k8s_psat cluster name (its agents\' `cluster`).'),
  kubeConfigSecret: z.strictObject({
    name: z.string().describe('Name of the Secret in the server\'s namespace.'),
    key: z.string().describe('Key of the kubeconfig in the Secret.'),
  }).describe(
    'Existing Secret holding a kubeconfig for the remote cluster\'s API server, with which the server reviews the agents\' tokens '
    + '(k8s_psat kube_config_file); created out of band, never in Git.',
  ),
  serviceAccount: z.string().optional().describe('`namespace:name` of the remote agents\' ServiceAccount. Default: this project\'s agents (`spire-system:spire-agent`).'),
  audience: z.string().optional().describe('Audience of the remote agents\' tokens. Default: this project\'s (`spire-server`).'),
}).describe('A cluster whose agents (or downstream servers) attest to this server from outside its cluster.');

export const serverGrpcExposureSchema = z.strictObject({
  host: z.string().describe('External DNS name agents and downstream servers of other clusters dial (port 443); `{cluster}` is replaced by the cluster\'s name.'),
  route: z.discriminatedUnion('via', [gatewayRouteSchema, loadBalancerRouteSchema]).describe(
    'The server\'s gRPC is mutual TLS with SPIRE\'s own certificates: a TLSRoute (passthrough) or a LoadBalancer Service.',
  ),
  remoteClusters: z.array(remoteAgentClusterSchema).describe('Clusters whose agents attest through this address (k8s_psat clusters beside the local one).'),
}).describe('The server\'s gRPC API for agents or downstream servers in other clusters.');

export const exposureSchema = z.strictObject({
  issuer: certificateIssuerSchema.optional().describe('Needed by the https_web bundle endpoint and the OIDC provider. None: no Certificates.'),
  bundleEndpoint: bundleEndpointExposureSchema.optional().describe('None: the bundle endpoint (if the server federates) is reached inside the cluster only.'),
  oidcDiscovery: oidcDiscoveryExposureSchema.optional().describe('None: the OIDC provider (if any) has a ClusterIP Service only.'),
  serverGrpc: serverGrpcExposureSchema.optional().describe('None: only the cluster\'s own agents reach the server.'),
}).describe('What of SPIRE is reached from outside the cluster, and how. README "Exposure" says when to pick which route.');

// ------------------------------------------------------------------------------------------ clusters

export const clusterConfigSchema = z.strictObject({
  name: z.string().describe('Becomes the k8s_psat cluster name, the controller manager\'s clusterName and its entryIDPrefix.'),
  region: z.string().describe('Cloud region; ApplicationSet delivery syncs region by region.'),
  apiServer: z.string().describe('API server URL: the Argo CD destination.'),
  clusterDomain: z.string().default(DEFAULT_CLUSTER_DOMAIN).describe(
    'The cluster\'s DNS domain (kubelet clusterDomain), given to the controller manager, which otherwise guesses it from a '
    + 'DNS lookup at start, and used for `{{ .ClusterDomain }}` in identity templates.',
  ),
  bundleEndpoint: z.string().optional().describe(
    'Host (host or host:port) at which the other trust domains of this estate reach this cluster\'s SPIRE bundle endpoint '
    + '(the server\'s federation port, published by a LoadBalancer, Ingress or gateway). Needed when another trust domain of the '
    + 'estate federates with this cluster\'s: a federated topology, or an environment that names this trust domain in its '
    + '`federation`. Default: none, and such a federation is refused.',
  ),
  serverOverrides: z.strictObject({
    datastore: datastoreSchema.optional().describe('This cluster\'s datastore instead of the environment\'s.'),
    replicas: z.number().optional().describe('This cluster\'s server replicas instead of the environment\'s.'),
  }).optional().describe('Overrides of the environment\'s server settings for this cluster (e.g. a regional database host).'),
}).describe('One Kubernetes cluster of the environment.');

/** How the other clusters of a nested topology reach the root server and how it reaches them. */
const nestedRootAccess = {
  serverAddress: z.string().optional().describe(
    'DNS name (or IP) at which the other clusters\' root agents and downstream servers reach the root server\'s gRPC port, e.g. '
    + 'a load balancer in front of its Service. Required when a workload cluster other than the root\'s own has a downstream server; '
    + 'the root\'s own cluster uses the in-cluster Service.',
  ),
  serverPort: z.number().optional().describe('Port at `serverAddress`; none: the root Service\'s port (443).'),
};

/**
 * How the clusters of one trust domain relate. Chosen per environment (an environment is a trust domain,
 * or joins one with `joinsTrustDomainOf`), checked across all its clusters at synth.
 */
export const topologySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('single').describe('One cluster: its server (or replicas on one external database) is the trust domain\'s only CA.'),
  }),
  z.strictObject({
    type: z.literal('ha').describe(
      'Several servers (replicas, clusters, or environments that join the trust domain) share one external SQL datastore, '
      + 'so they publish one bundle carrying every server\'s signing key.',
    ),
  }),
  z.strictObject({
    type: z.literal('nested').describe(
      'A root server signs for downstream servers, one in every workload cluster (UpstreamAuthority `spire`); the root\'s '
      + 'agent runs beside each downstream server and the downstream servers are registered at the root as downstream entries.',
    ),
    root: z.union([
      z.strictObject({
        cluster: z.string().describe(
          'Name of one of the environment\'s clusters that also runs the root server, in a namespace of its own (spire-root) beside '
          + 'that cluster\'s downstream server.',
        ),
        ...nestedRootAccess,
        serverOverrides: z.strictObject({
          datastore: datastoreSchema.optional().describe('The root server\'s datastore instead of the environment\'s; never one a downstream server uses.'),
          replicas: z.number().optional().describe('Root server replicas instead of the environment\'s.'),
        }).optional().describe('Overrides of the environment\'s server settings for the root server (a management cluster states them as its own serverOverrides).'),
      }),
      z.strictObject({
        managementCluster: clusterConfigSchema.describe(
          'A management cluster of its own for the root server: one more tree, dist/<environment>/<name>, with the root server, its '
          + 'controller manager and the downstream registrations only, and GitOps objects of its own; every workload cluster reaches '
          + 'the root at serverAddress. Its serverOverrides are the root server\'s.',
        ),
        ...nestedRootAccess,
      }),
    ]).describe('Where the root server runs.'),
  }),
  z.strictObject({
    type: z.literal('federated').describe(
      'Every cluster is a trust domain of its own, named from `trustDomainTemplate`; the clusters federate pairwise through '
      + 'their bundle endpoints, and identities federate with the other clusters without listing them.',
    ),
    trustDomainTemplate: z.string().default('{cluster}.{trustDomain}').describe(
      'Trust domain of each cluster: `{cluster}` is the cluster\'s name, `{environment}` the environment\'s, `{trustDomain}` the '
      + 'environment\'s trustDomain.',
    ),
  }),
]).describe('How the clusters of the trust domain relate: `single`, `ha`, `nested` or `federated`. README "Topologies" says when to pick each.');

export const environmentConfigSchema = z.strictObject({
  name: z.string().describe('`development`, `staging`, `production`, ...: a DNS label, used in paths and names.'),
  production: z.boolean().default(false).describe(
    'Holds the environment to production rules: Argo CD syncs by hand only, every image pinned by digest, admin identities '
    + 'only for SPIRE\'s own tooling, and the database\'s certificate verified (postgres sslmode defaults to verify-full; '
    + 'require is refused).',
  ),
  trustDomain: z.string().describe('SPIFFE trust domain shared by every cluster of the environment; no other environment\'s, unless it joins it (joinsTrustDomainOf).'),
  joinsTrustDomainOf: z.string().optional().describe(
    'Name of another environment whose trust domain this one deliberately shares. Without it two environments on one trust '
    + 'domain are refused (a copied environment that kept its trust domain); with it, the servers of both must share one '
    + 'external database, like the clusters of one environment.',
  ),
  clusters: z.array(clusterConfigSchema).describe('The clusters of the environment: one SPIRE server (or set of replicas) and one tree under dist/ each.'),
  topology: topologySchema.optional().describe(
    'How the clusters of the trust domain relate. None: `single`, which allows one cluster only; an environment of several clusters states its topology.',
  ),
  server: serverSettingsSchema,
  agent: agentSettingsSchema,
  identityPolicy: identityPolicySchema,
  identities: z.array(identitySpecSchema).describe('Identities every cluster of the environment carries.'),
  staticEntries: z.array(staticEntrySpecSchema).describe('Registration entries for workloads outside Kubernetes.'),
  federation: z.array(federationSpecSchema).describe('Trust domains this environment federates with; empty means no federation.'),
  oidcDiscovery: oidcDiscoverySettingsSchema.optional().describe('None: no OIDC discovery provider.'),
  exposure: exposureSchema.optional().describe('None: nothing of SPIRE is reached from outside the cluster.'),
  networkPolicies: z.boolean().describe('Render NetworkPolicies that admit only the traffic SPIRE needs.'),
  requireImageDigests: z.boolean().describe('Refuse any image that is not pinned by digest.'),
  webhookFailurePolicy: z.enum(['Ignore', 'Fail']).describe('failurePolicy of the controller manager\'s validating webhooks.'),
  gitops: gitOpsSettingsSchema,
  monitoring: monitoringSettingsSchema,
  mesh: meshSchema.optional().describe('None: no mesh integration; proxies that use SDS can still be set up by hand.'),
  sampleWorkload: z.string().optional().describe('Ship a sample workload running as this identity (by name), to show how an app gets its SVID.'),
}).describe('One environment: its trust domain, clusters and every setting that differs between environments.');

/** An app team and the platform's grant: where its identity files apply (what an identity is stays the team's file). */
export const teamConfigSchema = z.strictObject({
  name: z.string().describe('A DNS label; its files are `identities/<environment>/<name>.yaml`.'),
  owners: z.array(z.string()).describe('CODEOWNERS owners of its files: `@org/team`, `@user` or an email.'),
  namespaces: z.array(z.string()).describe('Namespaces its identities may select; none of another team\'s or of the platform\'s.'),
  environments: z.array(z.string()).describe('Environments it may request identities in.'),
  federatesWith: z.array(z.string()).describe('Trust domains its identities may federate with; each must be a federation partner of one of its environments.'),
  spiffeIdPathPrefixes: z.array(z.string()).optional().describe(
    'Prefixes an explicit `spiffeIdPath` of its identities must start with. Default: `/ns/<namespace>/` for each of its namespaces.',
  ),
}).describe('An app team that requests identities in `identities/<environment>/<team>.yaml`, with what the platform grants it.');

export const estateConfigSchema = z.strictObject({
  repository: z.strictObject({
    url: z.string().describe('https://, ssh:// or git@host:path URL.'),
    targetRevision: z.string().describe('Branch, tag or commit environments without pinRevision deploy.'),
  }).describe('The Git repository that holds the committed dist/, as GitOps controllers clone it.'),
  pinnedRevisions: z.record(z.string(), z.string()).optional().describe(
    'Commits that environments with `gitops.pinRevision` deploy, by environment name: the committed promotion state '
    + '(promotion/revisions.json), written by `npm run promote`.',
  ),
  runningSpireVersions: z.record(z.string(), z.strictObject({
    server: z.string().describe('The SPIRE server release the environment runs, e.g. `1.15.2`.'),
    agent: z.string().describe('The SPIRE agent release its agents run.'),
  })).optional().describe(
    'The SPIRE versions each environment was last recorded running, by environment name: the committed upgrade state '
    + '(promotion/spire-versions.json), written by `npm run promote`. Synth refuses images more than one minor version away '
    + 'from it, and a server older than the agents. Default: no record (a first install; only the server/agent order is checked).',
  ),
  argocd: argoCdConfigSchema,
  flux: fluxConfigSchema,
  images: imageCatalogueSchema,
  environments: z.array(environmentConfigSchema).describe('The environments, each with its own trust domain (unless it joins another\'s).'),
  platformOwners: z.array(z.string()).optional().describe(
    'Owners of everything no team owns, in CODEOWNERS syntax (`@org/team`, `@user` or an email): the estate, the policy code and '
    + 'the `identities/` directory itself. Needed when `teams` is given. Default: none.',
  ),
  teams: z.array(teamConfigSchema).optional().describe(
    'App teams that request identities in `identities/<environment>/<team>.yaml` files, each with what the platform grants it; '
    + 'synth merges their identities into the environments. Default: no team files are read.',
  ),
}).describe('The whole estate: what one Git repository describes.');
