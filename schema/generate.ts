import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { estateJsonSchema } from '../lib/config/json-schema';

// `npm run schema`: regenerates schema/estate.schema.json from lib/config/schema.ts.
const target = join(__dirname, 'estate.schema.json');
writeFileSync(target, estateJsonSchema());
console.log(`wrote ${target}`);
