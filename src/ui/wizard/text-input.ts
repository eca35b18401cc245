/**
 * A one-line text field for the wizard: typed characters are appended, Backspace removes the
 * last one. Masked fields draw one bullet per character and never draw the value itself. Pure.
 */
import type { KeyPress } from '../console/state.js';

export interface TextField {
  value: string;
  masked?: boolean;
}

export function textField(value = '', masked = false): TextField {
  return masked ? { value, masked } : { value };
}

/** The field after `press`, or undefined when the key is not an edit (arrows, Enter, Esc...). */
export function editText(field: TextField, press: KeyPress): TextField | undefined {
  if ('text' in press) {
    // Pasted text arrives as one press; keep printable characters only (no newlines or escapes).
    const clean = press.text.replace(/[\u0000-\u001F\u007F]/g, '');
    return clean ? { ...field, value: field.value + clean } : field;
  }
  if (press.name === 'backspace') return { ...field, value: field.value.slice(0, -1) };
  return undefined;
}

/** The field as drawn: the value, or bullets for a masked field; `cursor` adds a block cursor. */
export function shownText(field: TextField, cursor: boolean): string {
  const text = field.masked ? '•'.repeat(field.value.length) : field.value;
  return cursor ? `${text}▏` : text;
}
