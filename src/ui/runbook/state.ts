/**
 * The runbook screen's state and what keys and runner events do to it. Pure: `runbookEvent`
 * folds what the runner reports (RunEvent) and what it asks (a pending prompt) into the state;
 * `runbookKey` turns a key press into the next state and, when the operator has answered, an
 * intent that settles the runner's pending promise. The app (app.tsx) owns the promises.
 */
import type {
  ActionView,
  CheckOutcome,
  ManualView,
  RunEvent,
  StepKind,
  StepStatus,
  Where,
} from '../../runbooks/types.js';
import type { RunbookScreenInput } from '../../runbooks/types.js';
import { editText, textField, type TextField } from '../wizard/text-input.js';
import { keyName, keyText, listMove, type KeyOutcome, type KeyPress, type Notice } from '../wizard/types.js';

// What the screen is given to draw is declared by the runbook layer, which builds it.
export type { RunbookScreenInput };

export interface RunbookOutcome {
  status: 'completed' | 'stopped' | 'failed' | 'refused';
  exitCode: number;
  /** E.g. the failure, with its next step. */
  message?: string;
  transcript?: { file: string; records: number; head: string };
  followUps: string[];
}

export interface RunbookStep {
  id: string;
  title: string;
  kind: StepKind;
  does: string;
  where?: Where;
  call?: string;
  status: StepStatus;
  summary?: string;
  items?: NonNullable<CheckOutcome['items']>;
  /** The latest probe of a verify step. */
  poll?: { attempt: number; elapsedMs: number; summary: string };
  /** The AWS calls the step made, each with how many times, in the order first made. */
  calls: { call: string; count: number }[];
}

/** What the runner is waiting for. Masked values live only in `value` until Enter sends them. */
export type RunbookPrompt =
  | { kind: 'action'; view: ActionView }
  | { kind: 'manual'; view: ManualView; stage: 'text' | 'note'; text: TextField; note: TextField }
  | { kind: 'ask'; label: string; value: TextField };

export interface RunbookScreenState {
  mode: RunbookScreenInput['mode'];
  runbook: RunbookScreenInput['runbook'];
  incident: string;
  dryRun: boolean;
  rehearsal: boolean;
  keptTranscript?: string;
  steps: RunbookStep[];
  /** The step the panel shows: the one running or asking. */
  current?: number;
  prompt?: RunbookPrompt;
  /** The first line of the scrolled panel (the renderer keeps it in range). */
  scroll: number;
  /** Lines the scrolled panel showed in the last frame (PgUp/PgDn). */
  page: number;
  notice?: Notice;
  /** Ctrl-C or a declined action: the run stops at the next safe point. */
  stopping: boolean;
  outcome?: RunbookOutcome;
}

/** What the runner reports and asks, and how the run ends. */
export type RunbookAction =
  | RunEvent
  | { type: 'prompt-action'; view: ActionView }
  | { type: 'prompt-manual'; view: ManualView }
  | { type: 'prompt-ask'; label: string }
  | { type: 'stop-requested' }
  | { type: 'finished'; outcome: RunbookOutcome };

export type RunbookIntent =
  | { kind: 'confirm'; send: boolean }
  | { kind: 'acknowledge'; answer: { text: string; note?: string } }
  | { kind: 'answer'; value: string }
  /** Ctrl-C: decline whatever is pending (confirm false, acknowledgement or answer undefined) and stop at a safe point. */
  | { kind: 'stop' }
  | { kind: 'quit' };

export function initialRunbookScreen(input: RunbookScreenInput): RunbookScreenState {
  return {
    mode: input.mode,
    runbook: input.runbook,
    incident: input.incident,
    dryRun: input.dryRun,
    rehearsal: input.rehearsal,
    ...(input.keptTranscript ? { keptTranscript: input.keptTranscript } : {}),
    steps: input.steps.map((s) => ({ ...s, status: 'pending', calls: [] })),
    scroll: 0,
    page: 10,
    stopping: false,
  };
}

function updateStep(state: RunbookScreenState, index: number, fn: (s: RunbookStep) => RunbookStep): RunbookStep[] {
  return state.steps.map((s, i) => (i === index ? fn(s) : s));
}

/** Focus the panel on step `index`, from its top. */
function focus(state: RunbookScreenState, index: number): RunbookScreenState {
  return state.current === index ? state : { ...state, current: index, scroll: 0 };
}

function countCall(calls: RunbookStep['calls'], call: string): RunbookStep['calls'] {
  return calls.some((c) => c.call === call)
    ? calls.map((c) => (c.call === call ? { call, count: c.count + 1 } : c))
    : [...calls, { call, count: 1 }];
}

function running(s: RunbookStep): RunbookStep {
  return s.status === 'pending' ? { ...s, status: 'running' } : s;
}

export function runbookEvent(state: RunbookScreenState, action: RunbookAction): RunbookScreenState {
  switch (action.type) {
    case 'step-start':
      return {
        ...focus(state, action.index),
        steps: updateStep(state, action.index, (s) => ({
          ...s,
          status: 'running',
          summary: undefined,
          items: undefined,
          poll: undefined,
        })),
      };
    case 'step-end':
      return {
        ...state,
        steps: updateStep(state, action.index, (s) => ({
          ...s,
          status: action.status,
          summary: action.summary,
          ...(action.items ? { items: action.items } : {}),
          poll: undefined,
        })),
      };
    case 'poll':
      return {
        ...state,
        steps: updateStep(state, action.index, (s) => ({
          ...s,
          poll: { attempt: action.attempt, elapsedMs: action.elapsedMs, summary: action.summary },
        })),
      };
    case 'aws':
      return {
        ...state,
        steps: updateStep(state, action.index, (s) => ({ ...s, calls: countCall(s.calls, action.call) })),
      };
    case 'prompt-action':
      return {
        ...focus(state, action.view.index),
        steps: updateStep(state, action.view.index, running),
        prompt: { kind: 'action', view: action.view },
        notice: undefined,
      };
    case 'prompt-manual':
      return {
        ...focus(state, action.view.index),
        steps: updateStep(state, action.view.index, running),
        prompt: { kind: 'manual', view: action.view, stage: 'text', text: textField(), note: textField() },
        notice: undefined,
      };
    case 'prompt-ask':
      return { ...state, prompt: { kind: 'ask', label: action.label, value: textField('', true) }, notice: undefined };
    case 'stop-requested':
      return state.stopping || state.outcome
        ? state
        : { ...state, prompt: undefined, stopping: true, notice: stoppingNotice() };
    case 'finished':
      return {
        ...state,
        prompt: undefined,
        stopping: false,
        notice: undefined,
        outcome: action.outcome,
        current: undefined,
        scroll: 0,
      };
  }
}

function stoppingNotice(): Notice {
  return { tone: 'warning', text: 'Stopping at a safe point: the step in flight finishes and nothing more is sent.' };
}

/** True while keys are typed into a field, so letters are text rather than commands. */
export function runbookCapturesText(state: RunbookScreenState): boolean {
  return state.prompt?.kind === 'manual' || state.prompt?.kind === 'ask';
}

/** Scrolling the panel: arrows always, j/k only when no field takes text. */
function scrolled(state: RunbookScreenState, press: KeyPress): RunbookScreenState | undefined {
  const name = keyName(press);
  const move = runbookCapturesText(state) ? (name === 'up' ? -1 : name === 'down' ? 1 : 0) : listMove(press);
  const page = Math.max(1, state.page - 1);
  const delta = move || (name === 'pageup' ? -page : name === 'pagedown' ? page : 0);
  if (delta) return { ...state, scroll: Math.max(0, state.scroll + delta) };
  if (name === 'home') return { ...state, scroll: 0 };
  if (name === 'end') return { ...state, scroll: Number.MAX_SAFE_INTEGER };
  return undefined;
}

export function runbookKey(state: RunbookScreenState, press: KeyPress): KeyOutcome<RunbookScreenState, RunbookIntent> {
  const name = keyName(press);
  const text = keyText(press);
  if (state.outcome) {
    if (text === 'q' || name === 'enter' || name === 'ctrl-c') return { state, intent: { kind: 'quit' } };
    return { state: scrolled(state, press) ?? state };
  }
  if (name === 'ctrl-c') {
    if (state.stopping)
      return {
        state: {
          ...state,
          notice: { tone: 'warning', text: 'Already stopping: the run ends at the next safe point.' },
        },
      };
    return {
      state: { ...state, prompt: undefined, stopping: true, notice: stoppingNotice() },
      intent: { kind: 'stop' },
    };
  }
  const scroll = scrolled(state, press);
  if (scroll) return { state: scroll };
  const prompt = state.prompt;
  if (!prompt) return { state };
  switch (prompt.kind) {
    case 'action':
      if (text === 'y' || text === 'Y')
        return { state: { ...state, prompt: undefined, notice: undefined }, intent: { kind: 'confirm', send: true } };
      if (text === 'n' || text === 'N') {
        const notice: Notice = {
          tone: 'warning',
          text: `Declined: nothing was sent for step ${prompt.view.index + 1}; the run stops here.`,
        };
        return {
          state: { ...state, prompt: undefined, stopping: true, notice },
          intent: { kind: 'confirm', send: false },
        };
      }
      return { state };
    case 'manual':
      return manualKey(state, prompt, press);
    case 'ask': {
      if (name === 'enter') {
        const value = prompt.value.value.trim();
        if (!value)
          return {
            state: {
              ...state,
              notice: {
                tone: 'error',
                text: 'Nothing was typed: type the value, then Enter.',
                next: 'Ctrl-C stops the run.',
              },
            },
          };
        return { state: { ...state, prompt: undefined, notice: undefined }, intent: { kind: 'answer', value } };
      }
      const edited = editText(prompt.value, press);
      return edited ? { state: { ...state, prompt: { ...prompt, value: edited }, notice: undefined } } : { state };
    }
  }
}

function manualKey(
  state: RunbookScreenState,
  prompt: Extract<RunbookPrompt, { kind: 'manual' }>,
  press: KeyPress,
): KeyOutcome<RunbookScreenState, RunbookIntent> {
  const name = keyName(press);
  if (prompt.stage === 'text') {
    if (name === 'enter') {
      if (!prompt.text.value.trim()) {
        return {
          state: {
            ...state,
            notice: {
              tone: 'error',
              text: 'An acknowledgement is required: type what you did (or found), then Enter.',
              next: 'Ctrl-C stops the run.',
            },
          },
        };
      }
      return { state: { ...state, prompt: { ...prompt, stage: 'note' }, notice: undefined } };
    }
    const edited = editText(prompt.text, press);
    return edited ? { state: { ...state, prompt: { ...prompt, text: edited }, notice: undefined } } : { state };
  }
  if (name === 'enter') {
    const note = prompt.note.value.trim();
    const answer = { text: prompt.text.value.trim(), ...(note ? { note } : {}) };
    return { state: { ...state, prompt: undefined, notice: undefined }, intent: { kind: 'acknowledge', answer } };
  }
  if (name === 'escape') return { state: { ...state, prompt: { ...prompt, stage: 'text' } } };
  const edited = editText(prompt.note, press);
  return edited ? { state: { ...state, prompt: { ...prompt, note: edited } } } : { state };
}
