#!/usr/bin/env node
'use strict';
// The `awsorg` bin. It loads the bundled CLI (awsorg-main.cjs) with the V8 code cache that the
// build wrote next to it, so start-up skips parsing and compiling it: `awsorg assume` on a
// credential-cache hit must start within 1.3x of `node -e 0`. A cache from another Node
// version is rejected by V8 and the source is compiled as usual.
// Only the commands on hot paths run from the bundle: `assume`, `credential-process` (the AWS
// CLI runs it for every call through a generated profile) and completion. The bundle is built
// from src/cli.ts (same dispatch, help and errors) but holds only these commands' modules (see
// scripts/bundle.mjs, which keeps the same list). Everything else (bootstrap, the Ink console,
// login, ...) loads the unbundled ES modules in dist/src, since some of its packages (ink,
// conf) are ES-module-only and start-up matters less there.
const HOT = new Set(['assume', 'credential-process', '__complete']);

function runBundle() {
  const { readFileSync } = require('node:fs');
  const { join } = require('node:path');
  const Module = require('node:module');
  const { Script } = require('node:vm');

  const file = join(__dirname, 'awsorg-main.cjs');
  let cachedData;
  try {
    cachedData = readFileSync(`${file}.v8cache`);
  } catch {
    cachedData = undefined;
  }
  // The build wrote the bundle already wrapped as a CommonJS module function, in ASCII (see
  // scripts/bundle.mjs): its text is compiled as read, without copies.
  const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  // The bundle's dynamic imports (AWS SDK clients, Ink, conf) come here; see scripts/bundle.mjs.
  globalThis.__aoI_ = (specifier) => import(specifier);
  // The build runs the bin once on a sample credential-cache hit with this set, to save a cache
  // that holds the functions the hot path compiles as well (see scripts/bundle.mjs).
  if (process.env.AWSORG_BUILD_V8CACHE) {
    const out = process.env.AWSORG_BUILD_V8CACHE;
    process.on('exit', () => require('node:fs').writeFileSync(out, script.createCachedData()));
  }
  const main = new Module(file, module);
  main.filename = file;
  main.paths = Module._nodeModulePaths(__dirname);
  script.runInThisContext()(main.exports, Module.createRequire(file), main, file, __dirname);
}

if (HOT.has(process.argv[2] ?? '')) runBundle();
else void import('../src/cli.js');
