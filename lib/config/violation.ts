/** One problem found in the estate, in the words a person fixing it needs. */
export interface ViolationDetails {
  /** `Kind "name"` of the offending resource or config entry. */
  readonly resource: string;
  /** Field path, e.g. `spec.ttl` or `server.replicas`. */
  readonly field: string;
  readonly value: unknown;
  /** What the rule demands. */
  readonly rule: string;
  /** How to fix it. */
  readonly fix: string;
}

/** One line that names environment, cluster, resource, field, value, rule and fix. */
export function formatViolation(where: string, details: ViolationDetails): string {
  const value = details.value === undefined ? 'nothing' : JSON.stringify(details.value);
  return `${where}: ${details.resource} ${details.field}: ${details.rule}, got ${value}; fix: ${details.fix}`;
}

/** Raised when the estate breaks a rule; lists every problem found. */
export class EstateValidationError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(`the estate has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'EstateValidationError';
  }
}
