import { parse } from 'yaml';
import { DEFAULT_ESTATE } from '../../lib/config/estate';
import { EnvironmentConfig, EstateConfig } from '../../lib/config/types';
import { resolveBundleFiles } from '../../lib/config/bundle-files';
import { EstateValidationError, RenderOptions, renderEstate } from '../../lib/synth';

let cached: Map<string, string> | undefined;

/** The default estate's files, rendered once per test file. */
export function defaultFiles(): Map<string, string> {
  cached ??= renderEstate(DEFAULT_ESTATE);
  return cached;
}

export interface Manifest {
  readonly path: string;
  readonly object: any;
}

export function manifests(files: ReadonlyMap<string, string>): Manifest[] {
  return [...files.entries()]
    .filter(([path]) => !path.endsWith('kustomization.yaml') && path.endsWith('.yaml'))
    .map(([path, content]) => ({ path, object: parse(content, { version: '1.1' }) }));
}

export function find(files: ReadonlyMap<string, string>, path: string): any {
  const content = files.get(path);
  if (content === undefined) throw new Error(`no file ${path}; have ${[...files.keys()].filter((key) => key.startsWith(path.split('/')[0])).slice(0, 20).join(', ')}`);
  return parse(content, { version: '1.1' });
}

/** The default estate with the committed federation bundles read in, as constructs see it. */
export const defaultEstate: EstateConfig = resolveBundleFiles(DEFAULT_ESTATE, process.cwd()).estate;

export function environment(name: string): EnvironmentConfig {
  return defaultEstate.environments.find((candidate) => candidate.name === name)!;
}

/**
 * The default estate with one environment replaced (others dropped) by `change`. Without its teams: their
 * grants and files name the dropped environments (test/team-identities.test.ts covers them).
 */
export function estateWith(name: string, change: (environment: EnvironmentConfig) => EnvironmentConfig): EstateConfig {
  return { ...defaultEstate, teams: undefined, environments: [change(environment(name))] };
}

/** The problems synth reports for an estate (none when it synthesizes); any other error is rethrown. */
export function problemsOf(estate: EstateConfig, options: RenderOptions = {}): string[] {
  try {
    renderEstate(estate, options);
  } catch (error) {
    if (error instanceof EstateValidationError) return [...error.problems];
    throw error;
  }
  return [];
}
