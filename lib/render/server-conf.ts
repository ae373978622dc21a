import { LogFormat, LogLevel } from '../config/types';
import { HealthListener } from './hcl';
import { connectionString } from './libpq';
import { HclAttribute, HclBlock, HclBody, healthChecks, plugin, renderHcl, telemetry, TelemetrySinks } from './hcl';
import type { ResolvedK8sBundleNotifier } from '../resolve/model';

interface ServerDatabase {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /** CA bundle that verifies the database server's certificate. */
  readonly rootCertPath?: string;
  /** Client certificate and key the server authenticates to the database with. */
  readonly clientCertPath?: string;
  readonly clientKeyPath?: string;
  readonly maxOpenConns: number;
  readonly maxIdleConns: number;
  /** RDS IAM authentication in this region: database_type aws_postgres / aws_mysql, no password. */
  readonly iamAuthRegion?: string;
  /** conn_max_lifetime, a Go duration; none: no limit. */
  readonly connMaxLifetime?: string;
  readonly disableMigration?: boolean;
  /**
   * ro_connection_string: the same database on another host, with the primary's TLS settings. `passwordEnv` is the variable
   * `-expandEnv` substitutes for its password; none: postgres uses PGPASSWORD like the primary, IAM authentication none.
   */
  readonly readReplica?: { readonly host: string; readonly port: number; readonly user: string; readonly passwordEnv?: string };
}

export type ServerDatastore =
  | { readonly type: 'sqlite3'; readonly path: string }
  /** The password is not in the string: lib/pq reads it from the PGPASSWORD environment variable. */
  | ServerDatabase & { readonly type: 'postgres'; readonly sslMode: string }
  /** `passwordEnv`: the environment variable that holds the password, expanded by `-expandEnv`; none with IAM authentication. */
  | ServerDatabase & { readonly type: 'mysql'; readonly passwordEnv?: string };

/** Azure app-registration credentials; the secret is an environment variable that `-expandEnv` substitutes. */
export interface AzureAppCredentials {
  readonly tenantId: string;
  readonly subscriptionId: string;
  readonly appId: string;
  readonly appSecretEnv: string;
}

/** key_identifier_file or key_identifier_value: exactly one (both plugins' buildConfig refuse neither and both). */
export type KeyIdentifier = { readonly file: string } | { readonly value: string };

export type ServerKeyManager =
  | { readonly type: 'disk'; readonly keysPath: string }
  | { readonly type: 'memory' }
  | {
    readonly type: 'gcp_kms';
    readonly keyRing: string;
    readonly keyIdentifier: KeyIdentifier;
    readonly keyPolicyFile?: string;
    /** None: Application Default Credentials (Workload Identity). */
    readonly serviceAccountFile?: string;
  }
  | {
    readonly type: 'azure_key_vault';
    readonly keyVaultUri: string;
    readonly keyIdentifier: KeyIdentifier;
    /** None: DefaultAzureCredential (Workload Identity). */
    readonly appCredentials?: AzureAppCredentials;
  }
  | {
    readonly type: 'aws_kms';
    readonly region: string;
    readonly keyIdentifier: KeyIdentifier;
    readonly keyPolicyFile?: string;
    readonly tagBasedKeyDiscovery?: boolean;
  };

export type ServerUpstreamAuthority =
  | { readonly type: 'cert-manager'; readonly issuerName: string; readonly issuerKind: string; readonly issuerGroup: string; readonly namespace: string }
  | { readonly type: 'gcp_cas'; readonly projectName: string; readonly regionName: string; readonly caPool: string; readonly labelKey: string; readonly labelValue: string }
  /**
   * Another SPIRE server of the trust domain signs this one's CA (a nested topology's root), through the
   * Workload API socket of an agent of that server, which gives this server its X509-SVID.
   */
  | { readonly type: 'spire'; readonly serverAddress: string; readonly serverPort: number; readonly workloadApiSocket: string }
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
  }
  | VaultUpstream
  /** upstreamauthority/disk/disk.go Configuration: files from Secret volumes; none bundleFilePath: a self-signed CA. */
  | { readonly type: 'disk'; readonly certFilePath: string; readonly keyFilePath: string; readonly bundleFilePath?: string }
  /** upstreamauthority/ejbca/ejbca.go Config: the mTLS client files and EJBCA's CA as paths, never their content. */
  | {
    readonly type: 'ejbca';
    readonly hostname: string;
    readonly caName: string;
    readonly endEntityProfileName: string;
    readonly certificateProfileName: string;
    readonly endEntityName?: string;
    readonly accountBindingId?: string;
    readonly clientCertPath: string;
    readonly clientCertKeyPath: string;
    readonly caCertPath?: string;
  };

/** notifier/k8sbundle/k8sbundle.go cluster: every key written, so SPIRE's defaults never decide silently. */
export type ServerK8sBundleNotifier = ResolvedK8sBundleNotifier;

export type ServerNodeAttestor =
  | {
    readonly type: 'gcp_iit';
    readonly projectIdAllowList: readonly string[];
    readonly agentPathTemplate: string;
    readonly useInstanceMetadata?: boolean;
    readonly allowedLabelKeys?: readonly string[];
    readonly allowedMetadataKeys?: readonly string[];
    readonly maxMetadataValueSize?: number;
    readonly serviceAccountFile?: string;
  }
  | {
    readonly type: 'azure_msi';
    /** Without appCredentials a tenant's selectors are resolved with DefaultAzureCredential. */
    readonly tenants: readonly { readonly tenantId: string; readonly resourceId?: string; readonly appCredentials?: Omit<AzureAppCredentials, 'tenantId'> }[];
  }
  /** nodeattestor/awsiid/iid.go IIDAttestorConfig. */
  | {
    readonly type: 'aws_iid';
    readonly assumeRole?: string;
    readonly skipBlockDevice?: boolean;
    readonly disableInstanceProfileSelectors?: boolean;
    readonly agentPathTemplate?: string;
    readonly accountIdsForLocalValidation?: readonly string[];
    readonly partition?: string;
    /** nodeattestor/awsiid/organization.go orgValidationConfig. */
    readonly verifyOrganization?: {
      readonly managementAccountId: string;
      readonly assumeOrgRole: string;
      readonly managementAccountRegion?: string;
      readonly orgAccountMapTtl?: string;
    };
  }
  /** Tokens are made with `spire-server token generate`; the plugin takes no options. */
  | { readonly type: 'join_token' }
  /** external_pki mode: the CA bundle is a file; none agentPathTemplate: SPIRE's `/x509pop/<fingerprint>`. */
  | {
    readonly type: 'x509pop';
    readonly caBundlePath: string;
    readonly agentPathTemplate?: string;
    readonly maxIntermediates?: number;
    readonly maxRsaKeySize?: number;
  }
  /** An external plugin (spire-tpm-plugin pkg/server/server.go Config): SPIRE starts `pluginCmd` if its sha256 is `pluginChecksum`. */
  | {
    readonly type: 'tpm_direct';
    readonly pluginName: string;
    readonly pluginCmd: string;
    readonly pluginChecksum: string;
    readonly caPath?: string;
    readonly hashPath?: string;
  }
  /** nodeattestor/httpchallenge/httpchallenge.go Config: none of the optional keys means SPIRE's default. */
  | {
    readonly type: 'http_challenge';
    readonly allowedDnsPatterns: readonly string[];
    readonly requiredPort?: number;
    readonly allowNonRootPorts?: boolean;
    readonly tofu?: boolean;
  };

export type ServerBundlePublisher =
  | {
    readonly type: 'gcp_cloudstorage';
    readonly bucketName: string;
    readonly objectName: string;
    readonly format: 'spiffe' | 'jwks' | 'pem';
    readonly serviceAccountFile?: string;
  }
  | { readonly type: 'aws_s3'; readonly region: string; readonly bucket: string; readonly objectKey: string; readonly format: 'spiffe' | 'jwks' | 'pem'; readonly endpoint?: string }
  | { readonly type: 'aws_rolesanywhere_trustanchor'; readonly region: string; readonly trustAnchorId: string };

/** Credentials are never here: the token and AppRole IDs come from the environment, the rest from files. */
export interface VaultUpstream {
  readonly type: 'vault';
  readonly vaultAddr: string;
  readonly pkiMountPoint?: string;
  readonly namespace?: string;
  readonly caCertPath?: string;
  readonly insecureSkipVerify?: boolean;
  readonly auth:
  | { readonly method: 'token' }
  | { readonly method: 'cert'; readonly clientCertPath: string; readonly clientKeyPath: string; readonly roleName?: string; readonly mountPoint?: string }
  | { readonly method: 'approle'; readonly mountPoint?: string }
  | { readonly method: 'kubernetes'; readonly roleName: string; readonly tokenPath: string; readonly mountPoint?: string };
}

/** UpstreamAuthority vault: one auth block, credentials from the environment or files. */
function vaultUpstreamAuthority(options: VaultUpstream): HclBlock {
  const { auth } = options;
  // One auth block: the plugin refuses none or two (pkg/server/common/vault/configuration.go ParseAuthMethod).
  // An empty token_auth/approle_auth block selects the method; GenClientParams takes the values from the
  // environment (VAULT_TOKEN, VAULT_APPROLE_ID, VAULT_APPROLE_SECRET_ID) before the config.
  const authBlock: HclBlock = auth.method === 'token' ? { block: 'token_auth', body: [] }
    : auth.method === 'approle' ? { block: 'approle_auth', body: [['approle_auth_mount_point', auth.mountPoint]] }
      : auth.method === 'cert' ? {
        block: 'cert_auth',
        body: [
          ['cert_auth_mount_point', auth.mountPoint],
          ['cert_auth_role_name', auth.roleName],
          ['client_cert_path', auth.clientCertPath],
          ['client_key_path', auth.clientKeyPath],
        ],
      } : {
        block: 'k8s_auth',
        body: [['k8s_auth_mount_point', auth.mountPoint], ['k8s_auth_role_name', auth.roleName], ['token_path', auth.tokenPath]],
      };
  return plugin('UpstreamAuthority', 'vault', [
    ['vault_addr', options.vaultAddr],
    ['pki_mount_point', options.pkiMountPoint],
    ['namespace', options.namespace],
    ['ca_cert_path', options.caCertPath],
    ['insecure_skip_verify', options.insecureSkipVerify],
    authBlock,
  ]);
}

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
  /** NodeAttestors beside k8s_psat (the clusters' agents on gcp_iit, VM agents on azure_msi). */
  readonly nodeAttestors?: readonly ServerNodeAttestor[];
  /** BundlePublishers beside the agents' k8s_configmap one. */
  readonly bundlePublishers?: readonly ServerBundlePublisher[];
  readonly notifiers?: readonly ServerK8sBundleNotifier[];
  /** k8s_psat: one entry per cluster whose agents attest to this server. */
  readonly psatClusters: readonly {
    readonly name: string;
    readonly serviceAccountAllowList: readonly string[];
    readonly audience: readonly string[];
    /** A cluster the server does not run in: the kubeconfig it reviews that cluster's tokens with. */
    readonly kubeConfigFile?: string;
    /** Label keys of the agent's Node and pod that become agent selectors; none: none. */
    readonly allowedNodeLabelKeys?: readonly string[];
    readonly allowedPodLabelKeys?: readonly string[];
  }[];
  /** Where the trust bundle is published for agents (BundlePublisher k8s_configmap). */
  readonly bundle: {
    /** The cluster the server runs in; none when no agent runs there (a nested root in a management cluster). */
    readonly cluster?: string;
    readonly namespace: string;
    readonly configMapName: string;
    readonly configMapKey: string;
    readonly format: 'spiffe' | 'pem';
    /** Clusters the server does not run in that get the same ConfigMap, each through its kubeconfig. */
    readonly remote?: readonly { readonly cluster: string; readonly kubeconfigPath: string }[];
  };
  readonly health: HealthListener;
  readonly telemetry?: TelemetrySinks;
  /**
   * Serve this trust domain's bundle to federation partners. Which partners it federates with is declared
   * once, as ClusterFederatedTrustDomain objects the controller manager reconciles: a `federates_with`
   * block here would override them (static relationships override dynamic ones: SPIRE
   * doc/spire_server.md, federation), so deleting the object in Git would not end the federation.
   */
  readonly federation?: { readonly bundleEndpointPort: number; readonly profile: BundleEndpointServingProfile };
  /** agent_ttl; none: the agents' SVIDs live defaultX509SvidTtl. */
  readonly agentTtl?: string;
  /** admin_ids: SPIFFE IDs granted admin rights whatever their entries say. */
  readonly adminIds?: readonly string[];
  readonly auditLog?: boolean;
  /** The ratelimit block; a key left out keeps SPIRE's default (on). */
  readonly rateLimit?: { readonly attestation?: boolean; readonly signing?: boolean };
  readonly pruneAttestedNodes?: { readonly expiredFor: string; readonly includeTofu?: boolean; readonly batchSize?: number };
  readonly maxAttestedNodeInfoStaleness?: string;
  /** CredentialComposer plugins, all built into SPIRE and without options. */
  readonly credentialComposers?: readonly 'uniqueid'[];
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

const envReference = (name: string) => `\${${name}}`;

/*
 * Pool and schema keys of the sql DataStore, shared by both connections (SPIRE
 * pkg/server/datastore/sqlstore/sqlstore.go configuration and openDB: conn_max_lifetime is parsed with
 * time.ParseDuration; disable_migration is read by migrateDB on the read-write connection only).
 */
function poolAndSchema(options: ServerDatabase): HclBody {
  return [
    ['max_open_conns', options.maxOpenConns],
    ['max_idle_conns', options.maxIdleConns],
    ['conn_max_lifetime', options.connMaxLifetime],
    ['disable_migration', options.disableMigration],
  ];
}

function datastore(options: ServerDatastore): HclBlock {
  if (options.type === 'sqlite3') {
    return plugin('DataStore', 'sql', [['database_type', 'sqlite3'], ['connection_string', options.path]]);
  }
  if (options.type === 'mysql') {
    // go-sql-driver DSN; `tls=custom` makes SPIRE verify the server with root_ca_path. RDS IAM tokens are
    // sent in clear text inside TLS, which the driver allows only when told (SPIRE
    // doc/plugin_server_datastore_sql.md, aws_mysql sample).
    const iam = options.iamAuthRegion !== undefined;
    const tls = options.rootCertPath ? ['tls=custom'] : iam ? ['tls=true'] : [];
    const params = ['parseTime=true', ...(iam ? ['allowCleartextPasswords=1'] : []), ...tls].join('&');
    const dsn = (user: string, passwordEnv: string | undefined, host: string, port: number) =>
      `${user}:${passwordEnv === undefined ? '' : envReference(passwordEnv)}@tcp(${host}:${port})/${options.database}?${params}`;
    const replica = options.readReplica;
    return plugin('DataStore', 'sql', [
      databaseType('mysql', options.iamAuthRegion),
      ['connection_string', dsn(options.user, options.passwordEnv, options.host, options.port)],
      // The replica is reached with the same TLS settings: configureConnection applies root_ca_path and the client pair to both.
      ['ro_connection_string', replica ? dsn(replica.user, replica.passwordEnv, replica.host, replica.port) : undefined],
      ['root_ca_path', options.rootCertPath],
      // Read by SPIRE itself (pkg/server/datastore/sqlstore/mysql.go configureConnection), only as a pair.
      ['client_cert_path', options.clientCertPath],
      ['client_key_path', options.clientKeyPath],
      ...poolAndSchema(options),
    ]);
  }
  // No password here: inside the string it would need quoting that a value substituted at run time
  // cannot get. lib/pq takes it from PGPASSWORD (connector.go Config.fromEnv).
  const libpq = (user: string, host: string, port: number) => connectionString([
    ['dbname', options.database],
    ['user', user],
    ['host', host],
    ['port', port],
    ['sslmode', options.sslMode],
    ['sslrootcert', options.rootCertPath],
    // lib/pq reads these itself (ssl.go sslClientCertificates); SPIRE passes the string on untouched.
    ['sslcert', options.clientCertPath],
    ['sslkey', options.clientKeyPath],
  ]);
  const replica = options.readReplica;
  // PGPASSWORD serves every connection of the process; a replica password of its own must be in its string,
  // single-quoted for lib/pq (conn.go parseOpts), so only `'` and `\` in it would still be read differently.
  const replicaConnection = replica && `${libpq(replica.user, replica.host, replica.port)}${replica.passwordEnv ? ` password='${envReference(replica.passwordEnv)}'` : ''}`;
  return plugin('DataStore', 'sql', [
    databaseType('postgres', options.iamAuthRegion),
    ['connection_string', libpq(options.user, options.host, options.port)],
    ['ro_connection_string', replicaConnection],
    ...poolAndSchema(options),
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

function keyIdentifier(identifier: KeyIdentifier): HclBody {
  return 'file' in identifier ? [['key_identifier_file', identifier.file]] : [['key_identifier_value', identifier.value]];
}

/*
 * Keys as the plugins' Config structs of SPIRE v1.15.2 name them: keymanager/gcpkms/gcpkms.go Config,
 * keymanager/azurekeyvault/azure_key_vault.go Config (tenant_id, subscription_id, app_id and app_secret
 * together, or none: Configure then uses DefaultAzureCredential).
 */
function keyManager(options: ServerKeyManager): HclBlock {
  switch (options.type) {
    case 'disk': return plugin('KeyManager', 'disk', [['keys_path', options.keysPath]]);
    case 'memory': return plugin('KeyManager', 'memory', []);
    case 'gcp_kms': return plugin('KeyManager', 'gcp_kms', [
      ['key_ring', options.keyRing],
      ...keyIdentifier(options.keyIdentifier),
      ['key_policy_file', options.keyPolicyFile],
      ['service_account_file', options.serviceAccountFile],
    ]);
    case 'azure_key_vault': return plugin('KeyManager', 'azure_key_vault', [
      ['key_vault_uri', options.keyVaultUri],
      ...keyIdentifier(options.keyIdentifier),
      ['tenant_id', options.appCredentials?.tenantId],
      ['subscription_id', options.appCredentials?.subscriptionId],
      ['app_id', options.appCredentials?.appId],
      ['app_secret', options.appCredentials ? envReference(options.appCredentials.appSecretEnv) : undefined],
    ]);
    // keymanager/awskms/awskms.go Config; no access_key_id/secret_access_key: the AWS SDK finds IRSA or the Secret's variables itself.
    case 'aws_kms': return plugin('KeyManager', 'aws_kms', [
      ['region', options.region],
      ...keyIdentifier(options.keyIdentifier),
      ['key_policy_file', options.keyPolicyFile],
      ['enable_tag_based_key_discovery', options.tagBasedKeyDiscovery],
    ]);
  }
}

/** upstreamauthority/certmanager and upstreamauthority/gcpcas/gcpcas.go Configuration (a root_cert_spec block). */
function upstreamAuthority(options: ServerUpstreamAuthority): HclBlock {
  if (options.type === 'vault') return vaultUpstreamAuthority(options);
  if (options.type === 'spire') {
    // server_port is a string in the plugin's configuration (spire pkg/server/plugin/upstreamauthority/spire/spire.go, Configuration).
    return plugin('UpstreamAuthority', 'spire', [
      ['server_address', options.serverAddress],
      ['server_port', String(options.serverPort)],
      ['workload_api_socket', options.workloadApiSocket],
    ]);
  }
  if (options.type === 'cert-manager') {
    return plugin('UpstreamAuthority', 'cert-manager', [
      ['issuer_name', options.issuerName],
      ['issuer_kind', options.issuerKind],
      ['issuer_group', options.issuerGroup],
      ['namespace', options.namespace],
    ]);
  }
  if (options.type === 'aws_pca') {
    // upstreamauthority/awspca/pca.go Configuration.
    return plugin('UpstreamAuthority', 'aws_pca', [
      ['region', options.region],
      ['certificate_authority_arn', options.certificateAuthorityArn],
      ['signing_algorithm', options.signingAlgorithm],
      ['ca_signing_template_arn', options.caSigningTemplateArn],
      ['assume_role_arn', options.assumeRoleArn],
      ['supplemental_bundle_path', options.supplementalBundlePath],
    ]);
  }
  if (options.type === 'disk') {
    return plugin('UpstreamAuthority', 'disk', [
      ['cert_file_path', options.certFilePath],
      ['key_file_path', options.keyFilePath],
      ['bundle_file_path', options.bundleFilePath],
    ]);
  }
  if (options.type === 'ejbca') {
    return plugin('UpstreamAuthority', 'ejbca', [
      ['hostname', options.hostname],
      ['ca_name', options.caName],
      ['end_entity_profile_name', options.endEntityProfileName],
      ['certificate_profile_name', options.certificateProfileName],
      ['end_entity_name', options.endEntityName],
      ['account_binding_id', options.accountBindingId],
      ['client_cert_path', options.clientCertPath],
      ['client_cert_key_path', options.clientCertKeyPath],
      ['ca_cert_path', options.caCertPath],
    ]);
  }
  if (options.type === 'awssecret') {
    // upstreamauthority/awssecret/awssecret.go Configuration.
    return plugin('UpstreamAuthority', 'awssecret', [
      ['region', options.region],
      ['cert_file_arn', options.certFileArn],
      ['key_file_arn', options.keyFileArn],
      ['bundle_file_arn', options.bundleFileArn],
      ['assume_role_arn', options.assumeRoleArn],
    ]);
  }
  return plugin('UpstreamAuthority', 'gcp_cas', [{
    block: 'root_cert_spec',
    body: [
      ['project_name', options.projectName],
      ['region_name', options.regionName],
      ['ca_pool', options.caPool],
      ['label_key', options.labelKey],
      ['label_value', options.labelValue],
    ],
  }]);
}

/**
 * nodeattestor/gcpiit/iit.go IITAttestorConfig, nodeattestor/awsiid/iid.go IIDAttestorConfig, nodeattestor/azuremsi/msi.go
 * MSIAttestorConfig (tenants keyed by tenant ID), nodeattestor/jointoken/join_token.go (no keys), nodeattestor/x509pop/x509pop.go Config.
 */
function nodeAttestor(options: ServerNodeAttestor): HclBlock {
  if (options.type === 'join_token') return plugin('NodeAttestor', 'join_token', []);
  if (options.type === 'x509pop') {
    return plugin('NodeAttestor', 'x509pop', [
      ['ca_bundle_path', options.caBundlePath],
      ['agent_path_template', options.agentPathTemplate],
      ['max_intermediates', options.maxIntermediates],
      ['max_rsa_key_size', options.maxRsaKeySize],
    ]);
  }
  if (options.type === 'tpm_direct') {
    // pkg/common/catalog/config.go: plugin_cmd makes it external, plugin_checksum is its sha256 (external.go buildSecureConfig).
    return {
      block: 'NodeAttestor',
      labels: [options.pluginName],
      body: [
        ['plugin_cmd', options.pluginCmd],
        ['plugin_checksum', options.pluginChecksum],
        { block: 'plugin_data', body: [['ca_path', options.caPath], ['hash_path', options.hashPath]] },
      ],
    };
  }
  if (options.type === 'http_challenge') {
    return plugin('NodeAttestor', 'http_challenge', [
      ['allowed_dns_patterns', [...options.allowedDnsPatterns]],
      ['required_port', options.requiredPort],
      ['allow_non_root_ports', options.allowNonRootPorts],
      ['tofu', options.tofu],
    ]);
  }
  if (options.type === 'gcp_iit') {
    return plugin('NodeAttestor', 'gcp_iit', [
      ['projectid_allow_list', [...options.projectIdAllowList]],
      ['agent_path_template', options.agentPathTemplate],
      ['use_instance_metadata', options.useInstanceMetadata],
      ['allowed_label_keys', options.allowedLabelKeys ? [...options.allowedLabelKeys] : undefined],
      ['allowed_metadata_keys', options.allowedMetadataKeys ? [...options.allowedMetadataKeys] : undefined],
      ['max_metadata_value_size', options.maxMetadataValueSize],
      ['service_account_file', options.serviceAccountFile],
    ]);
  }
  if (options.type === 'aws_iid') {
    return plugin('NodeAttestor', 'aws_iid', [
      ['assume_role', options.assumeRole],
      ['skip_block_device', options.skipBlockDevice],
      ['disable_instance_profile_selectors', options.disableInstanceProfileSelectors],
      ['agent_path_template', options.agentPathTemplate],
      ['account_ids_for_local_validation', options.accountIdsForLocalValidation ? [...options.accountIdsForLocalValidation] : undefined],
      ['partition', options.partition],
      options.verifyOrganization ? {
        block: 'verify_organization',
        body: [
          ['management_account_id', options.verifyOrganization.managementAccountId],
          ['assume_org_role', options.verifyOrganization.assumeOrgRole],
          ['management_account_region', options.verifyOrganization.managementAccountRegion],
          ['org_account_map_ttl', options.verifyOrganization.orgAccountMapTtl],
        ],
      } : undefined,
    ]);
  }
  const tenants = Object.fromEntries(options.tenants.map((tenant) => [tenant.tenantId, Object.fromEntries(Object.entries({
    resource_id: tenant.resourceId,
    subscription_id: tenant.appCredentials?.subscriptionId,
    app_id: tenant.appCredentials?.appId,
    app_secret: tenant.appCredentials ? envReference(tenant.appCredentials.appSecretEnv) : undefined,
  }).filter((entry): entry is [string, string] => entry[1] !== undefined))]));
  return plugin('NodeAttestor', 'azure_msi', [['tenants', tenants]]);
}

/** bundlepublisher/gcpcloudstorage/gcpcloudstorage.go, awss3/awss3.go and awsrolesanywhere/awsrolesanywhere.go Config. */
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
  if (options.type === 'aws_rolesanywhere_trustanchor') {
    return plugin('BundlePublisher', 'aws_rolesanywhere_trustanchor', [['region', options.region], ['trust_anchor_id', options.trustAnchorId]]);
  }
  return plugin('BundlePublisher', 'gcp_cloudstorage', [
    ['service_account_file', options.serviceAccountFile],
    ['bucket_name', options.bucketName],
    ['object_name', options.objectName],
    ['format', options.format],
  ]);
}

/** The root cluster's keys only (no `clusters` list): the notifier talks to the apiserver it runs beside, with its ServiceAccount. */
function notifier(options: ServerK8sBundleNotifier): HclBlock {
  return plugin('Notifier', 'k8sbundle', [
    ['namespace', options.namespace],
    ['config_map', options.configMap],
    ['config_map_key', options.configMapKey],
    ['webhook_label', options.webhookLabel],
    ['api_service_label', options.apiServiceLabel],
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
    // cmd/spire-server/cli/run/run.go serverConfig and NewServerConfig: admin_ids are parsed as SPIFFE IDs,
    // agent_ttl, prune_attested_nodes_expired_for and max_attested_node_info_staleness as Go durations; the
    // prune keys take effect only with expired_for set. None of them is experimental.
    ['admin_ids', options.adminIds ? [...options.adminIds] : undefined],
    ['agent_ttl', options.agentTtl],
    ['audit_log_enabled', options.auditLog],
    ['prune_attested_nodes_expired_for', options.pruneAttestedNodes?.expiredFor],
    ['prune_tofu_nodes', options.pruneAttestedNodes?.includeTofu],
    ['prune_attested_nodes_batch_size', options.pruneAttestedNodes?.batchSize],
    ['max_attested_node_info_staleness', options.maxAttestedNodeInfoStaleness],
    options.rateLimit ? { block: 'ratelimit', body: [['attestation', options.rateLimit.attestation], ['signing', options.rateLimit.signing]] } : undefined,
    options.federation ? federation(options.federation) : undefined,
  ];

  const clusters = Object.fromEntries(options.psatClusters.map((cluster) => [cluster.name, {
    service_account_allow_list: [...cluster.serviceAccountAllowList],
    audience: [...cluster.audience],
    ...(cluster.kubeConfigFile ? { kube_config_file: cluster.kubeConfigFile } : {}),
    ...(cluster.allowedNodeLabelKeys ? { allowed_node_label_keys: [...cluster.allowedNodeLabelKeys] } : {}),
    ...(cluster.allowedPodLabelKeys ? { allowed_pod_label_keys: [...cluster.allowedPodLabelKeys] } : {}),
  }]));
  const bundleTarget = (kubeconfigPath?: string) => ({
    configmap_name: options.bundle.configMapName,
    configmap_key: options.bundle.configMapKey,
    namespace: options.bundle.namespace,
    format: options.bundle.format,
    ...(kubeconfigPath ? { kubeconfig_path: kubeconfigPath } : {}),
  });

  const plugins: HclBody = [
    datastore(options.datastore),
    plugin('NodeAttestor', 'k8s_psat', [['clusters', clusters]]),
    ...(options.nodeAttestors ?? []).map(nodeAttestor),
    keyManager(options.keyManager),
    options.upstreamAuthority ? upstreamAuthority(options.upstreamAuthority) : undefined,
    plugin('BundlePublisher', 'k8s_configmap', [['clusters', {
      ...(options.bundle.cluster === undefined ? {} : { [options.bundle.cluster]: bundleTarget() }),
      ...Object.fromEntries((options.bundle.remote ?? []).map((remote) => [remote.cluster, bundleTarget(remote.kubeconfigPath)])),
    }]]),
    ...(options.bundlePublishers ?? []).map(bundlePublisher),
    ...(options.notifiers ?? []).map(notifier),
    // pkg/server/plugin/credentialcomposer/uniqueid/plugin.go: built in, no configuration.
    ...(options.credentialComposers ?? []).map((name) => plugin('CredentialComposer', name, [])),
  ];

  return renderHcl([
    { block: 'server', body: server },
    { block: 'plugins', body: plugins },
    healthChecks(options.health),
    telemetry(options.telemetry ?? {}),
  ]);
}
