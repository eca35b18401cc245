/**
 * The editor's CI deploy role: when its token subject is refused (it would let more than one
 * repository, branch or environment deploy), the live trust-policy preview, and how a branch is
 * typed and shown.
 */
import { MANAGEMENT_ACCOUNT, type CiOidc } from '../../core/blueprint.js';
import { partitionOf } from '../../core/regions.js';
import { deployRoleTrustPolicy, issuerFor, providerArnFor } from '../../policies/ci-oidc-policy.js';
import type { EditorProblem, EditorState } from './editor-types.js';

/** Why the CI subject is refused (it would not name one repository and one branch or environment), or undefined. */
export function ciRefusal(ci: CiOidc): EditorProblem | undefined {
  const github = ci.provider === 'github';
  const prefix = github ? 'repo' : 'project_path';
  const scope =
    ci.environment !== undefined
      ? `environment:${ci.environment || '*'}`
      : github
        ? `ref:${ci.ref || '*'}`
        : `ref_type:branch:ref:${ci.ref || '*'}`;
  const repo = ci.repository;
  if (repo.trim() === '') {
    return {
      path: 'ciOidc.repository',
      message: `Refused: with no repository this subject would let any repository deploy (${prefix}:*:...)`,
      fix: github ? 'name one repository as owner/name' : 'name one project as group/project',
    };
  }
  if (/[*?]/.test(repo)) {
    return {
      path: 'ciOidc.repository',
      message: `Refused: this subject would let any repository deploy (${prefix}:${repo}:${scope})`,
      fix: github
        ? 'name exactly one repository, e.g. acme/infrastructure'
        : 'name exactly one project, e.g. acme/infrastructure',
    };
  }
  const shape = github
    ? /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/
    : /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/;
  if (!shape.test(repo)) {
    return {
      path: 'ciOidc.repository',
      message: `Refused: '${repo}' is not ${github ? 'owner/name' : 'group/project'}, so the subject would not name one repository`,
      fix: github
        ? 'write it as owner/name, e.g. acme/infrastructure'
        : 'write it as group/project, e.g. acme/infrastructure',
    };
  }
  if (ci.environment !== undefined) {
    if (!github)
      return {
        path: 'ciOidc.environment',
        message: "Refused: GitLab's token subject carries no environment, so it could not scope the role",
        fix: 'deploy from a branch instead',
      };
    if (ci.environment.trim() === '' || /[*?]/.test(ci.environment)) {
      return {
        path: 'ciOidc.environment',
        message: `Refused: this subject would let any environment of ${repo} deploy (${prefix}:${repo}:${scope})`,
        fix: 'name exactly one environment, e.g. production',
      };
    }
    return undefined;
  }
  const ref = ci.ref ?? '';
  const name = ref.replace(/^refs\/(heads|tags)\//, '');
  if (name.trim() === '' || /[*?]/.test(ref)) {
    return {
      path: 'ciOidc.ref',
      message: `Refused: this subject would let any branch of ${repo} deploy (${prefix}:${repo}:${scope})`,
      fix: 'name exactly one branch, e.g. main',
    };
  }
  return undefined;
}

/** The trust policy's lines, or the refusal, for the CI section as edited. */
export function trustPolicyPreview(state: EditorState): { refused: EditorProblem } | { json: string[] } | undefined {
  const ci = state.blueprint.ciOidc;
  if (!ci) return undefined;
  const refused = ciRefusal(ci);
  if (refused) return { refused };
  const partition = state.partition ?? partitionOf(state.blueprint.region) ?? 'aws';
  const owner =
    (ci.account ?? MANAGEMENT_ACCOUNT) === MANAGEMENT_ACCOUNT
      ? (state.managementAccountId ?? '<management account>')
      : `<${ci.account} account>`;
  try {
    const policy = deployRoleTrustPolicy(ci, providerArnFor(partition, owner, issuerFor(ci).host));
    return { json: JSON.stringify(policy, null, 2).split('\n') };
  } catch (error) {
    return {
      refused: {
        path: 'ciOidc',
        message: `Refused: ${error instanceof Error ? error.message : String(error)}`,
        fix: 'name one repository and one branch or environment',
      },
    };
  }
}

/** A branch name becomes `refs/heads/<name>`; anything starting with refs/ is kept as typed. */
export function refFromInput(value: string): string {
  return value === '' || value.startsWith('refs/') ? value : `refs/heads/${value}`;
}
export function refForInput(ref: string | undefined): string {
  return (ref ?? '').replace(/^refs\/heads\//, '');
}
