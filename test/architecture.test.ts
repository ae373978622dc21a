import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAYERS } from '../lib/layers';
import { importCycles, importGraph, layerOf, sourceFiles, upwardImports } from './helpers/import-graph';

const ROOT = join(__dirname, '..');
const FILES = sourceFiles(ROOT, 'lib');
const GRAPH = importGraph(ROOT, FILES);

describe('the import graph of lib/', () => {
  test('has every file in a layer of lib/layers.ts', () => {
    expect(FILES.length).toBeGreaterThan(50);
    expect(FILES.filter((file) => !layerOf(file))).toEqual([]);
  });

  test('has no import cycle', () => {
    expect(importCycles(GRAPH)).toEqual([]);
  });

  test('imports only from its own layer or the layers below', () => {
    expect(upwardImports(GRAPH)).toEqual([]);
  });

  test('names each layer once, lowest first, the pipeline\'s stages in their order', () => {
    const names = LAYERS.map((layer) => layer.name);
    expect(new Set(names).size).toBe(names.length);
    const stages = ['resolve', 'build', 'check', 'write', 'pipeline'].map((stage) => names.indexOf(stage));
    expect(stages).toEqual([...stages].sort((a, b) => a - b));
    expect(stages).not.toContain(-1);
  });
});

describe('the graph checks themselves', () => {
  // GIVEN the files of lib/ as they are, with one import line added to one of them
  const withImport = (file: string, extra: string) => importGraph(ROOT, FILES, (path) => {
    const text = readFileSync(join(ROOT, path), 'utf8');
    return path === file ? `${extra}\n${text}` : text;
  });

  test('fails on a cycle made on purpose', () => {
    // WHEN the write stage imports the pipeline, which imports the write stage
    const graph = withImport('lib/write/tree.ts', "import { synthesize } from '../pipeline';");
    // THEN the cycle is found, and so is the import that runs upward
    expect(importCycles(graph)).toEqual([['lib/pipeline.ts', 'lib/write/tree.ts']]);
    expect(upwardImports(graph)).toEqual(['lib/write/tree.ts (write) imports lib/pipeline.ts (pipeline)']);
  });

  test('fails on an upward import without a cycle', () => {
    // WHEN a pure renderer imports a construct
    const graph = withImport('lib/render/agent-conf.ts', "import { SpireAgent } from '../spire/spire-agent';");
    expect(upwardImports(graph)).toContain('lib/render/agent-conf.ts (pure) imports lib/spire/spire-agent.ts (build)');
  });
});
