/**
 * The console's state and what each key does to it. Pure: `handleKey` returns the next state
 * and, when the key asks for more than a redraw, an intent for the app to carry out (open a
 * session, refresh, quit). The app owns every side effect.
 */
import type { DisplayList } from './rows.js';
import type { ConsoleModel } from './model.js';

/** What Enter, `c` and `e` do with the selected account. */
export type AccountAction = 'shell' | 'url' | 'exports';

export type Screen =
  | { kind: 'list' }
  | { kind: 'help' }
  | { kind: 'confirm'; action: AccountAction; accountId: string }
  | { kind: 'busy'; message: string }
  | { kind: 'url'; accountId: string; role: string; url: string };

export interface Status {
  tone: 'info' | 'ok' | 'error';
  text: string;
  /** What the operator can do about it (errors). */
  next?: string;
}

export interface ConsoleState {
  screen: Screen;
  query: string;
  /** Keys go into the filter (after `/`) rather than to commands. */
  searching: boolean;
  grouped: boolean;
  /** Position among the list's account rows. */
  cursor: number;
  /** First display row on screen. */
  top: number;
  status?: Status;
}

export type Intent =
  | { kind: 'quit'; code: number }
  | { kind: 'act'; action: AccountAction; accountId: string }
  | { kind: 'refresh' }
  | { kind: 'open-url'; url: string };

/** A key as the console understands it: a name for special keys, else the typed text. */
export type KeyName = 'up' | 'down' | 'pageup' | 'pagedown' | 'home' | 'end' | 'enter' | 'escape' | 'backspace' | 'ctrl-c' | 'tab';
export type KeyPress = { name: KeyName } | { text: string };

export function initialState(overrides: Partial<ConsoleState> = {}): ConsoleState {
  return { screen: { kind: 'list' }, query: '', searching: false, grouped: true, cursor: 0, top: 0, ...overrides };
}

export interface KeyContext {
  model: ConsoleModel;
  /** The list for the state's query and grouping. */
  list: DisplayList;
  /** Recomputes the list for another query or grouping (memoized by the caller). */
  listFor(query: string, grouped: boolean): DisplayList;
  /** Rows the list window shows. */
  pageSize: number;
}

export interface KeyResult {
  state: ConsoleState;
  intent?: Intent;
}

/** The account under the cursor, as an index into model.accounts. */
export function selectedIndex(state: ConsoleState, list: DisplayList): number | undefined {
  const row = list.rows[list.accountRows[state.cursor] ?? -1];
  return row?.kind === 'account' ? row.index : undefined;
}

/** The cursor position of an account in a list, or 0 when it is not there. */
export function cursorOf(list: DisplayList, accountIndex: number | undefined): number {
  if (accountIndex === undefined) return 0;
  const at = list.accountRows.findIndex((r) => {
    const row = list.rows[r];
    return row?.kind === 'account' && row.index === accountIndex;
  });
  return at < 0 ? 0 : at;
}

function move(state: ConsoleState, list: DisplayList, to: number): ConsoleState {
  const last = Math.max(0, list.accountRows.length - 1);
  return { ...state, cursor: Math.max(0, Math.min(last, to)) };
}

function navigate(state: ConsoleState, key: KeyName | string, ctx: KeyContext): ConsoleState | undefined {
  const page = Math.max(1, ctx.pageSize - 1);
  switch (key) {
    case 'up':
      return move(state, ctx.list, state.cursor - 1);
    case 'down':
      return move(state, ctx.list, state.cursor + 1);
    case 'pageup':
      return move(state, ctx.list, state.cursor - page);
    case 'pagedown':
      return move(state, ctx.list, state.cursor + page);
    case 'home':
      return move(state, ctx.list, 0);
    case 'end':
      return move(state, ctx.list, ctx.list.accountRows.length - 1);
    default:
      return undefined;
  }
}

const ACTION_WORDS: Record<AccountAction, string> = { shell: 'open a shell', url: 'open the AWS console', exports: 'print credentials' };

function actOn(state: ConsoleState, action: AccountAction, ctx: KeyContext): KeyResult {
  const index = selectedIndex(state, ctx.list);
  if (index === undefined) {
    const why = state.query ? `No account matches "${state.query}"` : 'The inventory holds no account';
    return { state: { ...state, status: { tone: 'error', text: `${why}; nothing to ${ACTION_WORDS[action]} in.`, next: state.query ? 'Press Esc to clear the filter.' : 'Press r to load it again.' } } };
  }
  const entry = ctx.model.accounts[index]!;
  if (entry.production) return { state: { ...state, screen: { kind: 'confirm', action, accountId: entry.account.id } } };
  return { state, intent: { kind: 'act', action, accountId: entry.account.id } };
}

/** The same account selected in the list for another query or grouping. */
function relist(state: ConsoleState, ctx: KeyContext, query: string, grouped: boolean, keepSelection: boolean): ConsoleState {
  const selected = selectedIndex(state, ctx.list);
  const list = ctx.listFor(query, grouped);
  return { ...state, query, grouped, cursor: keepSelection ? cursorOf(list, selected) : 0, top: 0 };
}

export function handleKey(state: ConsoleState, press: KeyPress, ctx: KeyContext): KeyResult {
  const name = 'name' in press ? press.name : undefined;
  if (name === 'ctrl-c') return { state, intent: { kind: 'quit', code: 130 } };
  const screen = state.screen;
  switch (screen.kind) {
    case 'busy':
      return { state };
    case 'help':
      return { state: { ...state, screen: { kind: 'list' } } };
    case 'confirm': {
      const back = { ...state, screen: { kind: 'list' } as Screen };
      if ('text' in press && (press.text === 'y' || press.text === 'Y')) return { state: back, intent: { kind: 'act', action: screen.action, accountId: screen.accountId } };
      const account = ctx.model.accounts.find((a) => a.account.id === screen.accountId);
      return { state: { ...back, status: { tone: 'info', text: `Cancelled: nothing was done in ${account?.account.name ?? screen.accountId}.` } } };
    }
    case 'url':
      if ('text' in press && press.text === 'o') return { state, intent: { kind: 'open-url', url: screen.url } };
      if (name === 'escape' || name === 'enter' || ('text' in press && (press.text === 'q' || press.text === 'c'))) {
        return { state: { ...state, screen: { kind: 'list' } } };
      }
      return { state };
    case 'list':
      break;
  }
  // Any key in the list clears the last message; the key's own effect may set a new one.
  const current: ConsoleState = state.status ? { ...state, status: undefined } : state;
  if (name) {
    const moved = navigate(current, name, ctx);
    if (moved) return { state: moved };
  }
  if (current.searching) {
    if (name === 'escape') return { state: { ...relist(current, ctx, '', current.grouped, true), searching: false } };
    if (name === 'enter') return actOn({ ...current, searching: false }, 'shell', ctx);
    if (name === 'backspace') return { state: relist(current, ctx, current.query.slice(0, -1), current.grouped, false) };
    if ('text' in press) {
      // Pasted or fast-typed text arrives as one string; control characters are not part of a filter.
      const typed = press.text.replace(/[\u0000-\u001f\u007f]/g, '');
      return typed ? { state: relist(current, ctx, current.query + typed, current.grouped, false) } : { state: current };
    }
    return { state: current };
  }
  if (name === 'enter') return actOn(current, 'shell', ctx);
  if (name === 'escape') return current.query ? { state: relist(current, ctx, '', current.grouped, true) } : { state: current };
  if (!('text' in press)) return { state: current };
  const chars = [...press.text];
  if (chars.length === 1) return commandKey(current, chars[0]!, ctx);
  // Several keys in one read (a fast typist, tmux send-keys, a paste) run in order, each against
  // the list the previous one left; after `/` the rest is filter text.
  let next = current;
  for (let i = 0; i < chars.length; i++) {
    const result = handleKey(next, { text: chars[i]! }, { ...ctx, list: ctx.listFor(next.query, next.grouped) });
    if (result.intent || result.state.screen.kind !== 'list') return result;
    next = result.state;
    if (next.searching) {
      const rest = chars.slice(i + 1).join('');
      return rest ? handleKey(next, { text: rest }, { ...ctx, list: ctx.listFor(next.query, next.grouped) }) : { state: next };
    }
  }
  return { state: next };
}

function commandKey(state: ConsoleState, ch: string, ctx: KeyContext): KeyResult {
  switch (ch) {
    case 'j':
      return { state: navigate(state, 'down', ctx)! };
    case 'k':
      return { state: navigate(state, 'up', ctx)! };
    case 'q':
      return { state, intent: { kind: 'quit', code: 0 } };
    case '/':
      return { state: { ...state, searching: true } };
    case '?':
      return { state: { ...state, screen: { kind: 'help' } } };
    case 'g':
      return { state: relist(state, ctx, state.query, !state.grouped, true) };
    case 'r':
      return { state, intent: { kind: 'refresh' } };
    case 'c':
      return actOn(state, 'url', ctx);
    case 'e':
      return actOn(state, 'exports', ctx);
    default:
      return { state };
  }
}
