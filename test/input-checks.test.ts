import { readFileSync } from 'node:fs';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EnvironmentConfig, EstateConfig, FederationSpec, IdentitySpec } from '../lib/config/types';
import { EstateValidationError, renderEstate } from '../lib/synth';
import { environment, estateWith } from './helpers/estate';

/*
 * Bad estates, one class of mistake per block, each as a new user would make it. Every case must fail
 * synth with a named problem (environment, resource, field, value, fix), never reach dist/, never throw
 * anything but EstateValidationError.
 */

function problemsOf(estate: EstateConfig): string[] {
  try {
    renderEstate(estate);
  } catch (error) {
    if (error instanceof EstateValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

const PAYMENTS_BUNDLE = readFileSync('lib/config/federation-bundles/payments.partner.example.json', 'utf8');
const payments = (change: Partial<FederationSpec>) => estateWith('production', (env) => ({
  ...env, federation: [{ ...env.federation[0], ...change } as FederationSpec, ...env.federation.slice(1)],
}));
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

export const federationCases: Case[] = [
  ['fails when an https_spiffe partner has no initial bundle (the server could never fetch it)',
    payments({ trustDomainBundle: undefined }),
    /^production\/prod-euw1: ClusterFederatedTrustDomain "payments\.partner\.example" spec\.trustDomainBundle: an https_spiffe partner needs its initial bundle: .*got nothing; fix: commit the partner's public bundle .* set trustDomainBundleFile/],
  ['fails when a bundle file does not exist',
    payments({ trustDomainBundle: undefined, trustDomainBundleFile: 'lib/config/federation-bundles/nope.json' }),
    /^production: ClusterFederatedTrustDomain "payments\.partner\.example" trustDomainBundleFile: cannot be read \(ENOENT\), got "lib\/config\/federation-bundles\/nope\.json"/],
  ['fails when a bundle file lies outside the repository',
    payments({ trustDomainBundle: undefined, trustDomainBundleFile: '../shared/bundle.json' }),
    /trustDomainBundleFile: must be a path inside the repository, relative to its root, got "\.\.\/shared\/bundle\.json"/],
  ['fails when a bundle file is an absolute path',
    payments({ trustDomainBundle: undefined, trustDomainBundleFile: '/etc/passwd' }),
    /trustDomainBundleFile: must be a path inside the repository/],
  ['fails when a bundle is given both inline and as a file',
    payments({ trustDomainBundleFile: 'lib/config/federation-bundles/payments.partner.example.json' }),
    /trustDomainBundleFile: is given together with trustDomainBundle, got ".*"; fix: keep one of the two/],
  ['fails when an x509-svid key of the bundle has no certificate',
    payments({ trustDomainBundleFile: undefined, trustDomainBundle: bundleWith((bundle) => { delete bundle.keys[0].x5c; }) }),
    /spec\.trustDomainBundle: x509-svid key 0 must carry exactly one certificate in x5c/],
  ['fails when the bundle certificate does not parse',
    payments({ trustDomainBundleFile: undefined, trustDomainBundle: bundleWith((bundle) => { bundle.keys[0].x5c = ['bm90IGEgY2VydA=='] }) }),
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
    payments({ trustDomainBundleFile: undefined, trustDomainBundle: bundleWith((bundle) => { bundle.keys.push({ use: 'jwt-svid', kid: 'k1', kty: 'RSA', n: 'AQAB', e: 'AQAB', p: 'secret' }); }) }),
    /spec\.trustDomainBundle: contains a private key parameter \("p", key 1\), got "<redacted>"; fix: use the public bundle only/],
  ['fails when a jwt-svid key of the bundle has no key ID',
    payments({ trustDomainBundleFile: undefined, trustDomainBundle: bundleWith((bundle) => { bundle.keys.push({ use: 'jwt-svid', kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }); }) }),
    /jwt-svid key 1 has no key ID \(kid\)/],
  ['fails when the bundle has no keys',
    payments({ trustDomainBundleFile: undefined, trustDomainBundle: '{"keys":[]}' }),
    /spec\.trustDomainBundle: has no keys/],
];

describe('federation bundles', () => {
  test('the default estate carries the payments partner\'s committed bundle into its ClusterFederatedTrustDomain', () => {
    const files = renderEstate(DEFAULT_ESTATE);
    const object = files.get('production/prod-euw1/clusterfederatedtrustdomain-payments-partner-example.yaml')!;
    expect(object).toContain('trustDomainBundle: |');
    expect(object).toContain(JSON.parse(PAYMENTS_BUNDLE).keys[0].x5c[0]);
    expect(DEFAULT_ESTATE.environments.flatMap((env) => env.federation).every((spec) => spec.profile.type !== 'https_spiffe' || spec.trustDomainBundleFile)).toBe(true);
    expect(environment('production').federation[0].trustDomainBundle).toBe(PAYMENTS_BUNDLE);
  });

  test.each(federationCases)('%s', (_name, estate, message) => {
    const problems = problemsOf(estate);
    expect(problems.filter((problem) => message.test(problem))).not.toEqual([]);
  });
});

void identity;
