/**
 * Screen 5, Apply: live progress per step and per change (each account being created), with
 * elapsed times, retries and throttling as they happen, the failed call and the next step on an
 * error, and a safe stop on Ctrl-C: the change in flight finishes, the journal keeps progress,
 * and the screen says how to resume. Pure; times come in through events.
 */
import { clip, styledLine } from '../console/style.js';
import { elapsed, paragraph, plural } from './layout.js';
import { keyName, keyText, type KeyOutcome, type KeyPress, type RenderContext } from './types.js';

export type StepStatus = 'pending' | 'observing' | 'applying' | 'verifying' | 'done' | 'failed' | 'stopped';

export interface ApplyStep {
  id: string;
  title: string;
  status: StepStatus;
  planned?: number;
  startedAt?: number;
  elapsedMs?: number;
}

export interface ApplyChange {
  key: string;
  step: string;
  call: string;
  summary: string;
  status: 'running' | 'done' | 'failed';
  startedAt: number;
  elapsedMs?: number;
  note?: string;
}

export interface ApplyFailure {
  call?: string;
  message: string;
  next?: string;
}

export interface ApplyState {
  status: 'running' | 'stopping' | 'stopped' | 'failed' | 'done';
  startedAt: number;
  now: number;
  steps: ApplyStep[];
  changes: ApplyChange[];
  /** The latest retries, newest last. */
  retries: { at: number; text: string }[];
  retryCount: number;
  failure?: ApplyFailure;
  journal: string;
  /** The command that resumes (for the stopped and failed screens). */
  resumeCommand: string;
  /** A rehearsal keeps nothing to resume: its emulator and workspace go when the wizard closes. */
  rehearsal: boolean;
}

export type ApplyEvent =
  | { kind: 'tick'; now: number }
  | { kind: 'step-phase'; id: string; phase: 'observe' | 'apply' | 'verify'; at: number }
  | { kind: 'step-planned'; id: string; changes: number }
  | { kind: 'change-started'; key: string; step: string; call: string; summary: string; at: number }
  | { kind: 'change-note'; key: string; message: string }
  | { kind: 'change-done'; key: string; elapsedMs: number }
  | { kind: 'change-failed'; key: string; message: string }
  | { kind: 'step-done'; id: string; elapsedMs: number }
  | { kind: 'retry'; text: string; at: number }
  | { kind: 'finished'; at: number }
  | { kind: 'failed'; failure: ApplyFailure; at: number }
  | { kind: 'stopped'; at: number };

export type ApplyIntent =
  | { kind: 'stop' }
  | { kind: 'continue' }
  | { kind: 'back-to-plan' }
  | { kind: 'quit'; code: number };

export function initialApply(opts: {
  steps: { id: string; title: string }[];
  now: number;
  journal: string;
  resumeCommand: string;
  rehearsal?: boolean;
}): ApplyState {
  return {
    status: 'running',
    startedAt: opts.now,
    now: opts.now,
    steps: opts.steps.map((s) => ({ ...s, status: 'pending' })),
    changes: [],
    retries: [],
    retryCount: 0,
    journal: opts.journal,
    resumeCommand: opts.resumeCommand,
    rehearsal: opts.rehearsal ?? false,
  };
}

const PHASE_STATUS = { observe: 'observing', apply: 'applying', verify: 'verifying' } as const;
const KEEP_RETRIES = 4;

function updateStep(state: ApplyState, id: string, fn: (s: ApplyStep) => ApplyStep): ApplyStep[] {
  return state.steps.map((s) => (s.id === id ? fn(s) : s));
}
function updateChange(state: ApplyState, key: string, fn: (c: ApplyChange) => ApplyChange): ApplyChange[] {
  return state.changes.map((c) => (c.key === key ? fn(c) : c));
}

export function applyEvent(state: ApplyState, event: ApplyEvent): ApplyState {
  switch (event.kind) {
    case 'tick':
      return { ...state, now: event.now };
    case 'step-phase':
      return {
        ...state,
        now: event.at,
        steps: updateStep(state, event.id, (s) => ({
          ...s,
          status: PHASE_STATUS[event.phase],
          startedAt: s.startedAt ?? event.at,
        })),
      };
    case 'step-planned':
      return { ...state, steps: updateStep(state, event.id, (s) => ({ ...s, planned: event.changes })) };
    case 'change-started':
      return {
        ...state,
        now: event.at,
        changes: [
          ...state.changes.filter((c) => c.key !== event.key),
          {
            key: event.key,
            step: event.step,
            call: event.call,
            summary: event.summary,
            status: 'running',
            startedAt: event.at,
          },
        ],
      };
    case 'change-note':
      return { ...state, changes: updateChange(state, event.key, (c) => ({ ...c, note: event.message })) };
    case 'change-done':
      return {
        ...state,
        changes: updateChange(state, event.key, (c) => ({
          ...c,
          status: 'done',
          elapsedMs: event.elapsedMs,
          note: undefined,
        })),
      };
    case 'change-failed':
      return {
        ...state,
        changes: updateChange(state, event.key, (c) => ({ ...c, status: 'failed', note: event.message })),
      };
    case 'step-done':
      return {
        ...state,
        steps: updateStep(state, event.id, (s) => ({ ...s, status: 'done', elapsedMs: event.elapsedMs })),
      };
    case 'retry':
      return {
        ...state,
        now: event.at,
        retries: [...state.retries, { at: event.at, text: event.text }].slice(-KEEP_RETRIES),
        retryCount: state.retryCount + 1,
      };
    case 'finished':
      return { ...state, status: 'done', now: event.at };
    case 'failed':
      return {
        ...state,
        status: 'failed',
        failure: event.failure,
        now: event.at,
        steps: state.steps.map((s) => (isActive(s) ? { ...s, status: 'failed' } : s)),
      };
    case 'stopped':
      return {
        ...state,
        status: 'stopped',
        now: event.at,
        steps: state.steps.map((s) => (isActive(s) ? { ...s, status: 'stopped' } : s)),
      };
  }
}

function isActive(s: ApplyStep): boolean {
  return s.status === 'observing' || s.status === 'applying' || s.status === 'verifying';
}

/** Ctrl-C is handled here too (the shell passes it on while applying): it asks the engine to stop. */
export function applyKey(state: ApplyState, press: KeyPress): KeyOutcome<ApplyState, ApplyIntent> {
  const name = keyName(press);
  const text = keyText(press);
  if (state.status === 'running') {
    if (name === 'ctrl-c') return { state: { ...state, status: 'stopping' }, intent: { kind: 'stop' } };
    return { state };
  }
  if (state.status === 'stopping') return { state };
  if (state.status === 'done') {
    if (name === 'enter') return { state, intent: { kind: 'continue' } };
    return name === 'ctrl-c' ? { state, intent: { kind: 'quit', code: 130 } } : { state };
  }
  // stopped or failed
  if (text === 'q' || name === 'ctrl-c')
    return { state, intent: { kind: 'quit', code: state.status === 'stopped' ? 130 : 1 } };
  if (state.status === 'failed' && (name === 'enter' || name === 'escape'))
    return { state, intent: { kind: 'back-to-plan' } };
  return { state };
}

/** What a stopped or failed rehearsal leaves: nothing to resume. */
export const REHEARSAL_NOT_KEPT =
  'A stopped rehearsal is not kept: the wizard removes its emulator and workspace when it closes, and the next rehearsal starts afresh.';

const STATUS_MARK: Record<StepStatus, string> = {
  pending: '·',
  observing: '◐',
  applying: '●',
  verifying: '◑',
  done: '✓',
  failed: '✗',
  stopped: '■',
};
const STATUS_WORD: Partial<Record<StepStatus, string>> = {
  observing: 'reading',
  applying: 'applying',
  verifying: 'verifying',
  failed: 'FAILED',
  stopped: 'stopped',
};

export function applyLines(state: ApplyState, ctx: RenderContext): string[] {
  const { width, height, palette: p } = ctx;
  const done = state.changes.filter((c) => c.status === 'done').length;
  const title =
    state.status === 'done'
      ? `Applied: ${plural(done, 'change')} in ${elapsed(state.now - state.startedAt)}`
      : state.status === 'stopping'
        ? 'Stopping at a safe point: the change in flight finishes, nothing new starts…'
        : state.status === 'stopped'
          ? state.rehearsal
            ? 'Stopped at a safe point.'
            : 'Stopped. Nothing is half-done: the journal records every change.'
          : state.status === 'failed'
            ? 'Apply stopped on an error.'
            : `Applying… ${plural(done, 'change')} done · ${elapsed(state.now - state.startedAt)}`;
  const titleStyle = state.status === 'failed' ? p.error : state.status === 'done' ? p.ok : p.bold;
  const lines = [styledLine([{ text: clip(title, width), style: titleStyle }], '', p), ''];
  for (const step of state.steps) {
    const time =
      step.elapsedMs !== undefined
        ? elapsed(step.elapsedMs)
        : step.startedAt !== undefined && isActive(step)
          ? elapsed(state.now - step.startedAt)
          : '';
    const count = step.planned === undefined ? '' : step.planned ? plural(step.planned, 'change') : 'up to date';
    const word = STATUS_WORD[step.status] ?? '';
    const right = [word, count, time].filter(Boolean).join(' · ');
    const left = `${STATUS_MARK[step.status]} ${step.title}`;
    const room = Math.max(0, width - right.length - 2);
    const style = step.status === 'failed' ? p.error : isActive(step) ? p.bold : step.status === 'pending' ? p.dim : '';
    lines.push(
      styledLine(
        [
          { text: clip(left, room).padEnd(room) + '  ', ...(style ? { style } : {}) },
          { text: right, style: p.dim },
        ],
        '',
        p,
      ),
    );
    if (isActive(step) || step.status === 'failed' || step.status === 'stopped') {
      for (const c of state.changes.filter((x) => x.step === step.id)) {
        const t =
          c.status === 'running'
            ? elapsed(state.now - c.startedAt)
            : c.elapsedMs !== undefined
              ? elapsed(c.elapsedMs)
              : '';
        const mark = c.status === 'done' ? '✓' : c.status === 'failed' ? '✗' : '…';
        const tail = `  ${t}`;
        lines.push(
          styledLine(
            [
              {
                text: clip(`    ${mark} ${c.call}  ${c.summary}`, Math.max(0, width - tail.length)),
                ...(c.status === 'failed' ? { style: p.error } : {}),
              },
              { text: tail, style: p.dim },
            ],
            '',
            p,
          ),
        );
        if (c.note && c.status === 'running')
          lines.push(styledLine([{ text: clip(`        ${c.note}`, width), style: p.dim }], '', p));
      }
    }
  }
  if (state.retries.length) {
    lines.push(
      '',
      styledLine(
        [
          {
            text: clip(
              `Retries (${state.retryCount}): AWS throttled or failed a call; awsorg backed off and tried again`,
              width,
            ),
            style: p.warning,
          },
        ],
        '',
        p,
      ),
    );
    for (const r of state.retries)
      lines.push(
        styledLine(
          [{ text: clip(`  ${elapsed(r.at - state.startedAt).padStart(6)}  ${r.text}`, width), style: p.warning }],
          '',
          p,
        ),
      );
  }
  if (state.status === 'failed' && state.failure) {
    const f = state.failure;
    lines.push('');
    if (f.call) lines.push(styledLine([{ text: clip(`Failed call: ${f.call}`, width), style: p.error }], '', p));
    lines.push(...paragraph(f.message, width, p, p.error));
    if (f.next) lines.push(...paragraph(`Next: ${f.next}`, width, p));
    lines.push(
      ...paragraph(
        state.rehearsal
          ? `${REHEARSAL_NOT_KEPT} Fix the problem, then run ${state.resumeCommand} again.`
          : `Progress is saved in ${state.journal}. Fix the problem, then run ${state.resumeCommand} and choose Resume.`,
        width,
        p,
      ),
    );
  }
  if (state.status === 'stopped') {
    lines.push('');
    lines.push(
      ...paragraph(
        state.rehearsal
          ? `${REHEARSAL_NOT_KEPT} Run ${state.resumeCommand} again to rehearse once more.`
          : `Progress is saved in ${state.journal}. To resume, run ${state.resumeCommand} and choose Resume: finished changes are skipped, and an account creation in flight is followed by its request id, never created twice.`,
        width,
        p,
      ),
    );
  }
  // Keep the end (error, retries) visible: when too long, drop finished steps from the top.
  if (lines.length > height) return [...lines.slice(0, 2), ...lines.slice(lines.length - (height - 2))];
  return lines;
}

export function applyHints(state: ApplyState): string {
  switch (state.status) {
    case 'running':
      return 'Ctrl-C stop safely (progress is kept) · ? help';
    case 'stopping':
      return 'stopping…';
    case 'done':
      return 'Enter continue to the state migration';
    case 'failed':
      return state.rehearsal ? 'Enter back to the plan · q quit' : 'Enter back to the plan · q quit (resume later)';
    case 'stopped':
      return 'q quit';
  }
}

export function applyHelp(): string[] {
  return [
    'Apply',
    '  Ctrl-C   stop safely: the change in flight finishes, then nothing new starts',
    '',
    'Every change is written to the journal before and after its call. Running bootstrap again',
    'offers Resume: finished changes are skipped and in-flight account creations are followed',
    'by their request id. Retries show calls AWS throttled (they back off and go on).',
  ];
}
