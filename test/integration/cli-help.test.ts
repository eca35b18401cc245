/**
 * The built `awsorg` answers help, version and mistyped commands and flags from the command
 * declarations: exit 0 for help and version, exit 2 with one "did you mean" line and a pointer
 * to the help for a typo (not the whole help).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../src/core/errors.js';
import { isolatedEnv, REPO_ROOT, runCli } from '../helpers/cli.js';

const env = isolatedEnv();
const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };

describe('awsorg help, version and typos', () => {
  it('prints the version for --version, -V and `version`, and {"version"} with --json', async () => {
    for (const argv of [['--version'], ['-V'], ['version']]) {
      const r = await runCli(argv, { env });
      assert.equal(r.code, ExitCode.ok, r.stderr);
      assert.equal(r.stdout, `${version}\n`, argv.join(' '));
    }
    const json = await runCli(['version', '--json'], { env });
    assert.deepEqual(JSON.parse(json.stdout), { version });
  });

  it('suggests the nearest command for a typo, exit 2, without the whole help', async () => {
    const r = await runCli(['acounts'], { env });
    assert.equal(r.code, ExitCode.usage);
    assert.equal(
      r.stderr,
      'awsorg: unknown command "acounts". Did you mean "accounts"?\nRun `awsorg --help` for the list of commands.\n',
    );
    assert.equal(r.stdout, '');
  });

  it('names an unknown flag, suggests the declared one and points at the command help, exit 2', async () => {
    const r = await runCli(['accounts', '--jsn'], { env });
    assert.equal(r.code, ExitCode.usage);
    assert.match(r.stderr, /^awsorg: Unknown option '--jsn' for awsorg accounts\. Did you mean "--json"\?$/m);
    assert.match(r.stderr, /^Next step: Run `awsorg accounts --help` for its flags\.$/m);
    assert.doesNotMatch(r.stderr, /Usage:/);
  });

  it('puts a pointer to the help before a usage line, for any bad use a command reports', async () => {
    for (const [argv, path] of [
      [['alias'], 'alias'],
      [['alias', 'set', 'prod'], 'alias set'],
      [['completion', 'tcsh'], 'completion'],
      [['audit', 'verify', 'a', 'b'], 'audit verify'],
    ] as const) {
      const r = await runCli([...argv], { env });
      assert.equal(r.code, ExitCode.usage, argv.join(' '));
      assert.match(
        r.stderr,
        new RegExp(`^Next step: Run \`awsorg ${path} --help\` for its flags\\.\nUsage: awsorg ${path}`, 'm'),
        r.stderr,
      );
      assert.doesNotMatch(r.stderr, /^Next step: Usage:/m, argv.join(' '));
    }
  });

  it('prints a command help with flags, defaults, examples and "Learn more"; subcommands have their own', async () => {
    const assume = await runCli(['assume', '--help'], { env });
    assert.equal(assume.code, ExitCode.ok);
    assert.match(assume.stdout, /^ +--role ROLE +the role to assume .*e\.g\. --role ReadOnlyAccess/m);
    assert.match(assume.stdout, /^ {2}-y, --yes +/m);
    assert.match(assume.stdout, /^Examples:\n {2}\$ awsorg assume prod/m);
    assert.match(assume.stdout, /^Learn more:$/m);

    for (const argv of [
      ['state', 'migrate', '--help'],
      ['help', 'state', 'migrate'],
    ]) {
      const r = await runCli(argv, { env });
      assert.equal(r.code, ExitCode.ok, argv.join(' '));
      assert.match(r.stdout, /^awsorg state migrate: /, argv.join(' '));
      assert.match(r.stdout, /^ +--lock LOCK +how Terraform locks the state \(one of dynamodb, lockfile, both/m);
      assert.doesNotMatch(r.stdout, /--plan/, 'only the flags of state migrate');
    }
  });

  it('names a mistyped subcommand before --help instead of answering with the parent help', async () => {
    for (const argv of [
      ['state', 'migrat', '--help'],
      ['help', 'state', 'migrat'],
    ]) {
      const r = await runCli(argv, { env });
      assert.equal(r.code, ExitCode.usage, argv.join(' '));
      assert.match(r.stderr, /^awsorg: unknown subcommand "migrat" for awsorg state\. Did you mean "migrate"\?$/m);
      assert.equal(r.stdout, '');
    }
  });

  it('leaves a --help after `--` to the command assume runs', async () => {
    const r = await runCli(['assume', 'nowhere', '--exec', '--', 'aws', '--help'], { env });
    assert.doesNotMatch(r.stdout, /^Usage:/m);
    assert.notEqual(r.code, ExitCode.ok);
  });

  it('groups the top-level help by job and lists --version', async () => {
    const r = await runCli(['--help'], { env });
    assert.equal(r.code, ExitCode.ok);
    assert.match(r.stdout, /^First day:\n {2}bootstrap /m);
    assert.match(r.stdout, /^Every day:\n/m);
    assert.match(r.stdout, /^Incidents:\n {2}runbook /m);
    assert.match(r.stdout, /--version, -V/);
  });
});
