import { renderOidcConf } from '../lib/render/oidc-conf';
import { renderEstate } from '../lib/synth';
import { EnvironmentConfig } from '../lib/config/types';
import { estateWith, find, problemsOf } from './helpers/estate';

/*
 * The OIDC discovery provider's options (oidcDiscovery.logLevel, logFormat, setKeyUse, serverPathPrefix,
 * jwksUri): the keys of spire support/oidc-discovery-provider/config.go they set, the one issuer URL the
 * server and the provider share under a path prefix, and what synth refuses.
 */

const BASE = { domains: ['oidc.example.org'], jwtIssuer: 'https://oidc.example.org', trustDomain: 'td.example', socketPath: '/s', httpPort: 8080, healthPort: 8008 };
const withOidc = (change: Partial<NonNullable<EnvironmentConfig['oidcDiscovery']>>) =>
  estateWith('staging', (env) => ({ ...env, oidcDiscovery: { ...env.oidcDiscovery!, ...change } }));

describe('renderOidcConf: options', () => {
  test('each option under its key; none of them without options, and log_level INFO', () => {
    const bare = renderOidcConf(BASE);
    expect(bare).toContain('log_level = "INFO"');
    for (const key of ['log_format', 'set_key_use', 'server_path_prefix', 'jwks_uri']) expect(bare).not.toContain(key);
    const text = renderOidcConf({ ...BASE, logLevel: 'DEBUG', logFormat: 'json', setKeyUse: true, serverPathPrefix: '/spire', jwksUri: 'https://keys.example.org/k' });
    expect(text).toContain('log_level = "DEBUG"\nlog_format = "json"\nset_key_use = true\nserver_path_prefix = "/spire"\njwks_uri = "https://keys.example.org/k"\n');
  });
});

describe('oidcDiscovery.serverPathPrefix: one issuer for server, provider and exposure', () => {
  const files = renderEstate(withOidc({ serverPathPrefix: '/spire' }));
  const serverConf = find(files, 'staging/stg-euw1/spire-server/configmap-spire-server.yaml').data['server.conf'] as string;
  const providerConf = Object.values(find(files, 'staging/stg-euw1/spire-server/configmap-spire-oidc-discovery-provider.yaml').data)[0] as string;

  test('the server signs with the issuer under the prefix, and the provider names the same', () => {
    expect(serverConf).toContain('jwt_issuer = "https://oidc-discovery.staging.spire.acme.example/spire"');
    expect(providerConf).toContain('jwt_issuer = "https://oidc-discovery.staging.spire.acme.example/spire"');
    expect(providerConf).toContain('server_path_prefix = "/spire"');
  });

  test('the default estate keeps its issuer at the host\'s root, with set_key_use on in staging', () => {
    const plain = renderEstate(estateWith('staging', (env) => env));
    expect(plain.get('staging/stg-euw1/spire-server/configmap-spire-server.yaml')).toContain('jwt_issuer = "https://oidc-discovery.staging.spire.acme.example"\n');
    expect(plain.get('staging/stg-euw1/spire-server/configmap-spire-oidc-discovery-provider.yaml')).toContain('set_key_use = true');
  });
});

describe('oidcDiscovery options: refusals', () => {
  test.each(['spire', '/spire/', '/', '/a//b', '/sp ire', '/spire?x=1'])('serverPathPrefix %j is refused with the fix', (prefix) => {
    expect(problemsOf(withOidc({ serverPathPrefix: prefix }))).toEqual([
      expect.stringMatching(/^staging: environment "staging" oidcDiscovery\.serverPathPrefix: must be an absolute URL path of unreserved characters, without a trailing slash, got .*; fix: write it like \/spire$/),
    ]);
  });

  test.each(['http://keys.example.org/keys', '/keys', 'https://'])('jwksUri %j is refused', (uri) => {
    expect(problemsOf(withOidc({ jwksUri: uri }))).toEqual([
      expect.stringMatching(/^staging: environment "staging" oidcDiscovery\.jwksUri: is not an absolute https URL \(.+\), got .*; fix: write it like https:\/\/keys\.example\.org\/spire\/keys$/),
    ]);
  });

  test('a good prefix and keys URL pass', () => {
    expect(problemsOf(withOidc({ serverPathPrefix: '/spire/v1', jwksUri: 'https://keys.example.org/spire/keys' }))).toEqual([]);
  });
});
