import { Construct } from 'constructs';
import * as cse from '../../imports/clusterstaticentry-spire.spiffe.io';
import { standardLabels } from '../resolve/labels';
import { DownstreamRegistration, ResolvedCluster } from '../resolve/model';

export interface DownstreamRegistrationsProps {
  /** The root server's resolved model: its trust domain and its controller manager's className. */
  readonly root: ResolvedCluster;
  readonly downstream: readonly DownstreamRegistration[];
}

/** The names of the ClusterStaticEntries that register one cluster's downstream server at the root. */
export function downstreamEntryNames(cluster: string): { alias: string; downstream: string } {
  return { alias: `spire-root-agents-${cluster}`, downstream: `spire-downstream-${cluster}` };
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
    const trustDomain = root.trustDomain;
    const className = root.controllerManager.className;
    for (const registration of props.downstream) {
      const names = downstreamEntryNames(registration.cluster);
      const alias = `spiffe://${trustDomain}${registration.aliasPath}`;
      const labels = (name: string) => standardLabels(name, 'downstream-registration', root.clusterName);
      new cse.ClusterStaticEntry(this, `Alias-${registration.cluster}`, {
        metadata: { name: names.alias, labels: labels(names.alias) },
        // A node alias: its parent is the server itself (SPIRE doc/spire_server.md, mapping node entries).
        spec: { className, spiffeId: alias, parentId: `spiffe://${trustDomain}/spire/server`, selectors: [...registration.aliasSelectors] },
      });
      new cse.ClusterStaticEntry(this, `Downstream-${registration.cluster}`, {
        metadata: { name: names.downstream, labels: labels(names.downstream) },
        spec: {
          className,
          spiffeId: `spiffe://${trustDomain}${registration.downstreamPath}`,
          parentId: alias,
          selectors: [...registration.downstreamSelectors],
          downstream: true,
        },
      });
    }
  }
}
