/**
 * `awsorg config remove`, the uninstall of awsorg's profiles: the marked block goes, every
 * byte outside it stays, and the real AWS CLI still reads the file afterwards.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BLOCK_START, planBlock } from '../../src/core/aws-config-block.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';

const exec = promisify(execFile);

const USER_BEFORE = '# mine\n[default]\nregion = eu-west-1\n\n[profile mine]\nregion=eu-central-1\n';
const USER_AFTER = '\n# Added by hand after the block.\n[profile after]\nregion = ap-south-1\n';

function withBlock(text: string): string {
  const profile = (name: string, accountId: string) => ({
    name,
    accountId,
    role: 'OrganizationAccountAccessRole',
    comments: [`${name} (${accountId})`],
    settings: [
      [
        'credential_process',
        `/usr/bin/node /opt/awsorg/dist/bin/awsorg.cjs credential-process ${accountId} --role OrganizationAccountAccessRole`,
      ],
      ['region', 'us-east-1'],
    ] as Array<[string, string]>,
  });
  const plan = planBlock({
    text,
    desired: [profile('awsorg-dev', '111111111111'), profile('awsorg-prod', '222222222222')],
    liveAccountIds: new Set(['111111111111', '222222222222']),
    prune: false,
  });
  assert.ok(plan.changed && plan.text.includes(BLOCK_START));
  return plan.text;
}

async function profiles(env: Record<string, string>): Promise<string[]> {
  // botocore, the AWS CLI's parser: it refuses a file it cannot parse.
  const { stdout } = await exec(
    'python3',
    ['-c', 'import botocore.session; print("\\n".join(botocore.session.Session().available_profiles))'],
    { env, timeout: 60_000 },
  );
  return stdout.trim().split('\n').sort();
}

describe('awsorg config remove', () => {
  it('removes the block and its profiles, and leaves the file exactly as it was before generate', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const env = isolatedEnv({ AWS_CONFIG_FILE: file, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') });
    writeFileSync(file, withBlock(USER_BEFORE), { mode: 0o600 });
    assert.deepEqual(await profiles(env), ['awsorg-dev', 'awsorg-prod', 'default', 'mine']);

    const dry = await runCli(['config', 'remove', '--dry-run'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^-\[profile awsorg-dev\]$/m, 'the dry run prints the diff');
    assert.match(dry.stderr, /dry run, nothing written; awsorg's block \(2 profiles\) would be removed/);
    assert.equal(readFileSync(file, 'utf8'), withBlock(USER_BEFORE), 'a dry run writes nothing');

    const res = await runCli(['config', 'remove', '--json'], { env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      readFileSync(file, 'utf8'),
      USER_BEFORE,
      'every byte outside the block is kept, and only the block and the blank line awsorg added go',
    );
    const json = JSON.parse(res.stdout) as { changed: boolean; removed: Array<{ name: string; accountId: string }> };
    assert.equal(json.changed, true);
    assert.deepEqual(
      json.removed.map((p) => `${p.name} ${p.accountId}`),
      ['awsorg-dev 111111111111', 'awsorg-prod 222222222222'],
    );
    assert.match(res.stderr, /removed awsorg's block \(2 profiles\)/);
    assert.deepEqual(
      await profiles(env),
      ['default', 'mine'],
      "botocore reads the file and sees only the user's profiles",
    );

    const again = await runCli(['config', 'remove'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /has no awsorg block; nothing to remove/);
    assert.equal(readFileSync(file, 'utf8'), USER_BEFORE);
  });

  it('keeps text after the block, and never creates a config file that is not there', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const env = isolatedEnv({ AWS_CONFIG_FILE: file, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials') });
    writeFileSync(file, withBlock(USER_BEFORE) + USER_AFTER, { mode: 0o600 });
    const res = await runCli(['config', 'remove'], { env });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(readFileSync(file, 'utf8'), USER_BEFORE + '\n' + USER_AFTER);

    const none = join(dir, 'absent');
    const absent = await runCli(['config', 'remove'], { env: { ...env, AWS_CONFIG_FILE: none } });
    assert.equal(absent.code, 0, absent.stderr);
    assert.equal(existsSync(none), false);
  });

  it('reads AWS_CONFIG_FILE="~/..." as the AWS CLI and SDK v3 do, from the home directory', async () => {
    // Set without a shell (an IDE run configuration, a .env file, a Dockerfile ENV), the tilde
    // is not expanded; botocore and SDK v3 both read it as the home directory.
    const env = isolatedEnv();
    const file = join(env.HOME!, 'alt-config');
    const tilde = { ...env, AWS_CONFIG_FILE: '~/alt-config' };
    writeFileSync(file, withBlock(USER_BEFORE), { mode: 0o600 });
    assert.deepEqual(
      await profiles(tilde),
      ['awsorg-dev', 'awsorg-prod', 'default', 'mine'],
      'botocore reads ~/alt-config',
    );
    const res = await runCli(['config', 'remove'], { env: tilde, cwd: env.HOME! });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /removed awsorg's block \(2 profiles\)/);
    assert.equal(readFileSync(file, 'utf8'), USER_BEFORE);
    assert.equal(existsSync(join(env.HOME!, '~')), false, 'no directory named ~ is made');
  });

  it('refuses generate-only flags and a damaged block, writing nothing', async () => {
    const dir = tempDir();
    const file = join(dir, 'config');
    const env = isolatedEnv({ AWS_CONFIG_FILE: file });
    const broken = withBlock(USER_BEFORE).replace(/# <<< awsorg managed profiles <<<\n/, '');
    writeFileSync(file, broken, { mode: 0o600 });
    const flag = await runCli(['config', 'remove', '--prune'], { env });
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--prune applies to config generate/);
    const res = await runCli(['config', 'remove'], { env });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /a start marker has no end marker/);
    assert.equal(readFileSync(file, 'utf8'), broken);
  });
});
