/**
 * The hand-off generator (issue 13): golden files for the `standard` preset with fixed ids,
 * identifiers that never collide, and blueprint text that can never escape its HCL string.
 * That `terraform fmt`/`validate`/`plan` accept the output is proved in
 * test/integration/terraform-handoff.test.ts.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, it } from 'node:test';
import type { LoadedBlueprint } from '../../src/core/blueprint.js';
import { preset } from '../../src/core/presets.js';
import {
  HANDOFF_MARKER,
  HandoffIdsMissing,
  generateHandoff,
  type HandoffIds,
} from '../../src/terraform/handoff/generate.js';
import { IdentifierAllocator, hclString, identifierFor } from '../../src/terraform/handoff/hcl.js';
import { matchSnapshot } from '../helpers/snapshots.js';
import { REPO_ROOT } from '../helpers/cli.js';

function loaded(blueprint = preset('standard')): LoadedBlueprint {
  return { blueprint, file: undefined, baseDir: '/tmp', customPolicies: {}, deployInlinePolicy: undefined };
}

/** The standard preset with the state bucket and CI OIDC in shared-services and the trail bucket in log-archive. */
function memberLoaded(): LoadedBlueprint {
  const bp = preset('standard');
  bp.stateBackend = { ...bp.stateBackend!, account: 'shared-services' };
  bp.ciOidc = { ...bp.ciOidc!, account: 'shared-services' };
  bp.organizationTrail = { ...bp.organizationTrail!, account: 'log-archive' };
  return loaded(bp);
}

/** Fixed, made-up ids in the shapes AWS uses. */
function fixedIds(l: LoadedBlueprint): HandoffIds {
  const bp = l.blueprint;
  return {
    organizationId: 'o-abcde12345',
    rootId: 'r-ab12',
    ouIds: Object.fromEntries(bp.organizationalUnits.map((p, i) => [p, `ou-ab12-${String(i).padStart(8, '0')}`])),
    accountIds: Object.fromEntries(bp.accounts.map((a, i) => [a.name, String(100000000000 + i)])),
    ciOidcProviderArn: 'arn:aws:iam::100000000099:oidc-provider/token.actions.githubusercontent.com',
    managementAccountId: '100000000099',
    policyIds: Object.fromEntries(
      ['awsorg-deny-regions', 'awsorg-deny-root', 'awsorg-require-mfa', 'awsorg-deny-leave-organization'].map(
        (n, i) => [n, `p-${String(i).padStart(8, '0')}`],
      ),
    ),
  };
}

describe('terraform hand-off generator', () => {
  it('standard preset: golden files', () => {
    const l = loaded();
    const files = generateHandoff(l, fixedIds(l)).files;
    assert.deepEqual(
      [...files.keys()],
      [
        'ci-oidc.tf',
        'guardrails.tf',
        'imports.tf',
        'organization-trail.tf',
        'organization.tf',
        'outputs.tf',
        'policies/deny_leave_organization.json',
        'policies/deny_regions.json',
        'policies/deny_root.json',
        'policies/deploy_role_trust.json',
        'policies/require_mfa.json',
        'policies/state_bucket_policy.json',
        'policies/trail_bucket_policy.json',
        'providers.tf',
        'state-backend.tf',
        'versions.tf',
      ],
    );
    for (const [name, content] of files) {
      if (name.endsWith('.tf')) assert.ok(content.startsWith(HANDOFF_MARKER + '\n'), `${name} starts with the marker`);
      assert.doesNotMatch(content, /endpoint/i, `${name} names no endpoint`);
      matchSnapshot(`terraform-handoff-standard--${name.replace('/', '--')}`, content);
    }
  });

  it('is byte-identical when generated twice', () => {
    const l = loaded();
    assert.deepEqual(generateHandoff(l, fixedIds(l)), generateHandoff(loaded(), fixedIds(l)));
  });

  it('imports use the id formats the provider expects', () => {
    const l = loaded();
    const imports = generateHandoff(l, fixedIds(l)).files.get('imports.tf')!;
    assert.match(imports, /to = aws_organizations_organization\.this\n\s+id = "o-abcde12345"/);
    assert.match(imports, /to = aws_organizations_organizational_unit\.workloads\n\s+id = "ou-ab12-00000002"/);
    assert.match(imports, /to = aws_organizations_account\.production\n\s+id = "100000000005"/);
    assert.match(imports, /to = aws_organizations_policy\.deny_root\n\s+id = "p-00000001"/);
    // <target id>:<policy id>
    assert.match(
      imports,
      /to = aws_organizations_policy_attachment\.deny_root__workloads\n\s+id = "ou-ab12-00000002:p-00000001"/,
    );
    assert.match(
      imports,
      /to = aws_organizations_policy_attachment\.deny_leave_organization__root\n\s+id = "r-ab12:p-00000003"/,
    );
  });

  it('state backend: bucket, every hardening sub-resource and the lock table, imported by name', () => {
    const l = loaded();
    const files = generateHandoff(l, fixedIds(l)).files;
    const imports = files.get('imports.tf')!;
    const bucket = l.blueprint.stateBackend!.bucket;
    for (const type of [
      'aws_s3_bucket',
      'aws_s3_bucket_versioning',
      'aws_s3_bucket_server_side_encryption_configuration',
      'aws_s3_bucket_public_access_block',
      'aws_s3_bucket_ownership_controls',
      'aws_s3_bucket_lifecycle_configuration',
      'aws_s3_bucket_policy',
    ]) {
      assert.match(imports, new RegExp(`to = ${type}\\.state\\n\\s+id = "${bucket}"\\n`), type);
    }
    assert.match(imports, /to = aws_dynamodb_table\.lock\n\s+id = "example-tf-locks"\n/);
    const backend = files.get('state-backend.tf')!;
    assert.match(
      backend,
      /resource "aws_s3_bucket" "state" \{\n\s+bucket = "example-tfstate-change-me"\n\n\s+lifecycle \{\n\s+prevent_destroy = true/,
    );
    assert.match(backend, /resource "aws_dynamodb_table" "lock" \{[\s\S]*prevent_destroy = true/);
    // The policy is the document awsorg applies: its TLS-only statement, with the partition given.
    const policy = JSON.parse(
      generateHandoff(l, { ...fixedIds(l), partition: 'aws-us-gov' }).files.get('policies/state_bucket_policy.json')!,
    );
    assert.deepEqual(
      policy.Statement.map((s: { Sid: string }) => s.Sid),
      ['AwsorgDenyInsecureTransport'],
    );
    assert.deepEqual(policy.Statement[0].Resource, [
      `arn:aws-us-gov:s3:::${bucket}`,
      `arn:aws-us-gov:s3:::${bucket}/*`,
    ]);

    // --omit-tls-deny (or enforceTls false): awsorg sets no policy, so there is none to import.
    for (const files2 of [
      generateHandoff(l, fixedIds(l), { omitTlsDenyStatement: true }).files,
      generateHandoff(
        loaded({ ...preset('standard'), stateBackend: { ...l.blueprint.stateBackend!, enforceTls: false } }),
        fixedIds(l),
      ).files,
    ]) {
      assert.equal(files2.get('policies/state_bucket_policy.json'), undefined);
      assert.doesNotMatch(files2.get('state-backend.tf')!, /aws_s3_bucket_policy/);
      assert.doesNotMatch(files2.get('imports.tf')!, /aws_s3_bucket_policy\.state/);
    }
    // lock: lockfile has no table; AES256 has no bucket key.
    const lockfile = loaded({
      ...preset('standard'),
      stateBackend: { ...l.blueprint.stateBackend!, lock: 'lockfile', encryption: 'AES256' },
    });
    const lf = generateHandoff(lockfile, fixedIds(lockfile)).files;
    assert.doesNotMatch(lf.get('state-backend.tf')!, /aws_dynamodb_table|bucket_key_enabled|kms_master_key_id/);
    assert.match(lf.get('state-backend.tf')!, /sse_algorithm = "AES256"/);
    assert.doesNotMatch(lf.get('outputs.tf')!, /lock_table/);
    // A KMS key ARN is named.
    const keyArn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const kms = loaded({ ...preset('standard'), stateBackend: { ...l.blueprint.stateBackend!, encryption: keyArn } });
    assert.ok(
      generateHandoff(kms, fixedIds(kms)).files.get('state-backend.tf')!.includes(`kms_master_key_id = "${keyArn}"`),
    );
  });

  it('CI OIDC: provider by ARN, role by name, attachments `role/arn`, inline policy `role:name`', () => {
    const bp = preset('standard');
    bp.ciOidc = {
      ...bp.ciOidc!,
      policyArns: [
        'arn:aws:iam::aws:policy/AdministratorAccess',
        'arn:aws:iam::100000000099:policy/team/AdministratorAccess',
      ],
    };
    const l = {
      ...loaded(bp),
      deployInlinePolicy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      },
    };
    const files = generateHandoff(l, fixedIds(l)).files;
    const imports = files.get('imports.tf')!;
    assert.match(
      imports,
      /to = aws_iam_openid_connect_provider\.ci\n\s+id = "arn:aws:iam::100000000099:oidc-provider\/token\.actions\.githubusercontent\.com"\n/,
    );
    assert.match(imports, /to = aws_iam_role\.deploy\n\s+id = "github-deploy"\n/);
    assert.match(
      imports,
      /to = aws_iam_role_policy_attachment\.deploy__administratoraccess\n\s+id = "github-deploy\/arn:aws:iam::aws:policy\/AdministratorAccess"\n/,
    );
    assert.match(
      imports,
      /to = aws_iam_role_policy_attachment\.deploy__administratoraccess_2\n\s+id = "github-deploy\/arn:aws:iam::100000000099:policy\/team\/AdministratorAccess"\n/,
    );
    assert.match(imports, /to = aws_iam_role_policy\.deploy\n\s+id = "github-deploy:awsorg-deploy"\n/);
    assert.deepEqual(JSON.parse(files.get('policies/deploy_role_inline.json')!), l.deployInlinePolicy);
    const trust = JSON.parse(files.get('policies/deploy_role_trust.json')!);
    assert.equal(trust.Statement[0].Principal.Federated, fixedIds(l).ciOidcProviderArn);
    assert.equal(
      trust.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub'],
      'repo:example/infrastructure:ref:refs/heads/main',
    );
    const ids = fixedIds(l);
    delete ids.ciOidcProviderArn;
    assert.throws(
      () => generateHandoff(l, ids),
      (err: unknown) => err instanceof HandoffIdsMissing && /OIDC provider/.test(err.message),
    );
  });

  it('member accounts: one provider alias per account, and every resource there names it', () => {
    const l = memberLoaded();
    // The OIDC provider lives in shared-services, so its ARN names that account.
    const ids = {
      ...fixedIds(l),
      ciOidcProviderArn: 'arn:aws:iam::100000000002:oidc-provider/token.actions.githubusercontent.com',
    };
    const files = generateHandoff(l, ids).files;
    for (const [name, content] of files) {
      if (
        [
          'providers.tf',
          'state-backend.tf',
          'ci-oidc.tf',
          'organization-trail.tf',
          'imports.tf',
          'outputs.tf',
        ].includes(name)
      ) {
        matchSnapshot(`terraform-handoff-member--${name}`, content);
      }
    }
    const providers = files.get('providers.tf')!;
    // One alias per account, in blueprint order: log-archive (trail) before shared-services (state, CI).
    assert.deepEqual(
      [...providers.matchAll(/alias\s+= "([^"]+)"/g)].map((m) => m[1]),
      ['log_archive', 'shared_services'],
    );
    assert.match(
      providers,
      /alias {2}= "shared_services"\n\s+region = "us-east-1"\n\n\s+assume_role \{\n\s+role_arn = "arn:aws:iam::100000000002:role\/OrganizationAccountAccessRole"\n/,
    );
    assert.match(
      providers,
      /alias {2}= "log_archive"[^}]*role_arn = "arn:aws:iam::100000000000:role\/OrganizationAccountAccessRole"/,
    );
    const resourcesIn = (file: string) =>
      [...files.get(file)!.matchAll(/resource "([^"]+)" "([^"]+)" \{\n(\s+provider\s+= (\S+)\n)?/g)].map(
        (m) => `${m[1]}.${m[2]} ${m[4] ?? 'default'}`,
      );
    for (const r of resourcesIn('state-backend.tf')) assert.match(r, / aws\.shared_services$/, r);
    for (const r of resourcesIn('ci-oidc.tf')) assert.match(r, / aws\.shared_services$/, r);
    const trail = resourcesIn('organization-trail.tf');
    // The trail itself is created in the management account; only its bucket lives in log-archive.
    assert.ok(trail.includes('aws_cloudtrail.organization default'), trail.join('\n'));
    for (const r of trail.filter((r) => r.startsWith('aws_s3_'))) assert.match(r, / aws\.log_archive$/, r);
    assert.equal(trail.length, 7);
    // Organization resources stay on the default provider.
    assert.doesNotMatch(files.get('organization.tf')! + files.get('guardrails.tf')!, /provider\s+=/);

    // The member role and partition are the caller's to choose.
    const gov = generateHandoff(l, {
      ...ids,
      partition: 'aws-us-gov',
      memberRoleName: 'AWSControlTowerExecution',
    }).files.get('providers.tf')!;
    assert.match(gov, /role_arn = "arn:aws-us-gov:iam::100000000002:role\/AWSControlTowerExecution"/);
    // An account whose id was never observed cannot get a role ARN.
    const missing = fixedIds(l);
    delete missing.accountIds['shared-services'];
    assert.throws(
      () => generateHandoff(l, missing),
      (err: unknown) => err instanceof HandoffIdsMissing && /account shared-services/.test(err.message),
    );
  });

  it('organization trail: imported by its ARN, its bucket hardened like the step does, outputs', () => {
    const l = loaded();
    const files = generateHandoff(l, fixedIds(l)).files;
    const imports = files.get('imports.tf')!;
    assert.match(
      imports,
      /to = aws_cloudtrail\.organization\n\s+id = "arn:aws:cloudtrail:us-east-1:100000000099:trail\/org-trail"\n/,
    );
    for (const type of [
      'aws_s3_bucket',
      'aws_s3_bucket_versioning',
      'aws_s3_bucket_server_side_encryption_configuration',
      'aws_s3_bucket_public_access_block',
      'aws_s3_bucket_ownership_controls',
      'aws_s3_bucket_policy',
    ]) {
      assert.match(imports, new RegExp(`to = ${type}\\.trail\\n\\s+id = "example-org-trail-change-me"\\n`), type);
    }
    // The step sets no lifecycle rule on the trail bucket, and no tags on the trail.
    assert.doesNotMatch(imports, /aws_s3_bucket_lifecycle_configuration\.trail/);
    const trail = files.get('organization-trail.tf')!;
    assert.match(trail, /sse_algorithm = "AES256"/);
    assert.doesNotMatch(trail, /bucket_key_enabled|tags/);
    assert.match(
      trail,
      /resource "aws_cloudtrail" "organization" \{[\s\S]*is_organization_trail\s+= true[\s\S]*enable_logging\s+= true\n\n\s+depends_on = \[aws_s3_bucket_policy\.trail\]/,
    );
    const sids = (f: Map<string, string>) =>
      JSON.parse(f.get('policies/trail_bucket_policy.json')!).Statement.map((s: { Sid: string }) => s.Sid);
    assert.deepEqual(sids(files), ['AWSCloudTrailAclCheck', 'AWSCloudTrailWrite', 'AwsorgDenyInsecureTransport']);
    assert.deepEqual(sids(generateHandoff(l, fixedIds(l), { omitTlsDenyStatement: true }).files), [
      'AWSCloudTrailAclCheck',
      'AWSCloudTrailWrite',
    ]);
    assert.match(
      files.get('outputs.tf')!,
      /output "trail_arn" \{[^}]*aws_cloudtrail\.organization\.arn[\s\S]*output "trail_bucket" \{[^}]*aws_s3_bucket\.trail\.bucket/,
    );
    // Observed tags on the trail are kept.
    const tagged = generateHandoff(l, { ...fixedIds(l), tags: { 'trail:org-trail': { team: 'security' } } }).files.get(
      'organization-trail.tf',
    )!;
    assert.match(tagged, /enable_logging\s+= true\n\n\s+tags = \{\n\s+"team" = "security"\n\s+\}/);
    const ids = fixedIds(l);
    delete ids.managementAccountId;
    assert.throws(
      () => generateHandoff(l, ids),
      (err: unknown) => err instanceof HandoffIdsMissing && /management account/.test(err.message),
    );
  });

  it('observed tags replace the blueprint-derived tags of that resource only', () => {
    const l = loaded();
    const observed = {
      'account:production': { 'awsorg:managed-by': 'awsorg', environment: 'production', CostCenter: '4711' },
      'ou:Workloads': { 'awsorg:managed-by': 'awsorg', owner: 'platform' },
      'policy:awsorg-deny-root': { 'awsorg:managed-by': 'awsorg', 'awsorg:guardrail': 'denyRoot', reviewed: '2024' },
    };
    const files = generateHandoff(l, { ...fixedIds(l), tags: observed }).files;
    const org = files.get('organization.tf')!;
    const tagsOf = (text: string, header: string) => {
      const body = text.slice(text.indexOf(header));
      return body.slice(body.indexOf('tags = {'), body.indexOf('}', body.indexOf('tags = {')) + 1);
    };
    assert.match(tagsOf(org, 'resource "aws_organizations_account" "production"'), /"CostCenter"\s+= "4711"/);
    assert.match(tagsOf(org, 'resource "aws_organizations_organizational_unit" "workloads"'), /"owner"\s+= "platform"/);
    assert.match(
      tagsOf(files.get('guardrails.tf')!, 'resource "aws_organizations_policy" "deny_root"'),
      /"reviewed"\s+= "2024"/,
    );
    // Exactly the observed tags: a blueprint tag AWS does not hold is not written.
    const only = generateHandoff(l, {
      ...fixedIds(l),
      tags: { 'account:production': { CostCenter: '4711' } },
    }).files.get('organization.tf')!;
    assert.equal(
      tagsOf(only, 'resource "aws_organizations_account" "production"'),
      'tags = {\n    "CostCenter" = "4711"\n  }',
    );
    // Other resources keep the blueprint's tags.
    assert.equal(
      tagsOf(only, 'resource "aws_organizations_account" "staging"'),
      'tags = {\n    "awsorg:managed-by" = "awsorg"\n  }',
    );
  });

  it("another team's bucket policy statements are kept after awsorg's, with a note", () => {
    const l = memberLoaded();
    const foreign = [
      {
        Sid: 'AuditorRead',
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::100000000001:root' },
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::example-org-trail-change-me/*',
      },
      {
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:DeleteBucket',
        Resource: 'arn:aws:s3:::example-org-trail-change-me',
      },
    ];
    const code = generateHandoff(l, {
      ...fixedIds(l),
      bucketPolicies: {
        // awsorg's own statements as AWS holds them, interleaved with the foreign ones.
        'example-org-trail-change-me': {
          Statement: [
            foreign[0]!,
            { Sid: 'AWSCloudTrailAclCheck', Effect: 'Allow' },
            foreign[1]!,
            { Sid: 'AwsorgDenyInsecureTransport' },
          ],
        },
      },
    });
    const statements = JSON.parse(code.files.get('policies/trail_bucket_policy.json')!).Statement;
    assert.deepEqual(
      statements.map((s: { Sid?: string }) => s.Sid ?? '-'),
      ['AWSCloudTrailAclCheck', 'AWSCloudTrailWrite', 'AwsorgDenyInsecureTransport', 'AuditorRead', '-'],
    );
    // awsorg's statements are its own wish, not the observed copies.
    assert.equal(statements[0].Action, 's3:GetBucketAcl');
    assert.deepEqual(statements.slice(3), foreign);
    assert.deepEqual(code.notes, [
      'bucket policy of example-org-trail-change-me keeps statements awsorg does not own: AuditorRead, (no Sid)',
    ]);
    // Without foreign statements: no note, awsorg's statements only.
    const plain = generateHandoff(l, {
      ...fixedIds(l),
      bucketPolicies: { 'example-org-trail-change-me': { Statement: [{ Sid: 'AWSCloudTrailWrite' }] } },
    });
    assert.deepEqual(plain.notes, []);
    assert.equal(JSON.parse(plain.files.get('policies/trail_bucket_policy.json')!).Statement.length, 3);
  });

  it('a lifecycle rule awsorg does not own keeps the lifecycle configuration out of the code and its imports', () => {
    const l = memberLoaded();
    const bucket = l.blueprint.stateBackend!.bucket;
    const code = generateHandoff(l, {
      ...fixedIds(l),
      lifecycleRules: { [bucket]: [{ ID: 'awsorg-expire-noncurrent-versions' }, { ID: 'archive-to-glacier' }, {}] },
    });
    assert.doesNotMatch(code.files.get('state-backend.tf')!, /aws_s3_bucket_lifecycle_configuration/);
    assert.doesNotMatch(code.files.get('imports.tf')!, /aws_s3_bucket_lifecycle_configuration/);
    assert.ok(!code.imports.some((i) => i.to.startsWith('aws_s3_bucket_lifecycle_configuration')));
    assert.deepEqual(code.notes, [
      `lifecycle configuration of bucket ${bucket} is left out of the hand-off: it holds rules awsorg does not own (archive-to-glacier, (no id)); awsorg keeps managing its own rule`,
    ]);
    // Only awsorg's rule: the configuration is declared and imported as usual.
    const own = generateHandoff(l, {
      ...fixedIds(l),
      lifecycleRules: { [bucket]: [{ ID: 'awsorg-expire-noncurrent-versions' }] },
    });
    assert.ok(own.imports.some((i) => i.to === 'aws_s3_bucket_lifecycle_configuration.state' && i.id === bucket));
    assert.deepEqual(own.notes, []);
  });

  it('an id that was never observed is an error, not an empty import', () => {
    const l = loaded();
    const ids = fixedIds(l);
    delete ids.accountIds.audit;
    assert.throws(
      () => generateHandoff(l, ids),
      (err: unknown) => err instanceof HandoffIdsMissing && /account audit/.test(err.message),
    );
  });

  it('identifiers: valid, stable, and collisions get a numbered suffix', () => {
    assert.equal(identifierFor('Workloads/Production'), 'workloads_production');
    assert.equal(identifierFor('123-dev'), 'n_123_dev');
    assert.equal(identifierFor('---'), 'unnamed');
    assert.equal(identifierFor('Ünïcode'), 'unicode');
    const alloc = new IdentifierAllocator();
    assert.deepEqual(
      ['a-b', 'a_b', 'A B', 'a_b_2', 'a-b'].map((n) => alloc.claim(n)),
      ['a_b', 'a_b_2', 'a_b_3', 'a_b_2_2', 'a_b'],
    );

    const bp = preset('standard');
    bp.organizationalUnits = ['Work-loads', 'Work/loads', 'Work'];
    bp.accounts = [
      { name: 'dev.team', email: 'a@example.com', ou: 'Work-loads' },
      { name: 'dev-team', email: 'b@example.com', ou: 'Work/loads' },
    ];
    bp.guardrails = { denyRoot: { targets: ['Work-loads', 'Work/loads', 'dev.team', 'dev-team'] } };
    delete bp.organizationTrail;
    const l = loaded(bp);
    const ids = fixedIds(l);
    const files = generateHandoff(l, ids).files;
    const org = files.get('organization.tf')!;
    assert.match(org, /resource "aws_organizations_organizational_unit" "work_loads" \{\n\s+name\s+= "Work-loads"/);
    assert.match(
      org,
      /resource "aws_organizations_organizational_unit" "work_loads_2" \{\n\s+name\s+= "loads"\n\s+parent_id = aws_organizations_organizational_unit\.work\.id/,
    );
    assert.match(org, /resource "aws_organizations_account" "dev_team" \{\n\s+name\s+= "dev\.team"/);
    assert.match(org, /resource "aws_organizations_account" "dev_team_2" \{\n\s+name\s+= "dev-team"/);
    const guardrails = files.get('guardrails.tf')!;
    const attachments = [...guardrails.matchAll(/resource "aws_organizations_policy_attachment" "([^"]+)"/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(attachments, [
      'deny_root__work_loads',
      'deny_root__work_loads_2',
      'deny_root__dev_team',
      'deny_root__dev_team_2',
    ]);
    assert.match(
      guardrails,
      /deny_root__work_loads_2" \{\n\s+policy_id = aws_organizations_policy\.deny_root\.id\n\s+target_id = aws_organizations_organizational_unit\.work_loads_2\.id/,
    );
    assert.match(
      guardrails,
      /deny_root__dev_team_2" \{\n\s+policy_id = aws_organizations_policy\.deny_root\.id\n\s+target_id = aws_organizations_account\.dev_team_2\.id/,
    );
  });

  it('hostile names stay inside their strings', () => {
    assert.equal(hclString('a"b'), '"a\\"b"');
    assert.equal(hclString('a\\b'), '"a\\\\b"');
    assert.equal(hclString('${var.x}'), '"$${var.x}"');
    assert.equal(hclString('%{ if true }'), '"%%{ if true }"');
    assert.equal(hclString('$$ and %%'), '"$$ and %%"');
    assert.equal(hclString('a\nb\r\tc\u0000\u001b[31m\u007f\u2028'), '"a\\nb\\r\\tc\\u0000\\u001b[31m\\u007f\\u2028"');

    const bp = preset('standard');
    const hostile = 'x" } resource "null" "y" { a = "${file("passwd")}%{ for a in b }\\';
    bp.organizationalUnits = [hostile];
    bp.accounts = [{ name: hostile, email: 'a"${b}@example.com', ou: hostile, tags: { 'k"${x}': 'v\n%{y}' } }];
    bp.guardrails = { denyRoot: { targets: [hostile] } };
    delete bp.organizationTrail;
    const l = loaded(bp);
    const files = generateHandoff(l, fixedIds(l)).files;
    const org = files.get('organization.tf')!;
    const escaped = '"x\\" } resource \\"null\\" \\"y\\" { a = \\"$${file(\\"passwd\\")}%%{ for a in b }\\\\"';
    assert.ok(org.includes(`name      = ${escaped}`), org);
    assert.ok(org.includes('email     = "a\\"$${b}@example.com"'), org);
    assert.match(org, /^ {4}"k\\"\$\$\{x\}" += "v\\n%%\{y\}"$/m);
    // Nothing outside a string: every resource header is one the generator wrote.
    for (const content of files.values()) {
      for (const m of content.matchAll(/^resource "([^"]+)"/gm))
        assert.match(m[1]!, /^aws_(organizations|s3|dynamodb|iam)_/);
      assert.doesNotMatch(content, /[^$]\$\{file\("\/etc/);
    }
  });

  it('the generator loads no AWS SDK module (its import graph, bundled by esbuild, has no node_modules input)', async () => {
    const result = await build({
      entryPoints: [join(REPO_ROOT, 'src/terraform/handoff/generate.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.ok(
      inputs.some((i) => i.endsWith('generate.ts')),
      inputs.join('\n'),
    );
    assert.deepEqual(
      inputs.filter((i) => i.includes('node_modules')),
      [],
    );
  });
});
