/**
 * The stand-in SPIRE servers and agents that levels run beside what they judge: the shipped release with the
 * smallest config that runs (sqlite3 datastore, keys in memory or on disk, DEBUG logs), attested with a join
 * token or with the node attestor the level gives. What a level judges is always the shipped config; a
 * stand-in is only its counterpart (the server an agent under test attests to, the agents a server under test
 * attests), so its config is written here once rather than by each level.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Processes, Running, run, tail, waitFor } from './processes';
import { shortPath } from './runtime';

/** The join_token NodeAttestor block, as it stands in a `plugins` section (the server's and the agent's are the same). */
export const JOIN_TOKEN_ATTESTOR = '  NodeAttestor "join_token" {\n    plugin_data {}\n  }';

export interface StandInServerConf {
  readonly trustDomain: string;
  /** @default "127.0.0.1" */
  readonly bindAddress?: string;
  readonly bindPort: number | string;
  /** The server's data_dir; the sqlite3 datastore is a file in it. */
  readonly dataDir: string;
  readonly socketPath: string;
  /**
   * Plugin blocks beside the datastore and the key manager, as they stand in a `plugins` section (two spaces in):
   * the node attestors the level needs.
   * @default - none
   */
  readonly plugins?: readonly string[];
}

/** A stand-in server's server.conf. */
export function standInServerConf(server: StandInServerConf): string {
  return [
    'server {',
    `  bind_address = "${server.bindAddress ?? '127.0.0.1'}"`,
    `  bind_port = "${server.bindPort}"`,
    `  trust_domain = "${server.trustDomain}"`,
    `  data_dir = "${server.dataDir}"`,
    `  socket_path = "${server.socketPath}"`,
    '  log_level = "DEBUG"',
    '}',
    'plugins {',
    '  DataStore "sql" {',
    `    plugin_data { database_type = "sqlite3" connection_string = "${server.dataDir}/datastore.sqlite3" }`,
    '  }',
    '  KeyManager "memory" {',
    '    plugin_data {}',
    '  }',
    ...(server.plugins ?? []).map((block) => block.trimEnd()),
    '}',
    '',
  ].join('\n');
}

export interface StandInAgentConf {
  readonly trustDomain: string;
  readonly serverAddress: string;
  readonly serverPort: number | string;
  readonly dataDir: string;
  readonly socketPath: string;
  /** A PEM bundle of the server's CAs. */
  readonly trustBundlePath: string;
  /**
   * The NodeAttestor: its name and plugin_data (strings are quoted, numbers not).
   * @default join_token, the token given on the command line (startJoinTokenAgent)
   */
  readonly nodeAttestor?: { readonly name: string; readonly data: Readonly<Record<string, string | number>> };
  /**
   * Where the agent keeps its keys: `disk` keeps them in dataDir, so that an agent started again on that
   * directory (another release's, say) resumes the SVID it had.
   * @default "memory"
   */
  readonly keyManager?: 'memory' | 'disk';
}

/** A stand-in agent's agent.conf; its workloads are told apart by the unix attestor. */
export function standInAgentConf(agent: StandInAgentConf): string {
  const attestor = agent.nodeAttestor === undefined
    ? JOIN_TOKEN_ATTESTOR
    : `  NodeAttestor "${agent.nodeAttestor.name}" {\n    plugin_data {${hclPairs(agent.nodeAttestor.data)}}\n  }`;
  const keyManager = agent.keyManager === 'disk'
    ? `  KeyManager "disk" {\n    plugin_data { directory = "${agent.dataDir}" }\n  }`
    : '  KeyManager "memory" {\n    plugin_data {}\n  }';
  return [
    'agent {',
    `  data_dir = "${agent.dataDir}"`,
    '  log_level = "DEBUG"',
    `  server_address = "${agent.serverAddress}"`,
    `  server_port = "${agent.serverPort}"`,
    `  socket_path = "${agent.socketPath}"`,
    `  trust_bundle_path = "${agent.trustBundlePath}"`,
    `  trust_domain = "${agent.trustDomain}"`,
    '}',
    'plugins {',
    attestor,
    keyManager,
    '  WorkloadAttestor "unix" {',
    '    plugin_data {}',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** `key = value` pairs on one line, between the braces of a plugin_data block. */
function hclPairs(data: Readonly<Record<string, string | number>>): string {
  const pairs = Object.entries(data).map(([key, value]) => `${key} = ${typeof value === 'number' ? value : `"${value}"`}`);
  return pairs.length === 0 ? '' : ` ${pairs.join(' ')} `;
}

/**
 * Writes a stand-in server's files under `dir`: server.conf, its data in server-data/ and its admin socket in
 * server/ (a path short enough for a unix socket). Returns the config's path and the socket's.
 */
export function writeStandInServer(dir: string, server: Omit<StandInServerConf, 'dataDir' | 'socketPath'>): { conf: string; socket: string } {
  const socket = shortPath(join(dir, 'server', 'api.sock'));
  mkdirSync(join(dir, 'server'), { recursive: true });
  mkdirSync(join(dir, 'server-data'), { recursive: true });
  const conf = join(dir, 'server.conf');
  writeFileSync(conf, standInServerConf({ ...server, dataDir: join(dir, 'server-data'), socketPath: socket }));
  return { conf, socket };
}

/** The shipped server.conf with a join_token NodeAttestor beside its own, for agents that attest without an apiserver. */
export function withJoinTokenAttestor(serverConf: string): string {
  return serverConf.replace(/^plugins \{\n/m, `plugins {\n${JOIN_TOKEN_ATTESTOR}\n`);
}

/** Runs `program` (a spire-server binary) on the admin socket; its output, or an error with what it said last. */
export function serverCli(program: string, binary: string, socket: string): (args: string[]) => Promise<string> {
  return async (args) => {
    const result = await run(binary, [...args, '-socketPath', socket], 60000);
    if (!result.ok) throw new Error(`${program} ${args.slice(0, 2).join(' ')}: ${tail(result.out, 3)}`);
    return result.out;
  };
}

/** Waits until the server on `socket` answers its healthcheck (or `running` exits). */
export async function serverHealthy(what: string, binary: string, socket: string, running: Running): Promise<void> {
  await waitFor(what, 60000, async () => ((await run(binary, ['healthcheck', '-socketPath', socket], 10000)).ok ? true : undefined), running);
}

/**
 * An agent attested with a join token that the server (through `cli`) makes for `spiffeId`: the agent's ID is
 * then spire/agent/join_token/<token>, and the token's SPIFFE ID an alias of it.
 */
export async function startJoinTokenAgent(processes: Processes, name: string, binary: string, conf: string, cli: (args: string[]) => Promise<string>, spiffeId: string): Promise<{ running: Running; token: string }> {
  const token = /Token: (\S+)/.exec(await cli(['token', 'generate', '-spiffeID', spiffeId, '-ttl', '600']))![1];
  return { running: processes.start(name, binary, ['run', '-config', conf, '-joinToken', token]), token };
}
