#!/usr/bin/env node
// npm run bench: prints how fast the synth is and how it scales. Figures only; nothing here passes or fails.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const register = join(root, 'scripts/register-ts.js');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const time = (fn) => { const start = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - start) / 1e6; };

console.log(`machine: ${cpus().length} x ${cpus()[0].model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);

console.log('in-process synth: median of renderEstate (build, validate, serialize), and one synthesize (the same plus writing dist/)');
console.log('clusters  identities/env  objects  bytes       median ms  ms/object  +write ms  peak RSS MB');
const results = [];
for (const [clusters, identities, runs] of [[1, 10, 7], [10, 100, 5], [50, 500, 3]]) {
  const out = execFileSync(process.execPath, ['-r', register, join(root, 'bench/case.js'), clusters, identities, runs], { cwd: root, encoding: 'utf8' });
  const r = JSON.parse(out);
  results.push(r);
  console.log(`${String(r.clusters).padEnd(10)}${String(r.identities).padEnd(16)}${String(r.objects).padEnd(9)}${String(r.bytes).padEnd(12)}${r.medianMs.toFixed(0).padEnd(11)}${(r.medianMs / r.objects).toFixed(3).padEnd(11)}${r.withWriteMs.toFixed(0).padEnd(11)}${r.peakRssMb.toFixed(0)}`);
}
const [small, , large] = results;
console.log(`\nscaling: ${(large.objects / small.objects).toFixed(1)}x the objects took ${(large.medianMs / small.medianMs).toFixed(1)}x the time (linear would be equal)\n`);

function timeCommand(script) {
  const runs = [];
  for (let run = 0; run < 5; run++) {
    runs.push(time(() => {
      const result = spawnSync('npm', ['run', '--silent', script], { cwd: root, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(result.stderr);
    }));
  }
  return median(runs);
}
const synthMs = timeCommand('synth');
console.log(`npm run synth (spire-gitops synth, its bundle of the sources unchanged), default estate: median ${synthMs.toFixed(0)} ms over 5 runs`);
console.log(`npm run synth:cli (the same through the cdk8s CLI): median ${timeCommand('synth:cli').toFixed(0)} ms over 5 runs`);

const { kubectlPath } = createRequire(import.meta.url)('../scripts/kubectl.js');
const kubectl = kubectlPath();
const trees = [];
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) walk(join(dir, entry.name));
    else if (entry.name === 'kustomization.yaml') trees.push(dir);
  }
})(join(root, 'dist'));
const kustomizeRuns = [];
for (let run = 0; run < 5; run++) {
  kustomizeRuns.push(time(() => { for (const tree of trees) execFileSync(kubectl, ['kustomize', tree], { stdio: 'ignore' }); }));
}
console.log(`kubectl kustomize of the default estate's ${trees.length} trees: median ${median(kustomizeRuns).toFixed(0)} ms`);
console.log(`ratio synth / kustomize: ${(synthMs / median(kustomizeRuns)).toFixed(2)}`);
