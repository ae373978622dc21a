/**
 * PostgreSQL (Debian's package) for trees whose SPIRE servers use it: started on the node's address
 * under the host name and port of the rendered connection string, with TLS from a certificate the
 * tree's CA prerequisite vouches for, and the user, database and password the server will present.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { NODE_IP } from './net';
import { KeyPair, Pki } from './pki';
import { Processes, waitFor } from './processes';
import { ClusterTree, objectsOf } from './trees';

export interface PostgresTarget { host: string; port: number; dbname: string; user: string }

/** The libpq keyword/value pairs of a connection string (single-quoted values with \\ escapes, as libpq reads them). */
export function parseLibpq(conninfo: string): Record<string, string> {
  const result: Record<string, string> = {};
  let i = 0;
  const skip = () => { while (i < conninfo.length && /\s/.test(conninfo[i])) i++; };
  while (true) {
    skip();
    if (i >= conninfo.length) break;
    const keyStart = i;
    while (i < conninfo.length && !/[\s=]/.test(conninfo[i])) i++;
    const key = conninfo.slice(keyStart, i);
    skip();
    if (conninfo[i] !== '=') throw new Error(`missing "=" after "${key}" in connection info string`);
    i++;
    skip();
    let value = '';
    if (conninfo[i] === "'") {
      i++;
      while (i < conninfo.length && conninfo[i] !== "'") {
        if (conninfo[i] === '\\') i++;
        value += conninfo[i++];
      }
      if (conninfo[i] !== "'") throw new Error('unterminated quoted string in connection info string');
      i++;
    } else {
      while (i < conninfo.length && !/\s/.test(conninfo[i])) {
        if (conninfo[i] === '\\') i++;
        value += conninfo[i++];
      }
    }
    result[key] = value;
  }
  return result;
}

/** The connection string of the tree's server config, if it uses postgres; `ro_connection_string` with `readOnly`. */
export function postgresConnection(tree: ClusterTree, readOnly = false): string | undefined {
  for (const o of objectsOf(tree)) {
    if (o.kind !== 'ConfigMap') continue;
    for (const text of Object.values(o.data ?? {}) as string[]) {
      if (!/database_type = "postgres"/.test(text)) continue;
      const match = new RegExp(`^\\s*${readOnly ? 'ro_' : ''}connection_string = "((?:[^"\\\\]|\\\\.)*)"`, 'm').exec(text);
      if (match) return match[1].replace(/\\(.)/g, '$1');
    }
  }
  return undefined;
}

const PG_BIN = (() => {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  return versions.length ? join(base, versions[0], 'bin') : '';
})();

/**
 * Starts PostgreSQL for the tree if its server uses it; returns the /etc/hosts entries pods need. A read
 * replica (ro_connection_string) is the same database under the replica's host name; a replica user of its
 * own gets `readOnlyPassword` and SELECT on the tables the server's user creates, nothing else.
 */
export async function startPostgres(tree: ClusterTree, dir: string, processes: Processes, pki: Pki, ca: KeyPair, password: string,
  readOnlyPassword = password): Promise<{ hosts: Record<string, string>; target?: PostgresTarget; readOnly?: PostgresTarget }> {
  const conninfo = postgresConnection(tree);
  if (!conninfo) return { hosts: {} };
  if (!PG_BIN) throw new Error('PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it');
  // ${...} is expanded by the server (-expandEnv); parse with a placeholder to find where to listen.
  const parse = (text: string) => parseLibpq(text.replace(/\$\{[A-Z_]+\}|\$DBPW/g, 'placeholder'));
  const fields = parse(conninfo);
  const target: PostgresTarget = { host: fields.host, port: Number(fields.port ?? 5432), dbname: fields.dbname ?? 'spire', user: fields.user ?? 'spire' };
  const readOnlyInfo = postgresConnection(tree, true);
  const readOnlyFields = readOnlyInfo === undefined ? undefined : parse(readOnlyInfo);
  const readOnly: PostgresTarget | undefined = readOnlyFields && {
    host: readOnlyFields.host, port: Number(readOnlyFields.port ?? 5432), dbname: readOnlyFields.dbname ?? target.dbname, user: readOnlyFields.user ?? target.user,
  };
  if (readOnly && (readOnly.port !== target.port || readOnly.dbname !== target.dbname)) {
    throw new Error(`the read replica (${readOnly.host}:${readOnly.port}/${readOnly.dbname}) is not the primary's database on its port; the e2e serves both from one PostgreSQL`);
  }
  const data = join(dir, 'pgdata');
  mkdirSync(data, { recursive: true });
  const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const postgresGid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(data, postgresUid, postgresGid);
  chmodSync(data, 0o700);
  const asPostgres = (command: string, args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C']);
  const names = [...new Set([target.host, ...(readOnly ? [readOnly.host] : [])])];
  const server = pki.leaf(ca, 'postgres', `/CN=${target.host}`, names.map((name) => `DNS:${name}`), 'serverAuth');
  for (const [source, name] of [[server.cert, 'server.crt'], [server.key, 'server.key']]) {
    copyFileSync(source, join(data, name));
    chownSync(join(data, name), postgresUid, postgresGid);
    chmodSync(join(data, name), 0o600);
  }
  writeFileSync(join(data, 'pg_hba.conf'), [
    'local all postgres trust',
    'hostssl all all 0.0.0.0/0 scram-sha-256',
  ].join('\n') + '\n');
  const socketDir = join(dir, 'pgsocket');
  mkdirSync(socketDir, { recursive: true });
  chownSync(socketDir, postgresUid, postgresGid);
  const postgres = processes.start('postgres', 'runuser', ['-u', 'postgres', '--', join(PG_BIN, 'postgres'), '-D', data,
    '-c', `listen_addresses=${NODE_IP}`, '-c', `port=${target.port}`, '-c', `unix_socket_directories=${socketDir}`,
    '-c', 'ssl=on', '-c', 'fsync=off', '-c', 'max_connections=200']);
  const psql = (sql: string) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-h', socketDir, '-p', String(target.port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor('PostgreSQL to accept connections', 30000, () => { try { psql('select 1'); return true; } catch { return undefined; } }, postgres);
  const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
  psql(`CREATE ROLE "${target.user}" LOGIN PASSWORD ${literal(password)}`);
  psql(`CREATE DATABASE "${target.dbname}" OWNER "${target.user}"`);
  if (readOnly && readOnly.user !== target.user) {
    psql(`CREATE ROLE "${readOnly.user}" LOGIN PASSWORD ${literal(readOnlyPassword)}`);
    const inDatabase = (sql: string) => execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-h', socketDir, '-p', String(target.port), '-U', 'postgres',
      '-d', target.dbname, '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
    inDatabase(`GRANT USAGE ON SCHEMA public TO "${readOnly.user}"`);
    // The server's user creates the tables at its first start: SELECT on those, whenever they appear.
    inDatabase(`ALTER DEFAULT PRIVILEGES FOR ROLE "${target.user}" IN SCHEMA public GRANT SELECT ON TABLES TO "${readOnly.user}"`);
  }
  return { hosts: Object.fromEntries(names.map((name) => [name, NODE_IP])), target, readOnly };
}

/** What PostgreSQL's pg_stat_activity lists: the user of every open client connection to `dbname`. */
export function connectedUsers(dir: string, target: PostgresTarget): string[] {
  const out = execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'psql'), '-h', join(dir, 'pgsocket'), '-p', String(target.port), '-U', 'postgres',
    '-At', '-c', `SELECT usename FROM pg_stat_activity WHERE datname = '${target.dbname.replace(/'/g, "''")}'`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.split('\n').filter(Boolean);
}
