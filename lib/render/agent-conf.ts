import { LogFormat, LogLevel } from '../config/types';
import { HealthListener } from './hcl';
import { HclBody, healthChecks, plugin, renderHcl, telemetry, TelemetrySinks } from './hcl';

export type AgentNodeAttestor =
  /** `cluster` must be a key of the server's k8s_psat `clusters`. */
  | { readonly type: 'k8s_psat'; readonly cluster: string; readonly tokenPath: string }
  /** agent/plugin/nodeattestor/gcpiit/iit.go IITAttestorConfig: both keys have defaults there. */
  | { readonly type: 'gcp_iit'; readonly serviceAccount?: string; readonly identityTokenHost?: string }
  /** agent/plugin/nodeattestor/x509pop/x509pop.go Config: both paths are required outside spiffe mode (buildConfig). */
  | { readonly type: 'x509pop'; readonly certificatePath: string; readonly privateKeyPath: string };

export type AgentSvidStore =
  /** agent/plugin/svidstore/gcpsecretmanager/gcloud.go Configuration. */
  | { readonly type: 'gcp_secretmanager'; readonly serviceAccountFile: string }
  /** agent/plugin/svidstore/awssecretsmanager/aws.go Configuration: no access key here, the AWS SDK finds IRSA or the Secret's variables. */
  | { readonly type: 'aws_secretsmanager'; readonly region: string };

function svidStore(options: AgentSvidStore) {
  return options.type === 'gcp_secretmanager'
    ? plugin('SVIDStore', 'gcp_secretmanager', [['service_account_file', options.serviceAccountFile]])
    : plugin('SVIDStore', 'aws_secretsmanager', [['region', options.region]]);
}

function nodeAttestor(options: AgentNodeAttestor) {
  switch (options.type) {
    case 'k8s_psat': return plugin('NodeAttestor', 'k8s_psat', [['cluster', options.cluster], ['token_path', options.tokenPath]]);
    case 'gcp_iit': return plugin('NodeAttestor', 'gcp_iit', [['service_account', options.serviceAccount], ['identity_token_host', options.identityTokenHost]]);
    case 'x509pop': return plugin('NodeAttestor', 'x509pop', [['private_key_path', options.privateKeyPath], ['certificate_path', options.certificatePath]]);
  }
}

export interface AgentConfOptions {
  readonly trustDomain: string;
  /** DNS name of the server Service. */
  readonly serverAddress: string;
  /** Port of the server Service. */
  readonly serverPort: number;
  readonly dataDir: string;
  /** Workload API socket, inside the agent container. */
  readonly socketPath: string;
  readonly trustBundlePath: string;
  /**
   * Bootstrap from this https:// URL instead: it takes trust_bundle_path's place, since spire-agent accepts one of
   * the two (cmd/spire-agent/cli/run/run.go validateConfig).
   */
  readonly trustBundleUrl?: string;
  readonly trustBundleFormat: 'spiffe' | 'pem';
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly nodeAttestor: AgentNodeAttestor;
  /**
   * `disk` where the agent must survive a restart without attesting again (its SVID's key beside the
   * SVID in data_dir: SPIRE agent KeyManager disk, `directory`); `memory` otherwise.
   */
  readonly keyManager: { readonly type: 'memory' } | { readonly type: 'disk'; readonly directory: string };
  /** SVIDStores: cloud secret stores the agent also writes SVIDs to. */
  readonly svidStores?: readonly AgentSvidStore[];
  readonly kubelet:
  | { readonly verification: 'skip' }
  | { readonly verification: 'apiServerCA'; readonly caPath: string; readonly addressEnv: string }
  /**
   * The kubelet's own serving certificate as its CA, reached on 127.0.0.1 with no node name: SPIRE then checks the
   * chain and not the host name (pkg/agent/plugin/workloadattestor/k8s/k8s.go reloadKubeletClient).
   */
  | { readonly verification: 'hostCert'; readonly caPath: string };
  /** The k8s attestor's options beside kubelet verification; each one left out keeps SPIRE's default. */
  readonly k8sAttestor?: {
    readonly disableContainerSelectors?: boolean;
    readonly useNewContainerLocator?: boolean;
    readonly verboseContainerLocatorLogs?: boolean;
  };
  /** The unix WorkloadAttestor, when the agent runs one. */
  readonly unixAttestor?: { readonly discoverWorkloadPath?: boolean; readonly workloadSizeLimit?: number };
  /** rebootstrap_mode and rebootstrap_delay (run.go NewAgentConfig); none: SPIRE's `never`. */
  readonly rebootstrap?: { readonly mode: 'never' | 'auto' | 'always'; readonly delay?: string };
  readonly health: HealthListener;
  readonly telemetry?: TelemetrySinks;
  /** Envoy SDS resource names; each one left out keeps SPIRE's default. */
  readonly sds?: {
    readonly defaultSvidName?: string;
    readonly defaultBundleName?: string;
    readonly defaultAllBundlesName?: string;
    readonly disableSpiffeCertValidation?: boolean;
  };
  /** The admin API socket and the SPIFFE IDs allowed to use its Delegated Identity API. */
  readonly admin?: { readonly socketPath: string; readonly authorizedDelegates: readonly string[] };
  readonly x509SvidCacheMaxSize?: number;
  readonly workloadX509SvidKeyType?: 'ec-p256' | 'ec-p384' | 'rsa-2048';
  /** A Go duration of at least 24h. */
  readonly availabilityTarget?: string;
}

/** Renders SPIRE agent's `agent.conf` (HCL). Pure: the same options always give the same text. */
export function renderAgentConf(options: AgentConfOptions): string {
  const kubeletVerification: HclBody = options.kubelet.verification === 'skip'
    ? [['skip_kubelet_verification', true]]
    : options.kubelet.verification === 'hostCert'
      ? [['kubelet_ca_path', options.kubelet.caPath]]
      : [['kubelet_ca_path', options.kubelet.caPath], ['node_name_env', options.kubelet.addressEnv]];
  // use_new_container_locator is left out unless given: true is its default (spire pkg/agent/plugin/workloadattestor/k8s/k8s_posix.go).
  const kubelet: HclBody = [
    ...kubeletVerification,
    ['disable_container_selectors', options.k8sAttestor?.disableContainerSelectors],
    ['use_new_container_locator', options.k8sAttestor?.useNewContainerLocator],
    ['verbose_container_locator_logs', options.k8sAttestor?.verboseContainerLocatorLogs],
  ];

  return renderHcl([
    {
      block: 'agent',
      body: [
        ['data_dir', options.dataDir],
        ['log_level', options.logLevel],
        ['log_format', options.logFormat],
        ['server_address', options.serverAddress],
        ['server_port', String(options.serverPort)],
        ['socket_path', options.socketPath],
        ['trust_bundle_path', options.trustBundleUrl === undefined ? options.trustBundlePath : undefined],
        ['trust_bundle_url', options.trustBundleUrl],
        ['trust_bundle_format', options.trustBundleFormat],
        ['trust_domain', options.trustDomain],
        // The keys below are the agent section's (spire cmd/spire-agent/cli/run/run.go agentConfig and sdsConfig).
        ['admin_socket_path', options.admin?.socketPath],
        ['authorized_delegates', options.admin && options.admin.authorizedDelegates.length > 0 ? [...options.admin.authorizedDelegates] : undefined],
        ['x509_svid_cache_max_size', options.x509SvidCacheMaxSize],
        ['workload_x509_svid_key_type', options.workloadX509SvidKeyType],
        ['availability_target', options.availabilityTarget],
        ['rebootstrap_mode', options.rebootstrap?.mode],
        ['rebootstrap_delay', options.rebootstrap?.delay],
        options.sds ? {
          block: 'sds',
          body: [
            ['default_svid_name', options.sds.defaultSvidName],
            ['default_bundle_name', options.sds.defaultBundleName],
            ['default_all_bundles_name', options.sds.defaultAllBundlesName],
            ['disable_spiffe_cert_validation', options.sds.disableSpiffeCertValidation],
          ],
        } : undefined,
      ],
    },
    {
      block: 'plugins',
      body: [
        nodeAttestor(options.nodeAttestor),
        options.keyManager.type === 'disk' ? plugin('KeyManager', 'disk', [['directory', options.keyManager.directory]]) : plugin('KeyManager', 'memory', []),
        plugin('WorkloadAttestor', 'k8s', kubelet),
        // pkg/agent/plugin/workloadattestor/unix/unix_posix.go Configuration.
        options.unixAttestor ? plugin('WorkloadAttestor', 'unix', [
          ['discover_workload_path', options.unixAttestor.discoverWorkloadPath],
          ['workload_size_limit', options.unixAttestor.workloadSizeLimit],
        ]) : undefined,
        ...(options.svidStores ?? []).map(svidStore),
      ],
    },
    healthChecks(options.health),
    telemetry(options.telemetry ?? {}),
  ]);
}
