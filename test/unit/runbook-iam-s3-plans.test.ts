/**
 * The pure parts of the IAM and S3 runbook operations: the revoke-sessions document and its
 * cut-off, each action's plan and rollback from a captured prior state, and the refusals. The
 * check operations run against a small fake session (a `send` that answers by command name),
 * passed in through the step context like any other dependency.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AwsSession } from '../../src/aws/session.js';
import { AwsCallError } from '../../src/core/errors.js';
import {
  containPolicyName,
  decodePolicyDocument,
  IAM_OPERATIONS,
  planDeactivate,
  planDeleteLoginProfile,
  planRevoke,
  revocationCutoff,
  revokeCutoffOf,
  revokeOlderSessionsDocument,
  roleRefusal,
  rollbackDeactivate,
  rollbackDeleteLoginProfile,
  rollbackRevoke,
  type RevokePrior,
} from '../../src/runbooks/operations/iam.js';
import {
  allBlocked,
  blockConfig,
  planBlock,
  policyOpenStatements,
  publicAclGrants,
  regionFromLocation,
  rollbackBlock,
  S3_OPERATIONS,
  type BlockPrior,
} from '../../src/runbooks/operations/s3.js';
import type { ActionOperation, CheckOperation, StepContext, Where } from '../../src/runbooks/types.js';

const ACCOUNT = '222222222222';
const OPERATOR_ARN = 'arn:aws:sts::111111111111:assumed-role/Admin/alice';
const WHERE: Where = { account: ACCOUNT, role: 'OrganizationAccountAccessRole', region: 'us-east-1' };

type Handler = (input: Record<string, unknown>) => unknown;

function notFound(action: string, code: string): AwsCallError {
  return new AwsCallError({
    service: 'x',
    action,
    account: ACCOUNT,
    principalArn: undefined,
    code,
    message: 'not found',
  });
}

/** A session whose `send` answers each command by its name; an unexpected command fails the test. */
function fakeSession(handlers: Record<string, Handler>): AwsSession {
  return {
    async send(_service: string, command: { input: Record<string, unknown> }) {
      const name = command.constructor.name.replace(/Command$/, '');
      const handler = handlers[name];
      if (!handler) throw new Error(`unexpected call ${name}`);
      return handler(command.input);
    },
  } as unknown as AwsSession;
}

function context(
  opts: {
    params?: Record<string, string>;
    outputs?: Record<string, string>;
    handlers?: Record<string, Handler>;
    where?: Where;
    now?: Date;
    operatorArn?: string;
  } = {},
): StepContext {
  return {
    incident: 'INC-1',
    runbook: 'test',
    step: 'step',
    params: opts.params ?? {},
    where: opts.where ?? WHERE,
    session: fakeSession(opts.handlers ?? {}),
    sessionFor: () => Promise.reject(new Error('not in this test')),
    operator: { arn: opts.operatorArn ?? OPERATOR_ARN, name: 'alice' },
    organization: async () => ({ id: 'o-1', managementAccountId: '111111111111', rootId: 'r-1' }),
    outputs: opts.outputs ?? {},
    now: () => opts.now ?? new Date('2026-03-01T09:00:00.250Z'),
    signal: new AbortController().signal,
    dryRun: false,
    input: () => Promise.reject(new Error('no input')),
    handoff: () => undefined,
    registerSecrets: () => undefined,
  };
}

describe('revoke-sessions policy', () => {
  it('the cut-off is the run time rounded up to the second, written as the console writes it', () => {
    assert.equal(revocationCutoff(new Date('2026-03-01T09:00:00.000Z')), '2026-03-01T09:00:00Z');
    assert.equal(revocationCutoff(new Date('2026-03-01T09:00:00.001Z')), '2026-03-01T09:00:01Z');
  });

  it('denies * on * before the cut-off, and the cut-off reads back from it', () => {
    const doc = revokeOlderSessionsDocument('2026-03-01T09:00:01Z');
    assert.deepEqual(JSON.parse(doc), {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-03-01T09:00:01Z' } },
        },
      ],
    });
    assert.equal(revokeCutoffOf(doc), '2026-03-01T09:00:01Z');
    const single = JSON.stringify({
      Statement: {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
      },
    });
    assert.equal(revokeCutoffOf(single), '2020-01-01T00:00:00Z');
  });

  it('any other document has no cut-off', () => {
    assert.equal(revokeCutoffOf(null), undefined);
    assert.equal(revokeCutoffOf('not json'), undefined);
    assert.equal(
      revokeCutoffOf(
        JSON.stringify({
          Statement: [
            {
              Effect: 'Allow',
              Action: '*',
              Resource: '*',
              Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
            },
          ],
        }),
      ),
      undefined,
    );
    assert.equal(
      revokeCutoffOf(
        JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Action: 's3:*',
              Resource: '*',
              Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
            },
          ],
        }),
      ),
      undefined,
    );
    assert.equal(
      revokeCutoffOf(JSON.stringify({ Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] })),
      undefined,
    );
  });

  it('IAM policy documents are decoded from their URL encoding', () => {
    assert.equal(decodePolicyDocument('%7B%22Version%22%3A%222012-10-17%22%7D'), '{"Version":"2012-10-17"}');
    assert.equal(decodePolicyDocument('{"a":"100%"}'), '{"a":"100%"}');
    assert.equal(decodePolicyDocument(undefined), '');
  });

  const role = (document: string | null): RevokePrior => ({
    target: 'role',
    name: 'app',
    policyName: 'AWSRevokeOlderSessions',
    document,
    cutoff: '2026-03-01T09:00:01Z',
  });

  it('plans one PutRolePolicy, and a rollback that deletes it when there was none', () => {
    const prior = role(null);
    assert.deepEqual(planRevoke(prior), [
      {
        service: 'iam',
        action: 'PutRolePolicy',
        input: {
          RoleName: 'app',
          PolicyName: 'AWSRevokeOlderSessions',
          PolicyDocument: revokeOlderSessionsDocument('2026-03-01T09:00:01Z'),
        },
      },
    ]);
    assert.deepEqual(rollbackRevoke(prior), {
      requests: [
        {
          service: 'iam',
          action: 'DeleteRolePolicy',
          input: { RoleName: 'app', PolicyName: 'AWSRevokeOlderSessions' },
        },
      ],
      does: 'deletes the AWSRevokeOlderSessions inline policy from role app',
    });
  });

  it('replaces an earlier revocation, and the rollback puts its document back', () => {
    const earlier = revokeOlderSessionsDocument('2020-01-01T00:00:00Z');
    const prior = role(earlier);
    assert.equal(planRevoke(prior)[0]?.action, 'PutRolePolicy');
    const rollback = rollbackRevoke(prior);
    assert.ok('requests' in rollback);
    assert.deepEqual(rollback.requests, [
      {
        service: 'iam',
        action: 'PutRolePolicy',
        input: { RoleName: 'app', PolicyName: 'AWSRevokeOlderSessions', PolicyDocument: earlier },
      },
    ]);
  });

  it('a policy of that name that only denies is replaced and restored too', () => {
    const other = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }],
    });
    assert.equal(planRevoke(role(other)).length, 1);
    const rollback = rollbackRevoke(role(other));
    assert.ok('requests' in rollback && rollback.requests[0]?.input.PolicyDocument === other);
  });

  it('a replaced document that allows anything is never put back by the rollback (the prior state comes from the transcript, which anyone who can write it can choose)', () => {
    for (const statements of [
      [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' } },
        },
        { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
      ],
    ]) {
      const other = JSON.stringify({ Version: '2012-10-17', Statement: statements });
      assert.equal(planRevoke(role(other)).length, 1);
      const rollback = rollbackRevoke(role(other));
      assert.ok('none' in rollback, JSON.stringify(rollback));
      assert.match(rollback.none, /allows .*put it back by hand/);
    }
    assert.ok('none' in rollbackRevoke(role('not json')));
  });

  it('the operation refuses a prior state for another policy name or target than the one it writes', () => {
    const op = IAM_OPERATIONS['iam.revoke-role-sessions'] as ActionOperation;
    const ctx = {} as never;
    assert.throws(
      () => op.plan(ctx, { ...role(null), policyName: 'DenyProductionWrites' }),
      /policy DenyProductionWrites, .*AWSRevokeOlderSessions/,
    );
    assert.throws(
      () => op.rollback(ctx, { ...role(null), policyName: 'DenyProductionWrites' }, [{}]),
      /policy DenyProductionWrites/,
    );
    assert.throws(() => op.rollback(ctx, { ...role(null), target: 'user' }, [{}]), /user/);
    const user = IAM_OPERATIONS['iam.deny-user-older-sessions'] as ActionOperation;
    const userPrior: RevokePrior = {
      target: 'user',
      name: 'ci',
      policyName: containPolicyName('AKIAEXAMPLE123456789'),
      document: null,
      cutoff: '2026-03-01T09:00:01Z',
    };
    assert.equal(user.plan(ctx, userPrior).length, 1);
    assert.throws(
      () => user.rollback(ctx, { ...userPrior, policyName: 'AdminGuardrail' }, [{}]),
      /policy AdminGuardrail/,
    );
  });

  it('sends nothing when a revocation at or after the cut-off is already there', () => {
    for (const later of ['2026-03-01T09:00:01Z', '2026-03-01T10:00:00Z', '2026-03-01T09:00:01.000Z']) {
      const prior = role(revokeOlderSessionsDocument(later));
      assert.deepEqual(planRevoke(prior), []);
      assert.ok('none' in rollbackRevoke(prior));
    }
  });

  it('on a user it uses the user policy calls', () => {
    const prior: RevokePrior = {
      target: 'user',
      name: 'ci',
      policyName: containPolicyName('AKIAEXAMPLE123456789'),
      document: null,
      cutoff: '2026-03-01T09:00:01Z',
    };
    assert.equal(prior.policyName, 'awsorg-contain-AKIAEXAMPLE123456789');
    assert.deepEqual(
      planRevoke(prior).map((r) => [r.action, r.input.UserName, r.input.PolicyName]),
      [['PutUserPolicy', 'ci', 'awsorg-contain-AKIAEXAMPLE123456789']],
    );
    const rollback = rollbackRevoke(prior);
    assert.ok('requests' in rollback);
    assert.deepEqual(rollback.requests[0], {
      service: 'iam',
      action: 'DeleteUserPolicy',
      input: { UserName: 'ci', PolicyName: 'awsorg-contain-AKIAEXAMPLE123456789' },
    });
  });

  it('the action captures the existing policy and the run time, then plans, rolls back and outputs the cut-off', async () => {
    const op = IAM_OPERATIONS['iam.revoke-role-sessions'] as ActionOperation;
    const earlier = revokeOlderSessionsDocument('2020-01-01T00:00:00Z');
    const ctx = context({
      params: { 'role-name': 'app' },
      handlers: {
        GetRolePolicy: (input) => ({
          RoleName: input.RoleName,
          PolicyName: input.PolicyName,
          PolicyDocument: encodeURIComponent(earlier),
        }),
      },
    });
    const prior = await op.capture(ctx);
    assert.deepEqual(prior, {
      target: 'role',
      name: 'app',
      policyName: 'AWSRevokeOlderSessions',
      document: earlier,
      cutoff: '2026-03-01T09:00:01Z',
    });
    assert.equal(op.plan(ctx, prior).length, 1);
    assert.deepEqual(op.outputs?.(ctx, prior, []), { 'revoke-cutoff': '2026-03-01T09:00:01Z' });
    const none = await op.capture(
      context({
        params: { 'role-name': 'app' },
        handlers: { GetRolePolicy: () => Promise.reject(notFound('GetRolePolicy', 'NoSuchEntity')) },
      }),
    );
    assert.equal((none as RevokePrior).document, null);
  });
});

describe('role refusals', () => {
  const refusal = (name: string, path = '/', acting = 'OrganizationAccountAccessRole', operator = OPERATOR_ARN) =>
    roleRefusal({ name, path, arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}` }, ACCOUNT, acting, operator);

  it('refuses service-linked roles by path or by name, and says why', () => {
    for (const r of [
      refusal('AWSServiceRoleForElasticBeanstalk', '/aws-service-role/elasticbeanstalk.amazonaws.com/'),
      refusal('AWSServiceRoleForSupport'),
      refusal('custom', '/aws-service-role/x.amazonaws.com/'),
    ]) {
      assert.match(r?.refusal.message ?? '', /service-linked role.*inline policy/);
      assert.match(r?.summary ?? '', /service-linked/);
    }
  });

  it('refuses IAM Identity Center roles, pointing to Identity Center', () => {
    for (const r of [
      refusal('AWSReservedSSO_Admin_123'),
      refusal('AWSReservedSSO_ReadOnly_abc', '/aws-reserved/sso.amazonaws.com/eu-west-1/'),
    ]) {
      assert.match(r?.refusal.message ?? '', /IAM Identity Center/);
      assert.match(r?.refusal.nextStep ?? '', /permission set/);
    }
  });

  it('refuses the role the run acts through, or the one the operator is signed in as there', () => {
    assert.match(refusal('OrganizationAccountAccessRole')?.refusal.nextStep ?? '', /--access-role/);
    assert.ok(refusal('Admin', '/', 'signed-in', `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`));
    // The same role name in another account is another role.
    assert.equal(
      refusal('Admin', '/', 'OrganizationAccountAccessRole', 'arn:aws:sts::111111111111:assumed-role/Admin/alice'),
      undefined,
    );
  });

  it('lets ordinary roles through', () => {
    assert.equal(refusal('app-deployer'), undefined);
    assert.equal(refusal('ServiceRoleForApp', '/service-role/'), undefined);
  });

  it('the check refuses an unknown role and a service-linked role, and passes an ordinary one with its ARN as output', async () => {
    const check = IAM_OPERATIONS['iam.refuse-protected-role'] as CheckOperation;
    const unknown = await check.run(
      context({
        params: { 'role-name': 'nope' },
        handlers: { GetRole: () => Promise.reject(notFound('GetRole', 'NoSuchEntity')) },
      }),
    );
    assert.equal(unknown.ok, false);
    assert.match(unknown.refusal?.message ?? '', /no IAM role named nope/);
    const slr = await check.run(
      context({
        params: { 'role-name': 'AWSServiceRoleForX' },
        handlers: {
          GetRole: () => ({
            Role: { RoleName: 'AWSServiceRoleForX', Path: '/aws-service-role/x.amazonaws.com/', Arn: 'arn' },
          }),
        },
      }),
    );
    assert.ok(slr.refusal);
    const ok = await check.run(
      context({
        params: { 'role-name': 'app' },
        handlers: {
          GetRole: () => ({ Role: { RoleName: 'app', Path: '/', Arn: `arn:aws:iam::${ACCOUNT}:role/app` } }),
        },
      }),
    );
    assert.equal(ok.ok, true);
    assert.equal(ok.refusal, undefined);
    assert.deepEqual(ok.outputs, { 'role-arn': `arn:aws:iam::${ACCOUNT}:role/app` });
  });
});

describe('contain-access-key plans', () => {
  it('deactivates an active key (never deletes it), and the rollback reactivates it', () => {
    const prior = { userName: 'ci', accessKeyId: 'AKIAEXAMPLE123456789', status: 'Active' };
    assert.deepEqual(planDeactivate(prior), [
      {
        service: 'iam',
        action: 'UpdateAccessKey',
        input: { UserName: 'ci', AccessKeyId: 'AKIAEXAMPLE123456789', Status: 'Inactive' },
      },
    ]);
    const rollback = rollbackDeactivate(prior);
    assert.ok('requests' in rollback);
    assert.deepEqual(rollback.requests, [
      {
        service: 'iam',
        action: 'UpdateAccessKey',
        input: { UserName: 'ci', AccessKeyId: 'AKIAEXAMPLE123456789', Status: 'Active' },
      },
    ]);
  });

  it('an inactive key: nothing to send, nothing to undo', () => {
    const prior = { userName: 'ci', accessKeyId: 'AKIAEXAMPLE123456789', status: 'Inactive' };
    assert.deepEqual(planDeactivate(prior), []);
    assert.ok('none' in rollbackDeactivate(prior));
  });

  it('deletes a login profile; its rollback says it cannot be restored and how to give access back', () => {
    const prior = {
      userName: 'ci',
      loginProfile: { created: '2026-01-01T00:00:00.000Z', passwordResetRequired: false },
    };
    assert.deepEqual(planDeleteLoginProfile(prior), [
      { service: 'iam', action: 'DeleteLoginProfile', input: { UserName: 'ci' } },
    ]);
    const rollback = rollbackDeleteLoginProfile(prior);
    assert.ok('none' in rollback);
    assert.match(rollback.none, /cannot be restored/);
    assert.match(rollback.none, /aws iam create-login-profile --user-name ci .*--password-reset-required/);
    assert.deepEqual(planDeleteLoginProfile({ userName: 'ci', loginProfile: null }), []);
  });

  it('the account check refuses temporary keys and a key of another account than --account', async () => {
    const check = IAM_OPERATIONS['iam.find-access-key-account'] as CheckOperation;
    const handlers = {
      GetAccessKeyInfo: () => ({ Account: ACCOUNT }),
      DescribeAccount: () => ({ Account: { Id: ACCOUNT, Name: 'Production' } }),
    };
    const temporary = await check.run(context({ params: { 'access-key-id': 'ASIAEXAMPLE123456789' }, handlers }));
    assert.match(temporary.refusal?.message ?? '', /temporary/);
    assert.match(temporary.refusal?.nextStep ?? '', /revoke-role-sessions --account 222222222222/);
    const other = await check.run(
      context({ params: { 'access-key-id': 'AKIAEXAMPLE123456789', account: '333333333333' }, handlers }),
    );
    assert.match(other.refusal?.message ?? '', /belongs to account 222222222222, not 333333333333/);
    const found = await check.run(context({ params: { 'access-key-id': 'AKIAEXAMPLE123456789' }, handlers }));
    assert.equal(found.ok, true);
    assert.deepEqual(found.outputs, { 'key-account': ACCOUNT });
    const outside = await check.run(
      context({
        params: { 'access-key-id': 'AKIAEXAMPLE123456789' },
        handlers: {
          ...handlers,
          DescribeAccount: () => Promise.reject(notFound('DescribeAccount', 'AccountNotFoundException')),
        },
      }),
    );
    assert.match(outside.refusal?.message ?? '', /not in your organization/);
    const management = {
      GetAccessKeyInfo: () => ({ Account: '111111111111' }),
      DescribeAccount: () => ({ Account: { Id: '111111111111', Name: 'Management' } }),
    };
    const viaDefault = await check.run(
      context({
        params: { 'access-key-id': 'AKIAEXAMPLE123456789', 'access-role': 'OrganizationAccountAccessRole' },
        handlers: management,
      }),
    );
    assert.match(viaDefault.refusal?.nextStep ?? '', /--access-role signed-in/);
    const viaSignIn = await check.run(
      context({
        params: { 'access-key-id': 'AKIAEXAMPLE123456789', 'access-role': 'signed-in' },
        handlers: management,
      }),
    );
    assert.deepEqual(viaSignIn.outputs, { 'key-account': '111111111111' });
  });

  it("the user check refuses a key no user in the account lists, and the operator's own key", async () => {
    const check = IAM_OPERATIONS['iam.find-access-key-user'] as CheckOperation;
    const params = { 'access-key-id': 'AKIAEXAMPLE123456789' };
    const listed = { AccessKeyMetadata: [{ UserName: 'ci', AccessKeyId: 'AKIAEXAMPLE123456789', Status: 'Active' }] };
    const elsewhere = await check.run(
      context({
        params,
        handlers: {
          GetAccessKeyLastUsed: () => ({ UserName: 'ci' }),
          ListAccessKeys: () => Promise.reject(notFound('ListAccessKeys', 'NoSuchEntity')),
        },
      }),
    );
    assert.match(elsewhere.refusal?.message ?? '', /no IAM user in account 222222222222 has access key/);
    const mine = await check.run(
      context({
        params,
        where: { ...WHERE, role: 'signed-in' },
        operatorArn: `arn:aws:iam::${ACCOUNT}:user/ops/alice`,
        handlers: {
          GetAccessKeyLastUsed: () => ({ UserName: 'alice' }),
          ListAccessKeys: () => ({ AccessKeyMetadata: [{ ...listed.AccessKeyMetadata[0], UserName: 'alice' }] }),
          GetUser: () => ({
            User: { UserName: 'alice', Path: '/ops/', Arn: `arn:aws:iam::${ACCOUNT}:user/ops/alice` },
          }),
        },
      }),
    );
    assert.match(mine.refusal?.message ?? '', /which is you/);
    const ok = await check.run(
      context({
        params,
        handlers: {
          GetAccessKeyLastUsed: () => ({ UserName: 'ci' }),
          ListAccessKeys: () => listed,
          GetUser: () => ({ User: { UserName: 'ci', Arn: `arn:aws:iam::${ACCOUNT}:user/ci` } }),
        },
      }),
    );
    assert.deepEqual(ok.outputs, { 'key-user': 'ci' });
  });
});

describe('s3-public-exposure plans', () => {
  it('reads the region from GetBucketLocation as S3 answers it', () => {
    assert.equal(regionFromLocation(undefined), 'us-east-1');
    assert.equal(regionFromLocation(null), 'us-east-1');
    assert.equal(regionFromLocation(''), 'us-east-1');
    assert.equal(regionFromLocation('EU'), 'eu-west-1');
    assert.equal(regionFromLocation('ap-southeast-2'), 'ap-southeast-2');
  });

  it('a stored block has every field, a missing one off', () => {
    assert.deepEqual(blockConfig({ BlockPublicAcls: true }), {
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    });
    assert.equal(blockConfig(undefined), null);
    assert.equal(allBlocked(null), false);
    assert.equal(
      allBlocked(
        blockConfig({
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        }),
      ),
      true,
    );
  });

  const ALL = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  const bucket = (block: BlockPrior['block']): BlockPrior => ({ bucket: 'data', account: ACCOUNT, block });

  it('no block: turn all four on; the rollback deletes the block again', () => {
    assert.deepEqual(planBlock(bucket(null)), [
      {
        service: 's3',
        action: 'PutPublicAccessBlock',
        input: { Bucket: 'data', ExpectedBucketOwner: ACCOUNT, PublicAccessBlockConfiguration: ALL },
      },
    ]);
    const rollback = rollbackBlock(bucket(null));
    assert.ok('requests' in rollback);
    assert.deepEqual(rollback.requests, [
      { service: 's3', action: 'DeletePublicAccessBlock', input: { Bucket: 'data', ExpectedBucketOwner: ACCOUNT } },
    ]);
  });

  it('a partial block: turn all four on; the rollback puts the captured values back', () => {
    const partial = {
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    };
    assert.equal(planBlock(bucket(partial)).length, 1);
    const rollback = rollbackBlock(bucket(partial));
    assert.ok('requests' in rollback);
    assert.deepEqual(rollback.requests, [
      {
        service: 's3',
        action: 'PutPublicAccessBlock',
        input: { Bucket: 'data', ExpectedBucketOwner: ACCOUNT, PublicAccessBlockConfiguration: partial },
      },
    ]);
  });

  it('all four already on: nothing to send, nothing to undo', () => {
    assert.deepEqual(planBlock(bucket(ALL)), []);
    assert.ok('none' in rollbackBlock(bucket(ALL)));
  });

  it('names ACL grants to everyone and policy statements that allow anyone', () => {
    assert.deepEqual(
      publicAclGrants([
        { Grantee: { Type: 'CanonicalUser', ID: 'owner' }, Permission: 'FULL_CONTROL' },
        { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' },
        {
          Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers' },
          Permission: 'WRITE',
        },
        { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, Permission: 'WRITE' },
      ]),
      ['everyone: READ', 'any AWS account: WRITE'],
    );
    const policy = JSON.stringify({
      Statement: [
        { Sid: 'Public', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: '*' },
        {
          Effect: 'Allow',
          Principal: { AWS: ['*'] },
          Action: ['s3:PutObject'],
          Resource: '*',
          Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
        },
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::333333333333:root' },
          Action: 's3:GetObject',
          Resource: '*',
        },
        { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' },
      ],
    });
    assert.deepEqual(policyOpenStatements(policy), [
      'Public: s3:GetObject',
      'statement 2: s3:PutObject (with conditions)',
    ]);
    assert.deepEqual(policyOpenStatements(null), []);
  });

  it('the bucket check refuses an unknown bucket and outputs the region of a known one', async () => {
    const check = S3_OPERATIONS['s3.find-bucket'] as CheckOperation;
    const missing = await check.run(
      context({
        params: { bucket: 'nope-bucket' },
        handlers: { GetBucketLocation: () => Promise.reject(notFound('GetBucketLocation', 'NoSuchBucket')) },
      }),
    );
    assert.match(missing.refusal?.message ?? '', /no S3 bucket named nope-bucket/);
    const denied = await check.run(
      context({
        params: { bucket: 'theirs' },
        handlers: { GetBucketLocation: () => Promise.reject(notFound('GetBucketLocation', 'AccessDenied')) },
      }),
    );
    assert.match(denied.refusal?.message ?? '', /belongs to another account/);
    let sent: Record<string, unknown> = {};
    const found = await check.run(
      context({
        params: { bucket: 'data' },
        handlers: { GetBucketLocation: (input) => ((sent = input), { LocationConstraint: 'eu-central-1' }) },
      }),
    );
    assert.deepEqual(found.outputs, { 'bucket-region': 'eu-central-1' });
    assert.deepEqual(sent, { Bucket: 'data', ExpectedBucketOwner: ACCOUNT }, 'S3 checks the owner');
  });
});
