import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/*
 * cdk8s.yaml is the project's own file: `cdk8s synth` runs main.ts, and `npm run import` / `cdk8s import`
 * read the pinned CRDs from it, each once, by a path relative to the project (never one machine's path).
 */
describe('cdk8s.yaml', () => {
  const config = parse(readFileSync(join(__dirname, '..', 'cdk8s.yaml'), 'utf8'));

  test('lists each import once, by a path relative to the project under ../shared/crds/', () => {
    const specs: string[] = config.imports;
    const prefixes = specs.map((spec) => spec.split(':=')[0]);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(specs.filter((spec) => !spec.split(':=')[1]?.startsWith('../shared/crds/'))).toEqual([]);
  });

  test('runs the same synth as npm run synth', () => {
    expect(config.app).toBe('node -r ./scripts/register-ts.js main.ts');
  });
});
