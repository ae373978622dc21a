import { ApiObject } from 'cdk8s';
import { load } from 'js-yaml';
import { EnvironmentConfig, EstateConfig, FederationSpec, IdentitySpec, StaticEntrySpec } from '../config/types';
import { buildEstate } from '../synth';
import type { ClusterChart } from '../build/cluster-chart';

/*
 * The identity policy's failure cases as data, shared by the jest tests (synth must refuse each) and the
 * e2e (the apiserver must deny each, rendered as the CR synth would have written, with the named
 * admission rule). `admissionRule` is the ID of the first rule of the generated ValidatingAdmissionPolicy
 * that denies it; the denial message starts with `[<rule>]`.
 */

const WORKLOAD_ID = 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}';

/** A valid identity for the `shop` namespace; each case breaks one thing. */
export const GOOD_IDENTITY: IdentitySpec = {
  name: 'shop-api',
  spiffeIDTemplate: WORKLOAD_ID,
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'shop-api' } },
  workloadSelectorTemplates: ['k8s:sa:shop-api'],
  ttl: '1h',
  admin: false,
};

export const GOOD_STATIC_ENTRY: StaticEntrySpec = {
  name: 'batch', spiffeIdPath: '/vm/batch', parentIdPath: '/vm/node', selectors: ['unix:uid:1000'], admin: false,
};

export interface PolicyCase {
  /** `fails when ...`, as the jest test names it. */
  readonly name: string;
  readonly environment: string;
  readonly kind: 'ClusterSPIFFEID' | 'ClusterStaticEntry' | 'ClusterFederatedTrustDomain';
  /** Applied to GOOD_IDENTITY (ClusterSPIFFEID cases). */
  readonly identity?: Partial<IdentitySpec>;
  /** Applied to GOOD_STATIC_ENTRY (ClusterStaticEntry cases). */
  readonly staticEntry?: Partial<StaticEntrySpec>;
  /** Applied to the environment's first federation partner (ClusterFederatedTrustDomain cases). */
  readonly federation?: Partial<FederationSpec>;
  /** Other changes to the environment the case needs. */
  readonly environmentChange?: Partial<EnvironmentConfig>;
  /** What synth says. */
  readonly synthMessage: RegExp;
  /** The admission rule that denies the CR. */
  readonly admissionRule: string;
  /**
   * The apiserver's own validation refuses the object before any admission policy runs (e.g. an invalid
   * metadata.name), so the denial does not name the rule.
   */
  readonly refusedBeforeAdmission?: boolean;
  /**
   * The case changes more of the environment than the broken object (`environmentChange`), so the
   * policies in dist/ admit it: it is denied by the policies of its own estate (admissionPoliciesOfCase).
   */
  readonly needsCasePolicies?: boolean;
}

const id = (name: string, environment: string, identity: Partial<IdentitySpec>, synthMessage: RegExp, admissionRule: string, extra: Partial<PolicyCase> = {}): PolicyCase => ({
  name, environment, kind: 'ClusterSPIFFEID', identity, synthMessage, admissionRule: `clusterspiffeid-${admissionRule}`, ...extra,
});

export const POLICY_CASES: readonly PolicyCase[] = [
  id('fails when ttl exceeds the development cap', 'development', { ttl: '8h', admin: undefined }, /development\/dev-euw1: ClusterSPIFFEID "shop-api" spec\.ttl: must be at most 4h in development/, 'ttl-cap'),
  id('fails when ttl exceeds the staging cap', 'staging', { ttl: '13h', admin: undefined }, /staging\/stg-euw1: ClusterSPIFFEID "shop-api" spec\.ttl: must be at most 12h in staging/, 'ttl-cap'),
  id('fails when ttl exceeds the production cap', 'production', { ttl: '25h' }, /production\/prod-euw1: ClusterSPIFFEID "shop-api" spec\.ttl: must be at most 24h in production/, 'ttl-cap'),
  id('fails when ttl is written in days', 'production', { ttl: '1d' }, /spec\.ttl: is not a Go duration .* got "1d"; fix: write it like 1h/, 'ttl-format'),
  id('fails when jwtTtl exceeds the cap', 'production', { jwtTtl: '2h' }, /spec\.jwtTtl: must be at most 1h in production/, 'jwt-ttl-cap'),
  id('fails when jwtTtl is longer than ttl', 'production', { ttl: '10m', jwtTtl: '30m' }, /spec\.jwtTtl: must not exceed the X509-SVID TTL \(10m\), got "30m"/, 'jwt-ttl-within-ttl'),
  id('fails when jwtTtl is not a duration', 'production', { jwtTtl: 'five minutes' }, /spec\.jwtTtl: is not a Go duration/, 'jwt-ttl-format'),
  id('fails when development asks for admin', 'development', { admin: true }, /development\/dev-euw1: ClusterSPIFFEID "shop-api" spec\.admin: admin identities are forbidden in development/, 'admin-forbidden'),
  id('fails when staging asks for admin', 'staging', { admin: true }, /staging\/stg-euw1: .* spec\.admin: admin identities are forbidden in staging/, 'admin-forbidden'),
  id('fails when production leaves admin unstated', 'production', { admin: undefined }, /spec\.admin: must be stated explicitly in production .*got nothing; fix: add admin: false/, 'admin-explicit'),
  id('fails when production gives admin to a workload outside the SPIRE server namespace', 'production', { admin: true }, /spec\.admin: admin is for SPIRE's own tooling only in production/, 'admin-spire-tooling'),
  id('fails when development federates', 'development', { admin: undefined, federatesWith: ['payments.partner.example'] }, /spec\.federatesWith\[0\]: federation is forbidden in development/, 'federation-forbidden'),
  id('fails when production federates with a domain not on the allow-list', 'production', { federatesWith: ['evil.example'] }, /spec\.federatesWith\[0\]: is not an allowed federation partner in production .*got "evil\.example"/, 'federation-allowed'),
  id('fails when federatesWith is a SPIFFE ID instead of a trust domain', 'production', { federatesWith: ['spiffe://payments.partner.example'] }, /spec\.federatesWith\[0\]: is not a trust domain name/, 'federates-with-trust-domain'),
  id('fails when federatesWith names the own trust domain', 'production', { federatesWith: ['prod.spire.acme.example'] }, /spec\.federatesWith\[0\]: is this environment's own trust domain/, 'federates-with-own'),
  id('fails when an allowed partner has no ClusterFederatedTrustDomain', 'production', { federatesWith: ['payments.partner.example'] }, /spec\.federatesWith\[0\]: has no ClusterFederatedTrustDomain/, 'federation-declared', { environmentChange: { federation: [] }, needsCasePolicies: true }),
  id('fails when the template hard-codes the trust domain', 'production', { spiffeIDTemplate: 'spiffe://prod.spire.acme.example/ns/shop' }, /spec\.spiffeIDTemplate: hard-codes trust domain "prod\.spire\.acme\.example"/, 'template-trust-domain'),
  id('fails when the template does not start with spiffe://', 'production', { spiffeIDTemplate: '/ns/{{ .PodMeta.Namespace }}' }, /spec\.spiffeIDTemplate: must start with spiffe:\/\/\{\{ \.TrustDomain \}\}\//, 'template-trust-domain'),
  id('fails when the template uses a sprig function', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ default "x" .PodMeta.Namespace }}' }, /function "default" not defined/, 'spiffe-id-template-functions'),
  id('fails when the template uses required', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ required "ns" .PodMeta.Namespace }}' }, /function "required" not defined/, 'spiffe-id-template-functions'),
  id('fails when a label key with dashes is used as a field', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Labels.gateway-type }}' }, /label keys with dashes need index, e\.g\. index \.PodMeta\.Labels "gateway-type"/, 'spiffe-id-template-label-index'),
  id('fails when the template has an unclosed action', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace' }, /spec\.spiffeIDTemplate: is not a valid template: unclosed action/, 'spiffe-id-template-closed'),
  id('fails when the template has an unknown top-level field', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .Namespace }}' }, /unknown field \.Namespace/, 'spiffe-id-template-fields'),
  id('fails when the template uses a field PodMeta lacks', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.ServiceAccount }}' }, /\.PodMeta has no field \.ServiceAccount/, 'spiffe-id-template-fields'),
  id('fails when an if has no end', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ if .PodMeta.Name }}x' }, /unexpected EOF/, 'spiffe-id-template-blocks'),
  id('fails when the rendered path has an empty segment', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns//{{ .PodMeta.Namespace }}' }, /is not a SPIFFE ID: path has an empty segment/, 'spiffe-id-path'),
  id('fails when a missing label renders <no value>', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Labels.tier }}' }, /renders "spiffe:\/\/prod\.spire\.acme\.example\/ns\/<no value>"/, 'spiffe-id-labels'),
  id('fails when the path is outside the allowed prefixes', 'production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/workload/{{ .PodMeta.Name }}' }, /outside the allowed prefixes of production \(\/ns\/\)/, 'path-prefix'),
  id('fails when a selector template pins a node', 'production', { workloadSelectorTemplates: ['k8s:sa:shop-api', 'k8s:node-name:worker-1'] }, /spec\.workloadSelectorTemplates\[1\]: k8s:node-name pins one pod or node/, 'workload-selector-pins'),
  id('fails when a selector template pins a pod uid', 'production', { workloadSelectorTemplates: ['k8s:sa:shop-api', 'k8s:pod-uid:{{ .PodMeta.UID }}'] }, /k8s:pod-uid pins one pod or node/, 'workload-selector-pins'),
  id('fails when a selector template does not render to type:value', 'production', { workloadSelectorTemplates: ['k8s:sa:shop-api', '{{ .PodMeta.Name }}'] }, /spec\.workloadSelectorTemplates\[1\]: must render to type:value, got "shop-api-0"/, 'workload-selector-form'),
  id('fails when a selector template has an empty value', 'production', { workloadSelectorTemplates: ['k8s:sa:shop-api', 'k8s:'] }, /must render to type:value/, 'workload-selector-form'),
  id('fails when a DNS name template does not render to a DNS name', 'production', { dnsNameTemplates: ['{{ .PodMeta.Name }}_{{ .PodMeta.Namespace }}'] }, /spec\.dnsNameTemplates\[0\]: must render to a DNS name, got "shop-api-0_shop"/, 'dns-name-form'),
  id('fails when the service account is not pinned', 'production', { workloadSelectorTemplates: [] }, /spec\.workloadSelectorTemplates: must pin the service account with a k8s:sa: selector/, 'service-account-pinned'),
  id('fails when the namespace is not pinned', 'production', { namespaceSelector: { matchLabels: { team: 'shop' } } }, /spec\.namespaceSelector: must pin the namespace/, 'namespace-pinned'),
  id('fails when an identity selects every pod without being a fallback', 'production', { podSelector: undefined, namespaceSelector: undefined }, /spec\.podSelector: with no pod or namespace selector it matches every pod in the cluster/, 'selects-everything'),
  id('fails when an In expression has no values', 'production', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In' }] } }, /spec\.podSelector\.matchExpressions\[0\]\.values: operator In needs at least one value/, 'podSelector-expressions'),
  id('fails when an Exists expression has values', 'production', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['a'] }] } }, /operator Exists takes no values/, 'podSelector-expressions'),
  id('fails when a label key is invalid', 'production', { podSelector: { matchLabels: { 'bad key!': 'x' } } }, /spec\.podSelector\.matchLabels: is not a valid label key/, 'podSelector-labels'),
  id('fails when the identity pins a namespace the manager ignores', 'production', { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }, /selects a namespace the controller manager ignores/, 'ignored-namespace'),
  id('fails when an unpinned fallback also selects the SPIRE server namespace', 'production', { fallback: true, podSelector: undefined, workloadSelectorTemplates: undefined, namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] } }, /also selects SPIRE's own namespace spire-server/, 'spire-namespace-spire-server'),
  id('fails when the name is not a DNS subdomain', 'production', { name: 'Shop_API' }, /ClusterSPIFFEID "Shop_API" metadata\.name: must be a lowercase DNS subdomain/, 'name', { refusedBeforeAdmission: true }),
  {
    name: 'fails when a static entry has a bad selector', environment: 'production', kind: 'ClusterStaticEntry', staticEntry: { selectors: ['uid1000'] },
    synthMessage: /ClusterStaticEntry "batch" spec\.selectors\[0\]: must be type:value/, admissionRule: 'clusterstaticentry-selectors',
  },
  {
    name: 'fails when a static entry path is not a path', environment: 'production', kind: 'ClusterStaticEntry', staticEntry: { spiffeIdPath: 'vm/batch' },
    synthMessage: /ClusterStaticEntry "batch" spec\.spiffeID: is not a SPIFFE ID path: must start with \//, admissionRule: 'clusterstaticentry-spiffe-id',
  },
  {
    name: 'fails when a static entry asks for admin in staging', environment: 'staging', kind: 'ClusterStaticEntry', staticEntry: { admin: true },
    synthMessage: /ClusterStaticEntry "batch" spec\.admin: admin identities are forbidden in staging/, admissionRule: 'clusterstaticentry-admin-forbidden',
  },
  {
    name: 'fails when a static entry TTL exceeds the cap', environment: 'production', kind: 'ClusterStaticEntry', staticEntry: { x509SvidTtl: '48h' },
    synthMessage: /ClusterStaticEntry "batch" spec\.x509SVIDTTL: must be at most 24h in production/, admissionRule: 'clusterstaticentry-ttl-cap',
  },
  {
    name: 'fails when a federation partner is not on the allow-list', environment: 'production', kind: 'ClusterFederatedTrustDomain',
    federation: { trustDomain: 'other.example', bundleEndpointURL: 'https://other.example/bundle', profile: { type: 'https_web' }, trustDomainBundle: undefined, trustDomainBundleFile: undefined },
    synthMessage: /ClusterFederatedTrustDomain "other\.example" spec\.trustDomain: is not an allowed federation partner in production/, admissionRule: 'clusterfederatedtrustdomain-allowed',
  },
  {
    name: 'fails when a federation bundle endpoint is plain http', environment: 'production', kind: 'ClusterFederatedTrustDomain', federation: { bundleEndpointURL: 'http://spire-bundle.payments.partner.example' },
    synthMessage: /spec\.bundleEndpointURL: must be an https:\/\/ URL without user info/, admissionRule: 'clusterfederatedtrustdomain-https',
  },
  {
    name: 'fails when an https_spiffe endpoint ID belongs to another trust domain', environment: 'production', kind: 'ClusterFederatedTrustDomain',
    federation: { profile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://evil.example/spire/server' } },
    synthMessage: /spec\.bundleEndpointProfile\.endpointSPIFFEID: must belong to trust domain payments\.partner\.example/, admissionRule: 'clusterfederatedtrustdomain-endpoint-id',
  },
  // The bundle cases use the partner without a lock file (federation/): a lock beside an inline bundle is refused first.
  {
    name: 'fails when a federation bundle is not a SPIFFE bundle', environment: 'production', kind: 'ClusterFederatedTrustDomain',
    federation: { trustDomain: 'logistics.partner.example', bundleEndpointURL: 'https://bundle.logistics.partner.example/spiffe', profile: { type: 'https_web' }, trustDomainBundle: '-----BEGIN CERTIFICATE-----', trustDomainBundleFile: undefined },
    synthMessage: /spec\.trustDomainBundle: is not a SPIFFE bundle/, admissionRule: 'clusterfederatedtrustdomain-bundle-form',
  },
  {
    name: 'fails when a federation bundle carries a private key', environment: 'production', kind: 'ClusterFederatedTrustDomain',
    federation: { trustDomain: 'logistics.partner.example', bundleEndpointURL: 'https://bundle.logistics.partner.example/spiffe', profile: { type: 'https_web' }, trustDomainBundle: JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] }), trustDomainBundleFile: undefined },
    synthMessage: /spec\.trustDomainBundle: contains a private key parameter/, admissionRule: 'clusterfederatedtrustdomain-bundle-public',
  },
  {
    name: 'fails when development configures federation at all', environment: 'development', kind: 'ClusterFederatedTrustDomain',
    federation: { trustDomain: 'payments.partner.example', bundleEndpointURL: 'https://spire-bundle.payments.partner.example', profile: { type: 'https_web' } },
    synthMessage: /development\/dev-euw1: ClusterFederatedTrustDomain "payments\.partner\.example" spec\.trustDomain: federation is forbidden in development/, admissionRule: 'clusterfederatedtrustdomain-federation-forbidden',
  },
];

/** The estate of a case: `base` with the case's environment alone, holding only the broken object. */
export function estateOfCase(base: EstateConfig, policyCase: PolicyCase): EstateConfig {
  const environment = base.environments.find((candidate) => candidate.name === policyCase.environment);
  if (!environment) throw new Error(`no environment ${policyCase.environment} in the estate`);
  const partner: FederationSpec = environment.federation[0] ?? { trustDomain: 'payments.partner.example', bundleEndpointURL: 'https://spire-bundle.payments.partner.example', profile: { type: 'https_web' } };
  const changed: EnvironmentConfig = {
    ...environment,
    sampleWorkload: undefined,
    ...policyCase.environmentChange,
    identities: policyCase.kind === 'ClusterSPIFFEID' ? [{ ...GOOD_IDENTITY, ...policyCase.identity } as IdentitySpec] : [GOOD_IDENTITY],
    staticEntries: policyCase.kind === 'ClusterStaticEntry' ? [{ ...GOOD_STATIC_ENTRY, ...policyCase.staticEntry } as StaticEntrySpec] : [],
    ...(policyCase.kind === 'ClusterFederatedTrustDomain' ? { federation: [{ ...partner, ...policyCase.federation } as FederationSpec] } : {}),
  };
  // Without the teams: their grants and files name the environments left out.
  return { ...base, teams: undefined, environments: [changed] };
}

/** The first workload cluster's chart: a nested root's management cluster holds no identities of the environment. */
function firstWorkloadCluster(clusters: readonly ClusterChart[]): ClusterChart {
  return clusters.find((chart) => chart.context.managementRoot === undefined)!;
}

/**
 * The broken object of a case as synth would have written it into the first cluster of its environment
 * (the same constructs build it, without validation), for applying to an apiserver.
 */
export function renderPolicyCase(base: EstateConfig, policyCase: PolicyCase): any {
  const chart = firstWorkloadCluster(buildEstate(estateOfCase(base, policyCase)).clusters);
  const names: Record<PolicyCase['kind'], string> = {
    ClusterSPIFFEID: policyCase.identity?.name ?? GOOD_IDENTITY.name,
    ClusterStaticEntry: policyCase.staticEntry?.name ?? GOOD_STATIC_ENTRY.name,
    ClusterFederatedTrustDomain: '',
  };
  const objects = chart.node.findAll().filter((construct): construct is ApiObject => construct instanceof ApiObject && construct.kind === policyCase.kind)
    .map((object) => object.toJson());
  const object = policyCase.kind === 'ClusterFederatedTrustDomain' ? objects[0] : objects.find((candidate) => candidate.metadata.name === names[policyCase.kind]);
  if (!object) throw new Error(`case "${policyCase.name}" renders no ${policyCase.kind}`);
  return object;
}

/**
 * The ValidatingAdmissionPolicies and bindings of the case's own estate (its environment's first cluster),
 * as synth would write them: what denies the case.
 */
export function admissionPoliciesOfCase(base: EstateConfig, policyCase: PolicyCase): any[] {
  const chart = firstWorkloadCluster(buildEstate(estateOfCase(base, policyCase)).clusters);
  return chart.node.findAll()
    .filter((construct): construct is ApiObject => construct instanceof ApiObject && construct.kind.startsWith('ValidatingAdmissionPolicy'))
    .map((object) => object.toJson());
}

const IDENTITY_KINDS = new Set(['ClusterSPIFFEID', 'ClusterStaticEntry', 'ClusterFederatedTrustDomain']);

/**
 * The CRs of one cluster tree that the tree's admission policies must admit: every ClusterSPIFFEID,
 * ClusterStaticEntry and ClusterFederatedTrustDomain in `files` (rendered or read from dist/) under
 * `treePath` (`<environment>/<cluster>`).
 */
export function crsToAdmit(files: ReadonlyMap<string, string>, treePath: string): any[] {
  const prefix = `${treePath.replace(/\/$/, '')}/`;
  return [...files.entries()]
    .filter(([path]) => path.startsWith(prefix) && path.endsWith('.yaml') && !path.endsWith('kustomization.yaml'))
    .map(([, content]) => load(content) as any)
    .filter((object) => object && IDENTITY_KINDS.has(object.kind));
}
