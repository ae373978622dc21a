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
  readonly mesh?: ResolvedMesh;
}

export interface ResolvedEstate {
  readonly clusters: readonly ResolvedCluster[];
}
