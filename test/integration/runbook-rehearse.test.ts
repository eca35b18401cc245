/**
 * `runbook run … --rehearse`: a game day against the emulator awsorg starts itself. The run
 * builds a practice organization, quarantines an account, rolls it back, keeps the transcript
 * (which verifies), and stops the emulator. No AWS configuration is given at all.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isolatedEnv, runCli } from '../helpers/cli.js';

describe('runbook run --rehearse', () => {
  it('quarantines and rolls back in a practice organization, keeps a verifiable transcript, and stops the emulator', async () => {
    const env = isolatedEnv();
    const result = await runCli(
      ['runbook', 'run', 'quarantine-account', '--incident', 'GAMEDAY-1', '--rehearse', '--yes'],
      { env, timeoutMs: 120_000 },
    );
    assert.equal(result.code, 0, result.stderr);
    const endpoint = /local AWS emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(result.stderr)?.[1];
    assert.ok(endpoint, result.stderr);
    assert.match(result.stderr, /REHEARSAL: quarantine-account for GAMEDAY-1: completed/);
    assert.match(result.stderr, /passed: \d{12} is in the Quarantine OU ou-/);
    assert.match(result.stderr, /REHEARSAL: rollback of GAMEDAY-1: completed/);

    const kept = join(env.XDG_STATE_HOME!, 'awsorg', 'audit', 'rehearsals', 'GAMEDAY-1.jsonl');
    // It ends with the rehearsal's own last word, after the emulator is stopped, naming the kept transcript
    // and never the temporary one it removed.
    const last = result.stderr.trimEnd().split('\n').at(-1)!;
    assert.equal(
      last,
      `REHEARSAL: quarantine-account, run and then rolled back, is done; the emulator is stopped and nothing reached AWS. The transcript is kept at ${kept} (check it: awsorg audit verify ${kept}).`,
    );
    assert.doesNotMatch(result.stderr, /rollback of rollback|awsorg-runbook-rehearsal-/);
    // The rehearsal rolls back by itself and leaves no incident to roll back: its follow-ups are for a real run.
    assert.doesNotMatch(result.stderr, /^ {2}- When the account is clean/m);
    assert.match(
      result.stderr,
      /^ {2}- After a real run: when the account is clean, `awsorg runbook rollback GAMEDAY-1` moves it back/m,
    );
    assert.ok(existsSync(kept), 'the rehearsal transcript is kept');
    const verified = await runCli(['audit', 'verify', kept], { env });
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /OK .*GAMEDAY-1\.jsonl: 1\d records/);
    // The real audit directory holds no transcript: a rehearsal never mixes with real incidents.
    assert.ok(!existsSync(join(env.XDG_STATE_HOME!, 'awsorg', 'audit', 'GAMEDAY-1.jsonl')));

    await assert.rejects(
      fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) }),
      'the emulator is stopped',
    );
  });
});
