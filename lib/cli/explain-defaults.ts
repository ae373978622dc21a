import { explainDefaults, formatDefaults } from '../config/presets';
import { UsageError, parseArgs } from './args';

export const EXPLAIN_DEFAULTS_USAGE = `  explain-defaults [--format text|json]
      every field an environment gets from its preset (development, staging, production) or the schema
      without stating it: path, value per preset, documentation
`;

/** `spire-gitops explain-defaults`: lists every defaulted field of an environment. */
export function explainDefaultsCommand(argv: readonly string[], io: { readonly out: (text: string) => void }): number {
  const { positional, options } = parseArgs(argv, ['format']);
  if (positional.length > 0) throw new UsageError(`explain-defaults takes no arguments, got ${positional.join(' ')}`);
  const format = options.get('format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, got ${JSON.stringify(format)}`);
  const fields = explainDefaults();
  io.out(format === 'json' ? `${JSON.stringify(fields, null, 2)}\n` : formatDefaults(fields));
  return 0;
}
