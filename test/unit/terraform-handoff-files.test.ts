/**
 * Which hand-off files awsorg may write into the user's Terraform directory (issue 13, "The
 * user's files are theirs"): real temp directories, the manifest of digests, edits refused,
 * --force, the user's files untouched, conflicting declarations, hostile paths, and a kill
 * between any two writes leaving a directory that a rerun finishes cleanly.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LoadedBlueprint } from '../../src/core/blueprint.js';
import { ExitCode, UsageError } from '../../src/core/errors.js';
import { preset } from '../../src/core/presets.js';
import { BACKEND_MARKER } from '../../src/terraform/backend.js';
import {
  HANDOFF_MANIFEST,
  HandoffFilesRefused,
  declarations,
  handoffFileProblem,
  handoffWritePhases,
  planHandoffFiles,
  readHandoffManifest,
  sha256,
  writeHandoffFiles,
} from '../../src/terraform/handoff/files.js';
import { HANDOFF_MARKER, generateHandoff } from '../../src/terraform/handoff/generate.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'awsorg-handoff-files-'));

const ORG_TF = `${HANDOFF_MARKER}\n\nresource "aws_organizations_organization" "this" {\n  feature_set = "ALL"\n}\n`;
const IMPORTS_TF = `${HANDOFF_MARKER}\n\nimport {\n  to = aws_organizations_organization.this\n  id = "o-abcde12345"\n}\n`;
const POLICY = '{\n  "Version": "2012-10-17"\n}\n';

function generated(overrides: Record<string, string | undefined> = {}): Map<string, string> {
  const files: Record<string, string | undefined> = {
    'organization.tf': ORG_TF,
    'imports.tf': IMPORTS_TF,
    'policies/deny_root.json': POLICY,
    ...overrides,
  };
  return new Map(Object.entries(files).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Plan and write, asserting the plan had no problem. */
function handOff(dir: string, files: Map<string, string>, force = false) {
  const plan = planHandoffFiles(dir, files, { force });
  assert.equal(handoffFileProblem(plan), undefined);
  writeHandoffFiles(plan);
  return plan;
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

/** Every file under dir (relative path -> content), temp files included. */
function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(out, tree(dir, path));
    else out[path] = read(dir, path);
  }
  return out;
}

function refusal(fn: () => void): HandoffFilesRefused {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof HandoffFilesRefused, `expected HandoffFilesRefused, got ${String(caught)}`);
  assert.equal(caught.exitCode, ExitCode.usage);
  return caught;
}

describe('hand-off files: create, unchanged, update, remove', () => {
  it('creates the directory, policies/ and every file (0644), and records each digest', () => {
    const dir = join(scratch(), 'terraform', 'org');
    const plan = handOff(dir, generated());
    assert.deepEqual(plan.create, ['imports.tf', 'organization.tf', 'policies/deny_root.json']);
    assert.deepEqual(tree(dir), {
      [HANDOFF_MANIFEST]: read(dir, HANDOFF_MANIFEST),
      'imports.tf': IMPORTS_TF,
      'organization.tf': ORG_TF,
      'policies/deny_root.json': POLICY,
    });
    assert.equal(statSync(join(dir, 'organization.tf')).mode & 0o777, 0o644);
    assert.equal(statSync(join(dir, HANDOFF_MANIFEST)).mode & 0o777, 0o644);
    assert.deepEqual(Object.fromEntries(readHandoffManifest(dir).files), {
      'imports.tf': [sha256(IMPORTS_TF)],
      'organization.tf': [sha256(ORG_TF)],
      'policies/deny_root.json': [sha256(POLICY)],
    });
  });

  it('regenerating the same code changes nothing, not even a timestamp; the manifest does not depend on map order', () => {
    const dir = scratch();
    handOff(dir, generated());
    const before = tree(dir);
    const times = Object.keys(before).map((p) => statSync(join(dir, p)).mtimeMs);
    const plan = handOff(dir, new Map([...generated()].reverse()));
    assert.deepEqual([plan.create, plan.update, plan.remove, plan.edited], [[], [], [], []]);
    assert.deepEqual(plan.unchanged, ['imports.tf', 'organization.tf', 'policies/deny_root.json']);
    assert.deepEqual(tree(dir), before);
    assert.deepEqual(
      Object.keys(before).map((p) => statSync(join(dir, p)).mtimeMs),
      times,
    );

    const other = scratch();
    handOff(other, new Map([...generated()].reverse()));
    assert.equal(read(other, HANDOFF_MANIFEST), before[HANDOFF_MANIFEST]);
  });

  it('updates awsorg unedited files and removes the ones no longer generated', () => {
    const dir = scratch();
    handOff(dir, generated({ 'outputs.tf': `${HANDOFF_MARKER}\n` }));
    const newOrg = ORG_TF.replace('"ALL"', '"CONSOLIDATED_BILLING"');
    const plan = handOff(dir, generated({ 'organization.tf': newOrg }));
    assert.deepEqual(plan.update, ['organization.tf']);
    assert.deepEqual(plan.remove, ['outputs.tf']);
    assert.equal(read(dir, 'organization.tf'), newOrg);
    assert.equal(existsSync(join(dir, 'outputs.tf')), false);
    assert.deepEqual(
      [...readHandoffManifest(dir).files.keys()],
      ['imports.tf', 'organization.tf', 'policies/deny_root.json'],
    );
    assert.deepEqual(readHandoffManifest(dir).files.get('organization.tf'), [sha256(newOrg)]);
  });

  it('the standard preset round-trips: written, then regenerated byte for byte', () => {
    const blueprint = preset('standard');
    const loaded: LoadedBlueprint = {
      blueprint,
      file: undefined,
      baseDir: '/tmp',
      customPolicies: {},
      deployInlinePolicy: undefined,
    };
    const ids = {
      organizationId: 'o-abcde12345',
      rootId: 'r-ab12',
      ouIds: Object.fromEntries(
        blueprint.organizationalUnits.map((p, i) => [p, `ou-ab12-${String(i).padStart(8, '0')}`]),
      ),
      accountIds: Object.fromEntries(blueprint.accounts.map((a, i) => [a.name, String(100000000000 + i)])),
      managementAccountId: '100000000099',
      ciOidcProviderArn: 'arn:aws:iam::100000000099:oidc-provider/token.actions.githubusercontent.com',
      policyIds: Object.fromEntries(
        ['awsorg-deny-regions', 'awsorg-deny-root', 'awsorg-require-mfa', 'awsorg-deny-leave-organization'].map(
          (n, i) => [n, `p-${String(i).padStart(8, '0')}`],
        ),
      ),
    };
    const files = generateHandoff(loaded, ids).files;
    const dir = scratch();
    writeFileSync(join(dir, 'backend.tf'), `${BACKEND_MARKER}\nterraform {\n  backend "s3" {}\n}\n`);
    writeFileSync(join(dir, 'main.tf'), 'resource "aws_s3_bucket" "mine" {}\n');
    assert.equal(handOff(dir, files).create.length, files.size);
    const before = tree(dir);
    const again = handOff(dir, generateHandoff(loaded, ids).files);
    assert.equal(again.unchanged.length, files.size);
    assert.deepEqual(tree(dir), before);
  });
});

describe('hand-off files: the user edits are theirs', () => {
  it('an edited generated .tf is refused, named, with how to proceed, and left as it is', () => {
    const dir = scratch();
    handOff(dir, generated());
    const edited = ORG_TF + '\n# my note\n';
    writeFileSync(join(dir, 'organization.tf'), edited);
    // Refused even when awsorg generates the same code again: the edit would be lost otherwise.
    for (const files of [
      generated(),
      generated({ 'organization.tf': ORG_TF.replace('"ALL"', '"CONSOLIDATED_BILLING"') }),
    ]) {
      const plan = planHandoffFiles(dir, files);
      assert.deepEqual(
        plan.edited.map((e) => e.path),
        ['organization.tf'],
      );
      assert.deepEqual(plan.update, []);
      const err = refusal(() => writeHandoffFiles(plan));
      assert.match(err.message, /organization\.tf was edited since awsorg wrote it/);
      assert.match(err.message, /drop the marker line to take it over, or rerun with --force to regenerate it/);
      assert.equal(handoffFileProblem(plan)?.message, err.message);
      assert.equal(read(dir, 'organization.tf'), edited);
    }
  });

  it('an edited policy JSON (no marker) is refused too, and one no longer generated is not deleted', () => {
    const dir = scratch();
    handOff(dir, generated());
    writeFileSync(join(dir, 'policies/deny_root.json'), '{"mine": true}\n');
    const plan = planHandoffFiles(dir, generated({ 'policies/deny_root.json': undefined }));
    assert.deepEqual(plan.remove, []);
    assert.match(
      refusal(() => writeHandoffFiles(plan)).message,
      /policies\/deny_root\.json was edited since awsorg wrote it, and awsorg no longer generates it and would delete it; .*--force/,
    );
    assert.equal(read(dir, 'policies/deny_root.json'), '{"mine": true}\n');
  });

  it('--force regenerates edited files and says so in the plan', () => {
    const dir = scratch();
    handOff(dir, generated());
    writeFileSync(join(dir, 'organization.tf'), ORG_TF + '# mine\n');
    const plan = handOff(dir, generated(), true);
    assert.equal(plan.force, true);
    assert.deepEqual(plan.update, ['organization.tf']);
    assert.match(plan.edited[0]!.hint, /organization\.tf was edited .*--force: regenerating it, the edits are lost/);
    assert.equal(read(dir, 'organization.tf'), ORG_TF);
    assert.deepEqual(readHandoffManifest(dir).files.get('organization.tf'), [sha256(ORG_TF)]);
  });

  it('a file of the user with a generated name is never touched, --force or not', () => {
    const dir = scratch();
    const mine = 'resource "aws_organizations_organization" "this" {}\n';
    writeFileSync(join(dir, 'organization.tf'), mine);
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies/deny_root.json'), POLICY);
    for (const force of [false, true]) {
      const plan = planHandoffFiles(dir, generated(), { force });
      assert.deepEqual(
        plan.userOwned.map((u) => u.path),
        ['organization.tf', 'policies/deny_root.json'],
      );
      const err = refusal(() => writeHandoffFiles(plan));
      assert.match(err.message, /organization\.tf exists without awsorg's marker line, so it is yours/);
      assert.match(err.message, /policies\/deny_root\.json exists and \.awsorg-handoff\.json does not list it/);
    }
    assert.equal(read(dir, 'organization.tf'), mine);
    assert.equal(existsSync(join(dir, 'imports.tf')), false);
    assert.equal(existsSync(join(dir, HANDOFF_MANIFEST)), false);
  });

  it('a .tf taken over (marker removed) is left alone and leaves the manifest, without blocking the rest', () => {
    const dir = scratch();
    handOff(dir, generated());
    const taken = ORG_TF.slice(HANDOFF_MARKER.length + 1);
    writeFileSync(join(dir, 'organization.tf'), taken);
    const newImports = IMPORTS_TF.replace('o-abcde12345', 'o-fffff00000');
    const plan = handOff(dir, generated({ 'imports.tf': newImports }), true);
    assert.deepEqual(plan.takenOver, [{ path: 'organization.tf' }]);
    assert.deepEqual(plan.conflicts, []);
    assert.equal(read(dir, 'organization.tf'), taken);
    assert.equal(read(dir, 'imports.tf'), newImports);
    assert.equal(readHandoffManifest(dir).files.has('organization.tf'), false);
  });
});

describe('hand-off files: conflicting declarations', () => {
  it('a user .tf declaring a generated resource or import target is refused, naming both files', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'main.tf'),
      '# resource "aws_s3_bucket" "commented" {}\nresource "aws_organizations_organization" "this" {\n  feature_set = "ALL"\n}\n',
    );
    writeFileSync(
      join(dir, 'more.tf.json'),
      JSON.stringify({ import: [{ to: 'aws_organizations_organization.this', id: 'o-1' }] }),
    );
    const plan = planHandoffFiles(dir, generated());
    assert.deepEqual(plan.conflicts, [
      { address: 'aws_organizations_organization.this', generatedFile: 'organization.tf', userFile: 'main.tf' },
      { address: 'aws_organizations_organization.this', generatedFile: 'imports.tf', userFile: 'more.tf.json' },
    ]);
    const err = refusal(() => writeHandoffFiles(plan));
    assert.match(
      err.message,
      /main\.tf declares aws_organizations_organization\.this, which awsorg's organization\.tf declares too/,
    );
    assert.match(
      err.message,
      /more\.tf\.json declares aws_organizations_organization\.this, which awsorg's imports\.tf declares too/,
    );
    assert.deepEqual(readdirSync(dir).sort(), ['main.tf', 'more.tf.json']);
  });

  it('comments, other addresses, awsorg backend.tf and .terraform/ are not conflicts', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'main.tf'),
      [
        '/*',
        'resource "aws_organizations_organization" "this" {}',
        '*/',
        '# import { to = aws_organizations_organization.this }',
        'resource "aws_s3_bucket" "this" {',
        '  description = <<EOT',
        'resource "aws_organizations_organization" "this" {',
        'EOT',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'backend.tf'), `${BACKEND_MARKER}\nterraform {\n  backend "s3" {}\n}\n`);
    mkdirSync(join(dir, '.terraform'));
    writeFileSync(join(dir, '.terraform', 'copy.tf'), ORG_TF.slice(HANDOFF_MARKER.length));
    assert.deepEqual(planHandoffFiles(dir, generated()).conflicts, []);
  });

  it('reads resource and import addresses from HCL and JSON', () => {
    assert.deepEqual(
      declarations(
        'a.tf',
        'resource aws_s3_bucket "b" {\n  x = { y = 1 }\n}\nimport {\n  id = "i"\n  to = module.m.aws_s3_bucket.b["k"]\n}\n',
      ),
      {
        resources: ['aws_s3_bucket.b'],
        imports: ['module.m.aws_s3_bucket.b["k"]'],
      },
    );
    // A heredoc's braces are text: the resource after it is still at the top level.
    assert.deepEqual(
      declarations('h.tf', 'locals {\n  x = <<-EOT\n  {{ not a block\n  EOT\n}\nresource "aws_s3_bucket" "after" {}\n')
        .resources,
      ['aws_s3_bucket.after'],
    );
    assert.deepEqual(
      declarations(
        'a.tf.json',
        JSON.stringify({ resource: { aws_s3_bucket: { a: {}, b: {} } }, import: { to: 'aws_s3_bucket.a', id: 'a' } }),
      ),
      {
        resources: ['aws_s3_bucket.a', 'aws_s3_bucket.b'],
        imports: ['aws_s3_bucket.a'],
      },
    );
  });
});

describe('hand-off files: a hostile directory', () => {
  it('policies/ as a symlink is refused, and nothing is written through it', () => {
    const dir = scratch();
    const elsewhere = scratch();
    symlinkSync(elsewhere, join(dir, 'policies'));
    assert.throws(
      () => planHandoffFiles(dir, generated()),
      (err: unknown) =>
        err instanceof UsageError && err.exitCode === ExitCode.usage && /policies is a symbolic link/.test(err.message),
    );
    assert.deepEqual(readdirSync(elsewhere), []);
  });

  it('a generated file that is a symlink (even a dangling one) is refused', () => {
    const dir = scratch();
    const target = join(scratch(), 'victim');
    symlinkSync(target, join(dir, 'organization.tf'));
    assert.throws(() => planHandoffFiles(dir, generated()), /organization\.tf is a symbolic link/);
    assert.equal(existsSync(target), false);
  });

  it('a directory others can write, or another user owns, is refused', () => {
    const dir = scratch();
    chmodSync(dir, 0o777);
    assert.throws(
      () => planHandoffFiles(dir, generated()),
      (err: unknown) => err instanceof UsageError && /has mode 0777 \(others can write to it\)/.test(err.message),
    );
    chmodSync(dir, 0o755);
    if (process.getuid?.() === 0) {
      chownSync(dir, 4242, 4242);
      assert.throws(() => planHandoffFiles(dir, generated()), /belongs to another user \(uid 4242\)/);
    }
  });

  it('group write is accepted only for the user own primary group (a 002 umask with private groups)', () => {
    const dir = scratch();
    chmodSync(dir, 0o775);
    handOff(dir, generated());
    if (process.getuid?.() === 0) {
      chownSync(dir, 0, 4242);
      assert.throws(
        () => planHandoffFiles(dir, generated()),
        /has mode 0775 \(group 4242, not yours, can write to it\)/,
      );
    }
  });

  it('a file changed between the plan and the write is not overwritten', () => {
    const dir = scratch();
    handOff(dir, generated());
    const plan = planHandoffFiles(dir, generated({ 'organization.tf': ORG_TF + '# v2\n' }));
    writeFileSync(join(dir, 'organization.tf'), ORG_TF + '# typed meanwhile\n');
    assert.throws(
      () => writeHandoffFiles(plan),
      (err: unknown) =>
        err instanceof UsageError &&
        /organization\.tf changed while awsorg was preparing to write it/.test(err.message),
    );
    assert.equal(read(dir, 'organization.tf'), ORG_TF + '# typed meanwhile\n');
  });

  it('a manifest naming a path outside the directory is refused, and nothing is removed there', () => {
    const parent = scratch();
    const dir = join(parent, 'tf');
    mkdirSync(dir);
    writeFileSync(join(parent, 'precious.txt'), 'keep');
    writeFileSync(join(dir, HANDOFF_MANIFEST), JSON.stringify({ files: { '../precious.txt': [sha256('keep')] } }));
    assert.throws(
      () => planHandoffFiles(dir, generated()),
      (err: unknown) => err instanceof UsageError && /"\.\.\/precious\.txt"/.test(err.message),
    );
    assert.equal(read(parent, 'precious.txt'), 'keep');
  });
});

describe('hand-off files: killed between any two writes', () => {
  it('a rerun after a kill at every point sees nothing edited and ends like an uninterrupted run', () => {
    const first = generated({ 'outputs.tf': `${HANDOFF_MARKER}\n` });
    const second = generated({
      'organization.tf': ORG_TF.replace('"ALL"', '"CONSOLIDATED_BILLING"'),
      'policies/deny_root.json': POLICY.replace('2012', '2008'),
      'policies/require_mfa.json': POLICY,
      'versions.tf': `${HANDOFF_MARKER}\n\nterraform {}\n`,
    });
    // What the rerun generates may differ again (the blueprint changed meanwhile, new ids).
    const third = new Map(
      [...second].map(([path, text]) => [path, path.endsWith('.tf') ? `${text}# v3\n` : text.replace('2012', '2001')]),
    );
    const expected: Record<string, Record<string, string>> = {};
    for (const [name, rerun] of [
      ['second', second],
      ['third', third],
    ] as const) {
      const clean = scratch();
      handOff(clean, first);
      handOff(clean, rerun);
      expected[name] = tree(clean);
    }
    const clean = scratch();
    handOff(clean, first);
    handOff(clean, second);

    const upToDate = handoffWritePhases(planHandoffFiles(clean, second)).map((p) => p.name);
    const names = (() => {
      const d = scratch();
      handOff(d, first);
      return handoffWritePhases(planHandoffFiles(d, second)).map((p) => p.name);
    })();
    assert.deepEqual(names, [
      'manifest (pending)',
      'write organization.tf',
      'write policies/deny_root.json',
      'write policies/require_mfa.json',
      'write versions.tf',
      'remove outputs.tf',
      'manifest (final)',
    ]);
    assert.deepEqual(upToDate, ['manifest (final)'], 'an up-to-date directory only re-checks the manifest');

    for (const [name, rerunCode] of [
      ['second', second],
      ['third', third],
    ] as const) {
      for (let killedAfter = 0; killedAfter < names.length; killedAfter++) {
        const dir = scratch();
        handOff(dir, first);
        for (const phase of handoffWritePhases(planHandoffFiles(dir, second)).slice(0, killedAfter)) phase.run();
        const rerun = planHandoffFiles(dir, rerunCode);
        const when = `killed after ${killedAfter} writes, rerun generating the ${name} code`;
        assert.deepEqual([rerun.edited, rerun.userOwned], [[], []], `${when}: nothing looks edited or foreign`);
        assert.equal(handoffFileProblem(rerun), undefined);
        writeHandoffFiles(rerun);
        assert.deepEqual(tree(dir), expected[name], `${when}: the rerun converges`);
      }
    }
  });
});
