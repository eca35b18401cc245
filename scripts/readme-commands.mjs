#!/usr/bin/env node
// Regenerates README.md's command list (between the commands:begin and commands:end markers)
// from the command declarations in src/commands/declarations.ts. Run after `npm run build`,
// or as `npm run readme:commands`. test/unit/readme.test.ts fails while the list is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { withCommandList } from '../dist/src/commands/help.js';

const before = readFileSync('README.md', 'utf8');
const after = withCommandList(before);
if (after === before) console.log('README.md: the command list is up to date');
else {
  writeFileSync('README.md', after);
  console.log('README.md: the command list was regenerated');
}
