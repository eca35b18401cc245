/**
 * Golden frames of the console (snapshots/console-*.txt), rendered by the real ConsoleApp in a
 * fake terminal of fixed size, driven by keys. UPDATE_SNAPSHOTS=1 rewrites the files; review
 * every change to them like code. Last, the runbook round trip through runConsole: the console
 * hands over to the runbook and comes back with how it ended.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { transcriptPath } from '../../src/core/audit.js';
import { createDeps, type OutputStream } from '../../src/aws/deps.js';
import { CredentialsError, UsageError } from '../../src/core/errors.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { runConsole, type RunbookLauncher } from '../../src/ui/console/run.js';
import type { RunbookLaunch } from '../../src/runbooks/launch.js';
import { isolatedEnv } from '../helpers/cli.js';
import { defineConsoleApp, type ConsoleExit } from '../../src/ui/console/app.js';
import type { ConsoleModel } from '../../src/ui/console/model.js';
import type { ConsoleOperations } from '../../src/ui/console/operations.js';
import { initialState } from '../../src/ui/console/state.js';
import { FakeTerminal, KEYS } from '../../src/ui/frames.js';
import { matchSnapshot } from '../helpers/snapshots.js';
import { buildModel } from '../../src/ui/console/model.js';
import { identitySummary } from '../../src/ui/console/identity.js';
import {
  fakeOperations,
  FIXED_NOW,
  fixtureInventory,
  fixtureModel,
  fixtureSettings,
  IAM_USER_BASE,
  SSO_BASE,
} from './console-fixture.js';
import { assertNoRawControls, FORGED_ROW_ACCOUNT, HOSTILE_ACCOUNT, HOSTILE_OU, OSC52 } from '../helpers/terminal.js';

const EXPIRIES = { '666666666666': FIXED_NOW + 42 * 60_000, '777777777777': FIXED_NOW + (3 * 60 + 5) * 60_000 };

interface Mounted {
  term: FakeTerminal;
  exited: Promise<ConsoleExit>;
  unmount(): void;
}

async function mount(
  t: TestContext,
  opts: { columns: number; rows: number; model?: ConsoleModel; ops?: ConsoleOperations; color?: boolean },
): Promise<Mounted> {
  const ink = await import('ink');
  const ConsoleApp = defineConsoleApp(ink);
  const term = new FakeTerminal({ columns: opts.columns, rows: opts.rows });
  const instance = ink.render(
    <ConsoleApp
      initial={{ model: opts.model ?? fixtureModel(), state: initialState() }}
      ops={opts.ops ?? fakeOperations({ expiries: EXPIRIES })}
      color={opts.color ?? false}
      screen={term.output}
    />,
    {
      stdout: term.output as unknown as NodeJS.WriteStream,
      stderr: term.output as unknown as NodeJS.WriteStream,
      stdin: term.input as unknown as NodeJS.ReadStream,
      debug: true,
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  const m = { term, exited: instance.waitUntilExit() as Promise<ConsoleExit>, unmount: () => instance.unmount() };
  t.after(() => m.unmount());
  await term.waitForText('awsorg console');
  return m;
}

/** The fixture organization plus an account and an OU whose names carry terminal escapes, and one whose name forges a row. */
function hostileModel(): ConsoleModel {
  const inventory = fixtureInventory();
  inventory.accounts.push(
    {
      id: '121212121212',
      name: HOSTILE_ACCOUNT,
      email: 'evil@example.com',
      status: 'ACTIVE',
      ouPath: `/${HOSTILE_OU}`,
      tags: { environment: 'production', note: OSC52 },
    },
    {
      id: '131313131313',
      name: FORGED_ROW_ACCOUNT,
      email: 'forged@example.com',
      status: 'ACTIVE',
      ouPath: '/Workloads/NonProd',
      tags: {},
    },
  );
  return buildModel(inventory, fixtureSettings(), identitySummary(SSO_BASE, undefined), 'cache');
}

/** Everything the console wrote: no raw control character except its own SGR styling and line breaks. */
function assertWritesSafe(term: FakeTerminal): void {
  assertNoRawControls(term.output.writes.map((w) => w.text).join('\n'), "the console's output", { allowSgr: true });
}

/** Select Staging through the filter, clear the filter, and open its runbooks with `!`. */
async function openStagingRunbooks(term: FakeTerminal): Promise<void> {
  term.press('/stag');
  await term.waitFor((s) => /^>.*Staging/m.test(s));
  term.press(KEYS.escape);
  await term.waitFor((s) => !s.includes('/stag'));
  term.press('!');
  await term.waitForText('Runbooks for Staging (666666666666)');
}

describe('console golden frames', () => {
  it('console-list-120: grouped by OU, with PROD markers, aliases and cached sessions', async (t) => {
    const { term } = await mount(t, { columns: 120, rows: 30 });
    const frame = await term.waitForText('3h05m');
    matchSnapshot('console-list-120.txt', frame);
    assert.match(frame, /PROD Production\s+777777777777 prod/);
  });

  it('console-flat-80: g switches to a flat list sorted by name', async (t) => {
    const { term } = await mount(t, { columns: 80, rows: 24 });
    term.press('g');
    const frame = await term.waitFor((s) => !s.includes('accounts\n') && !s.includes(' 1 account'));
    matchSnapshot('console-flat-80.txt', frame);
  });

  it('console-filter-80: / and a query rank the matches', async (t) => {
    const { term } = await mount(t, { columns: 80, rows: 24 });
    term.press('/');
    await term.waitForText('0 of 10'.replace('0 of', '10 of'));
    term.press('prod');
    const frame = await term.waitForText('/prod');
    matchSnapshot('console-filter-80.txt', frame);
    // The name match ranks first, so Enter would pick it.
    assert.match(frame, />\s+PROD Production/);
  });

  it('console-help-80: ? shows the keys and the eval "$(awsorg console)" recipe', async (t) => {
    const { term } = await mount(t, { columns: 80, rows: 30 });
    term.press('?');
    const frame = await term.waitForText('eval "$(awsorg console)"');
    matchSnapshot('console-help-80.txt', frame);
  });

  it('console-production-confirm-80: Enter on a production account asks first, naming the reason', async (t) => {
    const ops = fakeOperations();
    const { term } = await mount(t, { columns: 80, rows: 20, ops });
    term.press(KEYS.end);
    await term.waitFor((s) => /^>.*Production/m.test(s));
    term.press(KEYS.enter);
    const frame = await term.waitForText('Press y to continue');
    matchSnapshot('console-production-confirm-80.txt', frame);
    assert.match(frame, /Production \(777777777777\) is a production account: OU \/Workloads\/Prod/);
    term.press('n');
    await term.waitForText('Cancelled: nothing was done in Production.');
    assert.deepEqual(ops.opened, [], 'a cancelled confirmation opens no session');
  });

  it('console-narrow-60: columns drop and the banner wraps on a 60-column terminal', async (t) => {
    const { term } = await mount(t, { columns: 60, rows: 20 });
    const frame = term.screen();
    matchSnapshot('console-narrow-60.txt', frame);
    for (const line of frame.split('\n')) assert.ok(line.length <= 60, `line wider than 60 columns: ${line}`);
  });

  it('console-breakglass-iam-user-120: an IAM-user sign-in shows a break-glass banner', async (t) => {
    const { term } = await mount(t, {
      columns: 120,
      rows: 16,
      model: fixtureModel(IAM_USER_BASE, 'arn:aws:iam::111111111111:user/breakglass-admin'),
    });
    const frame = term.screen();
    matchSnapshot('console-breakglass-iam-user-120.txt', frame);
    assert.match(frame, /BREAK-GLASS: IAM user/);
  });

  it('console-no-match-80: a query without matches says what the filter searches', async (t) => {
    const { term } = await mount(t, { columns: 80, rows: 16 });
    term.press('/');
    term.press('zzz');
    const frame = await term.waitForText('No account matches "zzz"');
    matchSnapshot('console-no-match-80.txt', frame);
    term.press(KEYS.enter);
    await term.waitForText('nothing to open a shell in');
  });

  it('console-error-status-80: a failed sign-in shows the error and the next step; the console stays open', async (t) => {
    const failure = new CredentialsError(
      'cannot assume arn:aws:iam::444444444444:role/OrganizationAccountAccessRole in Shared Services: User is not authorized to perform: sts:AssumeRole',
      'Check that the role exists in account 444444444444 and that its trust policy allows arn:aws:iam::111111111111:user/admin; choose another role with --role.',
    );
    const { term, exited } = await mount(t, { columns: 80, rows: 20, ops: fakeOperations({ failSession: failure }) });
    term.press('/');
    term.press('shared');
    await term.waitForText('/shared');
    term.press(KEYS.enter);
    const frame = await term.waitForText('Next step:');
    matchSnapshot('console-error-status-80.txt', frame);
    let done = false;
    void exited.then(() => (done = true));
    term.press('j');
    await term.waitFor((s) => !s.includes('Next step:'));
    assert.equal(done, false, 'the console is still open after the error');
  });

  for (const columns of [80, 120]) {
    it(`console-runbooks-management-${columns}: ! lists the runbooks for the account, marking the one that refuses the management account`, async (t) => {
      const { term } = await mount(t, { columns, rows: 24 });
      term.press('!');
      const frame = await term.waitForText('Runbooks for Management (111111111111)');
      matchSnapshot(`console-runbooks-management-${columns}.txt`, frame);
      assert.match(frame, /^> quarantine-account\s+changes AWS\s+Quarantine a member account/m);
      assert.match(frame, /\(refuses the management account\)/);
      assert.match(frame, /^ {2}review-account-access\s+read-only\s+Review who can sign in/m);
      assert.match(frame, /One other runbook \(break-glass-drill\) does not act on one account/);
      assert.match(frame, /Esc: back to the list/);
    });

    it(`console-runbooks-incident-error-${columns}: an invalid incident id is refused under the field`, async (t) => {
      const { term } = await mount(t, { columns, rows: 24 });
      term.press(KEYS.end);
      await term.waitFor((s) => /^>.*Production/m.test(s));
      term.press('!');
      await term.waitForText('Runbooks for Production (777777777777)');
      term.press(KEYS.enter);
      await term.waitFor((s) => /^ {2}Incident id/m.test(s));
      term.press('INC 7');
      await term.waitFor((s) => /Incident id\s+INC 7/.test(s));
      term.press(KEYS.enter);
      const frame = await term.waitForText('is not an incident id');
      matchSnapshot(`console-runbooks-incident-error-${columns}.txt`, frame);
      assert.match(frame, /Run quarantine-account against Production \(777777777777\)/);
      assert.match(frame, /"INC 7" is not an incident id/);
    });
  }

  it("console-runbooks-ask-param-80: after the incident id, the runbook's other required parameter, checked by its kind", async (t) => {
    const { term, exited } = await mount(t, { columns: 80, rows: 24 });
    await openStagingRunbooks(term);
    const panel = term.screen();
    assert.match(panel, /asks for --role-name/);
    term.press(KEYS.end);
    await term.waitFor((s) => /^> revoke-role-sessions/m.test(s));
    term.press(KEYS.enter);
    await term.waitFor((s) => /^ {2}Incident id/m.test(s));
    term.press('INC-9\r');
    await term.waitForText('the role whose sessions to revoke');
    term.press('Admin role\r');
    const frame = await term.waitForText('is not an IAM role name');
    matchSnapshot('console-runbooks-ask-param-80.txt', frame);
    assert.match(frame, /Incident id\s+INC-9/);
    assert.match(frame, /Enter: start the runbook/);
    term.press(`${KEYS.backspace.repeat(5)}\r`);
    const result = await exited;
    assert.equal(result.kind === 'runbook' && result.params['role-name'], 'Admin');
  });

  it('a valid incident id ends the Ink session with the runbook to run; a paste ending in Enter counts', async (t) => {
    const { term, exited } = await mount(t, { columns: 80, rows: 24 });
    await openStagingRunbooks(term);
    term.press(KEYS.down);
    await term.waitFor((s) => /^> review-account-access/m.test(s));
    term.press(KEYS.enter);
    await term.waitFor((s) => /^ {2}Incident id/m.test(s));
    term.press('INC-2041\r');
    const result = await exited;
    assert.equal(result.kind, 'runbook');
    if (result.kind !== 'runbook') return;
    assert.deepEqual(
      { runbookId: result.runbookId, accountId: result.accountId, incident: result.incident, params: result.params },
      { runbookId: 'review-account-access', accountId: '666666666666', incident: 'INC-2041', params: {} },
    );
    assert.equal(result.snapshot.state.screen.kind, 'list', 'the console comes back to the list');
    assert.equal(result.snapshot.state.incident, 'INC-2041');
    assert.ok(result.snapshot.runbooks, 'the loaded runbooks come back with the console');
  });

  it('console-hostile-names-120: names with escapes and a newline are shown visibly in the list, OU headers and detail line', async (t) => {
    const { term } = await mount(t, { columns: 120, rows: 26, model: hostileModel(), color: true });
    term.press('/');
    term.press('evil');
    await term.waitFor((s) => /^>.*Evil/m.test(s));
    term.press(KEYS.escape);
    const frame = await term.waitFor((s) => !s.includes('/evil') && /^>.*Evil/m.test(s));
    assertWritesSafe(term);
    assert.ok(frame.includes('/Ops\\x1b]52;c;cHduZWQ=\\x07'), frame);
    assert.match(frame, /Evil\\x1b\]0;owned/);
    assert.match(frame, /Forged\\n999/);
    assert.ok(!/^\s*999999999999/m.test(frame), 'no forged row');
    assert.match(
      frame,
      /^Evil\\x1b\]0;owned\\x07\\x1b\[31mred\\x08\\u202egnp\.exe · 121212121212 · production: tag environment=production/m,
      'the detail line',
    );
    for (const line of frame.split('\n')) assert.ok(line.length <= 120, `line wider than 120 columns: ${line}`);
    matchSnapshot('console-hostile-names-120.txt', frame);
  });

  it('hostile names stay visible in the production confirmation, the status line and an AWS error', async (t) => {
    const failure = new CredentialsError(
      `cannot assume a role in ${HOSTILE_ACCOUNT}: AWS said ${OSC52}`,
      `Check the role in ${HOSTILE_OU}.`,
    );
    const { term } = await mount(t, {
      columns: 100,
      rows: 24,
      model: hostileModel(),
      ops: fakeOperations({ failSession: failure }),
    });
    term.press('/');
    term.press('evil');
    await term.waitFor((s) => /^>.*Evil/m.test(s));
    term.press(KEYS.enter);
    const confirm = await term.waitForText('Press y to continue');
    assert.match(
      confirm,
      /Evil\\x1b\]0;owned\\x07\\x1b\[31mred\\x08\\u202egnp\.exe \(121212121212\) is a production account/,
    );
    term.press('y');
    const error = await term.waitForText('Next step:');
    assert.match(error, /AWS said\s+\\x1b\]52;c;cHduZWQ=\\x07/);
    assertWritesSafe(term);
  });

  it('console-url-80: c shows the sign-in URL, cut to the width so it copies whole', async (t) => {
    const ops = fakeOperations({
      url: `https://signin.aws.amazon.com/federation?Action=login&Issuer=awsorg&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=${'A1b2C3'.repeat(30)}`,
    });
    const { term } = await mount(t, { columns: 80, rows: 20, ops });
    term.press(KEYS.down);
    term.press('c');
    const frame = await term.waitForText('AWS console sign-in URL');
    matchSnapshot('console-url-80.txt', frame);
    term.press('o');
    await term.waitForText('Opened the URL with xdg-open.');
    assert.equal(ops.browsed.length, 1);
  });

  it('console-rehearsal-url-80: in a rehearsal c is off, says why, and asks for nothing', async (t) => {
    const ops = fakeOperations();
    let urls = 0;
    ops.signInUrl = async () => {
      urls++;
      return 'https://signin.aws.amazon.com/federation?Action=login';
    };
    const { term } = await mount(t, {
      columns: 80,
      rows: 20,
      ops,
      model: { ...fixtureModel(), rehearsal: 'http://127.0.0.1:4566' },
    });
    const first = term.screen();
    assert.match(first, /REHEARSAL/, 'the header says it is a rehearsal');
    assert.match(first, /c URL \(off in a rehearsal\)/, 'the key hint shows c is unavailable');
    term.press(KEYS.down);
    term.press('c');
    const frame = await term.waitForText('No console sign-in URL in a rehearsal');
    assert.match(frame.replace(/\s+/g, ' '), /signin\.aws\.amazon\.com/, 'it says what c would have reached');
    matchSnapshot('console-rehearsal-url-80.txt', frame);
    assert.deepEqual(ops.opened, [], 'no session was opened for it');
    assert.equal(urls, 0, 'no sign-in URL was asked for');
  });
});

describe('a runbook from the console (runConsole)', () => {
  function start(runbook: RunbookLauncher) {
    const term = new FakeTerminal({ columns: 100, rows: 24 });
    const notes: OutputStream & { text: string } = {
      text: '',
      isTTY: false,
      write(chunk: string) {
        this.text += chunk;
        return true;
      },
    };
    const env = isolatedEnv();
    const paths = xdgPaths(env);
    const deps = createDeps({
      env,
      paths,
      signal: new AbortController().signal,
      stdout: notes,
      stderr: notes,
      stdin: term.input,
      interactive: true,
    });
    const code = runConsole(deps, {
      model: fixtureModel(),
      ops: fakeOperations(),
      runbook,
      terminal: {
        output: term.output as unknown as NodeJS.WriteStream,
        openInput: () => term.input as unknown as NodeJS.ReadStream,
        closeInput: () => undefined,
        alternateScreen: true,
        renderOptions: { debug: true },
      },
    });
    return { term, notes, code, paths };
  }

  async function runbookFor(term: FakeTerminal, filter: string, incident: string) {
    await term.waitForText('awsorg console');
    term.press(`/${filter}`);
    await term.waitFor((s) => s.includes(`/${filter}`));
    term.press(KEYS.escape);
    await term.waitFor((s) => !s.includes(`/${filter}`));
    term.press('!');
    await term.waitForText('Runbooks for');
    term.press(KEYS.enter);
    await term.waitFor((s) => /^ {2}Incident id/m.test(s));
    term.press(incident);
    await term.waitFor((s) => s.includes(`Incident id  ${incident}`));
    term.press(KEYS.enter);
  }

  it('launches the runbook (ID, incident, account) between Ink sessions, then returns with its exit code and transcript', async () => {
    const calls: RunbookLaunch[] = [];
    let transcript = '';
    const { term, notes, code, paths } = start(async (launch) => {
      calls.push(launch);
      transcript = transcriptPath(paths, 'INC-7');
      mkdirSync(dirname(transcript), { recursive: true });
      writeFileSync(transcript, '');
      return 0;
    });
    await runbookFor(term, 'stag', 'INC-7');
    const back = await term.waitForText('ended with exit code 0');
    assert.deepEqual(calls, [
      { runbookId: 'quarantine-account', incident: 'INC-7', params: { account: '666666666666' } },
    ]);
    assert.match(notes.text, /awsorg: runbook quarantine-account for incident INC-7 against Staging \(666666666666\)/);
    assert.match(back.replace(/\n/g, ' '), /Runbook quarantine-account for INC-7 ended with exit code 0; transcript/);
    assert.ok(back.replace(/\n/g, '').includes(transcript), 'the status names the transcript file');
    assert.match(back, /Press r to reload the inventory/);
    assert.match(back, /^>.*Staging/m, 'the console is back on the same account');
    term.press('q');
    assert.equal(await code, 0);
  });

  it("passes the runbook's other parameters", async () => {
    const calls: RunbookLaunch[] = [];
    const { term, code } = start(async (launch) => {
      calls.push(launch);
      return 2;
    });
    await term.waitForText('awsorg console');
    await openStagingRunbooks(term);
    term.press(KEYS.end);
    await term.waitFor((s) => /^> revoke-role-sessions/m.test(s));
    term.press(KEYS.enter);
    await term.waitFor((s) => /^ {2}Incident id/m.test(s));
    term.press('INC-9\r');
    await term.waitForText('the role whose sessions to revoke');
    term.press('Admin\r');
    const back = await term.waitForText('ended with exit code 2');
    assert.deepEqual(calls, [
      {
        runbookId: 'revoke-role-sessions',
        incident: 'INC-9',
        params: { account: '666666666666', 'role-name': 'Admin' },
      },
    ]);
    assert.match(back.replace(/\n/g, ' '), /nothing was recorded/);
    term.press('q');
    assert.equal(await code, 0);
  });

  it('a runbook that fails with an AwsorgError leaves its message and next step in the status line', async () => {
    const { term, code } = start(async () => {
      throw new UsageError('no runbook "quarantine-account"', 'List them with `awsorg runbook list`.');
    });
    await runbookFor(term, 'audit', 'INC-8');
    const back = await term.waitForText('Next step:');
    assert.match(back, /no runbook "quarantine-account"/);
    assert.match(back, /Next step: List them with `awsorg runbook list`\./);
    term.press('q');
    assert.equal(await code, 0);
  });
});
