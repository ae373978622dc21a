/*
 * URLs as the Go programs that read them parse them (net/url Parse: url.go parse, parseAuthority,
 * parseHost, unescape), not as the WHATWG URL parser of Node does. The two disagree on inputs a user
 * can write: WHATWG drops tabs and newlines, turns "\" into "/" and decodes "%2E" in a host, all of
 * which Go refuses; SPIRE, the controller manager (spireapi.ValidateBundleEndpointURL), Argo CD and Flux
 * are Go programs.
 */

export interface GoUrl {
  readonly scheme: string;
  /** Raw userinfo before the last "@" of the authority, when there is one. */
  readonly userinfo?: string;
  /** Host without port ("" when the URL has no authority). */
  readonly host: string;
  readonly port: string;
  readonly path: string;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
/** ASCII bytes Go leaves unescaped in a host (its shouldEscape table for encodeHost). */
const HOST_BYTE = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"]$/;
const USERINFO_BYTE = /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]$/;

function unescapeHost(host: string): string | Error {
  let result = '';
  for (let i = 0; i < host.length; i++) {
    const character = host[i];
    if (character === '%') {
      const hex = host.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return new Error(`invalid URL escape "${host.slice(i, i + 3)}"`);
      // In a host, %-encoding is only for non-ASCII bytes (and %25 in IPv6 zones).
      if (parseInt(hex[0], 16) < 8 && hex !== '25') return new Error(`invalid URL escape "%${hex}"`);
      result += String.fromCharCode(parseInt(hex, 16));
      i += 2;
    } else if (character.charCodeAt(0) < 0x80 && !HOST_BYTE.test(character)) {
      return new Error(`invalid character "${character}" in host name`);
    } else {
      result += character;
    }
  }
  return result;
}

/** Parses `raw` with Go's net/url rules; an Error carries Go's reason when Go would refuse it. */
export function parseGoUrl(raw: string): GoUrl | Error {
  if (typeof raw !== 'string') return new Error('is not a string');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return new Error('net/url: invalid control character in URL');
  const withoutFragment = raw.split('#')[0];
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(withoutFragment);
  if (withoutFragment.startsWith(':')) return new Error('missing protocol scheme');
  if (!schemeMatch) return { scheme: '', host: '', port: '', path: withoutFragment };
  const scheme = schemeMatch[1].toLowerCase();
  let rest = withoutFragment.slice(schemeMatch[0].length);
  rest = rest.split('?')[0];
  if (!rest.startsWith('//')) return { scheme, host: '', port: '', path: rest };
  let authority = rest.slice(2);
  let path = '';
  const slash = authority.indexOf('/');
  if (slash >= 0) {
    path = authority.slice(slash);
    authority = authority.slice(0, slash);
  }
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : undefined;
  let hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  if (userinfo !== undefined && [...userinfo].some((character) => character.charCodeAt(0) < 0x80 && !USERINFO_BYTE.test(character))) {
    return new Error('net/url: invalid userinfo');
  }
  let port = '';
  if (hostPort.lastIndexOf('[') > 0) return new Error('invalid IP-literal');
  if (hostPort.startsWith('[')) {
    const close = hostPort.lastIndexOf(']');
    if (close < 0) return new Error('missing \']\' in host');
    const colonPort = hostPort.slice(close + 1);
    if (colonPort !== '' && !/^:\d*$/.test(colonPort)) return new Error(`invalid port "${colonPort}" after host`);
    port = colonPort.slice(1);
    hostPort = hostPort.slice(0, close + 1);
  } else if (hostPort.includes(':')) {
    const first = hostPort.indexOf(':');
    const last = hostPort.lastIndexOf(':');
    if (first !== last && (scheme === 'http' || scheme === 'https')) return new Error(`invalid port "${hostPort.slice(first)}" after host`);
    const colonPort = hostPort.slice(last);
    if (!/^:\d*$/.test(colonPort)) return new Error(`invalid port "${colonPort}" after host`);
    port = colonPort.slice(1);
    hostPort = hostPort.slice(0, last);
  }
  const host = unescapeHost(hostPort);
  if (host instanceof Error) return host;
  return { scheme, userinfo, host, port, path };
}

/**
 * Why `raw` is not an https URL of a host, without user info, as Go reads it (the controller manager's
 * rule for bundle endpoints; Argo CD's for cluster API servers), or undefined.
 */
export function httpsUrlProblem(raw: string): string | undefined {
  const url = parseGoUrl(raw);
  if (url instanceof Error) return `Go's net/url refuses it (${url.message})`;
  if (url.scheme !== 'https') return 'scheme must be https';
  if (url.host === '') return 'host must be specified';
  if (url.userinfo !== undefined) return 'cannot contain userinfo';
  if (url.port !== '' && (Number(url.port) < 1 || Number(url.port) > 65535)) return `port ${url.port} is out of range`;
  return undefined;
}
