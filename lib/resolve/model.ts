import { AgentSettings, ClusterConfig, ControllerManagerSettings, EnvironmentConfig, IdentitySpec, ServerSettings } from '../config/types';
import { ImageCatalogue } from '../config/versions';
import { ResolvedCloudAccess } from './cloud';

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

/** Timing of one probe, every field filled in (lib/resolve/workloads.ts holds the defaults). */
export interface ProbeTiming {
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

export interface ResolvedProbes {
  readonly liveness: ProbeTiming;
  readonly readiness: ProbeTiming;
}

/** The server's Kubernetes workload (lib/resolve/workloads.ts). */
export interface ResolvedServerWorkload {
  readonly kind: 'StatefulSet' | 'Deployment';
  /** None when a HorizontalPodAutoscaler owns the count: the manifest leaves `replicas` out. */
  readonly replicas?: number;
  readonly autoscaling?: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCPUUtilizationPercentage?: number;
    readonly targetMemoryUtilizationPercentage?: number;
  };
  readonly terminationGracePeriodSeconds?: number;
  readonly probes: ResolvedProbes;
  readonly controllerManagerProbes: ResolvedProbes;
  readonly volumeAccessMode: 'ReadWriteOnce' | 'ReadWriteOncePod';
}

/** How every pod of a tree pulls its images. */
export interface ResolvedImagePull {
  /** Names of existing docker-registry Secrets, in each pod's namespace. */
  readonly secrets: readonly string[];
  /** None: Kubernetes' default. */
  readonly policy?: 'IfNotPresent' | 'Always';
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
  /** Serves its bundle to federation partners: it has partners, or publishes a bundle endpoint (cluster bundleEndpoint). */
  readonly federates: boolean;
  /** https_web: the serving certificate's files, from the Secret cert-manager writes, reloaded when they change. */
  readonly bundleEndpointServingCert?: { readonly secretName: string; readonly dir: string; readonly certFile: string; readonly keyFile: string; readonly fileSyncInterval: string };
  /** Kubeconfigs of remote clusters whose agents attest here (k8s_psat kube_config_file), mounted from Secrets. */
  readonly remoteKubeConfigs: readonly { readonly cluster: string; readonly secretName: string; readonly secretKey: string; readonly dir: string; readonly file: string }[];
  readonly attestingAgents: readonly AttestingAgents[];
  /** The variable the database password is given in, when the datastore has one. */
  readonly datastorePasswordEnv?: string;
  /** The variable the read replica's own password is given in (`-expandEnv`); none when it shares the primary's. */
  readonly datastoreReadOnlyPasswordEnv?: string;
  /** The postgres sslmode: as configured, else verify-full in production environments and require elsewhere. */
  readonly databaseSslMode?: 'require' | 'verify-ca' | 'verify-full';
  /** Labels of every server object; the pod template's are `pod.labels`. */
  readonly podLabels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly pod: ResolvedPodOptions;
  /** With more than one replica (or an autoscaler that may run more): at most one down at a time during voluntary disruptions. */
  readonly disruptionBudget?: ResolvedDisruptionBudget;
  readonly workload: ResolvedServerWorkload;
  /** A downstream server of a nested topology: the root that signs its CA (UpstreamAuthority `spire`). */
  readonly upstream?: ResolvedUpstream;
  /**
   * The root server of a nested topology: the clusters it does not run in, which it reaches with a kubeconfig
   * each (k8s_psat TokenReview of their root agents, and the root bundle their root agents start from).
   */
  readonly remoteClusters: readonly ResolvedRemoteCluster[];
  /** Workload identity, credential files and variables of the cloud plugins. */
  readonly cloud: ResolvedCloudAccess;
  /** The data directory needs a claim per replica: sqlite3, the disk KeyManager's keys, a cloud KeyManager's key_identifier_file. */
  readonly persistentData?: { readonly storageSize: string; readonly storageClass?: string };
  /** The config reads variables (`${NAME}`), so the server runs with `-expandEnv`. */
  readonly expandEnv: boolean;
  /** Notifiers, their defaults applied; a nested topology's root has none. */
  readonly notifiers: readonly ResolvedK8sBundleNotifier[];
}

/** The k8sbundle Notifier: the ConfigMap it writes the PEM bundle to, and the labels that select webhooks and APIServices. */
export interface ResolvedK8sBundleNotifier {
  readonly type: 'k8sbundle';
  readonly namespace: string;
  readonly configMap: string;
  readonly configMapKey: string;
  readonly webhookLabel?: string;
  readonly apiServiceLabel?: string;
}

/** Where a downstream server reaches the root server, and the root agent's Workload API socket it authenticates with. */
export interface ResolvedUpstream {
  readonly serverAddress: string;
  readonly serverPort: number;
  /** The CSI driver that serves the root agents' socket directory into the server pod. */
  readonly csiDriverName: string;
  /** The socket's directory inside the server container, and the socket itself. */
  readonly socketDir: string;
  readonly socketPath: string;
}

/** A cluster the root server does not run in: its name and the kubeconfig the root reaches its apiserver with. */
export interface ResolvedRemoteCluster {
  readonly cluster: string;
  readonly kubeconfigPath: string;
  /** The Secret (in the root's namespace) holding one kubeconfig per remote cluster, keyed by cluster name. */
  readonly kubeconfigSecret: string;
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
  /** The SDS resource names the agent serves, SPIRE's defaults filled in. */
  readonly sds: { readonly svid: string; readonly bundle: string; readonly allBundles: string };
  /** The admin API socket, when the estate asks for one: its directory on the node and in the container. */
  readonly adminSocket?: {
    readonly hostDir: string;
    readonly dir: string;
    readonly fileName: string;
    readonly authorizedDelegates: readonly string[];
  };
  /** Labels of every agent object; the pod template's are `pod.labels`. */
  readonly podLabels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly pod: ResolvedPodOptions;
  readonly cloud: ResolvedCloudAccess;
  /**
   * The agent's data directory is on the node (hostPath), with its SVID's key beside it (KeyManager disk): the
   * estate's `keyManager`, or `disk` for a node attestor SPIRE admits once per node.
   */
  readonly dataOnHost: boolean;
  /** `kubeletVerification: hostCert`: the kubelet's serving certificate on the node, and the file it is inside the agent. */
  readonly kubeletServingCert?: { readonly hostPath: string; readonly path: string };
  /** The DaemonSet's rolling update and the container's probes. */
  readonly workload: { readonly maxUnavailable: number; readonly probes: ResolvedProbes };
}

export interface ResolvedControllerManager {
  /** Only resources with this `spec.className` are reconciled. */
  readonly className: string;
  readonly configMapName: string;
  readonly webhookConfigurationName: string;
  readonly webhookServiceName: string;
  readonly clusterDomain: string;
  /** The parent ID of pod entries, when the agents do not attest with k8s_psat (the manager's default). */
  readonly parentIdTemplate?: string;
  readonly ports: { readonly webhook: number; readonly metrics: number; readonly health: number; readonly webhookService: number };
  /** The estate's options for the manager (server.controllerManager); absent keys mean the defaults the schema names. */
  readonly settings: ControllerManagerSettings;
  /**
   * Static manifest mode: the manager reads ClusterStaticEntry and ClusterFederatedTrustDomain manifests from the files of this
   * ConfigMap, mounted at `dir`, and nothing from the Kubernetes API. Absent: it reconciles the cluster's resources.
   */
  readonly staticManifests?: { readonly configMapName: string; readonly dir: string };
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
  /** The DaemonSet's rolling update and the node-driver-registrar's probes. */
  readonly workload: { readonly maxUnavailable: number; readonly probes: ResolvedProbes };
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
  readonly probes: ResolvedProbes;
  /** The identity the provider needs; the cluster chart registers it like any other. */
  readonly identity: IdentitySpec;
}

/** Istio takes its proxies' certificates from the agent's SDS API. */
export interface ResolvedIstioMesh {
  readonly type: 'istio';
  /** The trust domain the rendered istiod values give meshConfig.trustDomain: the environment's. */
  readonly trustDomain: string;
  /** The ClusterSPIFFEID that issues Istio's identity shape to the pods the injection template marks. */
  readonly identity: IdentitySpec;
  /** Name and namespace of the ConfigMap holding the istiod Helm values. */
  readonly valuesConfigMap: { readonly name: string; readonly namespace: string };
}

/** Plain Envoy proxies read an example bootstrap that points SDS at the agent. */
export interface ResolvedEnvoyMesh {
  readonly type: 'envoy';
  readonly bootstrapConfigMap: { readonly name: string; readonly namespace: string };
}

export type ResolvedMesh = ResolvedIstioMesh | ResolvedEnvoyMesh;

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
  /**
   * The environment as this cluster's server sees it (lib/config/topology.ts clusterEnvironment): as written,
   * except in a federated topology, where its trustDomain is the cluster's own and the other clusters are
   * its federation partners. Constructs take settings from here that they pass on unchanged.
   */
  readonly environment: EnvironmentConfig;
  readonly cluster: ClusterConfig;
  readonly images: ImageCatalogue;
  readonly imagePull: ResolvedImagePull;
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
  /** A workload cluster of a nested topology: the root's agents here, and the root itself in the cluster that runs it. */
  readonly nested?: ResolvedNested;
  /**
   * A nested topology's management cluster: this tree runs only the root server (`server`, with its
   * controller manager) and what it registers; `agent` and `csiDriver` are the root agents' as the workload
   * clusters run them, and none runs here.
   */
  readonly managementRoot?: { readonly downstream: readonly DownstreamRegistration[] };
  readonly mesh?: ResolvedMesh;
  /** What of SPIRE is reached from outside the cluster; empty when nothing is. */
  readonly exposure: ResolvedExposure;
  /**
   * Where agents and downstream servers outside the cluster dial this cluster's server (the exposed gRPC
   * host on port 443); none when the server is reached inside the cluster only.
   */
  readonly serverExternalAddress?: { readonly host: string; readonly port: number };
}

/** One ClusterStaticEntry of a nested root's registrations, as synth writes it and as admission pins it. */
export interface RootEntrySpec {
  readonly name: string;
  readonly spiffeId: string;
  readonly parentId: string;
  readonly selectors: readonly string[];
  readonly downstream: boolean;
}

/** The registration of one cluster's downstream server at the root: a node alias for its root agents, and the downstream entry. */
export interface DownstreamRegistration {
  readonly cluster: string;
  /** Every root agent of the cluster (k8s_psat cluster, namespace and service account) maps to it; its parent is the server itself. */
  readonly alias: RootEntrySpec;
  /** The downstream server (its namespace and service account, as k8s workload selectors) beneath the alias, `downstream: true`. */
  readonly downstream: RootEntrySpec;
}

export interface ResolvedNested {
  /**
   * The root's agents on this cluster's nodes and their CSI driver, as the agent and CSI driver constructs
   * read them: `server` is the root as this cluster reaches it, `agent` and `csiDriver` the root's own.
   */
  readonly rootAgents: ResolvedCluster;
  /** In the cluster that runs the root: the root server (namespace of its own, controller manager of its own) and what it registers. */
  readonly root?: { readonly server: ResolvedCluster; readonly downstream: readonly DownstreamRegistration[] };
  /** In every other cluster: the service account the root server acts as here through its kubeconfig. */
  readonly remoteAccess?: { readonly namespace: string; readonly serviceAccountName: string };
}

export interface ResolvedEstate {
  readonly clusters: readonly ResolvedCluster[];
}
