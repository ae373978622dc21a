import { z } from 'zod';
import { ViolationDetails, formatViolation } from './violation';
import { estateConfigSchema } from './schema';
import { Path, descriptionOf, formatPath, knownKeys, schemaAt, unwrap } from './schema-paths';
import { secretKind } from './secrets';
import { EstateConfig } from './types';

/*
 * The first step of synth: an estate from TypeScript, JavaScript or a data file (JSON, YAML) is checked
 * against lib/config/schema.ts, and every mismatch is reported at once in the project's problem format
 * (environment, resource, field, value, rule, fix). Nothing past this point sees an estate of the wrong
 * shape.
 */

export type ParsedEstate =
  | { readonly ok: true; readonly estate: EstateConfig }
  | { readonly ok: false; readonly problems: string[] };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Levenshtein distance, case-insensitive: `jwtTTL` is as close to `jwtTtl` as can be. */
export function editDistance(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (left[i - 1] === right[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[right.length];
}

/** The candidate `word` was most likely meant as, if one is close enough to be a typo of it. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  // A third of the word may be wrong (at least two letters): closer than that it reads as a typo, farther as another word.
  if (best && best.distance <= Math.max(2, Math.floor(word.length / 3))) return best.candidate;
  // Otherwise a key that begins like it (`serverSettings` for server): most of the shorter of the two,
  // and at least four letters, in common from the start.
  // Of several, the closest by edit distance (`identity`: identities rather than identityPolicy).
  let closest: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const common = commonPrefix(word.toLowerCase(), candidate.toLowerCase());
    const distance = editDistance(word, candidate);
    if (common >= 4 && common >= 0.75 * Math.min(word.length, candidate.length) && (!closest || distance < closest.distance)) closest = { candidate, distance };
  }
  return closest?.candidate;
}

function commonPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && length < b.length && a[length] === b[length]) length++;
  return length;
}

function valueAt(root: unknown, path: Path): unknown {
  let value: any = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[key as any];
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'an infinite number';
  return { string: 'text', number: 'a number', boolean: 'true or false', object: 'an object', bigint: 'a big integer' }[typeof value as string] ?? typeof value;
}

function expectedName(expected: string): string {
  return {
    string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false', object: 'an object', array: 'a list',
    record: 'an object', literal: 'a fixed value',
  }[expected] ?? expected;
}

function example(expected: string): string {
  return { string: '"..."', number: '1', int: '1', boolean: 'true', object: '{ ... }', array: '[ ... ]', record: '{ key: "value" }' }[expected] ?? expected;
}

/** How to write `value` as the type expected: quoting or unquoting it where that is all it takes. */
function typeFix(expected: string, value: unknown): string {
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return `quote it: "${String(value)}"`;
  if ((expected === 'number' || expected === 'int') && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return `write ${value.trim()} without quotes`;
  if (expected === 'boolean' && (value === 'true' || value === 'false')) return `write ${value} without quotes`;
  if (expected === 'array' && value !== undefined && !Array.isArray(value)) return `put it in a list: [${JSON.stringify(value)}]`;
  return `write it as ${expectedName(expected)}, e.g. ${example(expected)}`;
}

function oneOf(options: readonly unknown[]): string {
  return options.map((option) => String(option)).join(', ');
}

function choiceFix(value: unknown, options: readonly unknown[]): string {
  const guess = typeof value === 'string' ? nearest(value, options.map(String)) : undefined;
  return guess ? `did you mean ${guess}?` : `use one of ${oneOf(options)}`;
}

/**
 * Keys of the object at `path` that no form of its discriminated union knows. With no form selected (the
 * discriminator missing or wrong) the schema reports only the discriminator, yet a misspelt one
 * (`tye`) is what the user needs to hear about.
 */
function keysNoFormKnows(path: Path, input: unknown): { path: Path; value: unknown; rule: string; fix: string }[] {
  const schema = schemaAt(estateConfigSchema, path, input);
  const def = schema && (unwrap(schema)._zod.def as any);
  const object = valueAt(input, path);
  if (def?.type !== 'union' || object === null || typeof object !== 'object' || Array.isArray(object)) return [];
  const known = [...new Set((def.options as z.core.$ZodType[]).flatMap((option) => knownKeys(option, undefined)))];
  return Object.keys(object).filter((key) => !known.includes(key)).map((key) => {
    const guess = nearest(key, known);
    return {
      path: [...path, key],
      value: (object as Record<string, unknown>)[key],
      rule: `unknown key ${key} at ${formatPath(path)}`,
      fix: guess ? `did you mean ${guess}?` : `remove it; the keys known here are ${known.join(', ')}`,
    };
  });
}

/** What the issue reports, without where: the field relative to its resource, the rule and the fix. */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): { path: Path; value: unknown; rule: string; fix: string }[] {
  const path = issue.path as Path;
  const value = valueAt(input, path);
  const description = descriptionOf(schemaAt(estateConfigSchema, path, input));
  const about = description ? ` (${description.replace(/\.$/, '')})` : '';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeys(schemaAt(estateConfigSchema, path, input), value);
      const at = path.length > 0 ? `at ${formatPath(path)}` : 'at the top of the estate';
      return issue.keys.map((key) => {
        const guess = nearest(key, known);
        return {
          path: [...path, key],
          value: valueAt(input, [...path, key]),
          rule: `unknown key ${key} ${at}`,
          fix: guess ? `did you mean ${guess}?` : `remove it; the keys known here are ${known.join(', ')}`,
        };
      });
    }
    case 'invalid_type': {
      const expected = expectedName(issue.expected);
      if (value === undefined) {
        return [{ path, value, rule: `is required${about}`, fix: `add ${String(path[path.length - 1])}: ${example(issue.expected)}` }];
      }
      return [{ path, value, rule: `must be ${expected}, not ${typeName(value)}`, fix: typeFix(issue.expected, value) }];
    }
    case 'invalid_value':
      return [{ path, value, rule: `must be one of ${oneOf(issue.values)}`, fix: choiceFix(value, issue.values) }];
    case 'invalid_union': {
      const options = (issue as any).options as unknown[] | undefined;
      if ((issue as any).discriminator && options) {
        const what = value === undefined ? `is required: it selects the form of ${String(path[path.length - 2] ?? 'the value')}, one of ${oneOf(options)}` : `must be one of ${oneOf(options)}`;
        return [{ path, value, rule: what, fix: choiceFix(value, options) }, ...keysNoFormKnows(path.slice(0, -1), input)];
      }
      return [{ path, value, rule: `matches none of the forms this field takes${about}`, fix: 'write it in one of the forms lib/config/schema.ts describes' }];
    }
    default:
      return [{ path, value, rule: issue.message.replace(/^./, (first) => first.toLowerCase()), fix: `correct it${about}` }];
  }
}

/** Where a problem is reported: the environment it belongs to (by name, or by position when the name is bad), or the estate. */
function locate(input: unknown, path: Path): { where: string; resource: string; field: string } {
  if (path[0] === 'environments' && typeof path[1] === 'number') {
    const name = valueAt(input, ['environments', path[1], 'name']);
    const named = typeof name === 'string' && DNS_LABEL.test(name);
    return {
      where: named ? name : `environments[${path[1]}]`,
      resource: `environment ${typeof name === 'string' ? JSON.stringify(name) : `at environments[${path[1]}]`}`,
      field: formatPath(path.slice(2)) || '(the environment itself)',
    };
  }
  return { where: 'estate', resource: 'the estate', field: formatPath(path) || '(the estate itself)' };
}

/** Longest value echoed whole; a longer one (a whole environment under a misspelt key) is summarized. */
const SHOWN_LENGTH = 160;

function shownValue(value: unknown): unknown {
  // The value is echoed into the message, and from there into CI logs: never echo secret material.
  let text: string | undefined;
  try { text = JSON.stringify(value); } catch { text = undefined; }
  if (text !== undefined && secretKind(text)) return '<redacted>';
  if (text !== undefined && text.length > SHOWN_LENGTH && value !== null && typeof value === 'object') {
    return Array.isArray(value) ? `<a list of ${value.length}>` : `<an object with keys ${Object.keys(value).join(', ')}>`;
  }
  return value;
}

/**
 * Checks `input` (an estate from TypeScript, JavaScript, JSON or YAML) against the estate schema. Returns
 * the typed estate, with the schema's defaults filled in, or every problem found, each naming the
 * environment, field, value and fix.
 */
export function parseEstate(input: unknown): ParsedEstate {
  const result = estateConfigSchema.safeParse(input);
  if (result.success) return { ok: true, estate: result.data };
  const problems = new Set<string>();
  for (const issue of result.error.issues) {
    for (const finding of describeIssue(issue, input)) {
      const { where, resource, field } = locate(input, finding.path);
      const details: ViolationDetails = {
        resource,
        field,
        value: shownValue(finding.value),
        rule: finding.rule,
        fix: finding.fix,
      };
      problems.add(formatViolation(where, details));
    }
  }
  return { ok: false, problems: [...problems] };
}
