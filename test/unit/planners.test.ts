/**
 * The pure parts of bootstrap: every step's `plan` against hand-built observations, the policy
 * helpers the plans use, the plan text, the journal and the XDG paths. No AWS calls.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AwsSession } from '../../src/aws/session.js';
import type { WhoamiResult } from '../../src/commands/whoami.js';
import { loadedFromBlueprint } from '../../src/core/blueprint-load.js';
import type { Blueprint, CiOidc, LoadedBlueprint } from '../../src/core/blueprint.js';
import { PreconditionError, ValidationError } from '../../src/core/errors.js';
import { Journal, journalPathFor } from '../../src/core/journal.js';
import { preset } from '../../src/core/presets.js';
import { ensurePrivateDir, xdgPaths } from '../../src/core/xdg.js';
import { accountsStep, type ObservedAccounts } from '../../src/steps/accounts.js';
import {
  desiredBucketPolicy,
  LIFECYCLE_RULE_ID,
  observeBucket,
  planBucket,
  TLS_SID,
  tlsDenyStatement,
  type BucketWish,
  type ObservedBucket,
} from '../../src/steps/bucket-hardening.js';
import {
  ciOidcStep,
  deployRoleTrustPolicy,
  providerArnFor,
  subjectFor,
  type ObservedCiOidc,
} from '../../src/steps/ci-oidc.js';
import type { StepPlan } from '../../src/steps/engine.js';
import { guardrailPolicies, minifyPolicy } from '../../src/policies/guardrail-policies.js';
import { guardrailsStep, type ObservedGuardrails } from '../../src/steps/guardrails.js';
import { identityStep } from '../../src/steps/identity.js';
import { organizationStep } from '../../src/steps/organization.js';
import { cloudTrailStatements, organizationTrailStep } from '../../src/steps/organization-trail.js';
import { organizationalUnitsStep } from '../../src/steps/organizational-units.js';
import {
  planTable,
  stateBackendStep,
  type ObservedLockTable,
  type ObservedStateBackend,
} from '../../src/steps/state-backend.js';
import { canonicalJson, lineDiff, mapLimit, policyDiff, samePolicy } from '../../src/steps/support.js';
import type { Change, StepContext, StepOptions } from '../../src/steps/types.js';
import { renderPlan } from '../../src/ui/plan-text.js';
import { tempDir } from '../helpers/cli.js';

const MANAGEMENT_ID = '123456789012';
const options: StepOptions = {
  allowRoot: false,
  memberRoleName: 'OrganizationAccountAccessRole',
  omitTlsDenyStatement: false,
};

/** The standard preset, validated, after `edit` changes a fresh copy of it. */
function standard(edit: (blueprint: Blueprint) => void = () => undefined): LoadedBlueprint {
  const blueprint = preset('standard');
  edit(blueprint);
  return loadedFromBlueprint(blueprint, '/tmp', 'the blueprint', { allowPlaceholders: true });
}

/** Run `fn`, which must throw a PreconditionError; return it for further checks. */
function preconditionFrom(fn: () => unknown): PreconditionError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof PreconditionError, `expected a PreconditionError, got ${String(caught)}`);
  return caught;
}

const callsOf = (changes: Change[]) => changes.map((c) => c.calls[0]);

// ---------------------------------------------------------------------------------------------

describe('organizationalUnitsStep.plan', () => {
  const nested = standard((b) => {
    // Children listed before their parent on purpose: the plan must still create parents first.
    b.organizationalUnits = [
      'Workloads/Production',
      'Security',
      'Workloads/Production/Payments',
      'Infrastructure',
      'Workloads',
      'Sandbox',
    ];
  });

  it('creates every OU of a fresh organization, parents before children', () => {
    const changes = organizationalUnitsStep.plan({ organizationExists: false, existing: [] }, nested, options);
    const paths = changes.map((c) => c.data.path);
    assert.deepEqual(new Set(paths), new Set(nested.blueprint.organizationalUnits));
    assert.ok(paths.indexOf('Workloads') < paths.indexOf('Workloads/Production'));
    assert.ok(paths.indexOf('Workloads/Production') < paths.indexOf('Workloads/Production/Payments'));
    const production = changes.find((c) => c.data.path === 'Workloads/Production')!;
    assert.deepEqual(production.data, { path: 'Workloads/Production', name: 'Production', parentPath: 'Workloads' });
    assert.deepEqual(production.calls, ['organizations:CreateOrganizationalUnit']);
    assert.equal(production.key, 'ou:Workloads/Production');
    assert.equal(changes.find((c) => c.data.path === 'Security')!.data.parentPath, undefined);
  });

  it('creates only the OUs that are missing', () => {
    const changes = organizationalUnitsStep.plan(
      { organizationExists: true, existing: ['Security', 'Infrastructure', 'Workloads', 'Sandbox'] },
      nested,
      options,
    );
    assert.deepEqual(
      changes.map((c) => c.data.path),
      ['Workloads/Production', 'Workloads/Production/Payments'],
    );
    assert.match(changes[0]!.summary, /Create OU Workloads\/Production under Workloads/);
  });

  it('plans nothing when every OU exists', () => {
    const changes = organizationalUnitsStep.plan(
      { organizationExists: true, existing: [...nested.blueprint.organizationalUnits] },
      nested,
      options,
    );
    assert.deepEqual(changes, []);
  });
});

// ---------------------------------------------------------------------------------------------

describe('accountsStep.plan', () => {
  const loaded = standard();
  const ouIds = { Security: 'ou-sec', Infrastructure: 'ou-infra', Workloads: 'ou-work', Sandbox: 'ou-sand' };
  const parentFor: Record<string, string> = {
    'log-archive': 'ou-sec',
    audit: 'ou-sec',
    'shared-services': 'ou-infra',
    development: 'ou-work',
    staging: 'ou-work',
    production: 'ou-work',
  };
  /** Every account of the preset exists, in its OU, except those named in `missing`. */
  function observed(overrides: Partial<ObservedAccounts> = {}, missing: string[] = []): ObservedAccounts {
    const matched: ObservedAccounts['matched'] = {};
    loaded.blueprint.accounts.forEach((a, i) => {
      if (missing.includes(a.name)) return;
      matched[a.name] = {
        id: String(100000000000 + i),
        name: a.name,
        status: 'ACTIVE',
        parentId: parentFor[a.name],
        ...(a.tags ? { tags: { ...a.tags } } : {}),
      };
    });
    return { organizationExists: true, matched, inProgress: {}, ouIds, rootId: 'r-root', ...overrides };
  }

  it('creates an account whose email matches no existing account, keyed by the lower-cased email', () => {
    const mixedCase = standard((b) => {
      b.accounts[5]!.email = 'AWS+Production@Example.com';
    });
    const changes = accountsStep.plan(observed({}, ['production']), mixedCase, options);
    assert.equal(changes.length, 1);
    const [create] = changes;
    assert.equal(create!.key, 'account:aws+production@example.com');
    assert.deepEqual(create!.calls, [
      'organizations:CreateAccount',
      'organizations:DescribeCreateAccountStatus',
      'organizations:MoveAccount',
    ]);
    assert.deepEqual(create!.data, {
      kind: 'create',
      name: 'production',
      email: 'AWS+Production@Example.com',
      ou: 'Workloads',
      tags: { environment: 'production' },
    });
    assert.match(
      create!.summary,
      /^Create account production <AWS\+Production@Example\.com> and move it to Workloads$/,
    );
  });

  it('plans nothing when every account exists in its OU', () => {
    assert.deepEqual(accountsStep.plan(observed(), loaded, options), []);
  });

  it("tags an adopted account that lacks a blueprint tag or holds another value, and leaves the account's other tags alone", () => {
    const state = observed();
    state.matched.production!.tags = { team: 'platform' };
    const changes = accountsStep.plan(state, loaded, options);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.calls, ['organizations:TagResource']);
    assert.deepEqual(changes[0]!.data, {
      kind: 'tag',
      name: 'production',
      accountId: state.matched.production!.id,
      tags: { environment: 'production' },
    });
    assert.match(changes[0]!.summary, /^Tag account production \(\d{12}\) environment=production$/);
    state.matched.production!.tags = { environment: 'staging' };
    assert.deepEqual(accountsStep.plan(state, loaded, options)[0]!.data, changes[0]!.data);
    state.matched.production!.tags = { environment: 'production', team: 'platform' };
    assert.deepEqual(accountsStep.plan(state, loaded, options), []);
  });

  it('moves an account whose parent differs from its blueprint OU, and only that account', () => {
    const state = observed();
    state.matched.audit!.parentId = 'r-root';
    const changes = accountsStep.plan(state, loaded, options);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.calls, ['organizations:MoveAccount']);
    assert.deepEqual(changes[0]!.data, {
      kind: 'move',
      name: 'audit',
      accountId: state.matched.audit!.id,
      ou: 'Security',
    });
    assert.equal(changes[0]!.key, 'account-move:aws+audit@example.com');
  });

  it('moves an account into an OU that is created in this run (its id is not known yet)', () => {
    const state = observed({ ouIds: { Security: 'ou-sec', Infrastructure: 'ou-infra', Sandbox: 'ou-sand' } });
    const changes = accountsStep.plan(state, loaded, options);
    assert.deepEqual(
      changes.map((c) => c.data.name),
      ['development', 'staging', 'production'],
    );
    assert.ok(changes.every((c) => c.data.kind === 'move' && c.data.ou === 'Workloads'));
  });

  it('finishes an IN_PROGRESS CreateAccount request for the same name instead of creating another account', () => {
    const changes = accountsStep.plan(
      observed({ inProgress: { staging: 'car-1234567890abcdef' } }, ['staging']),
      loaded,
      options,
    );
    assert.equal(changes.length, 1);
    assert.match(changes[0]!.summary, /^Finish creating account staging .*request car-1234567890abcdef is in progress/);
    assert.deepEqual(changes[0]!.data, {
      kind: 'create',
      name: 'staging',
      email: 'aws+staging@example.com',
      ou: 'Workloads',
      inProgressRequestId: 'car-1234567890abcdef',
    });
  });

  for (const status of ['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']) {
    it(`refuses an account that is ${status}`, () => {
      const state = observed();
      state.matched.development!.status = status;
      const err = preconditionFrom(() => accountsStep.plan(state, loaded, options));
      assert.match(
        err.message,
        new RegExp(
          `Account development \\(${state.matched.development!.id}, aws\\+development@example.com\\) is ${status}`,
        ),
      );
      assert.match(err.nextStep ?? '', /Reopen it through AWS Support, or remove it from the blueprint/);
    });
  }

  it('observe matches existing accounts by email, ignoring case', async () => {
    // A stand-in session that answers the three read calls observe makes.
    const sent: string[] = [];
    const session = {
      async send(_service: string, command: object) {
        const action = command.constructor.name;
        sent.push(action);
        if (action === 'ListAccountsCommand') {
          return {
            Accounts: [{ Id: '111111111111', Name: 'Prod', Email: 'AWS+PRODUCTION@EXAMPLE.COM', Status: 'ACTIVE' }],
          };
        }
        if (action === 'ListCreateAccountStatusCommand') return { CreateAccountStatuses: [] };
        if (action === 'ListParentsCommand') return { Parents: [{ Id: 'ou-work', Type: 'ORGANIZATIONAL_UNIT' }] };
        // The blueprint tags production, so its tags are read.
        if (action === 'ListTagsForResourceCommand') return { Tags: [{ Key: 'environment', Value: 'production' }] };
        throw new Error(`unexpected ${action}`);
      },
    } as unknown as AwsSession;
    const ctx = {
      loaded,
      session,
      state: { rootId: 'r-root', ouIds: new Map(Object.entries(ouIds)), accountIds: new Map() },
    } as unknown as StepContext;
    const seen = await accountsStep.observe(ctx);
    assert.deepEqual(Object.keys(seen.matched), ['production']);
    assert.deepEqual(seen.matched.production, {
      id: '111111111111',
      name: 'Prod',
      status: 'ACTIVE',
      parentId: 'ou-work',
      tags: { environment: 'production' },
    });
    assert.equal(ctx.state.accountIds.get('production'), '111111111111');
    assert.ok(
      sent.every((a) => a.startsWith('List')),
      'observe only reads',
    );
    const changes = accountsStep.plan(seen, loaded, options);
    assert.ok(!changes.some((c) => c.data.name === 'production'), 'the matched account is not created again');
    assert.equal(changes.length, 5);
  });
});

// ---------------------------------------------------------------------------------------------

describe('guardrailsStep.plan', () => {
  const loaded = standard();
  const policies = guardrailPolicies(loaded);
  const targetIds = { Root: 'r-root', Workloads: 'ou-work', Sandbox: 'ou-sand' };

  /** Every guardrail exists, is ours, has the blueprint's content and is attached where it should be. */
  function converged(): ObservedGuardrails {
    return {
      targetIds: { ...targetIds },
      policies: Object.fromEntries(
        policies.map((p, i) => [
          p.name,
          {
            id: `p-${i}`,
            name: p.name,
            owned: true,
            content: minifyPolicy(p.document),
            targetIds: p.targets.map((t) => targetIds[t as keyof typeof targetIds]),
          },
        ]),
      ),
    };
  }

  it('creates each missing policy with a diff of its whole document, and attaches it', () => {
    const changes = guardrailsStep.plan({ policies: {}, targetIds: {} }, loaded, options);
    const creates = changes.filter((c) => c.data.kind === 'create');
    assert.deepEqual(
      creates.map((c) => c.data.name),
      ['awsorg-deny-regions', 'awsorg-deny-root', 'awsorg-require-mfa', 'awsorg-deny-leave-organization'],
    );
    const denyRoot = creates.find((c) => c.data.name === 'awsorg-deny-root')!;
    assert.ok(denyRoot.diff, 'a create carries a diff');
    const diffLines = denyRoot.diff!.split('\n');
    assert.ok(
      diffLines.every((l) => l.startsWith('+ ')),
      'a new document is all additions',
    );
    assert.ok(diffLines.some((l) => l.includes('"Sid": "AwsorgDenyRootUser"')));
    assert.equal(denyRoot.data.kind === 'create' && denyRoot.data.content, minifyPolicy(policies[1]!.document));
    // Targets that do not exist yet are still attached later in the run.
    const attaches = changes.filter((c) => c.data.kind === 'attach').map((c) => c.key);
    assert.deepEqual(attaches, [
      'scp-attach:awsorg-deny-regions:Workloads',
      'scp-attach:awsorg-deny-regions:Sandbox',
      'scp-attach:awsorg-deny-root:Workloads',
      'scp-attach:awsorg-deny-root:Sandbox',
      'scp-attach:awsorg-require-mfa:Workloads',
      'scp-attach:awsorg-deny-leave-organization:Root',
    ]);
  });

  it('plans nothing when every policy is ours, current and attached', () => {
    assert.deepEqual(guardrailsStep.plan(converged(), loaded, options), []);
  });

  it('treats a stored document that AWS re-serialised (spacing, key order) as unchanged', () => {
    const observed = converged();
    const regions = observed.policies['awsorg-deny-regions']!;
    regions.content = canonicalJson(JSON.parse(minifyPolicy(policies[0]!.document)), 4);
    assert.deepEqual(guardrailsStep.plan(observed, loaded, options), []);
  });

  it('updates a drifted policy with UpdatePolicy and a -/+ diff', () => {
    const observed = converged();
    const mfa = observed.policies['awsorg-require-mfa']!;
    const drifted = JSON.parse(mfa.content);
    drifted.Statement[0].Action = ['iam:DeleteRole'];
    mfa.content = JSON.stringify(drifted);
    const changes = guardrailsStep.plan(observed, loaded, options);
    assert.equal(changes.length, 1);
    const [update] = changes;
    assert.deepEqual(update!.calls, ['organizations:UpdatePolicy']);
    assert.deepEqual(update!.data, {
      kind: 'update',
      name: 'awsorg-require-mfa',
      policyId: mfa.id,
      content: minifyPolicy(policies[2]!.document),
    });
    const lines = update!.diff!.split('\n');
    assert.ok(
      lines.some((l) => /^\+ +"iam:AttachRolePolicy",$/.test(l)),
      update!.diff,
    );
    assert.ok(
      lines.some((l) => /^- +"iam:DeleteRole"$/.test(l)),
      update!.diff,
    );
    assert.ok(
      lines.some((l) => l.startsWith('  ') && l.includes('"Sid": "AwsorgDenyWithoutMfa"')),
      'unchanged lines are kept as context',
    );
  });

  it("refuses to touch a same-named policy that is not tagged as awsorg's", () => {
    const observed = converged();
    observed.policies['awsorg-deny-root']!.owned = false;
    observed.policies['awsorg-deny-root']!.content = '{"Version":"2012-10-17","Statement":[]}';
    const err = preconditionFrom(() => guardrailsStep.plan(observed, loaded, options));
    assert.match(
      err.message,
      /An SCP named awsorg-deny-root \(p-1\) already exists and is not tagged awsorg:managed-by=awsorg/,
    );
    assert.match(err.nextStep ?? '', /Rename or delete that policy, or tag it/);
  });

  it('attaches a policy to a blueprint target it is missing from', () => {
    const observed = converged();
    observed.policies['awsorg-deny-regions']!.targetIds = ['ou-work'];
    const changes = guardrailsStep.plan(observed, loaded, options);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.calls, ['organizations:AttachPolicy']);
    assert.deepEqual(changes[0]!.data, { kind: 'attach', name: 'awsorg-deny-regions', target: 'Sandbox' });
  });

  it('detaches a policy from a target the blueprint no longer names', () => {
    const observed = converged();
    observed.policies['awsorg-require-mfa']!.targetIds = ['ou-work', 'ou-sand'];
    const changes = guardrailsStep.plan(observed, loaded, options);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.calls, ['organizations:DetachPolicy']);
    assert.deepEqual(changes[0]!.data, {
      kind: 'detach',
      name: 'awsorg-require-mfa',
      policyId: observed.policies['awsorg-require-mfa']!.id,
      targetId: 'ou-sand',
    });
    assert.match(changes[0]!.summary, /no longer a target in the blueprint/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('organizationStep.plan', () => {
  const loaded = standard();

  it('creates the organization, then trusted access and policy types, when there is none', () => {
    const changes = organizationStep.plan(
      { exists: false, enabledPolicyTypes: [], trustedServices: [] },
      loaded,
      options,
    );
    assert.deepEqual(callsOf(changes), [
      'organizations:CreateOrganization',
      'organizations:EnableAWSServiceAccess',
      'organizations:EnableAWSServiceAccess',
      'organizations:EnableAWSServiceAccess',
      'organizations:EnablePolicyType',
      'organizations:EnablePolicyType',
    ]);
    assert.deepEqual(
      changes.slice(1).map((c) => c.data),
      [
        { kind: 'trusted-access', servicePrincipal: 'cloudtrail.amazonaws.com' },
        { kind: 'trusted-access', servicePrincipal: 'config.amazonaws.com' },
        { kind: 'trusted-access', servicePrincipal: 'sso.amazonaws.com' },
        { kind: 'policy-type', policyType: 'SERVICE_CONTROL_POLICY' },
        { kind: 'policy-type', policyType: 'TAG_POLICY' },
      ],
    );
  });

  it('enables only what is missing in an existing organization with all features', () => {
    const changes = organizationStep.plan(
      {
        exists: true,
        featureSet: 'ALL',
        enabledPolicyTypes: ['SERVICE_CONTROL_POLICY'],
        trustedServices: ['cloudtrail.amazonaws.com', 'sso.amazonaws.com'],
      },
      loaded,
      options,
    );
    assert.deepEqual(
      changes.map((c) => c.key),
      ['organization:trusted-access:config.amazonaws.com', 'organization:policy-type:TAG_POLICY'],
    );
  });

  it('refuses a consolidated-billing organization and names enable-all-features', () => {
    const err = preconditionFrom(() =>
      organizationStep.plan(
        { exists: true, featureSet: 'CONSOLIDATED_BILLING', enabledPolicyTypes: [], trustedServices: [] },
        loaded,
        options,
      ),
    );
    assert.match(err.message, /feature set CONSOLIDATED_BILLING/);
    assert.match(err.nextStep ?? '', /aws organizations enable-all-features/);
    assert.match(err.nextStep ?? '', /Nothing was changed/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('planBucket', () => {
  const bucket = 'example-tfstate';
  const wish: BucketWish = {
    bucket,
    region: 'us-east-1',
    encryption: 'aws:kms',
    statements: [tlsDenyStatement(bucket)],
    ownedSids: [TLS_SID],
    noncurrentVersionDays: 90,
  };
  const ourRule = {
    ID: LIFECYCLE_RULE_ID,
    Status: 'Enabled' as const,
    Filter: { Prefix: '' },
    NoncurrentVersionExpiration: { NoncurrentDays: 90 },
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
  };
  function hardened(): ObservedBucket {
    return {
      exists: true,
      versioning: 'Enabled',
      encryption: { algorithm: 'aws:kms' },
      publicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      ownership: 'BucketOwnerEnforced',
      policy: { Version: '2012-10-17', Statement: [tlsDenyStatement(bucket)] },
      lifecycleRules: [ourRule],
    };
  }
  const kinds = (changes: Change<{ kind: string }>[]) => changes.map((c) => c.data.kind);

  it('removes the bucket policy when it held only our TLS statement and enforceTls is turned off', () => {
    const changes = planBucket(hardened(), { ...wish, statements: [] }, 'state-bucket:example', 'management');
    assert.deepEqual(callsOf(changes), ['s3:DeleteBucketPolicy']);
    assert.match(changes[0]!.diff!, /^- /m);
  });

  it('drops only our TLS statement when a foreign statement stays', () => {
    const foreign = {
      Sid: 'TeamReadOnly',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
    };
    const observed = {
      ...hardened(),
      policy: { Version: '2012-10-17', Statement: [foreign, tlsDenyStatement(bucket)] },
    };
    const changes = planBucket(observed, { ...wish, statements: [] }, 'state-bucket:example', 'management');
    assert.deepEqual(callsOf(changes), ['s3:PutBucketPolicy']);
    assert.deepEqual(JSON.parse((changes[0]!.data as { policy: string }).policy).Statement, [foreign]);
    assert.match(changes[0]!.summary, /removing awsorg statements/);
  });

  it('creates and hardens a fresh bucket, without a separate ownership call', () => {
    const changes = planBucket({ exists: false }, wish, 'state-bucket:example', 'management');
    assert.deepEqual(kinds(changes), [
      'create',
      'versioning',
      'encryption',
      'public-access-block',
      'lifecycle',
      'policy',
    ]);
    assert.deepEqual(callsOf(changes), [
      's3:CreateBucket',
      's3:PutBucketVersioning',
      's3:PutBucketEncryption',
      's3:PutPublicAccessBlock',
      's3:PutBucketLifecycleConfiguration',
      's3:PutBucketPolicy',
    ]);
    assert.ok(
      !callsOf(changes).includes('s3:PutBucketOwnershipControls'),
      'CreateBucket already sets BucketOwnerEnforced',
    );
    assert.match(changes[0]!.summary, /ObjectOwnership BucketOwnerEnforced/);
    assert.ok(changes.every((c) => c.key.startsWith('state-bucket:example:') && c.account === 'management'));
    const policy = changes.at(-1)!;
    assert.deepEqual(JSON.parse((policy.data as { policy: string }).policy), {
      Version: '2012-10-17',
      Statement: [tlsDenyStatement(bucket)],
    });
    assert.match(policy.diff ?? '', /\+ .*"aws:SecureTransport": "false"/);
  });

  it('plans nothing for a fully hardened bucket', () => {
    assert.deepEqual(planBucket(hardened(), wish, 'b', 'management'), []);
  });

  it('turns on ownership controls for an existing bucket that still allows ACLs', () => {
    const observed = { ...hardened(), ownership: 'ObjectWriter' };
    assert.deepEqual(kinds(planBucket(observed, wish, 'b', 'management')), ['ownership']);
  });

  it('keeps a foreign statement of an existing bucket policy when adding the TLS statement', () => {
    const foreign = {
      Sid: 'AllowAuditRead',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::210987654321:root' },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${bucket}/*`,
    };
    const unnamed = {
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::210987654321:root' },
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${bucket}`,
    };
    const observed: ObservedBucket = {
      ...hardened(),
      policy: { Version: '2012-10-17', Statement: [foreign, unnamed] },
    };
    const desired = desiredBucketPolicy(observed, wish);
    assert.deepEqual(desired, { Version: '2012-10-17', Statement: [foreign, unnamed, tlsDenyStatement(bucket)] });
    const changes = planBucket(observed, wish, 'b', 'management');
    assert.equal(changes.length, 1);
    assert.equal(changes[0]!.data.kind, 'policy');
    assert.match(changes[0]!.summary, /^Update the bucket policy of example-tfstate/);
    assert.deepEqual(JSON.parse((changes[0]!.data as { policy: string }).policy), desired);
    const diff = changes[0]!.diff!.split('\n');
    assert.ok(
      diff.some((l) => l.startsWith('  ') && l.includes('AllowAuditRead')),
      'the foreign statement is unchanged context',
    );
    assert.ok(diff.some((l) => l.startsWith('+ ') && l.includes(TLS_SID)));
    assert.ok(!diff.some((l) => l.startsWith('- ')), 'nothing is removed');
  });

  it('replaces an outdated statement of ours instead of adding a second one', () => {
    const outdated = { ...tlsDenyStatement(bucket), Resource: `arn:aws:s3:::${bucket}/*` };
    const observed: ObservedBucket = { ...hardened(), policy: { Version: '2012-10-17', Statement: [outdated] } };
    const desired = desiredBucketPolicy(observed, wish);
    assert.equal(desired.Statement.filter((s) => s.Sid === TLS_SID).length, 1);
    assert.deepEqual(kinds(planBucket(observed, wish, 'b', 'management')), ['policy']);
  });

  it('changes the encryption when the bucket uses another KMS key than the blueprint names', () => {
    const keyArn = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    const withKey = { ...wish, encryption: keyArn };
    const otherKey = {
      ...hardened(),
      encryption: {
        algorithm: 'aws:kms',
        kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/99999999-8888-7777-6666-555555555555',
      },
    };
    const changes = planBucket(otherKey, withKey, 'b', 'management');
    assert.deepEqual(
      changes.map((c) => c.data),
      [{ kind: 'encryption', bucket, encryption: keyArn }],
    );
    const sameKey = { ...hardened(), encryption: { algorithm: 'aws:kms', kmsKeyId: keyArn } };
    assert.deepEqual(planBucket(sameKey, withKey, 'b', 'management'), []);
    const aes = { ...hardened(), encryption: { algorithm: 'AES256' } };
    assert.deepEqual(kinds(planBucket(aes, wish, 'b', 'management')), ['encryption']);
  });

  it('replaces our lifecycle rule when its days differ, keeping other rules', () => {
    const other = {
      ID: 'someone-elses',
      Status: 'Enabled' as const,
      Filter: { Prefix: 'logs/' },
      Expiration: { Days: 30 },
    };
    const observed = {
      ...hardened(),
      lifecycleRules: [other, { ...ourRule, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }],
    };
    const changes = planBucket(observed, wish, 'b', 'management');
    assert.equal(changes.length, 1);
    const data = changes[0]!.data as { kind: string; rules: Array<{ ID?: string }> };
    assert.equal(data.kind, 'lifecycle');
    assert.deepEqual(data.rules, [other, ourRule]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('stateBackendStep.plan and planTable', () => {
  const loaded = standard();
  const goodTable: ObservedLockTable = {
    exists: true,
    keySchemaOk: true,
    billingMode: 'PAY_PER_REQUEST',
    pointInTimeRecovery: true,
    deletionProtection: true,
  };

  it('creates the table with PITR when it does not exist', () => {
    const changes = planTable({ exists: false }, 'locks', 'management');
    assert.deepEqual(callsOf(changes), ['dynamodb:CreateTable', 'dynamodb:UpdateContinuousBackups']);
    assert.deepEqual(
      changes.map((c) => c.key),
      ['lock-table:locks:create', 'lock-table:locks:pitr'],
    );
  });

  it('plans nothing for a converged table', () => {
    assert.deepEqual(planTable(goodTable, 'locks', 'management'), []);
  });

  it('refuses a table whose key is not a LockID string hash key', () => {
    const err = preconditionFrom(() => planTable({ ...goodTable, keySchemaOk: false }, 'locks', 'management'));
    assert.match(err.message, /DynamoDB table locks exists but its key is not a single string hash key named LockID/);
    assert.match(err.nextStep ?? '', /stateBackend\.table/);
  });

  it('switches a PROVISIONED table to on-demand billing', () => {
    const changes = planTable({ ...goodTable, billingMode: 'PROVISIONED' }, 'locks', 'management');
    assert.deepEqual(
      changes.map((c) => c.data),
      [{ kind: 'table-billing', table: 'locks' }],
    );
    assert.deepEqual(changes[0]!.calls, ['dynamodb:UpdateTable']);
  });

  it('turns on missing point-in-time recovery and deletion protection', () => {
    const changes = planTable(
      { ...goodTable, pointInTimeRecovery: false, deletionProtection: false },
      'locks',
      'management',
    );
    assert.deepEqual(
      changes.map((c) => c.data.kind),
      ['table-deletion-protection', 'table-pitr'],
    );
    assert.deepEqual(callsOf(changes), ['dynamodb:UpdateTable', 'dynamodb:UpdateContinuousBackups']);
  });

  it('combines the bucket and table plans, and refuses through the step too', () => {
    const fresh: ObservedStateBackend = {
      accountExists: true,
      partition: 'aws',
      bucket: { exists: false },
      table: { exists: false },
    };
    const changes = stateBackendStep.plan(fresh, loaded, options);
    assert.ok(callsOf(changes).includes('s3:CreateBucket'));
    assert.ok(callsOf(changes).includes('dynamodb:CreateTable'));
    const policy = changes.find((c) => c.calls[0] === 's3:PutBucketPolicy')!;
    assert.match(policy.diff ?? '', /arn:aws:s3:::example-tfstate-change-me\/\*/);

    const omitted = stateBackendStep.plan(fresh, loaded, { ...options, omitTlsDenyStatement: true });
    assert.ok(!callsOf(omitted).includes('s3:PutBucketPolicy'), '--omit-tls-deny leaves the only statement out');

    const wrongKey: ObservedStateBackend = { ...fresh, table: { ...goodTable, keySchemaOk: false } };
    preconditionFrom(() => stateBackendStep.plan(wrongKey, loaded, options));
  });
});

// ---------------------------------------------------------------------------------------------

describe('bucket policy drift: the state bucket and the trail bucket', () => {
  const loaded = standard();
  const partition = 'aws';
  const ids = { partition, managementAccountId: MANAGEMENT_ID, organizationId: 'o-example1234' };
  const stateBucket = loaded.blueprint.stateBackend!.bucket;
  const trail = loaded.blueprint.organizationTrail!;
  const goodTable: ObservedLockTable = {
    exists: true,
    keySchemaOk: true,
    billingMode: 'PAY_PER_REQUEST',
    pointInTimeRecovery: true,
    deletionProtection: true,
  };
  const trailSettings = {
    Name: trail.name,
    S3BucketName: trail.bucket,
    IsOrganizationTrail: true,
    IsMultiRegionTrail: true,
    LogFileValidationEnabled: true,
    IncludeGlobalServiceEvents: true,
  };

  /** Keys in reverse order at every level: what a store that does not keep key order may return. */
  function reversedKeys(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(reversedKeys);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.keys(value)
          .reverse()
          .map((k) => [k, reversedKeys((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  }
  /** The same document as S3 might hand it back: other key order, other spacing, line breaks. */
  const reserialised = (document: unknown) =>
    JSON.stringify(reversedKeys(document), null, 3).replace(/": /g, '"  :  ').replace(/\n/g, '\r\n');

  /**
   * observeBucket through a stand-in session answering the read calls for a bucket that is
   * hardened in every respect, with `policyText` as its stored policy.
   */
  async function observeHardened(bucket: string, policyText: string, lifecycleDays?: number): Promise<ObservedBucket> {
    const answers: Record<string, unknown> = {
      HeadBucketCommand: {},
      GetBucketVersioningCommand: { Status: 'Enabled' },
      GetBucketEncryptionCommand: {
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: bucket === stateBucket ? 'aws:kms' : 'AES256' } },
          ],
        },
      },
      GetPublicAccessBlockCommand: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      },
      GetBucketOwnershipControlsCommand: { OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } },
      GetBucketPolicyCommand: { Policy: policyText },
      GetBucketLifecycleConfigurationCommand: lifecycleDays
        ? {
            Rules: [
              {
                ID: LIFECYCLE_RULE_ID,
                Status: 'Enabled',
                Filter: { Prefix: '' },
                NoncurrentVersionExpiration: { NoncurrentDays: lifecycleDays },
                AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
              },
            ],
          }
        : { Rules: [] },
    };
    const session = {
      async send(service: string, command: { input: { Bucket?: string } }) {
        const action = command.constructor.name;
        assert.equal(service, 's3');
        assert.equal(command.input.Bucket, bucket);
        if (!(action in answers)) throw new Error(`unexpected ${action}`);
        return answers[action];
      },
    } as unknown as AwsSession;
    return observeBucket(session, bucket);
  }

  const stateDesired = () => ({ Version: '2012-10-17', Statement: [tlsDenyStatement(stateBucket, partition)] });
  const trailDesired = () => ({
    Version: '2012-10-17',
    Statement: [...cloudTrailStatements(loaded, ids), tlsDenyStatement(trail.bucket, partition)],
  });
  const planState = (bucket: ObservedBucket) =>
    stateBackendStep.plan({ accountExists: true, partition, bucket, table: goodTable }, loaded, options);
  const planTrail = (bucket: ObservedBucket) =>
    organizationTrailStep.plan(
      { logAccountExists: true, ...ids, bucket, trail: { settings: trailSettings, logging: true } },
      loaded,
      options,
    );

  it('the state bucket: a stored policy equal to the desired one but for key order and spacing plans no change', async () => {
    // Sanity: the same document as this code writes it plans nothing, so any change below comes from the policy.
    assert.deepEqual(planState(await observeHardened(stateBucket, JSON.stringify(stateDesired()), 90)), []);
    const text = reserialised(stateDesired());
    assert.notEqual(text, JSON.stringify(stateDesired()));
    assert.notEqual(JSON.stringify(JSON.parse(text)), JSON.stringify(stateDesired()), 'the key order really differs');
    assert.deepEqual(planState(await observeHardened(stateBucket, text, 90)), []);
  });

  it('the trail bucket: a stored policy equal to the desired one but for key order and spacing plans no change', async () => {
    assert.deepEqual(planTrail(await observeHardened(trail.bucket, JSON.stringify(trailDesired()))), []);
    const text = reserialised(trailDesired());
    assert.notEqual(JSON.stringify(JSON.parse(text)), JSON.stringify(trailDesired()), 'the key order really differs');
    assert.deepEqual(planTrail(await observeHardened(trail.bucket, text)), []);
  });

  it('the state bucket: a real difference in the stored policy is planned as PutBucketPolicy with a diff', async () => {
    const drifted = stateDesired();
    (drifted.Statement[0]!.Condition as { Bool: Record<string, string> }).Bool['aws:SecureTransport'] = 'true';
    const changes = planState(await observeHardened(stateBucket, reserialised(drifted), 90));
    assert.deepEqual(callsOf(changes), ['s3:PutBucketPolicy']);
    assert.equal(changes[0]!.key, `state-bucket:${stateBucket}:policy`);
    assert.deepEqual(JSON.parse((changes[0]!.data as { policy: string }).policy), stateDesired());
    const diff = changes[0]!.diff!.split('\n');
    assert.ok(
      diff.some((l) => /^- +"aws:SecureTransport": "true"$/.test(l)),
      changes[0]!.diff,
    );
    assert.ok(
      diff.some((l) => /^\+ +"aws:SecureTransport": "false"$/.test(l)),
      changes[0]!.diff,
    );
  });

  it('the trail bucket: a real difference in the stored policy is planned as PutBucketPolicy with a diff', async () => {
    const drifted = trailDesired();
    // CloudTrail's write statement lost the organization's prefix: member accounts' logs would be refused.
    const write = drifted.Statement.find((s) => s.Sid === 'AWSCloudTrailWrite')!;
    write.Resource = (write.Resource as string[]).slice(0, 1);
    const changes = planTrail(await observeHardened(trail.bucket, reserialised(drifted)));
    assert.deepEqual(callsOf(changes), ['s3:PutBucketPolicy']);
    assert.equal(changes[0]!.key, `trail-bucket:${trail.bucket}:policy`);
    assert.deepEqual(JSON.parse((changes[0]!.data as { policy: string }).policy), trailDesired());
    assert.ok(
      changes[0]!.diff!.split('\n').some((l) => l.startsWith('+ ') && l.includes('/AWSLogs/o-example1234/*')),
      changes[0]!.diff,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('ci-oidc', () => {
  const github: CiOidc = {
    provider: 'github',
    repository: 'acme/infra',
    ref: 'refs/heads/main',
    roleName: 'github-deploy',
  };
  const gitlab: CiOidc = {
    provider: 'gitlab',
    repository: 'g/p',
    ref: 'refs/heads/main',
    roleName: 'gitlab-deploy',
    url: 'https://gitlab.com',
  };

  it('subjectFor scopes GitHub to a repository and a ref or an environment', () => {
    assert.equal(subjectFor(github), 'repo:acme/infra:ref:refs/heads/main');
    assert.equal(subjectFor({ ...github, ref: 'refs/tags/v1.2.0' }), 'repo:acme/infra:ref:refs/tags/v1.2.0');
    assert.equal(
      subjectFor({ ...github, ref: undefined, environment: 'production' }),
      'repo:acme/infra:environment:production',
    );
  });

  it('subjectFor builds GitLab subjects for a branch and a tag', () => {
    assert.equal(subjectFor(gitlab), 'project_path:g/p:ref_type:branch:ref:main');
    assert.equal(subjectFor({ ...gitlab, ref: 'refs/tags/v1' }), 'project_path:g/p:ref_type:tag:ref:v1');
  });

  it('subjectFor refuses a wildcard repository or a subject with no ref and no environment', () => {
    assert.throws(() => subjectFor({ ...github, repository: 'acme/*' }), ValidationError);
    assert.throws(() => subjectFor({ ...github, repository: 'acme/infra?' }), ValidationError);
    assert.throws(() => subjectFor({ ...github, ref: undefined }), ValidationError);
    assert.throws(() => subjectFor({ ...gitlab, ref: undefined }), ValidationError);
  });

  it('deployRoleTrustPolicy pins aud and sub with StringEquals only', () => {
    const providerArn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const trust = deployRoleTrustPolicy(github, providerArn) as { Statement: Array<Record<string, any>> };
    assert.equal(trust.Statement.length, 1);
    const [statement] = trust.Statement;
    assert.equal(statement!.Effect, 'Allow');
    assert.equal(statement!.Action, 'sts:AssumeRoleWithWebIdentity');
    assert.deepEqual(statement!.Principal, { Federated: providerArn });
    assert.deepEqual(statement!.Condition, {
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': 'repo:acme/infra:ref:refs/heads/main',
      },
    });
    assert.ok(!JSON.stringify(trust).includes('StringLike'));
    assert.ok(!JSON.stringify(trust).includes('*'));

    const lab = deployRoleTrustPolicy(gitlab, 'arn:aws:iam::123456789012:oidc-provider/gitlab.com') as {
      Statement: Array<Record<string, any>>;
    };
    assert.deepEqual(lab.Statement[0]!.Condition, {
      StringEquals: {
        'gitlab.com:aud': 'https://gitlab.com',
        'gitlab.com:sub': 'project_path:g/p:ref_type:branch:ref:main',
      },
    });
  });

  const loaded = standard();
  const ci = loaded.blueprint.ciOidc!;
  const providerArn = providerArnFor('aws', MANAGEMENT_ID, 'token.actions.githubusercontent.com');
  function observedRole(trustPolicy: unknown, owned = true): ObservedCiOidc {
    return {
      accountExists: true,
      accountId: MANAGEMENT_ID,
      partition: 'aws',
      provider: { arn: providerArn, clientIds: ['sts.amazonaws.com'] },
      role: {
        arn: `arn:aws:iam::${MANAGEMENT_ID}:role/${ci.roleName}`,
        owned,
        trustPolicy,
        attached: [],
        inlinePolicy: undefined,
      },
    };
  }

  it('plans a provider and a role on a fresh account', () => {
    const changes = ciOidcStep.plan(
      { accountExists: true, accountId: MANAGEMENT_ID, partition: 'aws', provider: undefined, role: undefined },
      loaded,
      options,
    );
    assert.deepEqual(callsOf(changes), ['iam:CreateOpenIDConnectProvider', 'iam:CreateRole']);
    assert.match(changes[1]!.summary, /trusted only by repo:example\/infrastructure:ref:refs\/heads\/main/);
    assert.match(
      changes[1]!.diff ?? '',
      /\+ .*"token\.actions\.githubusercontent\.com:sub": "repo:example\/infrastructure:ref:refs\/heads\/main"/,
    );
  });

  it('plans nothing for its own role whose URL-encoded trust policy matches', () => {
    const trust = encodeURIComponent(JSON.stringify(deployRoleTrustPolicy(ci, providerArn)));
    assert.deepEqual(ciOidcStep.plan(observedRole(trust), loaded, options), []);
  });

  it('refuses a role of the same name that awsorg does not own', () => {
    const trust = encodeURIComponent(JSON.stringify(deployRoleTrustPolicy(ci, providerArn)));
    const err = preconditionFrom(() => ciOidcStep.plan(observedRole(trust, false), loaded, options));
    assert.match(err.message, /IAM role github-deploy already exists .* not tagged awsorg:managed-by=awsorg/);
  });

  it('updates a drifted trust policy with UpdateAssumeRolePolicy and a diff', () => {
    const drifted = deployRoleTrustPolicy(ci, providerArn) as { Statement: Array<Record<string, any>> };
    drifted.Statement[0]!.Condition = {
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:example/*' },
    };
    const changes = ciOidcStep.plan(observedRole(encodeURIComponent(JSON.stringify(drifted))), loaded, options);
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]!.calls, ['iam:UpdateAssumeRolePolicy']);
    assert.equal(changes[0]!.data.kind, 'update-trust');
    assert.deepEqual(
      JSON.parse((changes[0]!.data as { trustPolicy: string }).trustPolicy),
      deployRoleTrustPolicy(ci, providerArn),
    );
    const diff = changes[0]!.diff!.split('\n');
    assert.ok(
      diff.some((l) => l.startsWith('- ') && l.includes('repo:example/*')),
      changes[0]!.diff,
    );
    assert.ok(
      diff.some((l) => l.startsWith('+ ') && l.includes('repo:example/infrastructure:ref:refs/heads/main')),
      changes[0]!.diff,
    );
  });

  it('detaches managed policies the blueprint does not list and attaches those it does', () => {
    const withPolicy = standard((b) => {
      b.ciOidc!.policyArns = ['arn:aws:iam::aws:policy/ReadOnlyAccess'];
    });
    const observed = observedRole(JSON.stringify(deployRoleTrustPolicy(ci, providerArn)));
    observed.role!.attached = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    const changes = ciOidcStep.plan(observed, withPolicy, options);
    assert.deepEqual(
      changes.map((c) => c.data),
      [
        { kind: 'attach', roleName: 'github-deploy', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        { kind: 'detach', roleName: 'github-deploy', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      ],
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('identityStep.plan', () => {
  const loaded = standard();
  const caller = (overrides: Partial<WhoamiResult>): WhoamiResult => ({
    account: MANAGEMENT_ID,
    arn: `arn:aws:iam::${MANAGEMENT_ID}:user/admin`,
    userId: 'AIDAEXAMPLE',
    principalType: 'iam-user',
    isRoot: false,
    organization: { role: 'management', id: 'o-abc123', managementAccountId: MANAGEMENT_ID, featureSet: 'ALL' },
    ...overrides,
  });
  const root = caller({ arn: `arn:aws:iam::${MANAGEMENT_ID}:root`, principalType: 'root', isRoot: true });

  it('accepts an IAM user of the management account, and an account with no organization yet', () => {
    assert.deepEqual(identityStep.plan(caller({}), loaded, options), []);
    assert.deepEqual(identityStep.plan(caller({ organization: { role: 'none' } }), loaded, options), []);
  });

  it('refuses the root user without --allow-root', () => {
    const err = preconditionFrom(() => identityStep.plan(root, loaded, options));
    assert.match(err.message, /root user of account 123456789012/);
    assert.match(err.nextStep ?? '', /--allow-root/);
  });

  it('accepts the root user with --allow-root', () => {
    assert.deepEqual(identityStep.plan(root, loaded, { ...options, allowRoot: true }), []);
  });

  it('refuses a member account and names the management account', () => {
    const member = caller({
      account: '210987654321',
      arn: 'arn:aws:sts::210987654321:assumed-role/Admin/me',
      principalType: 'assumed-role',
      organization: { role: 'member', id: 'o-abc123', managementAccountId: MANAGEMENT_ID },
    });
    const err = preconditionFrom(() => identityStep.plan(member, loaded, options));
    assert.match(
      err.message,
      /Account 210987654321 is a member of organization o-abc123; bootstrap must run in its management account \(123456789012\)/,
    );
    assert.match(err.nextStep ?? '', /Sign in to account 123456789012/);
  });

  it('refuses when the organization role cannot be determined', () => {
    const unknown = caller({
      organization: {
        role: 'unknown',
        reason: 'organizations:DescribeOrganization was denied (AccessDeniedException)',
      },
    });
    const err = preconditionFrom(() => identityStep.plan(unknown, loaded, options));
    assert.match(
      err.message,
      /Cannot tell whether account 123456789012 belongs to an organization: organizations:DescribeOrganization was denied/,
    );
    assert.match(err.nextStep ?? '', /Grant arn:aws:iam::123456789012:user\/admin organizations:DescribeOrganization/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('support', () => {
  it('canonicalJson sorts object keys at every level and keeps array order', () => {
    const a = { b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } };
    const b = { a: { c: 'x', d: [3, { y: 2, z: 1 }] }, b: 1 };
    assert.equal(canonicalJson(a), canonicalJson(b));
    assert.equal(canonicalJson(a, 0), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
    assert.notEqual(canonicalJson({ l: [1, 2] }), canonicalJson({ l: [2, 1] }));
  });

  it('samePolicy treats URL-encoded documents, key order and one-element lists as equal', () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: '*' }] };
    const reserialised = {
      Statement: { Resource: '*', Action: 's3:GetObject', Effect: 'Allow' },
      Version: '2012-10-17',
    };
    assert.ok(samePolicy(doc, reserialised));
    assert.ok(samePolicy(encodeURIComponent(JSON.stringify(reserialised)), doc));
    assert.ok(samePolicy(JSON.stringify(doc, null, 2), doc));
    assert.ok(!samePolicy(doc, { ...doc, Statement: [{ Effect: 'Deny', Action: 's3:GetObject', Resource: '*' }] }));
    assert.ok(
      !samePolicy(doc, {
        ...doc,
        Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }],
      }),
    );
  });

  it('lineDiff marks kept, added and removed lines', () => {
    assert.deepEqual(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c', 'd']), ['  a', '+ x', '- b', '  c', '+ d']);
    assert.deepEqual(lineDiff([], ['a']), ['+ a']);
    assert.deepEqual(lineDiff(['a'], []), ['- a']);
    assert.deepEqual(lineDiff(['a'], ['a']), ['  a']);
  });

  it('policyDiff compares documents canonically, decoding URL-encoded text', () => {
    const before = encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
      }),
    );
    const after = { Statement: [{ Resource: '*', Action: 's3:PutObject', Effect: 'Allow' }], Version: '2012-10-17' };
    const diff = policyDiff(before, after).split('\n');
    assert.deepEqual(
      diff.filter((l) => !l.startsWith('  ')),
      ['+       "Action": "s3:PutObject",', '-       "Action": "s3:GetObject",'],
    );
    assert.ok(diff.includes('  {') && diff.includes('    "Version": "2012-10-17"'));
    assert.ok(
      policyDiff(undefined, after)
        .split('\n')
        .every((l) => l.startsWith('+ ')),
    );
    assert.ok(
      policyDiff(after, undefined)
        .split('\n')
        .every((l) => l.startsWith('- ')),
    );
  });

  it('mapLimit never runs more than the limit at once and finishes every item', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await mapLimit(
      Array.from({ length: 12 }, (_, i) => i),
      3,
      async (i) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 2 + (i % 4)));
        running--;
        done.push(i);
      },
    );
    assert.equal(peak, 3);
    assert.deepEqual(
      done.sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  it('mapLimit rethrows the first failure only after the items in flight settle, and starts no more', async () => {
    const started: number[] = [];
    const settled: number[] = [];
    const first = new Error('item 1 failed');
    const second = new Error('item 2 failed');
    const work = async (i: number) => {
      started.push(i);
      try {
        if (i === 1) {
          await new Promise((r) => setTimeout(r, 1));
          throw first;
        }
        if (i === 2) {
          await new Promise((r) => setTimeout(r, 20));
          throw second;
        }
        await new Promise((r) => setTimeout(r, 40));
      } finally {
        settled.push(i);
      }
    };
    await assert.rejects(mapLimit([0, 1, 2, 3, 4, 5], 3, work), (err) => err === first);
    assert.deepEqual(started.sort(), [0, 1, 2], 'no item starts after a failure');
    assert.deepEqual(settled.sort(), [0, 1, 2], 'every started item settled before the rejection');
  });
});

// ---------------------------------------------------------------------------------------------

describe('renderPlan', () => {
  const change = (calls: string[], summary: string, extra: Partial<Change> = {}): Change => ({
    key: summary,
    calls,
    summary,
    data: {},
    ...extra,
  });
  const converged: StepPlan[] = [
    { id: 'identity', title: 'Check the caller identity', enabled: true, changes: [], notes: [] },
    { id: 'organization', title: 'Organization', enabled: true, changes: [], notes: [] },
  ];

  it('says "No changes" when every step is converged', () => {
    const text = renderPlan(converged, { header: 'Plan for awsorg.yaml' });
    assert.ok(text.startsWith('Plan for awsorg.yaml\n\n'));
    assert.match(text, /^✓ Organization: no changes$/m);
    assert.match(text, /^No changes: the organization matches the blueprint\.\n$/m);
    assert.ok(!/Plan: \d/.test(text));
  });

  it('counts changes per step and in total, marks them, and indents diffs', () => {
    const plans: StepPlan[] = [
      ...converged,
      {
        id: 'guardrails',
        title: 'Guardrail SCPs',
        enabled: true,
        notes: ['two policies drifted'],
        changes: [
          change(['organizations:UpdatePolicy'], 'Update SCP awsorg-deny-root', {
            diff: '  {\n-   "Action": "a"\n+   "Action": "b"\n  }',
          }),
          change(['organizations:DetachPolicy'], 'Detach SCP awsorg-require-mfa from ou-1'),
        ],
      },
      {
        id: 'state-backend',
        title: 'Terraform state bucket and lock table',
        enabled: true,
        notes: [],
        changes: [change(['s3:CreateBucket', 's3:HeadBucket'], 'Create bucket b', { account: 'log-archive' })],
      },
      {
        id: 'ci-oidc',
        title: 'CI OIDC provider and deploy role',
        enabled: false,
        changes: [],
        notes: ['Not in the blueprint.'],
      },
    ];
    const text = renderPlan(plans, { header: 'Plan' });
    const lines = text.split('\n');
    assert.ok(lines.includes('● Guardrail SCPs: 2 changes'));
    assert.ok(lines.includes('● Terraform state bucket and lock table: 1 change'));
    assert.ok(lines.includes('    note: two policies drifted'));
    assert.ok(lines.includes('  ~ organizations:UpdatePolicy'));
    assert.ok(lines.includes('      Update SCP awsorg-deny-root'));
    assert.ok(lines.includes('  - organizations:DetachPolicy'));
    assert.ok(lines.includes('  + s3:CreateBucket [in log-archive]'));
    assert.ok(lines.includes('      then: s3:HeadBucket'));
    assert.ok(lines.includes('      -   "Action": "a"'));
    assert.ok(lines.includes('      +   "Action": "b"'));
    assert.ok(lines.includes('○ CI OIDC provider and deploy role: not in the blueprint'));
    assert.ok(lines.includes('Plan: 3 changes in 2 steps.'));
    assert.ok(!renderPlan(plans, { header: 'Plan', showDiffs: false }).includes('"Action"'), 'diffs can be left out');
  });
});

// ---------------------------------------------------------------------------------------------

describe('journal', () => {
  const now = new Date('2025-01-01T00:00:00Z');

  it('journalPathFor puts the journal next to the blueprint, or in the working directory for a preset', () => {
    assert.equal(journalPathFor('/srv/org/awsorg.yaml', '/elsewhere'), '/srv/org/awsorg.journal.json');
    assert.equal(journalPathFor('/srv/org/prod.YML', '/elsewhere'), '/srv/org/prod.journal.json');
    assert.equal(journalPathFor('/srv/org/org.json', '/elsewhere'), '/srv/org/org.journal.json');
    assert.equal(journalPathFor(undefined, '/work/dir'), '/work/dir/awsorg.journal.json');
  });

  it('keeps the file whole and complete through many concurrent updates', async () => {
    const dir = tempDir();
    const path = join(dir, 'awsorg.journal.json');
    const journal = await Journal.open(path, { readOnly: false, blueprint: 'awsorg.yaml', now });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        i % 2 === 0
          ? journal.markChange(`change-${i}`, 'done', now)
          : journal.update((j) => {
              j.createAccountRequests[`a${i}@example.com`] = {
                requestId: `car-${i}`,
                accountName: `a${i}`,
                requestedAt: now.toISOString(),
              };
            }),
      ),
    );
    await journal.close();
    const onDisk = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(Object.keys(onDisk.changes).length, 30);
    assert.equal(Object.keys(onDisk.createAccountRequests).length, 30);
    assert.deepEqual(readdirSync(dir), ['awsorg.journal.json'], 'no temporary file is left behind');
  });

  it('marks a run resumed when an earlier one left a started change, and lists it', async () => {
    const dir = tempDir();
    const path = join(dir, 'awsorg.journal.json');
    const first = await Journal.open(path, { readOnly: false, blueprint: 'awsorg.yaml', now });
    assert.equal(first.resumed, false);
    await first.markChange('ou:Workloads', 'done', now);
    await first.markChange('account:aws+prod@example.com', 'started', now);
    await first.update((j) => {
      j.createAccountRequests['aws+prod@example.com'] = {
        requestId: 'car-1',
        accountName: 'prod',
        requestedAt: now.toISOString(),
      };
    });
    await first.close();

    const second = await Journal.open(path, { readOnly: false, blueprint: 'awsorg.yaml', now });
    assert.equal(second.resumed, true);
    assert.deepEqual(second.interruptedChanges(), ['account:aws+prod@example.com']);
    assert.equal(second.createAccountRequest('AWS+Prod@Example.com')?.requestId, 'car-1');

    await second.update((j) => {
      j.completedAt = now.toISOString();
    });
    await second.close();
    const third = await Journal.open(path, { readOnly: false, blueprint: 'awsorg.yaml', now });
    assert.equal(third.resumed, false, 'a completed run is not resumed');
    await third.close();
  });

  it('never writes in read-only (plan) mode', async () => {
    const dir = tempDir();
    const path = join(dir, 'awsorg.journal.json');
    const journal = await Journal.open(path, { readOnly: true, blueprint: 'awsorg.yaml', now });
    await journal.markChange('x', 'started', now);
    assert.deepEqual(journal.interruptedChanges(), ['x']);
    assert.deepEqual(readdirSync(dir), []);
  });
});

// ---------------------------------------------------------------------------------------------

describe('xdg', () => {
  it('uses absolute XDG_CONFIG_HOME, XDG_CACHE_HOME and XDG_STATE_HOME', () => {
    const paths = xdgPaths({
      HOME: '/home/ops',
      XDG_CONFIG_HOME: '/cfg',
      XDG_CACHE_HOME: '/cache',
      XDG_STATE_HOME: '/state',
    });
    assert.deepEqual(paths, { config: '/cfg/awsorg', cache: '/cache/awsorg', state: '/state/awsorg' });
  });

  it('ignores relative XDG values and falls back to HOME', () => {
    const paths = xdgPaths({
      HOME: '/home/ops',
      XDG_CONFIG_HOME: 'relative/cfg',
      XDG_CACHE_HOME: './cache',
      XDG_STATE_HOME: '',
    });
    assert.deepEqual(paths, {
      config: '/home/ops/.config/awsorg',
      cache: '/home/ops/.cache/awsorg',
      state: '/home/ops/.local/state/awsorg',
    });
    assert.deepEqual(xdgPaths({}, '/explicit/home').state, '/explicit/home/.local/state/awsorg');
  });

  it('ensurePrivateDir creates a 0700 directory and tightens an existing one', async () => {
    const base = tempDir();
    const created = await ensurePrivateDir(join(base, 'a', 'cache'));
    assert.equal(statSync(created).mode & 0o777, 0o700);
    const loose = join(base, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    chmodSync(loose, 0o755);
    await ensurePrivateDir(loose);
    assert.equal(statSync(loose).mode & 0o777, 0o700);
  });
});
