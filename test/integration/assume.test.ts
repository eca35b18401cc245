/**
 * `awsorg accounts`, `alias` and `assume` through the built CLI against moto (behind the
 * recording proxy), with the real AWS CLI as the client inside the session: target resolution,
 * every mode, the production guard, the credential cache (permissions, no network on a hit,
 * malformed and expired entries), the subshell's environment, and bad input.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { startAwsProxy, type AwsProxy } from '../fixtures/aws-proxy.js';
import { memberClients } from '../helpers/aws.js';
import { CLI, runCli, tempDir, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';
import { requireShell, skipWithout } from '../helpers/shells.js';

const PARENT_KEY = 'AKIAIOSFODNN7EXAMPLE';
const HOSTILE_ACCOUNT_NAMES = [
  "x\\';touch PWNED;#",
  'ends in a backslash \\',
  'it\'s "$(touch PWNED)" `touch PWNED`;#',
];
const PARENT_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

function runIn(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function assertNoStack(r: CliResult): void {
  assert.doesNotMatch(r.stderr, /^\s+at .+[(:]\d+/m, 'a user-facing error must not show a stack trace');
}

describe('accounts, alias and assume against moto', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let org: OrgFixture;
  let env: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy({ target: moto.endpoint });
    org = await createOrgFixture(moto.endpoint, [
      { name: 'Log Archive', ou: 'Security' },
      { name: 'Development', ou: 'Workloads/NonProd' },
      { name: 'Staging', ou: 'Workloads/NonProd', tags: { environment: 'staging' } },
      { name: 'Production', ou: 'Workloads', tags: { environment: 'production' } },
      { name: 'Sandbox', ou: 'Sandbox' },
      { name: 'sandbox', ou: 'Sandbox', tags: { owner: 'bob' } },
      // Valid on real AWS (printable ASCII, at most 50 characters), and chosen by whoever can
      // create or rename an account.
      ...HOSTILE_ACCOUNT_NAMES.map((name) => ({ name, ou: 'Hostile' })),
    ]);
  });
  after(async () => {
    await proxy?.stop();
    await moto?.stop();
  });
  beforeEach(() => {
    // A fresh operator (empty caches and settings) for every test.
    env = operatorEnv(proxy.endpoint);
    proxy.setInterceptor(undefined);
    proxy.clearRecords();
  });

  it('lists every account with id, name, email, OU path, status, alias and tags, and caches the inventory without secrets', async () => {
    const first = await runCli(['accounts', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    const listed = JSON.parse(first.stdout) as {
      source: string;
      accounts: {
        id: string;
        name: string;
        email: string;
        ouPath: string;
        status: string;
        aliases: string[];
        tags: Record<string, string>;
        production: string | null;
      }[];
    };
    assert.equal(listed.source, 'organizations');
    for (const a of org.accounts) {
      const row = listed.accounts.find((r) => r.id === a.id);
      assert.ok(row, `account ${a.name} listed`);
      assert.deepEqual(
        { name: row.name, email: row.email, ouPath: row.ouPath, status: row.status, tags: row.tags },
        { name: a.name, email: a.email, ouPath: a.ouPath, status: 'ACTIVE', tags: a.tags },
      );
    }
    assert.ok(
      listed.accounts.some((r) => r.id === org.managementAccountId),
      'the management account is listed too',
    );
    assert.equal(listed.accounts.find((r) => r.name === 'Production')!.production, 'tag environment=production');
    const reads = proxy.stats.total;
    assert.ok(reads > 0);

    // A second run is served from the cache: no request at all.
    proxy.clearRecords();
    const second = await runCli(['accounts'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(proxy.stats.total, 0, 'the cached inventory needs no AWS call');
    assert.match(second.stdout, /Production .*PROD/);
    assert.match(second.stderr, /cached \d+ min ago \(--refresh reloads\)/);

    // --refresh reloads.
    const refreshed = await runCli(['accounts', '--refresh', '--json'], { env });
    assert.equal(refreshed.code, 0, refreshed.stderr);
    assert.ok(proxy.stats.total >= reads);

    const cacheFiles = filesUnder(env.XDG_CACHE_HOME!);
    assert.ok(cacheFiles.some((f) => f.includes('/inventory/')));
    for (const f of cacheFiles) assert.ok(!readFileSync(f, 'utf8').includes(PARENT_SECRET), `${f} holds no secret`);
  });

  it('aliases: set, list, resolve as a target, remove; bad names and unknown ids exit 2', async () => {
    const prod = org.byName('Production');
    assert.equal((await runCli(['accounts'], { env })).code, 0);
    const set = await runCli(['alias', 'set', 'prod', prod.id], { env });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stderr, /prod -> \d{12} \(Production\)/);
    const list = await runCli(['alias', 'list', '--json'], { env });
    assert.deepEqual(JSON.parse(list.stdout), { prod: prod.id });
    const settings = readFileSync(join(env.XDG_CONFIG_HOME!, 'awsorg', 'config.json'), 'utf8');
    assert.ok(!settings.includes(PARENT_SECRET) && !settings.includes('SessionToken'));

    const viaAlias = await runCli(['assume', 'PROD', '--yes', '--exec', '--', 'sh', '-c', 'echo $AWSORG_ACCOUNT'], {
      env,
    });
    assert.equal(viaAlias.code, 0, viaAlias.stderr);
    assert.equal(viaAlias.stdout.trim(), prod.id);

    const badName = await runCli(['alias', 'set', '123bad', prod.id], { env });
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /alias NAME "123bad" is not valid/);
    const badId = await runCli(['alias', 'set', 'x', '12345'], { env });
    assert.equal(badId.code, 2);
    assert.match(badId.stderr, /12-digit/);
    const notInOrg = await runCli(['alias', 'set', 'ghost', '999999999999'], { env });
    assert.equal(notInOrg.code, 2);
    assert.match(notInOrg.stderr, /not in the cached inventory[\s\S]*--force/);

    const rmTypo = await runCli(['alias', 'rm', 'prd'], { env });
    assert.equal(rmTypo.code, 2);
    assert.match(rmTypo.stderr, /did you mean "prod"/);
    assert.equal((await runCli(['alias', 'rm', 'prod'], { env })).code, 0);
    assert.deepEqual(JSON.parse((await runCli(['alias', 'list', '--json'], { env })).stdout), {});
  });

  it('--exec runs the real AWS CLI as the target account, and the credentials see only that account', async () => {
    const staging = org.byName('Staging');
    // One bucket in Staging, one in Development: Staging's session must list only its own.
    await (await memberClients(moto.endpoint, staging.id)).s3.send(
      new CreateBucketCommand({ Bucket: 'staging-only-bucket' }),
    );
    await (await memberClients(moto.endpoint, org.byName('Development').id)).s3.send(
      new CreateBucketCommand({ Bucket: 'development-only-bucket' }),
    );

    const who = await runCli(
      ['assume', 'staging', '--exec', '--', 'aws', 'sts', 'get-caller-identity', '--output', 'json'],
      { env },
    );
    assert.equal(who.code, 0, who.stderr);
    const identity = JSON.parse(who.stdout) as { Account: string; Arn: string };
    assert.equal(identity.Account, staging.id);
    assert.match(identity.Arn, /assumed-role\/OrganizationAccountAccessRole\/awsorg-/);

    const buckets = await runCli(
      [
        'assume',
        staging.id,
        '--exec',
        '--',
        'aws',
        's3api',
        'list-buckets',
        '--query',
        'Buckets[].Name',
        '--output',
        'text',
      ],
      { env },
    );
    assert.equal(buckets.code, 0, buckets.stderr);
    assert.equal(buckets.stdout.trim(), 'staging-only-bucket');

    // The role session request named the operator and set SourceIdentity.
    const assumes = proxy.requests.filter((r) => r.action === 'AssumeRole');
    assert.equal(assumes.length, 1, 'the second run reused the cached credentials');
  });

  it('passes the exit code and signals of --exec back', async () => {
    const r = await runCli(['assume', 'Development', '--exec', '--', 'sh', '-c', 'exit 7'], { env });
    assert.equal(r.code, 7);
    const child = spawn(process.execPath, [CLI, 'assume', 'Development', '--exec', '--', 'sleep', '30'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    // Wait until the child runs (credentials fetched), then stop awsorg with SIGTERM: the child gets it.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !spawnSync('pgrep', ['-P', String(child.pid), '-x', 'sleep']).stdout.length)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 128 + 15, stderr);
  });

  it('the subshell gets the session, not the parent long-term keys or profile, and passes its exit code back', async () => {
    const dev = org.byName('Development');
    const child = spawn(process.execPath, [CLI, 'assume', 'development'], {
      env: { ...env, SHELL: '/bin/sh', AWS_PROFILE: 'parent-profile', AWS_DEFAULT_PROFILE: 'parent-profile' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.stdin.end(
      'echo "account=$AWSORG_ACCOUNT role=$AWSORG_ROLE exp=$AWSORG_EXPIRATION region=$AWS_REGION"; echo "key=$AWS_ACCESS_KEY_ID profile=${AWS_PROFILE:-none}/${AWS_DEFAULT_PROFILE:-none}"; env | grep -c EXAMPLEKEY; exit 5\n',
    );
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    assert.equal(code, 5, stderr);
    assert.match(
      stdout,
      new RegExp(`account=${dev.id} role=OrganizationAccountAccessRole exp=\\d{4}-\\d\\d-\\d\\dT.+ region=us-east-1`),
    );
    assert.match(stdout, /profile=none\/none/);
    const key = /key=(\S+)/.exec(stdout)![1]!;
    assert.notEqual(key, PARENT_KEY, 'the parent long-term key is not inherited');
    assert.match(stdout, /^0$/m, 'the parent secret appears nowhere in the subshell environment');
    assert.match(stderr, /Development \(\d{12}\) as OrganizationAccountAccessRole/);

    const nested = await runCli(['assume', 'development'], {
      env: { ...env, AWSORG_ACCOUNT: dev.id, AWSORG_ROLE: 'OrganizationAccountAccessRole' },
    });
    assert.equal(nested.code, 2);
    assert.match(nested.stderr, /already an awsorg session[\s\S]*--force/);
  });

  it("the session's values win over the parent's: --region over AWS_REGION, and a nested --force session's account", async () => {
    const dev = org.byName('Development');
    // The parent runs in us-east-1 (operatorEnv); the child asked for eu-west-1.
    assert.equal(env.AWS_REGION, 'us-east-1');
    const child = await runIn(
      process.execPath,
      [
        CLI,
        'assume',
        'development',
        '--region',
        'eu-west-1',
        '--exec',
        '--',
        'sh',
        '-c',
        'echo "$AWS_REGION $AWS_DEFAULT_REGION"; aws ec2 describe-availability-zones --query "AvailabilityZones[0].RegionName" --output text',
      ],
      env,
    );
    assert.equal(child.code, 0, child.stderr);
    assert.deepEqual(
      child.stdout.trim().split('\n'),
      ['eu-west-1 eu-west-1', 'eu-west-1'],
      'the real AWS CLI in the child works in eu-west-1',
    );

    // From inside a session of the management account, `assume development --force` opens a
    // nested shell: it must be Development's, not the outer session's.
    const inner = `echo 'echo "inner=$AWSORG_ACCOUNT $AWSORG_ACCOUNT_NAME $AWS_REGION"' | SHELL=/bin/sh node ${CLI} assume development --force --region eu-west-1`;
    const outer = await runIn(
      process.execPath,
      [CLI, 'assume', org.managementAccountId, '--exec', '--', 'sh', '-c', `echo "outer=$AWSORG_ACCOUNT"; ${inner}`],
      env,
    );
    assert.equal(outer.code, 0, outer.stderr);
    assert.match(outer.stdout, new RegExp(`^outer=${org.managementAccountId}$`, 'm'));
    assert.match(outer.stdout, new RegExp(`^inner=${dev.id} Development eu-west-1$`, 'm'), outer.stderr);
  });

  it('--export prints env, fish, powershell and json; hostile account names round-trip through eval in bash, zsh and dash and source in fish', async () => {
    const dev = org.byName('Development');
    const json = await runCli(['assume', 'development', '--export', '--format', 'json'], { env });
    assert.equal(json.code, 0, json.stderr);
    const vars = JSON.parse(json.stdout) as Record<string, string>;
    assert.equal(vars.AWSORG_ACCOUNT, dev.id);
    assert.ok(vars.AWS_SESSION_TOKEN && vars.AWS_SECRET_ACCESS_KEY && vars.AWS_CREDENTIAL_EXPIRATION);

    // Asynchronously: the proxy serving the AWS CLI runs in this process's event loop.
    const sh = await runIn(
      'bash',
      [
        '-c',
        `eval "$(node ${CLI} assume development --export)" && aws sts get-caller-identity --query Account --output text && echo "profile=\${AWS_PROFILE:-none}"`,
      ],
      { ...env, AWS_PROFILE: 'leftover' },
    );
    assert.equal(sh.code, 0, sh.stderr);
    assert.match(sh.stdout, new RegExp(`^${dev.id}\\nprofile=none`, 'm'));

    const fish = await runCli(['assume', 'development', '--export', '--format', 'fish'], { env });
    assert.match(fish.stdout, /^set -gx AWS_ACCESS_KEY_ID \S+;$/m);
    assert.match(fish.stdout, /^set -e AWS_PROFILE;$/m);
    const ps = await runCli(['assume', 'development', '--export', '--format', 'powershell'], { env });
    assert.match(ps.stdout, /^\$Env:AWS_SESSION_TOKEN = '.+'$/m);

    // Hostile account names from AWS, through the CLI and into each shell the way the README
    // says: nothing runs, and the shell gets the name exactly.
    const sourcing: [string, (id: string) => string[]][] = [
      ['bash', (id) => ['bash', '--norc', '-c', `eval "$(node ${CLI} assume ${id} --export)"; env -0`]],
      ['zsh', (id) => ['zsh', '-f', '-c', `eval "$(node ${CLI} assume ${id} --export)"; env -0`]],
      ['dash', (id) => ['dash', '-c', `eval "$(node ${CLI} assume ${id} --export)"; env -0`]],
      [
        'fish',
        (id) => ['fish', '--no-config', '-c', `node ${CLI} assume ${id} --export --format fish | source; env -0`],
      ],
    ];
    for (const [shell, argv] of sourcing) {
      if (skipWithout(shell)) continue;
      requireShell(shell);
      for (const name of HOSTILE_ACCOUNT_NAMES) {
        const cwd = tempDir('awsorg-hostile-');
        const [file, ...args] = argv(org.byName(name).id);
        const r = await runIn(file!, args, { ...env, HOME: env.HOME! }, cwd);
        assert.ok(!existsSync(join(cwd, 'PWNED')), `${shell}: the account name ${JSON.stringify(name)} ran code`);
        const line = r.stdout.split('\0').find((l) => l.startsWith('AWSORG_ACCOUNT_NAME='));
        assert.equal(line, `AWSORG_ACCOUNT_NAME=${name}`, `${shell}: ${r.stderr}`);
      }
    }

    const bad = await runCli(['assume', 'development', '--export', '--format', 'cmd'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format "cmd" is not supported[\s\S]*env, fish, powershell, json/);
  });

  it('guards production: no terminal needs --yes, and --yes says what it confirmed', async () => {
    const refused = await runCli(['assume', 'production', '--exec', '--', 'true'], { env });
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /Production \(\d{12}\) is a PRODUCTION account \(tag environment=production\)[\s\S]*--yes/,
    );
    const ok = await runCli(
      [
        'assume',
        'production',
        '--yes',
        '--exec',
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--query',
        'Account',
        '--output',
        'text',
      ],
      { env },
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), org.byName('Production').id);
    assert.match(ok.stderr, /PRODUCTION account .* continuing because of --yes/);
  });

  it('caches credentials 0600 in a 0700 directory, and a hit makes no network call at all', async () => {
    const dev = org.byName('Development');
    assert.equal((await runCli(['assume', 'development', '--exec', '--', 'true'], { env })).code, 0);
    const dir = join(env.XDG_CACHE_HOME!, 'awsorg', 'credentials');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const files = filesUnder(dir);
    assert.equal(files.length, 1);
    assert.equal(statSync(files[0]!).mode & 0o777, 0o600);
    const cached = JSON.parse(readFileSync(files[0]!, 'utf8')) as Record<string, string>;
    assert.equal(cached.accountId, dev.id);
    assert.ok(cached.sessionToken, 'only temporary credentials are cached');
    assert.ok(!readFileSync(files[0]!, 'utf8').includes(PARENT_SECRET), 'the long-term secret is never cached');

    // Point at a dead endpoint: a hit must still work.
    const offline = { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    proxy.clearRecords();
    const hit = await runCli(['assume', 'development', '--exec', '--', 'sh', '-c', 'echo $AWS_ACCESS_KEY_ID'], {
      env: offline,
    });
    assert.equal(hit.code, 0, hit.stderr);
    assert.equal(hit.stdout.trim(), cached.accessKeyId);
    assert.equal(proxy.stats.total, 0);

    // A loosened file is not trusted: removed, reported, and replaced.
    chmodSync(files[0]!, 0o644);
    const loose = await runCli(['assume', 'development', '--exec', '--', 'true'], { env });
    assert.equal(loose.code, 0, loose.stderr);
    assert.match(loose.stderr, /ignored and removed the cached credentials .* not a private file/);
    assert.equal(statSync(files[0]!).mode & 0o777, 0o600);

    // A malformed file: reported, replaced; the command still works.
    writeFileSync(files[0]!, '{not json', { mode: 0o600 });
    const malformed = await runCli(['assume', 'development', '--exec', '--', 'true'], { env });
    assert.equal(malformed.code, 0, malformed.stderr);
    assert.match(malformed.stderr, /not valid JSON/);
    assert.ok(JSON.parse(readFileSync(files[0]!, 'utf8')).sessionToken);

    // Within five minutes of expiry the entry is treated as expired and renewed.
    const nearlyExpired = {
      ...JSON.parse(readFileSync(files[0]!, 'utf8')),
      expiration: new Date(Date.now() + 4 * 60_000).toISOString(),
    };
    writeFileSync(files[0]!, JSON.stringify(nearlyExpired), { mode: 0o600 });
    proxy.clearRecords();
    assert.equal((await runCli(['assume', 'development', '--exec', '--', 'true'], { env })).code, 0);
    assert.equal(proxy.requests.filter((r) => r.action === 'AssumeRole').length, 1);
  });

  it('retries without SourceIdentity when the trust policy does not allow it, and explains a missing role', async () => {
    let withSourceIdentity = 0;
    proxy.setInterceptor((req) => {
      if (req.action !== 'AssumeRole') return undefined;
      const body = req.body?.toString() ?? '';
      if (/RoleArn=[^&]*NoSuchRole/.test(body)) {
        return {
          kind: 'respond',
          status: 403,
          headers: { 'content-type': 'text/xml' },
          body: '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/NoSuchRole</Message></Error><RequestId>1</RequestId></ErrorResponse>',
        };
      }
      if (body.includes('SourceIdentity=')) {
        withSourceIdentity++;
        return {
          kind: 'respond',
          status: 403,
          headers: { 'content-type': 'text/xml' },
          body: '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: sts:SetSourceIdentity</Message></Error><RequestId>2</RequestId></ErrorResponse>',
        };
      }
      return undefined;
    });
    const ok = await runCli(['assume', 'development', '--exec', '--', 'true'], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(withSourceIdentity, 1);
    assert.equal(proxy.requests.filter((r) => r.action === 'AssumeRole').length, 2);

    const missing = await runCli(['assume', 'development', '--role', 'NoSuchRole', '--exec', '--', 'true'], { env });
    assert.equal(missing.code, 4);
    assert.match(
      missing.stderr,
      /cannot assume arn:aws:iam::\d{12}:role\/NoSuchRole in Development[\s\S]*Next step: Check that the role exists/,
    );
    assertNoStack(missing);
  });

  it('bad input: unknown, ambiguous and outside-the-organization targets, bad flags — exit 2 and no AWS call', async () => {
    assert.equal((await runCli(['accounts'], { env })).code, 0);
    proxy.clearRecords();
    const cases: [string[], RegExp][] = [
      [['assume', 'prodution', '--export'], /no account, alias or id matches "prodution"; did you mean "Production"/],
      [
        ['assume', 'sandbox', '--export'],
        /"sandbox" matches 2 accounts:\n {2}\d{12} {2}[Ss]andbox {2}\/Sandbox\n {2}\d{12} {2}[Ss]andbox {2}\/Sandbox\nNext step: Use the account id/,
      ],
      [
        ['assume', '999999999999', '--export'],
        /account 999999999999 is not in the organization's inventory[\s\S]*--refresh/,
      ],
      [['assume'], /assume needs a TARGET/],
      [['assume', 'development', '--duration', '5m'], /--duration 5m is outside what STS allows/],
      [['assume', 'development', '--duration', 'soon'], /--duration "soon" is not a duration/],
      [['assume', 'development', '--region', 'mars-1'], /--region "mars-1" is not an AWS region name/],
      [['assume', 'development', '--role', 'bad role!'], /--role "bad role!" is not a valid IAM role name/],
      [['assume', 'development', '--export', '--console'], /--exec|--export and --console cannot be combined/],
      [['assume', 'development', '--exec'], /--exec needs a command after `--`/],
      [['assume', 'development', '--url'], /--url applies only to --console/],
      [['assume', 'development', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, expected] of cases) {
      const r = await runCli(args, { env });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, expected, args.join(' '));
      assert.equal(r.stdout, '', `${args.join(' ')} prints nothing on stdout`);
      assertNoStack(r);
    }
    assert.equal(proxy.stats.total, 0, 'bad input makes no AWS call');
  });

  it('--console builds a sign-in URL through the federation endpoint without putting keys in the URL', async () => {
    const seen: { method: string; body: string }[] = [];
    const federation: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += String(d)));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', body });
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ SigninToken: 'token-123' }));
      });
    });
    await new Promise<void>((r) => federation.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(federation.address() as AddressInfo).port}/federation`;
      const r = await runCli(['assume', 'development', '--console', '--url'], {
        env: { ...env, AWSORG_FEDERATION_URL: url },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /sending the session to http:\/\/127\.0\.0\.1:\d+\/federation \(AWSORG_FEDERATION_URL uses http, not https\)/,
        'an endpoint other than AWS is said out loud',
      );
      const printed = new URL(r.stdout.trim());
      assert.equal(printed.searchParams.get('Action'), 'login');
      assert.equal(printed.searchParams.get('SigninToken'), 'token-123');
      assert.equal(printed.searchParams.get('Destination'), 'https://console.aws.amazon.com/?region=us-east-1');
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.method, 'POST');
      const session = JSON.parse(new URLSearchParams(seen[0]!.body).get('Session')!) as Record<string, string>;
      assert.ok(session.sessionId && session.sessionKey && session.sessionToken);
      assert.ok(!r.stdout.includes(session.sessionKey!), 'the secret key is not in the URL');
    } finally {
      await new Promise((r) => federation.close(r));
    }
  });
});
