import * as kplus from 'cdk8s-plus-28';
import { WORKLOAD_API } from '../config/spire-facts';
import { ResolvedCluster } from '../resolve/model';
import { addChecks } from '../build/checks';
import { ClusterSpiffeId } from './cluster-spiffe-id';

export interface WorkloadIdentityOptions {
  readonly identity: ClusterSpiffeId;
  /** The cluster's resolved model: the CSI driver's name and the agent's socket file come from it. */
  readonly resolved: ResolvedCluster;
  /**
   * Where the Workload API socket appears in the containers.
   * @default WORKLOAD_API.mountDir
   */
  readonly mountPath?: string;
}

/**
 * Gives a cdk8s-plus workload the SPIFFE identity `identity` describes: the pod labels its podSelector
 * asks for, the CSI volume with the agent's socket in every container, and `SPIFFE_ENDPOINT_SOCKET`.
 * Synth fails, naming the reason, when the identity would still not select the workload's pods
 * (another namespace or service account).
 */
export function giveSpiffeIdentity(workload: kplus.Deployment | kplus.StatefulSet | kplus.DaemonSet, options: WorkloadIdentityOptions): void {
  const { identity, resolved } = options;
  const mountPath = options.mountPath ?? WORKLOAD_API.mountDir;
  for (const [key, value] of Object.entries(identity.identity.podSelector?.matchLabels ?? {})) {
    workload.podMetadata.addLabel(key, value);
  }
  const volume = kplus.Volume.fromCsi(workload, 'SpiffeWorkloadApi', resolved.csiDriver.driverName, { name: 'spiffe-workload-api', readOnly: true });
  for (const container of workload.containers) {
    container.mount(mountPath, volume, { readOnly: true });
    container.env.addVariable(WORKLOAD_API.socketEnv, kplus.EnvValue.fromValue(`unix://${mountPath}/${resolved.agent.socketFileName}`));
  }

  addChecks(workload, resolved, () => {
    const reasons = identity.selects({
      namespace: workload.metadata.namespace ?? 'default',
      labels: workload.podMetadata.toJson().labels ?? {},
      serviceAccountName: workload.serviceAccount?.name ?? 'default',
    });
    return reasons.map((reason) => ({
      resource: `${workload.constructor.name} "${workload.name}"`,
      field: 'identity',
      value: identity.identity.name,
      rule: `ClusterSPIFFEID "${identity.identity.name}" would not select its pods: ${reason}`,
      fix: 'run the workload in the namespace and with the service account the identity selects, or pick another identity',
    }));
  });
}
