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

/** The keys of a kubernetes.io/tls Secret (Kubernetes core/v1 TLSCertKey, TLSPrivateKeyKey); mounted under the same names. */
export const TLS_SECRET_KEYS = { certificate: 'tls.crt', privateKey: 'tls.key' } as const;

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
  /** The x509pop NodeAttestor's CA bundle (ca_bundle_path), from its ConfigMap. */
  x509popCaDir: '/run/spire/x509pop-ca',
  x509popCaFile: 'ca-bundle.pem',
  /**
   * The tpm_direct NodeAttestor, an external plugin (github.com/spiffe/spire-tpm-plugin, named `tpm`): where an
   * init container copies its binary (plugin_cmd), where the binary is in the upstream image, and the
   * directories of endorsement key CAs (ca_path) and allowed public key hashes (hash_path), from ConfigMaps.
   */
  tpmPluginName: 'tpm',
  tpmPluginDir: '/run/spire/plugins/tpm',
  tpmPluginFile: 'tpm_attestor_server',
  tpmPluginImagePath: '/app/tpm_attestor_server',
  tpmCaDir: '/run/spire/tpm-direct/cas',
  tpmHashDir: '/run/spire/tpm-direct/hashes',
  /** The client certificate and key the server authenticates to the database with, from `datastore.clientCertificateSecret`. */
  dbClientCertDir: '/run/spire/db-client',
  /** aws_pca: the supplemental bundle (supplemental_bundle_path), from a ConfigMap. */
  awsPcaBundleDir: '/run/spire/aws-pca-bundle',
  awsPcaBundleFile: 'bundle.pem',
  /** Where the PreSync hook mounts the server.conf it validates. */
  validateConfigDir: '/run/spire/validate',
  /** https_web bundle endpoint: the serving certificate's Secret (serving_cert_file). */
  bundleEndpointCertDir: '/run/spire/bundle-endpoint-tls',
  /** k8s_psat kubeconfigs of remote clusters, one directory per cluster below this. */
  remoteClustersDir: '/run/spire/remote-clusters',
  ports: { service: 443, grpc: 8081, health: 8080, metrics: 9988, federation: 8443 },
  /** The vault UpstreamAuthority's files: the CA that verifies Vault, the client certificate, the projected token. */
  vault: {
    caDir: '/run/spire/vault-ca',
    caFile: 'ca.crt',
    clientCertDir: '/run/spire/vault-client',
    tokenDir: '/run/spire/vault-token',
    tokenFile: 'token',
    defaultAudience: 'vault',
  },
  /** The disk UpstreamAuthority's files, from Secret volumes: the upstream CA (cert_file_path, key_file_path) and its roots (bundle_file_path). */
  upstreamDisk: {
    caDir: '/run/spire/upstream-ca',
    certFile: 'ca.crt',
    keyFile: 'ca.key',
    bundleDir: '/run/spire/upstream-bundle',
    bundleFile: 'bundle.crt',
  },
  /** The ejbca UpstreamAuthority's files: the mTLS client certificate and key, and the CA that verifies EJBCA. */
  ejbca: {
    clientDir: '/run/spire/ejbca-client',
    certFile: 'client.crt',
    keyFile: 'client.key',
    caDir: '/run/spire/ejbca-ca',
    caFile: 'ca.crt',
  },
  /**
   * The k8sbundle Notifier: its default ConfigMap key (pkg/server/plugin/notifier/k8sbundle/k8sbundle.go
   * defaultConfigMapKey), and the value a webhook_label or api_service_label must have on an object for the
   * notifier to select it (newClientsForCluster: `<label>=true`).
   */
  k8sBundle: { defaultConfigMapKey: 'bundle.crt', selectedLabelValue: 'true' },
  env: {
    /** The vault plugin reads these before its config (pkg/server/common/vault/client.go EnvVault*). */
    vaultToken: 'VAULT_TOKEN',
    vaultAppRoleId: 'VAULT_APPROLE_ID',
    vaultAppRoleSecretId: 'VAULT_APPROLE_SECRET_ID',
    /** mysql: the password reaches the DSN through `-expandEnv` and this variable. */
    mysqlPassword: 'DBPW',
    /** A cloud KeyManager's key_identifier_value `podName`: the pod's name (downward API), through `-expandEnv`. */
    podName: 'POD_NAME',
    /** postgres: lib/pq reads the password from this variable itself (lib/pq connector.go Config.fromEnv). */
    postgresPassword: 'PGPASSWORD',
    /**
     * The read replica's own password (ro_connection_string), substituted by `-expandEnv`: lib/pq reads PGPASSWORD for
     * every connection of the process, so a second password has to be in the string (the hardened chart's name).
     */
    readOnlyDatabasePassword: 'RODBPW',
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
  /**
   * The admin API socket, with `adminSocket`: a host directory of its own, so that node-level delegates
   * (Delegated Identity API) reach it, and never the Workload API socket's directory, which SPIRE refuses
   * (cmd/spire-agent/cli/run/run_posix.go getAdminAddr).
   */
  adminSocketDir: '/tmp/spire-agent/admin',
  adminSocketFile: 'admin.sock',
  adminSocketHostDir: '/run/spire/agent-admin',
  /** The agent's SDS resource names when its `sds` block names none (cmd/spire-agent/cli/run/run.go, defaultDefault*Name). */
  sdsDefaults: { svid: 'default', bundle: 'ROOTCA', allBundles: 'ALL' },
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
  /** x509pop: the node's certificate directory (a read-only hostPath) inside the agent, and its files when the estate names none. */
  x509popCertDir: '/run/spire/node-certificate',
  x509popDefaultCertificateFile: 'node.crt',
  x509popDefaultKeyFile: 'node.key',
  // hostNetwork binds these on the node: kept off the ports of the upstream agent (9981/9989) and kubelet.
  ports: { health: 9982, metrics: 9988 },
  /** The service account CA the k8s workload attestor verifies the kubelet with. */
  kubeletCaPath: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
  /**
   * `hostCert`: where the kubelet writes its self-signed serving certificate (with the CA that signed it) when it is
   * given none and does not rotate one (kubelet --cert-dir default /var/lib/kubelet/pki, file kubelet.crt; the key is
   * kubelet.key beside it), and the file it becomes inside the agent.
   */
  kubeletServingCertHostPath: '/var/lib/kubelet/pki/kubelet.crt',
  kubeletServingCertPath: '/run/spire/kubelet-serving-cert/kubelet.crt',
  /** Rotated kubelet serving certificates (kubelet-server-current.pem and its dated files) hold certificate and key in one file. */
  kubeletRotatedServingCertPrefix: 'kubelet-server-',
  env: { kubeletAddress: 'KUBELET_ADDRESS' },
} as const;

export const CONTROLLER_MANAGER = {
  configDir: '/run/spire/controller-manager',
  configFile: 'controller-manager-config.yaml',
  ports: { webhook: 9443, metrics: 8082, health: 8083, webhookService: 443 },
  /** controller-runtime's probe endpoints. */
  healthPaths: { live: '/healthz', ready: '/readyz' },
  env: { enableWebhooks: 'ENABLE_WEBHOOKS' },
  /** Static manifest mode (staticManifestPath): the directory of manifest files the manager lists. */
  staticManifests: { dir: '/run/spire/controller-manager-manifests' },
  /** cmd/main.go defaultGCInterval: how often the manager reconciles when nothing triggers it. */
  defaultGcInterval: '10s',
  /** controller-runtime pkg/manager/manager.go defaults of the leader election. */
  leaderElectionDefaults: { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s' },
  /** client-go tools/leaderelection/leaderelection.go JitterFactor: renewDeadline must exceed retryPeriod times this. */
  leaderElectionJitterFactor: 1.2,
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

/**
 * What Istio's proxy (istio-agent) expects of an SDS server it does not run itself (istio/istio
 * pkg/security/security.go: WorkloadIdentityPath, DefaultWorkloadIdentitySocketFile,
 * WorkloadKeyCertResourceName, RootCertReqResourceName): a socket named `socket` in the directory the
 * injection template mounts the `workload-socket` volume at
 * (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml), asked for the
 * resources `default` (its certificate) and `ROOTCA` (the trust bundle). Istio's proxy identity is
 * spiffe://<trust domain>/ns/<namespace>/sa/<service account> (pkg/spiffe/spiffe.go, Identity.String).
 */
export const ISTIO = {
  workloadSocketDir: '/var/run/secrets/workload-spiffe-uds',
  workloadSocketFile: 'socket',
  sdsCertificateResource: 'default',
  sdsRootResource: 'ROOTCA',
  /** The volume of Istio's injection template that the SPIFFE CSI driver replaces. */
  workloadSocketVolume: 'workload-socket',
  /** The pod label the rendered injection template sets, which the mesh ClusterSPIFFEID selects. */
  managedIdentityLabel: 'spiffe.io/spire-managed-identity',
} as const;

/** The plain Envoy example's ports and names (this project's choices). */
export const ENVOY_EXAMPLE = {
  bootstrapFile: 'envoy.yaml',
  /** The cluster in the bootstrap that reaches the agent's SDS API over the Workload API socket. */
  sdsCluster: 'spire_agent',
  listenerPort: 8443,
  /** The local application the listener forwards to. */
  appPort: 8080,
  adminPort: 9901,
} as const;

/** What exposing a component outside its cluster relies on (README "Exposure"). */
export const EXPOSURE = {
  /** The port clients dial on an exposed host: HTTPS, the Gateway listener's and the LoadBalancer's. */
  externalPort: 443,
  /** Keys of the kubernetes.io/tls Secret cert-manager writes for a Certificate (cert-manager docs, Certificate resource). */
  tlsCertKey: 'tls.crt',
  tlsKeyKey: 'tls.key',
  /**
   * How often the server looks at the serving certificate's files and reloads them when their
   * modification time changed (spire pkg/common/diskcertmanager/cert_manager.go syncCertificateFiles):
   * the kubelet swaps a Secret volume's files within about a minute of cert-manager renewing it.
   */
  servingCertSyncInterval: '1m',
} as const;
