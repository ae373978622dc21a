import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateValidationError } from '../lib/synth';
import { PROMOTION_STATE, gitBranchCommit, runPromote } from '../lib/gitops/promote-command';

/* `npm run promote -- <from-env> <to-env>`: see lib/gitops/promote-command.ts. */
const [from, to, ...rest] = process.argv.slice(2);
if (!from || !to || rest.length > 0) {
  console.error('usage: npm run promote -- <from-env> <to-env>   (e.g. staging production)');
  process.exitCode = 2;
} else {
  try {
    const root = process.cwd();
    const revision = runPromote({ from, to, root, estate: DEFAULT_ESTATE, resolveBranch: gitBranchCommit(root) });
    console.log(`${to} now deploys ${revision}, promoted from ${from}.\nReview and commit: git diff -- ${PROMOTION_STATE} dist/`);
  } catch (error) {
    console.error(`promote failed: ${error instanceof EstateValidationError ? error.message : (error as Error).message}`);
    process.exitCode = 1;
  }
}
