import { ClusterConfig, EnvironmentConfig, EstateConfig } from '../config/types';
import {
  CONTROLLER_MANAGER, CSI_DRIVER, DEFAULT_CLUSTER_DOMAIN, ISTIO, OIDC_DISCOVERY_PROVIDER, SPIRE_AGENT, SPIRE_HEALTH_PATHS, SPIRE_SERVER,
} from '../config/spire-facts';
import { ImageCatalogue } from '../config/versions';
import { NAMESPACE_LABEL, namespaceServiceAccountId } from '../identity/spiffe-id';
import { selectorLabels, standardLabels } from './labels';
import { AGENT_POD_DEFAULTS, OIDC_POD_DEFAULTS, SERVER_POD_DEFAULTS, csiDriverDefaults, resolvePodOptions } from './pods';
import {
  ResolvedAgent, ResolvedCluster, ResolvedCsiDriver, ResolvedEstate, ResolvedMesh, ResolvedOidcDiscoveryProvider, ResolvedServer,
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
    pod: resolvePodOptions(settings.pod, SERVER_POD_DEFAULTS, podLabels, selector),
    disruptionBudget: settings.replicas > 1 ? { maxUnavailable: 1 } : undefined,
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
      ports: CONTROLLER_MANAGER.ports,
    },
    csiDriver: resolveCsiDriver(environment, cluster, agent),
    oidcDiscovery: resolveOidc(environment, cluster, server),
    mesh: resolveMesh(environment, agent),
  };
}

/** The resolve stage: every cluster of every environment, in the estate's order. */
export function resolveEstate(estate: EstateConfig): ResolvedEstate {
  return {
    clusters: estate.environments.flatMap((environment) => environment.clusters
      .map((cluster) => resolveCluster(environment, cluster, estate.images))),
  };
}
