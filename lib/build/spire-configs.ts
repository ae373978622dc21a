import { k8s } from 'cdk8s-plus-28';
import { SPIRE_AGENT, SPIRE_HEALTH_PATHS, SPIRE_SERVER, SPIRE_SERVER_BIN, TLS_SECRET_KEYS } from '../config/spire-facts';
import { ContainerCommand, containerCommand, imageString } from '../config/versions';
import { RESTRICTED_CONTAINER, imagePullPolicy } from './k8s-helpers';
import { renderAgentConf } from '../render/agent-conf';
import { renderControllerManagerConfig } from '../render/controller-manager-config';
import {
  BundleEndpointServingProfile, KeyIdentifier as RenderedKeyIdentifier, ServerBundlePublisher, ServerDatastore, ServerKeyManager, ServerNodeAttestor, ServerUpstreamAuthority, renderServerConf,
} from '../render/server-conf';
import { AgentConfOptions } from '../render/agent-conf';
import { GCP_IIT_AGENT_PATH_TEMPLATE, X509POP_AGENT_PATH_TEMPLATE } from '../resolve/cloud';
import { servesAgentsHere } from '../resolve/resolve';
import { AgentK8sWorkloadAttestor, KeyIdentifier } from '../config/types';
import { ResolvedCluster } from '../resolve/model';
import { keyIdentifiedByPodName } from '../resolve/workloads';

/*
 * The SPIRE config files and command lines of one cluster, from its resolved model alone: every
 * construct that needs one (the server, the PreSync validation hook, the config checksum) gets the same
 * text from here.
 */

function datastoreOptions(resolved: ResolvedCluster): ServerDatastore {
  const { datastore } = resolved.server.settings;
  if (datastore.type === 'sqlite3') return { type: 'sqlite3', path: `${SPIRE_SERVER.dataDir}/${SPIRE_SERVER.sqliteFile}` };
  const database = {
    host: datastore.host,
    port: datastore.port,
    database: datastore.database,
    user: datastore.user,
    rootCertPath: datastore.caConfigMap || datastore.caSecret ? `${SPIRE_SERVER.dbCaDir}/${SPIRE_SERVER.dbCaFile}` : undefined,
    clientCertPath: datastore.clientCertificateSecret ? `${SPIRE_SERVER.dbClientCertDir}/${TLS_SECRET_KEYS.certificate}` : undefined,
    clientKeyPath: datastore.clientCertificateSecret ? `${SPIRE_SERVER.dbClientCertDir}/${TLS_SECRET_KEYS.privateKey}` : undefined,
    maxOpenConns: datastore.maxOpenConns,
    maxIdleConns: datastore.maxIdleConns,
    iamAuthRegion: datastore.iamAuth?.region,
    connMaxLifetime: datastore.connMaxLifetime,
    disableMigration: datastore.disableMigration,
    readReplica: datastore.readReplica && {
      host: datastore.readReplica.host,
      port: datastore.readReplica.port ?? datastore.port,
      user: datastore.readReplica.user ?? datastore.user,
      // Its own Secret's variable; else the primary's: postgres reads PGPASSWORD itself, mysql needs it in the DSN.
      passwordEnv: resolved.server.datastoreReadOnlyPasswordEnv ?? (datastore.type === 'mysql' ? resolved.server.datastorePasswordEnv : undefined),
    },
  };
  return datastore.type === 'postgres'
    ? { ...database, type: 'postgres', sslMode: resolved.server.databaseSslMode! }
    : { ...database, type: 'mysql', passwordEnv: resolved.server.datastorePasswordEnv };
}

function keyIdentifier(identifier: KeyIdentifier): RenderedKeyIdentifier {
  switch (identifier.type) {
    case 'file': return { file: `${SPIRE_SERVER.dataDir}/${SPIRE_SERVER.keyIdentifierFile}` };
    // Expanded by `-expandEnv` (cmd/spire-server/cli/run/run.go ParseConfig) before the plugin sees it.
    case 'podName': return { value: `\${${SPIRE_SERVER.env.podName}}` };
    case 'value': return { value: identifier.value };
  }
}

function keyManagerOptions(resolved: ResolvedCluster): ServerKeyManager {
  const { settings, cloud } = resolved.server;
  const keyManager = settings.keyManager;
  switch (keyManager.type) {
    case 'disk': return { type: 'disk', keysPath: `${SPIRE_SERVER.dataDir}/${SPIRE_SERVER.keysFile}` };
    case 'memory': return { type: 'memory' };
    case 'gcp_kms': return {
      type: 'gcp_kms',
      keyRing: keyManager.keyRing,
      keyIdentifier: keyIdentifier(keyManager.keyIdentifier),
      keyPolicyFile: keyManager.keyPolicy ? `${SPIRE_SERVER.keyPolicyDir}/${SPIRE_SERVER.keyPolicyFile}` : undefined,
      serviceAccountFile: cloud.gcpServiceAccountFile,
    };
    // No access_key_id/secret_access_key: the AWS SDK finds IRSA or the Secret's variables itself.
    case 'aws_kms': return {
      type: 'aws_kms',
      region: keyManager.region,
      keyIdentifier: keyIdentifier(keyManager.keyIdentifier),
      keyPolicyFile: keyManager.keyPolicy ? `${SPIRE_SERVER.keyPolicyDir}/${SPIRE_SERVER.keyPolicyFile}` : undefined,
      tagBasedKeyDiscovery: keyManager.tagBasedKeyDiscovery,
    };
    case 'azure_key_vault': {
      const azure = settings.cloudCredentials?.azure;
      return {
        type: 'azure_key_vault',
        keyVaultUri: keyManager.keyVaultUri,
        keyIdentifier: keyIdentifier(keyManager.keyIdentifier),
        appCredentials: azure?.type === 'app-secret' && cloud.azureAppSecretEnv
          ? { tenantId: azure.tenantId, subscriptionId: azure.subscriptionId, appId: azure.appId, appSecretEnv: cloud.azureAppSecretEnv }
          : undefined,
      };
    }
  }
}

/** The agents' k8s_psat label keys that become selectors, the same for every cluster whose agents attest here. */
function psatLabelKeys(resolved: ResolvedCluster): { allowedNodeLabelKeys?: readonly string[]; allowedPodLabelKeys?: readonly string[] } {
  const attestor = resolved.agent.settings.nodeAttestor;
  if (attestor?.type !== 'k8s_psat') return {};
  return { allowedNodeLabelKeys: attestor.allowedNodeLabelKeys, allowedPodLabelKeys: attestor.allowedPodLabelKeys };
}

/** NodeAttestors beside k8s_psat: the agents' own, when it is not k8s_psat, and those for VM agents. */
function nodeAttestorOptions(resolved: ResolvedCluster): ServerNodeAttestor[] {
  const { settings, cloud } = resolved.server;
  const attestors: ServerNodeAttestor[] = [];
  const agents = resolved.agent.settings.nodeAttestor;
  if (agents?.type === 'gcp_iit') {
    attestors.push({
      type: 'gcp_iit',
      projectIdAllowList: agents.projectIdAllowList,
      agentPathTemplate: GCP_IIT_AGENT_PATH_TEMPLATE,
      useInstanceMetadata: agents.useInstanceMetadata,
      allowedLabelKeys: agents.allowedLabelKeys,
      allowedMetadataKeys: agents.allowedMetadataKeys,
      maxMetadataValueSize: agents.maxMetadataValueSize,
      serviceAccountFile: agents.useInstanceMetadata ? cloud.gcpServiceAccountFile : undefined,
    });
  }
  const caBundlePath = `${SPIRE_SERVER.x509popCaDir}/${SPIRE_SERVER.x509popCaFile}`;
  if (agents?.type === 'x509pop') {
    attestors.push({
      type: 'x509pop', caBundlePath, agentPathTemplate: X509POP_AGENT_PATH_TEMPLATE, maxIntermediates: agents.maxIntermediates, maxRsaKeySize: agents.maxRsaKeySize,
    });
  }
  for (const attestor of settings.vmNodeAttestors ?? []) {
    if (attestor.type === 'aws_iid') {
      const { type, ...options } = attestor;
      attestors.push({ type, ...options });
      continue;
    }
    if (attestor.type === 'join_token') {
      attestors.push({ type: 'join_token' });
      continue;
    }
    if (attestor.type === 'x509pop') {
      const { type, caBundleConfigMap, ...options } = attestor;
      attestors.push({ type, caBundlePath, ...options });
      continue;
    }
    if (attestor.type === 'http_challenge') {
      const { type, ...options } = attestor;
      attestors.push({ type, ...options });
      continue;
    }
    if (attestor.type === 'tpm_direct') {
      attestors.push({
        type: 'tpm_direct',
        pluginName: SPIRE_SERVER.tpmPluginName,
        pluginCmd: `${SPIRE_SERVER.tpmPluginDir}/${SPIRE_SERVER.tpmPluginFile}`,
        pluginChecksum: attestor.pluginChecksum,
        caPath: attestor.caConfigMap ? SPIRE_SERVER.tpmCaDir : undefined,
        hashPath: attestor.hashesConfigMap ? SPIRE_SERVER.tpmHashDir : undefined,
      });
      continue;
    }
    attestors.push({
      type: 'azure_msi',
      tenants: attestor.tenants.map((tenant) => {
        const secretEnv = cloud.azureMsiAppSecretEnv?.[tenant.tenantId];
        return {
          tenantId: tenant.tenantId,
          resourceId: tenant.resourceId,
          appCredentials: tenant.appCredentials && secretEnv
            ? { subscriptionId: tenant.appCredentials.subscriptionId, appId: tenant.appCredentials.appId, appSecretEnv: secretEnv }
            : undefined,
        };
      }),
    });
  }
  return attestors;
}

function bundlePublisherOptions(resolved: ResolvedCluster): ServerBundlePublisher[] {
  const { settings, cloud } = resolved.server;
  return (settings.bundlePublishers ?? []).map((publisher) => (publisher.type === 'gcp_cloudstorage'
    ? { ...publisher, serviceAccountFile: cloud.gcpServiceAccountFile } : publisher));
}

/** The UpstreamAuthority as the server reads it: credentials as files and environment variables (serverUpstreamEnv). */
function upstreamOptions(resolved: ResolvedCluster): ServerUpstreamAuthority | undefined {
  const upstream = resolved.server.settings.upstreamAuthority;
  if (upstream === undefined || upstream.type === 'cert-manager' || upstream.type === 'gcp_cas' || upstream.type === 'awssecret') return upstream;
  if (upstream.type === 'disk') {
    const { upstreamDisk } = SPIRE_SERVER;
    return {
      type: 'disk',
      certFilePath: `${upstreamDisk.caDir}/${upstreamDisk.certFile}`,
      keyFilePath: `${upstreamDisk.caDir}/${upstreamDisk.keyFile}`,
      bundleFilePath: upstream.bundle ? `${upstreamDisk.bundleDir}/${upstreamDisk.bundleFile}` : undefined,
    };
  }
  if (upstream.type === 'ejbca') {
    const { ejbca } = SPIRE_SERVER;
    return {
      type: 'ejbca',
      hostname: upstream.hostname,
      caName: upstream.caName,
      endEntityProfileName: upstream.endEntityProfileName,
      certificateProfileName: upstream.certificateProfileName,
      endEntityName: upstream.endEntityName,
      accountBindingId: upstream.accountBindingId,
      clientCertPath: `${ejbca.clientDir}/${ejbca.certFile}`,
      clientCertKeyPath: `${ejbca.clientDir}/${ejbca.keyFile}`,
      caCertPath: upstream.caCert ? `${ejbca.caDir}/${ejbca.caFile}` : undefined,
    };
  }
  if (upstream.type === 'aws_pca') {
    const { supplementalBundle, ...pca } = upstream;
    return { ...pca, supplementalBundlePath: supplementalBundle ? `${SPIRE_SERVER.awsPcaBundleDir}/${SPIRE_SERVER.awsPcaBundleFile}` : undefined };
  }
  const { vault } = SPIRE_SERVER;
  const { auth } = upstream;
  return {
    type: 'vault',
    vaultAddr: upstream.vaultAddr,
    pkiMountPoint: upstream.pkiMountPoint,
    namespace: upstream.namespace,
    caCertPath: upstream.caCertConfigMap ? `${vault.caDir}/${vault.caFile}` : undefined,
    insecureSkipVerify: upstream.insecureSkipVerify,
    auth: auth.method === 'token' ? { method: 'token' }
      : auth.method === 'approle' ? { method: 'approle', mountPoint: auth.mountPoint }
        : auth.method === 'cert' ? {
          method: 'cert',
          clientCertPath: `${vault.clientCertDir}/${TLS_SECRET_KEYS.certificate}`,
          clientKeyPath: `${vault.clientCertDir}/${TLS_SECRET_KEYS.privateKey}`,
          roleName: auth.roleName,
          mountPoint: auth.mountPoint,
        } : { method: 'kubernetes', roleName: auth.roleName, mountPoint: auth.mountPoint, tokenPath: `${vault.tokenDir}/${vault.tokenFile}` },
  };
}

/** The server's `server.conf`. */
/** The DogStatsD listeners server and agents send metrics to, as the estate gives them. */
function dogStatsdAddresses(resolved: ResolvedCluster): string[] {
  return (resolved.environment.monitoring.dogStatsd ?? []).map((sink) => sink.address);
}

export function serverConf(resolved: ResolvedCluster): string {
  const { server } = resolved;
  const { settings } = server;
  return renderServerConf({
    trustDomain: resolved.trustDomain,
    bindPort: server.ports.grpc,
    dataDir: SPIRE_SERVER.dataDir,
    socketPath: server.socketPath,
    logLevel: settings.logLevel,
    logFormat: settings.logFormat,
    caTtl: settings.caTtl,
    caKeyType: settings.caKeyType,
    caSubject: settings.caSubject,
    defaultX509SvidTtl: settings.defaultX509SvidTtl,
    defaultJwtSvidTtl: settings.defaultJwtSvidTtl,
    jwtIssuer: server.jwtIssuer,
    datastore: datastoreOptions(resolved),
    keyManager: keyManagerOptions(resolved),
    upstreamAuthority: server.upstream
      ? { type: 'spire', serverAddress: server.upstream.serverAddress, serverPort: server.upstream.serverPort, workloadApiSocket: server.upstream.socketPath }
      : upstreamOptions(resolved),
    nodeAttestors: nodeAttestorOptions(resolved),
    bundlePublishers: bundlePublisherOptions(resolved),
    notifiers: server.notifiers,
    psatClusters: server.attestingAgents.map((agents) => ({
      name: agents.cluster,
      serviceAccountAllowList: [`${agents.namespace}:${agents.serviceAccount}`],
      audience: [agents.audience],
      kubeConfigFile: agents.kubeConfigFile,
      ...psatLabelKeys(resolved),
    })),
    bundle: {
      cluster: servesAgentsHere(server) ? resolved.clusterName : undefined,
      namespace: server.bundle.namespace,
      configMapName: server.bundle.configMapName,
      configMapKey: server.bundle.configMapKey,
      format: server.bundle.format,
      remote: server.remoteClusters.map((remote) => ({ cluster: remote.cluster, kubeconfigPath: remote.kubeconfigPath })),
    },
    health: { port: server.ports.health, livePath: server.healthPaths.live, readyPath: server.healthPaths.ready },
    telemetry: { prometheusPort: server.ports.metrics, dogStatsd: dogStatsdAddresses(resolved) },
    federation: server.federates ? { bundleEndpointPort: server.ports.federation, profile: bundleEndpointProfile(resolved) } : undefined,
    agentTtl: settings.agentTtl,
    adminIds: settings.adminIds,
    auditLog: settings.auditLog,
    rateLimit: settings.rateLimit,
    pruneAttestedNodes: settings.pruneAttestedNodes,
    maxAttestedNodeInfoStaleness: settings.maxAttestedNodeInfoStaleness,
    credentialComposers: settings.credentialComposers?.map((composer) => composer.type),
  });
}

function bundleEndpointProfile(resolved: ResolvedCluster): BundleEndpointServingProfile {
  const cert = resolved.server.bundleEndpointServingCert;
  return cert
    ? { type: 'https_web', certFilePath: `${cert.dir}/${cert.certFile}`, keyFilePath: `${cert.dir}/${cert.keyFile}`, fileSyncInterval: cert.fileSyncInterval }
    : { type: 'https_spiffe' };
}

/** spire-controller-manager's config file. */
export function controllerManagerConfig(resolved: ResolvedCluster): string {
  const { server, controllerManager } = resolved;
  const { settings, staticManifests } = controllerManager;
  const election = settings.leaderElection;
  return renderControllerManagerConfig({
    trustDomain: resolved.trustDomain,
    clusterName: resolved.clusterName,
    clusterDomain: controllerManager.clusterDomain,
    className: controllerManager.className,
    ignoreNamespaces: server.settings.ignoreNamespaces,
    validatingWebhookConfigurationName: controllerManager.webhookConfigurationName,
    spireServerSocketPath: server.socketPath,
    // Entries carry the cluster name, so clusters sharing one database never delete each other's entries.
    entryIDPrefix: resolved.clusterName,
    parentIDTemplate: controllerManager.parentIdTemplate,
    logLevel: server.settings.controllerManagerLogLevel,
    metricsPort: controllerManager.ports.metrics,
    healthPort: controllerManager.ports.health,
    webhookPort: controllerManager.ports.webhook,
    // Always on, as the upstream chart has it: replicas may grow (a scale-up, a surge during a rollout),
    // and a lone replica simply leads. Static mode has none: the manager refuses leader election with
    // static manifests (cmd/main.go parseConfig).
    leaderElection: staticManifests ? undefined : {
      resourceName: `${controllerManager.className}.spiffe.io`,
      resourceNamespace: server.namespace,
      leaseDuration: election?.leaseDuration,
      renewDeadline: election?.renewDeadline,
      retryPeriod: election?.retryPeriod,
    },
    logEncoding: settings.logEncoding ?? 'json',
    gcInterval: settings.gcInterval,
    watchClassless: settings.watchClassless ?? false,
    entryIDPrefixCleanup: settings.entryIDPrefixCleanup,
    // Written out in full: a reconcile block makes the manager take each absent kind as off (cmd/main.go parseConfig).
    // Static mode cannot reconcile ClusterSPIFFEIDs: the manager has no Kubernetes client for pods and nodes there.
    reconcile: {
      clusterSPIFFEIDs: staticManifests ? false : settings.reconcile?.clusterSPIFFEIDs ?? true,
      clusterFederatedTrustDomains: settings.reconcile?.clusterFederatedTrustDomains ?? true,
      clusterStaticEntries: settings.reconcile?.clusterStaticEntries ?? true,
    },
    cacheNamespaces: settings.cacheNamespaces,
    staticManifestPath: staticManifests?.dir,
  });
}

function agentNodeAttestor(resolved: ResolvedCluster): AgentConfOptions['nodeAttestor'] {
  const attestor = resolved.agent.settings.nodeAttestor;
  if (attestor?.type === 'gcp_iit') return { type: 'gcp_iit', serviceAccount: attestor.serviceAccount, identityTokenHost: attestor.identityTokenHost };
  if (attestor?.type === 'x509pop') {
    return {
      type: 'x509pop',
      certificatePath: `${SPIRE_AGENT.x509popCertDir}/${attestor.certificateFile ?? SPIRE_AGENT.x509popDefaultCertificateFile}`,
      privateKeyPath: `${SPIRE_AGENT.x509popCertDir}/${attestor.keyFile ?? SPIRE_AGENT.x509popDefaultKeyFile}`,
    };
  }
  return { type: 'k8s_psat', cluster: resolved.clusterName, tokenPath: `${SPIRE_AGENT.tokenDir}/${SPIRE_AGENT.tokenFile}` };
}

/** The agents' `agent.conf`: the server's address, bundle and audience come from the resolved server. */
function kubeletVerification(resolved: ResolvedCluster): AgentConfOptions['kubelet'] {
  const { agent } = resolved;
  if (agent.kubeletServingCert) return { verification: 'hostCert', caPath: agent.kubeletServingCert.path };
  return agent.settings.kubeletVerification === 'skip'
    ? { verification: 'skip' }
    : { verification: 'apiServerCA', caPath: SPIRE_AGENT.kubeletCaPath, addressEnv: SPIRE_AGENT.env.kubeletAddress };
}

/** The k8s attestor's own options; the hostCert path is the resolved agent's (kubeletServingCert). */
function k8sAttestorOptions(k8s: AgentK8sWorkloadAttestor | undefined): AgentConfOptions['k8sAttestor'] {
  if (k8s === undefined) return undefined;
  const { kubeletServingCertHostPath: _hostPath, ...options } = k8s;
  return options;
}

export function agentConf(resolved: ResolvedCluster): string {
  const { server, agent } = resolved;
  return renderAgentConf({
    trustDomain: resolved.trustDomain,
    serverAddress: server.serviceHost,
    serverPort: server.ports.service,
    dataDir: SPIRE_AGENT.dataDir,
    socketPath: `${SPIRE_AGENT.socketDir}/${agent.socketFileName}`,
    trustBundlePath: `${SPIRE_AGENT.bundleDir}/${server.bundle.configMapKey}`,
    trustBundleFormat: agent.settings.trustBundleUrl ? agent.settings.trustBundleUrl.format ?? 'spiffe' : server.bundle.format,
    logLevel: agent.settings.logLevel,
    logFormat: agent.settings.logFormat,
    nodeAttestor: agentNodeAttestor(resolved),
    keyManager: agent.dataOnHost ? { type: 'disk', directory: SPIRE_AGENT.dataDir } : { type: 'memory' },
    svidStores: (agent.settings.svidStores ?? []).map((store) => (store.type === 'gcp_secretmanager'
      ? { type: store.type, serviceAccountFile: `${SPIRE_AGENT.gcpCredentialsDir}/${SPIRE_AGENT.gcpCredentialsFile}` }
      : store)),
    trustBundleUrl: agent.settings.trustBundleUrl?.url,
    kubelet: kubeletVerification(resolved),
    k8sAttestor: k8sAttestorOptions(agent.settings.workloadAttestors?.k8s),
    unixAttestor: agent.settings.workloadAttestors?.unix,
    rebootstrap: agent.settings.rebootstrapMode ? { mode: agent.settings.rebootstrapMode, delay: agent.settings.rebootstrapDelay } : undefined,
    health: { port: agent.ports.health, livePath: SPIRE_HEALTH_PATHS.live, readyPath: SPIRE_HEALTH_PATHS.ready },
    telemetry: { prometheusPort: agent.ports.metrics, dogStatsd: dogStatsdAddresses(resolved) },
    sds: agent.settings.sds,
    admin: agent.adminSocket
      ? { socketPath: `${agent.adminSocket.dir}/${agent.adminSocket.fileName}`, authorizedDelegates: agent.adminSocket.authorizedDelegates }
      : undefined,
    x509SvidCacheMaxSize: agent.settings.x509SvidCacheMaxSize,
    workloadX509SvidKeyType: agent.settings.workloadX509SvidKeyType,
    availabilityTarget: agent.settings.availabilityTarget,
  });
}

/**
 * The command line of a `spire-server` subcommand (`run`, `validate`) on a server.conf at `configFile`,
 * as container command/args for the server image: derived from the image's ENTRYPOINT, never spelled
 * by hand (`spire-server` CLI: cmd/spire-server/cli/run/run.go parseFlags, shared by validate), with
 * `-expandEnv` when the file reads the environment.
 */
export function serverCommand(resolved: ResolvedCluster, subcommand: 'run' | 'validate', configFile: string): ContainerCommand {
  const expandEnv = resolved.server.expandEnv ? ['-expandEnv'] : [];
  return containerCommand(resolved.images.spireServer, [SPIRE_SERVER_BIN, subcommand, ...expandEnv, '-config', configFile]);
}

/** The environment the vault UpstreamAuthority reads its credentials from, each from its Secret. */
export function serverUpstreamEnv(resolved: ResolvedCluster): k8s.EnvVar[] {
  const upstream = resolved.server.settings.upstreamAuthority;
  if (upstream?.type !== 'vault') return [];
  const { auth } = upstream;
  const { env } = SPIRE_SERVER;
  const fromSecret = (name: string, secret: string, key: string): k8s.EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
  if (auth.method === 'token') return [fromSecret(env.vaultToken, auth.tokenSecret.name, auth.tokenSecret.key)];
  if (auth.method === 'approle') {
    return [fromSecret(env.vaultAppRoleId, auth.secret.name, auth.secret.roleIdKey), fromSecret(env.vaultAppRoleSecretId, auth.secret.name, auth.secret.secretIdKey)];
  }
  return [];
}

/**
 * The environment a server container (or one validating its config) needs: the database password and
 * the cloud plugins' variables (an Azure client secret, Google's credentials file), from Secrets.
 */
export function serverEnv(resolved: ResolvedCluster): k8s.EnvVar[] {
  const { datastore } = resolved.server.settings;
  const { cloud } = resolved.server;
  const name = resolved.server.datastorePasswordEnv;
  const readOnly = resolved.server.datastoreReadOnlyPasswordEnv;
  const readOnlySecret = datastore.type === 'sqlite3' ? undefined : datastore.readReplica?.passwordSecret;
  return [
    ...(datastore.type === 'sqlite3' || name === undefined || datastore.passwordSecret === undefined ? []
      : [{ name, valueFrom: { secretKeyRef: { name: datastore.passwordSecret.name, key: datastore.passwordSecret.key } } }]),
    ...(readOnly === undefined || readOnlySecret === undefined ? []
      : [{ name: readOnly, valueFrom: { secretKeyRef: { name: readOnlySecret.name, key: readOnlySecret.key } } }]),
    ...cloud.secretEnv.map((variable) => ({ name: variable.name, valueFrom: { secretKeyRef: { name: variable.secret.name, key: variable.secret.key } } })),
    ...cloud.env.map((variable) => ({ name: variable.name, value: variable.value })),
    ...(keyIdentifiedByPodName(resolved.server.settings) ? [{ name: SPIRE_SERVER.env.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] : []),
    ...serverUpstreamEnv(resolved),
  ];
}

/**
 * The Secrets the disk and ejbca UpstreamAuthorities read, as read-only volumes at the paths upstreamOptions
 * writes. Only the server mounts them: `spire-server validate` does not open these files (disk.go and
 * ejbca.go buildConfig check that the paths are set; Configure loads them), so the PreSync validation never
 * needs the CA key. The disk plugin reads its files again before each signing (disk.go reloadCA), so a
 * renewed Secret, which the kubelet swaps into the volume, signs the next CA without a restart.
 */
export function serverUpstreamVolumes(server: ResolvedCluster['server']): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  const upstream = server.settings.upstreamAuthority;
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  const add = (name: string, dir: string, secretName: string, items: { key: string; path: string }[]) => {
    // Root-owned, readable by the pod's fsGroup: the CA key is for the server alone.
    volumes.push({ name, secret: { secretName, items, defaultMode: 0o440 } });
    mounts.push({ name, mountPath: dir, readOnly: true });
  };
  const keyPair = (secret: { readonly certificateKey?: string; readonly privateKeyKey?: string }, certFile: string, keyFile: string) => [
    { key: secret.certificateKey ?? TLS_SECRET_KEYS.certificate, path: certFile },
    { key: secret.privateKeyKey ?? TLS_SECRET_KEYS.privateKey, path: keyFile },
  ];
  if (upstream?.type === 'disk') {
    const { upstreamDisk } = SPIRE_SERVER;
    add('upstream-ca', upstreamDisk.caDir, upstream.secret.name, keyPair(upstream.secret, upstreamDisk.certFile, upstreamDisk.keyFile));
    if (upstream.bundle) add('upstream-bundle', upstreamDisk.bundleDir, upstream.bundle.name, [{ key: upstream.bundle.key, path: upstreamDisk.bundleFile }]);
  }
  if (upstream?.type === 'ejbca') {
    const { ejbca } = SPIRE_SERVER;
    add('ejbca-client', ejbca.clientDir, upstream.clientCertificate.name, keyPair(upstream.clientCertificate, ejbca.certFile, ejbca.keyFile));
    if (upstream.caCert) add('ejbca-ca', ejbca.caDir, upstream.caCert.name, [{ key: upstream.caCert.key, path: ejbca.caFile }]);
  }
  return { volumes, mounts };
}

/**
 * External plugin binaries, copied by an init container from their image into an emptyDir the server reads
 * them from (the tpm_direct NodeAttestor). `spire-server validate` starts every external plugin and checks
 * its checksum before calling Validate (pkg/common/catalog/catalog.go ValidatePluginConfigs, which loads
 * each plugin; external.go loadExternal), so the PreSync validation needs the binary too. The plugin's data
 * directories (`dataMounts`) only the server reads: the plugin has no Validate, and SPIRE ignores that.
 */
export function serverPluginBinaries(resolved: ResolvedCluster, containerResources: k8s.ResourceRequirements): {
  initContainers: k8s.Container[]; mounts: k8s.VolumeMount[]; volumes: k8s.Volume[]; dataMounts: k8s.VolumeMount[]; dataVolumes: k8s.Volume[];
} {
  const tpm = (resolved.server.settings.vmNodeAttestors ?? []).find((attestor) => attestor.type === 'tpm_direct');
  if (tpm?.type !== 'tpm_direct') return { initContainers: [], mounts: [], volumes: [], dataMounts: [], dataVolumes: [] };
  const target = `${SPIRE_SERVER.tpmPluginDir}/${SPIRE_SERVER.tpmPluginFile}`;
  const dataMounts: k8s.VolumeMount[] = [];
  const dataVolumes: k8s.Volume[] = [];
  if (tpm.caConfigMap) {
    dataMounts.push({ name: 'tpm-cas', mountPath: SPIRE_SERVER.tpmCaDir, readOnly: true });
    dataVolumes.push({ name: 'tpm-cas', configMap: { name: tpm.caConfigMap } });
  }
  if (tpm.hashesConfigMap) {
    dataMounts.push({ name: 'tpm-hashes', mountPath: SPIRE_SERVER.tpmHashDir, readOnly: true });
    dataVolumes.push({ name: 'tpm-hashes', configMap: { name: tpm.hashesConfigMap } });
  }
  return {
    initContainers: [{
      name: 'tpm-plugin',
      image: imageString(tpm.image),
      ...imagePullPolicy(resolved.imagePull),
      ...containerCommand(tpm.image, ['cp', tpm.pluginPath ?? SPIRE_SERVER.tpmPluginImagePath, target]),
      resources: containerResources,
      securityContext: RESTRICTED_CONTAINER,
      volumeMounts: [{ name: 'tpm-plugin', mountPath: SPIRE_SERVER.tpmPluginDir }],
    }],
    mounts: [{ name: 'tpm-plugin', mountPath: SPIRE_SERVER.tpmPluginDir, readOnly: true }],
    volumes: [{ name: 'tpm-plugin', emptyDir: {} }],
    dataMounts,
    dataVolumes,
  };
}

/**
 * The Secrets server.conf names files of, as volumes and mounts: the https_web bundle endpoint's serving
 * certificate (cert-manager's Secret; the kubelet swaps its files on renewal and the server reloads them)
 * and the kubeconfigs of remote clusters whose agents attest here. Both the server and a container that
 * validates its config need them: `spire-server validate` loads the serving certificate too.
 */
export function serverSecretVolumes(server: ResolvedCluster['server']): { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } {
  const volumes: k8s.Volume[] = [];
  const mounts: k8s.VolumeMount[] = [];
  const cert = server.bundleEndpointServingCert;
  if (cert) {
    volumes.push({ name: 'bundle-endpoint-tls', secret: { secretName: cert.secretName, items: [{ key: cert.certFile, path: cert.certFile }, { key: cert.keyFile, path: cert.keyFile }] } });
    mounts.push({ name: 'bundle-endpoint-tls', mountPath: cert.dir, readOnly: true });
  }
  for (const remote of server.remoteKubeConfigs) {
    const name = `kubeconfig-${remote.cluster}`;
    volumes.push({ name, secret: { secretName: remote.secretName, items: [{ key: remote.secretKey, path: remote.file }] } });
    mounts.push({ name, mountPath: remote.dir, readOnly: true });
  }
  return { volumes, mounts };
}
