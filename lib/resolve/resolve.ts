import { ClusterConfig, EnvironmentConfig, EstateConfig } from '../config/types';
import { CONTROLLER_MANAGER, CSI_DRIVER, DEFAULT_CLUSTER_DOMAIN, EXPOSURE, OIDC_DISCOVERY_PROVIDER, SPIRE_AGENT, SPIRE_HEALTH_PATHS, SPIRE_SERVER } from '../config/spire-facts';
import { exposedHost, httpsUrl } from '../config/exposure';
import { ImageCatalogue } from '../config/versions';
import { namespaceServiceAccountId } from '../identity/spiffe-id';
import { selectorLabels, standardLabels } from './labels';
import { AGENT_POD_DEFAULTS, OIDC_POD_DEFAULTS, SERVER_POD_DEFAULTS, csiDriverDefaults, resolvePodOptions } from './pods';
import {
  ResolvedAgent, ResolvedCertificate, ResolvedCluster, ResolvedCsiDriver, ResolvedEstate, ResolvedExposure, ResolvedOidcDiscoveryProvider,
  ResolvedServer,
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
  const exposedBundle = environment.exposure?.bundleEndpoint;
  const remoteClusters = environment.exposure?.serverGrpc?.remoteClusters ?? [];
  const remoteKubeConfigs = remoteClusters.map((remote) => ({
    cluster: remote.name,
    secretName: remote.kubeConfigSecret.name,
    secretKey: remote.kubeConfigSecret.key,
    dir: `${SPIRE_SERVER.remoteClustersDir}/${remote.name}`,
    file: remote.kubeConfigSecret.key,
  }));
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
    // Partners fetch the bundle from the endpoint whether or not this trust domain fetches theirs.
    federates: environment.federation.length > 0 || exposedBundle !== undefined,
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
        issuerUrl: httpsUrl(oidc.domains[0]),
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

/** The resolve stage for one cluster: everything its constructs need, computed once. */
export function resolveCluster(environment: EnvironmentConfig, cluster: ClusterConfig, images: ImageCatalogue): ResolvedCluster {
  const agent = resolveAgent(environment, cluster);
  const server = resolveServer(environment, cluster, agent);
  const oidcDiscovery = resolveOidc(environment, cluster, server);
  const exposure = resolveExposure(environment, cluster, server, oidcDiscovery);
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
    oidcDiscovery,
    exposure,
    serverExternalAddress: exposure.serverGrpc ? { host: exposure.serverGrpc.hosts[0], port: exposure.serverGrpc.externalPort } : undefined,
  };
}

/** The resolve stage: every cluster of every environment, in the estate's order. */
export function resolveEstate(estate: EstateConfig): ResolvedEstate {
  return {
    clusters: estate.environments.flatMap((environment) => environment.clusters
      .map((cluster) => resolveCluster(environment, cluster, estate.images))),
  };
}
