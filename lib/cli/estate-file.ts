import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadAll } from 'js-yaml';
import { DEFAULT_ESTATE } from '../config/estate';
import { EstateConfig } from '../config/types';
import { UsageError } from './args';

/*
 * Where the CLI's estate comes from: the estate this project ships (lib/config/estate.ts) or a file named
 * by --estate, a module exporting one or a data file holding one. Everything here runs before the
 * estate's own checks (lib/config/validate.ts): it only has to hand over an object that claims to be an
 * estate, or say why the file does not.
 */

/** An estate to synthesize and the directory its relative file names (federation bundles) are read from. */
export interface EstateInput {
  readonly estate: EstateConfig;
  readonly baseDir: string;
  /** What the estate was loaded from, for messages. */
  readonly source: string;
  /**
   * The environments to render (--env).
   * @default - every environment
   */
  readonly environments?: readonly string[];
}

/** The file could not be read as an estate: a syntax error, a module that throws, no estate exported. */
export class EstateFileError extends Error {}

/** The project's root: the nearest directory above this module with a package.json (source, bundle or package build). */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}

/** The estate this project ships; its federation bundles are committed under the project root. */
export function defaultEstateInput(): EstateInput {
  return { estate: DEFAULT_ESTATE, baseDir: projectRoot(), source: 'the default estate (lib/config/estate.ts)' };
}

const MODULE_KINDS = ['.js', '.cjs', '.mjs', '.ts'];
const DATA_KINDS = ['.json', '.yaml', '.yml'];

/** The estate a module exports: `export default`, `export const estate`, `DEFAULT_ESTATE`, or `module.exports` itself. */
function exportedEstate(exports: any): unknown {
  if (exports && typeof exports === 'object') {
    for (const name of ['default', 'estate', 'DEFAULT_ESTATE']) {
      if (exports[name] !== undefined) return exports[name];
    }
  }
  return exports;
}

/** The first line of a load error, with the file and line a SyntaxError's stack names first. */
function loadErrorMessage(error: unknown): string {
  const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message.split('\n')[0]}` : String(error);
  const location = error instanceof SyntaxError ? /^(\S+:\d+)\n/.exec(error.stack ?? '')?.[1] : undefined;
  return location ? `${message} (at ${location})` : message;
}

function requireFresh(path: string): unknown {
  // Loaded again on every call: tests and long-lived callers may change the file between loads.
  delete require.cache[require.resolve(path)];
  return require(path);
}

/** An ES module's estate, imported by a child node (a synchronous CLI cannot await import()); estates are plain data. */
function importInChild(path: string): unknown {
  const script = `
    try {
      const exports = await import(process.argv[1]);
      const estate = exports.default ?? exports.estate ?? exports.DEFAULT_ESTATE;
      process.stdout.write(JSON.stringify(estate === undefined ? null : estate));
    } catch (error) {
      process.stderr.write(String(error && error.name && error.name !== 'Error' ? error.name + ': ' : '') + String(error && error.message || error).split('\\n')[0]);
      process.exit(1);
    }`;
  let text: string;
  try {
    text = execFileSync(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(path).href], {
      cwd: dirname(path), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    throw new EstateFileError(String((error as { stderr?: string }).stderr ?? '').trim() || (error as Error).message);
  }
  return JSON.parse(text);
}

/** A TypeScript estate, bundled in memory by esbuild (a development dependency: present in a checkout of this project). */
function loadTypeScript(path: string): unknown {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = require('esbuild');
  } catch {
    throw new UsageError(`${path}: a .ts estate needs esbuild, which only a checkout of spire-gitops has (after npm ci); compile the estate to .js, or export it from a .js, .mjs, .json or .yaml file`);
  }
  const result = esbuild.buildSync({
    entryPoints: [path], bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', write: false, logLevel: 'silent',
  });
  const filename = `${path}.bundle.js`;
  const loaded = new Module(filename);
  loaded.filename = filename;
  loaded.paths = (Module as any)._nodeModulePaths(dirname(path));
  (loaded as any)._compile(result.outputFiles[0].text, filename);
  return loaded.exports;
}

function loadModule(path: string): unknown {
  if (extname(path) === '.ts') return exportedEstate(loadTypeScript(path));
  if (extname(path) === '.mjs') return importInChild(path);
  try {
    return exportedEstate(requireFresh(path));
  } catch (error) {
    // A .js file that is an ES module (its package.json says "type": "module").
    if ((error as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') return importInChild(path);
    throw error;
  }
}

function loadData(path: string, text: string): unknown {
  if (extname(path) === '.json') return JSON.parse(text);
  const documents: unknown[] = [];
  loadAll(text, (document) => { documents.push(document); });
  if (documents.length > 1) throw new Error(`holds ${documents.length} YAML documents; an estate is one`);
  return documents[0];
}

/** Loads the estate a file holds or exports. Relative file names in it are read relative to the file's directory. */
export function loadEstateFile(file: string, cwd: string): EstateInput {
  const path = resolve(cwd, file);
  const kind = extname(path);
  if (![...MODULE_KINDS, ...DATA_KINDS].includes(kind)) {
    throw new UsageError(`--estate ${file}: expected a ${MODULE_KINDS.join(', ')} module or a ${DATA_KINDS.join(', ')} file`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--estate ${file}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const shown = relative(cwd, path) || path;
  let estate: unknown;
  try {
    estate = DATA_KINDS.includes(kind) ? loadData(path, text) : loadModule(path);
  } catch (error) {
    if (error instanceof UsageError || error instanceof EstateFileError) {
      throw error instanceof EstateFileError ? new EstateFileError(`cannot load the estate ${shown}: ${error.message}`) : error;
    }
    throw new EstateFileError(`cannot load the estate ${shown}: ${loadErrorMessage(error)}`);
  }
  if (!estate || typeof estate !== 'object' || Array.isArray(estate) || !Array.isArray((estate as { environments?: unknown }).environments)) {
    const got = estate === null || estate === undefined ? 'nothing' : Array.isArray(estate) ? 'an array' : typeof estate === 'object' ? `an object with ${Object.keys(estate).slice(0, 5).join(', ') || 'no keys'}` : typeof estate;
    throw new EstateFileError(`${shown} holds no estate: expected an object with an environments list, got ${got}; `
      + `fix: ${DATA_KINDS.includes(kind) ? 'put the estate at the top level of the file' : 'export it (module.exports = estate, export default estate, or export const estate)'}`);
  }
  return { estate: estate as EstateConfig, baseDir: dirname(path), source: shown };
}

/** The estate to be rendered for only the named environments (each must exist), for --env. */
export function onlyEnvironments(input: EstateInput, names: readonly string[]): EstateInput {
  if (names.length === 0) return input;
  const known = input.estate.environments.map((environment) => environment.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new UsageError(`--env ${unknown.join(', ')}: no such environment in ${input.source} (it has ${known.join(', ')})`);
  }
  // The estate stays whole (its team files are checked against every environment); rendering narrows it.
  return { ...input, environments: names };
}

/** The estate the options name: --estate FILE or the default one, limited to the --env environments. */
export function estateFromOptions(options: { readonly options: ReadonlyMap<string, string>; readonly repeated: ReadonlyMap<string, string[]> }, cwd: string): EstateInput {
  const file = options.options.get('estate');
  const input = file === undefined ? defaultEstateInput() : loadEstateFile(file, cwd);
  const names = (options.repeated.get('env') ?? []).flatMap((value) => value.split(',')).filter((name) => name !== '');
  return onlyEnvironments(input, names);
}
