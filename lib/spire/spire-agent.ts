import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SPIRE_AGENT_BIN, containerCommand, imageString } from '../config/versions';
import { selectorLabels, standardLabels } from '../resolve/labels';
import { HARDENED_CONTAINER, grant, httpProbe, podSecurityLabels, resources } from '../build/k8s-helpers';
import { renderAgentConf } from '../render/agent-conf';
import { SpireServer } from './spire-server';

export interface SpireAgentProps {
  /** The server the agents attest to; trust domain, address, bundle and audience come from it. */
  readonly server: SpireServer;
}

const CONFIG_DIR = '/opt/spire/conf/agent';
const BUNDLE_DIR = '/run/spire/bundle';
const TOKEN_DIR = '/var/run/secrets/tokens';
const SOCKET_DIR = '/tmp/spire-agent/public';
const KUBELET_ADDRESS_ENV = 'KUBELET_ADDRESS';

/**
 * SPIRE agent DaemonSet with its Namespace (privileged Pod Security: hostPID, hostNetwork and a hostPath
 * socket directory need it), ServiceAccount, `agent.conf` ConfigMap and RBAC.
 */
export class SpireAgent extends Construct {
  public readonly server: SpireServer;
  public readonly namespace: string;
  public readonly name = 'spire-agent';
  public readonly serviceAccountName = 'spire-agent';
  /** The Workload API socket directory on every node; the CSI driver serves it to pods. */
  public readonly socketHostDir = '/run/spire/agent-sockets';
  /** File name of the Workload API socket in that directory. */
  public readonly socketFileName = 'spire-agent.sock';
  // hostNetwork binds these on the node: kept off the ports of the upstream agent (9981/9989) and kubelet.
  public readonly healthPort = 9982;
  public readonly metricsPort = 9988;
  public readonly tokenAudience: string;
  public readonly podLabels: Record<string, string>;
  public readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: SpireAgentProps) {
    super(scope, id);
    const { server } = props;
    this.server = server;
    const context = server.context;
    this.namespace = server.bundle.namespace;
    this.tokenAudience = server.psatAudience;
    this.podLabels = standardLabels('spire-agent', 'agent', context.cluster.name);
    this.selector = selectorLabels('spire-agent', context.cluster.name);
    const labels = this.podLabels;
    const settings = context.environment.agent;

    server.allowAgents({
      cluster: server.clusterName,
      namespace: this.namespace,
      serviceAccount: this.serviceAccountName,
      audience: this.tokenAudience,
    });

    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: this.namespace, labels: { ...labels, ...podSecurityLabels('privileged') } },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, namespace: this.namespace, labels },
    });

    const agentConf = renderAgentConf({
      trustDomain: server.trustDomain,
      serverAddress: server.serviceHost,
      serverPort: server.servicePort,
      dataDir: '/var/lib/spire',
      socketPath: `${SOCKET_DIR}/${this.socketFileName}`,
      trustBundlePath: `${BUNDLE_DIR}/${server.bundle.configMapKey}`,
      trustBundleFormat: server.bundle.format,
      logLevel: settings.logLevel,
      logFormat: settings.logFormat,
      psatCluster: server.clusterName,
      tokenPath: `${TOKEN_DIR}/spire-agent`,
      kubelet: settings.kubeletVerification === 'skip'
        ? { verification: 'skip' }
        : { verification: 'apiServerCA', caPath: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', addressEnv: KUBELET_ADDRESS_ENV },
      health: { port: this.healthPort, livePath: '/live', readyPath: '/ready' },
      prometheusPort: this.metricsPort,
    });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: 'spire-agent', namespace: this.namespace, labels },
      data: { 'agent.conf': agentConf },
    });

    grant(this, 'ClusterRole', {
      name: `${this.namespace}-spire-agent`,
      labels,
      serviceAccount: { name: this.serviceAccountName, namespace: this.namespace },
      // The k8s workload attestor asks the kubelet (secure port, token auth) about pods on its node.
      rules: [{ apiGroups: [''], resources: ['pods', 'nodes', 'nodes/proxy'], verbs: ['get'] }],
    });

    new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        selector: { matchLabels: this.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: {
            labels,
            annotations: { 'spire-gitops/config-checksum': createHash('sha256').update(agentConf).digest('hex') },
          },
          spec: {
            serviceAccountName: this.serviceAccountName,
            priorityClassName: 'system-node-critical',
            // The attestor reads workload processes' cgroups and reaches the kubelet on the node.
            hostPid: true,
            hostNetwork: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            containers: [{
              name: 'spire-agent',
              image: imageString(context.images.spireAgent),
              ...containerCommand(context.images.spireAgent, [SPIRE_AGENT_BIN, 'run', '-config', `${CONFIG_DIR}/agent.conf`]),
              env: settings.kubeletVerification === 'apiServerCA'
                ? [{ name: KUBELET_ADDRESS_ENV, valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }]
                : [],
              ports: [
                { name: 'healthz', containerPort: this.healthPort, protocol: 'TCP' },
                { name: 'metrics', containerPort: this.metricsPort, protocol: 'TCP' },
              ],
              livenessProbe: httpProbe('/live', 'healthz', { initialDelaySeconds: 15, periodSeconds: 60, failureThreshold: 2 }),
              readinessProbe: httpProbe('/ready', 'healthz', { initialDelaySeconds: 10, periodSeconds: 30 }),
              resources: resources(settings.resources),
              // Root, to own the socket in the host directory, but with no capabilities or escalation.
              securityContext: HARDENED_CONTAINER,
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                { name: 'data', mountPath: '/var/lib/spire' },
                { name: 'trust-bundle', mountPath: BUNDLE_DIR, readOnly: true },
                { name: 'agent-socket-dir', mountPath: SOCKET_DIR },
                { name: 'agent-token', mountPath: TOKEN_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp/spire-agent/private' },
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: 'spire-agent' } },
              { name: 'data', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
              { name: 'trust-bundle', configMap: { name: server.bundle.configMapName } },
              { name: 'agent-socket-dir', hostPath: { path: this.socketHostDir, type: 'DirectoryOrCreate' } },
              {
                name: 'agent-token',
                projected: {
                  sources: [{ serviceAccountToken: { path: 'spire-agent', expirationSeconds: 7200, audience: this.tokenAudience } }],
                },
              },
            ],
            tolerations: [{ operator: 'Exists' }],
          },
        },
      },
    });
  }

  /** `unix://` URL of the Workload API socket as a workload sees it at `mountDir`. */
  public workloadSocketUrl(mountDir: string): string {
    return `unix://${mountDir}/${this.socketFileName}`;
  }
}
