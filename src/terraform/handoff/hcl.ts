/**
 * A small HCL writer for the hand-off code: string escaping, identifiers, and blocks laid out the
 * way `terraform fmt` lays them out (two-space indent, `=` aligned across a run of one-line
 * attributes), so `fmt -check` passes on what awsorg writes.
 */

/** A quoted HCL string literal. Escapes quotes, backslashes, control characters and template openers. */
export function hclString(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const code = ch.charCodeAt(0);
    const next = value[i + 1];
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    // `${` and `%{` open a template interpolation / directive; doubling the sign makes them literal.
    else if ((ch === '$' || ch === '%') && next === '{') out += ch + ch;
    else if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029) {
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `"${out}"`;
}

/** A one-line list of strings. */
export function hclStringList(values: readonly string[]): string {
  return `[${values.map(hclString).join(', ')}]`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** A valid HCL identifier derived from a name: lower case, runs of other characters become `_`. */
export function identifierFor(name: string): string {
  let id = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (id === '') id = 'unnamed';
  if (!/^[a-z_]/.test(id)) id = `n_${id}`;
  if (!IDENTIFIER.test(id)) throw new Error(`not an identifier: ${id}`);
  return id;
}

/**
 * Assigns identifiers to names in the given order: the first name to claim an identifier keeps
 * it, later ones get `_2`, `_3`, ... Same input order, same result.
 */
export class IdentifierAllocator {
  private readonly taken = new Set<string>();
  private readonly byName = new Map<string, string>();
  constructor(reserved: Iterable<string> = []) {
    for (const r of reserved) this.taken.add(r);
  }
  /** `label` (default: the name) is what the identifier is derived from; the name is the key. */
  claim(name: string, label = name): string {
    const existing = this.byName.get(name);
    if (existing) return existing;
    const base = identifierFor(label);
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    this.byName.set(name, id);
    return id;
  }
  get(name: string): string {
    const id = this.byName.get(name);
    if (!id) throw new Error(`no identifier claimed for ${name}`);
    return id;
  }
}

export type Item =
  | { kind: 'attr'; name: string; value: string }
  | { kind: 'map'; name: string; entries: Array<[string, string]>; bareKeys?: boolean }
  | { kind: 'block'; header: string; items: Item[] }
  | { kind: 'blank' };

export const attr = (name: string, value: string): Item => ({ kind: 'attr', name, value });
/** A map attribute; keys are quoted strings (bare identifiers with `bareKeys`), values raw expressions. */
export const map = (name: string, entries: Array<[string, string]>, bareKeys = false): Item => ({
  kind: 'map',
  name,
  entries,
  bareKeys,
});
export const block = (header: string, items: Item[]): Item => ({ kind: 'block', header, items });
export const blank: Item = { kind: 'blank' };

/** Render items at an indent. Blank lines separate multi-line items from attribute runs. */
export function render(items: Item[], indent = 0): string {
  const pad = '  '.repeat(indent);
  const lines: string[] = [];
  let run: Array<{ name: string; value: string }> = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((a) => a.name.length));
    for (const a of run) lines.push(`${pad}${a.name.padEnd(width)} = ${a.value}`);
    run = [];
  };
  for (const item of items) {
    if (item.kind === 'attr') {
      run.push(item);
      continue;
    }
    flush();
    if (item.kind === 'blank') lines.push('');
    else if (item.kind === 'map') {
      if (item.entries.length === 0) {
        lines.push(`${pad}${item.name} = {}`);
        continue;
      }
      lines.push(`${pad}${item.name} = {`);
      const keys = item.entries.map(([k]) => (item.bareKeys && IDENTIFIER.test(k) ? k : hclString(k)));
      const width = Math.max(...keys.map((k) => k.length));
      item.entries.forEach(([, v], i) => {
        lines.push(`${pad}  ${keys[i]!.padEnd(width)} = ${v}`);
      });
      lines.push(`${pad}}`);
    } else {
      lines.push(`${pad}${item.header} {`);
      const inner = render(item.items, indent + 1);
      if (inner !== '') lines.push(inner.replace(/\n$/, ''));
      lines.push(`${pad}}`);
    }
  }
  flush();
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}
