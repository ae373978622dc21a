import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One hash of a set of files (path and content), independent of the order they were produced in. */
export function hashFiles(files: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const path of [...files.keys()].sort()) hash.update(`${path}\0`).update(files.get(path)!).update('\0');
  return hash.digest('hex');
}

/** The hash of a directory on disk, comparable with hashFiles of the files synth renders into it. */
export function hashTree(dir: string): string {
  const files = new Map<string, string>();
  (function walk(current: string) {
    for (const entry of readdirSync(current)) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  })(dir);
  return hashFiles(files);
}
