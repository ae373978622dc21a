#!/usr/bin/env node
'use strict';
/*
 * The spire-gitops command. Installed as a package it runs the tsc build the package ships
 * (build/package/, made by `npm pack`'s prepack). In a checkout of the project (lib/cli/main.ts beside this
 * file) it runs the sources: esbuild bundles lib/cli/main.ts into build/cli/main.js, again only when a
 * source file it bundled has changed since (their hashes are kept beside the bundle), so a fresh clone,
 * a pull or an edit never runs stale code and an unchanged checkout starts without compiling.
 */
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const source = join(root, 'lib', 'cli', 'main.ts');

function hashOf(path) {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
}

/** The bundle of the sources, rebuilt when any input's content differs from what it was built from. */
function compiledSources() {
  const bundle = join(root, 'build', 'cli', 'main.js');
  const manifest = join(root, 'build', 'cli', 'inputs.json');
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(manifest, 'utf8'));
  } catch {
    inputs = undefined;
  }
  const fresh = inputs && existsSync(bundle) && Object.entries(inputs).every(([path, hash]) => hashOf(join(root, path)) === hash);
  if (!fresh) {
    let esbuild;
    try {
      esbuild = require('esbuild');
    } catch {
      process.stderr.write('spire-gitops: running from a checkout needs its development dependencies (npm ci): esbuild compiles lib/cli/main.ts\n');
      process.exit(2);
    }
    const result = esbuild.buildSync({
      entryPoints: [source], bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external',
      sourcemap: 'inline', metafile: true, write: false, logLevel: 'error', absWorkingDir: root,
    });
    const hashes = {};
    for (const path of Object.keys(result.metafile.inputs).sort()) hashes[path] = hashOf(join(root, path));
    mkdirSync(join(root, 'build', 'cli'), { recursive: true });
    // Written under this process's own names and renamed into place: concurrent runs never read half a file.
    writeFileSync(`${bundle}.${process.pid}`, result.outputFiles[0].text);
    renameSync(`${bundle}.${process.pid}`, bundle);
    writeFileSync(`${manifest}.${process.pid}`, `${JSON.stringify(hashes, null, 2)}\n`);
    renameSync(`${manifest}.${process.pid}`, manifest);
  }
  return bundle;
}

function packageBuild() {
  const built = join(root, 'build', 'package', 'lib', 'cli', 'main.js');
  if (!existsSync(built)) {
    process.stderr.write(`spire-gitops: ${built} is missing: the package is built by its prepack script (npm pack); install a packed tarball or a published version\n`);
    process.exit(1);
  }
  return built;
}

const main = existsSync(source) ? compiledSources() : packageBuild();
const { run } = require(main);
// A command that talks to the network (federation fetch-bundle) answers with a promise of its exit code.
Promise.resolve(run(process.argv.slice(2))).then((code) => { process.exitCode = code; });
