import { parse } from 'yaml';
import { EnvironmentConfig } from '../lib/config/types';
import { renderAgentConf } from '../lib/render/agent-conf';
import { renderServerConf } from '../lib/render/server-conf';
import { renderEstate } from '../lib/synth';
import { estateWith, problemsOf } from './helpers/estate';
import { buildOracle, runOracle } from './helpers/template-oracle';
import { MINIMAL_SERVER } from './helpers/render-options';

/*
 * The Google Cloud and Azure plugins: what the renderers write for each (keys as SPIRE v1.15.2's Config
 * structs name them), what the constructs give the pods (workload identity, Secrets, variables), and each
 * refusal of validate-cloud.ts by its words.
 */

const GSA = 'spire-server@example-project.iam.gserviceaccount.com';
const GUID = (n: number) => `00000000-0000-0000-0000-00000000000${n}`;
const KEY_RING = 'projects/example-project/locations/us-central1/keyRings/spire';


/** The plugin block `Type "name" { ... }` of a rendered config, up to its closing brace. */
function pluginBlock(text: string, type: string, name: string): string {
  const start = text.indexOf(`  ${type} "${name}" {`);
  if (start < 0) throw new Error(`no ${type} "${name}" in\n${text}`);
  const end = text.indexOf('\n  }\n', start);
  return text.slice(start, end + 4);
}

describe('server.conf renderer', () => {
  test('gcp_kms: key ring, key identifier file, policy and service account file', () => {
    const text = renderServerConf({
      ...MINIMAL_SERVER,
      keyManager: { type: 'gcp_kms', keyRing: KEY_RING, keyIdentifier: { file: '/run/spire/data/key-identifier' }, keyPolicyFile: '/p/policy.json', serviceAccountFile: '/g/sa.json' },
    });
    expect(pluginBlock(text, 'KeyManager', 'gcp_kms')).toBe([
      '  KeyManager "gcp_kms" {',
      '    plugin_data {',
      `      key_ring = "${KEY_RING}"`,
      '      key_identifier_file = "/run/spire/data/key-identifier"',
      '      key_policy_file = "/p/policy.json"',
      '      service_account_file = "/g/sa.json"',
      '    }',
      '  }',
    ].join('\n'));
  });

  test('azure_key_vault with app credentials reads the secret from a variable, never inline', () => {
    const text = renderServerConf({
      ...MINIMAL_SERVER,
      keyManager: {
        type: 'azure_key_vault', keyVaultUri: 'https://v.vault.azure.net/', keyIdentifier: { value: 'server-a' },
        appCredentials: { tenantId: GUID(1), subscriptionId: GUID(2), appId: GUID(3), appSecretEnv: 'AZURE_APP_SECRET' },
      },
    });
    const block = pluginBlock(text, 'KeyManager', 'azure_key_vault');
    expect(block).toContain('key_identifier_value = "server-a"');
    expect(block).not.toContain('key_identifier_file');
    expect(block).toContain(`tenant_id = "${GUID(1)}"`);
    expect(block).toContain('app_secret = "${AZURE_APP_SECRET}"');
  });

  test('azure_key_vault without app credentials has none of their keys (DefaultAzureCredential)', () => {
    const block = pluginBlock(renderServerConf({ ...MINIMAL_SERVER, keyManager: { type: 'azure_key_vault', keyVaultUri: 'https://v.vault.azure.net/', keyIdentifier: { file: '/f' } } }), 'KeyManager', 'azure_key_vault');
    expect(block).not.toMatch(/tenant_id|subscription_id|app_id|app_secret/);
  });

  test('gcp_cas: the CA pool is a root_cert_spec block', () => {
    const text = renderServerConf({
      ...MINIMAL_SERVER,
      upstreamAuthority: { type: 'gcp_cas', projectName: 'p', regionName: 'us-central1', caPool: 'pool', labelKey: 'k', labelValue: 'v' },
    });
    expect(pluginBlock(text, 'UpstreamAuthority', 'gcp_cas')).toContain([
      '      root_cert_spec {',
      '        project_name = "p"',
      '        region_name = "us-central1"',
      '        ca_pool = "pool"',
      '        label_key = "k"',
      '        label_value = "v"',
      '      }',
    ].join('\n'));
  });

  test('gcp_iit and azure_msi come after k8s_psat; azure_msi tenants are keyed by tenant ID', () => {
    const text = renderServerConf({
      ...MINIMAL_SERVER,
      nodeAttestors: [
        { type: 'gcp_iit', projectIdAllowList: ['p1', 'p2'], agentPathTemplate: '/{{ .PluginName }}/{{ .InstanceID }}', useInstanceMetadata: true, allowedLabelKeys: ['role'], maxMetadataValueSize: 256, serviceAccountFile: '/g/sa.json' },
        { type: 'azure_msi', tenants: [{ tenantId: GUID(1) }, { tenantId: GUID(2), resourceId: 'api://spire', appCredentials: { subscriptionId: GUID(3), appId: GUID(4), appSecretEnv: 'AZURE_MSI_APP_SECRET_1' } }] },
      ],
    });
    expect(text.indexOf('NodeAttestor "k8s_psat"')).toBeLessThan(text.indexOf('NodeAttestor "gcp_iit"'));
    expect(pluginBlock(text, 'NodeAttestor', 'gcp_iit')).toContain([
      '      projectid_allow_list = ["p1", "p2"]',
      '      agent_path_template = "/{{ .PluginName }}/{{ .InstanceID }}"',
      '      use_instance_metadata = true',
      '      allowed_label_keys = ["role"]',
      '      max_metadata_value_size = 256',
      '      service_account_file = "/g/sa.json"',
    ].join('\n'));
    expect(pluginBlock(text, 'NodeAttestor', 'azure_msi')).toContain([
      '      tenants = {',
      `        "${GUID(1)}" = {}`,
      `        "${GUID(2)}" = {`,
      '          "resource_id" = "api://spire"',
      `          "subscription_id" = "${GUID(3)}"`,
      `          "app_id" = "${GUID(4)}"`,
      '          "app_secret" = "${AZURE_MSI_APP_SECRET_1}"',
      '        }',
      '      }',
    ].join('\n'));
  });

  test('gcp_cloudstorage is published beside the agents\' k8s_configmap', () => {
    const text = renderServerConf({ ...MINIMAL_SERVER, bundlePublishers: [{ type: 'gcp_cloudstorage', bucketName: 'b', objectName: 'o/bundle', format: 'jwks' }] });
    expect(text).toContain('BundlePublisher "k8s_configmap"');
    expect(pluginBlock(text, 'BundlePublisher', 'gcp_cloudstorage')).toContain('      bucket_name = "b"\n      object_name = "o/bundle"\n      format = "jwks"');
  });
});

describe('agent.conf renderer', () => {
  test('gcp_iit with a disk KeyManager and the gcp_secretmanager SVIDStore', () => {
    const text = renderAgentConf({
      trustDomain: 'td.example', serverAddress: 's', serverPort: 443, dataDir: '/var/lib/spire', socketPath: '/s.sock',
      trustBundlePath: '/b', trustBundleFormat: 'spiffe', logLevel: 'INFO', logFormat: 'json',
      nodeAttestor: { type: 'gcp_iit', serviceAccount: 'spire-agent@p.iam.gserviceaccount.com' },
      keyManager: { type: 'disk', directory: '/var/lib/spire' },
      svidStores: [{ type: 'gcp_secretmanager', serviceAccountFile: '/run/spire/gcp/service-account.json' }],
      kubelet: { verification: 'skip' },
      health: { port: 9982, livePath: '/live', readyPath: '/ready' },
    });
    expect(pluginBlock(text, 'NodeAttestor', 'gcp_iit')).toContain('service_account = "spire-agent@p.iam.gserviceaccount.com"');
    expect(pluginBlock(text, 'NodeAttestor', 'gcp_iit')).not.toContain('identity_token_host');
    expect(text).not.toContain('k8s_psat');
    expect(pluginBlock(text, 'KeyManager', 'disk')).toContain('directory = "/var/lib/spire"');
    expect(pluginBlock(text, 'SVIDStore', 'gcp_secretmanager')).toContain('service_account_file = "/run/spire/gcp/service-account.json"');
  });
});

// ------------------------------------------------------------------------------------- constructs

type ServerChange = Partial<EnvironmentConfig['server']>;

function gcpEnvironment(server: ServerChange, agent: Partial<EnvironmentConfig['agent']> = {}) {
  return estateWith('staging', (env) => ({ ...env, server: { ...env.server, ...server }, agent: { ...env.agent, ...agent } }));
}

const GCP_KMS = { type: 'gcp_kms' as const, keyRing: KEY_RING, keyIdentifier: { type: 'file' as const, storageSize: '1Gi' } };
const AZURE_KV = { type: 'azure_key_vault' as const, keyVaultUri: 'https://example-spire.vault.azure.net/', keyIdentifier: { type: 'file' as const, storageSize: '1Gi' } };

function tree(files: Map<string, string>, path: string): any {
  const text = files.get(`staging/stg-euw1/${path}`);
  if (text === undefined) throw new Error(`no ${path}`);
  return parse(text, { version: '1.1' });
}

const serverPod = (files: Map<string, string>) => tree(files, 'spire-server/statefulset-spire-server.yaml').spec.template;
const serverConfOf = (files: Map<string, string>) => tree(files, 'spire-server/configmap-spire-server.yaml').data['server.conf'] as string;

describe('cloud access of the pods', () => {
  test('GKE Workload Identity annotates the server ServiceAccount and mounts nothing', () => {
    const files = renderEstate(gcpEnvironment({ keyManager: GCP_KMS, cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } } }));
    expect(tree(files, 'spire-server/serviceaccount-spire-server.yaml').metadata.annotations['iam.gke.io/gcp-service-account']).toBe(GSA);
    const container = serverPod(files).spec.containers[0];
    expect(container.env ?? []).toStrictEqual([]);
    expect(serverConfOf(files)).not.toContain('service_account_file');
  });

  test('key_identifier_file lives on a claim of each replica, also beside an external database', () => {
    const estate = estateWith('production', (env) => ({
      ...env, server: { ...env.server, keyManager: { ...GCP_KMS, keyIdentifier: { type: 'file', storageSize: '512Mi' } }, cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } } },
    }));
    const files = renderEstate(estate);
    const statefulSet = parse(files.get('production/prod-euw1/spire-server/statefulset-spire-server.yaml')!, { version: '1.1' });
    expect(statefulSet.spec.volumeClaimTemplates.map((claim: any) => [claim.metadata.name, claim.spec.resources.requests.storage])).toStrictEqual([['spire-data', '512Mi']]);
    expect(statefulSet.spec.template.spec.volumes.map((volume: any) => volume.name)).not.toContain('spire-data');
    const conf = parse(files.get('production/prod-euw1/spire-server/configmap-spire-server.yaml')!, { version: '1.1' }).data['server.conf'];
    expect(pluginBlock(conf, 'KeyManager', 'gcp_kms')).toContain('key_identifier_file = "/run/spire/data/key-identifier"');
  });

  test('a service account key file comes from the Secret, read-only, and reaches every Google plugin', () => {
    const files = renderEstate(gcpEnvironment({
      keyManager: GCP_KMS,
      upstreamAuthority: { type: 'gcp_cas', projectName: 'example-project', regionName: 'us-central1', caPool: 'pool', labelKey: 'k', labelValue: 'v' },
      bundlePublishers: [{ type: 'gcp_cloudstorage', bucketName: 'example-bundles', objectName: 'bundle', format: 'spiffe' }],
      cloudCredentials: { gcp: { type: 'service-account-file', secret: { name: 'spire-gcp', key: 'key.json' } } },
    }));
    const pod = serverPod(files);
    expect(pod.spec.volumes).toContainEqual({ name: 'gcp-credentials', secret: { secretName: 'spire-gcp', items: [{ key: 'key.json', path: 'service-account.json' }], defaultMode: 0o400 } });
    const container = pod.spec.containers[0];
    expect(container.volumeMounts).toContainEqual({ name: 'gcp-credentials', mountPath: '/run/spire/gcp', readOnly: true });
    // gcp_cas has no service_account_file key: it finds the file as Application Default Credentials.
    expect(container.env).toContainEqual({ name: 'GOOGLE_APPLICATION_CREDENTIALS', value: '/run/spire/gcp/service-account.json' });
    const conf = serverConfOf(files);
    expect(pluginBlock(conf, 'KeyManager', 'gcp_kms')).toContain('service_account_file = "/run/spire/gcp/service-account.json"');
    expect(pluginBlock(conf, 'BundlePublisher', 'gcp_cloudstorage')).toContain('service_account_file = "/run/spire/gcp/service-account.json"');
    expect(tree(files, 'spire-server/serviceaccount-spire-server.yaml').metadata.annotations ?? {}).not.toHaveProperty(['iam.gke.io/gcp-service-account']);
  });

  test('Azure Workload Identity: the client ID annotation and the webhook\'s pod label', () => {
    const files = renderEstate(gcpEnvironment({ keyManager: AZURE_KV, cloudCredentials: { azure: { type: 'workload-identity', clientId: GUID(2) } } }));
    expect(tree(files, 'spire-server/serviceaccount-spire-server.yaml').metadata.annotations['azure.workload.identity/client-id']).toBe(GUID(2));
    expect(serverPod(files).metadata.labels['azure.workload.identity/use']).toBe('true');
    // The selector is not touched: a label added to it would orphan the running pods.
    expect(tree(files, 'spire-server/statefulset-spire-server.yaml').spec.selector.matchLabels).not.toHaveProperty(['azure.workload.identity/use']);
  });

  test('Azure app-secret: -expandEnv, the secret from its Secret, in the server and in the validation hook', () => {
    const files = renderEstate(gcpEnvironment({
      keyManager: AZURE_KV,
      cloudCredentials: { azure: { type: 'app-secret', tenantId: GUID(1), subscriptionId: GUID(2), appId: GUID(3), appSecret: { name: 'spire-azure', key: 'secret' } } },
    }));
    const variable = { name: 'AZURE_APP_SECRET', valueFrom: { secretKeyRef: { name: 'spire-azure', key: 'secret' } } };
    const container = serverPod(files).spec.containers[0];
    expect([...(container.command ?? []), ...(container.args ?? [])]).toContain('-expandEnv');
    expect(container.env).toContainEqual(variable);
    const hook = tree(files, 'spire-server/job-spire-server-validate.yaml').spec.template.spec.containers[0];
    expect([...(hook.command ?? []), ...(hook.args ?? [])]).toContain('-expandEnv');
    expect(hook.env).toContainEqual(variable);
    expect(pluginBlock(serverConfOf(files), 'KeyManager', 'azure_key_vault')).toContain('app_secret = "${AZURE_APP_SECRET}"');
  });

  test('gcp_iit agents: parent IDs for the manager, data and keys on the node', () => {
    const files = renderEstate(gcpEnvironment({}, { nodeAttestor: { type: 'gcp_iit', projectIdAllowList: ['example-project'] } }));
    const manager = parse(tree(files, 'spire-server/configmap-spire-controller-manager.yaml').data['controller-manager-config.yaml']);
    expect(manager.parentIDTemplate).toBe('spiffe://{{ .TrustDomain }}/spire/agent/gcp_iit/{{ index .NodeMeta.Annotations "container.googleapis.com/instance_id" }}');
    const agent = tree(files, 'spire-system/daemonset-spire-agent.yaml').spec.template.spec;
    expect(agent.volumes).toContainEqual({ name: 'data', hostPath: { path: '/var/lib/spire-agent', type: 'DirectoryOrCreate' } });
    const conf = tree(files, 'spire-system/configmap-spire-agent.yaml').data['agent.conf'] as string;
    expect(pluginBlock(conf, 'KeyManager', 'disk')).toContain('directory = "/var/lib/spire"');
    expect(pluginBlock(serverConfOf(files), 'NodeAttestor', 'gcp_iit')).toContain('agent_path_template = "/{{ .PluginName }}/{{ .InstanceID }}"');
  });

  test('k8s_psat agents keep the manager\'s default parent ID and their data in the pod', () => {
    const files = renderEstate(gcpEnvironment({}));
    const manager = parse(tree(files, 'spire-server/configmap-spire-controller-manager.yaml').data['controller-manager-config.yaml']);
    expect(manager).not.toHaveProperty('parentIDTemplate');
    expect(tree(files, 'spire-system/daemonset-spire-agent.yaml').spec.template.spec.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });
});

describe('the gcp_iit agent ID and the manager\'s parent ID agree', () => {
  // SPIRE: agent ID = spiffe://<td>/spire/agent + agent_path_template over the token's claims
  // (pkg/common/plugin/gcp/iit.go MakeAgentID). The manager renders parentIDTemplate with Go's
  // text/template over the Node (the oracle runs exactly that).
  test('for a GKE node with its instance_id annotation', () => {
    const files = renderEstate(gcpEnvironment({}, { nodeAttestor: { type: 'gcp_iit', projectIdAllowList: ['example-project'] } }));
    const template = parse(tree(files, 'spire-server/configmap-spire-controller-manager.yaml').data['controller-manager-config.yaml']).parentIDTemplate;
    const agentPath = /agent_path_template = "([^"]+)"/.exec(serverConfOf(files))![1]
      .replace('{{ .PluginName }}', 'gcp_iit').replace('{{ .InstanceID }}', '4711000000000000042');
    const [result] = runOracle(buildOracle(), [{
      template,
      context: {
        trustDomain: 'staging.spire.acme.example', clusterName: 'stg-euw1', clusterDomain: 'cluster.local', pod: {},
        node: { metadata: { name: 'gke-node-1', annotations: { 'container.googleapis.com/instance_id': '4711000000000000042' } }, spec: { providerID: 'gce://example-project/us-central1-a/gke-node-1' } },
      },
    }]);
    expect(result).toStrictEqual({ output: `spiffe://staging.spire.acme.example/spire/agent${agentPath}` });
  });
});

// ------------------------------------------------------------------------------------- refusals

describe('validation of the cloud plugins', () => {
  const expectProblem = (problems: string[], pattern: RegExp) => expect(problems.filter((problem) => pattern.test(problem))).toHaveLength(1);

  test('fails a gcp_kms KeyManager without Google credentials', () => {
    expectProblem(problemsOf(gcpEnvironment({ keyManager: GCP_KMS })), /^staging: environment "staging" server\.cloudCredentials\.gcp: is needed by server\.keyManager \(gcp_kms\).*got nothing; fix: set \{ type: 'workload-identity'/);
  });

  test('fails an azure_key_vault KeyManager without Azure credentials', () => {
    expectProblem(problemsOf(gcpEnvironment({ keyManager: AZURE_KV })), /server\.cloudCredentials\.azure: is needed by server\.keyManager \(azure_key_vault\)/);
  });

  test('fails credentials that no plugin uses', () => {
    expectProblem(problemsOf(gcpEnvironment({ cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } } })), /server\.cloudCredentials\.gcp: is given but no Google Cloud plugin uses it, got "workload-identity"/);
  });

  test('fails a key_identifier_value shared by two replicas', () => {
    const estate = estateWith('production', (env) => ({
      ...env,
      server: { ...env.server, keyManager: { ...GCP_KMS, keyIdentifier: { type: 'value', value: 'prod' } }, cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } } },
    }));
    expectProblem(problemsOf(estate), /server\.keyManager\.keyIdentifier\.value: is one identifier for 2 server replicas \(server\.replicas\).*fix: use keyIdentifier \{ type: 'file'/);
  });

  test('fails a gcp_kms key identifier with characters SPIRE refuses', () => {
    const problems = problemsOf(gcpEnvironment({ keyManager: { ...GCP_KMS, keyIdentifier: { type: 'value', value: 'spire.server' } }, cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } } }));
    expectProblem(problems, /keyIdentifier\.value: must be 1 to 63 letters, digits, _ or - \(SPIRE gcp_kms\), got "spire\.server"/);
  });

  test('fails a key ring that is not a key ring resource ID', () => {
    const problems = problemsOf(gcpEnvironment({ keyManager: { ...GCP_KMS, keyRing: 'spire' }, cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } } }));
    expectProblem(problems, /server\.keyManager\.keyRing: is not a key ring resource ID, got "spire"/);
  });

  test('fails a Key Vault URI that is not one', () => {
    const problems = problemsOf(gcpEnvironment({ keyManager: { ...AZURE_KV, keyVaultUri: 'example-spire' }, cloudCredentials: { azure: { type: 'workload-identity', clientId: GUID(2) } } }));
    expectProblem(problems, /server\.keyManager\.keyVaultUri: is not a Key Vault URI, got "example-spire"/);
  });

  test('fails a gcp_cas CA pool left empty (validate would fail on SPIRE\'s note)', () => {
    const problems = problemsOf(gcpEnvironment({
      upstreamAuthority: { type: 'gcp_cas', projectName: 'p', regionName: 'us-central1', caPool: '', labelKey: 'k', labelValue: 'v' },
      cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } },
    }));
    expectProblem(problems, /server\.upstreamAuthority\.caPool: must not be empty \(SPIRE gcp_cas root_cert_spec\)/);
  });

  test('fails gcp_iit without projects', () => {
    expectProblem(problemsOf(gcpEnvironment({}, { nodeAttestor: { type: 'gcp_iit', projectIdAllowList: [] } })), /agent\.nodeAttestor\.projectIdAllowList: must name at least one project/);
  });

  test('fails allowed label keys that are never read without useInstanceMetadata', () => {
    const problems = problemsOf(gcpEnvironment({}, { nodeAttestor: { type: 'gcp_iit', projectIdAllowList: ['p'], allowedLabelKeys: ['role'] } }));
    expectProblem(problems, /agent\.nodeAttestor\.useInstanceMetadata: is off, so allowedLabelKeys and allowedMetadataKeys would never be read/);
  });

  test('fails gcp_iit with useInstanceMetadata but no Google credentials', () => {
    const problems = problemsOf(gcpEnvironment({}, { nodeAttestor: { type: 'gcp_iit', projectIdAllowList: ['p'], useInstanceMetadata: true } }));
    expectProblem(problems, /server\.cloudCredentials\.gcp: is needed by agent\.nodeAttestor \(gcp_iit with useInstanceMetadata\)/);
  });

  test('fails a Workload Identity service account that is not an email', () => {
    const problems = problemsOf(gcpEnvironment({ keyManager: GCP_KMS, cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: 'spire-server' } } }));
    expectProblem(problems, /server\.cloudCredentials\.gcp\.serviceAccount: is not a Google service account email, got "spire-server"/);
  });

  test('fails a bucket name Cloud Storage refuses, and a publisher given twice', () => {
    const publisher = { type: 'gcp_cloudstorage' as const, bucketName: 'Bad_Bucket', objectName: 'bundle', format: 'spiffe' as const };
    const problems = problemsOf(gcpEnvironment({ bundlePublishers: [publisher, publisher], cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA } } }));
    expectProblem(problems, /server\.bundlePublishers\[0\]\.bucketName: is not a Cloud Storage bucket name, got "Bad_Bucket"/);
    expectProblem(problems, /server\.bundlePublishers\[1\]\.type: appears twice; SPIRE loads one plugin of a name/);
  });

  test('fails azure_msi without tenants', () => {
    expectProblem(problemsOf(gcpEnvironment({ vmNodeAttestors: [{ type: 'azure_msi', tenants: [] }] })), /server\.vmNodeAttestors\[0\]\.tenants: must list at least one tenant \(SPIRE azure_msi\)/);
  });

  test('fails an azure_msi tenant ID that is not a GUID', () => {
    const problems = problemsOf(gcpEnvironment({ vmNodeAttestors: [{ type: 'azure_msi', tenants: [{ tenantId: 'contoso.onmicrosoft.com' }] }], cloudCredentials: { azure: { type: 'workload-identity', clientId: GUID(2) } } }));
    expectProblem(problems, /server\.vmNodeAttestors\[0\]\.tenants\[0\]\.tenantId: is not a tenant ID \(a GUID\), got "contoso\.onmicrosoft\.com"/);
  });

  test('fails an azure_msi tenant with neither app credentials nor Azure workload identity', () => {
    const problems = problemsOf(gcpEnvironment({ vmNodeAttestors: [{ type: 'azure_msi', tenants: [{ tenantId: GUID(1) }] }] }));
    expectProblem(problems, /server\.vmNodeAttestors\[0\]\.tenants\[0\]\.appCredentials: is needed unless server\.cloudCredentials\.azure is workload-identity/);
  });

  test('fails an Azure client ID that is not a GUID', () => {
    const problems = problemsOf(gcpEnvironment({ keyManager: AZURE_KV, cloudCredentials: { azure: { type: 'workload-identity', clientId: 'spire' } } }));
    expectProblem(problems, /server\.cloudCredentials\.azure\.clientId: is not a client ID \(a GUID\), got "spire"/);
  });

  test('accepts every plugin of both clouds together', () => {
    const problems = problemsOf(gcpEnvironment({
      keyManager: GCP_KMS,
      upstreamAuthority: { type: 'gcp_cas', projectName: 'example-project', regionName: 'us-central1', caPool: 'pool', labelKey: 'k', labelValue: 'v' },
      bundlePublishers: [{ type: 'gcp_cloudstorage', bucketName: 'example-bundles', objectName: 'bundle', format: 'spiffe' }],
      vmNodeAttestors: [{ type: 'azure_msi', tenants: [{ tenantId: GUID(1) }] }],
      cloudCredentials: { gcp: { type: 'workload-identity', serviceAccount: GSA }, azure: { type: 'workload-identity', clientId: GUID(2) } },
    }, {
      nodeAttestor: { type: 'gcp_iit', projectIdAllowList: ['example-project'], useInstanceMetadata: true, allowedLabelKeys: ['role'] },
      svidStores: [{ type: 'gcp_secretmanager', serviceAccountSecret: { name: 'spire-agent-gcp', key: 'key.json' } }],
    }));
    expect(problems).toStrictEqual([]);
  });
});
