import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateValidationError } from '../lib/synth';
import { PROMOTION_STATE, gitBranchCommit, runPromote, runRecord } from '../lib/gitops/promote-command';
import { SPIRE_VERSIONS_STATE } from '../lib/gitops/spire-upgrade';

/*
 * `npm run promote -- <from-env> <to-env>` and `npm run promote -- --record <env>`: see
 * lib/gitops/promote-command.ts.
 */
const args = process.argv.slice(2);
const usage = 'usage: npm run promote -- <from-env> <to-env>   (e.g. staging production)\n'
  + '       npm run promote -- --record <env>       (the environment runs the SPIRE versions the estate renders)';
const record = args[0] === '--record';
if (record ? args.length !== 2 : args.length !== 2 || args.some((arg) => arg.startsWith('-'))) {
  console.error(usage);
  process.exitCode = 2;
} else {
  try {
    const root = process.cwd();
    if (record) {
      const versions = runRecord({ environment: args[1], root, estate: DEFAULT_ESTATE })[args[1]];
      console.log(`${args[1]} is recorded as running SPIRE server ${versions.server} and agents ${versions.agent}.\nReview and commit: git diff -- ${SPIRE_VERSIONS_STATE} dist/`);
    } else {
      const [from, to] = args;
      const revision = runPromote({ from, to, root, estate: DEFAULT_ESTATE, resolveBranch: gitBranchCommit(root) });
      console.log(`${to} now deploys ${revision}, promoted from ${from}.\nReview and commit: git diff -- ${PROMOTION_STATE} ${SPIRE_VERSIONS_STATE} dist/`);
    }
  } catch (error) {
    console.error(`promote failed: ${error instanceof EstateValidationError ? error.message : (error as Error).message}`);
    process.exitCode = 1;
  }
}
