/**
 * Hostile names for the terminal-escape tests, and the check that output holds no raw control
 * character: every one must have been shown visibly (src/core/terminal-text.ts).
 */
import assert from 'node:assert/strict';

/** An OSC 52 clipboard write: a terminal that honours it puts "pwned" on the clipboard. */
export const OSC52 = '\u001b]52;c;cHduZWQ=\u0007';
/** An OU name carrying OSC 52, and an account name carrying an OSC 0 title, SGR, BEL, a backspace and U+202E. */
export const HOSTILE_OU = `Ops${OSC52}`;
export const HOSTILE_ACCOUNT = 'Evil\u001b]0;owned\u0007\u001b[31mred\u0008\u202egnp.exe';
/** A name whose newline would forge a table row that looks like a real account. */
export const FORGED_ROW_ACCOUNT = 'Forged\n999999999999  Production  prod@example.com';

const RAW_CONTROL =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const SGR = /\u001b\[[0-9;]*m/g;

/**
 * `text` holds no control character other than line breaks (and, with `allowSgr`, SGR
 * sequences such as the console's own colours); shows the offending character otherwise.
 */
export function assertNoRawControls(text: string, what: string, opts: { allowSgr?: boolean } = {}): void {
  const checked = opts.allowSgr ? text.replace(SGR, '') : text;
  const m = RAW_CONTROL.exec(checked);
  if (m) {
    const at = m.index;
    assert.fail(
      `${what} holds a raw U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${at}: ${JSON.stringify(checked.slice(Math.max(0, at - 30), at + 30))}`,
    );
  }
}
