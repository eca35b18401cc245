#!/usr/bin/env node
/**
 * Build only when the sources changed: `npm run build` writes dist/.build-stamp, a digest of
 * every input of the build (src/, test/, bench/, the build scripts, package and tsconfig
 * files); `node scripts/build-stamp.mjs ensure` rebuilds only when that digest differs.
 *
 *   node scripts/build-stamp.mjs begin    before a build: forget the old stamp, note the inputs' digest
 *   node scripts/build-stamp.mjs write    after a build succeeded: record the digest noted at begin
 *   node scripts/build-stamp.mjs ensure   run `npm run build` unless dist is up to date
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAMP = join('dist', '.build-stamp');
const INPUT_DIRS = ['src', 'test', 'bench'];
const INPUT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/bundle.mjs',
  'scripts/bin-stub.cjs',
];

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path, out);
    else if (e.isFile()) out.push(path);
  }
}

/** A digest of every build input's path and content under root. */
export function inputsDigest(root) {
  const files = [];
  for (const d of INPUT_DIRS) walk(join(root, d), files);
  for (const f of INPUT_FILES) if (existsSync(join(root, f))) files.push(join(root, f));
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(root, f)).sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Why root's dist must be rebuilt, or undefined when it is up to date. */
export function staleReason(root) {
  let recorded;
  try {
    recorded = readFileSync(join(root, STAMP), 'utf8').trim();
  } catch {
    return 'no build recorded in dist/';
  }
  if (!existsSync(join(root, 'dist', 'bin', 'awsorg.cjs'))) return 'dist/bin/awsorg.cjs is missing';
  return recorded === inputsDigest(root) ? undefined : 'sources changed since the last build';
}

/**
 * The digest is taken before the build starts, so a file edited while tsc runs makes the next
 * `ensure` build again; a build that fails leaves no stamp at all.
 */
export function beginBuild(root) {
  rmSync(join(root, STAMP), { force: true });
  mkdirSync(join(root, 'dist'), { recursive: true });
  writeFileSync(join(root, `${STAMP}.pending`), `${inputsDigest(root)}\n`);
}

export function writeStamp(root) {
  const pending = join(root, `${STAMP}.pending`);
  const digest = existsSync(pending) ? readFileSync(pending, 'utf8') : `${inputsDigest(root)}\n`;
  writeFileSync(join(root, STAMP), digest);
  rmSync(pending, { force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const mode = process.argv[2];
  if (mode === 'begin') {
    beginBuild(root);
  } else if (mode === 'write') {
    writeStamp(root);
  } else if (mode === 'ensure') {
    const reason = staleReason(root);
    if (reason === undefined) {
      process.stderr.write('awsorg: dist/ is up to date with the sources; not rebuilding\n');
    } else {
      process.stderr.write(`awsorg: building (${reason})\n`);
      const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
      const res = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
      if (res.status !== 0) process.exit(res.status ?? 1);
    }
  } else {
    process.stderr.write('usage: node scripts/build-stamp.mjs begin|write|ensure\n');
    process.exit(2);
  }
}
