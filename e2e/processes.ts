/** Long-running programs of the e2e: started with their output in a log file, all stopped at the end. */
import { ChildProcess, execFile, spawn, SpawnOptions } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly log: string;
  /** The exit code once it has exited, else undefined. */
  exitCode(): number | null | undefined;
  output(): string;
  stop(): Promise<void>;
}

export class Processes {
  private readonly running: Running[] = [];

  constructor(private readonly logDir: string) {}

  start(name: string, command: string, args: string[], options: SpawnOptions = {}): Running {
    const log = join(this.logDir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`);
    const fd = openSync(log, 'a');
    // detached: each program leads its own process group, so stop() ends what it started too.
    const child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    let code: number | null | undefined;
    const exited = new Promise<void>((resolve) => child.on('exit', (c, signal) => { code = c ?? (signal ? -1 : null); resolve(); }));
    child.on('error', () => { code = -1; });
    const running: Running = {
      name,
      child,
      log,
      exitCode: () => code,
      output: () => readFileSync(log, 'utf8'),
      stop: async () => {
        if (code !== undefined) return;
        try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
        const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
        await exited;
        clearTimeout(timer);
      },
    };
    this.running.push(running);
    return running;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).reverse().map((r) => r.stop()));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value (not undefined) or the deadline passes; throws with `what`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, watch?: Running): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = (error as Error).message;
    }
    if (watch && watch.exitCode() !== undefined) {
      throw new Error(`${watch.name} exited (code ${watch.exitCode()}) while waiting for ${what}: ${tail(watch.output())}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}${watch ? `; ${watch.name} said: ${tail(watch.output())}` : ''}`);
    await sleep(250);
  }
}

export function tail(text: string, lines = 8): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}

/**
 * Runs a command without blocking the event loop: the e2e's Service proxies and stand-in servers live in
 * this process, and a SPIRE CLI call may wait on a server that is reaching through them.
 */
export function run(command: string, args: string[], timeoutMs = 30000): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: !error, out: error ? `${stdout}${stderr || error.message}` : stdout });
    });
  });
}
