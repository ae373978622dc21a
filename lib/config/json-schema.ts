import { z } from 'zod';
import { estateConfigSchema } from './schema';

/**
 * The estate schema as JSON Schema (draft 2020-12), for editors and tools that check an estate written
 * as JSON or YAML: every field with its documentation and default, unknown keys refused. Generated from
 * lib/config/schema.ts; `npm run schema` writes it to schema/estate.schema.json.
 */
export function estateJsonSchema(): string {
  const schema = z.toJSONSchema(estateConfigSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' });
  const document = {
    $schema: schema.$schema,
    title: 'spire-gitops estate',
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
