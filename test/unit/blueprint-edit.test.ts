import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Blueprint } from '../../src/core/blueprint.js';
import {
  addAccount,
  addOu,
  allowRegions,
  deleteAccount,
  deleteOu,
  generateEmails,
  inferBaseEmail,
  lastIndexInOu,
  mapTargets,
  moveAccount,
  ouOptions,
  plusAddress,
  renameAccount,
  renameOu,
} from '../../src/core/blueprint-edit.js';

/** Freezes every object and array in `value`, so an edit that mutates its input throws. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** A small organization with nested OUs, an OU whose name starts like another, and every target kind. */
function fixture(): Blueprint {
  return deepFreeze({
    version: 1,
    region: 'eu-west-1',
    organization: { trustedServices: [], policyTypes: ['SERVICE_CONTROL_POLICY'] },
    organizationalUnits: ['Workloads', 'Workloads/Prod', 'Workloads/Prod/Eu', 'WorkloadsLegacy', 'Security'],
    accounts: [
      { name: 'log-archive', email: 'aws+log-archive@example.org', ou: 'Security' },
      { name: 'app-prod', email: 'aws+app-prod@example.org', ou: 'Workloads/Prod' },
      { name: 'app-eu', email: 'aws+app-eu@example.org', ou: 'Workloads/Prod/Eu' },
      { name: 'legacy', email: 'aws+legacy@example.org', ou: 'WorkloadsLegacy' },
      { name: 'tools', email: 'aws+tools@example.org', ou: 'Workloads' },
    ],
    guardrails: {
      denyRegions: { allow: ['eu-west-1'], targets: ['Workloads', 'WorkloadsLegacy'] },
      denyRoot: { targets: ['Workloads/Prod', 'Security'] },
      requireMfa: { actions: ['iam:*'], targets: ['Workloads/Prod/Eu', 'app-prod'] },
      denyLeaveOrganization: { targets: ['Root'] },
      custom: [{ name: 'deny-s3-public', file: 'scp/s3.json', targets: ['Workloads', 'app-prod', 'log-archive'] }],
    },
    stateBackend: {
      account: 'log-archive',
      bucket: 'acme-tfstate',
      lock: 'lockfile',
      encryption: 'aws:kms',
      enforceTls: true,
    },
    ciOidc: { provider: 'github', repository: 'acme/infra', ref: 'refs/heads/main', roleName: 'ci', account: 'tools' },
    organizationTrail: { name: 'org-trail', bucket: 'acme-trail', account: 'log-archive' },
  } satisfies Blueprint);
}

describe('blueprint edits: renaming', () => {
  it('renames an OU; its child OUs, its accounts and every SCP target under it follow', () => {
    const bp = renameOu(fixture(), 'Workloads', 'Apps');
    assert.deepEqual(bp.organizationalUnits, ['Apps', 'Apps/Prod', 'Apps/Prod/Eu', 'WorkloadsLegacy', 'Security']);
    assert.deepEqual(
      bp.accounts.map((a) => a.ou),
      ['Security', 'Apps/Prod', 'Apps/Prod/Eu', 'WorkloadsLegacy', 'Apps'],
    );
    assert.deepEqual(bp.guardrails?.denyRegions?.targets, ['Apps', 'WorkloadsLegacy']);
    assert.deepEqual(bp.guardrails?.denyRoot?.targets, ['Apps/Prod', 'Security']);
    assert.deepEqual(bp.guardrails?.requireMfa?.targets, ['Apps/Prod/Eu', 'app-prod']);
    assert.deepEqual(bp.guardrails?.denyLeaveOrganization?.targets, ['Root']);
    assert.deepEqual(bp.guardrails?.custom?.[0]?.targets, ['Apps', 'app-prod', 'log-archive']);
  });

  it('renaming a nested OU moves only that subtree, and an OU whose name merely starts the same stays', () => {
    const bp = renameOu(fixture(), 'Workloads/Prod', 'Workloads/Production');
    assert.deepEqual(bp.organizationalUnits, [
      'Workloads',
      'Workloads/Production',
      'Workloads/Production/Eu',
      'WorkloadsLegacy',
      'Security',
    ]);
    assert.equal(bp.accounts[3]?.ou, 'WorkloadsLegacy');
    assert.equal(bp.accounts[4]?.ou, 'Workloads');
    assert.deepEqual(bp.guardrails?.denyRegions?.targets, ['Workloads', 'WorkloadsLegacy']);
  });

  it('leaves account objects whose OU did not change as they were', () => {
    const before = fixture();
    const bp = renameOu(before, 'Workloads', 'Apps');
    assert.equal(bp.accounts[0], before.accounts[0], 'an account outside the renamed OU is the same object');
  });

  it('renames an account; SCP targets and the state backend, CI role and trail accounts follow', () => {
    const bp = renameAccount(fixture(), 0, 'logs');
    assert.equal(bp.accounts[0]?.name, 'logs');
    assert.equal(bp.accounts[0]?.email, 'aws+log-archive@example.org', 'the email is not regenerated');
    assert.equal(bp.stateBackend?.account, 'logs');
    assert.equal(bp.organizationTrail?.account, 'logs');
    assert.equal(bp.ciOidc?.account, 'tools', 'a section naming another account stays');
    assert.deepEqual(bp.guardrails?.custom?.[0]?.targets, ['Workloads', 'app-prod', 'logs']);
    assert.deepEqual(renameAccount(fixture(), 4, 'platform').ciOidc?.account, 'platform');
  });

  it('renaming an account with no name yet (one being added) leaves the targets alone', () => {
    const base = fixture();
    const withBlank = addAccount(base, 0, { name: '', email: '', ou: 'Root' });
    const targeted = { ...withBlank, guardrails: { denyRoot: { targets: [''] } } };
    assert.deepEqual(renameAccount(targeted, 0, 'new').guardrails?.denyRoot?.targets, ['']);
  });

  it('renaming an account that does not exist returns the blueprint unchanged', () => {
    const bp = fixture();
    assert.equal(renameAccount(bp, 99, 'ghost'), bp);
  });
});

describe('blueprint edits: deleting', () => {
  it('refuses to delete an OU that still holds accounts or child OUs, counting both, and changes nothing', () => {
    assert.deepEqual(deleteOu(fixture(), 0), { kind: 'refused', path: 'Workloads', accounts: 1, children: 2 });
    assert.deepEqual(deleteOu(fixture(), 1), { kind: 'refused', path: 'Workloads/Prod', accounts: 1, children: 1 });
    assert.deepEqual(deleteOu(fixture(), 4), { kind: 'refused', path: 'Security', accounts: 1, children: 0 });
  });

  it('refuses to delete an OU that holds child OUs even when it holds no account', () => {
    const noAccounts = moveAccount(fixture(), 4, 'Root');
    assert.deepEqual(deleteOu(noAccounts, 0), { kind: 'refused', path: 'Workloads', accounts: 0, children: 2 });
  });

  it('deletes an empty OU and drops it from the targets of every guardrail that named it', () => {
    const emptied = moveAccount(fixture(), 3, 'Root');
    const result = deleteOu(emptied, 3);
    assert.equal(result?.kind, 'deleted');
    if (result?.kind !== 'deleted') return;
    assert.equal(result.path, 'WorkloadsLegacy');
    assert.deepEqual(result.blueprint.organizationalUnits, [
      'Workloads',
      'Workloads/Prod',
      'Workloads/Prod/Eu',
      'Security',
    ]);
    assert.deepEqual(result.blueprint.guardrails?.denyRegions?.targets, ['Workloads']);
    assert.deepEqual(result.touched, ['denyRegions']);
  });

  it('deleting an OU or account that is not there gives undefined', () => {
    assert.equal(deleteOu(fixture(), 42), undefined);
    assert.equal(deleteAccount(fixture(), 42), undefined);
  });

  it('deletes an account and drops it from the targets that named it, saying which', () => {
    const result = deleteAccount(fixture(), 1);
    assert.equal(result?.name, 'app-prod');
    assert.deepEqual(
      result?.blueprint.accounts.map((a) => a.name),
      ['log-archive', 'app-eu', 'legacy', 'tools'],
    );
    assert.deepEqual(result?.blueprint.guardrails?.requireMfa?.targets, ['Workloads/Prod/Eu']);
    assert.deepEqual(result?.blueprint.guardrails?.custom?.[0]?.targets, ['Workloads', 'log-archive']);
    assert.deepEqual(result?.touched, ['requireMfa', 'deny-s3-public']);
  });

  it('a blueprint without guardrails gets no guardrails key from a delete', () => {
    const { guardrails: _, ...bare } = fixture();
    const result = deleteAccount(bare, 0);
    assert.equal(Object.hasOwn(result?.blueprint ?? {}, 'guardrails'), false);
    assert.deepEqual(result?.touched, []);
  });

  it('mapTargets reports only the guardrails whose targets changed', () => {
    const { touched } = mapTargets(fixture().guardrails, (t) => (t === 'Root' ? 'r-root' : t));
    assert.deepEqual(touched, ['denyLeaveOrganization']);
  });
});

describe('blueprint edits: adding and moving', () => {
  it('adds an OU and an account at a position in their lists', () => {
    assert.deepEqual(addOu(fixture(), 1, 'Sandbox').organizationalUnits.slice(0, 3), [
      'Workloads',
      'Sandbox',
      'Workloads/Prod',
    ]);
    const bp = addAccount(fixture(), 2, { name: 'new', email: 'aws+new@example.org', ou: 'Workloads/Prod' });
    assert.deepEqual(
      bp.accounts.map((a) => a.name),
      ['log-archive', 'app-prod', 'new', 'app-eu', 'legacy', 'tools'],
    );
  });

  it("an account added to an OU goes after that OU's last account, else at the end", () => {
    assert.equal(lastIndexInOu(fixture(), 'Workloads/Prod'), 2);
    assert.equal(lastIndexInOu(fixture(), 'Sandbox'), 5);
  });

  it('moves an account to another OU; the places offered are Root and every OU', () => {
    assert.equal(moveAccount(fixture(), 4, 'Security').accounts[4]?.ou, 'Security');
    assert.deepEqual(ouOptions(fixture()), ['Root', ...fixture().organizationalUnits]);
  });

  it('a Region lock is created on Root, keeps existing targets, and turns SCPs on once', () => {
    const { guardrails: _, ...bare } = fixture();
    const noScp = { ...bare, organization: { trustedServices: [], policyTypes: [] } };
    const locked = allowRegions(noScp, ['eu-west-1', 'eu-central-1']);
    assert.deepEqual(locked.guardrails?.denyRegions, { targets: ['Root'], allow: ['eu-west-1', 'eu-central-1'] });
    assert.deepEqual(locked.organization.policyTypes, ['SERVICE_CONTROL_POLICY']);
    const again = allowRegions(locked, ['eu-west-1']);
    assert.deepEqual(again.organization.policyTypes, ['SERVICE_CONTROL_POLICY']);
    assert.deepEqual(allowRegions(fixture(), ['eu-west-1']).guardrails?.denyRegions?.targets, [
      'Workloads',
      'WorkloadsLegacy',
    ]);
  });
});

describe('blueprint edits: emails', () => {
  it('plus-addresses an account from a base email, dropping any tag the base already had', () => {
    assert.equal(plusAddress('aws@example.org', 'App Prod!'), 'aws+app-prod@example.org');
    assert.equal(plusAddress('aws+old@example.org', 'tools'), 'aws+tools@example.org');
    assert.equal(plusAddress('aws@example.org', '***'), 'aws+account@example.org');
    assert.equal(plusAddress('not-an-address', 'tools'), undefined);
    assert.equal(plusAddress('+tag@example.org', 'tools'), undefined);
  });

  it('infers the base email from plus-addressed accounts', () => {
    assert.equal(inferBaseEmail(fixture()), 'aws@example.org');
    assert.equal(inferBaseEmail({ ...fixture(), accounts: [{ name: 'a', email: 'a@example.org', ou: 'Root' }] }), '');
  });

  it('generates every email from a base; a base that is not an address keeps the emails', () => {
    const bp = generateEmails(fixture(), 'ops@acme.test');
    assert.deepEqual(
      bp.accounts.map((a) => a.email),
      [
        'ops+log-archive@acme.test',
        'ops+app-prod@acme.test',
        'ops+app-eu@acme.test',
        'ops+legacy@acme.test',
        'ops+tools@acme.test',
      ],
    );
    assert.deepEqual(generateEmails(fixture(), 'nope').accounts, fixture().accounts);
  });
});

describe('blueprint edits are pure', () => {
  it('never mutates the blueprint they are given (it is deep-frozen: a write would throw)', () => {
    const bp = fixture();
    const snapshot = JSON.stringify(bp);
    renameOu(bp, 'Workloads', 'Apps');
    renameAccount(bp, 0, 'logs');
    moveAccount(bp, 0, 'Root');
    addOu(bp, 0, 'X');
    addAccount(bp, 0, { name: 'x', email: 'x@example.org', ou: 'Root' });
    deleteOu(moveAccount(bp, 3, 'Root'), 3);
    deleteAccount(bp, 0);
    generateEmails(bp, 'ops@acme.test');
    allowRegions(bp, ['eu-west-1']);
    assert.equal(JSON.stringify(bp), snapshot);
  });
});
