/**
 * Several processes appending to one incident's transcript at once (two runs, a rollback and a
 * close-out record, each through its own AuditTranscript): every append lands, in one chain,
 * and the transcript verifies. Real processes, because the race is between processes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { transcriptPath, verifyTranscript, type AuditRecord } from '../../src/core/audit.js';
import { xdgPaths } from '../../src/core/xdg.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/unit -> dist/src/core/audit.js, the module the test imports itself. */
const AUDIT_MODULE = pathToFileURL(resolve(here, '..', '..', 'src', 'core', 'audit.js')).href;
const XDG_MODULE = pathToFileURL(resolve(here, '..', '..', 'src', 'core', 'xdg.js')).href;

/** One writer: opens the transcript, waits for the common start time, appends `count` records. */
const WRITER = `
const [auditUrl, xdgUrl, home, name, count, startAt, pause] = process.argv.slice(1);
const { AuditTranscript } = await import(auditUrl);
const { xdgPaths } = await import(xdgUrl);
const paths = xdgPaths({ XDG_STATE_HOME: home + '/state', XDG_CONFIG_HOME: home + '/config', XDG_CACHE_HOME: home + '/cache' }, home);
// Half the writers open the transcript while the others are already appending to it.
const late = name === 'carol' || name === 'dave';
if (late) while (Date.now() < Number(startAt) + 15) {}
const t = AuditTranscript.open(paths, 'INC-RACE', { now: () => new Date() });
while (Date.now() < Number(startAt)) {}
for (let i = 0; i < Number(count); i++) {
  t.append({ incident: 'INC-RACE', operator: 'arn:aws:iam::111111111111:user/' + name, runbook: 'race', step: name + '-' + i, kind: 'check', status: 'passed', detail: { pad: 'x'.repeat(200 * (i % 7)) } });
  if (Number(pause)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(pause));
}
`;

function writer(
  home: string,
  name: string,
  count: number,
  startAt: number,
  pauseMs = 0,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      WRITER,
      AUDIT_MODULE,
      XDG_MODULE,
      home,
      name,
      String(count),
      String(startAt),
      String(pauseMs),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((done) => child.on('close', (code) => done({ code, stderr })));
}

describe('audit transcript: concurrent writers', () => {
  it('four processes appending to one incident at once never fork the chain, and every record lands', async () => {
    const home = mkdtempSync(join(tmpdir(), 'awsorg-audit-race-'));
    const paths = xdgPaths(
      {
        XDG_STATE_HOME: join(home, 'state'),
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_CACHE_HOME: join(home, 'cache'),
      },
      home,
    );
    const perWriter = 25;
    const names = ['alice', 'bob', 'carol', 'dave'];
    // Two writers open the (empty) transcript and start appending at the same moment; two open it mid-stream.
    const startAt = Date.now() + 1500;
    const results = await Promise.all(names.map((name) => writer(home, name, perWriter, startAt)));
    for (const [i, r] of results.entries()) assert.equal(r.code, 0, `writer ${names[i]} exits 0\n${r.stderr}`);

    const file = transcriptPath(paths, 'INC-RACE');
    const verified = verifyTranscript(file);
    assert.ok(verified.ok, `the transcript verifies: ${JSON.stringify(verified)}`);
    assert.equal(verified.records, names.length * perWriter);
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    for (const name of names) {
      const own = records.filter((r) => r.operator.endsWith(`/${name}`)).map((r) => r.step);
      assert.deepEqual(
        own,
        Array.from({ length: perWriter }, (_, i) => `${name}-${i}`),
        `${name}'s records are all there, in its order`,
      );
    }
    assert.deepEqual(
      records.map((r) => r.seq),
      records.map((_, i) => i),
    );
  });

  it('verifying while other processes append never reports a change that did not happen (the file and its anchor are read while lines are added)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'awsorg-audit-verify-race-'));
    const paths = xdgPaths(
      {
        XDG_STATE_HOME: join(home, 'state'),
        XDG_CONFIG_HOME: join(home, 'config'),
        XDG_CACHE_HOME: join(home, 'cache'),
      },
      home,
    );
    const file = transcriptPath(paths, 'INC-RACE');
    const startAt = Date.now() + 1000;
    let done = false;
    // Appends a few milliseconds apart (a run appends far less often); each verify reads while they land.
    const writers = Promise.all(['alice', 'bob'].map((name) => writer(home, name, 150, startAt, 8))).finally(
      () => (done = true),
    );
    const failures: string[] = [];
    let checks = 0;
    while (!done) {
      await new Promise((r) => setTimeout(r, 2));
      if (Date.now() < startAt) continue;
      // As `audit verify` checks a transcript in the state directory: its anchor is required.
      const result = verifyTranscript(file, { stateDir: join(home, 'state', 'awsorg') });
      checks += 1;
      if (!result.ok && !(result.anchorMissing && result.validRecords === 0))
        failures.push(`line ${result.line}: ${result.reason}`);
    }
    for (const r of await writers) assert.equal(r.code, 0, r.stderr);
    assert.ok(checks > 5, `verified ${checks} times while the writers ran`);
    assert.deepEqual(failures, [], `no false alarm in ${checks} checks`);
  });
});
