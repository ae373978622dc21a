/*
 * The entry points that main.ts, the scripts, the benchmarks and the tests import from
 * here. The stages themselves live in lib/pipeline.ts and the stage folders it names.
 */
export { buildEstate } from './build/estate';
export type { BuiltEstate, ClusterExtension, OutputTree } from './build/estate';
export { EstateValidationError } from './config/violation';
export { renderEstate, synthesize } from './pipeline';
export type { RenderOptions, SynthesizeOptions } from './pipeline';
export { recoverTree, writeTree } from './write/tree';
export type { WriteOptions } from './write/tree';
