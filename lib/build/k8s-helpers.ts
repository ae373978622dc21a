import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ResourceSpec } from '../config/types';

export function resources(spec: ResourceSpec): k8s.ResourceRequirements {
  const limits: Record<string, k8s.Quantity> = { memory: k8s.Quantity.fromString(spec.limits.memory) };
  if (spec.limits.cpu) limits.cpu = k8s.Quantity.fromString(spec.limits.cpu);
  return {
    requests: { cpu: k8s.Quantity.fromString(spec.requests.cpu), memory: k8s.Quantity.fromString(spec.requests.memory) },
    limits,
  };
}

/** No capabilities, no escalation, read-only root, default seccomp: for containers that must run as root. */
export const HARDENED_CONTAINER: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  readOnlyRootFilesystem: true,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The container security context the `restricted` Pod Security Standard requires, plus a read-only root. */
export const RESTRICTED_CONTAINER: k8s.SecurityContext = { ...HARDENED_CONTAINER, runAsNonRoot: true };

export function restrictedPod(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function httpProbe(path: string, port: string | number, timing: { initialDelaySeconds: number; periodSeconds: number; failureThreshold?: number }): k8s.Probe {
  return {
    httpGet: { path, port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) },
    initialDelaySeconds: timing.initialDelaySeconds,
    periodSeconds: timing.periodSeconds,
    timeoutSeconds: 3,
    failureThreshold: timing.failureThreshold ?? 3,
  };
}

export function podSecurityLabels(level: 'restricted' | 'baseline' | 'privileged'): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/audit': level,
    'pod-security.kubernetes.io/warn': level,
  };
}

export interface GrantProps {
  /** Name of the role and of its binding. */
  readonly name: string;
  /** Namespace of a Role; without one, a ClusterRole. */
  readonly namespace?: string;
  readonly labels: Record<string, string>;
  readonly rules: k8s.PolicyRule[];
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
}

/** A Role (or ClusterRole) and the binding that gives it to one service account, both named `name`. */
export function grant(scope: Construct, id: string, props: GrantProps): void {
  const subjects = [{ kind: 'ServiceAccount', name: props.serviceAccount.name, namespace: props.serviceAccount.namespace }];
  const metadata = { name: props.name, namespace: props.namespace, labels: props.labels };
  if (props.namespace === undefined) {
    new k8s.KubeClusterRole(scope, id, { metadata, rules: props.rules });
    new k8s.KubeClusterRoleBinding(scope, `${id}Binding`, {
      metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.name }, subjects,
    });
  } else {
    new k8s.KubeRole(scope, id, { metadata, rules: props.rules });
    new k8s.KubeRoleBinding(scope, `${id}Binding`, {
      metadata, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name }, subjects,
    });
  }
}
