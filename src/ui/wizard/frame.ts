/**
 * The whole wizard screen as lines for a given size: a title with the rehearsal marker, the
 * breadcrumb of screens, the current screen's body (or its help), a notice line and the key
 * hints. Every line is cut to the width; the body gets what the terminal's rows leave. Pure.
 */
import { clip, styledLine, type Palette } from '../console/style.js';
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
  /** Rows of the plan's scrolled list (for PgUp/PgDn) and its first row, when the plan is shown. */
  planPage?: number;
  planTop?: number;
}

const ORDER: ScreenId[] = ['welcome', 'signin', 'blueprint', 'plan', 'apply', 'migrate', 'done'];
const COMMON_HELP = ['', 'Everywhere', '  ?          this help (any key closes it)', '  Esc        back a screen; nothing you entered is lost', '  Ctrl-C     quit (while applying: stop safely, keeping progress)'];

function breadcrumb(current: ScreenId, width: number, p: Palette): string {
  const parts = ORDER.map((id) => ({ id, text: SCREEN_TITLES[id] }));
  const full = parts.map((x) => x.text).join(' › ');
  if (full.length > width) {
    const i = ORDER.indexOf(current);
    return clip(`Step ${i + 1} of ${ORDER.length}: ${SCREEN_TITLES[current]}`, width);
  }
  const segments = parts.flatMap((x, i) => [...(i ? [{ text: ' › ', style: p.dim }] : []), { text: x.id === current ? `[${x.text}]` : x.text, style: x.id === current ? p.bold : p.dim }]);
  return styledLine(segments, '', p);
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

export function renderWizard(state: WizardState, size: { width: number; height: number; palette: Palette; now: number }): WizardFrame {
  const { width, palette: p } = size;
  const title = styledLine(
    [
      { text: 'awsorg bootstrap', style: p.bold },
      ...(state.rehearsal ? [{ text: '  ' }, { text: clip(`REHEARSAL · local emulator ${state.rehearsal} · nothing reaches AWS`, Math.max(0, width - 18)), style: p.alarm }] : []),
    ],
    '',
    p,
  );
  const header = [title, breadcrumb(state.screen, width, p), styledLine([{ text: '─'.repeat(width), style: p.dim }], '', p)];
  const footer: string[] = [];
  if (state.notice) {
    const tone = state.notice.tone === 'error' ? p.error : state.notice.tone === 'ok' ? p.ok : state.notice.tone === 'warning' ? p.warning : '';
    footer.push(...paragraph(state.notice.text + (state.notice.next ? ` ${state.notice.next}` : ''), width, p, tone).slice(0, 2));
  }
  footer.push(styledLine([{ text: clip(state.help ? 'any key: back' : hintsFor(state), width), style: p.dim }], '', p));
  const height = Math.max(1, size.height - header.length - footer.length - 1);
  const ctx: RenderContext = { width, height, palette: p };
  let body: string[];
  const frame: WizardFrame = { lines: [] };
  if (state.help) {
    body = [...helpFor(state), ...COMMON_HELP].map((l) => clip(l, width));
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
  frame.lines = [...header, ...body, '', ...footer];
  return frame;
}
