import { Construct } from 'constructs';
import * as argo from '../../imports/application-argoproj.io';

/**
 * The finalizer that makes deleting an Application delete what it deployed, in the foreground. Argo CD's
 * common/common.go names it ForegroundPropagationPolicyFinalizer; the older bare
 * `resources-finalizer.argocd.argoproj.io` means the same, but the apiserver warns on every apply of a
 * finalizer name without a path.
 */
export const CASCADE_FINALIZER = 'resources-finalizer.argocd.argoproj.io/foreground';

/** Sync options Argo CD matches by exact string; a typo would be ignored silently, so only these exist. */
export type SyncOption =
  | 'CreateNamespace=true' | 'PruneLast=true' | 'ServerSideApply=true' | 'RespectIgnoreDifferences=true'
  | 'ApplyOutOfSyncOnly=true' | 'SkipDryRunOnMissingResource=true';

export type ApplicationSource =
  | { readonly repoURL: string; readonly targetRevision: string; readonly path: string }
  | {
    readonly repoURL: string;
    readonly targetRevision: string;
    readonly chart: string;
    /** Helm values, passed as `helm.valuesObject`. */
    readonly values?: Readonly<Record<string, unknown>>;
  };

export type ApplicationSyncPolicy =
  | { readonly mode: 'automated'; readonly prune: boolean; readonly selfHeal: boolean }
  | { readonly mode: 'manual' };

export interface ArgoCdApplicationProps {
  readonly name: string;
  /** Namespace of the Argo CD instance. */
  readonly namespace: string;
  readonly project: string;
  /** One source, or several synced as one (multi-source): all their objects are ordered in one sync. */
  readonly sources: readonly ApplicationSource[];
  readonly destination: { readonly server: string; readonly namespace: string };
  /** `automated` syncs with these switches, or `manual`: no automated block at all. */
  readonly sync: ApplicationSyncPolicy;
  readonly syncOptions: readonly SyncOption[];
  /**
   * Deleting the Application also deletes what it deployed (`resources-finalizer.argocd.argoproj.io/foreground`),
   * except objects annotated `Delete=false`. Without it, deleting the Application orphans its objects.
   */
  readonly cascadeDelete: boolean;
  /**
   * Order among sibling objects of the app-of-apps. Argo CD does not assess the health of Applications,
   * so a wave between Applications orders their creation only.
   * @default - no wave (0)
   */
  readonly syncWave?: number;
  /**
   * Fields the cluster changes at runtime that must not count as drift.
   * @default - none
   */
  readonly ignoreDifferences?: readonly { group: string; kind: string; name: string; jqPathExpressions: string[] }[];
  /**
   * Extra annotations, e.g. notification subscriptions.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Extra labels.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Retries: bounded, backing off, and each retry on the newest revision (a fix pushed after a failure is picked up). */
export const SYNC_RETRY = { limit: 5, refresh: true, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } } as const;

function toSource(source: ApplicationSource): argo.ApplicationSpecSource {
  if ('chart' in source) {
    return {
      repoUrl: source.repoURL,
      chart: source.chart,
      targetRevision: source.targetRevision,
      helm: source.values ? { valuesObject: { ...source.values } } : undefined,
    };
  }
  return { repoUrl: source.repoURL, path: source.path, targetRevision: source.targetRevision };
}

/** An Argo CD Application with bounded retries and history. */
export class ArgoCdApplication extends Construct {
  public readonly name: string;
  public readonly sources: readonly ApplicationSource[];

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    if (props.sources.length === 0) throw new Error(`application ${props.name}: 'sources' must name at least one source`);
    this.name = props.name;
    this.sources = props.sources;
    const annotations = {
      ...(props.syncWave === undefined ? {} : { 'argocd.argoproj.io/sync-wave': String(props.syncWave) }),
      ...props.annotations,
    };
    new argo.Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels },
        annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
        finalizers: props.cascadeDelete ? [CASCADE_FINALIZER] : undefined,
      },
      spec: {
        project: props.project,
        source: props.sources.length === 1 ? toSource(props.sources[0]) : undefined,
        sources: props.sources.length > 1 ? props.sources.map(toSource) : undefined,
        destination: { ...props.destination },
        revisionHistoryLimit: 10,
        ignoreDifferences: props.ignoreDifferences?.map((difference) => ({ ...difference })),
        syncPolicy: {
          automated: props.sync.mode === 'automated' ? { prune: props.sync.prune, selfHeal: props.sync.selfHeal } : undefined,
          syncOptions: props.syncOptions.length > 0 ? [...props.syncOptions] : undefined,
          retry: { ...SYNC_RETRY, backoff: { ...SYNC_RETRY.backoff } },
        },
      },
    });
  }
}
