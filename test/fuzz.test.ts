import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateConfig } from '../lib/config/types';
import { EstateValidationError, synthesize } from '../lib/synth';
import { hashFiles, hashTree } from './helpers/tree-hash';
import { seededRandom } from './helpers/seeded-random';

/*
 * Randomly mutated copies of the default estate, fed to synth: each run either succeeds (and dist/ is
 * exactly the new tree) or fails with EstateValidationError whose every problem is named (environment,
 * resource, field, value, fix) and leaves dist/ byte for byte as it was; never any other exception.
 * Mutations keep each value's type, as the TypeScript estate does: strings become other strings, numbers
 * other numbers (enumerations included: a string field may get any string), optional fields go missing,
 * lists lose or repeat an entry.
 */

jest.setTimeout(300_000);

// FUZZ_CASES and FUZZ_SEED run a longer or another deterministic sequence.
const CASES = Number(process.env.FUZZ_CASES ?? 60);
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

const NASTY_STRINGS = [
  '', ' ', 'x', 'UPPER', 'with space', 'a'.repeat(300), '../..', '$HOME', '${DBPW}', 'a,b', 'tab\there', 'line\nbreak',
  'https://user:pass@evil.example/x', 'spiffe://evil.example/x', 'latest', 'sha256:abc', 'ümlaut', '{{ .Nope }}', '-lead', 'trail-',
  '0', '1d', '-5m', '999999h', 'k8s:', ':', 'a:b', 'HTTPS://Example.com', 'http://x', 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB',
];
const NASTY_NUMBERS = [-1, 0, 1, 2, 3, 65536, 1.5, Number.NaN, 1e9];

type Path = (string | number)[];

function leaves(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return [path, ...value.flatMap((item, index) => leaves(item, [...path, index]))];
  if (value && typeof value === 'object') return [path, ...Object.entries(value).flatMap(([key, item]) => leaves(item, [...path, key]))];
  return [path];
}

function get(root: any, path: Path): any {
  return path.reduce((value, key) => value?.[key], root);
}

/** Keys the estate's types mark optional: only these may go missing. */
const OPTIONAL = new Set([
  'serverOverrides', 'oidcDiscovery', 'sampleWorkload', 'upstreamAuthority', 'caConfigMap', 'storageClass', 'podSelector',
  'namespaceSelector', 'matchLabels', 'matchExpressions', 'values', 'workloadSelectorTemplates', 'dnsNameTemplates', 'ttl', 'jwtTtl',
  'federatesWith', 'admin', 'downstream', 'fallback', 'hint', 'trustDomainBundle', 'trustDomainBundleFile', 'cpu', 'sslMode',
  'production', 'digest', 'autoPopulateDNSNames', 'x509SvidTtl', 'jwtSvidTtl', 'dnsNames', 'description',
]);

/** One type-preserving mutation at a random place; returns what it did. */
function mutate(estate: any, random: () => number): string {
  const paths = leaves(estate).filter((path) => path.length > 0);
  const path = paths[Math.floor(random() * paths.length)];
  const value = get(estate, path);
  const parent = get(estate, path.slice(0, -1));
  const key = path[path.length - 1];
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)];
  const where = path.join('.');
  if (Array.isArray(parent) && random() < 0.3) {
    parent.splice(Number(key), 1);
    return `${where} removed`;
  }
  if (typeof value === 'string') parent[key] = pick(NASTY_STRINGS);
  else if (typeof value === 'number') parent[key] = pick(NASTY_NUMBERS);
  else if (typeof value === 'boolean') parent[key] = !value;
  else if (Array.isArray(value)) parent[key] = value.length > 0 && random() < 0.5 ? [...value, structuredClone(value[0])] : [];
  else if (typeof key === 'string' && OPTIONAL.has(key) && !Array.isArray(parent)) {
    delete parent[key];
    return `${where} deleted`;
  } else {
    return `${where} kept`;
  }
  const next = parent[key];
  return `${where} = ${typeof next === 'string' ? JSON.stringify(next) : Array.isArray(next) ? `[${next.length}]` : String(next)}`;
}

/** Objects of a core kind that fail its kubernetes-models schema, and how many objects had a schema. */
function schemaFailures(files: ReadonlyMap<string, string>): { checked: number; failures: string[] } {
  const failures: string[] = [];
  let checked = 0;
  for (const [path, content] of files) {
    if (!path.endsWith('.yaml') || path.endsWith('kustomization.yaml')) continue;
    const object = parse(content, { version: '1.1' });
    let Model: (new (data: unknown) => { validate(): void }) | undefined;
    try {
      Model = require(`kubernetes-models/${object.apiVersion}/${object.kind}`)[object.kind];
    } catch {
      Model = undefined;
    }
    if (!Model) continue;
    checked++;
    try {
      new Model(object).validate();
    } catch (error) {
      failures.push(`${path}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { checked, failures };
}

/** The one shape every reported problem has. */
const NAMED = /^[^:\n]+: .+ [^ ]+: .+, got .+; fix: .+$/s;

describe('fuzzed estates', () => {
  let root: string;
  let dist: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'spire-fuzz-'));
    dist = join(root, 'dist');
    synthesize(DEFAULT_ESTATE, [dist]);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test(`${CASES} mutated estates (seed ${SEED}): success or named problems, never a crash or a half-written dist/`, () => {
    const random = seededRandom(SEED);
    const outcomes = { succeeded: 0, refused: 0 };
    const crashes: string[] = [];
    for (let index = 0; index < CASES; index++) {
      const estate = structuredClone(DEFAULT_ESTATE) as EstateConfig;
      const mutations = Array.from({ length: 1 + Math.floor(random() * 3) }, () => mutate(estate, random));
      const before = hashTree(dist);
      try {
        const files = synthesize(estate, [dist]);
        expect(hashTree(dist)).toBe(hashFiles(files));
        // What synth accepted, the API server would too.
        // A model that fails to load is skipped: a count keeps that from silently skipping them all.
        const { checked, failures: invalid } = schemaFailures(files);
        expect({ index, mutations, invalid, checked: checked > 0 }).toEqual({ index, mutations, invalid: [], checked: true });
        outcomes.succeeded++;
      } catch (error) {
        if (!(error instanceof EstateValidationError)) {
          crashes.push(`case ${index} (${mutations.join('; ')}): ${(error as Error)?.stack?.split('\n').slice(0, 3).join(' | ')}`);
          continue;
        }
        outcomes.refused++;
        const unnamed = error.problems.filter((problem) => !NAMED.test(problem));
        expect({ index, mutations, unnamed }).toEqual({ index, mutations, unnamed: [] });
        // No doubled words in any message ("the the", "must must").
        const doubled = error.problems.filter((problem) => /\b(\w{2,}) \1\b/i.test(problem.replace(/"[^"]*"/g, '""')));
        expect({ index, mutations, doubled }).toEqual({ index, mutations, doubled: [] });
        expect(hashTree(dist)).toBe(before);
      }
    }
    expect(crashes).toEqual([]);
    expect(outcomes.refused).toBeGreaterThan(CASES / 4);
  });
});
