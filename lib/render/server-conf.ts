import { LogFormat, LogLevel } from '../config/types';
import { HealthListener } from './hcl';
import { connectionString } from './libpq';
import { HclAttribute, HclBlock, HclBody, healthChecks, plugin, prometheusTelemetry, renderHcl } from './hcl';

interface ServerDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** CA bundle that verifies the database server's certificate. */
  readonly rootCertPath?: string;
  readonly maxOpenConns: number;
  readonly maxIdleConns: number;
  /** RDS IAM authentication in this region: database_type aws_postgres / aws_mysql, no password. */
  readonly iamAuthRegion?: string;
}

export type ServerDatastore =
  | { readonly type: 'sqlite3'; readonly path: string }
  /** The password is not in the string: lib/pq reads it from the PGPASSWORD environment variable. */
  | ServerDatabase & { readonly type: 'postgres'; readonly sslMode: string }
  /** `passwordEnv`: the environment variable that holds the password, expanded by `-expandEnv`; none with IAM authentication. */
  | ServerDatabase & { readonly type: 'mysql'; readonly passwordEnv?: string };

export type ServerKeyManager =
  | { readonly type: 'disk'; readonly keysPath: string }
  | { readonly type: 'memory' }
  /** Exactly one of keyIdentifierFile and keyIdentifierValue. */
  | {
    readonly type: 'aws_kms';
    readonly region: string;
    readonly keyIdentifierFile?: string;
    readonly keyIdentifierValue?: string;
    readonly keyPolicyFile?: string;
    readonly tagBasedKeyDiscovery?: boolean;
  };

export type ServerUpstreamAuthority =
  | {
    readonly type: 'cert-manager';
    readonly issuerName: string;
    readonly issuerKind: string;
    readonly issuerGroup: string;
    readonly namespace: string;
  }
  | {
    readonly type: 'aws_pca';
    readonly region: string;
    readonly certificateAuthorityArn: string;
    readonly signingAlgorithm?: string;
    readonly caSigningTemplateArn?: string;
    readonly assumeRoleArn?: string;
    readonly supplementalBundlePath?: string;
  }
  | {
    readonly type: 'awssecret';
    readonly region: string;
    readonly certFileArn: string;
    readonly keyFileArn: string;
    readonly bundleFileArn?: string;
    readonly assumeRoleArn?: string;
  };

/** NodeAttestor aws_iid's options on the server (SPIRE pkg/server/plugin/nodeattestor/awsiid/iid.go IIDAttestorConfig). */
export interface ServerAwsIid {
  readonly assumeRole?: string;
  readonly skipBlockDevice?: boolean;
  readonly disableInstanceProfileSelectors?: boolean;
  readonly agentPathTemplate?: string;
  readonly accountIdsForLocalValidation?: readonly string[];
  readonly partition?: string;
}

/** BundlePublishers beside the k8s_configmap one agents read. */
export type ServerBundlePublisher =
  | { readonly type: 'aws_s3'; readonly region: string; readonly bucket: string; readonly objectKey: string; readonly format: string; readonly endpoint?: string }
  | { readonly type: 'aws_rolesanywhere_trustanchor'; readonly region: string; readonly trustAnchorId: string };

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
  readonly keyManager: ServerKeyManager;
  readonly upstreamAuthority?: ServerUpstreamAuthority;
  /** Also accept agents attesting with their EC2 instance identity document. */
  readonly awsIid?: ServerAwsIid;
  readonly bundlePublishers?: readonly ServerBundlePublisher[];
  /** k8s_psat: one entry per cluster whose agents attest to this server. */
  readonly psatClusters: readonly {
    readonly name: string;
    readonly serviceAccountAllowList: readonly string[];
    readonly audience: readonly string[];
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
  readonly federation?: { readonly bundleEndpointPort: number };
}

function datastore(options: ServerDatastore): HclBlock {
  if (options.type === 'sqlite3') {
    return plugin('DataStore', 'sql', [['database_type', 'sqlite3'], ['connection_string', options.path]]);
  }
  if (options.type === 'mysql') {
    const password = options.passwordEnv === undefined ? '' : `\${${options.passwordEnv}}`;
    // go-sql-driver DSN; `tls=custom` makes SPIRE verify the server with root_ca_path. RDS IAM tokens are
    // sent in clear text inside TLS, which the driver allows only when told (SPIRE
    // doc/plugin_server_datastore_sql.md, aws_mysql sample).
    const iam = options.iamAuthRegion !== undefined;
    const tls = options.rootCertPath ? ['tls=custom'] : iam ? ['tls=true'] : [];
    const params = ['parseTime=true', ...(iam ? ['allowCleartextPasswords=1'] : []), ...tls].join('&');
    return plugin('DataStore', 'sql', [
      databaseType('mysql', options.iamAuthRegion),
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
    databaseType('postgres', options.iamAuthRegion),
    ['connection_string', connection],
    ['max_open_conns', options.maxOpenConns],
    ['max_idle_conns', options.maxIdleConns],
  ]);
}

/**
 * `database_type = "postgres"`, or with RDS IAM authentication the block form `database_type "aws_postgres"
 * { region = ... }` (SPIRE pkg/server/datastore/sqlstore/sqlstore.go, parseDatabaseTypeASTNode and awsConfig).
 */
function databaseType(engine: 'postgres' | 'mysql', iamAuthRegion: string | undefined): HclAttribute | HclBlock {
  return iamAuthRegion === undefined
    ? ['database_type', engine]
    : { block: 'database_type', labels: [`aws_${engine}`], body: [['region', iamAuthRegion]] };
}

function keyManager(options: ServerKeyManager): HclBlock {
  if (options.type === 'disk') return plugin('KeyManager', 'disk', [['keys_path', options.keysPath]]);
  if (options.type === 'memory') return plugin('KeyManager', 'memory', []);
  // No access_key_id/secret_access_key: the AWS SDK finds IRSA or the Secret's env vars itself.
  return plugin('KeyManager', 'aws_kms', [
    ['region', options.region],
    ['key_identifier_file', options.keyIdentifierFile],
    ['key_identifier_value', options.keyIdentifierValue],
    ['key_policy_file', options.keyPolicyFile],
    ['enable_tag_based_key_discovery', options.tagBasedKeyDiscovery],
  ]);
}

function upstreamAuthority(options: ServerUpstreamAuthority): HclBlock {
  switch (options.type) {
    case 'cert-manager':
      return plugin('UpstreamAuthority', 'cert-manager', [
        ['issuer_name', options.issuerName],
        ['issuer_kind', options.issuerKind],
        ['issuer_group', options.issuerGroup],
        ['namespace', options.namespace],
      ]);
    case 'aws_pca':
      return plugin('UpstreamAuthority', 'aws_pca', [
        ['region', options.region],
        ['certificate_authority_arn', options.certificateAuthorityArn],
        ['signing_algorithm', options.signingAlgorithm],
        ['ca_signing_template_arn', options.caSigningTemplateArn],
        ['assume_role_arn', options.assumeRoleArn],
        ['supplemental_bundle_path', options.supplementalBundlePath],
      ]);
    case 'awssecret':
      return plugin('UpstreamAuthority', 'awssecret', [
        ['region', options.region],
        ['cert_file_arn', options.certFileArn],
        ['key_file_arn', options.keyFileArn],
        ['bundle_file_arn', options.bundleFileArn],
        ['assume_role_arn', options.assumeRoleArn],
      ]);
  }
}

function awsIid(options: ServerAwsIid): HclBlock {
  return plugin('NodeAttestor', 'aws_iid', [
    ['assume_role', options.assumeRole],
    ['skip_block_device', options.skipBlockDevice],
    ['disable_instance_profile_selectors', options.disableInstanceProfileSelectors],
    ['agent_path_template', options.agentPathTemplate],
    ['account_ids_for_local_validation', options.accountIdsForLocalValidation ? [...options.accountIdsForLocalValidation] : undefined],
    ['partition', options.partition],
  ]);
}

function bundlePublisher(options: ServerBundlePublisher): HclBlock {
  if (options.type === 'aws_s3') {
    return plugin('BundlePublisher', 'aws_s3', [
      ['region', options.region],
      ['bucket', options.bucket],
      ['object_key', options.objectKey],
      ['format', options.format],
      ['endpoint', options.endpoint],
    ]);
  }
  return plugin('BundlePublisher', 'aws_rolesanywhere_trustanchor', [['region', options.region], ['trust_anchor_id', options.trustAnchorId]]);
}

function federation(options: NonNullable<ServerConfOptions['federation']>): HclBlock {
  return {
    block: 'federation',
    body: [
      {
        block: 'bundle_endpoint',
        // The profile is explicit: a bundle endpoint without one is deprecated and will become fatal.
        body: [['address', '0.0.0.0'], ['port', options.bundleEndpointPort], ['refresh_hint', '5m'], { block: 'profile', labels: ['https_spiffe'], body: [] }],
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
  }]));

  const plugins: HclBody = [
    datastore(options.datastore),
    plugin('NodeAttestor', 'k8s_psat', [['clusters', clusters]]),
    // The server takes any number of NodeAttestors and picks one by the agent's attestation type
    // (SPIRE pkg/server/catalog/nodeattestor.go Constraints: ZeroOrMore).
    options.awsIid ? awsIid(options.awsIid) : undefined,
    keyManager(options.keyManager),
    options.upstreamAuthority ? upstreamAuthority(options.upstreamAuthority) : undefined,
    plugin('BundlePublisher', 'k8s_configmap', [['clusters', {
      [options.bundle.cluster]: {
        configmap_name: options.bundle.configMapName,
        configmap_key: options.bundle.configMapKey,
        namespace: options.bundle.namespace,
        format: options.bundle.format,
      },
    }]]),
    ...(options.bundlePublishers ?? []).map(bundlePublisher),
  ];

  return renderHcl([
    { block: 'server', body: server },
    { block: 'plugins', body: plugins },
    healthChecks(options.health),
    prometheusTelemetry(options.prometheusPort),
  ]);
}
