import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse as parseYaml, stringify as toYamlText } from 'yaml';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { estateJsonSchema } from '../lib/config/json-schema';
import { editDistance, nearest, parseEstate } from '../lib/config/parse';
import { EstateValidationError, renderEstate, synthesize } from '../lib/synth';
import { defaultEstate, environment, problemsOf } from './helpers/estate';
import { hashTree } from './helpers/tree-hash';
import { seededRandom } from './helpers/seeded-random';

/*
 * The estate schema: every estate, whatever it was written in, is checked against lib/config/schema.ts
 * before anything else, and every mismatch is named with its path and, where one is close, the key or
 * value that was meant.
 */

/** The default estate as a plain object, as JSON or YAML would give it. */
const plain = (): any => JSON.parse(JSON.stringify(DEFAULT_ESTATE));

function problemsOfInput(input: unknown): string[] {
  const parsed = parseEstate(input);
  return parsed.ok ? [] : parsed.problems;
}

describe('unknown keys', () => {
  test('fails naming the path and the nearest known key', () => {
    const estate = plain();
    estate.environments[1].identities[0].jwtTTL = '5m';
    expect(problemsOfInput(estate)).toEqual([
      'staging: environment "staging" identities[0].jwtTTL: unknown key jwtTTL at environments[1].identities[0], got "5m"; fix: did you mean jwtTtl?',
    ]);
  });

  test('fails listing the known keys when none is close', () => {
    const estate = plain();
    estate.flux.pollEvery = '1m';
    expect(problemsOfInput(estate)).toEqual([
      'estate: the estate flux.pollEvery: unknown key pollEvery at flux, got "1m"; fix: remove it; the keys known here are namespace, interval, notifications',
    ]);
  });

  test('knows the keys of the form a discriminated union takes', () => {
    const estate = plain();
    estate.environments[2].server.datastore.sslmode = 'verify-full';
    expect(problemsOfInput(estate)).toEqual([
      'production: environment "production" server.datastore.sslmode: unknown key sslmode at environments[2].server.datastore, got "verify-full"; fix: did you mean sslMode?',
    ]);
  });

  test('names a misspelt discriminator, not only the missing one', () => {
    const estate = plain();
    estate.environments[0].server.keyManager = { tye: 'disk', storageSize: '1Gi' };
    expect(problemsOfInput(estate)).toEqual([
      'development: environment "development" server.keyManager.type: is required: it selects the form of keyManager, one of disk, memory, gcp_kms, azure_key_vault, aws_kms, got nothing; fix: use one of disk, memory, gcp_kms, azure_key_vault, aws_kms',
      'development: environment "development" server.keyManager.tye: unknown key tye at environments[0].server.keyManager, got "disk"; fix: did you mean type?',
    ]);
  });

  test('summarizes a long value instead of echoing it whole', () => {
    const estate = plain();
    estate.environments[0].serverSettings = estate.environments[0].server;
    delete estate.environments[0].server;
    const problems = problemsOfInput(estate);
    expect(problems).toContainEqual(expect.stringMatching(/^development: environment "development" serverSettings: unknown key serverSettings at environments\[0\], got "<an object with keys replicas, logLevel, .*>"; fix: did you mean server\?$/));
    expect(Math.max(...problems.map((problem) => problem.length))).toBeLessThan(700);
  });

  test('never echoes secret material an unknown key holds', () => {
    const estate = plain();
    estate.environments[2].server.datastore.password = 'password=hunter2';
    const problems = problemsOfInput(estate);
    expect(problems).toEqual([expect.stringMatching(/server\.datastore\.password: unknown key password .*got "<redacted>"/)]);
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

describe('wrong types and values', () => {
  test('fails naming what was expected and what was given, with the fix', () => {
    const estate = plain();
    estate.environments[0].server.replicas = '2';
    estate.flux.interval = 5;
    estate.environments[1].networkPolicies = 'yes';
    estate.environments[1].clusters = { name: 'stg-euw1' };
    expect(problemsOfInput(estate)).toEqual([
      'estate: the estate flux.interval: must be text, not a number, got 5; fix: quote it: "5"',
      'development: environment "development" server.replicas: must be a number, not text, got "2"; fix: write 2 without quotes',
      'staging: environment "staging" clusters: must be a list, not an object, got {"name":"stg-euw1"}; fix: put it in a list: [{"name":"stg-euw1"}]',
      'staging: environment "staging" networkPolicies: must be true or false, not text, got "yes"; fix: write it as true or false, e.g. true',
    ]);
  });

  test('fails on a missing required field, with its documentation', () => {
    const estate = plain();
    delete estate.environments[2].trustDomain;
    expect(problemsOfInput(estate)).toEqual([
      expect.stringMatching(/^production: environment "production" trustDomain: is required \(SPIFFE trust domain shared by every cluster .*\), got nothing; fix: add trustDomain: "\.\.\."$/),
    ]);
  });

  test('suggests the enumerated value that was meant', () => {
    const estate = plain();
    estate.environments[0].server.datastore.type = 'sqlite';
    estate.environments[0].gitops.argoSync.mode = 'manul';
    expect(problemsOfInput(estate)).toEqual([
      'development: environment "development" server.datastore.type: must be one of sqlite3, postgres, mysql, got "sqlite"; fix: did you mean sqlite3?',
      'development: environment "development" gitops.argoSync.mode: must be one of automated, manual, got "manul"; fix: did you mean manual?',
    ]);
  });

  test('reports an environment by position when its name is not one', () => {
    const estate = plain();
    estate.environments[1].name = 7;
    expect(problemsOfInput(estate)).toEqual(['environments[1]: environment at environments[1] name: must be text, not a number, got 7; fix: quote it: "7"']);
  });

  test('fails on something that is no estate at all', () => {
    expect(problemsOfInput(null)).toEqual(['estate: the estate (the estate itself): must be an object, not null, got null; fix: write it as an object, e.g. { ... }']);
    expect(problemsOfInput([])).toEqual(['estate: the estate (the estate itself): must be an object, not a list, got []; fix: write it as an object, e.g. { ... }']);
  });

  test('reports every problem at once', () => {
    const estate = plain();
    estate.environments[0].agent.logLevel = 'debug';
    estate.environments[1].identities[2].tll = '1h';
    estate.environments[2].webhookFailurePolicy = 'fail';
    estate.argocd.namspace = 'argocd';
    expect(problemsOfInput(estate).map((problem) => problem.split(': ')[0])).toEqual(['estate', 'development', 'staging', 'production']);
  });

  test('suggests only what is close enough to be a typo', () => {
    expect(editDistance('jwtTTL', 'jwtTtl')).toBe(0);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(nearest('namspace', ['namespace', 'interval'])).toBe('namespace');
    expect(nearest('pollEvery', ['namespace', 'interval', 'notifications'])).toBeUndefined();
    expect(nearest('identity', ['name', 'identities', 'identityPolicy'])).toBe('identities');
    expect(nearest('serverSettings', ['server', 'agent'])).toBe('server');
    expect(nearest('settings', ['server', 'agent'])).toBeUndefined();
  });
});

/** Every object in `value` with its path. */
function objectsOf(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; object: Record<string, unknown> }[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => objectsOf(item, [...path, index]));
  if (!value || typeof value !== 'object') return [];
  return [{ path, object: value as Record<string, unknown> }, ...Object.entries(value).flatMap(([key, item]) => objectsOf(item, [...path, key]))];
}

/** The one shape every reported problem has (as in the fuzz test). */
const NAMED = /^[^:\n]+: .+ [^ ]+: .+, got .+; fix: .+$/s;
const OTHER_TYPES: unknown[] = [42, 'text', true, null, [], {}, [1, 2], { a: 1 }];

describe('estates of the wrong shape (seeded)', () => {
  test('200 estates with a value of another type or a misspelt key: each refused with named problems, a misspelt key with the key meant', () => {
    const random = seededRandom(20261201);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
    const failures: unknown[] = [];
    for (let index = 0; index < 200; index++) {
      const estate = plain();
      // Objects the schema describes field by field (not the free-form label maps, nor the maps keyed by environment name).
      const objects = objectsOf(estate).filter(({ path }) => !['matchLabels', 'prometheusSelector', 'pinnedRevisions', 'runningSpireVersions'].includes(String(path[path.length - 1])));
      const { path, object } = pick(objects);
      const key = pick(Object.keys(object));
      let expectation: RegExp;
      if (random() < 0.5) {
        const value = object[key];
        object[key] = pick(OTHER_TYPES.filter((candidate) => typeof candidate !== typeof value || Array.isArray(candidate) !== Array.isArray(value)));
        expectation = /./;
      } else {
        // A typo: one letter dropped, or the case of the last letter changed.
        const typo = random() < 0.5 && key.length > 3 ? key.slice(0, -2) + key.slice(-1) : key.slice(0, -1) + (key.slice(-1) === key.slice(-1).toUpperCase() ? key.slice(-1).toLowerCase() : key.slice(-1).toUpperCase());
        if (typo === key || typo in object) continue;
        object[typo] = object[key];
        delete object[key];
        expectation = new RegExp(`unknown key ${typo} at .*fix: did you mean ${key}\\?`);
      }
      let problems: string[];
      try {
        const parsed = parseEstate(estate);
        problems = parsed.ok ? [] : parsed.problems;
      } catch (error) {
        failures.push({ index, path, key, thrown: String(error) });
        continue;
      }
      const unnamed = problems.filter((problem) => !NAMED.test(problem));
      // A string where a string is fine (an enum given another type is still refused) is the only way to pass.
      if (problems.length === 0 || unnamed.length > 0 || !problems.some((problem) => expectation.test(problem))) {
        failures.push({ index, path: path.join('.'), key, now: object, problems });
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('estates from data files', () => {
  test('the default estate read back from JSON synthesizes exactly as the TypeScript one', () => {
    expect(renderEstate(plain())).toEqual(renderEstate(DEFAULT_ESTATE));
  });

  test('the default estate read back from YAML synthesizes exactly as the TypeScript one', () => {
    const fromYaml = parseYaml(toYamlText(DEFAULT_ESTATE));
    expect(renderEstate(fromYaml)).toEqual(renderEstate(DEFAULT_ESTATE));
  });

  test('a YAML estate with a typo fails with the path and the key meant', () => {
    const text = toYamlText(DEFAULT_ESTATE).replace(/^(\s+)requireImageDigests:/m, '$1requireImageDigest:');
    expect(problemsOf(parseYaml(text))).toEqual([
      expect.stringMatching(/^development: environment "development" requireImageDigests: is required/),
      'development: environment "development" requireImageDigest: unknown key requireImageDigest at environments[0], got false; fix: did you mean requireImageDigests?',
    ]);
  });

  test('synth with a typo leaves dist/ as it was', () => {
    const root = mkdtempSync(join(tmpdir(), 'spire-schema-'));
    try {
      const dist = join(root, 'dist');
      synthesize(DEFAULT_ESTATE, [dist]);
      const before = hashTree(dist);
      const estate = plain();
      estate.environments[1].identities[0].jwtTTL = '5m';
      expect(() => synthesize(estate, [dist])).toThrow(EstateValidationError);
      expect(() => synthesize(estate, [dist])).toThrow(/unknown key jwtTTL at environments\[1\]\.identities\[0\], got "5m"; fix: did you mean jwtTtl\?/);
      expect(hashTree(dist)).toBe(before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('the JSON Schema for editors', () => {
  const committed = readFileSync('schema/estate.schema.json', 'utf8');

  test('schema/estate.schema.json is what lib/config/schema.ts generates (npm run schema)', () => {
    expect(committed).toBe(estateJsonSchema());
  });

  test('accepts the default estate as JSON and refuses a typo, naming it', () => {
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(committed));
    expect(validate(plain())).toBe(true);
    const estate = plain();
    estate.environments[1].identities[0].jwtTTL = '5m';
    expect(validate(estate)).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({
      instancePath: '/environments/1/identities/0', keyword: 'additionalProperties', params: { additionalProperty: 'jwtTTL' },
    }));
  });

  test('documents every field of the estate', () => {
    const undocumented: string[] = [];
    const walk = (node: any, path: string): void => {
      if (!node || typeof node !== 'object') return;
      for (const [key, field] of Object.entries<any>(node.properties ?? {})) {
        if (!field.description) undocumented.push(`${path}.${key}`);
        walk(field, `${path}.${key}`);
      }
      if (node.items) walk(node.items, `${path}[]`);
      (node.oneOf ?? []).forEach((form: unknown, index: number) => walk(form, `${path}<${index}>`));
    };
    walk(JSON.parse(committed), '');
    expect(undocumented).toEqual([]);
  });

  test('carries every field\'s documentation and the schema\'s defaults', () => {
    const schema = JSON.parse(committed);
    const environmentSchema = schema.properties.environments.items;
    expect(environmentSchema.properties.production).toMatchObject({ type: 'boolean', default: false, description: expect.stringContaining('production rules') });
    expect(environmentSchema.properties.clusters.items.properties.clusterDomain).toMatchObject({ default: 'cluster.local' });
    expect(environmentSchema.additionalProperties).toBe(false);
  });
});

describe('one trust domain, one environment, unless it joins', () => {
  const canary = (change: Record<string, unknown>) => ({
    ...environment('production'),
    name: 'production-canary',
    clusters: [{ name: 'canary-euw1', region: 'eu-west-1', apiServer: 'https://canary-euw1.k8s.acme.example' }],
    // No promoted commit is recorded for it: it tracks the branch.
    gitops: { ...environment('production').gitops, pinRevision: false },
    ...change,
  });

  test('an environment that states it joins another\'s trust domain, on its database, synthesizes', () => {
    expect(problemsOf({ ...defaultEstate, teams: undefined, environments: [environment('production'), canary({ joinsTrustDomainOf: 'production' })] })).toEqual([]);
  });

  test('fails when the copy does not say it joins', () => {
    expect(problemsOf({ ...defaultEstate, teams: undefined, environments: [environment('production'), canary({})] })).toEqual([
      'production-canary: environment "production-canary" trustDomain: is also the trust domain of environment "production": two environments production and production-canary '
      + 'would issue SVIDs of one trust domain from two CAs, got "prod.spire.acme.example"; fix: give production-canary its own trust domain, '
      + 'or state that it joins the other environment\'s: joinsTrustDomainOf: \'production\'',
    ]);
  });

  test('fails when the joining environment\'s servers are on another database', () => {
    const elsewhere = { ...environment('production').server, datastore: { ...(environment('production').server.datastore as any), host: 'canary-db.acme.example' } };
    const problems = problemsOf({ ...defaultEstate, teams: undefined, environments: [environment('production'), canary({ joinsTrustDomainOf: 'production', server: elsewhere })] });
    expect(problems).toContainEqual(expect.stringMatching(/^production-canary\/canary-euw1: SpireServer "spire-server" server\.datastore: shares trust domain prod\.spire\.acme\.example with production\/prod-euw1, production\/prod-use1 but not its CA/));
  });
});
