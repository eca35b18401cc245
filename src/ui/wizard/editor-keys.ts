/**
 * The editor's keys: `editorKey` → next state + intent. Browsing the form, saving, continuing to
 * the plan, the OU picker, the Allowed regions list and the y/n question before replacing edits
 * are here; choices and list edits are in editor-choices.ts, text fields in editor-text.ts.
 */
import { ROOT_TARGET, type Blueprint } from '../../core/blueprint.js';
import { allowRegions, lastIndexInOu, moveAccount, ouOptions } from '../../core/blueprint-edit.js';
import { preset } from '../../core/presets.js';
import { REGIONS, isRegion, partitionOf } from '../../core/regions.js';
import { refForInput } from './editor-ci.js';
import { cycle, deleteAccountRow, deleteOuRow, startAddingAccount, startAddingOu } from './editor-choices.js';
import { CHOICE_ROWS, clamp, editorProblems, findRow, focusedRow, formRows, problemRow } from './editor-rows.js';
import { cursorTo, editorBlueprint, generateAccountEmails, replaceBlueprint, withStatus } from './editor-state.js';
import { startText, textKey } from './editor-text.js';
import type { EditorMode, EditorState, Outcome } from './editor-types.js';
import { keyName, keyText, type KeyPress } from './types.js';

/** True while a text field, a picker or a y/n question has the keys. */
export function editorCapturesText(state: EditorState): boolean {
  return state.mode.kind !== 'browse';
}

export function editorKey(state: EditorState, press: KeyPress): Outcome {
  const text = keyText(press);
  // Several characters in one press outside a text field (typed fast, or pasted) run one by one;
  // once a text field opens, the rest of them goes into it.
  if (text !== undefined && text.length > 1 && state.mode.kind !== 'text') {
    let current = state;
    for (let i = 0; i < text.length; i++) {
      if (current.mode.kind === 'text') return oneKey(current, { text: text.slice(i) });
      const outcome = oneKey(current, { text: text.charAt(i) });
      if (outcome.intent) return outcome;
      current = outcome.state;
    }
    return { state: current };
  }
  return oneKey(state, press);
}

function oneKey(state: EditorState, press: KeyPress): Outcome {
  switch (state.mode.kind) {
    case 'text':
      return textKey(state, state.mode, press);
    case 'ou-picker':
      return ouPickerKey(state, state.mode, press);
    case 'regions':
      return regionsKey(state, state.mode, press);
    case 'confirm':
      return confirmKey(state, state.mode, press);
    default:
      return browseKey(state, press);
  }
}

/** Cursor movement shared by the form and the pickers: -1/+1, a page, or the ends. */
function movement(press: KeyPress, count: number, at: number): number | undefined {
  const name = keyName(press);
  const text = keyText(press);
  if (name === 'up' || text === 'k') return clamp(at - 1, 0, count - 1);
  if (name === 'down' || text === 'j') return clamp(at + 1, 0, count - 1);
  if (name === 'pageup') return clamp(at - 10, 0, count - 1);
  if (name === 'pagedown') return clamp(at + 10, 0, count - 1);
  if (name === 'home') return 0;
  if (name === 'end') return count - 1;
  return undefined;
}

function browseKey(input: EditorState, press: KeyPress): Outcome {
  const { rows, cursor, row: r } = focusedRow(input);
  const name = keyName(press);
  const text = keyText(press);
  const state: EditorState = { ...input, cursor, status: undefined };

  const moved = movement(press, rows.length, cursor);
  if (moved !== undefined) return { state: { ...state, cursor: moved } };
  if (name === 'escape') return { state: input, intent: { kind: 'back' } };
  if (text === 's') return save(state);
  if (text === 'g') return { state: generateAccountEmails(state) };

  if (CHOICE_ROWS.has(r.kind)) {
    if (name === 'enter' || name === 'tab' || text === ' ' || text === 'l') return cycle(state, r.kind, 1);
    if (text === 'h') return cycle(state, r.kind, -1);
  }
  if (name === 'tab') return { state: { ...state, cursor: clamp(cursor + 1, 0, rows.length - 1) } };

  const bp = state.blueprint;
  switch (r.kind) {
    case 'ous':
      if (name === 'enter' || text === 'a') return { state: startAddingOu(state, bp.organizationalUnits.length) };
      break;
    case 'ou':
      if (name === 'enter')
        return { state: startText(state, 'ouName', r.index, bp.organizationalUnits[r.index] ?? '') };
      if (text === 'a') return { state: startAddingOu(state, r.index + 1) };
      if (text === 'A')
        return {
          state: startAddingAccount(
            state,
            lastIndexInOu(bp, bp.organizationalUnits[r.index] ?? ROOT_TARGET),
            bp.organizationalUnits[r.index] ?? ROOT_TARGET,
          ),
        };
      if (text === 'd') return { state: deleteOuRow(state, r.index) };
      break;
    case 'accounts':
      // Appended at the end of the list, it joins the OU of the account it is listed after.
      if (name === 'enter' || text === 'a')
        return {
          state: startAddingAccount(state, bp.accounts.length, bp.accounts[bp.accounts.length - 1]?.ou ?? ROOT_TARGET),
        };
      break;
    case 'account': {
      const account = bp.accounts[r.index];
      if (!account) break;
      if (name === 'enter') return { state: startText(state, 'accountName', r.index, account.name) };
      if (text === 'e') return { state: startText(state, 'accountEmail', r.index, account.email) };
      if (text === 'm') {
        const options = ouOptions(bp);
        return {
          state: {
            ...state,
            mode: { kind: 'ou-picker', account: r.index, choice: Math.max(0, options.indexOf(account.ou)) },
          },
        };
      }
      if (text === 'a') return { state: startAddingAccount(state, r.index + 1, account.ou) };
      if (text === 'd') return { state: deleteAccountRow(state, r.index) };
      break;
    }
    default:
      break;
  }
  if (name !== 'enter' && !(text === ' ' && r.kind === 'regions')) return { state };

  switch (r.kind) {
    case 'load':
      return { state: startText(state, 'load', -1, state.loadPath) };
    case 'region':
      return { state: startText(state, 'region', -1, bp.region) };
    case 'baseEmail':
      return { state: startText(state, 'baseEmail', -1, state.baseEmail) };
    case 'regions':
      return { state: openRegions(state) };
    case 'bucket':
      return { state: startText(state, 'bucket', -1, bp.stateBackend?.bucket ?? '') };
    case 'table':
      return { state: startText(state, 'table', -1, bp.stateBackend?.table ?? '') };
    case 'ciRepo':
      return { state: startText(state, 'ciRepo', -1, bp.ciOidc?.repository ?? '') };
    case 'ciTarget':
      return { state: startText(state, 'ciTarget', -1, bp.ciOidc?.environment ?? refForInput(bp.ciOidc?.ref)) };
    case 'ciRole':
      return { state: startText(state, 'ciRole', -1, bp.ciOidc?.roleName ?? '') };
    case 'trailName':
      return { state: startText(state, 'trailName', -1, bp.organizationTrail?.name ?? '') };
    case 'trailBucket':
      return { state: startText(state, 'trailBucket', -1, bp.organizationTrail?.bucket ?? '') };
    case 'tfDir':
      return { state: startText(state, 'tfDir', -1, bp.terraform?.dir ?? '') };
    case 'savePath':
      return { state: startText(state, 'savePath', -1, state.savePath) };
    case 'continue':
      return continueToPlan(state);
    default:
      return { state };
  }
}

function save(state: EditorState): Outcome {
  const path = state.savePath.trim();
  if (path === '')
    return { state: withStatus(cursorTo(state, 'savePath'), 'error', 'Type a file name in Save to first.') };
  return {
    state: withStatus(state, 'info', `Saving to ${path}…`),
    intent: { kind: 'save', path, blueprint: editorBlueprint(state), overwrite: state.overwrite },
  };
}

function continueToPlan(state: EditorState): Outcome {
  const problems = editorProblems(state);
  if (problems.length === 0) return { state, intent: { kind: 'continue', blueprint: editorBlueprint(state) } };
  const rows = formRows(state.blueprint);
  let first = rows.length - 1;
  for (const p of problems) {
    const target = problemRow(p.path, state.blueprint);
    const i = Math.max(0, findRow(rows, target.kind, target.index));
    if (i < first) first = i;
  }
  const n = problems.length;
  return {
    state: withStatus(
      { ...state, cursor: first },
      'error',
      `Fix ${n} problem${n === 1 ? '' : 's'} first.`,
      'each is marked ✗ under its field; the cursor is on the first',
    ),
  };
}

function ouPickerKey(state: EditorState, mode: Extract<EditorMode, { kind: 'ou-picker' }>, press: KeyPress): Outcome {
  const options = ouOptions(state.blueprint);
  const moved = movement(press, options.length, mode.choice);
  if (moved !== undefined) return { state: { ...state, mode: { ...mode, choice: moved } } };
  const name = keyName(press);
  if (name === 'escape') return { state: { ...state, mode: { kind: 'browse' }, status: undefined } };
  if (name !== 'enter') return { state };
  const ou = options[mode.choice] ?? ROOT_TARGET;
  const account = state.blueprint.accounts[mode.account];
  const next = {
    ...state,
    mode: { kind: 'browse' } as EditorMode,
    blueprint: moveAccount(state.blueprint, mode.account, ou),
  };
  return { state: withStatus(next, 'ok', `Moved ${account?.name ?? 'the account'} to ${ou}.`) };
}

/** The regions offered: the home region's partition, plus any allowed now that lie outside it. */
function regionOptions(bp: Blueprint): string[] {
  const partition = partitionOf(bp.region) ?? 'aws';
  const own = REGIONS.filter((r) => partitionOf(r) === partition);
  const others = (bp.guardrails?.denyRegions?.allow ?? []).filter((r) => !own.includes(r));
  return [...own, ...others];
}

function openRegions(state: EditorState): EditorState {
  const bp = state.blueprint;
  const options = regionOptions(bp);
  const selected = bp.guardrails?.denyRegions?.allow ?? (isRegion(bp.region) ? [bp.region] : []);
  return {
    ...state,
    mode: {
      kind: 'regions',
      choice: Math.max(0, options.indexOf(selected[0] ?? '')),
      options,
      selected: [...selected],
      error: undefined,
    },
  };
}

function regionsKey(state: EditorState, mode: Extract<EditorMode, { kind: 'regions' }>, press: KeyPress): Outcome {
  const moved = movement(press, mode.options.length, mode.choice);
  if (moved !== undefined) return { state: { ...state, mode: { ...mode, choice: moved } } };
  const name = keyName(press);
  const text = keyText(press);
  if (name === 'escape') return { state: { ...state, mode: { kind: 'browse' }, status: undefined } };
  if (text === ' ' || text === 'x') {
    const region = mode.options[mode.choice];
    if (region === undefined) return { state };
    const selected = mode.selected.includes(region)
      ? mode.selected.filter((r) => r !== region)
      : mode.options.filter((r) => r === region || mode.selected.includes(r));
    return { state: { ...state, mode: { ...mode, selected, error: undefined } } };
  }
  if (name !== 'enter') return { state };
  const bp = state.blueprint;
  if (mode.selected.length === 0)
    return {
      state: {
        ...state,
        mode: { ...mode, error: 'Allow at least one region: an empty list would deny every regional service.' },
      },
    };
  if (isRegion(bp.region) && !mode.selected.includes(bp.region)) {
    return {
      state: {
        ...state,
        mode: {
          ...mode,
          error: `The home region ${bp.region} must stay allowed: awsorg creates the state and trail buckets there.`,
        },
      },
    };
  }
  // A Region lock is an SCP: allowRegions turns SCPs on with it.
  const next: EditorState = { ...state, mode: { kind: 'browse' }, blueprint: allowRegions(bp, mode.selected) };
  return {
    state: withStatus(
      next,
      'ok',
      `Allowed ${mode.selected.length} region${mode.selected.length === 1 ? '' : 's'}: ${mode.selected.join(', ')}.`,
    ),
  };
}

function confirmKey(state: EditorState, mode: Extract<EditorMode, { kind: 'confirm' }>, press: KeyPress): Outcome {
  const text = keyText(press);
  const browse: EditorState = { ...state, mode: { kind: 'browse' } };
  if (text !== 'y' && text !== 'Y') return { state: withStatus(browse, 'info', 'Kept your edits.') };
  if (mode.action.kind === 'preset') {
    const name = mode.action.name;
    return {
      state: withStatus(
        replaceBlueprint(browse, preset(name), `preset ${name}`, name),
        'ok',
        `Loaded the ${name} preset.`,
      ),
    };
  }
  const path = mode.action.path;
  return { state: withStatus(browse, 'info', `Loading ${path}…`), intent: { kind: 'load-file', path } };
}

export function editorHelp(): string[] {
  return [
    'Blueprint: edit the organization awsorg will build, then continue to the plan.',
    'Every change is checked as you type; ✗ marks a problem under the field it belongs to.',
    '',
    'Up/Down or j/k move, PgUp/PgDn a page, Home/End the ends. Esc goes back a screen; nothing is lost.',
    'Text fields: Enter starts editing; type; Enter keeps the value; Esc restores the previous one.',
    '  Left/Right and Home/End move in the text; Ctrl-W erases a word, Ctrl-U all before the cursor.',
    'Choices (preset, lock, CI provider, deploy from, trail, log account): Enter, Space, l or Tab next; h previous.',
    'Preset: replaces the blueprint; if you edited it, you are asked first. Load file: type a path, Enter.',
    '',
    'Organizational units: Enter renames (child OUs, accounts and guardrail targets follow), a adds,',
    '  A adds an account in the OU, d deletes an empty OU (one that holds accounts or child OUs is refused).',
    'Accounts: Enter renames, e edits the email, m moves it to another OU, a adds one in the same OU, d deletes.',
    'Base email: Enter after editing it, or g, generates every email as name+account@domain,',
    '  each checked against the AWS limit of 64 characters.',
    'Allowed regions: Enter opens the list; Space toggles; Enter confirms. The home region must stay allowed.',
    'State bucket: Enter after editing checks the name with S3: free, yours (adopted), or taken.',
    'CI: the trust policy preview follows your typing. A repository, branch or environment that is',
    '  empty or has a wildcard is refused: it would let other repositories or branches deploy.',
    'Organization trail and CI provider none keep their settings: switch them on again to get them back.',
    '',
    's saves to the Save to file (an existing file needs a second s). Continue needs zero problems.',
  ];
}
