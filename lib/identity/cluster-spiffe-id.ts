import { Construct } from 'constructs';
import * as spire from '../../imports/clusterspiffeid-spire.spiffe.io';
import { IdentitySpec, LabelSelectorSpec } from '../config/types';
import { ResolvedCluster } from '../resolve/model';
import { addChecks } from '../build/checks';
import { standardLabels } from '../resolve/labels';
import { checkIdentity, samplePodFor } from './policy';
import { SamplePod, renderTemplate } from './template';

export interface ClusterSpiffeIdProps {
  /** The cluster's resolved model; the controller manager's className comes from it, never typed by hand. */
  readonly resolved: ResolvedCluster;
  readonly identity: IdentitySpec;
}

export function labelSelector(selector: LabelSelectorSpec | undefined) {
  if (!selector) return undefined;
  return {
    matchLabels: selector.matchLabels ? { ...selector.matchLabels } : undefined,
    matchExpressions: selector.matchExpressions?.map((expression) => ({
      key: expression.key,
      operator: expression.operator,
      values: expression.values ? [...expression.values] : undefined,
    })),
  };
}

/** A workload identity: a ClusterSPIFFEID, checked against the environment's identity policy at synth. */
export class ClusterSpiffeId extends Construct {
  public readonly identity: IdentitySpec;
  public readonly resolved: ResolvedCluster;
  public readonly className: string;

  constructor(scope: Construct, id: string, props: ClusterSpiffeIdProps) {
    super(scope, id);
    const { identity, resolved } = props;
    this.identity = identity;
    this.resolved = resolved;
    this.className = resolved.controllerManager.className;

    new spire.ClusterSpiffeid(this, 'Resource', {
      metadata: { name: identity.name, labels: standardLabels(identity.name, 'identity', resolved.clusterName) },
      spec: {
        className: this.className,
        spiffeIdTemplate: identity.spiffeIDTemplate,
        podSelector: labelSelector(identity.podSelector),
        namespaceSelector: labelSelector(identity.namespaceSelector),
        workloadSelectorTemplates: identity.workloadSelectorTemplates ? [...identity.workloadSelectorTemplates] : undefined,
        dnsNameTemplates: identity.dnsNameTemplates ? [...identity.dnsNameTemplates] : undefined,
        autoPopulateDnsNames: identity.autoPopulateDNSNames,
        ttl: identity.ttl,
        jwtTtl: identity.jwtTtl,
        federatesWith: identity.federatesWith ? [...identity.federatesWith] : undefined,
        admin: identity.admin,
        downstream: identity.downstream,
        fallback: identity.fallback,
        hint: identity.hint ?? identity.name,
      },
    });

    addChecks(this, resolved, () => checkIdentity(identity, resolved.environment, resolved.clusterName, {
      server: resolved.server.namespace, agent: resolved.agent.namespace,
    }));
  }

  /** The SPIFFE ID and selectors the manager would register for this pod (the default: a pod it selects). */
  public preview(pod: SamplePod = samplePodFor(this.identity)): { spiffeId: string; selectors: string[]; dnsNames: string[] } {
    const data = {
      trustDomain: this.resolved.environment.trustDomain,
      clusterName: this.resolved.clusterName,
      clusterDomain: this.resolved.controllerManager.clusterDomain,
      pod,
    };
    return {
      spiffeId: renderTemplate(this.identity.spiffeIDTemplate, data),
      selectors: ['k8s:pod-uid:<uid>', ...(this.identity.workloadSelectorTemplates ?? []).map((template) => renderTemplate(template, data))],
      dnsNames: (this.identity.dnsNameTemplates ?? []).map((template) => renderTemplate(template, data)),
    };
  }

  /** Whether the identity selects a pod with these namespace labels, pod labels and service account. */
  public selects(pod: { namespace: string; labels: Readonly<Record<string, string>>; serviceAccountName: string }): string[] {
    const reasons: string[] = [];
    const namespaceLabels = { 'kubernetes.io/metadata.name': pod.namespace };
    if (!matches(this.identity.namespaceSelector, namespaceLabels)) reasons.push(`namespace "${pod.namespace}" is not selected by namespaceSelector`);
    if (!matches(this.identity.podSelector, pod.labels)) reasons.push(`pod labels ${JSON.stringify(pod.labels)} do not match podSelector`);
    const sa = (this.identity.workloadSelectorTemplates ?? []).find((template) => template.startsWith('k8s:sa:'));
    if (sa && sa !== `k8s:sa:${pod.serviceAccountName}`) reasons.push(`service account "${pod.serviceAccountName}" does not match ${sa}`);
    return reasons;
  }
}

export function matches(selector: LabelSelectorSpec | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    if (expression.operator === 'In' && (value === undefined || !values.includes(value))) return false;
    if (expression.operator === 'NotIn' && value !== undefined && values.includes(value)) return false;
    if (expression.operator === 'Exists' && value === undefined) return false;
    if (expression.operator === 'DoesNotExist' && value !== undefined) return false;
  }
  return true;
}
