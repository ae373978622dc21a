import { X509Certificate } from 'node:crypto';
import { EnvironmentConfig, FederationSpec, IdentitySpec, LabelSelectorSpec, StaticEntrySpec } from '../config/types';
import { httpsUrlProblem } from '../config/go-url';
import { DEFAULT_CLUSTER_DOMAIN } from '../config/spire-facts';
import { ViolationDetails } from '../config/violation';
import { formatDuration, parseDuration } from '../duration';
import { NAMESPACE_LABEL } from './spiffe-id';
import { ParsedTemplate, SamplePod, TemplateError, parseTemplate, renderTemplate } from './template';

/*
 * Identity policy, checked at synth time. Each function returns every violation it finds; none throws.
 */

const TRUST_DOMAIN = /^[a-z0-9._-]{1,255}$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_NAME = /^(\*\.)?([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;
const TRUST_DOMAIN_PREFIX = /^spiffe:\/\/\{\{-?\s*\.TrustDomain\s*-?\}\}\//;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
/** Selectors that tie an identity to one pod or node: they defeat the point of a reusable identity. */
const FORBIDDEN_SELECTORS = ['k8s:node-name', 'k8s:pod-uid'];

export function isTrustDomain(name: string): boolean {
  return TRUST_DOMAIN.test(name) && !name.startsWith('.') && !name.endsWith('.');
}

/** Checks a SPIFFE ID: scheme, trust domain and path segments, as go-spiffe parses it. */
export function spiffeIdProblem(id: string): string | undefined {
  const match = /^spiffe:\/\/([^/]*)(\/.*)?$/.exec(id);
  if (!match) return 'must be spiffe://<trust domain>/<path>';
  if (!isTrustDomain(match[1])) return `trust domain "${match[1]}" has characters other than a-z 0-9 . _ -`;
  const path = match[2] ?? '';
  if (path === '') return undefined;
  for (const segment of path.slice(1).split('/')) {
    if (segment === '') return 'path has an empty segment';
    if (segment === '.' || segment === '..') return 'path has a dot segment';
    if (!PATH_SEGMENT.test(segment)) return `path segment "${segment}" has characters other than A-Z a-z 0-9 . _ -`;
  }
  return undefined;
}

export function namespacePinnedBy(selector: LabelSelectorSpec | undefined): string[] {
  if (!selector) return [];
  const byLabel = selector.matchLabels?.[NAMESPACE_LABEL];
  const byExpression = selector.matchExpressions
    ?.filter((expression) => expression.key === NAMESPACE_LABEL && expression.operator === 'In')
    .flatMap((expression) => expression.values ?? []) ?? [];
  return byLabel ? [byLabel, ...byExpression] : byExpression;
}

function selectorIsEmpty(selector: LabelSelectorSpec | undefined): boolean {
  return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}

/** A pod the identity selects, built from its own selectors, for previews and render checks. */
export function samplePodFor(identity: IdentitySpec): SamplePod {
  const labels: Record<string, string> = { ...identity.podSelector?.matchLabels };
  for (const expression of identity.podSelector?.matchExpressions ?? []) {
    if (expression.operator === 'In' && expression.values?.length) labels[expression.key] = expression.values[0];
    if (expression.operator === 'Exists') labels[expression.key] = 'true';
  }
  const serviceAccount = identity.workloadSelectorTemplates
    ?.map((template) => /^k8s:sa:([a-z0-9-.]+)$/.exec(template)?.[1])
    .find((name) => name !== undefined);
  const namespace = namespacePinnedBy(identity.namespaceSelector)[0] ?? 'apps';
  return {
    name: `${labels['app.kubernetes.io/name'] ?? identity.name}-0`,
    namespace,
    serviceAccountName: serviceAccount ?? 'default',
    labels,
  };
}

function checkSelector(resource: string, field: string, selector: LabelSelectorSpec | undefined): ViolationDetails[] {
  const problems: ViolationDetails[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (!LABEL_KEY.test(key)) problems.push({ resource, field: `${field}.matchLabels`, value: key, rule: 'is not a valid label key', fix: 'use a key like app.kubernetes.io/name' });
    if (!LABEL_VALUE.test(value)) problems.push({ resource, field: `${field}.matchLabels["${key}"]`, value, rule: 'is not a valid label value', fix: 'use at most 63 characters of A-Z a-z 0-9 - _ .' });
  }
  for (const [index, expression] of (selector?.matchExpressions ?? []).entries()) {
    const where = `${field}.matchExpressions[${index}]`;
    const needsValues = expression.operator === 'In' || expression.operator === 'NotIn';
    if (needsValues && !expression.values?.length) {
      problems.push({ resource, field: `${where}.values`, value: expression.values, rule: `operator ${expression.operator} needs at least one value`, fix: 'list the values, or use Exists' });
    }
    if (!needsValues && expression.values?.length) {
      problems.push({ resource, field: `${where}.values`, value: expression.values, rule: `operator ${expression.operator} takes no values`, fix: 'remove values' });
    }
    if (!LABEL_KEY.test(expression.key)) problems.push({ resource, field: `${where}.key`, value: expression.key, rule: 'is not a valid label key', fix: 'use a key like app.kubernetes.io/name' });
  }
  return problems;
}

function tryParse(template: string, resource: string, field: string, problems: ViolationDetails[]): ParsedTemplate | undefined {
  try {
    return parseTemplate(template);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    problems.push({ resource, field, value: template, rule: `is not a valid template: ${error.message}`, fix: 'write Go text/template with built-in functions only' });
    return undefined;
  }
}

function tryRender(template: ParsedTemplate, pod: SamplePod, environment: EnvironmentConfig, clusterName: string): string | Error {
  try {
    const clusterDomain = environment.clusters.find((cluster) => cluster.name === clusterName)?.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN;
    return renderTemplate(template, { trustDomain: environment.trustDomain, clusterName, clusterDomain, pod });
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
}

function checkTtls(
  resource: string, environment: EnvironmentConfig, ttlField: string, ttl: string | undefined, jwtField: string, jwtTtl: string | undefined,
): ViolationDetails[] {
  const problems: ViolationDetails[] = [];
  const policy = environment.identityPolicy;
  const env = environment.name;
  const parsedTtl = ttl === undefined ? undefined : parseDuration(ttl);
  const parsedJwt = jwtTtl === undefined ? undefined : parseDuration(jwtTtl);
  const maxTtl = parseDuration(policy.maxTtl)!;
  const maxJwt = parseDuration(policy.maxJwtTtl)!;
  if (ttl !== undefined && parsedTtl === undefined) {
    problems.push({ resource, field: ttlField, value: ttl, rule: 'is not a Go duration (the manager decodes it as metav1.Duration)', fix: 'write it like 1h, 30m or 1h30m (days are not a unit: use 24h)' });
  } else if (parsedTtl !== undefined && parsedTtl > maxTtl) {
    problems.push({ resource, field: ttlField, value: ttl, rule: `must be at most ${policy.maxTtl} in ${env} (identityPolicy.maxTtl)`, fix: `lower ${ttlField} to ${policy.maxTtl} or less` });
  }
  if (jwtTtl !== undefined && parsedJwt === undefined) {
    problems.push({ resource, field: jwtField, value: jwtTtl, rule: 'is not a Go duration (the manager decodes it as metav1.Duration)', fix: 'write it like 5m or 1h' });
  } else if (parsedJwt !== undefined && parsedJwt > maxJwt) {
    problems.push({ resource, field: jwtField, value: jwtTtl, rule: `must be at most ${policy.maxJwtTtl} in ${env} (identityPolicy.maxJwtTtl)`, fix: `lower ${jwtField} to ${policy.maxJwtTtl} or less` });
  }
  const effectiveTtl = parsedTtl ?? parseDuration(environment.server.defaultX509SvidTtl);
  if (parsedJwt !== undefined && effectiveTtl !== undefined && parsedJwt > effectiveTtl) {
    problems.push({
      resource, field: jwtField, value: jwtTtl,
      rule: `must not exceed the X509-SVID TTL (${formatDuration(effectiveTtl)})`, fix: `lower ${jwtField} or raise ${ttlField}`,
    });
  }
  return problems;
}

/** The namespaces SPIRE itself runs in, as the cluster's constructs place them. */
export interface SpireNamespaces {
  /** The server, its controller manager and SPIRE's own tooling. */
  readonly server: string;
  /** The agents and the CSI driver (privileged). */
  readonly agent: string;
}

function checkAdmin(resource: string, environment: EnvironmentConfig, admin: boolean | undefined, pinned?: { namespaces: string[]; spire?: SpireNamespaces }): ViolationDetails[] {
  const policy = environment.identityPolicy.admin;
  if (admin !== undefined && typeof admin !== 'boolean') {
    return [{ resource, field: 'spec.admin', value: admin, rule: 'must be true or false', fix: 'write admin: false' }];
  }
  if (policy === 'forbidden' && admin === true) {
    return [{ resource, field: 'spec.admin', value: true, rule: `admin identities are forbidden in ${environment.name} (identityPolicy.admin)`, fix: 'remove admin: true' }];
  }
  if ((policy === 'explicit' || policy === 'spire-tooling') && admin === undefined) {
    return [{ resource, field: 'spec.admin', value: undefined, rule: `must be stated explicitly in ${environment.name} (identityPolicy.admin: ${policy})`, fix: 'add admin: false (or true, if this workload administers SPIRE)' }];
  }
  if (policy === 'spire-tooling' && admin === true) {
    const serverNamespace = pinned?.spire?.server;
    const tooling = pinned !== undefined && serverNamespace !== undefined && pinned.namespaces.length > 0 && pinned.namespaces.every((namespace) => namespace === serverNamespace);
    if (!tooling) {
      return [{
        resource, field: 'spec.admin', value: true,
        rule: `admin is for SPIRE's own tooling only in ${environment.name} (identityPolicy.admin: spire-tooling): an admin SVID may create and delete any registration entry, and this identity ${pinned && pinned.namespaces.length > 0 ? `selects namespace ${pinned.namespaces.join(', ')}` : 'does not pin a namespace'}${serverNamespace ? `, not only ${serverNamespace}` : ''}`,
        fix: 'set admin: false; only tooling in the SPIRE server namespace may be admin',
      }];
    }
  }
  return [];
}

const namespaceLabels = (namespace: string) => ({ [NAMESPACE_LABEL]: namespace });

function selectorMatches(selector: LabelSelectorSpec | undefined, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector?.matchExpressions ?? []) {
    const has = expression.key in labels;
    const values = expression.values ?? [];
    const ok = expression.operator === 'In' ? has && values.includes(labels[expression.key])
      : expression.operator === 'NotIn' ? !has || !values.includes(labels[expression.key])
        : expression.operator === 'Exists' ? has : !has;
    if (!ok) return false;
  }
  return true;
}

/**
 * An identity that contradicts where SPIRE runs: it pins a namespace the controller manager ignores (it
 * would never register a pod), or it selects the agent's privileged namespace or, without pinning it,
 * the server's.
 */
function checkNamespaces(resource: string, identity: IdentitySpec, environment: EnvironmentConfig, spire: SpireNamespaces): ViolationDetails[] {
  const problems: ViolationDetails[] = [];
  const pinned = namespacePinnedBy(identity.namespaceSelector);
  const ignored = environment.server.ignoreNamespaces ?? [];
  for (const namespace of pinned) {
    if (ignored.includes(namespace)) {
      problems.push({ resource, field: 'spec.namespaceSelector', value: namespace, rule: `selects a namespace the controller manager ignores (server.ignoreNamespaces), so it would never register a pod`, fix: `select the workload's own namespace, or remove ${namespace} from server.ignoreNamespaces` });
    } else if (namespace === spire.agent) {
      problems.push({ resource, field: 'spec.namespaceSelector', value: namespace, rule: 'selects SPIRE\'s agent namespace, which runs privileged and holds no workloads', fix: 'select the workload\'s own namespace' });
    }
  }
  if (pinned.length === 0) {
    for (const namespace of [spire.server, spire.agent]) {
      if (!ignored.includes(namespace) && selectorMatches(identity.namespaceSelector, namespaceLabels(namespace))) {
        problems.push({ resource, field: 'spec.namespaceSelector', value: identity.namespaceSelector ?? null, rule: `also selects SPIRE's own namespace ${namespace}`, fix: `exclude it: { key: '${NAMESPACE_LABEL}', operator: 'NotIn', values: [..., '${namespace}'] }` });
      }
    }
  }
  return problems;
}

function checkFederatesWith(resource: string, environment: EnvironmentConfig, federatesWith: readonly string[] | undefined): ViolationDetails[] {
  const problems: ViolationDetails[] = [];
  const allowed = environment.identityPolicy.allowedFederation;
  for (const [index, trustDomain] of (federatesWith ?? []).entries()) {
    const field = `spec.federatesWith[${index}]`;
    if (!isTrustDomain(trustDomain)) {
      problems.push({ resource, field, value: trustDomain, rule: 'is not a trust domain name', fix: 'use a bare name like partner.example (no spiffe://)' });
    } else if (trustDomain === environment.trustDomain) {
      problems.push({ resource, field, value: trustDomain, rule: 'is this environment\'s own trust domain', fix: 'remove it' });
    } else if (allowed.length === 0) {
      problems.push({ resource, field, value: trustDomain, rule: `federation is forbidden in ${environment.name} (identityPolicy.allowedFederation is empty)`, fix: 'remove federatesWith' });
    } else if (!allowed.includes(trustDomain)) {
      problems.push({ resource, field, value: trustDomain, rule: `is not an allowed federation partner in ${environment.name} (${allowed.join(', ')})`, fix: `add it to identityPolicy.allowedFederation of ${environment.name} after review, or remove it` });
    } else if (!environment.federation.some((spec) => spec.trustDomain === trustDomain)) {
      problems.push({ resource, field, value: trustDomain, rule: 'has no ClusterFederatedTrustDomain (no bundle endpoint to fetch its bundle from)', fix: `add a federation entry for ${trustDomain} to ${environment.name}.federation` });
    }
  }
  return problems;
}

/** Every policy and template check for one identity. */
export function checkIdentity(identity: IdentitySpec, environment: EnvironmentConfig, clusterName: string, spire?: SpireNamespaces): ViolationDetails[] {
  const resource = `ClusterSPIFFEID "${identity.name}"`;
  const problems: ViolationDetails[] = [];
  const policy = environment.identityPolicy;

  if (!DNS_SUBDOMAIN.test(identity.name) || identity.name.length > 253) {
    problems.push({ resource, field: 'metadata.name', value: identity.name, rule: 'must be a lowercase DNS subdomain', fix: 'use lowercase letters, digits, - and .' });
  }

  const pod = samplePodFor(identity);
  const idTemplate = tryParse(identity.spiffeIDTemplate, resource, 'spec.spiffeIDTemplate', problems);
  if (idTemplate) {
    if (!TRUST_DOMAIN_PREFIX.test(identity.spiffeIDTemplate)) {
      const literal = /^spiffe:\/\/([^/{]+)/.exec(identity.spiffeIDTemplate)?.[1];
      problems.push({
        resource, field: 'spec.spiffeIDTemplate', value: identity.spiffeIDTemplate,
        rule: literal
          ? `hard-codes trust domain "${literal}"; the manager drops IDs outside its trust domain (${environment.trustDomain}) without an error`
          : 'must start with spiffe://{{ .TrustDomain }}/',
        fix: 'start the template with spiffe://{{ .TrustDomain }}/',
      });
    } else {
      const rendered = tryRender(idTemplate, pod, environment, clusterName);
      if (rendered instanceof Error) {
        problems.push({ resource, field: 'spec.spiffeIDTemplate', value: identity.spiffeIDTemplate, rule: `fails to render for a pod it selects: ${rendered.message}`, fix: 'use only fields the template data has' });
      } else {
        const problem = spiffeIdProblem(rendered);
        if (problem) {
          problems.push({ resource, field: 'spec.spiffeIDTemplate', value: identity.spiffeIDTemplate, rule: `renders "${rendered}" for a pod it selects, which is not a SPIFFE ID: ${problem}`, fix: 'use label values and names that are valid path segments' });
        }
        const path = rendered.slice(`spiffe://${environment.trustDomain}`.length);
        if (policy.allowedPathPrefixes.length > 0 && !policy.allowedPathPrefixes.some((prefix) => path.startsWith(prefix))) {
          problems.push({ resource, field: 'spec.spiffeIDTemplate', value: identity.spiffeIDTemplate, rule: `renders path "${path}", outside the allowed prefixes of ${environment.name} (${policy.allowedPathPrefixes.join(', ')})`, fix: 'start the path with an allowed prefix' });
        }
      }
    }
  }

  for (const [index, template] of (identity.workloadSelectorTemplates ?? []).entries()) {
    const field = `spec.workloadSelectorTemplates[${index}]`;
    const forbidden = FORBIDDEN_SELECTORS.find((prefix) => template.startsWith(`${prefix}:`));
    if (forbidden) {
      problems.push({ resource, field, value: template, rule: `${forbidden} pins one pod or node`, fix: 'select on k8s:ns, k8s:sa or pod labels instead' });
      continue;
    }
    const parsed = tryParse(template, resource, field, problems);
    if (!parsed) continue;
    const rendered = tryRender(parsed, pod, environment, clusterName);
    const colon = typeof rendered === 'string' ? rendered.indexOf(':') : -1;
    if (rendered instanceof Error || colon <= 0 || colon === rendered.length - 1) {
      problems.push({ resource, field, value: template, rule: `must render to type:value, got ${rendered instanceof Error ? rendered.message : JSON.stringify(rendered)}`, fix: 'write it like k8s:sa:my-app' });
    }
  }

  for (const [index, template] of (identity.dnsNameTemplates ?? []).entries()) {
    const field = `spec.dnsNameTemplates[${index}]`;
    const parsed = tryParse(template, resource, field, problems);
    if (!parsed) continue;
    const rendered = tryRender(parsed, pod, environment, clusterName);
    if (rendered instanceof Error || !DNS_NAME.test(rendered) || rendered.length > 253) {
      problems.push({ resource, field, value: template, rule: `must render to a DNS name, got ${rendered instanceof Error ? rendered.message : JSON.stringify(rendered)}`, fix: 'use letters, digits, - and . only' });
    }
  }

  problems.push(...checkSelector(resource, 'spec.podSelector', identity.podSelector));
  problems.push(...checkSelector(resource, 'spec.namespaceSelector', identity.namespaceSelector));
  if (!identity.fallback) {
    if (selectorIsEmpty(identity.podSelector) && selectorIsEmpty(identity.namespaceSelector)) {
      problems.push({ resource, field: 'spec.podSelector', value: identity.podSelector, rule: 'with no pod or namespace selector it matches every pod in the cluster', fix: 'select the workload, or set fallback: true for a catch-all identity' });
    }
    if (namespacePinnedBy(identity.namespaceSelector).length === 0) {
      problems.push({ resource, field: 'spec.namespaceSelector', value: identity.namespaceSelector, rule: `must pin the namespace (matchLabels or an In expression on ${NAMESPACE_LABEL})`, fix: `add namespaceSelector: { matchLabels: { '${NAMESPACE_LABEL}': '<namespace>' } }` });
    }
    if (!(identity.workloadSelectorTemplates ?? []).some((template) => template.startsWith('k8s:sa:'))) {
      problems.push({ resource, field: 'spec.workloadSelectorTemplates', value: identity.workloadSelectorTemplates, rule: 'must pin the service account with a k8s:sa: selector', fix: "add 'k8s:sa:<service account>'" });
    }
  }

  problems.push(...checkTtls(resource, environment, 'spec.ttl', identity.ttl, 'spec.jwtTtl', identity.jwtTtl));
  problems.push(...checkAdmin(resource, environment, identity.admin, { namespaces: namespacePinnedBy(identity.namespaceSelector), spire }));
  if (spire) problems.push(...checkNamespaces(resource, identity, environment, spire));
  problems.push(...checkFederatesWith(resource, environment, identity.federatesWith));
  return problems;
}

/** Checks one federation relationship against the environment's policy and the manager's webhook rules. */
export function checkFederation(spec: FederationSpec, environment: EnvironmentConfig): ViolationDetails[] {
  const resource = `ClusterFederatedTrustDomain "${spec.trustDomain}"`;
  const problems: ViolationDetails[] = [];
  const allowed = environment.identityPolicy.allowedFederation;
  if (!isTrustDomain(spec.trustDomain)) {
    problems.push({ resource, field: 'spec.trustDomain', value: spec.trustDomain, rule: 'is not a trust domain name', fix: 'use a bare name like partner.example' });
  } else if (!allowed.includes(spec.trustDomain)) {
    problems.push({
      resource, field: 'spec.trustDomain', value: spec.trustDomain,
      rule: allowed.length === 0 ? `federation is forbidden in ${environment.name}` : `is not an allowed federation partner in ${environment.name} (${allowed.join(', ')})`,
      fix: `remove it from ${environment.name}.federation, or allow it in identityPolicy.allowedFederation after review`,
    });
  }
  // Checked as the controller manager's webhook does (spireapi.ValidateBundleEndpointURL, Go net/url).
  const urlProblem = httpsUrlProblem(spec.bundleEndpointURL);
  if (urlProblem) {
    problems.push({ resource, field: 'spec.bundleEndpointURL', value: spec.bundleEndpointURL, rule: `must be an https:// URL without user info: ${urlProblem}`, fix: 'use the partner\'s https bundle endpoint' });
  }
  if (spec.trustDomainBundle !== undefined) {
    const problem = typeof spec.trustDomainBundle === 'string' ? bundleProblem(spec.trustDomainBundle, spec.trustDomain) : { rule: 'is not a string' };
    if (problem) {
      problems.push({
        resource, field: 'spec.trustDomainBundle', value: problem.secret ? '<redacted>' : String(spec.trustDomainBundle).slice(0, 40), rule: problem.rule,
        fix: problem.secret ? 'use the public bundle only' : 'commit the partner\'s bundle as `spire-server bundle show -format spiffe` prints it',
      });
    }
  }
  if (spec.profile.type === 'https_spiffe' && spec.trustDomainBundle === undefined) {
    // The server authenticates an https_spiffe endpoint with the partner's own bundle; without an initial
    // one it can never fetch it, and entries federating with a trust domain whose bundle it lacks are
    // refused (spire pkg/server/bundle/client: the https_spiffe client verifies against the bundle it holds).
    problems.push({
      resource, field: 'spec.trustDomainBundle', value: undefined,
      rule: 'an https_spiffe partner needs its initial bundle: the server authenticates the endpoint with it and can never fetch the bundle without one',
      fix: `fetch it into its lock file, trusting their CA received out of band (spire-gitops federation fetch-bundle ${spec.trustDomain} --ca-file THEIR_CA.pem --write), or commit their public bundle (spire-server bundle show -format spiffe on their side) and set trustDomainBundleFile, or use https_web if the endpoint has a Web PKI certificate`,
    });
  }
  if (spec.profile.type === 'https_spiffe') {
    const problem = spiffeIdProblem(spec.profile.endpointSPIFFEID);
    if (problem) {
      problems.push({ resource, field: 'spec.bundleEndpointProfile.endpointSPIFFEID', value: spec.profile.endpointSPIFFEID, rule: `is not a SPIFFE ID: ${problem}`, fix: 'use the partner server\'s ID, e.g. spiffe://partner.example/spire/server' });
    } else if (!spec.profile.endpointSPIFFEID.startsWith(`spiffe://${spec.trustDomain}/`)) {
      problems.push({ resource, field: 'spec.bundleEndpointProfile.endpointSPIFFEID', value: spec.profile.endpointSPIFFEID, rule: `must belong to trust domain ${spec.trustDomain}`, fix: `use spiffe://${spec.trustDomain}/spire/server or the partner's endpoint ID` });
    }
  }
  return problems;
}

const PRIVATE_JWK_PARAMETERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/**
 * What makes a SPIFFE bundle unusable, checked as go-spiffe's spiffebundle.Parse reads it (a JWKS with a
 * `keys` array; every x509-svid key carries exactly one certificate; jwt-svid keys need a key ID), plus
 * what must never be committed: private key parameters.
 */
export function bundleProblem(text: string, trustDomain: string): { rule: string; secret?: boolean } | undefined {
  let bundle: any;
  try { bundle = JSON.parse(text); } catch { bundle = undefined; }
  if (!bundle || typeof bundle !== 'object' || !Array.isArray(bundle.keys)) return { rule: 'is not a SPIFFE bundle (a JWKS document with a keys array)' };
  if (bundle.keys.length === 0) return { rule: 'has no keys' };
  for (const [index, key] of bundle.keys.entries()) {
    if (!key || typeof key !== 'object') return { rule: `key ${index} is not an object` };
    const secret = PRIVATE_JWK_PARAMETERS.find((name) => name in key);
    if (secret) return { rule: `contains a private key parameter ("${secret}", key ${index})`, secret: true };
    // SPIRE refuses a key without a use, or with one it does not know (pkg/common/bundleutil unmarshal).
    if (key.use === undefined || key.use === '') return { rule: `key ${index} has no use (x509-svid or jwt-svid)` };
    if (key.use !== 'x509-svid' && key.use !== 'jwt-svid') return { rule: `key ${index} has the unknown use ${JSON.stringify(key.use)} (x509-svid or jwt-svid)` };
    if (key.use === 'x509-svid') {
      if (!Array.isArray(key.x5c) || key.x5c.length !== 1) return { rule: `x509-svid key ${index} must carry exactly one certificate in x5c` };
      let certificate: X509Certificate;
      try { certificate = new X509Certificate(Buffer.from(String(key.x5c[0]), 'base64')); } catch { return { rule: `x509-svid key ${index} has an x5c certificate that does not parse` }; }
      if (!certificate.ca) return { rule: `x509-svid key ${index} is not a CA certificate` };
      const uri = /URI:(spiffe:\/\/[^,\s]*)/.exec(certificate.subjectAltName ?? '')?.[1];
      if (uri && uri.replace(/\/$/, '') !== `spiffe://${trustDomain}`) return { rule: `x509-svid key ${index} belongs to ${uri}, not spiffe://${trustDomain}` };
    } else if (key.use === 'jwt-svid') {
      if (typeof key.kid !== 'string' || key.kid === '') return { rule: `jwt-svid key ${index} has no key ID (kid)` };
    }
  }
  return undefined;
}

export function checkStaticEntry(entry: StaticEntrySpec, environment: EnvironmentConfig): ViolationDetails[] {
  const resource = `ClusterStaticEntry "${entry.name}"`;
  const problems: ViolationDetails[] = [];
  for (const [field, path] of [['spec.spiffeID', entry.spiffeIdPath], ['spec.parentID', entry.parentIdPath]] as const) {
    const problem = path.startsWith('/') ? spiffeIdProblem(`spiffe://${environment.trustDomain}${path}`) : 'must start with /';
    if (problem) problems.push({ resource, field, value: path, rule: `is not a SPIFFE ID path: ${problem}`, fix: 'write a path like /vm/billing' });
  }
  if (entry.selectors.length === 0) {
    problems.push({ resource, field: 'spec.selectors', value: [], rule: 'needs at least one selector', fix: 'add selectors like unix:uid:1000' });
  }
  for (const [index, selector] of entry.selectors.entries()) {
    const colon = selector.indexOf(':');
    if (colon <= 0 || colon === selector.length - 1) {
      problems.push({ resource, field: `spec.selectors[${index}]`, value: selector, rule: 'must be type:value', fix: 'write it like unix:uid:1000' });
    }
  }
  for (const [index, dnsName] of (entry.dnsNames ?? []).entries()) {
    // SPIRE validates entry DNS names when the manager creates the entry; a bad one only shows in status.
    if (typeof dnsName !== 'string' || !DNS_NAME.test(dnsName) || dnsName.length > 253) {
      problems.push({ resource, field: `spec.dnsNames[${index}]`, value: dnsName, rule: 'is not a DNS name', fix: 'use letters, digits, - and . only' });
    }
  }
  problems.push(...checkTtls(resource, environment, 'spec.x509SVIDTTL', entry.x509SvidTtl, 'spec.jwtSVIDTTL', entry.jwtSvidTtl));
  problems.push(...checkAdmin(resource, environment, entry.admin));
  problems.push(...checkFederatesWith(resource, environment, entry.federatesWith));
  return problems;
}
