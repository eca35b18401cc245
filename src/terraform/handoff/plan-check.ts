/**
 * Reading what Terraform holds and plans, for the hand-off (issue 13). Pure: state and
 * `show -json` text in, facts out.
 *
 * - `stateAddresses`: the resource addresses a state file holds.
 * - `impureChanges`: every resource change in a saved plan that is not a pure import (or a
 *   `removed` block's forget that awsorg asked for), with the attributes that would change.
 * - `removedFile`: `removed {}` blocks for addresses awsorg generated earlier and no longer does.
 */
import { HANDOFF_MARKER } from './generate.js';
import { attr, blank, block, render, type Item } from './hcl.js';

/** `type.name` of every managed resource in the root module of a state file (format 4). */
export function stateAddresses(stateText: string | Buffer | undefined): Set<string> {
  const out = new Set<string>();
  if (stateText === undefined) return out;
  const text = String(stateText);
  if (text.trim() === '') return out;
  const parsed = JSON.parse(text) as {
    resources?: Array<{ module?: string; mode?: string; type?: string; name?: string; instances?: unknown[] }>;
  };
  for (const r of parsed.resources ?? []) {
    if (r.module || r.mode !== 'managed' || !r.type || !r.name) continue;
    if (Array.isArray(r.instances) && r.instances.length === 0) continue;
    out.add(`${r.type}.${r.name}`);
  }
  return out;
}

export interface AttributeChange {
  /** Top-level attribute name. */
  name: string;
  before: unknown;
  /** `(known after apply)` when Terraform cannot know the value yet. */
  after: unknown;
}

export interface ImpureChange {
  address: string;
  /** Terraform's actions: `create`, `update`, `delete`, `["delete","create"]` for a replacement... */
  actions: string[];
  /** True when the plan imports this resource too (an import with changes). */
  importing: boolean;
  attributes: AttributeChange[];
  /** Attributes that force a replacement. */
  replacePaths: string[];
}

export interface PlanSummary {
  /** Addresses the plan imports with no other action. */
  imports: string[];
  /** Addresses a `removed` block forgets. */
  forgets: string[];
  impure: ImpureChange[];
  /** Output values that change (a pure-import plan may still add outputs; harmless). */
  outputChanges: string[];
}

interface PlanJson {
  resource_changes?: Array<{
    address?: string;
    mode?: string;
    change?: {
      actions?: string[];
      before?: Record<string, unknown> | null;
      after?: Record<string, unknown> | null;
      after_unknown?: Record<string, unknown> | null;
      importing?: unknown;
      replace_paths?: unknown[][];
    };
  }>;
  output_changes?: Record<string, { actions?: string[] }>;
}

const UNKNOWN = '(known after apply)';

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

/** Null, empty lists and empty maps all mean "not set" to the provider's differ. */
function normalise(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : value.map(normalise);
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, normalise(v)] as const)
      .filter(([, v]) => v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return entries.length === 0 ? null : Object.fromEntries(entries);
  }
  return value;
}

function attributeChanges(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
  unknown: Record<string, unknown> | null | undefined,
): AttributeChange[] {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {}), ...Object.keys(unknown ?? {})]);
  const out: AttributeChange[] = [];
  for (const name of [...names].sort()) {
    const b = before?.[name];
    const isUnknown = unknown?.[name] === true;
    const a = isUnknown ? UNKNOWN : after?.[name];
    if (!isUnknown && same(b, a)) continue;
    // An attribute only Terraform computes (ids, ARNs) is unknown on a create; that is not a diff to show.
    if (isUnknown && (b === undefined || b === null) && before === null) continue;
    out.push({ name, before: b ?? null, after: a ?? null });
  }
  return out;
}

/** Classify every resource change of `show -json` output. `forget` lists the addresses awsorg's `removed` blocks name. */
export function summarisePlan(planText: string, forget: ReadonlySet<string> = new Set()): PlanSummary {
  const start = planText.indexOf('{');
  const plan = JSON.parse(start > 0 ? planText.slice(start) : planText) as PlanJson;
  const summary: PlanSummary = { imports: [], forgets: [], impure: [], outputChanges: [] };
  for (const rc of plan.resource_changes ?? []) {
    const address = rc.address ?? '(unknown address)';
    const actions = rc.change?.actions ?? [];
    const importing = rc.change?.importing !== undefined && rc.change?.importing !== null;
    if (rc.mode === 'data') continue;
    if (actions.length === 1 && actions[0] === 'no-op') {
      if (importing) summary.imports.push(address);
      continue;
    }
    if (actions.length === 1 && actions[0] === 'forget' && forget.has(address)) {
      summary.forgets.push(address);
      continue;
    }
    summary.impure.push({
      address,
      actions,
      importing,
      attributes: attributeChanges(rc.change?.before, rc.change?.after, rc.change?.after_unknown),
      replacePaths: (rc.change?.replace_paths ?? []).map((p) => p.map(String).join('.')),
    });
  }
  for (const [name, change] of Object.entries(plan.output_changes ?? {})) {
    const actions = change.actions ?? [];
    if (!(actions.length === 1 && actions[0] === 'no-op')) summary.outputChanges.push(name);
  }
  return summary;
}

function shortValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? 'null');
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** One block of text per offending change: the address, what Terraform would do, and each attribute's before -> after. */
export function describeImpure(change: ImpureChange): string {
  const verb = change.actions.join(' and ');
  const lines = [`${change.address}: ${verb}${change.importing ? ' (while importing)' : ''}`];
  for (const a of change.attributes.slice(0, 20))
    lines.push(`    ${a.name}: ${shortValue(a.before)} -> ${shortValue(a.after)}`);
  if (change.attributes.length > 20) lines.push(`    ... and ${change.attributes.length - 20} more attributes`);
  if (change.replacePaths.length > 0) lines.push(`    forces replacement: ${change.replacePaths.join(', ')}`);
  return lines.join('\n');
}

/** Addresses declared as `resource "T" "N"` in HCL text (awsorg's own generated files: a simple, known layout). */
export function declaredResources(hcl: string): string[] {
  const out: string[] = [];
  for (const m of hcl.matchAll(/^\s*resource\s+"([A-Za-z0-9_-]+)"\s+"([A-Za-z0-9_-]+)"\s*\{/gm))
    out.push(`${m[1]}.${m[2]}`);
  for (const m of hcl.matchAll(/^\s*removed\s*\{\s*\n\s*from\s*=\s*([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/gm))
    out.push(m[1]!);
  return out;
}

export const REMOVED_FILE = 'removed.tf';

/**
 * `removed {}` blocks (Terraform and OpenTofu 1.7+) that take resources out of the state without
 * destroying them: things the blueprint no longer names, which awsorg never deletes in AWS either.
 */
export function removedFile(addresses: Iterable<string>): string | undefined {
  const sorted = [...new Set(addresses)].sort();
  if (sorted.length === 0) return undefined;
  const items: Item[] = [];
  for (const address of sorted) {
    if (items.length > 0) items.push(blank);
    items.push(block('removed', [attr('from', address), blank, block('lifecycle', [attr('destroy', 'false')])]));
  }
  return `${HANDOFF_MARKER}\n# The blueprint no longer names these; Terraform forgets them and leaves them in AWS, as awsorg does.\n\n${render(items)}`;
}
