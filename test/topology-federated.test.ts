import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { estate as federatedExample } from '../examples/federated/estate';
import { estate as haExample } from '../examples/ha/estate';
import { bundleEndpointUrlOf } from '../lib/config/topology';
import { EnvironmentConfig, EstateConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { problemsOf } from './helpers/estate';

/*
 * The federated topology built: every cluster's tree issues its own trust domain, federates with the other
 * clusters through their bundle endpoints once their first bundle is committed, and its identities
 * federate with them without listing them. Also the inventory's trust graph.
 */

const TRUST_DOMAINS = ['eu.mesh.example.org', 'us.mesh.example.org', 'ap.mesh.example.org'];

/** A public SPIFFE bundle with one JWT key: what a lock file holds. */
function lock(): string {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return `${JSON.stringify({ keys: [{ use: 'jwt-svid', kid: 'k1', ...publicKey.export({ format: 'jwk' }) }], spiffe_sequence: 1 }, null, 2)}\n`;
}

let repo: string;
beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'federated-'));
  mkdirSync(join(repo, 'federation'));
  for (const trustDomain of TRUST_DOMAINS) writeFileSync(join(repo, 'federation', `${trustDomain}.bundle.json`), lock());
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function objects(files: Map<string, string>, prefix: string, kind: string): any[] {
  return [...files].filter(([path]) => path.startsWith(prefix) && path.endsWith('.yaml'))
    .map(([, text]) => parse(text, { version: '1.1' })).filter((object) => object?.kind === kind);
}

function serverConf(files: Map<string, string>, cluster: string): string {
  return objects(files, `mesh/${cluster}/`, 'ConfigMap').map((object) => object.data?.['server.conf']).find((text) => text !== undefined);
}

const mesh = (change: (env: EnvironmentConfig) => EnvironmentConfig, estate: EstateConfig = federatedExample): EstateConfig => ({
  ...estate, environments: estate.environments.map((env) => (env.name === 'mesh' ? change(env) : env)),
});

describe('federated topology', () => {
  test('every cluster issues its own trust domain: server, agent and controller manager agree', () => {
    const files = renderEstate(federatedExample, { baseDir: repo });
    ['eu', 'us', 'ap'].forEach((cluster, index) => {
      expect(serverConf(files, cluster)).toContain(`trust_domain = "${TRUST_DOMAINS[index]}"`);
      const agent = objects(files, `mesh/${cluster}/`, 'ConfigMap').map((object) => object.data?.['agent.conf']).find((text) => text !== undefined);
      expect(agent).toContain(`trust_domain = "${TRUST_DOMAINS[index]}"`);
      const manager = parse(objects(files, `mesh/${cluster}/`, 'ConfigMap').map((object) => object.data?.['controller-manager-config.yaml']).find((text) => text !== undefined) ?? '{}');
      expect(manager.trustDomain).toBe(TRUST_DOMAINS[index]);
      // The bundle endpoint the others fetch from is served.
      expect(serverConf(files, cluster)).toMatch(/bundle_endpoint \{[\s\S]*profile "https_spiffe"/);
    });
  });

  test('each cluster federates with the others through their bundle endpoints, with their committed first bundle', () => {
    const files = renderEstate(federatedExample, { baseDir: repo });
    const eu = objects(files, 'mesh/eu/', 'ClusterFederatedTrustDomain').map((object) => object.spec);
    expect(eu.map((spec) => spec.trustDomain)).toEqual(['us.mesh.example.org', 'ap.mesh.example.org']);
    expect(eu[0]).toMatchObject({
      className: 'spire-eu',
      bundleEndpointURL: 'https://spire-bundle.us.example.org',
      bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://us.mesh.example.org/spire/server' },
    });
    expect(JSON.parse(eu[0].trustDomainBundle).keys).toHaveLength(1);
  });

  test('identities federate with the other clusters without listing them', () => {
    const files = renderEstate(federatedExample, { baseDir: repo });
    const checkout = objects(files, 'mesh/us/', 'ClusterSPIFFEID').find((object) => object.metadata.name === 'checkout');
    expect(checkout.spec.federatesWith).toEqual(['eu.mesh.example.org', 'ap.mesh.example.org']);
  });

  test('without the first bundles the federation is pending: no ClusterFederatedTrustDomain, no federatesWith, listed in the inventory', () => {
    const files = renderEstate(federatedExample, { baseDir: mkdtempSync(join(tmpdir(), 'no-locks-')) });
    expect(objects(files, 'mesh/', 'ClusterFederatedTrustDomain')).toEqual([]);
    const checkout = objects(files, 'mesh/eu/', 'ClusterSPIFFEID').find((object) => object.metadata.name === 'checkout');
    expect(checkout.spec.federatesWith ?? []).toEqual([]);
    expect(files.get('README.md')).toContain('| mesh | us.mesh.example.org | - | https_spiffe | pending (the federated topology of mesh): commit `federation/us.mesh.example.org.bundle.json`');
    expect(files.get('README.md')).toContain('td_us_mesh_example_org -. "pending: first bundle not committed" .- td_eu_mesh_example_org');
  });

  test('the bundle endpoint address comes from the cluster', () => {
    const env = federatedExample.environments[0];
    expect(bundleEndpointUrlOf(env, env.clusters[1])).toBe('https://spire-bundle.us.example.org');
    expect(bundleEndpointUrlOf(env, { ...env.clusters[1], bundleEndpoint: undefined })).toBeUndefined();
  });

  test('fails a federation to a trust domain that has no bundle endpoint', () => {
    const problems = problemsOf(mesh((env) => ({ ...env, clusters: env.clusters.map((cluster) => (cluster.name === 'ap' ? { ...cluster, bundleEndpoint: undefined } : cluster)) })), { baseDir: repo });
    expect(problems).toContainEqual(expect.stringMatching(
      /^mesh: cluster "ap" bundleEndpoint: serves trust domain ap\.mesh\.example\.org, which environment "mesh" federates with \(the federated topology of mesh\), but has no bundle endpoint address .*; fix: set bundleEndpoint to the host/,
    ));
  });

  test('fails a bundleEndpoint that is not host or host:port', () => {
    const problems = problemsOf(mesh((env) => ({ ...env, clusters: env.clusters.map((cluster) => (cluster.name === 'us' ? { ...cluster, bundleEndpoint: 'https://spire-bundle.us.example.org' } : cluster)) })), { baseDir: repo });
    expect(problems).toContainEqual(expect.stringMatching(
      /^mesh: cluster "us" bundleEndpoint: must be a host name with an optional port .*, got "https:\/\/spire-bundle\.us\.example\.org"; fix: write it like spire-bundle\.eu\.example\.org/,
    ));
  });

  test('fails derived trust domains that collide with another environment\'s', () => {
    const other = { ...haExample.environments[0], name: 'eu-prod', trustDomain: 'eu.mesh.example.org' };
    const problems = problemsOf({ ...federatedExample, environments: [...federatedExample.environments, other] }, { baseDir: repo });
    expect(problems).toContainEqual(expect.stringMatching(
      /^mesh: Environment "mesh" topology\.trustDomainTemplate: gives cluster eu the trust domain eu\.mesh\.example\.org, which environment "eu-prod" also issues; .*got "\{cluster\}\.\{trustDomain\}"; fix: change the template/,
    ));
  });

  test('an environment naming another environment\'s trust domain gets the reverse federation on the other side', () => {
    const partner = {
      ...haExample.environments[0],
      clusters: haExample.environments[0].clusters.map((cluster) => ({ ...cluster, bundleEndpoint: `bundle.${cluster.name}.example.org` })),
      identityPolicy: { ...haExample.environments[0].identityPolicy, allowedFederation: ['eu.mesh.example.org'] },
      federation: [{ trustDomain: 'eu.mesh.example.org', bundleEndpointURL: 'https://spire-bundle.eu.example.org', profile: { type: 'https_spiffe' as const, endpointSPIFFEID: 'spiffe://eu.mesh.example.org/spire/server' } }],
    };
    writeFileSync(join(repo, 'federation', 'prod.example.org.bundle.json'), lock());
    try {
      const files = renderEstate({ ...federatedExample, environments: [...federatedExample.environments, partner] }, { baseDir: repo });
      const reverse = objects(files, 'mesh/ap/', 'ClusterFederatedTrustDomain').find((object) => object.spec.trustDomain === 'prod.example.org');
      expect(reverse.spec).toMatchObject({ bundleEndpointURL: 'https://bundle.prod-a.example.org', bundleEndpointProfile: { endpointSPIFFEID: 'spiffe://prod.example.org/spire/server' } });
      expect(files.get('README.md')).toContain('td_eu_mesh_example_org <-- "federated (https_spiffe)" --> td_prod_example_org');
      // The production side federates with every cluster of the federated environment, not only the one it named.
      const production = objects(files, 'production/prod-b/', 'ClusterFederatedTrustDomain').map((object) => object.spec.trustDomain);
      expect(production).toEqual(['eu.mesh.example.org', 'us.mesh.example.org', 'ap.mesh.example.org']);
    } finally {
      rmSync(join(repo, 'federation', 'prod.example.org.bundle.json'));
    }
  });
});

describe('trust graph', () => {
  test('ha: both servers in one trust domain box, sharing one datastore', () => {
    const readme = renderEstate(haExample).get('README.md')!;
    expect(readme).toContain('  subgraph td_prod_example_org["prod.example.org"]\n    server_production_prod_a["production/prod-a<br/>ha, region-a"]\n    server_production_prod_b["production/prod-b<br/>ha, region-b"]\n  end');
    expect(readme).toContain('server_production_prod_a -. "shared datastore" .- db_postgres_spire_db_example_org_5432_spire');
    expect(readme).toContain('server_production_prod_b -. "shared datastore" .- db_postgres_spire_db_example_org_5432_spire');
  });

  test('federated: one box per cluster trust domain and a federation edge per pair', () => {
    const readme = renderEstate(federatedExample, { baseDir: repo }).get('README.md')!;
    const edges = readme.split('\n').filter((line) => line.includes('<-- "federated'));
    expect(edges).toEqual([
      '  td_eu_mesh_example_org <-- "federated (https_spiffe)" --> td_us_mesh_example_org',
      '  td_eu_mesh_example_org <-- "federated (https_spiffe)" --> td_ap_mesh_example_org',
      '  td_us_mesh_example_org <-- "federated (https_spiffe)" --> td_ap_mesh_example_org',
    ]);
  });
});
