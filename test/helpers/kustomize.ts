import { execFileSync } from 'node:child_process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { kubectlPath } = require('../../scripts/kubectl') as { kubectlPath(): string };

/** `kubectl kustomize` (kustomize v5) of one directory. */
export function kustomizeBuild(dir: string): string {
  return execFileSync(kubectlPath(), ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
