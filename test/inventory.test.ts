import { EstateConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { defaultEstate, defaultFiles, estateWith } from './helpers/estate';

/*
 * dist/README.md: per identity its source, selection, effective TTLs, DNS names, admin and federation;
 * static entries, partners' bundle endpoints, attestation per cluster, images; ordered by name.
 */

function rowOf(inventory: string, section: string, name: string): string[] {
  const start = inventory.indexOf(`## ${section} (`);
  const end = inventory.indexOf('\n## ', start + 1);
  const row = inventory.slice(start, end === -1 ? undefined : end).split('\n').find((line) => line.startsWith(`| ${name} |`));
  if (!row) throw new Error(`no row ${name} in ${section}`);
  return row.slice(2, -2).split(' | ');
}

describe('inventory', () => {
  const inventory = defaultFiles().get('README.md')!;

  test('a team identity names its file, the pods it selects, effective TTLs, DNS names and federation', () => {
    expect(rowOf(inventory, 'production', 'payments-api')).toEqual([
      'payments-api',
      '`identities/production/payments.yaml`',
      'ns: kubernetes.io/metadata.name=payments<br/>pod: app.kubernetes.io/name=payments-api<br/>k8s:sa:payments-api',
      'payments/payments-api<br/>app.kubernetes.io/name=payments-api',
      '`spiffe://prod.spire.acme.example/ns/payments/sa/payments-api`',
      '1h',
      '5m',
      'payments-api.payments.svc.cluster.local',
      'no',
      'payments.partner.example',
    ]);
  });

  test('a TTL the identity leaves out shows the server default, and a platform identity its estate', () => {
    const row = rowOf(inventory, 'staging', 'search-frontend');
    expect(row.slice(5, 7)).toEqual(['1h (server default)', '5m (server default)']);
    expect(rowOf(inventory, 'staging', 'web-frontend')[1]).toBe('`lib/config/estate.ts`');
  });

  test('identities are listed by name, whatever order the estate gives them in', () => {
    const reversed: EstateConfig = { ...defaultEstate, environments: defaultEstate.environments.map((env) => ({ ...env, identities: [...env.identities].reverse() })) };
    expect(renderEstate(reversed).get('README.md')).toBe(inventory);
  });

  test('partners show their bundle endpoint URL and profile; images their tag and digest', () => {
    expect(inventory).toContain('| production | payments.partner.example | `https://spire-bundle.payments.partner.example` | https_spiffe (spiffe://payments.partner.example/spire/server) | committed |');
    expect(inventory).toContain('| production | logistics.partner.example | `https://bundle.logistics.partner.example/spiffe` | https_web | fetched from the endpoint |');
    expect(inventory).toContain('| spireServer | ghcr.io/spiffe/spire-server | 1.15.2 | `sha256:aa74ef1be86bc8e0684007d84a4d9859d294384d842c30425048d73429f3216e` |');
    expect(inventory).toContain('| oidcDiscoveryProvider | ghcr.io/spiffe/oidc-discovery-provider | 1.15.2 | none recorded |');
  });

  test('attestation per cluster is read from the agent.conf the tree deploys', () => {
    expect(rowOf(inventory, 'production', 'prod-use1')).toEqual(['prod-use1', 'k8s_psat', 'prod-use1', 'k8s', 'skipped (skip_kubelet_verification)']);
    const verified = renderEstate(estateWith('staging', (env) => ({ ...env, agent: { ...env.agent, kubeletVerification: 'apiServerCA' } }))).get('README.md')!;
    expect(rowOf(verified, 'staging', 'stg-euw1')[4]).toMatch(/^verified against \/var\/run\/secrets\/kubernetes.io\/serviceaccount\/ca.crt$/);
  });

  test('static entries are listed with their IDs, selectors and effective TTLs', () => {
    const withEntry = renderEstate(estateWith('staging', (env) => ({
      ...env,
      staticEntries: [{ name: 'billing-batch', spiffeIdPath: '/ns/vm/billing-batch', parentIdPath: '/spire/agent/join/vm-1', selectors: ['unix:uid:1000'], jwtSvidTtl: '10m' }],
    }))).get('README.md')!;
    expect(rowOf(withEntry, 'staging', 'billing-batch')).toEqual([
      'billing-batch', '`spiffe://staging.spire.acme.example/ns/vm/billing-batch`', '`spiffe://staging.spire.acme.example/spire/agent/join/vm-1`',
      'unix:uid:1000', '1h (server default)', '10m', '-', 'no', '-',
    ]);
    expect(inventory).toContain('### Static entries\n\nNone.');
  });
});
