/**
 * Slow and failed account creation. moto finishes CreateAccount at once, so a fixture in front
 * of it answers IN_PROGRESS for a while, then SUCCEEDED or FAILED with each documented reason.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListAccountsCommand, ListOrganizationalUnitsForParentCommand, ListParentsCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { type AwsProxy } from '../fixtures/aws-proxy.js';
import { CREATE_ACCOUNT_FAILURE_REASONS, createAccountFixture } from '../fixtures/create-account-fixture.js';
import { FAILURE_ADVICE } from '../../src/steps/accounts.js';
import { clientsFor } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
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

  function workspace(): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'awsorg.yaml'), BLUEPRINT);
    return dir;
  }

  it('waits on IN_PROGRESS with backoff, then moves each SUCCEEDED account into its OU', async () => {
    await moto.reset();
    const fixture = createAccountFixture({ mode: 'slow', pollsBeforeSuccess: 3 });
    proxy.setInterceptor(fixture.intercept);
    const dir = workspace();
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes'], { env, cwd: dir });
    proxy.setInterceptor(undefined);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /waiting for account production: IN_PROGRESS \(poll 1\)/);
    assert.match(run.stderr, /waiting for account staging: IN_PROGRESS \(poll 3\)/);
    assert.equal(fixture.createAccountCalls('aws+staging@example.com'), 1);
    assert.equal(fixture.createAccountCalls('aws+production@example.com'), 1);

    const aws = clientsFor(moto.endpoint);
    const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts!;
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
    const workloads = (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root.Id! }))).OrganizationalUnits![0]!;
    const production = (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: workloads.Id! }))).OrganizationalUnits![0]!;
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
      const fixture = createAccountFixture({ mode: 'fail', pollsBeforeFailure: 1, failures: { 'aws+production@example.com': reason } });
      proxy.setInterceptor(fixture.intercept);
      const dir = workspace();
      const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes'], { env, cwd: dir });
      proxy.setInterceptor(undefined);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`CreateAccount failed for account production <aws\\+production@example.com>: ${reason}`));
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
