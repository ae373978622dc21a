import { Construct } from 'constructs';
import { ViolationDetails, formatViolation } from '../config/violation';
import { ClusterContext } from '../resolve/model';

export function where(context: ClusterContext): string {
  return `${context.environment.name}/${context.cluster.name}`;
}

/**
 * Registers checks that run when the estate is synthesized; every failing check is reported together,
 * so one synth lists every problem.
 */
export function addChecks(scope: Construct, context: ClusterContext, checks: () => (ViolationDetails | undefined)[]): void {
  scope.node.addValidation({
    validate: () => checks()
      .filter((details): details is ViolationDetails => details !== undefined)
      .map((details) => formatViolation(where(context), details)),
  });
}
