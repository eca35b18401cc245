/**
 * The journal's own rules: a well-formed version-1 journal is required (every field checked),
 * and a journal opened for writing holds an exclusive lock beside it until it is closed.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../src/core/errors.js';
import { Journal, JournalError, parseJournal } from '../../src/core/journal.js';
import { LockHeldError } from '../../src/core/lock.js';

const now = new Date('2026-01-01T00:00:00Z');
const scratch = () => mkdtempSync(join(tmpdir(), 'awsorg-journal-'));
const good = {
  version: 1,
  blueprint: '/org/awsorg.yaml',
  runs: 2,
  startedAt: now.toISOString(),
  updatedAt: now.toISOString(),
  changes: {
    'ou:Workloads': { status: 'done', at: now.toISOString() },
    'account:x': { status: 'failed', at: now.toISOString(), error: 'boom' },
  },
  createAccountRequests: {
    'aws+x@example.com': {
      requestId: 'car-1',
      accountName: 'x',
      requestedAt: now.toISOString(),
      accountId: '123456789012',
    },
  },
};

function problems(value: unknown): string[] {
  try {
    parseJournal(typeof value === 'string' ? value : JSON.stringify(value), '/org/awsorg.journal.json');
  } catch (err) {
    assert.ok(err instanceof JournalError, String(err));
    assert.equal(err.exitCode, ExitCode.usage);
    assert.match(err.message, /^The bootstrap journal \/org\/awsorg\.journal\.json is invalid/);
    assert.ok(err.nextStep, 'says what to do');
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('the journal was accepted');
}

describe('parseJournal', () => {
  it('accepts a well-formed journal', () => {
    assert.deepEqual(parseJournal(JSON.stringify(good), 'j'), good);
  });

  it('refuses every field of the wrong shape, naming each', () => {
    assert.deepEqual(problems({ ...good, blueprint: 3 }), ['blueprint: must be text, got number 3']);
    assert.deepEqual(problems({ ...good, runs: -1 }), ['runs: must be a whole number, got number -1']);
    assert.deepEqual(problems({ ...good, updatedAt: 'yesterday' }), [
      'updatedAt: must be an ISO 8601 time, got the text "yesterday"',
    ]);
    assert.deepEqual(problems({ ...good, completedAt: null }), [
      'completedAt: must be an ISO 8601 time, got nothing (null)',
    ]);
    assert.deepEqual(problems({ ...good, extra: 1 }), ['extra: is not a field of a bootstrap journal']);
    assert.deepEqual(problems({ ...good, changes: [] }), ['changes: must be a mapping of change keys, got a list']);
    assert.deepEqual(problems({ ...good, changes: { k: 'done' } }), [
      'changes["k"]: must be a mapping with status and at, got the text "done"',
    ]);
    assert.deepEqual(problems({ ...good, changes: { k: { status: 'done' } } }), [
      'changes["k"].at: must be an ISO 8601 time, got nothing (the field is missing)',
    ]);
    assert.deepEqual(problems({ ...good, changes: { k: { status: 'done', at: now.toISOString(), error: {} } } }), [
      'changes["k"].error: must be text, got a mapping',
    ]);
    assert.deepEqual(problems({ ...good, createAccountRequests: { 'a@example.com': null } }), [
      'createAccountRequests["a@example.com"]: must be a mapping with requestId, accountName and requestedAt, got nothing (null)',
    ]);
    assert.deepEqual(
      problems({
        ...good,
        createAccountRequests: { 'a@example.com': { requestId: '', accountName: 'a', requestedAt: now.toISOString() } },
      }),
      ['createAccountRequests["a@example.com"].requestId: must be the CreateAccount request id, got the text ""'],
    );
    assert.deepEqual(
      problems({
        ...good,
        createAccountRequests: {
          'A@example.com': { requestId: 'car', accountName: 'a', requestedAt: now.toISOString(), accountId: '12' },
        },
      }),
      [
        'createAccountRequests["A@example.com"]: is keyed by an email that is not lower-cased, so a resumed run would not find it',
        'createAccountRequests["A@example.com"].accountId: must be a 12-digit account id, got the text "12"',
      ],
    );
  });

  it('refuses text that is not a journal, without echoing it', () => {
    assert.deepEqual(problems('{"secret-looking": garbage'), ['(file): is not valid JSON']);
    assert.deepEqual(problems('{"a": 1,\n garbage'), ['(file): is not valid JSON at line 2']);
    assert.deepEqual(problems('  \n'), ['(file): is empty']);
    assert.deepEqual(problems('"text"'), ['(file): holds the text "text", not a bootstrap journal']);
  });

  it('tells a newer journal apart from a broken one', () => {
    try {
      parseJournal(JSON.stringify({ ...good, version: 3 }), 'j');
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof JournalError);
      assert.match(err.message, /version: is 3: the journal was written by a newer awsorg/);
      assert.match(err.nextStep ?? '', /newer awsorg/);
    }
    assert.deepEqual(problems({ ...good, version: '1' }), ['version: must be 1, got the text "1"']);
  });
});

describe('Journal.open and its lock', () => {
  it('holds a lock beside the journal while open for writing, and refuses a second writer naming the first', async () => {
    const dir = scratch();
    const path = join(dir, 'awsorg.journal.json');
    const first = await Journal.open(path, {
      readOnly: false,
      blueprint: 'b',
      now,
      command: 'awsorg bootstrap --config awsorg.yaml --yes',
    });
    assert.ok(existsSync(`${path}.lock`));
    await assert.rejects(Journal.open(path, { readOnly: false, blueprint: 'b', now }), (err: unknown) => {
      assert.ok(err instanceof LockHeldError);
      assert.match(err.message, new RegExp(`pid ${process.pid} on ${hostname()}`));
      assert.match(err.message, /awsorg bootstrap --config awsorg\.yaml --yes/);
      return true;
    });
    // Plan mode reads without the lock.
    const plan = await Journal.open(path, { readOnly: true, blueprint: 'b', now });
    await plan.close();
    await first.markChange('k', 'done', now);
    await first.close();
    assert.deepEqual(readdirSync(dir), ['awsorg.journal.json'], 'the lock is gone once closed');
    const again = await Journal.open(path, { readOnly: false, blueprint: 'b', now });
    assert.equal(again.data.changes.k?.status, 'done');
    await again.close();
  });

  it('releases the lock when the journal it guards is refused', async () => {
    const dir = scratch();
    const path = join(dir, 'awsorg.journal.json');
    writeFileSync(path, '{garbage');
    await assert.rejects(Journal.open(path, { readOnly: false, blueprint: 'b', now }), JournalError);
    assert.equal(existsSync(`${path}.lock`), false);
  });

  it('refuses a journal that is a directory or a FIFO (exit 2, naming the file) without hanging on it', async () => {
    for (const kind of ['directory', 'fifo'] as const) {
      const dir = scratch();
      const path = join(dir, 'awsorg.journal.json');
      if (kind === 'directory') mkdirSync(path);
      else assert.equal(spawnSync('mkfifo', [path]).status, 0);
      for (const readOnly of [true, false]) {
        const opened = Journal.open(path, { readOnly, blueprint: 'b', now });
        const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3000).unref());
        const outcome = await Promise.race([
          opened.then(
            () => 'opened',
            (err: unknown) => err,
          ),
          hung,
        ]);
        assert.ok(outcome instanceof JournalError, `${kind} (${readOnly ? 'plan' : 'apply'}): ${String(outcome)}`);
        assert.equal(outcome.exitCode, ExitCode.usage);
        assert.match(outcome.message, /awsorg\.journal\.json/);
        assert.match(JSON.stringify(outcome.issues), /not a regular file/);
        assert.equal(existsSync(`${path}.lock`), false);
      }
    }
  });

  it('takes over the stale lock of a dead run on this host and says whose it was', async () => {
    const dir = scratch();
    const path = join(dir, 'awsorg.journal.json');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    writeFileSync(
      `${path}.lock`,
      JSON.stringify({
        pid: dead,
        host: hostname(),
        startedAt: '2025-12-31T00:00:00.000Z',
        command: 'awsorg bootstrap --yes',
        token: 't',
      }),
    );
    const journal = await Journal.open(path, { readOnly: false, blueprint: 'b', now });
    assert.equal(journal.recoveredLock?.pid, dead);
    await journal.close();
  });
});
