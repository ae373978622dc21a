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
  /** Where the PreSync hook mounts the server.conf it validates. */
  validateConfigDir: '/run/spire/validate',
  /** https_web bundle endpoint: the serving certificate's Secret (serving_cert_file). */
  bundleEndpointCertDir: '/run/spire/bundle-endpoint-tls',
  /** k8s_psat kubeconfigs of remote clusters, one directory per cluster below this. */
  remoteClustersDir: '/run/spire/remote-clusters',
  ports: { service: 443, grpc: 8081, health: 8080, metrics: 9988, federation: 8443 },
  env: {
    /** mysql: the password reaches the DSN through `-expandEnv` and this variable. */
    mysqlPassword: 'DBPW',
    /** postgres: lib/pq reads the password from this variable itself (lib/pq connector.go Config.fromEnv). */
    postgresPassword: 'PGPASSWORD',
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
