/**
 * A full bootstrap of the `standard` preset against moto over HTTP, then SDK reads of every
 * setting, a second run that must write nothing, and --plan runs that must write nothing.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetTrailCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { DescribeContinuousBackupsCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  ListOpenIDConnectProvidersCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
} from '@aws-sdk/client-organizations';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { clientsFor, memberClients, type Clients } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { withoutHandoff } from '../helpers/tf-mirror.js';

describe('bootstrap of the standard preset against moto', () => {
  let moto: Moto;
  let aws: Clients;
  let dir: string;
  let env: Record<string, string>;
  let firstRun: { code: number | null; stdout: string; stderr: string };

  before(async () => {
    moto = await startMoto();
    aws = clientsFor(moto.endpoint);
    dir = tempDir();
    env = isolatedEnv(moto.env);
    const written = await runCli(['bootstrap', '--preset', 'standard', '--write', 'awsorg.yaml'], { env, cwd: dir });
    assert.equal(written.code, 0, written.stderr);
    // This test is about the SDK engine; the hand-off to Terraform has its own tests.
    withoutHandoff(join(dir, 'awsorg.yaml'));
  });
  after(async () => moto?.stop());

  it('--plan on a fresh account lists changes, exits 3 and writes nothing', async () => {
    const before = await moto.snapshot();
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--plan'], {
      env,
      cwd: dir,
    });
    assert.equal(plan.code, 3, plan.stderr);
    assert.match(plan.stdout, /organizations:CreateOrganization/);
    assert.match(plan.stdout, /organizations:CreateAccount/);
    assert.match(plan.stdout, /s3:PutBucketPolicy/);
    assert.match(plan.stdout, /\+ +"Effect": "Deny"/, 'policy changes carry a diff');
    assert.deepEqual(await moto.snapshot(), before);
  });

  it('applies with --yes and reports the result as JSON', async () => {
    firstRun = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes', '--json'], {
      env,
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(firstRun.code, 0, firstRun.stderr);
    const result = JSON.parse(firstRun.stdout);
    assert.equal(result.status, 'converged');
    assert.ok(result.changesApplied > 40, `applied ${result.changesApplied}`);
    assert.equal(Object.keys(result.accounts).length, 6);
  });

  it('created the organization with feature set ALL, trusted access and policy types', async () => {
    const org = (await aws.organizations.send(new DescribeOrganizationCommand({}))).Organization!;
    assert.equal(org.FeatureSet, 'ALL');
    const trusted = (
      await aws.organizations.send(new ListAWSServiceAccessForOrganizationCommand({}))
    ).EnabledServicePrincipals!.map((s) => s.ServicePrincipal);
    assert.deepEqual(trusted.sort(), ['cloudtrail.amazonaws.com', 'config.amazonaws.com', 'sso.amazonaws.com']);
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
    const enabled = root.PolicyTypes!.filter((p) => p.Status === 'ENABLED').map((p) => p.Type);
    assert.deepEqual(enabled.sort(), ['SERVICE_CONTROL_POLICY', 'TAG_POLICY']);
  });

  it('placed every account, once, in its OU', async () => {
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
    const ous = (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root.Id! })))
      .OrganizationalUnits!;
    assert.deepEqual(ous.map((o) => o.Name).sort(), ['Infrastructure', 'Sandbox', 'Security', 'Workloads']);
    const ouByName = new Map(ous.map((o) => [o.Name!, o.Id!]));
    const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts!;
    assert.equal(accounts.length, 7, 'six members and the management account');
    const expected: Record<string, string> = {
      'aws+log-archive@example.com': 'Security',
      'aws+audit@example.com': 'Security',
      'aws+shared-services@example.com': 'Infrastructure',
      'aws+development@example.com': 'Workloads',
      'aws+staging@example.com': 'Workloads',
      'aws+production@example.com': 'Workloads',
    };
    for (const [email, ou] of Object.entries(expected)) {
      const account = accounts.filter((a) => a.Email === email);
      assert.equal(account.length, 1, `${email} exists once`);
      const parent = (await aws.organizations.send(new ListParentsCommand({ ChildId: account[0]!.Id! }))).Parents![0]!;
      assert.equal(parent.Id, ouByName.get(ou), `${email} is in ${ou}`);
    }
  });

  it("tagged the preset's production account, so assume asks before opening it and the inventory marks it production", async () => {
    const listed = await runCli(['accounts', '--json'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    const accounts = (
      JSON.parse(listed.stdout) as {
        accounts: { name: string; ouPath: string; tags: Record<string, string>; production: string | null }[];
      }
    ).accounts;
    const production = accounts.find((a) => a.name === 'production');
    assert.equal(production?.ouPath, '/Workloads');
    assert.equal(production?.tags.environment, 'production');
    assert.equal(production?.production, 'tag environment=production');
    assert.deepEqual(
      accounts.filter((a) => a.production).map((a) => a.name),
      ['production'],
      'only production is marked',
    );
    const refused = await runCli(['assume', 'production', '--exec', '--', 'true'], { env });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr,
      /production \(\d{12}\) is a PRODUCTION account \(tag environment=production\)[\s\S]*--yes/,
    );
  });

  it('created one tagged SCP per guardrail, attached to its targets', async () => {
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
    const ous = (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root.Id! })))
      .OrganizationalUnits!;
    const id = (name: string) => (name === 'Root' ? root.Id! : ous.find((o) => o.Name === name)!.Id!);
    const policies = (
      await aws.organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }))
    ).Policies!.filter((p) => p.Name!.startsWith('awsorg-'));
    assert.equal(policies.length, 4);
    const expectedTargets: Record<string, string[]> = {
      'awsorg-deny-regions': ['Workloads', 'Sandbox'],
      'awsorg-deny-root': ['Workloads', 'Sandbox'],
      'awsorg-require-mfa': ['Workloads'],
      'awsorg-deny-leave-organization': ['Root'],
    };
    for (const policy of policies) {
      const tags = (await aws.organizations.send(new ListTagsForResourceCommand({ ResourceId: policy.Id! }))).Tags!;
      assert.ok(
        tags.some((t) => t.Key === 'awsorg:managed-by' && t.Value === 'awsorg'),
        `${policy.Name} is tagged`,
      );
      const targets = (await aws.organizations.send(new ListTargetsForPolicyCommand({ PolicyId: policy.Id! })))
        .Targets!.map((t) => t.TargetId)
        .sort();
      assert.deepEqual(targets, expectedTargets[policy.Name!]!.map(id).sort(), `${policy.Name} targets`);
    }
    const regions = policies.find((p) => p.Name === 'awsorg-deny-regions')!;
    const content = JSON.parse(
      (await aws.organizations.send(new DescribePolicyCommand({ PolicyId: regions.Id! }))).Policy!.Content!,
    );
    const statement = content.Statement[0];
    assert.deepEqual(statement.Condition.StringNotEquals['aws:RequestedRegion'], ['us-east-1', 'us-west-2']);
    assert.ok(
      statement.NotAction.includes('iam:*') &&
        statement.NotAction.includes('organizations:*') &&
        statement.NotAction.includes('sts:*'),
    );
  });

  it('hardened the state bucket', async () => {
    const Bucket = 'example-tfstate-change-me';
    assert.equal((await aws.s3.send(new GetBucketVersioningCommand({ Bucket }))).Status, 'Enabled');
    const sse = (await aws.s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration!
      .Rules![0]!;
    assert.equal(sse.ApplyServerSideEncryptionByDefault!.SSEAlgorithm, 'aws:kms');
    assert.deepEqual((await aws.s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    assert.equal(
      (await aws.s3.send(new GetBucketOwnershipControlsCommand({ Bucket }))).OwnershipControls!.Rules![0]!
        .ObjectOwnership,
      'BucketOwnerEnforced',
    );
    const policy = JSON.parse((await aws.s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy!);
    const tls = policy.Statement.find((s: { Sid: string }) => s.Sid === 'AwsorgDenyInsecureTransport');
    assert.equal(tls.Effect, 'Deny');
    assert.deepEqual(tls.Condition, { Bool: { 'aws:SecureTransport': 'false' } });
    const rules = (await aws.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket }))).Rules!;
    const rule = rules.find((r) => r.ID === 'awsorg-expire-noncurrent-versions')!;
    assert.equal(rule.Status, 'Enabled');
    assert.equal(rule.NoncurrentVersionExpiration!.NoncurrentDays, 90);
  });

  it('created the lock table with LockID, on-demand billing, PITR and deletion protection', async () => {
    const table = (await aws.dynamodb.send(new DescribeTableCommand({ TableName: 'example-tf-locks' }))).Table!;
    assert.deepEqual(table.KeySchema, [{ AttributeName: 'LockID', KeyType: 'HASH' }]);
    assert.deepEqual(table.AttributeDefinitions, [{ AttributeName: 'LockID', AttributeType: 'S' }]);
    assert.equal(table.BillingModeSummary!.BillingMode, 'PAY_PER_REQUEST');
    assert.equal(table.DeletionProtectionEnabled, true);
    const backups = await aws.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: 'example-tf-locks' }));
    assert.equal(
      backups.ContinuousBackupsDescription!.PointInTimeRecoveryDescription!.PointInTimeRecoveryStatus,
      'ENABLED',
    );
  });

  it('created the GitHub OIDC provider and a deploy role scoped to one repository and branch', async () => {
    const providers = (await aws.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList!;
    assert.equal(providers.length, 1);
    const provider = await aws.iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providers[0]!.Arn! }),
    );
    assert.deepEqual(provider.ClientIDList, ['sts.amazonaws.com']);
    const role = (await aws.iam.send(new GetRoleCommand({ RoleName: 'github-deploy' }))).Role!;
    const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!));
    const statement = trust.Statement[0];
    assert.equal(statement.Principal.Federated, providers[0]!.Arn);
    assert.equal(statement.Action, 'sts:AssumeRoleWithWebIdentity');
    assert.deepEqual(statement.Condition.StringEquals, {
      'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
      'token.actions.githubusercontent.com:sub': 'repo:example/infrastructure:ref:refs/heads/main',
    });
    assert.equal(statement.Condition.StringLike, undefined, 'no wildcard subject');
  });

  it('created an organization trail logging into a hardened bucket in log-archive', async () => {
    const trail = (await aws.cloudtrail.send(new GetTrailCommand({ Name: 'org-trail' }))).Trail!;
    assert.equal(trail.IsOrganizationTrail, true);
    assert.equal(trail.IsMultiRegionTrail, true);
    assert.equal(trail.LogFileValidationEnabled, true);
    assert.equal(trail.S3BucketName, 'example-org-trail-change-me');
    assert.equal((await aws.cloudtrail.send(new GetTrailStatusCommand({ Name: 'org-trail' }))).IsLogging, true);
    const logArchiveId = JSON.parse(firstRun.stdout).accounts['log-archive'];
    const member = await memberClients(moto.endpoint, logArchiveId);
    const Bucket = 'example-org-trail-change-me';
    assert.equal((await member.s3.send(new GetBucketVersioningCommand({ Bucket }))).Status, 'Enabled');
    const policy = JSON.parse((await member.s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy!);
    const sids = policy.Statement.map((s: { Sid: string }) => s.Sid).sort();
    assert.deepEqual(sids, ['AWSCloudTrailAclCheck', 'AWSCloudTrailWrite', 'AwsorgDenyInsecureTransport']);
    const write = policy.Statement.find((s: { Sid: string }) => s.Sid === 'AWSCloudTrailWrite');
    assert.equal(write.Condition.StringEquals['aws:SourceArn'], trail.TrailARN);
  });

  it('a second run on the converged organization makes no write call and changes nothing', async () => {
    const before = await moto.snapshot();
    const second = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--yes', '--json'], {
      env,
      cwd: dir,
    });
    assert.equal(second.code, 0, second.stderr);
    const result = JSON.parse(second.stdout);
    assert.equal(result.changesApplied, 0);
    assert.equal(result.calls.writes, 0);
    assert.deepEqual(await moto.snapshot(), before);
  });

  it('--plan on the converged organization exits 0 and writes nothing', async () => {
    const before = await moto.snapshot();
    const plan = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', '--plan'], {
      env,
      cwd: dir,
    });
    assert.equal(plan.code, 0, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /No changes/);
    assert.deepEqual(await moto.snapshot(), before);
  });

  it('--plan shows drift in an SCP as an UpdatePolicy with a diff, and writes nothing', async () => {
    const blueprint = parseYaml(readFileSync(join(dir, 'awsorg.yaml'), 'utf8'));
    blueprint.guardrails.denyRegions.allow = ['us-east-1', 'eu-west-1'];
    writeFileSync(join(dir, 'drift.yaml'), stringifyYaml(blueprint));
    const before = await moto.snapshot();
    const plan = await runCli(['bootstrap', '--config', 'drift.yaml', '--allow-placeholders', '--plan'], {
      env,
      cwd: dir,
    });
    assert.equal(plan.code, 3, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /organizations:UpdatePolicy/);
    assert.match(plan.stdout, /- +"us-west-2"/);
    assert.match(plan.stdout, /\+ +"eu-west-1"/);
    assert.deepEqual(await moto.snapshot(), before);
  });
});
