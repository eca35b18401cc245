/**
 * What every wizard screen module shares. A screen is pure: `key` turns a key press into the
 * next state and, when something must happen outside (an AWS call, a file write), an intent
 * for the app to carry out; `event` folds the outcome back in; `lines` draws the screen body.
 * The app (app.tsx) owns every side effect, through WizardOperations (operations.ts).
 */
import type { KeyPress } from '../console/state.js';
import type { Palette } from '../console/style.js';

export type { KeyPress };

export type ScreenId = 'welcome' | 'signin' | 'blueprint' | 'plan' | 'apply' | 'migrate' | 'done';

export const SCREEN_TITLES: Record<ScreenId, string> = {
  welcome: 'Welcome',
  signin: 'Sign-in',
  blueprint: 'Blueprint',
  plan: 'Plan',
  apply: 'Apply',
  migrate: 'State',
  done: 'Done',
};

export interface Notice {
  tone: 'info' | 'ok' | 'warning' | 'error';
  text: string;
  /** What the operator can do about it. */
  next?: string;
}

/** Where a screen body is drawn: lines must be at most `width` columns, and at most `height` lines. */
export interface RenderContext {
  width: number;
  height: number;
  palette: Palette;
}

export interface KeyOutcome<S, I> {
  state: S;
  intent?: I;
}

/** Key press helpers: the name of a special key, or the typed text. */
export function keyName(press: KeyPress): string | undefined {
  return 'name' in press ? press.name : undefined;
}
export function keyText(press: KeyPress): string | undefined {
  return 'text' in press ? press.text : undefined;
}
/** Up for the up arrow and `k`; down for the down arrow and `j` (lists without text entry). */
export function listMove(press: KeyPress): -1 | 1 | 0 {
  const n = keyName(press);
  const t = keyText(press);
  if (n === 'up' || t === 'k') return -1;
  if (n === 'down' || t === 'j') return 1;
  return 0;
}
