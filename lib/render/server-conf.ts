import { LogFormat, LogLevel } from '../config/types';
import { HealthListener } from './hcl';
import { connectionString } from './libpq';
import { HclBlock, HclBody, healthChecks, plugin, prometheusTelemetry, renderHcl } from './hcl';

interface ServerDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** CA bundle that verifies the database server's certificate. */
  readonly rootCertPath?: string;
  readonly maxOpenConns: number;
  readonly maxIdleConns: number;
}

export type ServerDatastore =
  | { readonly type: 'sqlite3'; readonly path: string }
  /** The password is not in the string: lib/pq reads it from the PGPASSWORD environment variable. */
  | ServerDatabase & { readonly type: 'postgres'; readonly sslMode: string }
  /** `passwordEnv`: the environment variable that holds the password, expanded by `-expandEnv`. */
  | ServerDatabase & { readonly type: 'mysql'; readonly passwordEnv: string };

export interface ServerConfOptions {
  readonly trustDomain: string;
  readonly bindPort: number;
  readonly dataDir: string;
  /** Admin API socket; the controller manager talks to it. */
  readonly socketPath: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly caTtl: string;
  readonly caKeyType: string;
  readonly caSubject: { readonly country: string; readonly organization: string; readonly commonName: string };
  readonly defaultX509SvidTtl: string;
  readonly defaultJwtSvidTtl: string;
  readonly jwtIssuer?: string;
  readonly datastore: ServerDatastore;
  readonly keyManager: { readonly type: 'disk'; readonly keysPath: string } | { readonly type: 'memory' };
  readonly upstreamAuthority?: {
    readonly type: 'cert-manager';
    readonly issuerName: string;
    readonly issuerKind: string;
    readonly issuerGroup: string;
    readonly namespace: string;
  };
  /** k8s_psat: one entry per cluster whose agents attest to this server. */
  readonly psatClusters: readonly {
    readonly name: string;
    readonly serviceAccountAllowList: readonly string[];
    readonly audience: readonly string[];
    /** A remote cluster: the kubeconfig with which its agents' tokens are reviewed; none: the server's own cluster. */
    readonly kubeConfigFile?: string;
  }[];
  /** Where the trust bundle is published for agents (BundlePublisher k8s_configmap). */
  readonly bundle: {
    readonly cluster: string;
    readonly namespace: string;
    readonly configMapName: string;
    readonly configMapKey: string;
    readonly format: 'spiffe' | 'pem';
  };
  readonly health: HealthListener;
  readonly prometheusPort?: number;
  /**
   * Serve this trust domain's bundle to federation partners. Which partners it federates with is declared
   * once, as ClusterFederatedTrustDomain objects the controller manager reconciles: a `federates_with`
   * block here would override them (static relationships override dynamic ones: SPIRE
   * doc/spire_server.md, federation), so deleting the object in Git would not end the federation.
   */
  readonly federation?: { readonly bundleEndpointPort: number; readonly profile: BundleEndpointServingProfile };
}

/**
 * How the bundle endpoint authenticates to partners: with the server's own X509-SVID (`https_spiffe`),
 * or with a Web PKI certificate read from files (`https_web` serving_cert_file), which SPIRE loads at
 * start and reloads when their modification time changes (spire pkg/common/diskcertmanager/cert_manager.go
 * New and syncCertificateFiles, watched from pkg/server/endpoints/config.go).
 */
export type BundleEndpointServingProfile =
  | { readonly type: 'https_spiffe' }
  | { readonly type: 'https_web'; readonly certFilePath: string; readonly keyFilePath: string; readonly fileSyncInterval: string };

function datastore(options: ServerDatastore): HclBlock {
  if (options.type === 'sqlite3') {
    return plugin('DataStore', 'sql', [['database_type', 'sqlite3'], ['connection_string', options.path]]);
  }
  if (options.type === 'mysql') {
    const password = `\${${options.passwordEnv}}`;
    // go-sql-driver DSN; `tls=custom` makes SPIRE verify the server with root_ca_path.
    const params = ['parseTime=true', ...(options.rootCertPath ? ['tls=custom'] : [])].join('&');
    return plugin('DataStore', 'sql', [
      ['database_type', 'mysql'],
      ['connection_string', `${options.user}:${password}@tcp(${options.host}:${options.port})/${options.database}?${params}`],
      ['root_ca_path', options.rootCertPath],
      ['max_open_conns', options.maxOpenConns],
      ['max_idle_conns', options.maxIdleConns],
    ]);
  }
  // No password here: inside the string it would need quoting that a value substituted at run time
  // cannot get. lib/pq takes it from PGPASSWORD (connector.go Config.fromEnv).
  const connection = connectionString([
    ['dbname', options.database],
    ['user', options.user],
    ['host', options.host],
    ['port', options.port],
    ['sslmode', options.sslMode],
    ['sslrootcert', options.rootCertPath],
  ]);
  return plugin('DataStore', 'sql', [
    ['database_type', 'postgres'],
    ['connection_string', connection],
    ['max_open_conns', options.maxOpenConns],
    ['max_idle_conns', options.maxIdleConns],
  ]);
}

function servingProfile(profile: BundleEndpointServingProfile): HclBlock {
  if (profile.type === 'https_spiffe') return { block: 'profile', labels: ['https_spiffe'], body: [] };
  return {
    block: 'profile',
    labels: ['https_web'],
    body: [{
      block: 'serving_cert_file',
      // file_sync_interval is always written: SPIRE parses it with time.ParseDuration, which refuses an empty
      // string (cmd/spire-server/cli/run/run.go configToDiskCertManager).
      body: [['cert_file_path', profile.certFilePath], ['key_file_path', profile.keyFilePath], ['file_sync_interval', profile.fileSyncInterval]],
    }],
  };
}

function federation(options: NonNullable<ServerConfOptions['federation']>): HclBlock {
  return {
    block: 'federation',
    body: [
      {
        block: 'bundle_endpoint',
        // The profile is explicit: a bundle endpoint without one is deprecated and will become fatal.
        body: [['address', '0.0.0.0'], ['port', options.bundleEndpointPort], ['refresh_hint', '5m'], servingProfile(options.profile)],
      },
    ],
  };
}

/** Renders SPIRE server's `server.conf` (HCL). Pure: the same options always give the same text. */
export function renderServerConf(options: ServerConfOptions): string {
  const server: HclBody = [
    ['bind_address', '0.0.0.0'],
    ['bind_port', String(options.bindPort)],
    ['trust_domain', options.trustDomain],
    ['data_dir', options.dataDir],
    ['socket_path', options.socketPath],
    ['log_level', options.logLevel],
    ['log_format', options.logFormat],
    ['ca_key_type', options.caKeyType],
    ['ca_ttl', options.caTtl],
    ['default_x509_svid_ttl', options.defaultX509SvidTtl],
    ['default_jwt_svid_ttl', options.defaultJwtSvidTtl],
    ['jwt_issuer', options.jwtIssuer],
    {
      block: 'ca_subject',
      body: [
        ['country', [options.caSubject.country]],
        ['organization', [options.caSubject.organization]],
        ['common_name', options.caSubject.commonName],
      ],
    },
    options.federation ? federation(options.federation) : undefined,
  ];

  const clusters = Object.fromEntries(options.psatClusters.map((cluster) => [cluster.name, {
    service_account_allow_list: [...cluster.serviceAccountAllowList],
    audience: [...cluster.audience],
    ...(cluster.kubeConfigFile ? { kube_config_file: cluster.kubeConfigFile } : {}),
  }]));

  const plugins: HclBody = [
    datastore(options.datastore),
    plugin('NodeAttestor', 'k8s_psat', [['clusters', clusters]]),
    options.keyManager.type === 'disk'
      ? plugin('KeyManager', 'disk', [['keys_path', options.keyManager.keysPath]])
      : plugin('KeyManager', 'memory', []),
    options.upstreamAuthority
      ? plugin('UpstreamAuthority', 'cert-manager', [
        ['issuer_name', options.upstreamAuthority.issuerName],
        ['issuer_kind', options.upstreamAuthority.issuerKind],
        ['issuer_group', options.upstreamAuthority.issuerGroup],
        ['namespace', options.upstreamAuthority.namespace],
      ])
      : undefined,
    plugin('BundlePublisher', 'k8s_configmap', [['clusters', {
      [options.bundle.cluster]: {
        configmap_name: options.bundle.configMapName,
        configmap_key: options.bundle.configMapKey,
        namespace: options.bundle.namespace,
        format: options.bundle.format,
      },
    }]]),
  ];

  return renderHcl([
    { block: 'server', body: server },
    { block: 'plugins', body: plugins },
    healthChecks(options.health),
    prometheusTelemetry(options.prometheusPort),
  ]);
}
