import { estate as nestedExample } from '../examples/nested/estate';
import { sharedTrustDomainProblems } from '../lib/config/validate';
import { EnvironmentConfig, EstateConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { find, problemsOf } from './helpers/estate';

/*
 * Topology nested: a root server signs the CA of a downstream server in every workload cluster
 * (UpstreamAuthority spire, through the root's agent on the node), and registers each downstream server
 * for its own controller manager only. Each refusal names the environment, field, value and fix.
 */

const staging = nestedExample.environments[0];

function withStaging(change: Partial<EnvironmentConfig>): EstateConfig {
  return { ...nestedExample, environments: [{ ...staging, ...change }] };
}

function nestedWith(root: Record<string, unknown>): EstateConfig {
  return withStaging({ topology: { type: 'nested', root } as EnvironmentConfig['topology'] });
}

const files = renderEstate(nestedExample);
const conf = (path: string, key: string): string => find(files, path).data[key];

describe('nested topology: what synth builds', () => {
  test('a downstream server in the root\'s cluster reaches the root through its in-cluster Service', () => {
    const text = conf('staging/workload-a/spire-server/configmap-spire-server.yaml', 'server.conf');
    expect(text).toContain([
      '  UpstreamAuthority "spire" {',
      '    plugin_data {',
      '      server_address = "spire-root-server.spire-root.svc"',
      '      server_port = "443"',
      '      workload_api_socket = "/run/spire/root-agent/spire-agent.sock"',
    ].join('\n'));
  });

  test('a downstream server elsewhere reaches the root at the estate\'s address', () => {
    const text = conf('staging/workload-b/spire-server/configmap-spire-server.yaml', 'server.conf');
    expect(text).toContain('server_address = "spire-root.workload-a.example.org"');
    expect(text).not.toContain('UpstreamAuthority "cert-manager"');
  });

  test('the downstream server mounts the root agent\'s socket through the root\'s CSI driver, which serves the root agents\' directory', () => {
    const server = find(files, 'staging/workload-b/spire-server/statefulset-spire-server.yaml');
    const pod = server.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'root-agent-socket', csi: { driver: 'root.csi.spiffe.io', readOnly: true } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'root-agent-socket', mountPath: '/run/spire/root-agent', readOnly: true });
    const driver = find(files, 'staging/workload-b/spire-root-system/daemonset-spiffe-csi-driver-root.yaml').spec.template.spec;
    expect(driver.volumes).toContainEqual({ name: 'spire-agent-socket-dir', hostPath: { path: '/run/spire/root-agent-sockets', type: 'DirectoryOrCreate' } });
    const rootAgent = find(files, 'staging/workload-b/spire-root-system/daemonset-spire-root-agent.yaml').spec.template.spec;
    expect(rootAgent.volumes).toContainEqual({ name: 'agent-socket-dir', hostPath: { path: '/run/spire/root-agent-sockets', type: 'DirectoryOrCreate' } });
  });

  test.each(['workload-a', 'workload-b'])('in %s only the downstream server\'s namespace may mount the root\'s CSI driver (ValidatingAdmissionPolicy)', (cluster) => {
    const policy = find(files, `staging/${cluster}/validatingadmissionpolicy-spiffe-csi-driver-root.yaml`);
    const binding = find(files, `staging/${cluster}/validatingadmissionpolicybinding-spiffe-csi-driver-root.yaml`);
    const mounted = find(files, `staging/${cluster}/spire-server/statefulset-spire-server.yaml`).spec.template.spec.volumes
      .map((volume: any) => volume.csi?.driver).filter((driver: string | undefined) => driver && driver !== 'csi.spiffe.io');
    expect(mounted).toEqual(['root.csi.spiffe.io']);
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods'] }]);
    expect(policy.spec.validations[0].expression).toContain("v.csi.driver == 'root.csi.spiffe.io'");
    expect(binding.spec).toEqual({
      policyName: policy.metadata.name,
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['spire-server'] }] } },
    });
  });

  test('root agents listen on other node ports than the cluster\'s agents (both use the host network)', () => {
    const ports = (path: string) => find(files, path).spec.template.spec.containers[0].ports.map((port: any) => port.containerPort);
    const own = ports('staging/workload-b/spire-system/daemonset-spire-agent.yaml');
    const root = ports('staging/workload-b/spire-root-system/daemonset-spire-root-agent.yaml');
    expect(root).toEqual([9981, 9989]);
    expect(own.filter((port: number) => root.includes(port))).toEqual([]);
  });

  test('the root runs in its own namespace of the root\'s cluster, attests the root agents of every cluster, remote ones through their kubeconfig', () => {
    const text = conf('staging/workload-a/spire-root/configmap-spire-root-server.yaml', 'server.conf');
    expect(text).toContain([
      '        "workload-a" = {',
      '          "service_account_allow_list" = ["spire-root-system:spire-root-agent"]',
      '          "audience" = ["spire-root-server"]',
      '        }',
      '        "workload-b" = {',
      '          "service_account_allow_list" = ["spire-root-system:spire-root-agent"]',
      '          "audience" = ["spire-root-server"]',
      '          "kube_config_file" = "/run/spire/root-kubeconfigs/workload-b"',
    ].join('\n'));
    expect(text).toContain('"kubeconfig_path" = "/run/spire/root-kubeconfigs/workload-b"');
    expect(text).not.toContain('UpstreamAuthority');
    expect([...files.keys()].filter((path) => path.includes('/spire-root/'))).not.toEqual([]);
    expect([...files.keys()].filter((path) => path.startsWith('staging/workload-b/spire-root/'))).toEqual([]);
  });

  test('every downstream server is registered at the root, for the root\'s controller manager only, pinned to its namespace and service account', () => {
    for (const cluster of ['workload-a', 'workload-b']) {
      const alias = find(files, `staging/workload-a/clusterstaticentry-spire-root-agents-${cluster}.yaml`).spec;
      const downstream = find(files, `staging/workload-a/clusterstaticentry-spire-downstream-${cluster}.yaml`).spec;
      expect(alias).toEqual({
        className: 'spire-root.staging',
        spiffeID: `spiffe://staging.example.org/nested/root-agents/${cluster}`,
        parentID: 'spiffe://staging.example.org/spire/server',
        selectors: [`k8s_psat:cluster:${cluster}`, 'k8s_psat:agent_ns:spire-root-system', 'k8s_psat:agent_sa:spire-root-agent'],
      });
      expect(downstream).toEqual({
        className: 'spire-root.staging',
        spiffeID: `spiffe://staging.example.org/nested/downstream/${cluster}`,
        parentID: alias.spiffeID,
        selectors: ['k8s:ns:spire-server', 'k8s:sa:spire-server'],
        downstream: true,
      });
    }
    const rootManager = find(files, 'staging/workload-a/spire-root/configmap-spire-root-controller-manager.yaml');
    const downstreamManager = find(files, 'staging/workload-a/spire-server/configmap-spire-controller-manager.yaml');
    expect(JSON.stringify(rootManager.data)).toContain('spire-root.staging');
    expect(JSON.stringify(downstreamManager.data)).not.toContain('spire-root.staging');
  });

  test('the root side syncs before the cluster\'s own server, whose CA it signs, and the cluster\'s agents and identities after it', () => {
    const wave = (path: string) => Number(find(files, path).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('staging/workload-a/spire-root/statefulset-spire-root-server.yaml')).toBe(0);
    for (const cluster of ['workload-a', 'workload-b']) {
      expect([
        wave(`staging/${cluster}/spire-root-system/daemonset-spire-root-agent.yaml`),
        wave(`staging/${cluster}/spire-root-system/daemonset-spiffe-csi-driver-root.yaml`),
        wave(`staging/${cluster}/spire-server/statefulset-spire-server.yaml`),
        wave(`staging/${cluster}/spire-system/daemonset-spire-agent.yaml`),
        wave(`staging/${cluster}/clusterspiffeid-checkout.yaml`),
      ]).toEqual([1, 1, 2, 3, 3]);
    }
    expect(wave('staging/workload-a/clusterstaticentry-spire-downstream-workload-b.yaml')).toBe(1);
  });

  test('the identity policy admits the root\'s class for its registrations only, each pinned as synth writes it', () => {
    const policy = find(files, 'staging/workload-a/validatingadmissionpolicy-spire-identity-policy-clusterstaticentry.yaml');
    const rootEntry = policy.spec.variables.find((variable: any) => variable.name === 'rootEntry').expression as string;
    expect(rootEntry.startsWith("has(object.spec.className) && object.spec.className == 'spire-root.staging' && (")).toBe(true);
    const entries = [...files.keys()].filter((path) => path.startsWith('staging/workload-a/clusterstaticentry-')).map((path) => find(files, path));
    expect(entries.map((entry) => entry.metadata.name).sort()).toEqual(['spire-downstream-workload-a', 'spire-downstream-workload-b', 'spire-root-agents-workload-a', 'spire-root-agents-workload-b']);
    for (const entry of entries) {
      expect(rootEntry).toContain(`object.metadata.name == '${entry.metadata.name}' && object.spec.spiffeID == '${entry.spec.spiffeID}' && object.spec.parentID == '${entry.spec.parentID}'`
        + ` && has(object.spec.selectors) && object.spec.selectors == [${entry.spec.selectors.map((selector: string) => `'${selector}'`).join(', ')}]`);
    }
    expect(rootEntry.match(/object\.metadata\.name == /g)).toHaveLength(4);
    const remote = find(files, 'staging/workload-b/validatingadmissionpolicy-spire-identity-policy-clusterstaticentry.yaml');
    expect(remote.spec.variables.map((variable: any) => variable.name)).toEqual(['spec']);
  });

  test('the root server acts in the other clusters as a service account of their own, with what k8s_psat and the bundle publisher need', () => {
    const role = find(files, 'staging/workload-b/spire-root-system/role-spire-root-server-remote.yaml');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['spire-root-bundle'], verbs: ['patch', 'create'] },
    ]);
    // Pods are read only where the root agents run: the cluster's other pods stay out of the root's reach.
    const clusterRole = find(files, 'staging/workload-b/clusterrole-spire-root-server-remote.yaml');
    expect(clusterRole.rules).toEqual([
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: [''], resources: ['nodes'], verbs: ['get'] },
    ]);
    const root = find(files, 'staging/workload-a/spire-root/statefulset-spire-root-server.yaml').spec.template.spec;
    expect(root.volumes).toContainEqual({ name: 'remote-kubeconfigs', secret: { secretName: 'spire-root-kubeconfigs' } });
  });
});

describe('nested topology: refusals', () => {
  test('fails a root in a cluster the environment does not have', () => {
    expect(problemsOf(nestedWith({ cluster: 'workload-c', serverAddress: 'root.example.org' }))).toContainEqual(expect.stringMatching(
      /^staging: Environment "staging" topology\.root\.cluster: is not a cluster of the environment \(workload-a, workload-b\), .*got "workload-c"; fix: name one of the environment's clusters, or give the root a management cluster of its own: root: \{ managementCluster: \{ name, region, apiServer \}, serverAddress \}$/,
    ));
  });

  test('fails remote downstream servers without the root\'s address', () => {
    expect(problemsOf(nestedWith({ cluster: 'workload-a' }))).toContainEqual(expect.stringMatching(
      /^staging: Environment "staging" topology\.root\.serverAddress: is needed: the downstream servers and root agents of workload-b run outside the root's cluster workload-a.*fix: set topology\.root\.serverAddress/,
    ));
  });

  test('fails a management cluster named like a workload cluster', () => {
    const management = { name: 'workload-b', region: 'region-m', apiServer: 'https://m.k8s.example.org' };
    const problems = problemsOf(nestedWith({ managementCluster: management, serverAddress: 'root.example.org' }));
    expect(problems).toContainEqual(expect.stringMatching(
      /^staging: Environment "staging" topology\.root\.managementCluster\.name: is also a workload cluster of the environment \(workload-a, workload-b\); both would write dist\/staging\/workload-b, got "workload-b"/,
    ));
    expect(problems.filter((problem) => problem.includes('is used twice'))).toEqual([]);
  });

  test('fails a nested environment with a cert-manager upstream authority too', () => {
    const upstreamAuthority = { type: 'cert-manager' as const, issuerName: 'ca', issuerKind: 'ClusterIssuer' as const, issuerGroup: 'cert-manager.io', namespace: 'spire-server' };
    expect(problemsOf(withStaging({ server: { ...staging.server, upstreamAuthority } }))).toContainEqual(expect.stringMatching(
      /^staging: Environment "staging" server\.upstreamAuthority: signs the downstream servers' CAs in a nested topology already .*got "cert-manager"; fix: remove server\.upstreamAuthority/,
    ));
  });

  test('fails nested servers on one database, and accepts them on databases of their own', () => {
    const database = (host: string) => ({
      type: 'postgres' as const, host, port: 5432, database: 'spire', user: 'spire', passwordSecret: { name: 'db', key: 'password' },
      sslMode: 'verify-full' as const, caConfigMap: 'spire-server-db-ca', maxOpenConns: 10, maxIdleConns: 2,
    });
    const gitops = { ...staging.gitops, secretDelivery: { type: 'prerequisite' as const } };
    const shared = withStaging({ gitops, server: { ...staging.server, replicas: 2, datastore: database('db.example.org') } });
    expect(problemsOf(shared)).toContainEqual(expect.stringMatching(
      /^staging: Environment "staging" server\.datastore: is shared by the nested servers root \(in workload-a\), workload-a, workload-b; .*got "postgres:\/\/db\.example\.org:5432\/spire"/,
    ));
    const own = withStaging({
      gitops,
      server: { ...staging.server, replicas: 2, datastore: database('root-db.example.org') },
      clusters: staging.clusters.map((cluster) => ({ ...cluster, serverOverrides: { datastore: database(`${cluster.name}-db.example.org`) } })),
    });
    expect(problemsOf(own)).toEqual([]);
  });

  test('servers of one trust domain on different datastores: refused in ha, accepted in nested (they chain to one root)', () => {
    expect(sharedTrustDomainProblems(nestedExample)).toEqual([]);
    const ha = withStaging({ topology: { type: 'ha' } });
    expect(sharedTrustDomainProblems(ha)).toContainEqual(expect.stringMatching(/^staging\/workload-a: SpireServer "spire-server" server\.datastore: shares trust domain staging\.example\.org/));
  });
});
