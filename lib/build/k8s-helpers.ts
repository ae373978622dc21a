import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { ResourceSpec } from '../config/types';
import { ResolvedDisruptionBudget, ResolvedImagePull, ResolvedPodOptions } from '../resolve/model';
import { MountedFile } from '../resolve/cloud';

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

export function httpProbe(path: string, port: string | number, timing: { initialDelaySeconds: number; periodSeconds: number; timeoutSeconds?: number; failureThreshold?: number }): k8s.Probe {
  return {
    httpGet: { path, port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) },
    initialDelaySeconds: timing.initialDelaySeconds,
    periodSeconds: timing.periodSeconds,
    timeoutSeconds: timing.timeoutSeconds ?? 3,
    failureThreshold: timing.failureThreshold ?? 3,
  };
}

/** The pod spec's imagePullSecrets: left out when there are none, so trees without them stay as they were. */
export function imagePullSecrets(pull: ResolvedImagePull): Pick<k8s.PodSpec, 'imagePullSecrets'> {
  return pull.secrets.length > 0 ? { imagePullSecrets: pull.secrets.map((name) => ({ name })) } : {};
}

/** A container's imagePullPolicy: left out (Kubernetes' default) unless the estate sets one. */
export function imagePullPolicy(pull: ResolvedImagePull): Pick<k8s.Container, 'imagePullPolicy'> {
  return pull.policy ? { imagePullPolicy: pull.policy } : {};
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

export interface DenyingAdmissionPolicyProps {
  readonly name: string;
  readonly labels: Record<string, string>;
  /** What the policy judges (matchConstraints.resourceRules). */
  readonly resourceRules: readonly Record<string, unknown>[];
  readonly variables?: readonly { readonly name: string; readonly expression: string }[];
  /** Each a CEL expression that must hold, and the message a denial gives. */
  readonly validations: readonly { readonly expression: string; readonly message: string }[];
  /** Where the binding applies; none: everywhere. */
  readonly matchResources?: Record<string, unknown>;
}

/**
 * A ValidatingAdmissionPolicy that fails closed and the binding that makes it deny (not audit or warn), both
 * named `name`: the apiserver itself then refuses what breaks a rule, whatever wrote it.
 */
export function denyingAdmissionPolicy(scope: Construct, id: string, props: DenyingAdmissionPolicyProps): void {
  const metadata = { name: props.name, labels: props.labels };
  new ApiObject(scope, `${id}Policy`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata,
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: props.resourceRules.map((rule) => ({ ...rule })) },
      ...(props.variables ? { variables: props.variables.map((variable) => ({ ...variable })) } : {}),
      validations: props.validations.map((validation) => ({ ...validation, reason: 'Forbidden' })),
    },
  });
  new ApiObject(scope, `${id}Binding`, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata,
    spec: { policyName: props.name, validationActions: ['Deny'], ...(props.matchResources ? { matchResources: props.matchResources } : {}) },
  });
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

/** The scheduling fields of a pod spec, from the component's resolved pod options; absent ones are left out. */
export function podScheduling(pod: ResolvedPodOptions): Pick<k8s.PodSpec, 'priorityClassName' | 'tolerations' | 'nodeSelector' | 'topologySpreadConstraints'> {
  const spread = pod.topologySpread;
  return {
    priorityClassName: pod.priorityClassName,
    tolerations: pod.tolerations.length > 0 ? pod.tolerations.map((toleration) => ({ ...toleration })) : undefined,
    nodeSelector: Object.keys(pod.nodeSelector).length > 0 ? { ...pod.nodeSelector } : undefined,
    topologySpreadConstraints: spread
      ? [{ maxSkew: 1, topologyKey: spread.topologyKey, whenUnsatisfiable: spread.whenUnsatisfiable, labelSelector: { matchLabels: { ...spread.selector } } }]
      : undefined,
  };
}

/** A PodDisruptionBudget over exactly the selector of the workload it protects. */
export function disruptionBudget(scope: Construct, id: string, props: {
  readonly name: string; readonly namespace: string; readonly labels: Record<string, string>;
  readonly selector: Record<string, string>; readonly budget: ResolvedDisruptionBudget;
}): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(scope, id, {
    metadata: { name: props.name, namespace: props.namespace, labels: props.labels },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(props.budget.maxUnavailable), selector: { matchLabels: { ...props.selector } } },
  });
}

/** A volume holding one key of a Secret or ConfigMap as one file (read-only for everyone but its owner). */
export function fileVolume(file: MountedFile): k8s.Volume {
  const items = [{ key: file.source.key, path: file.file }];
  return file.source.kind === 'Secret'
    ? { name: file.volume, secret: { secretName: file.source.name, items, defaultMode: 0o400 } }
    : { name: file.volume, configMap: { name: file.source.name, items } };
}
