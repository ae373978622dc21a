import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CONTROLLER_MANAGER, CONTROLLER_MANAGER_BIN, SPIRE_SERVER } from '../config/spire-facts';
import { containerCommand, imageString } from '../config/versions';
import { RESTRICTED_CONTAINER, grant, httpProbe, imagePullPolicy, resources } from '../build/k8s-helpers';
import { controllerManagerConfig } from '../build/spire-configs';
import { ResolvedCluster } from '../resolve/model';

export interface SpireControllerManagerProps {
  /**
   * The cluster's resolved model. The manager runs as a sidecar of the server's pod and shares its admin
   * socket; the server's namespace, labels and service account come from the model, not the server.
   */
  readonly resolved: ResolvedCluster;
}

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
  /** The sidecar container, for the server's pod. */
  public readonly container: k8s.Container;
  /** The volumes the sidecar needs beyond the server's own. */
  public readonly volumes: k8s.Volume[];

  constructor(scope: Construct, id: string, props: SpireControllerManagerProps) {
    super(scope, id);
    const { resolved } = props;
    const { server, controllerManager: manager } = resolved;
    const labels = server.podLabels;
    const namespace = server.namespace;
    const { staticManifests } = manager;

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: manager.configMapName, namespace, labels },
      data: { [CONTROLLER_MANAGER.configFile]: controllerManagerConfig(resolved) },
    });

    this.volumes = [
      { name: 'controller-manager-config', configMap: { name: manager.configMapName } },
      ...(staticManifests ? [{ name: 'controller-manager-manifests', configMap: { name: staticManifests.configMapName } }] : []),
    ];
    const command = containerCommand(resolved.images.controllerManager, [CONTROLLER_MANAGER_BIN, `--config=${CONTROLLER_MANAGER.configDir}/${CONTROLLER_MANAGER.configFile}`]);
    const common = {
      name: 'spire-controller-manager',
      image: imageString(resolved.images.controllerManager),
      ...imagePullPolicy(resolved.imagePull),
      ...command,
      resources: resources(server.settings.controllerManagerResources),
      securityContext: RESTRICTED_CONTAINER,
    };
    const mounts = [
      { name: 'server-socket', mountPath: SPIRE_SERVER.socketDir, readOnly: true },
      { name: 'controller-manager-config', mountPath: CONTROLLER_MANAGER.configDir, readOnly: true },
      // A writable /tmp on a read-only root, as the upstream chart gives it (its own part of the pod's tmp).
      { name: 'tmp', mountPath: '/tmp', subPath: 'spire-controller-manager' },
    ];
    if (staticManifests) {
      // Static mode serves nothing: cmd/main.go staticRun starts the manager, and with it the health and metrics
      // listeners, only after its reconcilers have stopped, so a probe would only ever fail and kill the container.
      this.container = {
        ...common,
        env: [{ name: CONTROLLER_MANAGER.env.enableWebhooks, value: 'false' }],
        volumeMounts: [...mounts, { name: 'controller-manager-manifests', mountPath: staticManifests.dir, readOnly: true }],
      };
      return;
    }
    this.container = {
      ...common,
      env: [{ name: CONTROLLER_MANAGER.env.enableWebhooks, value: 'true' }],
      ports: [
        { name: 'https', containerPort: manager.ports.webhook, protocol: 'TCP' },
        { name: 'cm-metrics', containerPort: manager.ports.metrics, protocol: 'TCP' },
        { name: 'cm-healthz', containerPort: manager.ports.health, protocol: 'TCP' },
      ],
      livenessProbe: httpProbe(CONTROLLER_MANAGER.healthPaths.live, 'cm-healthz', server.workload.controllerManagerProbes.liveness),
      readinessProbe: httpProbe(CONTROLLER_MANAGER.healthPaths.ready, 'cm-healthz', server.workload.controllerManagerProbes.readiness),
      volumeMounts: mounts,
    };

    new k8s.KubeService(this, 'WebhookService', {
      metadata: { name: manager.webhookServiceName, namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: server.selector,
        ports: [{ name: 'https', port: manager.ports.webhookService, targetPort: k8s.IntOrString.fromString('https'), protocol: 'TCP' }],
      },
    });

    new k8s.KubeValidatingWebhookConfiguration(this, 'Webhooks', {
      // No caBundle: the manager patches it at runtime with SPIRE's X.509 authorities.
      metadata: { name: manager.webhookConfigurationName, labels },
      webhooks: WEBHOOKS.map((webhook) => ({
        name: webhook.name,
        admissionReviewVersions: ['v1'],
        clientConfig: {
          service: { name: manager.webhookServiceName, namespace, path: `/validate-spire-spiffe-io-v1alpha1-${webhook.kind}` },
        },
        failurePolicy: resolved.environment.webhookFailurePolicy,
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
          resourceNames: [manager.webhookConfigurationName],
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
}
