import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { EstateValidationError, synthesize, writeTree } from '../lib/synth';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { estateWith } from './helpers/estate';

function treeHash(dir: string): string {
  const hash = createHash('sha256');
  (function walk(current: string) {
    for (const entry of readdirSync(current).sort()) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(dir, path)).update(readFileSync(path));
    }
  })(dir);
  return hash.digest('hex');
}

describe('synthesize', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'spire-synth-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('writes the estate and removes files the estate no longer has', () => {
    const dist = join(root, 'dist');
    mkdirSync(join(dist, 'development/old-cluster'), { recursive: true });
    writeFileSync(join(dist, 'development/old-cluster/stale.yaml'), 'kind: Stale\n');
    const files = synthesize(DEFAULT_ESTATE, [dist]);
    expect(readFileSync(join(dist, 'production/prod-euw1/kustomization.yaml'), 'utf8')).toBe(files.get('production/prod-euw1/kustomization.yaml'));
    expect(() => statSync(join(dist, 'development/old-cluster'))).toThrow();
    expect(readdirSync(root)).toEqual(['dist']); // no staging leftovers beside it
  });

  test('fails with every problem listed and leaves the previous tree byte for byte', () => {
    const dist = join(root, 'dist');
    synthesize(DEFAULT_ESTATE, [dist]);
    const before = treeHash(dist);
    // Staging (one cluster, single topology): a sqlite3 server with two replicas and identities over the
    // policy's TTL pass the estate-level checks and are found by the constructs' checks, all together.
    const broken = estateWith('staging', (env) => ({
      ...env,
      server: { ...env.server, replicas: 2, datastore: { type: 'sqlite3', storageSize: '1Gi' } },
      identities: env.identities.map((identity) => ({ ...identity, ttl: '72h' })),
    }));
    let caught: unknown;
    try {
      synthesize(broken, [dist]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EstateValidationError);
    const problems = (caught as EstateValidationError).problems;
    expect(problems.filter((problem) => problem.includes('sqlite3 supports exactly one server replica'))).toHaveLength(1);
    expect(problems.filter((problem) => problem.includes('spec.ttl: must be at most 12h'))).toHaveLength(5); // the 5 identities of its one cluster
    expect((caught as Error).message).toMatch(/^the estate has \d+ problems:\n  - staging\/stg-euw1: /);
    expect(treeHash(dist)).toBe(before);
  });

  test('writeTree swaps the new tree in whole', () => {
    const dist = join(root, 'dist');
    writeTree(new Map([['a/one.yaml', '1\n']]), dist);
    writeTree(new Map([['b/two.yaml', '2\n']]), dist);
    expect(readdirSync(dist)).toEqual(['b']);
  });
});
