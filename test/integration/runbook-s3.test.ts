/**
 * `s3-public-exposure` through the built CLI against moto: all four public-access blocks on a
 * bucket in another region (the steps follow the bucket's region), the policy and ACL left as
 * they were, the exact rollback (a block that was not there is removed; a partial one is put
 * back), refusals that change nothing, --dry-run, and a transcript that verifies and holds no
 * secret.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { memberClients, type Clients } from '../helpers/aws.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv } from '../helpers/org-fixture.js';

const OPERATOR_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

type Rec = {
  step: string;
  kind: string;
  status: string;
  call?: string;
  region?: string;
  dryRun?: boolean;
  detail?: { found?: Record<string, unknown> };
  rollback?: { requests?: { action: string; input: Record<string, unknown> }[]; none?: string };
};

function transcriptFile(env: Record<string, string>, incident: string): string {
  return join(env.XDG_STATE_HOME!, 'awsorg', 'audit', `${incident}.jsonl`);
}

function records(env: Record<string, string>, incident: string): Rec[] {
  return readFileSync(transcriptFile(env, incident), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);
}

async function block(s3: S3Client, bucket: string): Promise<PublicAccessBlockConfiguration | null> {
  try {
    return (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration ?? null;
  } catch (err) {
    if ((err as Error).name === 'NoSuchPublicAccessBlockConfiguration') return null;
    throw err;
  }
}

async function exposure(s3: S3Client, bucket: string): Promise<{ policy: string | undefined; grants: unknown }> {
  const policy = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
  const grants = (await s3.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants;
  return { policy, grants };
}

function publicPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PublicRead',
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:GetObject',
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ],
  });
}

describe('s3-public-exposure against moto', () => {
  let moto: Moto;
  let member: Clients;
  let production: string;
  let env: Record<string, string>;

  const runbook = (args: string[]): Promise<CliResult> => runCli(['runbook', ...args], { env });
  const refusedWithoutChange = async (args: string[]): Promise<CliResult> => {
    const before = await moto.snapshot();
    const result = await runbook(args);
    assert.equal(result.code, 2, `exit 2 for ${args.join(' ')}\n${result.stderr}`);
    assert.deepEqual(await moto.snapshot(), before, `nothing changed in moto for ${args.join(' ')}`);
    return result;
  };
  const assertClean = async (incident: string): Promise<void> => {
    const text = readFileSync(transcriptFile(env, incident), 'utf8');
    assert.ok(!text.includes(OPERATOR_SECRET), 'no operator secret in the transcript');
    assert.doesNotMatch(text, /FQoGZXIvYXdz/, 'no session token in the transcript');
    const verified = await runCli(['audit', 'verify', transcriptFile(env, incident)], { env });
    assert.equal(verified.code, 0, verified.stderr);
  };

  before(async () => {
    moto = await startMoto();
    const org = await createOrgFixture(moto.endpoint, [
      { name: 'Production', ou: 'Workloads' },
      { name: 'Development', ou: 'Workloads' },
    ]);
    production = org.byName('Production').id;
    member = await memberClients(moto.endpoint, production);
    const s3 = member.s3;
    await s3.send(
      new CreateBucketCommand({
        Bucket: 'prod-public-assets',
        CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      }),
    );
    await s3.send(
      new PutBucketPolicyCommand({ Bucket: 'prod-public-assets', Policy: publicPolicy('prod-public-assets') }),
    );
    await s3.send(new PutBucketAclCommand({ Bucket: 'prod-public-assets', ACL: 'public-read' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'prod-partly-blocked' }));
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: 'prod-partly-blocked',
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: false,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: false,
        },
      }),
    );
    await s3.send(new CreateBucketCommand({ Bucket: 'prod-locked-down' }));
    await s3.send(
      new PutPublicAccessBlockCommand({ Bucket: 'prod-locked-down', PublicAccessBlockConfiguration: ALL_ON }),
    );
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(() => {
    env = operatorEnv(moto.endpoint);
  });

  it("blocks public access in the bucket's region without touching its policy or ACL; the rollback removes the block exactly once", async () => {
    const exposed = await exposure(member.s3, 'prod-public-assets');
    assert.equal(await block(member.s3, 'prod-public-assets'), null);
    const run = await runbook([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S1',
      '--account',
      'Production',
      '--bucket',
      'prod-public-assets',
      '--yes',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await block(member.s3, 'prod-public-assets'), ALL_ON);
    assert.deepEqual(
      await exposure(member.s3, 'prod-public-assets'),
      exposed,
      'the policy and the ACL stay as evidence',
    );

    const recs = records(env, 'INC-S1');
    const found = recs.findLast((r) => r.step === 'find-bucket')!;
    assert.equal(found.region, 'us-east-1');
    assert.equal(found.detail?.found?.region, 'eu-west-1');
    const captured = recs.findLast((r) => r.step === 'capture-exposure')!;
    assert.equal(captured.region, 'eu-west-1');
    assert.deepEqual(captured.detail?.found?.publicAclGrants, ['everyone: READ']);
    assert.deepEqual(captured.detail?.found?.openStatements, ['PublicRead: s3:GetObject']);
    assert.equal(captured.detail?.found?.publicAccessBlock, null);
    const action = recs.findLast((r) => r.step === 'block-public-access')!;
    assert.equal(action.status, 'applied');
    assert.equal(action.call, 's3:PutPublicAccessBlock');
    assert.equal(action.region, 'eu-west-1', 'the action ran in the bucket region');
    assert.deepEqual(action.rollback?.requests, [
      {
        service: 's3',
        action: 'DeletePublicAccessBlock',
        input: { Bucket: 'prod-public-assets', ExpectedBucketOwner: production },
      },
    ]);
    assert.equal(recs.findLast((r) => r.step === 'verify-blocked')?.status, 'passed');

    const rollback = await runbook(['rollback', 'INC-S1', '--yes']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.equal(await block(member.s3, 'prod-public-assets'), null, 'the block this run added is gone again');
    assert.deepEqual(await exposure(member.s3, 'prod-public-assets'), exposed);
    const again = await runbook(['rollback', 'INC-S1', '--yes']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing to roll back/);
    assert.equal(await block(member.s3, 'prod-public-assets'), null);
    await assertClean('INC-S1');
  });

  it('the rollback puts back a partial block exactly as captured', async () => {
    const captured = await block(member.s3, 'prod-partly-blocked');
    const run = await runbook([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S2',
      '--account',
      production,
      '--bucket',
      'prod-partly-blocked',
      '--yes',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await block(member.s3, 'prod-partly-blocked'), ALL_ON);
    const action = records(env, 'INC-S2').findLast((r) => r.step === 'block-public-access')!;
    assert.equal(action.region, 'us-east-1');
    const rollback = await runbook(['rollback', 'INC-S2', '--yes']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.deepEqual(await block(member.s3, 'prod-partly-blocked'), captured);
    await assertClean('INC-S2');
  });

  it('a bucket already fully blocked is left unchanged and leaves nothing to roll back', async () => {
    const run = await runbook([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S3',
      '--account',
      'Production',
      '--bucket',
      'prod-locked-down',
      '--yes',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(records(env, 'INC-S3').findLast((r) => r.step === 'block-public-access')?.status, 'unchanged');
    const rollback = await runbook(['rollback', 'INC-S3', '--yes']);
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stderr, /Nothing to roll back/);
    assert.deepEqual(await block(member.s3, 'prod-locked-down'), ALL_ON);
  });

  it('--dry-run changes nothing and records the planned block', async () => {
    const before = await moto.snapshot();
    const run = await runbook([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S4',
      '--account',
      'Production',
      '--bucket',
      'prod-public-assets',
      '--dry-run',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await moto.snapshot(), before);
    const action = records(env, 'INC-S4').findLast((r) => r.step === 'block-public-access')!;
    assert.equal(action.status, 'planned');
    assert.equal(action.dryRun, true);
    assert.equal(action.region, 'eu-west-1');
    await assertClean('INC-S4');
  });

  it('refuses an unknown bucket, an unknown account, a missing --incident and a run without --yes, with exit 2 and no write', async () => {
    const unknown = await refusedWithoutChange([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S5',
      '--account',
      'Production',
      '--bucket',
      'no-such-bucket-here',
      '--yes',
    ]);
    assert.match(unknown.stderr, /no S3 bucket named no-such-bucket-here/);
    assert.equal(records(env, 'INC-S5').findLast((r) => r.step === 'find-bucket')?.status, 'refused');
    await assertClean('INC-S5');
    await refusedWithoutChange([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S6',
      '--account',
      '999999999999',
      '--bucket',
      'prod-public-assets',
      '--yes',
    ]);
    const noIncident = await refusedWithoutChange([
      'run',
      's3-public-exposure',
      '--account',
      'Production',
      '--bucket',
      'prod-public-assets',
      '--yes',
    ]);
    assert.match(noIncident.stderr, /--incident/);
    const noYes = await refusedWithoutChange([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S7',
      '--account',
      'Production',
      '--bucket',
      'prod-public-assets',
    ]);
    assert.match(noYes.stderr, /--yes/);
    const badName = await refusedWithoutChange([
      'run',
      's3-public-exposure',
      '--incident',
      'INC-S8',
      '--account',
      'Production',
      '--bucket',
      'Not_A_Bucket',
      '--yes',
    ]);
    assert.match(badName.stderr, /--bucket/);
  });
});
