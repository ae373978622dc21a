import { Testing } from 'cdk8s';
import { ClusterChart } from '../lib/build/cluster-chart';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EnvironmentConfig, PodOptions, ReplicatedPodOptions } from '../lib/config/types';
import { labelKeyProblem } from '../lib/config/validate-fields';
import { resolveCluster } from '../lib/resolve/resolve';
import { environment, estateWith, problemsOf } from './helpers/estate';
import { describeErrors, loadStrictValidators, sharedSchemasPresent } from './helpers/schemas';

/*
 * The operability options of each component's pods (server.pod, agent.pod, agent.csiDriverPod,
 * oidcDiscovery.pod, oidcDiscovery.replicas): what lands on the pod specs, what never changes (selectors),
 * the disruption budgets, and what synth refuses.
 */

function synth(env: EnvironmentConfig): any[] {
  return Testing.synth(new ClusterChart(Testing.app(), 'test', { resolved: resolveCluster(env, env.clusters[0], DEFAULT_ESTATE.images) }));
}
function one(objects: any[], kind: string, name: string): any {
  const found = objects.filter((object) => object.kind === kind && object.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0];
}
function optional(objects: any[], kind: string, name: string): any {
  return objects.find((object) => object.kind === kind && object.metadata.name === name);
}

/** Staging (OIDC provider on) with pod options for every component. */
function staging(options: {
  server?: ReplicatedPodOptions; agent?: PodOptions; csiDriver?: PodOptions; oidc?: ReplicatedPodOptions; oidcReplicas?: number;
}): EnvironmentConfig {
  const env = environment('staging');
  return {
    ...env,
    server: { ...env.server, pod: options.server },
    agent: { ...env.agent, pod: options.agent, csiDriverPod: options.csiDriver },
    oidcDiscovery: { ...env.oidcDiscovery!, pod: options.oidc, replicas: options.oidcReplicas },
  };
}

const WORKLOADS = [
  { part: 'server', kind: 'StatefulSet', name: 'spire-server' },
  { part: 'agent', kind: 'DaemonSet', name: 'spire-agent' },
  { part: 'csiDriver', kind: 'DaemonSet', name: 'spiffe-csi-driver' },
  { part: 'oidc', kind: 'Deployment', name: 'spire-oidc-discovery-provider' },
] as const;

describe('defaults (what dist/ has)', () => {
  const objects = synth(staging({}));
  const podSpec = (kind: string, name: string) => one(objects, kind, name).spec.template.spec;

  test('server: system-cluster-critical, no tolerations, nodeSelector or spread', () => {
    const spec = podSpec('StatefulSet', 'spire-server');
    expect(spec.priorityClassName).toBe('system-cluster-critical');
    expect(spec.tolerations).toBeUndefined();
    expect(spec.nodeSelector).toBeUndefined();
    expect(spec.topologySpreadConstraints).toBeUndefined();
  });
  test('agent and CSI driver: system-node-critical, tolerate every taint', () => {
    for (const name of ['spire-agent', 'spiffe-csi-driver']) {
      const spec = podSpec('DaemonSet', name);
      expect(spec.priorityClassName).toBe('system-node-critical');
      expect(spec.tolerations).toStrictEqual([{ operator: 'Exists' }]);
      expect(spec.nodeSelector).toBeUndefined();
    }
  });
  test('OIDC provider: one replica, no priority class, no disruption budget', () => {
    const deployment = one(objects, 'Deployment', 'spire-oidc-discovery-provider');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.template.spec.priorityClassName).toBeUndefined();
    expect(deployment.spec.template.spec.tolerations).toBeUndefined();
    expect(optional(objects, 'PodDisruptionBudget', 'spire-oidc-discovery-provider')).toBeUndefined();
  });
  test('server on one replica: no disruption budget', () => {
    expect(optional(objects, 'PodDisruptionBudget', 'spire-server')).toBeUndefined();
  });
});

describe.each(WORKLOADS)('$kind $name: pod options land on the pod spec', ({ part, kind, name }) => {
  const options = {
    tolerations: [{ key: 'dedicated', operator: 'Equal' as const, value: 'spire', effect: 'NoSchedule' as const }],
    nodeSelector: { 'kubernetes.io/os': 'linux', 'example.com/pool': 'identity' },
    priorityClassName: 'platform-critical',
    labels: { 'example.com/team': 'platform' },
    annotations: { 'example.com/owner': 'platform@example.com' },
  };
  const objects = synth(staging({ [part]: options }));
  const plain = one(synth(staging({})), kind, name);
  const workload = one(objects, kind, name);
  const spec = workload.spec.template.spec;

  test('tolerations, nodeSelector and priorityClassName', () => {
    expect(spec.tolerations).toStrictEqual(options.tolerations);
    expect(spec.nodeSelector).toStrictEqual(options.nodeSelector);
    expect(spec.priorityClassName).toBe('platform-critical');
  });
  test('extra labels and annotations are on the pods, the selector and workload labels are unchanged', () => {
    const template = workload.spec.template.metadata;
    expect(template.labels).toStrictEqual({ ...plain.spec.template.metadata.labels, 'example.com/team': 'platform' });
    expect(template.annotations).toStrictEqual({ ...plain.spec.template.metadata.annotations, 'example.com/owner': 'platform@example.com' });
    expect(workload.spec.selector).toStrictEqual(plain.spec.selector);
    expect(workload.metadata.labels).toStrictEqual(plain.metadata.labels);
    for (const [key, value] of Object.entries(workload.spec.selector.matchLabels)) expect(template.labels[key]).toBe(value);
  });
  test('priorityClassName null leaves the pods without one', () => {
    const none = one(synth(staging({ [part]: { priorityClassName: null } })), kind, name);
    expect(none.spec.template.spec.priorityClassName).toBeUndefined();
  });
});

describe('the CSI driver runs where the agent runs', () => {
  test('without its own options it takes the agent\'s tolerations, nodeSelector and priority class, not its labels', () => {
    const agent = { tolerations: [{ key: 'gpu', operator: 'Exists' as const }], nodeSelector: { 'example.com/pool': 'apps' }, priorityClassName: 'nodes', labels: { 'example.com/a': 'b' } };
    const spec = one(synth(staging({ agent })), 'DaemonSet', 'spiffe-csi-driver').spec.template;
    expect(spec.spec.tolerations).toStrictEqual(agent.tolerations);
    expect(spec.spec.nodeSelector).toStrictEqual(agent.nodeSelector);
    expect(spec.spec.priorityClassName).toBe('nodes');
    expect(spec.metadata.labels['example.com/a']).toBeUndefined();
  });
  test('its own options win', () => {
    const spec = one(synth(staging({ agent: { nodeSelector: { a: 'b' } }, csiDriver: { nodeSelector: { c: 'd' } } })), 'DaemonSet', 'spiffe-csi-driver').spec.template.spec;
    expect(spec.nodeSelector).toStrictEqual({ c: 'd' });
  });
});

describe('spreading replicas', () => {
  test.each([
    ['zones', true, 'topology.kubernetes.io/zone', 'DoNotSchedule'],
    ['nodes', false, 'kubernetes.io/hostname', 'ScheduleAnyway'],
  ] as const)('over %s, required %s: one constraint over the workload\'s own selector', (over, required, topologyKey, whenUnsatisfiable) => {
    const objects = synth(staging({ server: { spread: { over, required } }, oidc: { spread: { over, required } } }));
    for (const [kind, name] of [['StatefulSet', 'spire-server'], ['Deployment', 'spire-oidc-discovery-provider']]) {
      const workload = one(objects, kind, name);
      expect(workload.spec.template.spec.topologySpreadConstraints).toStrictEqual([
        { maxSkew: 1, topologyKey, whenUnsatisfiable, labelSelector: { matchLabels: workload.spec.selector.matchLabels } },
      ]);
    }
  });
});

describe('disruption budgets', () => {
  test('server with two replicas: maxUnavailable 1 over exactly the StatefulSet\'s selector', () => {
    const production = environment('production');
    expect(production.server.replicas).toBe(2);
    const objects = synth({ ...production, server: { ...production.server, pod: { labels: { 'example.com/team': 'platform' } } } });
    const statefulSet = one(objects, 'StatefulSet', 'spire-server');
    const budget = one(objects, 'PodDisruptionBudget', 'spire-server');
    expect(budget.metadata.namespace).toBe(statefulSet.metadata.namespace);
    expect(budget.spec).toStrictEqual({ maxUnavailable: 1, selector: statefulSet.spec.selector });
  });
  test('OIDC provider with two replicas: a Deployment of two and maxUnavailable 1 over its selector', () => {
    const objects = synth(staging({ oidcReplicas: 2 }));
    const deployment = one(objects, 'Deployment', 'spire-oidc-discovery-provider');
    const budget = one(objects, 'PodDisruptionBudget', 'spire-oidc-discovery-provider');
    expect(deployment.spec.replicas).toBe(2);
    expect(budget.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(budget.spec).toStrictEqual({ maxUnavailable: 1, selector: deployment.spec.selector });
  });
});

(sharedSchemasPresent ? describe : describe.skip)('with every option set', () => {
  test('the workloads and their budgets validate strictly against the pinned Kubernetes 1.28 schemas', () => {
    const every: ReplicatedPodOptions = {
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'spire', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists' }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'platform-critical',
      labels: { 'example.com/team': 'platform' },
      annotations: { 'example.com/owner': 'platform' },
      spread: { over: 'zones', required: true },
    };
    const { spread: _spread, ...perNode } = every;
    const production = environment('production');
    const objects = [
      ...synth(staging({ server: every, agent: perNode, csiDriver: perNode, oidc: every, oidcReplicas: 3 })),
      ...synth({ ...production, server: { ...production.server, pod: every } }),
    ].filter((object) => ['StatefulSet', 'DaemonSet', 'Deployment', 'PodDisruptionBudget'].includes(object.kind));
    expect(objects.filter((object) => object.kind === 'PodDisruptionBudget').map((object) => object.metadata.name))
      .toStrictEqual(['spire-oidc-discovery-provider', 'spire-server']);
    const validatorFor = loadStrictValidators();
    const failures = objects.flatMap((object) => {
      const validate = validatorFor(object.apiVersion, object.kind)!;
      return validate(object) ? [] : [`${object.kind} ${object.metadata.name}: ${describeErrors(validate)}`];
    });
    expect(failures).toStrictEqual([]);
  });
});

describe('label keys (apimachinery IsQualifiedName)', () => {
  test.each([
    ['team', undefined],
    ['example.com/team', undefined],
    ['a'.repeat(63), undefined],
    ['a'.repeat(64), 'has a name part of 64 characters (1 to 63 allowed)'],
    [`${'a'.repeat(254)}/team`, 'has a prefix that is not a lowercase DNS subdomain of at most 253 characters'],
    ['Example.com/team', 'has a prefix that is not a lowercase DNS subdomain of at most 253 characters'],
    ['a/b/c', 'has more than one /'],
    ['-team', 'has a name part that is not A-Z a-z 0-9 - _ . beginning and ending alphanumeric'],
    ['example.com/', 'has a name part of 0 characters (1 to 63 allowed)'],
  ])('key %#', (key, problem) => {
    expect(labelKeyProblem(key)).toBe(problem);
  });
});

describe('refused at synth', () => {
  const refused = (options: Parameters<typeof staging>[0]) => problemsOf(estateWith('staging', () => staging(options)));

  test('fails when an extra pod label overrides a selector label', () => {
    expect(refused({ server: { labels: { 'app.kubernetes.io/name': 'other' } } })).toContainEqual(
      'staging: StatefulSet "spire-server" server.pod.labels["app.kubernetes.io/name"]: is a label the project sets (app.kubernetes.io/name, '
      + 'app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/part-of, app.kubernetes.io/managed-by); overriding it would '
      + 'change or break the workload\'s selector, got "other"; fix: choose another key, e.g. example.com/name',
    );
  });
  test('fails when an extra pod annotation is one the project sets', () => {
    expect(refused({ agent: { annotations: { 'spire-gitops/config-checksum': 'x' } } })).toContainEqual(
      expect.stringMatching(/^staging: DaemonSet "spire-agent" agent\.pod\.annotations\["spire-gitops\/config-checksum"\]: is an annotation the project sets/),
    );
  });
  test('fails when a toleration has an operator or effect Kubernetes does not know', () => {
    const problems = refused({ agent: { tolerations: [{ operator: 'exists' as any, effect: 'NoSchedul' as any }] } });
    expect(problems).toContainEqual('staging: environment "staging" agent.pod.tolerations[0].operator: must be one of Exists, Equal, got "exists"; fix: did you mean Exists?');
    expect(problems).toContainEqual('staging: environment "staging" agent.pod.tolerations[0].effect: must be one of NoSchedule, PreferNoSchedule, NoExecute, got "NoSchedul"; fix: did you mean NoSchedule?');
  });
  test('fails on tolerations the API server refuses', () => {
    const problems = refused({
      csiDriver: {
        tolerations: [
          { operator: 'Equal', value: 'x' },
          { key: 'dedicated', operator: 'Exists', value: 'spire' },
          { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 },
        ],
      },
    });
    expect(problems).toContainEqual('staging: DaemonSet "spiffe-csi-driver" agent.csiDriverPod.tolerations[0].key: is required with operator Equal (only Exists may match every key), got nothing; fix: give the key of the taint, or use operator Exists');
    expect(problems).toContainEqual(expect.stringMatching(/agent\.csiDriverPod\.tolerations\[1\]\.value: must be empty with operator Exists, got "spire"; fix: remove value/));
    expect(problems).toContainEqual(expect.stringMatching(/agent\.csiDriverPod\.tolerations\[2\]\.tolerationSeconds: applies only with effect NoExecute, got 30/));
  });
  test('fails on a nodeSelector key or label value that is not valid label syntax', () => {
    const problems = refused({ oidc: { nodeSelector: { [`pool-${'x'.repeat(60)}`]: 'ok' }, labels: { team: 'has space' } } });
    expect(problems).toContainEqual(expect.stringMatching(/^staging: Deployment "spire-oidc-discovery-provider" oidcDiscovery\.pod\.nodeSelector\["pool-x+"\]: is not a valid label key: it has a name part of 65 characters \(1 to 63 allowed\)/));
    expect(problems).toContainEqual(expect.stringMatching(/oidcDiscovery\.pod\.labels\["team"\]: is not a valid label value, got "has space"; fix: use at most 63 characters/));
  });
  test('fails on a priorityClassName that is not a DNS subdomain, or a system- name Kubernetes does not have', () => {
    expect(refused({ server: { priorityClassName: 'Platform_Critical' } })).toContainEqual(
      expect.stringMatching(/^staging: StatefulSet "spire-server" server\.pod\.priorityClassName: is not a valid PriorityClass name .*got "Platform_Critical"; fix: /),
    );
    expect(refused({ server: { priorityClassName: 'system-critical' } })).toContainEqual(
      expect.stringMatching(/server\.pod\.priorityClassName: uses the system- prefix, which Kubernetes reserves for system-node-critical and system-cluster-critical, got "system-critical"/),
    );
  });
  test('fails when the OIDC provider has no replicas', () => {
    expect(refused({ oidcReplicas: 0 })).toContainEqual(
      'staging: Deployment "spire-oidc-discovery-provider" oidcDiscovery.replicas: must be a whole number from 1 to 100, got 0; fix: set it to 1, or 2 or more for a provider that survives a node drain',
    );
  });
  test('the default estate has none of these problems', () => {
    expect(problemsOf(estateWith('staging', (env) => env))).toStrictEqual([]);
  });
});
