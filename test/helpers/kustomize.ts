import { execFileSync } from 'node:child_process';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { kubectlPath } = require('../../scripts/kubectl') as { kubectlPath(): string };

/**
 * `kubectl kustomize` (kustomize v5) of one directory. `anywhere` lifts kustomize's rule that files lie
 * in or below the directory, as Flux builds (fluxcd/pkg kustomize: LoadRestrictionsNone on a file system
 * confined to the source).
 */
export function kustomizeBuild(dir: string, options: { readonly anywhere?: boolean } = {}): string {
  const restrictor = options.anywhere ? ['--load-restrictor', 'LoadRestrictionsNone'] : [];
  return execFileSync(kubectlPath(), ['kustomize', ...restrictor, dir], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
