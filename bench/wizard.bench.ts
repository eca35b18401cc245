/**
 * The performance targets for the `awsorg bootstrap` wizard, measured in one run (an isolated
 * home with dummy AWS keys and AWS_ENDPOINT_URL on a closed local port: no network):
 *
 * (a) first frame: time from process start to the wizard's first frame, over a bare Ink render
 *     of one line, both rendered into the same fake 120x40 TTY (bench/wizard-child.ts); median
 *     of the rounds, target ratio <= 1.3;
 * (b) keystroke to the next frame on the blueprint editor with 50 accounts (moving over the
 *     account rows, renaming accounts: typing, Backspace, Enter): median and p95 over every
 *     keystroke of every round, target <= 50 ms each.
 *
 * Usage: node dist/bench/wizard.bench.js [--rounds N]   (default 7; at least 5)
 * Prints one line per result and, last, the results as JSON; exits 1 when a target fails.
 */
import { median, percentile, round1 } from './support.js';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isolatedEnv } from '../test/helpers/cli.js';

import type { BenchResult } from './operator.bench.js';

const EDITOR_ACCOUNTS = 50;
const FIRST_FRAME_RATIO_TARGET = 1.3;
const KEYSTROKE_TARGET_MS = 50;

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'wizard-child.js');

type Mode = 'bare' | 'wizard' | 'editor';

interface ChildReport {
  mode: Mode;
  firstFrameMs: number;
  keystrokes?: number[];
  unchanged?: number[];
  renamed?: string[];
  screen?: string;
  exitCode?: number;
  exitMs?: number;
  processExitMs?: number;
  welcome?: string;
  maxRssMiB: number;
}

/**
 * An isolated home (private XDG and AWS config paths), rendered in colour like a real terminal.
 * `wizard` gets dummy keys and an endpoint nothing listens on: detection, which runs after the
 * first frame, fails fast without leaving the machine. `editor` gets no keys, so detection finds
 * nothing to ask and never redraws while keys are timed (as on a real editor screen, reached
 * long after detection).
 */
function prepareHome(): { wizard: Record<string, string>; editor: Record<string, string>; dir: string } {
  const { NO_COLOR: _colour, ...isolated } = isolatedEnv({
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TERM: 'xterm-256color',
  });
  const wizard = {
    ...isolated,
    AWS_ACCESS_KEY_ID: 'AKIAWIZARDBENCH00001',
    AWS_SECRET_ACCESS_KEY: 'bench/secret',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  };
  return { wizard, editor: isolated, dir: isolated.HOME! };
}

function runChild(mode: Mode, env: Record<string, string>): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    // Ink renders nothing until exit when it believes it runs in CI (CI or CONTINUOUS_INTEGRATION
    // set); the environments above have neither.
    const child = spawn(process.execPath, [CHILD, mode], { env, cwd: env.HOME, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        return reject(new Error(`wizard-child ${mode} exited ${code}:\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

/** A child that ran but did not do what it was meant to is a failed bench, not a number. */
function check(report: ChildReport): ChildReport {
  if (report.mode === 'wizard') {
    if (report.exitCode !== 0) throw new Error(`the wizard exited ${report.exitCode} after q`);
    if (report.welcome !== 'shown')
      throw new Error(`the wizard's first frame is not the welcome screen:\n${report.welcome}`);
  }
  if (report.mode === 'editor' && report.renamed?.length !== 2) {
    throw new Error(
      `the editor did not show both renamed accounts after the keystrokes (found ${JSON.stringify(report.renamed)}); its screen:\n${report.screen}`,
    );
  }
  return report;
}

export async function benchWizard(opts: { rounds?: number } = {}): Promise<BenchResult[]> {
  const rounds = Math.max(5, opts.rounds ?? 7);
  const home = prepareHome();
  const envFor = (mode: Mode) => (mode === 'editor' ? home.editor : home.wizard);
  try {
    // One untimed run of each first, so nothing is measured with a cold disk cache.
    for (const mode of ['bare', 'wizard', 'editor'] as const) check(await runChild(mode, envFor(mode)));
    const bare: number[] = [];
    const wizardFirst: number[] = [];
    const keystrokes: number[] = [];
    let unchanged = 0;
    const exitMs: number[] = [];
    const processExitMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      // Alternate which side goes first, so drift on a shared machine hits both alike.
      const order: Mode[] = i % 2 === 0 ? ['bare', 'wizard', 'editor'] : ['editor', 'wizard', 'bare'];
      for (const mode of order) {
        const report = check(await runChild(mode, envFor(mode)));
        if (mode === 'bare') bare.push(report.firstFrameMs);
        else if (mode === 'wizard') {
          wizardFirst.push(report.firstFrameMs);
          exitMs.push(report.exitMs ?? 0);
          processExitMs.push(report.processExitMs ?? 0);
        } else {
          keystrokes.push(...(report.keystrokes ?? []));
          unchanged += report.unchanged?.length ?? 0;
        }
      }
    }
    const ratio = median(wizardFirst) / median(bare);
    const keyMedian = median(keystrokes);
    const keyP95 = percentile(keystrokes, 95);
    const keyMax = Math.max(...keystrokes);
    return [
      {
        name: `wizard first frame / bare Ink first frame (${round1(median(wizardFirst))} ms vs ${round1(median(bare))} ms, median of ${rounds})`,
        value: Math.round(ratio * 100) / 100,
        unit: 'x',
        target: `<= ${FIRST_FRAME_RATIO_TARGET}`,
        pass: ratio <= FIRST_FRAME_RATIO_TARGET,
      },
      {
        name: `blueprint editor keystroke to frame, median (${EDITOR_ACCOUNTS} accounts, ${keystrokes.length} keystrokes)`,
        value: round1(keyMedian),
        unit: 'ms',
        target: `<= ${KEYSTROKE_TARGET_MS}`,
        pass: keyMedian <= KEYSTROKE_TARGET_MS,
      },
      {
        name: `blueprint editor keystroke to frame, p95 (${EDITOR_ACCOUNTS} accounts, ${keystrokes.length} keystrokes; max ${round1(keyMax)} ms${unchanged ? `; ${unchanged} frames identical to the one before` : ''})`,
        value: round1(keyP95),
        unit: 'ms',
        target: `<= ${KEYSTROKE_TARGET_MS}`,
        pass: keyP95 <= KEYSTROKE_TARGET_MS,
      },
      {
        name: 'wizard: q on the welcome screen to the exit code, median',
        value: round1(median(exitMs)),
        unit: 'ms',
        target: '-',
        pass: true,
      },
      {
        name: 'wizard: q on the welcome screen to the end of the process, median (detection against a closed port still pending)',
        value: round1(median(processExitMs)),
        unit: 'ms',
        target: '-',
        pass: true,
      },
    ];
  } finally {
    rmSync(home.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
  const results = await benchWizard({ rounds: Number(values.rounds) });
  for (const r of results)
    console.log(
      `${r.target === '-' ? 'INFO' : r.pass ? 'PASS' : 'FAIL'}  ${r.name}: ${r.value} ${r.unit}${r.target === '-' ? '' : ` (target ${r.target})`}`,
    );
  console.log(JSON.stringify(results));
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}
