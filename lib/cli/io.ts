/** Where a command writes and the directory it runs in; tests pass their own. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cwd: string;
}

/** A subcommand: its arguments (after the command name) in, its exit code out (later, for one that talks to the network). */
export type Command = (argv: readonly string[], io: Io) => number | Promise<number>;

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
};

/** Exit codes of every command. */
export const EXIT = {
  ok: 0,
  /** A check failed: the estate is invalid, dist/ is stale, drift was found, the pod gets no identity. */
  failed: 1,
  /** The command line cannot be used: unknown command or option, a missing argument, a name the estate lacks. */
  usage: 2,
  /** plan only: a production identity changes (not a failure; CI asks for a second approval). */
  productionChange: 3,
} as const;

/** Seconds with one decimal, for the commands' summary lines. */
export function elapsedSince(startMs: number): string {
  return `${((Date.now() - startMs) / 1000).toFixed(1)} s`;
}
