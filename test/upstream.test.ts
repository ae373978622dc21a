import { EnvironmentConfig, Notifier, UpstreamAuthority } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { estateWith, find, problemsOf } from './helpers/estate';

/*
 * UpstreamAuthority "disk" and "ejbca" and Notifier "k8sbundle" (SPIRE 1.15.2 pkg/server/plugin/
 * upstreamauthority/disk, upstreamauthority/ejbca, notifier/k8sbundle): the keys each renders, the Secret
 * volumes their files come from, the RBAC the notifier gets, and what synth refuses. `spire-server validate`
 * checks little of these plugins (paths and names set; k8sbundle only its HCL), so these tests are where a
 * wrong Secret key or label is caught before the server would fail at start.
 */

const TREE = 'staging/stg-euw1';

function estate(server: Partial<EnvironmentConfig['server']>) {
  return estateWith('staging', (env) => ({ ...env, server: { ...env.server, ...server } }));
}

function tree(server: Partial<EnvironmentConfig['server']>) {
  const files = renderEstate(estate(server));
  const conf: string = find(files, `${TREE}/spire-server/configmap-spire-server.yaml`).data['server.conf'];
  const pod = find(files, `${TREE}/spire-server/statefulset-spire-server.yaml`).spec.template.spec;
  const container = pod.containers.find((candidate: any) => candidate.name === 'spire-server');
  const block = (header: string) => {
    const start = conf.indexOf(`  ${header} {`);
    return start < 0 ? '' : conf.slice(start, conf.indexOf('\n  }\n', start) + 5);
  };
  return { files, conf, pod, container, block };
}

/** The Secret volume and item a file path of the server container comes from. */
function sourceOf(pod: any, container: any, path: string): { secretName: string; key: string; defaultMode: number; readOnly: boolean } {
  const mount = container.volumeMounts.find((candidate: any) => path.startsWith(`${candidate.mountPath}/`));
  expect(mount).toBeDefined();
  const volume = pod.volumes.find((candidate: any) => candidate.name === mount.name);
  const item = volume.secret.items.find((candidate: any) => `${mount.mountPath}/${candidate.path}` === path);
  expect(item).toBeDefined();
  return { secretName: volume.secret.secretName, key: item.key, defaultMode: volume.secret.defaultMode, readOnly: mount.readOnly };
}

const pathOf = (block: string, key: string) => new RegExp(`${key} = "([^"]+)"`).exec(block)![1];

describe('UpstreamAuthority disk', () => {
  const disk: UpstreamAuthority = { type: 'disk', secret: { name: 'spire-upstream-ca' }, bundle: { name: 'site-root-ca', key: 'ca.crt' } };

  test('renders exactly the three file paths', () => {
    expect(tree({ upstreamAuthority: disk }).block('UpstreamAuthority "disk"')).toBe(`  UpstreamAuthority "disk" {
    plugin_data {
      cert_file_path = "/run/spire/upstream-ca/ca.crt"
      key_file_path = "/run/spire/upstream-ca/ca.key"
      bundle_file_path = "/run/spire/upstream-bundle/bundle.crt"
    }
  }
`);
  });

  test('each path is a key of its Secret, mounted read-only, readable by owner and group only', () => {
    const { pod, container, block } = tree({ upstreamAuthority: disk });
    const plugin = block('UpstreamAuthority "disk"');
    expect(sourceOf(pod, container, pathOf(plugin, 'cert_file_path'))).toEqual({ secretName: 'spire-upstream-ca', key: 'tls.crt', defaultMode: 0o440, readOnly: true });
    expect(sourceOf(pod, container, pathOf(plugin, 'key_file_path'))).toEqual({ secretName: 'spire-upstream-ca', key: 'tls.key', defaultMode: 0o440, readOnly: true });
    expect(sourceOf(pod, container, pathOf(plugin, 'bundle_file_path'))).toEqual({ secretName: 'site-root-ca', key: 'ca.crt', defaultMode: 0o440, readOnly: true });
  });

  test('named keys replace tls.crt and tls.key; without a bundle there is no bundle_file_path (a self-signed CA)', () => {
    const { pod, container, block } = tree({ upstreamAuthority: { type: 'disk', secret: { name: 'ca', certificateKey: 'certificate', privateKeyKey: 'key' } } });
    const plugin = block('UpstreamAuthority "disk"');
    expect(plugin).not.toContain('bundle_file_path');
    expect(sourceOf(pod, container, pathOf(plugin, 'cert_file_path')).key).toBe('certificate');
    expect(sourceOf(pod, container, pathOf(plugin, 'key_file_path')).key).toBe('key');
  });

  test('the PreSync validation does not mount the CA key: validate never opens it', () => {
    const { files } = tree({ upstreamAuthority: disk });
    const job = find(files, `${TREE}/spire-server/job-spire-server-validate.yaml`).spec.template.spec;
    expect(JSON.stringify(job.volumes)).not.toContain('spire-upstream-ca');
  });

  test('no file of the tree holds certificate or key material', () => {
    for (const content of tree({ upstreamAuthority: disk }).files.values()) expect(content).not.toMatch(/BEGIN (CERTIFICATE|.*PRIVATE KEY)/);
  });

  test('fails on a Secret that is not a name, and on one key for certificate and private key', () => {
    expect(problemsOf(estate({ upstreamAuthority: { type: 'disk', secret: { name: 'Upstream_CA', certificateKey: 'pem', privateKeyKey: 'pem' } } }))).toEqual([
      expect.stringMatching(/UpstreamAuthority "disk".*server\.upstreamAuthority\.secret\.name: is not a Kubernetes object name, got "Upstream_CA"/),
      expect.stringMatching(/server\.upstreamAuthority\.secret\.privateKeyKey: is the certificate's key too/),
    ]);
  });

  test('fails on a bundle that is the CA\'s own key or certificate in the same Secret', () => {
    expect(problemsOf(estate({ upstreamAuthority: { type: 'disk', secret: { name: 'ca' }, bundle: { name: 'ca', key: 'tls.key' } } })))
      .toEqual([expect.stringMatching(/server\.upstreamAuthority\.bundle\.key: is the CA's private key, not its roots/)]);
    expect(problemsOf(estate({ upstreamAuthority: { type: 'disk', secret: { name: 'ca' }, bundle: { name: 'ca', key: 'tls.crt' } } })))
      .toEqual([expect.stringMatching(/server\.upstreamAuthority\.bundle\.key: is the CA certificate itself/)]);
  });
});

describe('UpstreamAuthority ejbca', () => {
  const ejbca: Extract<UpstreamAuthority, { type: 'ejbca' }> = {
    type: 'ejbca',
    hostname: 'ejbca.example.org:8443',
    caName: 'Issuing CA',
    endEntityProfileName: 'SPIRE',
    certificateProfileName: 'SUBCA',
    clientCertificate: { name: 'spire-ejbca-client' },
    caCert: { name: 'ejbca-ca', key: 'ca.crt' },
  };

  test('renders every key SPIRE reads, the client files and CA as paths', () => {
    expect(tree({ upstreamAuthority: { ...ejbca, endEntityName: 'uri', accountBindingId: 'spire' } }).block('UpstreamAuthority "ejbca"')).toBe(`  UpstreamAuthority "ejbca" {
    plugin_data {
      hostname = "ejbca.example.org:8443"
      ca_name = "Issuing CA"
      end_entity_profile_name = "SPIRE"
      certificate_profile_name = "SUBCA"
      end_entity_name = "uri"
      account_binding_id = "spire"
      client_cert_path = "/run/spire/ejbca-client/client.crt"
      client_cert_key_path = "/run/spire/ejbca-client/client.key"
      ca_cert_path = "/run/spire/ejbca-ca/ca.crt"
    }
  }
`);
  });

  test('client certificate, key and CA come from their Secrets', () => {
    const { pod, container, block } = tree({ upstreamAuthority: ejbca });
    const plugin = block('UpstreamAuthority "ejbca"');
    expect(sourceOf(pod, container, pathOf(plugin, 'client_cert_path'))).toMatchObject({ secretName: 'spire-ejbca-client', key: 'tls.crt' });
    expect(sourceOf(pod, container, pathOf(plugin, 'client_cert_key_path'))).toMatchObject({ secretName: 'spire-ejbca-client', key: 'tls.key' });
    expect(sourceOf(pod, container, pathOf(plugin, 'ca_cert_path'))).toMatchObject({ secretName: 'ejbca-ca', key: 'ca.crt' });
  });

  test('without caCert there is no ca_cert_path (the system roots verify EJBCA)', () => {
    expect(tree({ upstreamAuthority: { ...ejbca, caCert: undefined } }).block('UpstreamAuthority "ejbca"')).not.toContain('ca_cert_path');
  });

  test('fails on a hostname with a scheme, and on the names the plugin requires left empty', () => {
    expect(problemsOf(estate({ upstreamAuthority: { ...ejbca, hostname: 'https://ejbca.example.org/ejbca', caName: ' ', certificateProfileName: '' } }))).toEqual([
      expect.stringMatching(/UpstreamAuthority "ejbca".*server\.upstreamAuthority\.hostname: must be a host name with an optional port, without scheme or path/),
      expect.stringMatching(/server\.upstreamAuthority\.caName: is required by the ejbca plugin/),
      expect.stringMatching(/server\.upstreamAuthority\.certificateProfileName: is required by the ejbca plugin/),
    ]);
  });

  test('fails on an empty endEntityName and a client Secret key that is not a key', () => {
    expect(problemsOf(estate({ upstreamAuthority: { ...ejbca, endEntityName: '', clientCertificate: { name: 'c', privateKeyKey: 'key/pem' } } }))).toEqual([
      expect.stringMatching(/server\.upstreamAuthority\.endEntityName: must not be empty/),
      expect.stringMatching(/server\.upstreamAuthority\.clientCertificate\.privateKeyKey: is not a valid Secret key/),
    ]);
  });
});

describe('Notifier k8sbundle', () => {
  const notifier: Notifier = { type: 'k8sbundle', configMap: 'spire-bundle-pem', webhookLabel: 'pki.example.org/spire-ca-bundle', apiServiceLabel: 'pki.example.org/spire-ca-bundle' };

  test('renders every key, the namespace defaulting to the server\'s and the key to SPIRE\'s bundle.crt', () => {
    expect(tree({ notifiers: [notifier] }).block('Notifier "k8sbundle"')).toBe(`  Notifier "k8sbundle" {
    plugin_data {
      namespace = "spire-server"
      config_map = "spire-bundle-pem"
      config_map_key = "bundle.crt"
      webhook_label = "pki.example.org/spire-ca-bundle"
      api_service_label = "pki.example.org/spire-ca-bundle"
    }
  }
`);
  });

  test('renders its ConfigMap without data: the notifier only patches an existing one, and the key is its own', () => {
    const configMap = find(tree({ notifiers: [notifier] }).files, `${TREE}/spire-server/configmap-spire-bundle-pem.yaml`);
    expect(configMap.metadata).toMatchObject({ name: 'spire-bundle-pem', namespace: 'spire-server' });
    expect(configMap.data).toBeUndefined();
  });

  test('RBAC: get and patch of its ConfigMap alone; list, watch, get, patch of webhook configurations and APIServices', () => {
    const { files } = tree({ notifiers: [notifier] });
    expect(find(files, `${TREE}/spire-server/role-spire-server-k8sbundle.yaml`).rules).toStrictEqual([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['spire-bundle-pem'], verbs: ['get', 'patch'] },
    ]);
    expect(find(files, `${TREE}/clusterrole-spire-server-spire-server-k8sbundle.yaml`).rules).toStrictEqual([
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: ['apiregistration.k8s.io'], resources: ['apiservices'], verbs: ['get', 'list', 'watch', 'patch'] },
    ]);
    const binding = find(files, `${TREE}/spire-server/rolebinding-spire-server-k8sbundle.yaml`);
    expect(binding.subjects).toStrictEqual([{ kind: 'ServiceAccount', name: 'spire-server', namespace: 'spire-server' }]);
  });

  test('without labels, no cluster-wide rule at all', () => {
    const { files } = tree({ notifiers: [{ type: 'k8sbundle', configMap: 'spire-bundle-pem' }] });
    expect([...files.keys()].filter((path) => path.includes('k8sbundle'))).toStrictEqual([
      `${TREE}/spire-server/role-spire-server-k8sbundle.yaml`,
      `${TREE}/spire-server/rolebinding-spire-server-k8sbundle.yaml`,
    ]);
  });

  test('fails on the ConfigMap the k8s_configmap BundlePublisher keeps the agents\' bundle in', () => {
    expect(problemsOf(estate({ notifiers: [{ type: 'k8sbundle', namespace: 'spire-system', configMap: 'spire-bundle' }] }))).toEqual([
      expect.stringMatching(/Notifier "k8sbundle".*server\.notifiers\[\]\.configMap: is the ConfigMap the k8s_configmap BundlePublisher keeps the agents' SPIFFE bundle in.*got "spire-system\/spire-bundle"/),
    ]);
  });

  test('fails on two k8sbundle notifiers, a label that is not a label key and a namespace that is not a name', () => {
    expect(problemsOf(estate({ notifiers: [{ ...notifier, webhookLabel: 'a/b/c', apiServiceLabel: undefined }, { type: 'k8sbundle', namespace: 'Spire', configMap: 'x' }] }))).toEqual([
      expect.stringMatching(/server\.notifiers: lists k8sbundle more than once/),
      expect.stringMatching(/server\.notifiers\[0\]\.webhookLabel: is not a label key: has more than one \//),
      expect.stringMatching(/server\.notifiers\[1\]\.namespace: is not a namespace name/),
    ]);
  });
});
