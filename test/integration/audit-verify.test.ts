/**
 * `awsorg audit verify` through the built CLI: a transcript written by the module in an isolated
 * XDG state directory verifies with exit 0; a copy with one character changed exits 1 naming the
 * line; no FILE verifies every transcript; a missing FILE is a usage error. A transcript kept in
 * the state directory without its anchor fails, and runs refuse to append to it until
 * `--reanchor` records the acknowledgement; a planted symlink is refused before any AWS call; a
 * transcript over 2 GiB is streamed. No AWS involved.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { AuditTranscript, type VerifyResult } from '../../src/core/audit.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function writeTranscript(env: Record<string, string>, incident: string): AuditTranscript {
  let t = Date.parse('2026-03-01T09:00:00.000Z');
  const transcript = AuditTranscript.open(xdgPaths(env), incident, {
    now: () => new Date((t += 1000)),
    secrets: [SECRET_ACCESS_KEY],
  });
  const base = {
    incident,
    operator: 'arn:aws:sts::111111111111:assumed-role/Admin/alice',
    runbook: 'quarantine-account',
  };
  transcript.append({ ...base, step: 'run-start', kind: 'run', status: 'started' });
  transcript.append({
    ...base,
    step: 'deny-all',
    kind: 'action',
    status: 'applied',
    account: '222222222222',
    call: 'iam:CreateAccessKey',
    response: { AccessKey: { AccessKeyId: 'AKIAEXAMPLE000000000', SecretAccessKey: SECRET_ACCESS_KEY } },
  });
  transcript.append({ ...base, step: 'run-end', kind: 'run', status: 'completed' });
  return transcript;
}

describe('awsorg audit verify', () => {
  let env: Record<string, string>;
  let transcript: AuditTranscript;

  before(() => {
    env = isolatedEnv();
    transcript = writeTranscript(env, 'INC-1');
    writeTranscript(env, 'INC-2');
  });

  it('exits 0 on an intact transcript and names the record count and head', async () => {
    const run = await runCli(['audit', 'verify', transcript.file], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `OK ${transcript.file}: 3 records, head ${transcript.head().hash}\n`);
    assert.ok(!readFileSync(transcript.file, 'utf8').includes(SECRET_ACCESS_KEY));
  });

  it('exits 1 on a copy with one character changed, naming the line', async () => {
    const copy = join(tempDir('awsorg-audit-copy-'), 'INC-1.jsonl');
    writeFileSync(copy, readFileSync(transcript.file, 'utf8').replace('"status":"applied"', '"status":"applieD"'));
    const run = await runCli(['audit', 'verify', copy], { env });
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(
      run.stderr,
      new RegExp(`^awsorg: ${copy}: line 2: its hash does not match its contents \\(the line was edited\\)\\n$`),
    );
  });

  it('checks a cut copy against the live anchor in the state directory', async () => {
    const copy = join(tempDir('awsorg-audit-copy-'), 'INC-1.jsonl');
    writeFileSync(copy, readFileSync(transcript.file, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    const run = await runCli(['audit', 'verify', copy], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /line 3: truncated: the anchor .* records 3 lines, the file ends after line 2/);
  });

  it('--json prints the result', async () => {
    const run = await runCli(['audit', 'verify', transcript.file, '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as VerifyResult;
    assert.deepEqual(result, {
      ok: true,
      file: transcript.file,
      records: 3,
      head: transcript.head().hash,
      anchor: 'matched',
      warnings: [],
    });
  });

  it('--head checks a copy that has no anchor against the head printed at the end of the run', async () => {
    const dir = tempDir('awsorg-audit-copy-');
    const copy = join(dir, 'elsewhere.jsonl');
    const lines = readFileSync(transcript.file, 'utf8').split('\n');
    writeFileSync(copy, lines.slice(0, 2).join('\n') + '\n');
    const cut = await runCli(['audit', 'verify', copy, '--head', transcript.head().hash], { env: isolatedEnv() });
    assert.equal(cut.code, 1);
    assert.match(cut.stderr, /line 2: the transcript ends with hash/);
    writeFileSync(copy, lines.join('\n'));
    const whole = await runCli(['audit', 'verify', copy, '--head', transcript.head().hash], { env: isolatedEnv() });
    assert.equal(whole.code, 0, whole.stderr);
    const bare = await runCli(['audit', 'verify', copy], { env: isolatedEnv() });
    assert.equal(bare.code, 0, bare.stderr);
    assert.match(bare.stderr, /warning: .*cannot be detected/);
  });

  it('without FILE verifies every transcript in the state directory', async () => {
    const run = await runCli(['audit', 'verify'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^OK .*INC-1\.jsonl: 3 records, head [0-9a-f]{64}\nOK .*INC-2\.jsonl: 3 records/);

    const tamperedEnv = isolatedEnv();
    const tampered = writeTranscript(tamperedEnv, 'INC-3');
    writeTranscript(tamperedEnv, 'INC-4');
    writeFileSync(tampered.file, readFileSync(tampered.file, 'utf8').replace('run-end', 'run-End'));
    const json = await runCli(['audit', 'verify', '--json'], { env: tamperedEnv });
    assert.equal(json.code, 1);
    const results = JSON.parse(json.stdout) as VerifyResult[];
    assert.deepEqual(
      results.map((r) => [r.ok, r.ok ? r.records : r.line]),
      [
        [false, 3],
        [true, 3],
      ],
    );
  });

  it('without FILE and no transcripts: exit 0 with a message', async () => {
    const run = await runCli(['audit', 'verify'], { env: isolatedEnv() });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /No audit transcripts in .*awsorg\/audit/);
  });

  it('a cut with the anchor deleted fails, runs refuse to append, and --reanchor records the acknowledgement', async () => {
    const cutEnv = isolatedEnv();
    const cut = writeTranscript(cutEnv, 'INC-5');
    writeFileSync(cut.file, readFileSync(cut.file, 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
    unlinkSync(cut.file.replace(/\.jsonl$/, '.head'));

    const verified = await runCli(['audit', 'verify', cut.file], { env: cutEnv });
    assert.equal(verified.code, 1, verified.stderr);
    assert.equal(verified.stdout, '');
    assert.match(
      verified.stderr,
      /INC-5\.jsonl: the anchor .*INC-5\.head is missing\. .*lines cut from the end cannot be detected/,
    );
    assert.equal(
      (await runCli(['audit', 'verify'], { env: cutEnv })).code,
      1,
      'also when every transcript is verified',
    );

    // Refused before any AWS call: there are no credentials in this environment at all.
    const before = readFileSync(cut.file, 'utf8');
    const run = await runCli(
      ['runbook', 'run', 'quarantine-account', '--incident', 'INC-5', '--account', '222222222222', '--dry-run'],
      { env: cutEnv },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /anchor .* is missing[\s\S]*awsorg audit verify .*INC-5\.jsonl --reanchor/);
    assert.doesNotMatch(run.stderr, /credential/i);
    assert.equal(readFileSync(cut.file, 'utf8'), before);

    const reanchored = await runCli(['audit', 'verify', cut.file, '--reanchor'], { env: cutEnv });
    assert.equal(reanchored.code, 0, reanchored.stderr);
    assert.match(
      reanchored.stdout,
      /^REANCHORED .*INC-5\.jsonl: 2 records \(head [0-9a-f]{64}\), then line 3 recording that the anchor was missing; new head [0-9a-f]{64}\n$/,
    );
    const last = JSON.parse(readFileSync(cut.file, 'utf8').trim().split('\n').at(-1)!) as {
      step: string;
      status: string;
      operator: string;
    };
    assert.deepEqual([last.step, last.status], ['anchor-missing', 'acknowledged']);
    assert.match(last.operator, /^local:.+@.+/);
    const after = await runCli(['audit', 'verify', cut.file], { env: cutEnv });
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /3 records/);
    const again = await runCli(['audit', 'verify', cut.file, '--reanchor'], { env: cutEnv });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /nothing to acknowledge/);
  });

  it('a dangling symlink in place of a transcript is refused (exit 2) before any AWS call, and nothing is created', async () => {
    const linkEnv = isolatedEnv();
    writeTranscript(linkEnv, 'INC-6');
    const target = join(tempDir('awsorg-planted-'), 'captured.jsonl');
    const link = join(linkEnv.XDG_STATE_HOME!, 'awsorg', 'audit', 'INC-7.jsonl');
    symlinkSync(target, link);
    const run = await runCli(
      ['runbook', 'run', 'quarantine-account', '--incident', 'INC-7', '--account', '222222222222', '--dry-run'],
      { env: linkEnv },
    );
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /INC-7\.jsonl is a symbolic link/);
    assert.equal(existsSync(target), false);
    const verified = await runCli(['audit', 'verify', link], { env: linkEnv });
    assert.equal(verified.code, 1);
    assert.match(verified.stderr, /INC-7\.jsonl: it is a symbolic link to nothing/);
  });

  it('a transcript over 2 GiB is streamed: a verdict, not a RangeError', async () => {
    const bigEnv = isolatedEnv();
    const big = writeTranscript(bigEnv, 'INC-8');
    // Sparse: 2 GiB of zeros after the three records, with no newline, costs no disk.
    truncateSync(big.file, 2 ** 31 + 4096);
    const started = Date.now();
    const run = await runCli(['audit', 'verify', big.file], { env: bigEnv, timeoutMs: 60_000 });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /INC-8\.jsonl: line 4: it is longer than \d+ bytes, which no audit record is/);
    assert.doesNotMatch(run.stderr, /RangeError|unexpected/i);
    assert.ok(Date.now() - started < 30_000);
  });

  it('a missing FILE or a bad flag is a usage error (exit 2)', async () => {
    const missing = join(tempDir(), 'nope.jsonl');
    const run = await runCli(['audit', 'verify', missing], { env });
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(missing));
    assert.equal((await runCli(['audit', 'check'], { env })).code, 2);
    assert.equal((await runCli(['audit', 'verify', transcript.file, '--head', 'abc'], { env })).code, 2);
    assert.equal((await runCli(['audit', 'verify', '--reanchor'], { env })).code, 2);
    const copy = join(tempDir('awsorg-audit-copy-'), 'INC-1.jsonl');
    writeFileSync(copy, readFileSync(transcript.file, 'utf8'));
    const outside = await runCli(['audit', 'verify', copy, '--reanchor'], { env });
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /not in awsorg's state directory/);
  });
});
