/**
 * `awsorg runbook` as a command, without AWS: what it says before it would ask, and how
 * `runbook show` renders the templates a runbook's steps and follow-ups are written with.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, run } from '../../src/commands/runbook.js';
import { createDeps } from '../../src/core/deps.js';
import { ExitCode, UsageError } from '../../src/core/errors.js';
import { tempDir } from '../helpers/cli.js';
import { captureStream } from '../helpers/streams.js';

function offlineDeps(interactive: boolean) {
  const home = tempDir('awsorg-runbook-command-');
  const env = { HOME: home, XDG_CONFIG_HOME: `${home}/config`, XDG_STATE_HOME: `${home}/state`, XDG_CACHE_HOME: `${home}/cache` };
  const stdout = captureStream();
  const stderr = captureStream();
  return { deps: createDeps({ env, signal: new AbortController().signal, stdout, stderr, interactive }), stdout, stderr };
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
    await assert.rejects(run(parse(['run', 'quarantine-account', '--incident', 'INC-1']), deps), /no terminal to ask on/);
  });
});
