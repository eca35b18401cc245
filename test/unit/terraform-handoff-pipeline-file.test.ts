/** Where the generated CI pipeline is written: never through a symlinked `.github` or `.github/workflows`. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { LoadedBlueprint } from '../../src/core/blueprint.js';
import { preset } from '../../src/core/presets.js';
import { planPipeline, writePipeline } from '../../src/terraform/handoff/pipeline-file.js';

describe('pipeline file writes', () => {
  const base = mkdtempSync(join(tmpdir(), 'awsorg-pipeline-file-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  function repo(name: string): { root: string; elsewhere: string; loaded: LoadedBlueprint } {
    const root = join(base, name, 'repo');
    const elsewhere = join(base, name, 'elsewhere');
    mkdirSync(join(root, '.git'), { recursive: true });
    mkdirSync(join(root, 'infra'), { recursive: true });
    mkdirSync(elsewhere, { recursive: true });
    const blueprint = preset('standard');
    assert.equal(blueprint.ciOidc?.provider, 'github');
    return {
      root,
      elsewhere,
      loaded: { blueprint, file: undefined, baseDir: root, customPolicies: {}, deployInlinePolicy: undefined },
    };
  }
  const input = (root: string) => ({
    terraformDir: join(root, 'infra'),
    deployRoleArn: 'arn:aws:iam::100000000099:role/deploy',
    tool: 'terraform' as const,
    force: false,
  });

  it('writes .github/workflows/terraform.yml in a plain repository', () => {
    const { root, loaded } = repo('plain');
    const plan = planPipeline(loaded, input(root))!;
    assert.equal(plan.action, 'create');
    writePipeline(plan);
    assert.ok(existsSync(join(root, '.github', 'workflows', 'terraform.yml')));
  });

  it('refuses a .github that is a symlink to a directory elsewhere (workflows missing there)', () => {
    const { root, elsewhere, loaded } = repo('link-github');
    symlinkSync(elsewhere, join(root, '.github'));
    const plan = planPipeline(loaded, input(root))!;
    assert.throws(() => writePipeline(plan), /\.github is a symbolic link/);
    assert.ok(!existsSync(join(elsewhere, 'workflows')), 'nothing was created through the link');
  });

  it('refuses a .github that is a symlink to a directory elsewhere (workflows present there)', () => {
    const { root, elsewhere, loaded } = repo('link-github-2');
    mkdirSync(join(elsewhere, 'workflows'));
    symlinkSync(elsewhere, join(root, '.github'));
    const plan = planPipeline(loaded, input(root))!;
    assert.throws(() => writePipeline(plan), /\.github is a symbolic link/);
    assert.ok(!existsSync(join(elsewhere, 'workflows', 'terraform.yml')), 'nothing was written through the link');
  });

  it('refuses a .github/workflows that is a symlink', () => {
    const { root, elsewhere, loaded } = repo('link-workflows');
    mkdirSync(join(root, '.github'));
    symlinkSync(elsewhere, join(root, '.github', 'workflows'));
    const plan = planPipeline(loaded, input(root))!;
    assert.throws(() => writePipeline(plan), /workflows is a symbolic link/);
    assert.ok(!existsSync(join(elsewhere, 'terraform.yml')));
  });
});
