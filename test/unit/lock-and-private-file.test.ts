/**
 * The two file-system primitives every writer of shared state uses: the exclusive lock (holder
 * named, stale locks of dead processes recovered, never someone else's lock removed) and the
 * private-file helpers (symlinks, foreign owners and loose modes refused, never repaired).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { acquireLock, LockHeldError } from '../../src/core/lock.js';
import {
  ensurePrivateDirSync,
  openPrivateAppendSync,
  readTrustedFileSync,
  UntrustedPathError,
  writeFileAtomicSync,
} from '../../src/core/private-file.js';
import { ExitCode } from '../../src/core/errors.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'awsorg-lock-'));

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid;
}

describe('acquireLock', () => {
  it('refuses a second holder and names the first one', () => {
    const file = join(scratch(), 'x.lock');
    const first = acquireLock(file, { what: 'the journal', command: 'awsorg bootstrap --yes' });
    assert.throws(
      () => acquireLock(file, { what: 'the journal', command: 'awsorg bootstrap --yes' }),
      (err: unknown) => {
        assert.ok(err instanceof LockHeldError);
        assert.match(
          err.message,
          new RegExp(`the journal is in use by another awsorg run: pid ${process.pid} on ${hostname()}, started `),
        );
        assert.match(err.message, /awsorg bootstrap --yes/);
        assert.equal(err.exitCode, ExitCode.failed);
        return true;
      },
    );
    first.release();
    assert.equal(existsSync(file), false);
    acquireLock(file, { what: 'the journal', command: 'again' }).release();
  });

  it('takes over a stale lock of a dead process on this host and reports it', () => {
    const file = join(scratch(), 'x.lock');
    const pid = deadPid();
    writeFileSync(
      file,
      JSON.stringify({ pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'old', token: 't' }),
    );
    const lock = acquireLock(file, { what: 'the journal', command: 'new' });
    assert.equal(lock.recovered?.pid, pid);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('does not take over a lock from another host, alive or not', () => {
    const file = join(scratch(), 'x.lock');
    writeFileSync(
      file,
      JSON.stringify({
        pid: deadPid(),
        host: 'some-other-host',
        startedAt: '2026-01-01T00:00:00.000Z',
        command: 'old',
        token: 't',
      }),
    );
    assert.throws(() => acquireLock(file, { what: 'w', command: 'c' }), /pid \d+ on some-other-host/);
  });

  it('release leaves a lock that is no longer ours', () => {
    const file = join(scratch(), 'x.lock');
    const lock = acquireLock(file, { what: 'w', command: 'c' });
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'h', startedAt: 's', command: 'c', token: 'someone-else' }));
    lock.release();
    assert.equal(existsSync(file), true);
  });

  it('never follows a symlink planted at the lock name', () => {
    const dir = scratch();
    const file = join(dir, 'x.lock');
    symlinkSync(join(dir, 'target'), file);
    assert.throws(
      () => acquireLock(file, { what: 'w', command: 'c' }),
      (err: unknown) =>
        err instanceof UntrustedPathError && /is a symbolic link, where awsorg keeps the lock of w/.test(err.message),
    );
    assert.equal(existsSync(join(dir, 'target')), false);
  });
});

describe('private files', () => {
  it('ensurePrivateDirSync creates 0700 under umask 000 and refuses a symlinked directory without touching its target', () => {
    const dir = scratch();
    const old = process.umask(0);
    try {
      ensurePrivateDirSync(join(dir, 'a', 'b'));
    } finally {
      process.umask(old);
    }
    assert.equal(lstatSync(join(dir, 'a', 'b')).mode & 0o777, 0o700);
    const target = join(dir, 'elsewhere');
    mkdirSync(target, { mode: 0o755 });
    chmodSync(target, 0o755);
    symlinkSync(target, join(dir, 'link'));
    assert.throws(
      () => ensurePrivateDirSync(join(dir, 'link')),
      (err: unknown) => err instanceof UntrustedPathError && /is a symbolic link/.test(err.message),
    );
    assert.equal(lstatSync(target).mode & 0o777, 0o755);
  });

  it('readTrustedFileSync reads private files and names why it refuses others', () => {
    const dir = scratch();
    const file = join(dir, 'f.json');
    assert.deepEqual(readTrustedFileSync(file), { kind: 'absent' });
    writeFileSync(file, '{}', { mode: 0o600 });
    assert.deepEqual(readTrustedFileSync(file), { kind: 'read', text: '{}' });
    chmodSync(file, 0o666);
    assert.deepEqual(readTrustedFileSync(file), {
      kind: 'untrusted',
      reason: 'has mode 0666 (others can write to it)',
    });
    chmodSync(file, 0o644);
    assert.equal(readTrustedFileSync(file).kind, 'read');
    assert.deepEqual(readTrustedFileSync(file, 0o077), {
      kind: 'untrusted',
      reason: 'has mode 0644 (others can read it)',
    });
    symlinkSync(file, join(dir, 'link'));
    assert.deepEqual(readTrustedFileSync(join(dir, 'link')), { kind: 'untrusted', reason: 'is a symbolic link' });
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    assert.deepEqual(readTrustedFileSync(fifo), { kind: 'untrusted', reason: 'is not a regular file' });
  });

  it('openPrivateAppendSync refuses a dangling symlink instead of creating its target', () => {
    const dir = scratch();
    const file = join(dir, 'INC.jsonl');
    symlinkSync(join(dir, 'planted-target'), file);
    assert.throws(() => openPrivateAppendSync(file), /is a symbolic link/);
    assert.equal(existsSync(join(dir, 'planted-target')), false);
    const real = join(dir, 'real.jsonl');
    const fd = openPrivateAppendSync(real);
    writeSync(fd, 'x\n');
    closeSync(fd);
    assert.equal(lstatSync(real).mode & 0o777, 0o600);
  });

  it('writeFileAtomicSync replaces a symlink with a file instead of writing through it', () => {
    const dir = scratch();
    const target = join(dir, 'target');
    writeFileSync(target, 'original');
    symlinkSync(target, join(dir, 'link'));
    writeFileAtomicSync(join(dir, 'link'), 'new');
    assert.equal(readFileSync(target, 'utf8'), 'original');
    assert.equal(lstatSync(join(dir, 'link')).isFile(), true);
  });
});
