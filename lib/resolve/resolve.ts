import { ClusterConfig, ControllerManagerSettings, EnvironmentConfig, EstateConfig, ServerSettings } from '../config/types';
import {
  CONTROLLER_MANAGER, CSI_DRIVER, DEFAULT_CLUSTER_DOMAIN, EXPOSURE, ISTIO, NESTED_ROOT, OIDC_DISCOVERY_PROVIDER, SPIRE_AGENT, SPIRE_HEALTH_PATHS, SPIRE_SERVER,
} from '../config/spire-facts';
import { NestedRoot, clusterEnvironment, nestedRootOf } from '../config/topology';
import { exposedHost, httpsUrl, oidcIssuerUrl } from '../config/exposure';
import { ImageCatalogue } from '../config/versions';
import { NAMESPACE_LABEL, namespaceServiceAccountId } from '../identity/spiffe-id';
import { selectorLabels, standardLabels } from './labels';
import { agentKeyManager, parentIdTemplate, resolveAgentCloud, resolveServerCloud } from './cloud';
import { AGENT_POD_DEFAULTS, OIDC_POD_DEFAULTS, SERVER_POD_DEFAULTS, csiDriverDefaults, resolvePodOptions } from './pods';
import { AGENT_MAX_UNAVAILABLE_DEFAULT, CSI_DRIVER_MAX_UNAVAILABLE_DEFAULT, PROBE_DEFAULTS, keyIdentifiedByPodName, mostServerReplicas, resolveImagePull, resolveProbes, resolveServerWorkload } from './workloads';
import {
  DownstreamRegistration, ResolvedAgent, ResolvedCertificate, ResolvedCluster, ResolvedControllerManager, ResolvedCsiDriver, ResolvedEstate,
  ResolvedExposure, ResolvedMesh, ResolvedNested, ResolvedOidcDiscoveryProvider, ResolvedServer, ResolvedUpstream,
} from './model';

/** Namespaces and names this project gives SPIRE's parts in every cluster. */
export const SERVER_NAMESPACE = 'spire-server';
export const AGENT_NAMESPACE = 'spire-system';
/** The workloads' names (and of their ServiceAccounts, ConfigMaps and Services). */
export const WORKLOADS = {
  server: { kind: 'StatefulSet', name: 'spire-server' },
  agent: { kind: 'DaemonSet', name: 'spire-agent' },
  csiDriver: { kind: 'DaemonSet', name: 'spiffe-csi-driver' },
  oidcDiscoveryProvider: { kind: 'Deployment', name: 'spire-oidc-discovery-provider' },
} as const;

/**
 * A nested topology's root: its server in a namespace of its own (so it never collides with the
 * downstream server of the cluster it runs in), its agents in another (privileged, like every agent's).
 */
export const NESTED_ROOT_NAMES = {
  serverNamespace: 'spire-root',
  server: 'spire-root-server',
  agentNamespace: 'spire-root-system',
  agent: 'spire-root-agent',
  csiDriver: 'spiffe-csi-driver-root',
  bundleConfigMap: 'spire-root-bundle',
  /** Operator-provided in the root's namespace: one kubeconfig per other cluster, keyed by cluster name. */
  kubeconfigSecret: 'spire-root-kubeconfigs',
  /** What the root server acts as in the other clusters (the identity in its kubeconfig for them). */
  remoteServiceAccount: 'spire-root-server-remote',
} as const;

/**
 * Whether agents of the server's own cluster attest to it (so its bundle is published and its agents' tokens
 * reviewed there): every server's but a nested root's in a management cluster, whose agents are all remote.
 */
export function servesAgentsHere(server: Pick<ResolvedServer, 'attestingAgents'>): boolean {
  return server.attestingAgents.some((agents) => agents.kubeConfigFile === undefined);
}

/** The postgres sslmode a server uses: as configured, else verify-full in production environments and require elsewhere. */
export function postgresSslMode(configured: 'require' | 'verify-ca' | 'verify-full' | undefined, production: boolean | undefined): 'require' | 'verify-ca' | 'verify-full' {
  return configured ?? (production ? 'verify-full' : 'require');
}

/** Which server of the cluster: its own (a downstream one in a nested topology), or a nested topology's root. */
interface ServerRole {
  readonly name: string;
  readonly namespace: string;
  readonly component: string;
  readonly settings: ServerSettings;
  readonly bundleConfigMap: string;
  readonly upstream?: ResolvedUpstream;
}

function resolveServer(environment: EnvironmentConfig, cluster: ClusterConfig, agent: ResolvedAgent, role: ServerRole = ownServer(environment, cluster)): ResolvedServer {
  const { settings, name, namespace } = role;
  const { datastore } = settings;
  const oidc = role.component === 'server' ? environment.oidcDiscovery : undefined;
  const podLabels = standardLabels(name, role.component, cluster.name);
  const selector = selectorLabels(name, cluster.name);
  const cloud = resolveServerCloud(settings, environment.agent.nodeAttestor);
  const pod = resolvePodOptions(settings.pod, SERVER_POD_DEFAULTS, podLabels, selector);
  const { keyManager } = settings;
  // One claim for the data directory; with both a disk KeyManager and sqlite3 in it, the KeyManager's size.
  const persistentData = keyManager.type === 'disk' ? keyManager
    : datastore.type === 'sqlite3' ? datastore
      : 'keyIdentifier' in keyManager && keyManager.keyIdentifier.type === 'file' ? keyManager.keyIdentifier
        : undefined;
  // Exposure is the cluster's own server's; a nested root in the cluster is reached inside the cluster only.
  const exposedBundle = role.component === 'server' ? environment.exposure?.bundleEndpoint : undefined;
  const remoteClusters = role.component === 'server' ? environment.exposure?.serverGrpc?.remoteClusters ?? [] : [];
  const remoteKubeConfigs = remoteClusters.map((remote) => ({
    cluster: remote.name,
    secretName: remote.kubeConfigSecret.name,
    secretKey: remote.kubeConfigSecret.key,
    dir: `${SPIRE_SERVER.remoteClustersDir}/${remote.name}`,
    file: remote.kubeConfigSecret.key,
  }));
  return {
    name,
    namespace,
    serviceAccountName: name,
    configMapName: name,
    headlessServiceName: `${name}-headless`,
    serviceHost: `${name}.${namespace}.svc`,
    settings,
    ports: SPIRE_SERVER.ports,
    healthPaths: SPIRE_HEALTH_PATHS,
    socketPath: `${SPIRE_SERVER.socketDir}/${SPIRE_SERVER.socketFile}`,
    psatAudience: agent.tokenAudience,
    bundle: { namespace: agent.namespace, configMapName: role.bundleConfigMap, configMapKey: 'bundle.spiffe', format: 'spiffe' },
    jwtIssuer: oidc ? oidcIssuerUrl(oidc) : undefined,
    // Partners fetch its bundle: those it federates with, the estate's other trust domains that reach it at its
    // bundleEndpoint, and anyone its exposed endpoint serves. The root of a nested topology federates with no one:
    // the downstream servers' bundle is the trust domain's.
    federates: role.component === 'server' && (environment.federation.length > 0 || cluster.bundleEndpoint !== undefined || exposedBundle !== undefined),
    bundleEndpointServingCert: exposedBundle?.profile === 'https_web'
      ? {
        secretName: BUNDLE_ENDPOINT_CERTIFICATE.secretName,
        dir: SPIRE_SERVER.bundleEndpointCertDir,
        certFile: EXPOSURE.tlsCertKey,
        keyFile: EXPOSURE.tlsKeyKey,
        fileSyncInterval: EXPOSURE.servingCertSyncInterval,
      }
      : undefined,
    remoteKubeConfigs,
    attestingAgents: [
      { cluster: cluster.name, namespace: agent.namespace, serviceAccount: agent.serviceAccountName, audience: agent.tokenAudience },
      ...remoteClusters.map((remote, index) => {
        const [namespace, serviceAccount] = (remote.serviceAccount ?? `${agent.namespace}:${agent.serviceAccountName}`).split(':');
        const kubeConfig = remoteKubeConfigs[index];
        return { cluster: remote.name, namespace, serviceAccount, audience: remote.audience ?? agent.tokenAudience, kubeConfigFile: `${kubeConfig.dir}/${kubeConfig.file}` };
      }),
    ],
    // RDS IAM authentication signs a token instead: no password variable.
    datastorePasswordEnv: datastore.type === 'sqlite3' || datastore.iamAuth ? undefined
      : datastore.type === 'postgres' ? SPIRE_SERVER.env.postgresPassword : SPIRE_SERVER.env.mysqlPassword,
    // The replica's own Secret, if it has one; without one its connection uses the primary's password.
    datastoreReadOnlyPasswordEnv: datastore.type !== 'sqlite3' && datastore.readReplica?.passwordSecret ? SPIRE_SERVER.env.readOnlyDatabasePassword : undefined,
    databaseSslMode: datastore.type === 'postgres' ? postgresSslMode(datastore.sslMode, environment.production) : undefined,
    podLabels,
    selector,
    pod: { ...pod, labels: { ...pod.labels, ...cloud.podLabels } },
    // An autoscaler that may run more than one replica gets the budget too: it protects whatever count it chose.
    disruptionBudget: mostServerReplicas(settings) > 1 ? { maxUnavailable: 1 } : undefined,
    workload: resolveServerWorkload(settings),
    cloud,
    persistentData: persistentData ? { storageSize: persistentData.storageSize, storageClass: persistentData.storageClass } : undefined,
    expandEnv: (datastore.type === 'mysql' && !datastore.iamAuth) || (datastore.type !== 'sqlite3' && datastore.readReplica?.passwordSecret !== undefined) || cloud.configReadsEnv || keyIdentifiedByPodName(settings),
    upstream: role.upstream,
    remoteClusters: [],
    notifiers: role.component === 'server' ? (settings.notifiers ?? []).map((notifier) => ({
      type: notifier.type,
      namespace: notifier.namespace ?? namespace,
      configMap: notifier.configMap,
      configMapKey: notifier.configMapKey ?? SPIRE_SERVER.k8sBundle.defaultConfigMapKey,
      webhookLabel: notifier.webhookLabel,
      apiServiceLabel: notifier.apiServiceLabel,
    })) : [],
  };
}

function ownServer(environment: EnvironmentConfig, cluster: ClusterConfig): ServerRole {
  return {
    name: WORKLOADS.server.name,
    namespace: SERVER_NAMESPACE,
    component: 'server',
    settings: { ...environment.server, ...cluster.serverOverrides },
    bundleConfigMap: 'spire-bundle',
    upstream: nestedUpstream(environment, cluster),
  };
}

function resolveAgent(environment: EnvironmentConfig, cluster: ClusterConfig): ResolvedAgent {
  const name = WORKLOADS.agent.name;
  const podLabels = standardLabels(name, 'agent', cluster.name);
  const selector = selectorLabels(name, cluster.name);
  const { sds, adminSocket } = environment.agent;
  return {
    name,
    namespace: AGENT_NAMESPACE,
    serviceAccountName: name,
    configMapName: name,
    settings: environment.agent,
    ports: SPIRE_AGENT.ports,
    socketHostDir: SPIRE_AGENT.socketHostDir,
    // Istio's proxy looks for a socket of its own name in the directory the CSI driver mounts; every other
    // workload reads the name from SPIFFE_ENDPOINT_SOCKET, so one name serves both.
    socketFileName: environment.mesh?.type === 'istio' ? ISTIO.workloadSocketFile : SPIRE_AGENT.socketFile,
    // The audience the server's k8s_psat accepts on the agents' projected tokens.
    tokenAudience: 'spire-server',
    sds: {
      svid: sds?.defaultSvidName ?? SPIRE_AGENT.sdsDefaults.svid,
      bundle: sds?.defaultBundleName ?? SPIRE_AGENT.sdsDefaults.bundle,
      allBundles: sds?.defaultAllBundlesName ?? SPIRE_AGENT.sdsDefaults.allBundles,
    },
    adminSocket: adminSocket === undefined ? undefined : {
      hostDir: SPIRE_AGENT.adminSocketHostDir,
      dir: SPIRE_AGENT.adminSocketDir,
      fileName: SPIRE_AGENT.adminSocketFile,
      authorizedDelegates: adminSocket.authorizedDelegates,
    },
    podLabels,
    selector,
    pod: resolvePodOptions(environment.agent.pod, AGENT_POD_DEFAULTS, podLabels, selector),
    cloud: resolveAgentCloud(environment.agent),
    dataOnHost: agentKeyManager(environment.agent) === 'disk',
    kubeletServingCert: environment.agent.kubeletVerification === 'hostCert' ? {
      hostPath: environment.agent.workloadAttestors?.k8s?.kubeletServingCertHostPath ?? SPIRE_AGENT.kubeletServingCertHostPath,
      path: SPIRE_AGENT.kubeletServingCertPath,
    } : undefined,
    workload: {
      maxUnavailable: environment.agent.workload?.maxUnavailable ?? AGENT_MAX_UNAVAILABLE_DEFAULT,
      probes: resolveProbes(environment.agent.workload?.probes, PROBE_DEFAULTS.agent),
    },
  };
}

function resolveCsiDriver(environment: EnvironmentConfig, cluster: ClusterConfig, agent: ResolvedAgent,
  role = { name: WORKLOADS.csiDriver.name as string, driverName: CSI_DRIVER.driverName as string, registrarHealthPort: CSI_DRIVER.registrarHealthPort as number }): ResolvedCsiDriver {
  const { name } = role;
  const labels = standardLabels(name, 'csi-driver', cluster.name);
  const selector = selectorLabels(name, cluster.name);
  return {
    name,
    driverName: role.driverName,
    namespace: agent.namespace,
    kubeletPath: environment.agent.kubeletRootDir ?? CSI_DRIVER.kubeletDir,
    registrarHealthPort: role.registrarHealthPort,
    labels,
    selector,
    pod: resolvePodOptions(environment.agent.csiDriverPod, csiDriverDefaults(agent.pod), labels, selector),
    workload: {
      maxUnavailable: environment.agent.csiDriverWorkload?.maxUnavailable ?? CSI_DRIVER_MAX_UNAVAILABLE_DEFAULT,
      probes: resolveProbes(environment.agent.csiDriverWorkload?.probes, PROBE_DEFAULTS.csiNodeDriverRegistrar),
    },
  };
}

function resolveOidc(environment: EnvironmentConfig, cluster: ClusterConfig, server: ResolvedServer): ResolvedOidcDiscoveryProvider | undefined {
  const settings = environment.oidcDiscovery;
  if (!settings) return undefined;
  const name = WORKLOADS.oidcDiscoveryProvider.name;
  const selector = selectorLabels(name, cluster.name);
  const labels = standardLabels(name, 'oidc-discovery-provider', cluster.name);
  const replicas = settings.replicas ?? 1;
  return {
    name,
    namespace: server.namespace,
    domains: settings.domains,
    jwtIssuer: server.jwtIssuer ?? oidcIssuerUrl(settings),
    ports: OIDC_DISCOVERY_PROVIDER.ports,
    labels,
    selector,
    replicas,
    pod: resolvePodOptions(settings.pod, OIDC_POD_DEFAULTS, labels, selector),
    disruptionBudget: replicas > 1 ? { maxUnavailable: 1 } : undefined,
    probes: resolveProbes(settings.probes, PROBE_DEFAULTS.oidcDiscoveryProvider),
    identity: {
      name,
      spiffeIDTemplate: namespaceServiceAccountId(),
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': server.namespace } },
      podSelector: { matchLabels: selector },
      workloadSelectorTemplates: [`k8s:sa:${name}`],
      dnsNameTemplates: [...settings.domains],
      // Stated, for policies that demand it: the provider only reads JWT signing keys, never administers SPIRE.
      admin: false,
    },
  };
}

/** Names of the bundle endpoint's Certificate and of the Secret cert-manager writes it to. */
const BUNDLE_ENDPOINT_CERTIFICATE = { name: 'spire-server-bundle-endpoint', secretName: 'spire-server-bundle-endpoint-tls' } as const;

/** What of the cluster's SPIRE is reached from outside, with its hosts, routes, backends and Certificates. */
function resolveExposure(environment: EnvironmentConfig, cluster: ClusterConfig, server: ResolvedServer, oidc: ResolvedOidcDiscoveryProvider | undefined): ResolvedExposure {
  const exposure = environment.exposure;
  if (!exposure) return {};
  const issuer = exposure.issuer;
  const certificate = (name: string, namespace: string, dnsNames: readonly string[]): ResolvedCertificate | undefined => (issuer
    ? { name, namespace, secretName: `${name}-tls`, dnsNames, issuer: { kind: issuer.kind, name: issuer.name } }
    : undefined);
  const result: { -readonly [Key in keyof ResolvedExposure]: ResolvedExposure[Key] } = {};
  if (exposure.bundleEndpoint) {
    const bundle = exposure.bundleEndpoint;
    const host = exposedHost(bundle.host, cluster);
    const name = BUNDLE_ENDPOINT_CERTIFICATE.name;
    result.bundleEndpoint = {
      name,
      namespace: server.namespace,
      hosts: [host],
      externalPort: EXPOSURE.externalPort,
      route: bundle.route,
      backend: { serviceName: server.name, servicePort: server.ports.federation, targetPort: server.ports.federation, targetPortName: 'federation' },
      selector: server.selector,
      labels: standardLabels(name, 'exposure', cluster.name),
      profile: bundle.profile,
      url: httpsUrl(host),
      certificate: bundle.profile === 'https_web' ? certificate(BUNDLE_ENDPOINT_CERTIFICATE.name, server.namespace, [host]) : undefined,
    };
  }
  if (exposure.oidcDiscovery && oidc) {
    const cert = certificate(oidc.name, oidc.namespace, oidc.domains);
    if (cert) {
      result.oidcDiscovery = {
        name: oidc.name,
        namespace: oidc.namespace,
        hosts: oidc.domains,
        externalPort: EXPOSURE.externalPort,
        route: exposure.oidcDiscovery.route,
        backend: { serviceName: oidc.name, servicePort: oidc.ports.service, targetPort: oidc.ports.http, targetPortName: 'http' },
        selector: oidc.selector,
        labels: standardLabels(`${oidc.name}-exposure`, 'exposure', cluster.name),
        certificate: cert,
        issuerUrl: oidcIssuerUrl(environment.oidcDiscovery!),
      };
    }
  }
  if (exposure.serverGrpc) {
    const name = `${server.name}-external`;
    result.serverGrpc = {
      name,
      namespace: server.namespace,
      hosts: [exposedHost(exposure.serverGrpc.host, cluster)],
      externalPort: EXPOSURE.externalPort,
      route: exposure.serverGrpc.route,
      backend: { serviceName: server.name, servicePort: server.ports.service, targetPort: server.ports.grpc, targetPortName: 'grpc' },
      selector: server.selector,
      labels: standardLabels(name, 'exposure', cluster.name),
    };
  }
  return result;
}

/** The identity Istio's proxies present: spiffe://<trust domain>/ns/<namespace>/sa/<service account>. */
export const ISTIO_MESH_IDENTITY = 'istio-mesh';

function resolveMesh(environment: EnvironmentConfig, agent: ResolvedAgent): ResolvedMesh | undefined {
  const { mesh } = environment;
  if (mesh === undefined) return undefined;
  if (mesh.type === 'envoy') return { type: 'envoy', bootstrapConfigMap: { name: 'spire-envoy-bootstrap', namespace: mesh.namespace } };
  return {
    type: 'istio',
    trustDomain: environment.trustDomain,
    identity: {
      name: ISTIO_MESH_IDENTITY,
      // Istio authorizes peers by exactly this shape (istio pkg/spiffe/spiffe.go Identity.String).
      spiffeIDTemplate: namespaceServiceAccountId(),
      podSelector: { matchLabels: { [ISTIO.managedIdentityLabel]: 'true' } },
      // Never SPIRE's own namespaces, whatever else the estate selects.
      namespaceSelector: {
        ...mesh.namespaceSelector,
        matchExpressions: [
          ...mesh.namespaceSelector?.matchExpressions ?? [],
          { key: NAMESPACE_LABEL, operator: 'NotIn', values: [SERVER_NAMESPACE, agent.namespace] },
        ],
      },
      // A catch-all for mesh pods, so a pod with an identity of its own keeps that one and gets exactly one
      // entry: the SVID SDS serves as `default` is then never a choice between two.
      fallback: true,
      // Stated, for policies that demand it: a proxy never administers SPIRE.
      admin: false,
    },
    valuesConfigMap: { name: 'spire-istio-values', namespace: agent.namespace },
  };
}

/**
 * The resolve stage for one cluster: everything its constructs need, computed once. Its environment is the
 * one the cluster's server sees (clusterEnvironment): in a federated topology, with the cluster's own
 * trust domain and the other clusters as partners.
 */
export function resolveCluster(written: EnvironmentConfig, cluster: ClusterConfig, images: ImageCatalogue): ResolvedCluster {
  const environment = clusterEnvironment(written, cluster);
  const agent = resolveAgent(environment, cluster);
  const server = resolveServer(environment, cluster, agent);
  const oidcDiscovery = resolveOidc(environment, cluster, server);
  const exposure = resolveExposure(environment, cluster, server, oidcDiscovery);
  return {
    environment,
    cluster,
    images,
    imagePull: resolveImagePull(images),
    where: `${environment.name}/${cluster.name}`,
    outputPath: `${environment.name}/${cluster.name}`,
    trustDomain: environment.trustDomain,
    clusterName: cluster.name,
    components: {
      oidcDiscovery: environment.oidcDiscovery !== undefined,
      networkPolicies: environment.networkPolicies,
      monitoring: environment.monitoring.enabled,
      syncHooks: environment.gitops.engines.includes('argocd'),
      federation: environment.federation.length > 0,
    },
    server,
    agent,
    controllerManager: controllerManagerOf(cluster, `spire-${cluster.name}`, 'spire-controller-manager', environment.server.controllerManager ?? {}, parentIdTemplate(environment.agent.nodeAttestor)),
    csiDriver: resolveCsiDriver(environment, cluster, agent),
    oidcDiscovery,
    exposure,
    serverExternalAddress: exposure.serverGrpc ? { host: exposure.serverGrpc.hosts[0], port: exposure.serverGrpc.externalPort } : undefined,
    nested: resolveNested(environment, cluster, images),
    mesh: resolveMesh(environment, agent),
  };
}

/** `parentIdTemplate`: how the manager names an entry's agent when the agents do not attest with k8s_psat (lib/resolve/cloud.ts). */
function controllerManagerOf(cluster: ClusterConfig, className: string, name: string, settings: ControllerManagerSettings, parentIdTemplate?: string): ResolvedControllerManager {
  return {
    className,
    parentIdTemplate,
    configMapName: name,
    webhookConfigurationName: `${name}-webhook`,
    webhookServiceName: `${name}-webhook`,
    clusterDomain: cluster.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
    ports: CONTROLLER_MANAGER.ports,
    settings,
    staticManifests: settings.staticManifestMode === 'internal'
      ? { configMapName: `${name}-manifests`, dir: CONTROLLER_MANAGER.staticManifests.dir }
      : undefined,
  };
}

/**
 * The options of a nested root's manager: the environment's, but never static (the root's registrations are resources its
 * manager reads from the API; static mode is refused for nested environments anyway).
 */
function rootManagerSettings(environment: EnvironmentConfig): ControllerManagerSettings {
  const { staticManifestMode: _static, ...rest } = environment.server.controllerManager ?? {};
  return rest;
}

/**
 * The root's controller manager reconciles only objects of this class. It has a dot, which no
 * `spire-<cluster>` class of a workload cluster (a DNS label) has, so no downstream manager ever takes them.
 */
export function rootClassName(environment: EnvironmentConfig): string {
  return `spire-root.${environment.name}`;
}

/** How `cluster` reaches the root of its nested environment: the in-cluster Service in the root's cluster, the estate's address elsewhere. */
function rootAddressFrom(root: NestedRoot, cluster: ClusterConfig): { host: string; port: number } {
  if (root.cluster === cluster.name) return { host: `${NESTED_ROOT_NAMES.server}.${NESTED_ROOT_NAMES.serverNamespace}.svc`, port: SPIRE_SERVER.ports.service };
  // A missing address is refused by topologyProblems; the placeholder never reaches dist/.
  return { host: root.serverAddress ?? '', port: root.serverPort ?? SPIRE_SERVER.ports.service };
}

function nestedUpstream(environment: EnvironmentConfig, cluster: ClusterConfig): ResolvedUpstream | undefined {
  const root = nestedRootOf(environment);
  if (!root) return undefined;
  const address = rootAddressFrom(root, cluster);
  return {
    serverAddress: address.host,
    serverPort: address.port,
    csiDriverName: NESTED_ROOT.csiDriver.driverName,
    socketDir: NESTED_ROOT.downstreamSocketDir,
    socketPath: `${NESTED_ROOT.downstreamSocketDir}/${SPIRE_AGENT.socketFile}`,
  };
}

function resolveRootAgent(environment: EnvironmentConfig, cluster: ClusterConfig): ResolvedAgent {
  const name = NESTED_ROOT_NAMES.agent;
  const podLabels = standardLabels(name, 'root-agent', cluster.name);
  const selector = selectorLabels(name, cluster.name);
  return {
    ...resolveAgent(environment, cluster),
    name,
    namespace: NESTED_ROOT_NAMES.agentNamespace,
    serviceAccountName: name,
    configMapName: name,
    ports: NESTED_ROOT.agent.ports,
    socketHostDir: NESTED_ROOT.agent.socketHostDir,
    tokenAudience: NESTED_ROOT.agent.tokenAudience,
    podLabels,
    selector,
    pod: resolvePodOptions(environment.agent.pod, AGENT_POD_DEFAULTS, podLabels, selector),
  };
}

/**
 * The root server of a nested environment as it runs in `host`: a ResolvedCluster of its own, so the
 * server and agent constructs build it as they build any server; its agents are the root agents of every
 * workload cluster, the remote ones reached through a kubeconfig each.
 */
function resolveRootServer(environment: EnvironmentConfig, root: NestedRoot, host: ClusterConfig, images: ImageCatalogue): ResolvedCluster {
  const agent = resolveRootAgent(environment, host);
  const settings = { ...environment.server, ...root.serverOverrides };
  const base = resolveServer(environment, host, agent, {
    name: NESTED_ROOT_NAMES.server,
    namespace: NESTED_ROOT_NAMES.serverNamespace,
    component: 'root-server',
    settings,
    bundleConfigMap: NESTED_ROOT_NAMES.bundleConfigMap,
  });
  const remote = environment.clusters.filter((cluster) => cluster.name !== host.name);
  const remoteClusters = remote.map((cluster) => ({
    cluster: cluster.name,
    kubeconfigPath: `${NESTED_ROOT.kubeconfigDir}/${cluster.name}`,
    kubeconfigSecret: NESTED_ROOT_NAMES.kubeconfigSecret,
  }));
  const server: ResolvedServer = {
    ...base,
    // Agents of the clusters the root does not run in are reviewed through that cluster's kubeconfig.
    attestingAgents: environment.clusters.map((cluster) => ({
      cluster: cluster.name, namespace: agent.namespace, serviceAccount: agent.serviceAccountName, audience: agent.tokenAudience,
      kubeConfigFile: remoteClusters.find((entry) => entry.cluster === cluster.name)?.kubeconfigPath,
    })),
    remoteClusters,
  };
  return {
    environment,
    cluster: host,
    images,
    imagePull: resolveImagePull(images),
    where: root.cluster === undefined ? `${environment.name}/${host.name}` : `${environment.name}/${host.name} (root)`,
    outputPath: `${environment.name}/${host.name}`,
    trustDomain: environment.trustDomain,
    clusterName: host.name,
    components: { oidcDiscovery: false, networkPolicies: false, monitoring: false, syncHooks: false, federation: false },
    // The root side is reached inside the clusters only (root.serverAddress is the platform's to route).
    exposure: {},
    server,
    agent,
    controllerManager: controllerManagerOf(host, rootClassName(environment), 'spire-root-controller-manager', rootManagerSettings(environment)),
    csiDriver: resolveRootCsiDriver(environment, host, agent),
  };
}

function resolveRootCsiDriver(environment: EnvironmentConfig, cluster: ClusterConfig, agent: ResolvedAgent): ResolvedCsiDriver {
  return resolveCsiDriver(environment, cluster, agent, {
    name: NESTED_ROOT_NAMES.csiDriver, driverName: NESTED_ROOT.csiDriver.driverName, registrarHealthPort: NESTED_ROOT.csiDriver.registrarHealthPort,
  });
}

/** What registers `cluster`'s downstream server at the root: its root agents under one node alias, and the server beneath it. */
function downstreamRegistration(trustDomain: string, cluster: ClusterConfig, agent: ResolvedAgent): DownstreamRegistration {
  const alias = `spiffe://${trustDomain}/nested/root-agents/${cluster.name}`;
  return {
    cluster: cluster.name,
    alias: {
      name: `spire-root-agents-${cluster.name}`,
      spiffeId: alias,
      // A node alias: its parent is the server itself (SPIRE doc/spire_server.md, mapping node entries).
      parentId: `spiffe://${trustDomain}/spire/server`,
      // k8s_psat's node selectors (SPIRE doc/plugin_server_nodeattestor_k8s_psat.md, selectors).
      selectors: [`k8s_psat:cluster:${cluster.name}`, `k8s_psat:agent_ns:${agent.namespace}`, `k8s_psat:agent_sa:${agent.serviceAccountName}`],
      downstream: false,
    },
    downstream: {
      name: `spire-downstream-${cluster.name}`,
      spiffeId: `spiffe://${trustDomain}/nested/downstream/${cluster.name}`,
      parentId: alias,
      selectors: [`k8s:ns:${SERVER_NAMESPACE}`, `k8s:sa:${WORKLOADS.server.name}`],
      downstream: true,
    },
  };
}

function resolveNested(environment: EnvironmentConfig, cluster: ClusterConfig, images: ImageCatalogue): ResolvedNested | undefined {
  const root = nestedRootOf(environment);
  if (!root) return undefined;
  const agent = resolveRootAgent(environment, cluster);
  const host = environment.clusters.find((candidate) => candidate.name === root.cluster);
  // The root server as this cluster's root agents see it: its address from here, its bundle, its audience.
  const rootServer = host ? resolveRootServer(environment, root, host, images) : undefined;
  const address = rootAddressFrom(root, cluster);
  const seenFromHere = {
    ...(rootServer?.server ?? resolveServer(environment, cluster, agent, {
      name: NESTED_ROOT_NAMES.server, namespace: NESTED_ROOT_NAMES.serverNamespace, component: 'root-server',
      settings: { ...environment.server, ...root.serverOverrides }, bundleConfigMap: NESTED_ROOT_NAMES.bundleConfigMap,
    })),
    serviceHost: address.host,
    ports: { ...SPIRE_SERVER.ports, service: address.port },
  };
  const rootAgents: ResolvedCluster = {
    environment,
    cluster,
    images,
    imagePull: resolveImagePull(images),
    where: `${environment.name}/${cluster.name} (root agents)`,
    outputPath: `${environment.name}/${cluster.name}`,
    trustDomain: environment.trustDomain,
    clusterName: cluster.name,
    components: { oidcDiscovery: false, networkPolicies: false, monitoring: false, syncHooks: false, federation: false },
    // The root side is reached inside the clusters only (root.serverAddress is the platform's to route).
    exposure: {},
    server: seenFromHere,
    agent,
    controllerManager: controllerManagerOf(cluster, rootClassName(environment), 'spire-root-controller-manager', rootManagerSettings(environment)),
    csiDriver: resolveRootCsiDriver(environment, cluster, agent),
  };
  if (cluster.name === root.cluster && rootServer) {
    return { rootAgents, root: { server: rootServer, downstream: environment.clusters.map((c) => downstreamRegistration(environment.trustDomain, c, agent)) } };
  }
  return { rootAgents, remoteAccess: { namespace: agent.namespace, serviceAccountName: NESTED_ROOT_NAMES.remoteServiceAccount } };
}

/**
 * A nested environment's management cluster (`topology.root.managementCluster`): a tree that runs only the
 * root server, its controller manager and the downstream registrations. Every workload cluster is remote
 * from it, so it reviews every root agent's token and publishes the root bundle through that cluster's
 * kubeconfig; no agent runs here.
 */
function resolveManagementRoot(environment: EnvironmentConfig, images: ImageCatalogue): ResolvedCluster | undefined {
  const root = nestedRootOf(environment);
  if (!root?.managementCluster) return undefined;
  const tree = resolveRootServer(environment, root, root.managementCluster, images);
  return { ...tree, managementRoot: { downstream: environment.clusters.map((cluster) => downstreamRegistration(environment.trustDomain, cluster, tree.agent)) } };
}

/**
 * The resolve stage: every cluster of every environment, in the estate's order; a nested environment's
 * management cluster comes first in its environment, as the root is synced before what it signs.
 */
export function resolveEstate(estate: EstateConfig): ResolvedEstate {
  return {
    clusters: estate.environments.flatMap((environment) => [
      resolveManagementRoot(environment, estate.images),
      ...environment.clusters.map((cluster) => resolveCluster(environment, cluster, estate.images)),
    ].filter((cluster): cluster is ResolvedCluster => cluster !== undefined)),
  };
}
