/**
 * The console's state and what each key does to it. Pure: `handleKey` returns the next state
 * and, when the key asks for more than a redraw, an intent for the app to carry out (open a
 * session, refresh, run a runbook, quit). The app owns every side effect.
 */
import type { DisplayList } from './rows.js';
import { accountRunbooks, refusesAccount, type ConsoleModel, type RunbookOffer } from './model.js';

/** What Enter, `c` and `e` do with the selected account. */
export type AccountAction = 'shell' | 'url' | 'exports';

export type Screen =
  | { kind: 'list' }
  | { kind: 'help' }
  | { kind: 'confirm'; action: AccountAction; accountId: string }
  | { kind: 'busy'; message: string }
  | { kind: 'url'; accountId: string; role: string; url: string }
  /** `!`: the runbooks that act on the account; `cursor` indexes accountRunbooks(offer). */
  | { kind: 'runbooks'; accountId: string; cursor: number }
  /**
   * The chosen runbook's questions, one field at a time: the incident id (field 0), then its
   * other required parameters (ConsoleRunbook.asks). `answers` holds what was typed for each
   * field so far, `text` the field being typed, `error` why Enter did not take it.
   */
  | {
      kind: 'ask';
      accountId: string;
      runbookId: string;
      field: number;
      answers: readonly string[];
      text: string;
      error?: string;
    };

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
  /** The incident id given last: the next runbook prompt starts with it (one incident, several runbooks). */
  incident?: string;
}

export type Intent =
  | { kind: 'quit'; code: number }
  | { kind: 'act'; action: AccountAction; accountId: string }
  | { kind: 'refresh' }
  | { kind: 'open-url'; url: string }
  /** Load the runbooks `!` offers (ConsoleOperations.runbooks); the panel says so until they are in. */
  | { kind: 'load-runbooks' }
  | { kind: 'runbook'; runbookId: string; accountId: string; incident: string; params: Record<string, string> };

/** A key as the console understands it: a name for special keys, else the typed text. */
export type KeyName =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'pageup'
  | 'pagedown'
  | 'home'
  | 'end'
  | 'enter'
  | 'escape'
  | 'backspace'
  | 'ctrl-c'
  | 'ctrl-u'
  | 'ctrl-w'
  | 'tab';
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
  /** What `!` offers, once loaded. */
  runbooks?: RunbookOffer;
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
  return Math.max(at, 0);
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

/** Why `c` does nothing in a rehearsal: its console sign-in URL comes from AWS itself. */
export const REHEARSAL_NO_URL = {
  text: 'No console sign-in URL in a rehearsal: c would send the session to the AWS sign-in endpoint (signin.aws.amazon.com), and a rehearsal never reaches AWS.',
  next: 'Press Enter for a shell or e for exports: both stay on the emulator.',
} as const;

const ACTION_WORDS: Record<AccountAction, string> = {
  shell: 'open a shell',
  url: 'open the AWS console',
  exports: 'print credentials',
};

/** The list has no account under the cursor: say why, and what the key would have done (`nothing to open a shell in`). */
function noAccount(state: ConsoleState, consequence: string): KeyResult {
  const why = state.query ? `No account matches "${state.query}"` : 'The inventory holds no account';
  return {
    state: {
      ...state,
      status: {
        tone: 'error',
        text: `${why}; ${consequence}.`,
        next: state.query ? 'Press Esc to clear the filter.' : 'Press r to load it again.',
      },
    },
  };
}

function actOn(state: ConsoleState, action: AccountAction, ctx: KeyContext): KeyResult {
  const index = selectedIndex(state, ctx.list);
  if (index === undefined) return noAccount(state, `nothing to ${ACTION_WORDS[action]} in`);
  const entry = ctx.model.accounts[index]!;
  if (entry.production)
    return { state: { ...state, screen: { kind: 'confirm', action, accountId: entry.account.id } } };
  return { state, intent: { kind: 'act', action, accountId: entry.account.id } };
}

/** The same account selected in the list for another query or grouping. */
function relist(
  state: ConsoleState,
  ctx: KeyContext,
  query: string,
  grouped: boolean,
  keepSelection: boolean,
): ConsoleState {
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
      if ('text' in press && (press.text === 'y' || press.text === 'Y'))
        return { state: back, intent: { kind: 'act', action: screen.action, accountId: screen.accountId } };
      const account = ctx.model.accounts.find((a) => a.account.id === screen.accountId);
      return {
        state: {
          ...back,
          status: {
            tone: 'info',
            text: `Cancelled: nothing was done in ${account?.account.name ?? screen.accountId}.`,
          },
        },
      };
    }
    case 'url':
      if ('text' in press && press.text === 'o') return { state, intent: { kind: 'open-url', url: screen.url } };
      if (name === 'escape' || name === 'enter' || ('text' in press && (press.text === 'q' || press.text === 'c'))) {
        return { state: { ...state, screen: { kind: 'list' } } };
      }
      return { state };
    case 'runbooks':
      return runbooksKey(state, screen, press, ctx);
    case 'ask':
      return askKey(state, screen, press, ctx);
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
    if (name === 'backspace')
      return { state: relist(current, ctx, current.query.slice(0, -1), current.grouped, false) };
    if ('text' in press) {
      // Pasted or fast-typed text arrives as one string; control characters are not part of a filter.
      const typed = press.text.replace(/[\u0000-\u001f\u007f]/g, '');
      return typed
        ? { state: relist(current, ctx, current.query + typed, current.grouped, false) }
        : { state: current };
    }
    return { state: current };
  }
  if (name === 'enter') return actOn(current, 'shell', ctx);
  if (name === 'escape')
    return current.query ? { state: relist(current, ctx, '', current.grouped, true) } : { state: current };
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
      return rest
        ? handleKey(next, { text: rest }, { ...ctx, list: ctx.listFor(next.query, next.grouped) })
        : { state: next };
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
      if (ctx.model.rehearsal) return { state: { ...state, status: { tone: 'info', ...REHEARSAL_NO_URL } } };
      return actOn(state, 'url', ctx);
    case 'e':
      return actOn(state, 'exports', ctx);
    case '!':
      return openRunbooks(state, ctx);
    default:
      return { state };
  }
}

function openRunbooks(state: ConsoleState, ctx: KeyContext): KeyResult {
  const index = selectedIndex(state, ctx.list);
  if (index === undefined) return noAccount(state, 'no account to run a runbook against');
  const opened: ConsoleState = {
    ...state,
    screen: { kind: 'runbooks', accountId: ctx.model.accounts[index]!.account.id, cursor: 0 },
  };
  return ctx.runbooks ? { state: opened } : { state: opened, intent: { kind: 'load-runbooks' } };
}

function runbooksKey(
  state: ConsoleState,
  screen: Extract<Screen, { kind: 'runbooks' }>,
  press: KeyPress,
  ctx: KeyContext,
): KeyResult {
  const runbooks = accountRunbooks(ctx.runbooks);
  // Each key clears the last message; the key's own effect may set a new one.
  const current: ConsoleState = state.status ? { ...state, status: undefined } : state;
  const to = (cursor: number): KeyResult => ({
    state: { ...current, screen: { ...screen, cursor: Math.max(0, Math.min(runbooks.length - 1, cursor)) } },
  });
  if ('text' in press) {
    // j and k typed together in one read move once each; other text does nothing here.
    let cursor = screen.cursor;
    for (const ch of press.text) {
      if (ch === 'j') cursor++;
      else if (ch === 'k') cursor--;
    }
    return cursor === screen.cursor ? { state: current } : to(cursor);
  }
  switch (press.name) {
    case 'up':
      return to(screen.cursor - 1);
    case 'down':
      return to(screen.cursor + 1);
    case 'home':
    case 'pageup':
      return to(0);
    case 'end':
    case 'pagedown':
      return to(runbooks.length - 1);
    case 'escape':
      return { state: { ...current, screen: { kind: 'list' } } };
    case 'enter': {
      const runbook = runbooks[screen.cursor];
      if (!runbook) return { state: current };
      if (refusesAccount(ctx.model, runbook, screen.accountId)) {
        return {
          state: {
            ...current,
            status: {
              tone: 'error',
              text: `${runbook.id} refuses the management account.`,
              next: `Pick another runbook; \`awsorg runbook show ${runbook.id}\` says what to use instead.`,
            },
          },
        };
      }
      return {
        state: {
          ...current,
          screen: {
            kind: 'ask',
            accountId: screen.accountId,
            runbookId: runbook.id,
            field: 0,
            answers: [],
            text: current.incident ?? '',
          },
        },
      };
    }
    default:
      return { state: current };
  }
}

/** Why an incident id is refused, or undefined when it is valid (`rule` is INCIDENT_ID of src/core/audit.ts). */
export function incidentError(id: string, rule: RegExp): string | undefined {
  if (!id) return "Type the incident's id: every run is recorded in that incident's audit transcript.";
  if (!rule.test(id))
    return `"${id}" is not an incident id: use up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. INC-2041).`;
  return undefined;
}

function askKey(
  state: ConsoleState,
  screen: Extract<Screen, { kind: 'ask' }>,
  press: KeyPress,
  ctx: KeyContext,
): KeyResult {
  const edit = (text: string): KeyResult => ({
    state: {
      ...state,
      screen: {
        kind: 'ask',
        accountId: screen.accountId,
        runbookId: screen.runbookId,
        field: screen.field,
        answers: screen.answers,
        text,
      },
    },
  });
  if ('text' in press) {
    // Pasted or fast-typed text arrives as one string; control characters are not part of an answer.
    const typed = press.text.replace(/[\u0000-\u001f\u007f]/g, '');
    return typed ? edit(screen.text + typed) : { state };
  }
  const offer = ctx.runbooks;
  const runbook = offer?.runbooks.find((r) => r.id === screen.runbookId);
  // The questions open only from the loaded offer, so the runbook is there.
  if (!offer || !runbook)
    return press.name === 'escape' ? { state: { ...state, screen: { kind: 'list' } } } : { state };
  // What was typed in this field is kept when the operator steps back or on, and offered again.
  const answers = (text: string) => {
    const next = [...screen.answers];
    next[screen.field] = text;
    return next;
  };
  const goTo = (field: number, kept: string[]): KeyResult => ({
    state: {
      ...state,
      screen: {
        kind: 'ask',
        accountId: screen.accountId,
        runbookId: screen.runbookId,
        field,
        answers: kept,
        text: kept[field] ?? '',
      },
    },
  });
  switch (press.name) {
    case 'backspace':
      return edit(screen.text.slice(0, -1));
    case 'escape': {
      if (screen.field > 0) return goTo(screen.field - 1, answers(screen.text));
      const cursor = accountRunbooks(offer).findIndex((r) => r.id === screen.runbookId);
      return {
        state: { ...state, screen: { kind: 'runbooks', accountId: screen.accountId, cursor: Math.max(0, cursor) } },
      };
    }
    case 'enter': {
      const value = screen.text.trim();
      const ask = screen.field > 0 ? runbook.asks[screen.field - 1] : undefined;
      const error = ask
        ? value
          ? offer.paramError(ask, value)
          : `--${ask.name} is required: ${ask.description}.`
        : incidentError(value, offer.incidentId);
      if (error) return { state: { ...state, screen: { ...screen, error } } };
      const kept = answers(value);
      if (screen.field < runbook.asks.length) return goTo(screen.field + 1, kept);
      const incident = kept[0]!;
      const params = Object.fromEntries(runbook.asks.map((a, i) => [a.name, kept[i + 1]!]));
      return {
        state: { ...state, screen: { kind: 'list' }, incident },
        intent: { kind: 'runbook', runbookId: runbook.id, accountId: screen.accountId, incident, params },
      };
    }
    default:
      return { state };
  }
}
