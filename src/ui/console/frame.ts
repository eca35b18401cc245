/**
 * The whole console screen as lines of styled text for a given width and height: header,
 * break-glass banner, the visible window of the list (or a panel: help, production
 * confirmation, sign-in URL, runbooks, incident id), a status line and the key hints. Only the
 * visible rows are formatted, so the cost of a frame does not grow with the number of accounts.
 * Pure.
 */
import type { ConsoleAccount, ConsoleModel, RunbookOffer } from './model.js';
import { accountLine, columnsFor, columnTitles, ouLine } from './layout.js';
import { windowTop, type DisplayList } from './rows.js';
import { selectedIndex, type ConsoleState, type Status } from './state.js';
import { age, clip, count, fit, styledLine, wrap, type Palette } from './style.js';
import { askFields, askLines, confirmLines, helpLines, runbooksLines, urlLines } from './panels.js';

export interface FrameInput {
  model: ConsoleModel;
  state: ConsoleState;
  list: DisplayList;
  width: number;
  /** Lines available (the terminal's rows less one, so the screen never scrolls). */
  height: number;
  palette: Palette;
  now: number;
  sessionExpiry(entry: ConsoleAccount): number | undefined;
  /** What `!` offers, once loaded. */
  runbooks?: RunbookOffer;
}

export interface Frame {
  lines: string[];
  /** The list window's first row, to start from on the next frame. */
  top: number;
  /** Rows the list window holds (PgUp/PgDn move by this much). */
  listHeight: number;
}

const SOURCE_NAMES = { organizations: 'Organizations', sso: 'Identity Center' } as const;

function headerLines(input: FrameInput): string[] {
  const { model, width, palette: p, now } = input;
  const id = model.identity;
  // For Identity Center the principal is the start URL, which the source already names;
  // otherwise the principal goes first and the source to the end of the second line.
  const sourceInTitle = id.source.includes(id.principal);
  const who = sourceInTitle ? id.source : id.principal;
  const title = styledLine(
    [
      { text: 'awsorg console', style: p.bold },
      { text: '  ' },
      { text: id.kind, style: p.accent },
      { text: clip(`  ${who}`, Math.max(0, width - 16 - id.kind.length)) },
    ],
    '',
    p,
  );
  const inv = model.inventory;
  const total = model.accounts.length;
  const fetched = Date.parse(inv.fetchedAt);
  const loaded = Number.isNaN(fetched) ? 'load time unknown' : `loaded ${age(now - fetched)}`;
  const parts = [
    `${count(total)} account${total === 1 ? '' : 's'}`,
    `${SOURCE_NAMES[inv.source]}${inv.organizationId ? ` ${inv.organizationId}` : ''}`,
    inv.from === 'stale-cache' ? `${loaded} (stale: reload failed, press r)` : loaded,
    ...(sourceInTitle ? [] : [id.source]),
  ];
  const facts = styledLine([{ text: clip(parts.join(' · '), width) }], p.dim, p);
  // Over a rehearsal's emulator the marker leads the second line, where a narrow terminal keeps it.
  const second = model.rehearsal
    ? styledLine(
        [
          { text: clip('REHEARSAL', width), style: p.alarm },
          {
            text: clip(` local emulator ${model.rehearsal} · ${parts.join(' · ')}`, Math.max(0, width - 9)),
            style: p.dim,
          },
        ],
        '',
        p,
      )
    : facts;
  const lines = [title, second];
  if (id.breakGlass) {
    // The banner wraps rather than lose its words on a narrow terminal.
    for (const line of wrap(id.breakGlass, width - 2).slice(0, 3))
      lines.push(styledLine([{ text: fit(` ${line}`, width) }], p.alarm, p));
  }
  return lines;
}

/** Status text and the next step, each wrapped onto at most three lines. */
function statusLines(status: Status, width: number, p: Palette): string[] {
  const style = status.tone === 'error' ? p.error : status.tone === 'ok' ? p.ok : '';
  const limit = (lines: string[], max: number) =>
    lines.length > max ? [...lines.slice(0, max - 1), clip(lines.slice(max - 1).join(' '), width)] : lines;
  const out = limit(wrap(status.text, width), 3).map((l) =>
    styledLine([{ text: l, ...(style ? { style } : {}) }], '', p),
  );
  if (status.next) out.push(...limit(wrap(`Next step: ${status.next}`, width), 3));
  return out;
}

function detailLine(input: FrameInput): string {
  const { model, state, list, width, palette: p } = input;
  const index = selectedIndex(state, list);
  if (index === undefined) return '';
  const entry = model.accounts[index]!;
  const a = entry.account;
  const parts = [a.name, a.id];
  if (entry.production) parts.push(`production: ${entry.production}`);
  if (a.email) parts.push(a.email);
  const tags = Object.entries(a.tags ?? {}).map(([k, v]) => `${k}=${v}`);
  if (tags.length) parts.push(`tags ${tags.join(' ')}`);
  const row = list.rows[list.accountRows[state.cursor]!];
  // A match in a field the row does not show would look like a mistake; say where it matched.
  if (state.query && row?.kind === 'account' && row.field && HIDDEN_FIELDS.has(row.field))
    parts.unshift(`matched ${FIELD_WORDS[row.field]}`);
  return styledLine([{ text: clip(parts.join(' · '), width) }], p.dim, p);
}

const FIELD_WORDS = { name: 'name', alias: 'alias', id: 'id', ouPath: 'OU path', tag: 'tag', email: 'email' } as const;
const HIDDEN_FIELDS = new Set(['ouPath', 'tag', 'email']);

/** The key hints under the list: the first that fits the width. */
const HINTS = [
  'Enter shell · c console URL · e exports · ! runbooks · / filter · g group/flat · r reload · ? help · q quit',
  'Enter shell · c URL · e exports · ! runbooks · / filter · ? help · q quit',
  'Enter shell · c URL · e exports · / filter · ? help · q quit',
];

/** In a rehearsal `c` is off (its URL comes from AWS itself): the hint says so rather than drop the key. */
const REHEARSAL_HINTS = [
  ...HINTS.map((h) => h.replace(/c (console )?URL/, 'c URL (off in a rehearsal)')),
  'Enter shell · e exports · c URL (off in a rehearsal) · ? help · q quit',
];

function hintLine(input: FrameInput): string {
  const { state, list, width, palette: p, model } = input;
  const shown = list.accountRows.length;
  const screen = state.screen.kind;
  if (screen === 'help') return styledLine([{ text: 'Any key: back to the list' }], p.dim, p);
  if (screen === 'confirm') return styledLine([{ text: clip('y: continue · any other key: cancel', width) }], p.dim, p);
  if (screen === 'url')
    return styledLine([{ text: clip('o: open in your browser · Esc: back to the list', width) }], p.dim, p);
  if (screen === 'busy') return styledLine([{ text: clip('Working… (Ctrl-C quits)', width) }], p.dim, p);
  if (screen === 'runbooks')
    return styledLine([{ text: clip('Up/Down, j/k: move · Enter: choose · Esc: back to the list', width) }], p.dim, p);
  if (state.screen.kind === 'ask') {
    const { field, runbookId } = state.screen;
    const last = field >= askFields(input.runbooks?.runbooks.find((r) => r.id === runbookId)).length - 1;
    const keys = `${last ? 'Enter: start the runbook' : 'Enter: next'} · Backspace: erase · Esc: ${field === 0 ? 'back to the runbooks' : 'back'}`;
    return styledLine([{ text: clip(keys, width) }], p.dim, p);
  }
  if (state.searching || state.query) {
    const matches = `${count(shown)} of ${count(model.accounts.length)}`;
    const keys = state.searching ? 'Enter shell · Esc clear · Up/Down move' : 'Esc clear · / edit';
    const caret = state.searching ? { text: ' ', style: p.inverse } : { text: '' };
    return styledLine(
      [
        { text: '/', style: p.accent },
        { text: clip(state.query, Math.max(4, width - 40)), style: p.bold },
        caret,
        { text: clip(`  ${matches} · ${keys}`, width) },
      ],
      '',
      p,
    );
  }
  const hints = model.rehearsal ? REHEARSAL_HINTS : HINTS;
  return styledLine(
    [{ text: clip(hints.find((h) => h.length <= width) ?? hints[hints.length - 1]!, width) }],
    p.dim,
    p,
  );
}

export function renderFrame(input: FrameInput): Frame {
  const { state, list, width, height, palette: p, model } = input;
  const header = headerLines(input);
  const busy = state.screen.kind === 'busy' ? { tone: 'info' as const, text: state.screen.message } : undefined;
  const status = busy ?? state.status;
  const footer = [...(status ? statusLines(status, width, p) : [detailLine(input)]), hintLine(input)];
  const bodyHeight = Math.max(1, height - header.length - footer.length);
  let body: string[];
  let top = state.top;
  const listHeight = Math.max(1, bodyHeight - 1);
  const screen = state.screen;
  if (screen.kind === 'help') body = helpLines(width, p);
  else if (screen.kind === 'confirm') body = confirmLines(model, screen, width, p);
  else if (screen.kind === 'url') body = urlLines(model, screen, width, p);
  else if (screen.kind === 'runbooks') body = runbooksLines(model, input.runbooks, screen, width, bodyHeight, p);
  else if (screen.kind === 'ask') body = askLines(model, input.runbooks, screen, width, p);
  else {
    const columns = columnsFor(width, state.grouped);
    top = windowTop(list, state.cursor, listHeight, state.top);
    const cursorRow = list.accountRows[state.cursor];
    const ctx = { columns, width, p, sessionExpiry: input.sessionExpiry, now: input.now };
    body = [columnTitles(columns, p)];
    for (let r = top; r < Math.min(list.rows.length, top + listHeight); r++) {
      const row = list.rows[r]!;
      body.push(
        row.kind === 'ou' ? ouLine(row, width, p) : accountLine(model.accounts[row.index]!, r === cursorRow, ctx),
      );
    }
    if (list.rows.length === 0) {
      const message = state.query
        ? `No account matches "${state.query}". The filter searches name, id, alias, OU path, tags (key=value) and email (its domain only when you type an @); Esc clears it.`
        : 'The inventory holds no account. Press r to load it from AWS.';
      body.push('', ...wrap(message, Math.max(10, width - 2)).map((line) => `  ${line}`));
    }
  }
  body = body.slice(0, bodyHeight);
  while (body.length < bodyHeight) body.push('');
  return { lines: [...header, ...body, ...footer], top, listHeight };
}
