import { Construct } from 'constructs';
import * as argo from '../../imports/appproject-argoproj.io';
import { SyncWindow } from '../config/types';

export interface GroupKind { readonly group: string; readonly kind: string }

export interface AppProjectProps {
  readonly name: string;
  readonly namespace: string;
  readonly description: string;
  readonly sourceRepos: readonly string[];
  readonly destinations: readonly { readonly server: string; readonly namespace: string }[];
  readonly clusterResources: readonly GroupKind[];
  readonly namespaceResources: readonly GroupKind[];
  /**
   * Project roles with the SSO groups that hold them and their policy lines.
   * @default - no roles: only Argo CD's global RBAC applies
   */
  readonly roles?: readonly { readonly name: string; readonly description: string; readonly groups: readonly string[]; readonly policies: readonly string[] }[];
  /**
   * When the project's Applications may sync.
   * @default - always
   */
  readonly syncWindows?: readonly (SyncWindow & { readonly applications: readonly string[] })[];
  /**
   * Sync wave within the app-of-apps: the project must exist before the Applications that name it.
   * @default - no wave (0)
   */
  readonly syncWave?: number;
  /**
   * Mark objects in the destinations that no Application tracks (e.g. left behind by a non-pruning
   * sync) with a warning condition.
   * @default false
   */
  readonly warnOnOrphans?: boolean;
}

export type PolicyAction = 'get' | 'sync' | '*' | 'action/*';

/**
 * Policy lines the way Argo CD's validatePolicy (pkg/apis/application/v1alpha1/types.go) accepts them: a
 * project-scoped resource, a known action or `action/...`, an object scoped to this project.
 */
export function projectPolicy(project: string, role: string, action: PolicyAction, applications: string, resource: 'applications' | 'logs' = 'applications'): string {
  return `p, proj:${project}:${role}, ${resource}, ${action}, ${project}/${applications}, allow`;
}

/**
 * Since Argo CD 3.0 logs are enforced separately (docs/operator-manual/upgrading/2.14-3.0.md): whoever
 * may get or fully control applications also gets `logs, get` on the same objects.
 */
export function withLogAccess(project: string, role: string, policies: readonly string[]): string[] {
  const prefix = `p, proj:${project}:${role}, applications, `;
  const logs = policies
    .filter((policy) => policy.startsWith(prefix) && /^(get|\*), /.test(policy.slice(prefix.length)))
    .map((policy) => policy.slice(prefix.length).split(', ')[1])
    .map((object) => `p, proj:${project}:${role}, logs, get, ${object}, allow`);
  return [...new Set([...policies, ...logs])];
}

/** An Argo CD AppProject: which repositories, clusters, namespaces and kinds its Applications may touch. */
export class AppProject extends Construct {
  constructor(scope: Construct, id: string, props: AppProjectProps) {
    super(scope, id);
    new argo.AppProject(this, 'Resource', {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        annotations: props.syncWave === undefined ? undefined : { 'argocd.argoproj.io/sync-wave': String(props.syncWave) },
      },
      spec: {
        description: props.description,
        sourceRepos: [...props.sourceRepos],
        destinations: props.destinations.map((destination) => ({ ...destination })),
        clusterResourceWhitelist: props.clusterResources.map((groupKind) => ({ ...groupKind })),
        namespaceResourceWhitelist: props.namespaceResources.map((groupKind) => ({ ...groupKind })),
        roles: props.roles?.map((role) => ({
          name: role.name, description: role.description, groups: [...role.groups], policies: withLogAccess(props.name, role.name, role.policies),
        })),
        orphanedResources: props.warnOnOrphans ? { warn: true } : undefined,
        syncWindows: props.syncWindows?.map((window) => ({
          kind: window.kind,
          schedule: window.schedule,
          duration: window.duration,
          timeZone: window.timeZone,
          manualSync: window.manualSync,
          description: window.description,
          applications: [...window.applications],
        })),
      },
    });
  }
}
