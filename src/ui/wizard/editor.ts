/**
 * The wizard's Blueprint editor: a vertical form over one Blueprint, pure like every wizard
 * screen (`editorKey` → next state + intent, `editorEvent` folds results back, `editorLines`
 * draws).
 *
 * Design:
 * - The state holds the blueprint being edited, immutably updated. A text edit applies its draft
 *   to a snapshot of the blueprint taken when the edit began (`before`) on every keystroke, so
 *   validation, the OU-rename cascade and the trust-policy preview follow the typing, and Esc
 *   restores the snapshot exactly (an account or OU being added simply disappears).
 * - Values switched off are kept in `memory` (the CI section when the provider is `none`, the
 *   trail when it is off, the lock table for `lockfile`, the other of ref/environment...) and
 *   come back when switched on again: nothing is lost silently. Replacing edits with a preset or
 *   a file asks first.
 * - Problems are validateBlueprint's issues (memoized per blueprint object) plus the few the
 *   editor adds (a taken bucket, the home region left out of the Region lock, an unscoped CI
 *   subject); each issue path maps to the row it is drawn under.
 * - Drawing formats only the rows in the visible window (the cursor kept about a third of the way
 *   down), so the cost of a frame does not grow with the number of accounts.
 *
 * Layout, by concern:
 * - src/core/blueprint-edit.ts: the pure blueprint edits (rename with cascade, move, add, delete,
 *   generate emails), shared with anything else that edits blueprints;
 * - editor-types.ts: the state, modes, intents and events; editor-state.ts: construction, status
 *   and cursor helpers, and the events;
 * - editor-rows.ts: which rows exist, their problems and hints; editor-ci.ts: the CI subject;
 * - editor-keys.ts, editor-choices.ts, editor-text.ts: the keys;
 * - editor-draw.ts and editor-panels.ts: drawing.
 *
 * This module is the editor's public face: the wizard imports from here.
 */

export { plusAddress } from '../../core/blueprint-edit.js';
export { editorLines } from './editor-draw.js';
export { editorCapturesText, editorHelp, editorKey } from './editor-keys.js';
export { editorHints, editorProblems } from './editor-rows.js';
export { editorBlueprint, editorEvent, editorUnsaved, initialEditor } from './editor-state.js';
export type {
  BucketAvailability,
  EditorEvent,
  EditorField,
  EditorIntent,
  EditorMemory,
  EditorMode,
  EditorProblem,
  EditorState,
} from './editor-types.js';
