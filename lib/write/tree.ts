import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as lockfile from 'proper-lockfile';
import { sortedByCodePoint } from '../render/kustomization';

/*
 * The write stage: the only code that touches dist/. It gets finished file contents and replaces a
 * directory with them atomically; it knows nothing of SPIRE or of the estate.
 */

export interface WriteOptions {
  /**
   * Told once, with what is being waited for, when another synth holds the swap lock of an outdir.
   * @default - printed to stderr
   */
  readonly onWait?: (message: string) => void;
  /**
   * After how long a lock whose holder stopped refreshing it (a killed synth) is taken over, in ms.
   * @default 10000
   */
  readonly staleLockMs?: number;
}

/** Names of the files beside `outdir` that synth uses: the lock, and per-run staging and previous trees. */
function siblings(outdir: string) {
  const parent = dirname(outdir);
  const base = basename(outdir);
  return {
    parent,
    // `.${base}-*` so that a .gitignore line `.dist-*/` covers all of them.
    lock: join(parent, `.${base}-lock`),
    stagingPrefix: `.${base}-next-`,
    previousPrefix: `.${base}-previous-`,
  };
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Holds the swap lock of `outdir` (proper-lockfile: an atomic mkdir, refreshed while held and taken over
 * once stale, so a killed holder never blocks for good). Waits, saying so once, while another synth
 * holds it.
 */
function acquireSwapLock(outdir: string, options: WriteOptions): () => void {
  const { lock } = siblings(outdir);
  const stale = options.staleLockMs ?? 10_000;
  let told = false;
  for (;;) {
    try {
      return lockfile.lockSync(outdir, { lockfilePath: lock, realpath: false, stale });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (!told) {
        const message = `waiting for another synth to finish replacing ${outdir} (it holds the lock ${lock}; `
          + `a lock left by a killed run is taken over after ${stale / 1000} s)`;
        (options.onWait ?? ((text: string) => process.stderr.write(`${text}\n`)))(message);
        told = true;
      }
      sleep(100);
    }
  }
}

/**
 * Puts `outdir` back in order after a synth was killed: restores the previous tree when a run died
 * between its two renames (outdir missing), and removes the staging and previous trees that dead runs
 * left beside it. Call only while holding the swap lock (writeTree does); `recoverTree` takes it.
 */
function recoverLocked(outdir: string): void {
  const { parent, stagingPrefix, previousPrefix } = siblings(outdir);
  let entries: string[];
  try {
    entries = readdirSync(parent);
  } catch {
    return;
  }
  const ownedByDeadRun = (name: string, prefix: string) => name.startsWith(prefix) && !processAlive(Number(name.slice(prefix.length).split('-')[0]));
  const previous = entries.filter((name) => ownedByDeadRun(name, previousPrefix)).sort();
  if (!existsSync(outdir) && previous.length > 0) renameSync(join(parent, previous.pop()!), outdir);
  for (const name of [...previous, ...entries.filter((entry) => ownedByDeadRun(entry, stagingPrefix))]) {
    rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Restores `outdir` to a whole tree if a synth was killed while swapping it; waits for running synths. */
export function recoverTree(outdir: string, options: WriteOptions = {}): void {
  mkdirSync(dirname(outdir), { recursive: true });
  const release = acquireSwapLock(outdir, options);
  try {
    recoverLocked(outdir);
  } finally {
    release();
  }
}

/**
 * Replaces `outdir` with exactly these files. Each run writes the new tree into its own staging directory
 * beside it (named after its pid), then, holding the swap lock so that concurrent synths take turns,
 * renames the current tree aside and the new one in. Readers and killed runs therefore see the old or the
 * new tree, never a mix; a run killed between the two renames leaves the old tree beside outdir, and the
 * next run (or recoverTree) puts it back before anything else.
 */
export function writeTree(files: ReadonlyMap<string, string>, outdir: string, options: WriteOptions = {}): void {
  const { parent, stagingPrefix, previousPrefix } = siblings(outdir);
  mkdirSync(parent, { recursive: true });
  const staging = mkdtempSync(join(parent, `${stagingPrefix}${process.pid}-`));
  // mkdtemp makes the directory private (0700); dist/ is read by others (CI users, GitOps tooling).
  chmodSync(staging, 0o755);
  let previous: string | undefined;
  try {
    for (const path of sortedByCodePoint([...files.keys()])) {
      const target = join(staging, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, files.get(path)!);
    }
    const release = acquireSwapLock(outdir, options);
    try {
      recoverLocked(outdir);
      const aside = `${join(parent, previousPrefix)}${process.pid}-${Date.now()}`;
      try {
        renameSync(outdir, aside);
        previous = aside;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      renameSync(staging, outdir);
    } finally {
      release();
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    if (previous) rmSync(previous, { recursive: true, force: true });
  }
}
