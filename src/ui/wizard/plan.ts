/**
 * Screen 4, Plan review: the engine's plan grouped by step with counts, every change with its
 * API call, policy changes expandable into their diff, scrolled. Apply needs an explicit
 * confirmation: `a`, then typing `yes`. Pure.
 */
import type { StepPlan } from '../../steps/engine.js';
import type { Change } from '../../steps/types.js';
import { clip, palette, styledLine, type Palette } from '../console/style.js';
import { changeMarker, countChanges } from '../plan-text.js';
import { paragraph, plural, scrollTop } from './layout.js';
import { editText, shownText, textField, type TextField } from './text-input.js';
import {
  keyName,
  keyText,
  listMove,
  type KeyOutcome,
  type KeyPress,
  type Notice,
  type RenderContext,
} from './types.js';

export interface PlanState {
  status: 'planning' | 'ready' | 'failed';
  /** While planning: the step being observed. */
  progress?: string;
  plans?: StepPlan[];
  /** Who the plan is for: "account 111111111111 as arn:…". */
  target?: string;
  error?: Notice;
  /** Index into the change rows. */
  cursor: number;
  /** Keys of expanded changes. */
  expanded: string[];
  top: number;
  confirm?: TextField;
  confirmError?: string;
}

export type PlanIntent = { kind: 'apply' } | { kind: 'replan' } | { kind: 'back' };

export function initialPlan(): PlanState {
  return { status: 'planning', cursor: 0, expanded: [], top: 0 };
}

export function planReady(state: PlanState, plans: StepPlan[], target: string): PlanState {
  return {
    ...state,
    status: 'ready',
    plans,
    target,
    cursor: 0,
    top: 0,
    expanded: [],
    progress: undefined,
    error: undefined,
    confirm: undefined,
  };
}

function changesOf(state: PlanState): Change[] {
  return (state.plans ?? []).flatMap((p) => p.changes);
}

export function planKey(state: PlanState, press: KeyPress, pageSize: number): KeyOutcome<PlanState, PlanIntent> {
  const name = keyName(press);
  const text = keyText(press);
  if (state.confirm) {
    if (name === 'escape') return { state: { ...state, confirm: undefined, confirmError: undefined } };
    if (name === 'enter') {
      if (state.confirm.value.trim().toLowerCase() === 'yes')
        return { state: { ...state, confirm: undefined, confirmError: undefined }, intent: { kind: 'apply' } };
      return { state: { ...state, confirmError: 'Type yes to apply, or press Esc to go back to the plan.' } };
    }
    const edited = editText(state.confirm, press);
    return { state: edited ? { ...state, confirm: edited, confirmError: undefined } : state };
  }
  if (name === 'escape') return { state, intent: { kind: 'back' } };
  if (state.status === 'planning') return { state };
  if (state.status === 'failed')
    return text === 'r' || name === 'enter'
      ? { state: { ...state, status: 'planning', error: undefined }, intent: { kind: 'replan' } }
      : { state };
  const changes = changesOf(state);
  const last = Math.max(0, changes.length - 1);
  const move = listMove(press);
  const page = Math.max(1, pageSize - 1);
  const scrolled = scrollInChange(state, move, name, pageSize);
  if (scrolled !== undefined) return { state: { ...state, top: scrolled } };
  let cursor = state.cursor;
  if (move) cursor += move;
  else if (name === 'pagedown') cursor += page;
  else if (name === 'pageup') cursor -= page;
  else if (name === 'home') cursor = 0;
  else if (name === 'end') cursor = last;
  if (cursor !== state.cursor) return { state: { ...state, cursor: Math.max(0, Math.min(last, cursor)) } };
  if ((name === 'enter' || text === ' ') && changes[cursor]) {
    const key = changes[cursor]!.key;
    const expanded = state.expanded.includes(key) ? state.expanded.filter((k) => k !== key) : [...state.expanded, key];
    return { state: { ...state, expanded } };
  }
  if (text === 'r') return { state: { ...state, status: 'planning' }, intent: { kind: 'replan' } };
  if (text === 'a') {
    if (countChanges(state.plans ?? []) === 0)
      return { state: { ...state, confirmError: undefined }, intent: { kind: 'apply' } };
    return { state: { ...state, confirm: textField() } };
  }
  return { state };
}

/**
 * The list's new first line when the key scrolls inside the focused change (an expanded diff
 * taller than the page) instead of moving the cursor: Down/PgDn while the change's last line is
 * below the page, Up/PgUp while its first line is above it. Undefined otherwise.
 */
function scrollInChange(
  state: PlanState,
  move: -1 | 0 | 1,
  name: string | undefined,
  pageSize: number,
): number | undefined {
  const key = changesOf(state)[state.cursor]?.key;
  if (key === undefined || !state.expanded.includes(key)) return undefined;
  const all = rows(state, PLAIN);
  const first = all.findIndex((r) => r.of === state.cursor);
  let lastLine = first;
  while (all[lastLine + 1]?.of === state.cursor) lastLine++;
  const page = Math.max(1, pageSize);
  const top = state.top;
  const bottom = top + page - 1;
  if ((move === 1 || name === 'pagedown') && lastLine > bottom)
    return Math.min(top + (move === 1 ? 1 : Math.max(1, page - 1)), lastLine - page + 1);
  if ((move === -1 || name === 'pageup') && first < top)
    return Math.max(first, top - (move === -1 ? 1 : Math.max(1, page - 1)));
  return undefined;
}

const PLAIN = palette(false);

interface Row {
  text: string;
  style?: string;
  /** The change row this line belongs to (for the cursor), when it is a change's first line. */
  change?: number;
  /** The change every line of its block belongs to (its summary, calls and diff). */
  of?: number;
}

function rows(state: PlanState, p: Palette): Row[] {
  const out: Row[] = [];
  let index = 0;
  for (const plan of state.plans ?? []) {
    if (!plan.enabled) {
      out.push({ text: `○ ${plan.title}: not in the blueprint`, style: p.dim });
      continue;
    }
    const n = plan.changes.length;
    out.push({ text: `${n ? '●' : '✓'} ${plan.title}: ${n ? plural(n, 'change') : 'no changes'}`, style: p.bold });
    for (const note of plan.notes) out.push({ text: `    note: ${note}`, style: p.dim });
    for (const change of plan.changes) {
      const where = change.account && change.account !== 'management' ? ` [in ${change.account}]` : '';
      const open = state.expanded.includes(change.key);
      const more = change.diff ? (open ? ' ▾ diff' : ' ▸ diff') : change.calls.length > 1 ? (open ? ' ▾' : ' ▸') : '';
      out.push({ text: `  ${changeMarker(change)} ${change.calls[0]}${where}${more}`, change: index, of: index });
      out.push({ text: `      ${change.summary}`, of: index });
      if (open) {
        if (change.calls.length > 1)
          out.push({ text: `      then: ${change.calls.slice(1).join(', ')}`, style: p.dim, of: index });
        for (const line of change.diff?.split('\n') ?? []) {
          const style = line.startsWith('+') ? p.ok : line.startsWith('-') ? p.error : '';
          out.push({ text: `      ${line}`, ...(style ? { style } : {}), of: index });
        }
      }
      index++;
    }
  }
  return out;
}

export function planLines(state: PlanState, ctx: RenderContext): { lines: string[]; top: number; pageSize: number } {
  const { width, height, palette: p } = ctx;
  if (state.status === 'planning') {
    return {
      lines: [
        'Reading what exists and planning every step; nothing is written.',
        '',
        `  ${state.progress ?? 'Starting…'}`,
      ],
      top: 0,
      pageSize: 1,
    };
  }
  if (state.status === 'failed') {
    const e = state.error;
    const lines = [
      styledLine([{ text: 'The plan could not be made.', style: p.error }], '', p),
      ...paragraph(e?.text ?? 'unknown error', width, p, p.error, 2),
    ];
    if (e?.next) lines.push(...paragraph(`Next: ${e.next}`, width, p, '', 2));
    lines.push('', '  Press r to plan again, or Esc to go back and change the blueprint or sign-in.');
    return { lines, top: 0, pageSize: 1 };
  }
  const plans = state.plans ?? [];
  const total = countChanges(plans);
  const stepsWithChanges = plans.filter((x) => x.changes.length > 0).length;
  const head = [
    styledLine(
      [
        {
          text: total
            ? `Plan: ${plural(total, 'change')} in ${plural(stepsWithChanges, 'step')}`
            : 'No changes: the organization matches the blueprint.',
          style: p.bold,
        },
        { text: clip(state.target ? `  for ${state.target}` : '', Math.max(0, width - 40)) },
      ],
      '',
      p,
    ),
    '',
  ];
  const footer: string[] = [];
  if (state.confirm) {
    footer.push(
      '',
      styledLine(
        [
          {
            text: clip(
              `Apply ${plural(total, 'change')}? Type yes and press Enter (Esc: back to the plan): `,
              width - 6,
            ),
            style: p.bold,
          },
          { text: shownText(state.confirm, true) },
        ],
        '',
        p,
      ),
    );
    if (state.confirmError) footer.push(styledLine([{ text: clip(state.confirmError, width), style: p.error }], '', p));
  }
  const all = rows(state, p);
  const bodyHeight = Math.max(1, height - head.length - footer.length);
  const cursorLine = Math.max(
    0,
    all.findIndex((r) => r.change === state.cursor),
  );
  let top = scrollTop(all.length, cursorLine, bodyHeight, state.top);
  // Scrolled inside the focused change's diff: its first line may be above the page.
  if (state.top > cursorLine && all[state.top]?.of === state.cursor)
    top = Math.min(state.top, Math.max(0, all.length - bodyHeight));
  const visible = all.slice(top, top + bodyHeight).map((r) => {
    const selected = r.change !== undefined && r.change === state.cursor;
    const text = clip(`${selected ? '>' : ' '}${r.text}`, width);
    if (selected) return styledLine([{ text: text.padEnd(width) }], p.inverse, p);
    return styledLine([{ text, ...(r.style ? { style: r.style } : {}) }], '', p);
  });
  return { lines: [...head, ...visible, ...footer], top, pageSize: bodyHeight };
}

export function planHints(state: PlanState): string {
  if (state.confirm) return 'type yes, Enter apply · Esc back to the plan';
  if (state.status === 'ready')
    return 'Up/Down move · Enter expand diff · PgUp/PgDn scroll · a apply · r re-plan · Esc blueprint · ? help';
  return 'Esc back · ? help';
}

export function planHelp(): string[] {
  return [
    'Plan review',
    '  Up/Down, j/k   move between changes; PgUp/PgDn a page; Home/End the ends.',
    '                 An expanded diff taller than the screen scrolls first, a line or a page.',
    '  Enter, Space   expand a change: its policy diff and every API call it makes',
    '  a              apply: type yes to confirm; nothing is written before that',
    '  r              plan again (after changing something outside awsorg)',
    '  Esc            back to the blueprint; your edits are kept',
    '',
    'Markers: + create, ~ update or move, - remove. [in NAME] is a change made in a member',
    'account through its OrganizationAccountAccessRole.',
  ];
}
