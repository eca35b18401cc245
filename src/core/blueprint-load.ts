/**
 * Reads and validates the blueprint. Validation is pure and collects every problem at once, so
 * an operator fixes the file in one pass; only `loadBlueprint` touches the file system.
 *
 * AWS (and moto in tests) accepts many of these mistakes, or fails only halfway through a
 * bootstrap (an invalid email fails CreateAccount minutes later), so everything that can be
 * checked offline is checked here, before any AWS call.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import {
  MANAGEMENT_ACCOUNT,
  ROOT_TARGET,
  type Blueprint,
  type BlueprintAccount,
  type CiOidc,
  type Guardrails,
  type LoadedBlueprint,
  type LockKind,
  type OrganizationTrail,
  type PolicyType,
  type StateBackend,
  type TerraformSettings,
} from './blueprint.js';
import { UsageError, ValidationError, type ValidationIssue } from './errors.js';
import { REGIONS, isRegion, partitionOf } from './regions.js';
import { closest } from './suggest.js';
import {
  SCP_MAX_CHARS,
  SCP_MAX_PER_TARGET,
  customPolicyName,
  guardrailPolicies,
  minifyPolicy,
} from '../steps/guardrail-policies.js';

export interface ValidateOptions {
  /** Custom guardrail name -> parsed policy document, or the Error met reading/parsing its file. */
  customPolicies?: Record<string, unknown>;
  /** The parsed `ciOidc.inlinePolicy` document, or the Error met reading/parsing it. */
  deployInlinePolicy?: unknown;
  /**
   * Refuse the presets' placeholders (emails at example.com and other reserved domains, names
   * with `change-me`). Every real run refuses them; a rehearsal, or an explicit
   * `--allow-placeholders` against an emulator, does not.
   */
  refusePlaceholders?: boolean;
}

export interface ValidationResult {
  /** Present only when there are no issues; optional fields carry their defaults. */
  blueprint?: Blueprint;
  issues: ValidationIssue[];
}

/** A field problem without its path, for callers (the wizard) that validate one input at a time. */
export interface FieldProblem {
  message: string;
  fix: string;
}

export const DEFAULT_NONCURRENT_VERSION_DAYS = 90;
export const DEFAULT_GITLAB_URL = 'https://gitlab.com';
/** IAM's limit on the inline policies of one role, whitespace excluded. */
const INLINE_ROLE_POLICY_MAX_CHARS = 10_240;
/** AWS Organizations allows OUs five levels deep below the root. */
const MAX_OU_DEPTH = 5;
/** SCP names are at most 128 characters and ours carry the `awsorg-custom-` prefix. */
const MAX_CUSTOM_NAME = 128 - customPolicyName('').length;

const POLICY_TYPES: Record<PolicyType, true> = {
  SERVICE_CONTROL_POLICY: true,
  TAG_POLICY: true,
  BACKUP_POLICY: true,
  AISERVICES_OPT_OUT_POLICY: true,
  RESOURCE_CONTROL_POLICY: true,
  DECLARATIVE_POLICY_EC2: true,
  CHATBOT_POLICY: true,
};
const LOCK_KINDS: readonly LockKind[] = ['dynamodb', 'lockfile', 'both'];
const TOOLS: readonly TerraformSettings['tool'][] = ['auto', 'terraform', 'tofu'];
const PROVIDERS: readonly CiOidc['provider'][] = ['github', 'gitlab'];

const FIELDS = {
  blueprint: [
    'version',
    'region',
    'organization',
    'organizationalUnits',
    'accounts',
    'guardrails',
    'stateBackend',
    'ciOidc',
    'organizationTrail',
    'terraform',
  ],
  organization: ['trustedServices', 'policyTypes'],
  account: ['name', 'email', 'ou', 'tags'],
  guardrails: ['denyRegions', 'denyRoot', 'requireMfa', 'denyLeaveOrganization', 'custom'],
  denyRegions: ['allow', 'targets'],
  targetsOnly: ['targets'],
  requireMfa: ['actions', 'targets'],
  custom: ['name', 'file', 'targets'],
  stateBackend: ['account', 'bucket', 'lock', 'table', 'encryption', 'enforceTls', 'noncurrentVersionDays'],
  ciOidc: ['provider', 'repository', 'ref', 'environment', 'roleName', 'policyArns', 'inlinePolicy', 'url', 'account'],
  organizationTrail: ['name', 'bucket', 'account'],
  terraform: ['dir', 'key', 'tool', 'handoff'],
} as const;

// ---------------------------------------------------------------------------------------------
// Entry points

/** Parses YAML text. Syntax errors throw a ValidationError whose paths give line and column. */
export function parseBlueprintText(text: string, source: string): unknown {
  return parseWithPositions(text, source).value;
}

export function validateBlueprint(raw: unknown, opts: ValidateOptions = {}): ValidationResult {
  const issues = new Issues();
  const blueprint = checkBlueprint(issues, raw, opts);
  return blueprint && issues.list.length === 0 ? { blueprint, issues: [] } : { issues: issues.list };
}

export interface LoadOptions {
  /**
   * Let policy files resolve outside the blueprint's directory. Off by default, so a blueprint
   * from a pull request cannot make a CI plan read (and report on) any file the runner can read.
   */
  allowOutsideFiles?: boolean;
  /**
   * The directory the blueprint's relative paths start from, when it is not the file's own: a
   * rehearsal keeps its copy of the blueprint in its workspace, and resolves its paths where
   * the operator works.
   */
  baseDir?: string;
  /** Accept placeholder values (a rehearsal, or --allow-placeholders against an emulator); refused by default. */
  allowPlaceholders?: boolean;
}

/**
 * Reads a blueprint file and the files it names (custom SCPs, the deploy role's inline policy)
 * relative to its directory. Throws ValidationError listing every problem, before any AWS call.
 */
export async function loadBlueprint(file: string, opts: LoadOptions = {}): Promise<LoadedBlueprint> {
  const path = resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new UsageError(
      `Cannot read the blueprint ${path}: ${errorText(error)}`,
      'Pass an existing YAML file with --config.',
    );
  }
  const text = decodeUtf8(bytes, (bad) => {
    throw new ValidationError(path, [
      {
        path: `line ${bad.line}, column ${bad.column}`,
        message: bad.message,
        fix: `save the file as UTF-8 (for example: iconv -f latin1 -t utf-8 ${path} > fixed.yaml)`,
      },
    ]);
  });
  const { value: raw, document, lineCounter } = parseWithPositions(text, path);
  const baseDir = opts.baseDir ?? dirname(path);

  // Files are read before validation so a missing file is reported with every other problem.
  const allowOutside = opts.allowOutsideFiles ?? false;
  const customPolicies: Record<string, unknown> = {};
  for (const { name, file: policyFile } of referencedCustomPolicies(raw)) {
    customPolicies[name] = await readPolicyFile(baseDir, policyFile, allowOutside);
  }
  const inlinePolicyFile = referencedInlinePolicy(raw);
  const deployInlinePolicy =
    inlinePolicyFile === undefined ? undefined : await readPolicyFile(baseDir, inlinePolicyFile, allowOutside);

  const result = validateBlueprint(raw, {
    customPolicies,
    deployInlinePolicy,
    refusePlaceholders: !opts.allowPlaceholders,
  });
  if (!result.blueprint) {
    throw new ValidationError(
      path,
      result.issues.map((issue) => withLine(issue, document, lineCounter)),
    );
  }
  return {
    blueprint: result.blueprint,
    file: path,
    baseDir,
    customPolicies: Object.fromEntries(
      (result.blueprint.guardrails?.custom ?? []).map((c) => [c.name, customPolicies[c.name]]),
    ),
    deployInlinePolicy,
  };
}

/**
 * A LoadedBlueprint for a blueprint that has no file (a preset, or one built in the wizard).
 * Nothing is read from disk, so custom guardrails and an inline deploy policy are refused.
 */
export function loadedFromBlueprint(
  blueprint: Blueprint,
  baseDir: string,
  source = 'the blueprint',
  opts: Pick<LoadOptions, 'allowPlaceholders'> = {},
): LoadedBlueprint {
  // No customPolicies: the documents cannot exist, and the issues below say why once.
  const result = validateBlueprint(blueprint, { refusePlaceholders: !opts.allowPlaceholders });
  const issues = [...result.issues];
  (blueprint.guardrails?.custom ?? []).forEach((_, i) =>
    issues.push({
      path: `guardrails.custom[${i}]`,
      message: 'needs a policy file, and a blueprint that was not loaded from a file cannot name one',
      fix: 'write the blueprint to a YAML file next to the policy file and pass it with --config',
    }),
  );
  if (blueprint.ciOidc?.inlinePolicy !== undefined) {
    issues.push({
      path: 'ciOidc.inlinePolicy',
      message: 'names a file, and a blueprint that was not loaded from a file cannot name one',
      fix: 'write the blueprint to a YAML file next to the policy file and pass it with --config',
    });
  }
  if (issues.length > 0 || !result.blueprint) throw new ValidationError(source, issues);
  return { blueprint: result.blueprint, file: undefined, baseDir, customPolicies: {}, deployInlinePolicy: undefined };
}

// ---------------------------------------------------------------------------------------------
// Control characters

/**
 * C0 and C1 controls (ESC, BEL, newline, tab, backspace, CSI...), and the bidirectional overrides
 * and isolates that reorder what a terminal shows. No blueprint value needs one; in a name they
 * reach AWS (which stores an OU name as given) and, from there, every operator's terminal.
 */
const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const TERMINAL_CONTROLS = new RegExp(TERMINAL_CONTROL.source, 'g');

/** `text` with every control character written out visibly: `\x1b`, `\n`, `\u202e`. */
export function visibleText(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Reports every text in the document (values and field names) that holds a control character. */
function checkControlCharacters(issues: Issues, value: unknown, path: string): void {
  if (typeof value === 'string') {
    const match = TERMINAL_CONTROL.exec(value);
    if (!match) return;
    const count = value.match(TERMINAL_CONTROLS)?.length ?? 1;
    const plain = value.replace(TERMINAL_CONTROLS, '');
    issues.add(
      path || '(document)',
      `'${value}' contains control character ${visibleText(match[0])} at character ${match.index + 1}${count > 1 ? ` (and ${count - 1} more)` : ''}; AWS would store it and terminals would act on it`,
      plain.trim() === ''
        ? 'write plain text without control characters'
        : `remove ${count > 1 ? 'them' : 'it'}, e.g. '${plain}'`,
    );
    return;
  }
  if (Array.isArray(value)) value.forEach((item, i) => checkControlCharacters(issues, item, `${path}[${i}]`));
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (TERMINAL_CONTROL.test(key))
        issues.add(at(path, key), 'is a field name with a control character', 'retype the field name');
      else checkControlCharacters(issues, item, at(path, key));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Placeholders

/**
 * Domains reserved for documentation and tests (RFC 2606, RFC 6761): no mail is ever delivered
 * there, so an account created with such an address has a root user nobody can recover.
 */
const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(com|net|org)|[^.]+\.(example|test|invalid|localhost))$/i;
const PLACEHOLDER_NAME = /change-?me/i;

/** Why `value` (at a field whose path ends in `field`) is a placeholder, or undefined. */
export function placeholderProblem(value: string, field: string): FieldProblem | undefined {
  if (PLACEHOLDER_NAME.test(value)) {
    return {
      message: `'${visibleText(value)}' is a placeholder (it says change-me)`,
      fix: `replace it with a name of your own${/bucket$/i.test(field) ? ' (bucket names are global: add your organization, e.g. acme-tfstate)' : ''}`,
    };
  }
  const domain = /^email$/i.test(field) ? value.slice(value.lastIndexOf('@') + 1) : '';
  if (domain && PLACEHOLDER_DOMAIN.test(domain)) {
    return {
      message: `'${visibleText(value)}' is a placeholder: ${domain} is reserved for examples and receives no mail, so nobody could recover the account's root user`,
      fix: `use a mailbox you own, e.g. ${visibleText(value.slice(0, value.lastIndexOf('@')))}@your-company.com`,
    };
  }
  return undefined;
}

/** Every placeholder value in the document, by path. */
export function findPlaceholders(value: unknown, path = ''): Array<{ path: string; problem: FieldProblem }> {
  if (typeof value === 'string') {
    const field = /(?:^|\.)([^.[\]]+)$/.exec(path)?.[1] ?? '';
    const problem = placeholderProblem(value, field);
    return problem ? [{ path, problem }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findPlaceholders(item, `${path}[${i}]`));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([key, item]) => findPlaceholders(item, at(path, key)));
  return [];
}

/** Reports every placeholder value in the document, by path; the first one also says where they are accepted. */
function checkPlaceholders(issues: Issues, value: unknown): void {
  findPlaceholders(value).forEach(({ path, problem }, i) =>
    issues.add(
      path,
      problem.message,
      i > 0
        ? problem.fix
        : `${problem.fix} (they are accepted only against an emulator: in a rehearsal, \`awsorg bootstrap --rehearse\`, or with --allow-placeholders)`,
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Single-field rules, exported for the wizard's inputs

export function emailProblem(email: string): FieldProblem | undefined {
  const fix = 'use an address like name+account@example.com';
  if (/\s/.test(email)) return { message: `'${visibleText(email)}' contains whitespace`, fix };
  if (email.length < 6 || email.length > 64) {
    return { message: `'${visibleText(email)}' is ${email.length} characters; AWS accepts 6 to 64`, fix };
  }
  const at = email.split('@');
  if (at.length !== 2)
    return { message: `'${visibleText(email)}' must contain exactly one '@', found ${at.length - 1}`, fix };
  const [local = '', domain = ''] = at;
  if (local === '') return { message: `'${visibleText(email)}' has nothing before the '@'`, fix };
  if (!domain.includes('.'))
    return { message: `'${visibleText(email)}' has no dot in its domain`, fix: 'use an address like name@example.com' };
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    return { message: `'${visibleText(email)}' has an empty label in its domain '${domain}'`, fix };
  }
  return undefined;
}

export function accountNameProblem(name: string): FieldProblem | undefined {
  if (name.length < 1 || name.length > 50) {
    return {
      message: `'${visibleText(name)}' is ${name.length} characters; account names are 1 to 50`,
      fix: 'shorten the name',
    };
  }
  if (!/^[\x20-\x7E]+$/.test(name)) {
    return {
      message: `'${visibleText(name)}' contains characters outside printable ASCII`,
      fix: 'use letters, digits, spaces and ASCII punctuation only',
    };
  }
  return undefined;
}

/** The S3 general purpose bucket naming rules, including the reserved prefixes and suffixes. */
export function bucketNameProblem(bucket: string): FieldProblem | undefined {
  const fault = bucketNameFault(bucket);
  if (!fault) return undefined;
  // Only a name that passes these same rules is ever suggested.
  const suggestion = bucketNameSuggestion(bucket);
  const fix =
    suggestion === undefined
      ? (fault.fix ?? 'use 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit')
      : fault.fix
        ? `${fault.fix}, e.g. '${suggestion}'`
        : `use a name like '${suggestion}'`;
  return { message: fault.message, fix };
}

const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

function bucketNameFault(bucket: string): { message: string; fix?: string } | undefined {
  if (bucket.length < 3 || bucket.length > 63)
    return { message: `'${visibleText(bucket)}' is ${bucket.length} characters; bucket names are 3 to 63` };
  if (/[A-Z]/.test(bucket)) return { message: `'${visibleText(bucket)}' contains uppercase letters` };
  if (bucket.includes('_')) return { message: `'${visibleText(bucket)}' contains an underscore` };
  if (!/^[a-z0-9.-]+$/.test(bucket))
    return {
      message: `'${visibleText(bucket)}' contains characters other than lowercase letters, digits, '.' and '-'`,
    };
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket))
    return { message: `'${visibleText(bucket)}' must start and end with a letter or digit` };
  if (bucket.includes('..')) return { message: `'${visibleText(bucket)}' contains two adjacent periods` };
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket))
    return {
      message: `'${visibleText(bucket)}' is formatted as an IP address`,
      fix: 'use a name made of words, e.g. acme-tfstate',
    };
  for (const prefix of RESERVED_BUCKET_PREFIXES) {
    if (bucket.startsWith(prefix))
      return {
        message: `'${visibleText(bucket)}' starts with '${prefix}', a prefix S3 reserves`,
        fix: `drop the '${prefix}' prefix`,
      };
  }
  for (const suffix of RESERVED_BUCKET_SUFFIXES) {
    if (bucket.endsWith(suffix))
      return {
        message: `'${visibleText(bucket)}' ends with '${suffix}', a suffix S3 reserves`,
        fix: `drop the '${suffix}' suffix`,
      };
  }
  return undefined;
}

/**
 * A valid bucket name close to `bucket`, or undefined when none can be made from it: lowercased,
 * other characters as '-', runs of periods (and hyphens next to a period) as one period, reserved
 * prefixes and suffixes dropped, the ends trimmed to a letter or digit, at most 63 characters.
 * An IP-address shape gets no suggestion: a name of words is the fix.
 */
export function bucketNameSuggestion(bucket: string): string | undefined {
  let name = bucket
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/[.-]*\.[.-]*/g, '.');
  for (let previous = ''; previous !== name; ) {
    previous = name;
    name = name.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
    for (const prefix of RESERVED_BUCKET_PREFIXES) if (name.startsWith(prefix)) name = name.slice(prefix.length);
    for (const suffix of RESERVED_BUCKET_SUFFIXES) if (name.endsWith(suffix)) name = name.slice(0, -suffix.length);
    if (name.length > 63) name = name.slice(0, 63);
  }
  return name !== bucket && bucketNameFault(name) === undefined ? name : undefined;
}

// ---------------------------------------------------------------------------------------------
// The blueprint

function checkBlueprint(issues: Issues, raw: unknown, opts: ValidateOptions): Blueprint | undefined {
  if (raw === undefined || raw === null) {
    issues.add(
      '(document)',
      'is empty',
      'write a blueprint with at least `version: 1` and `region:`, or start from a preset (standard, three-accounts, regulated)',
    );
    return undefined;
  }
  const root = Section.of(issues, raw, '', 'the blueprint', FIELDS.blueprint);
  if (!root) return undefined;
  checkControlCharacters(issues, raw, '');
  if (opts.refusePlaceholders) checkPlaceholders(issues, raw);

  if (root.value('version') === undefined)
    issues.add('version', 'is missing', 'add `version: 1` at the top of the file');
  else if (root.value('version') !== 1) {
    issues.add(
      'version',
      `is ${kindOf(root.value('version'))}; this awsorg reads blueprint version 1 only`,
      'set `version: 1`',
    );
  }

  const region = root.string('region', { required: 'us-east-1' });
  if (region !== undefined) checkRegion(issues, region, 'region');

  const organization = checkOrganization(root);
  const ous = checkOrganizationalUnits(root);
  const ouPaths = ous.known.map((e) => e.value);
  const accounts = checkAccounts(root, ous.complete ? ouPaths : undefined);
  const refs = new References(
    ous.complete ? ouPaths : undefined,
    accounts.complete ? accounts.known.map((a) => a.name) : undefined,
  );

  const guardrails = root.has('guardrails') ? checkGuardrails(root, refs, region, opts) : undefined;
  const stateBackend = root.has('stateBackend') ? checkStateBackend(root, refs, region) : undefined;
  const ciOidc = root.has('ciOidc') ? checkCiOidc(root, refs, opts) : undefined;
  const organizationTrail = root.has('organizationTrail') ? checkOrganizationTrail(root, refs) : undefined;
  const terraform = root.has('terraform') ? checkTerraform(root) : undefined;

  const blueprint: Blueprint = {
    version: 1,
    region: region ?? '',
    organization,
    organizationalUnits: ouPaths,
    accounts: accounts.known,
    ...(guardrails && { guardrails }),
    ...(stateBackend && { stateBackend }),
    ...(ciOidc && { ciOidc }),
    ...(organizationTrail && { organizationTrail }),
    ...(terraform && { terraform }),
  };
  checkAcrossSections(issues, blueprint);
  return blueprint;
}

function checkRegion(issues: Issues, region: string, path: string): void {
  if (isRegion(region)) return;
  const guess = closest(region, REGIONS);
  issues.add(
    path,
    `'${region}' is not an AWS Region`,
    guess ? `did you mean '${guess}'?` : 'use a Region name such as us-east-1 or eu-west-1',
  );
}

function checkOrganization(root: Section): Blueprint['organization'] {
  const organization = root.section('organization', FIELDS.organization);
  const trustedServices = organization?.stringList('trustedServices', { unique: true }) ?? [];
  for (const { value, path } of trustedServices) {
    if (!/^[a-z0-9][a-z0-9.-]*\.amazonaws\.com$/.test(value)) {
      root.issues.add(
        path,
        `'${value}' is not an AWS service principal`,
        'use a service principal such as cloudtrail.amazonaws.com or sso.amazonaws.com',
      );
    }
  }
  const policyTypes = organization?.stringList('policyTypes', { unique: true }) ?? [];
  for (const { value, path } of policyTypes) {
    if (!(value in POLICY_TYPES)) {
      const guess = closest(value, Object.keys(POLICY_TYPES));
      root.issues.add(
        path,
        `'${value}' is not a policy type`,
        guess ? `did you mean '${guess}'?` : `use one of ${Object.keys(POLICY_TYPES).join(', ')}`,
      );
    }
  }
  return {
    trustedServices: trustedServices.map((e) => e.value),
    policyTypes: policyTypes.map((e) => e.value as PolicyType),
  };
}

/**
 * What a list section yielded: the entries that could be read, and whether that is all of them.
 * When a list is malformed, references into it are not checked, so one mistake is reported once
 * rather than once per reference.
 */
interface ReadList<T> {
  known: T[];
  complete: boolean;
}

function checkOrganizationalUnits(root: Section): ReadList<Entry<string>> {
  const raw = root.value('organizationalUnits');
  const entries = root.stringList('organizationalUnits') ?? [];
  const complete = !root.has('organizationalUnits') || (Array.isArray(raw) && raw.length === entries.length);
  const issues = root.issues;
  const seen = new Map<string, string>();
  const listed = new Set(entries.map((e) => e.value));
  for (const { value, path } of entries) {
    const segments = value.split('/');
    if (segments[0] === ROOT_TARGET) {
      issues.add(
        path,
        `'${value}' names the root, which always exists`,
        `list paths below the root, e.g. '${segments.slice(1).join('/') || 'Workloads'}'`,
      );
      continue;
    }
    if (segments.some((s) => s === '')) {
      issues.add(
        path,
        `'${value}' has an empty segment (a leading, trailing or double '/')`,
        `write it as '${segments.filter(Boolean).join('/')}'`,
      );
      continue;
    }
    if (segments.length > MAX_OU_DEPTH) {
      issues.add(
        path,
        `'${value}' is ${segments.length} levels deep; AWS Organizations allows at most ${MAX_OU_DEPTH} levels of OUs below the root`,
        'flatten the hierarchy',
      );
    }
    const long = segments.find((s) => s.length > 128);
    if (long)
      issues.add(
        path,
        `the OU name '${long.slice(0, 20)}...' is ${long.length} characters; OU names are 1 to 128`,
        'shorten the OU name',
      );
    const padded = segments.find((s) => s.trim() !== s);
    if (padded !== undefined)
      issues.add(
        path,
        `the OU name '${padded}' starts or ends with whitespace`,
        `write it as '${segments.map((s) => s.trim()).join('/')}'`,
      );

    const key = value.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      issues.add(
        path,
        earlier === value ? `'${value}' is listed twice` : `'${value}' differs from '${earlier}' only in case`,
        'list each OU path once',
      );
    } else seen.set(key, value);

    const parent = segments.slice(0, -1).join('/');
    if (parent !== '' && !listed.has(parent)) {
      issues.add(
        path,
        `'${value}' needs its parent OU '${parent}', which is not listed`,
        `add '${parent}' to organizationalUnits`,
      );
    }
  }
  return { known: entries, complete };
}

/** `ouPaths` is undefined when organizationalUnits could not be read in full. */
function checkAccounts(root: Section, ouPaths: string[] | undefined): ReadList<BlueprintAccount> {
  const issues = root.issues;
  const accounts: BlueprintAccount[] = [];
  let complete = !root.has('accounts') || Array.isArray(root.value('accounts'));
  const names = new Map<string, string>();
  const emails = new Map<string, string>();
  for (const { value, path } of root.list('accounts') ?? []) {
    const account = Section.of(
      issues,
      value,
      path,
      'an account',
      FIELDS.account,
      '{ name: production, email: aws+production@example.com, ou: Workloads }',
    );
    if (!account) {
      complete = false;
      continue;
    }
    const name = account.string('name', { required: 'production' });
    if (name === undefined) complete = false;
    const email = account.string('email', { required: 'aws+production@example.com' });
    const ou = account.string('ou', { required: 'Workloads' });
    if (name !== undefined) {
      report(issues, account.at('name'), accountNameProblem(name));
      const lower = name.toLowerCase();
      if (lower === MANAGEMENT_ACCOUNT) {
        issues.add(
          account.at('name'),
          `'${name}' is reserved: it means the management account, which awsorg never creates`,
          'leave the management account out of accounts, or pick another name',
        );
      } else if (lower === ROOT_TARGET.toLowerCase()) {
        issues.add(
          account.at('name'),
          `'${name}' is reserved: guardrail targets use it for the organization root`,
          'pick another name',
        );
      } else if (ouPaths?.includes(name)) {
        issues.add(
          account.at('name'),
          `'${name}' is also an OU path, so a guardrail target '${name}' would be ambiguous`,
          'rename the account or the OU',
        );
      }
      const other = names.get(lower);
      if (other !== undefined)
        issues.add(
          account.at('name'),
          `'${name}' is used by ${other} too (names are compared case-insensitively)`,
          'give every account its own name',
        );
      else names.set(lower, path);
    }
    if (email !== undefined) {
      report(issues, account.at('email'), emailProblem(email));
      const other = emails.get(email.toLowerCase());
      if (other !== undefined) {
        issues.add(
          account.at('email'),
          `'${email}' is used by ${other} too; AWS needs a distinct email per account (compared case-insensitively)`,
          'give every account its own address, e.g. with a +tag: aws+name@example.com',
        );
      } else emails.set(email.toLowerCase(), name ? `${path} (name: ${visibleText(name)})` : path);
    }
    if (ou !== undefined && ou !== ROOT_TARGET && ouPaths && !ouPaths.includes(ou)) {
      const guess = closest(ou, [ROOT_TARGET, ...ouPaths]);
      issues.add(
        account.at('ou'),
        `'${ou}' is not listed in organizationalUnits`,
        guess
          ? `did you mean '${guess}'? Otherwise add '${ou}' to organizationalUnits`
          : `add '${ou}' to organizationalUnits, or use Root`,
      );
    }
    const tags = account.has('tags') ? checkAccountTags(issues, account.value('tags'), account.at('tags')) : undefined;
    accounts.push({ name: name ?? '', email: email ?? '', ou: ou ?? '', ...(tags ? { tags } : {}) });
  }
  return { known: accounts, complete };
}

/** Organizations allows 50 tags per account; awsorg sets one of its own. */
const MAX_ACCOUNT_TAGS = 49;
/** The characters AWS accepts in tag keys and values. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function checkAccountTags(issues: Issues, value: unknown, path: string): Record<string, string> | undefined {
  if (!isPlainObject(value)) {
    issues.add(
      path,
      `must be a mapping of tag keys to values, got ${kindOf(value)}`,
      'write it as tags: { environment: production }',
    );
    return undefined;
  }
  const tags: Record<string, string> = {};
  const entries = Object.entries(value);
  if (entries.length > MAX_ACCOUNT_TAGS)
    issues.add(
      path,
      `has ${entries.length} tags; an account takes at most ${MAX_ACCOUNT_TAGS} besides awsorg's own`,
      'keep the tags awsorg must set, and manage the others elsewhere',
    );
  for (const [key, tagValue] of entries) {
    const where = at(path, key);
    if (key.length < 1 || key.length > 128)
      issues.add(where, `is a tag key of ${key.length} characters; AWS accepts 1 to 128`, 'shorten the key');
    else if (/^aws:/i.test(key))
      issues.add(where, `is a tag key starting with 'aws:', which AWS reserves`, 'drop the aws: prefix');
    else if (/^awsorg:/i.test(key))
      issues.add(
        where,
        `is a tag key starting with 'awsorg:', which awsorg sets itself`,
        'use another key, e.g. environment',
      );
    else if (!TAG_TEXT.test(key))
      issues.add(where, `is a tag key with characters AWS refuses`, 'use letters, digits, spaces and _ . : / = + - @');
    if (typeof tagValue !== 'string') {
      issues.add(
        where,
        `must be text, got ${kindOf(tagValue)}`,
        typeof tagValue === 'number' || typeof tagValue === 'boolean'
          ? `quote it: ${key}: '${String(tagValue)}'`
          : `write a single value, e.g. ${key}: production`,
      );
      continue;
    }
    if (tagValue.length > 256)
      issues.add(
        where,
        `is a tag value of ${tagValue.length} characters; AWS accepts at most 256`,
        'shorten the value',
      );
    else if (!TAG_TEXT.test(tagValue))
      issues.add(
        where,
        `is a tag value with characters AWS refuses`,
        'use letters, digits, spaces and _ . : / = + - @',
      );
    tags[key] = tagValue;
  }
  return tags;
}

// ---------------------------------------------------------------------------------------------
// Guardrails

function checkGuardrails(
  root: Section,
  refs: References,
  region: string | undefined,
  opts: ValidateOptions,
): Guardrails | undefined {
  const section = root.section('guardrails', FIELDS.guardrails);
  if (!section) return undefined;
  const issues = root.issues;
  const guardrails: Guardrails = {};

  const denyRegions = section.section('denyRegions', FIELDS.denyRegions);
  if (denyRegions) {
    const allow = denyRegions.stringList('allow', { required: '[us-east-1, us-west-2]', unique: true }) ?? [];
    if (denyRegions.isEmptyList('allow')) {
      issues.add(
        denyRegions.at('allow'),
        'is empty, which would deny every regional service everywhere',
        'list the Regions your accounts may use, e.g. [us-east-1, us-west-2]',
      );
    }
    const home = region === undefined ? undefined : partitionOf(region);
    for (const { value, path } of allow) {
      if (!isRegion(value)) checkRegion(issues, value, path);
      else if (home && partitionOf(value) !== home) {
        issues.add(
          path,
          `'${value}' is in the ${partitionOf(value)} partition but the organization (region ${region}) is in ${home}; an SCP can never allow it`,
          `remove '${value}', or allow a Region of the ${home} partition`,
        );
      }
    }
    guardrails.denyRegions = { allow: allow.map((e) => e.value), targets: checkTargets(denyRegions, refs) };
  }
  for (const kind of ['denyRoot', 'denyLeaveOrganization'] as const) {
    const guardrail = section.section(kind, FIELDS.targetsOnly);
    if (guardrail) guardrails[kind] = { targets: checkTargets(guardrail, refs) };
  }
  const requireMfa = section.section('requireMfa', FIELDS.requireMfa);
  if (requireMfa) {
    const actions =
      requireMfa.stringList('actions', { required: '[iam:DeleteRole, iam:DeletePolicy]', unique: true }) ?? [];
    if (requireMfa.isEmptyList('actions')) {
      issues.add(
        requireMfa.at('actions'),
        'is empty, so the guardrail would deny nothing',
        'list the actions that need MFA, e.g. [iam:DeleteRole, iam:DeletePolicy]',
      );
    }
    for (const { value, path } of actions) {
      if (value !== '*' && !/^[a-z0-9-]+:[A-Za-z0-9*?]+$/.test(value)) {
        issues.add(
          path,
          `'${value}' is not an IAM action`,
          'write actions as service:Action, e.g. iam:DeleteRole or ec2:Terminate*',
        );
      }
    }
    guardrails.requireMfa = { actions: actions.map((e) => e.value), targets: checkTargets(requireMfa, refs) };
  }
  if (section.has('custom')) guardrails.custom = checkCustomGuardrails(section, refs, opts);
  return guardrails;
}

function checkCustomGuardrails(
  section: Section,
  refs: References,
  opts: ValidateOptions,
): NonNullable<Guardrails['custom']> {
  const issues = section.issues;
  const custom: NonNullable<Guardrails['custom']> = [];
  const names = new Map<string, string>();
  for (const { value, path } of section.list('custom') ?? []) {
    const entry = Section.of(
      issues,
      value,
      path,
      'a custom guardrail',
      FIELDS.custom,
      '{ name: deny-public-s3, file: policies/deny-public-s3.json, targets: [Workloads] }',
    );
    if (!entry) continue;
    const name = entry.string('name', { required: 'deny-public-s3' });
    const file = entry.string('file', { required: 'policies/deny-public-s3.json' });
    const targets = checkTargets(entry, refs);
    if (name !== undefined) {
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name) || name.length > MAX_CUSTOM_NAME) {
        issues.add(
          entry.at('name'),
          `'${name}' is not a usable guardrail name; it becomes the SCP name '${customPolicyName(name)}'`,
          `use up to ${MAX_CUSTOM_NAME} letters, digits, '-' and '_', starting with a letter or digit`,
        );
      }
      const other = names.get(name.toLowerCase());
      if (other !== undefined)
        issues.add(entry.at('name'), `'${name}' is used by ${other} too`, 'give every custom guardrail its own name');
      else names.set(name.toLowerCase(), path);
      if (file !== undefined && opts.customPolicies !== undefined) {
        checkPolicyDocument(issues, entry.at('file'), file, opts.customPolicies[name], SCP_MAX_CHARS, 'an SCP');
      }
    }
    custom.push({ name: name ?? '', file: file ?? '', targets });
  }
  return custom;
}

function checkTargets(guardrail: Section, refs: References): string[] {
  const targets = guardrail.stringList('targets', { required: '[Workloads]', unique: true }) ?? [];
  if (guardrail.isEmptyList('targets')) {
    guardrail.issues.add(
      guardrail.at('targets'),
      'is empty, so the guardrail would never be attached',
      'add Root, an OU path or an account name, or remove the guardrail',
    );
  }
  for (const { value, path } of targets) refs.checkTarget(guardrail.issues, value, path);
  return targets.map((e) => e.value);
}

/** Checks a policy document read from a file: parsed JSON, the shape IAM expects, and its size. */
function checkPolicyDocument(
  issues: Issues,
  path: string,
  file: string,
  document: unknown,
  maxChars: number,
  what: string,
): void {
  if (document instanceof Error) {
    issues.add(
      path,
      `${file} ${document.message}`,
      (document instanceof PolicyFileError && document.fix) ||
        'point it at a readable JSON policy document, relative to the blueprint',
    );
    return;
  }
  if (document === undefined) {
    issues.add(path, `${file} was not read`, 'load the blueprint from its file so the policy can be read');
    return;
  }
  if (!isPlainObject(document)) {
    issues.add(
      path,
      `${file} holds ${kindOf(document)}, not a policy document`,
      'write a JSON object with "Version": "2012-10-17" and a "Statement" list',
    );
    return;
  }
  if (document.Version !== undefined && document.Version !== '2012-10-17') {
    issues.add(path, `${file} has Version ${JSON.stringify(document.Version)}`, 'set "Version": "2012-10-17"');
  }
  const statements = Array.isArray(document.Statement)
    ? document.Statement
    : document.Statement === undefined
      ? []
      : [document.Statement];
  if (statements.length === 0) {
    issues.add(path, `${file} has no Statement`, 'add a "Statement" list with at least one statement');
  }
  statements.forEach((statement, i) => {
    const effect = isPlainObject(statement) ? statement.Effect : undefined;
    if (effect !== 'Allow' && effect !== 'Deny') {
      issues.add(
        path,
        `${file}: Statement[${i}] has Effect ${JSON.stringify(effect)}`,
        'set "Effect" to "Deny" (or "Allow")',
      );
    }
  });
  const size = minifyPolicy(document).length;
  if (size > maxChars) {
    issues.add(
      path,
      `${file} is ${size} characters once minified; ${what} may be at most ${maxChars}`,
      'split it into two policies or shorten it (wildcards, fewer statements)',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// State backend, CI OIDC, organization trail, Terraform

function checkStateBackend(root: Section, refs: References, region: string | undefined): StateBackend | undefined {
  const section = root.section('stateBackend', FIELDS.stateBackend);
  if (!section) return undefined;
  const issues = root.issues;
  const account = section.string('account') ?? MANAGEMENT_ACCOUNT;
  if (section.has('account')) refs.checkAccount(issues, account, section.at('account'));
  const bucket = section.string('bucket', { required: 'acme-tfstate-7f3a' });
  if (bucket !== undefined) report(issues, section.at('bucket'), bucketNameProblem(bucket));

  const lock = section.oneOf('lock', LOCK_KINDS, { required: true });
  const table = section.string('table');
  if ((lock === 'dynamodb' || lock === 'both') && !section.has('table')) {
    issues.add(
      section.at('table'),
      `is required when lock is ${lock}`,
      'add `table: <name>-tf-locks`, or set `lock: lockfile` (Terraform 1.11+, OpenTofu 1.10+)',
    );
  }
  if (lock === 'lockfile' && table !== undefined) {
    issues.add(
      section.at('table'),
      'is set but lock is lockfile, so the table would never be used',
      'remove table, or set `lock: both`',
    );
  }
  if (table !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(table)) {
    issues.add(
      section.at('table'),
      `'${table}' is not a DynamoDB table name`,
      'use 3-255 letters, digits, underscores, hyphens and periods',
    );
  }

  const encryption = section.string('encryption') ?? 'aws:kms';
  if (section.has('encryption')) checkEncryption(issues, encryption, section.at('encryption'), region);
  const enforceTls = section.boolean('enforceTls') ?? true;
  const noncurrentVersionDays = section.integer('noncurrentVersionDays', 1) ?? DEFAULT_NONCURRENT_VERSION_DAYS;
  return {
    account,
    bucket: bucket ?? '',
    lock: lock ?? 'dynamodb',
    ...(table !== undefined && { table }),
    encryption,
    enforceTls,
    noncurrentVersionDays,
  };
}

function checkEncryption(issues: Issues, encryption: string, path: string, region: string | undefined): void {
  if (encryption === 'aws:kms' || encryption === 'AES256') return;
  const arn = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key\/[A-Za-z0-9-]+|alias\/[A-Za-z0-9/_-]+)$/.exec(
    encryption,
  );
  if (!arn) {
    issues.add(
      path,
      `'${encryption}' is neither aws:kms, AES256 nor a KMS key ARN`,
      'use aws:kms (the AWS managed key), AES256, or arn:aws:kms:<region>:<account id>:key/<key id>',
    );
    return;
  }
  const keyRegion = arn[2] ?? '';
  if (region !== undefined && keyRegion !== region) {
    issues.add(
      path,
      `the KMS key is in ${keyRegion} but the state bucket is created in ${region}; S3 needs a key in the bucket's Region`,
      `use a key in ${region}`,
    );
  }
}

function checkCiOidc(root: Section, refs: References, opts: ValidateOptions): CiOidc | undefined {
  const section = root.section('ciOidc', FIELDS.ciOidc);
  if (!section) return undefined;
  const issues = root.issues;
  const provider = section.oneOf('provider', PROVIDERS, { required: true });
  const repository = section.string('repository', { required: 'acme/infrastructure' });
  if (repository !== undefined) checkRepository(issues, section.at('repository'), repository, provider);

  const ref = section.string('ref');
  const environment = section.string('environment');
  const who = repository ?? 'the repository';
  if (!section.has('ref') && !section.has('environment')) {
    issues.add(
      section.at('ref'),
      `neither ref nor environment is set; a trust policy without one would let any branch or tag of ${who} deploy`,
      'add `ref: refs/heads/main`' + (provider === 'gitlab' ? '' : ', or `environment: production`'),
    );
  } else if (section.has('ref') && section.has('environment')) {
    issues.add(
      section.at('environment'),
      "is set together with ref; the token's subject carries one or the other, so the role could never be assumed",
      'keep only one of ref and environment',
    );
  }
  if (ref !== undefined) {
    if (/[*?]/.test(ref)) {
      issues.add(
        section.at('ref'),
        `'${ref}' contains a wildcard, which would let any matching branch of ${who} deploy`,
        'name one branch or tag, e.g. refs/heads/main',
      );
    } else if (!/^refs\/(heads|tags)\/\S+$/.test(ref)) {
      issues.add(
        section.at('ref'),
        `'${ref}' is not a full branch or tag ref`,
        `write it as refs/heads/${ref.replace(/^refs\/[^/]*\/?/, '') || 'main'} (or refs/tags/<tag>)`,
      );
    }
  }
  if (environment !== undefined) {
    if (provider === 'gitlab') {
      issues.add(
        section.at('environment'),
        "cannot be used with GitLab: GitLab's token subject has no environment, so the role could not be scoped by it",
        'use `ref: refs/heads/<branch>` instead',
      );
    } else if (/[*?]/.test(environment)) {
      issues.add(
        section.at('environment'),
        `'${environment}' contains a wildcard, which would let any matching environment of ${who} deploy`,
        'name exactly one environment, e.g. production',
      );
    } else if (environment.length > 255) {
      issues.add(
        section.at('environment'),
        `is ${environment.length} characters; GitHub environment names are at most 255`,
        'shorten it',
      );
    }
  }

  const roleName = section.string('roleName', { required: 'github-deploy' });
  if (roleName !== undefined && !/^[\w+=,.@-]{1,64}$/.test(roleName)) {
    issues.add(
      section.at('roleName'),
      `'${roleName}' is not an IAM role name`,
      "use 1-64 letters, digits and '+=,.@_-', e.g. github-deploy",
    );
  }
  const policyArns = section.stringList('policyArns', { unique: true }) ?? [];
  for (const { value, path } of policyArns) {
    if (!/^arn:aws[a-z-]*:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/.test(value)) {
      issues.add(
        path,
        `'${value}' is not an IAM policy ARN`,
        'use an ARN like arn:aws:iam::aws:policy/ReadOnlyAccess or arn:aws:iam::123456789012:policy/deploy',
      );
    }
  }
  const inlinePolicy = section.string('inlinePolicy');
  if (inlinePolicy !== undefined && 'deployInlinePolicy' in opts) {
    checkPolicyDocument(
      issues,
      section.at('inlinePolicy'),
      inlinePolicy,
      opts.deployInlinePolicy,
      INLINE_ROLE_POLICY_MAX_CHARS,
      "a role's inline policy",
    );
  }
  let url = section.string('url');
  if (url !== undefined && provider === 'github') {
    issues.add(
      section.at('url'),
      "only applies to GitLab; GitHub's issuer is always https://token.actions.githubusercontent.com",
      'remove url',
    );
  } else if (url !== undefined) {
    checkGitLabUrl(issues, section.at('url'), url);
  } else if (provider === 'gitlab') url = DEFAULT_GITLAB_URL;
  const account = section.string('account') ?? MANAGEMENT_ACCOUNT;
  if (section.has('account')) refs.checkAccount(issues, account, section.at('account'));

  return {
    provider: provider ?? 'github',
    repository: repository ?? '',
    ...(ref !== undefined && { ref }),
    ...(environment !== undefined && { environment }),
    roleName: roleName ?? '',
    policyArns: policyArns.map((e) => e.value),
    ...(inlinePolicy !== undefined && { inlinePolicy }),
    ...(url !== undefined && { url }),
    account,
  };
}

function checkRepository(
  issues: Issues,
  path: string,
  repository: string,
  provider: CiOidc['provider'] | undefined,
): void {
  if (/[*?]/.test(repository)) {
    issues.add(
      path,
      `'${repository}' contains a wildcard, which would let every matching repository deploy`,
      'name exactly one repository, e.g. acme/infrastructure',
    );
  } else if (provider === 'gitlab') {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)+$/.test(repository)) {
      issues.add(
        path,
        `'${repository}' is not a GitLab project path`,
        'write it as group/project or group/subgroup/project',
      );
    }
  } else if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/.test(repository)) {
    issues.add(
      path,
      `'${repository}' is not of the form owner/repo`,
      'write it as owner/repo, e.g. acme/infrastructure',
    );
  }
}

function checkGitLabUrl(issues: Issues, path: string, url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.protocol !== 'https:') {
    issues.add(
      path,
      `'${url}' is not an https URL; IAM only trusts OIDC issuers served over https`,
      'use the instance URL, e.g. https://gitlab.example.com',
    );
  } else if (url.endsWith('/') || parsed.search !== '' || parsed.hash !== '') {
    issues.add(
      path,
      `'${url}' must be exactly the issuer URL, with no trailing '/', query or fragment`,
      `use '${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}'`,
    );
  }
}

function checkOrganizationTrail(root: Section, refs: References): OrganizationTrail | undefined {
  const section = root.section('organizationTrail', FIELDS.organizationTrail);
  if (!section) return undefined;
  const issues = root.issues;
  const name = section.string('name', { required: 'org-trail' });
  if (name !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$/.test(name)) {
      issues.add(
        section.at('name'),
        `'${name}' is not a CloudTrail trail name`,
        "use 3-128 letters, digits, '.', '_' and '-', starting and ending with a letter or digit, e.g. org-trail",
      );
    } else if (/[._-]{2}/.test(name)) {
      issues.add(
        section.at('name'),
        `'${name}' has adjacent '.', '_' or '-' characters, which CloudTrail refuses`,
        `use '${name.replace(/[._-]{2,}/g, '-')}'`,
      );
    }
  }
  const bucket = section.string('bucket', { required: 'acme-org-trail-7f3a' });
  if (bucket !== undefined) report(issues, section.at('bucket'), bucketNameProblem(bucket));
  const account = section.string('account', { required: 'log-archive' });
  if (account !== undefined) refs.checkAccount(issues, account, section.at('account'));
  return { name: name ?? '', bucket: bucket ?? '', account: account ?? '' };
}

function checkTerraform(root: Section): TerraformSettings | undefined {
  const section = root.section('terraform', FIELDS.terraform);
  if (!section) return undefined;
  const dir = section.string('dir', { required: './bootstrap' });
  const key = section.string('key', { required: 'bootstrap/terraform.tfstate' });
  if (key !== undefined && key.startsWith('/')) {
    root.issues.add(
      section.at('key'),
      `'${key}' starts with '/'; S3 keys are relative to the bucket`,
      `write it as '${key.replace(/^\/+/, '')}'`,
    );
  }
  const tool = section.oneOf('tool', TOOLS) ?? 'auto';
  const handoff = section.boolean('handoff');
  return { dir: dir ?? '', key: key ?? '', tool, ...(handoff !== undefined && { handoff }) };
}

/** Rules that relate one section to another. */
function checkAcrossSections(issues: Issues, blueprint: Blueprint): void {
  const { guardrails, stateBackend, organizationTrail, terraform, organization } = blueprint;
  if (
    stateBackend &&
    organizationTrail &&
    stateBackend.bucket !== '' &&
    stateBackend.bucket === organizationTrail.bucket
  ) {
    issues.add(
      'organizationTrail.bucket',
      `'${organizationTrail.bucket}' is also stateBackend.bucket; the trail's bucket policy and lifecycle differ from the state bucket's`,
      'use a separate bucket, e.g. <org>-org-trail',
    );
  }
  if (organizationTrail && !organization.trustedServices.includes('cloudtrail.amazonaws.com')) {
    issues.add(
      'organization.trustedServices',
      'does not include cloudtrail.amazonaws.com, which an organization trail needs',
      'add cloudtrail.amazonaws.com to organization.trustedServices',
    );
  }
  if (terraform && !stateBackend) {
    issues.add(
      'terraform',
      'needs a stateBackend: its state is migrated into that bucket',
      'add a stateBackend section, or remove terraform',
    );
  }
  if (!guardrails) return;
  const anyGuardrail = Object.values(guardrails).some((g) => g !== undefined && (!Array.isArray(g) || g.length > 0));
  if (anyGuardrail && !organization.policyTypes.includes('SERVICE_CONTROL_POLICY')) {
    issues.add(
      'organization.policyTypes',
      'does not include SERVICE_CONTROL_POLICY, which guardrails need',
      'add SERVICE_CONTROL_POLICY to organization.policyTypes',
    );
  }
  checkScpsPerTarget(issues, guardrails);
  checkGeneratedSizes(issues, blueprint);
  checkRegionLockCoversWork(issues, blueprint);
}

function checkScpsPerTarget(issues: Issues, guardrails: Guardrails): void {
  const attachments = new Map<string, string[]>();
  const add = (targets: string[], path: string) =>
    [...new Set(targets)].forEach((target) => {
      const paths = attachments.get(target) ?? [];
      paths.push(`${path}.targets[${targets.indexOf(target)}]`);
      attachments.set(target, paths);
    });
  for (const kind of ['denyRegions', 'denyRoot', 'requireMfa', 'denyLeaveOrganization'] as const) {
    const guardrail = guardrails[kind];
    if (guardrail) add(guardrail.targets, `guardrails.${kind}`);
  }
  (guardrails.custom ?? []).forEach((c, i) => add(c.targets, `guardrails.custom[${i}]`));
  const maxOwn = SCP_MAX_PER_TARGET - 1;
  for (const [target, paths] of attachments) {
    if (paths.length <= maxOwn) continue;
    issues.add(
      paths[maxOwn] ?? 'guardrails',
      `target '${target}' would carry ${paths.length + 1} SCPs (${paths.length} guardrails plus FullAWSAccess); AWS allows ${SCP_MAX_PER_TARGET} per target`,
      'attach some guardrails to a parent OU instead, or merge custom policies into one document',
    );
  }
}

/** Generated documents grow with the blueprint's lists (requireMfa.actions, denyRegions.allow). */
function checkGeneratedSizes(issues: Issues, blueprint: Blueprint): void {
  const { custom: _custom, ...builtIn } = blueprint.guardrails ?? {};
  const policies = guardrailPolicies({
    blueprint: { ...blueprint, guardrails: builtIn },
    file: undefined,
    baseDir: '.',
    customPolicies: {},
    deployInlinePolicy: undefined,
  });
  for (const policy of policies) {
    const size = minifyPolicy(policy.document).length;
    if (size > SCP_MAX_CHARS) {
      const list = policy.guardrail === 'requireMfa' ? 'actions' : 'allow';
      issues.add(
        `guardrails.${policy.guardrail}.${list}`,
        `makes the SCP ${policy.name} ${size} characters once minified; AWS allows ${SCP_MAX_CHARS}`,
        policy.guardrail === 'requireMfa'
          ? 'use wildcards such as iam:Delete* instead of listing every action'
          : 'allow fewer Regions',
      );
    }
  }
}

/**
 * awsorg creates the state bucket and the trail bucket in the blueprint's region, in the account
 * each names. If a Region lock covers that account and leaves the region out, bootstrap itself
 * would be denied halfway through.
 */
function checkRegionLockCoversWork(issues: Issues, blueprint: Blueprint): void {
  const lock = blueprint.guardrails?.denyRegions;
  if (!lock || lock.allow.includes(blueprint.region) || !isRegion(blueprint.region)) return;
  const work: Array<[string | undefined, string]> = [
    [blueprint.stateBackend?.account, 'the state bucket'],
    [blueprint.organizationTrail?.account, "the organization trail's bucket"],
  ];
  for (const [accountName, what] of work) {
    const account = blueprint.accounts.find((a) => a.name === accountName);
    if (!account) continue;
    const coveredBy = lock.targets.find(
      (t) => t === ROOT_TARGET || t === account.name || account.ou === t || account.ou.startsWith(`${t}/`),
    );
    if (coveredBy === undefined) continue;
    issues.add(
      'guardrails.denyRegions.allow',
      `leaves out ${blueprint.region}, where awsorg creates ${what} in account '${account.name}', which the Region lock covers through target '${coveredBy}'`,
      `add ${blueprint.region} to guardrails.denyRegions.allow`,
    );
    return;
  }
}

// ---------------------------------------------------------------------------------------------
// Reading raw values

interface Entry<T> {
  value: T;
  path: string;
}

class Issues {
  readonly list: ValidationIssue[] = [];
  /** Values from the file are quoted in messages: their control characters are shown, never sent to the terminal. */
  add(path: string, message: string, fix: string): void {
    this.list.push({ path: visibleText(path), message: visibleText(message), fix: visibleText(fix) });
  }
}

/** One mapping in the raw document, with its path; every reader reports wrong types as issues. */
class Section {
  private constructor(
    readonly issues: Issues,
    readonly path: string,
    private readonly fields: Record<string, unknown>,
  ) {}

  /** Reports a value that is not a mapping, and every field not in `known`. */
  static of(
    issues: Issues,
    value: unknown,
    path: string,
    what: string,
    known: readonly string[],
    example?: string,
  ): Section | undefined {
    if (!isPlainObject(value)) {
      issues.add(
        path || '(document)',
        `must be a mapping of fields (${what}), got ${kindOf(value)}`,
        example ? `write it as ${example}` : `write it as fields: ${known.join(', ')}`,
      );
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const guess = closest(key, known);
      issues.add(
        at(path, key),
        `is not a field of ${what}`,
        guess ? `did you mean '${guess}'?` : `remove it; the fields are ${known.join(', ')}`,
      );
    }
    return new Section(issues, path, value);
  }

  at(key: string): string {
    return at(this.path, key);
  }

  value(key: string): unknown {
    return this.fields[key];
  }

  isEmptyList(key: string): boolean {
    const value = this.fields[key];
    return Array.isArray(value) && value.length === 0;
  }

  /** YAML `key:` with nothing after it reads as null; treat it like a missing field. */
  has(key: string): boolean {
    return this.fields[key] !== undefined && this.fields[key] !== null;
  }

  section(key: string, known: readonly string[]): Section | undefined {
    if (!this.has(key)) return undefined;
    return Section.of(this.issues, this.fields[key], this.at(key), key, known);
  }

  string(key: string, opts: { required?: string } = {}): string | undefined {
    const value = this.fields[key];
    const path = this.at(key);
    if (!this.has(key)) {
      if (opts.required !== undefined)
        this.issues.add(path, value === null ? 'is empty' : 'is required', `add \`${key}: ${opts.required}\``);
      return undefined;
    }
    if (typeof value !== 'string') {
      this.issues.add(
        path,
        `must be text, got ${kindOf(value)}`,
        typeof value === 'number' || typeof value === 'boolean'
          ? `quote it: ${key}: '${String(value)}'`
          : `write a single value${opts.required ? `, e.g. ${key}: ${opts.required}` : ''}`,
      );
      return undefined;
    }
    if (value.trim() === '') {
      this.issues.add(
        path,
        'is empty',
        opts.required !== undefined ? `set it, e.g. ${key}: ${opts.required}` : `set a value or remove ${key}`,
      );
      return undefined;
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const value = this.fields[key];
    if (typeof value === 'boolean') return value;
    this.issues.add(
      this.at(key),
      `must be true or false, got ${kindOf(value)}`,
      `write ${key}: true or ${key}: false, without quotes`,
    );
    return undefined;
  }

  integer(key: string, min: number): number | undefined {
    if (!this.has(key)) return undefined;
    const value = this.fields[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
    this.issues.add(
      this.at(key),
      `must be a whole number of at least ${min}, got ${kindOf(value)}`,
      `write e.g. ${key}: ${DEFAULT_NONCURRENT_VERSION_DAYS}`,
    );
    return undefined;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], opts: { required?: boolean } = {}): T | undefined {
    const value = this.string(key, opts.required ? { required: allowed[0] ?? '' } : {});
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const guess = closest(value, allowed);
    this.issues.add(
      this.at(key),
      `'${value}' is not one of ${allowed.join(', ')}`,
      guess ? `did you mean '${guess}'?` : `use one of ${allowed.join(', ')}`,
    );
    return undefined;
  }

  list(key: string): Entry<unknown>[] | undefined {
    if (!this.has(key)) return undefined;
    const value = this.fields[key];
    const path = this.at(key);
    if (!Array.isArray(value)) {
      this.issues.add(
        path,
        `must be a list, got ${kindOf(value)}`,
        typeof value === 'string'
          ? `write it as a list: ${key}: [${value}]`
          : `write it as a list, one entry per line starting with '-'`,
      );
      return undefined;
    }
    return value.map((item: unknown, i) => ({ value: item, path: `${path}[${i}]` }));
  }

  /** A list of non-empty strings; `unique` reports repeated entries. */
  stringList(key: string, opts: { required?: string; unique?: boolean } = {}): Entry<string>[] | undefined {
    if (!this.has(key) && opts.required !== undefined) {
      this.issues.add(
        this.at(key),
        this.fields[key] === null ? 'is empty' : 'is required',
        `add \`${key}: ${opts.required}\``,
      );
      return undefined;
    }
    const entries: Entry<string>[] = [];
    const seen = new Set<string>();
    for (const { value, path } of this.list(key) ?? []) {
      if (typeof value !== 'string' || value.trim() === '') {
        this.issues.add(
          path,
          typeof value === 'string' ? 'is empty' : `must be text, got ${kindOf(value)}`,
          typeof value === 'number' ? `quote it: '${value}'` : 'write one value per entry, or remove the entry',
        );
        continue;
      }
      if (opts.unique && seen.has(value)) {
        this.issues.add(path, `'${value}' is listed twice`, 'remove the repeated entry');
        continue;
      }
      seen.add(value);
      entries.push({ value, path });
    }
    return entries;
  }
}

/**
 * What a name in the blueprint may refer to: OU paths and account names, matched exactly. A list
 * that could not be read in full is undefined, and names are then not checked against it.
 */
class References {
  constructor(
    private readonly ouPaths: string[] | undefined,
    private readonly accountNames: string[] | undefined,
  ) {}

  checkAccount(issues: Issues, name: string, path: string): void {
    if (name === MANAGEMENT_ACCOUNT || !this.accountNames || this.accountNames.includes(name)) return;
    const guess = closest(name, [MANAGEMENT_ACCOUNT, ...this.accountNames]);
    issues.add(
      path,
      `'${name}' is neither ${MANAGEMENT_ACCOUNT} nor an account name from accounts`,
      guess
        ? `did you mean '${guess}'?`
        : `use ${MANAGEMENT_ACCOUNT} or one of: ${this.accountNames.join(', ') || '(no accounts listed)'}`,
    );
  }

  checkTarget(issues: Issues, target: string, path: string): void {
    if (target === ROOT_TARGET || this.ouPaths?.includes(target) || this.accountNames?.includes(target)) return;
    if (target.toLowerCase() === MANAGEMENT_ACCOUNT) {
      issues.add(
        path,
        'is the management account, which SCPs never restrict',
        'remove it; to cover every member account use Root',
      );
      return;
    }
    if (!this.ouPaths || !this.accountNames) return;
    const guess = closest(target, [ROOT_TARGET, ...this.ouPaths, ...this.accountNames]);
    issues.add(
      path,
      `'${target}' is not Root, an OU path from organizationalUnits, or an account name from accounts`,
      guess ? `did you mean '${guess}'?` : `add '${target}' to organizationalUnits or accounts, or target Root`,
    );
  }
}

function at(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function report(issues: Issues, path: string, problem: FieldProblem | undefined): void {
  if (problem) issues.add(path, problem.message, problem.fix);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text '${value}'`;
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Files and YAML positions

function parseWithPositions(
  text: string,
  source: string,
): { value: unknown; document: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  // prettyErrors fills in linePos; the code excerpt it appends to the message is dropped.
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const issues: ValidationIssue[] = document.errors.map((error) => {
    const pos = error.linePos?.[0];
    const message = (error.message.split('\n')[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, '');
    return {
      path: pos ? `line ${pos.line}, column ${pos.col}` : '(document)',
      message: `YAML syntax error: ${visibleText(message)}`,
      fix:
        error.code === 'DUPLICATE_KEY'
          ? 'keep one of the repeated keys'
          : 'correct the YAML at that position (check indentation, colons and quotes)',
    };
  });
  if (issues.length > 0) throw new ValidationError(source, issues);
  try {
    return { value: document.toJS({ maxAliasCount: 100 }), document, lineCounter };
  } catch (error) {
    throw new ValidationError(source, [
      {
        path: '(document)',
        message: `cannot be read as YAML: ${errorText(error)}`,
        fix: 'remove anchors and aliases (&name / *name) and write the values out',
      },
    ]);
  }
}

/** Appends the YAML line an issue points at, when the path resolves to a node in the file. */
function withLine(issue: ValidationIssue, document: Document, lineCounter: LineCounter): ValidationIssue {
  const segments: Array<string | number> = [];
  for (const match of issue.path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(match[2] !== undefined ? Number(match[2]) : (match[1] ?? ''));
  }
  for (let length = segments.length; length > 0; length--) {
    const offset = fieldOffset(document, segments.slice(0, length));
    if (offset !== undefined)
      return { ...issue, message: `${issue.message} (line ${lineCounter.linePos(offset).line})` };
  }
  return issue;
}

/** Where a field starts: its key for a mapping field (so unknown fields point at their name), its item in a list. */
function fieldOffset(document: Document, segments: Array<string | number>): number | undefined {
  const last = segments[segments.length - 1];
  let parent: unknown;
  try {
    parent = segments.length === 1 ? document.contents : document.getIn(segments.slice(0, -1), true);
  } catch {
    return undefined;
  }
  let node: unknown;
  if (isMap(parent))
    node = parent.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === String(last))?.key;
  else if (isSeq(parent) && typeof last === 'number') node = parent.items[last];
  return isNode(node) ? node.range?.[0] : undefined;
}

/** A policy file that cannot be used, with the fix when it differs from "point it at a readable file". */
class PolicyFileError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** Policy documents are a few KB; a larger "policy" is the wrong file, and is not read. */
const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/**
 * Reads a policy document named by the blueprint, relative to its directory. Unless allowed, the
 * file must resolve inside that directory, symbolic links included. Errors say where a problem
 * is, never what the file holds.
 */
async function readPolicyFile(baseDir: string, name: string, allowOutside: boolean): Promise<unknown> {
  const path = resolve(baseDir, name);
  const outsideFix = `move the policy file into ${baseDir} and name it relative to the blueprint (e.g. policies/<name>.json), or pass --allow-outside-files if you trust this blueprint`;
  if (!allowOutside && !isInside(baseDir, path)) {
    return new PolicyFileError(`resolves to ${path}, outside the blueprint's directory ${baseDir}`, outsideFix);
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    return new PolicyFileError(`cannot be read: ${fileErrorText(error)} (looked for ${path})`);
  }
  if (!allowOutside) {
    const realBase = await realpath(baseDir).catch(() => baseDir);
    if (!isInside(realBase, real))
      return new PolicyFileError(
        `resolves through a link to ${real}, outside the blueprint's directory ${realBase}`,
        outsideFix,
      );
  }
  let bytes: Buffer;
  try {
    // A FIFO or a device would block or never end: only regular files are read.
    const info = await stat(real);
    if (!info.isFile()) return new PolicyFileError(`is not a regular file (looked at ${real})`);
    if (info.size > MAX_POLICY_FILE_BYTES)
      return new PolicyFileError(`is ${info.size} bytes, far more than any policy document`);
    bytes = await readFile(real);
  } catch (error) {
    return new PolicyFileError(`cannot be read: ${fileErrorText(error)} (looked for ${path})`);
  }
  let invalid: PolicyFileError | undefined;
  const text = decodeUtf8(
    bytes,
    (bad) => (invalid = new PolicyFileError(`${bad.message} (line ${bad.line})`, 'save it as UTF-8')),
  );
  if (invalid) return invalid;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // JSON.parse's message quotes the text around the error: keep only the position.
    const position = /position (\d+)/.exec(errorText(error))?.[1];
    const where = position === undefined ? '' : ` at line ${text.slice(0, Number(position)).split('\n').length}`;
    return new PolicyFileError(`is not valid JSON${where}`);
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

interface InvalidUtf8 {
  offset: number;
  line: number;
  column: number;
  message: string;
}

/**
 * Decodes UTF-8, calling `onInvalid` with the first byte that is not UTF-8 (its offset, line and
 * column). Node's decoder would turn it into U+FFFD silently, and that name would reach AWS.
 */
function decodeUtf8(bytes: Buffer, onInvalid: (bad: InvalidUtf8) => void): string {
  const text = bytes.toString('utf8');
  let from = 0;
  for (;;) {
    const index = text.indexOf('\uFFFD', from);
    if (index < 0) return text;
    // Everything before the first bad byte decoded exactly, so its length in bytes is the offset.
    const offset = Buffer.byteLength(text.slice(0, index));
    if (bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd) {
      from = index + 1; // a real U+FFFD, written as UTF-8
      continue;
    }
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    const column = index - before.lastIndexOf('\n');
    onInvalid({
      offset,
      line,
      column,
      message: `is not valid UTF-8: byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset}`,
    });
    return text;
  }
}

function referencedCustomPolicies(raw: unknown): Array<{ name: string; file: string }> {
  const custom = isPlainObject(raw) && isPlainObject(raw.guardrails) ? raw.guardrails.custom : undefined;
  if (!Array.isArray(custom)) return [];
  return custom.flatMap((entry: unknown) =>
    isPlainObject(entry) && typeof entry.name === 'string' && typeof entry.file === 'string' && entry.file.trim() !== ''
      ? [{ name: entry.name, file: entry.file }]
      : [],
  );
}

function referencedInlinePolicy(raw: unknown): string | undefined {
  const ciOidc = isPlainObject(raw) ? raw.ciOidc : undefined;
  const file = isPlainObject(ciOidc) ? ciOidc.inlinePolicy : undefined;
  return typeof file === 'string' && file.trim() !== '' ? file : undefined;
}

function fileErrorText(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return errorText(error);
}

function errorText(error: unknown): string {
  if (error instanceof Error)
    return 'code' in error && typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
  return String(error);
}
