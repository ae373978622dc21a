import { denyingAdmissionPolicy } from '../build/k8s-helpers';
import { Construct } from 'constructs';
import { ResolvedCluster } from '../resolve/model';

export interface RootCsiAdmissionProps {
  /** The cluster's own model: its server namespace is the one that may mount the root's CSI driver. */
  readonly resolved: ResolvedCluster;
  /** The root agents' model: the CSI driver whose volumes the policy guards. */
  readonly rootAgents: ResolvedCluster;
}

/**
 * Only the cluster's downstream server may mount the root agents' Workload API. Any pod given a volume of
 * the root's CSI driver would reach the root agent's socket; it would get no SVID without a registration,
 * but the socket is still an attack surface of the root, so the apiserver refuses such pods in every other
 * namespace (the hardened chart does the same for its upstream driver:
 * charts/spire/charts/spiffe-csi-driver/templates/policy.yaml).
 */
export class RootCsiAdmission extends Construct {
  constructor(scope: Construct, id: string, props: RootCsiAdmissionProps) {
    super(scope, id);
    const { resolved, rootAgents } = props;
    const driverName = rootAgents.csiDriver.driverName;
    denyingAdmissionPolicy(this, '', {
      name: rootAgents.csiDriver.name,
      labels: rootAgents.csiDriver.labels,
      resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }],
      validations: [{
        expression: `!has(object.spec.volumes) || !object.spec.volumes.exists(v, has(v.csi) && v.csi.driver == '${driverName}')`,
        message: `only the SPIRE server in namespace ${resolved.server.namespace} may mount the root agents' Workload API (CSI driver ${driverName})`,
      }],
      matchResources: {
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [resolved.server.namespace] }] },
      },
    });
  }
}
