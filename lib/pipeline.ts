import { ClusterExtension, buildEstate } from './build/estate';
import { layOutEstate } from './build/layout';
import { checkEstate } from './check/estate';
import { EstateConfig } from './config/types';
import { EstateValidationError } from './config/violation';
import { onlyEnvironments, validatedEstate } from './estate/validated';
import { renderInventory } from './render/inventory';
import { resolveEstate } from './resolve/resolve';
import { WriteOptions, writeTree } from './write/tree';

/*
 * The whole synth, one stage after another; read this file first.
 *
 *   estate    lib/estate/    the estate as written with the team identity files merged in, validated
 *                            field by field (lib/config/validate*.ts)
 *   resolve   lib/resolve/   defaults and every fact derived from them, once per cluster
 *   build     lib/build/     cdk8s constructs (lib/spire, lib/identity, lib/gitops, ...) that read the
 *                            resolved model, then laid out as files
 *   check     lib/check/     every rule over what was built, all problems at once
 *   write     lib/write/     the only code that touches dist/, atomically
 *
 * Each stage takes only what the stages before it returned, so each can be called and tested alone.
 */

export interface RenderOptions {
  /**
   * The repository root, against which files the estate names (federation bundles) are read.
   * @default - the current working directory
   */
  readonly baseDir?: string;
  /**
   * Called for every cluster chart, to add what the estate's data cannot say.
   * @default - nothing is added
   */
  readonly extend?: ClusterExtension;
  /**
   * Render only these environments (and the GitOps objects for them); the estate and its team files are
   * still checked whole.
   * @default - every environment
   */
  readonly environments?: readonly string[];
}

export interface SynthesizeOptions extends WriteOptions {
  /** Passed to renderEstate. */
  readonly render?: RenderOptions;
}

/**
 * Renders the estate into file contents keyed by path under dist/. Throws EstateValidationError,
 * listing every problem, when any rule is broken; nothing is written in that case.
 */
export function renderEstate(input: EstateConfig | unknown, options: RenderOptions = {}): Map<string, string> {
  const whole = validatedEstate(input, options.baseDir ?? process.cwd());
  // Every check reads the whole estate; only what is built and written is narrowed by --env.
  const estate = options.environments ? onlyEnvironments(whole, options.environments) : whole;
  const resolved = resolveEstate(estate);
  const built = buildEstate(estate, resolved, { extend: options.extend });
  const laidOut = layOutEstate(built);
  const problems = checkEstate(whole, resolved, built, laidOut);
  if (problems.length > 0) throw new EstateValidationError(problems);
  const files = laidOut.files;
  files.set('README.md', renderInventory(estate, built.clusters));
  return files;
}

/**
 * Renders the estate and, only when it is valid, replaces each of `outdirs` with it. Throws
 * EstateValidationError, listing every problem, and leaves every outdir untouched otherwise.
 */
export function synthesize(estate: EstateConfig, outdirs: readonly string[], options: SynthesizeOptions = {}): Map<string, string> {
  const files = renderEstate(estate, options.render);
  for (const outdir of outdirs) writeTree(files, outdir, options);
  return files;
}
