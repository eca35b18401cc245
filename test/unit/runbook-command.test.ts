/**
 * `awsorg runbook` as a command, without AWS: what it says before it would ask, and how
 * `runbook show` renders the templates a runbook's steps and follow-ups are written with.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, run } from '../../src/commands/runbook.js';
import { createDeps } from '../../src/aws/deps.js';
import { ExitCode, UsageError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';
import { captureStream } from '../helpers/streams.js';

function offlineDeps(interactive: boolean) {
  const home = tempDir('awsorg-runbook-command-');
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/config`,
    XDG_STATE_HOME: `${home}/state`,
    XDG_CACHE_HOME: `${home}/cache`,
  };
  const stdout = captureStream();
  const stderr = captureStream();
  return {
    deps: createDeps({ env, signal: new AbortController().signal, stdout, stderr, interactive }),
    stdout,
    stderr,
  };
}

describe('runbook run without a terminal', () => {
  it('a misspelled runbook id is named, with the suggestion, before the missing terminal (exit 2)', async () => {
    const { deps } = offlineDeps(false);
    await assert.rejects(run(parse(['run', 'quarantine-acount', '--incident', 'INC-1']), deps), (err: unknown) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.equal(err.exitCode, ExitCode.usage);
      assert.match(err.message, /no runbook "quarantine-acount"; did you mean "quarantine-account"\?/);
      return true;
    });
  });

  it('a known runbook still refuses to run without --yes when there is no terminal', async () => {
    const { deps } = offlineDeps(false);
    await assert.rejects(
      run(parse(['run', 'quarantine-account', '--incident', 'INC-1']), deps),
      /no terminal to ask on/,
    );
  });
});

describe('runbook show', () => {
  const show = async (id: string) => {
    const { deps, stdout } = offlineDeps(false);
    assert.equal(await run(parse(['show', id]), deps), ExitCode.ok);
    return stdout.text;
  };

  it('describes {{management}} and {{incident}} instead of printing them raw', async () => {
    const out = await show('quarantine-account');
    assert.doesNotMatch(out, /\{\{/);
    assert.match(out, /runs in <the management account> as your own sign-in in us-east-1/);
    assert.match(out, /`awsorg runbook rollback <the incident id given with --incident>` moves it back/);
  });

  it('describes a parameter by its flag, with its default', async () => {
    const out = await show('revoke-role-sessions');
    assert.match(
      out,
      /runs in <the account given with --account> as <the role given with --access-role, default OrganizationAccountAccessRole> in us-east-1/,
    );
    // A follow-up names the incident as a template, so a run fills in the real id.
    assert.match(out, /`awsorg runbook rollback <the incident id given with --incident>` removes it then/);
  });

  it('no built-in runbook shows a raw template', async () => {
    const { BUILTIN_RUNBOOKS } = await import('../../src/runbooks/builtin/index.js');
    for (const runbook of BUILTIN_RUNBOOKS) assert.doesNotMatch(await show(runbook.id), /\{\{|\}\}/, runbook.id);
  });
});

describe('follow-ups of a dry run', () => {
  it('say what a real run would allow, never that a rollback of this incident moves anything back', async () => {
    const { followUpLines } = await import('../../src/runbooks/prepare.js');
    const { BUILTIN_RUNBOOKS } = await import('../../src/runbooks/builtin/index.js');
    const quarantine = BUILTIN_RUNBOOKS.find((r) => r.id === 'quarantine-account')!;
    const real = followUpLines(quarantine, { incident: 'INC-1' }, false);
    assert.ok(
      real.some((l) => /^When the account is clean, `awsorg runbook rollback INC-1` moves it back/.test(l)),
      real.join('\n'),
    );
    const dry = followUpLines(quarantine, { incident: 'INC-1' }, true);
    assert.equal(dry.length, real.length);
    for (const line of dry) assert.match(line, /^After a real run: /);
    assert.ok(
      dry.includes(
        'After a real run: when the account is clean, `awsorg runbook rollback INC-1` moves it back to its original OU.',
      ),
      dry.join('\n'),
    );
    // A word that is a name keeps its capitals.
    const named = followUpLines(
      { ...quarantine, followUps: ["CloudTrail records the session's calls.", 'AWS Config keeps the history.'] },
      { incident: 'INC-1' },
      true,
    );
    assert.deepEqual(named, [
      "After a real run: CloudTrail records the session's calls.",
      'After a real run: AWS Config keeps the history.',
    ]);
  });
});

describe('runbook follow-ups after a real run', () => {
  it('fill in every parameter they name: no placeholder is left for a value the run knows', async () => {
    const { BUILTIN_RUNBOOKS } = await import('../../src/runbooks/builtin/index.js');
    const { followUpLines } = await import('../../src/runbooks/prepare.js');
    const s3 = BUILTIN_RUNBOOKS.find((r) => r.id === 's3-public-exposure')!;
    const lines = followUpLines(
      s3,
      {
        incident: 'INC-7',
        account: '123456789012',
        bucket: 'b',
        'access-role': 'OrganizationAccountAccessRole',
        management: '999999999999',
      },
      false,
    );
    assert.ok(
      lines.some((l) => l.includes('--account-id 123456789012 ')),
      lines.join('\n'),
    );
    for (const line of lines) assert.doesNotMatch(line, /<account>|\{\{/, line);
  });
});
