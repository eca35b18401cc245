/**
 * Text styling and fitting for the console. The console writes its own SGR codes rather than
 * going through Ink's chalk, whose colour level follows process.stdout: under
 * `eval "$(awsorg console)"` stdout is a pipe while the screen (stderr) is a terminal.
 *
 * NO_COLOR removes colours only; bold and inverse stay, and every state that colour shows is
 * also spelled out in text (PROD, BREAK-GLASS, the `>` cursor).
 *
 * Names from AWS or a file can carry terminal escapes and newlines. Every piece of text is
 * shown visibly (src/core/terminal-text.ts) where it is fitted, clipped, wrapped or styled:
 * before it is measured, so columns stay aligned, and before it is joined with the SGR codes
 * that are ours. The apps' <Text> applies `terminalStyled` to each line as a last guard.
 */
import { terminalText } from '../../core/terminal-text.js';

export interface Palette {
  reset: string;
  bold: string;
  dim: string;
  inverse: string;
  /** The production marker: white on red with colour, inverse without. */
  production: string;
  /** The break-glass banner. */
  alarm: string;
  error: string;
  warning: string;
  ok: string;
  accent: string;
}

const SGR = (codes: string) => `\u001B[${codes}m`;

export function palette(color: boolean): Palette {
  return {
    reset: SGR('0'),
    bold: SGR('1'),
    dim: SGR('2'),
    inverse: SGR('7'),
    production: color ? SGR('1;97;41') : SGR('1;7'),
    alarm: color ? SGR('1;97;41') : SGR('1;7'),
    error: color ? SGR('1;31') : SGR('1'),
    warning: color ? SGR('33') : '',
    ok: color ? SGR('32') : '',
    accent: color ? SGR('36') : '',
  };
}

/** Fit `text` into exactly `width` columns: cut with an ellipsis, or pad with spaces. */
export function fit(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = terminalText(raw);
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return text + ' '.repeat(width - text.length);
}

/** Cut `text` to at most `width` columns, with an ellipsis; no padding. */
export function clip(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = terminalText(raw);
  return text.length > width ? (width === 1 ? '…' : `${text.slice(0, width - 1)}…`) : text;
}

/** One styled segment of a line. */
export interface Segment {
  text: string;
  style?: string;
}

/**
 * Join segments into one line, each styled on top of the line's own style (so a PROD marker can
 * sit inside the inverse cursor row), and reset at the end.
 */
export function styledLine(segments: readonly Segment[], lineStyle: string, p: Palette): string {
  // Ink tokenizes every character and style code of every line on every frame, so blank cells
  // get no style and a line without its own style loses its trailing blanks.
  const last = lineStyle ? segments.length - 1 : lastNonBlank(segments);
  let out = lineStyle;
  let styled = lineStyle !== '';
  for (let i = 0; i <= last; i++) {
    const s = segments[i]!;
    const shown = terminalText(s.text);
    const text = i === last && !lineStyle ? shown.trimEnd() : shown;
    if (s.style && text.trim()) {
      out += `${s.style}${text}${p.reset}${lineStyle}`;
      styled = true;
    } else out += text;
  }
  return styled ? out + p.reset : out;
}

function lastNonBlank(segments: readonly Segment[]): number {
  for (let i = segments.length - 1; i >= 0; i--) if (segments[i]!.text.trim()) return i;
  return -1;
}

/** 5000 -> "5,000", without Intl (whose first use costs a first frame several milliseconds). */
export function count(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "42m", "1h05m", "2d": a duration in the units an operator reads at a glance. */
export function shortDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/**
 * Word-wrap plain text to `width` columns; words longer than a line are cut. Spaces separate
 * words; a tab or newline inside the text (a name's) is shown visibly, not wrapped on.
 */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) return [''];
  const lines: string[] = [];
  let line = '';
  for (const word of terminalText(text).split(/ +/).filter(Boolean)) {
    let w = word;
    while (w.length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    if (!w) continue;
    if (!line) line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}
