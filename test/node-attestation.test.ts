import { parse } from 'yaml';
import { EnvironmentConfig, VmNodeAttestor } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { estateWith, problemsOf } from './helpers/estate';

/*
 * The node attestation options beyond the attestors' required keys (SPIRE v1.15.2): http_challenge for VM
 * agents, k8s_psat's label keys, x509pop's limits and aws_iid's organization check. What the server's config
 * gets for each, that nothing else changes, and each refusal by its words.
 */

type ServerChange = Partial<EnvironmentConfig['server']>;
type AgentChange = Partial<EnvironmentConfig['agent']>;

function staging(server: ServerChange, agent: AgentChange = {}) {
  return estateWith('staging', (env) => ({ ...env, server: { ...env.server, ...server }, agent: { ...env.agent, ...agent } }));
}

function serverConfOf(files: Map<string, string>): string {
  const text = files.get('staging/stg-euw1/spire-server/configmap-spire-server.yaml');
  if (text === undefined) throw new Error('no server ConfigMap');
  return parse(text).data['server.conf'] as string;
}

function pluginBlock(text: string, type: string, name: string): string {
  const start = text.indexOf(`  ${type} "${name}" {`);
  if (start < 0) throw new Error(`no ${type} "${name}" in\n${text}`);
  return text.slice(start, text.indexOf('\n  }\n', start) + 4);
}

const expectProblem = (problems: string[], pattern: RegExp) => expect(problems.filter((problem) => pattern.test(problem))).toHaveLength(1);

const HTTP_CHALLENGE: Extract<VmNodeAttestor, { type: 'http_challenge' }> = {
  type: 'http_challenge',
  allowedDnsPatterns: ['^[a-z0-9-]+\\.vms\\.example\\.org$'],
};

const withChallenge = (change: Partial<typeof HTTP_CHALLENGE>) => staging({ vmNodeAttestors: [{ ...HTTP_CHALLENGE, ...change }] });

describe('http_challenge for VM agents', () => {
  test('only the patterns are written when the rest is SPIRE\'s default', () => {
    expect(pluginBlock(serverConfOf(renderEstate(withChallenge({}))), 'NodeAttestor', 'http_challenge')).toBe([
      '  NodeAttestor "http_challenge" {',
      '    plugin_data {',
      '      allowed_dns_patterns = ["^[a-z0-9-]+\\\\.vms\\\\.example\\\\.org$"]',
      '    }',
      '  }',
    ].join('\n'));
  });

  test('a privileged required port without trust on first use writes every key', () => {
    const conf = serverConfOf(renderEstate(withChallenge({ requiredPort: 80, allowNonRootPorts: false, tofu: false })));
    expect(pluginBlock(conf, 'NodeAttestor', 'http_challenge')).toContain([
      '      required_port = 80',
      '      allow_non_root_ports = false',
      '      tofu = false',
    ].join('\n'));
  });

  test('tofu false without a required port is accepted when unprivileged ports are refused', () => {
    expect(problemsOf(withChallenge({ allowNonRootPorts: false, tofu: false }))).toEqual([]);
  });

  test('fails tofu false while any port is allowed (SPIRE\'s default)', () => {
    expectProblem(problemsOf(withChallenge({ tofu: false })),
      /^staging: environment "staging" server\.vmNodeAttestors\[0\]\.tofu: may be false only when agents answer on a privileged port \(SPIRE: "you can not turn off trust on first use \(TOFU\) when non-root ports are allowed"\), got false; fix: set requiredPort below 1024/);
  });

  test('fails tofu false with an unprivileged required port', () => {
    expectProblem(problemsOf(withChallenge({ requiredPort: 8080, allowNonRootPorts: true, tofu: false })), /server\.vmNodeAttestors\[0\]\.tofu: may be false only when/);
  });

  test('fails an unprivileged required port while unprivileged ports are refused', () => {
    expectProblem(problemsOf(withChallenge({ requiredPort: 8080, allowNonRootPorts: false })),
      /server\.vmNodeAttestors\[0\]\.allowNonRootPorts: refuses ports from 1024 up, and requiredPort 8080 is one: SPIRE would refuse every agent, got false/);
  });

  test('fails a required port outside 1 to 65535', () => {
    expectProblem(problemsOf(withChallenge({ requiredPort: 70000 })), /server\.vmNodeAttestors\[0\]\.requiredPort: is not a TCP port \(1 to 65535\), got 70000/);
  });

  test('fails an empty pattern list', () => {
    expectProblem(problemsOf(withChallenge({ allowedDnsPatterns: [] })),
      /server\.vmNodeAttestors\[0\]\.allowedDnsPatterns: must list at least one pattern: without one SPIRE admits any hostname the server can reach, got \[\]/);
  });

  test('fails a pattern that is not anchored at both ends', () => {
    expectProblem(problemsOf(withChallenge({ allowedDnsPatterns: ['vms\\.example\\.org$'] })),
      /server\.vmNodeAttestors\[0\]\.allowedDnsPatterns\[0\]: is not anchored with \^ and \$: SPIRE accepts a match anywhere in the hostname/);
    expectProblem(problemsOf(withChallenge({ allowedDnsPatterns: ['^vms\\.example\\.org\\$'] })), /allowedDnsPatterns\[0\]: is not anchored/);
  });

  test('fails a pattern that does not compile', () => {
    expectProblem(problemsOf(withChallenge({ allowedDnsPatterns: ['^[a-z$'] })), /allowedDnsPatterns\[0\]: is not a regular expression/);
  });

  test('fails look-around, which Go\'s regexp refuses', () => {
    expectProblem(problemsOf(withChallenge({ allowedDnsPatterns: ['^(?!db)[a-z]+\\.example\\.org$'] })), /allowedDnsPatterns\[0\]: uses look-around or a backreference/);
  });

  test('fails a second http_challenge (one plugin of a name)', () => {
    expectProblem(problemsOf(staging({ vmNodeAttestors: [HTTP_CHALLENGE, HTTP_CHALLENGE] })), /server\.vmNodeAttestors\[1\]\.type: appears twice/);
  });

  test('the clusters\' agents cannot use it', () => {
    expect(() => renderEstate(staging({}, { nodeAttestor: { type: 'http_challenge' } as never }))).toThrow(/agent\.nodeAttestor/);
  });
});

describe('k8s_psat label keys', () => {
  test('every cluster of the server gets the keys; k8s_psat without them is unchanged', () => {
    const conf = serverConfOf(renderEstate(staging({}, {
      nodeAttestor: { type: 'k8s_psat', allowedNodeLabelKeys: ['topology.kubernetes.io/zone'], allowedPodLabelKeys: ['app.kubernetes.io/name'] },
    })));
    expect(pluginBlock(conf, 'NodeAttestor', 'k8s_psat')).toContain([
      '          "allowed_node_label_keys" = ["topology.kubernetes.io/zone"]',
      '          "allowed_pod_label_keys" = ["app.kubernetes.io/name"]',
    ].join('\n'));
    const plain = serverConfOf(renderEstate(staging({}, { nodeAttestor: { type: 'k8s_psat' } })));
    expect(plain).toBe(serverConfOf(renderEstate(staging({}))));
    expect(plain).not.toContain('allowed_node_label_keys');
  });

  test('fails a key that is not a label key', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { type: 'k8s_psat', allowedNodeLabelKeys: ['a/b/c'] } })),
      /agent\.nodeAttestor\.allowedNodeLabelKeys\[0\]: is not a Kubernetes label key: it has more than one \/, got "a\/b\/c"/);
  });

  test('fails a key listed twice', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { type: 'k8s_psat', allowedPodLabelKeys: ['app', 'app'] } })),
      /agent\.nodeAttestor\.allowedPodLabelKeys\[1\]: is listed twice/);
  });
});

describe('x509pop limits', () => {
  const AGENTS = { type: 'x509pop' as const, caBundleConfigMap: { name: 'node-ca', key: 'ca.crt' }, nodeCertificateDir: '/etc/spire-agent/pki' };
  const VMS = { type: 'x509pop' as const, caBundleConfigMap: { name: 'vm-ca', key: 'ca.crt' } };

  test('the agents\' limits reach the server\'s x509pop', () => {
    const conf = serverConfOf(renderEstate(staging({}, { nodeAttestor: { ...AGENTS, maxIntermediates: 1, maxRsaKeySize: 4096 } })));
    expect(pluginBlock(conf, 'NodeAttestor', 'x509pop')).toContain('      max_intermediates = 1\n      max_rsa_key_size = 4096\n');
  });

  test('the VMs\' limits reach the server\'s x509pop', () => {
    const conf = serverConfOf(renderEstate(staging({ vmNodeAttestors: [{ ...VMS, maxIntermediates: 3, maxRsaKeySize: 2048 }] })));
    expect(pluginBlock(conf, 'NodeAttestor', 'x509pop')).toContain('      max_intermediates = 3\n      max_rsa_key_size = 2048\n');
  });

  test('fails a limit of 0 (SPIRE: must be greater than 0)', () => {
    expectProblem(problemsOf(staging({}, { nodeAttestor: { ...AGENTS, maxIntermediates: 0 } })),
      /agent\.nodeAttestor\.maxIntermediates: must be a whole number greater than 0 \(SPIRE x509pop max_intermediates\), got 0/);
    expectProblem(problemsOf(staging({ vmNodeAttestors: [{ ...VMS, maxRsaKeySize: 2048.5 }] })),
      /server\.vmNodeAttestors\[0\]\.maxRsaKeySize: must be a whole number greater than 0 \(SPIRE x509pop max_rsa_key_size\), got 2048\.5/);
  });
});

describe('aws_iid organization check', () => {
  const AWS = { cloudCredentials: { aws: { type: 'irsa' as const, roleArn: 'arn:aws:iam::111122223333:role/spire-server' } } };
  const ORG = { managementAccountId: '111122223333', assumeOrgRole: 'spire-list-accounts' };
  const withOrg = (change: object) => staging({ ...AWS, vmNodeAttestors: [{ type: 'aws_iid', verifyOrganization: { ...ORG, ...change } }] });

  test('renders a verify_organization block with SPIRE\'s defaults left out', () => {
    expect(pluginBlock(serverConfOf(renderEstate(withOrg({}))), 'NodeAttestor', 'aws_iid')).toBe([
      '  NodeAttestor "aws_iid" {',
      '    plugin_data {',
      '      verify_organization {',
      '        management_account_id = "111122223333"',
      '        assume_org_role = "spire-list-accounts"',
      '      }',
      '    }',
      '  }',
    ].join('\n'));
    expect(serverConfOf(renderEstate(withOrg({ managementAccountRegion: 'us-east-1', orgAccountMapTtl: '5m' }))))
      .toContain('        management_account_region = "us-east-1"\n        org_account_map_ttl = "5m"\n');
  });

  test('fails a management account that is not an account ID', () => {
    expectProblem(problemsOf(withOrg({ managementAccountId: '1111' })),
      /server\.vmNodeAttestors\[0\]\.verifyOrganization\.managementAccountId: is not a 12-digit AWS account ID, got "1111"/);
  });

  test('fails a role given as an ARN', () => {
    expectProblem(problemsOf(withOrg({ assumeOrgRole: 'arn:aws:iam::111122223333:role/x' })), /verifyOrganization\.assumeOrgRole: is not an IAM role name/);
  });

  test('fails a region that is not one', () => {
    expectProblem(problemsOf(withOrg({ managementAccountRegion: 'moon' })), /verifyOrganization\.managementAccountRegion: is not an AWS region/);
  });

  test('fails a cache TTL under 1m, as SPIRE does', () => {
    expectProblem(problemsOf(withOrg({ orgAccountMapTtl: '30s' })),
      /verifyOrganization\.orgAccountMapTtl: must be a Go duration of at least 1m \(SPIRE aws_iid org_account_map_ttl\), got "30s"/);
    expectProblem(problemsOf(withOrg({ orgAccountMapTtl: 'soon' })), /verifyOrganization\.orgAccountMapTtl: must be a Go duration/);
  });
});

describe('tpm_direct for VM agents (external plugin)', () => {
  // The chart's defaults for v1.9.0 (its values.yaml checksum); the digest here is a placeholder.
  const TPM = {
    type: 'tpm_direct' as const,
    image: {
      repository: 'ghcr.io/spiffe/spire-tpm-plugin-tpm-attestor-server',
      tag: 'v1.9.0',
      digest: `sha256:${'0'.repeat(64)}`,
      entrypoint: ['/bin/sh', '-c', './${BINARY_ENV}'],
      cmd: [],
    },
    pluginChecksum: '46d0caad8c25a027dd11c93e18b58a8bc6fbd9f1fe2e36fa2a0dd440986de4dc',
    caConfigMap: 'tpm-cas',
    hashesConfigMap: 'tpm-hashes',
  };
  const withTpm = (change: object) => staging({ vmNodeAttestors: [{ ...TPM, ...change }] });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const podOf = (files: Map<string, string>, path: string): any => {
    const doc = parse(files.get(`staging/stg-euw1/spire-server/${path}`)!);
    return doc.spec.template.spec;
  };
  const files = renderEstate(withTpm({}));

  test('the server runs it as an external plugin named tpm, with its checksum and both directories', () => {
    expect(pluginBlock(serverConfOf(files), 'NodeAttestor', 'tpm')).toBe([
      '  NodeAttestor "tpm" {',
      '    plugin_cmd = "/run/spire/plugins/tpm/tpm_attestor_server"',
      '    plugin_checksum = "46d0caad8c25a027dd11c93e18b58a8bc6fbd9f1fe2e36fa2a0dd440986de4dc"',
      '    plugin_data {',
      '      ca_path = "/run/spire/tpm-direct/cas"',
      '      hash_path = "/run/spire/tpm-direct/hashes"',
      '    }',
      '  }',
    ].join('\n'));
  });

  test('an init container copies the binary into the server pod, which mounts it and the ConfigMaps read-only', () => {
    const pod = podOf(files, 'statefulset-spire-server.yaml');
    expect(pod.initContainers).toEqual([expect.objectContaining({
      name: 'tpm-plugin',
      image: `ghcr.io/spiffe/spire-tpm-plugin-tpm-attestor-server:v1.9.0@sha256:${'0'.repeat(64)}`,
      command: ['cp'],
      args: ['/app/tpm_attestor_server', '/run/spire/plugins/tpm/tpm_attestor_server'],
      volumeMounts: [{ name: 'tpm-plugin', mountPath: '/run/spire/plugins/tpm' }],
    })]);
    expect(pod.initContainers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const server = pod.containers.find((container: { name: string }) => container.name === 'spire-server');
    expect(server.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'tpm-plugin', mountPath: '/run/spire/plugins/tpm', readOnly: true },
      { name: 'tpm-cas', mountPath: '/run/spire/tpm-direct/cas', readOnly: true },
      { name: 'tpm-hashes', mountPath: '/run/spire/tpm-direct/hashes', readOnly: true },
    ]));
    expect(pod.volumes).toEqual(expect.arrayContaining([
      { name: 'tpm-plugin', emptyDir: {} }, { name: 'tpm-cas', configMap: { name: 'tpm-cas' } }, { name: 'tpm-hashes', configMap: { name: 'tpm-hashes' } },
    ]));
  });

  test('the PreSync validation gets the binary too, since spire-server validate starts external plugins', () => {
    const pod = podOf(files, 'job-spire-server-validate.yaml');
    expect(pod.initContainers.map((container: { name: string }) => container.name)).toEqual(['tpm-plugin']);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tpm-plugin', mountPath: '/run/spire/plugins/tpm', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'tpm-plugin', emptyDir: {} });
  });

  test('only the directories given are written, and pluginPath moves the copy\'s source', () => {
    const conf = serverConfOf(renderEstate(withTpm({ caConfigMap: undefined, pluginPath: '/opt/tpm' })));
    expect(pluginBlock(conf, 'NodeAttestor', 'tpm')).toContain('    plugin_data {\n      hash_path = "/run/spire/tpm-direct/hashes"\n    }');
    expect(podOf(renderEstate(withTpm({ pluginPath: '/opt/tpm' })), 'statefulset-spire-server.yaml').initContainers[0].args[0]).toBe('/opt/tpm');
  });

  test('without it the server pod has no init container', () => {
    expect(podOf(renderEstate(staging({})), 'statefulset-spire-server.yaml').initContainers).toBeUndefined();
  });

  test('fails a checksum that is not a sha256', () => {
    expectProblem(problemsOf(withTpm({ pluginChecksum: 'abc' })),
      /server\.vmNodeAttestors\[0\]\.pluginChecksum: is not a sha256 in hex \(64 hex digits\), which SPIRE demands of plugin_checksum, got "abc"/);
  });

  test('fails neither CAs nor hashes', () => {
    expectProblem(problemsOf(withTpm({ caConfigMap: undefined, hashesConfigMap: undefined })),
      /server\.vmNodeAttestors\[0\]\.caConfigMap: or hashesConfigMap is needed \(the plugin: "either ca_path, hash_path, or both are required"\), got nothing/);
  });

  test('fails a relative plugin path and an invalid ConfigMap name', () => {
    expectProblem(problemsOf(withTpm({ pluginPath: 'app/tpm' })), /server\.vmNodeAttestors\[0\]\.pluginPath: must be an absolute path in the image, without \.\./);
    expectProblem(problemsOf(withTpm({ hashesConfigMap: 'TPM_Hashes' })), /server\.vmNodeAttestors\[0\]\.hashesConfigMap: is not a valid ConfigMap name/);
  });

  test('fails an image without a digest where requireImageDigests', () => {
    const estate = estateWith('production', (env) => ({
      ...env, server: { ...env.server, vmNodeAttestors: [{ ...TPM, image: { ...TPM.image, digest: undefined } }] },
    }));
    expect(problemsOf(estate).filter((problem) => /container tpm-plugin image: must be pinned by digest/.test(problem)).length).toBeGreaterThan(0);
  });
});
