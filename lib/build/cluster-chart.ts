import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { IdentityAdmissionPolicy } from '../admission/identity-admission';
import { ResolvedCluster } from '../resolve/model';
import { addChecks } from './checks';
import { ClusterSpiffeId } from '../identity/cluster-spiffe-id';
import { DownstreamRegistrations } from '../identity/downstream-registration';
import { FederatedTrustDomain } from '../identity/federation';
import { StaticEntry } from '../identity/static-entry';
import { SpireMonitoring } from '../monitoring/spire-monitoring';
import { SpireExposure } from '../spire/exposure';
import { SpireNetworkPolicies } from '../spire/network-policies';
import { SpiffeOidcDiscoveryProvider } from '../spire/oidc-discovery-provider';
import { SampleWorkload } from '../spire/sample-workload';
import { MeshIntegration } from '../spire/mesh';
import { SpiffeCsiDriver } from '../spire/spiffe-csi-driver';
import { RootCsiAdmission } from '../spire/root-csi-admission';
import { SpireAgent } from '../spire/spire-agent';
import { RootServerAccess } from '../spire/root-server-access';
import { SpireServer } from '../spire/spire-server';
import { ControllerManagerManifests } from '../spire/controller-manager-manifests';
import { SpireSyncHooks } from '../spire/sync-hooks';

export interface ClusterChartProps {
  /** The cluster's resolved model; every construct of the tree reads it and nothing of the others. */
  readonly resolved: ResolvedCluster;
}

/**
 * Everything one cluster runs: SPIRE server with its controller manager, agents, CSI driver, the
 * environment's identities and federation, and what the resolved model's components switch on; in a
 * nested topology's management cluster, the root server and its registrations only.
 * Synthesized into `dist/<environment>/<cluster>/`.
 */
export class ClusterChart extends Chart {
  /** The cluster's resolved model. */
  public readonly context: ResolvedCluster;
  /** Directory of the tree, relative to dist/. */
  public readonly outputPath: string;
  public readonly identities = new Map<string, ClusterSpiffeId>();
  private readonly duplicateNames: string[] = [];
  /** A nested topology's root side in this tree: the root's agents, CSI driver, server and registrations. */
  private readonly rootSide: Construct[] = [];

  constructor(scope: Construct, id: string, props: ClusterChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { resolved } = props;
    const context = resolved;
    const { environment, components } = resolved;
    this.context = resolved;
    this.outputPath = resolved.outputPath;

    if (resolved.managementRoot) {
      // A nested root's management cluster: the root server with its controller manager, and the registrations
      // of the downstream servers it signs. Its agents, and everything the trust domain issues, live in the
      // workload clusters' trees.
      new SpireServer(this, 'RootServer', { resolved });
      new DownstreamRegistrations(this, 'DownstreamRegistrations', { root: resolved, downstream: resolved.managementRoot.downstream });
      new IdentityAdmissionPolicy(this, 'IdentityAdmissionPolicy', { resolved });
      return;
    }

    new SpireServer(this, 'Server', { resolved });
    new SpireAgent(this, 'Agent', { resolved });
    new SpiffeCsiDriver(this, 'CsiDriver', { resolved });
    // Static manifest mode: no identity resource is reconciled, so there is nothing to admit; the manifests the
    // manager reads are checked here, at synth, by the same policy.
    const staticManifests = resolved.controllerManager.staticManifests ? new ControllerManagerManifests(this, 'ControllerManagerManifests', { resolved }) : undefined;
    if (!staticManifests) new IdentityAdmissionPolicy(this, 'IdentityAdmissionPolicy', { resolved });

    if (resolved.nested) {
      // A nested topology: the root's agents on every node, whose socket the downstream server mounts
      // through the root's CSI driver, and in the root's own cluster the root server and its registrations.
      const { rootAgents, root, remoteAccess } = resolved.nested;
      this.rootSide.push(new SpireAgent(this, 'RootAgent', { resolved: rootAgents }));
      this.rootSide.push(new SpiffeCsiDriver(this, 'RootCsiDriver', { resolved: rootAgents }));
      this.rootSide.push(new RootCsiAdmission(this, 'RootCsiAdmission', { resolved, rootAgents }));
      if (root) {
        this.rootSide.push(new SpireServer(this, 'RootServer', { resolved: root.server }));
        this.rootSide.push(new DownstreamRegistrations(this, 'DownstreamRegistrations', { root: root.server, downstream: root.downstream }));
      }
      if (remoteAccess) this.rootSide.push(new RootServerAccess(this, 'RootServerAccess', { rootAgents, access: remoteAccess }));
    }

    if (resolved.oidcDiscovery) {
      new SpiffeOidcDiscoveryProvider(this, 'OidcDiscoveryProvider', { resolved, oidc: resolved.oidcDiscovery });
      this.addIdentity(resolved.oidcDiscovery.identity);
    }
    for (const identity of environment.identities) this.addIdentity(identity);
    if (resolved.mesh) {
      new MeshIntegration(this, 'Mesh', { resolved, mesh: resolved.mesh });
      if (resolved.mesh.type === 'istio') this.addIdentity(resolved.mesh.identity);
    }

    environment.federation.forEach((federation, index) => {
      const relationship = new FederatedTrustDomain(this, `Federation${index}`, { resolved, federation, asStaticManifest: staticManifests !== undefined });
      staticManifests?.addManifest('federation', String((relationship.manifest.metadata as { name: string }).name), relationship.manifest);
    });
    const staticNames = new Set<string>();
    environment.staticEntries.forEach((entry, index) => {
      if (staticNames.has(entry.name)) {
        this.duplicateNames.push(`ClusterStaticEntry "${entry.name}"`);
        return;
      }
      staticNames.add(entry.name);
      const staticEntry = new StaticEntry(this, `StaticEntry${index}`, { resolved, entry, asStaticManifest: staticManifests !== undefined });
      staticManifests?.addManifest('entry', entry.name, staticEntry.manifest);
    });

    if (Object.keys(resolved.exposure).length > 0) new SpireExposure(this, 'Exposure', { resolved });
    if (components.networkPolicies) new SpireNetworkPolicies(this, 'NetworkPolicies', { resolved });
    if (components.monitoring) new SpireMonitoring(this, 'Monitoring', { resolved });
    if (components.syncHooks) {
      new SpireSyncHooks(this, 'SyncHooks', {
        resolved,
        preSyncValidation: environment.gitops.preSyncValidation,
        postSyncHealthCheck: environment.gitops.postSyncHealthCheck,
      });
    }
    const sampleIdentity = environment.sampleWorkload === undefined ? undefined : this.identities.get(environment.sampleWorkload);
    if (sampleIdentity) new SampleWorkload(this, 'SampleWorkload', { resolved, identity: sampleIdentity });

    addChecks(this, context, () => [
      ...this.duplicateNames.map((resource) => ({
        resource, field: 'metadata.name', value: resource.split('"')[1],
        rule: 'is used twice in this environment; the second would overwrite the first',
        fix: 'give each identity its own name',
      })),
      environment.sampleWorkload !== undefined && !sampleIdentity
        ? {
          resource: `environment "${environment.name}"`, field: 'sampleWorkload', value: environment.sampleWorkload,
          rule: 'names no identity of this environment', fix: 'name one of its identities, or remove sampleWorkload',
        }
        : undefined,
    ]);
  }

  /** Whether `construct` belongs to the root side of a nested tree (synced before the cluster's own server). */
  public isNestedRootSide(construct: Construct): boolean {
    return this.rootSide.some((scope) => construct.node.scopes.includes(scope));
  }

  /** Registers a workload identity; a second identity with the same name is reported at synth. */
  public addIdentity(identity: ClusterSpiffeId['identity']): ClusterSpiffeId | undefined {
    if (this.identities.has(identity.name)) {
      this.duplicateNames.push(`ClusterSPIFFEID "${identity.name}"`);
      return undefined;
    }
    const construct = new ClusterSpiffeId(this, `Identity-${identity.name}`, { resolved: this.context, identity });
    this.identities.set(identity.name, construct);
    return construct;
  }
}
