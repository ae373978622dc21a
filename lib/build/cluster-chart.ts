import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { IdentityAdmissionPolicy } from '../admission/identity-admission';
import { ClusterContext } from '../resolve/model';
import { addChecks } from './checks';
import { ClusterSpiffeId } from '../identity/cluster-spiffe-id';
import { FederatedTrustDomain } from '../identity/federation';
import { StaticEntry } from '../identity/static-entry';
import { SpireMonitoring } from '../monitoring/spire-monitoring';
import { SpireNetworkPolicies } from '../spire/network-policies';
import { SpiffeOidcDiscoveryProvider } from '../spire/oidc-discovery-provider';
import { SampleWorkload } from '../spire/sample-workload';
import { SpiffeCsiDriver } from '../spire/spiffe-csi-driver';
import { SpireAgent } from '../spire/spire-agent';
import { SpireServer } from '../spire/spire-server';
import { SpireSyncHooks } from '../spire/sync-hooks';

export interface ClusterChartProps {
  readonly context: ClusterContext;
}

/**
 * Everything one cluster runs: SPIRE server with its controller manager, agents, CSI driver, the
 * environment's identities and federation, and what the environment's fields switch on. Synthesized
 * into `dist/<environment>/<cluster>/`.
 */
export class ClusterChart extends Chart {
  public readonly context: ClusterContext;
  /** Directory of the tree, relative to dist/. */
  public readonly outputPath: string;
  public readonly server: SpireServer;
  public readonly agent: SpireAgent;
  public readonly csiDriver: SpiffeCsiDriver;
  public readonly identities = new Map<string, ClusterSpiffeId>();
  private readonly duplicateNames: string[] = [];

  constructor(scope: Construct, id: string, props: ClusterChartProps) {
    super(scope, id, { disableResourceNameHashes: true });
    const { context } = props;
    const environment = context.environment;
    this.context = context;
    this.outputPath = `${environment.name}/${context.cluster.name}`;

    this.server = new SpireServer(this, 'Server', { context });
    this.agent = new SpireAgent(this, 'Agent', { server: this.server });
    this.csiDriver = new SpiffeCsiDriver(this, 'CsiDriver', { agent: this.agent });
    new IdentityAdmissionPolicy(this, 'IdentityAdmissionPolicy', { context, controllerManager: this.server.controllerManager });

    let oidc: SpiffeOidcDiscoveryProvider | undefined;
    if (environment.oidcDiscovery) {
      oidc = new SpiffeOidcDiscoveryProvider(this, 'OidcDiscoveryProvider', {
        server: this.server, csiDriver: this.csiDriver, settings: environment.oidcDiscovery,
      });
      this.addIdentity(oidc.identity);
    }
    for (const identity of environment.identities) this.addIdentity(identity);

    environment.federation.forEach((federation, index) => new FederatedTrustDomain(this, `Federation${index}`, {
      context, controllerManager: this.server.controllerManager, federation,
    }));
    const staticNames = new Set<string>();
    environment.staticEntries.forEach((entry, index) => {
      if (staticNames.has(entry.name)) {
        this.duplicateNames.push(`ClusterStaticEntry "${entry.name}"`);
        return;
      }
      staticNames.add(entry.name);
      new StaticEntry(this, `StaticEntry${index}`, { context, controllerManager: this.server.controllerManager, entry });
    });

    if (environment.networkPolicies) {
      new SpireNetworkPolicies(this, 'NetworkPolicies', {
        server: this.server, csiDriver: this.csiDriver, oidc, monitoringNamespace: environment.monitoring.prometheusNamespace,
      });
    }
    if (environment.monitoring.enabled) {
      new SpireMonitoring(this, 'Monitoring', { server: this.server, agent: this.agent });
    }
    if (environment.gitops.engines.includes('argocd')) {
      new SpireSyncHooks(this, 'SyncHooks', {
        server: this.server,
        preSyncValidation: environment.gitops.preSyncValidation,
        postSyncHealthCheck: environment.gitops.postSyncHealthCheck,
      });
    }
    const sampleIdentity = environment.sampleWorkload === undefined ? undefined : this.identities.get(environment.sampleWorkload);
    if (sampleIdentity) new SampleWorkload(this, 'SampleWorkload', { context, identity: sampleIdentity, csiDriver: this.csiDriver });

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

  /** Registers a workload identity; a second identity with the same name is reported at synth. */
  public addIdentity(identity: ClusterSpiffeId['identity']): ClusterSpiffeId | undefined {
    if (this.identities.has(identity.name)) {
      this.duplicateNames.push(`ClusterSPIFFEID "${identity.name}"`);
      return undefined;
    }
    const construct = new ClusterSpiffeId(this, `Identity-${identity.name}`, {
      context: this.context, controllerManager: this.server.controllerManager, identity,
    });
    this.identities.set(identity.name, construct);
    return construct;
  }
}
