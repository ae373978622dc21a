import { Datastore, EnvironmentConfig, ServerSettings } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { environment, estateWith, find, problemsOf } from './helpers/estate';

/*
 * Server core settings (agent_ttl, admin_ids, audit_log_enabled, ratelimit, node pruning, node info
 * staleness), the datastore's pool, schema and read replica keys, and the uniqueid CredentialComposer:
 * the keys they render as SPIRE 1.15.2 reads them (cmd/spire-server/cli/run/run.go serverConfig;
 * pkg/server/datastore/sqlstore/sqlstore.go configuration), the environment they need, and what synth refuses.
 */

const POSTGRES = environment('production').server.datastore as Extract<Datastore, { type: 'postgres' }>;

/** Staging on production's PostgreSQL (two replicas), with `server` changed. */
function staging(server: Partial<ServerSettings>, change: (env: EnvironmentConfig) => EnvironmentConfig = (env) => env) {
  return estateWith('staging', (env) => change({
    ...env,
    gitops: { ...env.gitops, secretDelivery: { type: 'prerequisite' } },
    clusters: env.clusters.map((cluster) => ({ ...cluster, serverOverrides: undefined })),
    server: { ...env.server, replicas: 2, datastore: POSTGRES, ...server },
  }));
}

function withDatastore(datastore: Partial<Datastore>) {
  return staging({ datastore: { ...POSTGRES, ...datastore } as Datastore });
}

function serverConf(files: Map<string, string>): string {
  return find(files, 'staging/stg-euw1/spire-server/configmap-spire-server.yaml').data['server.conf'];
}

function serverContainer(files: Map<string, string>): any {
  return find(files, 'staging/stg-euw1/spire-server/statefulset-spire-server.yaml').spec.template.spec.containers[0];
}

/** The value of an HCL string attribute, as HCL reads it back. */
function stringAttribute(conf: string, key: string): string | undefined {
  const match = new RegExp(`^\\s*${key} = ("(?:[^"\\\\]|\\\\.)*")$`, 'm').exec(conf);
  return match ? JSON.parse(match[1]) : undefined;
}

describe('server core settings', () => {
  test('each setting renders under its SPIRE key in the server block, ratelimit as a block', () => {
    const conf = serverConf(renderEstate(staging({
      agentTtl: '2h',
      adminIds: ['spiffe://staging.acme.example/ops/admin-tool'],
      auditLog: true,
      rateLimit: { attestation: true, signing: false },
      pruneAttestedNodes: { expiredFor: '168h', includeTofu: true, batchSize: 500 },
      maxAttestedNodeInfoStaleness: '10s',
    }, (env) => ({ ...env, trustDomain: 'staging.acme.example', identityPolicy: { ...env.identityPolicy, admin: 'allowed' } }))));
    const server = conf.slice(conf.indexOf('server {'), conf.indexOf('\n}\n'));
    expect(server).toContain(`
  admin_ids = ["spiffe://staging.acme.example/ops/admin-tool"]
  agent_ttl = "2h"
  audit_log_enabled = true
  prune_attested_nodes_expired_for = "168h"
  prune_tofu_nodes = true
  prune_attested_nodes_batch_size = 500
  max_attested_node_info_staleness = "10s"
  ratelimit {
    attestation = true
    signing = false
  }`);
  });

  test('none of them is rendered when absent (SPIRE\'s defaults stay in force)', () => {
    const conf = serverConf(renderEstate(staging({})));
    for (const key of ['admin_ids', 'agent_ttl', 'audit_log_enabled', 'prune_', 'max_attested_node_info_staleness', 'ratelimit', 'CredentialComposer',
      'ro_connection_string', 'conn_max_lifetime', 'disable_migration']) {
      expect(conf).not.toContain(key);
    }
  });

  test('a rate limit given alone renders alone; the other keeps SPIRE\'s default', () => {
    const conf = serverConf(renderEstate(staging({ rateLimit: { signing: false } })));
    expect(conf).toContain('  ratelimit {\n    signing = false\n  }\n');
  });

  test('the uniqueid CredentialComposer is a plugin without options', () => {
    const conf = serverConf(renderEstate(staging({ credentialComposers: [{ type: 'uniqueid' }] })));
    expect(conf).toContain('  CredentialComposer "uniqueid" {\n    plugin_data {}\n  }\n');
  });

  test.each([
    ['agentTtl', { agentTtl: '4 hours' }, /server\.agentTtl: must be a positive Go duration, got "4 hours"/],
    ['pruneAttestedNodes.expiredFor', { pruneAttestedNodes: { expiredFor: '0s' } }, /server\.pruneAttestedNodes\.expiredFor: must be a positive Go duration, got "0s"/],
    ['pruneAttestedNodes.batchSize', { pruneAttestedNodes: { expiredFor: '24h', batchSize: 0 } }, /server\.pruneAttestedNodes\.batchSize: must be a positive whole number/],
    ['maxAttestedNodeInfoStaleness (syntax)', { maxAttestedNodeInfoStaleness: 'soon' }, /server\.maxAttestedNodeInfoStaleness: must be a positive Go duration/],
    ['maxAttestedNodeInfoStaleness (over 1m)', { maxAttestedNodeInfoStaleness: '5m' }, /server\.maxAttestedNodeInfoStaleness: is longer than 1m; an evicted or banned agent keeps getting SVIDs that long, got "5m"; fix: use a few seconds/],
    ['credentialComposers (twice)', { credentialComposers: [{ type: 'uniqueid' }, { type: 'uniqueid' }] }, /server\.credentialComposers\[1\]: is listed twice/],
  ] as [string, Partial<ServerSettings>, RegExp][])('fails on a bad %s, naming environment, field, value and fix', (_name, server, message) => {
    const problems = problemsOf(staging(server));
    expect(problems.join('\n')).toMatch(message);
    expect(problems.every((problem) => problem.startsWith('staging: '))).toBe(true);
  });

  test('fails when agentTtl outlives a sixth of caTtl, like any X509-SVID TTL', () => {
    expect(problemsOf(staging({ agentTtl: '8h' }))).toEqual([]);
    const problems = problemsOf(staging({ agentTtl: '20h' }));
    expect(problems.join('\n')).toMatch(/server\.caTtl: must be at least 6 times the longest X509-SVID TTL \(20h\)/);
  });
});

describe('admin IDs and the identity policy', () => {
  const allowed = (adminIds: string[], admin: 'allowed' | 'forbidden' | 'spire-tooling' = 'allowed') => staging({ adminIds }, (env) => ({
    ...env, identityPolicy: { ...env.identityPolicy, admin },
  }));

  test('accepted where the policy allows admin identities, for the trust domain and its federation partners', () => {
    const partner = environment('staging').federation[0]?.trustDomain;
    const ids = [`spiffe://${environment('staging').trustDomain}/ops/admin-tool`, ...(partner ? [`spiffe://${partner}/ops/admin-tool`] : [])];
    expect(problemsOf(allowed(ids))).toEqual([]);
  });

  test.each([['forbidden'], ['spire-tooling']] as ['forbidden' | 'spire-tooling'][])('fails where identityPolicy.admin is %s: an admin ID is an admin entry outside the policy', (admin) => {
    const problems = problemsOf(allowed([`spiffe://${environment('staging').trustDomain}/ops/admin-tool`], admin));
    expect(problems.join('\n')).toMatch(new RegExp(`server\\.adminIds: grants admin rights outside the identity policy \\(identityPolicy\\.admin is ${admin}\\)`));
  });

  test('fails on an ID SPIRE cannot parse (it would refuse to start)', () => {
    expect(problemsOf(allowed(['ops/admin-tool'])).join('\n')).toMatch(/server\.adminIds\[0\]: is not a SPIFFE ID \(must be spiffe:\/\/<trust domain>\/<path>\)/);
  });

  test('fails on an ID of a trust domain the environment neither is nor federates with', () => {
    expect(problemsOf(allowed(['spiffe://elsewhere.example/ops/admin'])).join('\n')).toMatch(/server\.adminIds\[0\]: is of trust domain elsewhere\.example/);
  });
});

describe('datastore pool, schema and read replica', () => {
  test('conn_max_lifetime and disable_migration render in the DataStore block', () => {
    const conf = serverConf(renderEstate(withDatastore({ connMaxLifetime: '1h', disableMigration: true })));
    expect(conf).toContain(`      max_idle_conns = ${POSTGRES.maxIdleConns}\n      conn_max_lifetime = "1h"\n      disable_migration = true\n`);
  });

  test('a replica without credentials of its own: the primary\'s user, TLS settings and PGPASSWORD, no -expandEnv', () => {
    const files = renderEstate(withDatastore({ readReplica: { host: 'spire-db-ro.acme.example' } }));
    const conf = serverConf(files);
    expect(stringAttribute(conf, 'ro_connection_string')).toBe(
      stringAttribute(conf, 'connection_string')!.replace(`host=${POSTGRES.host}`, 'host=spire-db-ro.acme.example'),
    );
    expect(serverContainer(files).args).not.toContain('-expandEnv');
    expect(serverContainer(files).env.map((variable: any) => variable.name)).toEqual(['PGPASSWORD']);
  });

  test('a replica user with its own Secret: RODBPW from that Secret, single-quoted in the string, and -expandEnv', () => {
    const files = renderEstate(withDatastore({
      readReplica: { host: 'spire-db-ro.acme.example', port: 6432, user: 'spire_ro', passwordSecret: { name: 'spire-db-ro', key: 'pw' } },
    }));
    expect(stringAttribute(serverConf(files), 'ro_connection_string')).toBe(
      `dbname=spire user=spire_ro host=spire-db-ro.acme.example port=6432 sslmode=verify-full sslrootcert=/run/spire/db-ca/ca.crt password='\${RODBPW}'`,
    );
    const container = serverContainer(files);
    expect(container.args).toContain('-expandEnv');
    expect(container.env).toContainEqual({ name: 'RODBPW', valueFrom: { secretKeyRef: { name: 'spire-db-ro', key: 'pw' } } });
    const validate = find(files, 'staging/stg-euw1/spire-server/job-spire-server-validate.yaml').spec.template.spec.containers[0];
    expect(validate.env).toEqual(container.env);
  });

  test('mysql: the replica DSN carries the primary\'s ${DBPW} unless it has a Secret of its own', () => {
    const mysql = { type: 'mysql', host: 'mysql.acme.example', port: 3306, database: 'spire', user: 'spire', passwordSecret: { name: 'spire-db', key: 'password' }, maxOpenConns: 20, maxIdleConns: 5 };
    const shared = serverConf(renderEstate(staging({ datastore: { ...mysql, readReplica: { host: 'mysql-ro.acme.example' } } as Datastore })));
    expect(stringAttribute(shared, 'ro_connection_string')).toBe('spire:${DBPW}@tcp(mysql-ro.acme.example:3306)/spire?parseTime=true');
    const own = serverConf(renderEstate(staging({
      datastore: { ...mysql, readReplica: { host: 'mysql-ro.acme.example', user: 'spire_ro', passwordSecret: { name: 'ro', key: 'pw' } } } as Datastore,
    })));
    expect(stringAttribute(own, 'ro_connection_string')).toBe('spire_ro:${RODBPW}@tcp(mysql-ro.acme.example:3306)/spire?parseTime=true');
  });

  test.each([
    ['connMaxLifetime', { connMaxLifetime: '1 hour' }, /server\.datastore\.connMaxLifetime: must be a positive Go duration, got "1 hour"/],
    ['replica host', { readReplica: { host: 'db-ro,evil' } }, /server\.datastore\.readReplica\.host: must be a DNS name or IPv4 address, got "db-ro,evil"/],
    ['replica port', { readReplica: { host: 'db-ro.acme.example', port: 70000 } }, /server\.datastore\.readReplica\.port: must be a TCP port/],
    ['replica user', { readReplica: { host: 'db-ro.acme.example', user: 'ro$user' } }, /server\.datastore\.readReplica\.user: contains "\$"/],
    ['replica that is the primary', { readReplica: { host: POSTGRES.host } }, /server\.datastore\.readReplica: is the primary itself/],
    ['replica password beside IAM authentication', {
      passwordSecret: undefined, iamAuth: { region: 'eu-west-1' }, readReplica: { host: 'db-ro.acme.example', passwordSecret: { name: 'ro', key: 'pw' } },
    }, /server\.datastore\.readReplica\.passwordSecret: with iamAuth the server signs an IAM token for the replica too/],
  ] as [string, Partial<Datastore>, RegExp][])('fails on a bad %s', (_name, datastore, message) => {
    expect(problemsOf(withDatastore(datastore)).join('\n')).toMatch(message);
  });
});
