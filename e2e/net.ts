/**
 * The e2e's own network. The whole e2e runs inside a network namespace it creates (the "node"); there a
 * bridge carries one network namespace per pod, Service addresses are forwarded to pod addresses by a
 * small TCP proxy (what kube-proxy does in a cluster), and nothing can reach an address outside.
 */
import { execFileSync } from 'node:child_process';
import { createConnection, createServer, Server } from 'node:net';

export const NODE_NETNS_ENV = 'SPIRE_GITOPS_E2E_NETNS';
const BRIDGE = 'sgx0';
/** The node's address on the bridge: the apiserver, etcd's clients, PostgreSQL and the Service proxies. */
export const NODE_IP = '10.213.0.1';
const PREFIX = 16;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Re-runs this process inside a fresh network namespace, unless it already is; returns true in the parent. */
export function enterOwnNetworkNamespace(): { parent: boolean; name: string } {
  const current = process.env[NODE_NETNS_ENV];
  if (current) return { parent: false, name: current };
  const name = `sgx-e2e-${process.pid}`;
  ip('netns', 'add', name);
  return { parent: true, name };
}

export function deleteNetworkNamespace(name: string): void {
  try { ip('netns', 'del', name); } catch { /* already gone */ }
}

/**
 * Host-side veth names are one namespace for the whole process: a network closed a moment ago may still hold
 * its names while the kernel tears its namespaces down, so a new network never reuses them.
 */
let nextVeth = 0;

export class NodeNetwork {
  private nextPod = 10;
  private readonly veths: string[] = [];
  private nextService = 1;
  private readonly namespaces: string[] = [];
  private readonly proxies: Server[] = [];

  constructor(private readonly prefix: string) {
    ip('link', 'add', BRIDGE, 'type', 'bridge');
    ip('addr', 'add', `${NODE_IP}/${PREFIX}`, 'dev', BRIDGE);
    ip('link', 'set', BRIDGE, 'up');
  }

  /** A network namespace for one pod, with its own address on the bridge. */
  podNetwork(): { netns: string; ip: string } {
    const index = this.nextPod++;
    const netns = `${this.prefix}-p${index}`;
    const address = `10.213.0.${index}`;
    const hostSide = `sgxv${nextVeth++}`;
    ip('netns', 'add', netns);
    this.namespaces.push(netns);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns);
    this.veths.push(hostSide);
    ip('link', 'set', hostSide, 'master', BRIDGE, 'up');
    ip('-n', netns, 'addr', 'add', `${address}/${PREFIX}`, 'dev', 'eth0');
    ip('-n', netns, 'link', 'set', 'eth0', 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    ip('-n', netns, 'route', 'add', 'default', 'via', NODE_IP);
    return { netns, ip: address };
  }

  /** A Service address: connections to address:port are forwarded to target:targetPort. */
  async service(port: number, target: () => { host: string; port: number }): Promise<string> {
    const address = this.address();
    await this.forward(address, port, target);
    return address;
  }

  /** A fresh address on the node, for a server the e2e runs itself. */
  address(): string {
    const address = `10.213.1.${this.nextService++}`;
    ip('addr', 'add', `${address}/32`, 'dev', BRIDGE);
    return address;
  }

  /** Closes `server` with the network. */
  own(server: Server): void {
    this.proxies.push(server);
  }

  /** Adds one more port to a Service address. */
  async forward(address: string, port: number, target: () => { host: string; port: number }): Promise<void> {
    const server = createServer((client) => {
      const { host, port: targetPort } = target();
      const upstream = createConnection({ host, port: targetPort });
      client.pipe(upstream).pipe(client);
      const close = () => { client.destroy(); upstream.destroy(); };
      client.on('error', close);
      upstream.on('error', close);
    });
    this.proxies.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => resolve());
    });
  }

  close(): void {
    for (const proxy of this.proxies) proxy.close();
    // Deleting one end of a veth pair deletes both at once; a namespace's deletion frees its end only later.
    for (const veth of this.veths) {
      try { ip('link', 'del', veth); } catch { /* already gone */ }
    }
    for (const netns of this.namespaces) deleteNetworkNamespace(netns);
    try { ip('link', 'del', BRIDGE); } catch { /* already gone */ }
  }
}
