/**
 * Columns of the account list for a terminal width, and the text of each list line. Narrow
 * terminals drop the least useful columns first (the OU path when the OU headers already say
 * it, then status, aliases, session); the production marker, name and id always stay. Pure.
 */
import type { ConsoleAccount } from './model.js';
import type { DisplayRow } from './rows.js';
import { clip, count as formatCount, fit, shortDuration, styledLine, type Palette, type Segment } from './style.js';

export type ColumnKey = 'marker' | 'prod' | 'name' | 'id' | 'alias' | 'ou' | 'status' | 'session';

export interface Column {
  key: ColumnKey;
  width: number;
}

interface ColumnSpec {
  key: ColumnKey;
  min: number;
  /** Width it grows to when there is room; equal to min for fixed columns. */
  max: number;
  title: string;
}

const SPECS: Record<ColumnKey, ColumnSpec> = {
  marker: { key: 'marker', min: 1, max: 1, title: '' },
  prod: { key: 'prod', min: 4, max: 4, title: '' },
  name: { key: 'name', min: 14, max: 32, title: 'NAME' },
  id: { key: 'id', min: 12, max: 12, title: 'ID' },
  alias: { key: 'alias', min: 8, max: 20, title: 'ALIAS' },
  ou: { key: 'ou', min: 12, max: 30, title: 'OU' },
  status: { key: 'status', min: 9, max: 9, title: 'STATUS' },
  session: { key: 'session', min: 7, max: 7, title: 'SESSION' },
};

const DISPLAY_ORDER: ColumnKey[] = ['marker', 'prod', 'name', 'id', 'alias', 'ou', 'status', 'session'];
const GAP = 1;

/** Which columns fit in `width`, and how wide each is. */
export function columnsFor(width: number, grouped: boolean): Column[] {
  // Optional columns, most useful first. Grouped lists show the OU in the headers, so the OU
  // column is the first to go there.
  const optional: ColumnKey[] = grouped ? ['session', 'alias', 'status', 'ou'] : ['session', 'alias', 'ou', 'status'];
  const chosen = new Set<ColumnKey>(['marker', 'prod', 'name', 'id']);
  const minWidth = (keys: Iterable<ColumnKey>) => {
    let total = 0;
    let count = 0;
    for (const k of keys) {
      total += SPECS[k].min;
      count++;
    }
    return total + GAP * (count - 1);
  };
  for (const key of optional) {
    if (minWidth([...chosen, key]) <= width) chosen.add(key);
  }
  const widths = new Map<ColumnKey, number>([...chosen].map((k) => [k, SPECS[k].min]));
  let spare = width - minWidth(chosen);
  // Grow the flexible columns in turn, name first, so extra width goes where names are cut.
  for (const key of ['name', 'alias', 'ou'] as const) {
    if (!chosen.has(key) || spare <= 0) continue;
    const grow = Math.min(spare, SPECS[key].max - SPECS[key].min);
    widths.set(key, widths.get(key)! + grow);
    spare -= grow;
  }
  if (spare > 0 && chosen.has('name')) widths.set('name', widths.get('name')! + Math.min(spare, 18));
  return DISPLAY_ORDER.filter((k) => chosen.has(k)).map((key) => ({ key, width: widths.get(key)! }));
}

function statusText(status: string): string {
  switch (status) {
    case 'ACTIVE':
      return 'active';
    case 'SUSPENDED':
      return 'suspended';
    case 'PENDING_CLOSURE':
      return 'closing';
    default:
      return status.toLowerCase();
  }
}

export function ouLabel(path: string): string {
  if (path === '/') return '/ (root)';
  if (path === '') return '(no OU information)';
  return path;
}

function join(segments: Segment[]): Segment[] {
  const out: Segment[] = [];
  segments.forEach((s, i) => {
    if (i > 0) out.push({ text: ' '.repeat(GAP) });
    out.push(s);
  });
  return out;
}

export function columnTitles(columns: readonly Column[], p: Palette): string {
  return styledLine(
    [
      {
        text: join(columns.map((c) => ({ text: fit(SPECS[c.key].title, c.width) })))
          .map((s) => s.text)
          .join('')
          .trimEnd(),
        style: p.dim,
      },
    ],
    '',
    p,
  );
}

export interface RowContext {
  columns: readonly Column[];
  width: number;
  p: Palette;
  /** Expiry (epoch ms) of a cached session for the account, if any. */
  sessionExpiry(entry: ConsoleAccount): number | undefined;
  now: number;
}

export function accountLine(entry: ConsoleAccount, selected: boolean, ctx: RowContext): string {
  const { p } = ctx;
  const showsStatus = ctx.columns.some((c) => c.key === 'status');
  const a = entry.account;
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every column key; TypeScript checks that it returns a Segment.
  const segments = ctx.columns.map((c): Segment => {
    switch (c.key) {
      case 'marker':
        return { text: selected ? '>' : ' ', ...(selected ? { style: p.bold } : {}) };
      case 'prod':
        return entry.production ? { text: 'PROD', style: p.production } : { text: '    ' };
      case 'name': {
        // Without a status column, an account that cannot be signed in to still says so.
        const flag = !showsStatus && a.status !== 'ACTIVE' ? ` (${statusText(a.status)})` : '';
        return { text: fit(a.name + flag, c.width), ...(selected ? { style: p.bold } : {}) };
      }
      case 'id':
        return { text: fit(a.id, c.width) };
      case 'alias':
        return { text: fit(entry.aliases.join(','), c.width), style: p.accent };
      case 'ou':
        return { text: fit(ouLabel(a.ouPath), c.width) };
      case 'status': {
        const active = a.status === 'ACTIVE';
        return active
          ? { text: fit(statusText(a.status), c.width) }
          : { text: fit(statusText(a.status), c.width), style: p.warning };
      }
      case 'session': {
        const expiry = ctx.sessionExpiry(entry);
        return expiry === undefined
          ? { text: fit('', c.width) }
          : { text: fit(shortDuration(expiry - ctx.now), c.width), style: p.ok };
      }
    }
  });
  return styledLine(join(segments), selected ? p.inverse : '', p);
}

export function ouLine(row: Extract<DisplayRow, { kind: 'ou' }>, width: number, p: Palette): string {
  const count = `${formatCount(row.count)} account${row.count === 1 ? '' : 's'}`;
  const label = ouLabel(row.path);
  return styledLine(
    [
      { text: clip(label, Math.max(1, width - count.length - 2)), style: p.bold },
      { text: `  ${count}`, style: p.dim },
    ],
    '',
    p,
  );
}
