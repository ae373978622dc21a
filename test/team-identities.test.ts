import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { loadTeamIdentities } from '../lib/config/team-identities';
import { EstateConfig, TeamConfig } from '../lib/config/types';
import { EstateValidationError, renderEstate } from '../lib/synth';
import { defaultEstate, defaultFiles, find } from './helpers/estate';

/*
 * App teams' identity files (identities/<environment>/<team>.yaml): merged into the estate at synth, each
 * refusal named with file:line, environment, identity, field, value and fix.
 */

/** The one shape every reported problem has (as the fuzz test demands it). */
const NAMED = /^[^:\n]+: .+ [^ ]+: .+, got .+; fix: .+$/s;

let roots: string[] = [];
afterEach(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
  roots = [];
});

/** A repository root holding exactly these files (paths relative to it). */
function repository(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'spire-teams-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** What synth reports for the estate with these team files; [] when it synthesizes. */
function problemsWith(files: Record<string, string>, estate: EstateConfig = defaultEstate): string[] {
  try {
    renderEstate(estate, { baseDir: repository(files) });
  } catch (error) {
    if (error instanceof EstateValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

function withTeams(change: (teams: readonly TeamConfig[]) => readonly TeamConfig[]): EstateConfig {
  return { ...defaultEstate, teams: change(defaultEstate.teams!) };
}

const LEDGER = `- name: payments-ledger
  namespace: payments
  serviceAccount: payments-ledger
  x509Ttl: 2h
`;

describe('team identity files', () => {
  test('a valid file is merged into its environment after the platform\'s identities', () => {
    // GIVEN a payments file for staging WHEN it is loaded
    const { estate, problems } = loadTeamIdentities(defaultEstate, repository({ 'identities/staging/payments.yaml': LEDGER }));
    // THEN staging carries it, built from the file's fields, with admin bound to false by the platform
    expect(problems).toEqual([]);
    const staging = estate.environments.find((environment) => environment.name === 'staging')!;
    const platform = defaultEstate.environments.find((environment) => environment.name === 'staging')!.identities;
    expect(staging.identities.slice(0, platform.length)).toEqual(platform);
    expect(staging.identities.slice(platform.length)).toStrictEqual([{
      name: 'payments-ledger',
      spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } },
      workloadSelectorTemplates: ['k8s:sa:payments-ledger'],
      ttl: '2h',
      admin: false,
    }]);
    // and the other environments are untouched
    expect(estate.environments.find((environment) => environment.name === 'production')).toBe(defaultEstate.environments.find((environment) => environment.name === 'production'));
  });

  test('the repository\'s team files reach dist/: production\'s payments-api federates with the granted partner', () => {
    const object = find(defaultFiles(), 'production/prod-euw1/clusterspiffeid-payments-api.yaml');
    expect(object.spec).toMatchObject({
      admin: false,
      federatesWith: ['payments.partner.example'],
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'payments-api' } },
      workloadSelectorTemplates: ['k8s:sa:payments-api'],
      dnsNameTemplates: ['payments-api.payments.svc.cluster.local'],
      ttl: '1h',
      jwtTtl: '5m',
    });
    expect(find(defaultFiles(), 'staging/stg-euw1/clusterspiffeid-payments-ledger.yaml').spec.spiffeIDTemplate).toBe('spiffe://{{ .TrustDomain }}/ns/payments/ledger');
    for (const environment of ['development/dev-euw1', 'staging/stg-euw1', 'production/prod-use1']) {
      for (const name of ['payments-api', 'payments-ledger', 'search-frontend', 'search-indexer']) {
        expect(defaultFiles().has(`${environment}/clusterspiffeid-${name}.yaml`)).toBe(true);
      }
    }
  });

  test('merge order is the platform\'s identities, then teams by name, then entries in file order, whatever order the files were written in', () => {
    const search = '- { name: search-b, namespace: search, serviceAccount: b }\n- { name: search-a, namespace: search, serviceAccount: a }\n';
    const payments = '- { name: payments-z, namespace: payments, serviceAccount: z }\n';
    // Written search first, then payments; and the other way round.
    const one = loadTeamIdentities(defaultEstate, repository({ 'identities/development/search.yaml': search, 'identities/development/payments.yaml': payments }));
    const two = loadTeamIdentities(defaultEstate, repository({ 'identities/development/payments.yaml': payments, 'identities/development/search.yaml': search }));
    const names = (result: typeof one) => result.estate.environments[0].identities.map((identity) => identity.name);
    expect(names(one)).toEqual(['web-frontend', 'data-primary', 'data-replica', 'api-gateway', 'default-fallback', 'payments-z', 'search-b', 'search-a']);
    expect(names(two)).toEqual(names(one));
    expect(JSON.stringify(one.estate)).toBe(JSON.stringify(two.estate));
  });

  test('an estate without teams reads no team files', () => {
    const files = { 'identities/staging/unknown.yaml': 'not: [valid' };
    expect(problemsWith(files, { ...defaultEstate, teams: undefined })).toEqual([]);
  });
});

describe('refused team files', () => {
  test.each<[string, Record<string, string>, string[], EstateConfig?]>([
    ['fails on an unknown key, naming its line', {
      'identities/staging/payments.yaml': `${LEDGER}  x509ttl: 1h\n`,
    }, [
      'staging: identities/staging/payments.yaml:5:3: identity "payments-ledger" x509ttl: is not a field of a team identity (name, namespace, serviceAccount, podLabels, spiffeIdPath, x509Ttl, jwtTtl, dnsNames, federatesWith), got "1h"; fix: write it as x509Ttl',
    ]],
    ['fails on a namespace outside the team\'s grant', {
      'identities/staging/search.yaml': '- name: search-api\n  namespace: payments\n  serviceAccount: search-api\n',
    }, [
      'staging: identities/staging/search.yaml:2:14: identity "search-api" namespace: is not granted to team "search" (search), got "payments"; fix: select one of the team\'s namespaces, or ask the platform team to extend the grant of the team in teams (lib/config/estate.ts)',
    ]],
    ['fails on federation outside the team\'s grant', {
      'identities/production/search.yaml': '- name: search-api\n  namespace: search\n  serviceAccount: search-api\n  federatesWith:\n    - payments.partner.example\n',
    }, [
      'production: identities/production/search.yaml:5:7: identity "search-api" federatesWith[0]: is not a trust domain team "search" may federate with (none granted), got "payments.partner.example"; fix: remove it, or ask the platform team to extend the grant of the team in teams (lib/config/estate.ts)',
    ]],
    ['fails when a granted partner is not one of the environment\'s (federation is the platform\'s, per environment)', {
      'identities/staging/payments.yaml': `${LEDGER}  federatesWith: [payments.partner.example]\n`,
    }, [
      'staging: identities/staging/payments.yaml:5:19: identity "payments-ledger" federatesWith[0]: federation is forbidden in staging (identityPolicy.allowedFederation is empty), got "payments.partner.example"; fix: remove federatesWith',
    ]],
    ['fails when the file sets admin or downstream', {
      'identities/production/payments.yaml': `${LEDGER}  admin: true\n  downstream: false\n`,
    }, [
      'production: identities/production/payments.yaml:5:3: identity "payments-ledger" admin: is bound by the platform: a team identity is never admin (an admin SVID may create and delete any registration entry), got true; fix: remove admin',
      'production: identities/production/payments.yaml:6:3: identity "payments-ledger" downstream: is bound by the platform: a team identity never signs for a downstream SPIRE server, got false; fix: remove downstream',
    ]],
    ['fails on a file of an unknown team', {
      'identities/production/billing.yaml': LEDGER,
    }, [
      'production: identities/production/billing.yaml:1:1: team file name: names no team of the estate (payments, search), got "billing"; fix: name the file after your team, or ask the platform team to add team "billing" to teams (lib/config/estate.ts)',
    ]],
    ['fails on a file for an environment the team is not bound to', {
      'identities/production/payments.yaml': LEDGER,
    }, [
      'production: identities/production/payments.yaml:1:1: team file environment: is not an environment team "payments" may request identities in (development, staging), got "production"; fix: remove the file, or ask the platform team to add production to the team\'s environments (lib/config/estate.ts)',
    ], withTeams((teams) => teams.map((team) => (team.name === 'payments' ? { ...team, environments: ['development', 'staging'], federatesWith: [] } : team)))],
    ['fails on a TTL over the environment\'s policy', {
      'identities/production/payments.yaml': LEDGER.replace('2h', '48h'),
    }, [
      'production: identities/production/payments.yaml:4:12: identity "payments-ledger" x509Ttl: must be at most 24h in production (identityPolicy.maxTtl), got "48h"; fix: lower x509Ttl to 24h or less',
    ]],
    ['fails on a SPIFFE ID path outside the team\'s prefixes', {
      'identities/development/payments.yaml': `${LEDGER}  spiffeIdPath: /ns/search/ledger\n`,
    }, [
      'development: identities/development/payments.yaml:5:17: identity "payments-ledger" spiffeIdPath: is outside the paths granted to team "payments" (/ns/payments/), got "/ns/search/ledger"; fix: start the path with one of the team\'s prefixes, or leave it out for /ns/<namespace>/sa/<service account>',
    ]],
    ['fails on a name another identity of the environment has', {
      'identities/development/payments.yaml': '- { name: web-frontend, namespace: payments, serviceAccount: web }\n- { name: shared, namespace: payments, serviceAccount: a }\n',
      'identities/development/search.yaml': '- { name: shared, namespace: search, serviceAccount: b }\n',
    }, [
      'development: identities/development/payments.yaml:1:11: identity "web-frontend" name: is already used in development by a platform identity (lib/config/estate.ts), got "web-frontend"; fix: give the identity a name of its own, e.g. prefixed with your team',
      'development: identities/development/search.yaml:1:11: identity "shared" name: is already used in development by identities/development/payments.yaml:2:11, got "shared"; fix: give the identity a name of its own, e.g. prefixed with your team',
    ]],
    ['fails on YAML that does not parse, at its line', {
      'identities/development/search.yaml': '- name: search-api\n  name: again\n',
    }, [
      'development: identities/development/search.yaml:2:3: file (file): is not valid YAML: Map keys must be unique, got "DUPLICATE_KEY"; fix: correct the YAML at that line (a list of maps, two-space indentation)',
    ]],
    ['fails on a missing selector and a wrong type', {
      'identities/development/search.yaml': '- name: search-api\n  namespace: search\n- name: search-b\n  namespace: search\n  serviceAccount: [b]\n',
    }, [
      'development: identities/development/search.yaml:1:3: identity "search-api" serviceAccount: is needed: an identity selects its pods by service account and/or pod labels, got nothing; fix: write serviceAccount as the service account the pods run as, e.g. payments-api',
      'development: identities/development/search.yaml:5:19: identity "search-b" serviceAccount: must be a string, got ["b"]; fix: write serviceAccount as the service account the pods run as, e.g. payments-api',
    ]],
    ['fails on pod labels alone: the identity policy pins the service account', {
      'identities/development/search.yaml': '- name: search-api\n  namespace: search\n  podLabels: { app: search-api }\n',
    }, [
      'development: identities/development/search.yaml:1:3: identity "search-api" serviceAccount: must pin the service account with a k8s:sa: selector, got nothing; fix: add serviceAccount: <the pods\' service account>',
    ]],
    ['fails on a directory that names no environment', {
      'identities/prod/payments.yaml': LEDGER,
    }, [
      'estate: identities/prod/ environment: must be a directory named after an environment of the estate (development, staging, production), got "prod"; fix: put team files in identities/<environment>/<team>.yaml',
    ]],
    // A rest parameter: jest would pass a done callback as a fourth named one.
  ])('%s', (...[, files, expected, estate]) => {
    const problems = problemsWith(files, estate ?? defaultEstate);
    expect(problems).toEqual(expected);
    expect(problems.filter((problem) => !NAMED.test(problem))).toEqual([]);
  });
});

describe('team grants', () => {
  test.each<[string, EstateConfig, string]>([
    ['fails when a team claims another team\'s namespace', withTeams((teams) => teams.map((team) => (team.name === 'search' ? { ...team, namespaces: ['search', 'payments'] } : team))),
      'estate: team "search" namespaces[1]: is already granted to team "payments", got "payments"; fix: grant each namespace to one team only'],
    ['fails when a team claims a namespace the platform\'s identities select', withTeams((teams) => teams.map((team) => (team.name === 'search' ? { ...team, namespaces: ['data'] } : team))),
      'estate: team "search" namespaces[0]: is the platform\'s namespace (selected by the platform identity "data-primary" in development), not a team\'s, got "data"; fix: grant the team a namespace of its own'],
    ['fails when a team claims SPIRE\'s server namespace', withTeams((teams) => teams.map((team) => (team.name === 'search' ? { ...team, namespaces: ['spire-server'] } : team))),
      'estate: team "search" namespaces[0]: is the platform\'s namespace (SPIRE\'s server namespace in development), not a team\'s, got "spire-server"; fix: grant the team a namespace of its own'],
    ['fails when a team is bound to an environment the estate lacks', withTeams((teams) => teams.map((team) => (team.name === 'search' ? { ...team, environments: ['qa'] } : team))),
      'estate: team "search" environments[0]: is not an environment of the estate (development, staging, production), got "qa"; fix: name an environment of the estate'],
    ['fails when a team may federate with a trust domain none of its environments federates with', withTeams((teams) => teams.map((team) => (team.name === 'search' ? { ...team, federatesWith: ['evil.example'] } : team))),
      'estate: team "search" federatesWith[0]: is a federation partner of none of the team\'s environments (development, staging, production), got "evil.example"; fix: add the partner to an environment\'s federation first, or remove the grant'],
    ['fails on an owner CODEOWNERS cannot read', withTeams((teams) => teams.map((team) => (team.name === 'search' ? { ...team, owners: ['acme search'] } : team))),
      'estate: team "search" owners[0]: is not a CODEOWNERS owner, got "acme search"; fix: write a GitHub team like @acme/payments, a user like @alice, or an email'],
    ['fails when teams are given without platform owners', { ...defaultEstate, platformOwners: undefined },
      'estate: the estate platformOwners: needs at least one owner (CODEOWNERS), got nothing; fix: list a GitHub team like @acme/payments, a user like @alice, or an email'],
  ])('%s', (_name, estate, expected) => {
    const problems = problemsWith({}, estate);
    expect(problems).toEqual([expected]);
  });

  test('the default estate\'s grants and files synthesize', () => {
    expect(() => renderEstate(DEFAULT_ESTATE)).not.toThrow();
  });
});
