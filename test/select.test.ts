import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { snapshotOfEstate } from '../lib/plan/estates';
import { explain, formatExplanation } from '../lib/plan/explain';
import { loadEstateSource, snapshotOf, withWorktree } from '../lib/plan/load';
import { ClusterSnapshot } from '../lib/plan/model';
import { Workload, selectEntries } from '../lib/plan/select';
import { defaultEstate } from './helpers/estate';

const estate = snapshotOfEstate(defaultEstate);
const staging = estate.clusters.find((cluster) => cluster.cluster === 'stg-euw1')!;

function pod(namespace: string, serviceAccountName: string, labels: Record<string, string> = {}, extra: Partial<Workload> = {}): Workload {
  return { name: `${serviceAccountName}-0`, namespace, serviceAccountName, labels, source: 'test', ...extra };
}

function withIdentities(cluster: ClusterSnapshot, identities: Record<string, any>): ClusterSnapshot {
  return { ...cluster, identities: new Map([...cluster.identities, ...Object.entries(identities)]) };
}

describe('selection as the controller manager does it', () => {
  test('a selected pod gets the identity\'s entry, with the k8s_psat parent and pod-uid selector', () => {
    const [entry, ...rest] = selectEntries(staging, pod('web', 'web-frontend', { 'app.kubernetes.io/name': 'web-frontend' }, { uid: 'u1', nodeUid: 'n1' })).entries;
    expect(rest).toEqual([]);
    expect(entry).toEqual({
      spiffeId: 'spiffe://staging.spire.acme.example/ns/web/sa/web-frontend',
      parentId: 'spiffe://staging.spire.acme.example/spire/agent/k8s_psat/stg-euw1/n1',
      selectors: ['k8s:pod-uid:u1', 'k8s:sa:web-frontend'],
      x509SvidTtl: '1h', jwtSvidTtl: undefined, federatesWith: [], dnsNames: ['web-frontend.web.svc.cluster.local'],
      admin: false, downstream: false, hint: 'web-frontend', by: ['web-frontend'],
    });
  });

  test('a pod no identity selects gets the fallback; a selected one does not', () => {
    expect(selectEntries(staging, pod('shop', 'cart')).entries.map((entry) => [entry.spiffeId, entry.by])).toEqual([
      ['spiffe://staging.spire.acme.example/ns/shop/sa/cart', ['default-fallback']],
    ]);
    const selected = selectEntries(staging, pod('data', 'postgres-primary', { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'primary' }));
    expect(selected.entries.map((entry) => entry.by)).toEqual([['data-primary']]);
    expect(selected.notes).toContainEqual({ identity: 'default-fallback', reason: 'fallback, and data-primary already gives the pod an entry' });
  });

  test('an ignored namespace gets nothing, whatever selects it', () => {
    const cluster = withIdentities(staging, { 'kube-tool': { className: staging.className, spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/kube', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } } });
    const selection = selectEntries(cluster, pod('kube-system', 'coredns'));
    expect(selection.entries).toEqual([]);
    expect(selection.notes).toContainEqual({ identity: 'kube-tool', reason: 'namespace kube-system is ignored by the manager (ignoreNamespaces ^kube-system$)' });
  });

  test('another className is not reconciled', () => {
    const cluster = withIdentities(staging, { foreign: { className: 'other', spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/x' } });
    expect(selectEntries(cluster, pod('shop', 'cart')).notes).toContainEqual({ identity: 'foreign', reason: 'className "other" is not the manager\'s (spire-stg-euw1)' });
  });

  test('a template that does not parse disables the identity; one that fails to render leaves the pod to the fallback', () => {
    const cluster = withIdentities(staging, {
      broken: { className: staging.className, spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/{{ .PodMeta.Name', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } },
      'other-domain': { className: staging.className, spiffeIDTemplate: 'spiffe://elsewhere.example/x', namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } } },
    });
    const selection = selectEntries(cluster, pod('shop', 'cart'));
    expect(selection.notes.find((note) => note.identity === 'broken')?.reason).toMatch(/^the manager cannot parse it: unclosed action/);
    expect(selection.notes.find((note) => note.identity === 'other-domain')?.reason).toMatch(/fails to render .*expected trust domain "staging\.spire\.acme\.example" but got "elsewhere\.example"/);
    expect(selection.entries.map((entry) => entry.by)).toEqual([['default-fallback']]);
  });

  test('two identities rendering one entry give one entry declared by both', () => {
    const copy = { ...staging.identities.get('data-primary'), hint: 'data-primary' };
    const cluster = withIdentities(staging, { 'data-primary-copy': copy });
    const selection = selectEntries(cluster, pod('data', 'postgres-primary', { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/component': 'primary' }));
    expect(selection.entries.map((entry) => entry.by)).toEqual([['data-primary', 'data-primary-copy']]);
  });

  test('matchExpressions: NotIn and DoesNotExist', () => {
    const cluster = withIdentities(staging, {
      canary: {
        className: staging.className, spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/canary',
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
        podSelector: { matchExpressions: [{ key: 'track', operator: 'NotIn', values: ['stable'] }, { key: 'legacy', operator: 'DoesNotExist' }] },
        workloadSelectorTemplates: ['k8s:sa:cart'],
      },
    });
    expect(selectEntries(cluster, pod('shop', 'cart', { track: 'canary' })).entries.map((entry) => entry.by)).toEqual([['canary']]);
    expect(selectEntries(cluster, pod('shop', 'cart', { track: 'stable' })).entries.map((entry) => entry.by)).toEqual([['default-fallback']]);
    expect(selectEntries(cluster, pod('shop', 'cart', { legacy: 'yes' })).entries.map((entry) => entry.by)).toEqual([['default-fallback']]);
  });
});

describe('explain', () => {
  test('names the identity, the exact ID, TTLs and federation per cluster', () => {
    const text = formatExplanation(explain(estate, { environment: 'production', namespace: 'edge', serviceAccount: 'api-gateway', labels: { 'app.kubernetes.io/name': 'api-gateway', 'gateway-tier': 'partner' } }));
    for (const cluster of ['prod-euw1', 'prod-use1']) {
      expect(text).toContain(`production/${cluster}: pod in edge as api-gateway with app.kubernetes.io/name=api-gateway,gateway-tier=partner\n  spiffe://prod.spire.acme.example/ns/edge/sa/api-gateway/partner\n    from ClusterSPIFFEID api-gateway\n    parent spiffe://prod.spire.acme.example/spire/agent/k8s_psat/${cluster}/<node uid>`);
    }
    expect(text).toContain('    X509-SVID TTL 1h, JWT-SVID TTL 5m\n    federates with\n'
      + '      payments.partner.example: bundle from https://spire-bundle.payments.partner.example (https_spiffe as spiffe://payments.partner.example/spire/server), ClusterFederatedTrustDomain payments-partner-example\n'
      + '      logistics.partner.example: bundle from https://bundle.logistics.partner.example/spiffe (https_web), ClusterFederatedTrustDomain logistics-partner-example\n');
  });

  test('a pod whose service account the identity\'s selector does not match is told it never gets the SVID', () => {
    const text = formatExplanation(explain(estate, { environment: 'staging', namespace: 'web', serviceAccount: 'default', labels: { 'app.kubernetes.io/name': 'web-frontend' } }));
    expect(text).toContain('NOT ISSUED: the entry selects k8s:sa:web-frontend but the pod runs as service account default');
  });

  test('an unknown environment fails naming what exists', () => {
    expect(() => explain(estate, { environment: 'qa', namespace: 'a', serviceAccount: 'b' })).toThrow(/no cluster qa in the estate \(have development\/dev-euw1, /);
  });
});

describe('the base of a plan', () => {
  test('a temporary worktree of a commit is loaded in-process and removed afterwards', () => {
    let dir = '';
    const snapshot = withWorktree(process.cwd(), 'HEAD', (path) => {
      dir = path;
      expect(existsSync(join(path, 'lib', 'synth.ts'))).toBe(true);
      return snapshotOf(loadEstateSource(path, process.cwd()));
    });
    expect(existsSync(dir)).toBe(false);
    expect(snapshot.clusters.map((cluster) => `${cluster.environment}/${cluster.cluster}`)).toContain('production/prod-euw1');
  });

  test('a ref that names no commit fails', () => {
    expect(() => withWorktree(process.cwd(), 'no-such-ref-xyz', () => 0)).toThrow(/git ref "no-such-ref-xyz" does not name a commit/);
  });
});
