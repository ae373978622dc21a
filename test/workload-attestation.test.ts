import { Testing } from 'cdk8s';
import { ClusterChart } from '../lib/build/cluster-chart';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { SPIRE_AGENT } from '../lib/config/spire-facts';
import { AgentSettings, EnvironmentConfig } from '../lib/config/types';
import { renderAgentConf } from '../lib/render/agent-conf';
import { resolveCluster } from '../lib/resolve/resolve';
import { defaultFiles, environment, estateWith, problemsOf } from './helpers/estate';
import { MINIMAL_AGENT } from './helpers/render-options';

/*
 * Workload attestation and the agent's bootstrap options: the k8s attestor's kubelet verification by the
 * kubelet's own serving certificate (hostCert) and its container options, the unix attestor, KeyManager,
 * rebootstrap and a bundle URL. The keys are spire-agent 1.15.2's (pkg/agent/plugin/workloadattestor/k8s/k8s.go
 * HCLConfig, unix/unix_posix.go Configuration, cmd/spire-agent/cli/run/run.go agentConfig).
 */


function block(text: string, opening: string): string {
  const start = text.indexOf(opening);
  if (start < 0) return '';
  const indent = /^ */.exec(text.slice(text.lastIndexOf('\n', start) + 1))![0];
  return text.slice(start, text.indexOf(`\n${indent}}\n`, start) + indent.length + 2);
}

function withAgent(agent: Partial<AgentSettings>, env: EnvironmentConfig = environment('staging')): EnvironmentConfig {
  return { ...env, agent: { ...env.agent, ...agent } };
}

function synth(env: EnvironmentConfig): any[] {
  return Testing.synth(new ClusterChart(Testing.app(), 'test', { resolved: resolveCluster(env, env.clusters[0], DEFAULT_ESTATE.images) }));
}

function agentObjects(env: EnvironmentConfig) {
  const objects = synth(env);
  const daemonSet = objects.find((object) => object.kind === 'DaemonSet' && object.metadata.name === 'spire-agent');
  const conf: string = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'spire-agent').data['agent.conf'];
  return { spec: daemonSet.spec.template.spec, conf };
}

describe('renderAgentConf: workload attestors', () => {
  test('hostCert trusts the given certificate file and names no node, so SPIRE checks the chain on 127.0.0.1', () => {
    const text = renderAgentConf({ ...MINIMAL_AGENT, kubelet: { verification: 'hostCert', caPath: '/run/x/kubelet.crt' } });
    expect(block(text, 'WorkloadAttestor "k8s"')).toBe(`WorkloadAttestor "k8s" {
    plugin_data {
      kubelet_ca_path = "/run/x/kubelet.crt"
    }
  }`);
  });

  test('the k8s attestor\'s container options land in its plugin_data under their SPIRE keys', () => {
    const text = renderAgentConf({ ...MINIMAL_AGENT, k8sAttestor: { disableContainerSelectors: true, useNewContainerLocator: false, verboseContainerLocatorLogs: true } });
    expect(block(text, 'WorkloadAttestor "k8s"')).toBe(`WorkloadAttestor "k8s" {
    plugin_data {
      skip_kubelet_verification = true
      disable_container_selectors = true
      use_new_container_locator = false
      verbose_container_locator_logs = true
    }
  }`);
  });

  test('the unix attestor is a second WorkloadAttestor with its own options, and none without the option', () => {
    const text = renderAgentConf({ ...MINIMAL_AGENT, unixAttestor: { discoverWorkloadPath: true, workloadSizeLimit: 1048576 } });
    expect(block(text, 'WorkloadAttestor "unix"')).toBe(`WorkloadAttestor "unix" {
    plugin_data {
      discover_workload_path = true
      workload_size_limit = 1048576
    }
  }`);
    expect(renderAgentConf({ ...MINIMAL_AGENT, unixAttestor: {} })).toContain('WorkloadAttestor "unix" {\n    plugin_data {}\n  }');
    expect(renderAgentConf(MINIMAL_AGENT)).not.toContain('"unix"');
  });

  test('rebootstrap and a bundle URL are agent keys; the URL takes trust_bundle_path\'s place', () => {
    const text = renderAgentConf({ ...MINIMAL_AGENT, trustBundleUrl: 'https://bundle.example.org/b.spiffe', rebootstrap: { mode: 'auto', delay: '30m' } });
    expect(text).toContain('  trust_bundle_url = "https://bundle.example.org/b.spiffe"\n  trust_bundle_format = "spiffe"\n');
    expect(text).not.toContain('trust_bundle_path');
    expect(text).toContain('  rebootstrap_mode = "auto"\n  rebootstrap_delay = "30m"\n');
  });
});

describe('the default estate uses none of them', () => {
  test('no agent.conf of dist/ carries these keys, and every agent mounts the bundle ConfigMap', () => {
    let agents = 0;
    for (const [path, content] of defaultFiles()) {
      if (!path.endsWith('spire-system/configmap-spire-agent.yaml')) continue;
      agents += 1;
      for (const key of ['"unix"', 'disable_container_selectors', 'use_new_container_locator', 'verbose_container_locator_logs', 'rebootstrap_', 'trust_bundle_url']) {
        expect({ path, key, found: content.includes(key) }).toEqual({ path, key, found: false });
      }
      expect(content).toContain('trust_bundle_path');
    }
    expect(agents).toBeGreaterThan(0);
  });
});

describe('hostCert in the tree', () => {
  const { spec, conf } = agentObjects(withAgent({ kubeletVerification: 'hostCert' }));

  test('mounts the one certificate file of the node read-only, where kubelet_ca_path points', () => {
    const volume = spec.volumes.find((candidate: any) => candidate.hostPath?.path === SPIRE_AGENT.kubeletServingCertHostPath);
    expect(volume.hostPath).toEqual({ path: '/var/lib/kubelet/pki/kubelet.crt', type: 'File' });
    const mount = spec.containers[0].volumeMounts.find((candidate: any) => candidate.name === volume.name);
    expect(mount).toEqual({ name: volume.name, mountPath: SPIRE_AGENT.kubeletServingCertPath, readOnly: true });
    expect(conf).toContain(`kubelet_ca_path = "${SPIRE_AGENT.kubeletServingCertPath}"`);
  });

  test('never mounts the kubelet\'s pki directory, which holds its serving key', () => {
    const hostPaths = spec.volumes.map((volume: any) => volume.hostPath?.path).filter(Boolean);
    expect(hostPaths.filter((path: string) => path.startsWith('/var/lib/kubelet/pki'))).toEqual(['/var/lib/kubelet/pki/kubelet.crt']);
  });

  test('sets no node name and no kubelet address variable', () => {
    expect(conf).not.toContain('node_name_env');
    expect(conf).not.toContain('skip_kubelet_verification');
    expect((spec.containers[0].env ?? []).map((variable: any) => variable.name)).not.toContain(SPIRE_AGENT.env.kubeletAddress);
  });

  test('an estate path replaces the default', () => {
    const custom = agentObjects(withAgent({ kubeletVerification: 'hostCert', workloadAttestors: { k8s: { kubeletServingCertHostPath: '/etc/kubernetes/pki/kubelet-serving.crt' } } }));
    expect(custom.spec.volumes.map((volume: any) => volume.hostPath?.path)).toContain('/etc/kubernetes/pki/kubelet-serving.crt');
  });
});

describe('keyManager', () => {
  test('disk keeps the key on the node: KeyManager disk in the data directory, which is a hostPath', () => {
    const { spec, conf } = agentObjects(withAgent({ keyManager: 'disk' }));
    expect(conf).toContain(`KeyManager "disk" {\n    plugin_data {\n      directory = "${SPIRE_AGENT.dataDir}"`);
    expect(spec.volumes.find((volume: any) => volume.name === 'data')).toEqual({ name: 'data', hostPath: { path: SPIRE_AGENT.dataHostDir, type: 'DirectoryOrCreate' } });
  });

  test('memory (k8s_psat\'s default) keeps the data directory in the pod', () => {
    const { spec, conf } = agentObjects(withAgent({}));
    expect(conf).toContain('KeyManager "memory"');
    expect(spec.volumes.find((volume: any) => volume.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
  });
});

describe('a bundle URL', () => {
  test('replaces the bundle ConfigMap: trust_bundle_url with its format, and no bundle volume', () => {
    const { spec, conf } = agentObjects(withAgent({ trustBundleUrl: { url: 'https://bundle.example.org/staging.pem', format: 'pem' } }));
    expect(conf).toContain('trust_bundle_url = "https://bundle.example.org/staging.pem"\n  trust_bundle_format = "pem"');
    expect(spec.volumes.map((volume: any) => volume.name)).not.toContain('trust-bundle');
    expect(spec.containers[0].volumeMounts.map((mount: any) => mount.name)).not.toContain('trust-bundle');
  });
});

describe('synth refuses', () => {
  const problems = (agent: Partial<AgentSettings>, change: (env: EnvironmentConfig) => EnvironmentConfig = (env) => env) =>
    problemsOf(estateWith('staging', (env) => change(withAgent(agent, env))));
  const gcp = { type: 'gcp_iit' as const, projectIdAllowList: ['example-project'] };

  test('fails when a kubelet certificate path is given without hostCert', () => {
    expect(problems({ kubeletVerification: 'skip', workloadAttestors: { k8s: { kubeletServingCertHostPath: '/var/lib/kubelet/pki/kubelet.crt' } } })).toEqual([
      'staging: DaemonSet "spire-agent" agent.workloadAttestors.k8s.kubeletServingCertHostPath: is read only with kubeletVerification hostCert, not skip, got "/var/lib/kubelet/pki/kubelet.crt"; fix: set kubeletVerification to hostCert, or leave the path out',
    ]);
  });

  test('fails on a relative or unnormalized kubelet certificate path', () => {
    for (const path of ['kubelet.crt', '/var/lib/kubelet/../kubelet/pki/kubelet.crt', '/var/lib/kubelet/pki/']) {
      expect(problems({ kubeletVerification: 'hostCert', workloadAttestors: { k8s: { kubeletServingCertHostPath: path } } }))
        .toEqual([expect.stringMatching(/kubeletServingCertHostPath: is not an absolute, normalized file path on the node/)]);
    }
  });

  test('fails on a rotated serving certificate, whose file holds the kubelet\'s key', () => {
    expect(problems({ kubeletVerification: 'hostCert', workloadAttestors: { k8s: { kubeletServingCertHostPath: '/var/lib/kubelet/pki/kubelet-server-current.pem' } } })).toEqual([
      expect.stringMatching(/kubeletServingCertHostPath: is a rotated kubelet serving certificate, whose file also holds the kubelet's private key.*fix: use kubeletVerification apiServerCA/),
    ]);
  });

  test('fails when disableContainerSelectors meets an identity that needs a container selector', () => {
    const found = problems({ workloadAttestors: { k8s: { disableContainerSelectors: true } } }, (env) => ({
      ...env, identities: [...env.identities, { ...env.identities[0], name: 'by-container', workloadSelectorTemplates: ['k8s:container-name:app'] }],
    }));
    expect(found).toEqual([expect.stringMatching(/^staging: ClusterSPIFFEID "by-container" identities\[\d+\]\.workloadSelectorTemplates: needs a container selector.*got "k8s:container-name:app"/)]);
  });

  test('fails on a unix selector when the agents run no unix attestor, and accepts it with one', () => {
    const change = (env: EnvironmentConfig) => ({ ...env, identities: [...env.identities, { ...env.identities[0], name: 'by-uid', workloadSelectorTemplates: ['k8s:sa:web', 'unix:uid:1337'] }] });
    expect(problems({}, change)).toEqual([expect.stringMatching(/ClusterSPIFFEID "by-uid" .*is a unix selector, but the agents run no unix WorkloadAttestor/)]);
    expect(problems({ workloadAttestors: { unix: {} } }, change)).toEqual([]);
  });

  test('fails on a size limit without discoverWorkloadPath, or a fractional one', () => {
    expect(problems({ workloadAttestors: { unix: { workloadSizeLimit: 1024 } } })).toEqual([expect.stringMatching(/unix.workloadSizeLimit: is read only with discoverWorkloadPath/)]);
    expect(problems({ workloadAttestors: { unix: { discoverWorkloadPath: true, workloadSizeLimit: 1.5 } } })).toEqual([expect.stringMatching(/unix.workloadSizeLimit: must be a whole number of bytes/)]);
  });

  test('fails on KeyManager memory with gcp_iit, which admits a node once', () => {
    expect(problems({ nodeAttestor: gcp, keyManager: 'memory' })).toEqual([
      expect.stringMatching(/agent.keyManager: loses the agent's key with its pod, and the server admits a gcp_iit node once only.*fix: use disk/),
    ]);
    expect(problems({ nodeAttestor: gcp })).toEqual([]);
  });

  test('fails on rebootstrapMode always with gcp_iit (spire-agent would not start)', () => {
    expect(problems({ nodeAttestor: gcp, rebootstrapMode: 'always' })).toEqual([expect.stringMatching(/agent.rebootstrapMode: makes spire-agent refuse to start/)]);
    expect(problems({ nodeAttestor: gcp, rebootstrapMode: 'auto' })).toEqual([]);
  });

  test('fails on a rebootstrap delay without rebootstrapping, or one that is no duration', () => {
    expect(problems({ rebootstrapDelay: '10m' })).toEqual([expect.stringMatching(/agent.rebootstrapDelay: is read only when the agent rebootstraps/)]);
    expect(problems({ rebootstrapMode: 'never', rebootstrapDelay: '10m' })).toHaveLength(1);
    expect(problems({ rebootstrapMode: 'always', rebootstrapDelay: 'ten minutes' })).toEqual([expect.stringMatching(/agent.rebootstrapDelay: is not a Go duration/)]);
    expect(problems({ rebootstrapMode: 'always', rebootstrapDelay: '10m' })).toEqual([]);
  });

  test('fails on a bundle URL that is not https', () => {
    expect(problems({ trustBundleUrl: { url: 'http://bundle.example.org/b.spiffe' } })).toEqual([
      'staging: DaemonSet "spire-agent" agent.trustBundleUrl.url: is not https: a bundle fetched in the clear lets anyone on the path choose the server every agent trusts, got "http://bundle.example.org/b.spiffe"; fix: serve the bundle over https, or leave trustBundleUrl out to use the bundle ConfigMap',
    ]);
    expect(problems({ trustBundleUrl: { url: 'bundle.example.org' } })).toEqual([expect.stringMatching(/trustBundleUrl.url: is not a URL/)]);
  });

  test('fails on a kubelet verification or rebootstrap mode SPIRE does not know, at the schema', () => {
    expect(problems({ kubeletVerification: 'auto' as never })).toEqual([expect.stringMatching(/agent.kubeletVerification: must be one of skip, apiServerCA, hostCert, got "auto"/)]);
    expect(problems({ rebootstrapMode: 'sometimes' as never })).toEqual([expect.stringMatching(/agent.rebootstrapMode: must be one of never, auto, always/)]);
  });
});
