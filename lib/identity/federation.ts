import { Construct } from 'constructs';
import * as cftd from '../../imports/clusterfederatedtrustdomain-spire.spiffe.io';
import { FederationSpec } from '../config/types';
import { ResolvedCluster } from '../resolve/model';
import { addChecks } from '../build/checks';
import { standardLabels } from '../resolve/labels';
import { checkFederation } from './policy';

export interface FederatedTrustDomainProps {
  /** The cluster's resolved model; the controller manager's className comes from it, never typed by hand. */
  readonly resolved: ResolvedCluster;
  /** The same spec feeds the server's `federates_with` block, so the two cannot disagree. */
  readonly federation: FederationSpec;
  /**
   * Static manifest mode: the relationship becomes a file of the manager's manifests ConfigMap (`manifest`) instead of a resource.
   * @default false
   */
  readonly asStaticManifest?: boolean;
}

/** A ClusterFederatedTrustDomain: where SPIRE fetches a partner trust domain's bundle. */
export class FederatedTrustDomain extends Construct {
  /** The ClusterFederatedTrustDomain as a manifest, what the resource holds or a static manifest file carries. */
  public readonly manifest: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: FederatedTrustDomainProps) {
    super(scope, id);
    const { federation, resolved } = props;
    const resource: cftd.ClusterFederatedTrustDomainProps = {
      metadata: { name: federation.trustDomain.replace(/[._]/g, '-'), labels: standardLabels('federation', 'identity', resolved.clusterName) },
      spec: {
        className: props.resolved.controllerManager.className,
        trustDomain: federation.trustDomain,
        bundleEndpointUrl: federation.bundleEndpointURL,
        bundleEndpointProfile: federation.profile.type === 'https_spiffe'
          ? { type: cftd.ClusterFederatedTrustDomainSpecBundleEndpointProfileType.HTTPS_UNDERSCORE_SPIFFE, endpointSpiffeid: federation.profile.endpointSPIFFEID }
          : { type: cftd.ClusterFederatedTrustDomainSpecBundleEndpointProfileType.HTTPS_UNDERSCORE_WEB },
        trustDomainBundle: federation.trustDomainBundle,
      },
    };
    this.manifest = cftd.ClusterFederatedTrustDomain.manifest(resource);
    if (!props.asStaticManifest) new cftd.ClusterFederatedTrustDomain(this, 'Resource', resource);
    addChecks(this, resolved, () => checkFederation(federation, resolved.environment));
  }
}
