/**
 * Exclusive lock files for shared state (a bootstrap journal, an incident transcript, the
 * generated block in ~/.aws/config). The lock is a small file created with O_EXCL that names its
 * holder: pid, host, start time and command. A second process is refused with the holder named.
 * A lock whose holder is a dead process on this host is stale: it is taken over, and the caller
 * is told so it can say so. Node built-ins only.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { PreconditionError } from './errors.js';
import { UntrustedPathError } from './private-file.js';

export interface LockHolder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
  /** Distinguishes two holders that reuse a pid. */
  token: string;
}

/** Another live process holds the lock. Nothing was changed. */
export class LockHeldError extends PreconditionError {
  constructor(
    readonly file: string,
    readonly what: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(
      holder
        ? `${what} is in use by another awsorg run: pid ${holder.pid} on ${holder.host}, started ${holder.startedAt} (${holder.command})`
        : `${what} is in use by another awsorg run (lock file ${file})`,
      holder && holder.host === hostname()
        ? `Wait for pid ${holder.pid} to finish, then run the command again. If that process is not awsorg, delete ${file}.`
        : `Wait for that run to finish, then run the command again. If you are sure it has ended, delete ${file}.`,
    );
  }
}

export interface Lock {
  readonly file: string;
  readonly holder: LockHolder;
  /** A stale lock that was taken over on acquire, for the caller to report. */
  readonly recovered: LockHolder | undefined;
  /** Remove the lock if it is still ours. Safe to call twice. */
  release(): void;
}

export interface LockOptions {
  /** What is being locked, for messages: "the bootstrap journal awsorg.journal.json". */
  what: string;
  /** The command line to record, without secrets. */
  command: string;
  now?: Date;
  /** Overridable for tests: whether a pid on this host is alive. */
  isAlive?: (pid: number) => boolean;
}

/** A lock file being written by its holder this moment may be empty; older than this it is junk. */
const UNREADABLE_GRACE_MS = 10_000;

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock at `file` or throw LockHeldError. Released on `release()` or process exit. */
export function acquireLock(file: string, opts: LockOptions): Lock {
  const isAlive = opts.isAlive ?? processIsAlive;
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: (opts.now ?? new Date()).toISOString(),
    command: opts.command,
    token: randomBytes(8).toString('hex'),
  };
  const text = JSON.stringify(holder) + '\n';
  let recovered: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file, text)) return makeLock(file, holder, recovered);
    const existing = readHolder(file);
    if (existing.kind === 'gone') continue;
    if (existing.kind === 'planted') {
      throw new UntrustedPathError(
        file,
        `${existing.what}, where awsorg keeps the lock of ${opts.what}`,
        `Check who made ${file} and remove it, then run the command again.`,
      );
    }
    const stale =
      existing.kind === 'holder'
        ? existing.holder.host === holder.host && !isAlive(existing.holder.pid)
        : Date.now() - existing.mtimeMs > UNREADABLE_GRACE_MS;
    if (!stale) throw new LockHeldError(file, opts.what, existing.kind === 'holder' ? existing.holder : undefined);
    if (!removeIfUnchanged(file, existing.raw)) continue;
    if (existing.kind === 'holder') recovered = existing.holder;
  }
  const last = readHolder(file);
  throw new LockHeldError(file, opts.what, last.kind === 'holder' ? last.holder : undefined);
}

function tryCreate(file: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

type HolderRead =
  | { kind: 'gone' }
  | { kind: 'holder'; holder: LockHolder; raw: string }
  | { kind: 'unreadable'; raw: string; mtimeMs: number }
  | { kind: 'planted'; what: string };

function readHolder(file: string): HolderRead {
  let raw: string;
  let mtimeMs: number;
  try {
    const stat = lstatSync(file);
    mtimeMs = stat.mtimeMs;
    // A symlink or directory under the lock's name is never ours: it is neither followed nor removed.
    if (!stat.isFile())
      return { kind: 'planted', what: stat.isSymbolicLink() ? 'is a symbolic link' : 'is not a regular file' };
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'gone' };
    throw err;
  }
  try {
    const parsed = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof parsed.pid === 'number' && typeof parsed.host === 'string' && typeof parsed.startedAt === 'string') {
      return { kind: 'holder', holder: { command: '', token: '', ...parsed } as LockHolder, raw };
    }
  } catch {
    // Fall through: a lock file being written right now, or junk.
  }
  return { kind: 'unreadable', raw, mtimeMs };
}

/**
 * Remove a stale lock, unless another process replaced it since we read it. The file is moved
 * aside first, so two processes recovering the same stale lock cannot both succeed and one of
 * them delete the other's fresh lock.
 */
function removeIfUnchanged(file: string, raw: string): boolean {
  const aside = `${file}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  let current = '';
  try {
    current = readFileSync(aside, 'utf8');
  } catch {
    // Unreadable: compare as empty.
  }
  if (current !== raw) {
    // Someone took a fresh lock between our read and our rename: put it back (link fails if a
    // third process has taken the name meanwhile, and then that one holds it).
    try {
      linkSync(aside, file);
    } catch {
      // Leave the name to whoever holds it.
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

function makeLock(file: string, holder: LockHolder, recovered: LockHolder | undefined): Lock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      const current = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
      if (current.token === holder.token) unlinkSync(file);
    } catch {
      // Gone or replaced: not ours to remove.
    }
  };
  process.on('exit', release);
  return { file, holder, recovered, release };
}

/** "pid 123 on host, started ..." for messages about a recovered lock. */
export function describeHolder(holder: LockHolder): string {
  return `pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}`;
}
