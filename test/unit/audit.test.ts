/**
 * The incident audit transcript: what a record holds, that no credential reaches the file, and
 * that verification names the first bad line for every kind of tampering, on copies of one
 * transcript written through the module.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  AuditTranscript,
  INCIDENT_ID,
  reanchorTranscript,
  redact,
  transcriptDir,
  transcriptPath,
  validateIncidentId,
  verifyTranscript,
  type AuditEntry,
  type VerifyResult,
} from '../../src/core/audit.js';
import { AwsorgError, ExitCode, UsageError } from '../../src/core/errors.js';
import { xdgPaths, type XdgPaths } from '../../src/core/xdg.js';

const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN+abc/def==';
const ACCESS_KEY_ID = 'ASIAEXAMPLEACCESSKEY';
const REGISTERED = 'hunter2-registered-secret';
const OPERATOR = 'arn:aws:sts::111111111111:assumed-role/Admin/alice';

function tempPaths(): XdgPaths {
  const home = mkdtempSync(join(tmpdir(), 'awsorg-audit-'));
  return xdgPaths(
    { XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache') },
    home,
  );
}

/** A clock that moves one second per record. */
function steppingClock(): () => Date {
  let t = Date.parse('2026-03-01T09:00:00.000Z');
  return () => new Date((t += 1000));
}

function entry(step: string, extra: Partial<AuditEntry> = {}): AuditEntry {
  return {
    incident: 'INC-1',
    operator: OPERATOR,
    runbook: 'quarantine-account',
    step,
    kind: 'action',
    status: 'applied',
    ...extra,
  };
}

/** Five records, with credentials in the request and response and a registered secret in a string. */
function writeSample(paths: XdgPaths, incident = 'INC-1'): AuditTranscript {
  const transcript = AuditTranscript.open(paths, incident, { now: steppingClock(), secrets: [SECRET_ACCESS_KEY] });
  transcript.addSecrets([SESSION_TOKEN, undefined, REGISTERED]);
  const e = (step: string, extra: Partial<AuditEntry> = {}) => transcript.append({ ...entry(step, extra), incident });
  e('run-start', { kind: 'run', status: 'started' });
  e('find-keys', {
    kind: 'check',
    status: 'passed',
    account: '222222222222',
    role: 'OrganizationAccountAccessRole',
    region: 'us-east-1',
    call: 'sts:AssumeRole',
    request: {
      RoleArn: 'arn:aws:iam::222222222222:role/OrganizationAccountAccessRole',
      RoleSessionName: 'awsorg-INC-1',
    },
    response: {
      Credentials: { AccessKeyId: ACCESS_KEY_ID, SecretAccessKey: SECRET_ACCESS_KEY, SessionToken: SESSION_TOKEN },
    },
  });
  e('deny-all', {
    call: 'iam:PutRolePolicy',
    request: {
      PolicyDocument: { Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T09:00:00Z' } } },
      AccessKey: { AccessKeyId: ACCESS_KEY_ID, SecretAccessKey: SECRET_ACCESS_KEY },
      env: { AWS_SESSION_TOKEN: SESSION_TOKEN },
      note: `the operator pasted ${REGISTERED} by mistake`,
    },
    prior: { policies: [] },
    rollback: {
      requests: [{ service: 'iam', action: 'DeleteRolePolicy', input: { RoleName: 'x', PolicyName: 'deny-all' } }],
      does: 'removes the deny',
    },
  });
  e('confirm', {
    kind: 'manual',
    status: 'acknowledged',
    ack: { text: 'I have told the account owner', note: 'ticket 42' },
  });
  e('run-end', { kind: 'run', status: 'completed' });
  return transcript;
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').slice(0, -1);
}

/** A copy of the transcript (and, unless told, its anchor) in a fresh directory, changed by `edit`. */
function tamperedCopy(file: string, edit: (lines: string[]) => string[] | string, withAnchor = true): string {
  const dir = mkdtempSync(join(tmpdir(), 'awsorg-audit-copy-'));
  const copy = join(dir, 'INC-1.jsonl');
  const edited = edit(lines(file));
  writeFileSync(copy, typeof edited === 'string' ? edited : edited.map((l) => `${l}\n`).join(''));
  if (withAnchor) copyFileSync(file.replace(/\.jsonl$/, '.head'), join(dir, 'INC-1.head'));
  return copy;
}

function failure(result: VerifyResult): { line: number; reason: string; validRecords: number } {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return result as Extract<VerifyResult, { ok: false }>;
}

describe('audit transcript: writing', () => {
  let paths: XdgPaths;
  let transcript: AuditTranscript;
  let raw: string;

  before(() => {
    paths = tempPaths();
    transcript = writeSample(paths);
    raw = readFileSync(transcript.file, 'utf8');
  });

  it('keeps one 0600 file per incident in a 0700 directory under the state directory', () => {
    assert.equal(transcript.file, join(paths.state, 'audit', 'INC-1.jsonl'));
    assert.equal(transcriptPath(paths, 'INC-1'), transcript.file);
    assert.equal(statSync(transcript.file).mode & 0o777, 0o600);
    assert.equal(statSync(transcriptDir(paths)).mode & 0o777, 0o700);
    assert.equal(statSync(join(transcriptDir(paths), 'INC-1.head')).mode & 0o777, 0o600);
    assert.ok(AuditTranscript.exists(paths, 'INC-1'));
    assert.ok(!AuditTranscript.exists(paths, 'INC-2'));
  });

  it('never writes a secret access key, session token or registered secret', () => {
    for (const secret of [SECRET_ACCESS_KEY, SESSION_TOKEN, REGISTERED])
      assert.ok(!raw.includes(secret), `found ${secret}`);
    // JSON would write the key's "/" as is; check the escaped form too.
    assert.ok(!raw.includes(JSON.stringify(SECRET_ACCESS_KEY).slice(1, -1)));
    assert.match(raw, /\[redacted\]/);
  });

  it('keeps access key ids and policy condition keys readable', () => {
    assert.ok(raw.includes(ACCESS_KEY_ID));
    assert.ok(raw.includes('"aws:TokenIssueTime":"2026-03-01T09:00:00Z"'));
    const deny = transcript.records()[2]!;
    assert.deepEqual((deny.request as { AccessKey: unknown }).AccessKey, {
      AccessKeyId: ACCESS_KEY_ID,
      SecretAccessKey: '[redacted]',
    });
    assert.equal((deny.request as { note: string }).note, 'the operator pasted [redacted] by mistake');
  });

  it('writes the fields in reading order, chained from 64 zeros, seq equal to the line index', () => {
    const text = lines(transcript.file);
    assert.equal(text.length, 5);
    const first = JSON.parse(text[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(first), [
      'seq',
      'time',
      'incident',
      'runbook',
      'step',
      'kind',
      'status',
      'operator',
      'prev',
      'hash',
    ]);
    assert.equal(first.prev, '0'.repeat(64));
    assert.equal(first.time, '2026-03-01T09:00:01.000Z');
    const second = JSON.parse(text[1]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(second), [
      'seq',
      'time',
      'incident',
      'runbook',
      'step',
      'kind',
      'status',
      'operator',
      'account',
      'role',
      'region',
      'call',
      'request',
      'response',
      'prev',
      'hash',
    ]);
    text.forEach((line, i) => {
      assert.equal((JSON.parse(line) as { seq: number }).seq, i);
    });
    assert.equal(second.prev, first.hash);
    assert.deepEqual(transcript.head(), { records: 5, hash: transcript.records()[4]!.hash });
  });

  it('records the operator, the account, role and region, the prior state and the acknowledgement', () => {
    const [, check, action, manual] = transcript.records();
    assert.equal(check!.operator, OPERATOR);
    assert.deepEqual(
      [check!.account, check!.role, check!.region],
      ['222222222222', 'OrganizationAccountAccessRole', 'us-east-1'],
    );
    assert.deepEqual(action!.prior, { policies: [] });
    assert.deepEqual(manual!.ack, { text: 'I have told the account owner', note: 'ticket 42' });
  });

  it('verifies intact, against its anchor', () => {
    const result = verifyTranscript(transcript.file);
    assert.deepEqual(result, {
      ok: true,
      file: transcript.file,
      records: 5,
      head: transcript.head().hash,
      anchor: 'matched',
      warnings: [],
    });
  });

  it('continues the same chain when the incident is opened again', () => {
    const again = AuditTranscript.open(paths, 'INC-1', { now: steppingClock() });
    assert.equal(again.records().length, 5);
    const record = again.append(entry('follow-up', { kind: 'manual', status: 'acknowledged' }));
    assert.equal(record.seq, 5);
    assert.equal(record.prev, transcript.records()[4]!.hash);
    assert.equal(verifyTranscript(again.file).ok, true);
  });

  it("chains after another awsorg writer's records, and refuses to append after anyone else changed the file", () => {
    const p = tempPaths();
    const first = writeSample(p);
    const second = AuditTranscript.open(p, 'INC-1', { now: steppingClock() });
    const theirs = second.append(entry('from-second'));
    const ours = first.append(entry('from-first'));
    assert.equal(ours.prev, theirs.hash, "the first writer reads the second one's record and chains after it");
    assert.equal(ours.seq, theirs.seq + 1);
    assert.equal(verifyTranscript(first.file).ok, true);

    writeFileSync(first.file, readFileSync(first.file, 'utf8') + '{"seq":99,"note":"added by hand"}\n');
    assert.throws(
      () => first.append(entry('after-edit')),
      (err: unknown) => err instanceof AwsorgError && /changed since awsorg opened it \(line 8: /.test(err.message),
    );
  });
});

describe('audit transcript: verification names the first bad line', () => {
  let file: string;

  before(() => {
    file = writeSample(tempPaths()).file;
  });

  it('an edited character in the middle line', () => {
    const copy = tamperedCopy(file, (l) =>
      l.map((line, i) => (i === 2 ? line.replace('"status":"applied"', '"status":"applieD"') : line)),
    );
    const bad = failure(verifyTranscript(copy));
    assert.deepEqual([bad.line, bad.validRecords], [3, 2]);
    assert.match(bad.reason, /hash does not match its contents \(the line was edited\)/);
  });

  it('a changed space, even where JSON would not care', () => {
    const copy = tamperedCopy(file, (l) =>
      l.map((line, i) => (i === 1 ? line.replace('"seq":1,', '"seq": 1,') : line)),
    );
    assert.equal(failure(verifyTranscript(copy)).line, 2);
  });

  it('a deleted line: the line after it', () => {
    const copy = tamperedCopy(file, (l) => l.filter((_, i) => i !== 2));
    const bad = failure(verifyTranscript(copy));
    assert.equal(bad.line, 3);
    assert.match(bad.reason, /does not follow line 2 \(a line was deleted, inserted or moved here\)/);
  });

  it('a deleted first line', () => {
    const copy = tamperedCopy(file, (l) => l.slice(1));
    const bad = failure(verifyTranscript(copy));
    assert.equal(bad.line, 1);
    assert.match(bad.reason, /does not start the chain/);
  });

  it('a swapped pair: the first of them', () => {
    const copy = tamperedCopy(file, (l) => [l[0]!, l[2]!, l[1]!, l[3]!, l[4]!]);
    assert.equal(failure(verifyTranscript(copy)).line, 2);
  });

  it('an inserted copy of another line', () => {
    const copy = tamperedCopy(file, (l) => [l[0]!, l[1]!, l[3]!, l[2]!, l[3]!, l[4]!]);
    assert.equal(failure(verifyTranscript(copy)).line, 3);
    const duplicate = tamperedCopy(file, (l) => [l[0]!, l[1]!, l[1]!, l[2]!, l[3]!, l[4]!]);
    assert.equal(failure(verifyTranscript(duplicate)).line, 3);
  });

  it('an inserted blank line', () => {
    const copy = tamperedCopy(file, (l) => [l[0]!, '', ...l.slice(1)]);
    const bad = failure(verifyTranscript(copy));
    assert.equal(bad.line, 2);
    assert.match(bad.reason, /empty/);
  });

  it('a cut at a line boundary: caught by the anchor, at the first missing line', () => {
    const copy = tamperedCopy(file, (l) => l.slice(0, 3));
    const bad = failure(verifyTranscript(copy));
    assert.deepEqual([bad.line, bad.validRecords], [4, 3]);
    assert.match(bad.reason, /^truncated: the anchor .*INC-1\.head records 5 lines, the file ends after line 3$/);
  });

  it('a cut at a line boundary without the anchor: accepted with a warning that names the head', () => {
    const copy = tamperedCopy(file, (l) => l.slice(0, 3), false);
    const result = verifyTranscript(copy);
    assert.ok(result.ok);
    assert.equal(result.anchor, 'none');
    assert.equal(result.records, 3);
    assert.match(result.warnings.join('\n'), new RegExp(`cannot be detected.*${result.head}`));
  });

  it('a cut in the middle of a line', () => {
    const text = readFileSync(file, 'utf8');
    const copy = tamperedCopy(file, () => text.slice(0, text.length - 30));
    const bad = failure(verifyTranscript(copy));
    assert.deepEqual([bad.line, bad.validRecords], [5, 4]);
    assert.match(bad.reason, /incomplete/);
    const noNewline = tamperedCopy(file, () => text.slice(0, -1));
    assert.equal(failure(verifyTranscript(noNewline)).line, 5);
  });

  it('an empty file that has an anchor', () => {
    const copy = tamperedCopy(file, () => '');
    const bad = failure(verifyTranscript(copy));
    assert.equal(bad.line, 1);
    assert.match(bad.reason, /records 5 lines, the file is empty/);
  });

  it('a line added after the anchor', () => {
    const copy = tamperedCopy(file, (l) => [...l, l[4]!]);
    assert.equal(failure(verifyTranscript(copy)).line, 6);
  });

  it('a copy elsewhere is checked against the live anchor in the state directory', () => {
    const stateDir = join(file, '..', '..');
    const cut = tamperedCopy(file, (l) => l.slice(0, 4), false);
    assert.ok(verifyTranscript(cut).ok, 'without stateDir the copy has no anchor');
    const bad = failure(verifyTranscript(cut, { stateDir }));
    assert.equal(bad.line, 5);
    assert.ok(bad.reason.includes(join(stateDir, 'audit', 'INC-1.head')));
    const whole = tamperedCopy(file, (l) => l, false);
    assert.equal((verifyTranscript(whole, { stateDir }) as { anchor: string }).anchor, 'matched');
  });

  it('--head: the given head must be the last hash', () => {
    const lastHash = (JSON.parse(lines(file)[4]!) as { hash: string }).hash;
    const cut = tamperedCopy(file, (l) => l.slice(0, 4), false);
    assert.equal(failure(verifyTranscript(cut, { expectHead: lastHash })).line, 4);
    const whole = tamperedCopy(file, (l) => l, false);
    assert.equal((verifyTranscript(whole, { expectHead: lastHash }) as { anchor: string }).anchor, 'given');
  });
});

describe('audit transcript: a crash during an append', () => {
  /** The state on disk if awsorg had died during the last append of writeSample. */
  function crashed(at: 'after-announce' | 'after-line'): { copy: string; anchor: string } {
    const file = writeSample(tempPaths()).file;
    const text = lines(file);
    const [fourth, fifth] = [JSON.parse(text[3]!), JSON.parse(text[4]!)] as { hash: string }[];
    const copy = tamperedCopy(file, (l) => (at === 'after-announce' ? l.slice(0, 4) : l), false);
    const anchor = copy.replace(/\.jsonl$/, '.head');
    writeFileSync(anchor, JSON.stringify({ incident: 'INC-1', records: 4, head: fourth!.hash, next: fifth!.hash }));
    return { copy, anchor };
  }

  it('between announcing the line in the anchor and writing it: intact', () => {
    const { copy } = crashed('after-announce');
    assert.equal((verifyTranscript(copy) as { anchor: string }).anchor, 'matched');
  });

  it('between writing the line and confirming it: accepted as pending, and opening completes it', () => {
    const { copy, anchor } = crashed('after-line');
    const result = verifyTranscript(copy);
    assert.ok(result.ok);
    assert.equal(result.anchor, 'pending-matched');
    assert.match(result.warnings.join('\n'), /stopped after writing line 5/);

    const paths = tempPaths();
    mkdirSync(transcriptDir(paths), { recursive: true });
    copyFileSync(copy, transcriptPath(paths, 'INC-1'));
    copyFileSync(anchor, join(transcriptDir(paths), 'INC-1.head'));
    AuditTranscript.open(paths, 'INC-1', { now: steppingClock() });
    assert.equal((verifyTranscript(transcriptPath(paths, 'INC-1')) as { anchor: string }).anchor, 'matched');
  });

  it('a pending line whose hash differs from the announced one is not accepted', () => {
    const { copy } = crashed('after-line');
    const withOther = copy.replace(/\.jsonl$/, '.head');
    const anchor = JSON.parse(readFileSync(withOther, 'utf8')) as { next: string };
    writeFileSync(withOther, JSON.stringify({ ...anchor, next: 'f'.repeat(64) }));
    assert.equal(failure(verifyTranscript(copy)).line, 5);
  });
});

describe('audit transcript: opening a tampered transcript', () => {
  it('refuses to append, naming the line and what to do', () => {
    const paths = tempPaths();
    const file = writeSample(paths).file;
    const before = readFileSync(file, 'utf8');
    writeFileSync(file, before.replace('"step":"deny-all"', '"step":"deny-none"'));
    assert.throws(
      () => AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }),
      (err: unknown) =>
        err instanceof AwsorgError &&
        /fails verification \(line 3: its hash does not match/.test(err.message) &&
        /new --incident id/.test(err.nextStep ?? ''),
    );
  });

  it('refuses when the transcript was deleted but its anchor remains', () => {
    const paths = tempPaths();
    const file = writeSample(paths).file;
    writeFileSync(file, '');
    assert.throws(() => AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }), /line 1: truncated/);
  });

  it('creates nothing until the first append', () => {
    const paths = tempPaths();
    const transcript = AuditTranscript.open(paths, 'INC-9', { now: steppingClock() });
    assert.equal(existsSync(transcript.file), false);
    assert.deepEqual(transcript.head(), { records: 0, hash: '0'.repeat(64) });
  });
});

describe('audit transcript: the anchor of a transcript in the state directory', () => {
  /** A sample transcript in the state directory, its last two lines cut and its anchor deleted. */
  function cutWithoutAnchor(): { paths: XdgPaths; file: string } {
    const paths = tempPaths();
    const file = writeSample(paths).file;
    writeFileSync(
      file,
      lines(file)
        .slice(0, 3)
        .map((l) => `${l}\n`)
        .join(''),
    );
    unlinkSync(file.replace(/\.jsonl$/, '.head'));
    return { paths, file };
  }

  it('fails verification when the anchor is missing, saying what that means', () => {
    const { paths, file } = cutWithoutAnchor();
    const bad = failure(verifyTranscript(file, { stateDir: paths.state }));
    assert.equal(bad.line, 0);
    assert.equal(bad.validRecords, 3);
    assert.match(bad.reason, /the anchor .*INC-1\.head is missing/);
    assert.match(bad.reason, /lines cut from the end cannot be detected/);
    // A copy outside the state directory may still verify with a warning; --head is the proof there.
    const copy = tamperedCopy(file, (l) => l, false);
    assert.equal(verifyTranscript(copy, { stateDir: tempPaths().state }).ok, true);
  });

  it('fails for a rehearsal transcript kept in the state directory too', () => {
    const paths = tempPaths();
    const file = writeSample(paths).file;
    const rehearsals = join(transcriptDir(paths), 'rehearsals');
    mkdirSync(rehearsals, { mode: 0o700 });
    copyFileSync(file, join(rehearsals, 'INC-1.jsonl'));
    assert.match(
      failure(verifyTranscript(join(rehearsals, 'INC-1.jsonl'), { stateDir: paths.state })).reason,
      /is missing/,
    );
  });

  it('the head printed at the end of the run still proves it complete, with a warning to re-anchor', () => {
    const paths = tempPaths();
    const transcript = writeSample(paths);
    unlinkSync(transcript.file.replace(/\.jsonl$/, '.head'));
    const result = verifyTranscript(transcript.file, { stateDir: paths.state, expectHead: transcript.head().hash });
    assert.ok(result.ok);
    assert.equal(result.anchor, 'given');
    assert.match(result.warnings.join('\n'), /--reanchor/);
  });

  it('refuses to append until the missing anchor is acknowledged', () => {
    const { paths, file } = cutWithoutAnchor();
    const before = readFileSync(file, 'utf8');
    assert.throws(
      () => AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }),
      (err: unknown) =>
        err instanceof AwsorgError &&
        err.exitCode === ExitCode.failed &&
        /anchor .* is missing/.test(err.message) &&
        /audit verify .*INC-1\.jsonl --reanchor/.test(err.nextStep ?? ''),
    );
    assert.equal(readFileSync(file, 'utf8'), before, 'nothing was appended');
    assert.equal(existsSync(file.replace(/\.jsonl$/, '.head')), false, 'no new anchor was written');
  });

  it('--reanchor records the acknowledgement in the chain, then writes a new anchor', () => {
    const { paths, file } = cutWithoutAnchor();
    const done = reanchorTranscript(file, {
      stateDir: paths.state,
      now: steppingClock(),
      operator: 'local:alice@laptop',
    });
    assert.equal(done.status, 'reanchored');
    const all = lines(file).map(
      (l) =>
        JSON.parse(l) as {
          seq: number;
          step: string;
          status: string;
          operator: string;
          detail: { anchorWasMissing: boolean; records: number; head: string; headConfirmed: boolean };
        },
    );
    assert.equal(all.length, 4);
    const ack = all[3]!;
    assert.deepEqual(
      [ack.seq, ack.step, ack.status, ack.operator],
      [3, 'anchor-missing', 'acknowledged', 'local:alice@laptop'],
    );
    assert.deepEqual([ack.detail.anchorWasMissing, ack.detail.records, ack.detail.headConfirmed], [true, 3, false]);
    const verified = verifyTranscript(file, { stateDir: paths.state });
    assert.ok(verified.ok);
    assert.equal(verified.anchor, 'matched');
    // Appending works again, and the acknowledgement stays in the chain.
    AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }).append(entry('after'));
    assert.equal(lines(file).length, 5);
    // With an anchor in place there is nothing to acknowledge.
    assert.equal(
      reanchorTranscript(file, { stateDir: paths.state, now: steppingClock(), operator: 'x' }).status,
      'not-needed',
    );
  });

  it('--reanchor refuses a transcript that fails for another reason, and one outside the state directory', () => {
    const { paths, file } = cutWithoutAnchor();
    writeFileSync(file, readFileSync(file, 'utf8').replace('"step":"find-keys"', '"step":"find-keyz"'));
    const edited = reanchorTranscript(file, { stateDir: paths.state, now: steppingClock(), operator: 'x' });
    assert.equal(edited.status, 'failed');
    assert.equal(existsSync(file.replace(/\.jsonl$/, '.head')), false);
    const copy = tamperedCopy(writeSample(tempPaths()).file, (l) => l, false);
    assert.throws(
      () => reanchorTranscript(copy, { stateDir: paths.state, now: steppingClock(), operator: 'x' }),
      (err: unknown) => err instanceof UsageError && /not in awsorg's state directory/.test(err.message),
    );
  });

  it('an empty transcript without an anchor is a new one (as if absent)', () => {
    const paths = tempPaths();
    mkdirSync(transcriptDir(paths), { recursive: true, mode: 0o700 });
    writeFileSync(transcriptPath(paths, 'INC-2'), '', { mode: 0o600 });
    assert.equal(verifyTranscript(transcriptPath(paths, 'INC-2'), { stateDir: paths.state }).ok, true);
    AuditTranscript.open(paths, 'INC-2', { now: steppingClock() }).append({ ...entry('first'), incident: 'INC-2' });
  });
});

describe('audit transcript: planted files', () => {
  it('refuses a dangling symlink in place of the transcript, creating nothing (exit 2)', () => {
    const paths = tempPaths();
    mkdirSync(transcriptDir(paths), { recursive: true, mode: 0o700 });
    const target = join(mkdtempSync(join(tmpdir(), 'awsorg-planted-')), 'captured.jsonl');
    symlinkSync(target, transcriptPath(paths, 'INC-1'));
    assert.throws(
      () => AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }),
      (err: unknown) =>
        err instanceof UsageError &&
        err.exitCode === ExitCode.usage &&
        /INC-1\.jsonl is a symbolic link/.test(err.message),
    );
    assert.equal(existsSync(target), false, 'the link target was not created');
    assert.equal(AuditTranscript.exists(paths, 'INC-1'), true, 'a link counts as an existing transcript');
  });

  it('refuses a symlink to a real transcript, and verification of a symlink fails naming it', () => {
    const paths = tempPaths();
    const real = writeSample(tempPaths()).file;
    mkdirSync(transcriptDir(paths), { recursive: true, mode: 0o700 });
    symlinkSync(real, transcriptPath(paths, 'INC-1'));
    assert.throws(() => AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }), /symbolic link/);
    const bad = failure(verifyTranscript(transcriptPath(paths, 'INC-1'), { stateDir: paths.state }));
    assert.match(bad.reason, /is a symbolic link.*awsorg audit verify /);
  });

  it('refuses a transcript others can write to, and a symlinked anchor', () => {
    const paths = tempPaths();
    const file = writeSample(paths).file;
    chmodSync(file, 0o620);
    assert.throws(
      () => AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }),
      (err: unknown) => err instanceof UsageError && /others can write to it/.test(err.message),
    );
    chmodSync(file, 0o644);
    // Readable by others is ours to fix: made private again on open.
    AuditTranscript.open(paths, 'INC-1', { now: steppingClock() });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const anchor = file.replace(/\.jsonl$/, '.head');
    const moved = join(mkdtempSync(join(tmpdir(), 'awsorg-planted-')), 'INC-1.head');
    copyFileSync(anchor, moved);
    rmSync(anchor);
    symlinkSync(moved, anchor);
    assert.throws(
      () => AuditTranscript.open(paths, 'INC-1', { now: steppingClock() }),
      (err: unknown) => err instanceof UsageError && /INC-1\.head is a symbolic link/.test(err.message),
    );
    assert.ok(lstatSync(anchor).isSymbolicLink());
  });
});

describe('audit transcript: streaming', () => {
  function bigTranscript(records: number): { paths: XdgPaths; transcript: AuditTranscript } {
    const paths = tempPaths();
    const transcript = AuditTranscript.open(paths, 'BIG-1', { now: steppingClock() });
    for (let i = 0; i < records; i++)
      transcript.append({ ...entry(`step-${i}`), incident: 'BIG-1', detail: { padding: 'x'.repeat(1000) } });
    return { paths, transcript };
  }

  it('verifies line by line and never holds more than a chunk and a line', () => {
    const { transcript } = bigTranscript(120);
    const size = statSync(transcript.file).size;
    let peak = 0;
    const result = verifyTranscript(transcript.file, {
      chunkBytes: 512,
      onBuffered: (bytes) => (peak = Math.max(peak, bytes)),
    });
    assert.ok(result.ok);
    assert.equal(result.records, 120);
    assert.ok(size > 100 * 1024, `a file of ${size} bytes`);
    const longest = Math.max(...lines(transcript.file).map((l) => Buffer.byteLength(l) + 1));
    assert.ok(peak > 0 && peak <= longest + 512, `held at most ${peak} bytes (longest line ${longest})`);
  });

  it('the same verdicts with tiny chunks as with large ones', () => {
    const file = writeSample(tempPaths()).file;
    for (const chunkBytes of [1, 7, 64, 1 << 20]) {
      assert.equal((verifyTranscript(file, { chunkBytes }) as { records: number }).records, 5);
      const cut = tamperedCopy(file, (l) => l.slice(0, 3));
      assert.equal(failure(verifyTranscript(cut, { chunkBytes })).line, 4);
      const text = readFileSync(file, 'utf8');
      assert.match(
        failure(
          verifyTranscript(
            tamperedCopy(file, () => text.slice(0, -1)),
            { chunkBytes },
          ),
        ).reason,
        /incomplete/,
      );
    }
  });

  it('a line longer than any record awsorg writes fails without reading it whole', () => {
    const dir = mkdtempSync(join(tmpdir(), 'awsorg-audit-long-'));
    const file = join(dir, 'LONG-1.jsonl');
    writeFileSync(file, 'x'.repeat(10_000));
    let peak = 0;
    const bad = failure(
      verifyTranscript(file, {
        chunkBytes: 256,
        maxLineBytes: 1024,
        onBuffered: (bytes) => (peak = Math.max(peak, bytes)),
      }),
    );
    assert.equal(bad.line, 1);
    assert.match(bad.reason, /longer than/);
    assert.ok(peak <= 1024 + 256, `held ${peak} bytes`);
  });

  it('opening for an append reads the transcript the same way and continues the chain', () => {
    const { paths, transcript } = bigTranscript(50);
    const again = AuditTranscript.open(paths, 'BIG-1', { now: steppingClock() });
    assert.deepEqual(again.head(), transcript.head());
    assert.equal(again.append({ ...entry('more'), incident: 'BIG-1' }).seq, 50);
    assert.equal(again.records().length, 51);
    assert.ok(verifyTranscript(again.file).ok);
  });
});

describe('incident ids', () => {
  it('accepts ids usable as a file name and in a role session name', () => {
    for (const id of ['INC-1', 'sev1.2026-03-01', 'a', 'X'.repeat(64)]) assert.equal(validateIncidentId(id), id);
    assert.ok(INCIDENT_ID.test('INC_7'));
  });

  it('refuses missing and unsafe ids with a usage error naming --incident', () => {
    for (const id of [undefined, '', '../etc', '-x', 'a b', 'X'.repeat(65), 'inc/1']) {
      assert.throws(
        () => validateIncidentId(id),
        (err: unknown) => err instanceof UsageError && err.exitCode === 2 && /--incident/.test(err.message),
      );
    }
    assert.throws(() => transcriptPath(tempPaths(), '../escape'), UsageError);
  });

  it("refuses an id whose run lock would be another incident's append lock (INC.append.lock)", () => {
    for (const id of ['INC-1.append', 'x.APPEND']) {
      assert.throws(
        () => validateIncidentId(id),
        (err: unknown) => err instanceof UsageError && err.exitCode === 2 && /--incident .*\.append/.test(err.message),
      );
    }
    assert.equal(validateIncidentId('INC-1.appendix'), 'INC-1.appendix');
  });
});

describe('redact', () => {
  it('redacts credential keys exactly, and registered secrets anywhere, in a deep copy', () => {
    const input = {
      Credentials: { AccessKeyId: ACCESS_KEY_ID, SecretAccessKey: SECRET_ACCESS_KEY },
      list: [{ sessionToken: 'x' }, `prefix-${REGISTERED}-suffix`],
      [`key-${REGISTERED}`]: 1,
      Condition: { 'aws:TokenIssueTime': 't', TokenCode: '123456', SessionTokenCount: 2 },
      when: new Date('2026-01-01T00:00:00Z'),
      gone: undefined,
    };
    const out = redact(input, [REGISTERED, 'short']);
    assert.deepEqual(out, {
      Credentials: '[redacted]',
      list: [{ sessionToken: '[redacted]' }, 'prefix-[redacted]-suffix'],
      'key-[redacted]': 1,
      Condition: { 'aws:TokenIssueTime': 't', TokenCode: '[redacted]', SessionTokenCount: 2 },
      when: '2026-01-01T00:00:00.000Z',
    });
    assert.equal(input.Credentials.SecretAccessKey, SECRET_ACCESS_KEY, 'the input is not changed');
    // Secrets shorter than 8 characters are not substituted: they would blank out unrelated text.
    assert.equal(redact('a short story', ['short']), 'a short story');
  });

  it('survives cycles', () => {
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    assert.deepEqual(redact(loop, []), { name: 'loop', self: '[circular]' });
  });
});
