/**
 * Drawing the editor's side panels: the CI role's trust-policy preview (beside the form when both
 * fit whole, else below it, cut so the subject stays in view) and the OU and region pickers; and
 * the line primitives the form's drawing shares.
 */
import { ouOptions } from '../../core/blueprint-edit.js';
import { partitionOf } from '../../core/regions.js';
import { clip, styledLine, wrap, type Palette, type Segment } from '../console/style.js';
import { trustPolicyPreview } from './editor-ci.js';
import { clamp } from './editor-rows.js';
import type { BucketAvailability, EditorState } from './editor-types.js';

/** A line being built: segments whose texts add up to at most the width, and a line style. */
export interface Out {
  segs: Segment[];
  style: string;
  /** A piece of the trust policy's subject, which a cut preview keeps in view. */
  subject?: boolean;
}

/** Cuts segments to `width` columns (an ellipsis marks the cut); pads to `width` when asked. */
export function fitSegs(segs: readonly Segment[], width: number, pad = false): Segment[] {
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

export function seg(text: string, style?: string): Segment {
  return style ? { text, style } : { text };
}

/** Choices as `[current] other other`: the brackets say what colour also says. */
export function choiceSegs(options: readonly string[], current: string | undefined, p: Palette): Segment[] {
  return options.flatMap((o, i) => [
    seg(i === 0 ? '' : ' '),
    o === current ? seg(`[${o}]`, p.bold) : seg(` ${o} `, p.dim),
  ]);
}

export function availabilitySeg(a: BucketAvailability, p: Palette): Segment {
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

export function padTo(text: string, width: number): string {
  return text.length >= width ? clip(text, width) : text + ' '.repeat(width - text.length);
}

/** The form's narrowest comfortable width beside the preview: its cells are not cut at 80. */
const FORM_BESIDE_PREVIEW = 80;

/** The columns the JSON preview needs so that no value (an ARN, the subject) is cut: a long `"key": value` puts the value on its own line. */
export function previewNeed(state: EditorState): number {
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
export function previewColumn(state: EditorState, width: number): number {
  if (width < 110) return 0;
  const side = Math.max(Math.min(78, Math.floor((width - 3) / 2)), previewNeed(state));
  return width - 3 - side >= FORM_BESIDE_PREVIEW ? side : 0;
}

/** The trust policy's statements as `key  value` rows; a value too long for the key's line goes on its own. */
export function compactPreviewLines(state: EditorState, width: number, p: Palette): Out[] {
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
export function previewLines(state: EditorState, width: number, p: Palette): Out[] {
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
export function capPreview(lines: Out[], height: number, p: Palette): Out[] {
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

export function render(line: Out, p: Palette): string {
  return styledLine(line.segs, line.style, p);
}

/** Two columns: the form on the left, padded to `leftWidth`, the preview on the right. */
export function sideBySide(left: Out | undefined, right: Out | undefined, leftWidth: number, p: Palette): string {
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

export function pickerLines(state: EditorState, width: number, height: number, p: Palette): Out[] {
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
