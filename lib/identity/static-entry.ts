import { Construct } from 'constructs';
import * as cse from '../../imports/clusterstaticentry-spire.spiffe.io';
import { StaticEntrySpec } from '../config/types';
import { ResolvedCluster } from '../resolve/model';
import { addChecks } from '../build/checks';
import { standardLabels } from '../resolve/labels';
import { checkStaticEntry } from './policy';

export interface StaticEntryProps {
  /** The cluster's resolved model; the controller manager's className comes from it, never typed by hand. */
  readonly resolved: ResolvedCluster;
  readonly entry: StaticEntrySpec;
}

/** A ClusterStaticEntry: a registration entry for a workload outside Kubernetes (no webhook checks it upstream). */
export class StaticEntry extends Construct {
  constructor(scope: Construct, id: string, props: StaticEntryProps) {
    super(scope, id);
    const { entry, resolved } = props;
    const trustDomain = resolved.environment.trustDomain;
    new cse.ClusterStaticEntry(this, 'Resource', {
      metadata: { name: entry.name, labels: standardLabels(entry.name, 'identity', resolved.clusterName) },
      spec: {
        className: props.resolved.controllerManager.className,
        spiffeId: `spiffe://${trustDomain}${entry.spiffeIdPath}`,
        parentId: `spiffe://${trustDomain}${entry.parentIdPath}`,
        selectors: [...entry.selectors],
        x509Svidttl: entry.x509SvidTtl,
        jwtSvidttl: entry.jwtSvidTtl,
        federatesWith: entry.federatesWith ? [...entry.federatesWith] : undefined,
        dnsNames: entry.dnsNames ? [...entry.dnsNames] : undefined,
        admin: entry.admin,
        hint: entry.hint,
      },
    });
    addChecks(this, resolved, () => checkStaticEntry(entry, resolved.environment));
  }
}
