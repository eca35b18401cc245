/**
 * The whole wizard screen as lines for a given size: a title with the rehearsal marker, the
 * breadcrumb of screens, the current screen's body (or its help), a notice line and the key
 * hints. Every line is cut to the width; the body gets what the terminal's rows leave. Pure.
 */
import { clip, styledLine, wrap, type Palette } from '../console/style.js';
import { applyHelp, applyHints, applyLines } from './apply.js';
import { doneHelp, doneHints, doneLines } from './done.js';
import { editorHelp, editorHints, editorLines } from './editor.js';
import { paragraph } from './layout.js';
import { migrateHelp, migrateHints, migrateLines } from './migrate.js';
import { planHelp, planHints, planLines } from './plan.js';
import { signInHelp, signInHints, signInLines } from './signin.js';
import type { WizardState } from './state.js';
import { SCREEN_TITLES, type RenderContext, type ScreenId } from './types.js';
import { welcomeHelp, welcomeHints, welcomeLines } from './welcome.js';

export interface WizardFrame {
  lines: string[];
  /** While help is shown: the last first line it can scroll to (0 when it fits). */
  helpMaxTop?: number;
  /** Rows of the plan's scrolled list (for PgUp/PgDn) and its first row, when the plan is shown. */
  planPage?: number;
  planTop?: number;
}

const ORDER: ScreenId[] = ['welcome', 'signin', 'blueprint', 'plan', 'apply', 'migrate', 'done'];
const COMMON_HELP = [
  '',
  'Everywhere',
  '  ?          this help (↑/↓ scroll it, any other key closes it)',
  '  Esc        back a screen; nothing you entered is lost',
  '  Ctrl-C     quit; asks first when unsaved edits or the state move would be lost (a second Ctrl-C quits); while applying: stops safely, keeping progress',
];

function breadcrumb(current: ScreenId, width: number, p: Palette): string {
  const parts = ORDER.map((id) => ({ id, text: SCREEN_TITLES[id] }));
  const full = parts.map((x) => x.text).join(' › ');
  if (full.length > width) {
    const i = ORDER.indexOf(current);
    return clip(`Step ${i + 1} of ${ORDER.length}: ${SCREEN_TITLES[current]}`, width);
  }
  const segments = parts.flatMap((x, i) => [
    ...(i ? [{ text: ' › ', style: p.dim }] : []),
    { text: x.id === current ? `[${x.text}]` : x.text, style: x.id === current ? p.bold : p.dim },
  ]);
  return styledLine(segments, '', p);
}

/** `  key   what it does`: the text up to where the description starts, or undefined. */
function keyColumn(line: string): string | undefined {
  return /^( +\S+(?: \S+)*? {2,})\S/.exec(line)?.[1];
}

/**
 * Help text wrapped to `width`, so nothing is cut on the right: a `  key   what it does` line
 * continues under its description, prose under its own indentation. A sentence the text breaks
 * over several lines (the previous line ends mid-sentence) is joined up first when it must wrap.
 */
export function wrapHelp(lines: readonly string[], width: number): string[] {
  const groups: string[][] = [];
  for (const line of lines) {
    const group = groups[groups.length - 1];
    const previous = group?.[group.length - 1];
    const continues =
      previous !== undefined &&
      previous.trim() !== '' &&
      !/[.:)]$/.test(previous) &&
      line.trim() !== '' &&
      keyColumn(line) === undefined;
    if (group && continues) group.push(line);
    else groups.push([line]);
  }
  const out: string[] = [];
  for (const group of groups) {
    if (group.every((l) => l.length <= width)) {
      out.push(...group);
      continue;
    }
    const line = group.map((l, i) => (i === 0 ? l : l.trim())).join(' ');
    const lead = /^ */.exec(line)?.[0].length ?? 0;
    const keyed = lead > 0 ? keyColumn(line) : undefined;
    let hang = keyed ? keyed.length : lead;
    if (hang > Math.floor(width / 2)) hang = Math.min(lead + 2, Math.floor(width / 2));
    const first = keyed ?? ' '.repeat(lead);
    const pieces = wrap(line.slice(first.length), Math.max(10, width - Math.max(hang, first.length)));
    out.push(clip(first + (pieces[0] ?? ''), width));
    for (const piece of pieces.slice(1)) out.push(clip(' '.repeat(hang) + piece, width));
  }
  return out;
}

/**
 * The title, with the rehearsal marker: its safety line is never cut. When it does not fit beside
 * the title, the title keeps `REHEARSAL · nothing reaches AWS` and the emulator goes on a line
 * of its own (wrapped when even that is too narrow).
 */
function titleLines(rehearsal: string | undefined, width: number, p: Palette): string[] {
  const name = { text: 'awsorg bootstrap', style: p.bold };
  if (!rehearsal) return [styledLine([name], '', p)];
  const full = `REHEARSAL · local emulator ${rehearsal} · nothing reaches AWS`;
  if (18 + full.length <= width) return [styledLine([name, { text: '  ' }, { text: full, style: p.alarm }], '', p)];
  const short = 'REHEARSAL · nothing reaches AWS';
  if (18 + short.length <= width) {
    return [
      styledLine([name, { text: '  ' }, { text: short, style: p.alarm }], '', p),
      ...wrap(`local emulator ${rehearsal}`, width).map((l) => styledLine([{ text: l, style: p.alarm }], '', p)),
    ];
  }
  return [
    styledLine([name], '', p),
    ...[...wrap(short, width), ...wrap(`local emulator ${rehearsal}`, width)].map((l) =>
      styledLine([{ text: l, style: p.alarm }], '', p),
    ),
  ];
}

function helpFor(state: WizardState): string[] {
  switch (state.screen) {
    case 'welcome':
      return welcomeHelp();
    case 'signin':
      return signInHelp();
    case 'blueprint':
      return editorHelp();
    case 'plan':
      return planHelp();
    case 'apply':
      return applyHelp();
    case 'migrate':
      return migrateHelp();
    case 'done':
      return doneHelp();
  }
}

function hintsFor(state: WizardState): string {
  switch (state.screen) {
    case 'welcome':
      return welcomeHints(state.welcome);
    case 'signin':
      return signInHints(state.signin);
    case 'blueprint':
      return state.editor ? editorHints(state.editor) : '';
    case 'plan':
      return planHints(state.plan);
    case 'apply':
      return state.apply ? applyHints(state.apply) : '';
    case 'migrate':
      return state.migrate ? migrateHints(state.migrate) : '';
    case 'done':
      return doneHints(state.done);
  }
}

export function renderWizard(
  state: WizardState,
  size: { width: number; height: number; palette: Palette; now: number },
): WizardFrame {
  const { width, palette: p } = size;
  const header = [
    ...titleLines(state.rehearsal, width, p),
    breadcrumb(state.screen, width, p),
    styledLine([{ text: '─'.repeat(width), style: p.dim }], '', p),
  ];
  const footer: string[] = [];
  if (state.quitConfirm !== undefined) {
    footer.push(...paragraph(`Quit? ${state.quitConfirm}`, width, p, p.warning).slice(0, 2));
    footer.push(
      styledLine([{ text: clip('y quit · any other key: stay · Ctrl-C again: quit', width), style: p.bold }], '', p),
    );
  } else if (state.notice) {
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
  if (state.quitConfirm === undefined)
    footer.push(
      styledLine(
        [
          {
            text: clip(state.help ? '↑/↓ PgUp/PgDn scroll · any other key: back' : hintsFor(state), width),
            style: p.dim,
          },
        ],
        '',
        p,
      ),
    );
  const height = Math.max(1, size.height - header.length - footer.length - 1);
  const ctx: RenderContext = { width, height, palette: p };
  let body: string[];
  const frame: WizardFrame = { lines: [] };
  if (state.help) {
    const all = wrapHelp([...helpFor(state), ...COMMON_HELP], width);
    if (all.length <= height) body = all;
    else {
      // Too long for the terminal: a window over it, and a last line saying where it is.
      const room = Math.max(1, height - 1);
      const maxTop = Math.max(0, all.length - room);
      const top = Math.min(Math.max(0, state.helpTop ?? 0), maxTop);
      frame.helpMaxTop = maxTop;
      const where = `lines ${top + 1}-${Math.min(all.length, top + room)} of ${all.length} · ↑/↓ PgUp/PgDn scroll`;
      body = [...all.slice(top, top + room), styledLine([{ text: clip(where, width), style: p.dim }], '', p)];
    }
  } else {
    switch (state.screen) {
      case 'welcome':
        body = welcomeLines(state.welcome, ctx);
        break;
      case 'signin':
        body = signInLines(state.signin, { ...ctx, now: size.now });
        break;
      case 'blueprint':
        body = state.editor ? editorLines(state.editor, ctx) : ['  Loading the blueprint…'];
        break;
      case 'plan': {
        const r = planLines(state.plan, ctx);
        body = r.lines;
        frame.planPage = r.pageSize;
        frame.planTop = r.top;
        break;
      }
      case 'apply':
        body = state.apply ? applyLines(state.apply, ctx) : [];
        break;
      case 'migrate':
        body = state.migrate ? migrateLines(state.migrate, ctx) : [];
        break;
      case 'done':
        body = state.done ? doneLines(state.done, ctx) : [];
        break;
    }
  }
  body = body.slice(0, height);
  while (body.length < height) body.push('');
  if (state.help && frame.helpMaxTop === undefined && state.quitConfirm === undefined)
    footer[footer.length - 1] = styledLine([{ text: 'any key: back', style: p.dim }], '', p);
  frame.lines = [...header, ...body, '', ...footer];
  return frame;
}
