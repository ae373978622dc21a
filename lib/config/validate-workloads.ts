import { EnvironmentConfig, EstateConfig, ProbesSpec } from './types';
import { DNS_SUBDOMAIN } from './validate-fields';
import { ViolationDetails } from './violation';

type Report = (details: ViolationDetails) => void;

/*
 * The numbers and names of the workload options (lib/config/schema.ts serverWorkloadSchema, the agents'
 * `workload`, the OIDC provider's `probes`, `images.pullSecrets`), as the apiserver would judge them
 * (k8s.io/kubernetes pkg/apis/core/validation ValidateProbe, apps/validation ValidateDaemonSetUpdateStrategy,
 * autoscaling/validation validateHorizontalPodAutoscalerSpec). How the kind and the autoscaler fit where the
 * server keeps its state is the server construct's check (lib/spire/spire-server.ts).
 */

function integerAtLeast(report: Report, resource: string, field: string, value: number | undefined, least: number, fix: string): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < least) {
    report({ resource, field, value, rule: `must be a whole number of at least ${least}`, fix });
  }
}

function probes(report: Report, resource: string, field: string, given: ProbesSpec | undefined): void {
  for (const kind of ['liveness', 'readiness'] as const) {
    const timing = given?.[kind];
    if (!timing) continue;
    const at = `${field}.${kind}`;
    integerAtLeast(report, resource, `${at}.initialDelaySeconds`, timing.initialDelaySeconds, 0, 'give seconds, e.g. 5, or leave it out for the default');
    integerAtLeast(report, resource, `${at}.periodSeconds`, timing.periodSeconds, 1, 'give seconds, e.g. 10, or leave it out for the default');
    integerAtLeast(report, resource, `${at}.timeoutSeconds`, timing.timeoutSeconds, 1, 'give seconds, e.g. 3, or leave it out for the default');
    integerAtLeast(report, resource, `${at}.failureThreshold`, timing.failureThreshold, 1, 'give a count, e.g. 3, or leave it out for the default');
  }
}

/** One environment's workload numbers: probes, grace period, autoscaler targets, the agents' rolling update. */
export function checkWorkloadFields(env: EnvironmentConfig, report: Report): void {
  const resource = `environment "${env.name}"`;
  const workload = env.server?.workload;
  probes(report, resource, 'server.workload.probes', workload?.probes);
  probes(report, resource, 'server.workload.controllerManagerProbes', workload?.controllerManagerProbes);
  probes(report, resource, 'agent.workload.probes', env.agent?.workload?.probes);
  probes(report, resource, 'oidcDiscovery.probes', env.oidcDiscovery?.probes);
  probes(report, resource, 'agent.csiDriverWorkload.probes', env.agent?.csiDriverWorkload?.probes);
  integerAtLeast(report, resource, 'server.workload.terminationGracePeriodSeconds', workload?.terminationGracePeriodSeconds, 0, 'give seconds, e.g. 30');
  integerAtLeast(report, resource, 'agent.workload.maxUnavailable', env.agent?.workload?.maxUnavailable, 1, 'give a count of agents, e.g. 1');
  integerAtLeast(report, resource, 'agent.csiDriverWorkload.maxUnavailable', env.agent?.csiDriverWorkload?.maxUnavailable, 1, 'give a count of driver pods, e.g. 1');
  const autoscaling = workload?.autoscaling;
  if (autoscaling) {
    integerAtLeast(report, resource, 'server.workload.autoscaling.minReplicas', autoscaling.minReplicas, 1, 'give a count, e.g. 2');
    integerAtLeast(report, resource, 'server.workload.autoscaling.maxReplicas', autoscaling.maxReplicas, 1, 'give a count, e.g. 5');
    integerAtLeast(report, resource, 'server.workload.autoscaling.targetCPUUtilizationPercentage', autoscaling.targetCPUUtilizationPercentage, 1, 'give a percentage of the CPU request, e.g. 80');
    integerAtLeast(report, resource, 'server.workload.autoscaling.targetMemoryUtilizationPercentage', autoscaling.targetMemoryUtilizationPercentage, 1, 'give a percentage of the memory request, e.g. 80');
  }
}

/** The registry Secrets every pod names: Secret names, each once. */
export function checkImagePullFields(estate: EstateConfig, report: Report): void {
  const secrets = estate.images?.pullSecrets ?? [];
  for (const [index, name] of secrets.entries()) {
    if (typeof name !== 'string' || !DNS_SUBDOMAIN.test(name) || name.length > 253) {
      report({ resource: 'images', field: `images.pullSecrets[${index}]`, value: name, rule: 'is not a Secret name (a lowercase RFC 1123 subdomain)', fix: 'name an existing kubernetes.io/dockerconfigjson Secret, e.g. registry-credentials' });
    } else if (secrets.indexOf(name) !== index) {
      report({ resource: 'images', field: `images.pullSecrets[${index}]`, value: name, rule: 'names a Secret already listed', fix: 'list each Secret once' });
    }
  }
}
