/**
 * The editor's text fields. A text edit applies its draft to a snapshot of the blueprint taken
 * when the edit began (`before`) on every keystroke, so validation, the OU-rename cascade and the
 * trust-policy preview follow the typing, and Esc restores the snapshot exactly (an account or OU
 * being added simply disappears).
 */
import {
  MANAGEMENT_ACCOUNT,
  type Blueprint,
  type CiOidc,
  type OrganizationTrail,
  type StateBackend,
  type TerraformSettings,
} from '../../core/blueprint.js';
import { bucketNameProblem, emailProblem } from '../../core/blueprint-load.js';
import {
  addAccount,
  addOu,
  plusAddress,
  renameAccount,
  renameOu,
  setAccount,
  without,
} from '../../core/blueprint-edit.js';
import { refFromInput } from './editor-ci.js';
import { clamp, formRows } from './editor-rows.js';
import { edited, generateAccountEmails, withStatus } from './editor-state.js';
import type { EditorField, EditorIntent, EditorMode, EditorState, Outcome, TextMode } from './editor-types.js';
import { editText, textField } from './text-input.js';
import { keyName, type KeyPress } from './types.js';

const DEFAULT_BACKEND = (bucket: string): StateBackend => ({
  account: MANAGEMENT_ACCOUNT,
  bucket,
  lock: 'lockfile',
  encryption: 'aws:kms',
  enforceTls: true,
  noncurrentVersionDays: 90,
});
export const DEFAULT_TABLE = 'awsorg-tf-locks';
const DEFAULT_TERRAFORM = (dir: string): TerraformSettings => ({
  dir,
  key: 'bootstrap/terraform.tfstate',
  tool: 'auto',
  handoff: true,
});

function withBackend(bp: Blueprint, change: (sb: StateBackend) => StateBackend): Blueprint {
  return bp.stateBackend ? { ...bp, stateBackend: change(bp.stateBackend) } : bp;
}
function withCi(bp: Blueprint, change: (ci: CiOidc) => CiOidc): Blueprint {
  return bp.ciOidc ? { ...bp, ciOidc: change(bp.ciOidc) } : bp;
}
function withTrail(bp: Blueprint, change: (t: OrganizationTrail) => OrganizationTrail): Blueprint {
  return bp.organizationTrail ? { ...bp, organizationTrail: change(bp.organizationTrail) } : bp;
}

export function startText(
  state: EditorState,
  field: EditorField,
  index: number,
  value: string,
  add: { adding?: boolean; ou?: string } = {},
): EditorState {
  const mode: EditorMode = {
    kind: 'text',
    field,
    index,
    draft: textField(value),
    original: value,
    before: state.blueprint,
    adding: add.adding ?? false,
    ou: add.ou ?? '',
    cursorBefore: state.cursor,
  };
  return applyDraft({ ...state, mode }, mode);
}

/** The state with the draft applied: to the snapshot for blueprint fields, else to the field. */
function applyDraft(state: EditorState, mode: TextMode): EditorState {
  const value = mode.draft.value;
  switch (mode.field) {
    case 'load':
      return { ...state, mode, loadPath: value };
    case 'baseEmail':
      return { ...state, mode, baseEmail: value };
    case 'savePath':
      return { ...state, mode, savePath: value };
    default:
      return { ...state, mode, blueprint: applyField(state, mode, value) };
  }
}

function applyField(state: EditorState, mode: TextMode, value: string): Blueprint {
  const bp = mode.before;
  switch (mode.field) {
    case 'region':
      return { ...bp, region: value };
    case 'ouName':
      return mode.adding
        ? addOu(bp, mode.index, value)
        : renameOu(bp, bp.organizationalUnits[mode.index] ?? value, value);
    case 'accountName':
      if (!mode.adding) return renameAccount(bp, mode.index, value);
      return addAccount(bp, mode.index, {
        name: value,
        email: emailProblem(state.baseEmail) ? '' : (plusAddress(state.baseEmail, value) ?? ''),
        ou: mode.ou,
      });
    case 'accountEmail':
      return setAccount(bp, mode.index, { email: value });
    case 'bucket':
      if (!bp.stateBackend) return value === '' ? bp : { ...bp, stateBackend: DEFAULT_BACKEND(value) };
      return withBackend(bp, (sb) => ({ ...sb, bucket: value }));
    case 'table':
      return withBackend(bp, (sb) => ({ ...sb, table: value }));
    case 'ciRepo':
      return withCi(bp, (ci) => ({ ...ci, repository: value }));
    case 'ciTarget':
      return withCi(bp, (ci) =>
        ci.environment !== undefined ? { ...ci, environment: value } : { ...ci, ref: refFromInput(value) },
      );
    case 'ciRole':
      return withCi(bp, (ci) => ({ ...ci, roleName: value }));
    case 'trailName':
      return withTrail(bp, (t) => ({ ...t, name: value }));
    case 'trailBucket':
      return withTrail(bp, (t) => ({ ...t, bucket: value }));
    case 'tfDir':
      // An empty directory means no Terraform state to migrate; the other settings are kept.
      if (value === '') return without(bp, 'terraform');
      return {
        ...bp,
        terraform: { ...(bp.terraform ?? state.memory.terraform ?? DEFAULT_TERRAFORM(value)), dir: value },
      };
    default:
      return bp;
  }
}

export function textKey(state: EditorState, mode: TextMode, press: KeyPress): Outcome {
  const name = keyName(press);
  if (name === 'escape') return { state: cancelText(state, mode) };
  if (name === 'enter') return commitText(state, mode, 0, true);
  if (name === 'up') return commitText(state, mode, -1, false);
  if (name === 'down' || name === 'tab') return commitText(state, mode, 1, false);
  const draft = editText(mode.draft, press);
  if (!draft || draft === mode.draft) return { state };
  return { state: applyDraft({ ...state, status: undefined }, { ...mode, draft }) };
}

function cancelText(state: EditorState, mode: TextMode): EditorState {
  const restored: EditorState = { ...state, mode: { kind: 'browse' }, blueprint: mode.before, status: undefined };
  if (mode.field === 'load') restored.loadPath = mode.original;
  if (mode.field === 'baseEmail') restored.baseEmail = mode.original;
  if (mode.field === 'savePath') restored.savePath = mode.original;
  return mode.adding ? { ...restored, cursor: mode.cursorBefore } : restored;
}

/** A draft that cannot be kept (Enter stays in the field and says why), or undefined. */
function commitRefusal(mode: TextMode): string | undefined {
  const value = mode.draft.value;
  const bp = mode.before;
  if (mode.field === 'ouName') {
    if (value.trim() === '') return 'An OU needs a name (a path such as Workloads/Production). Esc cancels.';
    const clash = bp.organizationalUnits.find(
      (p, i) => (mode.adding || i !== mode.index) && p.toLowerCase() === value.toLowerCase(),
    );
    if (clash !== undefined) return `The OU ${clash} already exists. Choose another name, or Esc to cancel.`;
  }
  if (mode.field === 'accountName') {
    if (value.trim() === '') return 'An account needs a name. Esc cancels.';
    const clash = bp.accounts.find(
      (a, i) => (mode.adding || i !== mode.index) && a.name.toLowerCase() === value.toLowerCase(),
    );
    if (clash) return `The account ${clash.name} already exists (names are compared case-insensitively). Esc cancels.`;
  }
  if (mode.field === 'load' && value.trim() === '') return 'Type the path of a blueprint file, or Esc to cancel.';
  return undefined;
}

function commitText(state: EditorState, mode: TextMode, move: -1 | 0 | 1, enter: boolean): Outcome {
  const refusal = commitRefusal(mode);
  if (refusal) return { state: withStatus(state, 'error', refusal) };
  const value = mode.draft.value;
  let next: EditorState = { ...state, mode: { kind: 'browse' }, status: undefined };
  let intent: EditorIntent | undefined;
  switch (mode.field) {
    case 'bucket': {
      const bucket = next.blueprint.stateBackend?.bucket;
      const known = state.bucket?.name === bucket && state.bucket?.availability.kind !== 'unknown';
      if (bucket && bucketNameProblem(bucket) === undefined && (enter || !known)) {
        next.bucket = { name: bucket, availability: { kind: 'checking' } };
        intent = { kind: 'check-bucket', bucket };
      }
      break;
    }
    case 'baseEmail':
      if (value.trim() !== '' && (enter || value !== mode.original)) next = generateAccountEmails(next);
      break;
    case 'load': {
      const path = value.trim();
      if (!enter) break;
      if (edited(next)) next = { ...next, mode: { kind: 'confirm', action: { kind: 'load', path } } };
      else {
        next = withStatus(next, 'info', `Loading ${path}…`);
        intent = { kind: 'load-file', path };
      }
      break;
    }
    case 'savePath':
      if (value !== mode.original) next.overwrite = false;
      break;
    case 'tfDir':
      if (value === '' && mode.before.terraform) next.memory = { ...next.memory, terraform: mode.before.terraform };
      break;
    case 'accountName':
      if (mode.adding)
        next = withStatus(
          next,
          'ok',
          `Added account ${value} in ${mode.ou}.`,
          next.blueprint.accounts[mode.index]?.email ? undefined : 'set its email with e, or a base email and g',
        );
      break;
    case 'ouName':
      if (mode.adding) next = withStatus(next, 'ok', `Added OU ${value}.`);
      break;
    default:
      break;
  }
  if (move !== 0 && next.mode.kind === 'browse')
    next.cursor = clamp(next.cursor + move, 0, formRows(next.blueprint).length - 1);
  return intent ? { state: next, intent } : { state: next };
}
