/**
 * Stand-ins for the federation partners a tree names: a real spire-server with the partner's trust
 * domain, reachable at the partner's URL (the host name resolves to it in the tree's pods, the port is
 * the URL's). An https_spiffe partner whose initial bundle is committed signs with the key of that
 * bundle (e2e/fixtures/partners/<trust domain>/, a key made for the example partner and for nothing
 * else); an https_web partner's bundle is served at the URL's path with a certificate of the e2e's web
 * CA, which the tree's images trust as they would a public CA. The stand-ins trust it too, as the public
 * CA behind the tree's own https_web bundle endpoint.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync, chownSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { NodeNetwork } from './net';
import { KeyPair, Pki } from './pki';
import { Processes, Running, run, waitFor } from './processes';
import { shortPath, startContainer } from './runtime';
import { ClusterTree, objectsOf } from './trees';

export interface Partner {
  readonly trustDomain: string;
  readonly url: URL;
  readonly profile: 'https_spiffe' | 'https_web';
  readonly endpointSpiffeId?: string;
}

export interface StandIn {
  readonly partner: Partner;
  readonly socket: string;
  readonly running: Running;
}

/** Every partner the tree federates with: its ClusterFederatedTrustDomains and any federates_with of server.conf. */
export function partnersOf(tree: ClusterTree): Partner[] {
  const partners = new Map<string, Partner>();
  for (const o of objectsOf(tree)) {
    if (o.kind === 'ClusterFederatedTrustDomain') {
      partners.set(o.spec.trustDomain, {
        trustDomain: o.spec.trustDomain, url: new URL(o.spec.bundleEndpointURL), profile: o.spec.bundleEndpointProfile.type, endpointSpiffeId: o.spec.bundleEndpointProfile.endpointSPIFFEID,
      });
    }
    if (o.kind === 'ConfigMap') {
      for (const text of Object.values(o.data ?? {}) as string[]) {
        for (const block of text.matchAll(/federates_with "([^"]+)" \{\s*bundle_endpoint_url = "([^"]+)"\s*bundle_endpoint_profile "(https_spiffe|https_web)" \{(?:\s*endpoint_spiffe_id = "([^"]+)")?/g)) {
          if (!partners.has(block[1])) partners.set(block[1], { trustDomain: block[1], url: new URL(block[2]), profile: block[3] as Partner['profile'], endpointSpiffeId: block[4] });
        }
      }
    }
  }
  return [...partners.values()];
}

export const FIXTURES = join(__dirname, 'fixtures', 'partners');

/** Starts one stand-in per partner; returns them and the /etc/hosts entries that send the partners' URLs to them. */
export async function startStandIns(partners: Partner[], env: { dir: string; processes: Processes; network: NodeNetwork; binaries: Record<string, string>; pki: Pki; webCa: KeyPair; hosts: Record<string, string>; caCertificates: string }): Promise<{ standIns: StandIn[]; hosts: Record<string, string> }> {
  const hosts: Record<string, string> = {};
  const standIns: StandIn[] = [];
  for (const partner of partners) {
    const dir = join(env.dir, 'standin', partner.trustDomain);
    for (const sub of ['conf', 'data', 'socket', 'certs']) mkdirSync(join(dir, sub), { recursive: true });
    const pod = env.network.podNetwork();
    const port = Number(partner.url.port || 443);
    const socket = join(dir, 'socket', 'api.sock');
    if (partner.profile === 'https_web') {
      // A web-hosted bundle: an HTTPS server with a certificate of the web CA serves the stand-in's
      // current bundle at the URL's path (SPIRE's own endpoint answers only at /).
      const address = env.network.address();
      hosts[partner.url.hostname] = address;
      const serving = env.pki.leaf(env.webCa, `standin-${partner.trustDomain}`, `/CN=${partner.url.hostname}`, [`DNS:${partner.url.hostname}`], 'serverAuth');
      const server = createHttpsServer({ cert: readFileSync(serving.cert), key: readFileSync(serving.key) }, (req, res) => {
        if (req.url !== partner.url.pathname) { res.writeHead(404); res.end(); return; }
        void run(env.binaries['spire-server'], ['bundle', 'show', '-format', 'spiffe', '-socketPath', shortPath(socket)]).then((bundle) => {
          res.writeHead(bundle.ok ? 200 : 503, { 'Content-Type': 'application/json' });
          res.end(bundle.out);
        });
      });
      env.network.own(server);
      await new Promise<void>((resolve) => server.listen(port, address, () => resolve()));
    } else {
      hosts[partner.url.hostname] = await env.network.service(port, () => ({ host: pod.ip, port: 8443 }));
    }
    const fixture = join(FIXTURES, partner.trustDomain);
    const lines = [
      'server {',
      '  bind_address = "0.0.0.0"',
      '  bind_port = "8081"',
      `  trust_domain = "${partner.trustDomain}"`,
      '  data_dir = "/run/spire/data"',
      '  socket_path = "/run/spire/socket/api.sock"',
      '  log_level = "DEBUG"',
      '  federation {',
      '    bundle_endpoint {',
      '      address = "0.0.0.0"',
      '      port = 8443',
    ];
    lines.push('    }', '  }', '}', 'plugins {', '  DataStore "sql" {', '    plugin_data {', '      database_type = "sqlite3"', '      connection_string = "/run/spire/data/datastore.sqlite3"', '    }', '  }',
      '  KeyManager "memory" {', '    plugin_data {}', '  }');
    if (partner.profile === 'https_spiffe' && existsSync(join(fixture, 'ca.key'))) {
      copyFileSync(join(fixture, 'ca.crt'), join(dir, 'certs', 'upstream.crt'));
      copyFileSync(join(fixture, 'ca.key'), join(dir, 'certs', 'upstream.key'));
      lines.push('  UpstreamAuthority "disk" {', '    plugin_data {', '      cert_file_path = "/run/spire/certs/upstream.crt"', '      key_file_path = "/run/spire/certs/upstream.key"', '    }', '  }');
    }
    lines.push('}');
    writeFileSync(join(dir, 'conf', 'server.conf'), lines.join('\n') + '\n');
    for (const sub of ['data', 'socket']) chownSync(join(dir, sub), 1000, 1000);
    for (const file of ['upstream.key']) if (existsSync(join(dir, 'certs', file))) chownSync(join(dir, 'certs', file), 1000, 1000);
    const running = startContainer(env.processes, env.binaries, {
      name: `standin-${partner.trustDomain}`,
      argv: ['/opt/spire/bin/spire-server', 'run', '-config', '/run/spire/conf/server.conf'],
      env: {}, uid: 1000, gid: 1000, program: 'spire-server', binaryPath: '/opt/spire/bin/spire-server', imageDirs: [],
      mounts: [
        { path: '/run/spire/conf', source: join(dir, 'conf'), readOnly: true },
        { path: '/run/spire/data', source: join(dir, 'data'), readOnly: false },
        { path: '/run/spire/socket', source: join(dir, 'socket'), readOnly: false },
        { path: '/run/spire/certs', source: join(dir, 'certs'), readOnly: true },
      ],
      readOnlyRoot: true, netns: pod.netns, hosts: env.hosts, caCertificates: env.caCertificates, rootDir: join(dir, 'root'),
    });
    await waitFor(`stand-in server for ${partner.trustDomain}`, 60000, async () => ((await run(env.binaries['spire-server'], ['healthcheck', '-socketPath', shortPath(socket)])).ok ? true : undefined), running);
    standIns.push({ partner, socket, running });
  }
  return { standIns, hosts };
}
