import { Testing } from 'cdk8s';
import { ClusterChart } from '../lib/build/cluster-chart';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { SPIRE_AGENT } from '../lib/config/spire-facts';
import { AgentSettings, EnvironmentConfig } from '../lib/config/types';
import { renderAgentConf } from '../lib/render/agent-conf';
import { resolveCluster } from '../lib/resolve/resolve';
import { defaultFiles, environment, estateWith, find, problemsOf } from './helpers/estate';
import { MINIMAL_AGENT } from './helpers/render-options';

/*
 * The agent options beyond the basics (agent.sds, agent.adminSocket, x509SvidCacheMaxSize,
 * workloadX509SvidKeyType, availabilityTarget): the keys they render (those of spire-agent 1.15.2's
 * agentConfig and sdsConfig, cmd/spire-agent/cli/run/run.go), the admin socket's mounts, and what synth
 * refuses, as the agent would or worse.
 */


function agentSection(text: string): string {
  return text.slice(text.indexOf('agent {'), text.indexOf('\n}\n') + 3);
}

function withAgent(agent: Partial<AgentSettings>, env: EnvironmentConfig = environment('staging')): EnvironmentConfig {
  return { ...env, agent: { ...env.agent, ...agent } };
}

function synth(env: EnvironmentConfig): any[] {
  return Testing.synth(new ClusterChart(Testing.app(), 'test', { resolved: resolveCluster(env, env.clusters[0], DEFAULT_ESTATE.images) }));
}

describe('renderAgentConf: agent options', () => {
  test('every option lands in the agent section under its SPIRE key, sds as a nested block', () => {
    const text = renderAgentConf({
      ...MINIMAL_AGENT,
      sds: { defaultSvidName: 'svid', defaultBundleName: 'bundle', defaultAllBundlesName: 'all', disableSpiffeCertValidation: true },
      admin: { socketPath: '/tmp/spire-agent/admin/admin.sock', authorizedDelegates: ['spiffe://td.example/ns/a/sa/b'] },
      x509SvidCacheMaxSize: 2000,
      workloadX509SvidKeyType: 'ec-p384',
      availabilityTarget: '30h',
    });
    expect(agentSection(text)).toBe(`agent {
  data_dir = "/d"
  log_level = "INFO"
  log_format = "json"
  server_address = "s"
  server_port = "443"
  socket_path = "/tmp/spire-agent/public/spire-agent.sock"
  trust_bundle_path = "/b"
  trust_bundle_format = "spiffe"
  trust_domain = "td.example"
  admin_socket_path = "/tmp/spire-agent/admin/admin.sock"
  authorized_delegates = ["spiffe://td.example/ns/a/sa/b"]
  x509_svid_cache_max_size = 2000
  workload_x509_svid_key_type = "ec-p384"
  availability_target = "30h"
  sds {
    default_svid_name = "svid"
    default_bundle_name = "bundle"
    default_all_bundles_name = "all"
    disable_spiffe_cert_validation = true
  }
}
`);
  });

  test('an sds block with one name sets only that key; the others keep SPIRE\'s defaults', () => {
    const text = renderAgentConf({ ...MINIMAL_AGENT, sds: { defaultSvidName: 'svid' } });
    expect(text).toContain('  sds {\n    default_svid_name = "svid"\n  }\n');
    expect(text).not.toContain('default_bundle_name');
  });

  test('an admin socket without delegates renders no authorized_delegates', () => {
    const text = renderAgentConf({ ...MINIMAL_AGENT, admin: { socketPath: '/a/admin.sock', authorizedDelegates: [] } });
    expect(text).toContain('admin_socket_path = "/a/admin.sock"');
    expect(text).not.toContain('authorized_delegates');
  });
});

describe('the default estate uses none of them', () => {
  test('no agent.conf of dist/ carries an agent option key or an admin socket volume', () => {
    for (const [path, content] of defaultFiles()) {
      if (!path.endsWith('spire-system/configmap-spire-agent.yaml')) continue;
      const conf: string = find(defaultFiles(), path).data['agent.conf'];
      for (const key of ['admin_socket_path', 'authorized_delegates', 'x509_svid_cache_max_size', 'workload_x509_svid_key_type', 'availability_target', 'sds {']) {
        expect({ path, key, found: conf.includes(key) }).toEqual({ path, key, found: false });
      }
      expect(content).toContain('socket_path');
    }
  });
});

describe('admin socket', () => {
  const objects = synth(withAgent({ adminSocket: { authorizedDelegates: ['spiffe://staging.spire.acme.example/ns/kube-system/sa/cilium'] } }));
  const daemonSet = objects.find((object) => object.kind === 'DaemonSet' && object.metadata.name === 'spire-agent');
  const conf: string = objects.find((object) => object.kind === 'ConfigMap' && object.metadata.name === 'spire-agent').data['agent.conf'];
  const adminPath = /admin_socket_path = "([^"]+)"/.exec(conf)![1];
  const workloadPath = /\n {2}socket_path = "([^"]+)"/.exec(conf)![1];

  test('sits outside the Workload API socket\'s directory, as spire-agent demands (run_posix.go getAdminAddr)', () => {
    const workloadDir = workloadPath.slice(0, workloadPath.lastIndexOf('/'));
    expect(adminPath.startsWith(`${workloadDir}/`)).toBe(false);
  });

  test('its directory is a host directory of its own, mounted where the config puts the socket', () => {
    const spec = daemonSet.spec.template.spec;
    const mount = spec.containers[0].volumeMounts.find((candidate: any) => adminPath.startsWith(`${candidate.mountPath}/`) && candidate.mountPath !== '/');
    expect(mount).toBeDefined();
    const volume = spec.volumes.find((candidate: any) => candidate.name === mount.name);
    expect(volume.hostPath).toEqual({ path: SPIRE_AGENT.adminSocketHostDir, type: 'DirectoryOrCreate' });
    expect(volume.hostPath.path).not.toBe(SPIRE_AGENT.socketHostDir);
  });

  test('authorized delegates reach agent.conf', () => {
    expect(conf).toContain('authorized_delegates = ["spiffe://staging.spire.acme.example/ns/kube-system/sa/cilium"]');
  });
});

describe('synth refuses', () => {
  const problems = (agent: Partial<AgentSettings>, server: Partial<EnvironmentConfig['server']> = {}) =>
    problemsOf(estateWith('staging', (env) => ({ ...withAgent(agent, env), server: { ...env.server, ...server } })));

  test('fails when a delegate is of another trust domain (SPIRE: not a member of trust domain)', () => {
    expect(problems({ adminSocket: { authorizedDelegates: ['spiffe://other.example/ns/a/sa/b'] } })).toEqual([
      expect.stringMatching(/^staging: DaemonSet "spire-agent" agent.adminSocket.authorizedDelegates\[0\]: is not in the environment's trust domain staging.spire.acme.example, which SPIRE refuses, got "spiffe:\/\/other.example\/ns\/a\/sa\/b"; fix: use an ID under spiffe:\/\/staging.spire.acme.example\//),
    ]);
  });

  test('fails when a delegate is not a SPIFFE ID', () => {
    expect(problems({ adminSocket: { authorizedDelegates: ['cilium'] } })).toEqual([expect.stringMatching(/authorizedDelegates\[0\]: is not a SPIFFE ID/)]);
  });

  test('fails when availabilityTarget is under 24h', () => {
    expect(problems({ availabilityTarget: '23h' })).toEqual([expect.stringMatching(/agent.availabilityTarget: must be at least 24h \(SPIRE refuses less\), got "23h"/)]);
  });

  test('fails when availabilityTarget is not a duration', () => {
    expect(problems({ availabilityTarget: 'a day' })).toEqual([expect.stringMatching(/agent.availabilityTarget: is not a Go duration/)]);
  });

  test('fails when an X509-SVID TTL leaves less than 12h past the availability target', () => {
    const found = problems({ availabilityTarget: '24h' });
    // Staging's default X509-SVID TTL is 1h, and its identities ask for 1h to 8h: each is named.
    expect(found[0]).toMatch(/server.defaultX509SvidTtl: is shorter than agent.availabilityTarget 24h plus the 12h grace SPIRE needs.*got "1h"; fix: give X509-SVIDs at least 36h/);
    expect(found.every((problem) => /defaultX509SvidTtl|identities\[\d\]\.ttl/.test(problem))).toBe(true);
  });

  test('fails when the cache size is negative or fractional', () => {
    expect(problems({ x509SvidCacheMaxSize: -1 })).toEqual([expect.stringMatching(/agent.x509SvidCacheMaxSize: must be a whole number, 0 or more, got -1/)]);
    expect(problems({ x509SvidCacheMaxSize: 1.5 })).toHaveLength(1);
  });

  test('fails when the bundle and all-bundles SDS names are equal (SPIRE would ignore one)', () => {
    expect(problems({ sds: { defaultAllBundlesName: 'ROOTCA' } })).toEqual([expect.stringMatching(/agent.sds.defaultAllBundlesName: equals defaultBundleName/)]);
  });

  test('fails on an empty SDS name', () => {
    expect(problems({ sds: { defaultSvidName: ' ' } })).toEqual([expect.stringMatching(/agent.sds.defaultSvidName: must be a non-empty SDS resource name/)]);
  });

  test('fails on a key type SPIRE does not know, at the schema', () => {
    expect(problems({ workloadX509SvidKeyType: 'rsa-4096' as never })).toEqual([
      'staging: environment "staging" agent.workloadX509SvidKeyType: must be one of ec-p256, ec-p384, rsa-2048, got "rsa-4096"; fix: use one of ec-p256, ec-p384, rsa-2048',
    ]);
  });
});
