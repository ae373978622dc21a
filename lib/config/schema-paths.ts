import { z } from 'zod';

/*
 * Walking the estate schema (lib/config/schema.ts) alongside a value: which schema describes the value
 * at a path, what it documents, which keys it knows. Used to explain schema problems (parse.ts) and
 * defaults (presets.ts).
 */

export type Path = readonly PropertyKey[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `environments[1].identities[0].jwtTtl`; keys that are not identifiers are quoted: `matchLabels["app.kubernetes.io/name"]`. */
export function formatPath(path: Path): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (IDENTIFIER.test(String(key))) text += text === '' ? String(key) : `.${String(key)}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

/** The schema behind wrappers that do not change the shape (optional, default, readonly, ...). */
export function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as any;
    if (['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch'].includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe') current = def.in;
    else if (def.type === 'lazy') current = def.getter();
    else return current;
  }
}

/**
 * The schema that describes the value at `path` of `input`, walking objects, arrays, records and, in a
 * discriminated union, the option the input's discriminator picks.
 */
export function schemaAt(root: z.core.$ZodType, path: Path, input: unknown): z.core.$ZodType | undefined {
  let schema: z.core.$ZodType | undefined = root;
  let value: any = input;
  for (const key of path) {
    schema = schema && unionOption(unwrap(schema), value);
    if (!schema) return undefined;
    const def = schema._zod.def as any;
    if (def.type === 'object') schema = def.shape[key as string];
    else if (def.type === 'array') schema = def.element;
    else if (def.type === 'record') schema = def.valueType;
    else return undefined;
    value = value !== null && typeof value === 'object' ? value[key as any] : undefined;
  }
  return schema;
}

/** The option of a discriminated union that `value` selects (or the schema itself when it is no union). */
export function unionOption(schema: z.core.$ZodType, value: unknown): z.core.$ZodType | undefined {
  const def = schema._zod.def as any;
  if (def.type !== 'union') return schema;
  if (!def.discriminator) return undefined;
  const tag = value !== null && typeof value === 'object' ? (value as any)[def.discriminator] : undefined;
  const option = (def.options as z.core.$ZodType[]).find((candidate) => {
    const literal = (unwrap(candidate)._zod.def as any).shape?.[def.discriminator];
    return literal && ((literal._zod.def as any).values as unknown[]).includes(tag);
  });
  return option ? unwrap(option) : undefined;
}

/** The documentation of a field: its own description, or that of the schema it wraps. */
export function descriptionOf(schema: z.core.$ZodType | undefined): string | undefined {
  let current = schema;
  while (current) {
    const description = z.globalRegistry.get(current)?.description;
    if (description) return description;
    const def = current._zod.def as any;
    current = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
  }
  return undefined;
}

/** The keys the object schema for `value` knows (in a discriminated union, those of the option `value` selects). */
export function knownKeys(schema: z.core.$ZodType | undefined, value: unknown): string[] {
  const object = schema && unionOption(unwrap(schema), value);
  const def = object?._zod.def as any;
  return def?.type === 'object' ? Object.keys(def.shape) : [];
}
