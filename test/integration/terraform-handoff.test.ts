/**
 * Issue 13: the generated hand-off code against the real terraform binary, the real
 * hashicorp/aws provider (the filesystem mirror in /opt/tf-plugins) and a real moto_server.
 * awsorg bootstraps a small organization, the generator writes code with the ids read back from
 * `--json` and AWS, and terraform must find nothing to do but import: fmt, validate, and a saved
 * plan in which every resource change is an import with no action.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreatePolicyCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import {
  GetBucketLifecycleConfigurationCommand,
  GetBucketPolicyCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import { ListPoliciesCommand, ListTagsForResourceCommand, TagResourceCommand } from '@aws-sdk/client-organizations';
import type { Blueprint } from '../../src/core/blueprint.js';
import { generateHandoff } from '../../src/terraform/handoff/generate.js';
import { hclString } from '../../src/terraform/handoff/hcl.js';
import { clientsFor, memberClients } from '../helpers/aws.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { terraform } from '../helpers/terraform.js';

const MIRROR = '/opt/tf-plugins';

const BLUEPRINT: Blueprint = {
  version: 1,
  region: 'us-east-1',
  organization: { trustedServices: ['cloudtrail.amazonaws.com'], policyTypes: ['SERVICE_CONTROL_POLICY'] },
  organizationalUnits: ['Infrastructure', 'Workloads', 'Workloads/Production'],
  accounts: [
    { name: 'shared-services', email: 'aws+shared-services@acme-corp.io', ou: 'Infrastructure' },
    {
      name: 'production',
      email: 'aws+production@acme-corp.io',
      ou: 'Workloads/Production',
      tags: { environment: 'production' },
    },
    { name: 'sandbox', email: 'aws+sandbox@acme-corp.io', ou: 'Root' },
  ],
  guardrails: {
    denyRoot: { targets: ['Workloads/Production', 'sandbox'] },
    denyLeaveOrganization: { targets: ['Root'] },
  },
  stateBackend: {
    account: 'management',
    bucket: `awsorg-handoff-state-${process.pid}`,
    lock: 'dynamodb',
    table: `awsorg-handoff-locks-${process.pid}`,
    encryption: 'aws:kms',
    enforceTls: true,
    noncurrentVersionDays: 30,
  },
  ciOidc: {
    provider: 'github',
    repository: 'acme-corp/infrastructure',
    ref: 'refs/heads/main',
    roleName: 'github-deploy',
    // moto does not load AWS managed policies by default, so the test creates this one first.
    policyArns: ['arn:aws:iam::123456789012:policy/handoff-deploy'],
    inlinePolicy: 'deploy-inline.json',
    account: 'management',
  },
};

const INLINE_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'StateObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }],
};

/** The resources the state backend adds to the plan (bucket, its six sub-resources, the lock table). */
const STATE_BACKEND_RESOURCES = [
  'aws_s3_bucket.state',
  'aws_s3_bucket_versioning.state',
  'aws_s3_bucket_server_side_encryption_configuration.state',
  'aws_s3_bucket_public_access_block.state',
  'aws_s3_bucket_ownership_controls.state',
  'aws_s3_bucket_lifecycle_configuration.state',
  'aws_s3_bucket_policy.state',
  'aws_dynamodb_table.lock',
];

/** The CI OIDC resources: provider, role, one attachment, the inline policy. */
const CI_OIDC_RESOURCES = [
  'aws_iam_openid_connect_provider.ci',
  'aws_iam_role.deploy',
  'aws_iam_role_policy_attachment.deploy__handoff_deploy',
  'aws_iam_role_policy.deploy',
];

/** The state bucket, lock table and CI OIDC in shared-services; the trail's bucket in log-archive. */
const MEMBER_BLUEPRINT: Blueprint = {
  version: 1,
  region: 'us-east-1',
  organization: { trustedServices: ['cloudtrail.amazonaws.com'], policyTypes: ['SERVICE_CONTROL_POLICY'] },
  organizationalUnits: ['Security', 'Infrastructure'],
  accounts: [
    { name: 'log-archive', email: 'aws+log-archive@acme-corp.io', ou: 'Security' },
    { name: 'shared-services', email: 'aws+shared-services@acme-corp.io', ou: 'Infrastructure' },
  ],
  guardrails: { denyLeaveOrganization: { targets: ['Root'] } },
  stateBackend: {
    account: 'shared-services',
    bucket: `awsorg-handoff-member-state-${process.pid}`,
    lock: 'dynamodb',
    table: `awsorg-handoff-member-locks-${process.pid}`,
    encryption: 'aws:kms',
    enforceTls: true,
    noncurrentVersionDays: 30,
  },
  ciOidc: {
    provider: 'github',
    repository: 'acme-corp/infrastructure',
    ref: 'refs/heads/main',
    roleName: 'github-deploy',
    inlinePolicy: 'deploy-inline.json',
    account: 'shared-services',
  },
  organizationTrail: {
    name: 'org-trail',
    bucket: `awsorg-handoff-member-trail-${process.pid}`,
    account: 'log-archive',
  },
};

interface PlanJson {
  resource_changes?: Array<{
    address: string;
    type: string;
    change: { actions: string[]; importing?: { id: string } };
  }>;
}

describe('terraform hand-off code (terraform + hashicorp/aws + moto)', () => {
  let moto: Moto;
  let env: Record<string, string>;
  let root: string;
  let dir: string;

  before(async () => {
    assert.ok(
      existsSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws')),
      `the hashicorp/aws provider mirror is missing from ${MIRROR}`,
    );
    moto = await startMoto();
    root = tempDir('awsorg-handoff-');
    const cliConfig = join(root, 'terraform.rc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path = "${MIRROR}"\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
    );
    env = isolatedEnv({ ...moto.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: cliConfig });
    dir = join(root, 'handoff');
  });
  after(async () => {
    await moto?.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(env.HOME!, { recursive: true, force: true });
  });

  it('bootstrap, generate, then init, fmt -check, validate, and a plan of imports only', async () => {
    writeFileSync(join(root, 'awsorg.yaml'), JSON.stringify(BLUEPRINT, null, 2));
    writeFileSync(join(root, 'deploy-inline.json'), JSON.stringify(INLINE_POLICY));
    await clientsFor(moto.endpoint).iam.send(
      new CreatePolicyCommand({ PolicyName: 'handoff-deploy', PolicyDocument: JSON.stringify(INLINE_POLICY) }),
    );
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes', '--json'], {
      env,
      cwd: root,
      timeoutMs: 300_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      organizationId: string;
      rootId: string;
      accounts: Record<string, string>;
      organizationalUnits: Record<string, string>;
    };
    const policies = await clientsFor(moto.endpoint).organizations.send(
      new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }),
    );
    const policyIds = Object.fromEntries((policies.Policies ?? []).map((p) => [p.Name!, p.Id!]));
    const oidc = await clientsFor(moto.endpoint).iam.send(new ListOpenIDConnectProvidersCommand({}));
    const ciOidcProviderArn = oidc.OpenIDConnectProviderList?.find((p) =>
      p.Arn?.endsWith('/token.actions.githubusercontent.com'),
    )?.Arn;

    const files = generateHandoff(
      { blueprint: BLUEPRINT, file: undefined, baseDir: root, customPolicies: {}, deployInlinePolicy: INLINE_POLICY },
      {
        organizationId: out.organizationId,
        rootId: out.rootId,
        ouIds: out.organizationalUnits,
        accountIds: out.accounts,
        policyIds,
        ciOidcProviderArn,
      },
    ).files;
    for (const [name, content] of files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }

    const init = await terraform(['init', '-input=false', '-no-color'], dir, env);
    assert.equal(init.code, 0, init.output);
    const fmt = await terraform(['fmt', '-check', '-diff', '-recursive', '-no-color'], dir, env);
    assert.equal(fmt.code, 0, fmt.output);
    const validate = await terraform(['validate', '-no-color'], dir, env);
    assert.equal(validate.code, 0, validate.output);
    const plan = await terraform(['plan', '-input=false', '-no-color', '-out=handoff.tfplan'], dir, env);
    assert.equal(plan.code, 0, plan.output);
    const show = await terraform(['show', '-json', 'handoff.tfplan'], dir, env);
    assert.equal(show.code, 0, show.output);
    const changes = (JSON.parse(show.output) as PlanJson).resource_changes ?? [];

    const expected = [
      'aws_organizations_organization.this',
      ...BLUEPRINT.organizationalUnits.map(() => 'aws_organizations_organizational_unit'),
      ...BLUEPRINT.accounts.map(() => 'aws_organizations_account'),
      'aws_organizations_policy',
      'aws_organizations_policy',
      ...STATE_BACKEND_RESOURCES,
      ...CI_OIDC_RESOURCES,
    ];
    assert.equal(changes.length, expected.length + 3, JSON.stringify(changes.map((c) => c.address)));
    const notImports = changes.filter(
      (c) => !(c.change.actions.length === 1 && c.change.actions[0] === 'no-op' && c.change.importing),
    );
    assert.deepEqual(
      notImports.map((c) => `${c.address}: ${c.change.actions.join(',')}${c.change.importing ? ' (importing)' : ''}`),
      [],
      `every change must be a pure import\n${plan.output}`,
    );
    for (const address of [...STATE_BACKEND_RESOURCES, ...CI_OIDC_RESOURCES])
      assert.ok(
        changes.some((c) => c.address === address),
        `${address} is imported`,
      );
    assert.match(plan.output, new RegExp(`Plan: ${changes.length} to import, 0 to add, 0 to change, 0 to destroy`));

    // Applying the saved plan imports and changes nothing; afterwards the state and AWS agree.
    const apply = await terraform(['apply', '-input=false', '-no-color', 'handoff.tfplan'], dir, env);
    assert.equal(apply.code, 0, apply.output);
    assert.match(
      apply.output,
      new RegExp(`Apply complete! Resources: ${changes.length} imported, 0 added, 0 changed, 0 destroyed`),
    );
    const again = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, env);
    assert.equal(again.code, 0, again.output);
  });

  it('hostile blueprint names: the code still passes fmt -check and validate, and the names reach terraform intact', async () => {
    const hostile = 'Ops "${path.module}" %{ if true }x%{ endif } \\ é';
    const blueprint: Blueprint = {
      ...BLUEPRINT,
      organizationalUnits: [hostile, `${hostile}/Ünïcode`],
      accounts: [
        { name: hostile, email: 'a"${b}@example.com', ou: `${hostile}/Ünïcode`, tags: { 'k"${x}': 'v\n%{y}', é: 'ü' } },
      ],
      guardrails: { denyRoot: { targets: [hostile, `${hostile}/Ünïcode`] } },
    };
    const files = generateHandoff(
      { blueprint, file: undefined, baseDir: root, customPolicies: {}, deployInlinePolicy: undefined },
      {
        organizationId: 'o-abcde12345',
        rootId: 'r-ab12',
        ouIds: { [hostile]: 'ou-ab12-00000001', [`${hostile}/Ünïcode`]: 'ou-ab12-00000002' },
        accountIds: { [hostile]: '123456789012' },
        policyIds: { 'awsorg-deny-root': 'p-00000001' },
        ciOidcProviderArn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
      },
    ).files;
    const hostileDir = join(root, 'hostile');
    for (const [name, content] of files) {
      mkdirSync(dirname(join(hostileDir, name)), { recursive: true });
      writeFileSync(join(hostileDir, name), content);
    }
    const init = await terraform(['init', '-input=false', '-no-color', '-backend=false'], hostileDir, env);
    assert.equal(init.code, 0, init.output);
    const fmt = await terraform(['fmt', '-check', '-diff', '-recursive', '-no-color'], hostileDir, env);
    assert.equal(fmt.code, 0, fmt.output);
    const validate = await terraform(['validate', '-no-color'], hostileDir, env);
    assert.equal(validate.code, 0, validate.output);
    const org = files.get('organization.tf')!;
    assert.ok(org.includes(`name      = ${hclString(hostile)}`), org);

    // Terraform reads each escaped literal back as exactly the blueprint's text.
    const samples = [hostile, 'a"${b}@example.com', 'k"${x}', 'v\n%{y}', '\u0000\u001b[31m\u2028 $${ %%{ \\'];
    const probeDir = join(root, 'probe');
    mkdirSync(probeDir, { recursive: true });
    writeFileSync(
      join(probeDir, 'probe.tf'),
      `output "probe" {\n  value = [${samples.map(hclString).join(', ')}]\n}\n`,
    );
    const probe = await terraform(['apply', '-auto-approve', '-input=false', '-no-color'], probeDir, env);
    assert.equal(probe.code, 0, probe.output);
    const read = await terraform(['output', '-json', 'probe'], probeDir, env);
    assert.deepEqual(JSON.parse(read.output), samples);
  });
});

describe('terraform hand-off code with the state bucket and the trail bucket in member accounts (management keys only)', () => {
  let moto: Moto;
  let env: Record<string, string>;
  let root: string;

  before(async () => {
    assert.ok(
      existsSync(join(MIRROR, 'registry.terraform.io/hashicorp/aws')),
      `the hashicorp/aws provider mirror is missing from ${MIRROR}`,
    );
    moto = await startMoto();
    root = tempDir('awsorg-handoff-member-');
    const cliConfig = join(root, 'terraform.rc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path = "${MIRROR}"\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
    );
    // moto.env carries the management account's keys only; member accounts are reached through
    // the provider aliases' assume_role, as a user's would be.
    env = isolatedEnv({ ...moto.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: cliConfig });
  });
  after(async () => {
    await moto?.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(env.HOME!, { recursive: true, force: true });
  });

  it("bootstrap, another team's policy statement and lifecycle rule, generate with observed ids: plan is pure imports, apply, second plan exits 0", async () => {
    const bp = MEMBER_BLUEPRINT;
    writeFileSync(join(root, 'awsorg.yaml'), JSON.stringify(bp, null, 2));
    writeFileSync(join(root, 'deploy-inline.json'), JSON.stringify(INLINE_POLICY));
    const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--yes', '--json'], {
      env,
      cwd: root,
      timeoutMs: 300_000,
    });
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      organizationId: string;
      rootId: string;
      managementAccountId: string;
      accounts: Record<string, string>;
      organizationalUnits: Record<string, string>;
    };
    const management = clientsFor(moto.endpoint);
    const policies = await management.organizations.send(new ListPoliciesCommand({ Filter: 'SERVICE_CONTROL_POLICY' }));
    const policyIds = Object.fromEntries((policies.Policies ?? []).map((p) => [p.Name!, p.Id!]));
    const shared = await memberClients(moto.endpoint, out.accounts['shared-services']!);
    const logArchive = await memberClients(moto.endpoint, out.accounts['log-archive']!);
    const oidc = await shared.iam.send(new ListOpenIDConnectProvidersCommand({}));
    const ciOidcProviderArn = oidc.OpenIDConnectProviderList?.find((p) =>
      p.Arn?.endsWith('/token.actions.githubusercontent.com'),
    )?.Arn;
    assert.match(
      ciOidcProviderArn ?? '',
      new RegExp(`:${out.accounts['shared-services']}:`),
      'the OIDC provider is in shared-services',
    );

    // Another team adds a statement to the trail bucket's policy and a rule to the state bucket's
    // lifecycle after bootstrap; the hand-off must neither delete them nor show drift.
    const trailBucket = bp.organizationTrail!.bucket;
    const stateBucket = bp.stateBackend!.bucket;
    const trailPolicy = JSON.parse(
      (await logArchive.s3.send(new GetBucketPolicyCommand({ Bucket: trailBucket }))).Policy!,
    );
    // First, as awsorg's own merge (desiredBucketPolicy) orders them: the code lists awsorg's
    // statements first, and the provider compares policies without regard to statement order.
    trailPolicy.Statement.unshift({
      Sid: 'AuditorRead',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${out.accounts['shared-services']}:root` },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${trailBucket}/*`,
    });
    await logArchive.s3.send(new PutBucketPolicyCommand({ Bucket: trailBucket, Policy: JSON.stringify(trailPolicy) }));
    const stateRules =
      (await shared.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: stateBucket }))).Rules ?? [];
    await shared.s3.send(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: stateBucket,
        LifecycleConfiguration: {
          Rules: [
            ...stateRules,
            { ID: 'archive-old-plans', Status: 'Enabled', Filter: { Prefix: 'plans/' }, Expiration: { Days: 400 } },
          ],
        },
      }),
    );
    // Someone tags an account after bootstrap (an adopted account often carries such tags).
    await management.organizations.send(
      new TagResourceCommand({
        ResourceId: out.accounts['shared-services']!,
        Tags: [{ Key: 'CostCenter', Value: '4711' }],
      }),
    );
    const tagsOf = async (id: string) =>
      Object.fromEntries(
        ((await management.organizations.send(new ListTagsForResourceCommand({ ResourceId: id }))).Tags ?? []).map(
          (t) => [t.Key!, t.Value!],
        ),
      );
    const tags: Record<string, Record<string, string>> = {};
    for (const [name, id] of Object.entries(out.accounts)) tags[`account:${name}`] = await tagsOf(id);
    for (const [path, id] of Object.entries(out.organizationalUnits)) tags[`ou:${path}`] = await tagsOf(id);
    for (const [name, id] of Object.entries(policyIds)) tags[`policy:${name}`] = await tagsOf(id);
    assert.equal(tags['account:shared-services']!.CostCenter, '4711');
    const observedPolicy = async (c: typeof shared, bucket: string) =>
      JSON.parse((await c.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
    const observedRules = async (c: typeof shared, bucket: string) =>
      ((await c.s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))).Rules ?? []).map((r) => ({
        ID: r.ID,
      }));

    const code = generateHandoff(
      { blueprint: bp, file: undefined, baseDir: root, customPolicies: {}, deployInlinePolicy: INLINE_POLICY },
      {
        organizationId: out.organizationId,
        rootId: out.rootId,
        ouIds: out.organizationalUnits,
        accountIds: out.accounts,
        policyIds,
        ciOidcProviderArn,
        managementAccountId: out.managementAccountId,
        tags,
        bucketPolicies: {
          [trailBucket]: await observedPolicy(logArchive, trailBucket),
          [stateBucket]: await observedPolicy(shared, stateBucket),
        },
        lifecycleRules: { [stateBucket]: await observedRules(shared, stateBucket) },
      },
    );
    assert.deepEqual(code.notes, [
      `lifecycle configuration of bucket ${stateBucket} is left out of the hand-off: it holds rules awsorg does not own (archive-old-plans); awsorg keeps managing its own rule`,
      `bucket policy of ${trailBucket} keeps statements awsorg does not own: AuditorRead`,
    ]);
    const dir = join(root, 'handoff');
    for (const [name, content] of code.files) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }

    const init = await terraform(['init', '-input=false', '-no-color'], dir, env);
    assert.equal(init.code, 0, init.output);
    const fmt = await terraform(['fmt', '-check', '-diff', '-recursive', '-no-color'], dir, env);
    assert.equal(fmt.code, 0, fmt.output);
    const validate = await terraform(['validate', '-no-color'], dir, env);
    assert.equal(validate.code, 0, validate.output);
    const plan = await terraform(['plan', '-input=false', '-no-color', '-out=handoff.tfplan'], dir, env);
    assert.equal(plan.code, 0, plan.output);
    const show = await terraform(['show', '-json', 'handoff.tfplan'], dir, env);
    assert.equal(show.code, 0, show.output);
    const changes = (JSON.parse(show.output) as PlanJson).resource_changes ?? [];
    const notImports = changes.filter(
      (c) => !(c.change.actions.length === 1 && c.change.actions[0] === 'no-op' && c.change.importing),
    );
    assert.deepEqual(
      notImports.map((c) => `${c.address}: ${c.change.actions.join(',')}${c.change.importing ? ' (importing)' : ''}`),
      [],
      `every change must be a pure import\n${plan.output}`,
    );
    assert.deepEqual(
      changes.map((c) => c.address).sort(),
      code.imports.map((i) => i.to).sort(),
      'the plan imports exactly what the generator declared',
    );
    // moto lets any account read any bucket, so only the lock table and the IAM resources prove
    // the aliases reach the right account here (without one, their import finds nothing).
    for (const address of [
      'aws_s3_bucket.state',
      'aws_dynamodb_table.lock',
      'aws_s3_bucket_policy.trail',
      'aws_cloudtrail.organization',
      'aws_iam_role.deploy',
    ]) {
      assert.ok(
        changes.some((c) => c.address === address),
        `${address} is imported`,
      );
    }
    assert.ok(
      !changes.some((c) => c.address === 'aws_s3_bucket_lifecycle_configuration.state'),
      'the lifecycle configuration with a foreign rule is left out',
    );

    const apply = await terraform(['apply', '-input=false', '-no-color', 'handoff.tfplan'], dir, env);
    assert.equal(apply.code, 0, apply.output);
    assert.match(
      apply.output,
      new RegExp(`Apply complete! Resources: ${changes.length} imported, 0 added, 0 changed, 0 destroyed`),
    );
    const again = await terraform(['plan', '-detailed-exitcode', '-input=false', '-no-color'], dir, env);
    assert.equal(again.code, 0, again.output);
    // The other team's statement, rule and tag are still there.
    assert.equal((await tagsOf(out.accounts['shared-services']!)).CostCenter, '4711');
    assert.ok(
      (await observedPolicy(logArchive, trailBucket)).Statement.some(
        (st: { Sid?: string }) => st.Sid === 'AuditorRead',
      ),
    );
    assert.ok((await observedRules(shared, stateBucket)).some((r) => r.ID === 'archive-old-plans'));
  });
});
