/**
 * The identity policy inside the cluster: every `fails ...` case of the policy table, rendered as the CR
 * synth would have written, must be denied by the tree's ValidatingAdmissionPolicies on the real
 * apiserver, naming its rule (the CRs of dist/ themselves were admitted while the tree was applied).
 */
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { POLICY_CASES, admissionPoliciesOfCase, renderPolicyCase } from '../lib/identity/policy-cases';
import { KubeClient } from './kube';
import { Report } from './report';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface AdmissionCounts { denied: number; cases: number }

export const IDENTITY_KINDS = new Set(['ClusterSPIFFEID', 'ClusterStaticEntry', 'ClusterFederatedTrustDomain']);

/** Runs the cases of `environment` against the apiserver of its first cluster. */
export async function checkPolicyCases(client: KubeClient, environment: string, at: string, report: Report): Promise<AdmissionCounts> {
  const counts = { denied: 0, cases: 0 };
  for (const policyCase of POLICY_CASES.filter((c) => c.environment === environment)) {
    counts.cases++;
    const object = renderPolicyCase(DEFAULT_ESTATE, policyCase);
    // A case that changes more of the environment than its object is judged by its own estate's policies,
    // installed beside the tree's under other names.
    const extra: Json[] = policyCase.needsCasePolicies
      ? admissionPoliciesOfCase(DEFAULT_ESTATE, policyCase).map((p) => renamed(p))
      : [];
    for (const p of extra) await client.ok('PATCH', `${client.path(p.apiVersion, p.kind, undefined, p.metadata.name)}?fieldManager=spire-gitops-e2e&force=true`, JSON.stringify(p), 'application/apply-patch+yaml');
    if (extra.length) await new Promise((resolve) => setTimeout(resolve, 2000));
    const response = await client.call('POST', `${client.path(object.apiVersion, object.kind, undefined, '')}?dryRun=All`, object);
    const message = String(response.body?.message ?? response.text);
    const denied = response.status >= 400 && response.status < 500 && (policyCase.refusedBeforeAdmission || message.includes(`[${policyCase.admissionRule}]`));
    if (denied) counts.denied++;
    if (!denied) report.fail(at, `policy case "${policyCase.name}" as ${object.kind}/${object.metadata.name}`, `not denied by rule ${policyCase.admissionRule}; the apiserver answered ${response.status}: ${message}`);
    for (const p of extra.reverse()) await client.call('DELETE', client.path(p.apiVersion, p.kind, undefined, p.metadata.name));
  }
  return counts;
}

function renamed(object: Json): Json {
  const copy = JSON.parse(JSON.stringify(object));
  copy.metadata.name = `${copy.metadata.name}-case`;
  if (copy.kind === 'ValidatingAdmissionPolicyBinding') copy.spec.policyName = `${copy.spec.policyName}-case`;
  delete copy.metadata.annotations;
  return copy;
}
