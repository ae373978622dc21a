import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EnvironmentConfig, EstateConfig, FederationSpec, IdentitySpec } from '../lib/config/types';
import { federationLockPath } from '../lib/config/federation-locks';
import { secretKind } from '../lib/config/secrets';
import { renderEstate } from '../lib/synth';
import { defaultEstate, environment, estateWith, problemsOf } from './helpers/estate';

/*
 * Bad estates, one class of mistake per block, each as a new user would make it. Every case must fail
 * synth with a named problem (environment, resource, field, value, fix), never reach dist/, never throw
 * anything but EstateValidationError.
 */

const PAYMENTS_LOCK = federationLockPath('payments.partner.example');
const PAYMENTS_BUNDLE = readFileSync(PAYMENTS_LOCK, 'utf8');
const payments = (change: Partial<FederationSpec>) => estateWith('production', (env) => ({
  ...env, federation: [{ ...env.federation[0], ...change } as FederationSpec, ...env.federation.slice(1)],
}));
// The logistics partner has no lock file, so its bundle comes from the estate alone.
const logistics = (change: Partial<FederationSpec>) => estateWith('production', (env) => ({
  ...env, federation: env.federation.map((spec) => (spec.trustDomain === 'logistics.partner.example' ? { ...spec, ...change } as FederationSpec : spec)),
}));
/** A well-formed JWT authority, so that a case's fault sits in the key after it. */
const JWT_KEY = { use: 'jwt-svid', kid: 'k0', kty: 'EC', crv: 'P-256', x: 'a', y: 'b' };
const bundleWith = (mutate: (bundle: any) => void) => {
  const bundle = JSON.parse(PAYMENTS_BUNDLE);
  mutate(bundle);
  return JSON.stringify(bundle);
};
const withEnv = (name: string, change: (env: EnvironmentConfig) => Partial<EnvironmentConfig>) => estateWith(name, (env) => ({ ...env, ...change(env) }));
const identity = (name: string, change: Partial<IdentitySpec>) => withEnv(name, (env) => ({
  identities: env.identities.map((candidate, index) => (index === 0 ? { ...candidate, ...change } : candidate)),
}));

type Case = [string, EstateConfig, RegExp];

/** A word written twice in a row ("must must", "the the"): every message is phrased once. */
const DOUBLED = /\b(\w{2,}) \1\b/i;

export const federationCases: Case[] = [
  ['fails when an https_spiffe partner has no initial bundle (the server could never fetch it)',
    logistics({ profile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://logistics.partner.example/spire/server' } }),
    /^production\/prod-euw1: ClusterFederatedTrustDomain "logistics\.partner\.example" spec\.trustDomainBundle: an https_spiffe partner needs its initial bundle: .*got nothing; fix: fetch it into its lock file, .*spire-gitops federation fetch-bundle logistics\.partner\.example --ca-file THEIR_CA\.pem --write.* set trustDomainBundleFile/],
  ['fails when a bundle file does not exist',
    logistics({ trustDomainBundleFile: 'partner-bundles/nope.json' }),
    /^production: ClusterFederatedTrustDomain "logistics\.partner\.example" trustDomainBundleFile: cannot be read \(ENOENT\), got "partner-bundles\/nope\.json"/],
  ['fails when a bundle file lies outside the repository',
    logistics({ trustDomainBundleFile: '../shared/bundle.json' }),
    /trustDomainBundleFile: must be a path inside the repository, relative to its root, got "\.\.\/shared\/bundle\.json"/],
  ['fails when a bundle file is an absolute path',
    logistics({ trustDomainBundleFile: '/etc/passwd' }),
    /trustDomainBundleFile: must be a path inside the repository/],
  ['fails when a bundle is given both inline and as a file',
    logistics({ trustDomainBundle: PAYMENTS_BUNDLE, trustDomainBundleFile: PAYMENTS_LOCK }),
    /trustDomainBundleFile: is given together with trustDomainBundle, got ".*"; fix: keep one of the two/],
  ['fails when the estate names a bundle file for a partner whose lock file holds its bundle',
    payments({ trustDomainBundleFile: PAYMENTS_LOCK }),
    /^production: ClusterFederatedTrustDomain "payments\.partner\.example" trustDomainBundleFile: is given while federation\/payments\.partner\.example\.bundle\.json holds the partner's fetched bundle, got "federation\/payments\.partner\.example\.bundle\.json"; fix: remove trustDomainBundleFile from the estate/],
  ['fails when the estate gives a bundle inline for a partner whose lock file holds its bundle',
    payments({ trustDomainBundle: bundleWith((bundle) => { bundle.spiffe_refresh_hint = 60; }) }),
    /^production: ClusterFederatedTrustDomain "payments\.partner\.example" trustDomainBundle: is given while federation\/payments\.partner\.example\.bundle\.json holds/],
  ['fails when a bundle key has no use (SPIRE refuses it)',
    logistics({ trustDomainBundle: '{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"a","y":"b"}]}' }),
    /spec\.trustDomainBundle: key 0 has no use \(x509-svid or jwt-svid\)/],
  ['fails when an x509-svid key of the bundle has no certificate',
    logistics({ trustDomainBundle: bundleWith((bundle) => { delete bundle.keys[0].x5c; }) }),
    /spec\.trustDomainBundle: x509-svid key 0 must carry exactly one certificate in x5c/],
  ['fails when the bundle certificate does not parse',
    logistics({ trustDomainBundle: bundleWith((bundle) => { bundle.keys[0].x5c = ['bm90IGEgY2VydA=='] }) }),
    /x509-svid key 0 has an x5c certificate that does not parse/],
  ['fails when the bundle belongs to another trust domain',
    estateWith('production', (env) => ({
      ...env,
      identityPolicy: { ...env.identityPolicy, allowedFederation: [...env.identityPolicy.allowedFederation, 'other.partner.example'] },
      federation: [...env.federation, {
        trustDomain: 'other.partner.example', bundleEndpointURL: 'https://bundle.other.partner.example',
        profile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://other.partner.example/spire/server' }, trustDomainBundle: PAYMENTS_BUNDLE,
      }],
    })),
    /ClusterFederatedTrustDomain "other\.partner\.example" spec\.trustDomainBundle: x509-svid key 0 belongs to spiffe:\/\/payments\.partner\.example, not spiffe:\/\/other\.partner\.example/],
  ['fails when a bundle key carries an RSA private parameter',
    logistics({ trustDomainBundle: JSON.stringify({ keys: [JWT_KEY, { use: 'jwt-svid', kid: 'k1', kty: 'RSA', n: 'AQAB', e: 'AQAB', p: 'secret' }] }) }),
    /spec\.trustDomainBundle: contains a private key parameter \("p", key 1\), got "<redacted>"; fix: use the public bundle only/],
  ['fails when a jwt-svid key of the bundle has no key ID',
    logistics({ trustDomainBundle: JSON.stringify({ keys: [JWT_KEY, { use: 'jwt-svid', kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] }) }),
    /jwt-svid key 1 has no key ID \(kid\)/],
  ['fails when the bundle has no keys',
    logistics({ trustDomainBundle: '{"keys":[]}' }),
    /spec\.trustDomainBundle: has no keys/],
];

const prodDatabase = (change: Record<string, unknown>) => estateWith('production', (env) => ({
  ...env, server: { ...env.server, datastore: { ...(env.server.datastore as any), ...change } },
}));
const stagingMysql = (change: Record<string, unknown>) => withEnv('staging', (env) => ({
  server: {
    ...env.server, replicas: 2,
    datastore: { type: 'mysql', host: 'mysql.db.svc', port: 3306, database: 'spire', user: 'spire', passwordSecret: { name: 'db', key: 'password' }, maxOpenConns: 10, maxIdleConns: 2, ...change } as any,
  },
}));
const prodIdentity = (change: Partial<IdentitySpec>) => identity('production', change);

export const datastoreCases: Case[] = [
  ['fails when a postgres host carries a comma (lib/pq would read two hosts)', prodDatabase({ host: 'db.example,evil.example' }),
    /^production: environment "production" server\.datastore\.host: must be a DNS name or IPv4 address .*got "db\.example,evil\.example"; fix: /],
  ['fails when a database host is a URL', prodDatabase({ host: 'postgres://db.example' }), /server\.datastore\.host: must be a DNS name or IPv4 address/],
  ['fails when a database port is out of range', prodDatabase({ port: 70000 }), /server\.datastore\.port: must be a TCP port \(1-65535\), got 70000/],
  ['fails when a database user holds a $ that -expandEnv would expand', prodDatabase({ user: 'spire$PGUSER' }), /datastore\.user: contains "\$", which the server's -expandEnv would expand/],
  ['fails when a database name holds a newline', prodDatabase({ database: 'spire\nsslmode=disable' }), /datastore\.database: contains a control character/],
  ['fails when a database name is empty', prodDatabase({ database: '' }), /datastore\.database: must not be empty, got ""/],
  ['fails when a mysql user holds an @ (it ends the user in a DSN)', stagingMysql({ user: 'spire@corp' }), /server\.datastore\.user: contains one of : @ \/ \?, which end the field in a go-sql-driver DSN/],
  ['fails when verify-full has no CA to verify against', prodDatabase({ caConfigMap: undefined }), /datastore\.caConfigMap: sslmode verify-full verifies the server against a CA, .* got nothing; fix: name the ConfigMap/],
  ['fails when production asks for sslmode require', prodDatabase({ sslMode: 'require' }), /datastore\.sslMode: production verifies the database server's certificate \(require does not\), got "require"/],
  ['fails when more idle than open connections are allowed', prodDatabase({ maxIdleConns: 100, maxOpenConns: 10 }), /datastore\.maxIdleConns: is more than maxOpenConns \(10\)/],
  ['fails when maxOpenConns is not a positive number', prodDatabase({ maxOpenConns: 0 }), /datastore\.maxOpenConns: must be a positive whole number, got 0/],
];

export const contradictionCases: Case[] = [
  ['fails when production is set to sync automatically', withEnv('production', (env) => ({ gitops: { ...env.gitops, argoSync: { mode: 'automated', prune: true, selfHeal: true } } })),
    /^production: environment "production" gitops\.argoSync\.mode: a production environment \(production: true\) is synced by hand only, got "automated"; fix: set gitops\.argoSync to \{ mode: 'manual' \}$/],
  ['fails when production does not require image digests', withEnv('production', () => ({ requireImageDigests: false })), /requireImageDigests: a production environment \(production: true\) runs only images pinned by digest, got false/],
  ['fails when production allows any admin identity', withEnv('production', (env) => ({ identityPolicy: { ...env.identityPolicy, admin: 'allowed' } })), /identityPolicy\.admin: a production environment \(production: true\) gives admin only to SPIRE's own tooling/],
  ['fails when a database workload asks for admin in production (admin is for SPIRE\'s own tooling)',
    withEnv('production', (env) => ({ identities: env.identities.map((candidate) => (candidate.name === 'data-primary' ? { ...candidate, admin: true } : candidate)) })),
    /production\/prod-euw1: ClusterSPIFFEID "data-primary" spec\.admin: admin is for SPIRE's own tooling only in production .*selects namespace data, not only spire-server, got true; fix: set admin: false/],
  ['fails when a static entry asks for admin in production', withEnv('production', () => ({ staticEntries: [{ name: 'batch', spiffeIdPath: '/vm/batch', parentIdPath: '/vm/node', selectors: ['unix:uid:1000'], admin: true }] })),
    /ClusterStaticEntry "batch" spec\.admin: admin is for SPIRE's own tooling only in production .*does not pin a namespace/],
  ['fails when an identity selects a namespace the manager ignores', prodIdentity({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }),
    /spec\.namespaceSelector: selects a namespace the controller manager ignores \(server\.ignoreNamespaces\), so it would never register a pod, got "kube-system"/],
  ['fails when an identity selects the agent namespace', withEnv('production', (env) => ({ server: { ...env.server, ignoreNamespaces: ['kube-system'] }, identities: [{ ...env.identities[0], namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'spire-system' } } }] })),
    /spec\.namespaceSelector: selects SPIRE's agent namespace, which runs privileged and holds no workloads, got "spire-system"/],
  ['fails when a fallback identity also selects SPIRE\'s server namespace', withEnv('production', (env) => ({
    identities: env.identities.map((candidate) => (candidate.fallback ? { ...candidate, namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] } } as IdentitySpec : candidate)),
  })), /ClusterSPIFFEID "default-fallback" spec\.namespaceSelector: also selects SPIRE's own namespace spire-server/],
  ['fails when an identity TTL outlives a sixth of the CA lifetime', withEnv('staging', (env) => ({ identityPolicy: { ...env.identityPolicy, maxTtl: '24h' }, identities: env.identities.map((candidate) => ({ ...candidate, ttl: '24h' })) })),
    /SpireServer "spire-server" server\.caTtl: must be at least 6 times the longest X509-SVID TTL/],
  ['fails when the policy allows TTLs the CA cannot cover', withEnv('development', (env) => ({ identityPolicy: { ...env.identityPolicy, maxTtl: '8h' } })),
    /^development: environment "development" identityPolicy\.maxTtl: allows X509-SVID TTLs beyond a sixth of server\.caTtl \(24h\); .*got "8h"; fix: lower identityPolicy\.maxTtl to 4h or raise server\.caTtl to 48h$/],
  ['fails when the default SVID TTL exceeds what the policy allows any identity', withEnv('staging', (env) => ({ server: { ...env.server, defaultX509SvidTtl: '13h', caTtl: '240h' } })),
    /server\.defaultX509SvidTtl: is longer than the policy allows any identity \(identityPolicy\.maxTtl 12h\), got "13h"/],
  ['fails when production admits identities past a down webhook', withEnv('production', () => ({ webhookFailurePolicy: 'Ignore' })),
    /webhookFailurePolicy: a production environment \(production: true\) lets no identity past the manager's webhook unchecked/],
];

describe('databases, production rules and namespaces', () => {
  test('SPIRE tooling in the server namespace may be admin in production', () => {
    const tooling: IdentitySpec = {
      name: 'spire-entry-auditor', spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'spire-server' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'spire-entry-auditor' } },
      workloadSelectorTemplates: ['k8s:sa:spire-entry-auditor'], admin: true,
    };
    expect(problemsOf(withEnv('production', (env) => ({ identities: [...env.identities, tooling] })))).toEqual([]);
  });

  test.each([...datastoreCases, ...contradictionCases])('%s', (_name, estate, message) => {
    const problems = problemsOf(estate);
    expect(problems.filter((problem) => message.test(problem))).not.toEqual([]);
    expect(problems.filter((problem) => DOUBLED.test(problem.replace(/"[^"]*"/g, '""')))).toEqual([]);
  });
});

const withImage = (key: string, change: Record<string, unknown>) => ({ ...defaultEstate, images: { ...defaultEstate.images, [key]: { ...(defaultEstate.images as any)[key], ...change } } });

export const fieldCases: Case[] = [
  ['fails when an image is tagged latest', withImage('spireServer', { tag: 'latest', digest: undefined }),
    /^estate: image "spireServer" tag: latest moves under you: a sync could run another version than the one reviewed, got "latest"; fix: pin the release tag/],
  ['fails when an image has no tag', withImage('csiDriver', { tag: '' }), /image "csiDriver" tag: is missing: an untagged image means latest/],
  ['fails when a digest is not a sha256 digest', withImage('spireAgent', { digest: 'sha256:1234' }), /image "spireAgent" digest: is not a sha256 digest, got "sha256:1234"/],
  ['fails when an image repository carries its tag', withImage('spireAgent', { repository: 'ghcr.io/spiffe/spire-agent:1.15.2' }), /image "spireAgent" repository: is not an image repository/],
  ['fails when an image has neither ENTRYPOINT nor CMD recorded', withImage('healthProbe', { cmd: [] }), /image "healthProbe" entrypoint: and cmd are both empty: the image would run nothing/],
  ['fails when the webhook failure policy is misspelled', withEnv('staging', () => ({ webhookFailurePolicy: 'fail' as any })), /^staging: environment "staging" webhookFailurePolicy: must be one of Ignore, Fail, got "fail"/],
  ['fails when the datastore type is unknown', withEnv('development', (env) => ({ server: { ...env.server, datastore: { type: 'sqlite', storageSize: '1Gi' } as any } })), /server\.datastore\.type: must be one of sqlite3, postgres, mysql, got "sqlite"/],
  ['fails when a log level is lowercase where SPIRE wants it upper', withEnv('development', (env) => ({ agent: { ...env.agent, logLevel: 'debug' as any } })), /agent\.logLevel: must be one of DEBUG, INFO, WARN, ERROR, got "debug"/],
  ['fails when a memory request is not a quantity', withEnv('staging', (env) => ({ agent: { ...env.agent, resources: { ...env.agent.resources, requests: { cpu: '50m', memory: '64MB' } } } })),
    /agent\.resources\.requests\.memory: is not a Kubernetes quantity, got "64MB"; fix: write memory like 128Mi or 1Gi/],
  ['fails when a memory limit is below its request', withEnv('staging', (env) => ({ server: { ...env.server, resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '256Mi' } } } })),
    /server\.resources\.limits\.memory: is below the request \(512Mi\); the API server refuses a limit lower than its request, got "256Mi"/],
  ['fails when a cpu limit is below its request', withEnv('staging', (env) => ({ server: { ...env.server, resources: { requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } } })),
    /server\.resources\.limits\.cpu: is below the request \(1\)/],
  ['fails when replicas is not a whole number', withEnv('production', (env) => ({ server: { ...env.server, replicas: 2.5 } })), /server\.replicas: must be a whole number from 1 to 100, got 2\.5/],
  ['fails when the CA subject country is not a country code', withEnv('production', (env) => ({ server: { ...env.server, caSubject: { ...env.server.caSubject, country: 'Germany' } } })),
    /server\.caSubject\.country: must be a two-letter ISO 3166 country code, got "Germany"/],
  ['fails when an ignored namespace is not a namespace name', withEnv('production', (env) => ({ server: { ...env.server, ignoreNamespaces: ['kube-.*'] } })),
    /server\.ignoreNamespaces\[0\]: is not a valid namespace name .*got "kube-\.\*"/],
  ['fails when the password Secret name is not a Kubernetes name', prodDatabase({ passwordSecret: { name: 'Spire_DB', key: 'password' } }), /server\.datastore\.passwordSecret\.name: is not a valid Secret name/],
  ['fails when the password Secret key has a slash', prodDatabase({ passwordSecret: { name: 'spire-db', key: 'db/password' } }), /passwordSecret\.key: is not a valid Secret key, got "db\/password"/],
  ['fails when a match expression value is not a label value', withEnv('production', (env) => ({ identities: env.identities.map((candidate) => (candidate.name === 'api-gateway' ? { ...candidate, podSelector: { ...candidate.podSelector, matchExpressions: [{ key: 'gateway-tier', operator: 'In', values: ['public tier'] }] } } : candidate)) })),
    /ClusterSPIFFEID "api-gateway" identities\[3\]\.podSelector\.matchExpressions\[0\]\.values: is not a valid label value, got "public tier"/],
  ['fails when a static entry name is not a Kubernetes name', withEnv('production', () => ({ staticEntries: [{ name: 'Batch Job', spiffeIdPath: '/vm/batch', parentIdPath: '/vm/node', selectors: ['unix:uid:1000'], admin: false }] })),
    /ClusterStaticEntry "Batch Job" staticEntries\[0\]\.name: is not a valid object name/],
  ['fails when the Prometheus namespace is not a namespace name', withEnv('staging', (env) => ({ monitoring: { ...env.monitoring, prometheusNamespace: 'Monitoring' } })), /monitoring\.prometheusNamespace: is not a valid namespace name/],
  ['fails when an environment name is not a DNS label, reported by position', withEnv('staging', () => ({ name: 'Staging EU' })),
    /^environments\[0\]: environment "Staging EU" name: must be a DNS label/],
  ['fails when a static entry DNS name is not a DNS name', withEnv('production', () => ({ staticEntries: [{ name: 'batch', spiffeIdPath: '/ns/vm/batch', parentIdPath: '/ns/vm/node', selectors: ['unix:uid:1000'], admin: false, dnsNames: ['batch_job.acme.example'] }] })),
    /ClusterStaticEntry "batch" spec\.dnsNames\[0\]: is not a DNS name, got "batch_job\.acme\.example"/],
];

const gateway = (change: Partial<IdentitySpec>) => withEnv('production', (env) => ({
  identities: env.identities.map((candidate) => (candidate.name === 'api-gateway' ? { ...candidate, ...change } : candidate)),
}));
const bundleUrl = (url: string) => payments({ bundleEndpointURL: url });

export const secretCases: Case[] = [
  ['fails when a database user carries a password assignment', prodDatabase({ user: 'spire password=hunter2' }),
    /^production: the estate environments\[0\]\.server\.datastore\.user: holds secret material \(a password or token assignment\); .*got "<redacted>"; fix: keep the secret in a Secret/],
  ['fails when a URL carries a password in its user info', withEnv('staging', (env) => ({ clusters: [{ ...env.clusters[0], apiServer: 'https://admin:s3cret@stg-euw1.k8s.acme.example' }] })),
    /environments\[0\]\.clusters\[0\]\.apiServer: holds secret material \(a password in URL user info\)/],
  ['fails when a token hides in a selector label', gateway({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api-gateway', note: 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB' } } }),
    /podSelector\.matchLabels\.note: holds secret material \(a GitHub token\)/],
  ['fails when a JWT is pasted into a hint', gateway({ hint: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJzcGlmZmU6Ly94In0.c2lnbmF0dXJlc2lnbmF0dXJl' }),
    /hint: holds secret material \(a JSON Web Token\)/],
  ['fails when the repository URL carries credentials', { ...defaultEstate, repository: { ...defaultEstate.repository, url: 'https://bot:glpat-abcdefghijklmnopqrstuv@git.acme.example/spire.git' } },
    /^estate: the estate repository\.url: holds secret material/],
  ['fails when an AWS key sits in a notification channel', { ...defaultEstate, flux: { ...defaultEstate.flux, namespace: 'flux-system' }, argocd: { ...defaultEstate.argocd, roles: { ...defaultEstate.argocd.roles, viewer: ['AKIAIOSFODNN7EXAMPLE'] } } },
    /argocd\.roles\.viewer\[0\]: holds secret material \(an AWS access key\)/],
];

export const urlCases: Case[] = [
  ['fails when a bundle endpoint URL holds a tab (Node would drop it, Go refuses it)', bundleUrl('https://spire-bundle.payments.partner.example/\tbundle'),
    /spec\.bundleEndpointURL: must be an https:\/\/ URL without user info: Go's net\/url refuses it \(net\/url: invalid control character in URL\)/],
  ['fails when a backslash hides user info from Node but not from Go', bundleUrl('https://spire-bundle.payments.partner.example\\@evil.example/'),
    /spec\.bundleEndpointURL: .*Go's net\/url refuses it \(net\/url: invalid userinfo\)/],
  ['fails when a host is percent-encoded ASCII (Node decodes it, Go refuses it)', bundleUrl('https://spire-bundle%2Epayments.partner.example'),
    /spec\.bundleEndpointURL: .*invalid URL escape "%2E"/],
  ['fails when a bundle endpoint port is not a number', bundleUrl('https://spire-bundle.payments.partner.example:84x3'), /spec\.bundleEndpointURL: .*invalid port ":84x3" after host/],
  ['fails when a bundle endpoint has user info', bundleUrl('https://reader@spire-bundle.payments.partner.example'), /spec\.bundleEndpointURL: must be an https:\/\/ URL without user info: cannot contain userinfo/],
  ['fails when an API server URL has no host', withEnv('staging', (env) => ({ clusters: [{ ...env.clusters[0], apiServer: 'https:///api' }] })), /apiServer: must be the https:\/\/ URL of the API server: host must be specified/],
  ['fails when the repository URL is not one Go can clone', { ...defaultEstate, repository: { ...defaultEstate.repository, url: 'git.acme.example/platform/spire-gitops' } },
    /^estate: repository url: must be a Git URL GitOps controllers can clone: must be https:\/\/ or ssh:\/\/ with a host/],
];

export const trustDomainCases: Case[] = [
  ['fails when two clusters of one trust domain use different databases (two CAs)', estateWith('production', (env) => ({
    ...env, clusters: [env.clusters[0], { ...env.clusters[1], serverOverrides: { datastore: { ...(env.server.datastore as any), host: 'spire-db.us-east-1.acme.example' } } }],
  })), /^production\/prod-use1: SpireServer "spire-server" server\.datastore: shares trust domain prod\.spire\.acme\.example with production\/prod-euw1 but not its CA: .*; fix: point every server of the trust domain at one external database/],
  ['fails when an environment copied from another keeps its trust domain', { ...defaultEstate, teams: undefined, environments: [environment('development'), { ...environment('staging'), trustDomain: environment('development').trustDomain }] },
    /^staging: environment "staging" trustDomain: is also the trust domain of environment "development": .*, got "dev\.spire\.acme\.example"; fix: give staging its own trust domain, or state that it joins the other environment's: joinsTrustDomainOf: 'development'$/],
  ['fails when an environment joins a trust domain but its servers keep their own sqlite CAs', { ...defaultEstate, teams: undefined, environments: [environment('development'), { ...environment('staging'), trustDomain: environment('development').trustDomain, joinsTrustDomainOf: 'development' }] },
    // Refused first for the topology: two single servers cannot share a trust domain (test/topology.test.ts).
    /^staging: Environment "staging" topology: joins the trust domain of environment "development" \(topology single\); /],
  ['fails when environments that join in an ha topology keep their own sqlite CAs', { ...defaultEstate, teams: undefined, environments: [
    { ...environment('development'), topology: { type: 'ha' } },
    { ...environment('staging'), trustDomain: environment('development').trustDomain, joinsTrustDomainOf: 'development', topology: { type: 'ha' } }] },
    /^staging: Environment "staging" server\.datastore: is a file only one server can use, and an ha topology shares one datastore between its servers, got "sqlite3"/],
  ['fails when an environment joins the trust domain of one that has another', { ...defaultEstate, teams: undefined, environments: [environment('development'), { ...environment('staging'), joinsTrustDomainOf: 'development' }] },
    /^staging: environment "staging" joinsTrustDomainOf: names environment "development", whose trust domain is dev\.spire\.acme\.example, not staging\.spire\.acme\.example, got "development"; fix: set trustDomain to dev\.spire\.acme\.example, or remove joinsTrustDomainOf$/],
  ['fails when an environment joins one the estate does not have', { ...defaultEstate, teams: undefined, environments: [{ ...environment('staging'), joinsTrustDomainOf: 'qa' }] },
    /^staging: environment "staging" joinsTrustDomainOf: names no environment of the estate, got "qa"/],
];

describe('secrets, URLs and trust domains', () => {
  test('URLs Node and Go read alike still pass', () => {
    expect(problemsOf(bundleUrl('https://spire-bundle.payments.partner.example:8443/bundle?x=1'))).toEqual([]);
  });

  test.each([...secretCases, ...urlCases, ...trustDomainCases])('%s', (_name, estate, message) => {
    const problems = problemsOf(estate);
    expect(problems.filter((problem) => message.test(problem))).not.toEqual([]);
    expect(problems.filter((problem) => DOUBLED.test(problem.replace(/"[^"]*"/g, '""')))).toEqual([]);
  });

  test('secret material is never echoed in a message', () => {
    const problems = problemsOf(prodDatabase({ user: 'spire password=hunter2' }));
    expect(problems.join('\n')).not.toContain('hunter2');
  });
});

describe('fields', () => {
  test.each(fieldCases)('%s', (_name, estate, message) => {
    const problems = problemsOf(estate);
    expect(problems.filter((problem) => message.test(problem))).not.toEqual([]);
    expect(problems.filter((problem) => DOUBLED.test(problem.replace(/"[^"]*"/g, '""')))).toEqual([]);
  });
});

describe('federation bundles', () => {
  test('the default estate carries the payments partner\'s committed bundle into its ClusterFederatedTrustDomain', () => {
    const files = renderEstate(DEFAULT_ESTATE);
    const object = files.get('production/prod-euw1/clusterfederatedtrustdomain-payments-partner-example.yaml')!;
    expect(object).toContain('trustDomainBundle: |');
    expect(object).toContain(JSON.parse(PAYMENTS_BUNDLE).keys[0].x5c[0]);
    // The estate names no bundle for it: the lock file is learned state, read at synth.
    expect(DEFAULT_ESTATE.environments.flatMap((env) => env.federation).filter((spec) => spec.trustDomainBundle !== undefined || spec.trustDomainBundleFile !== undefined)).toEqual([]);
    expect(environment('production').federation[0].trustDomainBundle).toBe(PAYMENTS_BUNDLE);
  });

  test('a bundle named by trustDomainBundleFile, without a lock file, gives the same ClusterFederatedTrustDomain as the lock', () => {
    // GIVEN a repository without federation/, holding the payments bundle under a name of its own
    const repository = mkdtempSync(join(tmpdir(), 'bundle-file-'));
    try {
      mkdirSync(join(repository, 'partner-bundles'));
      writeFileSync(join(repository, 'partner-bundles', 'payments.json'), PAYMENTS_BUNDLE);
      const path = 'production/prod-euw1/clusterfederatedtrustdomain-payments-partner-example.yaml';
      // WHEN one estate names the file and the other relies on the lock
      const fromFile = renderEstate(payments({ trustDomainBundle: undefined, trustDomainBundleFile: 'partner-bundles/payments.json' }), { baseDir: repository }).get(path);
      const fromLock = renderEstate(payments({ trustDomainBundle: undefined }), { baseDir: process.cwd() }).get(path);
      // THEN both carry the bundle, byte for byte
      expect(fromFile).toContain(JSON.parse(PAYMENTS_BUNDLE).keys[0].x5c[0]);
      expect(fromFile).toBe(fromLock);
    } finally {
      rmSync(repository, { recursive: true, force: true });
    }
  });

  test.each(federationCases)('%s', (_name, estate, message) => {
    const problems = problemsOf(estate);
    expect(problems.filter((problem) => message.test(problem))).not.toEqual([]);
    expect(problems.filter((problem) => DOUBLED.test(problem.replace(/"[^"]*"/g, '""')))).toEqual([]);
  });
});


describe('what the fixes guarantee', () => {
  test('federation is declared once: server.conf has a bundle endpoint but no federates_with, the objects carry the partners', () => {
    const files = renderEstate(defaultEstate);
    const serverConf = parse(files.get('production/prod-euw1/spire-server/configmap-spire-server.yaml')!).data['server.conf'];
    expect(serverConf).toContain('bundle_endpoint {');
    expect(serverConf).not.toContain('federates_with');
    const partners = [...files.keys()].filter((path) => path.startsWith('production/prod-euw1/clusterfederatedtrustdomain-')).sort();
    expect(partners).toEqual(['production/prod-euw1/clusterfederatedtrustdomain-logistics-partner-example.yaml', 'production/prod-euw1/clusterfederatedtrustdomain-payments-partner-example.yaml']);
  });

  test('the inventory shows every identity\'s admin flag, and no default identity is admin', () => {
    const inventory = renderEstate(defaultEstate).get('README.md')!;
    expect(inventory).toContain('| identity | from | selects | example pod | example SPIFFE ID | X.509 TTL | JWT TTL | DNS names | admin | federates with |');
    const rows = inventory.split('\n').filter((line) => /^\| (web-frontend|data-primary|data-replica|api-gateway|default-fallback|spire-oidc-discovery-provider) \|/.test(line));
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) expect(row.split(' | ')[8]).toBe('no');
  });
});

describe('the secret scan', () => {
  test.each([
    ['a password reference', 'password=${DBPW}'],
    ['a Secret reference in YAML', 'password:\n  secretKeyRef:\n    name: spire-db'],
    ['a selector naming a token reviewer', 'k8s:sa:token-reviewer'],
    ['a digest', 'sha256:aa74ef1be86bc8e0684007d84a4d9859d294384d842c30425048d73429f3216e'],
    ['a public certificate', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
    ['a URL with a user but no password', 'ssh://git@git.acme.example/spire.git'],
  ])('leaves %s alone', (_name, text) => {
    expect(secretKind(text)).toBeUndefined();
  });

  test.each([
    ['an EC private key', '-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----', 'a private key'],
    ['a password in a connection string', 'host=db password=hunter2 sslmode=verify-full', 'a password or token assignment'],
    ['a Slack token', 'xoxb-1234567890-abcdefghij', 'a Slack token'],
  ])('finds %s', (_name, text, kind) => {
    expect(secretKind(text)).toBe(kind);
  });
});
