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
}

/** Policy lines the way Argo CD validates them: a known resource, and an object scoped to this project. */
export function projectPolicy(project: string, role: string, action: 'get' | 'sync' | '*', applications: string): string {
  return `p, proj:${project}:${role}, applications, ${action}, ${project}/${applications}, allow`;
}

/** An Argo CD AppProject: which repositories, clusters, namespaces and kinds its Applications may touch. */
export class AppProject extends Construct {
  constructor(scope: Construct, id: string, props: AppProjectProps) {
    super(scope, id);
    new argo.AppProject(this, 'Resource', {
      metadata: { name: props.name, namespace: props.namespace },
      spec: {
        description: props.description,
        sourceRepos: [...props.sourceRepos],
        destinations: props.destinations.map((destination) => ({ ...destination })),
        clusterResourceWhitelist: props.clusterResources.map((groupKind) => ({ ...groupKind })),
        namespaceResourceWhitelist: props.namespaceResources.map((groupKind) => ({ ...groupKind })),
        roles: props.roles?.map((role) => ({ name: role.name, description: role.description, groups: [...role.groups], policies: [...role.policies] })),
        syncWindows: props.syncWindows?.map((window) => ({
          kind: window.kind,
          schedule: window.schedule,
          duration: window.duration,
          timeZone: window.timeZone,
          manualSync: window.manualSync,
          applications: [...window.applications],
        })),
      },
    });
  }
}
