/**
 * Rules that relate one field to another, run on the blueprint the schema (blueprint-schema.ts)
 * has typed. Each is a small named function; the loader maps their issues to YAML lines.
 */
import { MANAGEMENT_ACCOUNT, ROOT_TARGET, type Blueprint, type Guardrails } from './blueprint.js';
import { isPlainObject, kindOf, visibleText } from './blueprint-formats.js';
import { isRegion, partitionOf } from './regions.js';
import {
  SCP_MAX_CHARS,
  SCP_MAX_PER_TARGET,
  denyRegionsDocument,
  minifyPolicy,
  requireMfaDocument,
} from './scp-limits.js';
import { closest } from './suggest.js';

/** Reports an issue. Returns undefined, so a rule can `return add(…)` and stop. */
export type Add = (path: string, message: string, fix: string) => undefined;

/** The rules' view: the typed blueprint, and which lists had entries dropped (their references are not checked). */
export interface RuleInput {
  blueprint: Blueprint;
  incomplete: ReadonlySet<string>;
}

export const CROSS_FIELD_RULES: Array<(input: RuleInput, add: Add) => void> = [
  ouParentsAndCase,
  accountsAreDistinctAndPlaced,
  targetsResolve,
  accountReferencesResolve,
  regionLockPartition,
  stateBackendLockTable,
  kmsKeyInBucketRegion,
  oidcSubjectIsScoped,
  customNamesUnique,
  acrossSections,
  scpsPerTarget,
  scpSizesAfterMinification,
  regionLockCoversWork,
];

function ouParentsAndCase({ blueprint, incomplete }: RuleInput, add: Add): void {
  if (incomplete.has('organizationalUnits')) return;
  const seen = new Map<string, string>();
  const listed = new Set(blueprint.organizationalUnits);
  blueprint.organizationalUnits.forEach((value, i) => {
    const path = `organizationalUnits[${i}]`;
    const earlier = seen.get(value.toLowerCase());
    if (earlier !== undefined && earlier !== value)
      add(path, `'${value}' differs from '${earlier}' only in case`, 'list each OU path once');
    else seen.set(value.toLowerCase(), value);
    const parent = value.split('/').slice(0, -1).join('/');
    if (parent !== '' && !value.startsWith(`${ROOT_TARGET}/`) && !listed.has(parent) && !value.split('/').includes(''))
      add(
        path,
        `'${value}' needs its parent OU '${parent}', which is not listed`,
        `add '${parent}' to organizationalUnits`,
      );
  });
}

function accountsAreDistinctAndPlaced({ blueprint, incomplete }: RuleInput, add: Add): void {
  const names = new Map<string, string>();
  const emails = new Map<string, string>();
  const ouPaths = incomplete.has('organizationalUnits') ? undefined : blueprint.organizationalUnits;
  blueprint.accounts.forEach(({ name, email, ou }, i) => {
    const path = `accounts[${i}]`;
    const lower = name.toLowerCase();
    if (lower === MANAGEMENT_ACCOUNT)
      add(
        `${path}.name`,
        `'${name}' is reserved: it means the management account, which awsorg never creates`,
        'leave the management account out of accounts, or pick another name',
      );
    else if (lower === ROOT_TARGET.toLowerCase())
      add(
        `${path}.name`,
        `'${name}' is reserved: guardrail targets use it for the organization root`,
        'pick another name',
      );
    else if (ouPaths?.includes(name))
      add(
        `${path}.name`,
        `'${name}' is also an OU path, so a guardrail target '${name}' would be ambiguous`,
        'rename the account or the OU',
      );
    const other = names.get(lower);
    if (name.trim() === '') {
      // reported by the schema
    } else if (other !== undefined)
      add(
        `${path}.name`,
        `'${name}' is used by ${other} too (names are compared case-insensitively)`,
        'give every account its own name',
      );
    else names.set(lower, path);
    const otherEmail = emails.get(email.toLowerCase());
    if (email.trim() === '') {
      // reported by the schema
    } else if (otherEmail !== undefined)
      add(
        `${path}.email`,
        `'${email}' is used by ${otherEmail} too; AWS needs a distinct email per account (compared case-insensitively)`,
        'give every account its own address, e.g. with a +tag: aws+name@example.com',
      );
    else emails.set(email.toLowerCase(), name ? `${path} (name: ${visibleText(name)})` : path);
    if (ou.trim() !== '' && ou !== ROOT_TARGET && ouPaths && !ouPaths.includes(ou)) {
      const guess = closest(ou, [ROOT_TARGET, ...ouPaths]);
      add(
        `${path}.ou`,
        `'${ou}' is not listed in organizationalUnits`,
        guess
          ? `did you mean '${guess}'? Otherwise add '${ou}' to organizationalUnits`
          : `add '${ou}' to organizationalUnits, or use Root`,
      );
    }
  });
}

/** Every guardrail's targets, with its path; lists that lost entries are left out. */
function guardrailTargets(guardrails: Guardrails | undefined, incomplete: ReadonlySet<string>) {
  const all: Array<{ path: string; targets: string[] }> = [];
  for (const kind of ['denyRegions', 'denyRoot', 'requireMfa', 'denyLeaveOrganization'] as const) {
    const guardrail = guardrails?.[kind];
    if (guardrail) all.push({ path: `guardrails.${kind}`, targets: guardrail.targets });
  }
  if (!incomplete.has('guardrails.custom'))
    for (const [i, c] of (guardrails?.custom ?? []).entries())
      all.push({ path: `guardrails.custom[${i}]`, targets: c.targets });
  return all.filter(({ path }) => !incomplete.has(`${path}.targets`));
}

function targetsResolve({ blueprint, incomplete }: RuleInput, add: Add): void {
  const ouPaths = incomplete.has('organizationalUnits') ? undefined : blueprint.organizationalUnits;
  const accountNames = incomplete.has('accounts') ? undefined : blueprint.accounts.map((a) => a.name);
  for (const { path, targets } of guardrailTargets(blueprint.guardrails, incomplete)) {
    for (const [i, target] of targets.entries()) {
      const where = `${path}.targets[${i}]`;
      if (target === ROOT_TARGET || ouPaths?.includes(target) || accountNames?.includes(target) || !target.trim())
        continue;
      if (target.toLowerCase() === MANAGEMENT_ACCOUNT) {
        add(
          where,
          'is the management account, which SCPs never restrict',
          'remove it; to cover every member account use Root',
        );
        continue;
      }
      if (!ouPaths || !accountNames) continue;
      const guess = closest(target, [ROOT_TARGET, ...ouPaths, ...accountNames]);
      add(
        where,
        `'${target}' is not Root, an OU path from organizationalUnits, or an account name from accounts`,
        guess ? `did you mean '${guess}'?` : `add '${target}' to organizationalUnits or accounts, or target Root`,
      );
    }
  }
}

function accountReferencesResolve({ blueprint, incomplete }: RuleInput, add: Add): void {
  if (incomplete.has('accounts')) return;
  const names = blueprint.accounts.map((a) => a.name);
  const refs: Array<[string, string | undefined]> = [
    ['stateBackend.account', blueprint.stateBackend?.account],
    ['ciOidc.account', blueprint.ciOidc?.account],
    ['organizationTrail.account', blueprint.organizationTrail?.account],
  ];
  for (const [path, name] of refs) {
    if (name === undefined || name.trim() === '' || name === MANAGEMENT_ACCOUNT || names.includes(name)) continue;
    const guess = closest(name, [MANAGEMENT_ACCOUNT, ...names]);
    add(
      path,
      `'${name}' is neither ${MANAGEMENT_ACCOUNT} nor an account name from accounts`,
      guess
        ? `did you mean '${guess}'?`
        : `use ${MANAGEMENT_ACCOUNT} or one of: ${names.join(', ') || '(no accounts listed)'}`,
    );
  }
}

function regionLockPartition({ blueprint }: RuleInput, add: Add): void {
  const home = partitionOf(blueprint.region);
  blueprint.guardrails?.denyRegions?.allow.forEach((value, i) => {
    if (home && isRegion(value) && partitionOf(value) !== home)
      add(
        `guardrails.denyRegions.allow[${i}]`,
        `'${value}' is in the ${partitionOf(value)} partition but the organization (region ${blueprint.region}) is in ${home}; an SCP can never allow it`,
        `remove '${value}', or allow a Region of the ${home} partition`,
      );
  });
}

function stateBackendLockTable({ blueprint }: RuleInput, add: Add): void {
  const backend = blueprint.stateBackend;
  if (!backend) return;
  if ((backend.lock === 'dynamodb' || backend.lock === 'both') && backend.table === undefined)
    add(
      'stateBackend.table',
      `is required when lock is ${backend.lock}`,
      'add `table: <name>-tf-locks`, or set `lock: lockfile` (Terraform 1.11+, OpenTofu 1.10+)',
    );
  if (backend.lock === 'lockfile' && backend.table !== undefined && backend.table.trim() !== '')
    add(
      'stateBackend.table',
      'is set but lock is lockfile, so the table would never be used',
      'remove table, or set `lock: both`',
    );
}

function kmsKeyInBucketRegion({ blueprint }: RuleInput, add: Add): void {
  const keyRegion = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(blueprint.stateBackend?.encryption ?? '')?.[1];
  if (keyRegion !== undefined && blueprint.region !== '' && keyRegion !== blueprint.region)
    add(
      'stateBackend.encryption',
      `the KMS key is in ${keyRegion} but the state bucket is created in ${blueprint.region}; S3 needs a key in the bucket's Region`,
      `use a key in ${blueprint.region}`,
    );
}

/** A trust policy must name one repository and one branch or environment. */
function oidcSubjectIsScoped({ blueprint }: RuleInput, add: Add): void {
  const ci = blueprint.ciOidc;
  if (!ci) return;
  const { provider, repository, ref, environment } = ci;
  const who = repository.trim() ? repository : 'the repository';
  if (/[*?]/.test(repository))
    add(
      'ciOidc.repository',
      `'${repository}' contains a wildcard, which would let every matching repository deploy`,
      'name exactly one repository, e.g. acme/infrastructure',
    );
  else if (repository.trim() === '') {
    // reported by the schema
  } else if (provider === 'gitlab') {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/.test(repository))
      add(
        'ciOidc.repository',
        `'${repository}' is not a GitLab project path`,
        'write it as group/project or group/subgroup/project',
      );
  } else if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/.test(repository))
    add(
      'ciOidc.repository',
      `'${repository}' is not of the form owner/repo`,
      'write it as owner/repo, e.g. acme/infrastructure',
    );
  if (ref === undefined && environment === undefined)
    add(
      'ciOidc.ref',
      `neither ref nor environment is set; a trust policy without one would let any branch or tag of ${who} deploy`,
      `add \`ref: refs/heads/main\`${provider === 'gitlab' ? '' : ', or `environment: production`'}`,
    );
  else if (ref !== undefined && environment !== undefined)
    add(
      'ciOidc.environment',
      "is set together with ref; the token's subject carries one or the other, so the role could never be assumed",
      'keep only one of ref and environment',
    );
  if (ref !== undefined && /[*?]/.test(ref))
    add(
      'ciOidc.ref',
      `'${ref}' contains a wildcard, which would let any matching branch of ${who} deploy`,
      'name one branch or tag, e.g. refs/heads/main',
    );
  if (environment === undefined || environment.trim() === '') {
    // nothing more to check
  } else if (provider === 'gitlab')
    add(
      'ciOidc.environment',
      "cannot be used with GitLab: GitLab's token subject has no environment, so the role could not be scoped by it",
      'use `ref: refs/heads/<branch>` instead',
    );
  else if (/[*?]/.test(environment))
    add(
      'ciOidc.environment',
      `'${environment}' contains a wildcard, which would let any matching environment of ${who} deploy`,
      'name exactly one environment, e.g. production',
    );
  else if (environment.length > 255)
    add(
      'ciOidc.environment',
      `is ${environment.length} characters; GitHub environment names are at most 255`,
      'shorten it',
    );
  if (ci.url !== undefined && provider === 'github')
    add(
      'ciOidc.url',
      "only applies to GitLab; GitHub's issuer is always https://token.actions.githubusercontent.com",
      'remove url',
    );
}

function customNamesUnique({ blueprint, incomplete }: RuleInput, add: Add): void {
  if (incomplete.has('guardrails.custom')) return;
  const names = new Map<string, string>();
  (blueprint.guardrails?.custom ?? []).forEach(({ name }, i) => {
    const path = `guardrails.custom[${i}]`;
    const other = names.get(name.toLowerCase());
    if (other !== undefined)
      add(`${path}.name`, `'${name}' is used by ${other} too`, 'give every custom guardrail its own name');
    else if (name.trim() !== '') names.set(name.toLowerCase(), path);
  });
}

function acrossSections({ blueprint }: RuleInput, add: Add): void {
  const { guardrails, stateBackend, organizationTrail, terraform, organization } = blueprint;
  if (
    stateBackend &&
    organizationTrail &&
    stateBackend.bucket.trim() !== '' &&
    stateBackend.bucket === organizationTrail.bucket
  )
    add(
      'organizationTrail.bucket',
      `'${organizationTrail.bucket}' is also stateBackend.bucket; the trail's bucket policy and lifecycle differ from the state bucket's`,
      'use a separate bucket, e.g. <org>-org-trail',
    );
  if (organizationTrail && !organization.trustedServices.includes('cloudtrail.amazonaws.com'))
    add(
      'organization.trustedServices',
      'does not include cloudtrail.amazonaws.com, which an organization trail needs',
      'add cloudtrail.amazonaws.com to organization.trustedServices',
    );
  if (terraform && !stateBackend)
    add(
      'terraform',
      'needs a stateBackend: its state is migrated into that bucket',
      'add a stateBackend section, or remove terraform',
    );
  const anyGuardrail = Object.values(guardrails ?? {}).some(
    (g) => g !== undefined && (!Array.isArray(g) || g.length > 0),
  );
  if (anyGuardrail && !organization.policyTypes.includes('SERVICE_CONTROL_POLICY'))
    add(
      'organization.policyTypes',
      'does not include SERVICE_CONTROL_POLICY, which guardrails need',
      'add SERVICE_CONTROL_POLICY to organization.policyTypes',
    );
}

function scpsPerTarget({ blueprint, incomplete }: RuleInput, add: Add): void {
  const attachments = new Map<string, string[]>();
  for (const { path, targets } of guardrailTargets(blueprint.guardrails, incomplete))
    for (const target of new Set(targets))
      attachments.set(target, [...(attachments.get(target) ?? []), `${path}.targets[${targets.indexOf(target)}]`]);
  const maxOwn = SCP_MAX_PER_TARGET - 1;
  for (const [target, paths] of attachments) {
    if (paths.length <= maxOwn) continue;
    add(
      paths[maxOwn] ?? 'guardrails',
      `target '${target}' would carry ${paths.length + 1} SCPs (${paths.length} guardrails plus FullAWSAccess); AWS allows ${SCP_MAX_PER_TARGET} per target`,
      'attach some guardrails to a parent OU instead, or merge custom policies into one document',
    );
  }
}

/** The generated documents that grow with the blueprint's lists (denyRegions.allow, requireMfa.actions). */
function scpSizesAfterMinification({ blueprint }: RuleInput, add: Add): void {
  const { denyRegions, requireMfa } = blueprint.guardrails ?? {};
  const grown = [
    denyRegions && {
      path: 'guardrails.denyRegions.allow',
      name: 'awsorg-deny-regions',
      doc: denyRegionsDocument(denyRegions.allow),
      fix: 'allow fewer Regions',
    },
    requireMfa && {
      path: 'guardrails.requireMfa.actions',
      name: 'awsorg-require-mfa',
      doc: requireMfaDocument(requireMfa.actions),
      fix: 'use wildcards such as iam:Delete* instead of listing every action',
    },
  ];
  for (const policy of grown) {
    const size = policy ? minifyPolicy(policy.doc).length : 0;
    if (policy && size > SCP_MAX_CHARS)
      add(
        policy.path,
        `makes the SCP ${policy.name} ${size} characters once minified; AWS allows ${SCP_MAX_CHARS}`,
        policy.fix,
      );
  }
}

/**
 * awsorg creates the state bucket and the trail bucket in the blueprint's region, in the account
 * each names. If a Region lock covers that account and leaves the region out, bootstrap itself
 * would be denied halfway through.
 */
function regionLockCoversWork({ blueprint }: RuleInput, add: Add): undefined {
  const lock = blueprint.guardrails?.denyRegions;
  if (!lock || lock.allow.includes(blueprint.region) || !isRegion(blueprint.region)) return;
  const work: Array<[string | undefined, string]> = [
    [blueprint.stateBackend?.account, 'the state bucket'],
    [blueprint.organizationTrail?.account, "the organization trail's bucket"],
  ];
  for (const [accountName, what] of work) {
    const account = blueprint.accounts.find((a) => a.name === accountName);
    const coveredBy =
      account &&
      lock.targets.find(
        (t) => t === ROOT_TARGET || t === account.name || account.ou === t || account.ou.startsWith(`${t}/`),
      );
    if (!account || coveredBy === undefined) continue;
    return add(
      'guardrails.denyRegions.allow',
      `leaves out ${blueprint.region}, where awsorg creates ${what} in account '${account.name}', which the Region lock covers through target '${coveredBy}'`,
      `add ${blueprint.region} to guardrails.denyRegions.allow`,
    );
  }
}

/** Checks a policy document read from a file: parsed JSON, the shape IAM expects, and its size. */
export function checkPolicyDocument(
  add: Add,
  path: string,
  file: string,
  document: unknown,
  maxChars: number,
  what: string,
): undefined {
  if (document instanceof Error) {
    const fix = 'fix' in document && typeof document.fix === 'string' ? document.fix : '';
    return add(
      path,
      `${file} ${document.message}`,
      fix || 'point it at a readable JSON policy document, relative to the blueprint',
    );
  }
  if (document === undefined)
    return add(path, `${file} was not read`, 'load the blueprint from its file so the policy can be read');
  if (!isPlainObject(document))
    return add(
      path,
      `${file} holds ${kindOf(document)}, not a policy document`,
      'write a JSON object with "Version": "2012-10-17" and a "Statement" list',
    );
  if (document.Version !== undefined && document.Version !== '2012-10-17')
    add(path, `${file} has Version ${JSON.stringify(document.Version)}`, 'set "Version": "2012-10-17"');
  const statements = Array.isArray(document.Statement)
    ? document.Statement
    : document.Statement === undefined
      ? []
      : [document.Statement];
  if (statements.length === 0)
    add(path, `${file} has no Statement`, 'add a "Statement" list with at least one statement');
  statements.forEach((statement, i) => {
    const effect = isPlainObject(statement) ? statement.Effect : undefined;
    if (effect !== 'Allow' && effect !== 'Deny')
      add(path, `${file}: Statement[${i}] has Effect ${JSON.stringify(effect)}`, 'set "Effect" to "Deny" (or "Allow")');
  });
  const size = minifyPolicy(document).length;
  if (size > maxChars)
    add(
      path,
      `${file} is ${size} characters once minified; ${what} may be at most ${maxChars}`,
      'split it into two policies or shorten it (wildcards, fewer statements)',
    );
}
