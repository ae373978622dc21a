import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { FederationSpec } from '../config/types';
import { bundleProblem } from '../identity/policy';

/*
 * A federation partner's SPIFFE bundle fetched from its bundle endpoint the way a SPIRE server does
 * (spire v1.15.2 pkg/server/bundle/client/client.go, NewClient and FetchBundle), read as SPIRE reads it
 * (pkg/common/bundleutil/unmarshal.go, unmarshal), and described for review: what
 * `spire-gitops federation fetch-bundle` prints and compares with the partner's lock file.
 */

/** A bundle that was fetched but cannot be trusted or used, or an endpoint that could not be reached. */
export class BundleFetchError extends Error {}

/** One key of a parsed SPIFFE bundle, as JSON. */
export type BundleKey = Record<string, unknown> & { readonly use: 'x509-svid' | 'jwt-svid' };

/** A parsed SPIFFE bundle: a JWKS whose keys are all public and of a use SPIRE knows. */
export interface SpiffeBundle {
  readonly keys: readonly BundleKey[];
  readonly spiffe_sequence?: number;
  readonly spiffe_refresh_hint?: number;
  readonly [member: string]: unknown;
}

/** Parses bundle text with the rules synth applies to a committed bundle (lib/identity/policy.ts bundleProblem). */
export function parseSpiffeBundle(text: string, trustDomain: string, source: string): SpiffeBundle {
  const problem = bundleProblem(text, trustDomain);
  if (problem) throw new BundleFetchError(`${source}: the bundle ${problem.rule}${problem.secret ? '; it is refused and nothing is written: a partner publishes public keys only' : ''}`);
  return JSON.parse(text) as SpiffeBundle;
}

/** The X.509 authorities of a bundle (its x509-svid keys' certificates). */
export function x509Authorities(bundle: SpiffeBundle): X509Certificate[] {
  return bundle.keys.filter((key) => key.use === 'x509-svid').map((key) => new X509Certificate(Buffer.from(String((key.x5c as string[])[0]), 'base64')));
}

/** SHA-256 of a JWT authority's public key (SubjectPublicKeyInfo DER), colon hex like an X.509 fingerprint. */
function jwtKeyFingerprint(key: BundleKey): string {
  let der: Buffer;
  try {
    const { use: _use, kid: _kid, ...jwk } = key;
    der = createPublicKey({ key: jwk as any, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  } catch {
    der = Buffer.from(JSON.stringify(key));
  }
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** One line per authority, naming it by what cannot change without the key changing; the diff's identity. */
export function authorityLines(bundle: SpiffeBundle): string[] {
  return bundle.keys.map((key) => {
    if (key.use === 'x509-svid') {
      const certificate = new X509Certificate(Buffer.from(String((key.x5c as string[])[0]), 'base64'));
      return `x509-svid SHA256 ${certificate.fingerprint256} not after ${new Date(certificate.validTo).toISOString()} subject ${certificate.subject.split('\n').join(', ')}`;
    }
    return `jwt-svid  kid ${String(key.kid)} ${String(key.kty)}${key.crv ? ` ${String(key.crv)}` : ''} SHA256 ${jwtKeyFingerprint(key)}`;
  });
}

/** The review summary of a fetched bundle: trust domain, sequence, refresh hint, each authority. */
export function describeBundle(trustDomain: string, bundle: SpiffeBundle): string {
  const sequence = bundle.spiffe_sequence === undefined ? 'none' : String(bundle.spiffe_sequence);
  const hint = bundle.spiffe_refresh_hint === undefined ? 'none (SPIRE picks its default)' : `${bundle.spiffe_refresh_hint} s`;
  const lines = authorityLines(bundle).map((line) => `  ${line}\n`).join('');
  return `trust domain ${trustDomain}: ${bundle.keys.length} key${bundle.keys.length === 1 ? '' : 's'}, spiffe_sequence ${sequence}, spiffe_refresh_hint ${hint}\n${lines}`;
}

/** What differs between the lock's bundle and the fetched one: authorities added and removed, other members changed. */
export interface BundleChange {
  readonly added: string[];
  readonly removed: string[];
  readonly members: string[];
}

export function bundleChange(locked: SpiffeBundle | undefined, fetched: SpiffeBundle): BundleChange {
  const before = locked ? authorityLines(locked) : [];
  const after = authorityLines(fetched);
  const members: string[] = [];
  if (locked) {
    for (const name of [...new Set([...Object.keys(locked), ...Object.keys(fetched)])].filter((member) => member !== 'keys').sort()) {
      const was = JSON.stringify(locked[name]);
      const is = JSON.stringify(fetched[name]);
      if (was !== is) members.push(`${name} ${was ?? 'none'} -> ${is ?? 'none'}`);
    }
  }
  return { added: after.filter((line) => !before.includes(line)), removed: before.filter((line) => !after.includes(line)), members };
}

/** How the command may trust the endpoint's TLS certificate. */
export interface EndpointTrust {
  /** https_spiffe: the partner's X.509 authorities it currently trusts (its lock, or the bundle the estate commits). */
  readonly spiffeRoots?: readonly X509Certificate[];
  /** https_web: CA certificates (PEM) trusted besides the Web PKI roots Node carries. */
  readonly extraWebRoots?: string;
}

/** The URI SANs of a certificate, as Node lists them in subjectAltName. */
function uriSans(certificate: X509Certificate): string[] {
  return (certificate.subjectAltName ?? '').split(', ').filter((name) => name.startsWith('URI:')).map((name) => name.slice(4));
}

/**
 * The endpoint's certificate, checked as go-spiffe's tlsconfig.TLSClientConfig with tlsconfig.AuthorizeID
 * does for SPIRE's https_spiffe client (x509svid.Verify): the chain ends at an authority of the partner's
 * current bundle (OpenSSL checks that, given only those roots), and the leaf is an X509-SVID: exactly one URI
 * SAN, not a CA, and its ID is the endpoint's SPIFFE ID. The host name is not checked, as SPIRE does not.
 */
function spiffeServerIdentity(endpointSPIFFEID: string) {
  return (_host: string, peer: { raw: Buffer }): Error | undefined => {
    const leaf = new X509Certificate(peer.raw);
    const uris = uriSans(leaf);
    if (uris.length !== 1) return new Error(`the endpoint's certificate has ${uris.length} URI SANs, an X509-SVID has exactly one`);
    if (leaf.ca) return new Error('the endpoint\'s certificate is a CA certificate, not an X509-SVID');
    if (uris[0] !== endpointSPIFFEID) return new Error(`the endpoint's certificate is for ${uris[0]}, not the endpointSPIFFEID ${endpointSPIFFEID}`);
    return undefined;
  };
}

const FETCH_TIMEOUT_MS = 15_000;
/** A bundle is a few kilobytes; an endpoint that sends more is not a bundle endpoint. */
const MAX_BUNDLE_BYTES = 1 << 20;

/**
 * GETs the partner's bundle endpoint URL and returns the body; refuses what SPIRE's client refuses (an
 * untrusted certificate, a status other than 200). https_web trusts Web PKI roots and checks the host name
 * as Go's default transport does; https_spiffe trusts only `trust.spiffeRoots`.
 */
export function fetchBundleText(spec: FederationSpec, trust: EndpointTrust): Promise<string> {
  const profile = spec.profile;
  // An empty `ca` would fall back to Node's Web PKI roots: https_spiffe must never trust those.
  if (profile.type === 'https_spiffe' && (trust.spiffeRoots ?? []).length === 0) {
    return Promise.reject(new BundleFetchError(`${spec.bundleEndpointURL}: https_spiffe needs the partner's current X.509 authorities to authenticate the endpoint, and none are known`));
  }
  const tlsOptions = profile.type === 'https_spiffe'
    ? { ca: (trust.spiffeRoots ?? []).map((root) => root.toString()), checkServerIdentity: spiffeServerIdentity(profile.endpointSPIFFEID) }
    : trust.extraWebRoots !== undefined ? { ca: [...rootCertificates, trust.extraWebRoots] } : {};
  return new Promise((resolvePromise, reject) => {
    const fail = (message: string) => reject(new BundleFetchError(`${spec.bundleEndpointURL}: ${message}`));
    const req = request(spec.bundleEndpointURL, { method: 'GET', agent: false, timeout: FETCH_TIMEOUT_MS, ...tlsOptions }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BUNDLE_BYTES) { req.destroy(); fail(`the response is larger than ${MAX_BUNDLE_BYTES} bytes; a SPIFFE bundle is a few kilobytes`); return; }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) fail(`unexpected status ${res.statusCode} fetching the bundle: ${body.slice(0, 1024)}`);
        else resolvePromise(body);
      });
      res.on('error', (error) => fail(error.message));
    });
    req.on('timeout', () => { req.destroy(); fail(`no answer within ${FETCH_TIMEOUT_MS / 1000} s`); });
    req.on('error', (error: Error & { code?: string; syscall?: string; cert?: { subjectaltname?: string } }) => {
      // SPIRE says when an https_web endpoint serves an X509-SVID instead of a Web PKI certificate (FetchBundle).
      const spiffeId = /URI:(spiffe:\/\/[^,\s]+)/.exec(error.cert?.subjectaltname ?? '')?.[1];
      const hint = profile.type === 'https_web' && error.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && spiffeId
        ? `; the server certificate carries the SPIFFE ID ${spiffeId}: maybe the partner's profile is https_spiffe, not https_web` : '';
      // A system call's error (DNS, connect) never reached TLS: it says nothing about the endpoint's identity.
      const what = error.syscall ? 'cannot reach the endpoint' : profile.type === 'https_spiffe' ? 'https_spiffe authentication failed' : 'cannot fetch the bundle';
      fail(`${what}: ${error.message}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ''}${hint}`);
    });
    req.end();
  });
}
