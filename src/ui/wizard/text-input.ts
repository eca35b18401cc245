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

/** The start of the word before `at`: letters and digits, after any other characters. */
function wordStart(value: string, at: number): number {
  let i = at;
  while (i > 0 && !/[\p{L}\p{N}]/u.test(value.charAt(i - 1))) i--;
  while (i > 0 && /[\p{L}\p{N}]/u.test(value.charAt(i - 1))) i--;
  return i;
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
    case 'backspace':
      return at === 0 ? field : withValue(field, value.slice(0, at - 1) + value.slice(at), at - 1);
    case 'ctrl-u':
      return withValue(field, value.slice(at), 0);
    case 'ctrl-w': {
      const start = wordStart(value, at);
      return withValue(field, value.slice(0, start) + value.slice(at), start);
    }
    case 'left':
      return withValue(field, value, at - 1);
    case 'right':
      return withValue(field, value, at + 1);
    case 'home':
      return withValue(field, value, 0);
    case 'end':
      return withValue(field, value, value.length);
    default:
      return undefined;
  }
}

/** The field as drawn: the value, or bullets for a masked field; `cursor` adds a bar cursor where it is. */
export function shownText(field: TextField, cursor: boolean): string {
  const text = field.masked ? '•'.repeat(field.value.length) : field.value;
  if (!cursor) return text;
  const at = cursorOf(field);
  return `${text.slice(0, at)}▏${text.slice(at)}`;
}

/**
 * The field as drawn in `width` columns with its cursor in view: the end of a long value (an
 * ellipsis marks what is cut), or, with the cursor further left, a window around the cursor.
 */
export function shownWindow(field: TextField, width: number): string {
  const text = shownText(field, true);
  if (width <= 0) return '';
  if (text.length <= width) return text;
  if (width === 1) return '…';
  const at = cursorOf(field);
  // The cursor's column in `text` is `at`; keep the tail when the cursor is in it.
  if (at >= text.length - (width - 1)) return `…${text.slice(text.length - width + 1)}`;
  if (at <= width - 2) return `${text.slice(0, width - 1)}…`;
  const start = at - Math.floor((width - 2) / 2);
  return `…${text.slice(start, start + width - 2)}…`;
}
