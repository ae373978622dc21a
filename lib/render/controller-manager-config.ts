import { toYaml } from './yaml';

export interface ControllerManagerConfigOptions {
  readonly trustDomain: string;
  readonly clusterName: string;
  /** Set explicitly: without it the manager derives it from the CNAME of kubernetes.default.svc at start. */
  readonly clusterDomain: string;
  readonly className: string;
  /** Namespace names; each is anchored (`^name$`) because the manager matches them as unanchored regexes. */
  readonly ignoreNamespaces: readonly string[];
  readonly validatingWebhookConfigurationName: string;
  readonly spireServerSocketPath: string;
  readonly entryIDPrefix: string;
  /** The parent ID of pod entries (Go template over the Node); none: the manager's k8s_psat default. */
  readonly parentIDTemplate?: string;
  readonly logLevel: string;
  readonly metricsPort: number;
  readonly healthPort: number;
  readonly webhookPort: number;
  /** Only the leader reconciles; without it, two replicas would both write entries. */
  readonly leaderElection?: { readonly resourceName: string; readonly resourceNamespace: string };
}

function anchored(namespace: string): string {
  return `^${namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/** Renders spire-controller-manager's config file (a ControllerManagerConfig read with `--config`). */
export function renderControllerManagerConfig(options: ControllerManagerConfigOptions): string {
  const config = {
    apiVersion: 'spire.spiffe.io/v1alpha1',
    kind: 'ControllerManagerConfig',
    metrics: { bindAddress: `0.0.0.0:${options.metricsPort}` },
    health: { healthProbeBindAddress: `0.0.0.0:${options.healthPort}` },
    webhook: { port: options.webhookPort },
    leaderElection: options.leaderElection
      ? {
        leaderElect: true,
        resourceName: options.leaderElection.resourceName,
        resourceNamespace: options.leaderElection.resourceNamespace,
      }
      : { leaderElect: false },
    logLevel: options.logLevel,
    logEncoding: 'json',
    trustDomain: options.trustDomain,
    clusterName: options.clusterName,
    clusterDomain: options.clusterDomain,
    className: options.className,
    watchClassless: false,
    entryIDPrefix: options.entryIDPrefix,
    ...(options.parentIDTemplate ? { parentIDTemplate: options.parentIDTemplate } : {}),
    ignoreNamespaces: options.ignoreNamespaces.map(anchored),
    validatingWebhookConfigurationName: options.validatingWebhookConfigurationName,
    spireServerSocketPath: options.spireServerSocketPath,
    reconcile: { clusterSPIFFEIDs: true, clusterFederatedTrustDomains: true, clusterStaticEntries: true },
  };
  return toYaml(config);
}
