#!/usr/bin/env node
// The spire-gitops command: runs lib/cli/main.ts from source (esbuild transpiles it on load, no type-check).
require('../scripts/register-ts.js');
const { run } = require('../lib/cli/main.ts');
process.exitCode = run(process.argv.slice(2));
