/**
 * Pure edits of a Blueprint: each takes a blueprint and returns a new one, leaving its argument
 * untouched, so an editor can keep the blueprint it started from and undo by going back to it.
 *
 * A rename cascades: renaming an OU moves its child OUs, its accounts and the guardrail targets
 * that name it; renaming an account moves the guardrail targets and the sections (state backend,
 * CI role, organization trail) that name it. A delete never leaves a dangling target: the name is
 * dropped from every guardrail's targets, and the caller is told which guardrails lost it.
 *
 * The wizard's editor is the first user; anything else that edits blueprints shares these. This
 * module imports only types and constants from core, so it is cheap to load anywhere.
 */
import type { Blueprint, BlueprintAccount, Guardrails } from './blueprint.js';
import { ROOT_TARGET } from './blueprint.js';

/** A copy of `value` without `key` (the key is absent, not undefined, so it is not saved). */
export function without<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  const copy = { ...value };
  delete copy[key];
  return copy;
}

function insertAt<T>(list: readonly T[], index: number, item: T): T[] {
  return [...list.slice(0, index), item, ...list.slice(index)];
}

/**
 * The guardrails with every target passed through `map` (undefined drops the target), and the
 * names of the guardrails whose targets changed.
 */
export function mapTargets(
  guardrails: Guardrails | undefined,
  map: (t: string) => string | undefined,
): { guardrails: Guardrails | undefined; touched: string[] } {
  if (!guardrails) return { guardrails, touched: [] };
  const touched: string[] = [];
  const apply = <G extends { targets: string[] }>(g: G, name: string): G => {
    const targets = g.targets.flatMap((t) => {
      const m = map(t);
      return m === undefined ? [] : [m];
    });
    if (targets.length !== g.targets.length || targets.some((t, i) => t !== g.targets[i])) touched.push(name);
    return { ...g, targets };
  };
  const next: Guardrails = { ...guardrails };
  if (guardrails.denyRegions) next.denyRegions = apply(guardrails.denyRegions, 'denyRegions');
  if (guardrails.denyRoot) next.denyRoot = apply(guardrails.denyRoot, 'denyRoot');
  if (guardrails.requireMfa) next.requireMfa = apply(guardrails.requireMfa, 'requireMfa');
  if (guardrails.denyLeaveOrganization)
    next.denyLeaveOrganization = apply(guardrails.denyLeaveOrganization, 'denyLeaveOrganization');
  if (guardrails.custom) next.custom = guardrails.custom.map((c) => apply(c, c.name));
  return { guardrails: next, touched };
}

function withGuardrails(bp: Blueprint, guardrails: Guardrails | undefined): Blueprint {
  return guardrails ? { ...bp, guardrails } : without(bp, 'guardrails');
}

/** Renames an OU path; child OUs, accounts and guardrail targets under it follow. */
export function renameOu(bp: Blueprint, from: string, to: string): Blueprint {
  const move = (p: string) => (p === from ? to : p.startsWith(`${from}/`) ? to + p.slice(from.length) : p);
  return withGuardrails(
    {
      ...bp,
      organizationalUnits: bp.organizationalUnits.map(move),
      accounts: bp.accounts.map((a) => (move(a.ou) === a.ou ? a : { ...a, ou: move(a.ou) })),
    },
    mapTargets(bp.guardrails, move).guardrails,
  );
}

/** Renames an account; guardrail targets and the accounts named by other sections follow. */
export function renameAccount(bp: Blueprint, index: number, to: string): Blueprint {
  const from = bp.accounts[index]?.name;
  if (from === undefined) return bp;
  const follow = (name: string) => (name === from ? to : name);
  const next: Blueprint = { ...bp, accounts: bp.accounts.map((a, i) => (i === index ? { ...a, name: to } : a)) };
  if (bp.stateBackend) next.stateBackend = { ...bp.stateBackend, account: follow(bp.stateBackend.account) };
  if (bp.ciOidc?.account !== undefined) next.ciOidc = { ...bp.ciOidc, account: follow(bp.ciOidc.account) };
  if (bp.organizationTrail)
    next.organizationTrail = { ...bp.organizationTrail, account: follow(bp.organizationTrail.account) };
  return withGuardrails(next, from === '' ? bp.guardrails : mapTargets(bp.guardrails, follow).guardrails);
}

/** Changes fields of one account (its email, or its OU to move it). */
export function setAccount(bp: Blueprint, index: number, change: Partial<BlueprintAccount>): Blueprint {
  return { ...bp, accounts: bp.accounts.map((a, i) => (i === index ? { ...a, ...change } : a)) };
}

/** Moves an account to another OU (or `Root`). */
export function moveAccount(bp: Blueprint, index: number, ou: string): Blueprint {
  return setAccount(bp, index, { ou });
}

/** Adds an OU path at `index` in the list. */
export function addOu(bp: Blueprint, index: number, path: string): Blueprint {
  return { ...bp, organizationalUnits: insertAt(bp.organizationalUnits, index, path) };
}

/** Adds an account at `index` in the list. */
export function addAccount(bp: Blueprint, index: number, account: BlueprintAccount): Blueprint {
  return { ...bp, accounts: insertAt(bp.accounts, index, account) };
}

/** Where an account added to `ou` is listed: after the OU's last account, else at the end. */
export function lastIndexInOu(bp: Blueprint, ou: string): number {
  for (let i = bp.accounts.length - 1; i >= 0; i--) if (bp.accounts[i]?.ou === ou) return i + 1;
  return bp.accounts.length;
}

/** The places an account can live: the root, then every OU. */
export function ouOptions(bp: Blueprint): string[] {
  return [ROOT_TARGET, ...bp.organizationalUnits];
}

export type DeleteOuResult =
  | { kind: 'deleted'; path: string; blueprint: Blueprint; touched: string[] }
  /** The OU still holds accounts or child OUs: nothing is deleted. */
  | { kind: 'refused'; path: string; accounts: number; children: number };

/**
 * Deletes the OU at `index` when it is empty, dropping it from guardrail targets; an OU that
 * still holds accounts or child OUs is refused rather than orphaning them. Undefined when there
 * is no OU at `index`.
 */
export function deleteOu(bp: Blueprint, index: number): DeleteOuResult | undefined {
  const path = bp.organizationalUnits[index];
  if (path === undefined) return undefined;
  const accounts = bp.accounts.filter((a) => a.ou === path).length;
  const children = bp.organizationalUnits.filter((p) => p.startsWith(`${path}/`)).length;
  if (accounts > 0 || children > 0) return { kind: 'refused', path, accounts, children };
  const { guardrails, touched } = mapTargets(bp.guardrails, (t) => (t === path ? undefined : t));
  const blueprint = withGuardrails(
    { ...bp, organizationalUnits: bp.organizationalUnits.filter((_, i) => i !== index) },
    guardrails,
  );
  return { kind: 'deleted', path, blueprint, touched };
}

/**
 * Deletes the account at `index`, dropping it from guardrail targets. Undefined when there is no
 * account at `index`.
 */
export function deleteAccount(
  bp: Blueprint,
  index: number,
): { name: string; blueprint: Blueprint; touched: string[] } | undefined {
  const account = bp.accounts[index];
  if (!account) return undefined;
  const { guardrails, touched } = mapTargets(bp.guardrails, (t) => (t === account.name ? undefined : t));
  const blueprint = withGuardrails({ ...bp, accounts: bp.accounts.filter((_, i) => i !== index) }, guardrails);
  return { name: account.name, blueprint, touched };
}

/** The plus-addressed email for an account, or undefined when the base is not an address. */
export function plusAddress(base: string, accountName: string): string | undefined {
  const at = base.lastIndexOf('@');
  if (at <= 0) return undefined;
  const local = base.slice(0, at).split('+')[0] ?? '';
  const slug =
    accountName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'account';
  return local === '' ? undefined : `${local}+${slug}@${base.slice(at + 1)}`;
}

/** `aws@example.com` from accounts emailed as `aws+name@example.com`, or '' when none are. */
export function inferBaseEmail(bp: Blueprint): string {
  for (const account of bp.accounts) {
    const match = /^([^+@\s]+)\+[^@\s]*@(\S+)$/.exec(account.email);
    if (match) return `${match[1]}@${match[2]}`;
  }
  return '';
}

/**
 * Every account's email plus-addressed from `base` (`aws@example.com` gives `aws+<name>@example.com`).
 * An account keeps its email when `base` is not an address; checking the results is the caller's.
 */
export function generateEmails(bp: Blueprint, base: string): Blueprint {
  return { ...bp, accounts: bp.accounts.map((a) => ({ ...a, email: plusAddress(base, a.name) ?? a.email })) };
}

/**
 * Locks the organization to `regions` (the Region lock guardrail, on the root unless it already
 * has targets); a Region lock is an SCP, so SCPs are turned on with it.
 */
export function allowRegions(bp: Blueprint, regions: string[]): Blueprint {
  const guardrails: Guardrails = {
    ...bp.guardrails,
    denyRegions: { targets: [ROOT_TARGET], ...bp.guardrails?.denyRegions, allow: regions },
  };
  const policyTypes = bp.organization.policyTypes;
  const organization = policyTypes.includes('SERVICE_CONTROL_POLICY')
    ? bp.organization
    : { ...bp.organization, policyTypes: [...policyTypes, 'SERVICE_CONTROL_POLICY' as const] };
  return { ...bp, organization, guardrails };
}
