import { ClusterConfig, EnvironmentConfig, EstateConfig } from '../config/types';
import { CONTROLLER_MANAGER, CSI_DRIVER, DEFAULT_CLUSTER_DOMAIN, OIDC_DISCOVERY_PROVIDER, SPIRE_AGENT, SPIRE_HEALTH_PATHS, SPIRE_SERVER } from '../config/spire-facts';
import { ImageCatalogue } from '../config/versions';
import { namespaceServiceAccountId } from '../identity/spiffe-id';
import { selectorLabels, standardLabels } from './labels';
import { attestsOnce, parentIdTemplate, resolveAgentCloud, resolveServerCloud } from './cloud';
import { AGENT_POD_DEFAULTS, OIDC_POD_DEFAULTS, SERVER_POD_DEFAULTS, csiDriverDefaults, resolvePodOptions } from './pods';
import {
  ResolvedAgent, ResolvedCluster, ResolvedCsiDriver, ResolvedEstate, ResolvedOidcDiscoveryProvider, ResolvedServer,
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

/** The postgres sslmode a server uses: as configured, else verify-full in production environments and require elsewhere. */
export function postgresSslMode(configured: 'require' | 'verify-ca' | 'verify-full' | undefined, production: boolean | undefined): 'require' | 'verify-ca' | 'verify-full' {
  return configured ?? (production ? 'verify-full' : 'require');
}

function resolveServer(environment: EnvironmentConfig, cluster: ClusterConfig, agent: ResolvedAgent): ResolvedServer {
  const settings = { ...environment.server, ...cluster.serverOverrides };
  const { datastore } = settings;
  const name = WORKLOADS.server.name;
  const oidc = environment.oidcDiscovery;
  const podLabels = standardLabels(name, 'server', cluster.name);
  const selector = selectorLabels(name, cluster.name);
  const cloud = resolveServerCloud(settings);
  const pod = resolvePodOptions(settings.pod, SERVER_POD_DEFAULTS, podLabels, selector);
  const { keyManager } = settings;
  // One claim for the data directory; with both a disk KeyManager and sqlite3 in it, the KeyManager's size.
  const persistentData = keyManager.type === 'disk' ? keyManager
    : datastore.type === 'sqlite3' ? datastore
      : (keyManager.type === 'gcp_kms' || keyManager.type === 'azure_key_vault') && keyManager.keyIdentifier.type === 'file' ? keyManager.keyIdentifier
        : undefined;
  return {
    name,
    namespace: SERVER_NAMESPACE,
    serviceAccountName: name,
    configMapName: name,
    headlessServiceName: `${name}-headless`,
    serviceHost: `${name}.${SERVER_NAMESPACE}.svc`,
    settings,
    ports: SPIRE_SERVER.ports,
    healthPaths: SPIRE_HEALTH_PATHS,
    socketPath: `${SPIRE_SERVER.socketDir}/${SPIRE_SERVER.socketFile}`,
    psatAudience: agent.tokenAudience,
    bundle: { namespace: agent.namespace, configMapName: 'spire-bundle', configMapKey: 'bundle.spiffe', format: 'spiffe' },
    jwtIssuer: oidc ? `https://${oidc.domains[0]}` : undefined,
    federates: environment.federation.length > 0,
    attestingAgents: [{ cluster: cluster.name, namespace: agent.namespace, serviceAccount: agent.serviceAccountName, audience: agent.tokenAudience }],
    datastorePasswordEnv: datastore.type === 'sqlite3' ? undefined
      : datastore.type === 'postgres' ? SPIRE_SERVER.env.postgresPassword : SPIRE_SERVER.env.mysqlPassword,
    databaseSslMode: datastore.type === 'postgres' ? postgresSslMode(datastore.sslMode, environment.production) : undefined,
    podLabels,
    selector,
    pod: { ...pod, labels: { ...pod.labels, ...cloud.podLabels } },
    disruptionBudget: settings.replicas > 1 ? { maxUnavailable: 1 } : undefined,
    cloud,
    persistentData: persistentData ? { storageSize: persistentData.storageSize, storageClass: persistentData.storageClass } : undefined,
    expandEnv: datastore.type === 'mysql' || cloud.secretEnv.length > 0,
  };
}

function resolveAgent(environment: EnvironmentConfig, cluster: ClusterConfig): ResolvedAgent {
  const name = WORKLOADS.agent.name;
  const podLabels = standardLabels(name, 'agent', cluster.name);
  const selector = selectorLabels(name, cluster.name);
  return {
    name,
    namespace: AGENT_NAMESPACE,
    serviceAccountName: name,
    configMapName: name,
    settings: environment.agent,
    ports: SPIRE_AGENT.ports,
    socketHostDir: SPIRE_AGENT.socketHostDir,
    socketFileName: SPIRE_AGENT.socketFile,
    // The audience the server's k8s_psat accepts on the agents' projected tokens.
    tokenAudience: 'spire-server',
    podLabels,
    selector,
    pod: resolvePodOptions(environment.agent.pod, AGENT_POD_DEFAULTS, podLabels, selector),
    cloud: resolveAgentCloud(environment.agent),
    dataOnHost: attestsOnce(environment.agent.nodeAttestor),
  };
}

function resolveCsiDriver(environment: EnvironmentConfig, cluster: ClusterConfig, agent: ResolvedAgent): ResolvedCsiDriver {
  const name = WORKLOADS.csiDriver.name;
  const labels = standardLabels(name, 'csi-driver', cluster.name);
  const selector = selectorLabels(name, cluster.name);
  return {
    name,
    driverName: CSI_DRIVER.driverName,
    namespace: agent.namespace,
    kubeletPath: CSI_DRIVER.kubeletDir,
    registrarHealthPort: CSI_DRIVER.registrarHealthPort,
    labels,
    selector,
    pod: resolvePodOptions(environment.agent.csiDriverPod, csiDriverDefaults(agent.pod), labels, selector),
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
    jwtIssuer: server.jwtIssuer ?? `https://${settings.domains[0]}`,
    ports: OIDC_DISCOVERY_PROVIDER.ports,
    labels,
    selector,
    replicas,
    pod: resolvePodOptions(settings.pod, OIDC_POD_DEFAULTS, labels, selector),
    disruptionBudget: replicas > 1 ? { maxUnavailable: 1 } : undefined,
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

/** The resolve stage for one cluster: everything its constructs need, computed once. */
export function resolveCluster(environment: EnvironmentConfig, cluster: ClusterConfig, images: ImageCatalogue): ResolvedCluster {
  const agent = resolveAgent(environment, cluster);
  const server = resolveServer(environment, cluster, agent);
  return {
    environment,
    cluster,
    images,
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
    controllerManager: {
      className: `spire-${cluster.name}`,
      configMapName: 'spire-controller-manager',
      webhookConfigurationName: 'spire-controller-manager-webhook',
      webhookServiceName: 'spire-controller-manager-webhook',
      clusterDomain: cluster.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN,
      parentIdTemplate: parentIdTemplate(environment.agent.nodeAttestor),
      ports: CONTROLLER_MANAGER.ports,
    },
    csiDriver: resolveCsiDriver(environment, cluster, agent),
    oidcDiscovery: resolveOidc(environment, cluster, server),
  };
}

/** The resolve stage: every cluster of every environment, in the estate's order. */
export function resolveEstate(estate: EstateConfig): ResolvedEstate {
  return {
    clusters: estate.environments.flatMap((environment) => environment.clusters
      .map((cluster) => resolveCluster(environment, cluster, estate.images))),
  };
}
