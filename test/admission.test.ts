import { syncWaveFor } from '../lib/build/sync-waves';
import { EstateValidationError, renderEstate } from '../lib/synth';
import { POLICY_CASES, admissionPoliciesOfCase, crsToAdmit, estateOfCase, renderPolicyCase } from '../lib/identity/policy-cases';
import { defaultEstate, defaultFiles, manifests } from './helpers/estate';
import { describeErrors, loadStrictValidators, sharedSchemasPresent } from './helpers/schemas';

const TREES = ['development/dev-euw1', 'staging/stg-euw1', 'production/prod-euw1', 'production/prod-use1'];
const all = manifests(defaultFiles());
const policiesOf = (tree: string) => all.filter((m) => m.path.startsWith(`${tree}/`) && m.object.kind === 'ValidatingAdmissionPolicy').map((m) => m.object);
const bindingsOf = (tree: string) => all.filter((m) => m.path.startsWith(`${tree}/`) && m.object.kind === 'ValidatingAdmissionPolicyBinding').map((m) => m.object);
const ruleIds = (policy: any): string[] => policy.spec.validations.map((v: any) => /^\[([a-z0-9A-Z-]+)\]/.exec(v.message)?.[1]);

/** Unescapes a CEL single-quoted string body. */
function celUnescape(body: string): string {
  return body.replace(/\\(.)/g, '$1');
}

/** Balanced brackets and closed string literals, and every regex literal compiles: a plausibility check of CEL text. */
function celProblems(expression: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < expression.length && expression[j] !== c) j += expression[j] === '\\' ? 2 : 1;
      if (j >= expression.length) { problems.push(`unterminated string at ${i}`); break; }
      i = j;
    } else if ('([{'.includes(c)) stack.push(c);
    else if (')]}'.includes(c) && stack.pop() !== pairs[c]) problems.push(`unbalanced ${c} at ${i}`);
  }
  if (stack.length) problems.push(`unclosed ${stack.join('')}`);
  for (const match of expression.matchAll(/\.(?:matches|findAll)\('((?:[^'\\]|\\.)*)'\)/g)) {
    try { new RegExp(celUnescape(match[1])); } catch (error) { problems.push(`regex ${match[1]}: ${(error as Error).message}`); }
  }
  if (/undefined|NaN|\[object /.test(expression)) problems.push('contains a JavaScript artifact');
  return problems;
}

let validators: ReturnType<typeof loadStrictValidators> | undefined;

describe.each(TREES)('admission policies of %s', (tree) => {
  const policies = policiesOf(tree);
  const bindings = bindingsOf(tree);

  test('one policy and one Deny binding per identity kind, v1, before the identities', () => {
    expect(policies.map((p) => p.spec.matchConstraints.resourceRules[0].resources[0]).sort())
      .toEqual(['clusterfederatedtrustdomains', 'clusterspiffeids', 'clusterstaticentries']);
    for (const object of [...policies, ...bindings]) {
      expect(object.apiVersion).toBe('admissionregistration.k8s.io/v1');
      expect(Number(object.metadata.annotations['argocd.argoproj.io/sync-wave'])).toBeLessThan(syncWaveFor('ClusterSPIFFEID').wave);
    }
    for (const policy of policies) {
      expect(policy.spec.failurePolicy).toBe('Fail');
      expect(bindings.find((b) => b.spec.policyName === policy.metadata.name)?.spec.validationActions).toEqual(['Deny']);
    }
  });

  // The pinned Kubernetes 1.28 definitions have these kinds as v1beta1, whose fields v1 kept unchanged.
  (sharedSchemasPresent ? test : test.skip)('validates strictly against the pinned v1beta1 schema of its kind', () => {
    validators ??= loadStrictValidators();
    const validatorFor = validators;
    for (const object of [...policies, ...bindings]) {
      const validate = validatorFor('admissionregistration.k8s.io/v1beta1', object.kind)!;
      const valid = validate({ ...object, apiVersion: 'admissionregistration.k8s.io/v1beta1' });
      expect([object.metadata.name, valid ? '' : describeErrors(validate)]).toEqual([object.metadata.name, '']);
    }
    const policy = policies[0];
    expect(validatorFor('admissionregistration.k8s.io/v1beta1', 'ValidatingAdmissionPolicy')!({ ...policy, apiVersion: 'admissionregistration.k8s.io/v1beta1', spec: { ...policy.spec, validation: [] } })).toBe(false);
  });

  test('every expression is plausible CEL and every message names its rule', () => {
    for (const policy of policies) {
      for (const item of [...policy.spec.validations, ...policy.spec.variables]) {
        expect([item.expression, celProblems(item.expression)]).toEqual([item.expression, []]);
      }
      for (const validation of policy.spec.validations) expect(validation.message).toMatch(/^\[[a-zA-Z0-9-]+\] [a-z]+: \S/);
      expect(new Set(ruleIds(policy)).size).toBe(policy.spec.validations.length);
    }
  });
});

describe('the rules follow each environment\'s policy', () => {
  const rules = (tree: string, kind: string) => ruleIds(policiesOf(tree).find((p) => p.metadata.name.endsWith(kind.toLowerCase())));

  test('admin: forbidden in development and staging, SPIRE tooling only in production', () => {
    expect(rules('development/dev-euw1', 'ClusterSPIFFEID')).toContain('clusterspiffeid-admin-forbidden');
    expect(rules('staging/stg-euw1', 'ClusterSPIFFEID')).toContain('clusterspiffeid-admin-forbidden');
    expect(rules('production/prod-euw1', 'ClusterSPIFFEID')).toEqual(expect.arrayContaining(['clusterspiffeid-admin-explicit', 'clusterspiffeid-admin-spire-tooling']));
    expect(rules('production/prod-euw1', 'ClusterSPIFFEID')).not.toContain('clusterspiffeid-admin-forbidden');
  });

  test('federation: forbidden in development, allow-listed in production', () => {
    expect(rules('development/dev-euw1', 'ClusterSPIFFEID')).toContain('clusterspiffeid-federation-forbidden');
    expect(rules('development/dev-euw1', 'ClusterFederatedTrustDomain')).toContain('clusterfederatedtrustdomain-federation-forbidden');
    const production = policiesOf('production/prod-euw1').find((p) => p.metadata.name.endsWith('clusterspiffeid'));
    const allowed = production.spec.validations.find((v: any) => v.message.startsWith('[clusterspiffeid-federation-allowed]'));
    expect(allowed.expression).toContain("['payments.partner.example', 'logistics.partner.example', 'prod.spire.acme.example']");
  });

  test('TTL caps, path prefixes and the className are the environment\'s', () => {
    const staging = policiesOf('staging/stg-euw1').find((p) => p.metadata.name.endsWith('clusterspiffeid'));
    const text = JSON.stringify(staging.spec.validations);
    expect(text).toContain("duration('12h')");
    expect(text).toContain("duration('1h')");
    expect(text).toContain("'spire-stg-euw1'");
    expect(rules('staging/stg-euw1', 'ClusterSPIFFEID')).toContain('clusterspiffeid-path-prefix');
    expect(rules('development/dev-euw1', 'ClusterSPIFFEID')).not.toContain('clusterspiffeid-path-prefix');
  });
});

describe('policy cases shared with the e2e', () => {
  test('there are at least 40, with distinct names', () => {
    expect(new Set(POLICY_CASES.map((c) => c.name)).size).toBe(POLICY_CASES.length);
    expect(POLICY_CASES.length).toBeGreaterThanOrEqual(40);
  });

  test.each(POLICY_CASES.map((c) => [c.name, c] as const))('%s', (_name, policyCase) => {
    let problems: string[] = [];
    try {
      renderEstate(estateOfCase(defaultEstate, policyCase));
    } catch (error) {
      if (!(error instanceof EstateValidationError)) throw error;
      problems = [...error.problems];
    }
    expect(problems.filter((problem) => policyCase.synthMessage.test(problem))).not.toEqual([]);
    const object = renderPolicyCase(defaultEstate, policyCase);
    expect(object.kind).toBe(policyCase.kind);
    const resource = (p: any) => p.spec.matchConstraints.resourceRules[0].resources[0];
    const matching = (policies: any[]) => policies.find((p) => p.kind === 'ValidatingAdmissionPolicy' && resource(p).startsWith(policyCase.kind.toLowerCase().slice(0, -2)));
    expect(ruleIds(matching(admissionPoliciesOfCase(defaultEstate, policyCase)))).toContain(policyCase.admissionRule);
    if (!policyCase.needsCasePolicies) {
      const tree = TREES.find((candidate) => candidate.startsWith(`${policyCase.environment}/`))!;
      expect(ruleIds(matching(policiesOf(tree)))).toContain(policyCase.admissionRule);
    }
  });

  test('crsToAdmit lists every identity object of a tree', () => {
    const crs = crsToAdmit(defaultFiles(), 'production/prod-euw1');
    expect(crs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterFederatedTrustDomain/logistics-partner-example', 'ClusterFederatedTrustDomain/payments-partner-example',
      'ClusterSPIFFEID/api-gateway', 'ClusterSPIFFEID/data-primary', 'ClusterSPIFFEID/data-replica', 'ClusterSPIFFEID/default-fallback',
      // The teams' (identities/production/*.yaml).
      'ClusterSPIFFEID/payments-api', 'ClusterSPIFFEID/payments-ledger', 'ClusterSPIFFEID/search-frontend', 'ClusterSPIFFEID/search-indexer',
      'ClusterSPIFFEID/web-frontend',
    ]);
  });
});
