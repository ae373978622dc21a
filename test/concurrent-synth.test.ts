import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import * as lockfile from 'proper-lockfile';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { recoverTree, renderEstate, synthesize } from '../lib/synth';
import { changedEstate } from './helpers/synth-worker';
import { hashFiles, hashTree } from './helpers/tree-hash';
import { seededRandom } from './helpers/seeded-random';

/*
 * Several synths into one outdir at once, some killed at random points: dist/ must always be exactly the
 * old or the new tree, every run that was not killed must succeed, and nothing may be left beside it.
 */

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..');
const WORKER = join(ROOT, 'build', `test-synth-worker-${process.pid}.js`);

interface Run { readonly child: ChildProcess; readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>; stderr: () => string }

function startSynth(outdir: string, variant: 'old' | 'new'): Run {
  const child = spawn(process.execPath, [WORKER, outdir, variant], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => { stderr += chunk; });
  child.stdout!.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, done, stderr: () => stderr };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('concurrent synths', () => {
  let root: string;
  let dist: string;
  const oldHash = hashFiles(renderEstate(DEFAULT_ESTATE));
  const newHash = hashFiles(renderEstate(changedEstate()));

  beforeAll(() => {
    mkdirSync(join(ROOT, 'build'), { recursive: true });
    buildSync({
      entryPoints: [join(__dirname, 'helpers', 'synth-worker.ts')], bundle: true, platform: 'node', target: 'node20',
      packages: 'external', outfile: WORKER, logLevel: 'warning',
    });
  });
  afterAll(() => rmSync(WORKER, { force: true }));
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'spire-concurrent-'));
    dist = join(root, 'dist');
    synthesize(DEFAULT_ESTATE, [dist]);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test('the two estates give different trees', () => {
    expect(oldHash).not.toBe(newHash);
    expect(hashTree(dist)).toBe(oldHash);
  });

  test('several synths at once, others killed at random points: dist/ is always exactly the old or the new tree', async () => {
    const random = seededRandom(12);
    for (let round = 0; round < 5; round++) {
      const runs = [0, 1, 2, 3].map((index) => startSynth(dist, (round + index) % 2 === 0 ? 'new' : 'old'));
      // Two of the four are killed at random points of their run: while writing, waiting or swapping.
      const victims = new Set([Math.floor(random() * 4), Math.floor(random() * 4)]);
      await Promise.all([...victims].map(async (index) => {
        await sleep(200 + random() * 2500);
        runs[index].child.kill('SIGKILL');
      }));
      const results = await Promise.all(runs.map((run) => run.done));
      results.forEach((result, index) => {
        if (result.signal === 'SIGKILL' && victims.has(index)) return;
        // Every run that was not killed succeeded, without a stack trace.
        expect({ round, index, code: result.code, stderr: result.stderr.replace(/^waiting for another synth.*\n/gm, '') }).toEqual({ round, index, code: 0, stderr: '' });
      });
      recoverTree(dist, { staleLockMs: 2000 }); // what the next synth does first
      const hash = hashTree(dist);
      expect([oldHash, newHash]).toContain(hash);
      // Nothing is left beside dist/ once a run has recovered: no staging, no previous tree, no lock.
      expect(readdirSync(root).sort()).toEqual(['dist']);
    }
  });

  test('a synth killed between its two renames leaves the old tree beside dist/, and the next run puts it back', () => {
    // What a run killed right after moving dist/ aside leaves: the old tree under a dead run's name.
    const deadPid = 2 ** 22 + 12345;
    const aside = join(root, `.dist-previous-${deadPid}-1`);
    require('node:fs').renameSync(dist, aside);
    mkdirSync(join(root, `.dist-next-${deadPid}-abc/x`), { recursive: true });
    recoverTree(dist);
    expect(hashTree(dist)).toBe(oldHash);
    expect(readdirSync(root).sort()).toEqual(['dist']);
  });

  test('a waiting synth says what it waits for, then proceeds when the lock is released', async () => {
    // Held as a live synth holds it: its mtime refreshed every second, within the 2 s after which the
    // waiting run would take it over as stale (the default refresh, every 5 s, let that happen at random).
    const release = lockfile.lockSync(dist, { lockfilePath: join(root, '.dist-lock'), realpath: false, stale: 2000 });
    const run = startSynth(dist, 'new');
    for (let i = 0; i < 300 && !run.stderr().includes('waiting'); i++) await sleep(100);
    expect(run.stderr()).toMatch(/^waiting for another synth to finish replacing .*\/dist \(it holds the lock .*\/\.dist-lock; a lock left by a killed run is taken over after 2 s\)\n$/);
    expect(hashTree(dist)).toBe(oldHash); // nothing swapped while the lock is held
    release();
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(hashTree(dist)).toBe(newHash);
  });
});
