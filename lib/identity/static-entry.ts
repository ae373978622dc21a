import { Construct } from 'constructs';
import * as cse from '../../imports/clusterstaticentry-spire.spiffe.io';
import { StaticEntrySpec } from '../config/types';
import { ClusterContext } from '../resolve/model';
import { addChecks } from '../build/checks';
import { standardLabels } from '../resolve/labels';
import { SpireControllerManager } from '../spire/controller-manager';
import { checkStaticEntry } from './policy';

export interface StaticEntryProps {
  readonly context: ClusterContext;
  readonly controllerManager: SpireControllerManager;
  readonly entry: StaticEntrySpec;
}

/** A ClusterStaticEntry: a registration entry for a workload outside Kubernetes (no webhook checks it upstream). */
export class StaticEntry extends Construct {
  constructor(scope: Construct, id: string, props: StaticEntryProps) {
    super(scope, id);
    const { entry, context } = props;
    const trustDomain = context.environment.trustDomain;
    new cse.ClusterStaticEntry(this, 'Resource', {
      metadata: { name: entry.name, labels: standardLabels(entry.name, 'identity', context.cluster.name) },
      spec: {
        className: props.controllerManager.className,
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
    addChecks(this, context, () => checkStaticEntry(entry, context.environment));
  }
}
