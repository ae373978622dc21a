import { join } from 'node:path';
import { DEFAULT_ESTATE } from './lib/config/estate';
import { EstateValidationError, renderEstate, writeTree } from './lib/synth';

/*
 * `cdk8s synth` runs this (compiled to build/main.js). The CLI empties its own output directory
 * (CDK8S_OUTDIR) first, so that is only a staging copy: dist/ is replaced only after the whole estate
 * validated, and a failed synth leaves the committed dist/ untouched.
 */
function main(): number {
  let files: Map<string, string>;
  try {
    files = renderEstate(DEFAULT_ESTATE);
  } catch (error) {
    if (error instanceof EstateValidationError) {
      console.error(`synth failed: ${error.message}\ndist/ was left as it was.`);
      return 1;
    }
    throw error;
  }
  const staging = process.env.CDK8S_OUTDIR;
  if (staging && staging !== 'dist') writeTree(files, staging);
  writeTree(files, join(process.cwd(), 'dist'));
  console.log(`synthesized ${files.size} files into dist/`);
  return 0;
}

process.exitCode = main();
