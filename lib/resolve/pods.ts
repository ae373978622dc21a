import { PodOptions, ReplicatedPodOptions, TolerationSpec } from '../config/types';
import { ResolvedPodOptions } from './model';

/*
 * Each component's pod options with its defaults applied, once, in the resolve stage; the constructs put
 * the result on their pod templates as it is. What a component gets when the estate says nothing is
 * written here and in the field's description in lib/config/schema.ts.
 */

/** Annotations the project itself puts on pod templates; the estate may not set them. */
export const PROJECT_ANNOTATION_PREFIX = 'spire-gitops/';
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

/** Kubernetes' well-known node labels the spread switch spreads over. */
const SPREAD_TOPOLOGY_KEYS = { nodes: 'kubernetes.io/hostname', zones: 'topology.kubernetes.io/zone' } as const;

/** What a component gets for each pod option the estate leaves out. */
export interface PodDefaults {
  readonly priorityClassName?: string;
  readonly tolerations: readonly TolerationSpec[];
  readonly nodeSelector: Readonly<Record<string, string>>;
}

/**
 * The hardened chart gives these with its production recommendations switched on
 * (spire-lib templates/_helpers.tpl, default_cluster_priority_class_name and
 * default_node_priority_class_name): the server is cluster-critical, the per-node parts node-critical.
 */
export const SERVER_POD_DEFAULTS: PodDefaults = { priorityClassName: 'system-cluster-critical', tolerations: [], nodeSelector: {} };
/** An agent on every node, tainted or not: a pod on a node without one gets no identity. */
export const AGENT_POD_DEFAULTS: PodDefaults = { priorityClassName: 'system-node-critical', tolerations: [{ operator: 'Exists' }], nodeSelector: {} };
/** An ordinary web service: the chart's defaults. */
export const OIDC_POD_DEFAULTS: PodDefaults = { tolerations: [], nodeSelector: {} };

/**
 * A component's pod options: the estate's where given, else the defaults. `standardLabels` are the
 * component's own labels (its selector among them); the estate's extra labels are added to them, never
 * over them (lib/config/validate-fields.ts refuses such a key before this runs).
 */
export function resolvePodOptions(
  options: PodOptions | ReplicatedPodOptions | undefined,
  defaults: PodDefaults,
  standardLabels: Record<string, string>,
  selector: Record<string, string>,
): ResolvedPodOptions {
  const priorityClassName = options?.priorityClassName === null ? undefined : options?.priorityClassName ?? defaults.priorityClassName;
  const spread = options && 'spread' in options ? options.spread : undefined;
  return {
    labels: { ...options?.labels, ...standardLabels },
    annotations: { ...options?.annotations },
    priorityClassName,
    tolerations: (options?.tolerations ?? defaults.tolerations).map((toleration) => ({ ...toleration })),
    nodeSelector: { ...(options?.nodeSelector ?? defaults.nodeSelector) },
    topologySpread: spread
      ? { topologyKey: SPREAD_TOPOLOGY_KEYS[spread.over], whenUnsatisfiable: spread.required ? 'DoNotSchedule' : 'ScheduleAnyway', selector: { ...selector } }
      : undefined,
  };
}

/** The CSI driver's options: where the estate gives none, the agent's placement, so both run on the same nodes. */
export function csiDriverDefaults(agent: ResolvedPodOptions): PodDefaults {
  return { priorityClassName: agent.priorityClassName, tolerations: agent.tolerations, nodeSelector: agent.nodeSelector };
}
