import { Construct } from 'constructs';
import { EstateConfig } from '../config/types';
import { policyContradictions, sharedTrustDomainProblems } from '../config/validate';
import { BuiltEstate } from '../build/estate';
import { LaidOutEstate } from '../build/layout';
import { ResolvedEstate } from '../resolve/model';
import { laidOutProblems } from './output';
import { resolvedProblems } from './wiring';

/** What the constructs registered with `addChecks` (and cdk8s's own validations) find, without repeats. */
export function constructProblems(root: Construct): string[] {
  const errors: string[] = [];
  for (const construct of root.node.findAll()) errors.push(...construct.node.validate());
  return [...new Set(errors)];
}

/**
 * The check stage: every rule over the resolved model and the built and laid-out estate, all problems
 * at once. It reads and never changes what the earlier stages made; an empty list means the estate may
 * be written.
 */
export function checkEstate(estate: EstateConfig, resolved: ResolvedEstate, built: BuiltEstate, laidOut: LaidOutEstate): string[] {
  return [
    ...resolvedProblems(resolved),
    ...constructProblems(built.app),
    ...sharedTrustDomainProblems(estate),
    ...policyContradictions(estate),
    ...laidOutProblems(laidOut.objects),
  ];
}
