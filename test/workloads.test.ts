import { Testing } from 'cdk8s';
import { ClusterChart } from '../lib/build/cluster-chart';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EnvironmentConfig, EstateConfig, ServerSettings } from '../lib/config/types';
import { resolveCluster } from '../lib/resolve/resolve';
import { renderEstate } from '../lib/synth';
import { environment, estateWith, find, problemsOf } from './helpers/estate';

/*
 * The workloads' Kubernetes shape (server.workload, agent.workload, oidcDiscovery.probes) and how every pod
 * pulls its images (images.pullSecrets, images.pullPolicy): what lands in the manifests, the defaults that
 * keep dist/ as it was, and what synth refuses.
 */

function synth(env: EnvironmentConfig, images = DEFAULT_ESTATE.images): any[] {
  return Testing.synth(new ClusterChart(Testing.app(), 'test', { resolved: resolveCluster(env, env.clusters[0], images) }));
}
function one(objects: any[], kind: string, name: string): any {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}
function container(pod: any, name: string): any {
  return pod.spec.containers.find((candidate: any) => candidate.name === name);
}

/** Production (postgres, two replicas) with its keys in Cloud KMS, one identifier per pod: nothing on a volume. */
function stateless(server: Partial<ServerSettings> = {}): EnvironmentConfig {
  const env = environment('production');
  return {
    ...env,
    server: {
      ...env.server,
      keyManager: { type: 'gcp_kms', keyRing: 'projects/p/locations/l/keyRings/r', keyIdentifier: { type: 'podName' } },
      cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: 'spire-server@my-project.iam.gserviceaccount.com' } },
      ...server,
    },
  };
}
const deploymentWithAutoscaler = (autoscaling: Partial<NonNullable<NonNullable<ServerSettings['workload']>['autoscaling']>> = {}) => stateless({
  workload: { kind: 'Deployment', autoscaling: { minReplicas: 2, maxReplicas: 5, ...autoscaling } },
});

describe('defaults (what dist/ has)', () => {
  const objects = synth(environment('production'));

  test('the server is a StatefulSet with a replica count, its headless Service, and no autoscaler', () => {
    const statefulSet = one(objects, 'StatefulSet', 'spire-server');
    expect(statefulSet.spec.replicas).toBe(2);
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.accessModes).toStrictEqual(['ReadWriteOnce']);
    expect(statefulSet.spec.template.spec.terminationGracePeriodSeconds).toBeUndefined();
    one(objects, 'Service', 'spire-server-headless');
    expect(objects.filter((object) => object.kind === 'HorizontalPodAutoscaler' || object.kind === 'Deployment' && object.metadata.name === 'spire-server')).toStrictEqual([]);
  });

  test('probe timings are those the components always had', () => {
    const pod = one(objects, 'StatefulSet', 'spire-server').spec.template;
    const timing = (probe: any) => [probe.initialDelaySeconds, probe.periodSeconds, probe.timeoutSeconds, probe.failureThreshold];
    expect(timing(container(pod, 'spire-server').livenessProbe)).toStrictEqual([15, 60, 3, 2]);
    expect(timing(container(pod, 'spire-server').readinessProbe)).toStrictEqual([5, 5, 3, 3]);
    expect(timing(container(pod, 'spire-controller-manager').livenessProbe)).toStrictEqual([5, 10, 3, 3]);
    expect(timing(container(pod, 'spire-controller-manager').readinessProbe)).toStrictEqual([5, 5, 3, 3]);
    const agent = one(objects, 'DaemonSet', 'spire-agent');
    expect(timing(container(agent.spec.template, 'spire-agent').livenessProbe)).toStrictEqual([15, 60, 3, 2]);
    expect(timing(container(agent.spec.template, 'spire-agent').readinessProbe)).toStrictEqual([10, 30, 3, 3]);
    expect(agent.spec.updateStrategy.rollingUpdate.maxUnavailable).toBe(1);
    const registrar = container(one(objects, 'DaemonSet', 'spiffe-csi-driver').spec.template, 'node-driver-registrar');
    expect(timing(registrar.livenessProbe)).toStrictEqual([5, 10, 3, 3]);
    expect(timing(registrar.readinessProbe)).toStrictEqual([5, 10, 3, 3]);
  });

  test('no pull secrets and no pull policy on SPIRE\'s pods', () => {
    for (const object of objects.filter((candidate) => candidate.spec?.template?.spec)) {
      const spec = object.spec.template.spec;
      expect(spec.imagePullSecrets).toBeUndefined();
      for (const each of spec.containers) expect(each.imagePullPolicy).toBeUndefined();
    }
  });
});

describe('server as a Deployment with an autoscaler', () => {
  const objects = synth(deploymentWithAutoscaler({ targetMemoryUtilizationPercentage: 75 }));

  test('a Deployment without replicas (the autoscaler owns them), rolling one new pod in before one old goes', () => {
    const deployment = one(objects, 'Deployment', 'spire-server');
    expect('replicas' in deployment.spec).toBe(false);
    expect(deployment.spec.strategy).toStrictEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(deployment.spec.template.spec.volumes.find((volume: any) => volume.name === 'spire-data')).toStrictEqual({ name: 'spire-data', emptyDir: {} });
    expect(objects.filter((object) => object.kind === 'StatefulSet' || object.metadata.name === 'spire-server-headless')).toStrictEqual([]);
  });

  test('a HorizontalPodAutoscaler on the spire-server container only', () => {
    const autoscaler = one(objects, 'HorizontalPodAutoscaler', 'spire-server');
    expect(autoscaler.apiVersion).toBe('autoscaling/v2');
    expect(autoscaler.spec).toStrictEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'spire-server' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [{ type: 'ContainerResource', containerResource: { name: 'memory', container: 'spire-server', target: { type: 'Utilization', averageUtilization: 75 } } }],
    });
  });

  test('CPU at 80 % when no target is given, as the hardened chart', () => {
    const autoscaler = one(synth(deploymentWithAutoscaler()), 'HorizontalPodAutoscaler', 'spire-server');
    expect(autoscaler.spec.metrics).toStrictEqual([
      { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'spire-server', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
  });

  test('the disruption budget covers whatever count the autoscaler chose, even from one replica', () => {
    const fromOne = stateless({ replicas: 1, workload: { kind: 'Deployment', autoscaling: { minReplicas: 1, maxReplicas: 3 } } });
    const budget = one(synth({ ...fromOne, production: false }), 'PodDisruptionBudget', 'spire-server');
    expect(budget.spec.maxUnavailable).toBe(1);
  });

  test('the key identifier is the pod\'s name, read through -expandEnv', () => {
    const deployment = one(objects, 'Deployment', 'spire-server');
    const server = container(deployment.spec.template, 'spire-server');
    expect(server.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(server.args).toContain('-expandEnv');
    expect(one(objects, 'ConfigMap', 'spire-server').data['server.conf']).toContain('key_identifier_value = "${POD_NAME}"');
  });

  test('Argo CD syncs the Deployment and its autoscaler in the server\'s wave, before the identities', () => {
    const files = renderEstate(estateWith('production', () => deploymentWithAutoscaler()));
    const wave = (path: string) => find(files, path).metadata.annotations['argocd.argoproj.io/sync-wave'];
    expect(wave('production/prod-euw1/spire-server/deployment-spire-server.yaml')).toBe('0');
    expect(wave('production/prod-euw1/spire-server/horizontalpodautoscaler-spire-server.yaml')).toBe('0');
  });

  test('Flux waits for the Deployment, not a StatefulSet', () => {
    const env = deploymentWithAutoscaler();
    const estate: EstateConfig = estateWith('production', () => ({ ...env, gitops: { ...env.gitops, engines: ['flux'] } }));
    const files = renderEstate(estate);
    const path = [...files.keys()].find((key) => key.startsWith('flux/') && /kustomization-spire\.yaml$/.test(key));
    expect(path).toBeDefined();
    expect(find(files, path!).spec.healthChecks).toStrictEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'spire-server', namespace: 'spire-server' }]);
  });
});

describe('tuning', () => {
  test('probe timings, grace period, claim access mode and the agents\' maxUnavailable reach the manifests', () => {
    const env = environment('production');
    const objects = synth({
      ...env,
      server: {
        ...env.server,
        workload: {
          terminationGracePeriodSeconds: 45,
          volumeAccessMode: 'ReadWriteOncePod',
          probes: { liveness: { periodSeconds: 20 }, readiness: { failureThreshold: 6, timeoutSeconds: 2 } },
          controllerManagerProbes: { liveness: { initialDelaySeconds: 30 } },
        },
      },
      agent: {
        ...env.agent,
        workload: { maxUnavailable: 3, probes: { readiness: { periodSeconds: 10 } } },
        csiDriverWorkload: { maxUnavailable: 2, probes: { liveness: { timeoutSeconds: 5 } } },
      },
      oidcDiscovery: { domains: ['oidc.example.org'], resources: env.server.resources, probes: { liveness: { failureThreshold: 5 } } },
    });
    const statefulSet = one(objects, 'StatefulSet', 'spire-server');
    const pod = statefulSet.spec.template;
    expect(pod.spec.terminationGracePeriodSeconds).toBe(45);
    expect(statefulSet.spec.volumeClaimTemplates[0].spec.accessModes).toStrictEqual(['ReadWriteOncePod']);
    expect(container(pod, 'spire-server').livenessProbe).toMatchObject({ initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 3, failureThreshold: 2 });
    expect(container(pod, 'spire-server').readinessProbe).toMatchObject({ initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 6 });
    expect(container(pod, 'spire-controller-manager').livenessProbe).toMatchObject({ initialDelaySeconds: 30, periodSeconds: 10 });
    const agent = one(objects, 'DaemonSet', 'spire-agent');
    expect(agent.spec.updateStrategy.rollingUpdate.maxUnavailable).toBe(3);
    expect(container(agent.spec.template, 'spire-agent').readinessProbe).toMatchObject({ initialDelaySeconds: 10, periodSeconds: 10 });
    const csi = one(objects, 'DaemonSet', 'spiffe-csi-driver');
    expect(csi.spec.updateStrategy.rollingUpdate.maxUnavailable).toBe(2);
    expect(container(csi.spec.template, 'node-driver-registrar').livenessProbe).toMatchObject({ initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    const oidc = one(objects, 'Deployment', 'spire-oidc-discovery-provider');
    expect(container(oidc.spec.template, 'spiffe-oidc-discovery-provider').livenessProbe).toMatchObject({ failureThreshold: 5, periodSeconds: 10 });
  });

  test('pull secrets and pull policy on every pod and container the tree runs', () => {
    const images = { ...DEFAULT_ESTATE.images, pullSecrets: ['acr-pull', 'mirror-pull'], pullPolicy: 'IfNotPresent' as const };
    const estate = estateWith('staging', (env) => ({ ...env, sampleWorkload: env.identities[0]?.name }));
    const files = renderEstate({ ...estate, images });
    const pods = [...files.entries()].filter(([path]) => path.startsWith('staging/'))
      .map(([path]) => ({ path, object: find(files, path) }))
      .filter(({ object }) => object?.spec?.template?.spec);
    const kinds = pods.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort();
    // Server, agent, CSI driver, OIDC provider, both sync hooks and the sample workload.
    expect(kinds).toEqual(expect.arrayContaining([
      'StatefulSet/spire-server', 'DaemonSet/spire-agent', 'DaemonSet/spiffe-csi-driver', 'Deployment/spire-oidc-discovery-provider',
      'Job/spire-server-validate', 'Job/spire-server-health-check',
    ]));
    for (const { object } of pods) {
      expect([object.kind, object.metadata.name, object.spec.template.spec.imagePullSecrets]).toStrictEqual([object.kind, object.metadata.name, [{ name: 'acr-pull' }, { name: 'mirror-pull' }]]);
      for (const each of [...object.spec.template.spec.containers, ...(object.spec.template.spec.initContainers ?? [])]) {
        expect([object.metadata.name, each.name, each.imagePullPolicy]).toStrictEqual([object.metadata.name, each.name, 'IfNotPresent']);
      }
    }
    // The inventory lists the Secrets each namespace needs.
    expect(files.get('README.md')).toContain('acr-pull');
  });
});

describe('refusals', () => {
  const refused = (env: EnvironmentConfig) => problemsOf(estateWith(env.name, () => env));

  test('fails when a Deployment would lose the sqlite3 database, the disk keys or the key identifier file', () => {
    const dev = environment('development');
    expect(refused({ ...dev, server: { ...dev.server, workload: { kind: 'Deployment' } } }).join('\n'))
      .toMatch(/server\.workload\.kind: needs every piece of the server's state off its own volume, but the sqlite3 database is a file in the data directory/);
    const prod = environment('production');
    expect(refused({ ...prod, server: { ...prod.server, workload: { kind: 'Deployment' } } }).join('\n'))
      .toMatch(/server\.workload\.kind: .*the disk KeyManager keeps the CA keys in a file \(keys_path\)/);
    const withFile = stateless({ keyManager: { type: 'gcp_kms', keyRing: 'projects/p/locations/l/keyRings/r', keyIdentifier: { type: 'file', storageSize: '1Gi' } }, workload: { kind: 'Deployment' } });
    expect(refused(withFile).join('\n')).toMatch(/server\.workload\.kind: .*key identifier is a file \(key_identifier_file\)/);
  });

  test('a Deployment with nothing on a volume synthesizes', () => {
    expect(refused(deploymentWithAutoscaler())).toStrictEqual([]);
  });

  test('fails when an autoscaler would scale a sqlite3 server', () => {
    const dev = environment('development');
    expect(refused({ ...dev, server: { ...dev.server, workload: { autoscaling: { minReplicas: 1, maxReplicas: 3 } } } }).join('\n'))
      .toMatch(/server\.workload\.autoscaling: scales the server, but sqlite3 allows exactly one replica/);
  });

  test('fails on an autoscaler range that is empty, one replica in production, or server.replicas outside it', () => {
    expect(refused(deploymentWithAutoscaler({ minReplicas: 4, maxReplicas: 3 })).join('\n')).toMatch(/needs minReplicas at least 1 and maxReplicas at least minReplicas/);
    expect(refused(stateless({ replicas: 1, workload: { autoscaling: { minReplicas: 1, maxReplicas: 3 } } })).join('\n'))
      .toMatch(/server\.workload\.autoscaling\.minReplicas: must be at least 2 in a production environment/);
    expect(refused(deploymentWithAutoscaler({ minReplicas: 3, maxReplicas: 6 })).join('\n')).toMatch(/server\.replicas: lies outside the autoscaler's range 3 to 6/);
  });

  test('fails when a fixed key identifier would be shared by the replicas the autoscaler may add', () => {
    const fixed = stateless({
      replicas: 1,
      keyManager: { type: 'gcp_kms', keyRing: 'projects/p/locations/l/keyRings/r', keyIdentifier: { type: 'value', value: 'spire-prod' } },
      workload: { kind: 'Deployment', autoscaling: { minReplicas: 1, maxReplicas: 3 } },
    });
    expect(refused({ ...fixed, production: false }).join('\n')).toMatch(/is one identifier for 3 server replicas \(server\.workload\.autoscaling\.maxReplicas\)/);
  });

  test('fails on probe timings, grace periods, targets and maxUnavailable the apiserver refuses', () => {
    const env = environment('production');
    const problems = refused({
      ...env,
      server: {
        ...env.server,
        workload: { terminationGracePeriodSeconds: -1, probes: { liveness: { periodSeconds: 0, initialDelaySeconds: 1.5 } }, autoscaling: { minReplicas: 2, maxReplicas: 2, targetCPUUtilizationPercentage: 0 } },
      },
      agent: { ...env.agent, workload: { maxUnavailable: 0, probes: { readiness: { failureThreshold: 0, timeoutSeconds: 0 } } }, csiDriverWorkload: { maxUnavailable: 1.5 } },
    }).join('\n');
    for (const field of [
      'server.workload.terminationGracePeriodSeconds', 'server.workload.probes.liveness.periodSeconds', 'server.workload.probes.liveness.initialDelaySeconds',
      'server.workload.autoscaling.targetCPUUtilizationPercentage', 'agent.workload.maxUnavailable', 'agent.workload.probes.readiness.failureThreshold',
      'agent.workload.probes.readiness.timeoutSeconds', 'agent.csiDriverWorkload.maxUnavailable',
    ]) {
      expect(problems).toContain(`${field}: must be a whole number`);
    }
  });

  test('fails on a pull Secret that is not a Secret name, or is listed twice', () => {
    const problems = problemsOf({ ...estateWith('staging', (env) => env), images: { ...DEFAULT_ESTATE.images, pullSecrets: ['Registry_Creds', 'pull', 'pull'] } }).join('\n');
    expect(problems).toMatch(/images\.pullSecrets\[0\]: is not a Secret name/);
    expect(problems).toMatch(/images\.pullSecrets\[2\]: names a Secret already listed/);
  });

  test('fails on a pull policy the schema does not offer (Never)', () => {
    const problems = problemsOf({ ...estateWith('staging', (env) => env), images: { ...DEFAULT_ESTATE.images, pullPolicy: 'Never' as never } }).join('\n');
    expect(problems).toMatch(/images\.pullPolicy/);
  });
});
