import { parseDuration } from '../duration';
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
  /** Only the leader reconciles; without it, two replicas would both write entries. Absent: no election (static mode). */
  readonly leaderElection?: {
    readonly resourceName: string;
    readonly resourceNamespace: string;
    /** Go durations; each absent one is controller-runtime's default. */
    readonly leaseDuration?: string;
    readonly renewDeadline?: string;
    readonly retryPeriod?: string;
  };
  readonly logEncoding: 'json' | 'console';
  /** A Go duration; absent: the manager's default (10s). */
  readonly gcInterval?: string;
  readonly watchClassless: boolean;
  /** Entries whose ID starts with this prefix (and a dot) are deleted; "" deletes every entry whose ID has no dot. */
  readonly entryIDPrefixCleanup?: string;
  readonly reconcile: { readonly clusterSPIFFEIDs: boolean; readonly clusterFederatedTrustDomains: boolean; readonly clusterStaticEntries: boolean };
  /** The namespaces the manager's cache holds; absent: all. */
  readonly cacheNamespaces?: readonly string[];
  /** Static manifest mode: the directory of manifest files the manager reads instead of the Kubernetes API. */
  readonly staticManifestPath?: string;
}

/**
 * gcInterval is a Go time.Duration field without a text form in the manager's config (api/v1alpha1/controllermanagerconfig_types.go
 * ControllerManagerConfig.GCInterval), so it is decoded from JSON as an integer of nanoseconds, as the upstream chart writes it.
 */
function nanoseconds(duration: string): number {
  const ms = parseDuration(duration);
  if (ms === undefined) throw new Error(`gcInterval must be a Go duration, got ${JSON.stringify(duration)}`);
  return Math.round(ms * 1e6);
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
        ...(options.leaderElection.leaseDuration ? { leaseDuration: options.leaderElection.leaseDuration } : {}),
        ...(options.leaderElection.renewDeadline ? { renewDeadline: options.leaderElection.renewDeadline } : {}),
        ...(options.leaderElection.retryPeriod ? { retryPeriod: options.leaderElection.retryPeriod } : {}),
      }
      : { leaderElect: false },
    logLevel: options.logLevel,
    logEncoding: options.logEncoding,
    ...(options.gcInterval ? { gcInterval: nanoseconds(options.gcInterval) } : {}),
    trustDomain: options.trustDomain,
    clusterName: options.clusterName,
    clusterDomain: options.clusterDomain,
    className: options.className,
    watchClassless: options.watchClassless,
    entryIDPrefix: options.entryIDPrefix,
    ...(options.entryIDPrefixCleanup !== undefined ? { entryIDPrefixCleanup: options.entryIDPrefixCleanup } : {}),
    ...(options.parentIDTemplate ? { parentIDTemplate: options.parentIDTemplate } : {}),
    ignoreNamespaces: options.ignoreNamespaces.map(anchored),
    validatingWebhookConfigurationName: options.validatingWebhookConfigurationName,
    spireServerSocketPath: options.spireServerSocketPath,
    reconcile: {
      clusterSPIFFEIDs: options.reconcile.clusterSPIFFEIDs,
      clusterFederatedTrustDomains: options.reconcile.clusterFederatedTrustDomains,
      clusterStaticEntries: options.reconcile.clusterStaticEntries,
    },
    ...(options.cacheNamespaces ? { cacheNamespaces: Object.fromEntries(options.cacheNamespaces.map((namespace) => [namespace, {}])) } : {}),
    ...(options.staticManifestPath ? { staticManifestPath: options.staticManifestPath } : {}),
  };
  return toYaml(config);
}
