import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sortedByCodePoint } from './render/kustomization';

/** How a directory differs from the files a synth renders for it; paths relative to the directory, sorted. */
export interface TreeDiff {
  /** Rendered, missing from the directory. */
  readonly added: readonly string[];
  /** In both, with other content. */
  readonly changed: readonly string[];
  /** In the directory, not rendered. */
  readonly removed: readonly string[];
}

/** Every file under `dir` by its `/`-separated path; an absent directory has none. */
export function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  (function walk(current: string, prefix: string) {
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && prefix === '') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.isDirectory()) walk(join(current, entry.name), `${prefix}${entry.name}/`);
      else files.set(`${prefix}${entry.name}`, readFileSync(join(current, entry.name), 'utf8'));
    }
  })(dir, '');
  return files;
}

/** What writing `files` into `dir` would add, change and remove; nothing is written. */
export function diffTree(files: ReadonlyMap<string, string>, dir: string): TreeDiff {
  const existing = readTree(dir);
  const added: string[] = [];
  const changed: string[] = [];
  for (const [path, content] of files) {
    const current = existing.get(path);
    if (current === undefined) added.push(path);
    else if (current !== content) changed.push(path);
  }
  const removed = [...existing.keys()].filter((path) => !files.has(path));
  return { added: sortedByCodePoint(added), changed: sortedByCodePoint(changed), removed: sortedByCodePoint(removed) };
}

export function treeDiffSize(diff: TreeDiff): number {
  return diff.added.length + diff.changed.length + diff.removed.length;
}
