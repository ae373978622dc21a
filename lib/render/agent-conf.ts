import { LogFormat, LogLevel } from '../config/types';
import { HealthListener } from './hcl';
import { HclBody, healthChecks, plugin, prometheusTelemetry, renderHcl } from './hcl';

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
  readonly trustBundleFormat: 'spiffe' | 'pem';
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /**
   * The agent's one NodeAttestor (SPIRE pkg/agent/catalog/nodeattestor.go Constraints: ExactlyOne).
   * k8s_psat: `cluster` must be a key of the server's k8s_psat `clusters`.
   */
  readonly nodeAttestor:
  | { readonly type: 'k8s_psat'; readonly cluster: string; readonly tokenPath: string }
  | { readonly type: 'aws_iid'; readonly ec2MetadataEndpoint?: string };
  /** SVIDStore for entries marked storeSVID. */
  readonly svidStore?: { readonly type: 'aws_secretsmanager'; readonly region: string };
  readonly kubelet:
  | { readonly verification: 'skip' }
  | { readonly verification: 'apiServerCA'; readonly caPath: string; readonly addressEnv: string };
  readonly health: HealthListener;
  readonly prometheusPort?: number;
}

/** Renders SPIRE agent's `agent.conf` (HCL). Pure: the same options always give the same text. */
export function renderAgentConf(options: AgentConfOptions): string {
  const kubelet: HclBody = options.kubelet.verification === 'skip'
    ? [['skip_kubelet_verification', true]]
    : [['kubelet_ca_path', options.kubelet.caPath], ['node_name_env', options.kubelet.addressEnv]];

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
        ['trust_bundle_path', options.trustBundlePath],
        ['trust_bundle_format', options.trustBundleFormat],
        ['trust_domain', options.trustDomain],
      ],
    },
    {
      block: 'plugins',
      body: [
        options.nodeAttestor.type === 'k8s_psat'
          ? plugin('NodeAttestor', 'k8s_psat', [['cluster', options.nodeAttestor.cluster], ['token_path', options.nodeAttestor.tokenPath]])
          : plugin('NodeAttestor', 'aws_iid', [['ec2_metadata_endpoint', options.nodeAttestor.ec2MetadataEndpoint]]),
        plugin('KeyManager', 'memory', []),
        // No access key in the file: the AWS SDK finds IRSA or the Secret's env vars itself.
        options.svidStore ? plugin('SVIDStore', options.svidStore.type, [['region', options.svidStore.region]]) : undefined,
        // use_new_container_locator is left out: true is its default (spire pkg/agent/plugin/workloadattestor/k8s/k8s_posix.go).
        plugin('WorkloadAttestor', 'k8s', kubelet),
      ],
    },
    healthChecks(options.health),
    prometheusTelemetry(options.prometheusPort),
  ]);
}
