/**
 * terminalText and friends (src/core/terminal-text.ts): every class of character that can act
 * on a terminal is shown visibly, ordinary text (accents, CJK, emoji) is left alone, applying
 * twice changes nothing, and the styled form keeps awsorg's own SGR sequences only.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hasUnsafeTerminalText,
  terminalJson,
  terminalLines,
  terminalStyled,
  terminalText,
} from '../../src/core/terminal-text.js';
import { assertNoRawControls, FORGED_ROW_ACCOUNT, HOSTILE_ACCOUNT, HOSTILE_OU } from '../helpers/terminal.js';

describe('terminalText', () => {
  it('shows a full OSC 52 clipboard write visibly', () => {
    assert.equal(terminalText(HOSTILE_OU), 'Ops\\x1b]52;c;cHduZWQ=\\x07');
    assert.equal(terminalText('t\u001b]52;c;eA==\u001b\\'), 't\\x1b]52;c;eA==\\x1b\\');
  });

  it('shows OSC 0, SGR, BEL, backspace and U+202E visibly', () => {
    assert.equal(terminalText(HOSTILE_ACCOUNT), 'Evil\\x1b]0;owned\\x07\\x1b[31mred\\x08\\u202egnp.exe');
  });

  it('shows a newline, so it cannot forge a table row', () => {
    const shown = terminalText(FORGED_ROW_ACCOUNT);
    assert.equal(shown, 'Forged\\n999999999999  Production  prod@example.com');
    assert.equal(shown.split('\n').length, 1);
  });

  it('shows every C0 control, tab and carriage return included, and DEL', () => {
    for (let code = 0; code < 0x20; code++) {
      const ch = String.fromCharCode(code);
      const shown = terminalText(`a${ch}b`);
      const expected =
        ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : `\\x${code.toString(16).padStart(2, '0')}`;
      assert.equal(shown, `a${expected}b`, `U+${code.toString(16)}`);
    }
    assert.equal(terminalText('a\u007fb'), 'a\\x7fb');
  });

  it('shows every C1 control (U+0080–U+009F), the one-byte CSI U+009B among them', () => {
    for (let code = 0x80; code <= 0x9f; code++) {
      assert.equal(terminalText(`a${String.fromCharCode(code)}b`), `a\\x${code.toString(16)}b`);
    }
    assert.equal(terminalText('\u009b31m'), '\\x9b31m');
  });

  it('shows bidi overrides, isolates, marks and invisible format characters', () => {
    const cases: Record<string, string> = {
      '\u061c': '\\u061c',
      '\u200b': '\\u200b',
      '\u200c': '\\u200c',
      '\u200d': '\\u200d',
      '\u200e': '\\u200e',
      '\u200f': '\\u200f',
      '\u2028': '\\u2028',
      '\u2029': '\\u2029',
      '\u202a': '\\u202a',
      '\u202b': '\\u202b',
      '\u202c': '\\u202c',
      '\u202d': '\\u202d',
      '\u202e': '\\u202e',
      '\u2060': '\\u2060',
      '\u2066': '\\u2066',
      '\u2067': '\\u2067',
      '\u2068': '\\u2068',
      '\u2069': '\\u2069',
      '\ufeff': '\\ufeff',
    };
    for (const [ch, shown] of Object.entries(cases)) assert.equal(terminalText(`x${ch}y`), `x${shown}y`);
  });

  it('leaves ordinary text alone, the same string when nothing is unsafe', () => {
    for (const text of [
      'Production',
      'Log Archive',
      'Zürich Ops',
      '生产环境',
      'Team 🚀',
      'a\\x1b literal',
      'α/β – “q”',
      '',
    ]) {
      assert.equal(terminalText(text), text);
      assert.equal(hasUnsafeTerminalText(text), false);
    }
  });

  it('changes nothing when applied twice', () => {
    for (const text of [HOSTILE_OU, HOSTILE_ACCOUNT, FORGED_ROW_ACCOUNT]) {
      const once = terminalText(text);
      assert.equal(terminalText(once), once);
      assertNoRawControls(once, 'terminalText output');
      assert.equal(hasUnsafeTerminalText(text), true);
    }
  });
});

describe('terminalLines', () => {
  it("keeps the message's line breaks and shows everything else", () => {
    assert.equal(
      terminalLines(`first ${HOSTILE_OU}\r\nsecond\tline`),
      'first Ops\\x1b]52;c;cHduZWQ=\\x07\nsecond\\tline',
    );
  });
});

describe('terminalStyled', () => {
  it('keeps SGR sequences and shows OSC, BEL, C1 and bidi characters', () => {
    const line = `\u001b[1;7m> ${'\u001b]52;c;eA==\u0007'} \u009b2J \u202e\u001b[0m`;
    assert.equal(terminalStyled(line), '\u001b[1;7m> \\x1b]52;c;eA==\\x07 \\x9b2J \\u202e\u001b[0m');
    assertNoRawControls(terminalStyled(line), 'styled line', { allowSgr: true });
  });

  it('shows a cursor movement or screen clear, which is not SGR', () => {
    assert.equal(terminalStyled('a\u001b[2Jb\u001b[Hc'), 'a\\x1b[2Jb\\x1b[Hc');
  });
});

describe('terminalJson', () => {
  it('escapes what JSON.stringify leaves raw, and parses back to exactly the same values', () => {
    const value = {
      name: HOSTILE_ACCOUNT,
      ou: HOSTILE_OU,
      row: FORGED_ROW_ACCOUNT,
      c1: 'a\u009b2Jb\u007f',
      plain: 'Zürich 🚀',
    };
    const text = terminalJson(value);
    assertNoRawControls(text.replace(/\n/g, ' '), 'terminalJson output');
    assert.deepEqual(JSON.parse(text), value);
    assert.ok(
      text.includes('\\u202egnp.exe') && text.includes('a\\u009b2Jb\\u007f') && text.includes('Zürich 🚀'),
      text,
    );
    assert.equal(terminalJson({ a: 1 }), JSON.stringify({ a: 1 }, null, 2));
  });
});
