/*
 * The library API of the spire-gitops package (package.json "exports"): the estate's types and the
 * estate this project ships, rendering and writing an estate, the constructs a cluster tree is built
 * from, the identity helpers, and what the command line does. Only re-exports live here.
 */
export * from './config/types';
export { DEFAULT_ESTATE } from './config/estate';
export { environment, explainDefaults } from './config/presets';
export { parseEstate } from './config/parse';
export { DEFAULT_IMAGES, type ImageCatalogue, type ImageRef, SPIRE_VERSION, CONTROLLER_MANAGER_VERSION } from './config/versions';
export { validateEstate } from './config/validate';

export { type BuiltEstate, type ClusterExtension, EstateValidationError, type OutputTree, type RenderOptions, type SynthesizeOptions, type WriteOptions, buildEstate, recoverTree, renderEstate, synthesize, writeTree } from './synth';
export { resolveCluster, resolveEstate } from './resolve/resolve';
export type { ResolvedCluster, ResolvedEstate } from './resolve/model';
export { type TreeDiff, diffTree, readTree } from './tree-diff';

export { ClusterChart, type ClusterChartProps } from './build/cluster-chart';
export { SpireServer, type SpireServerProps } from './spire/spire-server';
export { SpireAgent, type SpireAgentProps } from './spire/spire-agent';
export { SpireControllerManager, type SpireControllerManagerProps } from './spire/controller-manager';
export { SpiffeCsiDriver, type SpiffeCsiDriverProps } from './spire/spiffe-csi-driver';
export { SpiffeOidcDiscoveryProvider, type SpiffeOidcDiscoveryProviderProps } from './spire/oidc-discovery-provider';
export { ClusterSpiffeId, type ClusterSpiffeIdProps } from './identity/cluster-spiffe-id';
export { FederatedTrustDomain, type FederatedTrustDomainProps } from './identity/federation';
export { type PathSegment, TemplateField, namespaceServiceAccountId, spiffeIdTemplate } from './identity/spiffe-id';
export { type WorkloadIdentityOptions, giveSpiffeIdentity } from './identity/workload-identity';

export { type ClusterExplanation, type ExplainRequest, explain, formatExplanation } from './plan/explain';
export { snapshotOfEstate } from './plan/estates';
export { type EstateInput, loadEstateFile } from './cli/estate-file';
export { type Io, run } from './cli/main';
