/**
 * The previews' template evaluator (lib/identity/template.ts) against Go's text/template as
 * spire-controller-manager v0.7.0 runs it (test/go/template-oracle): generated templates x pod
 * contexts must give the same output, or both an error, and of the same kind (a parse error, which the
 * manager's webhook rejects, or an execution error, which makes the pod's entry fail to render).
 * A case the evaluator refuses as not previewable counts as agreement when Go errors too, and as an
 * exclusion when Go accepts it; exclusions are listed and capped.
 */
import { TemplateContext, TemplateError, TemplateNotPreviewable, executeTemplate, parseGoTemplate } from '../lib/identity/template';
import { CONTEXTS, TemplateCase, generateTemplates } from './helpers/template-cases';
import { OracleResult, buildOracle, runOracle } from './helpers/template-oracle';

type Outcome = { kind: 'output'; output: string } | { kind: 'parseError' | 'execError' | 'notPreviewable'; message: string };

function evaluate(template: string, context: TemplateContext): Outcome {
  let parsed;
  try {
    parsed = parseGoTemplate(template);
  } catch (error) {
    if (error instanceof TemplateNotPreviewable) return { kind: 'notPreviewable', message: error.message };
    if (error instanceof TemplateError) return { kind: 'parseError', message: error.message };
    throw error;
  }
  try {
    return { kind: 'output', output: executeTemplate(parsed, context) };
  } catch (error) {
    if (error instanceof TemplateNotPreviewable) return { kind: 'notPreviewable', message: error.message };
    if (error instanceof TemplateError) return { kind: 'execError', message: error.message };
    throw error;
  }
}

function describeGo(result: OracleResult): string {
  if ('output' in result) return `output ${JSON.stringify(result.output)}`;
  if ('parseError' in result) return `parse error: ${result.parseError}`;
  return `execution error: ${result.execError}`;
}

function describeTs(outcome: Outcome): string {
  return outcome.kind === 'output' ? `output ${JSON.stringify(outcome.output)}` : `${outcome.kind}: ${outcome.message}`;
}

// A fixed seed keeps CI deterministic; TEMPLATE_DIFF_SEED and TEMPLATE_DIFF_COUNT explore further by hand.
const SEED = Number(process.env.TEMPLATE_DIFF_SEED ?? 20260701);
const GENERATED = Number(process.env.TEMPLATE_DIFF_COUNT ?? 700);

describe('template evaluator agrees with Go text/template (spire-controller-manager v0.7.0)', () => {
  let oracle: string;
  beforeAll(() => {
    oracle = buildOracle();
  }, 600_000);

  test('on every generated template and pod context', () => {
    const templates: TemplateCase[] = generateTemplates(SEED, GENERATED);
    const cases = templates.flatMap((templateCase) => CONTEXTS.map((context, contextIndex) => ({ ...templateCase, context, contextIndex })));
    const goResults = runOracle(oracle, cases.map(({ template, context }) => ({ template, context })));

    const disagreements: string[] = [];
    const exclusions: string[] = [];
    const tally = { output: 0, parseError: 0, execError: 0 };
    cases.forEach((testCase, index) => {
      const go = goResults[index];
      const ts = evaluate(testCase.template, testCase.context);
      const where = `${testCase.construct}, context ${testCase.contextIndex}: ${JSON.stringify(testCase.template)}`;
      if (ts.kind === 'notPreviewable') {
        if ('output' in go) exclusions.push(`${where}\n    Go ${describeGo(go)}; TS ${describeTs(ts)}`);
        return;
      }
      const agree = ('output' in go && ts.kind === 'output' && ts.output === go.output)
        || ('parseError' in go && ts.kind === 'parseError')
        || ('execError' in go && ts.kind === 'execError');
      if (!agree) disagreements.push(`${where}\n    Go ${describeGo(go)}\n    TS ${describeTs(ts)}`);
      else tally['output' in go ? 'output' : 'parseError' in go ? 'parseError' : 'execError']++;
    });

    console.log([
      `template differential: ${templates.length} templates x ${CONTEXTS.length} contexts = ${cases.length} cases (seed ${SEED})`,
      `  agree: ${tally.output} same output, ${tally.parseError} both parse errors, ${tally.execError} both execution errors`,
      `  excluded (refused as not previewable, Go accepts): ${exclusions.length}`,
      `  disagree: ${disagreements.length}`,
      ...exclusions.slice(0, 5).map((line) => `  excluded: ${line}`),
      ...disagreements.slice(0, 15).map((line) => `  DISAGREE: ${line}`),
    ].join('\n'));

    expect(cases.length).toBeGreaterThanOrEqual(500);
    expect(disagreements.slice(0, 15)).toEqual([]);
    // Refusals must stay the exception, or the comparison would prove little.
    expect(exclusions.length).toBeLessThanOrEqual(cases.length * 0.03);
    // Each outcome is exercised in quantity.
    expect(tally.output).toBeGreaterThan(cases.length * 0.3);
    expect(tally.parseError).toBeGreaterThan(100);
    expect(tally.execError).toBeGreaterThan(100);
  });
});
