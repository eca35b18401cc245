/**
 * One measured process for bench/wizard.bench.ts. Every mode renders into the same fake 120x40
 * TTY (src/ui/frames.ts) and prints one JSON line:
 *
 *   node dist/bench/wizard-child.js bare
 *     a bare Ink render of one line of text (the floor), exactly as bench/console-child.ts;
 *   node dist/bench/wizard-child.js wizard
 *     `awsorg bootstrap` on a terminal: the command module's run(parse([]), deps) with real
 *     Deps whose stdin and stderr are the fake terminal, so the wizard draws through
 *     systemTerminal(deps) (no file descriptor: the stream itself, alternate screen, no debug);
 *     then `q` on the welcome screen: the exit code, the time to it, and the time until the
 *     process ends by itself (as the bin's does: it sets process.exitCode and returns);
 *   node dist/bench/wizard-child.js editor
 *     the wizard app alone (debug: true) opened on the blueprint editor over the standard preset
 *     grown to 50 accounts; EDITOR_KEYS one at a time, paced like a fast typist, each timed to
 *     the next frame write.
 *
 * `firstFrameMs` is performance.now() at the first write with visible text: milliseconds since
 * the process started. `maxRssMiB` is the process's peak resident memory.
 */
import { bareInkFirstFrame, terminalDeps } from './support.js';
import { performance } from 'node:perf_hooks';
import { stripVTControlCharacters } from 'node:util';
import type { Blueprint } from '../src/core/blueprint.js';
import { FakeTerminal, KEYS } from '../src/ui/frames.js';

const COLUMNS = 120;
const ROWS = 40;
/** Keystrokes come no faster than this (about 150 words a minute). */
const TYPING_INTERVAL_MS = 60;
/** The editor is driven only once the screen has been still this long (detection settled). */
const QUIET_MS = 300;
export const EDITOR_ACCOUNTS = 50;

const key = (k: string, times = 1) => Array.from({ length: times }, () => k);
const chars = (s: string) => [...s];
/**
 * 59 keystrokes on the form (rows: preset, load, region, base email, OUs, 4 OUs, Accounts, then
 * the 50 accounts): down into the accounts and past the first screenful, back up, rename
 * account 16 (type, erase, type, commit), down, rename account 19 (type, erase, commit).
 */
const EDITOR_KEYS: string[] = [
  ...key('j', 30),
  ...key('k', 4),
  KEYS.enter,
  ...chars('-renamed'),
  ...key(KEYS.backspace, 3),
  ...chars('xyz'),
  KEYS.enter,
  ...key('j', 3),
  KEYS.enter,
  ...chars('-bc'),
  KEYS.backspace,
  KEYS.enter,
];

const [mode = 'bare'] = process.argv.slice(2);
const term = new FakeTerminal({ columns: COLUMNS, rows: ROWS });
const visible = (text: string) => stripVTControlCharacters(text).trim().length > 0;

/** The time of the next write with visible text. */
function nextFrame(): Promise<number> {
  return new Promise((resolve) => {
    const stop = term.output.watch((write) => {
      if (!visible(write.text)) return;
      stop();
      resolve(write.at);
    });
  });
}

const firstFrame = nextFrame();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves once nothing has been written for `ms`. */
function quiet(ms: number): Promise<void> {
  return new Promise((resolve) => {
    let timer = setTimeout(done, ms);
    const stop = term.output.watch(() => {
      clearTimeout(timer);
      timer = setTimeout(done, ms);
    });
    function done() {
      stop();
      resolve();
    }
  });
}

async function bare(): Promise<void> {
  report({ firstFrameMs: await bareInkFirstFrame(term, firstFrame) });
}

async function wizard(): Promise<void> {
  const [deps, command] = await Promise.all([terminalDeps(term), import('../src/commands/bootstrap.js')]);
  const exitCode = command.run(command.parse([]), deps);
  const at = await firstFrame;
  const firstScreen = term.screen();
  await sleep(TYPING_INTERVAL_MS);
  const pressed = performance.now();
  term.press('q');
  const code = await exitCode;
  const exitMs = performance.now() - pressed;
  const welcome = /welcome/i.test(firstScreen) ? 'shown' : firstScreen.slice(0, 400);
  // Like bin/awsorg, nothing forces the exit: the process ends when nothing is pending any more.
  process.once('exit', () =>
    report({ firstFrameMs: at, exitCode: code, exitMs, processExitMs: performance.now() - pressed, welcome }),
  );
}

/** The standard preset with accounts added round the OUs up to `count` accounts. */
async function blueprintWith(count: number): Promise<Blueprint> {
  const { preset } = await import('../src/core/presets.js');
  const bp = preset('standard');
  const ous = bp.organizationalUnits;
  for (let i = bp.accounts.length; i < count; i++) {
    const name = `workload-${String(i).padStart(2, '0')}`;
    bp.accounts.push({ name, email: `aws+${name}@example.com`, ou: ous[i % ous.length]! });
  }
  return bp;
}

async function editor(): Promise<void> {
  const [ink, react, { createDeps }, { WizardOperations }, { defineWizardApp }, { initialWizard }, { initialEditor }] =
    await Promise.all([
      import('ink'),
      import('react'),
      import('../src/aws/deps.js'),
      import('../src/ui/wizard/operations.js'),
      import('../src/ui/wizard/app.js'),
      import('../src/ui/wizard/state.js'),
      import('../src/ui/wizard/editor.js'),
    ]);
  const stdout = { write: () => true, isTTY: false };
  const deps = createDeps({
    env: process.env,
    signal: new AbortController().signal,
    stdin: term.input as unknown as NodeJS.ReadStream,
    stderr: term.output as unknown as NodeJS.WriteStream,
    stdout,
    interactive: true,
  });
  const ops = new WizardOperations(deps);
  const blueprint = await blueprintWith(EDITOR_ACCOUNTS);
  const initial = {
    ...initialWizard({ signin: ops.signInChoices() }),
    screen: 'blueprint' as const,
    editor: initialEditor({ blueprint, source: 'bench', savePath: 'awsorg.yaml', placeholders: 'allow' }),
  };
  const WizardApp = defineWizardApp(ink);
  const instance = ink.render(
    react.createElement(WizardApp, {
      initial,
      ops,
      color: !process.env.NO_COLOR,
      screen: term.output as unknown as NodeJS.WriteStream,
    }),
    {
      stdout: term.output as unknown as NodeJS.WriteStream,
      stderr: term.output as unknown as NodeJS.WriteStream,
      stdin: term.input as unknown as NodeJS.ReadStream,
      exitOnCtrlC: false,
      patchConsole: false,
      debug: true,
    },
  );
  const at = await firstFrame;
  // Detection runs once after the first frame; keystrokes are timed only once it has redrawn.
  await quiet(QUIET_MS);
  const keystrokes: number[] = [];
  const unchanged: number[] = [];
  for (const [i, k] of EDITOR_KEYS.entries()) {
    await sleep(TYPING_INTERVAL_MS);
    const before = term.output.writes.at(-1)?.text;
    const frame = nextFrame();
    const pressed = performance.now();
    term.press(k);
    keystrokes.push((await frame) - pressed);
    if (term.output.writes.at(-1)?.text === before) unchanged.push(i);
  }
  const screen = term.screen();
  const renamed = ['workload-16-renaxyz', 'workload-19-b'].filter((n) => screen.includes(n));
  instance.unmount();
  await instance.waitUntilExit();
  ops.destroy();
  report({ firstFrameMs: at, keystrokes, unchanged, renamed, screen: renamed.length === 2 ? undefined : screen });
}

function report(result: Record<string, unknown>): void {
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ mode, ...result, maxRssMiB }) + '\n');
}

await (mode === 'wizard' ? wizard() : mode === 'editor' ? editor() : bare());
