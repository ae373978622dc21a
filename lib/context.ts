import { Construct } from 'constructs';
import { ClusterConfig, EnvironmentConfig } from './config/types';
import { ImageCatalogue } from './config/versions';

/** What every construct of one cluster's tree knows about where it is. */
export interface ClusterContext {
  readonly environment: EnvironmentConfig;
  readonly cluster: ClusterConfig;
  readonly images: ImageCatalogue;
}

export const PART_OF = 'spire';

/** Recommended labels; selectors use only name and instance so a version bump never changes them. */
export function standardLabels(name: string, component: string, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': 'spire-gitops',
  };
}

export function selectorLabels(name: string, instance: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': instance };
}

export interface ViolationDetails {
  /** `Kind "name"` of the offending resource or config entry. */
  readonly resource: string;
  /** Field path, e.g. `spec.ttl` or `server.replicas`. */
  readonly field: string;
  readonly value: unknown;
  /** What the rule demands. */
  readonly rule: string;
  /** How to fix it. */
  readonly fix: string;
}

/** One line that names environment, cluster, resource, field, value, rule and fix. */
export function formatViolation(where: string, details: ViolationDetails): string {
  const value = details.value === undefined ? 'nothing' : JSON.stringify(details.value);
  return `${where}: ${details.resource} ${details.field}: ${details.rule}, got ${value}; fix: ${details.fix}`;
}

export function where(context: ClusterContext): string {
  return `${context.environment.name}/${context.cluster.name}`;
}

/**
 * Registers checks that run when the estate is synthesized; every failing check is reported together,
 * so one synth lists every problem.
 */
export function addChecks(scope: Construct, context: ClusterContext, checks: () => (ViolationDetails | undefined)[]): void {
  scope.node.addValidation({
    validate: () => checks()
      .filter((details): details is ViolationDetails => details !== undefined)
      .map((details) => formatViolation(where(context), details)),
  });
}
