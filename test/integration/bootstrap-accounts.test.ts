/**
 * Slow and failed account creation. moto finishes CreateAccount at once, so a fixture in front
 * of it answers IN_PROGRESS for a while, then SUCCEEDED or FAILED with each documented reason.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import {
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import type { AwsProxy, InterceptedRequest } from '../fixtures/aws-proxy.js';
import { CREATE_ACCOUNT_FAILURE_REASONS, createAccountFixture } from '../fixtures/create-account-fixture.js';
import { FAILURE_ADVICE } from '../../src/steps/accounts.js';
import { clientsFor } from '../helpers/aws.js';
import { isolatedEnv, runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';

const BLUEPRINT = `version: 1
region: us-east-1
organization:
  trustedServices: []
  policyTypes: [SERVICE_CONTROL_POLICY]
organizationalUnits: [Workloads, Workloads/Production]
accounts:
  - { name: staging, email: aws+staging@example.com, ou: Workloads }
  - { name: production, email: aws+production@example.com, ou: Workloads/Production }
`;

function workspace(blueprint = BLUEPRINT): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'awsorg.yaml'), blueprint);
  return dir;
}

describe('account creation that takes a while or fails', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  let env: Record<string, string>;

  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
    env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint });
  });
  after(() => stop?.());

  it('waits on IN_PROGRESS with backoff, then moves each SUCCEEDED account into its OU', async () => {
    await moto.reset();
    const fixture = createAccountFixture({ mode: 'slow', pollsBeforeSuccess: 3 });
    proxy.setInterceptor(fixture.intercept);
    const dir = workspace();
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], {
      env,
      cwd: dir,
    });
    proxy.setInterceptor(undefined);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /waiting for account production: IN_PROGRESS \(poll 1\)/);
    assert.match(run.stderr, /waiting for account staging: IN_PROGRESS \(poll 3\)/);
    assert.equal(fixture.createAccountCalls('aws+staging@example.com'), 1);
    assert.equal(fixture.createAccountCalls('aws+production@example.com'), 1);

    const aws = clientsFor(moto.endpoint);
    const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts!;
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
    const workloads = (
      await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root.Id! }))
    ).OrganizationalUnits![0]!;
    const production = (
      await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: workloads.Id! }))
    ).OrganizationalUnits![0]!;
    const parentOf = async (email: string) => {
      const id = accounts.find((a) => a.Email === email)!.Id!;
      return (await aws.organizations.send(new ListParentsCommand({ ChildId: id }))).Parents![0]!.Id;
    };
    assert.equal(await parentOf('aws+staging@example.com'), workloads.Id);
    assert.equal(await parentOf('aws+production@example.com'), production.Id);
    const journal = JSON.parse(readFileSync(join(dir, 'awsorg.journal.json'), 'utf8'));
    assert.ok(journal.completedAt, 'the journal records a finished run');
    assert.equal(Object.keys(journal.createAccountRequests).length, 2);
  });

  for (const reason of CREATE_ACCOUNT_FAILURE_REASONS) {
    it(`turns FAILED ${reason} into an error that says what to do`, async () => {
      await moto.reset();
      const fixture = createAccountFixture({
        mode: 'fail',
        pollsBeforeFailure: 1,
        failures: { 'aws+production@example.com': reason },
      });
      proxy.setInterceptor(fixture.intercept);
      const dir = workspace();
      const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], {
        env,
        cwd: dir,
      });
      proxy.setInterceptor(undefined);
      assert.equal(run.code, 1, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`CreateAccount failed for account production <aws\\+production@example.com>: ${reason}`),
      );
      const advice = FAILURE_ADVICE[reason];
      assert.ok(advice, `advice for ${reason}`);
      assert.ok(run.stderr.includes(`Next step: ${advice}`), run.stderr);
      assert.match(run.stderr, /Progress is saved in .*awsorg\.journal\.json/);
      // The failed request is forgotten, so the run after the fix creates the account afresh.
      const journal = JSON.parse(readFileSync(join(dir, 'awsorg.journal.json'), 'utf8'));
      assert.equal(journal.createAccountRequests['aws+production@example.com'], undefined);
      assert.equal(fixture.createAccountCalls('aws+production@example.com'), 1);
    });
  }
});

const ONE_ACCOUNT = `version: 1
region: us-east-1
organization:
  trustedServices: []
  policyTypes: [SERVICE_CONTROL_POLICY]
organizationalUnits: [Workloads]
accounts:
  - { name: production, email: aws+production@example.com, ou: Workloads }
`;

/**
 * A run killed while it waited on CreateAccount leaves the request id in the journal. By the
 * time the operator resumes, ListCreateAccountStatus may no longer list that request as
 * IN_PROGRESS: it failed meanwhile, or the listing lags behind. The resumed run must still poll
 * the journaled id first, and must neither create a second account nor look for one by email
 * before it knows how that request ended.
 */
describe('resume with a journaled CreateAccount request that the listing no longer shows in progress', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  let env: Record<string, string>;

  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
    env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint });
  });
  after(() => stop?.());

  const EMAIL = 'aws+production@example.com';

  /** Create the organization and OU, send CreateAccount, and SIGKILL the run at its first poll. */
  async function killWhileWaiting(dir: string, fixture: ReturnType<typeof createAccountFixture>): Promise<string> {
    let child: ChildProcess | undefined;
    let killed = false;
    proxy.setInterceptor(async (request) => {
      if (!killed && request.action === 'DescribeCreateAccountStatus') {
        killed = true;
        child?.kill('SIGKILL');
        return { kind: 'resetBeforeForward' };
      }
      return fixture.intercept(request);
    });
    child = spawnCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], { env, cwd: dir });
    child.stdout?.resume();
    child.stderr?.resume();
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child!.on('close', (_code, s) => resolve(s)));
    proxy.setInterceptor(undefined);
    assert.equal(signal, 'SIGKILL', 'the first run was killed while waiting on CreateAccount');
    const journal = JSON.parse(readFileSync(join(dir, 'awsorg.journal.json'), 'utf8'));
    const saved = journal.createAccountRequests[EMAIL] as { requestId: string } | undefined;
    assert.ok(saved?.requestId, 'the request id was journaled before the run waited on it');
    assert.equal(fixture.requests.length, 1);
    assert.equal(fixture.requests[0]!.id, saved.requestId);
    return saved.requestId;
  }

  /** The organizations calls of one run, in the order the proxy received them. */
  function recordCalls(fixture: ReturnType<typeof createAccountFixture>, listing: 'fixture' | 'lagging') {
    const calls: Array<{ action: string; requestId?: string }> = [];
    proxy.setInterceptor(async (request: InterceptedRequest) => {
      if (request.service === 'organizations') {
        const input = request.body?.length
          ? (JSON.parse(request.body.toString('utf8')) as { CreateAccountRequestId?: string })
          : {};
        calls.push({
          action: request.action,
          ...(input.CreateAccountRequestId ? { requestId: input.CreateAccountRequestId } : {}),
        });
        // A lagging listing: moto's own list, which has never heard of the fixture's request.
        if (listing === 'lagging' && request.action === 'ListCreateAccountStatus') return undefined;
      }
      return fixture.intercept(request);
    });
    return calls;
  }

  const cases = [
    {
      name: 'the request failed while no run was watching',
      listing: 'fixture' as const,
      between: (fixture: ReturnType<typeof createAccountFixture>) => {
        const request = fixture.requests[0]!;
        request.state = 'FAILED';
        request.completedAt = Date.now();
      },
    },
    {
      name: 'the listing lags behind a request that is still in progress and then fails',
      listing: 'lagging' as const,
      between: () => undefined,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: polls the journaled id before ListAccounts or CreateAccount, and reports the failure reason`, async () => {
      await moto.reset();
      const dir = workspace(ONE_ACCOUNT);
      const fixture = createAccountFixture({
        mode: 'fail',
        pollsBeforeFailure: 1,
        failures: { [EMAIL]: 'EMAIL_ALREADY_EXISTS' },
      });
      const requestId = await killWhileWaiting(dir, fixture);
      c.between(fixture);

      const calls = recordCalls(fixture, c.listing);
      const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes'], {
        env,
        cwd: dir,
      });
      proxy.setInterceptor(undefined);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /resuming CreateAccount request/);
      assert.ok(
        run.stderr.includes(
          `CreateAccount failed for account production <${EMAIL}>: EMAIL_ALREADY_EXISTS (request ${requestId})`,
        ),
        run.stderr,
      );
      assert.ok(run.stderr.includes(`Next step: ${FAILURE_ADVICE.EMAIL_ALREADY_EXISTS}`), run.stderr);

      // Order: the resumed run sends no CreateAccount at all, and before the poll of the
      // journaled id it sends no ListAccounts but the accounts step's observation's (each
      // observation sends one ListAccounts and one ListCreateAccountStatus, together).
      assert.deepEqual(
        calls.filter((x) => x.action === 'CreateAccount'),
        [],
        'no second CreateAccount',
      );
      const firstPoll = calls.findIndex((x) => x.action === 'DescribeCreateAccountStatus');
      assert.ok(firstPoll >= 0, `the journaled request was polled: ${JSON.stringify(calls)}`);
      assert.equal(calls[firstPoll]!.requestId, requestId, 'the first poll is of the journaled id');
      const before = calls.slice(0, firstPoll);
      const count = (action: string) => before.filter((x) => x.action === action).length;
      assert.ok(
        count('ListCreateAccountStatus') >= 1,
        `the accounts step observed before the poll: ${JSON.stringify(before)}`,
      );
      assert.equal(
        count('ListAccounts'),
        count('ListCreateAccountStatus'),
        `no ListAccounts but the observation's before the poll: ${JSON.stringify(before)}`,
      );
      assert.equal(fixture.createAccountCalls(EMAIL), 1, 'only the first run asked for the account');

      // The failed request is forgotten, so the run after the fix creates the account afresh.
      const journal = JSON.parse(readFileSync(join(dir, 'awsorg.journal.json'), 'utf8'));
      assert.equal(journal.createAccountRequests[EMAIL], undefined);
      const accounts = (await clientsFor(moto.endpoint).organizations.send(new ListAccountsCommand({}))).Accounts!;
      assert.equal(
        accounts.filter((a) => a.Email === EMAIL).length,
        0,
        'no account was created for the failed request',
      );
    });
  }
});
