import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/cli/main';
import { clusterOfEntries, driftReport, parseEntries, predictedEntries } from '../lib/plan/drift';
import { snapshotOfEstate } from '../lib/plan/estates';
import { readClusterExport } from '../lib/plan/workloads';
import { defaultEstate } from './helpers/estate';

const FIXTURES = join(__dirname, 'fixtures', 'drift');
const entries = parseEntries(readFileSync(join(FIXTURES, 'entries-prod-euw1.json'), 'utf8'));
const estate = snapshotOfEstate(defaultEstate);
const cluster = estate.clusters.find((candidate) => candidate.cluster === 'prod-euw1')!;

describe('drift', () => {
  test('the entries name their cluster through the k8s_psat parent IDs', () => {
    expect(clusterOfEntries(estate, entries)?.cluster).toBe('prod-euw1');
  });

  test('without pods: hand-made and left-behind entries are extra, edited ones different, the other region set aside', () => {
    const report = driftReport(cluster, entries, { estate });
    expect(report.extra.map((finding) => finding.entry)).toEqual(['4a9f2c1e-hand-made', 'prod-euw14d3f6e7b-0004']);
    expect(report.extra[0].reason).toMatch(/lacks the manager's entryIDPrefix \(prod-euw1\)/);
    expect(report.extra[1].reason).toMatch(/no ClusterSPIFFEID of this cluster declares an entry like it/);
    expect(report.different.map((finding) => [finding.entry, finding.fields])).toEqual([
      ['prod-euw12b1d4c5f-0002', [{ field: 'x509SvidTtl', before: 3600, after: 7200 }]],
      ['prod-euw13c2e5d6a-0003', [{ field: 'federatesWith', before: [], after: ['evil.example'] }]],
    ]);
    expect(report.missing).toEqual([]);
    expect(report.matching).toBe(2);
    expect(report.otherClusters).toBe(1);
    // The fixture's server predates the teams' identities: none of them has an entry there yet.
    expect(report.identitiesWithoutEntries).toEqual(['data-replica', 'payments-api', 'payments-ledger', 'search-frontend', 'search-indexer']);
  });

  test('with pods: what a running pod should have and lacks is missing', () => {
    const report = driftReport(cluster, entries, { estate, workloads: readClusterExport(join(FIXTURES, 'pods-prod-euw1.json')) });
    expect(report.missing.map((finding) => [finding.entry, finding.spiffeId])).toEqual([
      ['pod data/postgres-replica-0 (data-replica)', 'spiffe://prod.spire.acme.example/ns/data/sa/postgres-replica'],
    ]);
    expect(report.matching).toBe(2);
  });

  test('an entry matching the estate exactly is no drift', () => {
    const clean = entries.filter((entry) => ['prod-euw11f0c2a3e-0001', 'prod-euw15e4a7f8c-0005'].includes(entry.id));
    const report = driftReport(cluster, clean, { estate });
    expect([report.missing, report.extra, report.different, report.matching]).toEqual([[], [], [], 2]);
  });

  test('a static entry of the estate absent on the server is missing, and one edited is different', () => {
    const withStatic = snapshotOfEstate({
      ...defaultEstate,
      environments: defaultEstate.environments.map((environment) => (environment.name !== 'production' ? environment : {
        ...environment,
        staticEntries: [
          { name: 'vm-batch', spiffeIdPath: '/ns/vm/batch', parentIdPath: '/spire/agent/join/vm-1', selectors: ['unix:uid:1000'], admin: false },
          { name: 'vm-report', spiffeIdPath: '/ns/vm/report', parentIdPath: '/spire/agent/join/vm-1', selectors: ['unix:uid:1001'], x509SvidTtl: '2h', admin: false },
        ],
      })),
    }).clusters.find((candidate) => candidate.cluster === 'prod-euw1')!;
    const live = [{
      id: 'prod-euw1aa-static', spiffe_id: { trust_domain: 'prod.spire.acme.example', path: '/ns/vm/report' },
      parent_id: { trust_domain: 'prod.spire.acme.example', path: '/spire/agent/join/vm-1' },
      selectors: [{ type: 'unix', value: 'uid:1001' }], x509_svid_ttl: 3600, jwt_svid_ttl: 0, federates_with: [], admin: false, downstream: false, dns_names: [], hint: '',
    }];
    const report = driftReport(withStatic, live);
    expect(report.missing.map((finding) => finding.entry)).toEqual(['ClusterStaticEntry vm-batch']);
    expect(report.different.map((finding) => finding.fields)).toEqual([[{ field: 'x509SvidTtl', before: 7200, after: 3600 }]]);
  });

  test('output that is not entry show JSON is refused', () => {
    expect(() => parseEntries('{"items": []}', 'x.json')).toThrow(/x\.json: expected \{"entries": \[\.\.\.\]\}/);
    expect(() => parseEntries('{"entries": [{"id": "a"}]}', 'x.json')).toThrow(/entries\[0\] has no spiffe_id/);
  });

  test('the drift command exits 1 with drift and reports on stdout', () => {
    let out = '';
    let err = '';
    const code = run(['drift', '--entries', join(FIXTURES, 'entries-prod-euw1.json')], { out: (text) => { out += text; }, err: (text) => { err += text; }, cwd: process.cwd() });
    expect([code, err]).toEqual([1, '']);
    expect(out).toMatch(/^drift of production\/prod-euw1:/);
    expect(out).toMatch(/0 missing, 2 extra, 2 different, 2 matching, 1 of other clusters\n$/);
  });

  test('the drift command exits 2 with a usage error on stderr', () => {
    let err = '';
    const code = run(['drift', '--env', 'production'], { out: () => undefined, err: (text) => { err += text; }, cwd: process.cwd() });
    expect(code).toBe(2);
    expect(err).toMatch(/^spire-gitops drift: drift needs --entries/);
  });
});

describe('predicted entries', () => {
  test('are what drift then finds matching', () => {
    const pods = readClusterExport(join(FIXTURES, 'pods-prod-euw1.json'));
    const predicted = predictedEntries(cluster, pods);
    expect(predicted.map((entry) => [entry.spiffe_id.path, entry.parent_id.path, entry.x509_svid_ttl, entry.selectors])).toEqual([
      ['/ns/web/sa/web-frontend', '/spire/agent/k8s_psat/prod-euw1/node-uid-1', 3600, [{ type: 'k8s', value: 'pod-uid:uid-web' }, { type: 'k8s', value: 'sa:web-frontend' }]],
      ['/ns/data/sa/postgres-replica', '/spire/agent/k8s_psat/prod-euw1/node-uid-1', 43200, [{ type: 'k8s', value: 'pod-uid:uid-replica' }, { type: 'k8s', value: 'sa:postgres-replica' }]],
    ]);
    const live = predicted.map((entry, index) => ({ id: `prod-euw1-${index}`, ...entry }));
    const report = driftReport(cluster, live, { estate, workloads: pods });
    expect([report.missing, report.extra, report.different, report.matching]).toEqual([[], [], [], 2]);
  });
});
