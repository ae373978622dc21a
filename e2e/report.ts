/**
 * What the e2e counts and prints: one line per failing check (where, what, what the real program said),
 * the time of each stage, and the summary line CI and the closing notes quote.
 */

/** The counters of the summary line, in its order. */
export const COUNTERS = ['configs', 'argv', 'objects', 'pss', 'rbac', 'entries', 'agents', 'jwt', 'federation', 'examples', 'topologies', 'upgrade', 'upstream', 'attestation', 'settings', 'manager', 'nodeAttestation', 'workloads'] as const;
export type Counter = typeof COUNTERS[number];

export class Report {
  private readonly passed = new Map<Counter, number>();
  private readonly total = new Map<Counter, number>();
  readonly failures: string[] = [];
  trees = 0;
  /** The identity policy in the cluster: policy cases denied, and dist/'s identity CRs admitted. */
  readonly admission = { denied: 0, cases: 0, admitted: 0, crs: 0 };

  /** `prefix` marks the lines of a run that is expected to fail (a mutation). */
  constructor(private readonly prefix = '') {}

  /** The first failure line, for saying what caught a mutation. */
  get firstFailure(): string | undefined {
    return this.failures[0];
  }

  /** Records one check. `where` is env/cluster, `subject` the file or object, `said` what the program said. */
  check(counter: Counter, ok: boolean, where: string, subject: string, said = ''): boolean {
    this.total.set(counter, (this.total.get(counter) ?? 0) + 1);
    if (ok) {
      this.passed.set(counter, (this.passed.get(counter) ?? 0) + 1);
    } else {
      const line = `FAIL ${counter} ${where} ${subject}${said ? `: ${oneLine(said)}` : ''}`;
      this.failures.push(line);
      console.log(`${this.prefix}${line}`);
    }
    return ok;
  }

  /** A failure outside any counted check (a program that would not start): counted in failed=. */
  fail(where: string, subject: string, said: string): void {
    const line = `FAIL ${where} ${subject}: ${oneLine(said)}`;
    this.failures.push(line);
    console.log(`${this.prefix}${line}`);
  }

  /** How many checks of `counter` ran so far, passed or not. */
  ran(counter: Counter): number {
    return this.total.get(counter) ?? 0;
  }

  get failed(): number {
    return this.failures.length;
  }

  summary(): string {
    const counts = COUNTERS.map((counter) => `${counter}=${this.passed.get(counter) ?? 0}/${this.total.get(counter) ?? 0}`);
    return `e2e: trees=${this.trees} ${counts.join(' ')} failed=${this.failed}`;
  }

  admissionLine(): string {
    const a = this.admission;
    return `admission: policy cases denied=${a.denied}/${a.cases} dist CRs admitted=${a.admitted}/${a.crs}`;
  }

  /** The plain closing line: every counted check, and the uncounted failures. */
  closingLine(): string {
    const passed = COUNTERS.reduce((sum, counter) => sum + (this.passed.get(counter) ?? 0), 0);
    return `${passed} passed, ${this.failed} failed`;
  }
}

/** Runs a stage and prints how long it took. */
export async function stage<T>(name: string, body: () => Promise<T>): Promise<T> {
  const start = Date.now();
  console.log(`== ${name}`);
  try {
    return await body();
  } finally {
    console.log(`== ${name}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 600 ? `${flat.slice(0, 600)}...` : flat;
}
