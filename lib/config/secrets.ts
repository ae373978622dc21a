/*
 * Secret material in any string of the estate, whatever the field is called: a password in a URL or a
 * connection string, a token in an env value or an annotation, a private key anywhere. Everything in the
 * estate ends up in Git (estate.ts) and most of it in dist/.
 */

const PATTERNS: readonly (readonly [string, RegExp])[] = [
  ['a private key', /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/],
  ['a password in URL user info', /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i],
  // Within one line: a YAML key whose value is a block on the next lines is not an assignment.
  ['a password or token assignment', /(^|[\s;?&,{"'])(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)[ \t]*[=:][ \t]*(?![\s$]|\$\{|<)[^\s;&,"'}]+/im],
  ['a JSON Web Token', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['an AWS access key', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['a GitHub token', /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/],
  ['a GitLab token', /\bglpat-[A-Za-z0-9_-]{20,}/],
  ['a Slack token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ['a bearer token', /\bBearer\s+[A-Za-z0-9._~+/-]{20,}/],
];

/** What kind of secret material `text` holds, or undefined. */
export function secretKind(text: string): string | undefined {
  return PATTERNS.find(([, pattern]) => pattern.test(text))?.[0];
}

export interface SecretFinding {
  /** Path of the field in the estate, e.g. `environments[2].clusters[0].apiServer`. */
  readonly path: string;
  readonly kind: string;
  /** Index of the environment the field belongs to, if any. */
  readonly environment?: number;
  /** The string found: never print it for secret material. */
  readonly text: string;
}

/** Every string of `value` (walked recursively) that holds secret material. */
export function findSecrets(value: unknown): SecretFinding[] {
  return findStrings(value, secretKind);
}

/*
 * Values a copied example or template still holds where the user was meant to write their own: such an
 * estate must not synthesize (README "Example estates"). Sample values in documentation style
 * (111122223333, example.org) pass; these markers do not.
 */
const PLACEHOLDERS: readonly (readonly [string, RegExp])[] = [
  ['a placeholder in angle brackets', /<[A-Z][A-Z0-9_-]*>/],
  ['a placeholder word', /\b(CHANGE[_-]?ME|REPLACE[_-]?ME|FILL[_-]?ME[_-]?IN)\b/i],
];

/** What kind of placeholder `text` holds, or undefined. */
export function placeholderKind(text: string): string | undefined {
  return PLACEHOLDERS.find(([, pattern]) => pattern.test(text))?.[0];
}

/** Every string of `value` (walked recursively) that is still a placeholder. */
export function findPlaceholders(value: unknown): SecretFinding[] {
  return findStrings(value, placeholderKind);
}

function findStrings(value: unknown, kindOf: (text: string) => string | undefined, path = '', seen = new Set<unknown>()): SecretFinding[] {
  if (typeof value === 'string') {
    const kind = kindOf(value);
    if (!kind) return [];
    const environment = /^environments\[(\d+)\]/.exec(path)?.[1];
    return [{ path, kind, environment: environment === undefined ? undefined : Number(environment), text: value }];
  }
  if (!value || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((item, index) => [`${path}[${index}]`, item])
    : Object.entries(value).map(([key, item]) => [path ? `${path}.${key}` : key, item]);
  return entries.flatMap(([childPath, item]) => findStrings(item, kindOf, childPath, seen));
}
