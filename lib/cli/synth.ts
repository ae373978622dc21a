import { relative, resolve } from 'node:path';
import { EstateValidationError, renderEstate, writeTree } from '../synth';
import { diffTree, treeDiffSize } from '../tree-diff';
import { UsageError, parseArgs } from './args';
import { EstateInput, estateFromOptions } from './estate-file';
import { EXIT, Io, elapsedSince } from './io';

export const SYNTH_USAGE = `  synth [--estate FILE] [--out DIR]... [--env NAME]... [--check]
      synthesizes the estate (default: lib/config/estate.ts; FILE: a .js/.cjs/.mjs module exporting one,
      a .json/.yaml file, or a .ts module in a checkout of spire-gitops) into DIR (default dist/), which is
      replaced only when every check passed; --env keeps only those environments (and their GitOps
      objects) and needs --out, so that it never replaces dist/ with part of the estate; --check writes
      nothing and exits 1 listing the files that differ from DIR
  validate [--estate FILE] [--env NAME]...
      runs every check synth runs and writes nothing; exit 0 when the estate is valid, 1 when not
`;

const ESTATE_OPTIONS = ['estate', 'env'];

/** What a rendered estate holds: cluster trees, the other (GitOps) trees, files. */
function counts(input: EstateInput, files: ReadonlyMap<string, string>): string {
  // A cluster tree is dist/<environment>/<cluster>/: the environment's clusters and a nested root's management cluster.
  const environments = new Set(input.estate.environments.map((environment) => environment.name));
  const kustomizations = [...files.keys()].filter((path) => path === 'kustomization.yaml' || path.endsWith('/kustomization.yaml'));
  const clusterTrees = kustomizations.filter((path) => path.split('/').length === 3 && environments.has(path.split('/')[0])).length;
  const trees = kustomizations.length;
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  return `${plural(clusterTrees, 'cluster tree')}, ${plural(trees - clusterTrees, 'gitops tree')}, ${plural(files.size, 'file')}`;
}

/** Renders the estate; on problems, says so on stderr and returns undefined (nothing is written). */
function render(command: string, input: EstateInput, io: Io, untouched: readonly string[]): Map<string, string> | undefined {
  try {
    return renderEstate(input.estate, { baseDir: input.baseDir, environments: input.environments });
  } catch (error) {
    if (!(error instanceof EstateValidationError)) throw error;
    const left = untouched.length > 0 ? `\n${untouched.join(', ')} ${untouched.length === 1 ? 'was' : 'were'} left as ${untouched.length === 1 ? 'it was' : 'they were'}.` : '';
    io.err(`spire-gitops ${command}: ${input.source}: ${error.message}${left}\n`);
    return undefined;
  }
}

/** The directory as the user named it: relative to where they run, unless it is elsewhere. */
function shown(io: Io, dir: string): string {
  const path = relative(io.cwd, dir);
  return `${path === '' ? '.' : path.startsWith('..') ? dir : path}/`;
}

export function synth(argv: readonly string[], io: Io): number {
  const started = Date.now();
  const args = parseArgs(argv, [...ESTATE_OPTIONS, 'out'], ['check']);
  if (args.positional.length > 0) throw new UsageError(`synth takes no arguments, got ${args.positional.join(' ')}`);
  const input = estateFromOptions(args, io.cwd);
  if (args.repeated.has('env') && !args.repeated.has('out')) {
    throw new UsageError('--env renders part of the estate: give --out DIR for it, so that dist/ (the whole estate) is not replaced by that part');
  }
  const outdirs = [...new Set((args.repeated.get('out') ?? ['dist']).map((dir) => resolve(io.cwd, dir)))];
  const check = args.switches.has('check');
  const files = render('synth', input, io, check ? [] : outdirs.map((dir) => shown(io, dir)));
  if (!files) return EXIT.failed;
  if (check) {
    let stale = 0;
    for (const outdir of outdirs) {
      const diff = diffTree(files, outdir);
      stale += treeDiffSize(diff);
      for (const [change, paths] of [['changed', diff.changed], ['added', diff.added], ['removed', diff.removed]] as const) {
        for (const path of paths) io.out(`${change.padEnd(8)} ${shown(io, outdir)}${path}\n`);
      }
    }
    if (stale > 0) {
      io.err(`synth --check: ${stale} file${stale === 1 ? '' : 's'} differ${stale === 1 ? 's' : ''} from what ${input.source} synthesizes; run spire-gitops synth (npm run synth) and commit the result\n`);
      return EXIT.failed;
    }
    io.out(`synth --check: ${outdirs.map((dir) => shown(io, dir)).join(', ')} up to date (${counts(input, files)}) in ${elapsedSince(started)}\n`);
    return EXIT.ok;
  }
  for (const outdir of outdirs) writeTree(files, outdir);
  io.out(`synth: ${counts(input, files)} in ${elapsedSince(started)} into ${outdirs.map((dir) => shown(io, dir)).join(', ')}\n`);
  return EXIT.ok;
}

export function validate(argv: readonly string[], io: Io): number {
  const started = Date.now();
  const args = parseArgs(argv, ESTATE_OPTIONS);
  if (args.positional.length > 0) throw new UsageError(`validate takes no arguments, got ${args.positional.join(' ')}`);
  const input = estateFromOptions(args, io.cwd);
  const files = render('validate', input, io, []);
  if (!files) return EXIT.failed;
  io.out(`validate: ${input.source} is valid (${counts(input, files)} checked) in ${elapsedSince(started)}\n`);
  return EXIT.ok;
}
