// One benchmark case in its own process, so peak RSS belongs to that case alone.
// Usage: node -r ../scripts/register-ts bench/case.js <clusters> <identities per environment> <runs>
const { renderEstate } = require('../lib/synth');
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
let objects = 0;
let bytes = 0;
for (const [path, content] of files) {
  bytes += Buffer.byteLength(content);
  if (!path.endsWith('kustomization.yaml')) objects++;
}
process.stdout.write(JSON.stringify({
  clusters, identities, medianMs: times[Math.floor(times.length / 2)], objects, bytes, peakRssMb: process.resourceUsage().maxRSS / 1024,
}));
