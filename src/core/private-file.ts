/**
 * Private files written atomically: a temp file next to the target (created exclusively, with
 * the final mode), fsync, then rename, so a crash leaves either the old file or the new one.
 * Node built-ins only: the credential and inventory caches use this on `assume`'s paths.
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Create a directory only the current user can read (0700), tightening it if it exists. */
export function ensurePrivateDirSync(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
}

/** Replace `file` with `text`; the file ends with exactly `mode` (0600 unless told). */
export function writeFileAtomicSync(file: string, text: string, mode = 0o600): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The umask may have narrowed the mode at creation; a replaced file may have been looser.
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Never created, or already renamed.
    }
    throw err;
  }
}
