import { clusterTrustDomain, topologyOf } from '../lib/config/topology';
import { EnvironmentConfig } from '../lib/config/types';
import { environment, estateWith, problemsOf } from './helpers/estate';

/*
 * Topologies: how the clusters of one trust domain relate. Each refusal names the environment, the field,
 * the value and the fix; the shipped production (two regions, one database) is an ha topology.
 */

const production = environment('production');

function productionWith(change: Partial<EnvironmentConfig>) {
  return estateWith('production', (env) => ({ ...env, ...change }));
}

describe('topology', () => {
  test('the shipped production is ha: both regions publish one bundle from one database', () => {
    expect(topologyOf(production)).toEqual({ type: 'ha' });
    expect(problemsOf(productionWith({}))).toEqual([]);
  });

  test('an environment of several clusters states its topology', () => {
    const problems = problemsOf(productionWith({ topology: undefined }));
    expect(problems).toContainEqual(expect.stringMatching(
      /^production: Environment "production" topology: has 2 clusters \(prod-euw1, prod-use1\), and a single topology has one, got "single \(none stated\)"; fix: state how they relate: topology: \{ type: 'ha' \}/,
    ));
  });

  test('one cluster needs no topology', () => {
    expect(topologyOf(environment('staging'))).toEqual({ type: 'single' });
    expect(problemsOf(estateWith('staging', (env) => env))).toEqual([]);
  });

  test('ha refuses a sqlite datastore, which one server alone can use', () => {
    const problems = problemsOf(productionWith({
      server: { ...production.server, replicas: 1, datastore: { type: 'sqlite3', storageSize: '1Gi' } },
    }));
    expect(problems).toContainEqual(expect.stringMatching(
      /^production: Environment "production" server\.datastore: is a file only one server can use, .*got "sqlite3"; fix: give the environment an external postgres or mysql datastore/,
    ));
  });

  test('ha refuses servers of the trust domain on different databases', () => {
    const problems = problemsOf(productionWith({
      clusters: [production.clusters[0], { ...production.clusters[1], serverOverrides: { datastore: { ...(production.server.datastore as any), host: 'spire-db.us-east-1.acme.example' } } }],
    }));
    expect(problems).toContainEqual(expect.stringMatching(/^production\/prod-use1: SpireServer "spire-server" server\.datastore: shares trust domain prod\.spire\.acme\.example with production\/prod-euw1 but not its CA/));
  });

  test('federated: every cluster its own trust domain, named from the template', () => {
    const federated: EnvironmentConfig = { ...production, topology: { type: 'federated' } };
    expect(production.clusters.map((cluster) => clusterTrustDomain(federated, cluster))).toEqual([
      'prod-euw1.prod.spire.acme.example', 'prod-use1.prod.spire.acme.example',
    ]);
    const templated: EnvironmentConfig = { ...production, topology: { type: 'federated', trustDomainTemplate: '{cluster}.{environment}.example.org' } };
    expect(clusterTrustDomain(templated, production.clusters[1])).toBe('prod-use1.production.example.org');
  });

  test('federated refuses a template without {cluster} and an environment of one cluster', () => {
    expect(problemsOf(productionWith({ topology: { type: 'federated', trustDomainTemplate: '{environment}.example.org' } }))).toContainEqual(expect.stringMatching(
      /^production: Environment "production" topology\.trustDomainTemplate: must contain \{cluster\}: .*, got "\{environment\}\.example\.org"; fix: use e\.g\. '\{cluster\}\.\{trustDomain\}'$/,
    ));
    expect(problemsOf(estateWith('staging', (env) => ({ ...env, topology: { type: 'federated' } })))).toContainEqual(expect.stringMatching(
      /^staging: Environment "staging" topology: has one cluster \(stg-euw1\), and there is nothing to federate it with, got "federated"/,
    ));
  });

  test('environments that share a trust domain share an ha or nested topology', () => {
    const staging = environment('staging');
    const joined = { ...staging, name: 'staging-b', joinsTrustDomainOf: 'staging', clusters: [{ ...staging.clusters[0], name: 'stg-euw1-b' }] };
    const problems = problemsOf({ ...estateWith('staging', (env) => env), environments: [staging, joined] });
    expect(problems).toContainEqual(expect.stringMatching(
      /^staging-b: Environment "staging-b" topology: joins the trust domain of environment "staging" \(topology single\); .*got "single"; fix: state the same topology in both: topology: \{ type: 'ha' \}$/,
    ));
  });
});
