/**
 * awsorg's cache directories under the XDG cache directory: credentials, inventory and the
 * operator's identity. Commands check them all before their first AWS call, so a directory that
 * is a symlink or belongs to another user stops the command with the fix (exit 2) instead of
 * failing after AssumeRole has already been made, when its result cannot be stored. Node
 * built-ins only: `assume` and `credential-process` do this on every run.
 */
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { untrustedReason, UntrustedPathError } from './private-file.js';
import type { XdgPaths } from './xdg.js';

export type CacheKind = 'credentials' | 'inventory' | 'identity';

const KINDS: readonly CacheKind[] = ['credentials', 'inventory', 'identity'];

export function cacheDir(paths: XdgPaths, kind: CacheKind): string {
  return join(paths.cache, kind);
}

/**
 * Refuse (UntrustedPathError, exit 2) a cache directory that exists but is a symlink, not a
 * directory, or another user's. Nothing is created here: absent directories are made 0700 when
 * something is first written, and loose modes of the user's own are tightened then.
 */
export function checkCacheDirsSync(paths: XdgPaths): void {
  for (const dir of [paths.cache, ...KINDS.map((kind) => cacheDir(paths, kind))]) {
    let stat;
    try {
      stat = lstatSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const reason = untrustedReason(stat, 'directory', 0);
    if (reason)
      throw new UntrustedPathError(
        dir,
        reason,
        `Remove or rename ${dir} (check who created it), then run the command again; awsorg recreates it as a private directory.`,
      );
  }
}
