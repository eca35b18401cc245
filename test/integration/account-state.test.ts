/**
 * Organizations retired the account `Status` field on 9 September 2026: AWS now sends `State`
 * (PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED) alone, while older answers
 * (and moto today) send `Status`, or both. moto's answers are rewritten on the wire so one
 * account is SUSPENDED or PENDING_CLOSURE in each shape, and nothing may treat it as ACTIVE:
 * bootstrap's plan, the inventory, and assume.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
} from '@aws-sdk/client-organizations';
import { startAwsProxy, type AwsProxy, type Interceptor } from '../fixtures/aws-proxy.js';
import { clientsFor } from '../helpers/aws.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { operatorEnv } from '../helpers/org-fixture.js';

type Shape = 'State only' | 'Status only';
type WireAccount = { Id?: string; State?: string; Status?: string };

/** Rewrites every account in ListAccounts, ListAccountsForParent and DescribeAccount answers. */
function accountShape(shape: Shape, states: Record<string, string>): Interceptor {
  const rewrite = (account: WireAccount) => {
    const state = (account.Id && states[account.Id]) ?? account.State ?? account.Status ?? 'ACTIVE';
    delete account.State;
    delete account.Status;
    if (shape === 'State only') account.State = state;
    else account.Status = state;
  };
  return async (request) => {
    if (
      request.service !== 'organizations' ||
      !['ListAccounts', 'ListAccountsForParent', 'DescribeAccount'].includes(request.action)
    )
      return undefined;
    const upstream = await request.forward();
    if (upstream.status !== 200)
      return {
        kind: 'respond',
        status: upstream.status,
        headers: { 'content-type': String(upstream.headers['content-type']) },
        body: upstream.body,
      };
    const body = JSON.parse(upstream.body.toString('utf8')) as { Accounts?: WireAccount[]; Account?: WireAccount };
    for (const account of body.Accounts ?? []) rewrite(account);
    if (body.Account) rewrite(body.Account);
    return {
      kind: 'respond',
      status: 200,
      headers: { 'content-type': String(upstream.headers['content-type'] ?? 'application/x-amz-json-1.1') },
      body: JSON.stringify(body),
    };
  };
}

const BLUEPRINT = `version: 1
region: us-east-1
organization:
  trustedServices: []
  policyTypes: [SERVICE_CONTROL_POLICY]
organizationalUnits: [Workloads]
accounts:
  - { name: staging, email: aws+staging@acme-corp.io, ou: Workloads }
  - { name: production, email: aws+production@acme-corp.io, ou: Workloads }
`;

describe('account State (and the retired Status) in both wire shapes', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let env: Record<string, string>;
  let productionId: string;

  before(async () => {
    moto = await startMoto();
    proxy = await startAwsProxy({ target: moto.endpoint });
    const org = clientsFor(moto.endpoint).organizations;
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const workloads = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' })))
      .OrganizationalUnit!.Id!;
    for (const name of ['staging', 'production']) {
      const id = (await org.send(new CreateAccountCommand({ AccountName: name, Email: `aws+${name}@acme-corp.io` })))
        .CreateAccountStatus!.AccountId!;
      await org.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: workloads }));
      if (name === 'production') productionId = id;
    }
  });
  after(async () => {
    await proxy?.stop();
    await moto?.stop();
  });
  beforeEach(() => {
    env = operatorEnv(proxy.endpoint);
    proxy.setInterceptor(undefined);
    proxy.clearRecords();
  });

  for (const shape of ['State only', 'Status only'] as const) {
    for (const state of ['SUSPENDED', 'PENDING_CLOSURE'] as const) {
      it(`${shape}, ${state}: bootstrap --plan refuses the account instead of adopting it as ACTIVE`, async () => {
        proxy.setInterceptor(accountShape(shape, { [productionId]: state }));
        const dir = tempDir();
        writeFileSync(join(dir, 'awsorg.yaml'), BLUEPRINT);
        const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--plan'], { env, cwd: dir });
        assert.equal(run.code, 1, `${run.stdout}\n${run.stderr}`);
        assert.match(
          run.stderr,
          new RegExp(`Account production \\(${productionId}, aws\\+production@acme-corp.io\\) is ${state}`),
        );
        assert.match(run.stderr, /Reopen it through AWS Support, or remove it from the blueprint/);
        assert.ok(
          proxy.requests.some((r) => r.action === 'ListAccounts'),
          'the plan read the accounts through the rewriting proxy',
        );
        assert.equal(proxy.errors.length, 0, String(proxy.errors));
      });

      it(`${shape}, ${state}: the inventory shows it, and assume refuses it`, async () => {
        proxy.setInterceptor(accountShape(shape, { [productionId]: state }));
        const listed = await runCli(['accounts', '--json'], { env });
        assert.equal(listed.code, 0, listed.stderr);
        const accounts = (JSON.parse(listed.stdout) as { accounts: { id: string; status: string }[] }).accounts;
        assert.equal(accounts.find((a) => a.id === productionId)?.status, state);
        assert.ok(
          accounts.filter((a) => a.id !== productionId).every((a) => a.status === 'ACTIVE'),
          JSON.stringify(accounts),
        );

        const assumed = await runCli(['assume', 'production', '--exec', '--', 'true'], { env });
        assert.notEqual(assumed.code, 0);
        assert.match(
          assumed.stderr,
          new RegExp(`production \\(${productionId}\\) is ${state}; it cannot be signed in to`),
        );
        assert.ok(!proxy.requests.some((r) => r.action === 'AssumeRole'), 'no credentials are requested for it');
        assert.equal(proxy.errors.length, 0, String(proxy.errors));
      });
    }
  }

  it('an ACTIVE account in the State-only shape is adopted as it was with Status', async () => {
    proxy.setInterceptor(accountShape('State only', {}));
    const dir = tempDir();
    writeFileSync(join(dir, 'awsorg.yaml'), BLUEPRINT);
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--plan', '--json'], { env, cwd: dir });
    assert.ok(run.code === 0 || run.code === 3, run.stderr);
    const plan = JSON.parse(run.stdout) as { steps: { step: string; changes: { summary: string }[] }[] };
    const accounts = plan.steps.find((s) => s.step === 'accounts');
    assert.deepEqual(accounts?.changes ?? [], [], 'both accounts exist and are in place: nothing to create or move');
  });
});
