import { httpsUrlProblem } from './go-url';
import { EnvironmentConfig } from './types';
import { DNS_SUBDOMAIN } from './validate-fields';
import { ViolationDetails, formatViolation } from './violation';

/*
 * The vault UpstreamAuthority. SPIRE 1.15.2's `spire-server validate` only decodes its HCL
 * (pkg/server/plugin/upstreamauthority/vault/vault.go buildConfig: "TODO: add field validations"); the
 * auth method and its required keys are checked first in Configure, when the server starts
 * (pkg/server/common/vault/configuration.go ParseAuthMethod, GenClientParams). Synth checks them here.
 */

const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** A Vault mount path: segments of letters, digits, - _ . separated by /, no leading or trailing /. */
const VAULT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

export function upstreamProblems(env: EnvironmentConfig, where: string): string[] {
  const upstream = env.server.upstreamAuthority;
  if (upstream?.type !== 'vault') return [];
  const problems: string[] = [];
  const resource = 'UpstreamAuthority "vault"';
  const report = (details: Omit<ViolationDetails, 'resource'>) => problems.push(formatViolation(where, { resource, ...details }));
  const field = 'server.upstreamAuthority';

  const addrProblem = httpsUrlProblem(upstream.vaultAddr);
  if (addrProblem) report({ field: `${field}.vaultAddr`, value: upstream.vaultAddr, rule: `must be the https:// URL of Vault: ${addrProblem}`, fix: 'write it like https://vault.example.org:8200' });
  if (upstream.insecureSkipVerify && env.production) {
    report({ field: `${field}.insecureSkipVerify`, value: true, rule: 'would accept any certificate for Vault in a production environment, so anyone on the path could sign the CA', fix: 'name the CA that verifies Vault in caCertConfigMap and drop insecureSkipVerify' });
  }
  if (upstream.insecureSkipVerify && upstream.caCertConfigMap !== undefined) {
    report({ field: `${field}.insecureSkipVerify`, value: true, rule: `makes caCertConfigMap (${upstream.caCertConfigMap}) pointless: nothing is verified`, fix: 'drop insecureSkipVerify' });
  }
  const names: [string, string | undefined][] = [[`${field}.caCertConfigMap`, upstream.caCertConfigMap]];
  const keys: [string, string][] = [];
  const paths: [string, string | undefined][] = [[`${field}.pkiMountPoint`, upstream.pkiMountPoint], [`${field}.namespace`, upstream.namespace]];
  const { auth } = upstream;
  if (auth.method === 'token') {
    names.push([`${field}.auth.tokenSecret.name`, auth.tokenSecret.name]);
    keys.push([`${field}.auth.tokenSecret.key`, auth.tokenSecret.key]);
  } else if (auth.method === 'approle') {
    names.push([`${field}.auth.secret.name`, auth.secret.name]);
    keys.push([`${field}.auth.secret.roleIdKey`, auth.secret.roleIdKey], [`${field}.auth.secret.secretIdKey`, auth.secret.secretIdKey]);
    if (auth.secret.roleIdKey === auth.secret.secretIdKey) {
      report({ field: `${field}.auth.secret.secretIdKey`, value: auth.secret.secretIdKey, rule: 'is the role ID\'s key too; role ID and secret ID are two values', fix: 'name the key that holds the secret ID' });
    }
    paths.push([`${field}.auth.mountPoint`, auth.mountPoint]);
  } else if (auth.method === 'cert') {
    names.push([`${field}.auth.certificateSecret`, auth.certificateSecret]);
    paths.push([`${field}.auth.mountPoint`, auth.mountPoint]);
  } else {
    // GenClientParams: "k8s_auth_role_name is required".
    if (typeof auth.roleName !== 'string' || auth.roleName.trim() === '') {
      report({ field: `${field}.auth.roleName`, value: auth.roleName, rule: 'is required by the kubernetes auth method', fix: 'name the Vault role bound to the server\'s ServiceAccount' });
    }
    if (auth.audience !== undefined && auth.audience.trim() === '') {
      report({ field: `${field}.auth.audience`, value: auth.audience, rule: 'must not be empty', fix: 'leave it out for `vault`, or give the audience the Vault role expects' });
    }
    paths.push([`${field}.auth.mountPoint`, auth.mountPoint]);
  }
  for (const [name, value] of names) {
    if (value !== undefined && (!DNS_SUBDOMAIN.test(value) || value.length > 253)) {
      report({ field: name, value, rule: 'is not a Kubernetes object name', fix: 'use lowercase letters, digits, - and .' });
    }
  }
  for (const [name, value] of keys) {
    if (!SECRET_KEY.test(value)) report({ field: name, value, rule: 'is not a valid Secret key', fix: 'use letters, digits, -, _ and .' });
  }
  for (const [name, value] of paths) {
    if (value !== undefined && !VAULT_PATH.test(value)) report({ field: name, value, rule: 'is not a Vault path', fix: 'write it without leading or trailing /, like pki or spire/pki' });
  }
  return problems;
}
