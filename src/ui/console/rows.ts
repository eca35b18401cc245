/**
 * The list as lines: OU headers and account rows, grouped or flat, filtered or not; and the
 * window of it that fits on the screen. Pure; nothing here formats text.
 */
import type { Match } from './fuzzy.js';
import type { ConsoleModel } from './model.js';
import type { SearchField } from './model.js';

export type DisplayRow =
  | { kind: 'ou'; path: string; count: number }
  | { kind: 'account'; index: number; field?: SearchField };

export interface DisplayList {
  rows: DisplayRow[];
  /** Positions in `rows` of the account rows, in order: the cursor moves over these. */
  accountRows: number[];
}

/**
 * Without a query: grouped by OU path (the model's order) or flat by name. With a query: the
 * matches in rank order, grouped under their OU in the order of each OU's best match.
 */
export function displayList(model: ConsoleModel, matches: readonly Match[] | undefined, grouped: boolean): DisplayList {
  const rows: DisplayRow[] = [];
  const accountRows: number[] = [];
  const push = (row: DisplayRow) => {
    if (row.kind === 'account') accountRows.push(rows.length);
    rows.push(row);
  };
  const ordered: { index: number; field?: SearchField }[] = matches
    ? matches.map((m) => ({ index: m.index, field: m.field }))
    : (grouped ? model.accounts.map((_, i) => i) : model.byName).map((index) => ({ index }));
  if (!grouped) {
    for (const entry of ordered) push({ kind: 'account', ...entry });
    return { rows, accountRows };
  }
  const groups = new Map<string, { index: number; field?: SearchField }[]>();
  for (const entry of ordered) {
    const path = model.accounts[entry.index]!.account.ouPath;
    let group = groups.get(path);
    if (!group) {
      group = [];
      groups.set(path, group);
    }
    group.push(entry);
  }
  for (const [path, entries] of groups) {
    push({ kind: 'ou', path, count: entries.length });
    for (const entry of entries) push({ kind: 'account', ...entry });
  }
  return { rows, accountRows };
}

/**
 * The first row to show so that the cursor's row is visible, moving the window as little as
 * possible from `previousTop`. When the cursor sits on the first account of a group, its OU
 * header is kept in view too.
 */
export function windowTop(list: DisplayList, cursor: number, height: number, previousTop: number): number {
  const total = list.rows.length;
  if (height <= 0 || total <= height) return 0;
  const cursorRow = list.accountRows[cursor] ?? 0;
  const wanted = cursorRow > 0 && list.rows[cursorRow - 1]?.kind === 'ou' ? cursorRow - 1 : cursorRow;
  let top = Math.min(previousTop, wanted);
  if (cursorRow >= top + height) top = cursorRow - height + 1;
  return Math.max(0, Math.min(top, total - height));
}
