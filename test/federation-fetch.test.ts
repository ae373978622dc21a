import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/cli/main';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { federationLockPath } from '../lib/config/federation-locks';
import { EstateConfig, FederationSpec } from '../lib/config/types';

/*
 * `spire-gitops federation fetch-bundle` against HTTPS servers on the loopback interface, with
 * certificates of throwaway CAs made here with openssl: a Web PKI stand-in CA for https_web, and two
 * SPIRE-style CAs of the partner trust domain (the bundle's X.509 authorities) for https_spiffe.
 */

const PARTNER = 'partner.test';
const ENDPOINT_ID = `spiffe://${PARTNER}/spire/server`;
const LOCK = federationLockPath(PARTNER);

let work = '';
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** A self-signed CA; `uri` makes it a SPIFFE trust domain's authority, as SPIRE's CA certificates are. */
function ca(name: string, uri?: string): string {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign', ...(uri ? ['-addext', `subjectAltName=${uri}`] : []));
  return name;
}

/** A TLS server certificate signed by `issuer`, with the given SANs. */
function leaf(name: string, issuer: string, sans: string): { key: string; cert: string } {
  writeFileSync(join(work, `${name}.ext`), `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=${sans}\n`);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  return { key: readFileSync(join(work, `${name}.key`), 'utf8'), cert: readFileSync(join(work, `${name}.crt`), 'utf8') };
}

/** The base64 DER of a PEM certificate file, as a bundle's x5c holds it. */
const x5c = (name: string) => readFileSync(join(work, `${name}.crt`), 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');
/** What `openssl x509 -fingerprint -sha256` prints for a CA: the independent view of the fingerprint. */
const fingerprint = (name: string) => openssl('x509', '-in', `${name}.crt`, '-noout', '-fingerprint', '-sha256').trim().split('=')[1];

const jwtKey = (() => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { use: 'jwt-svid', kid: 'jwt-key-1', ...publicKey.export({ format: 'jwk' }) };
})();

/** A SPIFFE bundle as SPIRE's endpoint serves it: x509-svid authorities, a jwt-svid key, sequence and hint. */
const bundle = (cas: string[], sequence: number, extra: Record<string, unknown> = {}) => JSON.stringify({
  keys: [...cas.map((name) => ({ use: 'x509-svid', kty: 'EC', x5c: [x5c(name)] })), { ...jwtKey, ...extra }],
  spiffe_refresh_hint: 300,
  spiffe_sequence: sequence,
});

let server: Server | undefined;

/** Serves `body` at / on 127.0.0.1 with the certificate `tls`; returns the URL. */
async function serve(tls: { key: string; cert: string }, body: string, status = 200): Promise<string> {
  await stop();
  server = createServer(tls, (_req, res) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(body); });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function stop(): Promise<void> {
  const current = server;
  server = undefined;
  if (current) await new Promise((resolve) => current.close(resolve));
}

/** An estate file in `work` whose production environment federates with the partner only. */
function estateFile(url: string, profile: FederationSpec['profile']): string {
  const estate: EstateConfig = {
    ...DEFAULT_ESTATE,
    teams: undefined,
    environments: DEFAULT_ESTATE.environments.map((environment) => ({
      ...environment,
      federation: environment.name === 'production' ? [{ trustDomain: PARTNER, bundleEndpointURL: url, profile }] : [],
    })),
  };
  writeFileSync(join(work, 'estate.json'), JSON.stringify(estate));
  return 'estate.json';
}

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (text) => { out += text; }, err: (text) => { err += text; }, cwd: work });
  return { code, out, err };
}

const WEB: FederationSpec['profile'] = { type: 'https_web' };
const SPIFFE: FederationSpec['profile'] = { type: 'https_spiffe', endpointSPIFFEID: ENDPOINT_ID };
let webServer: { key: string; cert: string };

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'fetch-bundle-'));
  ca('web-ca');
  ca('partner-ca-1', `URI:spiffe://${PARTNER}`);
  ca('partner-ca-2', `URI:spiffe://${PARTNER}`);
  webServer = leaf('web', 'web-ca', 'IP:127.0.0.1');
});
afterAll(async () => {
  await stop();
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => rmSync(join(work, 'federation'), { recursive: true, force: true }));

describe('federation fetch-bundle over https_web', () => {
  test('prints each authority\'s SHA-256 fingerprint as openssl does, and exits 1 while there is no lock file', async () => {
    const url = await serve(webServer, bundle(['partner-ca-1'], 1));
    const result = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(url, WEB), '--ca-file', 'web-ca.crt');
    expect(result.out).toContain(`trust domain ${PARTNER}: 2 keys, spiffe_sequence 1, spiffe_refresh_hint 300 s`);
    expect(result.out).toContain(`x509-svid SHA256 ${fingerprint('partner-ca-1')} not after `);
    expect(result.out).toMatch(/jwt-svid {2}kid jwt-key-1 EC P-256 SHA256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    expect(result.out).toContain(`${LOCK}: no lock file yet\n  + x509-svid SHA256 ${fingerprint('partner-ca-1')}`);
    expect(result.code).toBe(1);
    expect(existsSync(join(work, LOCK))).toBe(false);
  });

  test('--write writes the lock, a second run finds it unchanged, a rotated bundle is reported and exits 1', async () => {
    const url = await serve(webServer, bundle(['partner-ca-1'], 1));
    const estate = estateFile(url, WEB);
    const written = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estate, '--ca-file', 'web-ca.crt', '--write');
    expect(written.out).toContain(`wrote ${LOCK}`);
    expect(written.code).toBe(0);
    const lock = readFileSync(join(work, LOCK), 'utf8');
    expect(JSON.parse(lock).keys.map((key: any) => key.use)).toEqual(['x509-svid', 'jwt-svid']);
    // The lock is normalized: members in a fixed order whatever order the endpoint served them in.
    expect(lock.indexOf('"spiffe_sequence"')).toBeLessThan(lock.indexOf('"spiffe_refresh_hint"'));

    const again = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estate, '--ca-file', 'web-ca.crt');
    expect(again.out).toContain(`${LOCK}: unchanged`);
    expect(again.code).toBe(0);

    // WHEN the partner rotates: a new authority joins, the old one leaves
    const rotated = await serve(webServer, bundle(['partner-ca-2'], 2));
    const check = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(rotated, WEB), '--ca-file', 'web-ca.crt');
    expect(check.out).toContain(`${LOCK}: differs from the fetched bundle`);
    expect(check.out).toContain(`  + x509-svid SHA256 ${fingerprint('partner-ca-2')}`);
    expect(check.out).toContain(`  - x509-svid SHA256 ${fingerprint('partner-ca-1')}`);
    expect(check.out).toContain('  ~ spiffe_sequence 1 -> 2');
    expect(check.err).toContain('run with --write');
    expect(check.code).toBe(1);
    expect(readFileSync(join(work, LOCK), 'utf8')).toBe(lock);
  });

  test('fails when the endpoint\'s certificate is not from a trusted CA (no --ca-file: Web PKI only)', async () => {
    const url = await serve(webServer, bundle(['partner-ca-1'], 1));
    const result = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(url, WEB));
    expect(result.err).toMatch(/cannot fetch the bundle: .*(self[- ]signed|unable to (get|verify))/i);
    expect(result.code).toBe(1);
  });

  test('fails when the bundle holds a private key ("d"), and writes nothing', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const url = await serve(webServer, bundle(['partner-ca-1'], 1, { d: privateKey.export({ format: 'jwk' }).d }));
    const result = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(url, WEB), '--ca-file', 'web-ca.crt', '--write');
    expect(result.err).toContain('contains a private key parameter ("d", key 1); it is refused and nothing is written');
    expect(result.code).toBe(1);
    expect(existsSync(join(work, LOCK))).toBe(false);
  });
});

describe('federation fetch-bundle over https_spiffe', () => {
  /** The lock holding partner-ca-1, as a first --write through https_web would have left it. */
  async function lockWithFirstAuthority(): Promise<void> {
    const url = await serve(webServer, bundle(['partner-ca-1'], 1));
    expect((await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(url, WEB), '--ca-file', 'web-ca.crt', '--write')).code).toBe(0);
  }

  test('authenticates the endpoint with the lock\'s authorities and its endpointSPIFFEID', async () => {
    await lockWithFirstAuthority();
    const url = await serve(leaf('endpoint', 'partner-ca-1', `URI:${ENDPOINT_ID}`), bundle(['partner-ca-1', 'partner-ca-2'], 2));
    const result = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(url, SPIFFE));
    expect(result.out).toContain(`trusting ${LOCK}`);
    expect(result.out).toContain(`  + x509-svid SHA256 ${fingerprint('partner-ca-2')}`);
    expect(result.code).toBe(1);
  });

  test('fails when the endpoint\'s certificate names another SPIFFE ID than the endpointSPIFFEID', async () => {
    await lockWithFirstAuthority();
    const url = await serve(leaf('impostor', 'partner-ca-1', `URI:spiffe://${PARTNER}/workload`), bundle(['partner-ca-1'], 2));
    const result = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(url, SPIFFE), '--write');
    expect(result.err).toContain(`https_spiffe authentication failed: the endpoint's certificate is for spiffe://${PARTNER}/workload, not the endpointSPIFFEID ${ENDPOINT_ID}`);
    expect(result.code).toBe(1);
    expect(JSON.parse(readFileSync(join(work, LOCK), 'utf8')).spiffe_sequence).toBe(1);
  });

  test('fails when the endpoint\'s certificate chains to an authority the lock does not hold', async () => {
    await lockWithFirstAuthority();
    const url = await serve(leaf('other-ca-endpoint', 'partner-ca-2', `URI:${ENDPOINT_ID}`), bundle(['partner-ca-2'], 2));
    const result = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estateFile(url, SPIFFE));
    expect(result.err).toMatch(/https_spiffe authentication failed: .*(unable to (get|verify)|issuer)/i);
    expect(result.code).toBe(1);
  });

  test('fails as a usage error without any bundle to trust, and takes the partner\'s CA out of band with --ca-file', async () => {
    const url = await serve(leaf('endpoint', 'partner-ca-1', `URI:${ENDPOINT_ID}`), bundle(['partner-ca-1'], 1));
    const estate = estateFile(url, SPIFFE);
    const bare = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estate);
    expect(bare.err).toContain('has no bundle yet');
    expect(bare.code).toBe(2);
    const bootstrapped = await cli('federation', 'fetch-bundle', PARTNER, '--estate', estate, '--ca-file', 'partner-ca-1.crt', '--write');
    expect(bootstrapped.code).toBe(0);
    expect(existsSync(join(work, LOCK))).toBe(true);
  });
});

describe('federation fetch-bundle command line', () => {
  test('fails as a usage error on a trust domain that is no partner', async () => {
    const result = await cli('federation', 'fetch-bundle', 'nobody.example', '--estate', estateFile('https://127.0.0.1:1/', WEB));
    expect(result.err).toContain('no federation partner "nobody.example" in estate.json; partners: partner.test');
    expect(result.code).toBe(2);
  });

  test('fails as a usage error without a subcommand', async () => {
    const result = await cli('federation');
    expect(result.err).toContain('federation needs a subcommand (fetch-bundle), got none');
    expect(result.code).toBe(2);
  });
});
