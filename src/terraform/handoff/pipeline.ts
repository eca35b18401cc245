/**
 * Issue 13, generated CI: the pipeline that plans and applies the handed-off Terraform with the
 * CI deploy role, in the conventional place for the blueprint's CI provider
 * (`.github/workflows/terraform.yml` or `.gitlab-ci.yml`).
 *
 * Pure apart from `repositoryRoot`. Every value that comes from the blueprint (repository, branch,
 * directory, role, Region) is a YAML scalar the `yaml` package writes double-quoted, never part of a
 * shell line: jobs read it from `env:` / `variables:`. Where the CI system expands expressions in
 * a value (GitHub `${{ }}`, GitLab `$VAR`), the value is escaped so it stays literal text.
 *
 * Pull requests: the trust policy awsorg writes accepts exactly one token subject (see
 * `subjectFor`), which a pull/merge request's token never carries. So the pull request job checks
 * and validates without AWS, and plans only when the user supplies a separate read-only plan role
 * (AWSORG_PLAN_ROLE_ARN). Widening the deploy role's trust instead would hand an administrator role
 * to anyone who can open a pull request, since a pull request runs its own copy of the pipeline.
 */
import { existsSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { Document, visit } from 'yaml';
import type { CiOidc, LoadedBlueprint } from '../../core/blueprint.js';
import { issuerFor, subjectFor } from '../../policies/ci-oidc-policy.js';
import { deployRoleCapability, type DeployRoleCapability } from './deploy-role-capability.js';
import { HANDOFF_MARKER } from './generate.js';

export { deployRoleCapability, type DeployRoleCapability } from './deploy-role-capability.js';

/** The marker is already a `#` comment, so the pipeline file carries the very same first line. */
export const PIPELINE_MARKER = HANDOFF_MARKER;

/** Repository (GitHub) or CI/CD (GitLab) variable that turns on plans in pull/merge requests. */
export const PLAN_ROLE_VARIABLE = 'AWSORG_PLAN_ROLE_ARN';

export interface PipelineFile {
  /** Relative to the repository root, posix. */
  path: string;
  content: string;
  /** What the user should know before relying on the pipeline (also written in the file). */
  warnings: string[];
}

export interface PipelineInput {
  /** `terraform.dir` relative to the repository root, posix. */
  terraformDir: string;
  deployRoleArn: string;
  tool: 'terraform' | 'tofu';
  /** The tool version to pin (e.g. `1.9.8`); the latest release when absent. */
  toolVersion?: string;
}

/** Nearest ancestor of `startDir` (itself included) holding `.git`, a directory or a worktree's file. */
export function repositoryRoot(startDir: string): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function generatePipeline(loaded: LoadedBlueprint, input: PipelineInput): PipelineFile | undefined {
  const ci = loaded.blueprint.ciOidc;
  if (!ci) return undefined;
  const dir = posix.normalize(input.terraformDir.replace(/\/+$/, '') || '.');
  if (posix.isAbsolute(dir) || dir === '..' || dir.startsWith('../')) {
    throw new Error(
      `terraformDir must be inside the repository, relative to its root; got ${JSON.stringify(input.terraformDir)}`,
    );
  }
  const warnings: string[] = [];
  let version = input.toolVersion;
  if (version !== undefined && !/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/.test(version)) {
    warnings.push(
      `ignored tool version ${JSON.stringify(version)}: not a release number; the pipeline installs the latest ${input.tool}`,
    );
    version = undefined;
  }
  const capability = deployRoleCapability(loaded);
  const header = ci.provider === 'github' ? githubHeader(ci, dir) : gitlabHeader(ci, dir);
  warnings.push(prPlanWarning(ci));
  warnings.push(...capability.reasons);
  const body =
    ci.provider === 'github'
      ? githubWorkflow(loaded, ci, { ...input, terraformDir: dir, toolVersion: version })
      : gitlabPipeline(loaded, ci, { ...input, terraformDir: dir, toolVersion: version });
  const lines = [PIPELINE_MARKER, '#', ...capabilityComment(capability), ...header];
  const content = `${lines.map(commentLine).join('\n')}\n\n${yamlText(body.doc, body.scripts)}`;
  return { path: ci.provider === 'github' ? '.github/workflows/terraform.yml' : '.gitlab-ci.yml', content, warnings };
}

// ---------------------------------------------------------------- text helpers

/** A value from the blueprint inside a comment: JSON-quoted, so no line break can end the comment. */
function q(value: string): string {
  return JSON.stringify(value).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function commentLine(line: string): string {
  if (/[\r\n\u0085\u2028\u2029]/.test(line)) throw new Error('a pipeline comment line holds a line break');
  return line === '' || line.startsWith('#') ? line || '#' : `# ${line}`;
}

/** GitHub evaluates `${{ }}` in most values; this expression yields the two characters literally. */
function ghaLiteral(value: string): string {
  return value.replaceAll('${{', "${{ '${{' }}");
}

/** A GitHub branch/tag filter matching exactly `name`: pattern characters escaped with `\`. */
function ghaFilterLiteral(name: string): string {
  return name.replace(/[\\*?+![\]]/g, (c) => `\\${c}`);
}

/**
 * Every string value double-quoted (YAML 1.1 parsers such as GitLab's read a plain `on` or `yes`
 * as a boolean), except the multi-line scripts we wrote, which are block literals.
 */
function yamlText(doc: Document, scripts: Set<string>): string {
  visit(doc, {
    Scalar(key, node) {
      if (key !== 'key' && typeof node.value === 'string')
        node.type = scripts.has(node.value) ? 'BLOCK_LITERAL' : 'QUOTE_DOUBLE';
      // GitHub reads a plain `on:` key as "on"; YAML 1.1 tools read it as true. Quoted, all agree.
      else if (key === 'key' && node.value === 'on') node.type = 'QUOTE_DOUBLE';
    },
  });
  // yaml leaves U+0085/U+2028/U+2029 raw in double quotes; YAML 1.1 reads them as line breaks.
  return doc
    .toString({ lineWidth: 0 })
    .replace(/[\u0085\u2028\u2029]/g, (c) => ({ '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' })[c]!);
}

function capabilityComment(capability: DeployRoleCapability): string[] {
  if (capability.reasons.length === 0) return [];
  const title = capability.sufficient
    ? 'NOTE: check that the deploy role can manage this code:'
    : 'WARNING: the deploy role cannot apply this code. Fix its policies before you rely on this pipeline:';
  return [title, ...capability.reasons.map((r) => `- ${r.replace(/[\r\n\u0085\u2028\u2029]/g, ' ')}`), '#'];
}

function refParts(ci: CiOidc): { kind: 'branch' | 'tag'; name: string } | undefined {
  if (!ci.ref) return undefined;
  return ci.ref.startsWith('refs/tags/')
    ? { kind: 'tag', name: ci.ref.slice('refs/tags/'.length) }
    : { kind: 'branch', name: ci.ref.replace(/^refs\/heads\//, '') };
}

function prPlanWarning(ci: CiOidc): string {
  if (ci.provider === 'github') {
    return `pull requests are checked (fmt, validate) but not planned: the deploy role trusts only ${subjectFor(ci)}, and a pull request's token is repo:${ci.repository}:pull_request; to plan them, create a read-only role trusting that subject and set its ARN as the repository variable ${PLAN_ROLE_VARIABLE}`;
  }
  return `merge requests are checked (fmt, validate) but not planned: the deploy role trusts only ${subjectFor(ci)}, and a merge request pipeline's token names its source branch; to plan them, create a read-only role trusting project_path:${ci.repository}:ref_type:branch:ref:* and set its ARN as the CI/CD variable ${PLAN_ROLE_VARIABLE}`;
}

// ---------------------------------------------------------------- GitHub Actions

function githubHeader(ci: CiOidc, dir: string): string[] {
  const ref = refParts(ci);
  const when = ci.environment
    ? `A push to the default branch plans, then applies that saved plan, in the GitHub environment ${q(ci.environment)}`
    : `A push to the ${ref!.kind} ${q(ref!.name)} plans, then applies that saved plan`;
  return [
    `Plans and applies the Terraform in ${q(dir)} with the CI deploy role, through GitHub's OIDC token.`,
    `- ${when} (job "apply"). Applies never overlap.`,
    '- A pull request checks formatting and validates the code without AWS credentials (job "check").',
    '  The deploy role trusts only the token subject',
    `    ${q(subjectFor(ci))}`,
    "  and a pull request's token carries",
    `    ${q(`repo:${ci.repository}:pull_request`)}`,
    "  so it cannot assume the deploy role. Don't widen that trust: a pull request runs its own copy",
    '  of this workflow, so anyone who can open one would get the deploy role. To plan pull requests,',
    '  create a read-only role that trusts the pull request subject above (it needs read access to the',
    '  state bucket; plans run with -lock=false) and set its ARN as the repository variable',
    `  ${PLAN_ROLE_VARIABLE}; job "check" then plans with it.`,
  ];
}

function githubWorkflow(
  loaded: LoadedBlueprint,
  ci: CiOidc,
  input: PipelineInput,
): { doc: Document; scripts: Set<string> } {
  const tool = input.tool;
  const region = ghaLiteral(loaded.blueprint.region);
  const setup =
    tool === 'terraform'
      ? {
          uses: 'hashicorp/setup-terraform@v3',
          with: {
            ...(input.toolVersion && { terraform_version: ghaLiteral(input.toolVersion) }),
            terraform_wrapper: false,
          },
        }
      : {
          uses: 'opentofu/setup-opentofu@v1',
          with: { ...(input.toolVersion && { tofu_version: ghaLiteral(input.toolVersion) }), tofu_wrapper: false },
        };
  const planRole = `vars.${PLAN_ROLE_VARIABLE} != ''`;
  const prPlan = `${tool} init -input=false -reconfigure\n${tool} plan -input=false -lock=false\n`;
  const ref = refParts(ci);
  const on: Record<string, unknown> = ci.environment
    ? { pull_request: {}, push: {} }
    : {
        pull_request: ref!.kind === 'branch' ? { branches: [ghaFilterLiteral(ref!.name)] } : {},
        push: { [ref!.kind === 'branch' ? 'branches' : 'tags']: [ghaFilterLiteral(ref!.name)] },
      };
  const applyIf = ci.environment
    ? "github.event_name == 'push' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    : "github.event_name == 'push'";
  const workflow = {
    name: 'terraform',
    on,
    permissions: { 'id-token': 'write', contents: 'read' },
    env: { TF_IN_AUTOMATION: 'true', TF_INPUT: 'false' },
    jobs: {
      check: {
        if: "github.event_name == 'pull_request'",
        'runs-on': 'ubuntu-latest',
        concurrency: {
          group: 'awsorg-terraform-check-${{ github.event.pull_request.number }}',
          'cancel-in-progress': true,
        },
        defaults: { run: { 'working-directory': ghaLiteral(input.terraformDir) } },
        steps: [
          { uses: 'actions/checkout@v4' },
          setup,
          { run: `${tool} fmt -check -recursive` },
          { run: `${tool} init -input=false -backend=false` },
          { run: `${tool} validate` },
          {
            name: 'Assume the read-only plan role',
            if: planRole,
            uses: 'aws-actions/configure-aws-credentials@v4',
            with: { 'role-to-assume': `\${{ vars.${PLAN_ROLE_VARIABLE} }}`, 'aws-region': region },
          },
          { name: 'Plan (read-only, without the state lock)', if: planRole, run: prPlan },
        ],
      },
      apply: {
        if: applyIf,
        'runs-on': 'ubuntu-latest',
        ...(ci.environment && { environment: ghaLiteral(ci.environment) }),
        // One group per repository: a second apply waits for the first instead of racing it.
        concurrency: { group: 'awsorg-terraform-apply', 'cancel-in-progress': false },
        defaults: { run: { 'working-directory': ghaLiteral(input.terraformDir) } },
        steps: [
          { uses: 'actions/checkout@v4' },
          {
            uses: 'aws-actions/configure-aws-credentials@v4',
            with: { 'role-to-assume': ghaLiteral(input.deployRoleArn), 'aws-region': region },
          },
          setup,
          { run: `${tool} init -input=false` },
          { run: `${tool} plan -input=false -out=tfplan` },
          { run: `${tool} apply -input=false tfplan` },
        ],
      },
    },
  };
  return { doc: new Document(workflow, { aliasDuplicateObjects: false }), scripts: new Set([prPlan]) };
}

// ---------------------------------------------------------------- GitLab CI

function gitlabHeader(ci: CiOidc, dir: string): string[] {
  const ref = refParts(ci)!;
  return [
    `Plans and applies the Terraform in ${q(dir)} with the CI deploy role, through GitLab's ID token.`,
    `- A pipeline for the ${ref.kind} ${q(ref.name)} plans, then applies that saved plan (job "terraform:apply").`,
    '  Applies never overlap (resource_group).',
    '- A merge request checks formatting and validates the code without AWS credentials (job',
    '  "terraform:check"). The deploy role trusts only the token subject',
    `    ${q(subjectFor(ci))}`,
    "  and a merge request pipeline's token names its source branch, so it cannot assume the deploy",
    "  role. Don't widen that trust: a merge request runs its own copy of this file, so anyone who can",
    '  open one would get the deploy role. To plan merge requests, create a read-only role that trusts',
    `    ${q(`project_path:${ci.repository}:ref_type:branch:ref:*`)}`,
    '  (a StringLike condition; it needs read access to the state bucket; plans run with -lock=false)',
    `  and set its ARN as the CI/CD variable ${PLAN_ROLE_VARIABLE}; job "terraform:check" then plans with it.`,
  ];
}

/** GitLab expands `$VAR` in variable values unless told not to; blueprint text stays literal. */
const literal = (value: string) => ({ value, expand: false });

function gitlabPipeline(
  loaded: LoadedBlueprint,
  ci: CiOidc,
  input: PipelineInput,
): { doc: Document; scripts: Set<string> } {
  const tool = input.tool;
  const ref = refParts(ci)!;
  const image =
    tool === 'terraform'
      ? `hashicorp/terraform:${input.toolVersion ?? 'latest'}`
      : `ghcr.io/opentofu/opentofu:${input.toolVersion ?? 'latest'}`;
  // The AWS SDK inside terraform/tofu assumes AWS_ROLE_ARN with the token in this file.
  const webIdentity =
    'AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"\nexport AWS_WEB_IDENTITY_TOKEN_FILE\nprintf \'%s\' "$AWS_ID_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"\n';
  const prPlan =
    `if [ -n "\${${PLAN_ROLE_VARIABLE}:-}" ]; then\n` +
    `  export AWS_ROLE_ARN="$${PLAN_ROLE_VARIABLE}"\n` +
    webIdentity.replace(/^/gm, '  ').replace(/ {2}$/, '') +
    `  ${tool} init -input=false -reconfigure\n` +
    `  ${tool} plan -input=false -lock=false\n` +
    'fi\n';
  const applyRule =
    ref.kind === 'branch' ? '$CI_COMMIT_BRANCH == $AWSORG_APPLY_REF' : '$CI_COMMIT_TAG == $AWSORG_APPLY_REF';
  const mergeRequest = "$CI_PIPELINE_SOURCE == 'merge_request_event'";
  const idTokens = { AWS_ID_TOKEN: { aud: issuerFor(ci).audience } };
  const pipeline = {
    workflow: { rules: [{ if: mergeRequest }, { if: applyRule }] },
    stages: ['check', 'apply'],
    variables: {
      TF_DIR: literal(input.terraformDir),
      AWSORG_APPLY_REF: literal(ref.name),
      AWS_REGION: literal(loaded.blueprint.region),
      AWS_DEFAULT_REGION: literal(loaded.blueprint.region),
      TF_IN_AUTOMATION: 'true',
      TF_INPUT: 'false',
    },
    default: { image: { name: image, entrypoint: [''] } },
    'terraform:check': {
      stage: 'check',
      rules: [{ if: mergeRequest }],
      id_tokens: idTokens,
      script: [
        'cd "$TF_DIR"',
        `${tool} fmt -check -recursive`,
        `${tool} init -input=false -backend=false`,
        `${tool} validate`,
        prPlan,
      ],
    },
    'terraform:apply': {
      stage: 'apply',
      rules: [{ if: applyRule }],
      // One apply at a time across pipelines.
      resource_group: 'awsorg-terraform-apply',
      id_tokens: idTokens,
      variables: { AWS_ROLE_ARN: literal(input.deployRoleArn) },
      script: [
        'cd "$TF_DIR"',
        webIdentity,
        `${tool} init -input=false`,
        `${tool} plan -input=false -out=tfplan`,
        `${tool} apply -input=false tfplan`,
      ],
    },
  };
  return { doc: new Document(pipeline, { aliasDuplicateObjects: false }), scripts: new Set([prPlan, webIdentity]) };
}
