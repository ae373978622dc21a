// One benchmark case in its own process, so peak RSS belongs to that case alone.
// Usage: node -r ../scripts/register-ts bench/case.js <clusters> <identities per environment> <runs>
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { renderEstate, synthesize } = require('../lib/synth');
const { syntheticEstate } = require('./estates');

const [clusters, identities, runs] = process.argv.slice(2).map(Number);
const estate = syntheticEstate(clusters, identities);
const times = [];
let files;
for (let run = 0; run < runs; run++) {
  const start = process.hrtime.bigint();
  files = renderEstate(estate);
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
// The whole job as `npm run synth` does it: render, validate, write the tree and swap it in.
const scratch = mkdtempSync(join(tmpdir(), 'spire-bench-'));
const start = process.hrtime.bigint();
synthesize(estate, [join(scratch, 'dist')]);
const withWriteMs = Number(process.hrtime.bigint() - start) / 1e6;
rmSync(scratch, { recursive: true, force: true });
let objects = 0;
let bytes = 0;
for (const [path, content] of files) {
  bytes += Buffer.byteLength(content);
  if (!path.endsWith('kustomization.yaml')) objects++;
}
process.stdout.write(JSON.stringify({
  clusters, identities, medianMs: times[Math.floor(times.length / 2)], withWriteMs, objects, bytes, peakRssMb: process.resourceUsage().maxRSS / 1024,
}));
