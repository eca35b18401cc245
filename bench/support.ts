/** Shared by the benchmarks: statistics, and the two things every UI child process does. */
import type { Deps } from '../src/aws/deps.js';
import type { FakeTerminal } from '../src/ui/frames.js';

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export const round1 = (n: number): number => Math.round(n * 10) / 10;

/** The floor every first-frame ratio is measured against: a bare Ink render of one line. Resolves with its first frame time. */
export async function bareInkFirstFrame(term: FakeTerminal, firstFrame: Promise<number>): Promise<number> {
  const [ink, react] = await Promise.all([import('ink'), import('react')]);
  const instance = ink.render(react.createElement(ink.Text, null, 'awsorg'), {
    stdout: term.output as unknown as NodeJS.WriteStream,
    stderr: term.output as unknown as NodeJS.WriteStream,
    stdin: term.input as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const at = await firstFrame;
  instance.unmount();
  await instance.waitUntilExit();
  return at;
}

/** Real Deps whose terminal (keys in, screen on stderr) is the fake one; stdout is discarded. */
export async function terminalDeps(term: FakeTerminal): Promise<Deps> {
  const { createDeps } = await import('../src/aws/deps.js');
  return createDeps({
    env: process.env,
    signal: new AbortController().signal,
    stdin: term.input as unknown as NodeJS.ReadStream,
    stderr: term.output as unknown as NodeJS.WriteStream,
    stdout: { write: () => true, isTTY: false },
    interactive: true,
  });
}
