/*
 * Where the partners' learned bundles live. A lock file is the partner's SPIFFE bundle as
 * `spire-gitops federation fetch-bundle <trust domain> --write` last fetched and reviewed it: state
 * learned from the partner, committed beside the estate but never part of it. Synth reads a partner's lock
 * as its initial `trustDomainBundle` (lib/config/bundle-files.ts); the command writes it. This file is the
 * one place that says where that is and how its text is laid out.
 */

/** The directory of the lock files, relative to the repository root. */
export const FEDERATION_LOCK_DIR = 'federation';

/** The lock file of one partner trust domain, relative to the repository root. */
export function federationLockPath(trustDomain: string): string {
  return `${FEDERATION_LOCK_DIR}/${trustDomain}.bundle.json`;
}

/** JWK members in the order a lock file lists them; any other public member follows, sorted by name. */
const KEY_MEMBER_ORDER = ['use', 'kty', 'kid', 'crv', 'x', 'y', 'n', 'e', 'x5c'];

/**
 * The lock file text of a parsed SPIFFE bundle: two-space JSON, the keys in the order the endpoint served
 * them (SPIRE's own order, so a lock diff shows what the partner changed), each key's members in
 * KEY_MEMBER_ORDER, then `spiffe_sequence` and `spiffe_refresh_hint`, then any other top-level member
 * sorted by name; a final newline. The same bundle always gives the same bytes.
 */
export function lockText(bundle: { readonly keys: readonly Record<string, unknown>[]; readonly [member: string]: unknown }): string {
  const ordered = (value: Record<string, unknown>, first: readonly string[]) => {
    const names = [...first.filter((name) => name in value), ...Object.keys(value).filter((name) => !first.includes(name)).sort()];
    return Object.fromEntries(names.map((name) => [name, value[name]]));
  };
  const keys = bundle.keys.map((key) => ordered(key, KEY_MEMBER_ORDER));
  return `${JSON.stringify(ordered({ ...bundle, keys }, ['keys', 'spiffe_sequence', 'spiffe_refresh_hint']), null, 2)}\n`;
}
