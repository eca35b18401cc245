/**
 * The break-glass drill's judgements, as pure functions: which SCPs protect the emergency role,
 * which EventBridge patterns catch a console sign-in, when a break-glass credential counts as
 * stale; plus the two runbooks' shape (valid as data, every operation present, read-only drill).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors.js';
import { breakGlassDrill } from '../../src/runbooks/builtin/break-glass-drill.js';
import { breakGlassSession } from '../../src/runbooks/builtin/break-glass-session.js';
import { OPERATIONS } from '../../src/runbooks/operations/index.js';
import { breakGlassUsers, signInOf } from '../../src/runbooks/operations/break-glass-drill.js';
import {
  consoleSignInEvent,
  credentialFreshness,
  eventPatternMatches,
  iamGlob,
  PROTECTED_ROLE_ACTIONS,
  scpProtection,
} from '../../src/runbooks/operations/break-glass-rules.js';
import { validateRunbook } from '../../src/runbooks/validate.js';

const ROLE_ARN = 'arn:aws:iam::210987654321:role/OrganizationAccountAccessRole';
const RESPONDERS = { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/IncidentResponder'] } };

function scp(...statements: Record<string, unknown>[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

describe('scpProtection', () => {
  it('counts a Deny of the four calls on the role with a responder exception, and names the statement and the exception', () => {
    const verdict = scpProtection(
      scp({
        Sid: 'ProtectBreakGlass',
        Effect: 'Deny',
        Action: [...PROTECTED_ROLE_ACTIONS],
        Resource: 'arn:aws:iam::*:role/OrganizationAccountAccessRole',
        Condition: RESPONDERS,
      }),
      ROLE_ARN,
    );
    assert.equal(verdict.protects, true);
    assert.deepEqual(verdict.statements, ['ProtectBreakGlass']);
    assert.deepEqual(verdict.exceptions, ['ArnNotLike aws:PrincipalArn arn:aws:iam::*:role/IncidentResponder']);
    assert.deepEqual(verdict.uncovered, []);
  });

  it('accepts iam:*, *, wildcards in the action (any case), and a single-string Statement', () => {
    for (const action of ['iam:*', '*', 'IAM:*Role*', ['iam:Delete*', 'iam:Update*', 'iam:Put*', 'iam:Attach*']]) {
      const doc = JSON.stringify({
        Version: '2012-10-17',
        Statement: { Effect: 'Deny', Action: action, Resource: '*' },
      });
      assert.equal(scpProtection(doc, ROLE_ARN).protects, true, JSON.stringify(action));
    }
  });

  it('covers the calls across several Deny statements, and reports which are left uncovered', () => {
    const split = scp(
      { Sid: 'A', Effect: 'Deny', Action: ['iam:DeleteRole', 'iam:UpdateAssumeRolePolicy'], Resource: ROLE_ARN },
      { Sid: 'B', Effect: 'Deny', Action: ['iam:PutRolePolicy', 'iam:AttachRolePolicy'], Resource: ROLE_ARN },
    );
    assert.equal(scpProtection(split, ROLE_ARN).protects, true);
    const partial = scpProtection(scp({ Effect: 'Deny', Action: ['iam:DeleteRole'], Resource: '*' }), ROLE_ARN);
    assert.equal(partial.protects, false);
    assert.deepEqual(partial.uncovered, ['iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:AttachRolePolicy']);
  });

  it('handles NotAction and NotResource', () => {
    assert.equal(scpProtection(scp({ Effect: 'Deny', NotAction: ['s3:*'], Resource: '*' }), ROLE_ARN).protects, true);
    assert.equal(
      scpProtection(scp({ Effect: 'Deny', NotAction: ['iam:PutRolePolicy'], Resource: '*' }), ROLE_ARN).protects,
      false,
    );
    assert.equal(
      scpProtection(scp({ Effect: 'Deny', Action: 'iam:*', NotResource: 'arn:aws:iam::*:role/Other' }), ROLE_ARN)
        .protects,
      true,
    );
    assert.equal(
      scpProtection(
        scp({ Effect: 'Deny', Action: 'iam:*', NotResource: 'arn:aws:iam::*:role/OrganizationAccount*' }),
        ROLE_ARN,
      ).protects,
      false,
    );
  });

  it('does not count an Allow, another role, another account, or a Deny that holds only under an unrelated condition', () => {
    assert.equal(scpProtection(scp({ Effect: 'Allow', Action: '*', Resource: '*' }), ROLE_ARN).protects, false);
    assert.equal(
      scpProtection(scp({ Effect: 'Deny', Action: 'iam:*', Resource: 'arn:aws:iam::*:role/SomethingElse' }), ROLE_ARN)
        .protects,
      false,
    );
    assert.equal(
      scpProtection(
        scp({
          Effect: 'Deny',
          Action: 'iam:*',
          Resource: 'arn:aws:iam::111111111111:role/OrganizationAccountAccessRole',
        }),
        ROLE_ARN,
      ).protects,
      false,
    );
    const regional = scpProtection(
      scp({
        Sid: 'OnlyInEu',
        Effect: 'Deny',
        Action: 'iam:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      }),
      ROLE_ARN,
    );
    assert.equal(regional.protects, false);
    assert.match(regional.ignored.join('\n'), /OnlyInEu: applies only when StringEquals aws:RequestedRegion/);
    // A negated match on something other than the principal is not a responder exception either.
    assert.equal(
      scpProtection(
        scp({
          Effect: 'Deny',
          Action: 'iam:*',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } },
        }),
        ROLE_ARN,
      ).protects,
      false,
    );
  });

  it('accepts a Deny without any exception (the role is then frozen for everyone) and exceptions by principal tag', () => {
    assert.equal(
      scpProtection(scp({ Effect: 'Deny', Action: 'iam:*', Resource: ROLE_ARN }), ROLE_ARN).exceptions.length,
      0,
    );
    const tagged = scpProtection(
      scp({
        Effect: 'Deny',
        Action: 'iam:*',
        Resource: '*',
        Condition: { StringNotEqualsIfExists: { 'aws:PrincipalTag/team': 'security' } },
      }),
      ROLE_ARN,
    );
    assert.equal(tagged.protects, true);
  });

  it('never throws on a malformed document', () => {
    assert.equal(scpProtection('{not json', ROLE_ARN).protects, false);
    assert.equal(scpProtection('{"Statement": 3}', ROLE_ARN).protects, false);
  });

  it('iamGlob: * and ? wildcards, regex characters taken literally', () => {
    assert.ok(iamGlob('arn:aws:iam::*:role/Org?nizationAccountAccessRole', ROLE_ARN));
    assert.ok(!iamGlob('arn:aws:iam::*:role/(.*)', ROLE_ARN));
    assert.ok(iamGlob('IAM:deleterole', 'iam:DeleteRole', true));
    assert.ok(!iamGlob('IAM:deleterole', 'iam:DeleteRole'));
  });
});

describe('eventPatternMatches (console sign-in alerts)', () => {
  const root = consoleSignInEvent('123456789012', { kind: 'root' });
  const breakglass = consoleSignInEvent('123456789012', { kind: 'user', userName: 'breakglass' });
  const alice = consoleSignInEvent('123456789012', { kind: 'user', userName: 'alice' });

  it('matches the usual root sign-in rule, as text or parsed, and not a user sign-in', () => {
    const pattern = {
      'detail-type': ['AWS Console Sign In via CloudTrail'],
      detail: { userIdentity: { type: ['Root'] } },
    };
    assert.equal(eventPatternMatches(JSON.stringify(pattern), root), true);
    assert.equal(eventPatternMatches(pattern, root), true);
    assert.equal(eventPatternMatches(pattern, breakglass), false);
  });

  it('matches a rule naming the break-glass user, and a rule for every sign-in', () => {
    const byName = { source: ['aws.signin'], detail: { userIdentity: { userName: ['breakglass', 'breakglass2'] } } };
    assert.equal(eventPatternMatches(byName, breakglass), true);
    assert.equal(eventPatternMatches(byName, alice), false);
    assert.equal(eventPatternMatches({ 'detail-type': ['AWS Console Sign In via CloudTrail'] }, alice), true);
  });

  it('supports prefix, suffix, anything-but, equals-ignore-case, wildcard, exists, numeric and $or', () => {
    assert.ok(eventPatternMatches({ detail: { userIdentity: { arn: [{ suffix: ':root' }] } } }, root));
    assert.ok(eventPatternMatches({ 'detail-type': [{ prefix: 'AWS Console Sign In' }] }, root));
    assert.ok(
      eventPatternMatches(
        { detail: { userIdentity: { type: [{ 'anything-but': ['IAMUser', 'AssumedRole'] }] } } },
        root,
      ),
    );
    assert.ok(!eventPatternMatches({ detail: { userIdentity: { type: [{ 'anything-but': 'Root' }] } } }, root));
    assert.ok(eventPatternMatches({ detail: { userIdentity: { type: [{ 'equals-ignore-case': 'root' }] } } }, root));
    assert.ok(
      eventPatternMatches(
        { detail: { userIdentity: { arn: [{ wildcard: 'arn:aws:iam::*:user/break*' }] } } },
        breakglass,
      ),
    );
    assert.ok(eventPatternMatches({ detail: { userIdentity: { userName: [{ exists: false }] } } }, root));
    assert.ok(!eventPatternMatches({ detail: { userIdentity: { userName: [{ exists: true }] } } }, root));
    assert.ok(eventPatternMatches({ detail: { eventVersion: [{ 'anything-but': { prefix: '0.' } }] } }, root));
    assert.ok(
      !eventPatternMatches({ detail: { recipientAccountId: [{ numeric: ['>', 0] }] } }, root),
      'numeric never matches a string',
    );
    const either = {
      'detail-type': ['AWS Console Sign In via CloudTrail'],
      $or: [
        { detail: { userIdentity: { type: ['Root'] } } },
        { detail: { userIdentity: { userName: ['breakglass'] } } },
      ],
    };
    assert.ok(eventPatternMatches(either, root));
    assert.ok(eventPatternMatches(either, breakglass));
    assert.ok(!eventPatternMatches(either, alice));
  });

  it('does not match API-call rules, malformed or empty patterns, or unknown filters', () => {
    assert.ok(
      !eventPatternMatches(
        { 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['signin.amazonaws.com'] } },
        root,
      ),
    );
    assert.ok(!eventPatternMatches('{oops', root));
    assert.ok(!eventPatternMatches('{}', root));
    assert.ok(!eventPatternMatches({ detail: { sourceIPAddress: [{ cidr: '192.0.2.0/24' }] } }, root));
  });
});

describe('credentialFreshness', () => {
  const now = new Date('2026-06-30T12:00:00Z');
  const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

  it('passes a credential used within 90 days and reports the date', () => {
    const v = credentialFreshness({ created: daysAgo(400), lastUsed: daysAgo(30), active: true }, now);
    assert.equal(v.ok, true);
    assert.match(v.detail, /last used 2026-05-31, 30 days ago/);
  });

  it('fails one last used over 90 days ago, and one never used in over 90 days', () => {
    assert.equal(credentialFreshness({ created: daysAgo(400), lastUsed: daysAgo(91), active: true }, now).ok, false);
    const never = credentialFreshness({ created: daysAgo(120), active: true }, now);
    assert.equal(never.ok, false);
    assert.match(never.detail, /never used in the 120 days/);
  });

  it('passes a new credential not used yet, exactly 90 days, and an inactive key (with a note)', () => {
    assert.equal(credentialFreshness({ created: daysAgo(10), active: true }, now).ok, true);
    assert.equal(credentialFreshness({ created: daysAgo(400), lastUsed: daysAgo(90), active: true }, now).ok, true);
    const inactive = credentialFreshness({ created: daysAgo(400), active: false }, now);
    assert.equal(inactive.ok, true);
    assert.match(inactive.detail, /inactive/);
  });

  it('fails a never-used credential of unknown age, and says when the use is the drill itself', () => {
    assert.equal(credentialFreshness({ active: true }, now).ok, false);
    assert.match(
      credentialFreshness({ created: daysAgo(200), lastUsed: now, active: true, inUseNow: true }, now).detail,
      /today \(by this drill/,
    );
  });
});

describe('break-glass runbooks as data', () => {
  it('are valid runbooks whose operations exist with the right kinds', () => {
    for (const runbook of [breakGlassDrill, breakGlassSession]) {
      const checked = validateRunbook(JSON.parse(JSON.stringify(runbook)), 'built-in', OPERATIONS);
      assert.equal(checked.id, runbook.id);
    }
  });

  it('the drill only reads, and every check goes on after a failure so every item reports', () => {
    for (const step of breakGlassDrill.steps) {
      assert.equal(step.kind, 'check', step.id);
      assert.equal(step.continueOnFail, true, step.id);
    }
  });

  it('the session keeps the MFA code secret and needs an approver', () => {
    assert.equal(breakGlassSession.params.find((p) => p.name === 'token-code')?.secret, true);
    assert.equal(breakGlassSession.params.find((p) => p.name === 'approver')?.required, true);
    assert.deepEqual(
      breakGlassSession.steps.map((s) => s.kind),
      ['manual', 'action', 'action'],
    );
  });
});

describe('sign-in helpers', () => {
  it('signInOf tells root, IAM users (with paths) and role sessions apart', () => {
    assert.deepEqual(signInOf('arn:aws:iam::123456789012:root'), { kind: 'root' });
    assert.deepEqual(signInOf('arn:aws:iam::123456789012:user/ops/breakglass'), { kind: 'user', name: 'breakglass' });
    assert.deepEqual(signInOf('arn:aws:sts::123456789012:assumed-role/Admin/alice'), {
      kind: 'other',
      what: 'assumed-role',
    });
  });

  it('breakGlassUsers: the list given, else the signed-in user; bad names are a usage error', () => {
    const user = { arn: 'arn:aws:iam::123456789012:user/breakglass', name: 'breakglass' };
    assert.deepEqual(breakGlassUsers({ params: {}, operator: user }), ['breakglass']);
    assert.deepEqual(breakGlassUsers({ params: { 'break-glass-users': ' bg1, bg2 ,bg1' }, operator: user }), [
      'bg1',
      'bg2',
    ]);
    assert.deepEqual(
      breakGlassUsers({ params: {}, operator: { arn: 'arn:aws:sts::1:assumed-role/Admin/alice', name: 'alice' } }),
      [],
    );
    assert.throws(
      () => breakGlassUsers({ params: { 'break-glass-users': 'ok,not a name' }, operator: user }),
      UsageError,
    );
  });
});
