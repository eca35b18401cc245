/**
 * The console's lifecycle through runConsole, in a fake terminal: quitting, Ctrl-C, exports on
 * stdout (and nothing else there), the production guard on the way, NO_COLOR, resizing, and the
 * refusal without a terminal (through the built CLI).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDeps } from '../../src/aws/deps.js';
import type { ConsoleModel } from '../../src/ui/console/model.js';
import type { ConsoleOperations } from '../../src/ui/console/operations.js';
import { runConsole } from '../../src/ui/console/run.js';
import { FakeTerminal, KEYS } from '../../src/ui/frames.js';
import { isolatedEnv, runCli } from '../helpers/cli.js';
import { captureStream } from '../helpers/streams.js';
import { fakeOperations, fixtureModel } from './console-fixture.js';

function start(
  opts: {
    env?: Record<string, string>;
    columns?: number;
    rows?: number;
    model?: ConsoleModel;
    ops?: ConsoleOperations;
  } = {},
) {
  const term = new FakeTerminal({ columns: opts.columns ?? 100, rows: opts.rows ?? 24 });
  const stdout = captureStream();
  const notes = captureStream();
  const controller = new AbortController();
  const deps = createDeps({
    env: opts.env ?? {},
    signal: controller.signal,
    stdout,
    stderr: notes,
    stdin: term.input,
    interactive: true,
  });
  const code = runConsole(deps, {
    model: opts.model ?? fixtureModel(),
    ops: opts.ops ?? fakeOperations(),
    terminal: {
      output: term.output as unknown as NodeJS.WriteStream,
      openInput: () => term.input as unknown as NodeJS.ReadStream,
      closeInput: () => undefined,
      alternateScreen: true,
      renderOptions: { debug: true },
    },
  });
  return { term, stdout, notes, code, controller };
}

const raw = (term: FakeTerminal) => term.output.writes.map((w) => w.text).join('');

describe('runConsole', () => {
  it('q quits with 0, leaving the alternate screen and printing nothing on stdout', async () => {
    const { term, stdout, code } = start();
    await term.waitForText('awsorg console');
    term.press('q');
    assert.equal(await code, 0);
    assert.equal(stdout.text, '');
    const written = raw(term);
    assert.ok(written.startsWith('\u001B[?1049h'), 'enters the alternate screen first');
    assert.ok(written.endsWith('\u001B[?1049l'), 'and leaves it last');
  });

  it('Ctrl-C quits with 130', async () => {
    const { term, code } = start();
    await term.waitForText('awsorg console');
    term.press(KEYS.ctrlC);
    assert.equal(await code, 130);
  });

  it('SIGTERM (the deps signal) quits with 130', async () => {
    const { term, code, controller } = start();
    await term.waitForText('awsorg console');
    controller.abort();
    assert.equal(await code, 130);
  });

  it('e prints the exports on stdout only, after the screen is restored', async () => {
    const ops = fakeOperations();
    const { term, stdout, notes, code } = start({ ops });
    await term.waitForText('awsorg console');
    term.press('/stag');
    await term.waitFor((s) => /^>.*Staging/m.test(s));
    term.press(KEYS.escape);
    await term.waitFor((s) => !s.includes('/stag'));
    term.press('e');
    assert.equal(await code, 0);
    assert.deepEqual(ops.opened, ['666666666666']);
    assert.match(stdout.text, /^export AWSORG_ACCOUNT=666666666666;$/m);
    assert.match(stdout.text, /^export AWS_SESSION_TOKEN=token-example;$/m);
    assert.match(stdout.text, /^unset AWS_PROFILE;$/m);
    assert.doesNotMatch(stdout.text, /\u001B/, 'no escape codes reach stdout');
    assert.match(notes.text, /printed credentials for Staging \(666666666666\)/);
  });

  it('e on a production account asks first; y continues', async () => {
    const ops = fakeOperations();
    const { term, stdout, code } = start({ ops });
    await term.waitForText('awsorg console');
    term.press('/prod');
    await term.waitFor((s) => /^>.*Production/m.test(s));
    term.press(KEYS.enter);
    await term.waitForText('You asked to open a shell');
    term.press(KEYS.escape);
    await term.waitForText('Cancelled: nothing was done in Production.');
    term.press('e');
    await term.waitForText('You asked to print its credentials');
    term.press('y');
    assert.equal(await code, 0);
    assert.deepEqual(ops.opened, ['777777777777']);
    assert.match(stdout.text, /AWSORG_ACCOUNT=777777777777/);
  });

  it('honours NO_COLOR: no colour codes, while PROD and the cursor stay readable', async () => {
    const colourCode = /\u001B\[(?:[0-9;]*;)?(?:3[0-79]|4[0-79]|9[0-7]|10[0-7]|38;|48;)[0-9;]*m/;
    const plain = start({ env: { NO_COLOR: '1' } });
    const plainScreen = await plain.term.waitForText('awsorg console');
    plain.term.press('q');
    await plain.code;
    assert.doesNotMatch(raw(plain.term), colourCode);
    assert.match(plainScreen, /PROD Production/);
    assert.match(plainScreen, /^> /m);

    const coloured = start();
    await coloured.term.waitForText('awsorg console');
    coloured.term.press('q');
    await coloured.code;
    assert.match(raw(coloured.term), colourCode, 'colour is on without NO_COLOR');
  });

  it('follows a resize to 60 columns and back', async () => {
    const { term, code } = start({ columns: 120, rows: 20 });
    await term.waitFor((s) => s.includes('STATUS'));
    term.output.resize(60, 20);
    const narrow = await term.waitFor((s) => !s.includes('STATUS'));
    for (const line of narrow.split('\n')) assert.ok(line.length <= 60, `wider than 60 columns after resize: ${line}`);
    term.output.resize(120, 20);
    await term.waitFor((s) => s.includes('STATUS'));
    term.press('q');
    assert.equal(await code, 0);
  });

  it('r reloads the inventory and keeps the selected account', async () => {
    const reloaded = fixtureModel();
    const ops = fakeOperations({ reloaded });
    const { term, code } = start({ ops });
    await term.waitForText('awsorg console');
    term.press('/audit');
    await term.waitFor((s) => /^>.*Audit/m.test(s));
    term.press(KEYS.escape);
    await term.waitFor((s) => !s.includes('/audit'));
    term.press('r');
    const screen = await term.waitForText('Reloaded: 10 accounts.');
    assert.match(screen, /^>.*Audit/m);
    term.press('q');
    assert.equal(await code, 0);
  });
});

describe('awsorg console without a terminal', () => {
  it('refuses with exit 2 and names the commands that replace it', async () => {
    const result = await runCli(['console'], { env: isolatedEnv() });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /needs a terminal/);
    assert.match(result.stderr, /`awsorg accounts`/);
    assert.match(result.stderr, /`awsorg assume TARGET`/);
    assert.equal(result.stdout, '');
  });
});
