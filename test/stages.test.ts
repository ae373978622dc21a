import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { k8s } from 'cdk8s-plus-28';
import { parse } from 'yaml';
import { buildEstate } from '../lib/build/estate';
import { layOutEstate } from '../lib/build/layout';
import { checkEstate } from '../lib/check/estate';
import { resolvedProblems } from '../lib/check/wiring';
import { EstateValidationError } from '../lib/config/violation';
import { validatedEstate } from '../lib/estate/validated';
import { renderEstate } from '../lib/pipeline';
import { ResolvedCluster, ResolvedEstate } from '../lib/resolve/model';
import { resolveEstate } from '../lib/resolve/resolve';
import { writeTree } from '../lib/write/tree';
import { defaultEstate, estateWith } from './helpers/estate';

/*
 * Each stage of lib/pipeline.ts called alone, on the output of the stage before it (or on a value made
 * by hand), so a change to one stage can be tested without running the others.
 */

const ROOT = join(__dirname, '..');

describe('estate stage', () => {
  test('returns the estate with its bundle files read in', () => {
    const estate = validatedEstate(defaultEstate, ROOT);
    expect(estate.environments.map((env) => env.name)).toEqual(defaultEstate.environments.map((env) => env.name));
  });

  test('fails with every problem of the estate as written', () => {
    const broken = estateWith('production', (env) => ({ ...env, trustDomain: 'Not A Domain' }));
    expect(() => validatedEstate(broken, ROOT)).toThrow(EstateValidationError);
    expect(() => validatedEstate(broken, ROOT)).toThrow(/production: .*trustDomain.*"Not A Domain"/);
  });
});

describe('resolve stage', () => {
  const resolved = resolveEstate(defaultEstate);
  const production = resolved.clusters.find((cluster) => cluster.where === 'production/prod-euw1')!;

  test('gives one plain model per cluster, in the estate\'s order', () => {
    expect(resolved.clusters.map((cluster) => cluster.where))
      .toEqual(defaultEstate.environments.flatMap((env) => env.clusters.map((cluster) => `${env.name}/${cluster.name}`)));
    // Plain data: objects, arrays, strings, numbers and booleans, no construct or function.
    const notPlain: string[] = [];
    (function walk(value: unknown, path: string) {
      if (value === undefined || value === null || ['string', 'number', 'boolean'].includes(typeof value)) return;
      const prototype = Object.getPrototypeOf(value);
      if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${path}[${index}]`));
      else if (typeof value === 'object' && (prototype === Object.prototype || prototype === null)) {
        for (const [key, inner] of Object.entries(value as object)) walk(inner, `${path}.${key}`);
      } else notPlain.push(path);
    })(production, 'cluster');
    expect(notPlain).toEqual([]);
  });

  test('computes once what the server, the agents and the controller manager must agree on', () => {
    expect(production.server.serviceHost).toBe('spire-server.spire-server.svc');
    expect(production.server.socketPath).toBe('/tmp/spire-server/private/api.sock');
    expect(production.server.bundle.namespace).toBe(production.agent.namespace);
    expect(production.server.attestingAgents).toStrictEqual([{
      cluster: 'prod-euw1', namespace: production.agent.namespace, serviceAccount: production.agent.serviceAccountName, audience: production.agent.tokenAudience,
    }]);
    expect(production.server.psatAudience).toBe(production.agent.tokenAudience);
    expect(production.controllerManager.className).toBe('spire-prod-euw1');
    expect(production.csiDriver.namespace).toBe(production.agent.namespace);
  });

  test('decides each component from the environment\'s fields', () => {
    for (const cluster of resolved.clusters) {
      expect(cluster.components.oidcDiscovery).toBe(cluster.environment.oidcDiscovery !== undefined);
      expect(cluster.oidcDiscovery === undefined).toBe(!cluster.components.oidcDiscovery);
      expect(cluster.components.syncHooks).toBe(cluster.environment.gitops.engines.includes('argocd'));
    }
  });
});

describe('build stage', () => {
  test('builds from the resolved model alone: the agent takes the server\'s address from it', () => {
    // GIVEN a resolved model whose server address was changed by hand
    const resolved = resolveEstate(defaultEstate);
    const moved: ResolvedEstate = {
      clusters: resolved.clusters.map((cluster): ResolvedCluster => ({
        ...cluster, server: { ...cluster.server, serviceHost: 'spire.elsewhere.svc', ports: { ...cluster.server.ports, service: 8443 } },
      })),
    };
    // WHEN only the build stage runs on it
    const built = buildEstate(defaultEstate, moved);
    const files = layOutEstate(built).files;
    // THEN every agent.conf points at that address
    const agentConfs = [...files.entries()].filter(([path]) => path.endsWith('/spire-system/configmap-spire-agent.yaml'));
    expect(agentConfs.length).toBe(resolved.clusters.length);
    for (const [, yaml] of agentConfs) {
      const conf = parse(yaml).data['agent.conf'] as string;
      expect(conf).toContain('server_address = "spire.elsewhere.svc"');
      expect(conf).toContain('server_port = "8443"');
    }
  });
});

describe('check stage', () => {
  test('finds nothing wrong in the default estate', () => {
    const estate = validatedEstate(defaultEstate, ROOT);
    const resolved = resolveEstate(estate);
    const built = buildEstate(estate, resolved);
    expect(checkEstate(estate, resolved, built, layOutEstate(built))).toEqual([]);
  });

  test('reports a resolved model whose parts no longer meet, naming both sides', () => {
    // GIVEN a model in which the server publishes the bundle where no agent looks, and lets no agent attest
    const resolved = resolveEstate(validatedEstate(defaultEstate, ROOT));
    const [first] = resolved.clusters;
    const broken: ResolvedCluster = { ...first, server: { ...first.server, bundle: { ...first.server.bundle, namespace: 'spire-server' }, attestingAgents: [] } };
    // WHEN the wiring is checked
    const problems = resolvedProblems({ clusters: [broken, ...resolved.clusters.slice(1)] });
    // THEN both are named for that cluster only
    expect(problems).toEqual([
      `${first.where}: resolved model server.bundle.namespace: must be the agents' namespace "spire-system", where they mount the bundle, got "spire-server"; fix: derive both from one value in lib/resolve/resolve.ts`,
      `${first.where}: resolved model server.attestingAgents: must let this cluster's agents (spire-system:spire-agent) attest through k8s_psat, got []; fix: list the agents of the cluster in lib/resolve/resolve.ts`,
    ]);
  });

  test('reports what a construct built wrong, with where, and every problem at once', () => {
    // GIVEN a built estate into which two ConfigMaps holding a private key were put
    const estate = validatedEstate(defaultEstate, ROOT);
    const resolved = resolveEstate(estate);
    const built = buildEstate(estate, resolved);
    const [first, second] = built.clusters;
    const key = ['-----BEGIN', 'PRIVATE KEY-----\nAAAA\n-----END', 'PRIVATE KEY-----'].join(' ');
    new k8s.KubeConfigMap(first, 'Leak', { metadata: { name: 'leak', namespace: 'spire-server' }, data: { 'tls.key': key } });
    new k8s.KubeConfigMap(second, 'Leak', { metadata: { name: 'leak', namespace: 'spire-server' }, data: { 'tls.key': key } });
    // WHEN only the check stage runs
    const problems = checkEstate(estate, resolved, built, layOutEstate(built));
    // THEN both are named, each with its cluster
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`^${first.context.where}: ConfigMap "leak" \\(content\\): contains a private key`)),
      expect.stringMatching(new RegExp(`^${second.context.where}: ConfigMap "leak" \\(content\\): contains a private key`)),
    ]);
  });
});

describe('write stage', () => {
  test('writes exactly the files it is given and leaves nothing beside them', () => {
    const root = mkdtempSync(join(tmpdir(), 'spire-write-'));
    try {
      writeTree(new Map([['a/one.yaml', 'one\n'], ['two.yaml', 'two\n']]), join(root, 'out'));
      expect(readdirSync(root)).toEqual(['out']);
      expect(readFileSync(join(root, 'out/a/one.yaml'), 'utf8')).toBe('one\n');
      expect(readdirSync(join(root, 'out')).sort()).toEqual(['a', 'two.yaml']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('pipeline', () => {
  test('is the stages in order: its files are the laid-out build of the resolved estate plus the inventory', () => {
    const estate = validatedEstate(defaultEstate, ROOT);
    const laidOut = layOutEstate(buildEstate(estate, resolveEstate(estate)));
    const files = renderEstate(defaultEstate, { baseDir: ROOT });
    expect([...files.keys()].filter((path) => path !== 'README.md')).toEqual([...laidOut.files.keys()]);
    for (const [path, content] of laidOut.files) expect(files.get(path)).toBe(content);
  });
});
