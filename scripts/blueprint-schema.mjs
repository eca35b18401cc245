// Writes schema/blueprint.schema.json from the zod schema (src/core/blueprint-schema.ts).
// Run after `npm run build`: node scripts/blueprint-schema.mjs
// test/unit/blueprint-json-schema.test.ts fails while the committed file differs from this output.
import { writeFileSync } from 'node:fs';
import { blueprintJsonSchemaText } from '../dist/src/core/blueprint-schema.js';

writeFileSync(new URL('../schema/blueprint.schema.json', import.meta.url), blueprintJsonSchemaText());
console.log('wrote schema/blueprint.schema.json');
