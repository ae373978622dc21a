import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { containerCommand, imageString } from '../config/versions';
import { RESTRICTED_CONTAINER, grant, httpProbe, resources } from '../build/k8s-helpers';
import { renderControllerManagerConfig } from '../render/controller-manager-config';
import type { SpireServer } from './spire-server';

export interface SpireControllerManagerProps {
  /** The server whose pod runs the manager as a sidecar, sharing its admin socket. */
  readonly server: SpireServer;
}

const CONFIG_DIR = '/run/spire/controller-manager';
const CONFIG_FILE = 'controller-manager-config.yaml';

/** Webhooks in the order the upstream chart and the manager itself keep them, so GitOps sees no reorder drift. */
const WEBHOOKS = [
  { name: 'vclusterfederatedtrustdomain.kb.io', resource: 'clusterfederatedtrustdomains', kind: 'clusterfederatedtrustdomain' },
  { name: 'vclusterspiffeid.kb.io', resource: 'clusterspiffeids', kind: 'clusterspiffeid' },
] as const;

/**
 * spire-controller-manager, run as a sidecar of the SPIRE server: its config file, RBAC, webhook Service
 * and ValidatingWebhookConfiguration. It registers workloads from ClusterSPIFFEID, ClusterStaticEntry
 * and ClusterFederatedTrustDomain resources through the server's admin socket.
 */
export class SpireControllerManager extends Construct {
  public readonly server: SpireServer;
  /** Only resources with this `spec.className` are reconciled. */
  public readonly className: string;
  public readonly webhookConfigurationName = 'spire-controller-manager-webhook';
  public readonly webhookServiceName = 'spire-controller-manager-webhook';
  public readonly webhookPort = 9443;
  public readonly metricsPort = 8082;
  public readonly healthPort = 8083;
  public readonly container: k8s.Container;
  public readonly volumes: k8s.Volume[];

  constructor(scope: Construct, id: string, props: SpireControllerManagerProps) {
    super(scope, id);
    const { server } = props;
    this.server = server;
    this.className = `spire-${server.clusterName}`;
    const labels = server.podLabels;
    const namespace = server.namespace;

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: 'spire-controller-manager', namespace, labels },
      data: { [CONFIG_FILE]: this.renderConfig() },
    });

    this.volumes = [{ name: 'controller-manager-config', configMap: { name: 'spire-controller-manager' } }];
    this.container = {
      name: 'spire-controller-manager',
      image: imageString(server.context.images.controllerManager),
      ...containerCommand(server.context.images.controllerManager, ['/spire-controller-manager', `--config=${CONFIG_DIR}/${CONFIG_FILE}`]),
      env: [{ name: 'ENABLE_WEBHOOKS', value: 'true' }],
      ports: [
        { name: 'https', containerPort: this.webhookPort, protocol: 'TCP' },
        { name: 'cm-metrics', containerPort: this.metricsPort, protocol: 'TCP' },
        { name: 'cm-healthz', containerPort: this.healthPort, protocol: 'TCP' },
      ],
      livenessProbe: httpProbe('/healthz', 'cm-healthz', { initialDelaySeconds: 5, periodSeconds: 10 }),
      readinessProbe: httpProbe('/readyz', 'cm-healthz', { initialDelaySeconds: 5, periodSeconds: 5 }),
      resources: resources(server.settings.controllerManagerResources),
      securityContext: RESTRICTED_CONTAINER,
      volumeMounts: [
        { name: 'server-socket', mountPath: '/tmp/spire-server/private', readOnly: true },
        { name: 'controller-manager-config', mountPath: CONFIG_DIR, readOnly: true },
        // A writable /tmp on a read-only root, as the upstream chart gives it (its own part of the pod's tmp).
        { name: 'tmp', mountPath: '/tmp', subPath: 'spire-controller-manager' },
      ],
    };

    new k8s.KubeService(this, 'WebhookService', {
      metadata: { name: this.webhookServiceName, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: server.selector,
        ports: [{ name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('https'), protocol: 'TCP' }],
      },
    });

    new k8s.KubeValidatingWebhookConfiguration(this, 'Webhooks', {
      // No caBundle: the manager patches it at runtime with SPIRE's X.509 authorities.
      metadata: { name: this.webhookConfigurationName, labels },
      webhooks: WEBHOOKS.map((webhook) => ({
        name: webhook.name,
        admissionReviewVersions: ['v1'],
        clientConfig: {
          service: { name: this.webhookServiceName, namespace, path: `/validate-spire-spiffe-io-v1alpha1-${webhook.kind}` },
        },
        failurePolicy: server.context.environment.webhookFailurePolicy,
        rules: [{
          apiGroups: ['spire.spiffe.io'],
          apiVersions: ['v1alpha1'],
          operations: ['CREATE', 'UPDATE'],
          resources: [webhook.resource],
        }],
        sideEffects: 'None',
      })),
    });

    const serviceAccount = { name: server.serviceAccountName, namespace };
    grant(this, 'ClusterRole', {
      name: `${namespace}-spire-controller-manager`,
      labels,
      serviceAccount,
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'nodes', 'pods', 'endpoints'], verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingwebhookconfigurations'],
          resourceNames: [this.webhookConfigurationName],
          verbs: ['get', 'patch'],
        },
        // list/watch cannot be narrowed by name; the manager's informer needs them on the kind.
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['list', 'watch'] },
        {
          apiGroups: ['spire.spiffe.io'],
          resources: ['clusterfederatedtrustdomains', 'clusterspiffeids', 'clusterstaticentries'],
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        },
        {
          apiGroups: ['spire.spiffe.io'],
          resources: ['clusterfederatedtrustdomains/status', 'clusterspiffeids/status', 'clusterstaticentries/status'],
          verbs: ['get', 'patch', 'update'],
        },
        {
          apiGroups: ['spire.spiffe.io'],
          resources: ['clusterfederatedtrustdomains/finalizers', 'clusterspiffeids/finalizers', 'clusterstaticentries/finalizers'],
          verbs: ['update'],
        },
      ],
    });
    grant(this, 'LeaderElectionRole', {
      name: 'spire-controller-manager-leader-election',
      namespace,
      labels,
      serviceAccount,
      // client-go tools/leaderelection/resourcelock/leaselock.go (Get, Create, Update of one Lease) and the
      // event recorder of the election; no ConfigMap lock since client-go dropped it.
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    });
  }

  public renderConfig(): string {
    const { server } = this;
    return renderControllerManagerConfig({
      trustDomain: server.trustDomain,
      clusterName: server.clusterName,
      clusterDomain: server.context.cluster.clusterDomain ?? 'cluster.local',
      className: this.className,
      ignoreNamespaces: server.settings.ignoreNamespaces,
      validatingWebhookConfigurationName: this.webhookConfigurationName,
      spireServerSocketPath: server.socketPath,
      // Entries carry the cluster name, so clusters sharing one database never delete each other's entries.
      entryIDPrefix: server.clusterName,
      logLevel: server.settings.controllerManagerLogLevel,
      metricsPort: this.metricsPort,
      healthPort: this.healthPort,
      webhookPort: this.webhookPort,
      // Always on, as the upstream chart has it: replicas may grow (a scale-up, a surge during a rollout),
      // and a lone replica simply leads.
      leaderElection: { resourceName: `${this.className}.spiffe.io`, resourceNamespace: server.namespace },
    });
  }
}
