import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HANDOFF_MARKER } from '../../src/terraform/handoff/generate.js';
import {
  declaredResources,
  describeImpure,
  removedFile,
  stateAddresses,
  summarisePlan,
} from '../../src/terraform/handoff/plan-check.js';

const plan = (resource_changes: unknown[], output_changes: Record<string, unknown> = {}) =>
  JSON.stringify({ format_version: '1.2', resource_changes, output_changes });
const importing = (address: string, attrs: Record<string, unknown> = { name: 'x' }) => ({
  address,
  mode: 'managed',
  change: { actions: ['no-op'], before: attrs, after: attrs, after_unknown: {}, importing: { id: 'abc' } },
});

describe('hand-off plan check', () => {
  it('counts pure imports and ignores resources already in the state', () => {
    const s = summarisePlan(
      plan([
        importing('aws_organizations_organization.this'),
        { address: 'aws_s3_bucket.state', mode: 'managed', change: { actions: ['no-op'], before: {}, after: {} } },
      ]),
    );
    assert.deepEqual(s.imports, ['aws_organizations_organization.this']);
    assert.deepEqual(s.impure, []);
  });

  it('an import with an update is impure and names the attributes that differ', () => {
    const s = summarisePlan(
      plan([
        {
          address: 'aws_organizations_account.prod',
          mode: 'managed',
          change: {
            actions: ['update'],
            before: { name: 'prod', tags: { a: '1' }, id: '123' },
            after: { name: 'prod', tags: { a: '2' }, id: '123' },
            after_unknown: {},
            importing: { id: '123' },
          },
        },
      ]),
    );
    assert.equal(s.impure.length, 1);
    const [c] = s.impure;
    assert.equal(c!.importing, true);
    assert.deepEqual(c!.attributes, [{ name: 'tags', before: { a: '1' }, after: { a: '2' } }]);
    assert.match(
      describeImpure(c!),
      /aws_organizations_account\.prod: update \(while importing\)\n {4}tags: \{"a":"1"\} -> \{"a":"2"\}/,
    );
  });

  it('creates, deletes and replacements are impure; a replacement names what forces it', () => {
    const s = summarisePlan(
      plan([
        {
          address: 'aws_s3_bucket.state',
          mode: 'managed',
          change: { actions: ['create'], before: null, after: { bucket: 'b' }, after_unknown: { arn: true } },
        },
        {
          address: 'aws_iam_role.deploy',
          mode: 'managed',
          change: { actions: ['delete'], before: { name: 'r' }, after: null },
        },
        {
          address: 'aws_dynamodb_table.lock',
          mode: 'managed',
          change: {
            actions: ['delete', 'create'],
            before: { name: 'a' },
            after: { name: 'b' },
            replace_paths: [['name']],
          },
        },
      ]),
    );
    assert.deepEqual(
      s.impure.map((c) => c.actions.join('+')),
      ['create', 'delete', 'delete+create'],
    );
    // A computed attribute of a new resource is not a diff worth showing.
    assert.deepEqual(
      s.impure[0]!.attributes.map((a) => a.name),
      ['bucket'],
    );
    assert.match(describeImpure(s.impure[2]!), /forces replacement: name/);
  });

  it('null, empty lists and empty maps are the same unset value', () => {
    const s = summarisePlan(
      plan([
        {
          address: 'a.b',
          mode: 'managed',
          change: { actions: ['update'], before: { tags: {}, x: [], y: 1 }, after: { tags: null, x: null, y: 2 } },
        },
      ]),
    );
    assert.deepEqual(
      s.impure[0]!.attributes.map((a) => a.name),
      ['y'],
    );
  });

  it('a forget is pure only for an address awsorg asked to forget', () => {
    const rc = [
      {
        address: 'aws_organizations_organizational_unit.old',
        mode: 'managed',
        change: { actions: ['forget'], before: { name: 'old' }, after: null },
      },
    ];
    assert.deepEqual(summarisePlan(plan(rc), new Set(['aws_organizations_organizational_unit.old'])).forgets, [
      'aws_organizations_organizational_unit.old',
    ]);
    assert.equal(summarisePlan(plan(rc)).impure.length, 1);
  });

  it('data sources are not changes; output changes are listed apart', () => {
    const s = summarisePlan(
      plan([{ address: 'data.aws_caller_identity.me', mode: 'data', change: { actions: ['read'] } }], {
        account_ids: { actions: ['create'] },
      }),
    );
    assert.deepEqual(s.impure, []);
    assert.deepEqual(s.outputChanges, ['account_ids']);
  });

  it('reads resource addresses from a state file, root module managed resources only', () => {
    const state = JSON.stringify({
      version: 4,
      lineage: 'l',
      serial: 3,
      resources: [
        { mode: 'managed', type: 'aws_s3_bucket', name: 'state', instances: [{}] },
        { mode: 'data', type: 'aws_caller_identity', name: 'me', instances: [{}] },
        { module: 'module.x', mode: 'managed', type: 'aws_s3_bucket', name: 'other', instances: [{}] },
        { mode: 'managed', type: 'aws_iam_role', name: 'gone', instances: [] },
      ],
    });
    assert.deepEqual([...stateAddresses(state)], ['aws_s3_bucket.state']);
    assert.deepEqual([...stateAddresses(undefined)], []);
    assert.deepEqual([...stateAddresses('')], []);
  });

  it('removed blocks forget without destroying, and are read back as declared by awsorg', () => {
    assert.equal(removedFile([]), undefined);
    const text = removedFile(['aws_organizations_organizational_unit.b', 'aws_organizations_account.a'])!;
    assert.ok(text.startsWith(`${HANDOFF_MARKER}\n`));
    assert.match(
      text,
      /removed \{\n {2}from = aws_organizations_account\.a\n\n {2}lifecycle \{\n {4}destroy = false\n {2}\}\n\}/,
    );
    assert.ok(text.indexOf('aws_organizations_account.a') < text.indexOf('aws_organizations_organizational_unit.b'));
    assert.deepEqual(declaredResources(text).sort(), [
      'aws_organizations_account.a',
      'aws_organizations_organizational_unit.b',
    ]);
    assert.deepEqual(declaredResources('resource "aws_s3_bucket" "state" {\n}\n'), ['aws_s3_bucket.state']);
  });
});
