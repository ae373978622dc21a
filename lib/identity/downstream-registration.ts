import { Construct } from 'constructs';
import * as cse from '../../imports/clusterstaticentry-spire.spiffe.io';
import { standardLabels } from '../resolve/labels';
import { DownstreamRegistration, ResolvedCluster } from '../resolve/model';

export interface DownstreamRegistrationsProps {
  /** The root server's resolved model: its trust domain and its controller manager's className. */
  readonly root: ResolvedCluster;
  readonly downstream: readonly DownstreamRegistration[];
}

/**
 * Registers every workload cluster's downstream server at the root, for the root's controller manager
 * alone (its className): a node alias that every root agent of the cluster maps to, and beneath it the
 * entry with `downstream: true` whose SVID lets the downstream server have its CA signed
 * (UpstreamAuthority `spire`). Static entries rather than a ClusterSPIFFEID: the root's controller manager
 * watches only the pods of the cluster it runs in, and the downstream servers of the other clusters are
 * registered the same way as the one beside it.
 */
export class DownstreamRegistrations extends Construct {
  constructor(scope: Construct, id: string, props: DownstreamRegistrationsProps) {
    super(scope, id);
    const { root } = props;
    const className = root.controllerManager.className;
    for (const registration of props.downstream) {
      for (const entry of [registration.alias, registration.downstream]) {
        new cse.ClusterStaticEntry(this, `${entry.downstream ? 'Downstream' : 'Alias'}-${registration.cluster}`, {
          metadata: { name: entry.name, labels: standardLabels(entry.name, 'downstream-registration', root.clusterName) },
          spec: {
            className,
            spiffeId: entry.spiffeId,
            parentId: entry.parentId,
            selectors: [...entry.selectors],
            ...(entry.downstream ? { downstream: true } : {}),
          },
        });
      }
    }
  }
}
