import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as ts from 'typescript';
import { LAYERS, Layer } from '../../lib/layers';

/** Every .ts file under `dir`, as paths relative to `root`, sorted. */
export function sourceFiles(root: string, dir: string): string[] {
  const found: string[] = [];
  (function walk(current: string) {
    for (const entry of readdirSync(current).sort()) {
      const path = join(current, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts')) found.push(relative(root, path));
    }
  })(join(root, dir));
  return found;
}

function resolveSpecifier(root: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(root, dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate);
  }
  throw new Error(`${from} imports ${specifier}, which is no file`);
}

/**
 * The import graph of `files` (relative to `root`): for each file, the files it imports, re-exports or
 * requires, type-only imports included (the TypeScript compiler's own scan, ts.preProcessFile).
 * Packages and files outside `files` are left out.
 */
export function importGraph(root: string, files: readonly string[], read = (path: string) => readFileSync(join(root, path), 'utf8')): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(read(file), true, true);
    const targets = info.importedFiles
      .map((imported) => resolveSpecifier(root, file, imported.fileName))
      .filter((target): target is string => target !== undefined && known.has(target));
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Every import cycle, each as the files around it (Tarjan's strongly connected components, size > 1 or a self-import). */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

/** The layer of `file`: the one whose path names it most closely (the file itself, else its nearest folder). */
export function layerOf(file: string, layers: readonly Layer[] = LAYERS): { layer: Layer; rank: number } | undefined {
  let best: { layer: Layer; rank: number; length: number } | undefined;
  layers.forEach((layer, rank) => {
    for (const path of layer.paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path;
      const length = path.endsWith('/') ? path.length : Number.MAX_SAFE_INTEGER;
      if (matches && (!best || length > best.length)) best = { layer, rank, length };
    }
  });
  return best && { layer: best.layer, rank: best.rank };
}

/** `from (layer) imports to (higher layer)` for every import that runs upward. */
export function upwardImports(graph: ReadonlyMap<string, readonly string[]>, layers: readonly Layer[] = LAYERS): string[] {
  const found: string[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(file, layers);
    for (const target of targets) {
      const to = layerOf(target, layers);
      if (from && to && to.rank > from.rank) {
        found.push(`${file} (${from.layer.name}) imports ${target} (${to.layer.name})`);
      }
    }
  }
  return found;
}
