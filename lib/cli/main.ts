import { EstateValidationError } from '../synth';
import { UsageError } from './args';
import { drift, DRIFT_USAGE } from './drift';
import { EstateFileError } from './estate-file';
import { explainCommand, EXPLAIN_USAGE } from './explain';
import { federation, FEDERATION_USAGE } from './federation';
import { EXPLAIN_DEFAULTS_USAGE, explainDefaultsCommand } from './explain-defaults';
import { Command, EXIT, Io, processIo } from './io';
import { plan, PLAN_USAGE } from './plan';
import { synth, SYNTH_USAGE, validate } from './synth';

export type { Io } from './io';

/*
 * The spire-gitops command: one line per subcommand below, each in its own file with its usage text.
 * Exit codes (lib/cli/io.ts EXIT): 0 ok, 1 a check failed (or an error), 2 the command line cannot be
 * used, 3 plan's production identity changes.
 */
const COMMANDS: Record<string, Command> = {
  synth,
  validate,
  explain: explainCommand,
  plan,
  drift,
  'explain-defaults': explainDefaultsCommand,
  federation,
};

const USAGE = `usage: spire-gitops <command> [options]

commands:
${SYNTH_USAGE}${EXPLAIN_USAGE}${PLAN_USAGE}${DRIFT_USAGE}${EXPLAIN_DEFAULTS_USAGE}${FEDERATION_USAGE}
exit codes: 0 ok, 1 a check failed or an error, 2 a usage error, 3 (plan) production identities change
`;

/** The message of an error the command did not expect; its stack only when SPIRE_GITOPS_DEBUG is set. */
function unexpected(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (process.env.SPIRE_GITOPS_DEBUG) return error.stack ?? error.message;
  return `${error.message} (SPIRE_GITOPS_DEBUG=1 prints where)`;
}

/**
 * Runs one command; returns the exit code, or a promise of it for a command that talks to the network
 * (federation). Errors go to stderr, as one message without a stack trace.
 */
export function run(argv: readonly string[], io: Io = processIo): number | Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  const handler = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!handler) {
    io.err(`spire-gitops: unknown command ${JSON.stringify(command)}\n${USAGE}`);
    return EXIT.usage;
  }
  const failed = (error: unknown): number => {
    if (error instanceof UsageError) {
      io.err(`spire-gitops ${command}: ${error.message}\n`);
      return EXIT.usage;
    }
    const known = error instanceof EstateValidationError || error instanceof EstateFileError;
    io.err(`spire-gitops ${command} failed: ${known ? (error as Error).message : unexpected(error)}\n`);
    return EXIT.failed;
  };
  try {
    const code = handler(rest, io);
    return typeof code === 'number' ? code : code.catch(failed);
  } catch (error) {
    return failed(error);
  }
}
