import { AgentConfOptions } from '../../lib/render/agent-conf';
import { ServerConfOptions } from '../../lib/render/server-conf';

/*
 * The smallest options the config renderers take, shared by the tests of each plugin and option: a test
 * spreads them and sets what it is about, so the rest of the file stays what renderServerConf's own
 * test pins.
 */

export const MINIMAL_SERVER: ServerConfOptions = {
  trustDomain: 'td.example',
  bindPort: 8081,
  dataDir: '/run/spire/data',
  socketPath: '/tmp/spire-server/private/api.sock',
  logLevel: 'INFO',
  logFormat: 'text',
  caTtl: '24h',
  caKeyType: 'ec-p256',
  caSubject: { country: 'US', organization: 'Example', commonName: 'td' },
  defaultX509SvidTtl: '1h',
  defaultJwtSvidTtl: '5m',
  datastore: { type: 'sqlite3', path: '/run/spire/data/datastore.sqlite3' },
  keyManager: { type: 'memory' },
  psatClusters: [{ name: 'c1', serviceAccountAllowList: ['spire-system:spire-agent'], audience: ['spire-server'] }],
  bundle: { cluster: 'c1', namespace: 'spire-system', configMapName: 'spire-bundle', configMapKey: 'bundle.spiffe', format: 'spiffe' },
  health: { port: 8080, livePath: '/live', readyPath: '/ready' },
};

export const MINIMAL_AGENT: AgentConfOptions = {
  trustDomain: 'td.example',
  serverAddress: 's',
  serverPort: 443,
  dataDir: '/d',
  socketPath: '/tmp/spire-agent/public/spire-agent.sock',
  trustBundlePath: '/b',
  trustBundleFormat: 'spiffe',
  logLevel: 'INFO',
  logFormat: 'json',
  nodeAttestor: { type: 'k8s_psat', cluster: 'c1', tokenPath: '/t' },
  keyManager: { type: 'memory' },
  kubelet: { verification: 'skip' },
  health: { port: 9982, livePath: '/live', readyPath: '/ready' },
};
