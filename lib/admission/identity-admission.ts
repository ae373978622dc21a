import { denyingAdmissionPolicy } from '../build/k8s-helpers';
import { Construct } from 'constructs';
import { ResolvedCluster } from '../resolve/model';
import { standardLabels } from '../resolve/labels';
import {
  AdmissionPolicyInput, AdmissionRules, clusterFederatedTrustDomainRules, clusterSpiffeIdRules, clusterStaticEntryRules,
} from './rules';

export interface IdentityAdmissionPolicyProps {
  /** The controller manager's className is the only one the policies admit; the server's and agents' namespaces are SPIRE's own. */
  readonly resolved: ResolvedCluster;
}

/** The kinds the policies guard, with their API resource and rule set. */
export const GUARDED_KINDS = [
  { kind: 'ClusterSPIFFEID', resource: 'clusterspiffeids', rules: clusterSpiffeIdRules },
  { kind: 'ClusterStaticEntry', resource: 'clusterstaticentries', rules: clusterStaticEntryRules },
  { kind: 'ClusterFederatedTrustDomain', resource: 'clusterfederatedtrustdomains', rules: clusterFederatedTrustDomainRules },
] as const;

export function policyNameFor(kind: string): string {
  return `spire-identity-policy-${kind.toLowerCase()}`;
}

/** The denial message of a rule: the rule ID first, then where and what. */
export function denialMessage(environment: string, id: string, message: string): string {
  return `[${id}] ${environment}: ${message}`;
}

/** The nested root's registrations in the tree that runs the root: a workload cluster's, or the management cluster's own. */
function rootEntriesOf(resolved: ResolvedCluster): AdmissionPolicyInput['rootEntries'] {
  const root = resolved.nested?.root ?? (resolved.managementRoot && { server: resolved, downstream: resolved.managementRoot.downstream });
  if (!root) return undefined;
  const entries = root.downstream.flatMap((registration) => [registration.alias, registration.downstream]);
  return { className: root.server.controllerManager.className, entries: [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/**
 * The environment's identity policy enforced by the apiserver itself: one ValidatingAdmissionPolicy
 * (admissionregistration.k8s.io/v1, GA since Kubernetes 1.30) and its binding per identity kind, so that
 * what synth refuses is refused for `kubectl apply` too, with a message that names the rule.
 */
export class IdentityAdmissionPolicy extends Construct {
  public readonly input: AdmissionPolicyInput;

  constructor(scope: Construct, id: string, props: IdentityAdmissionPolicyProps) {
    super(scope, id);
    const { resolved } = props;
    this.input = {
      environment: resolved.environment,
      className: resolved.controllerManager.className,
      serverNamespace: resolved.server.namespace,
      agentNamespace: resolved.agent.namespace,
      rootEntries: rootEntriesOf(resolved),
      rootOnly: resolved.managementRoot !== undefined,
    };
    for (const guarded of GUARDED_KINDS) {
      const name = policyNameFor(guarded.kind);
      const rules: AdmissionRules = guarded.rules(this.input);
      const labels = standardLabels('identity-policy', 'admission', resolved.clusterName);
      denyingAdmissionPolicy(this, guarded.kind, {
        name,
        labels,
        resourceRules: [{ apiGroups: ['spire.spiffe.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: [guarded.resource] }],
        variables: rules.variables,
        validations: rules.rules.map((rule) => ({ expression: rule.expression, message: denialMessage(this.input.environment.name, rule.id, rule.message) })),
      });
    }
  }
}
