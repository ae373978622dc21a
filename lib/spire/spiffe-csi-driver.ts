import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CSI_DRIVER, CSI_DRIVER_BIN, CSI_NODE_DRIVER_REGISTRAR_BIN } from '../config/spire-facts';
import { containerCommand, imageString } from '../config/versions';
import { HARDENED_CONTAINER, httpProbe, imagePullPolicy, imagePullSecrets, podScheduling, resources } from '../build/k8s-helpers';
import { ResolvedCluster } from '../resolve/model';

export interface SpiffeCsiDriverProps {
  /** The cluster's resolved model: the agent's socket directory on the nodes comes from it. */
  readonly resolved: ResolvedCluster;
}

/**
 * SPIFFE CSI driver: the `csi.spiffe.io` CSIDriver and its DaemonSet (driver plus node-driver-registrar).
 * Pods mount the agent's Workload API socket through an ephemeral inline CSI volume, which the
 * `restricted` Pod Security Standard admits, unlike a hostPath.
 */
export class SpiffeCsiDriver extends Construct {
  constructor(scope: Construct, id: string, props: SpiffeCsiDriverProps) {
    super(scope, id);
    const { resolved } = props;
    const { agent, csiDriver: driver } = resolved;
    const kubelet = driver.kubeletPath;
    const pluginDir = `${kubelet}/plugins/${driver.driverName}`;
    const csiSocket = `${CSI_DRIVER.csiSocketDir}/${CSI_DRIVER.csiSocketFile}`;
    const labels = driver.labels;
    const settings = agent.settings;

    new k8s.KubeCsiDriver(this, 'Driver', {
      metadata: { name: driver.driverName, labels },
      spec: {
        attachRequired: false,
        podInfoOnMount: true,
        fsGroupPolicy: 'None',
        volumeLifecycleModes: ['Ephemeral'],
      },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: driver.name, namespace: driver.namespace, labels },
      automountServiceAccountToken: false,
    });

    new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: driver.name, namespace: driver.namespace, labels },
      spec: {
        selector: { matchLabels: driver.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(driver.workload.maxUnavailable) } },
        template: {
          metadata: { labels: driver.pod.labels, ...(Object.keys(driver.pod.annotations).length > 0 ? { annotations: driver.pod.annotations } : {}) },
          spec: {
            serviceAccountName: driver.name,
            automountServiceAccountToken: false,
            ...podScheduling(driver.pod),
            ...imagePullSecrets(resolved.imagePull),
            containers: [
              {
                name: 'spiffe-csi-driver',
                image: imageString(resolved.images.csiDriver),
                ...imagePullPolicy(resolved.imagePull),
                ...containerCommand(resolved.images.csiDriver, [
                  CSI_DRIVER_BIN,
                  '-workload-api-socket-dir', CSI_DRIVER.agentSocketDir,
                  '-plugin-name', driver.driverName,
                  '-csi-socket-path', csiSocket,
                ]),
                env: [{ name: 'MY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                resources: resources(settings.csiDriverResources),
                // Bidirectional mount propagation into the kubelet's pods directory needs a privileged container.
                securityContext: { privileged: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'spire-agent-socket-dir', mountPath: CSI_DRIVER.agentSocketDir, readOnly: true },
                  { name: 'spiffe-csi-socket-dir', mountPath: CSI_DRIVER.csiSocketDir },
                  { name: 'mountpoint-dir', mountPath: `${kubelet}/pods`, mountPropagation: 'Bidirectional' },
                ],
                // No probes: the driver serves no health endpoint, and probing the registrar's port from here
                // would restart this container for the registrar's faults. The registrar, whose /healthz
                // checks the driver's CSI socket, is probed and restarted on its own.
              },
              {
                name: 'node-driver-registrar',
                image: imageString(resolved.images.csiNodeDriverRegistrar),
                ...imagePullPolicy(resolved.imagePull),
                ...containerCommand(resolved.images.csiNodeDriverRegistrar, [
                  CSI_NODE_DRIVER_REGISTRAR_BIN,
                  '-csi-address', csiSocket,
                  '-kubelet-registration-path', `${pluginDir}/${CSI_DRIVER.csiSocketFile}`,
                  '-health-port', String(driver.registrarHealthPort),
                ]),
                ports: [{ name: 'healthz', containerPort: driver.registrarHealthPort, protocol: 'TCP' }],
                livenessProbe: httpProbe(CSI_DRIVER.registrarHealthPath, 'healthz', driver.workload.probes.liveness),
                readinessProbe: httpProbe(CSI_DRIVER.registrarHealthPath, 'healthz', driver.workload.probes.readiness),
                resources: resources(settings.csiDriverResources),
                securityContext: HARDENED_CONTAINER,
                volumeMounts: [
                  { name: 'spiffe-csi-socket-dir', mountPath: CSI_DRIVER.csiSocketDir },
                  { name: 'kubelet-plugin-registration-dir', mountPath: '/registration' },
                ],
              },
            ],
            volumes: [
              // The agent's socket directory, from the same resolved fact as the agent's, so the two can never point apart.
              { name: 'spire-agent-socket-dir', hostPath: { path: agent.socketHostDir, type: 'DirectoryOrCreate' } },
              { name: 'spiffe-csi-socket-dir', hostPath: { path: pluginDir, type: 'DirectoryOrCreate' } },
              { name: 'mountpoint-dir', hostPath: { path: `${kubelet}/pods`, type: 'Directory' } },
              { name: 'kubelet-plugin-registration-dir', hostPath: { path: `${kubelet}/plugins_registry`, type: 'Directory' } },
            ],
          },
        },
      },
    });
  }
}
