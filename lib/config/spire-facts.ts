/*
 * Every fact about the SPIRE programs and their neighbours that more than a line of code depends on:
 * paths inside containers and on nodes, ports, socket names, environment variable names, health
 * endpoints and the binaries' paths. Changing one here changes it everywhere (configs, mounts, probes,
 * network policies, hooks); test/spire-facts.test.ts fails when a literal of one appears elsewhere in
 * lib/. Values the upstream programs dictate say where upstream fixes them; the others are this
 * project's choices, kept here so that no two files can disagree on them.
 */

/** Paths of the SPIRE binaries inside their images (spiffe/spire Dockerfile). */
/** Kubernetes' default DNS domain of a cluster (kubelet clusterDomain), where an estate names none. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export const SPIRE_SERVER_BIN = '/opt/spire/bin/spire-server';
export const SPIRE_AGENT_BIN = '/opt/spire/bin/spire-agent';
export const OIDC_DISCOVERY_PROVIDER_BIN = '/opt/spire/bin/oidc-discovery-provider';
/** spiffe/spire-controller-manager Dockerfile. */
export const CONTROLLER_MANAGER_BIN = '/spire-controller-manager';
/** spiffe/spiffe-csi Dockerfile, stage spiffe-csi-driver. */
export const CSI_DRIVER_BIN = '/spiffe-csi-driver';
/** kubernetes-csi/node-driver-registrar Dockerfile. */
export const CSI_NODE_DRIVER_REGISTRAR_BIN = '/csi-node-driver-registrar';

/** SPIRE's health_checks listener paths, the same for server, agent and OIDC provider (SPIRE doc/spire_server.md, health_checks). */
export const SPIRE_HEALTH_PATHS = { live: '/live', ready: '/ready' } as const;

export const SPIRE_SERVER = {
  configDir: '/run/spire/config',
  configFile: 'server.conf',
  dataDir: '/run/spire/data',
  /** Under dataDir: the sqlite3 datastore and the disk KeyManager's keys. */
  sqliteFile: 'datastore.sqlite3',
  keysFile: 'keys.json',
  /** The admin API socket's directory, an emptyDir shared with the controller manager. */
  socketDir: '/tmp/spire-server/private',
  socketFile: 'api.sock',
  /** CA bundle that verifies the database server, from `datastore.caConfigMap`. */
  dbCaDir: '/run/spire/db-ca',
  dbCaFile: 'ca.crt',
  /** Under dataDir: the identifier a cloud KeyManager tags its keys with (key_identifier_file), one per replica. */
  keyIdentifierFile: 'key-identifier',
  /** The gcp_kms key policy (key_policy_file), from a ConfigMap. */
  keyPolicyDir: '/run/spire/key-policy',
  keyPolicyFile: 'policy.json',
  /** The Google service account key file, from a Secret (`cloudCredentials.gcp` of type service-account-file). */
  gcpCredentialsDir: '/run/spire/gcp',
  gcpCredentialsFile: 'service-account.json',
  /** aws_pca: the supplemental bundle (supplemental_bundle_path), from a ConfigMap. */
  awsPcaBundleDir: '/run/spire/aws-pca-bundle',
  awsPcaBundleFile: 'bundle.pem',
  /** Where the PreSync hook mounts the server.conf it validates. */
  validateConfigDir: '/run/spire/validate',
  ports: { service: 443, grpc: 8081, health: 8080, metrics: 9988, federation: 8443 },
  env: {
    /** mysql: the password reaches the DSN through `-expandEnv` and this variable. */
    mysqlPassword: 'DBPW',
    /** postgres: lib/pq reads the password from this variable itself (lib/pq connector.go Config.fromEnv). */
    postgresPassword: 'PGPASSWORD',
    /** Azure app-secret credentials: the client secret reaches the config through `-expandEnv` and this variable. */
    azureAppSecret: 'AZURE_APP_SECRET',
    /** azure_msi: the client secret of the n-th tenant's app registration is in AZURE_MSI_APP_SECRET_<n>. */
    azureMsiAppSecretPrefix: 'AZURE_MSI_APP_SECRET_',
  },
} as const;

export const SPIRE_AGENT = {
  configDir: '/opt/spire/conf/agent',
  configFile: 'agent.conf',
  dataDir: '/var/lib/spire',
  bundleDir: '/run/spire/bundle',
  tokenDir: '/var/run/secrets/tokens',
  tokenFile: 'spire-agent',
  /** The Workload API socket's directory inside the agent container. */
  socketDir: '/tmp/spire-agent/public',
  /** The agent's private directory (admin socket and the like). */
  privateDir: '/tmp/spire-agent/private',
  socketFile: 'spire-agent.sock',
  /** The Workload API socket directory on every node; the CSI driver serves it to pods. */
  socketHostDir: '/run/spire/agent-sockets',
  /**
   * The agent's data directory on the node, for node attestors SPIRE admits once per node (trust on first
   * use: gcp_iit): an agent that lost its SVID with its pod could not attest again.
   */
  dataHostDir: '/var/lib/spire-agent',
  /** The Google service account key file of the gcp_secretmanager SVIDStore, from a Secret. */
  gcpCredentialsDir: '/run/spire/gcp',
  gcpCredentialsFile: 'service-account.json',
  // hostNetwork binds these on the node: kept off the ports of the upstream agent (9981/9989) and kubelet.
  ports: { health: 9982, metrics: 9988 },
  /** The service account CA the k8s workload attestor verifies the kubelet with. */
  kubeletCaPath: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
  env: { kubeletAddress: 'KUBELET_ADDRESS' },
} as const;

export const CONTROLLER_MANAGER = {
  configDir: '/run/spire/controller-manager',
  configFile: 'controller-manager-config.yaml',
  ports: { webhook: 9443, metrics: 8082, health: 8083, webhookService: 443 },
  /** controller-runtime's probe endpoints. */
  healthPaths: { live: '/healthz', ready: '/readyz' },
  env: { enableWebhooks: 'ENABLE_WEBHOOKS' },
} as const;

export const CSI_DRIVER = {
  driverName: 'csi.spiffe.io',
  /** Where the driver container sees the agent's socket directory. */
  agentSocketDir: '/spire-agent-socket',
  csiSocketDir: '/spiffe-csi',
  csiSocketFile: 'csi.sock',
  kubeletDir: '/var/lib/kubelet',
  registrarHealthPort: 9809,
  registrarHealthPath: '/healthz',
} as const;

export const OIDC_DISCOVERY_PROVIDER = {
  configDir: '/run/spire/oidc/config',
  configFile: 'oidc-discovery-provider.conf',
  ports: { http: 8080, health: 8008, service: 80 },
} as const;

/** Where workloads (the OIDC provider, the sample, any pod given an identity) see the Workload API. */
export const WORKLOAD_API = {
  mountDir: '/spiffe-workload-api',
  /** The variable go-spiffe and the other SPIFFE libraries read the socket address from. */
  socketEnv: 'SPIFFE_ENDPOINT_SOCKET',
} as const;

/**
 * A nested topology's root: its agents run on every node of every workload cluster beside the cluster's own
 * agents, and downstream servers reach their Workload API through a CSI driver of its own (the hardened
 * chart spire-nested does the same: upstream-spire-agent and upstream-spiffe-csi-driver, ports 9981/9989
 * and registrar 9810). hostNetwork puts both agents' listeners on the node, so their ports differ.
 */
export const NESTED_ROOT = {
  agent: {
    socketHostDir: '/run/spire/root-agent-sockets',
    ports: { health: 9981, metrics: 9989 },
    /** The audience of the root agents' projected tokens: a token for one server is never accepted by the other. */
    tokenAudience: 'spire-root-server',
  },
  csiDriver: { driverName: 'root.csi.spiffe.io', registrarHealthPort: 9810 },
  /** Where a downstream server sees the root agent's Workload API socket (its UpstreamAuthority `spire` workload_api_socket). */
  downstreamSocketDir: '/run/spire/root-agent',
  /** Where the root server reads the kubeconfigs of the clusters it does not run in (k8s_psat and BundlePublisher). */
  kubeconfigDir: '/run/spire/root-kubeconfigs',
} as const;

/** What the clouds' Kubernetes integrations read or write, by their documented names. */
export const CLOUD = {
  gcp: {
    /** Application Default Credentials: the key file a Google client library loads when no other is given. */
    credentialsEnv: 'GOOGLE_APPLICATION_CREDENTIALS',
    /** GKE Workload Identity: the Google service account a Kubernetes ServiceAccount acts as. */
    workloadIdentityAnnotation: 'iam.gke.io/gcp-service-account',
    /** GKE sets it on every Node: the numeric ID of the node's Compute Engine instance. */
    nodeInstanceIdAnnotation: 'container.googleapis.com/instance_id',
  },
  /*
   * AWS credentials as the AWS SDK for Go v2 reads them (config.LoadDefaultConfig, environment credentials
   * provider), which every SPIRE AWS plugin falls back on when its access_key_id/secret_access_key are
   * empty. IRSA: the EKS pod identity webhook gives pods of a ServiceAccount with this annotation a web
   * identity token and the role to assume (aws/amazon-eks-pod-identity-webhook README).
   */
  aws: {
    accessKeyIdEnv: 'AWS_ACCESS_KEY_ID',
    secretAccessKeyEnv: 'AWS_SECRET_ACCESS_KEY',
    irsaRoleAnnotation: 'eks.amazonaws.com/role-arn',
  },
  azure: {
    /** Azure Workload Identity: the client ID a ServiceAccount's tokens are exchanged for. */
    workloadIdentityAnnotation: 'azure.workload.identity/client-id',
    /** The pod label the Azure Workload Identity webhook injects the token and environment into. */
    workloadIdentityPodLabel: 'azure.workload.identity/use',
  },
} as const;
