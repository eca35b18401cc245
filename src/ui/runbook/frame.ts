/**
 * The runbook screen as lines for a given size: a title with the incident and the DRY RUN,
 * REHEARSAL and ROLLBACK badges; the steps, each with a marker and its status spelled out (so
 * it reads without colour); the current step (what it does, where it runs, the exact requests,
 * the prior state and the rollback) in a panel that scrolls; the question being asked; a notice
 * and the key hints. After the run, the same frame shows the outcome. Every line is cut to the
 * width; requests and prior state are wrapped, never cut, because the operator confirms them. Pure.
 */
import type { AwsRequest, Rollback, StepStatus, Where } from '../../runbooks/types.js';
import { clip, styledLine, wrap, type Palette, type Segment } from '../console/style.js';
import { elapsed, paragraph, plural, scrollTop } from '../wizard/layout.js';
import { shownText, type TextField } from '../wizard/text-input.js';
import type { RunbookPrompt, RunbookScreenState, RunbookStep } from './state.js';

export interface RunbookFrame {
  lines: string[];
  /** The panel's first line as drawn (kept in range) and how many lines it showed. */
  panelTop: number;
  panelPage: number;
}

export interface RunbookRenderSize {
  width: number;
  height: number;
  palette: Palette;
  now: number;
}

const MARK: Record<StepStatus, string> = {
  pending: '·',
  running: '›',
  passed: '✓',
  applied: '✓',
  acknowledged: '✓',
  failed: '✗',
  declined: '■',
  skipped: '–',
  unchanged: '–',
  planned: '–',
};
const WORD: Record<StepStatus, string> = {
  pending: 'pending',
  running: 'running',
  passed: 'passed',
  applied: 'applied',
  acknowledged: 'acknowledged',
  failed: 'FAILED',
  declined: 'declined',
  skipped: 'skipped',
  unchanged: 'unchanged',
  planned: 'planned',
};
/** The label column of the panel: "  Request    {". */
const LABEL = 12;
const INDENT = 2 + LABEL;

function statusStyle(status: StepStatus, p: Palette): string {
  if (status === 'failed') return p.error;
  if (status === 'declined') return p.warning;
  if (status === 'passed' || status === 'applied' || status === 'acknowledged') return p.ok;
  if (status === 'running') return p.bold;
  return p.dim;
}

function line(text: string, width: number, p: Palette, style = ''): string {
  return styledLine([{ text: clip(text, width), ...(style ? { style } : {}) }], '', p);
}

function rule(width: number, p: Palette): string {
  return styledLine([{ text: '─'.repeat(width), style: p.dim }], '', p);
}

/** Text after a label, word-wrapped into the value column. */
function labelled(label: string, text: string, width: number, p: Palette, style = ''): string[] {
  const room = Math.max(10, width - INDENT);
  return text
    .split('\n')
    .flatMap((part) => wrap(part, room))
    .map((part, i) =>
      styledLine(
        [
          { text: `  ${(i === 0 ? label : '').padEnd(LABEL)}`, style: p.dim },
          { text: part, ...(style ? { style } : {}) },
        ],
        '',
        p,
      ),
    );
}

/** Lines already shaped (JSON), placed in the value column; a line too long breaks onto an indented continuation. */
function block(label: string, lines: string[], width: number, p: Palette, style = ''): string[] {
  const room = Math.max(10, width - INDENT);
  return lines
    .flatMap((l) => breakLong(l, room))
    .map((part, i) =>
      styledLine(
        [
          { text: `  ${(i === 0 ? label : '').padEnd(LABEL)}`, style: p.dim },
          { text: part, ...(style ? { style } : {}) },
        ],
        '',
        p,
      ),
    );
}

/** Break one JSON line into pieces of at most `room` columns, continuing at its indentation plus two. */
function breakLong(text: string, room: number): string[] {
  if (text.length <= room) return [text];
  const indent = ' '.repeat(Math.min(text.length - text.trimStart().length + 2, Math.floor(room / 2)));
  const pieces: string[] = [];
  let rest = text;
  let lead = '';
  while (lead.length + rest.length > room) {
    const span = room - lead.length;
    // Prefer breaking after a space or comma in the second half of the line.
    let cut = Math.max(rest.lastIndexOf(' ', span - 1), rest.lastIndexOf(',', span - 1)) + 1;
    if (cut < span / 2) cut = span;
    pieces.push(lead + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    lead = indent;
  }
  pieces.push(lead + rest);
  return pieces;
}

/** A value on one line, JSON with a space inside braces: `{ "Id": "r-exam", "Type": "ROOT" }`. */
function inlineJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inlineJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length
      ? `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inlineJson(v)}`).join(', ')} }`
      : '{}';
  }
  return JSON.stringify(value);
}

/**
 * Pretty JSON that keeps a nested object or array on one line when it fits in `room` columns,
 * so a prior state of parents and policies reads as a short list. The top level is always
 * expanded: one request parameter per line.
 */
function jsonLines(value: unknown, room: number, depth = 0, prefix = '', suffix = ''): string[] {
  const pad = '  '.repeat(depth);
  const one = inlineJson(value);
  const nested = value !== null && typeof value === 'object';
  if (!nested || one.length <= 2 || (depth > 0 && pad.length + prefix.length + one.length + suffix.length <= room))
    return [pad + prefix + one + suffix];
  const entries: [string | undefined, unknown][] = Array.isArray(value)
    ? value.map((v) => [undefined, v])
    : Object.entries(value);
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return [
    pad + prefix + open,
    ...entries.flatMap(([k, v], i) =>
      jsonLines(v, room, depth + 1, k === undefined ? '' : `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : ''),
    ),
    pad + close + suffix,
  ];
}

function json(value: unknown, width: number): string[] {
  // Through JSON first, so what is drawn is what the transcript records (dates as strings, no undefined).
  const text = JSON.stringify(value);
  if (text === undefined) return ['(nothing captured)'];
  return jsonLines(JSON.parse(text) as unknown, Math.max(10, width - INDENT));
}

export function whereText(where: Where): string {
  const role = where.role === 'signed-in' ? 'your own sign-in' : `role ${where.role}`;
  return `account ${where.account} · ${role} · region ${where.region}`;
}

function requestLines(label: string, requests: AwsRequest[], width: number, p: Palette): string[] {
  if (requests.length === 1) {
    const r = requests[0]!;
    return [
      ...labelled(label, `${r.service}:${r.action}`, width, p, p.bold),
      ...block('', json(r.input, width), width, p),
    ];
  }
  return requests.flatMap((r, i) => [
    ...labelled(i === 0 ? label : '', `${i + 1}. ${r.service}:${r.action}`, width, p, p.bold),
    ...block('', json(r.input, width), width, p),
  ]);
}

function rollbackLines(rollback: Rollback, width: number, p: Palette): string[] {
  if ('none' in rollback) return labelled('Rollback', `none: ${rollback.none}`, width, p, p.warning);
  return [
    ...labelled('Rollback', rollback.does, width, p),
    ...(rollback.requests.length ? requestLines('', rollback.requests, width, p) : []),
  ];
}

/**
 * Per-item results (drills): a table of name and detail when every item fits on one line,
 * otherwise each detail on its own lines under its name, wrapped at words.
 */
function itemLines(items: NonNullable<RunbookStep['items']>, width: number, p: Palette, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const mark = (ok: boolean): Segment => ({ text: ok ? '✓ pass  ' : '✗ FAIL  ', style: ok ? p.ok : p.error });
  const name = Math.max(...items.map((i) => i.name.length));
  if (items.every((i) => indent + 8 + name + 2 + i.detail.length <= width)) {
    return items.map((i) =>
      styledLine(
        [{ text: pad }, mark(i.ok), { text: `${i.name.padEnd(name)}  ` }, { text: i.detail, style: i.ok ? p.dim : '' }],
        '',
        p,
      ),
    );
  }
  const room = Math.max(10, width - indent - 8);
  return items.flatMap((i) => [
    styledLine([{ text: pad }, mark(i.ok), { text: clip(i.name, room) }], '', p),
    ...wrap(i.detail, room).map((detail) =>
      styledLine([{ text: `${pad}        ` }, { text: detail, style: i.ok ? p.dim : '' }], '', p),
    ),
  ]);
}

/** The panel for the step in focus: what it does and, when asking, exactly what will be sent. */
function stepPanel(state: RunbookScreenState, width: number, p: Palette): string[] {
  const index = state.current;
  const step = index === undefined ? undefined : state.steps[index];
  if (index === undefined || !step)
    return paragraph(state.stopping ? 'Stopping…' : 'Starting the run…', width, p, p.dim);
  const prompt = state.prompt;
  const action = prompt?.kind === 'action' && prompt.view.index === index ? prompt.view : undefined;
  const where = action?.where ?? step.where;
  const out = [
    line(`Step ${index + 1} of ${state.steps.length} · ${step.kind} · ${step.title}`, width, p, p.bold),
    ...labelled('Does', step.does, width, p),
  ];
  if (where) out.push(...labelled('Where', whereText(where), width, p));
  if (action) {
    out.push(
      ...(action.requests.length
        ? requestLines(action.requests.length === 1 ? 'Request' : 'Requests', action.requests, width, p)
        : labelled('Request', 'none: the change is already in place', width, p, p.dim)),
    );
    // The rollback before the prior state: what will be sent and how to undo it fit on the first page.
    out.push(...rollbackLines(action.rollback, width, p), ...block('Prior', json(action.prior, width), width, p));
    return out;
  }
  if (step.call) out.push(...labelled('Call', step.call, width, p));
  if (step.poll)
    out.push(
      ...labelled(
        'Probe',
        `attempt ${step.poll.attempt} · ${elapsed(step.poll.elapsedMs)} · ${step.poll.summary}`,
        width,
        p,
      ),
    );
  if (step.summary !== undefined && step.status !== 'running')
    out.push(...labelled('Result', `${WORD[step.status]}: ${step.summary}`, width, p, statusStyle(step.status, p)));
  if (step.items?.length) {
    const passed = step.items.filter((i) => i.ok).length;
    out.push(
      ...labelled('Items', `${passed} of ${step.items.length} passed`, width, p),
      ...itemLines(step.items, width, p, 4),
    );
  }
  if (step.calls.length)
    out.push(
      ...labelled(
        'AWS calls',
        step.calls.map((c) => (c.count > 1 ? `${c.call} ×${c.count}` : c.call)).join(', '),
        width,
        p,
        p.dim,
      ),
    );
  return out;
}

/** Cut `text` to `width` columns at a word boundary, with an ellipsis. */
function clipWords(text: string, width: number): string {
  if (text.length <= width) return text;
  const cut = text.lastIndexOf(' ', width - 1);
  return `${text.slice(0, cut > 0 ? cut : width - 1).replace(/[\s,;:.]+$/, '')}…`;
}

interface RowLayout {
  /** Columns before the title: marker, number, kind. */
  lead: number;
  title: number;
  /** Columns for the one-line summary after the status word; 0 when too few to be worth it. */
  summary: number;
}

const WORD_WIDTH = 12;

function rowLayout(state: RunbookScreenState, width: number, withSummary: boolean): RowLayout {
  const lead = 1 + 1 + String(state.steps.length).length + 2 + 6 + 2;
  const longest = Math.max(0, ...state.steps.map((s) => s.title.length));
  const title = Math.max(0, Math.min(longest, width - lead - 2 - WORD_WIDTH));
  const left = width - lead - title - 2 - WORD_WIDTH - 2;
  return { lead, title, summary: withSummary && left >= 24 ? left : 0 };
}

function stepRow(state: RunbookScreenState, i: number, layout: RowLayout, p: Palette): string {
  const step = state.steps[i]!;
  const current = state.current === i && !state.outcome;
  const asking = current && state.prompt !== undefined;
  const word = asking ? 'waiting' : WORD[step.status];
  const num = String(i + 1).padStart(String(state.steps.length).length);
  const summary =
    layout.summary && step.summary && step.status !== 'running' ? clipWords(step.summary, layout.summary) : '';
  const segments: Segment[] = [
    { text: MARK[step.status], style: statusStyle(step.status, p) },
    { text: ` ${num}  ${step.kind.padEnd(6)}  ` },
    { text: clip(step.title, layout.title).padEnd(layout.title), ...(current ? { style: p.bold } : {}) },
    { text: '  ' },
    { text: word.padEnd(WORD_WIDTH), style: asking ? p.accent : statusStyle(step.status, p) },
    ...(summary ? [{ text: `  ${summary}`, style: p.dim }] : []),
  ];
  return styledLine(segments, '', p);
}

function stepList(state: RunbookScreenState, width: number, p: Palette, room: number): string[] {
  const layout = rowLayout(state, width, true);
  const total = state.steps.length;
  if (total <= room) return state.steps.map((_, i) => stepRow(state, i, layout, p));
  const shown = Math.max(1, room - 1);
  const top = scrollTop(total, state.current ?? 0, shown);
  const rows = [];
  for (let i = top; i < top + shown; i++) rows.push(stepRow(state, i, layout, p));
  return [...rows, line(`  steps ${top + 1}–${top + shown} of ${total}`, width, p, p.dim)];
}

function outcomeHeadline(state: RunbookScreenState): { text: string; tone: 'ok' | 'warning' | 'error' } {
  const o = state.outcome!;
  const what = state.mode === 'rollback' ? 'Rollback' : state.dryRun ? 'Dry run' : 'Run';
  switch (o.status) {
    case 'completed':
      return {
        text: state.dryRun
          ? 'Dry run complete: every step was planned; nothing was sent to AWS.'
          : `${what} completed: every step ran.`,
        tone: 'ok',
      };
    case 'stopped':
      return { text: `${what} stopped at a safe point.`, tone: 'warning' };
    case 'failed':
      return { text: `${what} failed.`, tone: 'error' };
    case 'refused':
      return { text: 'Refused: this runbook must not run here. Nothing was changed.', tone: 'error' };
  }
}

/** Whether the run changed something a rollback could undo. */
export function rollbackAdvised(state: RunbookScreenState): boolean {
  const o = state.outcome;
  if (!o || state.mode !== 'run' || state.dryRun) return false;
  if (o.status === 'failed') return true;
  return o.status === 'stopped' && state.steps.some((s) => s.status === 'applied');
}

function donePanel(state: RunbookScreenState, width: number, p: Palette): string[] {
  const o = state.outcome!;
  const head = outcomeHeadline(state);
  const tone = head.tone === 'ok' ? p.ok : head.tone === 'warning' ? p.warning : p.error;
  const out = [...paragraph(head.text, width, p, `${p.bold}${tone}`)];
  if (o.message) out.push(...paragraph(o.message, width, p));
  out.push('');
  const layout = rowLayout(state, width, false);
  state.steps.forEach((step, i) => {
    out.push(stepRow(state, i, layout, p));
    if (step.summary) out.push(...paragraph(step.summary, width, p, p.dim, layout.lead));
    if (step.items?.length) out.push(...itemLines(step.items, width, p, layout.lead));
  });
  out.push('');
  if (state.rehearsal) {
    // The file the run wrote is removed with the rehearsal's workspace: name only where it is kept.
    out.push(
      ...labelled(
        'Transcript',
        state.keptTranscript
          ? `kept at ${state.keptTranscript} when the rehearsal ends`
          : 'discarded with the rehearsal',
        width,
        p,
      ),
    );
  } else if (o.transcript) {
    out.push(
      ...labelled('Transcript', o.transcript.file, width, p),
      ...labelled('Records', String(o.transcript.records), width, p),
      ...labelled('Head hash', o.transcript.head, width, p),
    );
  }
  out.push(...labelled('Exit code', String(o.exitCode), width, p));
  if (rollbackAdvised(state))
    out.push(...labelled('Roll back', `awsorg runbook rollback ${state.incident}`, width, p, p.bold));
  if (o.followUps.length) {
    out.push('', line('Follow-ups', width, p, p.bold));
    for (const f of o.followUps)
      out.push(
        ...wrap(f, Math.max(10, width - 4)).map((part, i) => line(`${i === 0 ? '  • ' : '    '}${part}`, width, p)),
      );
  }
  return out;
}

/** The end of `text` in `width` columns: a field being typed shows where the cursor is. */
function tail(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}

function promptLines(state: RunbookScreenState, prompt: RunbookPrompt, width: number, p: Palette): string[] {
  switch (prompt.kind) {
    case 'action': {
      const n = prompt.view.requests.length;
      const question = state.dryRun
        ? 'Dry run: nothing is sent.'
        : n === 0
          ? 'Nothing to send: the change is already in place.'
          : `Send ${n === 1 ? 'this request' : `these ${plural(n, 'request')}`} to account ${prompt.view.where.account}?`;
      const keys = n === 0 || state.dryRun ? 'y goes on, n stops the run.' : 'y sends it, n stops the run.';
      return paragraph(`${question} ${keys}`, width, p, p.bold);
    }
    case 'manual': {
      const question = prompt.view.step.prompt ?? `Confirm: ${prompt.view.step.title}.`;
      const onText = prompt.stage === 'text';
      const fieldLine = (label: string, field: TextField, focused: boolean, placeholder: string): string => {
        const value: Segment[] = field.value
          ? [{ text: tail(shownText(field, focused), Math.max(1, width - 19)) }]
          : [...(focused ? [{ text: '▏' }] : []), { text: clip(placeholder, Math.max(0, width - 20)), style: p.dim }];
        return styledLine(
          [{ text: `${focused ? '>' : ' '} ${label.padEnd(17)}`, style: focused ? p.bold : p.dim }, ...value],
          '',
          p,
        );
      };
      return [
        ...paragraph(question, width, p, p.bold),
        fieldLine('Acknowledgement', prompt.text, onText, 'required: what you did or found'),
        fieldLine('Note', prompt.note, !onText, 'optional: Enter to skip'),
      ];
    }
    case 'ask':
      return [
        ...paragraph(prompt.label, width, p, p.bold),
        styledLine(
          [
            { text: '> ', style: p.bold },
            { text: shownText(prompt.value, true) },
            { text: '  (hidden as you type)', style: p.dim },
          ],
          '',
          p,
        ),
      ];
  }
}

function hints(state: RunbookScreenState): string {
  if (state.outcome) return 'q or Enter quit · ↑↓ j k scroll';
  if (state.stopping) return 'stopping at a safe point… · ↑↓ j k scroll';
  const prompt = state.prompt;
  if (!prompt) return 'Ctrl-C stop at a safe point · ↑↓ j k scroll';
  switch (prompt.kind) {
    case 'action':
      return 'y send · n stop the run · ↑↓ j k PgUp PgDn scroll · Ctrl-C stop';
    case 'manual':
      return prompt.stage === 'text'
        ? 'type the acknowledgement · Enter next · ↑↓ scroll · Ctrl-C stop the run'
        : 'type a note or nothing · Enter done · Esc back · Ctrl-C stop the run';
    case 'ask':
      return 'type it (hidden) · Enter send · Ctrl-C stop the run';
  }
}

function title(state: RunbookScreenState, width: number, p: Palette): string[] {
  const name = `awsorg runbook · ${state.runbook.id} · incident ${state.incident}`;
  const badges = [
    ...(state.mode === 'rollback' ? ['ROLLBACK'] : []),
    ...(state.dryRun ? ['DRY RUN'] : []),
    ...(state.rehearsal ? ['REHEARSAL'] : []),
  ];
  const badgeSegments = badges.flatMap((b): Segment[] => [{ text: ' ' }, { text: ` ${b} `, style: p.alarm }]);
  const badgeWidth = badges.reduce((n, b) => n + b.length + 3, 0);
  const notes = [
    ...(state.mode === 'rollback' ? [`rollback of ${state.incident}`] : []),
    ...(state.dryRun ? ['dry run: nothing is sent to AWS'] : []),
    ...(state.rehearsal ? ['rehearsal: local emulator'] : []),
  ];
  const subtitle = [state.runbook.title, ...notes].join(' · ');
  if (name.length + badgeWidth <= width) {
    return [styledLine([{ text: name, style: p.bold }, ...badgeSegments], '', p), line(subtitle, width, p, p.dim)];
  }
  return [
    line(name, width, p, p.bold),
    styledLine(
      [...badgeSegments.slice(1), { text: `  ${clip(subtitle, Math.max(0, width - badgeWidth - 1))}`, style: p.dim }],
      '',
      p,
    ),
  ];
}

export function renderRunbook(state: RunbookScreenState, size: RunbookRenderSize): RunbookFrame {
  const { width, palette: p } = size;
  const header = [...title(state, width, p), rule(width, p)];
  const footer: string[] = [];
  if (!state.outcome && state.prompt) footer.push(rule(width, p), ...promptLines(state, state.prompt, width, p));
  if (state.notice) {
    const tone =
      state.notice.tone === 'error'
        ? p.error
        : state.notice.tone === 'ok'
          ? p.ok
          : state.notice.tone === 'warning'
            ? p.warning
            : '';
    footer.push(
      ...paragraph(state.notice.text + (state.notice.next ? ` ${state.notice.next}` : ''), width, p, tone).slice(0, 2),
    );
  }
  footer.push(line(hints(state), width, p, p.dim));
  const room = Math.max(1, size.height - header.length - footer.length - 1);
  let fixed: string[] = [];
  let panel: string[];
  if (state.outcome) panel = donePanel(state, width, p);
  else {
    // The steps take at most a third of the room; the panel, which scrolls, the rest.
    const list = stepList(state, width, p, Math.max(3, Math.floor(room / 3)));
    fixed = [...list, ''];
    panel = stepPanel(state, width, p);
  }
  const panelRoom = Math.max(1, room - fixed.length);
  const view = scrollPanel(panel, state.scroll, panelRoom, width, p);
  const body = [...fixed, ...view.lines].slice(0, room);
  while (body.length < room) body.push('');
  return { lines: [...header, ...body, '', ...footer], panelTop: view.top, panelPage: Math.max(1, panelRoom - 2) };
}

/**
 * The panel's window. When it overflows, its first row says what lies above (once scrolled) and
 * its last what lies below; scroll position s > 0 shows from line s + 1, so every step down
 * reveals a line.
 */
function scrollPanel(
  panel: string[],
  scroll: number,
  room: number,
  width: number,
  p: Palette,
): { lines: string[]; top: number } {
  if (panel.length <= room) return { lines: panel, top: 0 };
  const top = Math.max(0, Math.min(scroll, panel.length - room));
  const first = top === 0 ? 0 : top + 1;
  const rows = room - (top > 0 ? 1 : 0);
  const below = first + rows < panel.length;
  const count = below ? rows - 1 : rows;
  const lines = [
    ...(top > 0 ? [line(`  ↑ ${plural(first, 'line')} above (↑ or k)`, width, p, p.dim)] : []),
    ...panel.slice(first, first + count),
    ...(below ? [line(`  ↓ ${plural(panel.length - first - count, 'more line')} (↓ or j)`, width, p, p.dim)] : []),
  ];
  return { lines, top };
}
