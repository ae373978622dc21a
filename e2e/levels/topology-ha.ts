/**
 * Topology ha, live: examples/ha synthesized by the CLI; both clusters' servers run from their own trees
 * (e2e/topology-server.ts) on one PostgreSQL (e2e/postgres.ts) that listens where their rendered
 * connection string points, with TLS verified against the database CA their prerequisite mounts. Proves
 * they are one trust domain with one root of trust: the bundle each serves carries both servers' X.509
 * authorities, and an X509-SVID one server mints verifies with the bundle fetched from the other.
 */
import { X509Certificate, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NodeNetwork } from '../net';
import { Pki, read } from '../pki';
import { startPostgres } from '../postgres';
import { Processes } from '../processes';
import { Report } from '../report';
import { TreeServer, serverCommand, startTreeServer } from '../topology-server';
import { clusterTrees } from '../trees';
import { synthesizeExample } from './examples';

export interface TopologyEnv { readonly workDir: string; readonly binaries: Record<string, string> }

/** The X.509 authorities of a bundle as `bundle show -format pem` prints it. */
export function pemCertificates(text: string): X509Certificate[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));
}

/** Whether `svidPem` (leaf first) chains to one of the PEM `bundle`'s authorities, as openssl verifies it. */
export function verifies(dir: string, name: string, svidPem: string, bundle: string): { ok: boolean; said: string } {
  const leaf = join(dir, `${name}-leaf.pem`);
  const chain = join(dir, `${name}-chain.pem`);
  const roots = join(dir, `${name}-roots.pem`);
  const certificates = svidPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  writeFileSync(leaf, `${certificates[0] ?? ''}\n`);
  writeFileSync(chain, `${certificates.slice(1).join('\n')}\n`);
  writeFileSync(roots, bundle);
  try {
    const args = ['verify', '-CAfile', roots, ...(certificates.length > 1 ? ['-untrusted', chain] : []), leaf];
    return { ok: true, said: execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
  } catch (error) {
    return { ok: false, said: `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? (error as Error).message}`.trim() };
  }
}

/** The server's active X.509 authority, as `localauthority x509 show` names it (its subject key ID). */
async function activeAuthority(binaries: Record<string, string>, server: TreeServer): Promise<string> {
  const shown = JSON.parse(await serverCommand(binaries, server, ['localauthority', 'x509', 'show', '-output', 'json']));
  return String(shown.active?.authority_id ?? '').toLowerCase();
}

function subjectKeyId(certificate: X509Certificate, dir: string, name: string): string {
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, certificate.toString());
  const text = execFileSync('openssl', ['x509', '-in', path, '-noout', '-ext', 'subjectKeyIdentifier'], { encoding: 'utf8' });
  return (text.split('\n')[1] ?? '').trim().replace(/:/g, '').toLowerCase();
}

export async function haTopology(report: Report, env: TopologyEnv): Promise<void> {
  const where = 'topologies/ha';
  const out = join(env.workDir, 'topologies', 'ha', 'dist');
  const dir = join(env.workDir, 'topologies', 'ha', 'run');
  mkdirSync(out, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const failure = await synthesizeExample('ha', out);
  if (!report.check('topologies', failure === undefined, where, 'spire-gitops synth examples/ha', failure)) return;
  const trees = clusterTrees(out);
  const processes = new Processes(dir);
  const network = new NodeNetwork(`sgx${process.pid}ha`);
  try {
    const pki = new Pki(dir);
    const dbCa = pki.ca('db-ca', '/CN=spire-gitops-e2e-ha-db-ca');
    const password = `e2e-${randomUUID()}`;
    // One database for both: it listens where the first tree's connection string points; the second
    // tree's must point at the same place for its server to come up at all.
    const postgres = await startPostgres(trees[0], dir, processes, pki, dbCa, password);
    const servers: TreeServer[] = [];
    for (const tree of trees) {
      const serverDir = join(dir, `${tree.env}-${tree.cluster}`);
      mkdirSync(serverDir, { recursive: true });
      // In turn: the first server creates the schema, the second finds it.
      servers.push(await startTreeServer(tree, {
        dir: serverDir, processes, binaries: env.binaries, netns: network.podNetwork().netns, hosts: postgres.hosts,
        // The example's read replica is a role of its own; startPostgres gives it the same password.
        secretEnv: { PGPASSWORD: password, RODBPW: password }, volumeFiles: { 'db-ca': { 'ca.crt': read(dbCa.cert) } },
      }));
    }
    const names = servers.map((server) => `${server.tree.env}/${server.tree.cluster}`);
    report.check('topologies', servers.length === 2 && servers[0].trustDomain === servers[1].trustDomain, where, `two servers of one trust domain (${names.join(', ')})`,
      `trust domains ${servers.map((server) => server.trustDomain).join(', ')}`);

    const authorities = await Promise.all(servers.map((server) => activeAuthority(env.binaries, server)));
    const bundles = await Promise.all(servers.map((server) => serverCommand(env.binaries, server, ['bundle', 'show', '-format', 'pem'])));
    servers.forEach((_server, index) => {
      const keyIds = pemCertificates(bundles[index]).map((certificate, n) => subjectKeyId(certificate, dir, `bundle-${index}-${n}`));
      const missing = authorities.filter((authority) => !keyIds.includes(authority));
      report.check('topologies', authorities.every(Boolean) && new Set(authorities).size === 2 && missing.length === 0, where,
        `the bundle ${names[index]} serves carries both servers' X.509 authorities`,
        `authorities ${authorities.join(', ')}; bundle has ${keyIds.join(', ')}`);
    });

    for (const [minter, other] of [[0, 1], [1, 0]]) {
      const mintDir = join(dir, `mint-${minter}`);
      mkdirSync(mintDir, { recursive: true });
      const spiffeId = `spiffe://${servers[minter].trustDomain}/e2e/ha-minted-by-${servers[minter].tree.cluster}`;
      await serverCommand(env.binaries, servers[minter], ['x509', 'mint', '-spiffeID', spiffeId, '-write', mintDir]);
      const svid = readFileSync(join(mintDir, 'svid.pem'), 'utf8');
      const result = verifies(dir, `ha-${minter}`, svid, bundles[other]);
      report.check('topologies', result.ok, where, `an X509-SVID minted by ${names[minter]} verifies with the bundle fetched from ${names[other]}`, result.said);
    }
  } catch (error) {
    report.fail(where, 'ha topology', (error as Error).stack ?? String(error));
  } finally {
    await processes.stopAll();
    network.close();
  }
}
