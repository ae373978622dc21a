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
  /**
   * Static manifest mode: the entry becomes a file of the manager's manifests ConfigMap (`manifest`) instead of a resource.
   * @default false
   */
  readonly asStaticManifest?: boolean;
}

/** A ClusterStaticEntry: a registration entry for a workload outside Kubernetes (no webhook checks it upstream). */
export class StaticEntry extends Construct {
  /** The ClusterStaticEntry as a manifest, what the resource holds or a static manifest file carries. */
  public readonly manifest: Record<string, unknown>;

  constructor(scope: Construct, id: string, props: StaticEntryProps) {
    super(scope, id);
    const { entry, resolved } = props;
    const trustDomain = resolved.environment.trustDomain;
    const resource: cse.ClusterStaticEntryProps = {
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
    };
    this.manifest = cse.ClusterStaticEntry.manifest(resource);
    if (!props.asStaticManifest) new cse.ClusterStaticEntry(this, 'Resource', resource);
    addChecks(this, resolved, () => checkStaticEntry(entry, resolved.environment));
  }
}
