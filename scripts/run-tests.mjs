#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's built-in test runner.
// Node 20 takes directories, Node 22+ takes globs; listing the files works on both.
// Usage: node scripts/run-tests.mjs [unit|integration|e2e ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = 'dist/test';
const only = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
})(root);
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(`/${o}/`) || f.includes(o))) : files;
if (selected.length === 0) {
  console.error(`no test files matched ${only.join(' ') || root}`);
  process.exit(1);
}
// Test files load the AWS SDK, which warns on Node < 22 about its 2027 releases; the lockfile pins ours.
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...selected], {
  stdio: 'inherit',
  env,
});
process.exit(result.status ?? 1);
