import { EnvironmentConfig } from '../config/types';
import type { RootEntrySpec } from '../resolve/model';
import { BUILTIN_FUNCTIONS, STRUCT_FIELDS, TOP_LEVEL_FIELDS } from '../identity/template';

/*
 * The environment's identity policy as CEL validations for ValidatingAdmissionPolicies
 * (admissionregistration.k8s.io/v1), so that a ClusterSPIFFEID, ClusterStaticEntry or
 * ClusterFederatedTrustDomain applied around Git is held to what synth enforces (lib/identity/policy.ts).
 * Each rule has an ID that its denial message starts with. Checks synth makes by rendering a template for
 * a sample pod are approximated statically here, erring on the side of admitting.
 */

export interface AdmissionRule {
  /** Stable ID, named in the denial message. */
  readonly id: string;
  readonly expression: string;
  readonly message: string;
}

export interface AdmissionRules {
  readonly variables: readonly { readonly name: string; readonly expression: string }[];
  readonly rules: readonly AdmissionRule[];
}

export interface AdmissionPolicyInput {
  readonly environment: EnvironmentConfig;
  /** The className of the cluster's controller manager. */
  readonly className: string;
  /** Where the server and SPIRE's tooling run. */
  readonly serverNamespace: string;
  /** Where the agents run (privileged). */
  readonly agentNamespace: string;
  /**
   * In the cluster that runs a nested topology's root: the root's controller manager's className and the
   * ClusterStaticEntries synth gives it (the downstream registrations), admitted by name with exactly the
   * SPIFFE ID, parent, selectors and downstream flag synth gives each (lib/identity/downstream-registration.ts).
   */
  readonly rootEntries?: { readonly className: string; readonly entries: readonly RootEntrySpec[] };
  /**
   * A nested root's management cluster: its manager is the root's, and the root's registrations are the only
   * identity objects admitted (workload identities and federation belong to the workload clusters).
   */
  readonly rootOnly?: boolean;
}

/** The class-name rule of a kind the workload clusters own: in a management cluster nothing of it is admitted. */
function classNameRule(kind: string, className: string, input: AdmissionPolicyInput): AdmissionRule {
  const lower = kind.toLowerCase();
  return input.rootOnly
    ? { id: `${lower}-class-name`, expression: 'false', message: `no ${kind} is admitted in a nested root's management cluster: identities and federation belong to the workload clusters' trees` }
    : { id: `${lower}-class-name`, expression: `has(${className}) && ${className} == ${celString(input.className)}`, message: `spec.className must be ${input.className}, the className of this cluster's controller manager` };
}

const NS = 'kubernetes.io/metadata.name';
const DURATION = '^([0-9]+(\\\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$';
const TRUST_DOMAIN = '^[a-z0-9._-]{1,255}$';
const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const ACTION = '\\\\{\\\\{([^}]|\\\\}[^}])*\\\\}\\\\}';
/** Tokens of an action: quoted strings, raw strings, fields (.A.B) and identifiers (functions, keywords). */
const TOKEN = '"([^"\\\\\\\\]|\\\\\\\\.)*"|`[^`]*`|\\\\.?[A-Za-z_][A-Za-z0-9_]*(\\\\.[A-Za-z_][A-Za-z0-9_]*)*';
const KEYWORDS = ['if', 'else', 'end', 'with', 'true', 'false'];

/** A CEL string literal. */
export function celString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function celList(values: readonly string[]): string {
  return `[${values.map(celString).join(', ')}]`;
}

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The template data fields a template may name, as one regex (lib/identity/template.ts TOP_LEVEL_FIELDS). */
function fieldPattern(): string {
  const meta = `(\\\\.(${STRUCT_FIELDS.ObjectMeta.filter((f) => f !== 'Labels' && f !== 'Annotations').join('|')})|\\\\.(Labels|Annotations)(\\\\.[A-Za-z0-9_]+)?)?`;
  const scalars = TOP_LEVEL_FIELDS.filter((field) => !['PodMeta', 'NodeMeta', 'PodSpec', 'NodeSpec'].includes(field));
  return [
    `^\\\\.(${scalars.join('|')})$`,
    `^\\\\.(PodMeta|NodeMeta)${meta}$`,
    `^\\\\.PodSpec(\\\\.(${STRUCT_FIELDS.PodSpec.join('|')}))?$`,
    `^\\\\.NodeSpec(\\\\.(${STRUCT_FIELDS.NodeSpec.join('|')}))?$`,
  ].join('|');
}

/** Go text/template checks for one template string expression `t`. */
function templateRules(kind: string, field: string, each: (body: string) => string): AdmissionRule[] {
  const identifiers = celList([...BUILTIN_FUNCTIONS, ...KEYWORDS]);
  return [
    {
      id: `${kind}-template-closed`,
      expression: each(`!t.matches('\\\\{\\\\{([^}]|\\\\}[^}])*$')`),
      message: `${field}: every {{ must be closed by }} (the manager parses it as Go text/template)`,
    },
    {
      id: `${kind}-template-label-index`,
      expression: each(`!t.findAll('${ACTION}').exists(a, a.matches('[\\\\s(]\\\\.[A-Z][A-Za-z0-9_.]*[A-Za-z0-9_]-'))`),
      message: `${field}: label keys with dashes need index, e.g. index .PodMeta.Labels "app.kubernetes.io/name"`,
    },
    {
      id: `${kind}-template-functions`,
      expression: each(`t.findAll('${ACTION}').all(a, a.matches('^\\\\{\\\\{-?\\\\s*/\\\\*') || a.findAll('${TOKEN}').all(w, w.startsWith('"') || w.startsWith('\`') || w.startsWith('.') || w in ${identifiers}))`),
      message: `${field}: only Go's built-in template functions exist in the manager (${BUILTIN_FUNCTIONS.join(' ')}); no sprig functions, variables or range`,
    },
    {
      id: `${kind}-template-fields`,
      expression: each(`t.findAll('${ACTION}').all(a, a.matches('^\\\\{\\\\{-?\\\\s*/\\\\*') || a.findAll('${TOKEN}').all(w, !w.startsWith('.') || w.matches('${fieldPattern()}')))`),
      message: `${field}: names a field the template data lacks (${TOP_LEVEL_FIELDS.map((f) => `.${f}`).join(' ')})`,
    },
    {
      id: `${kind}-template-blocks`,
      expression: each(`size(t.findAll('\\\\{\\\\{-?\\\\s*(if|with|range)\\\\s')) == size(t.findAll('\\\\{\\\\{-?\\\\s*end\\\\s*-?\\\\}\\\\}'))`),
      message: `${field}: every {{if}} and {{with}} needs its {{end}}`,
    },
  ];
}

function ttlRules(kind: string, ttl: string, jwt: string, environment: EnvironmentConfig): AdmissionRule[] {
  const policy = environment.identityPolicy;
  const name = (path: string) => path.replace(/^variables\.spec\./, 'spec.');
  const effectiveTtl = `(has(${ttl}) && ${ttl}.matches('${DURATION}') ? duration(${ttl}) : duration(${celString(environment.server.defaultX509SvidTtl)}))`;
  return [
    { id: `${kind}-ttl-format`, expression: `!has(${ttl}) || ${ttl}.matches('${DURATION}')`, message: `${name(ttl)} is not a Go duration (write it like 1h, 30m or 1h30m; days are not a unit)` },
    { id: `${kind}-ttl-cap`, expression: `!has(${ttl}) || !${ttl}.matches('${DURATION}') || duration(${ttl}) <= duration(${celString(policy.maxTtl)})`, message: `${name(ttl)} must be at most ${policy.maxTtl} in ${environment.name} (identityPolicy.maxTtl)` },
    { id: `${kind}-jwt-ttl-format`, expression: `!has(${jwt}) || ${jwt}.matches('${DURATION}')`, message: `${name(jwt)} is not a Go duration (write it like 5m or 1h)` },
    { id: `${kind}-jwt-ttl-cap`, expression: `!has(${jwt}) || !${jwt}.matches('${DURATION}') || duration(${jwt}) <= duration(${celString(policy.maxJwtTtl)})`, message: `${name(jwt)} must be at most ${policy.maxJwtTtl} in ${environment.name} (identityPolicy.maxJwtTtl)` },
    { id: `${kind}-jwt-ttl-within-ttl`, expression: `!has(${jwt}) || !${jwt}.matches('${DURATION}') || duration(${jwt}) <= ${effectiveTtl}`, message: `${name(jwt)} must not exceed the X509-SVID TTL (${name(ttl)}, or the server's default ${environment.server.defaultX509SvidTtl})` },
  ];
}

function adminRules(kind: string, input: AdmissionPolicyInput, pinsOnlyServerNamespace: string | undefined, downstreamAllowed?: string): AdmissionRule[] {
  const { environment } = input;
  const policy = environment.identityPolicy.admin;
  const admin = 'variables.spec.admin';
  const rules: AdmissionRule[] = [];
  if (policy === 'forbidden') {
    rules.push({ id: `${kind}-admin-forbidden`, expression: `!has(${admin}) || ${admin} == false`, message: `spec.admin: admin identities are forbidden in ${environment.name} (identityPolicy.admin)` });
  }
  if (policy === 'explicit' || policy === 'spire-tooling') {
    rules.push({ id: `${kind}-admin-explicit`, expression: `has(${admin})`, message: `spec.admin must be stated explicitly in ${environment.name} (identityPolicy.admin: ${policy})` });
  }
  if (policy === 'spire-tooling') {
    rules.push({
      id: `${kind}-admin-spire-tooling`,
      expression: `!has(${admin}) || ${admin} == false${pinsOnlyServerNamespace ? ` || ${pinsOnlyServerNamespace}` : ''}`,
      message: `spec.admin: admin is for SPIRE's own tooling only in ${environment.name} (identityPolicy.admin: spire-tooling): only an identity that pins the namespace ${input.serverNamespace} and nothing else may be admin`,
    });
  }
  if (policy !== 'allowed') {
    rules.push({ id: `${kind}-downstream-forbidden`, expression: `!has(variables.spec.downstream) || variables.spec.downstream == false${downstreamAllowed ? ` || ${downstreamAllowed}` : ''}`, message: `spec.downstream: downstream (CA-minting) entries are forbidden in ${environment.name} (identityPolicy.admin: ${policy})` });
  }
  return rules;
}

function federationRules(kind: string, environment: EnvironmentConfig): AdmissionRule[] {
  const list = 'variables.spec.federatesWith';
  const allowed = environment.identityPolicy.allowedFederation;
  const declared = environment.federation.map((spec) => spec.trustDomain).filter((trustDomain) => allowed.includes(trustDomain));
  const rules: AdmissionRule[] = [
    { id: `${kind}-federates-with-trust-domain`, expression: `!has(${list}) || ${list}.all(td, td.matches('${TRUST_DOMAIN}') && !td.startsWith('.') && !td.endsWith('.'))`, message: 'spec.federatesWith: each item must be a bare trust domain name like partner.example (no spiffe://)' },
    { id: `${kind}-federates-with-own`, expression: `!has(${list}) || !(${celString(environment.trustDomain)} in ${list})`, message: `spec.federatesWith names this environment's own trust domain ${environment.trustDomain}` },
  ];
  if (allowed.length === 0) {
    rules.push({ id: `${kind}-federation-forbidden`, expression: `!has(${list}) || ${list}.all(td, td == ${celString(environment.trustDomain)} || !td.matches('${TRUST_DOMAIN}'))`, message: `spec.federatesWith: federation is forbidden in ${environment.name} (identityPolicy.allowedFederation is empty)` });
  } else {
    rules.push(
      { id: `${kind}-federation-allowed`, expression: `!has(${list}) || ${list}.all(td, td in ${celList([...allowed, environment.trustDomain])} || !td.matches('${TRUST_DOMAIN}'))`, message: `spec.federatesWith: only ${allowed.join(', ')} are allowed federation partners in ${environment.name} (identityPolicy.allowedFederation)` },
      { id: `${kind}-federation-declared`, expression: `!has(${list}) || ${list}.all(td, !(td in ${celList(allowed)}) || td in ${celList(declared)})`, message: `spec.federatesWith: a partner needs a ClusterFederatedTrustDomain in ${environment.name}.federation (its bundle endpoint)` },
    );
  }
  return rules;
}

function selectorRules(kind: string, field: string, selector: string): AdmissionRule[] {
  const labels = `${selector}.matchLabels`;
  const expressions = `${selector}.matchExpressions`;
  return [
    {
      id: `${kind}-${field}-labels`,
      expression: `!has(${selector}) || !has(${labels}) || ${labels}.all(k, k.matches('${LABEL_KEY}') && ${labels}[k].matches('${LABEL_VALUE}'))`,
      message: `spec.${field}.matchLabels: every key must be a valid label key and every value a valid label value`,
    },
    {
      id: `${kind}-${field}-expressions`,
      expression: `!has(${selector}) || !has(${expressions}) || ${expressions}.all(e, e.key.matches('${LABEL_KEY}') && (e.operator in ['In', 'NotIn'] ? has(e.values) && size(e.values) > 0 : !has(e.values) || size(e.values) == 0))`,
      message: `spec.${field}.matchExpressions: keys must be label keys; In and NotIn need values, Exists and DoesNotExist take none`,
    },
  ];
}

/** Whether a label selector `selector` selects a namespace whose only label is its name, in CEL. */
function selectsNamespace(selector: string, namespace: string): string {
  const ns = celString(namespace);
  return `(!has(${selector}) || ((!has(${selector}.matchLabels) || ${selector}.matchLabels.all(k, k == '${NS}' && ${selector}.matchLabels[k] == ${ns}))`
    + ` && (!has(${selector}.matchExpressions) || ${selector}.matchExpressions.all(e, e.key == '${NS}'`
    + ` ? (e.operator == 'In' ? has(e.values) && ${ns} in e.values : e.operator == 'NotIn' ? !has(e.values) || !(${ns} in e.values) : e.operator == 'Exists')`
    + ` : (e.operator == 'NotIn' || e.operator == 'DoesNotExist')))))`;
}

/** The ClusterSPIFFEID rules of the environment (lib/identity/policy.ts checkIdentity and checkNamespaces). */
export function clusterSpiffeIdRules(input: AdmissionPolicyInput): AdmissionRules {
  const { environment } = input;
  const policy = environment.identityPolicy;
  const nsSelector = 'variables.spec.namespaceSelector';
  const pinnedByLabel = `has(${nsSelector}) && has(${nsSelector}.matchLabels) && '${NS}' in ${nsSelector}.matchLabels`;
  const pinnedByExpression = `has(${nsSelector}) && has(${nsSelector}.matchExpressions) && ${nsSelector}.matchExpressions.exists(e, e.key == '${NS}' && e.operator == 'In' && has(e.values) && size(e.values) > 0)`;
  const pinnedAll = (test: (value: string) => string) => `(!(${pinnedByLabel}) || ${test(`${nsSelector}.matchLabels['${NS}']`)})`
    + ` && (!has(${nsSelector}) || !has(${nsSelector}.matchExpressions) || ${nsSelector}.matchExpressions.all(e, e.key != '${NS}' || e.operator != 'In' || !has(e.values) || e.values.all(v, ${test('v')})))`;
  const nonEmpty = (selector: string) => `(has(${selector}) && ((has(${selector}.matchLabels) && size(${selector}.matchLabels) > 0) || (has(${selector}.matchExpressions) && size(${selector}.matchExpressions) > 0)))`;
  const template = 'variables.spec.spiffeIDTemplate';
  const prefix = '^spiffe://\\\\{\\\\{-?\\\\s*\\\\.TrustDomain\\\\s*-?\\\\}\\\\}/';
  const idTemplate = (body: string) => `[${template}].all(t, ${body})`;
  const listOf = (field: string) => (body: string) => `!has(variables.spec.${field}) || variables.spec.${field}.all(t, ${body})`;
  const ignored = environment.server.ignoreNamespaces;
  const rules: AdmissionRule[] = [
    { id: 'clusterspiffeid-name', expression: `object.metadata.name.matches('${DNS_SUBDOMAIN}') && size(object.metadata.name) <= 253`, message: 'metadata.name must be a lowercase DNS subdomain' },
    classNameRule('ClusterSPIFFEID', 'variables.spec.className', input),
    { id: 'clusterspiffeid-template-trust-domain', expression: `${template}.matches('${prefix}')`, message: 'spec.spiffeIDTemplate must start with spiffe://{{ .TrustDomain }}/ (the manager drops IDs outside its trust domain without an error)' },
    ...templateRules('clusterspiffeid-spiffe-id', 'spec.spiffeIDTemplate', idTemplate),
    { id: 'clusterspiffeid-spiffe-id-path', expression: `!${template}.matches('${prefix}') || (!${template}.substring(9).contains('//') && !${template}.endsWith('/'))`, message: 'spec.spiffeIDTemplate renders a path with an empty segment' },
    {
      id: 'clusterspiffeid-spiffe-id-labels',
      expression: `${template}.findAll('\\\\.PodMeta\\\\.Labels\\\\.[A-Za-z0-9_]+').all(f, has(variables.spec.podSelector) && ((has(variables.spec.podSelector.matchLabels) && f.substring(16) in variables.spec.podSelector.matchLabels) || (has(variables.spec.podSelector.matchExpressions) && variables.spec.podSelector.matchExpressions.exists(e, e.key == f.substring(16) && e.operator in ['In', 'Exists']))))`,
      message: 'spec.spiffeIDTemplate uses a pod label the podSelector does not guarantee: a selected pod without it renders "<no value>", which is not a SPIFFE ID',
    },
    ...(policy.allowedPathPrefixes.length > 0 ? [{
      id: 'clusterspiffeid-path-prefix',
      expression: `!${template}.matches('${prefix}') || ${celList(policy.allowedPathPrefixes)}.exists(p, ${template}.substring(${template}.indexOf('}}') + 2).split('{{')[0].startsWith(p) || (p.startsWith(${template}.substring(${template}.indexOf('}}') + 2).split('{{')[0]) && ${template}.substring(${template}.indexOf('}}') + 2).contains('{{')))`,
      message: `spec.spiffeIDTemplate: the path must start with one of the allowed prefixes of ${environment.name} (${policy.allowedPathPrefixes.join(', ')})`,
    }] : []),
    ...templateRules('clusterspiffeid-workload-selector', 'spec.workloadSelectorTemplates', listOf('workloadSelectorTemplates')),
    { id: 'clusterspiffeid-workload-selector-pins', expression: listOf('workloadSelectorTemplates')(`!t.startsWith('k8s:node-name:') && !t.startsWith('k8s:pod-uid:')`), message: 'spec.workloadSelectorTemplates: k8s:node-name and k8s:pod-uid pin one pod or node; select on k8s:ns, k8s:sa or pod labels instead' },
    { id: 'clusterspiffeid-workload-selector-form', expression: listOf('workloadSelectorTemplates')(`t.matches('^[^:]+:.+$')`), message: 'spec.workloadSelectorTemplates: each must render to type:value, like k8s:sa:my-app' },
    ...templateRules('clusterspiffeid-dns-name', 'spec.dnsNameTemplates', listOf('dnsNameTemplates')),
    { id: 'clusterspiffeid-dns-name-form', expression: listOf('dnsNameTemplates')(`t.matches('^([A-Za-z0-9.*-]|${ACTION})*$')`), message: 'spec.dnsNameTemplates: each must render to a DNS name (letters, digits, - and . around template actions)' },
    ...selectorRules('clusterspiffeid', 'podSelector', 'variables.spec.podSelector'),
    ...selectorRules('clusterspiffeid', 'namespaceSelector', nsSelector),
    { id: 'clusterspiffeid-selects-everything', expression: `variables.fallback || ${nonEmpty('variables.spec.podSelector')} || ${nonEmpty(nsSelector)}`, message: 'spec.podSelector: with no pod or namespace selector it matches every pod in the cluster; select the workload, or set fallback: true' },
    { id: 'clusterspiffeid-namespace-pinned', expression: `variables.fallback || variables.pinsNamespace`, message: `spec.namespaceSelector must pin the namespace (matchLabels or an In expression on ${NS})` },
    { id: 'clusterspiffeid-service-account-pinned', expression: `variables.fallback || (has(variables.spec.workloadSelectorTemplates) && variables.spec.workloadSelectorTemplates.exists(t, t.startsWith('k8s:sa:')))`, message: 'spec.workloadSelectorTemplates must pin the service account with a k8s:sa: selector' },
    ...(ignored.length > 0 ? [{ id: 'clusterspiffeid-ignored-namespace', expression: pinnedAll((value) => `!(${value} in ${celList(ignored)})`), message: `spec.namespaceSelector selects a namespace the controller manager ignores (${ignored.join(', ')}), so it would never register a pod` }] : []),
    { id: 'clusterspiffeid-agent-namespace', expression: pinnedAll((value) => `${value} != ${celString(input.agentNamespace)}`), message: `spec.namespaceSelector selects SPIRE's agent namespace ${input.agentNamespace}, which runs privileged and holds no workloads` },
    ...[input.serverNamespace, input.agentNamespace].filter((namespace) => !ignored.includes(namespace)).map((namespace) => ({
      id: `clusterspiffeid-spire-namespace-${namespace}`,
      expression: `variables.pinsNamespace || !${selectsNamespace(nsSelector, namespace)}`,
      message: `spec.namespaceSelector also selects SPIRE's own namespace ${namespace}; exclude it with a NotIn expression on ${NS}`,
    })),
    ...ttlRules('clusterspiffeid', 'variables.spec.ttl', 'variables.spec.jwtTtl', environment),
    ...adminRules('clusterspiffeid', input, `(variables.pinsNamespace && ${pinnedAll((value) => `${value} == ${celString(input.serverNamespace)}`)})`),
    ...federationRules('clusterspiffeid', environment),
  ];
  return {
    variables: [
      { name: 'spec', expression: 'object.spec' },
      { name: 'fallback', expression: 'has(object.spec.fallback) && object.spec.fallback' },
      { name: 'pinsNamespace', expression: `(${pinnedByLabel.replace(/variables\.spec/g, 'object.spec')}) || (${pinnedByExpression.replace(/variables\.spec/g, 'object.spec')})` },
    ],
    rules,
  };
}

/** The ClusterStaticEntry rules (lib/identity/policy.ts checkStaticEntry). */
export function clusterStaticEntryRules(input: AdmissionPolicyInput): AdmissionRules {
  const { environment } = input;
  const id = (field: string) => `variables.spec.${field}.matches('^spiffe://${regexEscape(environment.trustDomain).replace(/\\/g, '\\\\')}(/[A-Za-z0-9._-]+)+$') && !variables.spec.${field}.matches('/\\\\.\\\\.?(/|$)')`;
  const root = input.rootEntries;
  const rootNames = root?.entries.map((entry) => entry.name) ?? [];
  // Each registration as synth writes it: a changed SPIFFE ID, parent, selector or downstream flag would retarget
  // an entry that can have CAs signed (downstream) or that every root agent of a cluster maps to (the alias).
  const pinned = (entry: RootEntrySpec) => [
    `object.metadata.name == ${celString(entry.name)}`,
    `object.spec.spiffeID == ${celString(entry.spiffeId)}`,
    `object.spec.parentID == ${celString(entry.parentId)}`,
    `has(object.spec.selectors) && object.spec.selectors == ${celList(entry.selectors)}`,
    entry.downstream ? 'has(object.spec.downstream) && object.spec.downstream' : '(!has(object.spec.downstream) || !object.spec.downstream)',
  ].join(' && ');
  // The root's registrations only, by name and class: any other object of the root's class is refused.
  const rootEntry = root
    ? [{ name: 'rootEntry', expression: `has(object.spec.className) && object.spec.className == ${celString(root.className)} && (${root.entries.map((entry) => `(${pinned(entry)})`).join(' || ')})` }]
    : [];
  const orRootEntry = root ? ' || variables.rootEntry' : '';
  return {
    variables: [{ name: 'spec', expression: 'object.spec' }, ...rootEntry],
    rules: [
      { id: 'clusterstaticentry-name', expression: `object.metadata.name.matches('${DNS_SUBDOMAIN}') && size(object.metadata.name) <= 253`, message: 'metadata.name must be a lowercase DNS subdomain' },
      input.rootOnly && root
        ? {
          id: 'clusterstaticentry-class-name',
          expression: 'variables.rootEntry',
          message: `only the nested root's own registrations (${rootNames.join(', ')}, spec.className ${root.className}) are admitted in its management cluster`,
        }
        : {
          id: 'clusterstaticentry-class-name',
          expression: `has(variables.spec.className) && variables.spec.className == ${celString(input.className)}${orRootEntry}`,
          message: `spec.className must be ${input.className}, the className of this cluster's controller manager${root ? ` (or ${root.className} for the nested root's own registrations: ${rootNames.join(', ')})` : ''}`,
        },
      { id: 'clusterstaticentry-spiffe-id', expression: id('spiffeID'), message: `spec.spiffeID must be a SPIFFE ID in ${environment.trustDomain} (spiffe://${environment.trustDomain}/<path>)` },
      { id: 'clusterstaticentry-parent-id', expression: id('parentID'), message: `spec.parentID must be a SPIFFE ID in ${environment.trustDomain}` },
      { id: 'clusterstaticentry-selectors', expression: `has(variables.spec.selectors) && size(variables.spec.selectors) > 0 && variables.spec.selectors.all(s, s.matches('^[^:]+:.+$'))`, message: 'spec.selectors: at least one, each type:value like unix:uid:1000' },
      ...ttlRules('clusterstaticentry', 'variables.spec.x509SVIDTTL', 'variables.spec.jwtSVIDTTL', environment),
      ...adminRules('clusterstaticentry', input, undefined, root ? 'variables.rootEntry' : undefined),
      ...federationRules('clusterstaticentry', environment),
    ],
  };
}

/** The ClusterFederatedTrustDomain rules (lib/identity/policy.ts checkFederation). */
export function clusterFederatedTrustDomainRules(input: AdmissionPolicyInput): AdmissionRules {
  const { environment } = input;
  const allowed = environment.identityPolicy.allowedFederation;
  const spec = 'variables.spec';
  return {
    variables: [{ name: 'spec', expression: 'object.spec' }],
    rules: [
      classNameRule('ClusterFederatedTrustDomain', `${spec}.className`, input),
      allowed.length === 0
        ? { id: 'clusterfederatedtrustdomain-federation-forbidden', expression: 'false', message: `spec.trustDomain: federation is forbidden in ${environment.name} (identityPolicy.allowedFederation is empty)` }
        : { id: 'clusterfederatedtrustdomain-allowed', expression: `${spec}.trustDomain in ${celList(allowed)}`, message: `spec.trustDomain: only ${allowed.join(', ')} are allowed federation partners in ${environment.name} (identityPolicy.allowedFederation)` },
      { id: 'clusterfederatedtrustdomain-https', expression: `${spec}.bundleEndpointURL.matches('^https://[^/@]+(/|$)')`, message: 'spec.bundleEndpointURL must be an https:// URL without user info' },
      { id: 'clusterfederatedtrustdomain-endpoint-id', expression: `${spec}.bundleEndpointProfile.type != 'https_spiffe' || (has(${spec}.bundleEndpointProfile.endpointSPIFFEID) && ${spec}.bundleEndpointProfile.endpointSPIFFEID.startsWith('spiffe://' + ${spec}.trustDomain + '/'))`, message: 'spec.bundleEndpointProfile.endpointSPIFFEID must belong to the partner\'s trust domain (spec.trustDomain)' },
      { id: 'clusterfederatedtrustdomain-initial-bundle', expression: `${spec}.bundleEndpointProfile.type != 'https_spiffe' || has(${spec}.trustDomainBundle)`, message: 'spec.trustDomainBundle: an https_spiffe partner needs its initial bundle, or the server can never authenticate its endpoint' },
      { id: 'clusterfederatedtrustdomain-bundle-form', expression: `!has(${spec}.trustDomainBundle) || ${spec}.trustDomainBundle.matches('^\\\\s*\\\\{[\\\\s\\\\S]*"keys"\\\\s*:\\\\s*\\\\[')`, message: 'spec.trustDomainBundle is not a SPIFFE bundle (a JWKS document with a keys array)' },
      { id: 'clusterfederatedtrustdomain-bundle-public', expression: `!has(${spec}.trustDomainBundle) || !${spec}.trustDomainBundle.matches('"(d|p|q|dp|dq|qi|k|oth)"\\\\s*:')`, message: 'spec.trustDomainBundle contains a private key parameter; commit the public bundle only' },
    ],
  };
}
