/**
 * The performance targets for `awsorg console`, measured in one run against 5,000 cached
 * accounts (a synthetic inventory cache and settings in a temporary XDG directory; no network):
 *
 * (a) first frame: time from process start to the first frame, the console over a bare Ink
 *     render of one line, both rendered into the same fake 120x40 TTY (bench/console-child.ts);
 *     median of the rounds, target ratio <= 1.5;
 * (b) filter keystroke to the new frame: median and p95 over every keystroke of every round,
 *     target <= 50 ms each;
 * (c) peak memory (max RSS) of the console process, target <= 200 MiB.
 *
 * Usage: node dist/bench/console.bench.js [--rounds N]   (default 7; at least 5)
 * Prints one line per result and, last, the results as JSON; exits 1 when a target fails.
 */
import { median, percentile, round1 } from './support.js';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { settingsFile } from '../src/core/settings.js';
import { isolatedEnv } from '../test/helpers/cli.js';
import { xdgPaths } from '../src/core/xdg.js';
import { writeInventory } from '../src/inventory/cache.js';
import { syntheticInventory } from '../test/unit/console-fixture.js';

import type { BenchResult } from './operator.bench.js';

const ACCOUNTS = 5000;
const FIRST_FRAME_RATIO_TARGET = 1.5;
const KEYSTROKE_TARGET_MS = 50;
const RSS_TARGET_MIB = 200;
const ACCESS_KEY = 'AKIACONSOLEBENCH0001';
/** 16 characters typed, 8 deleted, 7 typed: 31 filter keystrokes a round, narrowing and widening. */
const TYPED = 'payments-prod-00<<<<<<<<staging';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'console-child.js');

interface ChildReport {
  mode: string;
  firstFrameMs: number;
  keystrokes?: number[];
  exitCode?: number;
  maxRssMiB: number;
}

/** A home with the inventory cache and settings the console reads, as `awsorg accounts` would leave them. */
function prepareHome(): { env: Record<string, string>; dir: string } {
  // An isolated home (private XDG and AWS config paths), rendered in colour like a real terminal.
  const { NO_COLOR: _colour, ...isolated } = isolatedEnv({
    AWS_ACCESS_KEY_ID: ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: 'bench/secret',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TERM: 'xterm-256color',
  });
  const env: Record<string, string> = isolated;
  const dir = env.HOME!;
  const paths = xdgPaths(env);
  const inventory = syntheticInventory(ACCOUNTS, `env:${ACCESS_KEY}`, new Date().toISOString());
  writeInventory(paths, inventory);
  const aliases: Record<string, string> = {};
  inventory.accounts.slice(0, 200).forEach((a, i) => {
    aliases[`acct${i}`] = a.id;
  });
  mkdirSync(paths.config, { recursive: true });
  writeFileSync(settingsFile(paths), JSON.stringify({ aliases }));
  return { env, dir };
}

function runChild(args: string[], env: Record<string, string>): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    // Ink renders nothing until exit when it believes it runs in CI (CI or CONTINUOUS_INTEGRATION
    // set); the environment above has neither.
    const child = spawn(process.execPath, [CHILD, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{'))
        return reject(new Error(`console-child ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

export async function benchConsole(opts: { rounds?: number } = {}): Promise<BenchResult[]> {
  const rounds = Math.max(5, opts.rounds ?? 7);
  const home = prepareHome();
  try {
    // One untimed pair first, so neither side is measured with a cold disk cache.
    await runChild(['bare'], home.env);
    await runChild(['console'], home.env);
    const bare: number[] = [];
    const consoleFirst: number[] = [];
    const keystrokes: number[] = [];
    let peakRss = 0;
    for (let i = 0; i < rounds; i++) {
      // Alternate which side goes first, so drift on a shared machine hits both alike.
      const pair = i % 2 === 0 ? (['bare', 'console'] as const) : (['console', 'bare'] as const);
      for (const mode of pair) {
        const report = await runChild(mode === 'console' ? ['console', TYPED] : ['bare'], home.env);
        if (mode === 'bare') bare.push(report.firstFrameMs);
        else {
          if (report.exitCode !== 0) throw new Error(`the console exited ${report.exitCode} after q`);
          consoleFirst.push(report.firstFrameMs);
          keystrokes.push(...(report.keystrokes ?? []));
          peakRss = Math.max(peakRss, report.maxRssMiB);
        }
      }
    }
    const ratio = median(consoleFirst) / median(bare);
    const keyMedian = median(keystrokes);
    const keyP95 = percentile(keystrokes, 95);
    return [
      {
        name: `console first frame / bare Ink first frame (${ACCOUNTS} accounts; ${round1(median(consoleFirst))} ms vs ${round1(median(bare))} ms, median of ${rounds})`,
        value: Math.round(ratio * 100) / 100,
        unit: 'x',
        target: `<= ${FIRST_FRAME_RATIO_TARGET}`,
        pass: ratio <= FIRST_FRAME_RATIO_TARGET,
      },
      {
        name: `filter keystroke to frame, median (${keystrokes.length} keystrokes)`,
        value: round1(keyMedian),
        unit: 'ms',
        target: `<= ${KEYSTROKE_TARGET_MS}`,
        pass: keyMedian <= KEYSTROKE_TARGET_MS,
      },
      {
        name: `filter keystroke to frame, p95 (${keystrokes.length} keystrokes)`,
        value: round1(keyP95),
        unit: 'ms',
        target: `<= ${KEYSTROKE_TARGET_MS}`,
        pass: keyP95 <= KEYSTROKE_TARGET_MS,
      },
      {
        name: `console peak memory (max RSS, ${ACCOUNTS} accounts)`,
        value: round1(peakRss),
        unit: 'MiB',
        target: `<= ${RSS_TARGET_MIB}`,
        pass: peakRss <= RSS_TARGET_MIB,
      },
    ];
  } finally {
    rmSync(home.dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
  const results = await benchConsole({ rounds: Number(values.rounds) });
  for (const r of results)
    console.log(`${r.pass ? 'PASS' : 'FAIL'}  ${r.name}: ${r.value} ${r.unit} (target ${r.target})`);
  console.log(JSON.stringify(results));
  process.exitCode = results.every((r) => r.pass) ? 0 : 1;
}
