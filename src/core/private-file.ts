/**
 * Private files: directories only the user can enter, files only the user can read, written
 * atomically (a temp file next to the target, created exclusively with the final mode, fsync,
 * then rename), so a crash leaves either the old file or the new one.
 *
 * Everything here treats the file system as hostile: a directory or file that is a symlink,
 * belongs to another user, or that others can write is refused rather than used or repaired,
 * because another local user could have planted it. Node built-ins only: the credential and
 * inventory caches use this on `assume`'s paths.
 */
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors.js';

/** A file or directory awsorg will not use because someone else could have put it there. */
export class UntrustedPathError extends UsageError {
  constructor(
    readonly path: string,
    readonly reason: string,
    nextStep: string,
  ) {
    super(`${path} ${reason}; awsorg does not use files another user could have planted or changed`, nextStep);
  }
}

const currentUid = (): number | undefined => process.getuid?.();

/** Why `stat` (from lstat/fstat) is not a private-enough `kind` owned by us, or undefined. */
export function untrustedReason(
  stat: Stats,
  kind: 'file' | 'directory',
  forbiddenModeBits: number,
): string | undefined {
  if (stat.isSymbolicLink()) return 'is a symbolic link';
  if (kind === 'file' && !stat.isFile()) return 'is not a regular file';
  if (kind === 'directory' && !stat.isDirectory()) return 'is not a directory';
  const uid = currentUid();
  if (uid !== undefined && stat.uid !== uid) return `belongs to another user (uid ${stat.uid})`;
  const loose = stat.mode & forbiddenModeBits;
  if (loose)
    return `has mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')} (${loose & 0o022 ? 'others can write to it' : 'others can read it'})`;
  return undefined;
}

/**
 * Create a directory only the current user can enter (0700), tightening a directory of ours
 * that is looser. Parents are created as needed. A symlink, a non-directory or a directory owned
 * by someone else is refused with the fix: never chmod or write through what another user made.
 */
export function ensurePrivateDirSync(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const stat = lstatSync(path);
  // Mode bits are ours to fix; ownership and the kind of file are not.
  const reason = untrustedReason(stat, 'directory', 0);
  if (reason) {
    throw new UntrustedPathError(
      path,
      reason,
      `Remove or rename ${path} (check who created it), then run the command again; awsorg recreates it as a private directory.`,
    );
  }
  if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
}

export type TrustedRead = { kind: 'absent' } | { kind: 'read'; text: string } | { kind: 'untrusted'; reason: string };

/**
 * Read a file only if it is a regular file we own that others cannot write (or, with
 * `forbiddenModeBits` 0o077, cannot read either). Opened with O_NOFOLLOW and checked on the
 * open descriptor, so a swap between check and read does not help an attacker. O_NONBLOCK keeps
 * a FIFO planted under the name from hanging the open.
 */
export function readTrustedFileSync(file: string, forbiddenModeBits = 0o022): TrustedRead {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ELOOP' || code === 'EMLINK') return { kind: 'untrusted', reason: 'is a symbolic link' };
    throw err;
  }
  try {
    const reason = untrustedReason(fstatSync(fd), 'file', forbiddenModeBits);
    if (reason) return { kind: 'untrusted', reason };
    return { kind: 'read', text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

/**
 * Open `file` for appending, creating it 0600 if absent. A symlink (even a dangling one) is
 * refused instead of followed, and so is a file that is not a private regular file of ours.
 */
export function openPrivateAppendSync(file: string): number {
  let fd: number;
  try {
    fd = openSync(
      file,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
      0o600,
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new UntrustedPathError(
        file,
        'is a symbolic link',
        `Remove the link ${file} (check where it points and who made it), then run the command again.`,
      );
    }
    throw err;
  }
  const reason = untrustedReason(fstatSync(fd), 'file', 0o077);
  if (reason) {
    closeSync(fd);
    throw new UntrustedPathError(
      file,
      reason,
      `Check who changed ${file}; if it is yours, make it private (chmod 600) and run the command again.`,
    );
  }
  return fd;
}

/**
 * Replace `file` with `text` (or bytes); the file ends with exactly `mode` (0600 unless told).
 * `beforeRename` runs once the new text is safely on disk, just before it replaces the file; if
 * it throws, the temp file is removed, `file` is left as it is, and the error propagates.
 */
export function writeFileAtomicSync(
  file: string,
  text: string | Uint8Array,
  mode = 0o600,
  opts: { beforeRename?: () => void } = {},
): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    try {
      const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The umask may have narrowed the mode at creation; a replaced file may have been looser.
    chmodSync(tmp, mode);
    opts.beforeRename?.();
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
