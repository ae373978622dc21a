import { run } from '../lib/cli/main';
import { PRESETS, PRESET_NAMES, environment, explainDefaults, formatDefaults } from '../lib/config/presets';
import { environmentConfigSchema } from '../lib/config/schema';
import { defaultEstate, problemsOf } from './helpers/estate';

/*
 * Presets: a new environment is its name, trust domain and clusters plus what differs from its preset,
 * and every default it gets is listed with its documentation.
 */

/** The README's example: a new environment with one cluster in ten lines. */
const qa = (preset: 'development' | 'staging' | 'production') => environment({
  name: 'qa',
  preset,
  trustDomain: 'qa.spire.example.com',
  clusters: [{ name: 'qa-euw1', region: 'eu-west-1', apiServer: 'https://qa-euw1.k8s.example.com' }],
});

describe('presets', () => {
  test.each(PRESET_NAMES)('a one-cluster environment on the %s preset synthesizes without a problem', (preset) => {
    expect(problemsOf({ ...defaultEstate, teams: undefined, environments: [qa(preset)] })).toEqual([]);
  });

  test('each preset is an environment the schema accepts, once named and given a cluster', () => {
    for (const preset of PRESET_NAMES) expect(environmentConfigSchema.safeParse(qa(preset)).error).toBeUndefined();
  });

  test('production is held to production rules; development is not', () => {
    expect(qa('production')).toMatchObject({
      production: true, requireImageDigests: true, webhookFailurePolicy: 'Fail', networkPolicies: true,
      identityPolicy: { admin: 'spire-tooling' }, gitops: { argoSync: { mode: 'manual' }, operatorsMaySync: false },
    });
    expect(qa('development')).toMatchObject({ production: false, requireImageDigests: false, webhookFailurePolicy: 'Ignore', networkPolicies: false });
  });
});

describe('overrides', () => {
  const base = PRESETS.production;

  test('merge field by field over the preset', () => {
    const env = environment({ ...qaOptions(), server: { replicas: 3, caSubject: { organization: 'Example Corp' } } });
    expect(env.server).toEqual({ ...base.server, replicas: 3, caSubject: { ...base.server.caSubject, organization: 'Example Corp' } });
    expect(env.agent).toEqual(base.agent);
  });

  test('a datastore of another type replaces the preset\'s whole; one of the same type merges into it', () => {
    const postgres = {
      type: 'postgres' as const, host: 'db.example.com', port: 5432, database: 'spire', user: 'spire',
      passwordSecret: { name: 'spire-db', key: 'password' }, caConfigMap: 'spire-db-ca', maxOpenConns: 20, maxIdleConns: 5,
    };
    expect(environment({ ...qaOptions(), server: { datastore: postgres } }).server.datastore).toEqual(postgres);
    expect(environment({ ...qaOptions(), server: { datastore: { storageSize: '5Gi' } } }).server.datastore).toEqual({ type: 'sqlite3', storageSize: '5Gi' });
  });

  test('another sync mode replaces the preset\'s; lists are replaced, not appended to', () => {
    const env = environment({
      ...qaOptions(),
      gitops: { argoSync: { mode: 'automated', prune: false, selfHeal: true } },
      server: { ignoreNamespaces: ['kube-system'] },
    });
    expect(env.gitops.argoSync).toEqual({ mode: 'automated', prune: false, selfHeal: true });
    expect(env.gitops.preSyncValidation).toBe(base.gitops.preSyncValidation);
    expect(env.server.ignoreNamespaces).toEqual(['kube-system']);
  });

  test('never change the preset itself', () => {
    const before = JSON.stringify(PRESETS);
    environment({ ...qaOptions(), server: { replicas: 3, caSubject: { organization: 'Example Corp' } }, gitops: { syncWindows: [] } });
    expect(JSON.stringify(PRESETS)).toBe(before);
  });
});

function qaOptions() {
  return {
    name: 'qa', preset: 'production' as const, trustDomain: 'qa.spire.example.com',
    clusters: [{ name: 'qa-euw1', region: 'eu-west-1', apiServer: 'https://qa-euw1.k8s.example.com' }],
  };
}

/** Every leaf path a value has, lists and the forms of a union (objects with type or mode) taken whole. */
function leafPaths(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || 'type' in value || 'mode' in value || path.endsWith('prometheusSelector')) return [path];
  return Object.entries(value).flatMap(([key, item]) => leafPaths(item, path ? `${path}.${key}` : key));
}

describe('explainDefaults', () => {
  const fields = explainDefaults();
  const byPath = new Map(fields.map((field) => [field.path, field]));

  test('lists every field any preset sets, with each preset\'s value', () => {
    const presetPaths = [...new Set(PRESET_NAMES.flatMap((name) => leafPaths(PRESETS[name])))].sort();
    expect(presetPaths.filter((path) => !byPath.has(path))).toEqual([]);
    for (const path of presetPaths) {
      for (const name of PRESET_NAMES) {
        expect({ path, name, value: byPath.get(path)!.values[name] }).toEqual({ path, name, value: path.split('.').reduce<any>((value, key) => value?.[key], PRESETS[name]) });
      }
    }
  });

  test('lists the schema\'s own defaults', () => {
    expect(byPath.get('clusters[].clusterDomain')).toMatchObject({ values: { development: 'cluster.local', staging: 'cluster.local', production: 'cluster.local' } });
    expect(byPath.get('gitops.argoDelivery')?.values.production).toBe('applications');
    expect(byPath.get('gitops.pinRevision')?.values.production).toBe(false);
  });

  test('documents every defaulted field', () => {
    expect(fields.filter((field) => field.documentation.trim() === '').map((field) => field.path)).toEqual([]);
    expect(byPath.get('server.caTtl')).toEqual({
      path: 'server.caTtl', values: { development: '24h', staging: '72h', production: '168h' },
      documentation: 'Lifetime of the server\'s CA; at least 6 times the longest X509-SVID TTL.',
    });
  });

  test('spire-gitops explain-defaults prints them', () => {
    let out = '';
    expect(run(['explain-defaults'], { out: (text) => { out += text; }, err: () => undefined, cwd: process.cwd() })).toBe(0);
    expect(out).toBe(formatDefaults());
    expect(out).toContain('server.caTtl\n  development: "24h"   staging: "72h"   production: "168h"\n  Lifetime of the server\'s CA');
    let json = '';
    expect(run(['explain-defaults', '--format', 'json'], { out: (text) => { json += text; }, err: () => undefined, cwd: process.cwd() })).toBe(0);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(fields)));
  });
});

