import { formatDuration, parseDuration } from '../duration';
import { spiffeIdProblem } from '../identity/policy';
import { connValueProblem } from '../render/libpq';
import { EnvironmentConfig } from './types';
import { ViolationDetails, formatViolation } from './violation';
import { datastoresOf } from './topology';

/*
 * The server's core settings and the datastore's pool, schema and replica keys, against what SPIRE 1.15.2
 * accepts (cmd/spire-server/cli/run/run.go NewServerConfig; pkg/server/datastore/sqlstore/sqlstore.go
 * openDB) and what the environment's identity policy allows.
 */

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Longest an evicted or banned agent may still be served from the server's cache. */
const MAX_NODE_INFO_STALENESS_MS = 60_000;

export function serverSettingsProblems(env: EnvironmentConfig, where: string): string[] {
  const problems: string[] = [];
  const report = (details: ViolationDetails) => problems.push(formatViolation(where, details));
  const resource = `environment "${env.name}"`;
  const server = env.server;

  // SPIRE parses these with time.ParseDuration; zero or negative would switch the feature off or, for pruning, delete live nodes.
  const durations: [string, string | undefined][] = [
    ['server.agentTtl', server.agentTtl],
    ['server.pruneAttestedNodes.expiredFor', server.pruneAttestedNodes?.expiredFor],
    ['server.maxAttestedNodeInfoStaleness', server.maxAttestedNodeInfoStaleness],
  ];
  for (const [field, value] of durations) {
    if (value === undefined) continue;
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) report({ resource, field, value, rule: 'must be a positive Go duration', fix: 'write it like 1h, 30m or 168h, or leave it out for SPIRE\'s default' });
  }
  const staleness = parseDuration(server.maxAttestedNodeInfoStaleness ?? '');
  if (staleness !== undefined && staleness > MAX_NODE_INFO_STALENESS_MS) {
    report({
      resource, field: 'server.maxAttestedNodeInfoStaleness', value: server.maxAttestedNodeInfoStaleness,
      rule: `is longer than ${formatDuration(MAX_NODE_INFO_STALENESS_MS)}; an evicted or banned agent keeps getting SVIDs that long`,
      fix: 'use a few seconds, e.g. 10s',
    });
  }
  const batchSize = server.pruneAttestedNodes?.batchSize;
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) {
    report({ resource, field: 'server.pruneAttestedNodes.batchSize', value: batchSize, rule: 'must be a positive whole number (SPIRE replaces anything else by 1000)', fix: 'use e.g. 1000, or leave it out' });
  }

  // An admin ID is an admin entry for whoever gets an SVID with that ID, decided outside the identity policy's view.
  const adminIds = server.adminIds ?? [];
  if (adminIds.length > 0 && (env.identityPolicy.admin === 'forbidden' || env.identityPolicy.admin === 'spire-tooling')) {
    report({
      resource, field: 'server.adminIds', value: adminIds,
      rule: `grants admin rights outside the identity policy (identityPolicy.admin is ${env.identityPolicy.admin}): any entry that issues such an ID, `
        + 'a static entry or a team\'s identity, would make its workload able to create and delete every entry',
      fix: env.identityPolicy.admin === 'forbidden'
        ? 'remove server.adminIds; this environment has no admin identities'
        : 'remove server.adminIds and give the SPIRE tool an identity with admin: true in the server namespace',
    });
  }
  const partners = new Set([env.trustDomain, ...env.federation.map((federation) => federation.trustDomain)]);
  adminIds.forEach((id, index) => {
    const field = `server.adminIds[${index}]`;
    const problem = spiffeIdProblem(id);
    if (problem) {
      report({ resource, field, value: id, rule: `is not a SPIFFE ID (${problem}); SPIRE refuses to start`, fix: `write it like spiffe://${env.trustDomain}/ops/admin-tool` });
      return;
    }
    const trustDomain = /^spiffe:\/\/([^/]+)/.exec(id)![1];
    if (!partners.has(trustDomain)) {
      report({
        resource, field, value: id,
        rule: `is of trust domain ${trustDomain}, neither ${env.trustDomain} nor one it federates with, so no caller can present it`,
        fix: `use an ID of ${env.trustDomain}, or federate with ${trustDomain} first`,
      });
    }
    if (adminIds.indexOf(id) !== index) report({ resource, field, value: id, rule: 'is listed twice', fix: 'keep one' });
  });

  const composers = (server.credentialComposers ?? []).map((composer) => composer.type);
  composers.forEach((type, index) => {
    if (composers.indexOf(type) !== index) {
      report({ resource, field: `server.credentialComposers[${index}]`, value: type, rule: 'is listed twice; SPIRE would run the plugin twice', fix: 'keep one' });
    }
  });

  for (const { field, datastore } of datastoresOf(env)) {
    if (datastore.type === 'sqlite3') continue;
    if (datastore.connMaxLifetime !== undefined) {
      const ms = parseDuration(datastore.connMaxLifetime);
      if (ms === undefined || ms <= 0) {
        report({ resource, field: `${field}.connMaxLifetime`, value: datastore.connMaxLifetime, rule: 'must be a positive Go duration', fix: 'write it like 1h or 30m, or leave it out for no limit' });
      }
    }
    const replica = datastore.readReplica;
    if (!replica) continue;
    // The same rules as the primary's host, port and user: lib/pq and go-sql-driver read them out of one string.
    if (typeof replica.host !== 'string' || !(DNS_NAME.test(replica.host) || IPV4.test(replica.host)) || replica.host.length > 253) {
      report({ resource, field: `${field}.readReplica.host`, value: replica.host, rule: 'must be a DNS name or IPv4 address', fix: 'use the replica\'s host name, like db-ro.example.com' });
    }
    if (replica.host === datastore.host && (replica.port ?? datastore.port) === datastore.port && (replica.user ?? datastore.user) === datastore.user) {
      report({ resource, field: `${field}.readReplica`, value: replica, rule: 'is the primary itself (same host, port and user)', fix: 'name the replica\'s host, or leave readReplica out' });
    }
    if (replica.port !== undefined && (!Number.isInteger(replica.port) || replica.port < 1 || replica.port > 65535)) {
      report({ resource, field: `${field}.readReplica.port`, value: replica.port, rule: 'must be a TCP port (1-65535)', fix: 'use the port the replica listens on, or leave it out for the primary\'s' });
    }
    if (replica.user !== undefined) {
      const problem = replica.user === '' ? 'must not be empty' : connValueProblem(replica.user)
        ?? (datastore.type === 'mysql' && /[:@/?]/.test(replica.user) ? 'contains one of : @ / ?, which end the field in a go-sql-driver DSN' : undefined);
      if (problem) report({ resource, field: `${field}.readReplica.user`, value: replica.user, rule: problem, fix: 'name the database user with letters, digits, _ and -' });
    }
    if (replica.passwordSecret && datastore.iamAuth) {
      report({
        resource, field: `${field}.readReplica.passwordSecret`, value: replica.passwordSecret.name,
        rule: 'with iamAuth the server signs an IAM token for the replica too, and SPIRE refuses a password beside it',
        fix: 'remove readReplica.passwordSecret (grant the replica user rds_iam)',
      });
    }
  }
  return problems;
}
