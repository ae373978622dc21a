import { ImageCatalogue, ProbeTimingSpec, ProbesSpec, ServerSettings } from '../config/types';
import { ProbeTiming, ResolvedImagePull, ResolvedProbes, ResolvedServerWorkload } from './model';

/*
 * Each component's workload shape with its defaults applied, once, in the resolve stage: the server's kind,
 * replica count or autoscaler, probe timing and claim access mode, the agents' rolling update, and how every
 * pod pulls its images. The defaults written here are those the fields' descriptions in lib/config/schema.ts
 * name; what a probe probes (path and port) is SPIRE's and comes from lib/config/spire-facts.ts.
 */

/** Kubernetes' own probe defaults for the fields no component changes. */
const PROBE_TIMEOUT_SECONDS = 3;
const PROBE_FAILURE_THRESHOLD = 3;

function timing(initialDelaySeconds: number, periodSeconds: number, failureThreshold = PROBE_FAILURE_THRESHOLD): ProbeTiming {
  return { initialDelaySeconds, periodSeconds, timeoutSeconds: PROBE_TIMEOUT_SECONDS, failureThreshold };
}

/**
 * What each container's probes are when the estate says nothing. Liveness of the server and agent is slow
 * and tolerant: a server busy signing, or an agent waiting for its server, must not be restarted for it.
 */
export const PROBE_DEFAULTS = {
  server: { liveness: timing(15, 60, 2), readiness: timing(5, 5) },
  controllerManager: { liveness: timing(5, 10), readiness: timing(5, 5) },
  agent: { liveness: timing(15, 60, 2), readiness: timing(10, 30) },
  oidcDiscoveryProvider: { liveness: timing(5, 10), readiness: timing(5, 5) },
  csiNodeDriverRegistrar: { liveness: timing(5, 10), readiness: timing(5, 10) },
} as const satisfies Record<string, ResolvedProbes>;

/** The agents' and the CSI driver's DaemonSets replace this many at a time when the estate does not say. */
export const AGENT_MAX_UNAVAILABLE_DEFAULT = 1;
export const CSI_DRIVER_MAX_UNAVAILABLE_DEFAULT = 1;
/**
 * The hardened chart's autoscaling default when neither target is given: the spire-server containers at
 * four fifths of their CPU request (a fraction here, so the number is not mistaken for a port of SPIRE's).
 */
const DEFAULT_CPU_TARGET_FRACTION = 0.8;
export const DEFAULT_CPU_TARGET_PERCENT = Math.round(DEFAULT_CPU_TARGET_FRACTION * 100);

function probeTiming(given: ProbeTimingSpec | undefined, defaults: ProbeTiming): ProbeTiming {
  return {
    initialDelaySeconds: given?.initialDelaySeconds ?? defaults.initialDelaySeconds,
    periodSeconds: given?.periodSeconds ?? defaults.periodSeconds,
    timeoutSeconds: given?.timeoutSeconds ?? defaults.timeoutSeconds,
    failureThreshold: given?.failureThreshold ?? defaults.failureThreshold,
  };
}

/** A container's two probes: each field the estate gives, else the component's default. */
export function resolveProbes(given: ProbesSpec | undefined, defaults: ResolvedProbes): ResolvedProbes {
  return { liveness: probeTiming(given?.liveness, defaults.liveness), readiness: probeTiming(given?.readiness, defaults.readiness) };
}

/** The server's workload: StatefulSet unless the estate asks for a Deployment; no replica count when an autoscaler owns it. */
export function resolveServerWorkload(settings: ServerSettings): ResolvedServerWorkload {
  const workload = settings.workload;
  const autoscaling = workload?.autoscaling;
  const noTarget = autoscaling?.targetCPUUtilizationPercentage === undefined && autoscaling?.targetMemoryUtilizationPercentage === undefined;
  return {
    kind: workload?.kind ?? 'StatefulSet',
    replicas: autoscaling ? undefined : settings.replicas,
    autoscaling: autoscaling
      ? {
        minReplicas: autoscaling.minReplicas,
        maxReplicas: autoscaling.maxReplicas,
        targetCPUUtilizationPercentage: noTarget ? DEFAULT_CPU_TARGET_PERCENT : autoscaling.targetCPUUtilizationPercentage,
        targetMemoryUtilizationPercentage: autoscaling.targetMemoryUtilizationPercentage,
      }
      : undefined,
    terminationGracePeriodSeconds: workload?.terminationGracePeriodSeconds,
    probes: resolveProbes(workload?.probes, PROBE_DEFAULTS.server),
    controllerManagerProbes: resolveProbes(workload?.controllerManagerProbes, PROBE_DEFAULTS.controllerManager),
    volumeAccessMode: workload?.volumeAccessMode ?? 'ReadWriteOnce',
  };
}

/** Most server pods there can be at once: what one-replica-only rules (sqlite3, a fixed key identifier) must look at. */
export function mostServerReplicas(settings: Pick<ServerSettings, 'replicas' | 'workload'>): number {
  return Math.max(settings.replicas, settings.workload?.autoscaling?.maxReplicas ?? 0);
}

/** Whether a cloud KeyManager names its keys after the pod (key identifier `podName`): the config then reads POD_NAME. */
export function keyIdentifiedByPodName(settings: Pick<ServerSettings, 'keyManager'>): boolean {
  const keyManager = settings.keyManager;
  return 'keyIdentifier' in keyManager && keyManager.keyIdentifier.type === 'podName';
}

/** How every pod of the trees pulls its images. */
export function resolveImagePull(images: ImageCatalogue): ResolvedImagePull {
  return { secrets: [...(images.pullSecrets ?? [])], policy: images.pullPolicy };
}
