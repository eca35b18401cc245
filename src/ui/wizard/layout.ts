/** Small drawing helpers shared by the wizard's screens. Pure. */
import { clip, styledLine, wrap, type Palette } from '../console/style.js';

/** The first line of a scrolled window that keeps `cursor` visible, starting from `previousTop`. */
export function scrollTop(total: number, cursor: number, height: number, previousTop = 0): number {
  if (height <= 0 || total <= height) return 0;
  let top = Math.min(previousTop, cursor);
  if (cursor >= top + height) top = cursor - height + 1;
  return Math.max(0, Math.min(top, total - height));
}

/** Plain text wrapped to `width`, each line indented by `indent` and styled with `style`. */
export function paragraph(text: string, width: number, p: Palette, style = '', indent = 0): string[] {
  const pad = ' '.repeat(indent);
  return text
    .split('\n')
    .flatMap((part) => wrap(part, Math.max(10, width - indent)))
    .map((line) => styledLine([{ text: pad + line, ...(style ? { style } : {}) }], '', p));
}

/** A `label  value` line, the label padded to `labelWidth`. */
export function field(
  label: string,
  value: string,
  width: number,
  p: Palette,
  labelWidth = 14,
  valueStyle = '',
): string {
  const lead = `  ${label.padEnd(labelWidth)}`;
  return styledLine(
    [
      { text: lead, style: p.dim },
      { text: clip(value, Math.max(0, width - lead.length)), ...(valueStyle ? { style: valueStyle } : {}) },
    ],
    '',
    p,
  );
}

/** A menu row: the cursor row is marked with `>` and drawn inverse. */
export function menuRow(text: string, selected: boolean, width: number, p: Palette): string {
  const line = clip(`${selected ? '>' : ' '} ${text}`, width);
  return selected ? styledLine([{ text: line.padEnd(width) }], p.inverse, p) : line;
}

/** Seconds as "4.2s" or "2m05s". */
export function elapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
