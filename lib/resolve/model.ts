import { AgentSettings, ClusterConfig, EnvironmentConfig, IdentitySpec, ServerSettings } from '../config/types';
import { ImageCatalogue } from '../config/versions';

/*
 * The resolved model: one cluster's tree as plain data, every default applied and every fact that two
 * components must agree on (names, namespaces, addresses, sockets, ports, audiences, the class name)
 * computed once. Constructs read it and nothing else of each other, so the agent learns the server's
 * address here, not from the server construct.
 */

/** An agent population allowed to attest to the server through k8s_psat. */
export interface AttestingAgents {
  readonly cluster: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audience: string;
  /** For a remote cluster: the kubeconfig file with which the server reviews its agents' tokens. */
  readonly kubeConfigFile?: string;
}

/** How a component's pods are scheduled and marked, its defaults applied (lib/resolve/pods.ts). */
export interface ResolvedPodOptions {
  /** The pod template's labels: the component's standard labels plus the estate's extra ones. */
  readonly labels: Record<string, string>;
  /** The estate's extra annotations; the construct adds its own (config checksum, default container). */
  readonly annotations: Record<string, string>;
  readonly priorityClassName?: string;
  readonly tolerations: readonly {
    readonly key?: string;
    readonly operator: 'Exists' | 'Equal';
    readonly value?: string;
    readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
    readonly tolerationSeconds?: number;
  }[];
  /** Empty: any node. */
  readonly nodeSelector: Record<string, string>;
  /** One topology spread constraint (maxSkew 1) over the component's selector, when the estate asks to spread. */
  readonly topologySpread?: {
    readonly topologyKey: string;
    readonly whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
    readonly selector: Record<string, string>;
  };
}

/** A PodDisruptionBudget over the component's selector. */
export interface ResolvedDisruptionBudget {
  readonly maxUnavailable: number;
}

/** Where the server publishes the trust bundle; agents mount exactly this. */
export interface TrustBundleLocation {
  readonly namespace: string;
  readonly configMapName: string;
  readonly configMapKey: string;
  readonly format: 'spiffe';
}

export interface ResolvedServer {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly configMapName: string;
  /** The headless Service that governs the StatefulSet (stable per-replica DNS names). */
  readonly headlessServiceName: string;
  /** DNS name agents and hooks use to reach the server Service. */
  readonly serviceHost: string;
  /** The environment's server settings with the cluster's overrides applied. */
  readonly settings: ServerSettings;
  readonly ports: { readonly service: number; readonly grpc: number; readonly health: number; readonly metrics: number; readonly federation: number };
  readonly healthPaths: { readonly live: string; readonly ready: string };
  /** Admin API socket, shared with the controller manager on an emptyDir. */
  readonly socketPath: string;
  /** Audience the server accepts on agents' projected service account tokens. */
  readonly psatAudience: string;
  readonly bundle: TrustBundleLocation;
  readonly jwtIssuer?: string;
  /** Serves its bundle to federation partners. */
  readonly federates: boolean;
  /** https_web: the serving certificate's files, from the Secret cert-manager writes, reloaded when they change. */
  readonly bundleEndpointServingCert?: { readonly secretName: string; readonly dir: string; readonly certFile: string; readonly keyFile: string; readonly fileSyncInterval: string };
  /** Kubeconfigs of remote clusters whose agents attest here (k8s_psat kube_config_file), mounted from Secrets. */
  readonly remoteKubeConfigs: readonly { readonly cluster: string; readonly secretName: string; readonly secretKey: string; readonly dir: string; readonly file: string }[];
  readonly attestingAgents: readonly AttestingAgents[];
  /** The variable the database password is given in, when the datastore has one. */
  readonly datastorePasswordEnv?: string;
  /** The postgres sslmode: as configured, else verify-full in production environments and require elsewhere. */
  readonly databaseSslMode?: 'require' | 'verify-ca' | 'verify-full';
  /** Labels of every server object; the pod template's are `pod.labels`. */
  readonly podLabels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly pod: ResolvedPodOptions;
  /** With more than one replica: at most one down at a time during voluntary disruptions. */
  readonly disruptionBudget?: ResolvedDisruptionBudget;
}

export interface ResolvedAgent {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly configMapName: string;
  readonly settings: AgentSettings;
  readonly ports: { readonly health: number; readonly metrics: number };
  /** The Workload API socket directory on every node and the socket's file name in it. */
  readonly socketHostDir: string;
  readonly socketFileName: string;
  readonly tokenAudience: string;
  /** Labels of every agent object; the pod template's are `pod.labels`. */
  readonly podLabels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly pod: ResolvedPodOptions;
}

export interface ResolvedControllerManager {
  /** Only resources with this `spec.className` are reconciled. */
  readonly className: string;
  readonly configMapName: string;
  readonly webhookConfigurationName: string;
  readonly webhookServiceName: string;
  readonly clusterDomain: string;
  readonly ports: { readonly webhook: number; readonly metrics: number; readonly health: number; readonly webhookService: number };
}

export interface ResolvedCsiDriver {
  readonly name: string;
  readonly driverName: string;
  /** The agents' namespace. */
  readonly namespace: string;
  readonly kubeletPath: string;
  readonly registrarHealthPort: number;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly pod: ResolvedPodOptions;
}

export interface ResolvedOidcDiscoveryProvider {
  readonly name: string;
  readonly namespace: string;
  readonly domains: readonly string[];
  readonly jwtIssuer: string;
  readonly ports: { readonly http: number; readonly health: number; readonly service: number };
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly replicas: number;
  readonly pod: ResolvedPodOptions;
  readonly disruptionBudget?: ResolvedDisruptionBudget;
  /** The identity the provider needs; the cluster chart registers it like any other. */
  readonly identity: IdentitySpec;
}

/** How traffic from outside the cluster reaches a port: the estate's route (lib/config/schema.ts), as given. */
export type ResolvedRoute =
  | { readonly via: 'gateway'; readonly gateway: { readonly name: string; readonly namespace: string; readonly sectionName?: string }; readonly controllerNamespace: string }
  | { readonly via: 'ingress'; readonly className: string; readonly controllerNamespace: string }
  | { readonly via: 'loadBalancer'; readonly sourceRanges?: readonly string[]; readonly annotations?: Record<string, string> };

/** A cert-manager Certificate for exposed hosts; its key stays in the Secret it writes, in the cluster. */
export interface ResolvedCertificate {
  readonly name: string;
  readonly namespace: string;
  readonly secretName: string;
  readonly dnsNames: readonly string[];
  readonly issuer: { readonly kind: 'ClusterIssuer' | 'Issuer'; readonly name: string };
}

/** One component's port reached from outside the cluster. */
export interface ResolvedExposedPort {
  /** Names of the objects the exposure renders (route, LoadBalancer Service). */
  readonly name: string;
  readonly namespace: string;
  /** External DNS names, the cluster's `{cluster}` filled in. */
  readonly hosts: readonly string[];
  /** The port clients dial on those hosts. */
  readonly externalPort: number;
  readonly route: ResolvedRoute;
  /** The ClusterIP Service and port the route forwards to, and the pods' port behind it. */
  readonly backend: { readonly serviceName: string; readonly servicePort: number; readonly targetPort: number; readonly targetPortName: string };
  /** Selector of the pods behind it (a LoadBalancer Service selects them itself). */
  readonly selector: Record<string, string>;
  readonly labels: Record<string, string>;
}

export interface ResolvedBundleEndpointExposure extends ResolvedExposedPort {
  readonly profile: 'https_web' | 'https_spiffe';
  /** The URL partners fetch the bundle from. */
  readonly url: string;
  /** https_web: the server serves this Certificate's key pair itself (serving_cert_file). */
  readonly certificate?: ResolvedCertificate;
}

export interface ResolvedOidcExposure extends ResolvedExposedPort {
  readonly certificate: ResolvedCertificate;
  /** The issuer URL relying parties see; the server's jwt_issuer must be exactly this. */
  readonly issuerUrl: string;
}

export interface ResolvedServerGrpcExposure extends ResolvedExposedPort {}

export interface ResolvedExposure {
  readonly bundleEndpoint?: ResolvedBundleEndpointExposure;
  readonly oidcDiscovery?: ResolvedOidcExposure;
  readonly serverGrpc?: ResolvedServerGrpcExposure;
}

/** Which optional parts the cluster's tree has, each decided once from the environment's fields. */
export interface ResolvedComponents {
  readonly oidcDiscovery: boolean;
  readonly networkPolicies: boolean;
  readonly monitoring: boolean;
  /** Argo CD sync hooks: the environment is delivered by Argo CD. */
  readonly syncHooks: boolean;
  readonly federation: boolean;
}

export interface ResolvedCluster {
  /** The estate as written; constructs take settings from here that they pass on unchanged. */
  readonly environment: EnvironmentConfig;
  readonly cluster: ClusterConfig;
  readonly images: ImageCatalogue;
  /** `environment/cluster`, for messages. */
  readonly where: string;
  /** Directory of the tree, relative to dist/. */
  readonly outputPath: string;
  readonly trustDomain: string;
  readonly clusterName: string;
  readonly components: ResolvedComponents;
  readonly server: ResolvedServer;
  readonly agent: ResolvedAgent;
  readonly controllerManager: ResolvedControllerManager;
  readonly csiDriver: ResolvedCsiDriver;
  readonly oidcDiscovery?: ResolvedOidcDiscoveryProvider;
  /** What of SPIRE is reached from outside the cluster; empty when nothing is. */
  readonly exposure: ResolvedExposure;
  /**
   * Where agents and downstream servers outside the cluster dial this cluster's server (the exposed gRPC
   * host on port 443); none when the server is reached inside the cluster only.
   */
  readonly serverExternalAddress?: { readonly host: string; readonly port: number };
}

export interface ResolvedEstate {
  readonly clusters: readonly ResolvedCluster[];
}
