import { createHash } from 'node:crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NESTED_ROOT, SPIRE_SERVER, TLS_SECRET_KEYS } from '../config/spire-facts';
import { imageString } from '../config/versions';
import { addChecks } from '../build/checks';
import {
  RESTRICTED_CONTAINER, disruptionBudget, fileVolume, grant, httpProbe, imagePullPolicy, imagePullSecrets, podScheduling, podSecurityLabels, resources, restrictedPod,
} from '../build/k8s-helpers';
import { controllerManagerConfig, serverCommand, serverConf, serverEnv, serverPluginBinaries, serverSecretVolumes, serverUpstreamVolumes } from '../build/spire-configs';
import { parseDuration } from '../duration';
import { ResolvedCluster, ResolvedServer } from '../resolve/model';
import { NESTED_ROOT_NAMES, servesAgentsHere } from '../resolve/resolve';
import { serverOverridesOf } from '../config/topology';
import { SpireControllerManager } from './controller-manager';

export interface SpireServerProps {
  /** The cluster's resolved model: names, ports, settings and the agents that attest come from it. */
  readonly resolved: ResolvedCluster;
}

/**
 * SPIRE server: Namespace (restricted Pod Security), ServiceAccount, StatefulSet with the
 * spire-controller-manager sidecar, gRPC Service, `server.conf` ConfigMap and RBAC.
 */
export class SpireServer extends Construct {
  public readonly resolved: ResolvedCluster;
  public readonly controllerManager: SpireControllerManager;

  constructor(scope: Construct, id: string, props: SpireServerProps) {
    super(scope, id);
    const { resolved } = props;
    this.resolved = resolved;
    const server = resolved.server;
    const labels = server.podLabels;
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: server.namespace, labels: { ...labels, ...podSecurityLabels('restricted') } },
    });
    const annotations = server.cloud.serviceAccountAnnotations;
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: server.serviceAccountName, namespace: server.namespace, labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    });

    this.controllerManager = new SpireControllerManager(this, 'ControllerManager', { resolved });

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: server.configMapName, namespace: server.namespace, labels },
      data: { [SPIRE_SERVER.configFile]: serverConf(resolved) },
    });

    const federates = server.federates;
    new k8s.KubeService(this, 'Service', {
      metadata: { name: server.name, namespace: server.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: server.selector,
        ports: [
          { name: 'grpc', port: server.ports.service, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' },
          // Health on the Service lets the PostSync hook check readiness through normal cluster DNS.
          { name: 'healthz', port: server.ports.health, targetPort: k8s.IntOrString.fromString('healthz'), protocol: 'TCP' },
          ...(federates ? [{ name: 'federation', port: server.ports.federation, targetPort: k8s.IntOrString.fromString('federation'), protocol: 'TCP' }] : []),
        ],
      },
    });

    // The StatefulSet's governing Service must be headless: it gives each replica its stable DNS name
    // (spire-server-0.spire-server-headless...), which a ClusterIP Service does not. A Deployment has none.
    if (server.workload.kind === 'StatefulSet') new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: server.headlessServiceName, namespace: server.namespace, labels },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector: server.selector,
        ports: [{ name: 'grpc', port: server.ports.grpc, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' }],
      },
    });

    this.createRbac(server);
    this.createWorkload(server);

    if (server.disruptionBudget) {
      disruptionBudget(this, 'DisruptionBudget', {
        name: server.name, namespace: server.namespace, labels, selector: server.selector, budget: server.disruptionBudget,
      });
    }

    addChecks(this, resolved, () => this.check());
  }

  private createRbac(server: ResolvedServer): void {
    const labels = server.podLabels;
    const serviceAccount = { name: server.serviceAccountName, namespace: server.namespace };
    // k8s_psat validates agent tokens through the TokenReview API and reads their pods and nodes. Beside a manager
    // that reconciles ClusterSPIFFEIDs, the service account lists and watches every pod anyway, and the pods rule
    // stays cluster-wide as it always was; beside a manager in static manifest mode (no RBAC of its own), it is
    // narrowed to the namespaces of the agents this cluster's API serves.
    const localAgentNamespaces = [...new Set(server.attestingAgents.filter((agent) => agent.kubeConfigFile === undefined).map((agent) => agent.namespace))].sort();
    const narrowPods = this.resolved.controllerManager.staticManifests !== undefined;
    // A nested root in a management cluster reviews every agent's token in that agent's cluster (kubeconfig) and
    // publishes the bundle there: it needs no rights in its own cluster.
    const agentsHere = servesAgentsHere(server);
    if (agentsHere) grant(this, 'ClusterRole', {
      name: `${server.namespace}-spire-server`,
      labels,
      serviceAccount,
      rules: [
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: [''], resources: narrowPods ? ['nodes'] : ['pods', 'nodes'], verbs: ['get'] },
      ],
    });
    if (narrowPods) {
      for (const namespace of localAgentNamespaces) {
        grant(this, `AgentPodsRole-${namespace}`, {
          name: 'spire-server-agent-pods', namespace, labels, serviceAccount,
          rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
        });
      }
    }
    // The k8s_configmap BundlePublisher creates and updates the bundle ConfigMap with server-side apply
    // (spire pkg/server/plugin/bundlepublisher/k8sconfigmap/client.go ApplyConfigMap), which the apiserver
    // authorizes as patch, and as create while the ConfigMap does not exist; it never reads it.
    if (agentsHere) grant(this, 'BundleRole', {
      name: 'spire-server-bundle',
      namespace: server.bundle.namespace,
      labels,
      serviceAccount,
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [server.bundle.configMapName], verbs: ['patch', 'create'] }],
    });
    // At most one (lib/config/validate-upstream.ts): SPIRE loads one plugin of a name.
    for (const notifier of server.notifiers) this.grantK8sBundleNotifier(server, notifier);
    const upstream = server.settings.upstreamAuthority;
    if (upstream?.type === 'cert-manager') {
      grant(this, 'CertManagerRole', {
        name: 'spire-server-cert-manager',
        namespace: upstream.namespace,
        labels,
        serviceAccount,
        rules: [{ apiGroups: ['cert-manager.io'], resources: ['certificaterequests'], verbs: ['get', 'list', 'create', 'delete'] }],
      });
    }
  }

  /**
   * The k8sbundle Notifier (spire pkg/server/plugin/notifier/k8sbundle/k8sbundle.go): its ConfigMap, rendered
   * without data because the notifier only patches an existing one (configMapClient.GetList gets it first and
   * fails when it is missing) and the key it writes belongs to the notifier, not to Git; it reads and patches
   * that ConfigMap alone (updateBundle: Get, then a strategic merge Patch). With a label, it lists and watches the
   * webhook configurations (both kinds: newClientsForCluster builds a mutating and a validating client) or the
   * APIServices, and gets and patches those carrying the label. List, watch and patch cannot be narrowed to
   * objects the project does not know by name, so these are cluster-wide, on these resources only.
   */
  private grantK8sBundleNotifier(server: ResolvedServer, notifier: ResolvedServer['notifiers'][number]): void {
    const labels = server.podLabels;
    const serviceAccount = { name: server.serviceAccountName, namespace: server.namespace };
    new k8s.KubeConfigMap(this, 'NotifierConfigMap', { metadata: { name: notifier.configMap, namespace: notifier.namespace, labels } });
    grant(this, 'NotifierRole', {
      name: 'spire-server-k8sbundle',
      namespace: notifier.namespace,
      labels,
      serviceAccount,
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [notifier.configMap], verbs: ['get', 'patch'] }],
    });
    const rules = [
      ...(notifier.webhookLabel === undefined ? [] : [{
        apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch', 'patch'],
      }]),
      ...(notifier.apiServiceLabel === undefined ? [] : [{ apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: ['get', 'list', 'watch', 'patch'] }]),
    ];
    if (rules.length > 0) {
      grant(this, 'NotifierClusterRole', { name: `${server.namespace}-spire-server-k8sbundle`, labels, serviceAccount, rules });
    }
  }

  private createWorkload(server: ResolvedServer): void {
    const { resolved } = this;
    const { settings } = server;
    const images = resolved.images;
    const datastore = settings.datastore;
    const env = serverEnv(resolved);
    const mounts: k8s.VolumeMount[] = [
      { name: 'config', mountPath: SPIRE_SERVER.configDir, readOnly: true },
      { name: 'spire-data', mountPath: SPIRE_SERVER.dataDir },
      { name: 'server-socket', mountPath: SPIRE_SERVER.socketDir },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: server.configMapName } },
      { name: 'server-socket', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      ...this.controllerManager.volumes,
    ];
    if (!server.persistentData) volumes.push({ name: 'spire-data', emptyDir: {} });
    if (server.upstream) {
      // The root agent's Workload API socket, through the root's CSI driver: an inline CSI volume, which the
      // restricted Pod Security level admits (a hostPath it would not).
      mounts.push({ name: 'root-agent-socket', mountPath: server.upstream.socketDir, readOnly: true });
      volumes.push({ name: 'root-agent-socket', csi: { driver: server.upstream.csiDriverName, readOnly: true } });
    }
    const kubeconfigSecret = server.remoteClusters[0]?.kubeconfigSecret;
    if (kubeconfigSecret) {
      mounts.push({ name: 'remote-kubeconfigs', mountPath: NESTED_ROOT.kubeconfigDir, readOnly: true });
      volumes.push({ name: 'remote-kubeconfigs', secret: { secretName: kubeconfigSecret } });
    }
    for (const file of server.cloud.files) {
      mounts.push({ name: file.volume, mountPath: file.dir, readOnly: true });
      volumes.push(fileVolume(file));
    }
    const secretFiles = serverSecretVolumes(server);
    mounts.push(...secretFiles.mounts);
    volumes.push(...secretFiles.volumes);
    const upstreamFiles = serverUpstreamVolumes(server);
    mounts.push(...upstreamFiles.mounts);
    volumes.push(...upstreamFiles.volumes);
    // Within the server's own requests: a pod reserves the larger of its init containers' and its containers' sum.
    const plugins = serverPluginBinaries(resolved, resources(settings.resources));
    mounts.push(...plugins.mounts, ...plugins.dataMounts);
    volumes.push(...plugins.volumes, ...plugins.dataVolumes);
    if (datastore.type !== 'sqlite3' && (datastore.caConfigMap || datastore.caSecret)) {
      mounts.push({ name: 'db-ca', mountPath: SPIRE_SERVER.dbCaDir, readOnly: true });
      volumes.push(datastore.caSecret
        ? { name: 'db-ca', secret: { secretName: datastore.caSecret, items: [{ key: SPIRE_SERVER.dbCaFile, path: SPIRE_SERVER.dbCaFile }] } }
        : { name: 'db-ca', configMap: { name: datastore.caConfigMap } });
    }
    if (datastore.type !== 'sqlite3' && datastore.clientCertificateSecret) {
      mounts.push({ name: 'db-client-certificate', mountPath: SPIRE_SERVER.dbClientCertDir, readOnly: true });
      volumes.push(tlsKeyPairVolume('db-client-certificate', datastore.clientCertificateSecret));
    }
    const upstream = settings.upstreamAuthority;
    if (upstream?.type === 'vault') {
      const { vault } = SPIRE_SERVER;
      if (upstream.caCertConfigMap) {
        mounts.push({ name: 'vault-ca', mountPath: vault.caDir, readOnly: true });
        volumes.push({ name: 'vault-ca', configMap: { name: upstream.caCertConfigMap, items: [{ key: vault.caFile, path: vault.caFile }] } });
      }
      const { auth } = upstream;
      if (auth.method === 'cert') {
        mounts.push({ name: 'vault-client-certificate', mountPath: vault.clientCertDir, readOnly: true });
        volumes.push(tlsKeyPairVolume('vault-client-certificate', auth.certificateSecret));
      }
      if (auth.method === 'kubernetes') {
        // The server's own ServiceAccount, in a token only Vault accepts (its audience), renewed by the kubelet.
        mounts.push({ name: 'vault-token', mountPath: vault.tokenDir, readOnly: true });
        volumes.push({
          name: 'vault-token',
          projected: { sources: [{ serviceAccountToken: { path: vault.tokenFile, audience: auth.audience ?? vault.defaultAudience, expirationSeconds: 3600 } }] },
        });
      }
    }
    const storage = server.persistentData;

    // Rolls the pods when either config file changes.
    const checksum = createHash('sha256').update(serverConf(resolved)).update(controllerManagerConfig(resolved)).digest('hex');

    const { workload } = server;
    const template: k8s.PodTemplateSpec = {
      metadata: {
        labels: server.pod.labels,
        annotations: {
          ...server.pod.annotations,
          'kubectl.kubernetes.io/default-container': 'spire-server',
          'spire-gitops/config-checksum': checksum,
        },
      },
      spec: {
        serviceAccountName: server.serviceAccountName,
        ...podScheduling(server.pod),
        ...imagePullSecrets(resolved.imagePull),
        ...(workload.terminationGracePeriodSeconds !== undefined ? { terminationGracePeriodSeconds: workload.terminationGracePeriodSeconds } : {}),
        securityContext: restrictedPod(1000),
        ...(plugins.initContainers.length > 0 ? { initContainers: plugins.initContainers } : {}),
        containers: [
          {
            name: 'spire-server',
            image: imageString(images.spireServer),
            ...imagePullPolicy(resolved.imagePull),
            ...serverCommand(resolved, 'run', `${SPIRE_SERVER.configDir}/${SPIRE_SERVER.configFile}`),
            env,
            ports: [
              { name: 'grpc', containerPort: server.ports.grpc, protocol: 'TCP' },
              { name: 'healthz', containerPort: server.ports.health, protocol: 'TCP' },
              { name: 'metrics', containerPort: server.ports.metrics, protocol: 'TCP' },
              ...(server.federates ? [{ name: 'federation', containerPort: server.ports.federation, protocol: 'TCP' }] : []),
            ],
            livenessProbe: httpProbe(server.healthPaths.live, 'healthz', workload.probes.liveness),
            readinessProbe: httpProbe(server.healthPaths.ready, 'healthz', workload.probes.readiness),
            resources: resources(settings.resources),
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: mounts,
          },
          this.controllerManager.container,
        ],
        volumes,
      },
    };
    const metadata = { name: server.name, namespace: server.namespace, labels: server.podLabels };
    if (workload.kind === 'Deployment') {
      // Nothing of the server's state is on a volume of its own (check() refuses it otherwise): any pod may
      // replace any other, so a new one starts before an old one stops and the count never drops in a rollout.
      new k8s.KubeDeployment(this, 'Deployment', {
        metadata,
        spec: {
          ...(workload.replicas !== undefined ? { replicas: workload.replicas } : {}),
          selector: { matchLabels: server.selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
          template,
        },
      });
    } else {
      new k8s.KubeStatefulSet(this, 'StatefulSet', {
        metadata,
        spec: {
          ...(workload.replicas !== undefined ? { replicas: workload.replicas } : {}),
          serviceName: server.headlessServiceName,
          selector: { matchLabels: server.selector },
          podManagementPolicy: 'Parallel',
          template,
          volumeClaimTemplates: storage
            ? [{
              metadata: { name: 'spire-data' },
              spec: {
                accessModes: [workload.volumeAccessMode],
                resources: { requests: { storage: k8s.Quantity.fromString(storage.storageSize) } },
                ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
              },
            }]
            : undefined,
        },
      });
    }
    if (workload.autoscaling) this.createAutoscaler(server, workload.autoscaling);
  }

  /**
   * The HorizontalPodAutoscaler that owns the replica count. Its metrics are the spire-server container's
   * (ContainerResource, stable since Kubernetes 1.30), never the controller manager's beside it. The workload
   * leaves `replicas` out: Argo CD's diff is a three-way merge of the last applied manifest, the desired one
   * and the live object (argoproj/gitops-engine pkg/diff/diff.go ThreeWayDiff), so a field absent from both
   * manifests is never compared or reset; Flux's server-side apply owns only the fields its manifest sets
   * (the e2e workloads level re-applies the Deployment after a scale and checks the count is kept).
   */
  private createAutoscaler(server: ResolvedServer, autoscaling: NonNullable<ResolvedServer['workload']['autoscaling']>): void {
    const target = (resource: 'cpu' | 'memory', percent: number | undefined): k8s.MetricSpecV2[] => (percent === undefined ? [] : [{
      type: 'ContainerResource',
      containerResource: { name: resource, container: 'spire-server', target: { type: 'Utilization', averageUtilization: percent } },
    }]);
    new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
      metadata: { name: server.name, namespace: server.namespace, labels: server.podLabels },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: server.workload.kind, name: server.name },
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        metrics: [...target('cpu', autoscaling.targetCPUUtilizationPercentage), ...target('memory', autoscaling.targetMemoryUtilizationPercentage)],
      },
    });
  }

  /** The workload's kind and autoscaler against where the server keeps its state. */
  private workloadProblems() {
    const { environment, server } = this.resolved;
    const { settings, workload } = server;
    const resource = `SpireServer "${server.name}"`;
    const env = environment.name;
    const problems = [];
    const state = stateOnVolume(settings);
    if (workload.kind === 'Deployment' && state) {
      problems.push({
        resource, field: 'server.workload.kind', value: 'Deployment',
        rule: `needs every piece of the server's state off its own volume, but ${state.why} (${state.field} ${state.value})`,
        fix: `keep the StatefulSet in ${env}, or use an external datastore with a cloud KeyManager whose keyIdentifier is 'podName' (or 'memory' keys)`,
      });
    }
    const autoscaling = workload.autoscaling;
    if (autoscaling) {
      if (settings.datastore.type === 'sqlite3') {
        problems.push({
          resource, field: 'server.workload.autoscaling', value: autoscaling,
          rule: 'scales the server, but sqlite3 allows exactly one replica',
          fix: `use a postgres or mysql datastore in ${env}, or remove server.workload.autoscaling`,
        });
      }
      if (autoscaling.minReplicas < 1 || autoscaling.maxReplicas < autoscaling.minReplicas) {
        problems.push({
          resource, field: 'server.workload.autoscaling', value: { minReplicas: autoscaling.minReplicas, maxReplicas: autoscaling.maxReplicas },
          rule: 'needs minReplicas at least 1 and maxReplicas at least minReplicas',
          fix: 'set e.g. minReplicas 2 and maxReplicas 5',
        });
      } else if (settings.replicas < autoscaling.minReplicas || settings.replicas > autoscaling.maxReplicas) {
        problems.push({
          resource, field: 'server.replicas', value: settings.replicas,
          rule: `lies outside the autoscaler's range ${autoscaling.minReplicas} to ${autoscaling.maxReplicas} (the count is the autoscaler's; server.replicas is what the one-replica rules read)`,
          fix: `set server.replicas in ${env} to ${autoscaling.minReplicas}`,
        });
      }
      if (environment.production && autoscaling.minReplicas < 2) {
        problems.push({
          resource, field: 'server.workload.autoscaling.minReplicas', value: autoscaling.minReplicas,
          rule: 'must be at least 2 in a production environment: with one server, every restart stops signing',
          fix: `set minReplicas to 2 or more in ${env}`,
        });
      }
    }
    return problems;
  }

  private check() {
    const { environment, server } = this.resolved;
    const { settings } = server;
    const env = environment.name;
    const caTtl = parseDuration(settings.caTtl);
    const x509 = parseDuration(settings.defaultX509SvidTtl);
    const identityTtls = environment.identities.map((identity) => parseDuration(identity.ttl ?? '') ?? 0);
    // The agents' own X509-SVIDs count too (agent_ttl): SPIRE shortens them like any other (run.go ttlChecks).
    const agentTtl = parseDuration(settings.agentTtl ?? '') ?? 0;
    const longest = Math.max(x509 ?? 0, agentTtl, ...identityTtls);
    // Where the replica count was written: the environment's server, or the override of this server (a cluster's, or a nested root's).
    const overrides = serverOverridesOf(environment).find(({ field }) => (server.name === NESTED_ROOT_NAMES.server
      ? field.startsWith('topology.root.') : field === `clusters["${this.resolved.cluster.name}"].serverOverrides`));
    const replicasField = overrides?.overrides.replicas !== undefined ? `${overrides.field}.replicas` : 'server.replicas';
    return [
      ...this.workloadProblems(),
      settings.datastore.type === 'sqlite3' && settings.replicas !== 1
        ? {
          resource: `SpireServer "${server.name}"`, field: replicasField, value: settings.replicas,
          rule: 'sqlite3 supports exactly one server replica',
          fix: `set ${replicasField} to 1 in ${env}, or use a postgres datastore for more replicas`,
        }
        : undefined,
      settings.replicas < 1
        ? { resource: 'SpireServer "spire-server"', field: 'server.replicas', value: settings.replicas, rule: 'must be at least 1', fix: 'set server.replicas to 1 or more' }
        : undefined,
      caTtl === undefined
        ? { resource: 'SpireServer "spire-server"', field: 'server.caTtl', value: settings.caTtl, rule: 'must be a Go duration such as 24h', fix: 'write the TTL as a duration like 168h' }
        : undefined,
      x509 === undefined
        ? { resource: 'SpireServer "spire-server"', field: 'server.defaultX509SvidTtl', value: settings.defaultX509SvidTtl, rule: 'must be a Go duration such as 1h', fix: 'write the TTL as a duration like 1h' }
        : undefined,
      caTtl !== undefined && caTtl < 6 * longest
        ? {
          resource: 'SpireServer "spire-server"', field: 'server.caTtl', value: settings.caTtl,
          rule: `must be at least 6 times the longest X509-SVID TTL (${longest / 3_600_000}h), or SPIRE shortens SVIDs`,
          fix: `raise server.caTtl in ${env} to ${(6 * longest) / 3_600_000}h or more, or lower the identities' ttl`,
        }
        : undefined,
      ...server.notifiers.map((notifier) => (notifier.namespace === server.bundle.namespace && notifier.configMap === server.bundle.configMapName
        ? {
          resource: 'Notifier "k8sbundle"', field: 'server.notifiers[].configMap', value: `${notifier.namespace}/${notifier.configMap}`,
          rule: 'is the ConfigMap the k8s_configmap BundlePublisher keeps the agents\' SPIFFE bundle in: it is created and owned by the server at run '
            + 'time, and rendering it for the notifier would hand it to Git (a prune would delete the agents\' bundle)',
          fix: 'give the notifier a ConfigMap of its own, e.g. spire-bundle-pem',
        }
        : undefined)),
      server.attestingAgents.length === 0
        ? { resource: 'SpireServer "spire-server"', field: 'k8s_psat clusters', value: [], rule: 'no agents can attest', fix: 'create a SpireAgent for this server' }
        : undefined,
    ];
  }
}

/** What of the server's state is on its own volume, and why: a Deployment cannot keep it. */
function stateOnVolume(settings: ResolvedServer['settings']): { field: string; value: string; why: string } | undefined {
  const { datastore, keyManager } = settings;
  if (datastore.type === 'sqlite3') return { field: 'server.datastore.type', value: 'sqlite3', why: 'the sqlite3 database is a file in the data directory' };
  // keymanager/disk/disk.go: keys_path, a file the keys are written to.
  if (keyManager.type === 'disk') return { field: 'server.keyManager.type', value: 'disk', why: 'the disk KeyManager keeps the CA keys in a file (keys_path) in the data directory' };
  if ('keyIdentifier' in keyManager && keyManager.keyIdentifier.type === 'file') {
    return {
      field: 'server.keyManager.keyIdentifier.type', value: 'file',
      why: `the ${keyManager.type} key identifier is a file (key_identifier_file) in the data directory; a new pod would create new keys and lose the old ones`,
    };
  }
  return undefined;
}

/**
 * A kubernetes.io/tls Secret's certificate and key as files. Root-owned (the kubelet), readable by the
 * pod's fsGroup, nothing for others: lib/pq refuses a root-owned key with more than u=rw,g=r
 * (ssl_permissions.go sslKeyPermissions).
 */
function tlsKeyPairVolume(name: string, secretName: string): k8s.Volume {
  return {
    name,
    secret: {
      secretName,
      items: [{ key: TLS_SECRET_KEYS.certificate, path: TLS_SECRET_KEYS.certificate }, { key: TLS_SECRET_KEYS.privateKey, path: TLS_SECRET_KEYS.privateKey }],
      defaultMode: 0o440,
    },
  };
}
