/**
 * The editor's state: how it starts, the helpers every key handler uses (status, cursor, replacing
 * the blueprint), and how results of its intents (a bucket check, a load, a save) fold back in.
 */
import type { Blueprint } from '../../core/blueprint.js';
import { emailProblem } from '../../core/blueprint-load.js';
import { generateEmails, inferBaseEmail } from '../../core/blueprint-edit.js';
import { isPresetName, type PresetName } from '../../core/presets.js';
import { clamp, findRow, formRows, type RowKind } from './editor-rows.js';
import type { EditorEvent, EditorState } from './editor-types.js';
import type { Notice } from './types.js';

export function initialEditor(opts: {
  blueprint: Blueprint;
  source: string;
  savePath: string;
  managementAccountId?: string;
  partition?: string;
  placeholders?: 'allow' | 'refuse';
}): EditorState {
  const fromPreset = /^preset (\S+)$/.exec(opts.source)?.[1];
  const blueprint = structuredClone(opts.blueprint);
  return {
    blueprint,
    source: opts.source,
    preset: fromPreset !== undefined && isPresetName(fromPreset) ? fromPreset : undefined,
    baseline: JSON.stringify(blueprint),
    savePath: opts.savePath,
    loadPath: '',
    baseEmail: inferBaseEmail(blueprint),
    managementAccountId: opts.managementAccountId,
    partition: opts.partition,
    cursor: 0,
    mode: { kind: 'browse' },
    status: undefined,
    bucket: undefined,
    overwrite: false,
    memory: {},
    placeholders: opts.placeholders ?? 'refuse',
  };
}

/** A copy of the blueprint as currently edited (a text field's draft included). */
export function editorBlueprint(state: EditorState): Blueprint {
  return structuredClone(state.blueprint);
}

export function edited(state: EditorState): boolean {
  return JSON.stringify(state.blueprint) !== state.baseline;
}

/** True when the blueprint (a draft being typed included) differs from what was last loaded or saved. */
export function editorUnsaved(state: EditorState): boolean {
  return JSON.stringify(state.blueprint) !== (state.saved ?? state.baseline);
}

export function withStatus(state: EditorState, tone: Notice['tone'], text: string, next?: string): EditorState {
  return { ...state, status: next === undefined ? { tone, text } : { tone, text, next } };
}

export function cursorTo(state: EditorState, kind: RowKind, index = -1): EditorState {
  const i = findRow(formRows(state.blueprint), kind, index);
  return i < 0 ? state : { ...state, cursor: i };
}

/** Replaces the blueprint (a preset or a loaded file); everything derived from the old one is reset. */
export function replaceBlueprint(
  state: EditorState,
  blueprint: Blueprint,
  source: string,
  presetName: PresetName | undefined,
): EditorState {
  const rows = formRows(blueprint);
  return {
    ...state,
    blueprint,
    source,
    preset: presetName,
    baseline: JSON.stringify(blueprint),
    saved: undefined,
    baseEmail: inferBaseEmail(blueprint) || state.baseEmail,
    cursor: clamp(state.cursor, 0, rows.length - 1),
    mode: { kind: 'browse' },
    bucket: undefined,
    memory: {},
  };
}

/** Generates every account's email from the base email, and says which fail the checks. */
export function generateAccountEmails(state: EditorState): EditorState {
  const base = state.baseEmail.trim();
  if (base === '') return withStatus(state, 'error', 'Set the base email first (e.g. aws@example.com), then press g.');
  const problem = emailProblem(base);
  if (problem) return withStatus(state, 'error', `The base email ${problem.message}.`, problem.fix);
  const blueprint = generateEmails(state.blueprint, base);
  const accounts = blueprint.accounts;
  const bad = accounts.filter((a) => emailProblem(a.email) !== undefined);
  const next = { ...state, blueprint };
  const text = `Generated ${accounts.length} email${accounts.length === 1 ? '' : 's'} from ${base}.`;
  return bad.length === 0
    ? withStatus(next, 'ok', text)
    : withStatus(
        next,
        'warning',
        `${text} ${bad.length} fail${bad.length === 1 ? 's' : ''} the checks (${bad.map((a) => a.name).join(', ')}): see ✗ next to the account.`,
        'shorten the account name or the base address',
      );
}

export function editorEvent(state: EditorState, event: EditorEvent): EditorState {
  switch (event.kind) {
    case 'bucket-checked':
      // A result for a name that has since been edited away is stale.
      if (event.bucket !== state.blueprint.stateBackend?.bucket) return state;
      return { ...state, bucket: { name: event.bucket, availability: event.availability } };
    case 'loaded':
      return withStatus(
        replaceBlueprint(state, structuredClone(event.blueprint), event.path, undefined),
        'ok',
        `Loaded ${event.path}.`,
      );
    case 'load-failed':
      return withStatus(state, 'error', event.message, 'correct the file, or pick a preset');
    case 'saved':
      return withStatus(
        { ...state, overwrite: false, saved: JSON.stringify(state.blueprint) },
        'ok',
        `Saved to ${event.path}.`,
      );
    case 'save-failed':
      if (event.exists)
        return withStatus(
          { ...state, overwrite: true },
          'warning',
          `${state.savePath} exists: press s again to overwrite it.`,
          'or change Save to',
        );
      return withStatus({ ...state, overwrite: false }, 'error', event.message);
  }
}
