/**
 * CRDs of other projects that dist/ uses and ../shared/crds does not pin: Gateway API (TLSRoute,
 * HTTPRoute, ReferenceGrant) and cert-manager (Certificate). Their versions are pinned here and nowhere
 * else; the files come from the projects' own Go modules through the Go module proxy (`go mod download`),
 * which keeps each version in the module cache, so a second run downloads nothing. The e2e installs them
 * into its kube-apiserver; the unit tests validate against them when the module cache holds them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ExternalCrdModule {
  readonly module: string;
  readonly version: string;
  /** Directory of the CRD files inside the module. */
  readonly crdDir: string;
}

export const EXTERNAL_CRD_MODULES: readonly ExternalCrdModule[] = [
  // The standard channel: TLSRoute is served as v1 there since v1.5.
  { module: 'sigs.k8s.io/gateway-api', version: 'v1.6.3', crdDir: 'config/crd/standard' },
  { module: 'github.com/cert-manager/cert-manager', version: 'v1.21.2', crdDir: 'deploy/crds' },
];

/** Go's module cache path of a module path: upper-case letters become `!` and the lower-case letter. */
function escapedModulePath(module: string): string {
  return module.replace(/[A-Z]/g, (letter) => `!${letter.toLowerCase()}`);
}

function goModCache(): string | undefined {
  try {
    return execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', cwd: tmpdir() }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The CRD directories already in the module cache (nothing is downloaded); missing ones are named. */
export function cachedCrdDirs(): { dirs: string[]; missing: string[] } {
  const cache = goModCache();
  const dirs: string[] = [];
  const missing: string[] = [];
  for (const pin of EXTERNAL_CRD_MODULES) {
    const dir = cache ? join(cache, `${escapedModulePath(pin.module)}@${pin.version}`, pin.crdDir) : undefined;
    if (dir && existsSync(dir)) dirs.push(dir);
    else missing.push(`${pin.module}@${pin.version}`);
  }
  return { dirs, missing };
}

/** Downloads the pinned modules through the Go module proxy (or finds them cached) and returns their CRD directories. */
export function downloadCrdDirs(): string[] {
  return EXTERNAL_CRD_MODULES.map((pin) => {
    // Outside any module, so that no go.mod of the project is consulted or changed.
    const out = execFileSync('go', ['mod', 'download', '-json', `${pin.module}@${pin.version}`], { encoding: 'utf8', cwd: tmpdir() });
    const info = JSON.parse(out) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download ${pin.module}@${pin.version}: ${info.Error ?? 'no directory'}`);
    const dir = join(info.Dir, pin.crdDir);
    if (!existsSync(dir)) throw new Error(`${pin.module}@${pin.version} has no ${pin.crdDir}`);
    return dir;
  });
}
