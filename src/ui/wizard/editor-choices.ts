/**
 * The editor's choices and list edits: cycling a choice row (preset, lock, CI provider, deploy
 * from, trail, log account), and adding or deleting OUs and accounts.
 *
 * Values switched off are kept in `memory` (the CI section when the provider is `none`, the trail
 * when it is off, the lock table for `lockfile`, the other of ref/environment...) and come back
 * when switched on again: nothing is lost silently. Replacing edits with a preset asks first.
 */
import { MANAGEMENT_ACCOUNT, type CiOidc, type LockKind, type StateBackend } from '../../core/blueprint.js';
import { deleteAccount, deleteOu, without } from '../../core/blueprint-edit.js';
import { PRESET_NAMES, preset } from '../../core/presets.js';
import { clamp, type RowKind } from './editor-rows.js';
import { cursorTo, edited, replaceBlueprint, withStatus } from './editor-state.js';
import { DEFAULT_TABLE, startText } from './editor-text.js';
import type { EditorState, Outcome } from './editor-types.js';

function pick<T>(options: readonly T[], current: T | undefined, step: 1 | -1): T {
  const at = current === undefined ? -1 : options.indexOf(current);
  const from = at < 0 ? (step === 1 ? -1 : 0) : at;
  return options[(from + step + options.length) % options.length] as T;
}

export const LOCKS: readonly LockKind[] = ['dynamodb', 'lockfile', 'both'];
export const PROVIDERS = ['github', 'gitlab', 'none'] as const;
type ProviderChoice = (typeof PROVIDERS)[number];

export function cycle(state: EditorState, kind: RowKind, step: 1 | -1): Outcome {
  const bp = state.blueprint;
  switch (kind) {
    case 'preset': {
      const name = pick(PRESET_NAMES, state.preset, step);
      if (edited(state)) return { state: { ...state, mode: { kind: 'confirm', action: { kind: 'preset', name } } } };
      return {
        state: withStatus(
          replaceBlueprint(state, preset(name), `preset ${name}`, name),
          'ok',
          `Loaded the ${name} preset.`,
        ),
      };
    }
    case 'lock':
      return { state: setLock(state, pick(LOCKS, bp.stateBackend?.lock, step)) };
    case 'ciProvider':
      return { state: setProvider(state, pick(PROVIDERS, bp.ciOidc?.provider ?? 'none', step)) };
    case 'ciMode':
      return { state: toggleCiMode(state) };
    case 'trail':
      return { state: toggleTrail(state) };
    case 'trailAccount': {
      const trail = bp.organizationTrail;
      if (!trail) return { state };
      const account = pick([MANAGEMENT_ACCOUNT, ...bp.accounts.map((a) => a.name)], trail.account, step);
      return { state: { ...state, blueprint: { ...bp, organizationTrail: { ...trail, account } } } };
    }
    default:
      return { state };
  }
}

function setLock(state: EditorState, lock: LockKind): EditorState {
  const sb = state.blueprint.stateBackend;
  if (!sb) return state;
  const memory = { ...state.memory };
  let next: StateBackend = { ...sb, lock };
  if (lock === 'lockfile' && sb.table !== undefined) {
    memory.table = sb.table;
    next = without(next, 'table');
  } else if (lock !== 'lockfile' && sb.table === undefined) {
    next = { ...next, table: memory.table ?? DEFAULT_TABLE };
    delete memory.table;
  }
  return { ...state, memory, blueprint: { ...state.blueprint, stateBackend: next } };
}

/** none keeps the CI section in memory; choosing a provider again brings it back. */
function setProvider(state: EditorState, choice: ProviderChoice): EditorState {
  const bp = state.blueprint;
  const memory = { ...state.memory };
  if (choice === 'none') {
    if (bp.ciOidc) memory.ciOidc = bp.ciOidc;
    return withStatus(
      { ...state, memory, blueprint: without(bp, 'ciOidc') },
      'info',
      'No CI deploy role. Choose a provider again to bring the settings back.',
    );
  }
  let ci: CiOidc = bp.ciOidc ??
    memory.ciOidc ?? {
      provider: choice,
      repository: '',
      ref: 'refs/heads/main',
      roleName: `${choice}-deploy`,
      policyArns: [],
      account: MANAGEMENT_ACCOUNT,
    };
  delete memory.ciOidc;
  ci = { ...ci, provider: choice };
  if (choice === 'gitlab') {
    if (ci.environment !== undefined) {
      // GitLab's subject has no environment: deploy from a branch, and keep the environment.
      memory.environment = ci.environment;
      ci = { ...without(ci, 'environment'), ref: memory.ref ?? 'refs/heads/main' };
      delete memory.ref;
    }
    if (ci.url === undefined && memory.url !== undefined) {
      ci = { ...ci, url: memory.url };
      delete memory.url;
    }
  } else if (ci.url !== undefined) {
    memory.url = ci.url;
    ci = without(ci, 'url');
  }
  return { ...state, memory, blueprint: { ...bp, ciOidc: ci } };
}

function toggleCiMode(state: EditorState): EditorState {
  const ci = state.blueprint.ciOidc;
  if (!ci) return state;
  if (ci.provider === 'gitlab' && ci.environment === undefined) {
    return withStatus(state, 'warning', "GitLab deploys from a branch: its token's subject has no environment.");
  }
  const memory = { ...state.memory };
  let next: CiOidc;
  if (ci.environment !== undefined) {
    memory.environment = ci.environment;
    next = { ...without(ci, 'environment'), ref: memory.ref ?? 'refs/heads/main' };
    delete memory.ref;
  } else {
    if (ci.ref !== undefined) memory.ref = ci.ref;
    next = { ...without(ci, 'ref'), environment: memory.environment ?? 'production' };
    delete memory.environment;
  }
  return { ...state, memory, blueprint: { ...state.blueprint, ciOidc: next } };
}

function toggleTrail(state: EditorState): EditorState {
  const bp = state.blueprint;
  const memory = { ...state.memory };
  if (bp.organizationTrail) {
    memory.trail = bp.organizationTrail;
    return { ...state, memory, blueprint: without(bp, 'organizationTrail') };
  }
  const logAccount = bp.accounts.some((a) => a.name === 'log-archive') ? 'log-archive' : MANAGEMENT_ACCOUNT;
  const trail = memory.trail ?? { name: 'org-trail', bucket: 'example-org-trail-change-me', account: logAccount };
  delete memory.trail;
  const services = bp.organization.trustedServices;
  // An organization trail needs CloudTrail's service access; turning the trail on turns it on.
  const organization = services.includes('cloudtrail.amazonaws.com')
    ? bp.organization
    : { ...bp.organization, trustedServices: [...services, 'cloudtrail.amazonaws.com'] };
  return { ...state, memory, blueprint: { ...bp, organization, organizationTrail: trail } };
}

/** Starts typing the name of an OU added at `at`; Esc removes it again. */
export function startAddingOu(state: EditorState, at: number): EditorState {
  const index = clamp(at, 0, state.blueprint.organizationalUnits.length);
  const started = startText(state, 'ouName', index, '', { adding: true });
  return cursorTo(started, 'ou', index);
}

/** Starts typing the name of an account added at `at` in `ou`; Esc removes it again. */
export function startAddingAccount(state: EditorState, at: number, ou: string): EditorState {
  const index = clamp(at, 0, state.blueprint.accounts.length);
  const started = startText(state, 'accountName', index, '', { adding: true, ou });
  return cursorTo(started, 'account', index);
}

export function deleteOuRow(state: EditorState, index: number): EditorState {
  const result = deleteOu(state.blueprint, index);
  if (!result) return state;
  const { path } = result;
  if (result.kind === 'refused') {
    const { accounts, children } = result;
    const held = [
      accounts > 0 ? `${accounts} account${accounts === 1 ? '' : 's'}` : '',
      children > 0 ? `${children} child OU${children === 1 ? '' : 's'}` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return withStatus(
      state,
      'error',
      `Cannot delete ${path}: it still holds ${held}.`,
      'move the accounts (m) and delete or rename the child OUs first',
    );
  }
  const { touched } = result;
  const also = touched.length > 0 ? ` It was removed from the targets of ${touched.join(', ')}.` : '';
  return withStatus({ ...state, blueprint: result.blueprint }, 'ok', `Deleted OU ${path}.${also}`);
}

export function deleteAccountRow(state: EditorState, index: number): EditorState {
  const result = deleteAccount(state.blueprint, index);
  if (!result) return state;
  const { touched } = result;
  const also = touched.length > 0 ? ` It was removed from the targets of ${touched.join(', ')}.` : '';
  return withStatus({ ...state, blueprint: result.blueprint }, 'ok', `Deleted account ${result.name}.${also}`);
}
