/**
 * The console's root component. It owns the state, turns keys into intents (state.ts), carries
 * them out through ConsoleOperations, and exits Ink with what the runner must do next: quit,
 * run a shell, run a runbook, or print exports. It never calls process.exit.
 *
 * Ink is passed in (`defineConsoleApp(await import('ink'))`) rather than imported: the CLI
 * bundle is CommonJS, and Ink, an ES module with top-level await, can only be loaded there by
 * a dynamic import().
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { Key } from 'ink';
import type { RoleSession } from '../../assume/types.js';
import { AwsorgError } from '../../core/errors.js';
import { createFilter } from './fuzzy.js';
import { renderFrame } from './frame.js';
import { prepareSearch, type ConsoleAccount, type ConsoleModel, type RunbookOffer } from './model.js';
import type { ConsoleOperations } from './operations.js';
import {
  cursorOf,
  handleKey,
  selectedIndex,
  type ConsoleState,
  type Intent,
  type KeyPress,
  type Status,
} from './state.js';
import { displayList, type DisplayList } from './rows.js';
import { count as formatCount, palette } from './style.js';
import { terminalStyled } from '../../core/terminal-text.js';

export interface ConsoleSnapshot {
  model: ConsoleModel;
  state: ConsoleState;
  /** What `!` offers, once loaded: kept across a shell or a runbook so it loads once. */
  runbooks?: RunbookOffer;
}

export type ConsoleExit =
  | { kind: 'quit'; code: number }
  | { kind: 'shell'; session: RoleSession; snapshot: ConsoleSnapshot }
  /** `awsorg runbook run RUNBOOK --incident INCIDENT --account ACCOUNT [--PARAM VALUE ...]`, then back to the console. */
  | {
      kind: 'runbook';
      runbookId: string;
      accountId: string;
      incident: string;
      params: Record<string, string>;
      snapshot: ConsoleSnapshot;
    }
  | { kind: 'exports'; session: RoleSession };

/** The part of a terminal stream the console reads its size from. */
export interface ScreenSize {
  columns?: number;
  rows?: number;
  on(event: 'resize', listener: () => void): unknown;
  off(event: 'resize', listener: () => void): unknown;
}

export interface ConsoleAppProps {
  initial: ConsoleSnapshot;
  ops: ConsoleOperations;
  color: boolean;
  screen: ScreenSize;
  /** Aborted on SIGTERM (see cli.ts): the console quits. */
  signal?: AbortSignal;
}

export function toKeyPress(input: string, key: Key): KeyPress | undefined {
  if (key.ctrl && input === 'c') return { name: 'ctrl-c' };
  if (key.ctrl && input === 'u') return { name: 'ctrl-u' };
  if (key.ctrl && input === 'w') return { name: 'ctrl-w' };
  if (key.leftArrow) return { name: 'left' };
  if (key.rightArrow) return { name: 'right' };
  if (key.upArrow) return { name: 'up' };
  if (key.downArrow) return { name: 'down' };
  if (key.pageUp) return { name: 'pageup' };
  if (key.pageDown) return { name: 'pagedown' };
  if (key.home) return { name: 'home' };
  if (key.end) return { name: 'end' };
  if (key.return) return { name: 'enter' };
  if (key.escape) return { name: 'escape' };
  if (key.backspace || key.delete) return { name: 'backspace' };
  if (key.tab) return { name: 'tab' };
  if (key.ctrl || key.meta || !input) return undefined;
  return { text: input };
}

const CONTROL_KEYS: Record<string, KeyPress> = {
  '\r': { name: 'enter' },
  '\u007F': { name: 'backspace' },
  '\b': { name: 'backspace' },
  '\t': { name: 'tab' },
};

/**
 * The key presses in one input event. Ink splits input only at escape sequences, so keys that
 * arrive together (a pasted incident id ending in Enter, fast typing over SSH) come as one
 * string: Enter, Backspace and Tab are taken out of it, so none of them is lost.
 */
export function keyPresses(input: string, key: Key): KeyPress[] {
  if (input.length <= 1 || !/[\r\u007F\b\t]/.test(input)) {
    const press = toKeyPress(input, key);
    return press ? [press] : [];
  }
  const presses: KeyPress[] = [];
  let text = '';
  for (const ch of input) {
    const control = CONTROL_KEYS[ch];
    if (!control) text += ch;
    else {
      if (text) presses.push({ text });
      text = '';
      presses.push(control);
    }
  }
  if (text) presses.push({ text });
  return presses;
}

function errorStatus(err: unknown): Status {
  if (err instanceof AwsorgError)
    return { tone: 'error', text: err.message.split('\n')[0]!, ...(err.nextStep ? { next: err.nextStep } : {}) };
  return { tone: 'error', text: err instanceof Error ? err.message : String(err) };
}

/** One list for each (query, grouping), remembered while the model stays the same. */
function listCache(model: ConsoleModel) {
  const filter = createFilter(model.accounts);
  const lists = new Map<string, DisplayList>();
  return (query: string, grouped: boolean): DisplayList => {
    const key = `${grouped ? 'g' : 'f'}\u0000${query}`;
    let list = lists.get(key);
    if (!list) {
      list = displayList(model, query.trim() ? filter(query) : undefined, grouped);
      if (lists.size > 32) lists.clear();
      lists.set(key, list);
    }
    return list;
  };
}

/** The terminal's size, following its resize events (shared with the bootstrap wizard). */
export function useScreenSize(screen: ScreenSize): { columns: number; rows: number } {
  const read = () => ({ columns: screen.columns || 80, rows: screen.rows || 24 });
  const [size, setSize] = useState(read);
  // biome-ignore lint/correctness/useExhaustiveDependencies: read() depends on screen alone, which is listed.
  useEffect(() => {
    const onResize = () => setSize(read());
    screen.on('resize', onResize);
    return () => void screen.off('resize', onResize);
  }, [screen]);
  return size;
}

type InkModule = typeof import('ink');
const defined = new WeakMap<InkModule, (props: ConsoleAppProps) => ReactElement>();

/** The console's root component, built on the given Ink module. */
export function defineConsoleApp(ink: InkModule): (props: ConsoleAppProps) => ReactElement {
  const known = defined.get(ink);
  if (known) return known;
  const { Box, Text, useApp, useInput, useStdin } = ink;

  function ConsoleApp({ initial, ops, color, screen, signal }: ConsoleAppProps) {
    const { exit } = useApp();
    const { isRawModeSupported } = useStdin();
    const [model, setModel] = useState(initial.model);
    const [state, setState] = useState(initial.state);
    const [offer, setOffer] = useState(initial.runbooks);
    const offerRef = useRef(offer);
    const [, setTick] = useState(0);
    const size = useScreenSize(screen);
    const stateRef = useRef(state);
    const modelRef = useRef(model);
    const topRef = useRef(state.top);
    const pageRef = useRef(1);
    const expiries = useRef(new Map<string, number | null>());
    const exited = useRef(false);
    const listFor = useMemo(() => listCache(model), [model]);
    const p = useMemo(() => palette(color), [color]);

    const commit = useCallback((next: ConsoleState) => {
      stateRef.current = next;
      setState(next);
    }, []);
    const finish = useCallback(
      (result: ConsoleExit) => {
        if (exited.current) return;
        exited.current = true;
        exit(result);
      },
      [exit],
    );

    useEffect(() => {
      ops.setNoticeListener((text) => commit({ ...stateRef.current, status: { tone: 'info', text } }));
      return () => ops.setNoticeListener(undefined);
    }, [ops, commit]);

    useEffect(() => {
      if (!signal) return;
      const onAbort = () => finish({ kind: 'quit', code: 130 });
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort);
      return () => signal.removeEventListener('abort', onAbort);
    }, [signal, finish]);

    // The first frame is on screen. While the operator reads it, build the search text, run
    // the filter once, and draw the same frame twice more: Ink's text pipeline is slow until
    // the JIT has compiled it, and the first keystrokes should not pay for that. An unchanged
    // frame writes nothing to the terminal.
    useEffect(() => {
      const timers = [
        setTimeout(() => {
          prepareSearch(model);
          // A prefix, then a narrowing subsequence: both paths of the scorer get compiled.
          listFor('e', true);
          listFor('ez', true);
        }, 0),
        setTimeout(() => setTick((t) => t + 1), 40),
        setTimeout(() => setTick((t) => t + 1), 80),
      ];
      return () => timers.forEach(clearTimeout);
    }, [model, listFor]);

    // Cached sessions run out while the console is open: look again every 30 seconds.
    useEffect(() => {
      const timer = setInterval(() => {
        expiries.current.clear();
        setTick((t) => t + 1);
      }, 30_000);
      timer.unref?.();
      return () => clearInterval(timer);
    }, []);

    const sessionExpiry = (entry: ConsoleAccount): number | undefined => {
      const cache = expiries.current;
      let value = cache.get(entry.account.id);
      if (value === undefined) {
        value = ops.sessionExpiry(entry.account) ?? null;
        cache.set(entry.account.id, value);
      }
      return value ?? undefined;
    };

    const perform = (intent: Intent) => {
      const current = stateRef.current;
      switch (intent.kind) {
        case 'quit':
          finish({ kind: 'quit', code: intent.code });
          return;
        case 'refresh': {
          const selectedId = (() => {
            const i = selectedIndex(current, listFor(current.query, current.grouped));
            return i === undefined ? undefined : modelRef.current.accounts[i]!.account.id;
          })();
          commit({ ...current, screen: { kind: 'busy', message: 'Reloading the account inventory from AWS…' } });
          ops
            .reload((message) =>
              commit({
                ...stateRef.current,
                screen: { kind: 'busy', message: `Reloading the account inventory: ${message}` },
              }),
            )
            .then((next) => {
              modelRef.current = next;
              expiries.current.clear();
              setModel(next);
              const list = listCache(next)(current.query, current.grouped);
              const index = next.accounts.findIndex((a) => a.account.id === selectedId);
              const total = next.accounts.length;
              commit({
                ...stateRef.current,
                screen: { kind: 'list' },
                cursor: cursorOf(list, index < 0 ? undefined : index),
                top: 0,
                status: { tone: 'ok', text: `Reloaded: ${formatCount(total)} account${total === 1 ? '' : 's'}.` },
              });
            })
            .catch((err: unknown) =>
              commit({ ...stateRef.current, screen: { kind: 'list' }, status: errorStatus(err) }),
            );
          return;
        }
        case 'runbook': {
          // The runbook draws its own screen: the console ends its Ink session, and the runner
          // (run.tsx) runs it, then brings the console back where it was.
          const back: ConsoleState = { ...current, screen: { kind: 'list' }, top: topRef.current };
          const { runbookId, accountId, incident, params } = intent;
          finish({
            kind: 'runbook',
            runbookId,
            accountId,
            incident,
            params,
            snapshot: { model: modelRef.current, state: back, runbooks: offerRef.current },
          });
          return;
        }
        case 'load-runbooks':
          ops
            .runbooks()
            .then((loaded) => {
              offerRef.current = loaded;
              setOffer(loaded);
            })
            .catch((err: unknown) =>
              commit({ ...stateRef.current, screen: { kind: 'list' }, status: errorStatus(err) }),
            );
          return;
        case 'open-url':
          ops
            .openInBrowser(intent.url)
            .then((command) =>
              commit({ ...stateRef.current, status: { tone: 'ok', text: `Opened the URL with ${command}.` } }),
            )
            .catch((err: unknown) => commit({ ...stateRef.current, status: errorStatus(err) }));
          return;
        case 'act': {
          const entry = modelRef.current.accounts.find((a) => a.account.id === intent.accountId);
          if (!entry) return;
          const name = `${entry.account.name} (${entry.account.id})`;
          commit({ ...current, screen: { kind: 'busy', message: `Getting credentials for ${name}…` } });
          ops
            .openSession(entry.account)
            .then(async (session) => {
              expiries.current.delete(entry.account.id);
              const back: ConsoleState = { ...stateRef.current, screen: { kind: 'list' }, top: topRef.current };
              if (intent.action === 'shell')
                return finish({
                  kind: 'shell',
                  session,
                  snapshot: { model: modelRef.current, state: back, runbooks: offerRef.current },
                });
              if (intent.action === 'exports') return finish({ kind: 'exports', session });
              commit({
                ...stateRef.current,
                screen: { kind: 'busy', message: `Getting a console sign-in URL for ${name}…` },
              });
              const url = await ops.signInUrl(session);
              commit({
                ...stateRef.current,
                screen: { kind: 'url', accountId: entry.account.id, role: session.role, url },
              });
            })
            .catch((err: unknown) =>
              commit({ ...stateRef.current, screen: { kind: 'list' }, status: errorStatus(err) }),
            );
          return;
        }
      }
    };

    const onInput = (input: string, key: Key) => {
      for (const press of keyPresses(input, key)) onPress(press);
    };
    const onPress = (press: KeyPress) => {
      if (exited.current) return;
      const current = { ...stateRef.current, top: topRef.current };
      const result = handleKey(current, press, {
        model: modelRef.current,
        list: listFor(current.query, current.grouped),
        listFor,
        pageSize: pageRef.current,
        ...(offerRef.current ? { runbooks: offerRef.current } : {}),
      });
      if (result.state !== current) commit(result.state);
      if (result.intent) perform(result.intent);
    };
    // Keys can arrive faster than React re-subscribes a new handler; always call the latest one.
    const handlerRef = useRef(onInput);
    handlerRef.current = onInput;
    const stableHandler = useCallback((input: string, key: Key) => handlerRef.current(input, key), []);
    useInput(stableHandler, { isActive: isRawModeSupported === true });

    const list = listFor(state.query, state.grouped);
    const frame = renderFrame({
      model,
      state,
      list,
      width: size.columns,
      height: Math.max(1, size.rows - 1),
      palette: p,
      now: ops.now(),
      sessionExpiry,
      ...(offer ? { runbooks: offer } : {}),
    });
    topRef.current = frame.top;
    pageRef.current = frame.listHeight;
    // One Text for the whole screen: every line is already cut to the width (frame.ts), and
    // Ink lays out and diffs one node instead of one per line. terminalStyled keeps only our
    // own SGR codes: nothing else in a line can act on the terminal.
    return (
      <Box flexDirection="column" width={size.columns} height={frame.lines.length}>
        <Text>{frame.lines.map(terminalStyled).join('\n')}</Text>
      </Box>
    );
  }
  defined.set(ink, ConsoleApp);
  return ConsoleApp;
}
