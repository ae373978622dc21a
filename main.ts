import { run } from './lib/cli/main';

/*
 * The cdk8s app (cdk8s.yaml runs it for `cdk8s synth`): the CLI's `spire-gitops synth` of the default
 * estate into dist/, and into the directory the cdk8s CLI reads afterwards (CDK8S_OUTDIR, which it empties
 * first: so that is only a copy, and a failed synth leaves the committed dist/ untouched).
 * `npm run synth` runs the same command through bin/spire-gitops.js.
 */
const staging = process.env.CDK8S_OUTDIR;
void Promise.resolve(run(['synth', '--out', 'dist', ...(staging ? ['--out', staging] : [])])).then((code) => { process.exitCode = code; });
