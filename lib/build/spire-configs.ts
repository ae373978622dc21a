import { k8s } from 'cdk8s-plus-28';
import { SPIRE_AGENT, SPIRE_HEALTH_PATHS, SPIRE_SERVER, SPIRE_SERVER_BIN, TLS_SECRET_KEYS } from '../config/spire-facts';
import { ContainerCommand, containerCommand } from '../config/versions';
import { renderAgentConf } from '../render/agent-conf';
import { renderControllerManagerConfig } from '../render/controller-manager-config';
import {
  BundleEndpointServingProfile, KeyIdentifier as RenderedKeyIdentifier, ServerBundlePublisher, ServerDatastore, ServerKeyManager, ServerNodeAttestor, ServerUpstreamAuthority, renderServerConf,
} from '../render/server-conf';
import { AgentConfOptions } from '../render/agent-conf';
import { GCP_IIT_AGENT_PATH_TEMPLATE, X509POP_AGENT_PATH_TEMPLATE } from '../resolve/cloud';
import { KeyIdentifier } from '../config/types';
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
  if (agents?.type === 'x509pop') attestors.push({ type: 'x509pop', caBundlePath, agentPathTemplate: X509POP_AGENT_PATH_TEMPLATE });
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
      attestors.push({ type: 'x509pop', caBundlePath, agentPathTemplate: attestor.agentPathTemplate });
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
    psatClusters: server.attestingAgents.map((agents) => ({
      name: agents.cluster,
      serviceAccountAllowList: [`${agents.namespace}:${agents.serviceAccount}`],
      audience: [agents.audience],
      kubeConfigFile: agents.kubeConfigFile,
    })),
    bundle: {
      cluster: resolved.clusterName,
      namespace: server.bundle.namespace,
      configMapName: server.bundle.configMapName,
      configMapKey: server.bundle.configMapKey,
      format: server.bundle.format,
      remote: server.remoteClusters.map((remote) => ({ cluster: remote.cluster, kubeconfigPath: remote.kubeconfigPath })),
    },
    health: { port: server.ports.health, livePath: server.healthPaths.live, readyPath: server.healthPaths.ready },
    prometheusPort: server.ports.metrics,
    federation: server.federates ? { bundleEndpointPort: server.ports.federation, profile: bundleEndpointProfile(resolved) } : undefined,
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
    // and a lone replica simply leads.
    leaderElection: { resourceName: `${controllerManager.className}.spiffe.io`, resourceNamespace: server.namespace },
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
export function agentConf(resolved: ResolvedCluster): string {
  const { server, agent } = resolved;
  return renderAgentConf({
    trustDomain: resolved.trustDomain,
    serverAddress: server.serviceHost,
    serverPort: server.ports.service,
    dataDir: SPIRE_AGENT.dataDir,
    socketPath: `${SPIRE_AGENT.socketDir}/${agent.socketFileName}`,
    trustBundlePath: `${SPIRE_AGENT.bundleDir}/${server.bundle.configMapKey}`,
    trustBundleFormat: server.bundle.format,
    logLevel: agent.settings.logLevel,
    logFormat: agent.settings.logFormat,
    nodeAttestor: agentNodeAttestor(resolved),
    keyManager: agent.dataOnHost ? { type: 'disk', directory: SPIRE_AGENT.dataDir } : { type: 'memory' },
    svidStores: (agent.settings.svidStores ?? []).map((store) => (store.type === 'gcp_secretmanager'
      ? { type: store.type, serviceAccountFile: `${SPIRE_AGENT.gcpCredentialsDir}/${SPIRE_AGENT.gcpCredentialsFile}` }
      : store)),
    kubelet: agent.settings.kubeletVerification === 'skip'
      ? { verification: 'skip' }
      : { verification: 'apiServerCA', caPath: SPIRE_AGENT.kubeletCaPath, addressEnv: SPIRE_AGENT.env.kubeletAddress },
    health: { port: agent.ports.health, livePath: SPIRE_HEALTH_PATHS.live, readyPath: SPIRE_HEALTH_PATHS.ready },
    prometheusPort: agent.ports.metrics,
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
  return [
    ...(datastore.type === 'sqlite3' || name === undefined || datastore.passwordSecret === undefined ? []
      : [{ name, valueFrom: { secretKeyRef: { name: datastore.passwordSecret.name, key: datastore.passwordSecret.key } } }]),
    ...cloud.secretEnv.map((variable) => ({ name: variable.name, valueFrom: { secretKeyRef: { name: variable.secret.name, key: variable.secret.key } } })),
    ...cloud.env.map((variable) => ({ name: variable.name, value: variable.value })),
    ...(keyIdentifiedByPodName(resolved.server.settings) ? [{ name: SPIRE_SERVER.env.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] : []),
    ...serverUpstreamEnv(resolved),
  ];
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
