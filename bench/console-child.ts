/**
 * One measured process for bench/console.bench.ts. Both modes render into the same fake
 * 120x40 TTY (src/ui/frames.ts) with the same Ink options and print one JSON line:
 *
 *   node dist/bench/console-child.js bare
 *     a bare Ink render of one line of text (the floor);
 *   node dist/bench/console-child.js console [KEYS]
 *     `awsorg console` through its command module and real Deps, reading the inventory cache
 *     and settings under the XDG directories in the environment; then, when KEYS is given,
 *     `/` and each character of KEYS (`<` is Backspace), one at a time, paced like a fast
 *     typist, timing each keystroke to the next frame write; then `q`.
 *
 * `firstFrameMs` is performance.now() at the first write with visible text: milliseconds since
 * the process started. `maxRssMiB` is the process's peak resident memory.
 */
import { bareInkFirstFrame, terminalDeps } from './support.js';
import { performance } from 'node:perf_hooks';
import { stripVTControlCharacters } from 'node:util';
import { FakeTerminal, KEYS } from '../src/ui/frames.js';

const COLUMNS = 120;
const ROWS = 40;
/** Keystrokes come no faster than this (about 150 words a minute). */
const TYPING_INTERVAL_MS = 60;

const [mode = 'bare', typed = ''] = process.argv.slice(2);
const term = new FakeTerminal({ columns: COLUMNS, rows: ROWS });
const visible = (text: string) => stripVTControlCharacters(text).trim().length > 0;

const firstFrame = new Promise<number>((resolve) => {
  const stop = term.output.watch((write) => {
    if (!visible(write.text)) return;
    stop();
    resolve(write.at);
  });
});

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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bare(): Promise<void> {
  report({ firstFrameMs: await bareInkFirstFrame(term, firstFrame) });
}

async function consoleRun(): Promise<void> {
  const [deps, command] = await Promise.all([terminalDeps(term), import('../src/commands/console.js')]);
  const exitCode = command.run({}, deps);
  const at = await firstFrame;
  const keystrokes: number[] = [];
  if (typed) {
    await sleep(TYPING_INTERVAL_MS);
    term.press('/');
    await nextFrame();
    for (const ch of typed) {
      await sleep(TYPING_INTERVAL_MS);
      const frame = nextFrame();
      const pressed = performance.now();
      term.press(ch === '<' ? KEYS.backspace : ch);
      keystrokes.push((await frame) - pressed);
    }
    await sleep(TYPING_INTERVAL_MS);
    term.press(KEYS.escape);
    await nextFrame();
  }
  await sleep(TYPING_INTERVAL_MS);
  term.press('q');
  const code = await exitCode;
  report({ firstFrameMs: at, keystrokes, exitCode: code });
}

function report(result: Record<string, unknown>): void {
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ mode, ...result, maxRssMiB }) + '\n');
}

await (mode === 'console' ? consoleRun() : bare());
