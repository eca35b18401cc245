/**
 * Runs the built CLI (dist/bin/awsorg.cjs) as a child process, the way a user or CI would.
 * Each call gets isolated HOME and XDG directories unless the caller passes its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tfMirrorEnv } from './tf-mirror.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/helpers -> dist/bin/awsorg.cjs (the bundled bin users run) */
export const CLI = resolve(here, '..', '..', 'bin', 'awsorg.cjs');
export const REPO_ROOT = resolve(here, '..', '..', '..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'awsorg-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An environment with no real AWS configuration and private HOME/XDG directories. */
export function isolatedEnv(extra: Record<string, string> = {}): Record<string, string> {
  const home = tempDir('awsorg-home-');
  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    NO_COLOR: '1',
    // Presets hand the organization to Terraform, so a bootstrap in a test may run real terraform.
    ...tfMirrorEnv(),
  };
  return { ...base, ...extra };
}

export function spawnCli(args: string[], opts: { env: Record<string, string>; cwd?: string }): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    env: opts.env,
    cwd: opts.cwd ?? process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function runCli(
  args: string[],
  opts: { env: Record<string, string>; cwd?: string; timeoutMs?: number },
): Promise<CliResult> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stderr += String(d)));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearTimeout(timer);
  return { code, signal, stdout, stderr };
}
