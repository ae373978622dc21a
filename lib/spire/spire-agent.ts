import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SPIRE_AGENT, SPIRE_AGENT_BIN, SPIRE_HEALTH_PATHS } from '../config/spire-facts';
import { containerCommand, imageString } from '../config/versions';
import { HARDENED_CONTAINER, fileVolume, grant, httpProbe, imagePullPolicy, imagePullSecrets, podScheduling, podSecurityLabels, resources } from '../build/k8s-helpers';
import { agentConf } from '../build/spire-configs';
import { ResolvedCluster } from '../resolve/model';

export interface SpireAgentProps {
  /**
   * The cluster's resolved model: the server's address, bundle and audience come from it, the same
   * values the server's own config is rendered from.
   */
  readonly resolved: ResolvedCluster;
}

/**
 * SPIRE agent DaemonSet with its Namespace (privileged Pod Security: hostPID, hostNetwork and a hostPath
 * socket directory need it), ServiceAccount, `agent.conf` ConfigMap and RBAC.
 */
export class SpireAgent extends Construct {
  constructor(scope: Construct, id: string, props: SpireAgentProps) {
    super(scope, id);
    const { resolved } = props;
    const { agent, server } = resolved;
    const labels = agent.podLabels;
    const settings = agent.settings;

    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: agent.namespace, labels: { ...labels, ...podSecurityLabels('privileged') } },
    });
    const annotations = agent.cloud.serviceAccountAnnotations;
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: agent.serviceAccountName, namespace: agent.namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    });

    const conf = agentConf(resolved);
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: agent.configMapName, namespace: agent.namespace, labels },
      data: { [SPIRE_AGENT.configFile]: conf },
    });

    grant(this, 'ClusterRole', {
      name: `${agent.namespace}-spire-agent`,
      labels,
      serviceAccount: { name: agent.serviceAccountName, namespace: agent.namespace },
      // The k8s workload attestor asks the kubelet (secure port, token auth) about pods on its node.
      rules: [{ apiGroups: [''], resources: ['pods', 'nodes', 'nodes/proxy'], verbs: ['get'] }],
    });

    new k8s.KubeDaemonSet(this, 'DaemonSet', {
      metadata: { name: agent.name, namespace: agent.namespace, labels },
      spec: {
        selector: { matchLabels: agent.selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(agent.workload.maxUnavailable) } },
        template: {
          metadata: {
            labels: agent.pod.labels,
            annotations: { ...agent.pod.annotations, 'spire-gitops/config-checksum': createHash('sha256').update(conf).digest('hex') },
          },
          spec: {
            serviceAccountName: agent.serviceAccountName,
            ...podScheduling(agent.pod),
            ...imagePullSecrets(resolved.imagePull),
            // The attestor reads workload processes' cgroups and reaches the kubelet on the node.
            hostPid: true,
            hostNetwork: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            containers: [{
              name: 'spire-agent',
              image: imageString(resolved.images.spireAgent),
              ...imagePullPolicy(resolved.imagePull),
              ...containerCommand(resolved.images.spireAgent, [SPIRE_AGENT_BIN, 'run', '-config', `${SPIRE_AGENT.configDir}/${SPIRE_AGENT.configFile}`]),
              env: [
                ...settings.kubeletVerification === 'apiServerCA'
                  ? [{ name: SPIRE_AGENT.env.kubeletAddress, valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }]
                  : [],
                ...agent.cloud.secretEnv.map((variable) => ({ name: variable.name, valueFrom: { secretKeyRef: { name: variable.secret.name, key: variable.secret.key } } })),
              ],
              ports: [
                { name: 'healthz', containerPort: agent.ports.health, protocol: 'TCP' },
                { name: 'metrics', containerPort: agent.ports.metrics, protocol: 'TCP' },
              ],
              livenessProbe: httpProbe(SPIRE_HEALTH_PATHS.live, 'healthz', agent.workload.probes.liveness),
              readinessProbe: httpProbe(SPIRE_HEALTH_PATHS.ready, 'healthz', agent.workload.probes.readiness),
              resources: resources(settings.resources),
              // Root, to own the socket in the host directory, but with no capabilities or escalation.
              securityContext: HARDENED_CONTAINER,
              volumeMounts: [
                { name: 'config', mountPath: SPIRE_AGENT.configDir, readOnly: true },
                { name: 'data', mountPath: SPIRE_AGENT.dataDir },
                // No bundle ConfigMap when the agent bootstraps from a bundle URL.
                ...(settings.trustBundleUrl ? [] : [{ name: 'trust-bundle', mountPath: SPIRE_AGENT.bundleDir, readOnly: true }]),
                { name: 'agent-socket-dir', mountPath: SPIRE_AGENT.socketDir },
                { name: 'agent-token', mountPath: SPIRE_AGENT.tokenDir, readOnly: true },
                { name: 'tmp', mountPath: SPIRE_AGENT.privateDir },
                ...agent.cloud.files.map((file) => ({ name: file.volume, mountPath: file.dir, readOnly: true })),
                ...(agent.cloud.hostDirectories ?? []).map((host) => ({ name: host.volume, mountPath: host.dir, readOnly: true })),
                ...(agent.adminSocket ? [{ name: 'agent-admin-socket-dir', mountPath: agent.adminSocket.dir }] : []),
                ...(agent.kubeletServingCert ? [{ name: 'kubelet-serving-cert', mountPath: agent.kubeletServingCert.path, readOnly: true }] : []),
              ],
            }],
            volumes: [
              { name: 'config', configMap: { name: agent.configMapName } },
              agent.dataOnHost
                ? { name: 'data', hostPath: { path: SPIRE_AGENT.dataHostDir, type: 'DirectoryOrCreate' } }
                : { name: 'data', emptyDir: {} },
              ...agent.cloud.files.map(fileVolume),
              // Provisioned with the node: a missing directory is a fault to see at once, not one to create empty.
              ...(agent.cloud.hostDirectories ?? []).map((host) => ({ name: host.volume, hostPath: { path: host.hostPath, type: 'Directory' } })),
              { name: 'tmp', emptyDir: {} },
              ...(settings.trustBundleUrl ? [] : [{ name: 'trust-bundle', configMap: { name: server.bundle.configMapName } }]),
              { name: 'agent-socket-dir', hostPath: { path: agent.socketHostDir, type: 'DirectoryOrCreate' } },
              // On the node, so that delegates running there (a CNI, a node proxy) reach the Delegated Identity API.
              ...(agent.adminSocket ? [{ name: 'agent-admin-socket-dir', hostPath: { path: agent.adminSocket.hostDir, type: 'DirectoryOrCreate' } }] : []),
              // The one file, never its directory (the kubelet's serving key lies beside it); `File`: a node without it is a fault to see at once.
              ...(agent.kubeletServingCert ? [{ name: 'kubelet-serving-cert', hostPath: { path: agent.kubeletServingCert.hostPath, type: 'File' } }] : []),
              {
                name: 'agent-token',
                projected: {
                  sources: [{ serviceAccountToken: { path: SPIRE_AGENT.tokenFile, expirationSeconds: 7200, audience: agent.tokenAudience } }],
                },
              },
            ],
          },
        },
      },
    });
  }
}
