import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { containerCommand, imageString } from '../config/versions';
import { selectorLabels, standardLabels } from '../resolve/labels';
import { HARDENED_CONTAINER, httpProbe, resources } from '../build/k8s-helpers';
import { SpireAgent } from './spire-agent';

export interface SpiffeCsiDriverProps {
  /** The agent whose Workload API socket directory the driver serves to pods. */
  readonly agent: SpireAgent;
  /**
   * Kubelet root directory on the nodes; some distributions move it.
   * @default '/var/lib/kubelet'
   */
  readonly kubeletPath?: string;
}

/**
 * SPIFFE CSI driver: the `csi.spiffe.io` CSIDriver and its DaemonSet (driver plus node-driver-registrar).
 * Pods mount the agent's Workload API socket through an ephemeral inline CSI volume, which the
 * `restricted` Pod Security Standard admits, unlike a hostPath.
 */
export class SpiffeCsiDriver extends Construct {
  public readonly driverName = 'csi.spiffe.io';
  public readonly agent: SpireAgent;
  public readonly registrarHealthPort = 9809;

  constructor(scope: Construct, id: string, props: SpiffeCsiDriverProps) {
    super(scope, id);
    const { agent } = props;
    this.agent = agent;
    const context = agent.server.context;
    const kubelet = props.kubeletPath ?? '/var/lib/kubelet';
    const pluginDir = `${kubelet}/plugins/${this.driverName}`;
    const labels = standardLabels('spiffe-csi-driver', 'csi-driver', context.cluster.name);
    const settings = context.environment.agent;

    new k8s.KubeCsiDriver(this, 'Driver', {
      metadata: { name: this.driverName, labels },
      spec: {
        attachRequired: false,
        podInfoOnMount: true,
        fsGroupPolicy: 'None',
        volumeLifecycleModes: ['Ephemeral'],
      },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: 'spiffe-csi-driver', namespace: agent.namespace, labels },
      automountServiceAccountToken: false,
    });

    new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: 'spiffe-csi-driver', namespace: agent.namespace, labels },
      spec: {
        selector: { matchLabels: selectorLabels('spiffe-csi-driver', context.cluster.name) },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'spiffe-csi-driver',
            automountServiceAccountToken: false,
            priorityClassName: 'system-node-critical',
            containers: [
              {
                name: 'spiffe-csi-driver',
                image: imageString(context.images.csiDriver),
                ...containerCommand(context.images.csiDriver, [
                  '/spiffe-csi-driver',
                  '-workload-api-socket-dir', '/spire-agent-socket',
                  '-plugin-name', this.driverName,
                  '-csi-socket-path', '/spiffe-csi/csi.sock',
                ]),
                env: [{ name: 'MY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                resources: resources(settings.csiDriverResources),
                // Bidirectional mount propagation into the kubelet's pods directory needs a privileged container.
                securityContext: { privileged: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'spire-agent-socket-dir', mountPath: '/spire-agent-socket', readOnly: true },
                  { name: 'spiffe-csi-socket-dir', mountPath: '/spiffe-csi' },
                  { name: 'mountpoint-dir', mountPath: `${kubelet}/pods`, mountPropagation: 'Bidirectional' },
                ],
                // No probes: the driver serves no health endpoint, and probing the registrar's port from here
                // would restart this container for the registrar's faults. The registrar, whose /healthz
                // checks the driver's CSI socket, is probed and restarted on its own.
              },
              {
                name: 'node-driver-registrar',
                image: imageString(context.images.csiNodeDriverRegistrar),
                ...containerCommand(context.images.csiNodeDriverRegistrar, [
                  '/csi-node-driver-registrar',
                  '-csi-address', '/spiffe-csi/csi.sock',
                  '-kubelet-registration-path', `${pluginDir}/csi.sock`,
                  '-health-port', String(this.registrarHealthPort),
                ]),
                ports: [{ name: 'healthz', containerPort: this.registrarHealthPort, protocol: 'TCP' }],
                livenessProbe: httpProbe('/healthz', 'healthz', { initialDelaySeconds: 5, periodSeconds: 10 }),
                readinessProbe: httpProbe('/healthz', 'healthz', { initialDelaySeconds: 5, periodSeconds: 10 }),
                resources: resources(settings.csiDriverResources),
                securityContext: HARDENED_CONTAINER,
                volumeMounts: [
                  { name: 'spiffe-csi-socket-dir', mountPath: '/spiffe-csi' },
                  { name: 'kubelet-plugin-registration-dir', mountPath: '/registration' },
                ],
              },
            ],
            volumes: [
              // The agent's socket directory, taken from the agent so the two can never point apart.
              { name: 'spire-agent-socket-dir', hostPath: { path: agent.socketHostDir, type: 'DirectoryOrCreate' } },
              { name: 'spiffe-csi-socket-dir', hostPath: { path: pluginDir, type: 'DirectoryOrCreate' } },
              { name: 'mountpoint-dir', hostPath: { path: `${kubelet}/pods`, type: 'Directory' } },
              { name: 'kubelet-plugin-registration-dir', hostPath: { path: `${kubelet}/plugins_registry`, type: 'Directory' } },
            ],
            tolerations: [{ operator: 'Exists' }],
          },
        },
      },
    });
  }

  /** The inline CSI volume a workload pod adds to reach the Workload API. */
  public workloadVolume(name: string): k8s.Volume {
    return { name, csi: { driver: this.driverName, readOnly: true } };
  }
}
