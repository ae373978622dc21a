// Lets a child node process require the TypeScript sources directly (transpiled by esbuild, no type-check).
const { transformSync } = require('esbuild');
const fs = require('node:fs');
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename });
  module._compile(code, filename);
};
