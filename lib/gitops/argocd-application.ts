import { Construct } from 'constructs';
import * as argo from '../../imports/application-argoproj.io';

/** Sync options Argo CD matches by exact string; a typo would be ignored silently, so only these exist. */
export type SyncOption =
  | 'CreateNamespace=true' | 'PruneLast=true' | 'ServerSideApply=true' | 'RespectIgnoreDifferences=true'
  | 'ApplyOutOfSyncOnly=true' | 'SkipDryRunOnMissingResource=true';

export type ApplicationSource =
  | { readonly repoURL: string; readonly targetRevision: string; readonly path: string }
  | { readonly repoURL: string; readonly targetRevision: string; readonly chart: string };

export interface ArgoCdApplicationProps {
  readonly name: string;
  /** Namespace of the Argo CD instance. */
  readonly namespace: string;
  readonly project: string;
  readonly source: ApplicationSource;
  readonly destination: { readonly server: string; readonly namespace: string };
  /** `automated` syncs with these switches, or `manual`: no automated block at all. */
  readonly sync: { readonly mode: 'automated'; readonly prune: boolean; readonly selfHeal: boolean } | { readonly mode: 'manual' };
  readonly syncOptions: readonly SyncOption[];
  /** Order among sibling Applications of the app-of-apps. */
  readonly syncWave: number;
  /**
   * Fields the cluster changes at runtime that must not count as drift.
   * @default - none
   */
  readonly ignoreDifferences?: readonly { group: string; kind: string; name: string; jqPathExpressions: string[] }[];
  /**
   * Extra annotations, e.g. notification subscriptions.
   * @default - only the sync wave
   */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * Extra labels.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** An Argo CD Application with retries, a bounded history and prune-safe finalizer. */
export class ArgoCdApplication extends Construct {
  public readonly name: string;
  public readonly source: ApplicationSource;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    this.name = props.name;
    this.source = props.source;
    new argo.Application(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        labels: { ...props.labels },
        annotations: { 'argocd.argoproj.io/sync-wave': String(props.syncWave), ...props.annotations },
        // Deleting the Application deletes what it deployed, instead of orphaning it.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: {
        project: props.project,
        source: 'chart' in props.source
          ? { repoUrl: props.source.repoURL, chart: props.source.chart, targetRevision: props.source.targetRevision }
          : { repoUrl: props.source.repoURL, path: props.source.path, targetRevision: props.source.targetRevision },
        destination: { ...props.destination },
        revisionHistoryLimit: 10,
        ignoreDifferences: props.ignoreDifferences?.map((difference) => ({ ...difference })),
        syncPolicy: {
          automated: props.sync.mode === 'automated' ? { prune: props.sync.prune, selfHeal: props.sync.selfHeal } : undefined,
          syncOptions: [...props.syncOptions],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
      },
    });
  }
}
