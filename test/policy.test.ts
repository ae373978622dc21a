import { EnvironmentConfig, IdentitySpec } from '../lib/config/types';
import { GOOD_IDENTITY } from '../lib/identity/policy-cases';
import { environment, estateWith, problemsOf } from './helpers/estate';

/** The partner without a lock file: a bundle the estate gives inline is the only one synth sees. */
const LOGISTICS = (env: EnvironmentConfig) => env.federation.find((spec) => spec.trustDomain === 'logistics.partner.example')!;

function withIdentity(envName: string, identity: Partial<IdentitySpec>, extra: Partial<EnvironmentConfig> = {}) {
  // The sample workload needs the default identity it names; these estates replace the identities.
  return estateWith(envName, (env) => ({ ...env, sampleWorkload: undefined, ...extra, identities: [{ ...GOOD_IDENTITY, ...identity } as IdentitySpec] }));
}

describe('a valid identity', () => {
  test.each(['development', 'staging', 'production'])('synthesizes in %s', (envName) => {
    expect(problemsOf(withIdentity(envName, {}))).toEqual([]);
  });
});

type Case = [string, ReturnType<typeof estateWith>, RegExp];

const cases: Case[] = [
  ['fails when ttl exceeds the development cap', withIdentity('development', { ttl: '8h', admin: undefined }),
    /^development\/dev-euw1: ClusterSPIFFEID "shop-api" spec\.ttl: must be at most 4h in development \(identityPolicy\.maxTtl\), got "8h"; fix: lower spec\.ttl to 4h or less$/],
  ['fails when ttl exceeds the staging cap', withIdentity('staging', { ttl: '13h', admin: undefined }), /staging\/stg-euw1: ClusterSPIFFEID "shop-api" spec\.ttl: must be at most 12h in staging/],
  ['fails when ttl exceeds the production cap', withIdentity('production', { ttl: '25h' }), /production\/prod-euw1: ClusterSPIFFEID "shop-api" spec\.ttl: must be at most 24h in production/],
  ['fails when ttl is written in days', withIdentity('production', { ttl: '1d' }), /spec\.ttl: is not a Go duration .* got "1d"; fix: write it like 1h/],
  ['fails when jwtTtl exceeds the cap', withIdentity('production', { jwtTtl: '2h' }), /spec\.jwtTtl: must be at most 1h in production/],
  ['fails when jwtTtl is longer than ttl', withIdentity('production', { ttl: '10m', jwtTtl: '30m' }), /spec\.jwtTtl: must not exceed the X509-SVID TTL \(10m\), got "30m"/],
  ['fails when jwtTtl is not a duration', withIdentity('production', { jwtTtl: 'five minutes' }), /spec\.jwtTtl: is not a Go duration/],
  ['fails when development asks for admin', withIdentity('development', { admin: true }), /development\/dev-euw1: ClusterSPIFFEID "shop-api" spec\.admin: admin identities are forbidden in development/],
  ['fails when staging asks for admin', withIdentity('staging', { admin: true }), /staging\/stg-euw1: .* spec\.admin: admin identities are forbidden in staging/],
  ['fails when production leaves admin unstated', withIdentity('production', { admin: undefined }), /spec\.admin: must be stated explicitly in production .*got nothing; fix: add admin: false/],
  ['fails when development federates', withIdentity('development', { admin: undefined, federatesWith: ['payments.partner.example'] }), /spec\.federatesWith\[0\]: federation is forbidden in development/],
  ['fails when production federates with a domain not on the allow-list', withIdentity('production', { federatesWith: ['evil.example'] }), /spec\.federatesWith\[0\]: is not an allowed federation partner in production .*got "evil\.example"/],
  ['fails when federatesWith is a SPIFFE ID instead of a trust domain', withIdentity('production', { federatesWith: ['spiffe://payments.partner.example'] }), /spec\.federatesWith\[0\]: is not a trust domain name/],
  ['fails when federatesWith names the own trust domain', withIdentity('production', { federatesWith: ['prod.spire.acme.example'] }), /spec\.federatesWith\[0\]: is this environment's own trust domain/],
  ['fails when an allowed partner has no ClusterFederatedTrustDomain',
    withIdentity('production', { federatesWith: ['payments.partner.example'] }, { federation: [] }),
    /spec\.federatesWith\[0\]: has no ClusterFederatedTrustDomain/],
  ['fails when the template hard-codes the trust domain', withIdentity('production', { spiffeIDTemplate: 'spiffe://prod.spire.acme.example/ns/shop' }), /spec\.spiffeIDTemplate: hard-codes trust domain "prod\.spire\.acme\.example"/],
  ['fails when the template does not start with spiffe://', withIdentity('production', { spiffeIDTemplate: '/ns/{{ .PodMeta.Namespace }}' }), /spec\.spiffeIDTemplate: must start with spiffe:\/\/\{\{ \.TrustDomain \}\}\//],
  ['fails when the template uses a sprig function', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ default "x" .PodMeta.Namespace }}' }), /function "default" not defined/],
  ['fails when the template uses required', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ required "ns" .PodMeta.Namespace }}' }), /function "required" not defined/],
  ['fails when a label key with dashes is used as a field', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Labels.gateway-type }}' }), /label keys with dashes need index, e\.g\. index \.PodMeta\.Labels "gateway-type"/],
  ['fails when the template has an unclosed action', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace' }), /spec\.spiffeIDTemplate: is not a valid template: unclosed action/],
  ['fails when the template has an unknown top-level field', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .Namespace }}' }), /unknown field \.Namespace/],
  ['fails when the template uses a field PodMeta lacks', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.ServiceAccount }}' }), /\.PodMeta has no field \.ServiceAccount/],
  ['fails when an if has no end', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ if .PodMeta.Name }}x' }), /unexpected EOF/],
  ['fails when the rendered path has an empty segment', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns//{{ .PodMeta.Namespace }}' }), /is not a SPIFFE ID: path has an empty segment/],
  ['fails when a missing label renders <no value>', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Labels.tier }}' }), /renders "spiffe:\/\/prod\.spire\.acme\.example\/ns\/<no value>"/],
  ['fails when the path is outside the allowed prefixes', withIdentity('production', { spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/workload/{{ .PodMeta.Name }}' }), /outside the allowed prefixes of production \(\/ns\/\)/],
  ['fails when a selector template pins a node', withIdentity('production', { workloadSelectorTemplates: ['k8s:sa:shop-api', 'k8s:node-name:worker-1'] }), /spec\.workloadSelectorTemplates\[1\]: k8s:node-name pins one pod or node/],
  ['fails when a selector template pins a pod uid', withIdentity('production', { workloadSelectorTemplates: ['k8s:sa:shop-api', 'k8s:pod-uid:{{ .PodMeta.UID }}'] }), /k8s:pod-uid pins one pod or node/],
  ['fails when a selector template does not render to type:value', withIdentity('production', { workloadSelectorTemplates: ['k8s:sa:shop-api', '{{ .PodMeta.Name }}'] }), /spec\.workloadSelectorTemplates\[1\]: must render to type:value, got "shop-api-0"/],
  ['fails when a selector template has an empty value', withIdentity('production', { workloadSelectorTemplates: ['k8s:sa:shop-api', 'k8s:'] }), /must render to type:value/],
  ['fails when a DNS name template does not render to a DNS name', withIdentity('production', { dnsNameTemplates: ['{{ .PodMeta.Name }}_{{ .PodMeta.Namespace }}'] }), /spec\.dnsNameTemplates\[0\]: must render to a DNS name, got "shop-api-0_shop"/],
  ['fails when the service account is not pinned', withIdentity('production', { workloadSelectorTemplates: [] }), /spec\.workloadSelectorTemplates: must pin the service account with a k8s:sa: selector/],
  ['fails when the namespace is not pinned', withIdentity('production', { namespaceSelector: { matchLabels: { team: 'shop' } } }), /spec\.namespaceSelector: must pin the namespace/],
  ['fails when an identity selects every pod without being a fallback', withIdentity('production', { podSelector: undefined, namespaceSelector: undefined }), /spec\.podSelector: with no pod or namespace selector it matches every pod in the cluster/],
  ['fails when an In expression has no values', withIdentity('production', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'In' }] } }), /spec\.podSelector\.matchExpressions\[0\]\.values: operator In needs at least one value/],
  ['fails when an Exists expression has values', withIdentity('production', { podSelector: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['a'] }] } }), /operator Exists takes no values/],
  ['fails when a label key is invalid', withIdentity('production', { podSelector: { matchLabels: { 'bad key!': 'x' } } }), /spec\.podSelector\.matchLabels: is not a valid label key/],
  ['fails when the name is not a DNS subdomain', withIdentity('production', { name: 'Shop_API' }), /ClusterSPIFFEID "Shop_API" metadata\.name: must be a lowercase DNS subdomain/],
  ['fails when two identities share a name',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY, { ...GOOD_IDENTITY }] })),
    /ClusterSPIFFEID "shop-api" metadata\.name: is used twice in this environment/],
  ['fails when two static entries share a name',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], staticEntries: [
      { name: 'batch', spiffeIdPath: '/vm/batch', parentIdPath: '/vm/node', selectors: ['unix:uid:1000'], admin: false },
      { name: 'batch', spiffeIdPath: '/vm/batch2', parentIdPath: '/vm/node', selectors: ['unix:uid:1001'], admin: false },
    ] })),
    /ClusterStaticEntry "batch" metadata\.name: is used twice in this environment/],
  ['fails when an identity takes the name of one the estate adds itself',
    estateWith('staging', (env) => ({ ...env, identities: [{ ...GOOD_IDENTITY, name: 'spire-oidc-discovery-provider' }] })),
    /ClusterSPIFFEID "spire-oidc-discovery-provider" metadata\.name: is used twice/],
  ['fails when a federation partner is not on the allow-list',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], federation: [...env.federation, { trustDomain: 'other.example', bundleEndpointURL: 'https://other.example/bundle', profile: { type: 'https_web' } }] })),
    /ClusterFederatedTrustDomain "other\.example" spec\.trustDomain: is not an allowed federation partner in production/],
  ['fails when a federation bundle endpoint is plain http',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], federation: [{ ...env.federation[0], bundleEndpointURL: 'http://spire-bundle.payments.partner.example' }] })),
    /spec\.bundleEndpointURL: must be an https:\/\/ URL without user info/],
  ['fails when an https_spiffe endpoint ID belongs to another trust domain',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], federation: [{ ...env.federation[0], profile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://evil.example/spire/server' } }] })),
    /spec\.bundleEndpointProfile\.endpointSPIFFEID: must belong to trust domain payments\.partner\.example/],
  ['fails when a federation bundle is not a SPIFFE bundle',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], federation: [{ ...LOGISTICS(env), trustDomainBundle: '-----BEGIN CERTIFICATE-----' }] })),
    /spec\.trustDomainBundle: is not a SPIFFE bundle/],
  ['fails when a federation bundle carries a private key',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], federation: [{ ...LOGISTICS(env), trustDomainBundle: JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] }) }] })),
    /spec\.trustDomainBundle: contains a private key parameter/],
  ['fails when development configures federation at all',
    estateWith('development', (env) => ({ ...env, federation: environment('production').federation })),
    /development\/dev-euw1: ClusterFederatedTrustDomain "payments\.partner\.example" spec\.trustDomain: federation is forbidden in development/],
  ['fails when a static entry has a bad selector',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], staticEntries: [{ name: 'batch', spiffeIdPath: '/vm/batch', parentIdPath: '/vm/node', selectors: ['uid1000'], admin: false }] })),
    /ClusterStaticEntry "batch" spec\.selectors\[0\]: must be type:value/],
  ['fails when a static entry path is not a path',
    estateWith('production', (env) => ({ ...env, identities: [GOOD_IDENTITY], staticEntries: [{ name: 'batch', spiffeIdPath: 'vm/batch', parentIdPath: '/vm/node', selectors: ['unix:uid:1000'], admin: false }] })),
    /ClusterStaticEntry "batch" spec\.spiffeID: is not a SPIFFE ID path: must start with \//],
  ['fails when a cluster name is not a DNS label',
    estateWith('staging', (env) => ({ ...env, clusters: [{ ...env.clusters[0], name: 'Staging_EU' }] })),
    /^staging: cluster "Staging_EU" name: must be a DNS label/],
  ['fails when two clusters of an environment share a name',
    estateWith('production', (env) => ({ ...env, clusters: [env.clusters[0], env.clusters[0]] })),
    /^production: cluster "prod-euw1" name: is used twice in this environment/],
  ['fails when an API server is not https',
    estateWith('staging', (env) => ({ ...env, clusters: [{ ...env.clusters[0], apiServer: 'http://stg.example:6443' }] })),
    /cluster "stg-euw1" apiServer: must be the https:\/\/ URL of the API server/],
  ['fails when the trust domain is a SPIFFE ID',
    estateWith('staging', (env) => ({ ...env, trustDomain: 'spiffe://staging.example' })),
    /^staging: environment "staging" trustDomain: is not a SPIFFE trust domain name/],
  ['fails when a policy cap is not a duration',
    estateWith('staging', (env) => ({ ...env, identityPolicy: { ...env.identityPolicy, maxTtl: '1 day' } })),
    /identityPolicy\.maxTtl: is not a Go duration/],
  ['fails when the sample workload names an identity that does not exist',
    estateWith('development', (env) => ({ ...env, sampleWorkload: 'nope' })),
    /development\/dev-euw1: environment "development" sampleWorkload: names no identity of this environment, got "nope"/],
];

describe('identity policy', () => {
  test('the table has at least 30 distinct bad inputs', () => {
    expect(new Set(cases.map(([name]) => name)).size).toBeGreaterThanOrEqual(30);
  });

  test.each(cases)('%s', (_name, estate, message) => {
    const problems = problemsOf(estate);
    expect(problems.filter((problem) => message.test(problem))).not.toEqual([]);
  });

  test('every problem is reported at once, each naming environment, cluster, resource and field', () => {
    const problems = problemsOf(withIdentity('production', { ttl: '48h', admin: undefined, federatesWith: ['evil.example'] }));
    // Per production cluster: ttl, admin and federatesWith of the identity, and the server's ca_ttl,
    // which a 48h SVID would outgrow.
    expect(problems).toHaveLength(8);
    for (const problem of problems) {
      expect(problem).toMatch(/^production\/prod-(euw1|use1): (ClusterSPIFFEID "shop-api" spec|SpireServer "spire-server" server)\.\w+(\[\d\])?: .+, got .+; fix: .+$/);
    }
  });
});
