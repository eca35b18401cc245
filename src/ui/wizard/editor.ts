/**
 * The wizard's Blueprint editor: a vertical form over one Blueprint, pure like every wizard
 * screen (`editorKey` → next state + intent, `editorEvent` folds results back, `editorLines`
 * draws).
 *
 * Design:
 * - The state holds the blueprint being edited, immutably updated. A text edit applies its draft
 *   to a snapshot of the blueprint taken when the edit began (`before`) on every keystroke, so
 *   validation, the OU-rename cascade and the trust-policy preview follow the typing, and Esc
 *   restores the snapshot exactly (an account or OU being added simply disappears).
 * - Values switched off are kept in `memory` (the CI section when the provider is `none`, the
 *   trail when it is off, the lock table for `lockfile`, the other of ref/environment...) and
 *   come back when switched on again: nothing is lost silently. Replacing edits with a preset or
 *   a file asks first.
 * - Problems are validateBlueprint's issues (memoized per blueprint object) plus the few the
 *   editor adds (a taken bucket, the home region left out of the Region lock, an unscoped CI
 *   subject); each issue path maps to the row it is drawn under.
 * - Drawing formats only the rows in the visible window (the cursor kept about a third of the way
 *   down), so the cost of a frame does not grow with the number of accounts.
 */
import type {
  Blueprint,
  BlueprintAccount,
  CiOidc,
  Guardrails,
  LockKind,
  OrganizationTrail,
  StateBackend,
  TerraformSettings,
} from '../../core/blueprint.js';
import { MANAGEMENT_ACCOUNT, ROOT_TARGET } from '../../core/blueprint.js';
import { bucketNameProblem, emailProblem, validateBlueprint } from '../../core/blueprint-load.js';
import { PRESET_NAMES, isPresetName, preset, type PresetName } from '../../core/presets.js';
import { REGIONS, isRegion, partitionOf } from '../../core/regions.js';
import { deployRoleTrustPolicy, issuerFor, providerArnFor } from '../../steps/ci-oidc-policy.js';
import { clip, styledLine, wrap, type Palette, type Segment } from '../console/style.js';
import { editText, shownWindow, textField, type TextField } from './text-input.js';
import { keyName, keyText, type KeyOutcome, type KeyPress, type Notice, type RenderContext } from './types.js';

// ---------------------------------------------------------------------------------------------
// Public types

export type BucketAvailability =
  | { kind: 'checking' }
  | { kind: 'free' } // HeadBucket 404
  | { kind: 'owned' } // HeadBucket 200: exists and you own it (bootstrap adopts it)
  | { kind: 'taken' } // HeadBucket 403 / 301: someone else owns the name
  | { kind: 'unknown'; reason: string };

/** Text fields of the form; `load`, `baseEmail` and `savePath` are not part of the blueprint. */
export type EditorField =
  | 'load'
  | 'region'
  | 'baseEmail'
  | 'ouName'
  | 'accountName'
  | 'accountEmail'
  | 'bucket'
  | 'table'
  | 'ciRepo'
  | 'ciTarget'
  | 'ciRole'
  | 'trailName'
  | 'trailBucket'
  | 'tfDir'
  | 'savePath';

export type EditorMode =
  | { kind: 'browse' }
  | {
      kind: 'text';
      field: EditorField;
      /** The OU or account index for ouName / accountName / accountEmail, else -1. */
      index: number;
      draft: TextField;
      /** The value when the edit began, restored by Esc. */
      original: string;
      /** The blueprint when the edit began; the draft is applied to it on every keystroke. */
      before: Blueprint;
      /** An OU or account being added: Esc removes it again. */
      adding: boolean;
      /** For an account being added: its OU. */
      ou: string;
      /** Where the cursor goes back to when an add is cancelled. */
      cursorBefore: number;
    }
  | { kind: 'ou-picker'; account: number; choice: number }
  | { kind: 'regions'; choice: number; options: string[]; selected: string[]; error: string | undefined }
  | { kind: 'confirm'; action: { kind: 'preset'; name: PresetName } | { kind: 'load'; path: string } };

/** Values switched off in the form, kept so that switching them on again restores them. */
export interface EditorMemory {
  ciOidc?: CiOidc;
  ref?: string;
  environment?: string;
  url?: string;
  table?: string;
  trail?: OrganizationTrail;
  terraform?: TerraformSettings;
}

export interface EditorState {
  blueprint: Blueprint;
  /** Where the blueprint came from: `preset standard` or a file path. */
  source: string;
  /** The preset the blueprint came from, when it did. */
  preset: PresetName | undefined;
  /** JSON of the blueprint as loaded, to tell whether it has been edited since. */
  baseline: string;
  /** JSON of the blueprint as last saved, to tell whether quitting would lose edits. */
  saved?: string;
  savePath: string;
  loadPath: string;
  /** The address accounts' emails are generated from by plus-addressing. */
  baseEmail: string;
  managementAccountId: string | undefined;
  partition: string | undefined;
  /** Index of the focused row. */
  cursor: number;
  mode: EditorMode;
  status: Notice | undefined;
  /** The last HeadBucket result, for the bucket it was asked about. */
  bucket: { name: string; availability: BucketAvailability } | undefined;
  /** The save target exists and the operator was told: the next `s` overwrites it. */
  overwrite: boolean;
  memory: EditorMemory;
  /** Placeholder values (example.com emails, change-me names) are problems, except in a rehearsal. */
  placeholders: 'allow' | 'refuse';
}

export type EditorIntent =
  | { kind: 'check-bucket'; bucket: string }
  | { kind: 'load-file'; path: string }
  | { kind: 'save'; path: string; blueprint: Blueprint; overwrite: boolean }
  | { kind: 'continue'; blueprint: Blueprint }
  | { kind: 'back' };

export type EditorEvent =
  | { kind: 'bucket-checked'; bucket: string; availability: BucketAvailability }
  | { kind: 'loaded'; path: string; blueprint: Blueprint }
  | { kind: 'load-failed'; message: string }
  | { kind: 'saved'; path: string }
  | { kind: 'save-failed'; message: string; exists: boolean };

export interface EditorProblem {
  path: string;
  message: string;
  fix: string;
}

type Outcome = KeyOutcome<EditorState, EditorIntent>;

// ---------------------------------------------------------------------------------------------
// Construction

export function initialEditor(opts: {
  blueprint: Blueprint;
  source: string;
  savePath: string;
  managementAccountId?: string;
  partition?: string;
  placeholders?: 'allow' | 'refuse';
}): EditorState {
  const fromPreset = /^preset (\S+)$/.exec(opts.source)?.[1];
  const blueprint = structuredClone(opts.blueprint);
  return {
    blueprint,
    source: opts.source,
    preset: fromPreset !== undefined && isPresetName(fromPreset) ? fromPreset : undefined,
    baseline: JSON.stringify(blueprint),
    savePath: opts.savePath,
    loadPath: '',
    baseEmail: inferBaseEmail(blueprint),
    managementAccountId: opts.managementAccountId,
    partition: opts.partition,
    cursor: 0,
    mode: { kind: 'browse' },
    status: undefined,
    bucket: undefined,
    overwrite: false,
    memory: {},
    placeholders: opts.placeholders ?? 'refuse',
  };
}

/** A copy of the blueprint as currently edited (a text field's draft included). */
export function editorBlueprint(state: EditorState): Blueprint {
  return structuredClone(state.blueprint);
}

// ---------------------------------------------------------------------------------------------
// Rows

type RowKind =
  | 'preset'
  | 'load'
  | 'region'
  | 'baseEmail'
  | 'ous'
  | 'ou'
  | 'accounts'
  | 'account'
  | 'regions'
  | 'bucket'
  | 'lock'
  | 'table'
  | 'ciProvider'
  | 'ciRepo'
  | 'ciMode'
  | 'ciTarget'
  | 'ciRole'
  | 'trail'
  | 'trailName'
  | 'trailBucket'
  | 'trailAccount'
  | 'tfDir'
  | 'savePath'
  | 'continue';

interface Row {
  kind: RowKind;
  /** The OU or account index; -1 for other rows. */
  index: number;
}

const CI_ROWS: ReadonlySet<RowKind> = new Set(['ciProvider', 'ciRepo', 'ciMode', 'ciTarget', 'ciRole']);
const CHOICE_ROWS: ReadonlySet<RowKind> = new Set(['preset', 'lock', 'ciProvider', 'ciMode', 'trail', 'trailAccount']);

const row = (kind: RowKind, index = -1): Row => ({ kind, index });

/** The form's rows for a blueprint, in order; sections switched off show only their switch. */
function formRows(bp: Blueprint): Row[] {
  const rows: Row[] = [row('preset'), row('load'), row('region'), row('baseEmail'), row('ous')];
  for (let i = 0; i < bp.organizationalUnits.length; i++) rows.push(row('ou', i));
  rows.push(row('accounts'));
  for (let i = 0; i < bp.accounts.length; i++) rows.push(row('account', i));
  rows.push(row('regions'), row('bucket'));
  if (bp.stateBackend) {
    rows.push(row('lock'));
    if (bp.stateBackend.lock !== 'lockfile') rows.push(row('table'));
  }
  rows.push(row('ciProvider'));
  if (bp.ciOidc) rows.push(row('ciRepo'), row('ciMode'), row('ciTarget'), row('ciRole'));
  rows.push(row('trail'));
  if (bp.organizationTrail) rows.push(row('trailName'), row('trailBucket'), row('trailAccount'));
  rows.push(row('tfDir'), row('savePath'), row('continue'));
  return rows;
}

function findRow(rows: readonly Row[], kind: RowKind, index = -1): number {
  return rows.findIndex((r) => r.kind === kind && r.index === index);
}

const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

function focusedRow(state: EditorState, rows = formRows(state.blueprint)): { rows: Row[]; cursor: number; row: Row } {
  const cursor = clamp(state.cursor, 0, rows.length - 1);
  return { rows, cursor, row: rows[cursor] ?? row('preset') };
}

// ---------------------------------------------------------------------------------------------
// Problems

/** validateBlueprint per blueprint object (and placeholder policy): moving the cursor does not validate again. */
const validated = {
  allow: new WeakMap<Blueprint, EditorProblem[]>(),
  refuse: new WeakMap<Blueprint, EditorProblem[]>(),
};

function validationIssues(bp: Blueprint, placeholders: EditorState['placeholders']): EditorProblem[] {
  let issues = validated[placeholders].get(bp);
  if (!issues) {
    issues = validateBlueprint(bp, { refusePlaceholders: placeholders === 'refuse' }).issues;
    validated[placeholders].set(bp, issues);
  }
  return issues;
}

/** Every problem that blocks continuing: the blueprint's issues and the editor's own checks. */
export function editorProblems(state: EditorState): EditorProblem[] {
  const bp = state.blueprint;
  const issues = validationIssues(bp, state.placeholders);
  const extra: EditorProblem[] = [];
  const has = (prefix: string) =>
    issues.some((i) => i.path === prefix || i.path.startsWith(`${prefix}.`) || i.path.startsWith(`${prefix}[`));

  const bucket = bp.stateBackend?.bucket;
  if (bucket && state.bucket?.name === bucket && state.bucket.availability.kind === 'taken') {
    extra.push({
      path: 'stateBackend.bucket',
      message: `'${bucket}' is owned by another AWS account: choose another name`,
      fix: 'bucket names are global; add your organization name or a random suffix',
    });
  }
  const lock = bp.guardrails?.denyRegions;
  if (lock && isRegion(bp.region) && !lock.allow.includes(bp.region) && !has('guardrails.denyRegions.allow')) {
    extra.push({
      path: 'guardrails.denyRegions.allow',
      message: `leaves out the home region ${bp.region}, where awsorg creates the state and trail buckets`,
      fix: `allow ${bp.region} too`,
    });
  }
  const ci = bp.ciOidc;
  if (ci) {
    const refusal = ciRefusal(ci);
    if (refusal && !has(refusal.path)) extra.push({ path: refusal.path, message: refusal.message, fix: refusal.fix });
  }
  return extra.length > 0 ? [...issues, ...extra] : issues;
}

/** Problems with fields outside the blueprint: shown next to the field, but never blocking. */
function fieldNotes(state: EditorState): EditorProblem[] {
  const notes: EditorProblem[] = [];
  if (state.baseEmail !== '') {
    const problem = emailProblem(state.baseEmail);
    if (problem) notes.push({ path: 'baseEmail', ...problem });
    else {
      const longest = state.blueprint.accounts.reduce<string | undefined>((best, a) => {
        const email = plusAddress(state.baseEmail, a.name);
        return email !== undefined && email.length > (best?.length ?? 64) ? email : best;
      }, undefined);
      if (longest)
        notes.push({
          path: 'baseEmail',
          message: `generates '${longest}', ${longest.length} characters; AWS accepts at most 64`,
          fix: 'use a shorter base address or shorter account names',
        });
    }
  }
  if (state.savePath.trim() === '')
    notes.push({ path: 'savePath', message: 'is empty', fix: 'type a file name such as awsorg.yaml' });
  return notes;
}

/** The row a problem is drawn under, from its path. */
function problemRow(path: string, bp: Blueprint): Row {
  const indexed = /^(organizationalUnits|accounts)\[(\d+)\]/.exec(path);
  if (indexed) return row(indexed[1] === 'accounts' ? 'account' : 'ou', Number(indexed[2]));
  const [section = '', field = ''] = path.split(/[.[]/);
  switch (section) {
    case 'region':
      return row('region');
    case 'baseEmail':
      return row('baseEmail');
    case 'savePath':
      return row('savePath');
    case 'organizationalUnits':
      return row('ous');
    case 'accounts':
      return row('accounts');
    case 'guardrails':
      return path.startsWith('guardrails.denyRegions') ? row('regions') : row('ous');
    case 'stateBackend':
      if (!bp.stateBackend) return row('bucket');
      if (field === 'lock') return row('lock');
      if (field === 'table') return row(bp.stateBackend.lock === 'lockfile' ? 'lock' : 'table');
      return row('bucket');
    case 'ciOidc':
      if (!bp.ciOidc) return row('ciProvider');
      if (field === 'repository') return row('ciRepo');
      if (field === 'ref' || field === 'environment') return row('ciTarget');
      if (field === 'roleName') return row('ciRole');
      return row('ciProvider');
    case 'organizationTrail':
      if (!bp.organizationTrail) return row('trail');
      if (field === 'name') return row('trailName');
      if (field === 'bucket') return row('trailBucket');
      if (field === 'account') return row('trailAccount');
      return row('trail');
    case 'organization':
      return field === 'trustedServices' && bp.organizationTrail
        ? row('trail')
        : path.startsWith('organization.policyTypes') && bp.guardrails?.denyRegions
          ? row('regions')
          : row('preset');
    case 'terraform':
      return row('tfDir');
    default:
      return row('preset');
  }
}

/** The paths a row edits: its own problems are shown without repeating the path. */
function ownPaths(r: Row): readonly string[] {
  switch (r.kind) {
    case 'region':
    case 'baseEmail':
    case 'savePath':
      return [r.kind];
    case 'ou':
      return [`organizationalUnits[${r.index}]`];
    case 'account':
      return [`accounts[${r.index}]`];
    case 'regions':
      return ['guardrails.denyRegions.allow'];
    case 'bucket':
      return ['stateBackend.bucket'];
    case 'lock':
      return ['stateBackend.lock'];
    case 'table':
      return ['stateBackend.table'];
    case 'ciProvider':
      return ['ciOidc.provider'];
    case 'ciRepo':
      return ['ciOidc.repository'];
    case 'ciTarget':
      return ['ciOidc.ref', 'ciOidc.environment'];
    case 'ciRole':
      return ['ciOidc.roleName'];
    case 'trail':
      return ['organization.trustedServices'];
    case 'trailName':
      return ['organizationTrail.name'];
    case 'trailBucket':
      return ['organizationTrail.bucket'];
    case 'trailAccount':
      return ['organizationTrail.account'];
    case 'tfDir':
      return ['terraform.dir'];
    default:
      return [];
  }
}

/** How a problem is introduced under a row: nothing for the row's own field, else its path. */
function problemLabel(r: Row, path: string): string {
  if (r.kind === 'account') return /^accounts\[\d+\]\.(\w+)/.exec(path)?.[1] ?? '';
  if (r.kind === 'ou' && path === `organizationalUnits[${r.index}]`) return 'OU name';
  return ownPaths(r).some((own) => path === own || path.startsWith(`${own}[`)) ? '' : path;
}

const rowId = (r: Row) => `${r.kind}:${r.index}`;

interface ShownProblem extends EditorProblem {
  blocking: boolean;
}

/**
 * Problems (blocking first) and field notes grouped by the row they are drawn under; one whose
 * row is not shown goes under the first row, so every problem counted is also drawn.
 */
function problemsByRow(
  state: EditorState,
  rows: readonly Row[],
): { byRow: Map<string, ShownProblem[]>; count: number } {
  const byRow = new Map<string, ShownProblem[]>();
  const problems = editorProblems(state);
  const shown = new Set(rows.map(rowId));
  const add = (p: EditorProblem, blocking: boolean) => {
    const target = rowId(problemRow(p.path, state.blueprint));
    const id = shown.has(target) ? target : rowId(row('preset'));
    const list = byRow.get(id);
    if (list) list.push({ ...p, blocking });
    else byRow.set(id, [{ ...p, blocking }]);
  };
  for (const p of problems) add(p, true);
  for (const p of fieldNotes(state)) add(p, false);
  return { byRow, count: problems.length };
}

// ---------------------------------------------------------------------------------------------
// CI subject

/** Why the CI subject is refused (it would not name one repository and one branch or environment), or undefined. */
function ciRefusal(ci: CiOidc): EditorProblem | undefined {
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
function trustPolicyPreview(state: EditorState): { refused: EditorProblem } | { json: string[] } | undefined {
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

// ---------------------------------------------------------------------------------------------
// Blueprint edits (pure; each returns a new blueprint)

function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

/** The guardrails with every target passed through `map` (undefined drops the target). */
function mapTargets(
  guardrails: Guardrails | undefined,
  map: (t: string) => string | undefined,
): { guardrails: Guardrails | undefined; touched: string[] } {
  if (!guardrails) return { guardrails, touched: [] };
  const touched: string[] = [];
  const apply = <G extends { targets: string[] }>(g: G, name: string): G => {
    const targets = g.targets.flatMap((t) => {
      const m = map(t);
      return m === undefined ? [] : [m];
    });
    if (targets.length !== g.targets.length || targets.some((t, i) => t !== g.targets[i])) touched.push(name);
    return { ...g, targets };
  };
  const next: Guardrails = { ...guardrails };
  if (guardrails.denyRegions) next.denyRegions = apply(guardrails.denyRegions, 'denyRegions');
  if (guardrails.denyRoot) next.denyRoot = apply(guardrails.denyRoot, 'denyRoot');
  if (guardrails.requireMfa) next.requireMfa = apply(guardrails.requireMfa, 'requireMfa');
  if (guardrails.denyLeaveOrganization)
    next.denyLeaveOrganization = apply(guardrails.denyLeaveOrganization, 'denyLeaveOrganization');
  if (guardrails.custom) next.custom = guardrails.custom.map((c) => apply(c, c.name));
  return { guardrails: next, touched };
}

function withGuardrails(bp: Blueprint, guardrails: Guardrails | undefined): Blueprint {
  return guardrails ? { ...bp, guardrails } : without(bp, 'guardrails');
}

/** Renames an OU path; child OUs, accounts and guardrail targets under it follow. */
function renameOu(bp: Blueprint, from: string, to: string): Blueprint {
  const move = (p: string) => (p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : p);
  return withGuardrails(
    {
      ...bp,
      organizationalUnits: bp.organizationalUnits.map(move),
      accounts: bp.accounts.map((a) => (move(a.ou) === a.ou ? a : { ...a, ou: move(a.ou) })),
    },
    mapTargets(bp.guardrails, move).guardrails,
  );
}

/** Renames an account; guardrail targets and the accounts named by other sections follow. */
function renameAccount(bp: Blueprint, index: number, to: string): Blueprint {
  const from = bp.accounts[index]?.name;
  if (from === undefined) return bp;
  const follow = (name: string) => (name === from ? to : name);
  const next: Blueprint = { ...bp, accounts: bp.accounts.map((a, i) => (i === index ? { ...a, name: to } : a)) };
  if (bp.stateBackend) next.stateBackend = { ...bp.stateBackend, account: follow(bp.stateBackend.account) };
  if (bp.ciOidc?.account !== undefined) next.ciOidc = { ...bp.ciOidc, account: follow(bp.ciOidc.account) };
  if (bp.organizationTrail)
    next.organizationTrail = { ...bp.organizationTrail, account: follow(bp.organizationTrail.account) };
  return withGuardrails(next, from === '' ? bp.guardrails : mapTargets(bp.guardrails, follow).guardrails);
}

function setAccount(bp: Blueprint, index: number, change: Partial<BlueprintAccount>): Blueprint {
  return { ...bp, accounts: bp.accounts.map((a, i) => (i === index ? { ...a, ...change } : a)) };
}

function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  return [...list.slice(0, index), item, ...list.slice(index)];
}

const DEFAULT_BACKEND = (bucket: string): StateBackend => ({
  account: MANAGEMENT_ACCOUNT,
  bucket,
  lock: 'lockfile',
  encryption: 'aws:kms',
  enforceTls: true,
  noncurrentVersionDays: 90,
});
const DEFAULT_TABLE = 'awsorg-tf-locks';
const DEFAULT_TERRAFORM = (dir: string): TerraformSettings => ({
  dir,
  key: 'bootstrap/terraform.tfstate',
  tool: 'auto',
  handoff: true,
});

function withBackend(bp: Blueprint, change: (sb: StateBackend) => StateBackend): Blueprint {
  return bp.stateBackend ? { ...bp, stateBackend: change(bp.stateBackend) } : bp;
}
function withCi(bp: Blueprint, change: (ci: CiOidc) => CiOidc): Blueprint {
  return bp.ciOidc ? { ...bp, ciOidc: change(bp.ciOidc) } : bp;
}
function withTrail(bp: Blueprint, change: (t: OrganizationTrail) => OrganizationTrail): Blueprint {
  return bp.organizationTrail ? { ...bp, organizationTrail: change(bp.organizationTrail) } : bp;
}

/** A branch name becomes `refs/heads/<name>`; anything starting with refs/ is kept as typed. */
function refFromInput(value: string): string {
  return value === '' || value.startsWith('refs/') ? value : `refs/heads/${value}`;
}
function refForInput(ref: string | undefined): string {
  return (ref ?? '').replace(/^refs\/heads\//, '');
}

/** The plus-addressed email for an account, or undefined when the base is not an address. */
export function plusAddress(base: string, accountName: string): string | undefined {
  const at = base.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = base.slice(0, at).split('+')[0] ?? '';
  const slug =
    accountName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'account';
  return local === '' ? undefined : `${local}+${slug}@${base.slice(at + 1)}`;
}

/** `aws@example.com` from accounts emailed as `aws+name@example.com`, or '' when none are. */
function inferBaseEmail(bp: Blueprint): string {
  for (const account of bp.accounts) {
    const match = /^([^+@\s]+)\+[^@\s]*@(\S+)$/.exec(account.email);
    if (match) return `${match[1]}@${match[2]}`;
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// State helpers

function edited(state: EditorState): boolean {
  return JSON.stringify(state.blueprint) !== state.baseline;
}

/** True when the blueprint (a draft being typed included) differs from what was last loaded or saved. */
export function editorUnsaved(state: EditorState): boolean {
  return JSON.stringify(state.blueprint) !== (state.saved ?? state.baseline);
}

function withStatus(state: EditorState, tone: Notice['tone'], text: string, next?: string): EditorState {
  return { ...state, status: next === undefined ? { tone, text } : { tone, text, next } };
}

function cursorTo(state: EditorState, kind: RowKind, index = -1): EditorState {
  const i = findRow(formRows(state.blueprint), kind, index);
  return i < 0 ? state : { ...state, cursor: i };
}

/** Replaces the blueprint (a preset or a loaded file); everything derived from the old one is reset. */
function replaceBlueprint(
  state: EditorState,
  blueprint: Blueprint,
  source: string,
  presetName: PresetName | undefined,
): EditorState {
  const rows = formRows(blueprint);
  return {
    ...state,
    blueprint,
    source,
    preset: presetName,
    baseline: JSON.stringify(blueprint),
    saved: undefined,
    baseEmail: inferBaseEmail(blueprint) || state.baseEmail,
    cursor: clamp(state.cursor, 0, rows.length - 1),
    mode: { kind: 'browse' },
    bucket: undefined,
    memory: {},
  };
}

function generateEmails(state: EditorState): EditorState {
  const base = state.baseEmail.trim();
  if (base === '') return withStatus(state, 'error', 'Set the base email first (e.g. aws@example.com), then press g.');
  const problem = emailProblem(base);
  if (problem) return withStatus(state, 'error', `The base email ${problem.message}.`, problem.fix);
  const accounts = state.blueprint.accounts.map((a) => ({ ...a, email: plusAddress(base, a.name) ?? a.email }));
  const bad = accounts.filter((a) => emailProblem(a.email) !== undefined);
  const next = { ...state, blueprint: { ...state.blueprint, accounts } };
  const text = `Generated ${accounts.length} email${accounts.length === 1 ? '' : 's'} from ${base}.`;
  return bad.length === 0
    ? withStatus(next, 'ok', text)
    : withStatus(
        next,
        'warning',
        `${text} ${bad.length} fail${bad.length === 1 ? 's' : ''} the checks (${bad.map((a) => a.name).join(', ')}): see ✗ next to the account.`,
        'shorten the account name or the base address',
      );
}

// ---------------------------------------------------------------------------------------------
// Keys

/** True while a text field, a picker or a y/n question has the keys. */
export function editorCapturesText(state: EditorState): boolean {
  return state.mode.kind !== 'browse';
}

export function editorKey(state: EditorState, press: KeyPress): Outcome {
  const text = keyText(press);
  // Several characters in one press outside a text field (typed fast, or pasted) run one by one;
  // once a text field opens, the rest of them goes into it.
  if (text !== undefined && text.length > 1 && state.mode.kind !== 'text') {
    let current = state;
    for (let i = 0; i < text.length; i++) {
      if (current.mode.kind === 'text') return oneKey(current, { text: text.slice(i) });
      const outcome = oneKey(current, { text: text.charAt(i) });
      if (outcome.intent) return outcome;
      current = outcome.state;
    }
    return { state: current };
  }
  return oneKey(state, press);
}

function oneKey(state: EditorState, press: KeyPress): Outcome {
  switch (state.mode.kind) {
    case 'text':
      return textKey(state, state.mode, press);
    case 'ou-picker':
      return ouPickerKey(state, state.mode, press);
    case 'regions':
      return regionsKey(state, state.mode, press);
    case 'confirm':
      return confirmKey(state, state.mode, press);
    default:
      return browseKey(state, press);
  }
}

/** Cursor movement shared by the form and the pickers: -1/+1, a page, or the ends. */
function movement(press: KeyPress, count: number, at: number): number | undefined {
  const name = keyName(press);
  const text = keyText(press);
  if (name === 'up' || text === 'k') return clamp(at - 1, 0, count - 1);
  if (name === 'down' || text === 'j') return clamp(at + 1, 0, count - 1);
  if (name === 'pageup') return clamp(at - 10, 0, count - 1);
  if (name === 'pagedown') return clamp(at + 10, 0, count - 1);
  if (name === 'home') return 0;
  if (name === 'end') return count - 1;
  return undefined;
}

function browseKey(input: EditorState, press: KeyPress): Outcome {
  const { rows, cursor, row: r } = focusedRow(input);
  const name = keyName(press);
  const text = keyText(press);
  const state: EditorState = { ...input, cursor, status: undefined };

  const moved = movement(press, rows.length, cursor);
  if (moved !== undefined) return { state: { ...state, cursor: moved } };
  if (name === 'escape') return { state: input, intent: { kind: 'back' } };
  if (text === 's') return save(state);
  if (text === 'g') return { state: generateEmails(state) };

  if (CHOICE_ROWS.has(r.kind)) {
    if (name === 'enter' || name === 'tab' || text === ' ' || text === 'l') return cycle(state, r.kind, 1);
    if (text === 'h') return cycle(state, r.kind, -1);
  }
  if (name === 'tab') return { state: { ...state, cursor: clamp(cursor + 1, 0, rows.length - 1) } };

  const bp = state.blueprint;
  switch (r.kind) {
    case 'ous':
      if (name === 'enter' || text === 'a') return { state: addOu(state, bp.organizationalUnits.length) };
      break;
    case 'ou':
      if (name === 'enter')
        return { state: startText(state, 'ouName', r.index, bp.organizationalUnits[r.index] ?? '') };
      if (text === 'a') return { state: addOu(state, r.index + 1) };
      if (text === 'A')
        return {
          state: addAccount(
            state,
            lastIndexInOu(bp, bp.organizationalUnits[r.index] ?? ROOT_TARGET),
            bp.organizationalUnits[r.index] ?? ROOT_TARGET,
          ),
        };
      if (text === 'd') return { state: deleteOu(state, r.index) };
      break;
    case 'accounts':
      // Appended at the end of the list, it joins the OU of the account it is listed after.
      if (name === 'enter' || text === 'a')
        return { state: addAccount(state, bp.accounts.length, bp.accounts[bp.accounts.length - 1]?.ou ?? ROOT_TARGET) };
      break;
    case 'account': {
      const account = bp.accounts[r.index];
      if (!account) break;
      if (name === 'enter') return { state: startText(state, 'accountName', r.index, account.name) };
      if (text === 'e') return { state: startText(state, 'accountEmail', r.index, account.email) };
      if (text === 'm') {
        const options = ouOptions(bp);
        return {
          state: {
            ...state,
            mode: { kind: 'ou-picker', account: r.index, choice: Math.max(0, options.indexOf(account.ou)) },
          },
        };
      }
      if (text === 'a') return { state: addAccount(state, r.index + 1, account.ou) };
      if (text === 'd') return { state: deleteAccount(state, r.index) };
      break;
    }
    default:
      break;
  }
  if (name !== 'enter' && !(text === ' ' && r.kind === 'regions')) return { state };

  switch (r.kind) {
    case 'load':
      return { state: startText(state, 'load', -1, state.loadPath) };
    case 'region':
      return { state: startText(state, 'region', -1, bp.region) };
    case 'baseEmail':
      return { state: startText(state, 'baseEmail', -1, state.baseEmail) };
    case 'regions':
      return { state: openRegions(state) };
    case 'bucket':
      return { state: startText(state, 'bucket', -1, bp.stateBackend?.bucket ?? '') };
    case 'table':
      return { state: startText(state, 'table', -1, bp.stateBackend?.table ?? '') };
    case 'ciRepo':
      return { state: startText(state, 'ciRepo', -1, bp.ciOidc?.repository ?? '') };
    case 'ciTarget':
      return { state: startText(state, 'ciTarget', -1, bp.ciOidc?.environment ?? refForInput(bp.ciOidc?.ref)) };
    case 'ciRole':
      return { state: startText(state, 'ciRole', -1, bp.ciOidc?.roleName ?? '') };
    case 'trailName':
      return { state: startText(state, 'trailName', -1, bp.organizationTrail?.name ?? '') };
    case 'trailBucket':
      return { state: startText(state, 'trailBucket', -1, bp.organizationTrail?.bucket ?? '') };
    case 'tfDir':
      return { state: startText(state, 'tfDir', -1, bp.terraform?.dir ?? '') };
    case 'savePath':
      return { state: startText(state, 'savePath', -1, state.savePath) };
    case 'continue':
      return continueToPlan(state);
    default:
      return { state };
  }
}

function save(state: EditorState): Outcome {
  const path = state.savePath.trim();
  if (path === '')
    return { state: withStatus(cursorTo(state, 'savePath'), 'error', 'Type a file name in Save to first.') };
  return {
    state: withStatus(state, 'info', `Saving to ${path}…`),
    intent: { kind: 'save', path, blueprint: editorBlueprint(state), overwrite: state.overwrite },
  };
}

function continueToPlan(state: EditorState): Outcome {
  const problems = editorProblems(state);
  if (problems.length === 0) return { state, intent: { kind: 'continue', blueprint: editorBlueprint(state) } };
  const rows = formRows(state.blueprint);
  let first = rows.length - 1;
  for (const p of problems) {
    const target = problemRow(p.path, state.blueprint);
    const i = Math.max(0, findRow(rows, target.kind, target.index));
    if (i < first) first = i;
  }
  const n = problems.length;
  return {
    state: withStatus(
      { ...state, cursor: first },
      'error',
      `Fix ${n} problem${n === 1 ? '' : 's'} first.`,
      'each is marked ✗ under its field; the cursor is on the first',
    ),
  };
}

// Choices ---------------------------------------------------------------------------------

function pick<T>(options: readonly T[], current: T | undefined, step: 1 | -1): T {
  const at = current === undefined ? -1 : options.indexOf(current);
  const from = at < 0 ? (step === 1 ? -1 : 0) : at;
  return options[(from + step + options.length) % options.length] as T;
}

const LOCKS: readonly LockKind[] = ['dynamodb', 'lockfile', 'both'];
const PROVIDERS = ['github', 'gitlab', 'none'] as const;
type ProviderChoice = (typeof PROVIDERS)[number];

function cycle(state: EditorState, kind: RowKind, step: 1 | -1): Outcome {
  const bp = state.blueprint;
  switch (kind) {
    case 'preset': {
      const name = pick(PRESET_NAMES, state.preset, step);
      if (edited(state)) return { state: { ...state, mode: { kind: 'confirm', action: { kind: 'preset', name } } } };
      return {
        state: withStatus(
          replaceBlueprint(state, preset(name), `preset ${name}`, name),
          'ok',
          `Loaded the ${name} preset.`,
        ),
      };
    }
    case 'lock':
      return { state: setLock(state, pick(LOCKS, bp.stateBackend?.lock, step)) };
    case 'ciProvider':
      return { state: setProvider(state, pick(PROVIDERS, bp.ciOidc?.provider ?? 'none', step)) };
    case 'ciMode':
      return { state: toggleCiMode(state) };
    case 'trail':
      return { state: toggleTrail(state) };
    case 'trailAccount': {
      const trail = bp.organizationTrail;
      if (!trail) return { state };
      const account = pick([MANAGEMENT_ACCOUNT, ...bp.accounts.map((a) => a.name)], trail.account, step);
      return { state: { ...state, blueprint: { ...bp, organizationTrail: { ...trail, account } } } };
    }
    default:
      return { state };
  }
}

function setLock(state: EditorState, lock: LockKind): EditorState {
  const sb = state.blueprint.stateBackend;
  if (!sb) return state;
  const memory = { ...state.memory };
  let next: StateBackend = { ...sb, lock };
  if (lock === 'lockfile' && sb.table !== undefined) {
    memory.table = sb.table;
    next = without(next, 'table');
  } else if (lock !== 'lockfile' && sb.table === undefined) {
    next = { ...next, table: memory.table ?? DEFAULT_TABLE };
    delete memory.table;
  }
  return { ...state, memory, blueprint: { ...state.blueprint, stateBackend: next } };
}

/** none keeps the CI section in memory; choosing a provider again brings it back. */
function setProvider(state: EditorState, choice: ProviderChoice): EditorState {
  const bp = state.blueprint;
  const memory = { ...state.memory };
  if (choice === 'none') {
    if (bp.ciOidc) memory.ciOidc = bp.ciOidc;
    return withStatus(
      { ...state, memory, blueprint: without(bp, 'ciOidc') },
      'info',
      'No CI deploy role. Choose a provider again to bring the settings back.',
    );
  }
  let ci: CiOidc = bp.ciOidc ??
    memory.ciOidc ?? {
      provider: choice,
      repository: '',
      ref: 'refs/heads/main',
      roleName: `${choice}-deploy`,
      policyArns: [],
      account: MANAGEMENT_ACCOUNT,
    };
  delete memory.ciOidc;
  ci = { ...ci, provider: choice };
  if (choice === 'gitlab') {
    if (ci.environment !== undefined) {
      // GitLab's subject has no environment: deploy from a branch, and keep the environment.
      memory.environment = ci.environment;
      ci = { ...without(ci, 'environment'), ref: memory.ref ?? 'refs/heads/main' };
      delete memory.ref;
    }
    if (ci.url === undefined && memory.url !== undefined) {
      ci = { ...ci, url: memory.url };
      delete memory.url;
    }
  } else if (ci.url !== undefined) {
    memory.url = ci.url;
    ci = without(ci, 'url');
  }
  return { ...state, memory, blueprint: { ...bp, ciOidc: ci } };
}

function toggleCiMode(state: EditorState): EditorState {
  const ci = state.blueprint.ciOidc;
  if (!ci) return state;
  if (ci.provider === 'gitlab' && ci.environment === undefined) {
    return withStatus(state, 'warning', "GitLab deploys from a branch: its token's subject has no environment.");
  }
  const memory = { ...state.memory };
  let next: CiOidc;
  if (ci.environment !== undefined) {
    memory.environment = ci.environment;
    next = { ...without(ci, 'environment'), ref: memory.ref ?? 'refs/heads/main' };
    delete memory.ref;
  } else {
    if (ci.ref !== undefined) memory.ref = ci.ref;
    next = { ...without(ci, 'ref'), environment: memory.environment ?? 'production' };
    delete memory.environment;
  }
  return { ...state, memory, blueprint: { ...state.blueprint, ciOidc: next } };
}

function toggleTrail(state: EditorState): EditorState {
  const bp = state.blueprint;
  const memory = { ...state.memory };
  if (bp.organizationTrail) {
    memory.trail = bp.organizationTrail;
    return { ...state, memory, blueprint: without(bp, 'organizationTrail') };
  }
  const logAccount = bp.accounts.some((a) => a.name === 'log-archive') ? 'log-archive' : MANAGEMENT_ACCOUNT;
  const trail = memory.trail ?? { name: 'org-trail', bucket: 'example-org-trail-change-me', account: logAccount };
  delete memory.trail;
  const services = bp.organization.trustedServices;
  // An organization trail needs CloudTrail's service access; turning the trail on turns it on.
  const organization = services.includes('cloudtrail.amazonaws.com')
    ? bp.organization
    : { ...bp.organization, trustedServices: [...services, 'cloudtrail.amazonaws.com'] };
  return { ...state, memory, blueprint: { ...bp, organization, organizationTrail: trail } };
}

// OUs and accounts --------------------------------------------------------------------------

function ouOptions(bp: Blueprint): string[] {
  return [ROOT_TARGET, ...bp.organizationalUnits];
}

function addOu(state: EditorState, at: number): EditorState {
  const index = clamp(at, 0, state.blueprint.organizationalUnits.length);
  const started = startText(state, 'ouName', index, '', { adding: true });
  return cursorTo(started, 'ou', index);
}

/** Where an account added to `ou` is listed: after the OU's last account, else at the end. */
function lastIndexInOu(bp: Blueprint, ou: string): number {
  for (let i = bp.accounts.length - 1; i >= 0; i--) if (bp.accounts[i]?.ou === ou) return i + 1;
  return bp.accounts.length;
}

function addAccount(state: EditorState, at: number, ou: string): EditorState {
  const index = clamp(at, 0, state.blueprint.accounts.length);
  const started = startText(state, 'accountName', index, '', { adding: true, ou });
  return cursorTo(started, 'account', index);
}

function deleteOu(state: EditorState, index: number): EditorState {
  const bp = state.blueprint;
  const path = bp.organizationalUnits[index];
  if (path === undefined) return state;
  const accounts = bp.accounts.filter((a) => a.ou === path).length;
  const children = bp.organizationalUnits.filter((p) => p.startsWith(`${path}/`)).length;
  if (accounts > 0 || children > 0) {
    const held = [
      accounts > 0 ? `${accounts} account${accounts === 1 ? '' : 's'}` : '',
      children > 0 ? `${children} child OU${children === 1 ? '' : 's'}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return withStatus(
      state,
      'error',
      `Cannot delete ${path}: it still holds ${held}.`,
      'move the accounts (m) and delete or rename the child OUs first',
    );
  }
  const { guardrails, touched } = mapTargets(bp.guardrails, (t) => (t === path ? undefined : t));
  const next = withGuardrails(
    { ...bp, organizationalUnits: bp.organizationalUnits.filter((_, i) => i !== index) },
    guardrails,
  );
  const also = touched.length > 0 ? ` It was removed from the targets of ${touched.join(', ')}.` : '';
  return withStatus({ ...state, blueprint: next }, 'ok', `Deleted OU ${path}.${also}`);
}

function deleteAccount(state: EditorState, index: number): EditorState {
  const bp = state.blueprint;
  const account = bp.accounts[index];
  if (!account) return state;
  const { guardrails, touched } = mapTargets(bp.guardrails, (t) => (t === account.name ? undefined : t));
  const next = withGuardrails({ ...bp, accounts: bp.accounts.filter((_, i) => i !== index) }, guardrails);
  const also = touched.length > 0 ? ` It was removed from the targets of ${touched.join(', ')}.` : '';
  return withStatus({ ...state, blueprint: next }, 'ok', `Deleted account ${account.name}.${also}`);
}

// Text fields -------------------------------------------------------------------------------

function startText(
  state: EditorState,
  field: EditorField,
  index: number,
  value: string,
  add: { adding?: boolean; ou?: string } = {},
): EditorState {
  const mode: EditorMode = {
    kind: 'text',
    field,
    index,
    draft: textField(value),
    original: value,
    before: state.blueprint,
    adding: add.adding ?? false,
    ou: add.ou ?? '',
    cursorBefore: state.cursor,
  };
  return applyDraft({ ...state, mode }, mode);
}

type TextMode = Extract<EditorMode, { kind: 'text' }>;

/** The state with the draft applied: to the snapshot for blueprint fields, else to the field. */
function applyDraft(state: EditorState, mode: TextMode): EditorState {
  const value = mode.draft.value;
  switch (mode.field) {
    case 'load':
      return { ...state, mode, loadPath: value };
    case 'baseEmail':
      return { ...state, mode, baseEmail: value };
    case 'savePath':
      return { ...state, mode, savePath: value };
    default:
      return { ...state, mode, blueprint: applyField(state, mode, value) };
  }
}

function applyField(state: EditorState, mode: TextMode, value: string): Blueprint {
  const bp = mode.before;
  switch (mode.field) {
    case 'region':
      return { ...bp, region: value };
    case 'ouName':
      return mode.adding
        ? { ...bp, organizationalUnits: insertAt(bp.organizationalUnits, mode.index, value) }
        : renameOu(bp, bp.organizationalUnits[mode.index] ?? value, value);
    case 'accountName':
      if (!mode.adding) return renameAccount(bp, mode.index, value);
      return {
        ...bp,
        accounts: insertAt(bp.accounts, mode.index, {
          name: value,
          email: emailProblem(state.baseEmail) ? '' : (plusAddress(state.baseEmail, value) ?? ''),
          ou: mode.ou,
        }),
      };
    case 'accountEmail':
      return setAccount(bp, mode.index, { email: value });
    case 'bucket':
      if (!bp.stateBackend) return value === '' ? bp : { ...bp, stateBackend: DEFAULT_BACKEND(value) };
      return withBackend(bp, (sb) => ({ ...sb, bucket: value }));
    case 'table':
      return withBackend(bp, (sb) => ({ ...sb, table: value }));
    case 'ciRepo':
      return withCi(bp, (ci) => ({ ...ci, repository: value }));
    case 'ciTarget':
      return withCi(bp, (ci) =>
        ci.environment !== undefined ? { ...ci, environment: value } : { ...ci, ref: refFromInput(value) },
      );
    case 'ciRole':
      return withCi(bp, (ci) => ({ ...ci, roleName: value }));
    case 'trailName':
      return withTrail(bp, (t) => ({ ...t, name: value }));
    case 'trailBucket':
      return withTrail(bp, (t) => ({ ...t, bucket: value }));
    case 'tfDir':
      // An empty directory means no Terraform state to migrate; the other settings are kept.
      if (value === '') return without(bp, 'terraform');
      return {
        ...bp,
        terraform: { ...(bp.terraform ?? state.memory.terraform ?? DEFAULT_TERRAFORM(value)), dir: value },
      };
    default:
      return bp;
  }
}

function textKey(state: EditorState, mode: TextMode, press: KeyPress): Outcome {
  const name = keyName(press);
  if (name === 'escape') return { state: cancelText(state, mode) };
  if (name === 'enter') return commitText(state, mode, 0, true);
  if (name === 'up') return commitText(state, mode, -1, false);
  if (name === 'down' || name === 'tab') return commitText(state, mode, 1, false);
  const draft = editText(mode.draft, press);
  if (!draft || draft === mode.draft) return { state };
  return { state: applyDraft({ ...state, status: undefined }, { ...mode, draft }) };
}

function cancelText(state: EditorState, mode: TextMode): EditorState {
  const restored: EditorState = { ...state, mode: { kind: 'browse' }, blueprint: mode.before, status: undefined };
  if (mode.field === 'load') restored.loadPath = mode.original;
  if (mode.field === 'baseEmail') restored.baseEmail = mode.original;
  if (mode.field === 'savePath') restored.savePath = mode.original;
  return mode.adding ? { ...restored, cursor: mode.cursorBefore } : restored;
}

/** A draft that cannot be kept (Enter stays in the field and says why), or undefined. */
function commitRefusal(state: EditorState, mode: TextMode): string | undefined {
  const value = mode.draft.value;
  const bp = mode.before;
  if (mode.field === 'ouName') {
    if (value.trim() === '') return 'An OU needs a name (a path such as Workloads/Production). Esc cancels.';
    const clash = bp.organizationalUnits.find(
      (p, i) => (mode.adding || i !== mode.index) && p.toLowerCase() === value.toLowerCase(),
    );
    if (clash !== undefined) return `The OU ${clash} already exists. Choose another name, or Esc to cancel.`;
  }
  if (mode.field === 'accountName') {
    if (value.trim() === '') return 'An account needs a name. Esc cancels.';
    const clash = bp.accounts.find(
      (a, i) => (mode.adding || i !== mode.index) && a.name.toLowerCase() === value.toLowerCase(),
    );
    if (clash) return `The account ${clash.name} already exists (names are compared case-insensitively). Esc cancels.`;
  }
  if (mode.field === 'load' && value.trim() === '') return 'Type the path of a blueprint file, or Esc to cancel.';
  return undefined;
}

function commitText(state: EditorState, mode: TextMode, move: -1 | 0 | 1, enter: boolean): Outcome {
  const refusal = commitRefusal(state, mode);
  if (refusal) return { state: withStatus(state, 'error', refusal) };
  const value = mode.draft.value;
  let next: EditorState = { ...state, mode: { kind: 'browse' }, status: undefined };
  let intent: EditorIntent | undefined;
  switch (mode.field) {
    case 'bucket': {
      const bucket = next.blueprint.stateBackend?.bucket;
      const known = state.bucket?.name === bucket && state.bucket?.availability.kind !== 'unknown';
      if (bucket && bucketNameProblem(bucket) === undefined && (enter || !known)) {
        next.bucket = { name: bucket, availability: { kind: 'checking' } };
        intent = { kind: 'check-bucket', bucket };
      }
      break;
    }
    case 'baseEmail':
      if (value.trim() !== '' && (enter || value !== mode.original)) next = generateEmails(next);
      break;
    case 'load': {
      const path = value.trim();
      if (!enter) break;
      if (edited(next)) next = { ...next, mode: { kind: 'confirm', action: { kind: 'load', path } } };
      else {
        next = withStatus(next, 'info', `Loading ${path}…`);
        intent = { kind: 'load-file', path };
      }
      break;
    }
    case 'savePath':
      if (value !== mode.original) next.overwrite = false;
      break;
    case 'tfDir':
      if (value === '' && mode.before.terraform) next.memory = { ...next.memory, terraform: mode.before.terraform };
      break;
    case 'accountName':
      if (mode.adding)
        next = withStatus(
          next,
          'ok',
          `Added account ${value} in ${mode.ou}.`,
          next.blueprint.accounts[mode.index]?.email ? undefined : 'set its email with e, or a base email and g',
        );
      break;
    case 'ouName':
      if (mode.adding) next = withStatus(next, 'ok', `Added OU ${value}.`);
      break;
    default:
      break;
  }
  if (move !== 0 && next.mode.kind === 'browse')
    next.cursor = clamp(next.cursor + move, 0, formRows(next.blueprint).length - 1);
  return intent ? { state: next, intent } : { state: next };
}

// Pickers and questions ---------------------------------------------------------------------

function ouPickerKey(state: EditorState, mode: Extract<EditorMode, { kind: 'ou-picker' }>, press: KeyPress): Outcome {
  const options = ouOptions(state.blueprint);
  const moved = movement(press, options.length, mode.choice);
  if (moved !== undefined) return { state: { ...state, mode: { ...mode, choice: moved } } };
  const name = keyName(press);
  if (name === 'escape') return { state: { ...state, mode: { kind: 'browse' }, status: undefined } };
  if (name !== 'enter') return { state };
  const ou = options[mode.choice] ?? ROOT_TARGET;
  const account = state.blueprint.accounts[mode.account];
  const next = {
    ...state,
    mode: { kind: 'browse' } as EditorMode,
    blueprint: setAccount(state.blueprint, mode.account, { ou }),
  };
  return { state: withStatus(next, 'ok', `Moved ${account?.name ?? 'the account'} to ${ou}.`) };
}

/** The regions offered: the home region's partition, plus any allowed now that lie outside it. */
function regionOptions(bp: Blueprint): string[] {
  const partition = partitionOf(bp.region) ?? 'aws';
  const own = REGIONS.filter((r) => partitionOf(r) === partition);
  const others = (bp.guardrails?.denyRegions?.allow ?? []).filter((r) => !own.includes(r));
  return [...own, ...others];
}

function openRegions(state: EditorState): EditorState {
  const bp = state.blueprint;
  const options = regionOptions(bp);
  const selected = bp.guardrails?.denyRegions?.allow ?? (isRegion(bp.region) ? [bp.region] : []);
  return {
    ...state,
    mode: {
      kind: 'regions',
      choice: Math.max(0, options.indexOf(selected[0] ?? '')),
      options,
      selected: [...selected],
      error: undefined,
    },
  };
}

function regionsKey(state: EditorState, mode: Extract<EditorMode, { kind: 'regions' }>, press: KeyPress): Outcome {
  const moved = movement(press, mode.options.length, mode.choice);
  if (moved !== undefined) return { state: { ...state, mode: { ...mode, choice: moved } } };
  const name = keyName(press);
  const text = keyText(press);
  if (name === 'escape') return { state: { ...state, mode: { kind: 'browse' }, status: undefined } };
  if (text === ' ' || text === 'x') {
    const region = mode.options[mode.choice];
    if (region === undefined) return { state };
    const selected = mode.selected.includes(region)
      ? mode.selected.filter((r) => r !== region)
      : mode.options.filter((r) => r === region || mode.selected.includes(r));
    return { state: { ...state, mode: { ...mode, selected, error: undefined } } };
  }
  if (name !== 'enter') return { state };
  const bp = state.blueprint;
  if (mode.selected.length === 0)
    return {
      state: {
        ...state,
        mode: { ...mode, error: 'Allow at least one region: an empty list would deny every regional service.' },
      },
    };
  if (isRegion(bp.region) && !mode.selected.includes(bp.region)) {
    return {
      state: {
        ...state,
        mode: {
          ...mode,
          error: `The home region ${bp.region} must stay allowed: awsorg creates the state and trail buckets there.`,
        },
      },
    };
  }
  const guardrails: Guardrails = {
    ...bp.guardrails,
    denyRegions: { targets: [ROOT_TARGET], ...bp.guardrails?.denyRegions, allow: mode.selected },
  };
  const policyTypes = bp.organization.policyTypes;
  // A Region lock is an SCP; turn SCPs on with it.
  const organization = policyTypes.includes('SERVICE_CONTROL_POLICY')
    ? bp.organization
    : { ...bp.organization, policyTypes: [...policyTypes, 'SERVICE_CONTROL_POLICY' as const] };
  const next: EditorState = { ...state, mode: { kind: 'browse' }, blueprint: { ...bp, organization, guardrails } };
  return {
    state: withStatus(
      next,
      'ok',
      `Allowed ${mode.selected.length} region${mode.selected.length === 1 ? '' : 's'}: ${mode.selected.join(', ')}.`,
    ),
  };
}

function confirmKey(state: EditorState, mode: Extract<EditorMode, { kind: 'confirm' }>, press: KeyPress): Outcome {
  const text = keyText(press);
  const browse: EditorState = { ...state, mode: { kind: 'browse' } };
  if (text !== 'y' && text !== 'Y') return { state: withStatus(browse, 'info', 'Kept your edits.') };
  if (mode.action.kind === 'preset') {
    const name = mode.action.name;
    return {
      state: withStatus(
        replaceBlueprint(browse, preset(name), `preset ${name}`, name),
        'ok',
        `Loaded the ${name} preset.`,
      ),
    };
  }
  const path = mode.action.path;
  return { state: withStatus(browse, 'info', `Loading ${path}…`), intent: { kind: 'load-file', path } };
}

// ---------------------------------------------------------------------------------------------
// Events

export function editorEvent(state: EditorState, event: EditorEvent): EditorState {
  switch (event.kind) {
    case 'bucket-checked':
      // A result for a name that has since been edited away is stale.
      if (event.bucket !== state.blueprint.stateBackend?.bucket) return state;
      return { ...state, bucket: { name: event.bucket, availability: event.availability } };
    case 'loaded':
      return withStatus(
        replaceBlueprint(state, structuredClone(event.blueprint), event.path, undefined),
        'ok',
        `Loaded ${event.path}.`,
      );
    case 'load-failed':
      return withStatus(state, 'error', event.message, 'correct the file, or pick a preset');
    case 'saved':
      return withStatus(
        { ...state, overwrite: false, saved: JSON.stringify(state.blueprint) },
        'ok',
        `Saved to ${event.path}.`,
      );
    case 'save-failed':
      if (event.exists)
        return withStatus(
          { ...state, overwrite: true },
          'warning',
          `${state.savePath} exists: press s again to overwrite it.`,
          'or change Save to',
        );
      return withStatus({ ...state, overwrite: false }, 'error', event.message);
  }
}

// ---------------------------------------------------------------------------------------------
// Drawing

/** A line being built: segments whose texts add up to at most the width, and a line style. */
interface Out {
  segs: Segment[];
  style: string;
  /** A piece of the trust policy's subject, which a cut preview keeps in view. */
  subject?: boolean;
}

/** Cuts segments to `width` columns (an ellipsis marks the cut); pads to `width` when asked. */
function fitSegs(segs: readonly Segment[], width: number, pad = false): Segment[] {
  const out: Segment[] = [];
  let left = Math.max(0, width);
  for (const s of segs) {
    if (left <= 0) break;
    if (s.text.length <= left) {
      out.push(s);
      left -= s.text.length;
    } else {
      out.push({ ...s, text: clip(s.text, left) });
      left = 0;
    }
  }
  if (pad && left > 0) out.push({ text: ' '.repeat(left) });
  return out;
}

function seg(text: string, style?: string): Segment {
  return style ? { text, style } : { text };
}

const PRESET_CHOICES: readonly string[] = PRESET_NAMES;

/** Choices as `[current] other other`: the brackets say what colour also says. */
function choiceSegs(options: readonly string[], current: string | undefined, p: Palette): Segment[] {
  return options.flatMap((o, i) => [
    seg(i === 0 ? '' : ' '),
    o === current ? seg(`[${o}]`, p.bold) : seg(` ${o} `, p.dim),
  ]);
}

function availabilitySeg(a: BucketAvailability, p: Palette): Segment {
  switch (a.kind) {
    case 'checking':
      return seg('checking…', p.dim);
    case 'free':
      return seg('✓ free', p.ok);
    case 'owned':
      return seg('✓ exists and is yours: bootstrap will adopt it', p.ok);
    case 'taken':
      return seg('✗ taken: owned by another AWS account: choose another name', p.error);
    case 'unknown':
      return seg(`? not checked: ${a.reason}`, p.warning);
  }
}

interface DrawCtx {
  state: EditorState;
  width: number;
  p: Palette;
  labelWidth: number;
  editing: TextMode | undefined;
  problems: Map<string, ShownProblem[]>;
  count: number;
  /** The OU path column: the longest path, within the width. */
  ouWidth: number;
}

const LABELS: Partial<Record<RowKind, string>> = {
  preset: 'Preset',
  load: 'Load file',
  region: 'Home region',
  baseEmail: 'Base email',
  regions: 'Allowed regions',
  bucket: 'State bucket',
  lock: 'Lock',
  table: 'Lock table',
  ciProvider: 'CI provider',
  ciRepo: 'Repository',
  ciMode: 'Deploy from',
  ciRole: 'Role name',
  trail: 'Organization trail',
  trailName: 'Trail name',
  trailBucket: 'Trail bucket',
  trailAccount: 'Log account',
  tfDir: 'Terraform dir',
  savePath: 'Save to',
};

function ciTargetLabel(ci: CiOidc | undefined): string {
  if (ci?.environment !== undefined) return 'Environment';
  if (ci?.ref?.startsWith('refs/tags/')) return 'Tag';
  if (ci?.ref !== undefined && ci.ref.startsWith('refs/') && !ci.ref.startsWith('refs/heads/')) return 'Ref';
  return 'Branch';
}

/** The editable value of a row, or its draft with a cursor while it is being edited. */
function valueSegs(r: Row, d: DrawCtx, room: number): Segment[] {
  const { state, p } = d;
  const bp = state.blueprint;
  const editing = d.editing && editingRow(d.editing, r) ? d.editing : undefined;
  if (editing) return [seg(shownWindow(editing.draft, room), p.accent)];
  const unset = (text: string) => [seg(text, p.dim)];
  switch (r.kind) {
    case 'preset':
      return [...choiceSegs(PRESET_CHOICES, state.preset, p), ...(state.preset ? [] : [seg('  (now: a file)', p.dim)])];
    case 'load':
      return state.loadPath ? [seg(state.loadPath)] : unset('Enter: type the path of a blueprint file');
    case 'region': {
      const partition = partitionOf(bp.region);
      return [seg(bp.region), ...(partition ? [seg(`  ${partition} partition`, p.dim)] : [])];
    }
    case 'baseEmail':
      return state.baseEmail
        ? [seg(state.baseEmail), seg('  g: generate account emails', p.dim)]
        : unset('not set: type one to generate account emails');
    case 'regions': {
      const lock = bp.guardrails?.denyRegions;
      return lock
        ? [seg(lock.allow.join(', ') || '(none)'), seg(`  on ${lock.targets.join(', ')}`, p.dim)]
        : unset('no Region lock (Enter to add one)');
    }
    case 'bucket': {
      const bucket = bp.stateBackend?.bucket;
      if (bucket === undefined) return unset('none (Enter to name one)');
      const check = state.bucket?.name === bucket ? state.bucket.availability : undefined;
      return [
        seg(bucket),
        seg('  '),
        check ? availabilitySeg(check, p) : seg(bucketNameProblem(bucket) ? '' : 'not checked yet', p.dim),
      ];
    }
    case 'lock':
      return choiceSegs(LOCKS, bp.stateBackend?.lock, p);
    case 'table':
      return [seg(bp.stateBackend?.table ?? '')];
    case 'ciProvider':
      return choiceSegs(PROVIDERS, bp.ciOidc?.provider ?? 'none', p);
    case 'ciRepo':
      return [seg(bp.ciOidc?.repository ?? '')];
    case 'ciMode':
      if (bp.ciOidc?.provider === 'gitlab' && bp.ciOidc.environment === undefined)
        return [seg('[branch]', p.bold), seg('  GitLab tokens carry no environment', p.dim)];
      return choiceSegs(['branch', 'environment'], bp.ciOidc?.environment !== undefined ? 'environment' : 'branch', p);
    case 'ciTarget': {
      const ci = bp.ciOidc;
      if (ci?.environment !== undefined) return [seg(ci.environment)];
      const ref = ci?.ref ?? '';
      return ref.startsWith('refs/heads/') ? [seg(refForInput(ref)), seg(`  ${ref}`, p.dim)] : [seg(ref)];
    }
    case 'ciRole':
      return [seg(bp.ciOidc?.roleName ?? '')];
    case 'trail':
      return choiceSegs(['on', 'off'], bp.organizationTrail ? 'on' : 'off', p);
    case 'trailName':
      return [seg(bp.organizationTrail?.name ?? '')];
    case 'trailBucket':
      return [seg(bp.organizationTrail?.bucket ?? '')];
    case 'trailAccount':
      return [
        seg(`[${bp.organizationTrail?.account ?? ''}]`, p.bold),
        seg(
          `  Enter: next of management and ${bp.accounts.length} account${bp.accounts.length === 1 ? '' : 's'}`,
          p.dim,
        ),
      ];
    case 'tfDir':
      return bp.terraform ? [seg(bp.terraform.dir)] : unset('none: no Terraform state to migrate');
    case 'savePath':
      return [seg(state.savePath), ...(state.overwrite ? [seg('  exists: s overwrites it', p.warning)] : [])];
    default:
      return [];
  }
}

function editingRow(mode: TextMode, r: Row): boolean {
  switch (mode.field) {
    case 'ouName':
      return r.kind === 'ou' && r.index === mode.index;
    case 'accountName':
    case 'accountEmail':
      return r.kind === 'account' && r.index === mode.index;
    case 'load':
      return r.kind === 'load';
    default:
      return r.kind === mode.field;
  }
}

/** The columns of an account row for a width: name, email and OU. */
function accountColumns(width: number): { name: number; email: number; ou: number } {
  const room = Math.max(12, width - 4 - 4);
  const name = clamp(Math.floor(room * 0.28), 6, 32);
  const ou = clamp(Math.floor(room * 0.24), 5, 30);
  return { name, ou, email: Math.max(4, room - name - ou) };
}

function padTo(text: string, width: number): string {
  return text.length >= width ? clip(text, width) : text + ' '.repeat(width - text.length);
}

/** One form row's main line. */
function rowLine(r: Row, focused: boolean, d: DrawCtx): Out {
  const { state, width, p } = d;
  const bp = state.blueprint;
  const marker = focused ? '> ' : '  ';
  const style = focused ? p.inverse : '';
  switch (r.kind) {
    case 'ous':
    case 'accounts': {
      const n = r.kind === 'ous' ? bp.organizationalUnits.length : bp.accounts.length;
      const title = r.kind === 'ous' ? `Organizational units (${n})` : `Accounts (${n})`;
      const keys =
        r.kind === 'ous'
          ? '  a add · on a row: Enter rename, d delete'
          : '  a add · on a row: Enter rename, e email, m move, d delete';
      return { segs: fitSegs([seg(marker), seg(title, p.bold), seg(keys, p.dim)], width, focused), style };
    }
    case 'ou': {
      const editing = d.editing && editingRow(d.editing, r) ? d.editing : undefined;
      const path = bp.organizationalUnits[r.index] ?? '';
      const held = bp.accounts.filter((a) => a.ou === path).length;
      const room = editing ? Math.max(4, width - 20) : d.ouWidth;
      const name = editing ? seg(padTo(shownWindow(editing.draft, room), room), p.accent) : seg(padTo(path, room));
      return {
        segs: fitSegs(
          [seg(`${marker}  `), name, seg(`  ${held} account${held === 1 ? '' : 's'}`, p.dim)],
          width,
          focused,
        ),
        style,
      };
    }
    case 'account': {
      const account = bp.accounts[r.index];
      const cols = accountColumns(width);
      const editing = d.editing && editingRow(d.editing, r) ? d.editing : undefined;
      const cell = (text: string, w: number, field: EditorField) =>
        editing?.field === field ? seg(padTo(shownWindow(editing.draft, w), w), p.accent) : seg(padTo(text, w));
      const ou = account?.ou ?? '';
      return {
        segs: fitSegs(
          [
            seg(`${marker}  `),
            cell(account?.name ?? '', cols.name, 'accountName'),
            seg('  '),
            cell(account?.email ?? '', cols.email, 'accountEmail'),
            seg('  '),
            seg(padTo(ou, cols.ou), ou === ROOT_TARGET ? p.dim : ''),
          ],
          width,
          focused,
        ),
        style,
      };
    }
    case 'continue': {
      const verdict =
        d.count > 0
          ? seg(`  ✗ ${d.count} problem${d.count === 1 ? '' : 's'} to fix first`, p.error)
          : seg('  ✓ the blueprint is valid', p.ok);
      return { segs: fitSegs([seg(marker), seg('Continue to the plan →', p.bold), verdict], width, focused), style };
    }
    default: {
      const label = r.kind === 'ciTarget' ? ciTargetLabel(bp.ciOidc) : (LABELS[r.kind] ?? r.kind);
      const head = [seg(marker), seg(padTo(label, d.labelWidth)), seg(' ')];
      const room = Math.max(4, width - marker.length - d.labelWidth - 1);
      return { segs: fitSegs([...head, ...valueSegs(r, d, room)], width, focused), style };
    }
  }
}

/** The problem lines drawn under a row: up to two problems, each on up to two lines. */
function problemLines(r: Row, d: DrawCtx): Out[] {
  const list = d.problems.get(rowId(r));
  if (!list || list.length === 0) return [];
  const { width, p } = d;
  const indent = '      ';
  const room = Math.max(10, width - indent.length);
  const out: Out[] = [];
  for (const problem of list.slice(0, 2)) {
    const field = problemLabel(r, problem.path);
    const mark = problem.blocking ? '✗' : '!';
    const text = `${mark} ${field ? `${field}: ` : ''}${problem.message}. Fix: ${problem.fix}`;
    const lines = wrap(text, room);
    const shown = lines.length > 2 ? [lines[0] ?? '', clip(lines.slice(1).join(' '), room)] : lines;
    for (const line of shown)
      out.push({ segs: fitSegs([seg(indent), seg(line, problem.blocking ? p.error : p.warning)], width), style: '' });
  }
  if (list.length > 2)
    out.push({ segs: fitSegs([seg(indent), seg(`✗ and ${list.length - 2} more here`, p.error)], width), style: '' });
  return out;
}

/**
 * The rows shown in `height` lines: the cursor's row with its problems, rows above it up to a
 * third of the space, rows below to fill the rest. Only the rows visited are formatted.
 */
function formWindow(rows: readonly Row[], cursor: number, height: number, d: DrawCtx): Out[] {
  const blocks = new Map<number, Out[]>();
  const block = (i: number): Out[] => {
    let b = blocks.get(i);
    if (!b) {
      const r = rows[i]!;
      b = [rowLine(r, i === cursor, d), ...problemLines(r, d)];
      blocks.set(i, b);
    }
    return b;
  };
  let first = cursor;
  let last = cursor;
  let used = Math.min(height, block(cursor).length);
  const aboveTarget = Math.floor((height - used) / 3);
  let above = 0;
  while (first > 0 && above + block(first - 1).length <= aboveTarget) above += block(--first).length;
  while (last < rows.length - 1 && used + above + block(last + 1).length <= height) used += block(++last).length;
  while (first > 0 && used + above + block(first - 1).length <= height) above += block(--first).length;
  const out: Out[] = [];
  for (let i = first; i <= last; i++) out.push(...block(i));
  if (out.length < height && last < rows.length - 1) out.push(...block(last + 1).slice(0, height - out.length));
  return out.slice(0, height);
}

/** The form's narrowest comfortable width beside the preview: its cells are not cut at 80. */
const FORM_BESIDE_PREVIEW = 80;

/** The columns the JSON preview needs so that no value (an ARN, the subject) is cut: a long `"key": value` puts the value on its own line. */
function previewNeed(state: EditorState): number {
  const preview = trustPolicyPreview(state);
  if (!preview || 'refused' in preview) return 0;
  return preview.json.reduce((n, line) => {
    const field = /^(\s*"(?:[^"\\]|\\.)*":) (.*)$/.exec(line);
    return Math.max(n, field ? Math.min(line.length, Math.max(field[1]!.length, field[2]!.length)) : line.length);
  }, 0);
}

/**
 * The preview's column beside the form, or 0 to draw it below: beside only when the form keeps
 * its comfortable width and the JSON fits whole, so neither is squeezed nor an ARN broken.
 */
function previewColumn(state: EditorState, width: number): number {
  if (width < 110) return 0;
  const side = Math.max(Math.min(78, Math.floor((width - 3) / 2)), previewNeed(state));
  return width - 3 - side >= FORM_BESIDE_PREVIEW ? side : 0;
}

/** The trust policy's statements as `key  value` rows; a value too long for the key's line goes on its own. */
function compactPreviewLines(state: EditorState, width: number, p: Palette): Out[] {
  const preview = trustPolicyPreview(state);
  if (!preview || 'refused' in preview) return previewLines(state, width, p);
  const policy = JSON.parse(preview.json.join('\n')) as { Statement?: Record<string, unknown>[] };
  const pairs: [string, string][] = [];
  for (const statement of policy.Statement ?? []) {
    pairs.push(['Effect', String(statement.Effect)]);
    for (const [kind, value] of Object.entries((statement.Principal ?? {}) as Record<string, unknown>))
      pairs.push([`Principal ${kind}`, String(value)]);
    pairs.push(['Action', [statement.Action].flat().join(', ')]);
    for (const [operator, conditions] of Object.entries(
      (statement.Condition ?? {}) as Record<string, Record<string, unknown>>,
    )) {
      for (const [key, value] of Object.entries(conditions))
        pairs.push([`${operator} ${key}`, [value].flat().join(', ')]);
    }
  }
  const role = state.blueprint.ciOidc?.roleName ?? '';
  const out: Out[] = [
    { segs: fitSegs([seg('Trust policy', p.bold), seg(` of role ${role} · live preview`, p.dim)], width), style: '' },
  ];
  // Short keys (Effect, Action...) line up in a column; a long condition key is followed by its value.
  const keyWidth = Math.max(0, ...pairs.map(([k]) => k.length).filter((n) => n <= 20));
  for (const [key, value] of pairs) {
    const subject = key.endsWith(':sub');
    const mark = subject ? { subject } : {};
    const lead = `  ${key.padEnd(keyWidth)}  `;
    if (lead.length + value.length <= width) {
      out.push({ segs: [seg(lead, p.dim), seg(value, subject ? p.accent : '')], style: '', ...mark });
      continue;
    }
    out.push({ segs: fitSegs([seg(`  ${key}`, p.dim)], width), style: '', ...mark });
    for (const piece of breakAtSeparators(value, Math.max(10, width - 4)))
      out.push({ segs: [seg(`    ${piece}`, subject ? p.accent : '')], style: '', ...mark });
  }
  return out;
}

/** A long value (an ARN, a subject) in pieces of at most `width`, broken after a ':' or '/' where it can be. */
function breakAtSeparators(value: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = value;
  while (rest.length > width) {
    const cut = Math.max(rest.lastIndexOf(':', width - 1), rest.lastIndexOf('/', width - 1));
    const at = cut > 0 ? cut + 1 : width;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  pieces.push(rest);
  return pieces;
}

/** The trust-policy panel (or the refusal) for `width` columns. */
function previewLines(state: EditorState, width: number, p: Palette): Out[] {
  const preview = trustPolicyPreview(state);
  if (!preview) return [];
  const role = state.blueprint.ciOidc?.roleName ?? '';
  const out: Out[] = [
    { segs: fitSegs([seg('Trust policy', p.bold), seg(` of role ${role} · live preview`, p.dim)], width), style: '' },
  ];
  if ('refused' in preview) {
    for (const line of wrap(`✗ ${preview.refused.message}`, width)) out.push({ segs: [seg(line, p.error)], style: '' });
    for (const line of wrap(
      `Fix: ${preview.refused.fix}. Continue is blocked until the subject names one repository and one branch or environment.`,
      width,
    ))
      out.push({ segs: [seg(line)], style: '' });
    return out;
  }
  for (const line of preview.json) {
    const subject = /:sub"/.test(line);
    for (const piece of jsonLinePieces(line, width))
      out.push({ segs: fitSegs([seg(piece, subject ? p.accent : '')], width), style: '', ...(subject && { subject }) });
  }
  return out;
}

/**
 * A JSON line cut to `width`: a long `"key": value` puts the value on its own line (so the
 * subject and the provider ARN stay whole at 80 columns), and what is still too long is cut hard.
 */
function jsonLinePieces(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = (/^\s*/.exec(line)?.[0] ?? '').slice(0, Math.max(0, Math.floor(width / 3)));
  const field = /^(\s*"(?:[^"\\]|\\.)*":) (.*)$/.exec(line);
  // The value on its own line gives up indentation before it would be cut.
  const value = field?.[2] ?? '';
  const valueIndent = ' '.repeat(clamp(width - value.length, 0, indent.length + 2));
  const parts = field ? [field[1] ?? '', `${valueIndent}${value}`] : [line];
  const pieces: string[] = [];
  for (const part of parts) {
    let rest = part;
    let first = true;
    while (rest.length > 0) {
      const room = Math.max(1, width - (first ? 0 : indent.length + 4));
      pieces.push(first ? rest.slice(0, room) : `${indent}    ${rest.slice(0, room)}`);
      rest = rest.slice(room);
      first = false;
    }
  }
  return pieces;
}

/** Keeps a preview within `height` lines, dropping lines from its top so the subject stays in view. */
function capPreview(lines: Out[], height: number, p: Palette): Out[] {
  if (lines.length <= height) return lines;
  if (height <= 1) return lines.slice(0, height);
  const first = lines.findIndex((l) => l.subject);
  if (first < 0) return lines.slice(0, height);
  let last = first;
  while (lines[last + 1]?.subject) last++;
  const room = height - 2;
  const keepFrom = clamp(first - Math.floor(Math.max(0, room - (last - first + 1)) / 2), 1, lines.length - room);
  return [
    lines[0]!,
    { segs: [seg(`… ${keepFrom - 1} line${keepFrom - 1 === 1 ? '' : 's'} above`, p.dim)], style: '' },
    ...lines.slice(keepFrom, keepFrom + height - 2),
  ];
}

function render(line: Out, p: Palette): string {
  return styledLine(line.segs, line.style, p);
}

/** Two columns: the form on the left, padded to `leftWidth`, the preview on the right. */
function sideBySide(left: Out | undefined, right: Out | undefined, leftWidth: number, p: Palette): string {
  const l = left ? fitSegs(left.segs, leftWidth, !!left.style) : [];
  const visible = left?.style
    ? leftWidth
    : l
        .map((s) => s.text)
        .join('')
        .trimEnd().length;
  const leftText = left ? styledLine(l, left.style, p) : '';
  if (!right) return leftText;
  return (
    leftText + ' '.repeat(Math.max(0, leftWidth - visible)) + styledLine([seg(' │ ', p.dim), ...right.segs], '', p)
  );
}

function pickerLines(state: EditorState, width: number, height: number, p: Palette): Out[] {
  const mode = state.mode;
  const bp = state.blueprint;
  if (mode.kind === 'ou-picker') {
    const account = bp.accounts[mode.account];
    const options = ouOptions(bp);
    const head: Out = {
      segs: fitSegs(
        [seg(`Move account ${account?.name ?? ''} `, p.bold), seg(`(now in ${account?.ou ?? '?'}) to:`)],
        width,
      ),
      style: '',
    };
    const room = Math.max(1, height - 1);
    const start = clamp(mode.choice - Math.floor(room / 3), 0, Math.max(0, options.length - room));
    const out = [head];
    for (let i = start; i < Math.min(options.length, start + room); i++) {
      const o = options[i]!;
      const focused = i === mode.choice;
      out.push({
        segs: fitSegs(
          [seg(focused ? '> ' : '  '), seg(o), seg(o === account?.ou ? '  (current)' : '', p.dim)],
          width,
          focused,
        ),
        style: focused ? p.inverse : '',
      });
    }
    return out;
  }
  if (mode.kind === 'regions') {
    const partition = partitionOf(bp.region) ?? 'aws';
    const head: Out = {
      segs: fitSegs(
        [
          seg('Allowed regions', p.bold),
          seg(` · ${partition} partition · ${mode.selected.length} selected · home ${bp.region}`, p.dim),
        ],
        width,
      ),
      style: '',
    };
    const errors = mode.error
      ? wrap(`✗ ${mode.error}`, width).map((line): Out => ({ segs: [seg(line, p.error)], style: '' }))
      : [];
    const room = Math.max(1, height - 1 - errors.length);
    const start = clamp(mode.choice - Math.floor(room / 3), 0, Math.max(0, mode.options.length - room));
    const out = [head, ...errors];
    for (let i = start; i < Math.min(mode.options.length, start + room); i++) {
      const region = mode.options[i]!;
      const focused = i === mode.choice;
      const on = mode.selected.includes(region);
      const note =
        region === bp.region
          ? '  (home region)'
          : partitionOf(region) !== partition
            ? `  (${partitionOf(region) ?? 'unknown'} partition: an SCP here cannot allow it)`
            : '';
      out.push({
        segs: fitSegs(
          [seg(focused ? '> ' : '  '), seg(on ? '[x] ' : '[ ] ', on ? p.ok : ''), seg(region), seg(note, p.dim)],
          width,
          focused,
        ),
        style: focused ? p.inverse : '',
      });
    }
    return out;
  }
  return [];
}

export function editorLines(state: EditorState, ctx: RenderContext): string[] {
  const { height, palette: p } = ctx;
  const width = Math.max(1, ctx.width);
  if (height <= 0) return [];
  const { rows, cursor, row: focused } = focusedRow(state);
  const { byRow, count } = problemsByRow(state, rows);

  const verdict = count > 0 ? seg(`✗ ${count} problem${count === 1 ? '' : 's'}`, p.error) : seg('✓ valid', p.ok);
  const position = seg(`  row ${cursor + 1}/${rows.length}`, p.dim);
  const sourceRoom = Math.max(4, width - 12 - verdict.text.length - position.text.length);
  const header: Out[] = [
    {
      segs: fitSegs(
        [seg('Blueprint: ', p.bold), seg(clip(state.source, sourceRoom)), seg(' · '), verdict, position],
        width,
      ),
      style: '',
    },
  ];

  const status = state.mode.kind === 'confirm' ? confirmNotice(state.mode) : state.status;
  if (status) {
    const style =
      status.tone === 'error' ? p.error : status.tone === 'warning' ? p.warning : status.tone === 'ok' ? p.ok : '';
    const mark = status.tone === 'error' ? '✗ ' : status.tone === 'warning' ? '! ' : status.tone === 'ok' ? '✓ ' : '';
    const lines = status.text.split('\n').flatMap((l, i) => wrap(i === 0 ? mark + l : l, width));
    const shown = lines.length > 5 ? [...lines.slice(0, 4), `… and ${lines.length - 4} more lines`] : lines;
    for (const line of shown) header.push({ segs: [seg(line, style)], style: '' });
    if (status.next)
      for (const line of wrap(`Next: ${status.next}`, width).slice(0, 2))
        header.push({ segs: [seg(line, p.dim)], style: '' });
  }

  const bodyHeight = Math.max(1, height - header.length);
  const out = header.slice(0, height).map((l) => render(l, p));
  if (out.length >= height) return out;

  if (state.mode.kind === 'ou-picker' || state.mode.kind === 'regions') {
    return [...out, ...pickerLines(state, width, bodyHeight, p).map((l) => render(l, p))].slice(0, height);
  }

  const editing = state.mode.kind === 'text' ? state.mode : undefined;
  const showPreview = CI_ROWS.has(focused.kind) && state.blueprint.ciOidc !== undefined;
  const sideWidth = showPreview ? previewColumn(state, width) : 0;
  const formWidth = sideWidth > 0 ? width - 3 - sideWidth : width;
  const labelWidth = formWidth >= 80 ? 20 : formWidth >= 64 ? 16 : 13;
  const longestOu = state.blueprint.organizationalUnits.reduce((n, path) => Math.max(n, path.length), 8);
  const ouWidth = clamp(longestOu + 2, 10, Math.max(4, formWidth - 20));
  const d: DrawCtx = { state, width: formWidth, p, labelWidth, editing, problems: byRow, count, ouWidth };

  if (showPreview && sideWidth > 0) {
    const form = formWindow(rows, cursor, bodyHeight, d);
    const preview = capPreview(previewLines(state, sideWidth, p), bodyHeight, p);
    for (let i = 0; i < Math.max(form.length, preview.length) && out.length < height; i++)
      out.push(sideBySide(form[i], preview[i], formWidth, p));
    return out;
  }
  let preview: Out[] = [];
  if (showPreview) {
    // Below the form: the policy's JSON when all of it fits whole, else its statements as key: value rows.
    const json = previewLines(state, width, p);
    const all =
      json.length + 1 <= Math.floor(bodyHeight / 2) && previewNeed(state) <= width
        ? json
        : compactPreviewLines(state, width, p);
    const room = Math.max(0, Math.min(all.length + 1, Math.floor(bodyHeight / 2)));
    preview =
      room >= 3
        ? [{ segs: [seg('─'.repeat(Math.min(width, 40)), p.dim)], style: '' }, ...capPreview(all, room - 1, p)]
        : [];
  }
  const form = formWindow(rows, cursor, Math.max(1, bodyHeight - preview.length), d);
  for (const line of [...form, ...preview]) if (out.length < height) out.push(render(line, p));
  return out;
}

function confirmNotice(mode: Extract<EditorMode, { kind: 'confirm' }>): Notice {
  const what = mode.action.kind === 'preset' ? `preset ${mode.action.name}` : mode.action.path;
  return {
    tone: 'warning',
    text: `Replace your edits with ${what}? y/n`,
    next: 'y replaces them; any other key keeps your edits',
  };
}

// ---------------------------------------------------------------------------------------------
// Hints and help

export function editorHints(state: EditorState): string {
  const mode = state.mode;
  switch (mode.kind) {
    case 'text': {
      const extra =
        mode.field === 'bucket'
          ? ' (checks the name)'
          : mode.field === 'baseEmail'
            ? ' (generates emails)'
            : mode.field === 'load'
              ? ' (loads it)'
              : '';
      // The editing keys come last: on a narrow terminal they are cut first (help lists them too).
      return `Type · Enter keep${extra} · Esc undo · ←/→ Home/End · Ctrl-W word · Ctrl-U to start`;
    }
    case 'ou-picker':
      return 'j/k move · Enter move the account here · Esc cancel';
    case 'regions':
      return 'j/k move · Space toggle · Enter confirm · Esc cancel';
    case 'confirm':
      return 'y replace your edits · any other key keeps them';
    default:
      break;
  }
  const { row: r } = focusedRow(state);
  const common = 's save · Esc back · ? help';
  if (r.kind === 'ou') return `Enter rename · a add OU · A add account here · d delete · j/k move · ${common}`;
  if (r.kind === 'account') return `Enter rename · e email · m move · a add · d delete · g emails · ${common}`;
  if (r.kind === 'ous' || r.kind === 'accounts') return `a add · j/k move · ${common}`;
  if (r.kind === 'continue') return `Enter continue to the plan · ${common}`;
  if (r.kind === 'baseEmail') return `Enter edit (then generates) · g generate emails · ${common}`;
  if (r.kind === 'regions') return `Enter choose regions · j/k move · ${common}`;
  if (r.kind === 'bucket') return `Enter edit, Enter again checks the name · j/k move · ${common}`;
  if (CHOICE_ROWS.has(r.kind)) return `Enter/Space next · h previous · j/k move · ${common}`;
  return `Enter edit · j/k move · ${common}`;
}

export function editorHelp(): string[] {
  return [
    'Blueprint: edit the organization awsorg will build, then continue to the plan.',
    'Every change is checked as you type; ✗ marks a problem under the field it belongs to.',
    '',
    'Up/Down or j/k move, PgUp/PgDn a page, Home/End the ends. Esc goes back a screen; nothing is lost.',
    'Text fields: Enter starts editing; type; Enter keeps the value; Esc restores the previous one.',
    '  Left/Right and Home/End move in the text; Ctrl-W erases a word, Ctrl-U all before the cursor.',
    'Choices (preset, lock, CI provider, deploy from, trail, log account): Enter, Space, l or Tab next; h previous.',
    'Preset: replaces the blueprint; if you edited it, you are asked first. Load file: type a path, Enter.',
    '',
    'Organizational units: Enter renames (child OUs, accounts and guardrail targets follow), a adds,',
    '  A adds an account in the OU, d deletes an empty OU (one that holds accounts or child OUs is refused).',
    'Accounts: Enter renames, e edits the email, m moves it to another OU, a adds one in the same OU, d deletes.',
    'Base email: Enter after editing it, or g, generates every email as name+account@domain,',
    '  each checked against the AWS limit of 64 characters.',
    'Allowed regions: Enter opens the list; Space toggles; Enter confirms. The home region must stay allowed.',
    'State bucket: Enter after editing checks the name with S3: free, yours (adopted), or taken.',
    'CI: the trust policy preview follows your typing. A repository, branch or environment that is',
    '  empty or has a wildcard is refused: it would let other repositories or branches deploy.',
    'Organization trail and CI provider none keep their settings: switch them on again to get them back.',
    '',
    's saves to the Save to file (an existing file needs a second s). Continue needs zero problems.',
  ];
}
