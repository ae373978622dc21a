import { k8s } from 'cdk8s-plus-28';
import { SPIRE_AGENT, SPIRE_HEALTH_PATHS, SPIRE_SERVER, SPIRE_SERVER_BIN } from '../config/spire-facts';
import { ContainerCommand, containerCommand } from '../config/versions';
import { renderAgentConf } from '../render/agent-conf';
import { renderControllerManagerConfig } from '../render/controller-manager-config';
import { BundleEndpointServingProfile, ServerDatastore, renderServerConf } from '../render/server-conf';
import { ResolvedCluster } from '../resolve/model';

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
    rootCertPath: datastore.caConfigMap ? `${SPIRE_SERVER.dbCaDir}/${SPIRE_SERVER.dbCaFile}` : undefined,
    maxOpenConns: datastore.maxOpenConns,
    maxIdleConns: datastore.maxIdleConns,
  };
  return datastore.type === 'postgres'
    ? { ...database, type: 'postgres', sslMode: resolved.server.databaseSslMode! }
    : { ...database, type: 'mysql', passwordEnv: resolved.server.datastorePasswordEnv! };
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
    keyManager: settings.keyManager.type === 'disk' ? { type: 'disk', keysPath: `${SPIRE_SERVER.dataDir}/${SPIRE_SERVER.keysFile}` } : { type: 'memory' },
    upstreamAuthority: settings.upstreamAuthority,
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
    logLevel: server.settings.controllerManagerLogLevel,
    metricsPort: controllerManager.ports.metrics,
    healthPort: controllerManager.ports.health,
    webhookPort: controllerManager.ports.webhook,
    // Always on, as the upstream chart has it: replicas may grow (a scale-up, a surge during a rollout),
    // and a lone replica simply leads.
    leaderElection: { resourceName: `${controllerManager.className}.spiffe.io`, resourceNamespace: server.namespace },
  });
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
    psatCluster: resolved.clusterName,
    tokenPath: `${SPIRE_AGENT.tokenDir}/${SPIRE_AGENT.tokenFile}`,
    kubelet: agent.settings.kubeletVerification === 'skip'
      ? { verification: 'skip' }
      : { verification: 'apiServerCA', caPath: SPIRE_AGENT.kubeletCaPath, addressEnv: SPIRE_AGENT.env.kubeletAddress },
    health: { port: agent.ports.health, livePath: SPIRE_HEALTH_PATHS.live, readyPath: SPIRE_HEALTH_PATHS.ready },
    prometheusPort: agent.ports.metrics,
  });
}

/**
 * The command line of a `spire-server` subcommand (`run`, `validate`) on a server.conf at `configFile`,
 * as container command/args for the server image: derived from the image's ENTRYPOINT, never spelled
 * by hand (`spire-server` CLI: cmd/spire-server/cli/run/run.go parseFlags, shared by validate), with
 * `-expandEnv` when the file reads the environment.
 */
export function serverCommand(resolved: ResolvedCluster, subcommand: 'run' | 'validate', configFile: string): ContainerCommand {
  const expandEnv = resolved.server.settings.datastore.type === 'mysql' ? ['-expandEnv'] : [];
  return containerCommand(resolved.images.spireServer, [SPIRE_SERVER_BIN, subcommand, ...expandEnv, '-config', configFile]);
}

/** The environment a server container (or one validating its config) needs: the database password. */
export function serverDatastoreEnv(resolved: ResolvedCluster): k8s.EnvVar[] {
  const { datastore } = resolved.server.settings;
  const name = resolved.server.datastorePasswordEnv;
  if (datastore.type === 'sqlite3' || name === undefined) return [];
  return [{ name, valueFrom: { secretKeyRef: { name: datastore.passwordSecret.name, key: datastore.passwordSecret.key } } }];
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
