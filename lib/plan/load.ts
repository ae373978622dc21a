import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EstateLike, EstateSnapshot, snapshotEstate } from './model';

/** An estate and the function that renders it, as some version of the code defines them. */
export interface EstateSource {
  readonly estate: EstateLike;
  readonly render: () => Map<string, string>;
}

/** esbuild, a development dependency: loaded on use, so the installed package runs without it. */
function esbuild(): typeof import('esbuild') {
  try {
    return require('esbuild');
  } catch {
    throw new Error('plan compiles the estate of another commit with esbuild, which only a checkout of spire-gitops has (after npm ci)');
  }
}

/**
 * Loads `lib/config/estate.ts` and `lib/synth.ts` of the checkout at `dir` in-process: esbuild bundles
 * them (npm packages left external, resolved from this project's node_modules) and the bundle is compiled
 * in memory. Nothing is written; rendering never touches dist/.
 */
export function loadEstateSource(dir: string, packagesFrom: string = process.cwd()): EstateSource {
  const root = resolve(dir);
  const result = esbuild().buildSync({
    stdin: {
      contents: "export { DEFAULT_ESTATE } from './lib/config/estate';\nexport { renderEstate } from './lib/synth';\n",
      resolveDir: root,
      loader: 'ts',
      sourcefile: join(root, 'plan-entry.ts'),
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const filename = join(resolve(packagesFrom), `.plan-${process.pid}-${Date.now()}.js`);
  const loaded = new Module(filename);
  loaded.filename = filename;
  loaded.paths = (Module as any)._nodeModulePaths(resolve(packagesFrom));
  (loaded as any)._compile(result.outputFiles[0].text, filename);
  const exports = loaded.exports as { DEFAULT_ESTATE: EstateLike; renderEstate: (estate: unknown, options?: unknown) => Map<string, string> };
  return {
    estate: exports.DEFAULT_ESTATE,
    render: () => {
      // Older versions read committed files (federation bundles) relative to the working directory.
      const previous = process.cwd();
      process.chdir(root);
      try {
        return exports.renderEstate(exports.DEFAULT_ESTATE, { baseDir: root });
      } finally {
        process.chdir(previous);
      }
    },
  };
}

export function snapshotOf(source: EstateSource): EstateSnapshot {
  return snapshotEstate(source.estate, source.render());
}

/** Runs `use` on a temporary detached worktree of `ref`, removed afterwards. */
export function withWorktree<T>(repository: string, ref: string, use: (dir: string) => T): T {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repository, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    git('rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`git ref ${JSON.stringify(ref)} does not name a commit in ${repository}`);
  }
  const parent = mkdtempSync(join(tmpdir(), 'spire-gitops-plan-'));
  const dir = join(parent, 'base');
  git('worktree', 'add', '--detach', '--quiet', dir, ref);
  try {
    return use(dir);
  } finally {
    try {
      git('worktree', 'remove', '--force', dir);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  }
}
