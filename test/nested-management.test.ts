import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { estate as managementExample } from '../examples/nested-management/estate';
import { EnvironmentConfig, EstateConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { planEstates } from '../lib/plan/estates';
import { writeTree } from '../lib/write/tree';
import { find, manifests, problemsOf } from './helpers/estate';
import { kustomizeBuild } from './helpers/kustomize';
import { CONTEXTS } from './helpers/template-cases';
import { buildOracle, runOracle } from './helpers/template-oracle';

/*
 * Topology nested with the root in a management cluster of its own (`topology.root.managementCluster`):
 * dist/staging/management runs the root server and its registrations only, every workload cluster reaches
 * the root at the estate's address, and the GitOps objects deliver the management tree before the others.
 */

const staging = managementExample.environments[0];

function withStaging(change: Partial<EnvironmentConfig>): EstateConfig {
  return { ...managementExample, environments: [{ ...staging, ...change }] };
}

function withGitops(change: Partial<EnvironmentConfig['gitops']>): EstateConfig {
  return withStaging({ gitops: { ...staging.gitops, ...change } });
}

const files = renderEstate(managementExample);
const tree = (cluster: string) => manifests(files).filter(({ path }) => path.startsWith(`staging/${cluster}/`)).map(({ object }) => object);
const serverConf = (path: string): string => find(files, path).data['server.conf'];

describe('nested topology with a management cluster: what synth builds', () => {
  test('the management tree holds the root server, its controller manager and the downstream registrations, and nothing of a workload cluster', () => {
    const objects = tree('management');
    expect([...new Set(objects.map((object) => object.kind))].sort()).toEqual([
      'ClusterRole', 'ClusterRoleBinding', 'ClusterStaticEntry', 'ConfigMap', 'Namespace', 'Role', 'RoleBinding',
      'Service', 'ServiceAccount', 'StatefulSet', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration',
    ]);
    expect(objects.filter((object) => object.kind === 'Namespace').map((object) => object.metadata.name)).toEqual(['spire-root']);
    expect(objects.filter((object) => object.kind === 'StatefulSet').map((object) => `${object.metadata.namespace}/${object.metadata.name}`)).toEqual(['spire-root/spire-root-server']);
    const entries = objects.filter((object) => object.kind === 'ClusterStaticEntry');
    expect(entries.map((entry) => [entry.metadata.name, entry.spec.className, entry.spec.downstream ?? false]).sort()).toEqual([
      ['spire-downstream-workload-a', 'spire-root.staging', true],
      ['spire-downstream-workload-b', 'spire-root.staging', true],
      ['spire-root-agents-workload-a', 'spire-root.staging', false],
      ['spire-root-agents-workload-b', 'spire-root.staging', false],
    ]);
  });

  test('its admission policy admits the root\'s registrations only: no other entry of any class, no workload identity, no federation', () => {
    const policy = (kind: string) => find(files, `staging/management/validatingadmissionpolicy-spire-identity-policy-${kind}.yaml`).spec;
    const classRule = (kind: string) => policy(kind).validations.find((rule: any) => rule.message.includes(`[${kind}-class-name]`));
    expect(classRule('clusterspiffeid').expression).toBe('false');
    expect(classRule('clusterfederatedtrustdomain').expression).toBe('false');
    expect(classRule('clusterstaticentry').expression).toBe('variables.rootEntry');
    const rootEntry = policy('clusterstaticentry').variables.find((variable: any) => variable.name === 'rootEntry').expression as string;
    expect(rootEntry.startsWith('has(object.spec.className) && object.spec.className == \'spire-root.staging\' && (')).toBe(true);
    // Each registration is pinned whole, as synth writes it: name, SPIFFE ID, parent, selectors, downstream flag.
    for (const entry of tree('management').filter((object) => object.kind === 'ClusterStaticEntry')) {
      const quote = (value: string) => `'${value}'`;
      expect(rootEntry).toContain([
        `object.metadata.name == ${quote(entry.metadata.name)}`,
        `object.spec.spiffeID == ${quote(entry.spec.spiffeID)}`,
        `object.spec.parentID == ${quote(entry.spec.parentID)}`,
        `has(object.spec.selectors) && object.spec.selectors == [${entry.spec.selectors.map(quote).join(', ')}]`,
        entry.spec.downstream ? 'has(object.spec.downstream) && object.spec.downstream' : '(!has(object.spec.downstream) || !object.spec.downstream)',
      ].join(' && '));
    }
  });

  test('the root reviews every root agent\'s token and publishes its bundle through that cluster\'s kubeconfig, never in its own cluster', () => {
    const text = serverConf('staging/management/spire-root/configmap-spire-root-server.yaml');
    for (const cluster of ['workload-a', 'workload-b']) {
      expect(text).toContain(`"kube_config_file" = "/run/spire/root-kubeconfigs/${cluster}"`);
      expect(text).toContain(`"kubeconfig_path" = "/run/spire/root-kubeconfigs/${cluster}"`);
    }
    expect(text).not.toContain('"management"');
    // No rights in its own cluster beyond its controller manager's: no TokenReview, no bundle ConfigMap.
    const grants = tree('management').filter((object) => /Role$/.test(object.kind)).map((object) => object.metadata.name);
    expect(grants).not.toContain('spire-root-spire-server');
    expect(grants).not.toContain('spire-server-bundle');
    const pod = find(files, 'staging/management/spire-root/statefulset-spire-root-server.yaml').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'remote-kubeconfigs', secret: { secretName: 'spire-root-kubeconfigs' } });
  });

  test.each(['workload-a', 'workload-b'])('%s runs the root\'s agents and a downstream server that reaches the root at the estate\'s address', (cluster) => {
    expect(serverConf(`staging/${cluster}/spire-server/configmap-spire-server.yaml`)).toContain('server_address = "spire-root.management.example.org"');
    const objects = tree(cluster);
    expect(objects.some((object) => object.metadata.namespace === 'spire-root')).toBe(false);
    expect(objects.filter((object) => object.kind === 'DaemonSet').map((object) => object.metadata.name).sort()).toEqual(['spiffe-csi-driver', 'spiffe-csi-driver-root', 'spire-agent', 'spire-root-agent']);
    expect(objects.some((object) => object.kind === 'ServiceAccount' && object.metadata.name === 'spire-root-server-remote')).toBe(true);
  });

  test('the Argo CD Application of the management cluster is synced a wave before the workload clusters\'', () => {
    const application = (cluster: string) => find(files, `argocd/application-spire-staging-${cluster}.yaml`);
    expect(application('management').spec.destination).toEqual({ server: 'https://management.k8s.example.org', namespace: 'spire-root' });
    expect(application('management').spec.sources[1].path).toBe('dist/staging/management');
    expect(application('management').metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined();
    for (const cluster of ['workload-a', 'workload-b']) expect(application(cluster).metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
  });

  test('an ApplicationSet rolls the management cluster out first, then the workload clusters region by region', () => {
    const set = find(renderEstate(withGitops({ argoDelivery: 'applicationset' })), 'argocd/applicationset-spire-staging.yaml');
    const label = '(index .metadata.labels "spire-gitops/cluster")';
    expect(set.spec.strategy.rollingSync.steps).toEqual([
      { matchExpressions: [{ key: 'spire-gitops/cluster', operator: 'In', values: ['management'] }] },
      { matchExpressions: [{ key: 'spire-gitops/region', operator: 'In', values: ['region-a'] }, { key: 'spire-gitops/cluster', operator: 'NotIn', values: ['management'] }] },
      { matchExpressions: [{ key: 'spire-gitops/region', operator: 'In', values: ['region-b'] }, { key: 'spire-gitops/cluster', operator: 'NotIn', values: ['management'] }] },
    ]);
    expect(set.spec.template.spec.destination.namespace).toBe(`{{ if eq ${label} "management" }}spire-root{{ else }}spire-server{{ end }}`);
    expect(set.spec.generators[0].clusters.selector.matchExpressions[0].values).toEqual(['management', 'workload-a', 'workload-b']);
    // Every templated string of the set parses as Go's text/template (the ApplicationSet controller's goTemplate).
    const templated: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string' && value.includes('{{')) templated.push(value);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(set.spec.template);
    expect(templated.length).toBeGreaterThanOrEqual(4);
    const results = runOracle(buildOracle(), templated.map((template) => ({ template, context: CONTEXTS[0] })));
    expect(templated.filter((_, index) => 'parseError' in results[index])).toEqual([]);
  }, 600_000);

  test('with Flux the management cluster has its own Kustomizations, and none for agents it does not run', () => {
    const flux = renderEstate(withGitops({ engines: ['flux'] }));
    const objects = [...parseAllDocuments(flux.get('flux/staging/management/kustomization-spire.yaml') ?? '')].map((document) => document.toJS());
    expect(objects[0]?.spec.path).toBe('./dist/staging/management');
    expect([...flux.keys()].filter((path) => path.startsWith('flux/staging/management/') && path.includes('agents'))).toEqual([]);
    expect(flux.has('flux/staging/workload-a/kustomization-spire-agents.yaml')).toBe(true);
  });

  describe('built with a real kustomize (kubectl kustomize, v5)', () => {
    let outdir: string;
    beforeAll(() => {
      outdir = mkdtempSync(join(tmpdir(), 'spire-gitops-'));
      writeTree(files, outdir);
    });
    afterAll(() => rmSync(outdir, { recursive: true, force: true }));

    test('dist/staging/management builds into exactly its synthesized objects', () => {
      const built = parseAllDocuments(kustomizeBuild(join(outdir, 'staging', 'management'))).map((document) => document.toJS());
      const key = (object: any) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      expect(built.map(key).sort()).toEqual(tree('management').map(key).sort());
    });
  });
});

describe('nested topology with a management cluster: plan', () => {
  test('sees the management tree: moving the root there adds its registrations there, and the root server\'s changes show there', () => {
    const inWorkloadA = withStaging({ topology: { type: 'nested', root: { cluster: 'workload-a', serverAddress: 'spire-root.management.example.org' } } });
    const moved = planEstates(inWorkloadA, managementExample, { workloadClusters: [] });
    const management = moved.clusters.find((cluster) => cluster.cluster === 'management')!;
    expect(management.status).toBe('added');
    expect(management.identities.map((change) => `${change.kind} ${change.name} ${change.change}`).sort()).toEqual([
      'ClusterStaticEntry spire-downstream-workload-a added', 'ClusterStaticEntry spire-downstream-workload-b added',
      'ClusterStaticEntry spire-root-agents-workload-a added', 'ClusterStaticEntry spire-root-agents-workload-b added',
    ]);
    // The root's CA key type changes with the environment's: the management tree's server changes too.
    const p384 = withStaging({ server: { ...staging.server, caKeyType: 'ec-p384' } });
    const rekeyed = planEstates(managementExample, p384, { workloadClusters: [] }).clusters.find((cluster) => cluster.cluster === 'management')!;
    expect(JSON.stringify(rekeyed)).toMatch(/ec-p256.*ec-p384/);
  });
});

describe('nested topology with a management cluster: refusals', () => {
  const management = staging.topology?.type === 'nested' && 'managementCluster' in staging.topology.root ? staging.topology.root.managementCluster : undefined;

  test('fails without the address at which every workload cluster reaches the root', () => {
    expect(problemsOf(withStaging({ topology: { type: 'nested', root: { managementCluster: management! } } }))).toContainEqual(expect.stringMatching(
      /^staging: Environment "staging" topology\.root\.serverAddress: is needed: the downstream servers and root agents of workload-a, workload-b run outside the root's cluster management .*fix: set topology\.root\.serverAddress/,
    ));
  });

  test('holds the management cluster to a cluster\'s rules (name, API server)', () => {
    const problems = problemsOf(withStaging({
      topology: { type: 'nested', root: { managementCluster: { ...management!, name: 'Management', apiServer: 'http://management.example.org' }, serverAddress: 'root.example.org' } },
    }));
    expect(problems).toContainEqual(expect.stringMatching(/^staging: cluster "Management" name: must be a DNS label of at most 40 characters .*got "Management"/));
    expect(problems).toContainEqual(expect.stringMatching(/^staging: cluster "Management" apiServer: must be the https:\/\/ URL of the API server/));
  });

  test('fails a management cluster that is another tree\'s cluster: the roots of two environments, or a workload cluster', () => {
    const qa = { ...staging, name: 'qa', trustDomain: 'qa.example.org', clusters: staging.clusters.map((cluster) => ({ ...cluster, apiServer: cluster.apiServer.replace('.k8s.', '.qa.k8s.') })) };
    expect(problemsOf({ ...managementExample, environments: [staging, qa] })).toContainEqual(expect.stringMatching(
      /^qa: cluster "management" topology\.root\.managementCluster\.apiServer: is also the API server of dist\/staging\/management; two trees in one cluster would overwrite .*got "https:\/\/management\.k8s\.example\.org"; fix: give every tree a cluster of its own/,
    ));
    const intoWorkload = withStaging({
      topology: { type: 'nested', root: { managementCluster: { ...management!, apiServer: 'https://workload-a.k8s.example.org' }, serverAddress: 'root.example.org' } },
    });
    expect(problemsOf(intoWorkload)).toContainEqual(expect.stringMatching(/^staging: cluster "management" topology\.root\.managementCluster\.apiServer: is also the API server of dist\/staging\/workload-a;/));
  });

  test('fails a root database password that nothing delivers', () => {
    const datastore = {
      type: 'postgres' as const, host: 'root-db.example.org', port: 5432, database: 'spire', user: 'spire', passwordSecret: { name: 'root-db', key: 'password' },
      sslMode: 'verify-full' as const, caConfigMap: 'spire-server-db-ca', maxOpenConns: 10, maxIdleConns: 2,
    };
    const estate = withStaging({
      topology: { type: 'nested', root: { managementCluster: { ...management!, serverOverrides: { datastore } }, serverAddress: 'root.example.org' } },
    });
    expect(problemsOf(estate)).toContainEqual(expect.stringMatching(/^staging: environment "staging" gitops\.secretDelivery: the datastore reads a password Secret that nothing delivers/));
  });

  test('checks the root\'s own overrides like a cluster\'s, and names where they are written', () => {
    const withOverrides = (serverOverrides: Record<string, unknown>) => withStaging({
      topology: { type: 'nested', root: { managementCluster: { ...management!, serverOverrides } as any, serverAddress: 'root.example.org' } },
    });
    expect(problemsOf(withOverrides({ replicas: 0 }))).toContainEqual(expect.stringMatching(
      /^staging: .* topology\.root\.managementCluster\.serverOverrides\.replicas: must be a whole number from 1 to 100, got 0/,
    ));
    expect(problemsOf(withOverrides({ replicas: 2 }))).toContainEqual(expect.stringMatching(
      /SpireServer "spire-root-server" topology\.root\.managementCluster\.serverOverrides\.replicas: sqlite3 supports exactly one server replica, got 2; fix: set topology\.root\.managementCluster\.serverOverrides\.replicas to 1 in staging/,
    ));
    const badSecret = { type: 'postgres', host: 'root-db.example.org', port: 5432, database: 'spire', user: 'spire', passwordSecret: { name: 'Root_DB', key: 'password' }, sslMode: 'require', maxOpenConns: 10, maxIdleConns: 2 };
    expect(problemsOf(withOverrides({ datastore: badSecret }))).toContainEqual(expect.stringMatching(
      /topology\.root\.managementCluster\.serverOverrides\.datastore\.passwordSecret\.name: .*got "Root_DB"/,
    ));
  });

  test('names the management cluster\'s root among servers that would share one database', () => {
    const database = {
      type: 'postgres' as const, host: 'db.example.org', port: 5432, database: 'spire', user: 'spire', passwordSecret: { name: 'db', key: 'password' },
      sslMode: 'verify-full' as const, caConfigMap: 'spire-server-db-ca', maxOpenConns: 10, maxIdleConns: 2,
    };
    const shared = withStaging({ gitops: { ...staging.gitops, secretDelivery: { type: 'prerequisite' } }, server: { ...staging.server, datastore: database } });
    expect(problemsOf(shared)).toContainEqual(expect.stringMatching(/server\.datastore: is shared by the nested servers root \(in management\), workload-a, workload-b; /));
  });
});
