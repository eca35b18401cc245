/**
 * Text that came from AWS or a file, made safe to write to a terminal. Account and OU names,
 * tags, role and policy names, runbook fields and AWS error messages can hold any character:
 * an OU named "Ops\x1b]52;c;…\x07" would otherwise write to the operator's clipboard, set the
 * window title or recolour the screen, and a newline would forge a table row. Every control
 * character is shown visibly instead (`\x1b`, `\n`, `\u202e`), so the operator sees that the
 * name is odd rather than having it act on the terminal.
 *
 * Neutralised: C0 controls (tab and newline too: a table cell or a name has no use for them),
 * DEL, C1 controls (U+0080–U+009F; U+009B is a one-byte CSI on some terminals), and the bidi
 * and invisible format characters that make text read differently from what it is (U+061C,
 * U+200B–U+200F, U+2028–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF).
 *
 * The visible forms are printable ASCII, so applying a function twice changes nothing: layers
 * (a cell that is fitted, then joined into a styled line, then written) may each apply it.
 * A backslash is left as it is, so a name that spells `\x1b` literally looks like one that
 * holds ESC; what matters is that neither acts on the terminal.
 *
 * JSON output does not use this: JSON.stringify already escapes controls, and scripts need the
 * exact value. Pure; node built-ins only (it is on `awsorg assume`'s path).
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');
/** Our own SGR sequences (colour, bold, inverse, reset) kept by `terminalStyled`, or one unsafe character. */
const SGR_OR_UNSAFE = new RegExp(`(\\u001b\\[[0-9;]{0,16}m)|${UNSAFE.source}`, 'g');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** The visible form of one unsafe character: `\n`, `\r`, `\t`, `\xHH` below U+0100, else `\uHHHH`. */
function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** True when `text` holds a character that `terminalText` would change. */
export function hasUnsafeTerminalText(text: string): boolean {
  return UNSAFE.test(text);
}

/**
 * One piece of text (a name, a table cell, a value) with every control and bidi/invisible
 * format character shown visibly. Text without any comes back as the same string.
 */
export function terminalText(text: string): string {
  const s = typeof text === 'string' ? text : String(text);
  return UNSAFE.test(s) ? s.replace(UNSAFE_ALL, visible) : s;
}

/**
 * A message of several lines (an error, a notice): the line breaks the message was built with
 * are kept, and everything else unsafe inside each line is shown visibly. A name that carries a
 * newline must be passed through `terminalText` where it is put into the message, or it forges
 * a line here.
 */
export function terminalLines(text: string): string {
  const s = typeof text === 'string' ? text : String(text);
  if (!UNSAFE.test(s)) return s;
  return s
    .split(/\r?\n/)
    .map((line) => terminalText(line))
    .join('\n');
}

/**
 * A line drawn by awsorg itself, with its own SGR styling (src/ui/console/style.ts): the SGR
 * sequences are kept and every other control is shown visibly. This is the last guard before
 * an Ink `<Text>`; the text inside such a line is already passed through `terminalText` where
 * it is fitted and styled, which also shows any SGR a name carried.
 */
export function terminalStyled(line: string): string {
  return UNSAFE.test(line)
    ? line.replace(SGR_OR_UNSAFE, (match: string, sgr: string | undefined) => sgr ?? visible(match))
    : line;
}

/** What JSON.stringify leaves raw but a terminal acts on: DEL, C1 controls, bidi and invisible format characters. */
const JSON_UNESCAPED = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * JSON for stdout, which may be a terminal: `JSON.stringify(value, null, 2)` with the characters
 * it leaves raw (DEL, C1, U+202E and the like) written as `\uXXXX` escapes too. Parsed, it gives
 * back exactly the same values; these characters can only occur inside JSON strings.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    JSON_UNESCAPED,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
