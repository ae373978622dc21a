import { EstateConfig } from '../config/types';
import { renderEstate } from '../synth';
import { Plan, PlanOptions, planSnapshots } from './diff';
import { EstateSnapshot, snapshotEstate } from './model';

/** Renders an estate in-process (nothing written) and reads its snapshot. */
export function snapshotOfEstate(estate: EstateConfig, baseDir?: string, environments?: readonly string[]): EstateSnapshot {
  return snapshotEstate(estate, renderEstate(estate, { baseDir, environments }));
}

/** The plan between two estates built in-process. */
export function planEstates(base: EstateConfig, head: EstateConfig, options: PlanOptions = {}): Plan {
  return planSnapshots(snapshotOfEstate(base), snapshotOfEstate(head), options);
}
