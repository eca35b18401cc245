/**
 * Golden frames in snapshots/. UPDATE_SNAPSHOTS=1 rewrites the files; review every change to
 * them like code.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

export const SNAPSHOTS = join(REPO_ROOT, 'snapshots');

export function matchSnapshot(name: string, frame: string): void {
  const file = join(SNAPSHOTS, name);
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, frame);
    return;
  }
  assert.ok(existsSync(file), `${file} is missing; run with UPDATE_SNAPSHOTS=1 to create it, then review it`);
  assert.equal(
    frame,
    readFileSync(file, 'utf8'),
    `${name} differs from the golden frame (UPDATE_SNAPSHOTS=1 rewrites it)`,
  );
}
