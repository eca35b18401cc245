/**
 * `assume --export` text really sourced in bash, zsh (also with RC_QUOTES), dash and fish, for
 * a corpus of hostile account names: no code runs (no PWNED file appears) and the exported
 * AWSORG_ACCOUNT_NAME is the name, byte for byte, as a child process sees it (`env -0`).
 * PowerShell is not installed here; its quoting is covered in test/unit/export-quoting.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatExports, type ExportFormat } from '../../src/assume/environment.js';
import { HOSTILE_NAMES, requireShell, sessionNamed, skipWithout } from '../helpers/shells.js';

/** The value of `name` in `env -0` output, as bytes; undefined when the variable is not exported. */
function exported(envZero: Buffer, name: string): Buffer | undefined {
  const prefix = Buffer.from(`${name}=`);
  let start = 0;
  while (start < envZero.length) {
    let end = envZero.indexOf(0, start);
    if (end < 0) end = envZero.length;
    const entry = envZero.subarray(start, end);
    if (entry.subarray(0, prefix.length).equals(prefix)) return Buffer.from(entry.subarray(prefix.length));
    start = end + 1;
  }
  return undefined;
}

interface ShellCase {
  label: string;
  shell: string;
  format: ExportFormat;
  /** argv that sources the file given as the last argument, then runs `env -0`. */
  argv: (file: string) => string[];
}

const CASES: ShellCase[] = [
  {
    label: 'bash',
    shell: 'bash',
    format: 'env',
    argv: (f) => ['bash', '--norc', '--noprofile', '-c', '. "$1"; env -0', 'bash', f],
  },
  { label: 'zsh', shell: 'zsh', format: 'env', argv: (f) => ['zsh', '-f', '-c', '. "$1"; env -0', 'zsh', f] },
  {
    label: 'zsh with RC_QUOTES',
    shell: 'zsh',
    format: 'env',
    argv: (f) => ['zsh', '-f', '-c', 'setopt RC_QUOTES; . "$1"; env -0', 'zsh', f],
  },
  { label: 'dash', shell: 'dash', format: 'env', argv: (f) => ['dash', '-c', '. "$1"; env -0', 'dash', f] },
  {
    label: 'fish',
    shell: 'fish',
    format: 'fish',
    argv: (f) => ['fish', '--no-config', '-c', 'source $argv[1]; env -0', f],
  },
];

describe('export text sourced in real shells', () => {
  for (const c of CASES) {
    it(`${c.label}: every hostile name round-trips exactly and runs nothing`, { skip: skipWithout(c.shell) }, () => {
      requireShell(c.shell);
      const failures: string[] = [];
      for (const name of HOSTILE_NAMES) {
        const dir = mkdtempSync(join(tmpdir(), 'awsorg-export-'));
        const file = join(dir, 'exports');
        writeFileSync(file, formatExports(sessionNamed(name), c.format));
        const [program, ...args] = c.argv(file);
        const r = spawnSync(program!, args, {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8' },
          timeout: 20_000,
        });
        const value = exported(r.stdout, 'AWSORG_ACCOUNT_NAME');
        if (existsSync(join(dir, 'PWNED'))) failures.push(`${JSON.stringify(name)}: ran code (PWNED was created)`);
        if (!value?.equals(Buffer.from(name, 'utf8'))) {
          failures.push(
            `${JSON.stringify(name)}: AWSORG_ACCOUNT_NAME is ${value ? JSON.stringify(value.toString('utf8')) : 'unset'} (exit ${r.status}; ${r.stderr.toString().trim().split('\n')[0]})`,
          );
        }
        if (exported(r.stdout, 'AWS_SECRET_ACCESS_KEY')?.toString() !== 'secret/with+chars')
          failures.push(`${JSON.stringify(name)}: the other variables were not all set`);
      }
      assert.deepEqual(failures, [], `${c.label}:\n${failures.join('\n')}`);
    });
  }
});
