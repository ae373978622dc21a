/*
 * PostgreSQL key=value connection strings as lib/pq reads them (SPIRE's sql DataStore opens postgres
 * through gorm's postgres dialect, i.e. lib/pq: spire pkg/server/datastore/sqlstore/postgres.go
 * postgresDB.connect; lib/pq connector.go Config.fromDSN). A value is written bare when it has no
 * whitespace, quote or backslash; otherwise in single quotes with backslash and quote escaped, as libpq
 * documents it.
 */

/** Quotes one connection string value so lib/pq and libpq read back exactly `value`. */
export function quoteConnValue(value: string): string {
  if (value !== '' && !/[\s'\\]/.test(value)) return value;
  return `'${value.replace(/[\\']/g, (character) => `\\${character}`)}'`;
}

/** `key=value` pairs joined by spaces, each value quoted as needed. */
export function connectionString(pairs: readonly (readonly [string, string | number | undefined])[]): string {
  return pairs
    .filter((pair): pair is readonly [string, string | number] => pair[1] !== undefined)
    .map(([key, value]) => `${key}=${quoteConnValue(String(value))}`)
    .join(' ');
}

/**
 * Why lib/pq (or the server config around the string) would not read `value` back as given, or
 * undefined. Control characters end up in the server's HCL and logs, and a `$` would be expanded by
 * `-expandEnv`.
 */
export function connValueProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains a control character';
  if (value.includes('$')) return 'contains "$", which the server\'s -expandEnv would expand';
  return undefined;
}
