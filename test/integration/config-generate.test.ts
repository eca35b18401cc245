/**
 * `awsorg config generate` against an organization in moto, with the real AWS CLI using the
 * profiles it writes (the CLI runs our credential_process). The user's own text around the
 * block must come through every run byte for byte.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { BLOCK_END, BLOCK_START } from '../../src/core/aws-config-block.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { CLI, isolatedEnv, REPO_ROOT, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';

const exec = promisify(execFile);

const USER_BEFORE = [
  '# My own profiles. awsorg must keep every byte of this, comments included.',
  '[default]',
  'region = eu-west-1',
  '',
  '[profile mine]',
  '; hand-written, with odd spacing   ',
  'region=eu-central-1',
  'output = json',
  '',
  '[profile awsorg-audit]',
  '# my own profile with a name awsorg would generate',
  'region = us-west-2',
  '',
].join('\n');
const USER_AFTER = '\n# Added by hand after the block.\n[profile after]\nregion = ap-south-1\n';

/** [before the block, after the block]. */
function outside(text: string): [string, string] {
  const start = text.indexOf(BLOCK_START);
  const end = text.indexOf('\n', text.indexOf(BLOCK_END)) + 1;
  assert.ok(start >= 0 && end > start, 'the file has a block');
  return [text.slice(0, start), text.slice(end)];
}

/**
 * A copy of the built tool (bin, bundle and ES modules, with package.json for their module
 * type) in `root`; packages resolve through a link. Returns its bin.
 */
function copyBuild(root: string): string {
  mkdirSync(root, { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  copyFileSync(join(REPO_ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(dirname(CLI), join(root, 'bin'), { recursive: true });
  cpSync(join(dirname(CLI), '..', 'src'), join(root, 'src'), { recursive: true });
  return join(root, 'bin', 'awsorg.cjs');
}

/** The account a profile signs in to through botocore itself (boto3's and the AWS CLI's library). */
async function botocoreAccount(env: Record<string, string>, profile: string): Promise<string> {
  const script = [
    'import sys, botocore.session',
    'session = botocore.session.Session(profile=sys.argv[1])',
    "sts = session.create_client('sts', region_name='us-east-1', endpoint_url=sys.argv[2])",
    "print(sts.get_caller_identity()['Account'])",
  ].join('\n');
  const { stdout } = await exec('python3', ['-c', script, profile, env.AWS_ENDPOINT_URL!], { env, timeout: 60_000 });
  return stdout.trim();
}

/** The accounts a profile signs in to through SDK v3's fromIni and fromProcess (@aws-sdk/credential-providers). */
async function sdkV3Accounts(env: Record<string, string>, profile: string): Promise<string[]> {
  const script = `
    const { fromIni, fromProcess } = await import('@aws-sdk/credential-providers');
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const [profile, endpoint] = process.argv.slice(1);
    const accounts = [];
    for (const credentials of [fromIni({ profile }), fromProcess({ profile })]) {
      const sts = new STSClient({ region: 'us-east-1', endpoint, credentials });
      accounts.push((await sts.send(new GetCallerIdentityCommand({}))).Account);
    }
    process.stdout.write(JSON.stringify(accounts));`;
  const { stdout } = await exec(
    process.execPath,
    ['--input-type=module', '-e', script, profile, env.AWS_ENDPOINT_URL!],
    { env: { ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, cwd: REPO_ROOT, timeout: 60_000 },
  );
  return JSON.parse(stdout);
}

async function awsAccount(env: Record<string, string>, profile?: string): Promise<string> {
  const args = [
    ...(profile ? ['--profile', profile] : []),
    'sts',
    'get-caller-identity',
    '--query',
    'Account',
    '--output',
    'text',
  ];
  const { stdout } = await exec('aws', args, { env, timeout: 60_000 });
  return stdout.trim();
}

describe('awsorg config generate', () => {
  let moto: Moto;
  let org: OrgFixture;
  let env: Record<string, string>;
  let file: string;
  before(async () => {
    moto = await startMoto();
    org = await createOrgFixture(moto.endpoint);
    env = operatorEnv(moto.endpoint);
    file = env.AWS_CONFIG_FILE!;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, USER_BEFORE, { mode: 0o640 });
  });
  after(() => moto?.stop());

  it('writes one profile per account inside the block, skips a name the user owns, and keeps the file around it', async () => {
    const run = await runCli(['config', 'generate'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '', 'the summary goes to stderr');
    assert.match(run.stderr, /updated .*config \(6 added, 0 updated, 0 unchanged, 0 stale kept, 0 pruned, 2 skipped\)/);
    assert.match(run.stderr, /master: the management account has no OrganizationAccountAccessRole/);
    assert.match(run.stderr, /skipped {2}awsorg-audit: a profile with this name already exists outside/);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.startsWith(USER_BEFORE), 'the text before the block is untouched');
    assert.equal(statSync(file).mode & 0o777, 0o640, 'the mode is kept');
    assert.equal(text.match(/\[profile awsorg-audit\]/g)?.length, 1, "the user's profile is not shadowed");
    const production = org.byName('Production');
    assert.match(
      text,
      new RegExp(
        `# Production \\(${production.id}\\) /Workloads/Prod, role OrganizationAccountAccessRole\\n# PRODUCTION \\(OU /Workloads/Prod\\)[^\\n]*\\n\\[profile awsorg-production\\]\\ncredential_process = \\S+node\\S* \\S+ credential-process ${production.id} --role OrganizationAccountAccessRole\\nregion = us-east-1\\n`,
      ),
    );
    assert.match(text, /\[profile awsorg-sandbox-alice\]/);
    assert.doesNotMatch(text, /PRODUCTION[^\n]*\n\[profile awsorg-staging\]/, 'only production accounts are marked');
    // No secret ever lands in the config file.
    assert.doesNotMatch(text, /aws_access_key_id|aws_secret_access_key|aws_session_token|AKIA|ASIA/i);
    assert.ok(!text.includes(env.AWS_SECRET_ACCESS_KEY!));
    writeFileSync(file, text + USER_AFTER);
  });

  it("the AWS CLI signs in through a generated profile (it runs awsorg's credential_process)", async () => {
    assert.equal(await awsAccount(env, 'awsorg-production'), org.byName('Production').id);
    assert.equal(await awsAccount(env, 'awsorg-sandbox-alice'), org.byName('Sandbox Alice').id);
    const text = readFileSync(file, 'utf8');
    const { stdout } = await exec(process.execPath, [CLI, 'credential-process', 'Production'], { env });
    assert.ok(!text.includes(JSON.parse(stdout).SecretAccessKey), 'the session secret is not in the config file');
  });

  it('a second run changes nothing: the file is byte-identical', async () => {
    const before = readFileSync(file);
    const inode = statSync(file).ino;
    const run = await runCli(['config', 'generate'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /already up to date \(0 added, 0 updated, 6 unchanged/);
    assert.ok(readFileSync(file).equals(before));
    assert.equal(statSync(file).ino, inode, 'not even rewritten');
  });

  it('--dry-run prints a diff, writes nothing and exits 0', async () => {
    const before = readFileSync(file);
    const run = await runCli(['config', 'generate', '--dry-run', '--region', 'eu-west-2'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^--- ${file}\\n\\+\\+\\+ ${file}\\n@@ `));
    assert.match(run.stdout, /\n-region = us-east-1\n\+region = eu-west-2\n/);
    assert.match(run.stderr, /dry run, nothing written/);
    assert.ok(readFileSync(file).equals(before));
  });

  it('--json gives a machine summary on stdout', async () => {
    const run = await runCli(['config', 'generate', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.file, file);
    assert.equal(summary.changed, false);
    assert.equal(summary.unchanged.length, 6);
    assert.deepEqual(summary.skipped.map((s: { name: string; accountId: string }) => s.name || s.accountId).sort(), [
      '123456789012',
      'awsorg-audit',
    ]);
    assert.ok(
      summary.unchanged.some(
        (p: { name: string; accountId: string }) =>
          p.name === 'awsorg-production' && p.accountId === org.byName('Production').id,
      ),
    );
  });

  it('keeps the profile of a departed account as stale; --prune removes only that one', async () => {
    const full = readFileSync(file, 'utf8');
    const [userBefore, userAfter] = outside(full);
    // The account leaves the inventory (as after a refresh that no longer lists it).
    const inventoryDir = join(xdgPaths(env).cache, 'inventory');
    const [cacheName] = readdirSync(inventoryDir).filter((f) => f.endsWith('.json'));
    const cacheFile = join(inventoryDir, cacheName!);
    const inventory = JSON.parse(readFileSync(cacheFile, 'utf8'));
    inventory.accounts = inventory.accounts.filter((a: { name: string }) => a.name !== 'Sandbox Alice');
    writeFileSync(cacheFile, JSON.stringify(inventory), { mode: 0o600 });

    const kept = await runCli(['config', 'generate'], { env });
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(
      kept.stderr,
      /stale {4}awsorg-sandbox-alice: account \d{12} is no longer in the inventory[^\n]*kept \(--prune removes it\)/,
    );
    const keptText = readFileSync(file, 'utf8');
    assert.match(keptText, /# stale: [^\n]*\n# Sandbox Alice[^\n]*\n\[profile awsorg-sandbox-alice\]/);
    assert.deepEqual(outside(keptText), [userBefore, userAfter]);

    const dry = await runCli(['config', 'generate', '--prune', '--dry-run'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /\n-\[profile awsorg-sandbox-alice\]\n/);
    assert.equal(readFileSync(file, 'utf8'), keptText, '--dry-run wrote nothing');

    const pruned = await runCli(['config', 'generate', '--prune'], { env });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stderr, /1 pruned/);
    const prunedText = readFileSync(file, 'utf8');
    assert.deepEqual(outside(prunedText), [userBefore, userAfter]);
    const withoutSandbox = full.replace(
      /\n# Sandbox Alice[^\n]*\n\[profile awsorg-sandbox-alice\]\n[^\n]*\n[^\n]*\n/,
      '',
    );
    assert.notEqual(withoutSandbox, full);
    assert.equal(prunedText, withoutSandbox, 'only the stale profile went; every other byte is as before');
  });

  it('a malformed block is an error with a next step, and nothing is written', async () => {
    const broken = join(tempDir(), 'config');
    const text = `${USER_BEFORE}\n${BLOCK_START}\n[profile awsorg-x]\nregion = us-east-1\n`;
    writeFileSync(broken, text);
    const run = await runCli(['config', 'generate'], { env: { ...env, AWS_CONFIG_FILE: broken } });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /start marker has no end marker; nothing was written\nNext step: /);
    assert.equal(readFileSync(broken, 'utf8'), text);
  });

  it('creates a missing file 0600 in a new 0700 directory', async () => {
    const fresh = join(tempDir(), 'new dir', '.aws', 'config');
    const run = await runCli(['config', 'generate'], { env: { ...env, AWS_CONFIG_FILE: fresh } });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
    assert.equal(statSync(dirname(fresh)).mode & 0o777, 0o700);
    assert.ok(readFileSync(fresh, 'utf8').startsWith(BLOCK_START));
  });

  it('quotes an install path with spaces so that the AWS CLI runs it', async () => {
    // A copy of the built tool in a directory with a space.
    const bin = copyBuild(join(tempDir(), 'my tools'));
    const spaced = { ...env, AWS_CONFIG_FILE: join(tempDir(), 'config') };
    await exec(process.execPath, [bin, 'config', 'generate'], { env: spaced });
    assert.match(
      readFileSync(spaced.AWS_CONFIG_FILE, 'utf8'),
      /credential_process = \S+ '[^']*\/my tools\/bin\/awsorg\.cjs' credential-process /,
    );
    assert.equal(await awsAccount(spaced, 'awsorg-production'), org.byName('Production').id);
  });

  it('AWS_PROFILE set to a generated profile does not make credential_process call itself', async () => {
    // The base sign-in is the [default] profile of the credentials file, not environment keys.
    const viaProfile = isolatedEnv({ AWS_ENDPOINT_URL: moto.endpoint, AWS_REGION: 'us-east-1' });
    mkdirSync(dirname(viaProfile.AWS_CONFIG_FILE!), { recursive: true });
    writeFileSync(
      viaProfile.AWS_SHARED_CREDENTIALS_FILE!,
      `[default]\naws_access_key_id = ${env.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${env.AWS_SECRET_ACCESS_KEY}\n`,
    );
    const gen = await runCli(['config', 'generate'], { env: viaProfile });
    assert.equal(gen.code, 0, gen.stderr);
    assert.equal(await awsAccount({ ...viaProfile, AWS_PROFILE: 'awsorg-production' }), org.byName('Production').id);
  });
  it('writes through a symlinked config file and keeps the link (issue 11 item 7)', async () => {
    const dir = tempDir();
    const real = join(dir, 'dotfiles', 'aws-config');
    mkdirSync(dirname(real), { recursive: true });
    writeFileSync(real, USER_BEFORE, { mode: 0o640 });
    const link = join(dir, 'config');
    symlinkSync(real, link);
    const run = await runCli(['config', 'generate'], { env: { ...env, AWS_CONFIG_FILE: link } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.equal(readlinkSync(link), real);
    assert.ok(
      readFileSync(real, 'utf8').startsWith(USER_BEFORE + '\n' + BLOCK_START),
      'the block went into the target',
    );
    assert.equal(statSync(real).mode & 0o777, 0o640, "the target's mode is kept");
    assert.deepEqual(readdirSync(dir).sort(), ['config', 'dotfiles'], 'no lock or temp file is left beside the link');
    assert.deepEqual(readdirSync(dirname(real)), ['aws-config'], 'nor beside the target');
  });

  it('refuses a dangling symlink with the fix, and neither creates its target nor replaces the link (issue 11 item 7)', async () => {
    const dir = tempDir();
    const missing = join(dir, 'dotfiles', 'aws-config');
    const link = join(dir, 'config');
    symlinkSync(missing, link);
    for (const args of [
      ['config', 'generate'],
      ['config', 'generate', '--dry-run'],
    ]) {
      const run = await runCli(args, { env: { ...env, AWS_CONFIG_FILE: link } });
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(
          `${link} is a symbolic link to ${missing}, which does not exist; nothing was written\\nNext step: Create the file it points to`,
        ),
      );
      assert.ok(lstatSync(link).isSymbolicLink(), 'the link is kept');
      assert.ok(!existsSync(missing), 'its target is not created');
      assert.doesNotMatch(run.stderr, /^\s+at /m);
    }
  });

  it('refuses while another awsorg run holds the config file, naming it (issue 11 item 15)', async () => {
    const target = join(tempDir(), 'config');
    writeFileSync(target, USER_BEFORE);
    const holder = {
      pid: process.pid,
      host: hostname(),
      startedAt: '2026-01-02T03:04:05.000Z',
      command: 'awsorg config generate',
      token: 'abc',
    };
    writeFileSync(`${target}.awsorg.lock`, JSON.stringify(holder));
    const run = await runCli(['config', 'generate'], { env: { ...env, AWS_CONFIG_FILE: target } });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `is in use by another awsorg run: pid ${process.pid} on ${hostname()}, started 2026-01-02T03:04:05.000Z`,
      ),
    );
    assert.equal(readFileSync(target, 'utf8'), USER_BEFORE, 'nothing was written');
  });

  it('loses no profile that another tool appends while it runs (issue 11 item 15)', async () => {
    const target = join(tempDir(), 'config');
    writeFileSync(target, USER_BEFORE);
    const runEnv = { ...env, AWS_CONFIG_FILE: target };
    // Warm the inventory cache so that each run below spends its time on the file.
    assert.equal((await runCli(['config', 'generate', '--dry-run'], { env: runEnv })).code, 0);
    // Another tool appends a profile every 10 ms, with O_APPEND like `cat >>` (it honours no lock).
    const appender = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs'); let n = 0;
         const timer = setInterval(() => { fs.appendFileSync(process.argv[1], '\\n[profile appended-' + (++n) + ']\\nregion = eu-west-1\\n'); }, 10);
         process.on('SIGTERM', () => { clearInterval(timer); process.stdout.write(String(n)); process.exit(0); });`,
        target,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let count = '';
    appender.stdout!.on('data', (d) => (count += String(d)));
    try {
      // Every run changes the block (the region flips), so every run replaces the file.
      for (let i = 0; i < 12; i++) {
        const run = await runCli(['config', 'generate', '--region', i % 2 ? 'eu-west-1' : 'eu-west-2'], {
          env: runEnv,
        });
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, /updated /);
      }
    } finally {
      appender.kill('SIGTERM');
      await new Promise((r) => appender.on('close', r));
    }
    const appended = Number(count);
    assert.ok(appended > 50, `the appender ran (${appended} profiles)`);
    const text = readFileSync(target, 'utf8');
    const missing = Array.from({ length: appended }, (_, i) => `appended-${i + 1}`).filter(
      (name) => !text.includes(`[profile ${name}]\n`),
    );
    assert.deepEqual(missing, [], 'every appended profile survived');
    assert.ok(text.startsWith(USER_BEFORE));
    assert.equal(text.split(BLOCK_START).length, 2, 'one block');
  });
  it("sees the user's headers with a trailing comment and writes no second section: the AWS CLI still reads the file (issue 12 item 3)", async () => {
    const target = join(tempDir(), 'config');
    const user =
      '[profile awsorg-staging] # mine\nregion = us-west-2\n\n[profile awsorg-development]\t; mine too\nregion = eu-north-1\n';
    writeFileSync(target, user);
    const runEnv = { ...env, AWS_CONFIG_FILE: target };
    const run = await runCli(['config', 'generate'], { env: runEnv });
    assert.equal(run.code, 0, run.stderr);
    // botocore refuses a whole file with two sections of one name (DuplicateSectionError); this one it reads.
    const { stdout } = await exec('aws', ['configure', 'get', 'region', '--profile', 'awsorg-staging'], {
      env: runEnv,
      timeout: 60_000,
    });
    assert.equal(stdout.trim(), 'us-west-2');
    assert.match(
      run.stderr,
      new RegExp(
        `skipped {2}awsorg-staging: a profile with this name already exists outside awsorg's block \\(${target} line 1\\)`,
      ),
    );
    assert.match(
      run.stderr,
      new RegExp(
        `skipped {2}awsorg-development: a profile with this name already exists outside awsorg's block \\(${target} line 4\\)`,
      ),
    );
    const text = readFileSync(target, 'utf8');
    assert.ok(text.startsWith(user), "the user's text is kept");
    assert.equal(await awsAccount(runEnv, 'awsorg-production'), org.byName('Production').id);
    assert.equal(await botocoreAccount(runEnv, 'awsorg-production'), org.byName('Production').id);
  });

  it('skips a name that the credentials file defines under a commented header, naming file, line and fix: every profile awsorg writes runs as its own account (issue 12 item 4)', async () => {
    const home = tempDir();
    const runEnv = {
      ...env,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    };
    writeFileSync(
      runEnv.AWS_SHARED_CREDENTIALS_FILE,
      '# keys from before awsorg\n\n[awsorg-development] ; old static keys\naws_access_key_id = AKIAOLDSTATICKEY0001\naws_secret_access_key = old-static-secret\n',
      { mode: 0o600 },
    );
    const run = await runCli(['config', 'generate', '--json'], { env: runEnv });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    // Each profile awsorg wrote signs in to its own account through the AWS CLI: none is
    // shadowed by keys of the credentials file.
    for (const profile of [...summary.added] as Array<{ name: string; accountId: string }>) {
      assert.equal(await awsAccount(runEnv, profile.name), profile.accountId, profile.name);
    }
    const skipped = summary.skipped.find((s: { name: string }) => s.name === 'awsorg-development');
    assert.ok(skipped, 'awsorg-development is skipped');
    assert.equal(skipped.accountId, org.byName('Development').id);
    assert.match(
      skipped.reason,
      new RegExp(
        `is a section of ${runEnv.AWS_SHARED_CREDENTIALS_FILE} \\(line 3: \\[awsorg-development\\] ; old static keys\\), whose keys the AWS CLI and SDKs would use instead of awsorg's credential_process; rename or remove that section there`,
      ),
    );
    assert.match(run.stderr, /skipped {2}awsorg-development: [^\n]*credentials \(line 3/);
    assert.doesNotMatch(readFileSync(runEnv.AWS_CONFIG_FILE, 'utf8'), /awsorg-development/);
  });

  it('reads AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE given as "~/..." from the home directory, as botocore and SDK v3 do', async () => {
    // Set without a shell (an IDE run configuration, a .env file), the tilde reaches awsorg as is.
    const home = tempDir();
    const runEnv = { ...env, HOME: home, AWS_CONFIG_FILE: '~/config', AWS_SHARED_CREDENTIALS_FILE: '~/credentials' };
    writeFileSync(
      join(home, 'credentials'),
      '[awsorg-development]\naws_access_key_id = AKIAOLDSTATICKEY0001\naws_secret_access_key = old-static-secret\n',
      { mode: 0o600 },
    );
    const run = await runCli(['config', 'generate', '--json'], { env: runEnv, cwd: home });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(existsSync(join(home, '~')), false, 'nothing is written under a directory named ~');
    const text = readFileSync(join(home, 'config'), 'utf8');
    assert.match(text, /\[profile awsorg-production\]/);
    assert.doesNotMatch(text, /awsorg-development/, "the credentials file's section keeps its name");
    assert.equal(await awsAccount(runEnv, 'awsorg-production'), org.byName('Production').id);
  });

  it('an install path containing " #" works in SDK v3, botocore and the AWS CLI (issue 12 item 5)', async () => {
    const bin = copyBuild(join(tempDir(), 'my #tools;x'));
    const runEnv = { ...env, AWS_CONFIG_FILE: join(tempDir(), 'config') };
    await exec(process.execPath, [bin, 'config', 'generate'], { env: runEnv });
    const production = org.byName('Production').id;
    assert.deepEqual(await sdkV3Accounts(runEnv, 'awsorg-production'), [production, production]);
    const text = readFileSync(runEnv.AWS_CONFIG_FILE, 'utf8');
    assert.match(
      text,
      /\ncredential_process = \S+ '[^']*\/my '\\#'tools;x\/bin\/awsorg\.cjs' credential-process \d{12} --role OrganizationAccountAccessRole\n/,
    );
    assert.equal(await botocoreAccount(runEnv, 'awsorg-production'), production);
    assert.equal(await awsAccount(runEnv, 'awsorg-production'), production);
  });

  it('profiles run the awsorg on PATH when it is this installation, which survives moving the clone, and say which they run (issue 12 item 6)', async () => {
    const dir = tempDir();
    const bin = copyBuild(join(dir, 'clone'));
    const pathDir = join(dir, 'path-bin');
    mkdirSync(pathDir);
    // What `npm link` makes: an awsorg on PATH that is a link to the clone's bin.
    symlinkSync(bin, join(pathDir, 'awsorg'));
    const linked = { ...env, PATH: `${pathDir}:${env.PATH}`, AWS_CONFIG_FILE: join(dir, 'config') };
    const generated = await exec(process.execPath, [bin, 'config', 'generate', '--json'], { env: linked });
    const onPath = join(pathDir, 'awsorg');
    assert.deepEqual(JSON.parse(generated.stdout).program, {
      command: `${process.execPath} ${onPath}`,
      source: 'path',
    });
    assert.ok(
      generated.stderr.includes(
        `  profiles run ${process.execPath} ${onPath}: the awsorg on PATH, which is this installation`,
      ),
      generated.stderr,
    );
    const text = readFileSync(linked.AWS_CONFIG_FILE, 'utf8');
    assert.ok(text.includes(`\ncredential_process = ${process.execPath} ${onPath} credential-process `));
    assert.ok(!text.includes(join(dir, 'clone')), 'the clone path is nowhere in the file');
    // The clone moves and `npm link` in its new place repoints the link: the profiles work unchanged.
    renameSync(join(dir, 'clone'), join(dir, 'moved'));
    rmSync(onPath);
    symlinkSync(join(dir, 'moved', 'bin', 'awsorg.cjs'), onPath);
    assert.equal(await awsAccount(linked, 'awsorg-production'), org.byName('Production').id);
    const moved = join(dir, 'moved', 'bin', 'awsorg.cjs');

    // An awsorg on PATH that is another installation: this installation's own file, and said so.
    const other = join(dir, 'other-bin');
    mkdirSync(other);
    writeFileSync(join(other, 'awsorg'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const elsewhere = { ...env, PATH: `${other}:${env.PATH}`, AWS_CONFIG_FILE: join(dir, 'config-other') };
    const second = await exec(process.execPath, [moved, 'config', 'generate', '--json'], { env: elsewhere });
    assert.deepEqual(JSON.parse(second.stdout).program, {
      command: `${process.execPath} ${moved}`,
      source: 'installation',
      otherOnPath: join(other, 'awsorg'),
    });
    assert.ok(
      second.stderr.includes(
        `  profiles run ${process.execPath} ${moved}: this installation's own file, as the awsorg on PATH (${join(other, 'awsorg')}) is another installation;`,
      ),
      second.stderr,
    );

    // No awsorg on PATH at all.
    const none = { ...env, AWS_CONFIG_FILE: join(dir, 'config-none') };
    const third = await exec(process.execPath, [moved, 'config', 'generate'], { env: none });
    assert.ok(
      third.stderr.includes(
        `  profiles run ${process.execPath} ${moved}: this installation's own file, as no awsorg on PATH leads to it;`,
      ),
      third.stderr,
    );
    assert.ok(
      readFileSync(none.AWS_CONFIG_FILE, 'utf8').includes(
        `\ncredential_process = ${process.execPath} ${moved} credential-process `,
      ),
    );
    assert.equal(await awsAccount(none, 'awsorg-production'), org.byName('Production').id);
  });
});
