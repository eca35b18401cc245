/**
 * The shells awsorg writes text for (exports, completion scripts), and a hostile corpus of
 * account names to feed them. Outside CI a missing shell skips its tests; in CI (CI=true) it
 * fails them, because .ci/run installs every shell and a quiet skip would hide a gap.
 */
import { spawnSync } from 'node:child_process';
import type { RoleSession } from '../../src/assume/types.js';

export const SHELLS_UNDER_TEST = ['bash', 'zsh', 'dash', 'fish'] as const;

export function shellInstalled(shell: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', shell], { stdio: 'ignore' }).status === 0;
}

/** CI=true (or any value but false/0), as CI services and .ci/run set it. */
export function inCi(): boolean {
  const ci = process.env.CI;
  return Boolean(ci) && ci !== 'false' && ci !== '0';
}

/**
 * For node:test's `skip` option: a reason to skip when `shell` is missing on a developer's
 * machine; false (run, and fail at `requireShell`) in CI or when it is installed.
 */
export function skipWithout(shell: string): string | false {
  if (shellInstalled(shell) || inCi()) return false;
  return `${shell} is not installed on this machine (CI installs it and runs this test)`;
}

/** Fails the test, naming the fix, when `shell` is missing (reached only in CI; see skipWithout). */
export function requireShell(shell: string): void {
  if (!shellInstalled(shell))
    throw new Error(
      `${shell} is required to run this test in CI (CI=true) and is not on PATH; .ci/run installs it with apt-get`,
    );
}

/**
 * Account names that try to run `touch PWNED` (relative to the shell's working directory) or
 * to break quoting, in every shell's syntax. The first few fit real AWS rules (printable ASCII,
 * at most 50 characters); the rest come from sources that allow more, or are the edge cases of
 * a quoter (empty runs, trailing backslashes, unicode quote marks).
 */
export const HOSTILE_NAMES: readonly string[] = [
  "x\\';touch PWNED;#",
  'ends in a backslash \\',
  '\\',
  '\\\\',
  "x\\'",
  "'",
  "''",
  "'''",
  "a'b",
  "'quoted'",
  '"',
  'a"b"c',
  '$(touch PWNED)',
  '"$(touch PWNED)"',
  '`touch PWNED`',
  '(touch PWNED)',
  '${IFS}touch${IFS}PWNED',
  ';touch PWNED;#',
  '&& touch PWNED',
  '| touch PWNED',
  "';touch PWNED;'",
  "\\';touch PWNED;echo \\'",
  'it\'s "$(touch PWNED)" `touch PWNED`',
  '$HOME $status %self',
  '-e',
  '-n',
  '--',
  '=ls',
  '~root',
  '* ? [a] {a,b}',
  '!! !$ ^a^b',
  '#not a comment',
  'line one\nline two',
  'trailing newline\n',
  '\n',
  "x'\n;touch PWNED;#",
  'carriage\rreturn',
  'tab\there',
  'Ünïcødé 日本語 🚀',
  '\u2018\u2019\u201a\u201b smart quotes \u201c\u201d',
  '\u2019;touch PWNED;#',
  'line\u2028separator\u00a0nbsp',
  'esc \x1b[31mred\x1b[0m \x1b]0;title\x07',
  'private use \uf600\uf6ff',
  '%s %n %x',
  "x\\\\';touch PWNED;#",
];

/** A role session for an account called `name`, for feeding the export formats. */
export function sessionNamed(name: string): RoleSession {
  return {
    account: { id: '111111111111', name, email: '', status: 'ACTIVE', ouPath: '/', tags: {} },
    role: 'OrganizationAccountAccessRole',
    region: 'eu-west-1',
    credentials: {
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret/with+chars',
      sessionToken: 'token==',
      expiration: '2030-01-01T00:00:00Z',
    } as RoleSession['credentials'],
    cacheHit: false,
  };
}
