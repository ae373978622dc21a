/** `--name value` options, `--flag` switches and positional arguments, strictly: unknown options fail. */
export interface ParsedArgs {
  readonly positional: string[];
  /** The last value of each option given. */
  readonly options: Map<string, string>;
  /** Every value of each option, in order (for options that may be repeated). */
  readonly repeated: Map<string, string[]>;
  /** The switches given (options that take no value). */
  readonly switches: Set<string>;
}

/** A command line the command cannot run with: exit code 2, the message on stderr, no usage text. */
export class UsageError extends Error {}

export function parseArgs(argv: readonly string[], known: readonly string[], knownSwitches: readonly string[] = []): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string>();
  const repeated = new Map<string, string[]>();
  const switches = new Set<string>();
  const all = [...known, ...knownSwitches];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) { positional.push(arg); continue; }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (!all.includes(name)) throw new UsageError(`unknown option --${name} (known: ${all.map((option) => `--${option}`).join(' ') || 'none'})`);
    if (knownSwitches.includes(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value, got ${JSON.stringify(inline)}`);
      switches.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    options.set(name, value);
    repeated.set(name, [...(repeated.get(name) ?? []), value]);
  }
  return { positional, options, repeated, switches };
}

/** `k=v,k2=v2` into a record. */
export function parseLabels(text: string | undefined, option: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text) return labels;
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--${option}: expected key=value pairs separated by commas, got ${JSON.stringify(pair)}`);
    labels[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return labels;
}
