/**
 * `npm run rehearse` builds only when the sources changed (scripts/build-stamp.mjs).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT, tempDir } from '../helpers/cli.js';

interface StampModule {
  staleReason(root: string): string | undefined;
  beginBuild(root: string): void;
  writeStamp(root: string): void;
}
const stampScript = join(REPO_ROOT, 'scripts', 'build-stamp.mjs');
const load = async () => (await import(stampScript)) as StampModule;

function fakeCheckout(): string {
  const root = tempDir('awsorg-stamp-');
  mkdirSync(join(root, 'src', 'core'), { recursive: true });
  mkdirSync(join(root, 'dist', 'bin'), { recursive: true });
  writeFileSync(join(root, 'src', 'cli.ts'), 'export {};\n');
  writeFileSync(join(root, 'src', 'core', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'package.json'), '{}\n');
  writeFileSync(join(root, 'dist', 'bin', 'awsorg.cjs'), '');
  return root;
}

describe('build stamp', () => {
  it('is fresh after a build and stale after any change to an input', async () => {
    const { staleReason, beginBuild, writeStamp } = await load();
    const root = fakeCheckout();
    assert.equal(staleReason(root), 'no build recorded in dist/');
    beginBuild(root);
    assert.equal(
      staleReason(root),
      'no build recorded in dist/',
      'a build that has begun but not finished is not a build',
    );
    writeStamp(root);
    assert.equal(staleReason(root), undefined);
    writeFileSync(join(root, 'src', 'core', 'a.ts'), 'export const a = 2;\n');
    assert.equal(staleReason(root), 'sources changed since the last build');
    writeFileSync(join(root, 'src', 'core', 'a.ts'), 'export const a = 1;\n');
    assert.equal(staleReason(root), undefined, 'the digest is of content, not of times');
    writeFileSync(join(root, 'src', 'core', 'b.ts'), '');
    assert.equal(staleReason(root), 'sources changed since the last build', 'a new file');
    rmSync(join(root, 'src', 'core', 'b.ts'));
    writeFileSync(join(root, 'package.json'), '{"x":1}\n');
    assert.equal(staleReason(root), 'sources changed since the last build', 'package.json');
  });

  it('records the inputs as they were when the build began, so an edit during the build is rebuilt', async () => {
    const { staleReason, beginBuild, writeStamp } = await load();
    const root = fakeCheckout();
    beginBuild(root);
    writeFileSync(join(root, 'src', 'cli.ts'), 'export const edited = true;\n');
    writeStamp(root);
    assert.equal(staleReason(root), 'sources changed since the last build');
  });

  it('is stale when the bundle is gone', async () => {
    const { staleReason, beginBuild, writeStamp } = await load();
    const root = fakeCheckout();
    beginBuild(root);
    writeStamp(root);
    rmSync(join(root, 'dist', 'bin', 'awsorg.cjs'));
    assert.equal(staleReason(root), 'dist/bin/awsorg.cjs is missing');
  });

  it('`npm run rehearse` does not rebuild an up-to-date checkout', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.rehearse!, /^node scripts\/build-stamp\.mjs ensure && /);
    assert.match(
      pkg.scripts.build!,
      /^node scripts\/build-stamp\.mjs begin && .* && node scripts\/build-stamp\.mjs write$/,
    );
    // This checkout was just built by `npm run build`: ensure must see it as current.
    const res = spawnSync(process.execPath, [stampScript, 'ensure'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stderr, /dist\/ is up to date with the sources; not rebuilding/);
  });
});
