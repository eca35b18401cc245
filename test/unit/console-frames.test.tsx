/**
 * Golden frames of the console (snapshots/console-*.txt), rendered by the real ConsoleApp in a
 * fake terminal of fixed size, driven by keys. UPDATE_SNAPSHOTS=1 rewrites the files; review
 * every change to them like code.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { CredentialsError } from '../../src/core/errors.js';
import { defineConsoleApp, type ConsoleExit } from '../../src/ui/console/app.js';
import type { ConsoleModel } from '../../src/ui/console/model.js';
import type { ConsoleOperations } from '../../src/ui/console/operations.js';
import { initialState } from '../../src/ui/console/state.js';
import { FakeTerminal, KEYS } from '../../src/ui/frames.js';
import { matchSnapshot } from '../helpers/snapshots.js';
import { fakeOperations, FIXED_NOW, fixtureModel, IAM_USER_BASE } from './console-fixture.js';

const EXPIRIES = { '666666666666': FIXED_NOW + 42 * 60_000, '777777777777': FIXED_NOW + (3 * 60 + 5) * 60_000 };

interface Mounted {
  term: FakeTerminal;
  exited: Promise<ConsoleExit>;
  unmount(): void;
}

async function mount(t: TestContext, opts: { columns: number; rows: number; model?: ConsoleModel; ops?: ConsoleOperations; color?: boolean }): Promise<Mounted> {
  const ink = await import('ink');
  const ConsoleApp = defineConsoleApp(ink);
  const term = new FakeTerminal({ columns: opts.columns, rows: opts.rows });
  const instance = ink.render(
    <ConsoleApp initial={{ model: opts.model ?? fixtureModel(), state: initialState() }} ops={opts.ops ?? fakeOperations({ expiries: EXPIRIES })} color={opts.color ?? false} screen={term.output} />,
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
    const { term } = await mount(t, { columns: 120, rows: 16, model: fixtureModel(IAM_USER_BASE, 'arn:aws:iam::111111111111:user/breakglass-admin') });
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

  it('console-url-80: c shows the sign-in URL, cut to the width so it copies whole', async (t) => {
    const ops = fakeOperations({ url: `https://signin.aws.amazon.com/federation?Action=login&Issuer=awsorg&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&SigninToken=${'A1b2C3'.repeat(30)}` });
    const { term } = await mount(t, { columns: 80, rows: 20, ops });
    term.press(KEYS.down);
    term.press('c');
    const frame = await term.waitForText('AWS console sign-in URL');
    matchSnapshot('console-url-80.txt', frame);
    term.press('o');
    await term.waitForText('Opened the URL with xdg-open.');
    assert.equal(ops.browsed.length, 1);
  });
});
