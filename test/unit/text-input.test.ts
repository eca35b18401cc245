/**
 * The wizard's one-line text field with characters outside the Basic Multilingual Plane and
 * combining marks: the cursor moves and erases whole characters, never half of a surrogate
 * pair (which would leave a value that is not valid Unicode).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyPress } from '../../src/ui/console/state.js';
import { editText, shownText, textField, type TextField } from '../../src/ui/wizard/text-input.js';

const key = (name: string): KeyPress => ({ name }) as KeyPress;
const type = (text: string): KeyPress => ({ text });

function run(field: TextField, ...presses: KeyPress[]): TextField {
  return presses.reduce((f, p) => editText(f, p) ?? f, field);
}

/** True when the string has no lone surrogate. */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('text field: whole characters', () => {
  it('Backspace after an emoji removes the emoji, not half of it', () => {
    const f = run(textField(), type('on call 🚨'), key('backspace'));
    assert.equal(f.value, 'on call ');
    assert.ok(wellFormed(f.value));
  });

  it('Left steps over an emoji, so typed text goes before it, not inside it', () => {
    const f = run(textField('a😀'), key('left'), type('b'));
    assert.equal(f.value, 'ab😀');
    assert.ok(wellFormed(f.value));
    const g = run(textField('😀x'), key('home'), key('right'), type('y'));
    assert.equal(g.value, '😀yx');
  });

  it('a letter with a combining accent, a flag and a family emoji are one character each', () => {
    assert.equal(run(textField('cafe\u0301'), key('backspace')).value, 'caf');
    assert.equal(run(textField('x🇩🇪'), key('backspace')).value, 'x');
    assert.equal(run(textField('x👩‍👩‍👧'), key('backspace')).value, 'x');
    assert.equal(run(textField('cafe\u0301'), key('left'), type('!')).value, 'caf!e\u0301');
  });

  it('the cursor is drawn between characters, and a masked field shows one bullet per character', () => {
    assert.equal(shownText(run(textField('a😀b'), key('left'), key('left')), true), 'a▏😀b');
    assert.equal(shownText(textField('p😀ss', true), false), '••••');
  });
});

describe('text field: drawn in a narrow window', () => {
  it('never cuts an emoji in half, and Ctrl-W erases a word with accents whole', async () => {
    const { shownWindow } = await import('../../src/ui/wizard/text-input.js');
    for (let width = 2; width < 14; width++) {
      for (let left = 0; left < 8; left++) {
        const f = run(textField('😀😀😀😀😀😀😀😀😀😀'), ...Array.from({ length: left }, () => key('left')));
        const shown = shownWindow(f, width);
        assert.ok(wellFormed(shown), `width ${width}, ${left} left: ${JSON.stringify(shown)}`);
        assert.ok(Array.from(shown).length <= width);
      }
    }
    assert.equal(run(textField('say nai\u0308ve'), key('ctrl-w')).value, 'say ');
    assert.equal(run(textField('a 😀 b'), key('ctrl-w')).value, 'a 😀 ');
    assert.equal(run(textField('tag 日本語'), key('ctrl-w')).value, 'tag ');
  });
});
