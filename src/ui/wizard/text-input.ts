/**
 * A one-line text field for the wizard, edited at a cursor as in a shell: typed characters go in
 * at the cursor, Backspace removes the one before it, Left/Right and Home/End move it, Ctrl-W
 * erases the word before it and Ctrl-U everything before it. Masked fields draw one bullet per
 * character and never draw the value itself. Pure.
 */
import type { KeyPress } from '../console/state.js';

export interface TextField {
  value: string;
  masked?: boolean;
  /** Where typing goes in, 0..value.length; absent means at the end. */
  cursor?: number;
}

export function textField(value = '', masked = false): TextField {
  return masked ? { value, masked } : { value };
}

/** The cursor's position in the field. */
export function cursorOf(field: TextField): number {
  const at = field.cursor ?? field.value.length;
  return Math.max(0, Math.min(field.value.length, at));
}

/** The field with `value` and the cursor at `cursor` (kept absent when it is at the end). */
function withValue(field: TextField, value: string, cursor: number): TextField {
  const next: TextField = { ...field, value };
  if (cursor >= value.length) delete next.cursor;
  else next.cursor = Math.max(0, cursor);
  return next;
}

let graphemes: Intl.Segmenter | undefined;

/**
 * The offsets between the characters of `value`, from 0 to value.length, where a character is
 * what the reader sees as one (a grapheme cluster): an emoji is two UTF-16 units, a flag four, a
 * letter with a combining accent two. Moving or erasing by UTF-16 unit would split them and leave
 * half a surrogate pair in the value.
 */
function boundaries(value: string): number[] {
  if (/^[\u0000-\u02FF]*$/.test(value)) return Array.from({ length: value.length + 1 }, (_, i) => i);
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const out: number[] = [];
  for (const { index } of graphemes.segment(value)) out.push(index);
  out.push(value.length);
  return out;
}

/** The character boundary before `at` (0 at the start). */
function previous(value: string, at: number): number {
  const b = boundaries(value);
  for (let i = b.length - 1; i >= 0; i--) if (b[i]! < at) return b[i]!;
  return 0;
}

/** The character boundary after `at` (value.length at the end). */
function next(value: string, at: number): number {
  for (const b of boundaries(value)) if (b > at) return b;
  return value.length;
}

/** The start of the word before `at`: letters, digits and their marks, after any other characters. */
function wordStart(value: string, at: number): number {
  const b = boundaries(value).filter((x) => x < at);
  // b[k] is the start of the character just before the erase point.
  const isWord = (k: number) => /^[\p{L}\p{N}\p{M}]/u.test(value.slice(b[k]!));
  let k = b.length - 1;
  while (k >= 0 && !isWord(k)) k--;
  while (k >= 0 && isWord(k)) k--;
  return k >= 0 ? b[k + 1]! : 0;
}

/** The field after `press`, or undefined when the key is not an edit (Up/Down, Enter, Esc...). */
export function editText(field: TextField, press: KeyPress): TextField | undefined {
  const at = cursorOf(field);
  const value = field.value;
  if ('text' in press) {
    // Pasted text arrives as one press; keep printable characters only (no newlines or escapes).
    const clean = press.text.replace(/[\u0000-\u001F\u007F]/g, '');
    return clean ? withValue(field, value.slice(0, at) + clean + value.slice(at), at + clean.length) : field;
  }
  switch (press.name) {
    case 'backspace': {
      if (at === 0) return field;
      const from = previous(value, at);
      return withValue(field, value.slice(0, from) + value.slice(at), from);
    }
    case 'ctrl-u':
      return withValue(field, value.slice(at), 0);
    case 'ctrl-w': {
      const start = wordStart(value, at);
      return withValue(field, value.slice(0, start) + value.slice(at), start);
    }
    case 'left':
      return withValue(field, value, previous(value, at));
    case 'right':
      return withValue(field, value, next(value, at));
    case 'home':
      return withValue(field, value, 0);
    case 'end':
      return withValue(field, value, value.length);
    default:
      return undefined;
  }
}

/** The field as drawn, split at its cursor: the value, or one bullet per character of a masked field. */
function shownParts(field: TextField): [before: string, after: string] {
  const at = cursorOf(field);
  if (!field.masked) return [field.value.slice(0, at), field.value.slice(at)];
  const b = boundaries(field.value);
  const before = b.filter((x) => x < at).length;
  return ['•'.repeat(before), '•'.repeat(b.length - 1 - before)];
}

/** The field as drawn: the value, or bullets for a masked field; `cursor` adds a bar cursor where it is. */
export function shownText(field: TextField, cursor: boolean): string {
  const [before, after] = shownParts(field);
  return cursor ? `${before}▏${after}` : before + after;
}

/**
 * The field as drawn in `width` columns with its cursor in view: the end of a long value (an
 * ellipsis marks what is cut), or, with the cursor further left, a window around the cursor.
 * Cut between code points, never inside a surrogate pair.
 */
export function shownWindow(field: TextField, width: number): string {
  const [before, after] = shownParts(field);
  const text = Array.from(`${before}▏${after}`);
  if (width <= 0) return '';
  if (text.length <= width) return text.join('');
  if (width === 1) return '…';
  // The cursor's column in `text`; keep the tail when the cursor is in it.
  const at = Array.from(before).length;
  if (at >= text.length - (width - 1)) return `…${text.slice(text.length - width + 1).join('')}`;
  if (at <= width - 2) return `${text.slice(0, width - 1).join('')}…`;
  const start = at - Math.floor((width - 2) / 2);
  return `…${text.slice(start, start + width - 2).join('')}…`;
}
