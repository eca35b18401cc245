/**
 * `awsorg console` in a real terminal (tmux), against an organization in moto: the list comes
 * up, the production guard stops Enter on Production, a filter picks Staging, Enter opens a
 * subshell whose AWS CLI is Staging's session, `exit` returns to the console, a resize re-lays
 * it out, and `q` ends the process with 0.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, REPO_ROOT, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';
import { TmuxSession, tmuxAvailable, waitForFile } from '../helpers/tmux.js';

const PROMPT = 'awsorg-e2e$ ';

describe('awsorg console in a pseudo-terminal', { timeout: 180_000 }, () => {
  let moto: Moto;
  let org: OrgFixture;

  before(async () => {
    assert.ok(tmuxAvailable(), 'tmux is required for the terminal tests');
    moto = await startMoto();
    org = await createOrgFixture(moto.endpoint);
  });
  after(async () => {
    await moto?.stop();
  });

  it('filters, opens a subshell as Staging, comes back, and quits with 0', async () => {
    const work = tempDir('awsorg-console-e2e-');
    const answer = join(work, 'account.txt');
    const exitFile = join(work, 'exit-code.txt');
    const env = operatorEnv(moto.endpoint, {
      SHELL: '/bin/sh',
      TERM: 'xterm-256color',
      PS1: PROMPT,
      TMPFILE: answer,
      LANG: 'C.UTF-8',
    });
    const tmux = TmuxSession.start({
      argv: ['/bin/sh', '-c', `"${process.execPath}" "${CLI}" console; echo "$?" > "${exitFile}"`],
      env,
      cwd: REPO_ROOT,
      columns: 120,
      rows: 40,
    });
    try {
      // The first run discovers the organization, then draws the list.
      await tmux.waitFor(
        (s) => s.includes('awsorg console') && s.includes('Staging') && s.includes('/Workloads/Prod'),
        'the account list',
        60_000,
      );

      // The production guard, in a real terminal.
      tmux.type('/prod');
      await tmux.waitFor((s) => /^>.*Production/m.test(s), 'Production selected by the filter');
      tmux.keys('Enter');
      const confirm = await tmux.waitForText('Press y to continue');
      assert.match(confirm, /Production \(\d{12}\) is a production account: OU \/Workloads\/Prod/);
      tmux.type('n');
      await tmux.waitForText('Cancelled: nothing was done in Production.');
      tmux.keys('Escape');
      await tmux.waitFor((s) => !s.includes('/prod'), 'the filter cleared');

      // Filter to Staging and open a subshell there.
      tmux.type('/stag');
      await tmux.waitFor((s) => /^>.*Staging/m.test(s), 'Staging selected by the filter');
      tmux.keys('Enter');
      await tmux.waitFor(
        (s) => s.includes('type exit to return to the console') && s.includes(PROMPT.trim()),
        'the subshell prompt',
        30_000,
      );
      tmux.type('aws sts get-caller-identity --query Account --output text > "$TMPFILE"');
      tmux.keys('Enter');
      assert.equal(await waitForFile(answer, "the AWS CLI's answer"), org.byName('Staging').id);
      tmux.type('exit');
      tmux.keys('Enter');
      await tmux.waitForText('The shell in Staging exited with code 0.');

      // Narrow the terminal: the console re-lays itself out for 60 columns.
      tmux.resize(60, 30);
      const narrow = await tmux.waitFor((s) => s.includes('SESSION') && !s.includes('STATUS'), 'the 60-column layout');
      for (const line of narrow.split('\n')) assert.ok(line.length <= 60, `wider than 60 columns: ${line}`);

      tmux.type('q');
      assert.equal(await waitForFile(exitFile, 'the exit code'), '0');
    } finally {
      tmux.kill();
    }
  });
});
