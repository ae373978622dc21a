import { Construct } from 'constructs';
import { ViolationDetails, formatViolation } from '../config/violation';
import { ResolvedCluster } from '../resolve/model';

/**
 * Registers checks that run when the estate is synthesized; every failing check is reported together,
 * so one synth lists every problem.
 */
export function addChecks(scope: Construct, resolved: ResolvedCluster, checks: () => (ViolationDetails | undefined)[]): void {
  scope.node.addValidation({
    validate: () => checks()
      .filter((details): details is ViolationDetails => details !== undefined)
      .map((details) => formatViolation(resolved.where, details)),
  });
}
