import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedBlueprint } from '../../src/core/blueprint.js';
import { preset, PRESET_NAMES } from '../../src/core/presets.js';
import { REGIONS } from '../../src/core/regions.js';
import {
  GLOBAL_SERVICE_ACTIONS,
  SCP_MAX_CHARS,
  SCP_MAX_PER_TARGET,
  guardrailPolicies,
  minifyPolicy,
  type GuardrailPolicy,
} from '../../src/policies/guardrail-policies.js';

const customDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 's3:PutBucketPolicy', Resource: '*' }],
};

function loaded(name = 'standard', withCustom = false): LoadedBlueprint {
  const blueprint = preset(name);
  if (withCustom)
    blueprint.guardrails!.custom = [
      { name: 'deny-public-s3', file: 'policies/deny-public-s3.json', targets: ['Workloads'] },
    ];
  return {
    blueprint,
    file: undefined,
    baseDir: '/tmp',
    customPolicies: withCustom ? { 'deny-public-s3': customDocument } : {},
    deployInlinePolicy: undefined,
  };
}

function byGuardrail(policies: GuardrailPolicy[], guardrail: string): GuardrailPolicy {
  const policy = policies.find((p) => p.guardrail === guardrail);
  assert.ok(policy, `no ${guardrail} policy`);
  return policy;
}

function onlyStatement(policy: GuardrailPolicy): Record<string, unknown> {
  const statements = policy.document.Statement;
  assert.ok(Array.isArray(statements) && statements.length === 1);
  return statements[0] as Record<string, unknown>;
}

test('the same blueprint always yields byte-identical documents', () => {
  const first = guardrailPolicies(loaded('standard', true)).map((p) => minifyPolicy(p.document));
  const second = guardrailPolicies(loaded('standard', true)).map((p) => minifyPolicy(p.document));
  assert.deepEqual(first, second);
});

test('reordering Regions or actions in the blueprint changes no document', () => {
  const reordered = loaded();
  reordered.blueprint.guardrails!.denyRegions!.allow.reverse();
  reordered.blueprint.guardrails!.requireMfa!.actions.reverse();
  reordered.blueprint.guardrails!.requireMfa!.actions.push('iam:DeleteRole');
  assert.deepEqual(
    guardrailPolicies(reordered).map((p) => minifyPolicy(p.document)),
    guardrailPolicies(loaded()).map((p) => minifyPolicy(p.document)),
  );
});

test('names, order and targets', () => {
  const policies = guardrailPolicies(loaded('standard', true));
  assert.deepEqual(
    policies.map((p) => [p.guardrail, p.name, p.targets]),
    [
      ['denyRegions', 'awsorg-deny-regions', ['Workloads', 'Sandbox']],
      ['denyRoot', 'awsorg-deny-root', ['Workloads', 'Sandbox']],
      ['requireMfa', 'awsorg-require-mfa', ['Workloads']],
      ['denyLeaveOrganization', 'awsorg-deny-leave-organization', ['Root']],
      ['custom:deny-public-s3', 'awsorg-custom-deny-public-s3', ['Workloads']],
    ],
  );
  for (const policy of policies) {
    assert.ok(policy.description.length > 0 && policy.description.length <= 512, policy.name);
    assert.ok(policy.name.length <= 128);
  }
});

test('deny-regions denies everything but global services outside the allow list', () => {
  const statement = onlyStatement(byGuardrail(guardrailPolicies(loaded()), 'denyRegions'));
  assert.equal(statement.Sid, 'AwsorgDenyUnapprovedRegions');
  assert.equal(statement.Effect, 'Deny');
  assert.equal(statement.Resource, '*');
  assert.equal(statement.Action, undefined);
  assert.deepEqual(statement.Condition, { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'us-west-2'] } });
  const notAction = statement.NotAction as string[];
  for (const global of [
    'iam:*',
    'organizations:*',
    'sts:*',
    'support:*',
    'account:*',
    'budgets:*',
    'ce:*',
    'cloudfront:*',
    'route53:*',
    'sso:*',
    's3:ListAllMyBuckets',
    's3:GetAccountPublicAccessBlock',
  ]) {
    assert.ok(notAction.includes(global), global);
  }
  // WAFv2 is regional; exempting it would let the lock be bypassed for regional web ACLs.
  assert.ok(!notAction.includes('wafv2:*'));
  assert.deepEqual(notAction, [...new Set(notAction)]);
});

test('deny-root matches the root user in the organization partition', () => {
  const commercial = onlyStatement(byGuardrail(guardrailPolicies(loaded()), 'denyRoot'));
  assert.deepEqual(commercial, {
    Sid: 'AwsorgDenyRootUser',
    Effect: 'Deny',
    Action: '*',
    Resource: '*',
    Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
  });
  const govCloud = onlyStatement(byGuardrail(guardrailPolicies(loaded('regulated')), 'denyRoot'));
  assert.deepEqual(govCloud.Condition, { ArnLike: { 'aws:PrincipalArn': 'arn:aws-us-gov:iam::*:root' } });
});

test('require-MFA denies the listed actions when MFA is absent or false', () => {
  const statement = onlyStatement(byGuardrail(guardrailPolicies(loaded()), 'requireMfa'));
  assert.deepEqual(statement.Condition, { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } });
  assert.deepEqual(statement.Action, [...preset('standard').guardrails!.requireMfa!.actions].sort());
});

test('deny-leave-organization denies only LeaveOrganization', () => {
  const statement = onlyStatement(byGuardrail(guardrailPolicies(loaded()), 'denyLeaveOrganization'));
  assert.deepEqual(statement, {
    Sid: 'AwsorgDenyLeaveOrganization',
    Effect: 'Deny',
    Action: 'organizations:LeaveOrganization',
    Resource: '*',
  });
});

test('a custom guardrail carries its document unchanged', () => {
  assert.deepEqual(
    byGuardrail(guardrailPolicies(loaded('standard', true)), 'custom:deny-public-s3').document,
    customDocument,
  );
});

test('a custom guardrail whose document was not loaded is a programming error', () => {
  const broken = loaded('standard', true);
  broken.customPolicies = {};
  assert.throws(() => guardrailPolicies(broken), /was not loaded/);
});

test('every generated document is well within the SCP size limit, even allowing every Region', () => {
  for (const name of PRESET_NAMES) {
    for (const policy of guardrailPolicies(loaded(name))) {
      const text = minifyPolicy(policy.document);
      assert.ok(text.length <= SCP_MAX_CHARS, `${name} ${policy.name}: ${text.length}`);
      assert.doesNotMatch(text, /\s/);
      assert.equal(policy.document.Version, '2012-10-17');
    }
  }
  const everything = loaded();
  everything.blueprint.guardrails!.denyRegions!.allow = [...REGIONS];
  const size = minifyPolicy(byGuardrail(guardrailPolicies(everything), 'denyRegions').document).length;
  assert.ok(size < SCP_MAX_CHARS / 2, `deny-regions with every Region is ${size}`);
});

test('limits match AWS today', () => {
  assert.equal(SCP_MAX_CHARS, 10_240);
  assert.equal(SCP_MAX_PER_TARGET, 10);
  assert.equal(minifyPolicy({ a: [1, { b: 'c d' }] }), '{"a":[1,{"b":"c d"}]}');
  assert.deepEqual([...GLOBAL_SERVICE_ACTIONS], [...new Set(GLOBAL_SERVICE_ACTIONS)]);
});
