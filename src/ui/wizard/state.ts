/**
 * The wizard's state and what each key does to it, composed from the screens' own reducers.
 * Every screen keeps its state for the whole session, so Esc goes back without losing anything.
 * Pure: keys give the next state and, when something must happen outside, a WizardIntent for
 * the app; the app folds outcomes back in with the screens' event functions.
 */
import type { Blueprint } from '../../core/blueprint.js';
import { applyKey, type ApplyState } from './apply.js';
import { doneKey, type DoneState } from './done.js';
import { editorCapturesText, editorKey, editorUnsaved, type EditorIntent, type EditorState } from './editor.js';
import { migrateKey, type MigrateIntent, type MigrateState } from './migrate.js';
import { initialPlan, planKey, type PlanState } from './plan.js';
import { initialSignIn, signInCapturesText, signInKey, type SignInIntent, type SignInState } from './signin.js';
import { keyName, keyText, type KeyPress, type Notice, type ScreenId } from './types.js';
import { initialWelcome, welcomeKey, type WelcomeState } from './welcome.js';

export interface WizardState {
  screen: ScreenId;
  help: boolean;
  notice?: Notice;
  /** The emulator endpoint, in a rehearsal. */
  rehearsal?: string;
  welcome: WelcomeState;
  signin: SignInState;
  editor?: EditorState;
  plan: PlanState;
  apply?: ApplyState;
  migrate?: MigrateState;
  done?: DoneState;
  /** The operator chose Resume on the welcome screen. */
  resume: boolean;
  /** Root consent given on the sign-in screen. */
  allowRoot: boolean;
  /** Rows the plan's list showed in the last frame (PgUp/PgDn). */
  planPage: number;
  /** The first help line shown, while help is open and longer than the terminal. */
  helpTop?: number;
  /** The last first line help can scroll to, from the last frame. */
  helpMaxTop?: number;
  /** Ctrl-C was pressed with something to lose: what would be lost; y or a second Ctrl-C quits. */
  quitConfirm?: string;
}

export type WizardIntent =
  | { kind: 'quit'; code: number }
  | { kind: 'resume' }
  | { kind: 'signin'; intent: Exclude<SignInIntent, { kind: 'continue' } | { kind: 'back' }> }
  | { kind: 'open-blueprint' }
  | { kind: 'editor'; intent: Exclude<EditorIntent, { kind: 'continue' } | { kind: 'back' }> }
  /** Save, then plan; `overwrite` only after the operator was told the file exists (as `s` does). */
  | { kind: 'plan'; blueprint: Blueprint; overwrite: boolean }
  | { kind: 'replan' }
  | { kind: 'apply' }
  | { kind: 'stop' }
  | { kind: 'migrate'; intent: Exclude<MigrateIntent, { kind: 'continue' }> }
  | { kind: 'finish'; skipped: boolean }
  | { kind: 'console' }
  | { kind: 'keep-blueprint'; overwrite: boolean };

export interface WizardOutcome {
  state: WizardState;
  intent?: WizardIntent;
}

export function initialWizard(opts: { signin: Parameters<typeof initialSignIn>[0]; rehearsal?: string }): WizardState {
  return {
    screen: 'welcome',
    help: false,
    ...(opts.rehearsal ? { rehearsal: opts.rehearsal } : {}),
    welcome: initialWelcome(),
    signin: initialSignIn(opts.signin),
    plan: initialPlan(),
    resume: false,
    allowRoot: false,
    planPage: 10,
  };
}

/** True while the focused element takes typed text, so `?` and `q` are characters, not commands. */
export function capturesText(state: WizardState): boolean {
  switch (state.screen) {
    case 'signin':
      return signInCapturesText(state.signin);
    case 'blueprint':
      return state.editor ? editorCapturesText(state.editor) : false;
    case 'plan':
      return state.plan.confirm !== undefined;
    case 'migrate':
      return state.migrate?.editing ?? false;
    default:
      return false;
  }
}

function go(state: WizardState, screen: ScreenId): WizardState {
  return { ...state, screen, notice: undefined };
}

/**
 * What quitting now would lose, or undefined when nothing would be: blueprint edits not yet
 * saved, or (after the apply) the state move and the summary still ahead.
 */
export function quitLoss(state: WizardState): string | undefined {
  if (state.screen === 'apply' && state.apply?.status === 'done')
    return 'The organization is applied, but the Terraform state move and the summary are still ahead.';
  if (state.screen === 'migrate') {
    if (state.migrate?.status === 'running')
      return 'Terraform is moving the state right now: quitting may leave the move half-done.';
    if (state.migrate?.status !== 'done')
      return 'The organization is applied, but the Terraform state is not moved yet and the summary is still ahead.';
    return undefined;
  }
  const before =
    state.screen === 'welcome' || state.screen === 'signin' || state.screen === 'blueprint' || state.screen === 'plan';
  if (before && state.editor && editorUnsaved(state.editor)) return 'Your unsaved blueprint edits will be lost.';
  return undefined;
}

export function wizardKey(state: WizardState, press: KeyPress): WizardOutcome {
  const name = keyName(press);
  const text = keyText(press);
  if (state.quitConfirm !== undefined) {
    // y, or Ctrl-C a second time, quits; any other key stays with everything as it was.
    if (name === 'ctrl-c' || text === 'y' || text === 'Y') return { state, intent: { kind: 'quit', code: 130 } };
    return {
      state: {
        ...state,
        quitConfirm: undefined,
        notice: { tone: 'info', text: 'Not quitting: everything is as you left it.' },
      },
    };
  }
  const applying =
    state.screen === 'apply' && state.apply && (state.apply.status === 'running' || state.apply.status === 'stopping');
  if (name === 'ctrl-c' && !applying) {
    const loss = quitLoss(state);
    if (loss) return { state: { ...state, quitConfirm: loss } };
    if (state.screen !== 'apply') return { state, intent: { kind: 'quit', code: 130 } };
  }
  if (state.help) {
    // Help scrolls with the movement keys; any other key closes it.
    const top = state.helpTop ?? 0;
    const max = state.helpMaxTop ?? 0;
    const scrolled =
      name === 'up' || text === 'k'
        ? top - 1
        : name === 'down' || text === 'j'
          ? top + 1
          : name === 'pageup'
            ? top - 10
            : name === 'pagedown'
              ? top + 10
              : name === 'home'
                ? 0
                : name === 'end'
                  ? max
                  : undefined;
    if (scrolled !== undefined && max > 0)
      return { state: { ...state, helpTop: Math.max(0, Math.min(max, scrolled)) } };
    return { state: { ...state, help: false, helpTop: 0 } };
  }
  if (text === '?' && !capturesText(state)) return { state: { ...state, help: true, helpTop: 0 } };
  const quitHere =
    state.screen === 'welcome' || state.screen === 'done' || (state.screen === 'plan' && !state.plan.confirm);
  if (text === 'q' && quitHere && !capturesText(state)) return { state, intent: { kind: 'quit', code: 0 } };

  switch (state.screen) {
    case 'welcome': {
      const r = welcomeKey(state.welcome, press);
      const next = { ...state, welcome: r.state };
      if (!r.intent) return { state: next };
      if (r.intent.choice === 'quit') return { state: next, intent: { kind: 'quit', code: 0 } };
      if (r.intent.choice === 'resume')
        return { state: { ...go(next, 'signin'), resume: true }, intent: { kind: 'resume' } };
      return { state: { ...go(next, 'signin'), resume: false } };
    }
    case 'signin': {
      const r = signInKey(state.signin, press);
      const next = { ...state, signin: r.state };
      const intent = r.intent;
      if (!intent) return { state: next };
      if (intent.kind === 'back') return { state: go(next, 'welcome') };
      if (intent.kind === 'continue')
        return { state: { ...go(next, 'blueprint'), allowRoot: intent.allowRoot }, intent: { kind: 'open-blueprint' } };
      return { state: next, intent: { kind: 'signin', intent } };
    }
    case 'blueprint': {
      if (!state.editor) return { state };
      const r = editorKey(state.editor, press);
      const next = { ...state, editor: r.state };
      const intent = r.intent;
      if (!intent) return { state: next };
      if (intent.kind === 'back') return { state: go(next, 'signin') };
      if (intent.kind === 'continue') {
        return {
          state: { ...go(next, 'plan'), plan: { ...initialPlan(), expanded: state.plan.expanded } },
          intent: { kind: 'plan', blueprint: intent.blueprint, overwrite: state.editor.overwrite },
        };
      }
      return { state: next, intent: { kind: 'editor', intent } };
    }
    case 'plan': {
      const r = planKey(state.plan, press, state.planPage);
      const next = { ...state, plan: r.state };
      const intent = r.intent;
      if (!intent) return { state: next };
      if (intent.kind === 'back') return { state: go(next, state.editor ? 'blueprint' : 'signin') };
      if (intent.kind === 'replan') return { state: next, intent: { kind: 'replan' } };
      return { state: next, intent: { kind: 'apply' } };
    }
    case 'apply': {
      if (!state.apply) return { state };
      const r = applyKey(state.apply, press);
      const next = { ...state, apply: r.state };
      const intent = r.intent;
      if (!intent) return { state: next };
      switch (intent.kind) {
        case 'stop':
          return { state: next, intent: { kind: 'stop' } };
        case 'quit':
          return { state: next, intent };
        case 'back-to-plan':
          return {
            state: { ...go(next, 'plan'), plan: { ...next.plan, status: 'planning' } },
            intent: { kind: 'replan' },
          };
        case 'continue':
          return {
            state: go(next, 'migrate'),
            intent: { kind: 'migrate', intent: { kind: 'inspect', dir: next.migrate?.dir.value ?? '' } },
          };
      }
      return { state: next };
    }
    case 'migrate': {
      if (!state.migrate) return { state };
      const r = migrateKey(state.migrate, press);
      const next = { ...state, migrate: r.state };
      const intent = r.intent;
      if (!intent) return { state: next };
      if (intent.kind === 'continue') return { state: next, intent: { kind: 'finish', skipped: intent.skipped } };
      return { state: next, intent: { kind: 'migrate', intent } };
    }
    case 'done': {
      if (!state.done) return { state };
      const r = doneKey(state.done, press);
      return { state: { ...state, done: r.state }, ...(r.intent ? { intent: r.intent } : {}) };
    }
  }
}

/**
 * Continue found another blueprint in the file it saves to: nothing was written. Back to the
 * editor, which now knows the file exists, so the next Continue (or `s`) replaces it.
 */
export function blueprintExists(state: WizardState, path: string): WizardState {
  return {
    ...state,
    screen: 'blueprint',
    notice: {
      tone: 'warning',
      text: `${path} already exists and holds another blueprint; nothing was overwritten.`,
      next: 'Press Enter on Continue again to replace it, or change "Save to".',
    },
    ...(state.editor ? { editor: { ...state.editor, overwrite: true } } : {}),
  };
}
