import { join } from 'node:path';
import { DEFAULT_ESTATE } from './lib/config/estate';
import { EstateValidationError, synthesize } from './lib/synth';

/*
 * `npm run synth` runs this compiled to build/main.js; `cdk8s synth` runs the same file. The CLI empties
 * its own output directory (CDK8S_OUTDIR) first, so that is only a staging copy: dist/ is replaced only
 * after the whole estate validated, and a failed synth leaves the committed dist/ untouched.
 */
function main(): number {
  const dist = join(process.cwd(), 'dist');
  const staging = process.env.CDK8S_OUTDIR;
  const outdirs = staging && join(process.cwd(), staging) !== dist ? [join(process.cwd(), staging), dist] : [dist];
  try {
    const files = synthesize(DEFAULT_ESTATE, outdirs);
    console.log(`synthesized ${files.size} files into dist/`);
    return 0;
  } catch (error) {
    if (error instanceof EstateValidationError) {
      console.error(`synth failed: ${error.message}\ndist/ was left as it was.`);
    } else {
      // A bug rather than bad input: say so first, then give the trace.
      console.error(`synth failed with an internal error: ${(error as Error).message}\n${(error as Error).stack}`);
    }
    return 1;
  }
}

process.exitCode = main();
