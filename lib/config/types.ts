import { z } from 'zod';
import {
  agentSettingsSchema, argoCdConfigSchema, controllerManagerSchema, bundleEndpointProfileSchema, clusterConfigSchema, datastoreSchema, durationSchema,
  environmentConfigSchema, estateConfigSchema, externalDatabaseSchema, federationSpecSchema, fluxConfigSchema, gitOpsEngineSchema,
  gitOpsSettingsSchema, identityPolicySchema, identitySpecSchema, imageCatalogueSchema, imageRefSchema, keyManagerSchema,
  labelSelectorSchema, logFormatSchema, logLevelSchema, monitoringSettingsSchema, oidcDiscoverySettingsSchema,
  resourceSpecSchema, secretDeliverySchema, serverSettingsSchema, staticEntrySpecSchema, syncWindowSchema,
  upstreamAuthoritySchema, keyPairSecretSchema, notifierSchema, teamConfigSchema, tolerationSchema, podSpreadSchema, podOptionsSchema, replicatedPodOptionsSchema,
  topologySchema,
  agentCloudCredentialsSchema, agentNodeAttestorSchema, awsCredentialsSchema, bundlePublisherSchema, cloudCredentialsSchema, keyIdentifierSchema, svidStoreSchema, vmNodeAttestorSchema,
  meshSchema, agentSdsSchema,
  agentK8sWorkloadAttestorSchema,
  exposureSchema, bundleEndpointExposureSchema, oidcDiscoveryExposureSchema, serverGrpcExposureSchema,
  certificateIssuerSchema, remoteAgentClusterSchema,
  probeTimingSchema, probesSchema, serverWorkloadSchema,
} from './schema';

/*
 * The estate's types, inferred from lib/config/schema.ts (where every field is documented). They are the
 * schemas' input types: a field with a default may be left out, and constructs treat it as optional.
 * Everything is read-only: the estate is data that flows one way, never modified on its way to dist/.
 */

/** T with every property, array and record read-only, all the way down. */
export type DeepReadonly<T> =
  T extends (infer Item)[] ? readonly DeepReadonly<Item>[]
    : T extends readonly (infer Item)[] ? readonly DeepReadonly<Item>[]
      : T extends object ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
        : T;

type Config<Schema extends z.ZodType> = DeepReadonly<z.input<Schema>>;

/** A Go duration string as SPIRE and Kubernetes accept it: `90s`, `15m`, `4h`, `1h30m`. */
export type Duration = Config<typeof durationSchema>;
export type LogLevel = Config<typeof logLevelSchema>;
export type LogFormat = Config<typeof logFormatSchema>;
export type ResourceSpec = Config<typeof resourceSpecSchema>;
export type ImageRef = Config<typeof imageRefSchema>;
export type ImageCatalogue = Config<typeof imageCatalogueSchema>;
/** The whole estate: what one Git repository describes. */
export type EstateConfig = Config<typeof estateConfigSchema>;
export type ArgoCdConfig = Config<typeof argoCdConfigSchema>;
export type FluxConfig = Config<typeof fluxConfigSchema>;
export type GitOpsEngine = Config<typeof gitOpsEngineSchema>;
export type SyncWindow = Config<typeof syncWindowSchema>;
export type SecretDelivery = Config<typeof secretDeliverySchema>;
export type EnvironmentConfig = Config<typeof environmentConfigSchema>;
export type ClusterConfig = Config<typeof clusterConfigSchema>;
export type TopologyConfig = Config<typeof topologySchema>;
/** An external SQL database several server replicas (and clusters) can share. */
export type ExternalDatabase = Config<typeof externalDatabaseSchema>;
export type Datastore = Config<typeof datastoreSchema>;
export type KeyManager = Config<typeof keyManagerSchema>;
export type UpstreamAuthority = Config<typeof upstreamAuthoritySchema>;
export type KeyPairSecret = Config<typeof keyPairSecretSchema>;
export type Notifier = Config<typeof notifierSchema>;
export type CloudCredentials = Config<typeof cloudCredentialsSchema>;
export type AgentCloudCredentials = Config<typeof agentCloudCredentialsSchema>;
export type AwsCredentials = Config<typeof awsCredentialsSchema>;
export type KeyIdentifier = Config<typeof keyIdentifierSchema>;
export type BundlePublisher = Config<typeof bundlePublisherSchema>;
export type VmNodeAttestor = Config<typeof vmNodeAttestorSchema>;
export type AgentNodeAttestor = Config<typeof agentNodeAttestorSchema>;
export type SvidStore = Config<typeof svidStoreSchema>;
export type ServerSettings = Config<typeof serverSettingsSchema>;
export type ControllerManagerSettings = Config<typeof controllerManagerSchema>;
export type AgentSettings = Config<typeof agentSettingsSchema>;
export type AgentSds = Config<typeof agentSdsSchema>;
export type AgentK8sWorkloadAttestor = Config<typeof agentK8sWorkloadAttestorSchema>;
export type Mesh = Config<typeof meshSchema>;
export type IdentityPolicy = Config<typeof identityPolicySchema>;
export type LabelSelectorSpec = Config<typeof labelSelectorSchema>;
/** A workload identity: becomes one ClusterSPIFFEID per cluster. */
export type IdentitySpec = Config<typeof identitySpecSchema>;
/** A registration entry for a workload outside Kubernetes. */
export type StaticEntrySpec = Config<typeof staticEntrySpecSchema>;
export type BundleEndpointProfile = Config<typeof bundleEndpointProfileSchema>;
export type FederationSpec = Config<typeof federationSpecSchema>;
export type OidcDiscoverySettings = Config<typeof oidcDiscoverySettingsSchema>;
export type GitOpsSettings = Config<typeof gitOpsSettingsSchema>;
export type MonitoringSettings = Config<typeof monitoringSettingsSchema>;
/** An app team and the platform's grant (lib/config/schema.ts). */
export type TeamConfig = Config<typeof teamConfigSchema>;
/** A Kubernetes toleration as the estate states it. */
export type TolerationSpec = Config<typeof tolerationSchema>;
export type PodSpread = Config<typeof podSpreadSchema>;
/** How a component's pods are scheduled and marked (lib/config/schema.ts). */
export type PodOptions = Config<typeof podOptionsSchema>;
export type ReplicatedPodOptions = Config<typeof replicatedPodOptionsSchema>;
/** What of SPIRE is reached from outside the cluster (lib/config/schema.ts exposureSchema). */
export type ExposureConfig = Config<typeof exposureSchema>;
export type BundleEndpointExposure = Config<typeof bundleEndpointExposureSchema>;
export type OidcDiscoveryExposure = Config<typeof oidcDiscoveryExposureSchema>;
export type ServerGrpcExposure = Config<typeof serverGrpcExposureSchema>;
export type CertificateIssuer = Config<typeof certificateIssuerSchema>;
export type RemoteAgentCluster = Config<typeof remoteAgentClusterSchema>;
/** Timing of one probe, and of a container's two (lib/config/schema.ts probeTimingSchema). */
export type ProbeTimingSpec = Config<typeof probeTimingSchema>;
export type ProbesSpec = Config<typeof probesSchema>;
/** The server's Kubernetes workload as the estate states it (lib/config/schema.ts serverWorkloadSchema). */
export type ServerWorkloadSpec = Config<typeof serverWorkloadSchema>;
