import { httpsUrlProblem } from './go-url';
import { EnvironmentConfig, KeyPairSecret } from './types';
import { TLS_SECRET_KEYS } from './spire-facts';
import { DNS_LABEL, DNS_SUBDOMAIN, labelKeyProblem } from './validate-fields';
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
  const others = [...notifierProblems(env, where), ...(upstream?.type === 'disk' || upstream?.type === 'ejbca' ? fileUpstreamProblems(env, where) : [])];
  if (upstream?.type !== 'vault') return others;
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
  return [...others, ...problems];
}

/** EJBCA's address as its client takes it: host and optional port (ejbca-go-client-sdk client.go cleanHostname keeps only the URL's host). */
const HOST_PORT = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$/;

/**
 * The disk and ejbca UpstreamAuthorities. `spire-server validate` checks only that their paths and (ejbca)
 * names are set (disk.go buildConfig, ejbca.go buildConfig); the files are loaded at start, in Configure.
 * The paths are always set here, so what synth checks is what the estate names: Secrets, keys, EJBCA's
 * names and host.
 */
function fileUpstreamProblems(env: EnvironmentConfig, where: string): string[] {
  const upstream = env.server.upstreamAuthority;
  const problems: string[] = [];
  if (upstream?.type !== 'disk' && upstream?.type !== 'ejbca') return problems;
  const resource = `UpstreamAuthority "${upstream.type}"`;
  const field = 'server.upstreamAuthority';
  const report = (details: Omit<ViolationDetails, 'resource'>) => problems.push(formatViolation(where, { resource, ...details }));
  const secretName = (name: string, value: string) => {
    if (!DNS_SUBDOMAIN.test(value) || value.length > 253) report({ field: name, value, rule: 'is not a Kubernetes object name', fix: 'name the existing Secret: lowercase letters, digits, - and .' });
  };
  const secretKey = (name: string, value: string) => {
    if (!SECRET_KEY.test(value)) report({ field: name, value, rule: 'is not a valid Secret key', fix: 'use letters, digits, -, _ and .' });
  };
  const keyPair = (name: string, pair: KeyPairSecret) => {
    secretName(`${name}.name`, pair.name);
    const certificateKey = pair.certificateKey ?? TLS_SECRET_KEYS.certificate;
    const privateKeyKey = pair.privateKeyKey ?? TLS_SECRET_KEYS.privateKey;
    secretKey(`${name}.certificateKey`, certificateKey);
    secretKey(`${name}.privateKeyKey`, privateKeyKey);
    if (certificateKey === privateKeyKey) {
      report({ field: `${name}.privateKeyKey`, value: privateKeyKey, rule: 'is the certificate\'s key too; certificate and private key are two files', fix: 'name the key that holds the private key' });
    }
  };
  if (upstream.type === 'disk') {
    keyPair(`${field}.secret`, upstream.secret);
    if (upstream.bundle) {
      secretName(`${field}.bundle.name`, upstream.bundle.name);
      secretKey(`${field}.bundle.key`, upstream.bundle.key);
      const sameSecret = upstream.bundle.name === upstream.secret.name;
      if (sameSecret && upstream.bundle.key === (upstream.secret.privateKeyKey ?? TLS_SECRET_KEYS.privateKey)) {
        report({ field: `${field}.bundle.key`, value: upstream.bundle.key, rule: 'is the CA\'s private key, not its roots', fix: 'name the key that holds the upstream root certificates, e.g. ca.crt' });
      }
      if (sameSecret && upstream.bundle.key === (upstream.secret.certificateKey ?? TLS_SECRET_KEYS.certificate)) {
        report({
          field: `${field}.bundle.key`, value: upstream.bundle.key,
          rule: 'is the CA certificate itself: the roots would be the CA, which only a self-signed CA allows, and then no bundle is needed',
          fix: 'name the key that holds the upstream root certificates, or leave bundle out for a self-signed CA',
        });
      }
    }
    return problems;
  }
  if (!HOST_PORT.test(upstream.hostname)) {
    report({
      field: `${field}.hostname`, value: upstream.hostname,
      rule: 'must be a host name with an optional port, without scheme or path (the EJBCA client keeps only the host and always speaks HTTPS)',
      fix: 'write it like ejbca.example.org:8443',
    });
  }
  // ejbca.go buildConfig: "hostname is required", "ca_name is required", and so on.
  for (const [name, value] of [['caName', upstream.caName], ['endEntityProfileName', upstream.endEntityProfileName], ['certificateProfileName', upstream.certificateProfileName]] as const) {
    if (value.trim() === '') report({ field: `${field}.${name}`, value, rule: 'is required by the ejbca plugin', fix: 'give the name as EJBCA shows it' });
  }
  for (const [name, value] of [['endEntityName', upstream.endEntityName], ['accountBindingId', upstream.accountBindingId]] as const) {
    if (value !== undefined && value.trim() === '') report({ field: `${field}.${name}`, value, rule: 'must not be empty', fix: `leave ${name} out for the plugin's default, or give a value` });
  }
  keyPair(`${field}.clientCertificate`, upstream.clientCertificate);
  if (upstream.caCert) {
    secretName(`${field}.caCert.name`, upstream.caCert.name);
    secretKey(`${field}.caCert.key`, upstream.caCert.key);
  }
  return problems;
}

/**
 * The k8sbundle Notifier. `spire-server validate` only decodes its HCL (k8sbundle.go buildConfig: "TODO: move
 * some of the Configure func stuff here"); Configure reaches the apiserver. Synth checks the names and labels.
 */
function notifierProblems(env: EnvironmentConfig, where: string): string[] {
  const notifiers = env.server.notifiers ?? [];
  const problems: string[] = [];
  const resource = 'Notifier "k8sbundle"';
  const report = (details: Omit<ViolationDetails, 'resource'>) => problems.push(formatViolation(where, { resource, ...details }));
  if (notifiers.length > 1) {
    report({ field: 'server.notifiers', value: notifiers.map((notifier) => notifier.type), rule: 'lists k8sbundle more than once; SPIRE loads one plugin of a name', fix: 'keep one k8sbundle notifier' });
  }
  for (const [index, notifier] of notifiers.entries()) {
    const field = `server.notifiers[${index}]`;
    if (notifier.namespace !== undefined && (!DNS_LABEL.test(notifier.namespace) || notifier.namespace.length > 63)) {
      report({ field: `${field}.namespace`, value: notifier.namespace, rule: 'is not a namespace name', fix: 'use lowercase letters, digits and -, at most 63 characters' });
    }
    if (!DNS_SUBDOMAIN.test(notifier.configMap) || notifier.configMap.length > 253) {
      report({ field: `${field}.configMap`, value: notifier.configMap, rule: 'is not a Kubernetes object name', fix: 'use lowercase letters, digits, - and .' });
    }
    if (notifier.configMapKey !== undefined && !SECRET_KEY.test(notifier.configMapKey)) {
      report({ field: `${field}.configMapKey`, value: notifier.configMapKey, rule: 'is not a valid ConfigMap key', fix: 'use letters, digits, -, _ and ., like bundle.crt' });
    }
    for (const [name, value] of [['webhookLabel', notifier.webhookLabel], ['apiServiceLabel', notifier.apiServiceLabel]] as const) {
      const problem = value === undefined ? undefined : labelKeyProblem(value);
      if (problem) report({ field: `${field}.${name}`, value, rule: `is not a label key: ${problem}`, fix: 'use a label key like spire.example.org/ca-bundle' });
    }
  }
  return problems;
}
