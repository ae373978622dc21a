import { createHash } from 'node:crypto';
import { Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ServerSettings } from '../config/types';
import { ContainerCommand, SPIRE_SERVER_BIN, containerCommand, imageString } from '../config/versions';
import { ClusterContext } from '../resolve/model';
import { addChecks } from '../build/checks';
import { selectorLabels, standardLabels } from '../resolve/labels';
import { parseDuration } from '../duration';
import { RESTRICTED_CONTAINER, grant, httpProbe, podSecurityLabels, resources, restrictedPod } from '../build/k8s-helpers';
import { ServerDatastore, renderServerConf } from '../render/server-conf';
import { SpireControllerManager } from './controller-manager';

export interface SpireServerProps {
  readonly context: ClusterContext;
  /**
   * Namespace of the server, its controller manager and the OIDC discovery provider.
   * @default 'spire-server'
   */
  readonly namespace?: string;
  /**
   * Namespace the agents run in; the trust bundle ConfigMap is published there.
   * @default 'spire-system'
   */
  readonly bundleNamespace?: string;
}

/** An agent population allowed to attest to this server through k8s_psat. */
export interface AttestingAgents {
  readonly cluster: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly audience: string;
}

/** Where the server publishes the trust bundle; agents mount exactly this. */
export interface TrustBundleLocation {
  readonly namespace: string;
  readonly configMapName: string;
  readonly configMapKey: string;
  readonly format: 'spiffe';
}

const CONFIG_DIR = '/run/spire/config';
const DATA_DIR = '/run/spire/data';
const SOCKET_DIR = '/tmp/spire-server/private';
const DB_CA_DIR = '/run/spire/db-ca';
/** mysql: the password reaches the DSN through `-expandEnv` and this variable. */
const DB_PASSWORD_ENV = 'DBPW';
/** postgres: lib/pq reads the password from this variable itself. */
const PG_PASSWORD_ENV = 'PGPASSWORD';

/**
 * SPIRE server: Namespace (restricted Pod Security), ServiceAccount, StatefulSet with the
 * spire-controller-manager sidecar, gRPC Service, `server.conf` ConfigMap and RBAC.
 */
export class SpireServer extends Construct {
  public readonly context: ClusterContext;
  public readonly namespace: string;
  public readonly name = 'spire-server';
  public readonly serviceAccountName = 'spire-server';
  public readonly trustDomain: string;
  public readonly clusterName: string;
  public readonly settings: ServerSettings;
  /** The gRPC port agents connect to, on the Service. */
  public readonly servicePort = 443;
  public readonly grpcPort = 8081;
  public readonly healthPort = 8080;
  public readonly metricsPort = 9988;
  public readonly federationPort = 8443;
  public readonly healthPaths = { live: '/live', ready: '/ready' } as const;
  /** Admin API socket, shared with the controller manager on an emptyDir. */
  public readonly socketPath = `${SOCKET_DIR}/api.sock`;
  /** Audience the server accepts on agents' projected service account tokens. */
  public readonly psatAudience = 'spire-server';
  public readonly bundle: TrustBundleLocation;
  public readonly jwtIssuer?: string;
  public readonly podLabels: Record<string, string>;
  public readonly selector: Record<string, string>;
  public readonly controllerManager: SpireControllerManager;
  public readonly configMapName = 'spire-server';
  /** The headless Service that governs the StatefulSet (stable per-replica DNS names). */
  public readonly headlessServiceName = 'spire-server-headless';
  private readonly agents: AttestingAgents[] = [];

  constructor(scope: Construct, id: string, props: SpireServerProps) {
    super(scope, id);
    const { context } = props;
    this.context = context;
    this.namespace = props.namespace ?? 'spire-server';
    this.trustDomain = context.environment.trustDomain;
    this.clusterName = context.cluster.name;
    this.settings = { ...context.environment.server, ...context.cluster.serverOverrides };
    this.bundle = {
      namespace: props.bundleNamespace ?? 'spire-system',
      configMapName: 'spire-bundle',
      configMapKey: 'bundle.spiffe',
      format: 'spiffe',
    };
    const oidc = context.environment.oidcDiscovery;
    this.jwtIssuer = oidc ? `https://${oidc.domains[0]}` : undefined;
    this.podLabels = standardLabels('spire-server', 'server', context.cluster.name);
    this.selector = selectorLabels('spire-server', context.cluster.name);

    const labels = this.podLabels;
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: this.namespace, labels: { ...labels, ...podSecurityLabels('restricted') } },
    });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, namespace: this.namespace, labels },
    });

    this.controllerManager = new SpireControllerManager(this, 'ControllerManager', { server: this });

    const serverConf = Lazy.any({ produce: () => this.renderConfig() });
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.configMapName, namespace: this.namespace, labels },
      data: { 'server.conf': serverConf },
    });

    const federates = context.environment.federation.length > 0;
    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [
          { name: 'grpc', port: this.servicePort, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' },
          // Health on the Service lets the PostSync hook check readiness through normal cluster DNS.
          { name: 'healthz', port: this.healthPort, targetPort: k8s.IntOrString.fromString('healthz'), protocol: 'TCP' },
          ...(federates ? [{ name: 'federation', port: this.federationPort, targetPort: k8s.IntOrString.fromString('federation'), protocol: 'TCP' }] : []),
        ],
      },
    });

    // The StatefulSet's governing Service must be headless: it gives each replica its stable DNS name
    // (spire-server-0.spire-server-headless...), which a ClusterIP Service does not.
    new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: this.headlessServiceName, namespace: this.namespace, labels },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector: this.selector,
        ports: [{ name: 'grpc', port: this.grpcPort, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' }],
      },
    });

    this.createRbac();
    this.createStatefulSet(federates);

    if (this.settings.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector } },
      });
    }

    addChecks(this, context, () => this.check());
  }

  /** Lets agents of a cluster attest with k8s_psat. */
  public allowAgents(agents: AttestingAgents): void {
    if (this.agents.some((existing) => existing.cluster === agents.cluster)) {
      throw new Error(`cluster "${agents.cluster}" already attests to ${this.node.path}`);
    }
    this.agents.push(agents);
  }

  /**
   * The command line of a `spire-server` subcommand (`run`, `validate`) on a server.conf at `configFile`,
   * as container command/args for the server image: derived from the image's ENTRYPOINT, never spelled
   * by hand (`spire-server` CLI: cmd/spire-server/cli/run/run.go parseFlags, shared by validate).
   */
  public serverCommand(subcommand: 'run' | 'validate', configFile: string): ContainerCommand {
    return containerCommand(this.context.images.spireServer, [SPIRE_SERVER_BIN, subcommand, ...this.configFlags(configFile)]);
  }

  /** Flags that point spire-server at a config file, with `-expandEnv` when the file reads the environment. */
  public configFlags(configFile: string): string[] {
    return [...(this.settings.datastore.type === 'mysql' ? ['-expandEnv'] : []), '-config', configFile];
  }

  /** The environment a server container (or one validating its config) needs: the database password. */
  public get datastoreEnv(): k8s.EnvVar[] {
    const { datastore } = this.settings;
    if (datastore.type === 'sqlite3') return [];
    const name = datastore.type === 'postgres' ? PG_PASSWORD_ENV : DB_PASSWORD_ENV;
    return [{ name, valueFrom: { secretKeyRef: { name: datastore.passwordSecret.name, key: datastore.passwordSecret.key } } }];
  }

  /**
   * The postgres sslmode: as configured, else verify-full in production environments and require
   * elsewhere.
   */
  public get databaseSslMode(): 'require' | 'verify-ca' | 'verify-full' | undefined {
    const { datastore } = this.settings;
    if (datastore.type !== 'postgres') return undefined;
    return datastore.sslMode ?? (this.context.environment.production ? 'verify-full' : 'require');
  }

  /** DNS name agents and hooks use to reach the server Service. */
  public get serviceHost(): string {
    return `${this.name}.${this.namespace}.svc`;
  }

  public renderConfig(): string {
    const { settings } = this;
    return renderServerConf({
      trustDomain: this.trustDomain,
      bindPort: this.grpcPort,
      dataDir: DATA_DIR,
      socketPath: this.socketPath,
      logLevel: settings.logLevel,
      logFormat: settings.logFormat,
      caTtl: settings.caTtl,
      caKeyType: settings.caKeyType,
      caSubject: settings.caSubject,
      defaultX509SvidTtl: settings.defaultX509SvidTtl,
      defaultJwtSvidTtl: settings.defaultJwtSvidTtl,
      jwtIssuer: this.jwtIssuer,
      datastore: this.datastoreOptions(),
      keyManager: settings.keyManager.type === 'disk' ? { type: 'disk', keysPath: `${DATA_DIR}/keys.json` } : { type: 'memory' },
      upstreamAuthority: settings.upstreamAuthority,
      psatClusters: this.agents.map((agents) => ({
        name: agents.cluster,
        serviceAccountAllowList: [`${agents.namespace}:${agents.serviceAccount}`],
        audience: [agents.audience],
      })),
      bundle: {
        cluster: this.clusterName,
        namespace: this.bundle.namespace,
        configMapName: this.bundle.configMapName,
        configMapKey: this.bundle.configMapKey,
        format: this.bundle.format,
      },
      health: { port: this.healthPort, livePath: this.healthPaths.live, readyPath: this.healthPaths.ready },
      prometheusPort: this.metricsPort,
      federation: this.context.environment.federation.length > 0
        ? { bundleEndpointPort: this.federationPort }
        : undefined,
    });
  }

  private datastoreOptions(): ServerDatastore {
    const { datastore } = this.settings;
    if (datastore.type === 'sqlite3') return { type: 'sqlite3', path: `${DATA_DIR}/datastore.sqlite3` };
    const database = {
      host: datastore.host,
      port: datastore.port,
      database: datastore.database,
      user: datastore.user,
      rootCertPath: datastore.caConfigMap ? `${DB_CA_DIR}/ca.crt` : undefined,
      maxOpenConns: datastore.maxOpenConns,
      maxIdleConns: datastore.maxIdleConns,
    };
    return datastore.type === 'postgres'
      ? { ...database, type: 'postgres', sslMode: this.databaseSslMode! }
      : { ...database, type: 'mysql', passwordEnv: DB_PASSWORD_ENV };
  }

  private get needsPersistentData(): boolean {
    return this.settings.datastore.type === 'sqlite3' || this.settings.keyManager.type === 'disk';
  }

  private createRbac(): void {
    const labels = this.podLabels;
    const serviceAccount = { name: this.serviceAccountName, namespace: this.namespace };
    grant(this, 'ClusterRole', {
      name: `${this.namespace}-spire-server`,
      labels,
      serviceAccount,
      rules: [
        // k8s_psat validates agent tokens through the TokenReview API and reads their pods and nodes.
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] },
      ],
    });
    // The k8s_configmap BundlePublisher creates and updates the bundle ConfigMap with server-side apply
    // (spire pkg/server/plugin/bundlepublisher/k8sconfigmap/client.go ApplyConfigMap), which the apiserver
    // authorizes as patch, and as create while the ConfigMap does not exist; it never reads it.
    grant(this, 'BundleRole', {
      name: 'spire-server-bundle',
      namespace: this.bundle.namespace,
      labels,
      serviceAccount,
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [this.bundle.configMapName], verbs: ['patch', 'create'] }],
    });
    const upstream = this.settings.upstreamAuthority;
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

  private createStatefulSet(federates: boolean): void {
    const { settings } = this;
    const images = this.context.images;
    const datastore = settings.datastore;
    const env = this.datastoreEnv;
    const mounts: k8s.VolumeMount[] = [
      { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'spire-data', mountPath: DATA_DIR },
      { name: 'server-socket', mountPath: SOCKET_DIR },
      { name: 'tmp', mountPath: '/tmp' },
    ];
    const volumes: k8s.Volume[] = [
      { name: 'config', configMap: { name: this.configMapName } },
      { name: 'server-socket', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      ...this.controllerManager.volumes,
    ];
    if (!this.needsPersistentData) volumes.push({ name: 'spire-data', emptyDir: {} });
    if (datastore.type !== 'sqlite3' && datastore.caConfigMap) {
      mounts.push({ name: 'db-ca', mountPath: DB_CA_DIR, readOnly: true });
      volumes.push({ name: 'db-ca', configMap: { name: datastore.caConfigMap } });
    }
    const storage = settings.keyManager.type === 'disk' ? settings.keyManager : datastore.type === 'sqlite3' ? datastore : undefined;

    const checksum = Lazy.any({
      produce: () => createHash('sha256').update(this.renderConfig()).update(this.controllerManager.renderConfig()).digest('hex'),
    });

    new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { name: this.name, namespace: this.namespace, labels: this.podLabels },
      spec: {
        replicas: settings.replicas,
        serviceName: this.headlessServiceName,
        selector: { matchLabels: this.selector },
        podManagementPolicy: 'Parallel',
        template: {
          metadata: {
            labels: this.podLabels,
            annotations: {
              'kubectl.kubernetes.io/default-container': 'spire-server',
              // Rolls the pods when either config file changes.
              'spire-gitops/config-checksum': checksum,
            },
          },
          spec: {
            serviceAccountName: this.serviceAccountName,
            priorityClassName: 'system-cluster-critical',
            securityContext: restrictedPod(1000),
            containers: [
              {
                name: 'spire-server',
                image: imageString(images.spireServer),
                ...this.serverCommand('run', `${CONFIG_DIR}/server.conf`),
                env,
                ports: [
                  { name: 'grpc', containerPort: this.grpcPort, protocol: 'TCP' },
                  { name: 'healthz', containerPort: this.healthPort, protocol: 'TCP' },
                  { name: 'metrics', containerPort: this.metricsPort, protocol: 'TCP' },
                  ...(federates ? [{ name: 'federation', containerPort: this.federationPort, protocol: 'TCP' }] : []),
                ],
                livenessProbe: httpProbe(this.healthPaths.live, 'healthz', { initialDelaySeconds: 15, periodSeconds: 60, failureThreshold: 2 }),
                readinessProbe: httpProbe(this.healthPaths.ready, 'healthz', { initialDelaySeconds: 5, periodSeconds: 5 }),
                resources: resources(settings.resources),
                securityContext: RESTRICTED_CONTAINER,
                volumeMounts: mounts,
              },
              this.controllerManager.container,
            ],
            volumes,
          },
        },
        volumeClaimTemplates: storage && 'storageSize' in storage
          ? [{
            metadata: { name: 'spire-data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: k8s.Quantity.fromString(storage.storageSize) } },
              ...(storage.storageClass ? { storageClassName: storage.storageClass } : {}),
            },
          }]
          : undefined,
      },
    });
  }

  private check() {
    const { settings, context } = this;
    const env = context.environment.name;
    const caTtl = parseDuration(settings.caTtl);
    const x509 = parseDuration(settings.defaultX509SvidTtl);
    const identityTtls = context.environment.identities.map((identity) => parseDuration(identity.ttl ?? '') ?? 0);
    const longest = Math.max(x509 ?? 0, ...identityTtls);
    return [
      settings.datastore.type === 'sqlite3' && settings.replicas !== 1
        ? {
          resource: 'SpireServer "spire-server"', field: 'server.replicas', value: settings.replicas,
          rule: 'sqlite3 supports exactly one server replica',
          fix: `set server.replicas to 1 in ${env}, or use a postgres datastore for more replicas`,
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
      this.agents.length === 0
        ? { resource: 'SpireServer "spire-server"', field: 'k8s_psat clusters', value: [], rule: 'no agents can attest', fix: 'create a SpireAgent for this server' }
        : undefined,
    ];
  }
}
