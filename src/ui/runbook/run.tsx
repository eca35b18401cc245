/**
 * The runbook screen's lifecycle, the entry the runbook commands call on a terminal: draw the
 * screen on stderr in the alternate screen, hand `drive` a RunbookHost whose questions are
 * answered by keys, keep the outcome on screen until the operator has read it, then restore the
 * screen and print what must outlive it (outcome, transcript, follow-ups, how to roll back).
 */
import type { Deps } from '../../aws/deps.js';
import type { RunbookHost } from '../../runbooks/types.js';
import { colorWanted, systemTerminal, type ConsoleTerminal } from '../console/run.js';
import { defineRunbookApp, type RunbookBridge } from './app.js';
import { rollbackAdvised } from './frame.js';
import {
  initialRunbookScreen,
  runbookEvent,
  type RunbookAction,
  type RunbookIntent,
  type RunbookOutcome,
  type RunbookScreenInput,
  type RunbookScreenState,
} from './state.js';
import { terminalLines } from '../../core/terminal-text.js';

export type { RunbookOutcome, RunbookScreenInput };

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';

type Pending =
  | { kind: 'confirm'; resolve: (send: boolean) => void }
  | { kind: 'acknowledge'; resolve: (answer: { text: string; note?: string } | undefined) => void }
  | { kind: 'answer'; resolve: (value: string | undefined) => void };

/**
 * The host the runner talks to and the bridge the app listens on. One question is pending at a
 * time (the runner is sequential). After Ctrl-C every question is declined at once, and
 * `stopSignal` is aborted so the runner can stop between steps.
 */
export function runbookBridge(initial: RunbookScreenState): RunbookBridge & {
  host: RunbookHost;
  finish(outcome: RunbookOutcome): void;
  stopSignal: AbortSignal;
  latest(): RunbookScreenState;
} {
  let dispatch: ((action: RunbookAction) => void) | undefined;
  const backlog: RunbookAction[] = [];
  // The runner's view of the run (events only), for the summary printed after the screen closes.
  let latest = initial;
  let pending: Pending | undefined;
  let stopped = false;
  let finished = false;
  const stop = new AbortController();

  const send = (action: RunbookAction) => {
    latest = runbookEvent(latest, action);
    if (dispatch) dispatch(action);
    else backlog.push(action);
  };
  const decline = () => {
    const p = pending;
    pending = undefined;
    if (p?.kind === 'confirm') p.resolve(false);
    else p?.resolve(undefined);
  };
  const ask = <T,>(make: (resolve: (value: T) => void) => Pending, action: RunbookAction, declined: T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (stopped || finished) return resolve(declined);
      if (pending)
        return reject(
          new Error('the runbook screen asks one question at a time; a second arrived while the first was open'),
        );
      pending = make(resolve);
      send(action);
    });

  const host: RunbookHost = {
    event: (e) => send(e),
    confirmAction: (view) =>
      ask<boolean>((resolve) => ({ kind: 'confirm', resolve }), { type: 'prompt-action', view }, false),
    acknowledge: (view) =>
      ask<{ text: string; note?: string } | undefined>(
        (resolve) => ({ kind: 'acknowledge', resolve }),
        { type: 'prompt-manual', view },
        undefined,
      ),
    ask: (label) =>
      ask<string | undefined>((resolve) => ({ kind: 'answer', resolve }), { type: 'prompt-ask', label }, undefined),
  };

  return {
    host,
    stopSignal: stop.signal,
    latest: () => latest,
    connect(next) {
      dispatch = next;
      for (const action of backlog.splice(0)) next(action);
      return () => {
        dispatch = undefined;
        // The screen is gone: nobody can answer any more.
        if (!finished) {
          stopped = true;
          decline();
        }
      };
    },
    perform(intent: RunbookIntent) {
      const p = pending;
      switch (intent.kind) {
        case 'confirm':
          if (p?.kind !== 'confirm') return;
          pending = undefined;
          p.resolve(intent.send);
          return;
        case 'acknowledge':
          if (p?.kind !== 'acknowledge') return;
          pending = undefined;
          p.resolve(intent.answer);
          return;
        case 'answer':
          if (p?.kind !== 'answer') return;
          pending = undefined;
          p.resolve(intent.value);
          return;
        case 'stop':
          if (stopped || finished) return;
          stopped = true;
          latest = runbookEvent(latest, { type: 'stop-requested' });
          decline();
          stop.abort();
          return;
        case 'quit':
          return;
      }
    },
    finish(outcome) {
      if (finished) return;
      decline();
      send({ type: 'finished', outcome });
      finished = true;
    },
  };
}

/** The outcome shown when `drive` throws instead of returning one. */
function failedOutcome(err: unknown): RunbookOutcome {
  const e = err as { message?: string; nextStep?: string; exitCode?: number };
  const message = e?.message ?? String(err);
  return {
    status: 'failed',
    exitCode: typeof e?.exitCode === 'number' ? e.exitCode : 1,
    message: e?.nextStep ? `${message}\nNext step: ${e.nextStep}` : message,
    followUps: [],
  };
}

/** What stays on the terminal after the screen closes. */
export function runbookFarewell(state: RunbookScreenState): string {
  const o = state.outcome;
  if (!o) return '';
  // A rollback's runbook is the rollback itself: it is named by the incident it undoes.
  const what =
    state.mode === 'rollback'
      ? `${state.dryRun ? 'dry run of the ' : ''}rollback of incident ${state.incident}`
      : `${state.dryRun ? 'dry run of' : 'runbook'} ${state.runbook.id} (incident ${state.incident})`;
  const lines = [`awsorg: ${what}: ${o.status}.`];
  if (o.message) lines.push(...o.message.split('\n').map((l) => `  ${l}`));
  if (state.rehearsal)
    lines.push(
      state.keptTranscript
        ? `  transcript kept at ${state.keptTranscript} when the rehearsal ends`
        : '  transcript discarded with the rehearsal',
    );
  else if (o.transcript)
    lines.push(`  transcript ${o.transcript.file} (${o.transcript.records} records, head ${o.transcript.head})`);
  if (rollbackAdvised(state)) lines.push(`  to undo what this run applied: awsorg runbook rollback ${state.incident}`);
  else if (o.status === 'stopped' && state.mode === 'run' && !state.dryRun)
    lines.push('  nothing was applied, so there is nothing to roll back');
  for (const f of o.followUps) lines.push(`  follow-up: ${f}`);
  return lines.join('\n');
}

export async function runRunbookScreen(
  deps: Deps,
  input: RunbookScreenInput,
  /** Runs the runbook against the host; `signal` is aborted when the operator presses Ctrl-C. */
  drive: (host: RunbookHost, signal: AbortSignal) => Promise<RunbookOutcome>,
  terminal: ConsoleTerminal = systemTerminal(deps),
): Promise<RunbookOutcome> {
  const ink = await import('ink');
  const RunbookApp = defineRunbookApp(ink);
  const out = terminal.output;
  const keys = terminal.openInput();
  const initial = initialRunbookScreen(input);
  const bridge = runbookBridge(initial);
  // Someone can press q only on a terminal in raw mode; otherwise the outcome is printed and the screen closes.
  const canPress =
    (keys as { isTTY?: boolean }).isTTY === true && typeof (keys as { setRawMode?: unknown }).setRawMode === 'function';
  let outcome: RunbookOutcome | undefined;
  let failure: { error: unknown } | undefined;
  if (terminal.alternateScreen) out.write(ENTER_ALTERNATE_SCREEN);
  try {
    const instance = ink.render(
      <RunbookApp
        initial={initial}
        bridge={bridge}
        color={colorWanted(deps.env)}
        screen={out}
        holdOutcome={canPress}
        now={() => deps.clock.now()}
        signal={deps.signal}
      />,
      { stdout: out, stderr: out, stdin: keys, exitOnCtrlC: false, patchConsole: false, ...terminal.renderOptions },
    );
    const driven = (async () => {
      try {
        outcome = await drive(bridge.host, bridge.stopSignal);
      } catch (error) {
        failure = { error };
        outcome = failedOutcome(error);
      }
      bridge.finish(outcome);
    })();
    await instance.waitUntilExit();
    await driven;
  } finally {
    terminal.closeInput(keys);
    if (terminal.alternateScreen) out.write(LEAVE_ALTERNATE_SCREEN);
  }
  const farewell = runbookFarewell(bridge.latest());
  if (farewell) deps.stderr.write(`${terminalLines(farewell)}\n`);
  if (failure) throw failure.error;
  return outcome!;
}
