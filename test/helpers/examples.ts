import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The example estates under examples/: each folder with an estate.ts. */
export function exampleEstates(root = resolve(__dirname, '..', '..')): { name: string; file: string }[] {
  const dir = join(root, 'examples');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'estate.ts')))
    .map((entry) => ({ name: entry.name, file: join(dir, entry.name, 'estate.ts') }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
