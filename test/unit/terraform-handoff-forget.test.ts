/** Which addresses the hand-off forgets with `removed {}`: never one the user's own files declare. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { forgetAddresses } from '../../src/steps/terraform-handoff.js';
import { HANDOFF_MARKER } from '../../src/terraform/handoff/generate.js';
import { removedFile } from '../../src/terraform/handoff/plan-check.js';

describe('hand-off forget', () => {
  const dir = mkdtempSync(join(tmpdir(), 'awsorg-forget-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('forgets what awsorg generated before and no longer does, but not what a file of the user declares', () => {
    writeFileSync(
      join(dir, 'accounts.tf'),
      `${HANDOFF_MARKER}\nresource "aws_organizations_account" "legacy" {\n  name = "legacy"\n}\n\nresource "aws_organizations_account" "old" {\n  name = "old"\n}\n`,
    );
    // The user took `legacy` over in their own file once the blueprint stopped naming it.
    writeFileSync(join(dir, 'mine.tf'), 'resource "aws_organizations_account" "legacy" {\n  name = "legacy"\n}\n');
    const inState = new Set([
      'aws_organizations_account.legacy',
      'aws_organizations_account.old',
      'aws_organizations_organization.this',
    ]);
    const generated = new Set(['aws_organizations_organization.this']);
    assert.deepEqual(forgetAddresses(dir, inState, generated), ['aws_organizations_account.old']);
  });

  it('a removed block awsorg wrote earlier does not make it forget a resource the user now declares', () => {
    writeFileSync(join(dir, 'accounts.tf'), `${HANDOFF_MARKER}\n`);
    writeFileSync(
      join(dir, 'removed.tf'),
      removedFile(['aws_organizations_account.legacy', 'aws_organizations_account.old'])!,
    );
    const inState = new Set(['aws_organizations_account.legacy', 'aws_organizations_account.old']);
    assert.deepEqual(forgetAddresses(dir, inState, new Set()), ['aws_organizations_account.old']);
  });
});
