/**
 * Who is calling, and may they bootstrap? `awsorg whoami` and bootstrap's refusals, run through
 * the built CLI against moto: no organization, the management account, a member account, a
 * consolidated-billing organization, missing credentials, bad flags, and how an AWS error reads.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  DescribePolicyCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { AwsSession } from '../../src/aws/session.js';
import { AwsCallError, ExitCode } from '../../src/core/errors.js';
import { clientsFor, type Clients } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';

const MANAGEMENT_ID = '123456789012';
/** A Node stack frame, which a user-facing error must never show. */
const STACK_FRAME = /^\s+at .+[(:]\d+/m;

describe('whoami and bootstrap identity checks against moto', () => {
  let moto: Moto;
  let aws: Clients;
  let env: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    aws = clientsFor(moto.endpoint);
    env = isolatedEnv(moto.env);
  });
  after(async () => moto?.stop());
  beforeEach(async () => moto.reset());

  async function createOrganization(featureSet: 'ALL' | 'CONSOLIDATED_BILLING' = 'ALL'): Promise<string> {
    const out = await aws.organizations.send(new CreateOrganizationCommand({ FeatureSet: featureSet }));
    return out.Organization!.Id!;
  }

  /** A member account created with the SDK, and an environment acting in it through OrganizationAccountAccessRole. */
  async function memberAccount(): Promise<{ accountId: string; env: Record<string, string> }> {
    const request = await aws.organizations.send(
      new CreateAccountCommand({ Email: 'aws+member@example.com', AccountName: 'member' }),
    );
    const status = await aws.organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: request.CreateAccountStatus!.Id! }),
    );
    const accountId = status.CreateAccountStatus!.AccountId!;
    const assumed = await aws.sts.send(
      new AssumeRoleCommand({
        RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`,
        RoleSessionName: 'awsorg-identity-test',
      }),
    );
    const c = assumed.Credentials!;
    return {
      accountId,
      env: isolatedEnv({
        ...moto.env,
        AWS_ACCESS_KEY_ID: c.AccessKeyId!,
        AWS_SECRET_ACCESS_KEY: c.SecretAccessKey!,
        AWS_SESSION_TOKEN: c.SessionToken!,
      }),
    };
  }

  it('whoami without an organization reports role none for the IAM user', async () => {
    const run = await runCli(['whoami', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.account, MANAGEMENT_ID);
    assert.match(result.arn, /^arn:aws:(iam|sts)::123456789012:user\//);
    assert.equal(result.principalType, 'iam-user');
    assert.equal(result.isRoot, false);
    assert.deepEqual(result.organization, { role: 'none' });

    const human = await runCli(['whoami'], { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^Account: +123456789012$/m);
    assert.match(human.stdout, /^Principal: +iam-user$/m);
    assert.match(human.stdout, /^Organization: not in an organization$/m);
    // An IAM user is a break-glass path: said first, and flagged in JSON.
    assert.match(human.stdout, /^!! BREAK-GLASS: signed in as IAM user \S+ \(long-term credentials\)/);
    assert.match(human.stdout, /^Signed in: +access key \S+ from the environment$/m);
    assert.equal(result.breakGlass, true);
    assert.equal(result.signIn.kind, 'env');
  });

  it('whoami in the management account reports role management and the organization id', async () => {
    const organizationId = await createOrganization();
    const run = await runCli(['whoami', '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.account, MANAGEMENT_ID);
    assert.deepEqual(result.organization, {
      role: 'management',
      id: organizationId,
      managementAccountId: MANAGEMENT_ID,
      featureSet: 'ALL',
    });

    const human = await runCli(['whoami'], { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(
      human.stdout,
      new RegExp(`^Organization: management account of ${organizationId} \\(feature set ALL\\)$`, 'm'),
    );
  });

  it('whoami in a member account reports role member, and bootstrap there refuses without a single write', async () => {
    const organizationId = await createOrganization();
    const member = await memberAccount();

    const whoami = await runCli(['whoami', '--json'], { env: member.env });
    assert.equal(whoami.code, 0, whoami.stderr);
    const result = JSON.parse(whoami.stdout);
    assert.equal(result.account, member.accountId);
    assert.equal(result.principalType, 'assumed-role');
    assert.match(
      result.arn,
      new RegExp(`^arn:aws:sts::${member.accountId}:assumed-role/OrganizationAccountAccessRole/`),
    );
    assert.deepEqual(result.organization, {
      role: 'member',
      id: organizationId,
      managementAccountId: MANAGEMENT_ID,
      featureSet: 'ALL',
    });
    const human = await runCli(['whoami'], { env: member.env });
    assert.match(
      human.stdout,
      new RegExp(`^Organization: member of ${organizationId} \\(management account ${MANAGEMENT_ID}\\)$`, 'm'),
    );

    const dir = tempDir();
    const before = await moto.snapshot();
    const bootstrap = await runCli(['bootstrap', '--preset', 'standard', '--allow-placeholders', '--plan'], {
      env: member.env,
      cwd: dir,
    });
    assert.equal(bootstrap.code, ExitCode.failed, bootstrap.stderr);
    assert.match(
      bootstrap.stderr,
      new RegExp(
        `^awsorg: Account ${member.accountId} is a member of organization ${organizationId}; bootstrap must run in its management account \\(${MANAGEMENT_ID}\\)`,
        'm',
      ),
    );
    assert.match(
      bootstrap.stderr,
      new RegExp(`^Next step: Sign in to account ${MANAGEMENT_ID} and run the command again\\.$`, 'm'),
    );
    assert.doesNotMatch(bootstrap.stderr, STACK_FRAME);
    assert.equal(bootstrap.stdout, '', 'no plan is printed');
    assert.deepEqual(await moto.snapshot(), before, 'moto holds exactly what it held before');
    assert.deepEqual(readdirSync(dir), [], 'no journal was written');
  });

  it('bootstrap refuses a consolidated-billing organization, names enable-all-features and writes nothing', async () => {
    await createOrganization('CONSOLIDATED_BILLING');
    const dir = tempDir();
    const before = await moto.snapshot();
    const run = await runCli(['bootstrap', '--preset', 'standard', '--allow-placeholders', '--plan'], {
      env,
      cwd: dir,
    });
    assert.equal(run.code, ExitCode.failed, run.stderr);
    assert.match(run.stderr, /^awsorg: This organization uses feature set CONSOLIDATED_BILLING/m);
    assert.match(run.stderr, /^Next step: .*aws organizations enable-all-features/m);
    assert.doesNotMatch(run.stderr, STACK_FRAME);
    assert.deepEqual(await moto.snapshot(), before);
    assert.deepEqual(readdirSync(dir), []);

    const whoami = JSON.parse((await runCli(['whoami', '--json'], { env })).stdout);
    assert.equal(whoami.organization.featureSet, 'CONSOLIDATED_BILLING', 'the organization is left as it was');
  });

  it('whoami without credentials exits 4 with a next step and no stack trace', async () => {
    const home = tempDir('awsorg-nocreds-');
    mkdirSync(join(home, '.aws'));
    writeFileSync(join(home, '.aws', 'config'), '');
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = moto.env;
    const noCredentials = isolatedEnv({
      ...withoutKeys,
      HOME: home,
      AWS_CONFIG_FILE: join(home, '.aws', 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    });
    assert.ok(!('AWS_ACCESS_KEY_ID' in noCredentials) && !('AWS_PROFILE' in noCredentials));

    const run = await runCli(['whoami'], { env: noCredentials });
    assert.equal(run.code, ExitCode.credentials, run.stderr);
    assert.match(run.stderr, /^awsorg: No AWS credentials were found for sts:GetCallerIdentity/m);
    assert.match(run.stderr, /^Next step: .*AWS_PROFILE/m);
    assert.doesNotMatch(run.stderr, STACK_FRAME);
    assert.equal(run.stdout, '');
  });

  it('bad flags and commands exit 2 pointing at the help; --help exits 0', async () => {
    const bogus = await runCli(['whoami', '--bogus'], { env });
    assert.equal(bogus.code, ExitCode.usage, bogus.stderr);
    assert.match(bogus.stderr, /--bogus/);
    assert.match(bogus.stderr, /`awsorg whoami --help`/);

    const unknown = await runCli(['nope'], { env });
    assert.equal(unknown.code, ExitCode.usage);
    assert.match(unknown.stderr, /^awsorg: unknown command "nope"/m);
    assert.match(unknown.stderr, /`awsorg --help`/);

    const nothing = await runCli([], { env });
    assert.equal(nothing.code, ExitCode.usage, 'no command is a usage error');
    assert.match(nothing.stdout, /Usage: awsorg <command> \[flags\]/);

    const help = await runCli(['--help'], { env });
    assert.equal(help.code, ExitCode.ok);
    assert.match(help.stdout, /^Usage: awsorg <command> \[flags\]$/m);
    assert.match(help.stdout, /^ +whoami +show the caller identity/m);

    const commandHelp = await runCli(['whoami', '--help'], { env });
    assert.equal(commandHelp.code, ExitCode.ok);
    assert.match(commandHelp.stdout, /^ {2}awsorg whoami \[--json\]$/m);
    assert.match(commandHelp.stdout, /^ +--json +print machine-readable JSON/m);

    for (const output of [bogus, unknown, nothing, help]) assert.doesNotMatch(output.stderr, STACK_FRAME);
  });

  it('bootstrap without --yes or --plan and no terminal exits 2 naming --yes, before any AWS request', async () => {
    // A stand-in endpoint that counts requests: not even a read may happen.
    const requests: string[] = [];
    const server: Server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const counting = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const dir = tempDir();
      const countingEnv = { ...env, AWS_ENDPOINT_URL: counting };
      const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], {
        env: countingEnv,
        cwd: dir,
      });
      assert.equal(written.code, ExitCode.ok, written.stderr);
      assert.ok(existsSync(join(dir, 'awsorg.yaml')));

      const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders'], {
        env: countingEnv,
        cwd: dir,
      });
      assert.equal(run.code, ExitCode.usage, run.stderr);
      assert.match(run.stderr, /^awsorg: Refusing to apply without confirmation: no terminal to ask on\.$/m);
      assert.match(run.stderr, /^Next step: Pass --yes to apply, or --plan to only show the changes\.$/m);
      assert.deepEqual(requests, [], 'no AWS request was made');
      assert.deepEqual(readdirSync(dir), ['awsorg.yaml'], 'no journal was written');

      const missing = await runCli(['bootstrap', '--config', 'missing.yaml', '--allow-placeholders'], {
        env: countingEnv,
        cwd: dir,
      });
      assert.equal(missing.code, ExitCode.usage);
      assert.match(missing.stderr, /^awsorg: Cannot read the blueprint .*missing\.yaml/m);
      assert.deepEqual(requests, []);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an AWS call that fails during bootstrap names service:Action, the account and the principal', async () => {
    const dir = tempDir();
    // moto refuses to attach a managed policy that does not exist, which the blueprint cannot know.
    writeFileSync(
      join(dir, 'awsorg.yaml'),
      [
        'version: 1',
        'region: us-east-1',
        'organization: { trustedServices: [], policyTypes: [SERVICE_CONTROL_POLICY] }',
        'organizationalUnits: []',
        'accounts: []',
        'ciOidc:',
        '  provider: github',
        '  repository: example/infrastructure',
        '  ref: refs/heads/main',
        '  roleName: github-deploy',
        '  policyArns: [arn:aws:iam::aws:policy/AwsorgTestPolicyThatDoesNotExist]',
        '',
      ].join('\n'),
    );
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], {
      env,
      cwd: dir,
    });
    assert.equal(run.code, ExitCode.failed, run.stderr);
    assert.match(run.stderr, /^awsorg: \w+:\w+ failed in account \d{12} as arn:aws:/m);
    assert.match(
      run.stderr,
      /^awsorg: iam:AttachRolePolicy failed in account 123456789012 as arn:aws:(iam|sts)::123456789012:user\/\S+: NoSuchEntity\w*: .*AwsorgTestPolicyThatDoesNotExist/m,
    );
    assert.match(run.stderr, /Progress is saved in .*awsorg\.journal\.json/);
    assert.doesNotMatch(run.stderr, STACK_FRAME);
  });

  it('AwsSession turns a failed call into an AwsCallError that names the action, account and principal', async () => {
    await createOrganization();
    const session = new AwsSession(
      { env: moto.env, sleep: async () => undefined, random: () => 0.5 },
      { region: 'us-east-1', credentials: async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' }) },
    );
    try {
      const identity = await session.identity();
      await assert.rejects(
        session.send('organizations', new DescribePolicyCommand({ PolicyId: 'p-doesnotexist' })),
        (err) => {
          assert.ok(err instanceof AwsCallError);
          assert.equal(err.service, 'organizations');
          assert.equal(err.action, 'DescribePolicy');
          assert.equal(err.code, 'PolicyNotFoundException');
          assert.equal(err.exitCode, ExitCode.failed);
          assert.equal(
            err.message.split(': ')[0],
            `organizations:DescribePolicy failed in account ${MANAGEMENT_ID} as ${identity.arn}`,
          );
          assert.match(
            err.message,
            /^organizations:DescribePolicy failed in account \d{12} as arn:aws:\S+: PolicyNotFoundException: /,
          );
          return true;
        },
      );
    } finally {
      session.destroy();
    }
  });
});
