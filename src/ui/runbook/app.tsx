/**
 * The runbook screen's root component. It owns the state: runner actions come in through the
 * bridge (run.tsx), keys go through `runbookKey`, and the intents that answer the runner go back
 * out through the bridge, which settles its pending promise. It exits Ink once the run has ended
 * and the operator has read the outcome (or at once when no one can press a key); it never
 * calls process.exit.
 *
 * Ink is passed in (`defineRunbookApp(await import('ink'))`), as for the wizard and the
 * console: it is an ES module with top-level await that the CommonJS bin can only load with a
 * dynamic import().
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import type { Key } from 'ink';
import { useScreenSize, type ScreenSize } from '../console/app.js';
import { palette } from '../console/style.js';
import { keyPresses } from '../wizard/app.js';
import type { KeyPress } from '../wizard/types.js';
import { renderRunbook } from './frame.js';
import { runbookEvent, runbookKey, type RunbookAction, type RunbookIntent, type RunbookScreenState } from './state.js';
import { terminalStyled } from '../../core/terminal-text.js';

/** How the app talks to the runner's host: actions in, answers out. */
export interface RunbookBridge {
  /** Start receiving actions (those sent before are replayed); returns the disconnect. */
  connect(dispatch: (action: RunbookAction) => void): () => void;
  /** Carry out an intent: settle the pending confirmation, acknowledgement or answer, or stop. */
  perform(intent: RunbookIntent): void;
}

export interface RunbookAppProps {
  initial: RunbookScreenState;
  bridge: RunbookBridge;
  color: boolean;
  screen: ScreenSize;
  /** Keep the outcome on screen until q or Enter; false when no one can press a key. */
  holdOutcome: boolean;
  now: () => number;
  /** Aborted on SIGTERM: the run stops at a safe point and the screen closes without waiting. */
  signal?: AbortSignal;
}

type InkModule = typeof import('ink');
const defined = new WeakMap<InkModule, (props: RunbookAppProps) => ReactElement>();

export function defineRunbookApp(ink: InkModule): (props: RunbookAppProps) => ReactElement {
  const known = defined.get(ink);
  if (known) return known;
  const { Box, Text, useApp, useInput, useStdin } = ink;

  function RunbookApp({ initial, bridge, color, screen, holdOutcome, now, signal }: RunbookAppProps) {
    const { exit } = useApp();
    const { isRawModeSupported } = useStdin();
    const [state, setState] = useState(initial);
    const stateRef = useRef(state);
    const panelView = useRef({ top: 0, page: 10 });
    const hold = useRef(holdOutcome);
    const exited = useRef(false);
    const size = useScreenSize(screen);
    const p = useMemo(() => palette(color), [color]);

    const finish = useCallback(() => {
      if (exited.current) return;
      exited.current = true;
      exit();
    }, [exit]);
    const commit = useCallback((next: RunbookScreenState) => {
      stateRef.current = next;
      setState(next);
    }, []);

    // Connected once for the app's life: disconnecting tells the bridge no one can answer any more.
    const finishRef = useRef(finish);
    finishRef.current = finish;
    useEffect(
      () =>
        bridge.connect((action) => {
          commit(runbookEvent(stateRef.current, action));
          // Let the outcome reach the screen before Ink unmounts.
          if (action.type === 'finished' && !hold.current) setTimeout(() => finishRef.current(), 0);
        }),
      [bridge, commit],
    );

    useEffect(() => {
      if (!signal) return;
      const onAbort = () => {
        hold.current = false;
        if (stateRef.current.outcome) finish();
        else {
          commit(runbookEvent(stateRef.current, { type: 'stop-requested' }));
          bridge.perform({ kind: 'stop' });
        }
      };
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort);
      return () => signal.removeEventListener('abort', onAbort);
    }, [signal, bridge, commit, finish]);

    const onPress = (press: KeyPress) => {
      if (exited.current) return;
      const current = { ...stateRef.current, scroll: panelView.current.top, page: panelView.current.page };
      const result = runbookKey(current, press);
      if (result.state !== current) commit(result.state);
      if (!result.intent) return;
      if (result.intent.kind === 'quit') finish();
      else bridge.perform(result.intent);
    };
    const onInput = (input: string, key: Key) => {
      for (const press of keyPresses(input, key)) onPress(press);
    };
    const handlerRef = useRef(onInput);
    handlerRef.current = onInput;
    const stableHandler = useCallback((input: string, key: Key) => handlerRef.current(input, key), []);
    useInput(stableHandler, { isActive: isRawModeSupported === true });

    const frame = renderRunbook(state, {
      width: size.columns,
      height: Math.max(1, size.rows - 1),
      palette: p,
      now: now(),
    });
    panelView.current = { top: frame.panelTop, page: frame.panelPage };
    return (
      <Box flexDirection="column" width={size.columns} height={frame.lines.length}>
        <Text>{frame.lines.map(terminalStyled).join('\n')}</Text>
      </Box>
    );
  }
  defined.set(ink, RunbookApp);
  return RunbookApp;
}
