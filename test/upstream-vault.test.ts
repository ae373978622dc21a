import { SPIRE_SERVER, TLS_SECRET_KEYS } from '../lib/config/spire-facts';
import { EnvironmentConfig, UpstreamAuthority } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { estateWith, find, problemsOf } from './helpers/estate';

/*
 * UpstreamAuthority "vault" (SPIRE 1.15.2 pkg/server/plugin/upstreamauthority/vault): one auth block per
 * method, credentials only from Secrets (environment variables the plugin reads first) and files, and
 * what synth refuses. `spire-server validate` only decodes this plugin's HCL, so these checks are what
 * stands between a wrong auth config and a server that fails at start.
 */

type Vault = Extract<UpstreamAuthority, { type: 'vault' }>;
const BASE = { type: 'vault' as const, vaultAddr: 'https://vault.example.org:8200', pkiMountPoint: 'spire/pki', caCertConfigMap: 'vault-ca' };

function estate(upstream: Vault, change: (env: EnvironmentConfig) => EnvironmentConfig = (env) => env) {
  return estateWith('staging', (env) => change({ ...env, server: { ...env.server, upstreamAuthority: upstream } }));
}

function tree(auth: Vault['auth']) {
  const files = renderEstate(estate({ ...BASE, auth }));
  const conf: string = find(files, 'staging/stg-euw1/spire-server/configmap-spire-server.yaml').data['server.conf'];
  const pod = find(files, 'staging/stg-euw1/spire-server/statefulset-spire-server.yaml').spec.template.spec;
  const server = pod.containers.find((container: any) => container.name === 'spire-server');
  const plugin = conf.slice(conf.indexOf('  UpstreamAuthority "vault"'), conf.indexOf('  BundlePublisher'));
  return { files, plugin, pod, server };
}

function volumeAt(pod: any, container: any, path: string): any {
  const mount = container.volumeMounts.find((candidate: any) => path.startsWith(`${candidate.mountPath}/`));
  expect(mount).toBeDefined();
  return pod.volumes.find((volume: any) => volume.name === mount.name);
}

describe('token auth', () => {
  const { files, plugin, server } = tree({ method: 'token', tokenSecret: { name: 'vault-token', key: 'token' } });

  test('renders exactly this plugin block: an empty token_auth, the token comes from VAULT_TOKEN', () => {
    expect(plugin).toBe(`  UpstreamAuthority "vault" {
    plugin_data {
      vault_addr = "https://vault.example.org:8200"
      pki_mount_point = "spire/pki"
      ca_cert_path = "/run/spire/vault-ca/ca.crt"
      token_auth {}
    }
  }
`);
    expect(server.env).toContainEqual({ name: 'VAULT_TOKEN', valueFrom: { secretKeyRef: { name: 'vault-token', key: 'token' } } });
  });

  test('no file of the estate holds a token value, only the Secret\'s name', () => {
    for (const content of files.values()) expect(content).not.toMatch(/\btoken = /);
  });
});

describe('approle auth', () => {
  const { plugin, server } = tree({ method: 'approle', secret: { name: 'vault-approle', roleIdKey: 'role-id', secretIdKey: 'secret-id' }, mountPoint: 'spire-approle' });
  test('an approle_auth block with the mount point; role and secret ID from the Secret into the plugin\'s variables', () => {
    expect(plugin).toContain('      approle_auth {\n        approle_auth_mount_point = "spire-approle"\n      }\n');
    expect(plugin).not.toMatch(/approle_id|approle_secret_id/);
    expect(server.env).toEqual(expect.arrayContaining([
      { name: 'VAULT_APPROLE_ID', valueFrom: { secretKeyRef: { name: 'vault-approle', key: 'role-id' } } },
      { name: 'VAULT_APPROLE_SECRET_ID', valueFrom: { secretKeyRef: { name: 'vault-approle', key: 'secret-id' } } },
    ]));
  });
});

describe('cert auth', () => {
  const { plugin, pod, server } = tree({ method: 'cert', certificateSecret: 'vault-client', roleName: 'spire' });
  const path = (key: string) => new RegExp(`${key} = "([^"]+)"`).exec(plugin)![1];
  test('client certificate and key from the kubernetes.io/tls Secret, key readable by the pod\'s group only', () => {
    expect(plugin).toContain('cert_auth_role_name = "spire"');
    for (const [key, item] of [['client_cert_path', TLS_SECRET_KEYS.certificate], ['client_key_path', TLS_SECRET_KEYS.privateKey]]) {
      const volume = volumeAt(pod, server, path(key));
      expect(volume.secret.secretName).toBe('vault-client');
      expect(volume.secret.defaultMode).toBe(0o440);
      expect(volume.secret.items).toContainEqual({ key: item, path: path(key).split('/').pop() });
    }
  });
});

describe('kubernetes auth', () => {
  const { plugin, pod, server } = tree({ method: 'kubernetes', roleName: 'spire-server' });
  test('logs in with a projected ServiceAccount token for the audience vault, at the path the config names', () => {
    expect(plugin).toContain('      k8s_auth {\n        k8s_auth_role_name = "spire-server"\n        token_path = "/run/spire/vault-token/token"\n      }\n');
    const volume = volumeAt(pod, server, path());
    expect(volume.projected.sources).toEqual([{ serviceAccountToken: { path: SPIRE_SERVER.vault.tokenFile, audience: 'vault', expirationSeconds: 3600 } }]);
    function path() { return /token_path = "([^"]+)"/.exec(plugin)![1]; }
  });

  test('the CA that verifies Vault is mounted where ca_cert_path points', () => {
    const caPath = /ca_cert_path = "([^"]+)"/.exec(plugin)![1];
    expect(volumeAt(pod, server, caPath).configMap).toEqual({ name: 'vault-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
  });
});

describe('synth refuses', () => {
  const token = { method: 'token' as const, tokenSecret: { name: 'vault-token', key: 'token' } };

  test('fails on an http:// Vault address', () => {
    expect(problemsOf(estate({ ...BASE, vaultAddr: 'http://vault.example.org:8200', auth: token }))).toEqual([
      'staging: UpstreamAuthority "vault" server.upstreamAuthority.vaultAddr: must be the https:// URL of Vault: scheme must be https, got "http://vault.example.org:8200"; fix: write it like https://vault.example.org:8200',
    ]);
  });

  test('fails on insecureSkipVerify in production', () => {
    const problems = problemsOf(estateWith('production', (env) => ({
      ...env, server: { ...env.server, upstreamAuthority: { ...BASE, caCertConfigMap: undefined, insecureSkipVerify: true, auth: token } },
    })));
    expect(problems).toEqual([expect.stringMatching(/^production: UpstreamAuthority "vault" server.upstreamAuthority.insecureSkipVerify: would accept any certificate for Vault in a production environment/)]);
  });

  test('fails on insecureSkipVerify beside a CA, which it would make pointless', () => {
    expect(problemsOf(estate({ ...BASE, insecureSkipVerify: true, auth: token }))).toEqual([expect.stringMatching(/insecureSkipVerify: makes caCertConfigMap \(vault-ca\) pointless/)]);
  });

  test('fails when the AppRole role ID and secret ID are one key', () => {
    expect(problemsOf(estate({ ...BASE, auth: { method: 'approle', secret: { name: 's', roleIdKey: 'id', secretIdKey: 'id' } } })))
      .toEqual([expect.stringMatching(/auth.secret.secretIdKey: is the role ID's key too/)]);
  });

  test('fails on an empty kubernetes role, which the plugin requires', () => {
    expect(problemsOf(estate({ ...BASE, auth: { method: 'kubernetes', roleName: ' ' } }))).toEqual([expect.stringMatching(/auth.roleName: is required by the kubernetes auth method/)]);
  });

  test('fails on a mount point with a leading slash and a Secret name that is not a name', () => {
    expect(problemsOf(estate({ ...BASE, pkiMountPoint: '/pki', auth: { method: 'cert', certificateSecret: 'Vault_Client' } }))).toEqual([
      expect.stringMatching(/auth.certificateSecret: is not a Kubernetes object name, got "Vault_Client"/),
      expect.stringMatching(/pkiMountPoint: is not a Vault path, got "\/pki"/),
    ]);
  });

  test('fails on two auth methods at once, at the schema', () => {
    const problems = problemsOf(estate({ ...BASE, auth: { ...token, roleName: 'x' } as never }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/server.upstreamAuthority.auth.roleName: unknown key/);
  });
});
