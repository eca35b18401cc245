/**
 * The wizard's state and what each key does to it, composed from the screens' own reducers.
 * Every screen keeps its state for the whole session, so Esc goes back without losing anything.
 * Pure: keys give the next state and, when something must happen outside, a WizardIntent for
 * the app; the app folds outcomes back in with the screens' event functions.
 */
import type { Blueprint } from '../../core/blueprint.js';
import { applyKey, type ApplyState } from './apply.js';
import { doneKey, type DoneState } from './done.js';
import { editorCapturesText, editorKey, type EditorIntent, type EditorState } from './editor.js';
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

export function wizardKey(state: WizardState, press: KeyPress): WizardOutcome {
  const name = keyName(press);
  const text = keyText(press);
  const applying = state.screen === 'apply' && state.apply && (state.apply.status === 'running' || state.apply.status === 'stopping');
  if (name === 'ctrl-c' && !applying && state.screen !== 'apply') return { state, intent: { kind: 'quit', code: 130 } };
  if (state.help) return { state: { ...state, help: false } };
  if (text === '?' && !capturesText(state)) return { state: { ...state, help: true } };
  const quitHere = state.screen === 'welcome' || state.screen === 'done' || (state.screen === 'plan' && !state.plan.confirm);
  if (text === 'q' && quitHere && !capturesText(state)) return { state, intent: { kind: 'quit', code: 0 } };

  switch (state.screen) {
    case 'welcome': {
      const r = welcomeKey(state.welcome, press);
      const next = { ...state, welcome: r.state };
      if (!r.intent) return { state: next };
      if (r.intent.choice === 'quit') return { state: next, intent: { kind: 'quit', code: 0 } };
      if (r.intent.choice === 'resume') return { state: { ...go(next, 'signin'), resume: true }, intent: { kind: 'resume' } };
      return { state: { ...go(next, 'signin'), resume: false } };
    }
    case 'signin': {
      const r = signInKey(state.signin, press);
      const next = { ...state, signin: r.state };
      const intent = r.intent;
      if (!intent) return { state: next };
      if (intent.kind === 'back') return { state: go(next, 'welcome') };
      if (intent.kind === 'continue') return { state: { ...go(next, 'blueprint'), allowRoot: intent.allowRoot }, intent: { kind: 'open-blueprint' } };
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
        return { state: { ...go(next, 'plan'), plan: { ...initialPlan(), expanded: state.plan.expanded } }, intent: { kind: 'plan', blueprint: intent.blueprint, overwrite: state.editor.overwrite } };
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
          return { state: { ...go(next, 'plan'), plan: { ...next.plan, status: 'planning' } }, intent: { kind: 'replan' } };
        case 'continue':
          return { state: go(next, 'migrate'), intent: { kind: 'migrate', intent: { kind: 'inspect', dir: next.migrate?.dir.value ?? '' } } };
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
    notice: { tone: 'warning', text: `${path} already exists and holds another blueprint; nothing was overwritten.`, next: 'Press Enter on Continue again to replace it, or change "Save to".' },
    ...(state.editor ? { editor: { ...state.editor, overwrite: true } } : {}),
  };
}
