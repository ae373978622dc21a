import { Document, LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { z } from 'zod';

/*
 * What an app team's identity file (`identities/<environment>/<team>.yaml`) may say, and reading one into
 * entries that remember where each of their fields was written. Where an identity applies (environments,
 * federation partners, admin) is the platform's grant (lib/config/team-identities.ts), never the file's.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Literal names only: a team file has no templates. A leading `*.` asks for a wildcard certificate name. */
const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SPIFFE_PATH = /^(\/[A-Za-z0-9._-]+)+$/;

/** Every field of a team identity, with how to write it; an error about a field gives this as the fix. */
export const TEAM_IDENTITY_FIELDS = {
  name: 'a lowercase DNS subdomain, unique in the environment, e.g. payments-api',
  namespace: 'one of the namespaces the platform granted your team, e.g. payments',
  serviceAccount: 'the service account the pods run as, e.g. payments-api',
  podLabels: 'a map of pod labels the pods carry, e.g. { app.kubernetes.io/name: payments-api }',
  spiffeIdPath: 'a path under one of your team\'s prefixes, e.g. /ns/payments/ledger; leave it out for /ns/<namespace>/sa/<service account>',
  x509Ttl: 'a Go duration such as 1h; leave it out for the server\'s default',
  jwtTtl: 'a Go duration such as 5m; leave it out for the server\'s default',
  dnsNames: 'a list of DNS names, e.g. [payments-api.payments.svc.cluster.local]',
  federatesWith: 'a list of trust domains the platform granted your team, e.g. [payments.partner.example]',
} as const;

export type TeamIdentityField = keyof typeof TEAM_IDENTITY_FIELDS;

/** Set by the platform for every team identity; a file that names them is refused with this reason. */
export const PLATFORM_BOUND_FIELDS: Readonly<Record<string, string>> = {
  admin: 'is bound by the platform: a team identity is never admin (an admin SVID may create and delete any registration entry)',
  downstream: 'is bound by the platform: a team identity never signs for a downstream SPIRE server',
};

const teamIdentitySchema = z.strictObject({
  name: z.string().max(253, 'must be at most 253 characters').regex(DNS_SUBDOMAIN, 'must be a lowercase DNS subdomain (a-z 0-9 - .)'),
  namespace: z.string().max(63, 'must be at most 63 characters').regex(DNS_LABEL, 'must be a namespace name (a DNS label: a-z 0-9 -)'),
  serviceAccount: z.string().max(253, 'must be at most 253 characters').regex(DNS_SUBDOMAIN, 'must be a service account name (a-z 0-9 - .)').optional(),
  podLabels: z.record(z.string(), z.string()).optional(),
  spiffeIdPath: z.string().regex(SPIFFE_PATH, 'must be a SPIFFE ID path: /segment/segment, each of A-Z a-z 0-9 . _ -')
    .refine((path) => !path.split('/').some((segment) => segment === '.' || segment === '..'), 'must have no . or .. segment')
    .optional(),
  x509Ttl: z.string().optional(),
  jwtTtl: z.string().optional(),
  dnsNames: z.array(z.string().max(253, 'must be at most 253 characters').regex(DNS_NAME, 'must be a literal DNS name (a-z 0-9 - ., no templates)')).optional(),
  federatesWith: z.array(z.string()).optional(),
}).refine((entry) => entry.serviceAccount !== undefined || entry.podLabels !== undefined, {
  path: ['serviceAccount'],
  message: 'is needed: an identity selects its pods by service account and/or pod labels',
});

export const teamFileSchema = z.array(teamIdentitySchema);

/** One identity request of a team file, as written. */
export type TeamIdentity = z.infer<typeof teamIdentitySchema>;

/** Where something is in a file: 1-based line and column. */
export interface FilePosition {
  readonly line: number;
  readonly col: number;
}

/** A problem in a team file, before it is given the environment's and team's context. */
export interface TeamFileProblem {
  readonly position: FilePosition;
  /** The entry's index, when the problem is inside one. */
  readonly entry?: number;
  /** Field path inside the entry, e.g. `x509Ttl` or `federatesWith[0]`; `(file)` for the file as a whole. */
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
  readonly fix: string;
}

/** A parsed entry and the position of each of its fields, for the checks that follow the schema. */
export interface LocatedTeamIdentity {
  readonly index: number;
  readonly identity: TeamIdentity;
  /** Position of a field path (`federatesWith[1]`, `podLabels["app"]`); the entry's own for any other. */
  readonly positionOf: (field: string) => FilePosition;
}

export interface ParsedTeamFile {
  readonly entries: readonly LocatedTeamIdentity[];
  /** The `name` each entry gives, by index (undefined where it gives none), to name it in messages. */
  readonly names: readonly (string | undefined)[];
  readonly problems: readonly TeamFileProblem[];
}

type PathKey = string | number;

/** The node at `path` (or the key of its last map step, with `key`); the deepest one found if it is missing. */
function offsetOf(doc: Document, path: readonly PathKey[], key = false): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0;
  for (const [depth, step] of path.entries()) {
    const last = depth === path.length - 1;
    if (isSeq(node) && typeof step === 'number' && node.items[step] !== undefined) {
      node = node.items[step];
    } else if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === step);
      if (!pair) break;
      const keyStart = (pair.key as { range?: [number] }).range?.[0];
      if (last && key && keyStart !== undefined) return keyStart;
      node = pair.value ?? pair.key;
      if (!pair.value && keyStart !== undefined) return keyStart;
    } else {
      break;
    }
    offset = (node as { range?: [number] } | null)?.range?.[0] ?? offset;
  }
  return offset;
}

/** `federatesWith[0]`, `podLabels["app"]`: how messages name a field inside an entry. */
export function fieldName(path: readonly PathKey[]): string {
  return path.map((step, index) => typeof step === 'number' ? `[${step}]` : index === 0 ? step : DNS_LABEL.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`).join('');
}

function parseFieldName(field: string): PathKey[] {
  const path: PathKey[] = [];
  for (const match of field.matchAll(/([A-Za-z0-9]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.([a-z0-9-]+)/g)) {
    if (match[1] !== undefined) path.push(match[1]);
    else if (match[2] !== undefined) path.push(Number(match[2]));
    else if (match[3] !== undefined) path.push(JSON.parse(match[3]) as string);
    else path.push(match[4]);
  }
  return path;
}

function valueAt(root: unknown, path: readonly PathKey[]): unknown {
  return path.reduce<unknown>((value, step) => (value !== null && typeof value === 'object' ? (value as Record<PathKey, unknown>)[step] : undefined), root);
}

function fixFor(field: PathKey | undefined): string {
  return typeof field === 'string' && field in TEAM_IDENTITY_FIELDS
    ? `write ${field} as ${TEAM_IDENTITY_FIELDS[field as TeamIdentityField]}`
    : 'see the team identity fields in README.md (Requesting an identity)';
}

function spellingFix(key: string): string {
  const meant = Object.keys(TEAM_IDENTITY_FIELDS).find((field) => field.toLowerCase() === key.toLowerCase().replace(/[-_]/g, ''));
  return meant ? `write it as ${meant}` : `remove ${key} or correct its spelling`;
}

function ruleOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type') {
    return value === undefined ? 'is required' : `must be ${issue.expected === 'array' ? 'a list' : issue.expected === 'record' || issue.expected === 'object' ? 'a map' : `a ${issue.expected}`}`;
  }
  return issue.message;
}

/**
 * Reads one team file. Every problem found (YAML syntax, unknown or platform-bound keys, wrong types and
 * formats) comes with its line and column; entries that pass the schema are returned with the positions
 * of their fields.
 */
export function parseTeamFile(text: string): ParsedTeamFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number): FilePosition => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    return {
      entries: [],
      names: [],
      problems: doc.errors.map((error) => ({
        position: at(error.pos[0]), field: '(file)', value: error.code,
        rule: `is not valid YAML: ${error.message.split('\n')[0]}`, fix: 'correct the YAML at that line (a list of maps, two-space indentation)',
      })),
    };
  }
  const data: unknown = doc.toJS();
  const problems: TeamFileProblem[] = [];
  // Platform-bound keys get their own reason rather than the schema's "unknown key".
  const bound = new Set<string>();
  if (Array.isArray(data)) {
    data.forEach((entry, index) => {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return;
      for (const key of Object.keys(entry).filter((name) => name in PLATFORM_BOUND_FIELDS)) {
        bound.add(`${index}.${key}`);
        problems.push({
          position: at(offsetOf(doc, [index, key], true)), entry: index, field: key, value: (entry as Record<string, unknown>)[key],
          rule: PLATFORM_BOUND_FIELDS[key], fix: `remove ${key}`,
        });
      }
    });
  }
  const result = teamFileSchema.safeParse(data);
  const invalidEntries = new Set<number>();
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.filter((step): step is PathKey => typeof step !== 'symbol');
      const entry = typeof path[0] === 'number' ? path[0] : undefined;
      if (entry !== undefined) invalidEntries.add(entry);
      if (path.length === 0) {
        problems.push({
          position: at(offsetOf(doc, [])), field: '(file)', value: data ?? null,
          rule: 'must be a YAML list of identity requests', fix: 'start each identity with "- name: ..." (an empty file is written [])',
        });
        continue;
      }
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys.filter((name) => !bound.has(`${entry}.${name}`))) {
          problems.push({
            position: at(offsetOf(doc, [...path, key], true)), entry, field: fieldName([...path.slice(1), key]), value: valueAt(data, [...path, key]),
            rule: `is not a field of a team identity (${Object.keys(TEAM_IDENTITY_FIELDS).join(', ')})`, fix: spellingFix(key),
          });
        }
        continue;
      }
      const value = valueAt(data, path);
      const inEntry = path.slice(1);
      problems.push({
        position: at(offsetOf(doc, path)), entry, field: inEntry.length > 0 ? fieldName(inEntry) : '(entry)', value,
        rule: inEntry.length > 0 ? ruleOf(issue, value) : 'must be a map of identity fields', fix: fixFor(inEntry[0]),
      });
    }
  }
  const entries = result.success || Array.isArray(data)
    ? (data as unknown[]).flatMap((raw, index): LocatedTeamIdentity[] => {
      if (invalidEntries.has(index) || [...bound].some((key) => key.startsWith(`${index}.`))) return [];
      const parsed = teamIdentitySchema.safeParse(raw);
      if (!parsed.success) return [];
      return [{
        index,
        identity: parsed.data,
        positionOf: (field: string) => at(offsetOf(doc, [index, ...parseFieldName(field)])),
      }];
    })
    : [];
  const names = Array.isArray(data) ? data.map((entry) => (typeof entry?.name === 'string' ? entry.name as string : undefined)) : [];
  return { entries, names, problems };
}
