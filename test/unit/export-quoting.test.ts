/**
 * The PowerShell export format, checked without PowerShell (pwsh is not installed on this
 * machine or in CI). The model below follows PowerShell's tokenizer for what formatExports
 * writes: a single-quoted string ends at any of ' U+2018 U+2019 U+201A U+201B, and two of them in
 * a row stand for the second; "`n" and "`r" are a newline and a carriage return. Anything else
 * on the line would be PowerShell code, so the model refuses it. The POSIX and fish formats are
 * tested in real shells by test/integration/export-shells.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fishQuote, formatExports, powershellQuote, shQuote } from '../../src/assume/environment.js';
import { HOSTILE_NAMES, sessionNamed } from '../helpers/shells.js';

const PS_QUOTES = "'\u2018\u2019\u201a\u201b";
const isQuote = (c: string | undefined) => c !== undefined && c !== '' && PS_QUOTES.includes(c);

/** The value an assignment line `$Env:NAME = EXPR` sets, or an Error naming what would run as code. */
function powershellAssignment(line: string, variable: string): string {
  const head = `$Env:${variable} = `;
  if (!line.startsWith(head)) throw new Error(`not an assignment to ${variable}: ${line}`);
  let i = head.length;
  let value = '';
  const expect = (text: string) => {
    if (!line.startsWith(text, i))
      throw new Error(`expected ${JSON.stringify(text)} at ${i}, found code: ${JSON.stringify(line.slice(i))}`);
    i += text.length;
  };
  const literal = () => {
    if (line.startsWith('"`n"', i)) {
      i += 4;
      return '\n';
    }
    if (line.startsWith('"`r"', i)) {
      i += 4;
      return '\r';
    }
    if (!isQuote(line[i])) throw new Error(`expected a string at ${i}, found code: ${JSON.stringify(line.slice(i))}`);
    i++;
    let text = '';
    for (;;) {
      if (i >= line.length) throw new Error('unterminated string');
      const c = line[i++]!;
      if (isQuote(c)) {
        if (!isQuote(line[i])) return text;
        text += line[i++];
      } else text += c;
    }
  };
  if (line[i] === '(') {
    i++;
    value += literal();
    while (line[i] !== ')') {
      expect(' + ');
      value += literal();
    }
    i++;
  } else value = literal();
  if (i !== line.length) throw new Error(`code after the value: ${JSON.stringify(line.slice(i))}`);
  return value;
}

describe('PowerShell export quoting (model of its tokenizer; pwsh is not installed)', () => {
  it('every hostile name is one assignment on one line that sets exactly the name', () => {
    const failures: string[] = [];
    for (const name of HOSTILE_NAMES) {
      const lines = formatExports(sessionNamed(name), 'powershell').split('\n');
      const line = lines.find((l) => l.startsWith('$Env:AWSORG_ACCOUNT_NAME ='));
      if (!line) {
        failures.push(`${JSON.stringify(name)}: no assignment line`);
        continue;
      }
      try {
        const value = powershellAssignment(line, 'AWSORG_ACCOUNT_NAME');
        if (value !== name) failures.push(`${JSON.stringify(name)}: sets ${JSON.stringify(value)}`);
      } catch (err) {
        failures.push(`${JSON.stringify(name)}: ${(err as Error).message}`);
      }
      // Every other line is a fixed assignment or removal: nothing from the name leaks onto them.
      for (const other of lines.filter((l) => l && l !== line)) {
        if (
          !/^(\$Env:[A-Z_]+ = '[^'\u2018-\u201b]*'|Remove-Item Env:[A-Z_]+ -ErrorAction SilentlyContinue)$/.test(other)
        )
          failures.push(`${JSON.stringify(name)}: unexpected line ${JSON.stringify(other)}`);
      }
    }
    assert.deepEqual(failures, []);
  });

  it('doubles the ASCII and the typographic single quotes, and joins newlines in', () => {
    assert.equal(powershellQuote("O'Brien"), "'O''Brien'");
    assert.equal(
      powershellQuote('\u2018a\u2019b\u201ac\u201b'),
      "'\u2018\u2018a\u2019\u2019b\u201a\u201ac\u201b\u201b'",
    );
    assert.equal(
      powershellQuote('\u201c"$x`'),
      "'\u201c\"$x`'",
      'double quotes, $ and backticks are literal in single quotes',
    );
    assert.equal(powershellQuote('a\nb\r'), '(\'a\' + "`n" + \'b\' + "`r")');
    assert.equal(powershellQuote(''), "''");
  });
});

describe('POSIX and fish quoting of single words', () => {
  it('leaves plain words bare and quotes the rest', () => {
    assert.equal(shQuote('eu-west-1'), 'eu-west-1');
    assert.equal(shQuote('=ls'), "'=ls'", 'zsh would expand a bare =ls');
    assert.equal(shQuote("it's"), "'it'\\''s'");
    assert.equal(fishQuote("x\\';#"), "'x\\\\\\';#'");
    assert.equal(fishQuote('ends\\'), "'ends\\\\'");
    assert.equal(fishQuote('a\nb'), "'a'\\n'b'");
  });
});
