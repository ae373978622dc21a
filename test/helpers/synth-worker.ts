import { DEFAULT_ESTATE } from '../../lib/config/estate';
import { EstateConfig } from '../../lib/config/types';
import { EstateValidationError, synthesize } from '../../lib/synth';

/** A second valid estate, differing from the default in one field, so "old" and "new" trees differ. */
export function changedEstate(): EstateConfig {
  return {
    ...DEFAULT_ESTATE,
    environments: DEFAULT_ESTATE.environments.map((env) => (env.name === 'development'
      ? { ...env, server: { ...env.server, logLevel: 'INFO' as const } }
      : env)),
  };
}

/** `node synth-worker.js <outdir> old|new`: one synth of the default or the changed estate into outdir. */
if (require.main === module) {
  const [outdir, variant] = process.argv.slice(2);
  try {
    synthesize(variant === 'new' ? changedEstate() : DEFAULT_ESTATE, [outdir], { staleLockMs: 2000 });
    process.stdout.write('done\n');
  } catch (error) {
    process.stderr.write(error instanceof EstateValidationError ? `synth failed: ${error.message}\n` : `internal error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
