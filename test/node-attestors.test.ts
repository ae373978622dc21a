import { parse } from 'yaml';
import { EnvironmentConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { estateWith, problemsOf } from './helpers/estate';
import { buildOracle, runOracle } from './helpers/template-oracle';

/*
 * The join_token and x509pop NodeAttestors (SPIRE v1.15.2): what the server, the agents, the PreSync
 * validation and the controller manager get for each, that the x509pop agent ID and the manager's parent ID
 * agree, and each refusal by its words.
 */

type ServerChange = Partial<EnvironmentConfig['server']>;
type AgentChange = Partial<EnvironmentConfig['agent']>;

function staging(server: ServerChange, agent: AgentChange = {}) {
  return estateWith('staging', (env) => ({ ...env, server: { ...env.server, ...server }, agent: { ...env.agent, ...agent } }));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function tree(files: Map<string, string>, path: string): any {
  const text = files.get(`staging/stg-euw1/${path}`);
  if (text === undefined) throw new Error(`no ${path}`);
  return parse(text, { version: '1.1' });
}

function pluginBlock(text: string, type: string, name: string): string {
  const start = text.indexOf(`  ${type} "${name}" {`);
  if (start < 0) throw new Error(`no ${type} "${name}" in\n${text}`);
  return text.slice(start, text.indexOf('\n  }\n', start) + 4);
}

const serverConfOf = (files: Map<string, string>) => tree(files, 'spire-server/configmap-spire-server.yaml').data['server.conf'] as string;
const managerOf = (files: Map<string, string>) => parse(tree(files, 'spire-server/configmap-spire-controller-manager.yaml').data['controller-manager-config.yaml']);

const X509POP_AGENTS = {
  type: 'x509pop' as const,
  caBundleConfigMap: { name: 'node-ca', key: 'ca.crt' },
  nodeCertificateDir: '/etc/spire-agent/pki',
};

describe('join_token for VM agents', () => {
  test('the server runs join_token with no options; nothing else changes', () => {
    const files = renderEstate(staging({ vmNodeAttestors: [{ type: 'join_token' }] }));
    expect(pluginBlock(serverConfOf(files), 'NodeAttestor', 'join_token')).toBe('  NodeAttestor "join_token" {\n    plugin_data {}\n  }');
    expect(managerOf(files)).not.toHaveProperty('parentIDTemplate');
  });
});

describe('x509pop for the clusters\' agents', () => {
  const files = renderEstate(staging({}, { nodeAttestor: { ...X509POP_AGENTS, certificateFile: 'agent.pem', keyFile: 'agent-key.pem' } }));

  test('the server reads the CA bundle from the ConfigMap and names agents by the certificate\'s CN', () => {
    expect(pluginBlock(serverConfOf(files), 'NodeAttestor', 'x509pop')).toBe([
      '  NodeAttestor "x509pop" {',
      '    plugin_data {',
      '      ca_bundle_path = "/run/spire/x509pop-ca/ca-bundle.pem"',
      '      agent_path_template = "/{{ .PluginName }}/{{ .Subject.CommonName }}"',
      '    }',
      '  }',
    ].join('\n'));
    const pod = tree(files, 'spire-server/statefulset-spire-server.yaml').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'x509pop-ca', configMap: { name: 'node-ca', items: [{ key: 'ca.crt', path: 'ca-bundle.pem' }] } });
    expect(pod.containers.find((c: { name: string }) => c.name === 'spire-server').volumeMounts).toContainEqual({ name: 'x509pop-ca', mountPath: '/run/spire/x509pop-ca', readOnly: true });
  });

  test('the PreSync validation mounts the CA bundle too, since validate loads it', () => {
    const job = tree(files, 'spire-server/job-spire-server-validate.yaml').spec.template.spec;
    expect(job.volumes).toContainEqual({ name: 'x509pop-ca', configMap: { name: 'node-ca', items: [{ key: 'ca.crt', path: 'ca-bundle.pem' }] } });
    expect(job.containers[0].volumeMounts).toContainEqual({ name: 'x509pop-ca', mountPath: '/run/spire/x509pop-ca', readOnly: true });
  });

  test('the agent mounts the node\'s certificate directory read-only and names both files', () => {
    const conf = tree(files, 'spire-system/configmap-spire-agent.yaml').data['agent.conf'] as string;
    expect(pluginBlock(conf, 'NodeAttestor', 'x509pop')).toContain([
      '      private_key_path = "/run/spire/node-certificate/agent-key.pem"',
      '      certificate_path = "/run/spire/node-certificate/agent.pem"',
    ].join('\n'));
    expect(conf).not.toContain('NodeAttestor "k8s_psat"');
    const pod = tree(files, 'spire-system/daemonset-spire-agent.yaml').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'node-certificate', hostPath: { path: '/etc/spire-agent/pki', type: 'Directory' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'node-certificate', mountPath: '/run/spire/node-certificate', readOnly: true });
    // x509pop re-attests (CanReattest), so the agent's data stays in the pod.
    expect(pod.volumes).toContainEqual({ name: 'data', emptyDir: {} });
  });

  test('without file names the agent reads node.crt and node.key', () => {
    const conf = tree(renderEstate(staging({}, { nodeAttestor: X509POP_AGENTS })), 'spire-system/configmap-spire-agent.yaml').data['agent.conf'] as string;
    expect(pluginBlock(conf, 'NodeAttestor', 'x509pop')).toContain('private_key_path = "/run/spire/node-certificate/node.key"');
    expect(pluginBlock(conf, 'NodeAttestor', 'x509pop')).toContain('certificate_path = "/run/spire/node-certificate/node.crt"');
  });

  // SPIRE: agent ID = spiffe://<td>/spire/agent + agent_path_template over the certificate
  // (pkg/common/plugin/x509pop/x509pop.go MakeAgentID). The manager renders parentIDTemplate with Go's
  // text/template over the Node (the oracle runs exactly that).
  test('the agent ID of a node whose certificate CN is its name equals the manager\'s parent ID for it', () => {
    const template = managerOf(files).parentIDTemplate;
    const agentPath = /agent_path_template = "([^"]+)"/.exec(serverConfOf(files))![1]
      .replace('{{ .PluginName }}', 'x509pop').replace('{{ .Subject.CommonName }}', 'rack4-node-17');
    const [result] = runOracle(buildOracle(), [{
      template,
      context: {
        trustDomain: 'staging.spire.acme.example', clusterName: 'stg-euw1', clusterDomain: 'cluster.local', pod: {},
        node: { metadata: { name: 'rack4-node-17', annotations: {} }, spec: {} },
      },
    }]);
    expect(result).toStrictEqual({ output: `spiffe://staging.spire.acme.example/spire/agent${agentPath}` });
  });
});

describe('x509pop for VM agents', () => {
  test('the server gets the VMs\' CA and their path template; the manager keeps its default', () => {
    const files = renderEstate(staging({ vmNodeAttestors: [{ type: 'x509pop', caBundleConfigMap: { name: 'vm-ca', key: 'bundle.pem' }, agentPathTemplate: '/vm/{{ .Subject.CommonName }}' }] }));
    expect(pluginBlock(serverConfOf(files), 'NodeAttestor', 'x509pop')).toContain('agent_path_template = "/vm/{{ .Subject.CommonName }}"');
    expect(tree(files, 'spire-server/statefulset-spire-server.yaml').spec.template.spec.volumes)
      .toContainEqual({ name: 'x509pop-ca', configMap: { name: 'vm-ca', items: [{ key: 'bundle.pem', path: 'ca-bundle.pem' }] } });
    expect(managerOf(files)).not.toHaveProperty('parentIDTemplate');
  });

  test('without a template SPIRE\'s default (the fingerprint) applies', () => {
    const files = renderEstate(staging({ vmNodeAttestors: [{ type: 'x509pop', caBundleConfigMap: { name: 'vm-ca', key: 'ca.crt' } }] }));
    expect(pluginBlock(serverConfOf(files), 'NodeAttestor', 'x509pop')).not.toContain('agent_path_template');
  });
});

describe('refusals', () => {
  const expectProblem = (problems: string[], pattern: RegExp) => expect(problems.filter((problem) => pattern.test(problem))).toHaveLength(1);

  test('a relative node certificate directory', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { ...X509POP_AGENTS, nodeCertificateDir: 'etc/pki' } })),
      /^staging: environment "staging" agent\.nodeAttestor\.nodeCertificateDir: must be an absolute directory on the node, not \/ and without \.\., got "etc\/pki"; fix: name the directory/);
  });

  test('a node certificate directory that climbs out with ..', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { ...X509POP_AGENTS, nodeCertificateDir: '/etc/../root' } })), /agent\.nodeAttestor\.nodeCertificateDir: must be an absolute directory/);
  });

  test('a certificate file given as a path', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { ...X509POP_AGENTS, certificateFile: 'pki/node.crt' } })),
      /agent\.nodeAttestor\.certificateFile: must be a file name inside nodeCertificateDir, without \/, got "pki\/node\.crt"/);
  });

  test('certificate and key in one file', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { ...X509POP_AGENTS, keyFile: 'node.crt' } })), /agent\.nodeAttestor\.keyFile: names the same file as certificateFile/);
  });

  test('a CA bundle ConfigMap without a key', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { ...X509POP_AGENTS, caBundleConfigMap: { name: 'node-ca', key: '' } } })),
      /agent\.nodeAttestor\.caBundleConfigMap\.key: is not a valid ConfigMap key, got ""; fix: name the key holding the PEM CA bundle/);
  });

  test('a VM CA bundle ConfigMap with an invalid name', () => {
    expectProblem(problemsOf(staging({ vmNodeAttestors: [{ type: 'x509pop', caBundleConfigMap: { name: 'Node_CA', key: 'ca.crt' } }] })),
      /server\.vmNodeAttestors\[0\]\.caBundleConfigMap\.name: is not a valid ConfigMap name, got "Node_CA"/);
  });

  test('x509pop for the VMs and for the clusters\' agents at once', () => {
    expectProblem(problemsOf(staging({ vmNodeAttestors: [{ type: 'x509pop', caBundleConfigMap: { name: 'vm-ca', key: 'ca.crt' } }] }, { nodeAttestor: X509POP_AGENTS })),
      /server\.vmNodeAttestors\[0\]\.type: is also agent\.nodeAttestor's type, and SPIRE loads one plugin of a name, got "x509pop"; fix: put the VMs' CA into agent\.nodeAttestor\.caBundleConfigMap/);
  });

  test('a VM path template that does not use the certificate', () => {
    expectProblem(problemsOf(staging({ vmNodeAttestors: [{ type: 'x509pop', caBundleConfigMap: { name: 'vm-ca', key: 'ca.crt' }, agentPathTemplate: '/vms' }] })),
      /server\.vmNodeAttestors\[0\]\.agentPathTemplate: must be a path starting with \/ that uses the certificate/);
  });

  test('join_token twice', () => {
    expectProblem(problemsOf(staging({ vmNodeAttestors: [{ type: 'join_token' }, { type: 'join_token' }] })), /server\.vmNodeAttestors\[1\]\.type: appears twice; SPIRE loads one plugin of a name, got "join_token"/);
  });
});
