/**
 * The fault-injecting proxy and the create-account fixture, driven through our own AwsSession
 * against a real moto_server: every protocol's throttling and 5xx is retried, a request that
 * took effect before the connection dropped is reconciled instead of duplicated, and the
 * IN_PROGRESS / FAILED account paths moto cannot produce behave like Organizations.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListCreateAccountStatusCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type CreateAccountStatus,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  CreatePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  PutPublicAccessBlockCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { CreateTableCommand, DescribeTableCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTrailCommand, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { actionName, AwsSession, type AwsEvent, type ServiceName } from '../../src/aws/session.js';
import { resolveBaseCredentials } from '../../src/aws/credentials.js';
import { AwsCallError } from '../../src/core/errors.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import {
  actionOf,
  chainInterceptors,
  faultFirst,
  faultInjector,
  mulberry32,
  protocolOf,
  s3Action,
  serviceOf,
  startAwsProxy,
  type AwsProxy,
  type InterceptDecision,
  type InterceptedRequest,
} from '../fixtures/aws-proxy.js';
import { CREATE_ACCOUNT_FAILURE_REASONS, createAccountFixture } from '../fixtures/create-account-fixture.js';

const BUCKET = 'awsorg-proxy-test';
const BACKOFF = { maxAttempts: 10, baseDelayMs: 5, maxDelayMs: 50 };

let moto: Moto;
let proxy: AwsProxy;
let sessions: AwsSession[] = [];

function newSession(events: AwsEvent[] = [], endpoint = proxy.endpoint): AwsSession {
  const env = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
  };
  const session = new AwsSession(
    {
      env,
      random: mulberry32(7),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      onEvent: (event) => events.push(event),
      backoff: BACKOFF,
    },
    { region: 'us-east-1', credentials: resolveBaseCredentials(env) },
  );
  sessions.push(session);
  return session;
}

function retries(events: AwsEvent[], action: string): Array<{ code: string; kind: string }> {
  return events.flatMap((e) => (e.type === 'retry' && e.action === action ? [{ code: e.code, kind: e.kind }] : []));
}

function outcomesOf(action: string): string[] {
  return proxy.requests.filter((r) => r.action === action).map((r) => r.outcome);
}

/**
 * An organization and a bucket, created once per file with no interceptor in the way (moto
 * takes seconds to reset and to answer the first calls after a reset). Tests share it and use
 * names of their own; a test that needs no organization calls `noOrganization()`.
 */
let worldRootId: string | undefined;
async function world(session: AwsSession): Promise<{ rootId: string }> {
  if (!worldRootId) {
    await moto.reset();
    await session.send('organizations', new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    await session.send('s3', new CreateBucketCommand({ Bucket: BUCKET }));
    const roots = await session.send('organizations', new ListRootsCommand({}));
    worldRootId = roots.Roots?.[0]?.Id ?? assert.fail('no root');
    proxy.clearRecords();
  }
  return { rootId: worldRootId };
}

async function noOrganization(): Promise<void> {
  await moto.reset();
  worldRootId = undefined;
}

before(async () => {
  moto = await startMoto();
  proxy = await startAwsProxy({ target: moto.endpoint, seed: 1 });
});

after(async () => {
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(() => {
  proxy.setInterceptor(undefined);
  proxy.clearRecords();
});

afterEach(() => {
  for (const s of sessions) s.destroy();
  sessions = [];
  assert.deepEqual(proxy.errors.map(String), [], 'the proxy and its interceptors raised no errors');
});

interface Probe {
  service: ServiceName;
  action: string;
  protocol: string;
  throttleCode: string;
  serverErrorCodes: { 500: string; 503: string };
  run(session: AwsSession): Promise<unknown>;
}

const JSON_5XX = { 500: 'InternalFailure', 503: 'ServiceUnavailable' };
const PROBES: Probe[] = [
  {
    service: 'organizations',
    action: 'DescribeOrganization',
    protocol: 'json',
    throttleCode: 'TooManyRequestsException',
    serverErrorCodes: JSON_5XX,
    run: (s) => s.send('organizations', new DescribeOrganizationCommand({})),
  },
  {
    service: 'sts',
    action: 'GetCallerIdentity',
    protocol: 'query',
    throttleCode: 'Throttling',
    serverErrorCodes: JSON_5XX,
    run: (s) => s.send('sts', new GetCallerIdentityCommand({})),
  },
  {
    service: 'iam',
    action: 'ListRoles',
    protocol: 'query',
    throttleCode: 'Throttling',
    serverErrorCodes: JSON_5XX,
    run: (s) => s.send('iam', new ListRolesCommand({})),
  },
  {
    service: 's3',
    action: 'GetBucketVersioning',
    protocol: 'rest-xml',
    throttleCode: 'SlowDown',
    serverErrorCodes: { 500: 'InternalError', 503: 'ServiceUnavailable' },
    run: (s) => s.send('s3', new GetBucketVersioningCommand({ Bucket: BUCKET })),
  },
  {
    service: 'dynamodb',
    action: 'ListTables',
    protocol: 'json',
    throttleCode: 'ThrottlingException',
    serverErrorCodes: JSON_5XX,
    run: (s) => s.send('dynamodb', new ListTablesCommand({})),
  },
  {
    service: 'cloudtrail',
    action: 'DescribeTrails',
    protocol: 'json',
    throttleCode: 'ThrottlingException',
    serverErrorCodes: JSON_5XX,
    run: (s) => s.send('cloudtrail', new DescribeTrailsCommand({})),
  },
];

describe('request identification', () => {
  it('names the service and action of every protocol the way the SDK command does', async () => {
    const session = newSession();
    const { rootId } = await world(session);
    const bigObject = Buffer.alloc(64 * 1024, 1);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${BUCKET}/*`,
        },
      ],
    });
    const permissions = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
    });
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '123456789012' }, Action: 'sts:AssumeRole' }],
    });
    const calls: Array<[ServiceName, object]> = [
      ['organizations', new DescribeOrganizationCommand({})],
      ['organizations', new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Detected' })],
      ['organizations', new ListAccountsCommand({})],
      ['sts', new GetCallerIdentityCommand({})],
      [
        'sts',
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::111111111111:role/OrganizationAccountAccessRole',
          RoleSessionName: 'awsorg',
        }),
      ],
      ['iam', new CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: trust })],
      ['iam', new GetRoleCommand({ RoleName: 'deploy' })],
      ['iam', new PutRolePolicyCommand({ RoleName: 'deploy', PolicyName: 'inline', PolicyDocument: permissions })],
      ['iam', new CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: permissions })],
      [
        'dynamodb',
        new CreateTableCommand({
          TableName: 'locks',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
        }),
      ],
      ['dynamodb', new DescribeTableCommand({ TableName: 'locks' })],
      ['dynamodb', new PutItemCommand({ TableName: 'locks', Item: { LockID: { S: 'x' } } })],
      ['cloudtrail', new CreateTrailCommand({ Name: 'org-trail', S3BucketName: BUCKET })],
      ['cloudtrail', new GetTrailStatusCommand({ Name: 'org-trail' })],
      ['s3', new ListBucketsCommand({})],
      ['s3', new HeadBucketCommand({ Bucket: BUCKET })],
      ['s3', new GetBucketLocationCommand({ Bucket: BUCKET })],
      ['s3', new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } })],
      [
        's3',
        new PutBucketEncryptionCommand({
          Bucket: BUCKET,
          ServerSideEncryptionConfiguration: {
            Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
        }),
      ],
      ['s3', new GetBucketEncryptionCommand({ Bucket: BUCKET })],
      [
        's3',
        new PutPublicAccessBlockCommand({
          Bucket: BUCKET,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
        }),
      ],
      ['s3', new GetPublicAccessBlockCommand({ Bucket: BUCKET })],
      ['s3', new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'owner', Value: 'awsorg' }] } })],
      ['s3', new GetBucketTaggingCommand({ Bucket: BUCKET })],
      ['s3', new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: policy })],
      ['s3', new GetBucketPolicyCommand({ Bucket: BUCKET })],
      ['s3', new DeleteBucketPolicyCommand({ Bucket: BUCKET })],
      ['s3', new PutObjectCommand({ Bucket: BUCKET, Key: 'env/prod/terraform.tfstate', Body: bigObject })],
      ['s3', new HeadObjectCommand({ Bucket: BUCKET, Key: 'env/prod/terraform.tfstate' })],
      ['s3', new GetObjectCommand({ Bucket: BUCKET, Key: 'env/prod/terraform.tfstate' })],
      [
        's3',
        new CopyObjectCommand({
          Bucket: BUCKET,
          Key: 'copy.tfstate',
          CopySource: `${BUCKET}/env/prod/terraform.tfstate`,
        }),
      ],
      [
        's3',
        new PutObjectTaggingCommand({
          Bucket: BUCKET,
          Key: 'copy.tfstate',
          Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] },
        }),
      ],
      ['s3', new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'copy.tfstate' })],
      ['s3', new ListObjectsV2Command({ Bucket: BUCKET })],
      ['s3', new ListObjectVersionsCommand({ Bucket: BUCKET })],
      ['s3', new DeleteObjectCommand({ Bucket: BUCKET, Key: 'copy.tfstate' })],
      [
        's3',
        new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'env/prod/terraform.tfstate' }] } }),
      ],
    ];
    proxy.clearRecords();
    for (const [service, command] of calls) {
      const out = (await session.send(service, command as never)) as {
        Body?: { transformToByteArray(): Promise<Uint8Array> };
      };
      // An unread GetObject body would error out when the session is destroyed.
      await out.Body?.transformToByteArray();
    }
    const upload = await session.send('s3', new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multi' }));
    const part = await session.send(
      's3',
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: 'multi',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: 'part one',
      }),
    );
    await session.send(
      's3',
      new CompleteMultipartUploadCommand({
        Bucket: BUCKET,
        Key: 'multi',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ ETag: part.ETag, PartNumber: 1 }] },
      }),
    );
    const expected = [
      ...calls.map(([service, command]) => `${service}:${actionName(command)}`),
      's3:CreateMultipartUpload',
      's3:UploadPart',
      's3:CompleteMultipartUpload',
    ];
    assert.deepEqual(
      proxy.requests.map((r) => `${r.service}:${r.action}`),
      expected,
    );
    assert.ok(proxy.requests.every((r) => r.outcome === 'forwarded'));
  });

  it('sees the wire protocol the installed SDK clients really use', async () => {
    const session = newSession();
    await world(session);
    proxy.clearRecords();
    for (const probe of PROBES) await probe.run(session);
    const seen = proxy.requests.map((r) => [r.service, r.protocol, r.contentType]);
    assert.deepEqual(seen, [
      ['organizations', 'json', 'application/x-amz-json-1.1'],
      // STS and IAM still speak the query protocol (a form body with Action=...).
      ['sts', 'query', 'application/x-www-form-urlencoded'],
      ['iam', 'query', 'application/x-www-form-urlencoded'],
      ['s3', 'rest-xml', undefined],
      ['dynamodb', 'json', 'application/x-amz-json-1.0'],
      ['cloudtrail', 'json', 'application/x-amz-json-1.1'],
    ]);
  });

  it('reads the service from SigV4, SigV4a and presigned credential scopes', () => {
    const auth = (credential: string) => ({
      headers: { authorization: `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=host, Signature=0` },
    });
    assert.equal(serviceOf(auth('AKID/20240101/us-east-1/organizations/aws4_request')), 'organizations');
    assert.equal(
      serviceOf({
        headers: {
          authorization:
            'AWS4-ECDSA-P256-SHA256 Credential=AKID/20240101/s3/aws4_request, SignedHeaders=host, Signature=0',
        },
      }),
      's3',
    );
    assert.equal(
      serviceOf({
        headers: {},
        url: '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request',
      }),
      's3',
    );
    assert.equal(serviceOf({ headers: {}, url: '/moto-api/reset' }), 'unknown');
  });

  it('names S3 operations from method, path and query', () => {
    const cases: Array<[string, string, string, IncomingHttpHeaders?]> = [
      ['PUT', '/bucket?versioning', 'PutBucketVersioning'],
      ['PUT', '/bucket', 'CreateBucket'],
      ['HEAD', '/bucket', 'HeadBucket'],
      ['GET', '/bucket?policy', 'GetBucketPolicy'],
      ['DELETE', '/bucket?policy', 'DeleteBucketPolicy'],
      ['PUT', '/bucket/key', 'PutObject'],
      ['PUT', '/bucket/a/b/c.tfstate', 'PutObject'],
      ['PUT', '/bucket/key', 'CopyObject', { 'x-amz-copy-source': '/bucket/other' }],
      ['PUT', '/bucket/key?partNumber=2&uploadId=u', 'UploadPart'],
      ['PUT', '/bucket/key?partNumber=2&uploadId=u', 'UploadPartCopy', { 'x-amz-copy-source': '/bucket/other' }],
      ['POST', '/bucket/key?uploads', 'CreateMultipartUpload'],
      ['POST', '/bucket/key?uploadId=u', 'CompleteMultipartUpload'],
      ['DELETE', '/bucket/key?uploadId=u', 'AbortMultipartUpload'],
      ['GET', '/bucket/key?uploadId=u', 'ListParts'],
      ['GET', '/bucket?list-type=2&prefix=env', 'ListObjectsV2'],
      ['GET', '/bucket?prefix=env', 'ListObjects'],
      ['GET', '/bucket?versions', 'ListObjectVersions'],
      ['GET', '/bucket?uploads', 'ListMultipartUploads'],
      ['POST', '/bucket?delete', 'DeleteObjects'],
      ['PUT', '/bucket?lifecycle', 'PutBucketLifecycleConfiguration'],
      ['DELETE', '/bucket?lifecycle', 'DeleteBucketLifecycle'],
      ['PUT', '/bucket?publicAccessBlock', 'PutPublicAccessBlock'],
      ['PUT', '/bucket?ownershipControls', 'PutBucketOwnershipControls'],
      ['PUT', '/bucket?object-lock', 'PutObjectLockConfiguration'],
      ['GET', '/bucket/key?tagging', 'GetObjectTagging'],
      ['HEAD', '/bucket/key', 'HeadObject'],
      ['GET', '/bucket/key', 'GetObject'],
      ['DELETE', '/bucket/key', 'DeleteObject'],
      ['GET', '/', 'ListBuckets'],
      ['GET', '/key', 'GetObject', { host: 'bucket.localhost:4566' }],
      ['PATCH', '/bucket', 'S3:PATCH'],
    ];
    for (const [method, url, action, headers] of cases)
      assert.equal(s3Action(method, url, headers ?? {}), action, `${method} ${url}`);
  });

  it('reads the action from X-Amz-Target, a query body, or the query string', () => {
    const json = {
      'x-amz-target': 'AWSOrganizationsV20161128.CreateAccount',
      'content-type': 'application/x-amz-json-1.1',
    };
    assert.equal(protocolOf('organizations', json), 'json');
    assert.equal(actionOf('organizations', 'json', 'POST', '/', json, Buffer.from('{}')), 'CreateAccount');
    const trail = { 'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.CreateTrail' };
    assert.equal(actionOf('cloudtrail', 'json', 'POST', '/', trail, Buffer.from('{}')), 'CreateTrail');
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    assert.equal(protocolOf('iam', form), 'query');
    assert.equal(
      actionOf('iam', 'query', 'POST', '/', form, Buffer.from('Action=CreateRole&Version=2010-05-08')),
      'CreateRole',
    );
    assert.equal(
      actionOf('sts', 'query', 'GET', '/?Action=GetCallerIdentity&Version=2011-06-15', {}, Buffer.alloc(0)),
      'GetCallerIdentity',
    );
  });
});

describe('retries through the proxy, on every protocol', () => {
  before(async () => {
    await world(newSession());
  });

  for (const probe of PROBES) {
    it(`${probe.service} (${probe.protocol}): throttling twice, then success`, async () => {
      const events: AwsEvent[] = [];
      const session = newSession(events);
      proxy.setInterceptor(
        faultFirst({ times: 2, fault: { kind: 'throttle' }, match: `${probe.service}:${probe.action}` }),
      );
      await probe.run(session);
      assert.deepEqual(retries(events, probe.action), [
        { code: probe.throttleCode, kind: 'throttled' },
        { code: probe.throttleCode, kind: 'throttled' },
      ]);
      assert.deepEqual(outcomesOf(probe.action), ['throttled', 'throttled', 'forwarded']);
    });

    for (const status of [500, 503] as const) {
      it(`${probe.service} (${probe.protocol}): HTTP ${status} twice, then success`, async () => {
        const events: AwsEvent[] = [];
        const session = newSession(events);
        proxy.setInterceptor(
          faultFirst({ times: 2, fault: { kind: 'serverError', status }, match: `${probe.service}:${probe.action}` }),
        );
        await probe.run(session);
        const code = probe.serverErrorCodes[status];
        assert.deepEqual(retries(events, probe.action), [
          { code, kind: 'ambiguous' },
          { code, kind: 'ambiguous' },
        ]);
        assert.deepEqual(
          proxy.requests.filter((r) => r.action === probe.action).map((r) => r.status),
          [status, status, 200],
        );
      });
    }

    for (const kind of ['resetBeforeForward', 'resetAfterForward'] as const) {
      it(`${probe.service} (${probe.protocol}): ${kind}, then success`, async () => {
        const events: AwsEvent[] = [];
        const session = newSession(events);
        proxy.setInterceptor(faultFirst({ times: 1, fault: { kind }, match: `${probe.service}:${probe.action}` }));
        await probe.run(session);
        assert.deepEqual(retries(events, probe.action), [{ code: 'ECONNRESET', kind: 'ambiguous' }]);
        assert.deepEqual(outcomesOf(probe.action), [kind, 'forwarded']);
      });
    }
  }
});

describe('S3 HEAD errors', () => {
  it('carry no body, so the SDK names them Unknown; a throttled HeadBucket is still retried', async () => {
    const events: AwsEvent[] = [];
    const session = newSession(events);
    await world(session);
    proxy.setInterceptor(faultFirst({ times: 2, fault: { kind: 'throttle' }, match: 's3:HeadBucket' }));
    await session.send('s3', new HeadBucketCommand({ Bucket: BUCKET }));
    assert.deepEqual(retries(events, 'HeadBucket'), [
      { code: 'Unknown', kind: 'ambiguous' },
      { code: 'Unknown', kind: 'ambiguous' },
    ]);
  });
});

/** Answer the matching requests with these decisions in turn, then forward. */
function sequence(
  match: string,
  decisions: InterceptDecision[],
): (request: InterceptedRequest) => InterceptDecision | undefined {
  let next = 0;
  return (request) => (`${request.service}:${request.action}` === match ? decisions[next++] : undefined);
}

describe('non-idempotent calls after a lost response', () => {
  async function organizationalUnitsNamed(session: AwsSession, rootId: string, name: string): Promise<number> {
    const out = await session.send('organizations', new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }));
    return (out.OrganizationalUnits ?? []).filter((ou) => ou.Name === name).length;
  }

  it('CreateOrganizationalUnit forwarded then reset, with reconcile: exactly one OU', async () => {
    const events: AwsEvent[] = [];
    const session = newSession(events);
    const { rootId } = await world(session);
    proxy.setInterceptor(
      faultFirst({ times: 1, fault: { kind: 'resetAfterForward' }, match: 'organizations:CreateOrganizationalUnit' }),
    );
    const out = await session.send(
      'organizations',
      new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Security' }),
      {
        reconcile: async () => {
          const list = await session.send(
            'organizations',
            new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }),
          );
          const existing = list.OrganizationalUnits?.find((ou) => ou.Name === 'Security');
          return existing ? { OrganizationalUnit: existing, $metadata: {} } : undefined;
        },
      },
    );
    assert.equal(out.OrganizationalUnit?.Name, 'Security');
    assert.deepEqual(outcomesOf('CreateOrganizationalUnit'), ['resetAfterForward']);
    assert.ok(events.some((e) => e.type === 'reconciled' && e.action === 'CreateOrganizationalUnit'));
    assert.equal(await organizationalUnitsNamed(session, rootId, 'Security'), 1);
  });

  it('the same without reconcile leaves the duplicate OU that moto accepts (why reconcile exists)', async () => {
    const session = newSession();
    const { rootId } = await world(session);
    proxy.setInterceptor(
      faultFirst({ times: 1, fault: { kind: 'resetAfterForward' }, match: 'organizations:CreateOrganizationalUnit' }),
    );
    await session.send('organizations', new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' }));
    assert.deepEqual(outcomesOf('CreateOrganizationalUnit'), ['resetAfterForward', 'forwarded']);
    assert.equal(await organizationalUnitsNamed(session, rootId, 'Workloads'), 2);
  });

  it('reconcile that finds nothing sends again: a reset before forwarding creates exactly one OU', async () => {
    const session = newSession();
    const { rootId } = await world(session);
    let reconciled = 0;
    proxy.setInterceptor(
      faultFirst({ times: 1, fault: { kind: 'resetBeforeForward' }, match: 'organizations:CreateOrganizationalUnit' }),
    );
    await session.send('organizations', new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Sandbox' }), {
      reconcile: async () => {
        reconciled++;
        const list = await session.send(
          'organizations',
          new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }),
        );
        const existing = list.OrganizationalUnits?.find((ou) => ou.Name === 'Sandbox');
        return existing ? { OrganizationalUnit: existing, $metadata: {} } : undefined;
      },
    });
    assert.equal(reconciled, 1);
    assert.deepEqual(outcomesOf('CreateOrganizationalUnit'), ['resetBeforeForward', 'forwarded']);
    assert.equal(await organizationalUnitsNamed(session, rootId, 'Sandbox'), 1);
  });
});

// Both were found with this proxy: the session used to throw on an ambiguous last attempt
// without asking reconcile, and to resend a consumed stream (failing with "Unable to calculate
// hash for flowing readable stream", which hid the real SlowDown).
describe('AwsSession edge cases', () => {
  it('reconcile is consulted when the last allowed attempt is ambiguous', async () => {
    const events: AwsEvent[] = [];
    const session = newSession(events);
    const { rootId } = await world(session);
    const throttles: InterceptDecision[] = Array.from({ length: BACKOFF.maxAttempts - 1 }, () => ({
      kind: 'throttle',
    }));
    proxy.setInterceptor(
      sequence('organizations:CreateOrganizationalUnit', [...throttles, { kind: 'resetAfterForward' }]),
    );
    const reconcile = async () => {
      const list = await session.send(
        'organizations',
        new ListOrganizationalUnitsForParentCommand({ ParentId: rootId }),
      );
      const existing = list.OrganizationalUnits?.find((ou) => ou.Name === 'Infrastructure');
      return existing ? { OrganizationalUnit: existing, $metadata: {} } : undefined;
    };
    const out = await session.send(
      'organizations',
      new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Infrastructure' }),
      { reconcile },
    );
    assert.equal(out.OrganizationalUnit?.Name, 'Infrastructure');
    assert.equal(outcomesOf('CreateOrganizationalUnit').length, BACKOFF.maxAttempts);
    assert.ok(events.some((e) => e.type === 'reconciled' && e.action === 'CreateOrganizationalUnit'));
  });

  it('a PutObject with a stream body is not resent with the stream already consumed', async () => {
    const session = newSession();
    await world(session);
    proxy.setInterceptor(faultFirst({ times: 1, fault: { kind: 'throttle' }, match: 's3:PutObject' }));
    const body = Buffer.alloc(200_000, 'z');
    const err = await session
      .send(
        's3',
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: 'streamed',
          Body: Readable.from([body]),
          ContentLength: body.length,
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    // Either the upload succeeds (the body was replayable) or the error names the real cause.
    if (err !== undefined) assert.match(String(err), /SlowDown/);
  });
});

describe('final failures', () => {
  const errorShape = /^organizations:(\w+) failed in account 123456789012 as arn:aws:sts::123456789012:user\/moto: /;

  it('throttled on every attempt: AwsCallError names service:Action, account and ARN after maxAttempts', async () => {
    const events: AwsEvent[] = [];
    const session = newSession(events);
    await world(session);
    await session.identity();
    proxy.clearRecords();
    proxy.setInterceptor(
      faultFirst({ times: Infinity, fault: { kind: 'throttle' }, match: 'organizations:ListRoots' }),
    );
    const err = await session.send('organizations', new ListRootsCommand({})).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AwsCallError, String(err));
    assert.match(err.message, errorShape);
    assert.match(err.message, /ListRoots failed .*: TooManyRequestsException: Rate exceeded$/);
    assert.equal(err.code, 'TooManyRequestsException');
    assert.match(err.nextStep ?? '', /throttling/);
    assert.equal(outcomesOf('ListRoots').length, BACKOFF.maxAttempts);
    assert.equal(retries(events, 'ListRoots').length, BACKOFF.maxAttempts - 1);
  });

  it('a permanent 503: the same message after maxAttempts', async () => {
    const session = newSession();
    await world(session);
    await session.identity();
    proxy.setInterceptor(
      faultFirst({
        times: Infinity,
        fault: { kind: 'serverError', status: 503 },
        match: 'organizations:DescribeOrganization',
      }),
    );
    const err = await session.send('organizations', new DescribeOrganizationCommand({})).catch((e: unknown) => e);
    assert.ok(err instanceof AwsCallError, String(err));
    assert.match(err.message, errorShape);
    assert.match(err.message, /: ServiceUnavailable: Service is unavailable\.$/);
    assert.equal(outcomesOf('DescribeOrganization').length, BACKOFF.maxAttempts);
  });

  it('a fatal error is not retried', async () => {
    const session = newSession();
    await noOrganization();
    await session.identity();
    const err = await session.send('organizations', new DescribeOrganizationCommand({})).catch((e: unknown) => e);
    assert.ok(err instanceof AwsCallError, String(err));
    assert.match(err.message, errorShape);
    assert.equal(err.code, 'AWSOrganizationsNotInUseException');
    assert.deepEqual(outcomesOf('DescribeOrganization'), ['forwarded']);
  });
});

describe('faultInjector', () => {
  function fakeRequest(seq: number, action: string, body = `{"n":${seq}}`): InterceptedRequest {
    return {
      seq,
      service: 'organizations',
      action,
      protocol: 'json',
      method: 'POST',
      url: '/',
      headers: {},
      body: Buffer.from(body),
      bodyHash: createHash('sha256').update(body).digest('hex'),
      forward: () => Promise.reject(new Error('not used')),
    };
  }

  function decisions(seed: number, rate = 0.3): string[] {
    const inject = faultInjector({ rate, seed });
    return Array.from({ length: 200 }, (_, i) => {
      const d = inject(fakeRequest(i + 1, 'ListAccounts')) as InterceptDecision | undefined;
      return d ? (d.kind === 'serverError' ? `${d.kind}${d.status}` : d.kind) : 'forward';
    });
  }

  it('is deterministic for a seed and hits about `rate` of requests with every kind', () => {
    const first = decisions(42);
    assert.deepEqual(decisions(42), first);
    assert.notDeepEqual(decisions(43), first);
    const faulted = first.filter((d) => d !== 'forward').length;
    assert.ok(faulted > 40 && faulted < 80, `faulted ${faulted} of 200`);
    for (const kind of ['throttle', 'serverError500', 'serverError503', 'resetBeforeForward', 'resetAfterForward']) {
      assert.ok(first.includes(kind), `${kind} appears`);
    }
  });

  it('honours kinds, exclude and only', () => {
    const throttleOnly = faultInjector({
      rate: 1,
      seed: 1,
      kinds: ['throttle'],
      exclude: ['GetCallerIdentity', 'organizations:ListRoots'],
    });
    assert.deepEqual(throttleOnly(fakeRequest(1, 'ListAccounts')), { kind: 'throttle' });
    assert.equal(throttleOnly(fakeRequest(2, 'GetCallerIdentity')), undefined);
    assert.equal(throttleOnly(fakeRequest(3, 'ListRoots')), undefined);
    const only = faultInjector({ rate: 1, seed: 1, only: [(r) => r.action.startsWith('Create')] });
    assert.equal(only(fakeRequest(1, 'ListAccounts')), undefined);
    assert.notEqual(only(fakeRequest(2, 'CreateAccount')), undefined);
  });

  it('never faults the same request more than maxConsecutive times in a row', () => {
    const inject = faultInjector({ rate: 1, seed: 9, maxConsecutive: 3 });
    const same = [1, 2, 3, 4, 5].map((i) => inject(fakeRequest(i, 'CreateAccount', '{"Email":"a@example.com"}')));
    assert.deepEqual(
      same.map((d) => d !== undefined),
      [true, true, true, false, true],
    );
    // A different body is a different request, with its own count.
    assert.notEqual(inject(fakeRequest(6, 'CreateAccount', '{"Email":"b@example.com"}')), undefined);
    assert.equal(inject.injected.length, 5);
  });

  it('a faulty run of idempotent calls on every service completes, and GetCallerIdentity is never faulted', async () => {
    const events: AwsEvent[] = [];
    const session = newSession(events);
    await world(session);
    const inject = faultInjector({ rate: 0.4, seed: 2024, exclude: ['GetCallerIdentity'] });
    proxy.setInterceptor(inject);
    for (let round = 0; round < 6; round++) {
      for (const probe of PROBES) await probe.run(session);
      await session.send('s3', new PutObjectCommand({ Bucket: BUCKET, Key: `round-${round}`, Body: `state ${round}` }));
      await session.send(
        's3',
        new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }),
      );
    }
    assert.ok(inject.injected.length >= 10, `injected ${inject.injected.length}`);
    assert.equal(inject.injected.filter((f) => f.action === 'GetCallerIdentity').length, 0);
    assert.equal(proxy.stats.total, proxy.requests.length);
    const faults =
      proxy.stats.throttled + proxy.stats.serverError + proxy.stats.resetBeforeForward + proxy.stats.resetAfterForward;
    assert.equal(faults, inject.injected.length);
    assert.equal(retries(events, 'GetCallerIdentity').length, 0);
    for (let round = 0; round < 6; round++) {
      const object = await session.send('s3', new GetObjectCommand({ Bucket: BUCKET, Key: `round-${round}` }));
      assert.equal(await object.Body?.transformToString(), `state ${round}`);
    }
  });
});

describe('bodies and headers are forwarded faithfully', () => {
  interface Echo {
    method: string;
    url: string;
    headers: IncomingHttpHeaders;
    length: number;
    sha256: string;
  }

  async function withEchoTarget(test: (echoProxy: AwsProxy) => Promise<void>): Promise<void> {
    const echo = createServer((req, res) => {
      const hash = createHash('sha256');
      let length = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        length += c.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            method: req.method ?? '',
            url: req.url ?? '',
            headers: req.headers,
            length,
            sha256: hash.digest('hex'),
          } satisfies Echo),
        );
      });
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const echoProxy = await startAwsProxy({ target: `http://127.0.0.1:${(echo.address() as AddressInfo).port}` });
    try {
      await test(echoProxy);
      assert.deepEqual(echoProxy.errors.map(String), []);
    } finally {
      await echoProxy.stop();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  }

  function rawRequest(
    port: number,
    opts: { method: string; path: string; headers: Record<string, string>; chunks: Buffer[]; waitForContinue: boolean },
  ): Promise<{ status: number; body: string; continued: boolean }> {
    return new Promise((resolve, reject) => {
      let continued = false;
      const req = httpRequest(
        { host: '127.0.0.1', port, method: opts.method, path: opts.path, headers: opts.headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }));
        },
      );
      req.on('error', reject);
      const write = () => {
        for (const c of opts.chunks) req.write(c);
        req.end();
      };
      if (opts.waitForContinue) {
        req.on('continue', () => {
          continued = true;
          write();
        });
      } else write();
    });
  }

  it('keeps Host, Authorization and chunked framing; answers Expect: 100-continue itself', async () => {
    await withEchoTarget(async (echoProxy) => {
      const chunks = [Buffer.alloc(70_000, 'a'), Buffer.from('terraform'), Buffer.alloc(5, 0)];
      const authorization =
        'AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=abc';
      const out = await rawRequest(echoProxy.port, {
        method: 'PUT',
        path: '/state-bucket/env/terraform.tfstate',
        headers: {
          authorization,
          'transfer-encoding': 'chunked',
          expect: '100-continue',
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          'x-amz-date': '20240101T000000Z',
        },
        chunks,
        waitForContinue: true,
      });
      assert.equal(out.status, 200);
      assert.equal(out.continued, true, 'the proxy sent 100 Continue');
      const echo = JSON.parse(out.body) as Echo;
      assert.equal(echo.headers.host, `127.0.0.1:${echoProxy.port}`, 'Host is the one the client signed');
      assert.equal(echo.headers.authorization, authorization);
      assert.equal(echo.headers['transfer-encoding'], 'chunked');
      assert.equal(echo.headers.expect, undefined);
      assert.equal(echo.url, '/state-bucket/env/terraform.tfstate');
      assert.equal(echo.length, 70_014);
      assert.equal(echo.sha256, createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
      assert.deepEqual(
        echoProxy.requests.map((r) => [r.service, r.action, r.outcome]),
        [['s3', 'PutObject', 'forwarded']],
      );
    });
  });

  it('keeps an API body and its Content-Length byte for byte', async () => {
    await withEchoTarget(async (echoProxy) => {
      const body = Buffer.from(JSON.stringify({ AccountName: 'Log Archive ✓', Email: 'logs@example.com' }));
      const out = await rawRequest(echoProxy.port, {
        method: 'POST',
        path: '/',
        headers: {
          authorization:
            'AWS4-HMAC-SHA256 Credential=testing/20240101/us-east-1/organizations/aws4_request, SignedHeaders=host, Signature=abc',
          'x-amz-target': 'AWSOrganizationsV20161128.CreateAccount',
          'content-type': 'application/x-amz-json-1.1',
          'content-length': String(body.length),
        },
        chunks: [body],
        waitForContinue: false,
      });
      const echo = JSON.parse(out.body) as Echo;
      assert.equal(echo.headers['content-length'], String(body.length));
      assert.equal(echo.sha256, createHash('sha256').update(body).digest('hex'));
      assert.deepEqual(
        echoProxy.requests.map((r) => [r.service, r.action]),
        [['organizations', 'CreateAccount']],
      );
    });
  });

  it('S3 objects survive the round trip: a 3 MiB buffer (Expect: 100-continue) and a stream', async () => {
    const session = newSession();
    await world(session);
    const seenHeaders: IncomingHttpHeaders[] = [];
    proxy.setInterceptor((r) => {
      if (r.action === 'PutObject') seenHeaders.push(r.headers);
      return undefined;
    });
    const big = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    await session.send('s3', new PutObjectCommand({ Bucket: BUCKET, Key: 'big.bin', Body: big }));
    await session.send(
      's3',
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'streamed.bin',
        Body: Readable.from([big.subarray(0, 100_000), big.subarray(100_000, 250_000)]),
        ContentLength: 250_000,
      }),
    );
    assert.equal(seenHeaders[0]?.expect, '100-continue', 'the SDK asks for 100-continue above 2 MiB');
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const gotBig = await (
      await session.send('s3', new GetObjectCommand({ Bucket: BUCKET, Key: 'big.bin' }))
    ).Body?.transformToByteArray();
    const gotStreamed = await (
      await session.send('s3', new GetObjectCommand({ Bucket: BUCKET, Key: 'streamed.bin' }))
    ).Body?.transformToByteArray();
    assert.equal(sha(gotBig ?? new Uint8Array()), sha(big));
    assert.equal(sha(gotStreamed ?? new Uint8Array()), sha(big.subarray(0, 250_000)));
  });

  it('a throttled 3 MiB PutObject is retried with the same bytes', async () => {
    const session = newSession();
    await world(session);
    proxy.setInterceptor(faultFirst({ times: 2, fault: { kind: 'throttle' }, match: 's3:PutObject' }));
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    await session.send('s3', new PutObjectCommand({ Bucket: BUCKET, Key: 'retried.bin', Body: big }));
    const head = await session.send('s3', new HeadObjectCommand({ Bucket: BUCKET, Key: 'retried.bin' }));
    assert.equal(head.ContentLength, big.length);
    assert.deepEqual(outcomesOf('PutObject'), ['throttled', 'throttled', 'forwarded']);
  });
});

describe('create-account fixture', () => {
  async function pollUntilDone(
    session: AwsSession,
    id: string,
  ): Promise<{ states: string[]; final: CreateAccountStatus }> {
    const states: string[] = [];
    for (let i = 0; i < 50; i++) {
      const out = await session.send(
        'organizations',
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: id }),
      );
      const status = out.CreateAccountStatus ?? assert.fail('no status');
      states.push(status.State ?? '?');
      if (status.State !== 'IN_PROGRESS') return { states, final: status };
    }
    return assert.fail(`still IN_PROGRESS after 50 polls: ${states.join(',')}`);
  }

  it('slow: IN_PROGRESS for N polls, then SUCCEEDED with an account that really exists in moto, in the root', async () => {
    const session = newSession();
    const { rootId } = await world(session);
    const fixture = createAccountFixture({ mode: 'slow', pollsBeforeSuccess: 3 });
    proxy.setInterceptor(fixture.intercept);
    const before = Date.now();
    const created = await session.send(
      'organizations',
      new CreateAccountCommand({ AccountName: 'Log Archive', Email: 'logs@example.com' }),
    );
    const status = created.CreateAccountStatus ?? assert.fail('no status');
    assert.equal(status.State, 'IN_PROGRESS');
    assert.equal(status.AccountName, 'Log Archive');
    assert.match(status.Id ?? '', /^car-[a-z0-9]{32}$/);
    assert.ok(status.RequestedTimestamp instanceof Date, 'RequestedTimestamp is parsed from epoch seconds');
    assert.ok(Math.abs(status.RequestedTimestamp.getTime() - before) < 60_000);
    assert.equal(
      (await session.send('organizations', new ListAccountsCommand({}))).Accounts?.some(
        (a) => a.Email === 'logs@example.com',
      ),
      false,
    );

    const pending = await session.send(
      'organizations',
      new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }),
    );
    assert.deepEqual(
      pending.CreateAccountStatuses?.map((s) => s.Id),
      [status.Id],
    );

    const { states, final } = await pollUntilDone(session, status.Id ?? '');
    assert.deepEqual(states, ['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED']);
    assert.match(final.AccountId ?? '', /^\d{12}$/);
    assert.ok(final.CompletedTimestamp instanceof Date);

    const accounts = (await session.send('organizations', new ListAccountsCommand({}))).Accounts ?? [];
    assert.deepEqual(
      accounts.filter((a) => a.Email === 'logs@example.com').map((a) => a.Id),
      [final.AccountId],
    );
    const inRoot =
      (await session.send('organizations', new ListAccountsForParentCommand({ ParentId: rootId }))).Accounts ?? [];
    assert.ok(inRoot.some((a) => a.Id === final.AccountId));

    // Once done it stays done, and polling again creates nothing more.
    assert.deepEqual((await pollUntilDone(session, status.Id ?? '')).final.AccountId, final.AccountId);
    const succeeded = await session.send(
      'organizations',
      new ListCreateAccountStatusCommand({ States: ['SUCCEEDED'] }),
    );
    assert.deepEqual(
      succeeded.CreateAccountStatuses?.filter((s) => s.AccountName === 'Log Archive').map((s) => [s.Id, s.AccountId]),
      [[status.Id, final.AccountId]],
    );
    assert.equal(
      (await session.send('organizations', new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] })))
        .CreateAccountStatuses?.length,
      0,
    );
    assert.equal(fixture.createAccountCalls('logs@example.com'), 1);
  });

  it('fail: every FailureReason after K polls of IN_PROGRESS, and nothing is created', async () => {
    const session = newSession();
    await world(session);
    const failures = Object.fromEntries(
      CREATE_ACCOUNT_FAILURE_REASONS.map((reason) => [`${reason.toLowerCase()}@example.com`, reason]),
    );
    const fixture = createAccountFixture({ mode: 'fail', pollsBeforeFailure: 2, failures });
    proxy.setInterceptor(fixture.intercept);
    for (const reason of CREATE_ACCOUNT_FAILURE_REASONS) {
      const email = `${reason.toLowerCase()}@example.com`;
      const created = await session.send(
        'organizations',
        new CreateAccountCommand({ AccountName: reason, Email: email }),
      );
      assert.equal(created.CreateAccountStatus?.State, 'IN_PROGRESS');
      const { states, final } = await pollUntilDone(session, created.CreateAccountStatus?.Id ?? '');
      assert.deepEqual(states, ['IN_PROGRESS', 'IN_PROGRESS', 'FAILED'], reason);
      assert.equal(final.FailureReason, reason);
      assert.equal(final.AccountId, undefined);
    }
    const failed = await session.send('organizations', new ListCreateAccountStatusCommand({ States: ['FAILED'] }));
    assert.deepEqual(
      failed.CreateAccountStatuses?.map((s) => s.FailureReason).sort(),
      [...CREATE_ACCOUNT_FAILURE_REASONS].sort(),
    );
    const emails = new Set(
      ((await session.send('organizations', new ListAccountsCommand({}))).Accounts ?? []).map((a) => a.Email),
    );
    assert.ok(
      Object.keys(failures).every((email) => !emails.has(email)),
      'no failed account exists in moto',
    );

    // In fail mode an account that is not listed goes straight to moto, which finishes at once.
    const passed = await session.send(
      'organizations',
      new CreateAccountCommand({ AccountName: 'Audit', Email: 'audit@example.com' }),
    );
    assert.equal(passed.CreateAccountStatus?.State, 'SUCCEEDED');
    // Moto lists a SUCCEEDED request for the management account too.
    const all = await session.send('organizations', new ListCreateAccountStatusCommand({}));
    assert.equal(
      all.CreateAccountStatuses?.filter((s) => s.State === 'FAILED').length,
      CREATE_ACCOUNT_FAILURE_REASONS.length,
    );
    assert.deepEqual(
      all.CreateAccountStatuses?.filter((s) => s.AccountName === 'Audit').map((s) => s.State),
      ['SUCCEEDED'],
    );
    assert.equal(fixture.createAccountCalls('audit@example.com'), 1);
  });

  it('failures can be chosen by account name, and slow and failing requests mix', async () => {
    const session = newSession();
    await world(session);
    const fixture = createAccountFixture({
      mode: 'slow',
      pollsBeforeSuccess: 1,
      pollsBeforeFailure: 0,
      failures: { Duplicate: 'EMAIL_ALREADY_EXISTS' },
    });
    proxy.setInterceptor(fixture.intercept);
    const bad = await session.send(
      'organizations',
      new CreateAccountCommand({ AccountName: 'Duplicate', Email: 'dup@example.com' }),
    );
    const good = await session.send(
      'organizations',
      new CreateAccountCommand({ AccountName: 'Network', Email: 'net@example.com' }),
    );
    const inProgress = await session.send(
      'organizations',
      new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS'] }),
    );
    assert.equal(inProgress.CreateAccountStatuses?.length, 2);
    assert.deepEqual((await pollUntilDone(session, bad.CreateAccountStatus?.Id ?? '')).states, ['FAILED']);
    assert.deepEqual((await pollUntilDone(session, good.CreateAccountStatus?.Id ?? '')).states, [
      'IN_PROGRESS',
      'SUCCEEDED',
    ]);
    assert.deepEqual(
      fixture.requests.map((r) => [r.accountName, r.state]),
      [
        ['Duplicate', 'FAILED'],
        ['Network', 'SUCCEEDED'],
      ],
    );
  });

  it('outside an organization CreateAccount fails the way Organizations does', async () => {
    const session = newSession();
    await noOrganization();
    const fixture = createAccountFixture({ mode: 'slow' });
    proxy.setInterceptor(fixture.intercept);
    const err = await session
      .send('organizations', new CreateAccountCommand({ AccountName: 'X', Email: 'x@example.com' }))
      .catch((e: unknown) => e);
    assert.ok(err instanceof AwsCallError, String(err));
    assert.equal(err.code, 'AWSOrganizationsNotInUseException');
    assert.equal(fixture.requests.length, 0);
  });

  it('a CreateAccount whose response is lost: reconcile finds the IN_PROGRESS request, so no duplicate CreateAccount', async () => {
    const session = newSession();
    await world(session);
    const fixture = createAccountFixture({ mode: 'slow', pollsBeforeSuccess: 1 });
    proxy.setInterceptor(
      chainInterceptors(
        faultFirst({ times: 1, fault: { kind: 'resetAfterForward' }, match: 'organizations:CreateAccount' }),
        fixture.intercept,
      ),
    );
    const created = await session.send(
      'organizations',
      new CreateAccountCommand({ AccountName: 'Security Tooling', Email: 'sec@example.com' }),
      {
        reconcile: async () => {
          const list = await session.send(
            'organizations',
            new ListCreateAccountStatusCommand({ States: ['IN_PROGRESS', 'SUCCEEDED'] }),
          );
          const existing = list.CreateAccountStatuses?.find((s) => s.AccountName === 'Security Tooling');
          return existing ? { CreateAccountStatus: existing, $metadata: {} } : undefined;
        },
      },
    );
    assert.deepEqual(outcomesOf('CreateAccount'), ['resetAfterForward']);
    assert.equal(fixture.createAccountCalls('sec@example.com'), 1);
    assert.equal((await pollUntilDone(session, created.CreateAccountStatus?.Id ?? '')).final.State, 'SUCCEEDED');
  });

  it('without reconcile the same lost response sends CreateAccount twice', async () => {
    const session = newSession();
    await world(session);
    const fixture = createAccountFixture({ mode: 'slow' });
    proxy.setInterceptor(
      chainInterceptors(
        faultFirst({ times: 1, fault: { kind: 'resetAfterForward' }, match: 'organizations:CreateAccount' }),
        fixture.intercept,
      ),
    );
    await session.send('organizations', new CreateAccountCommand({ AccountName: 'Twice', Email: 'twice@example.com' }));
    assert.equal(fixture.createAccountCalls('twice@example.com'), 2);
    assert.equal(fixture.requests.length, 2);
  });
});
