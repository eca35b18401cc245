/**
 * Drawing the editor: `editorLines` formats the header, the status and only the form rows in the
 * visible window (the cursor kept about a third of the way down), so the cost of a frame does not
 * grow with the number of accounts; each row's problems are drawn under it.
 */
import { ROOT_TARGET, type CiOidc } from '../../core/blueprint.js';
import { bucketNameProblem } from '../../core/blueprint-load.js';
import { PRESET_NAMES } from '../../core/presets.js';
import { partitionOf } from '../../core/regions.js';
import { clip, wrap, type Palette, type Segment } from '../console/style.js';
import { refForInput } from './editor-ci.js';
import { LOCKS, PROVIDERS } from './editor-choices.js';
import {
  availabilitySeg,
  capPreview,
  choiceSegs,
  compactPreviewLines,
  fitSegs,
  pickerLines,
  previewColumn,
  previewLines,
  padTo,
  previewNeed,
  render,
  seg,
  sideBySide,
  type Out,
} from './editor-panels.js';
import {
  CI_ROWS,
  clamp,
  focusedRow,
  problemLabel,
  problemsByRow,
  rowId,
  type Row,
  type RowKind,
  type ShownProblem,
} from './editor-rows.js';
import type { EditorField, EditorMode, EditorState, TextMode } from './editor-types.js';
import { shownWindow } from './text-input.js';
import type { Notice, RenderContext } from './types.js';

const PRESET_CHOICES: readonly string[] = PRESET_NAMES;

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
  if (ci?.ref?.startsWith('refs/') && !ci.ref.startsWith('refs/heads/')) return 'Ref';
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
