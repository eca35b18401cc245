/**
 * The editor's row model: which rows the form has for a blueprint (a section switched off shows
 * only its switch), the problems drawn under each row, and the key hints for the focused row.
 *
 * Problems are validateBlueprint's issues (memoized per blueprint object) plus the few the editor
 * adds (a taken bucket, the home region left out of the Region lock, an unscoped CI subject); each
 * issue path maps to the row it is drawn under.
 */
import type { Blueprint } from '../../core/blueprint.js';
import { emailProblem, validateBlueprint } from '../../core/blueprint-load.js';
import { plusAddress } from '../../core/blueprint-edit.js';
import { isRegion } from '../../core/regions.js';
import { ciRefusal } from './editor-ci.js';
import type { EditorProblem, EditorState } from './editor-types.js';

export type RowKind =
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

export interface Row {
  kind: RowKind;
  /** The OU or account index; -1 for other rows. */
  index: number;
}

export const CI_ROWS: ReadonlySet<RowKind> = new Set(['ciProvider', 'ciRepo', 'ciMode', 'ciTarget', 'ciRole']);
export const CHOICE_ROWS: ReadonlySet<RowKind> = new Set([
  'preset',
  'lock',
  'ciProvider',
  'ciMode',
  'trail',
  'trailAccount',
]);

export const row = (kind: RowKind, index = -1): Row => ({ kind, index });

/** The form's rows for a blueprint, in order; sections switched off show only their switch. */
export function formRows(bp: Blueprint): Row[] {
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

export function findRow(rows: readonly Row[], kind: RowKind, index = -1): number {
  return rows.findIndex((r) => r.kind === kind && r.index === index);
}

export const clamp = (n: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, n));

export function focusedRow(
  state: EditorState,
  rows = formRows(state.blueprint),
): { rows: Row[]; cursor: number; row: Row } {
  const cursor = clamp(state.cursor, 0, rows.length - 1);
  return { rows, cursor, row: rows[cursor] ?? row('preset') };
}

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
export function problemRow(path: string, bp: Blueprint): Row {
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
export function problemLabel(r: Row, path: string): string {
  if (r.kind === 'account') return /^accounts\[\d+\]\.(\w+)/.exec(path)?.[1] ?? '';
  if (r.kind === 'ou' && path === `organizationalUnits[${r.index}]`) return 'OU name';
  return ownPaths(r).some((own) => path === own || path.startsWith(`${own}[`)) ? '' : path;
}

export const rowId = (r: Row) => `${r.kind}:${r.index}`;

export interface ShownProblem extends EditorProblem {
  blocking: boolean;
}

/**
 * Problems (blocking first) and field notes grouped by the row they are drawn under; one whose
 * row is not shown goes under the first row, so every problem counted is also drawn.
 */
export function problemsByRow(
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
