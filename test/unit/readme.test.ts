/**
 * The README is read by someone with only the clone: it must not send them outside it, it must
 * say how `awsorg` gets on PATH before telling them to run it, and every `awsorg …` line in its
 * shell examples must be a command line awsorg accepts.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CommandModule } from '../../src/commands/command.js';
import { withCommandList } from '../../src/commands/help.js';
import { REPO_ROOT } from '../helpers/cli.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The lines of every ```sh block, with their line numbers. */
function shellLines(): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let inShell = false;
  readme.split('\n').forEach((text, i) => {
    if (/^```/.test(text)) {
      inShell = !inShell && /^```sh\s*$/.test(text);
      return;
    }
    if (inShell) out.push({ line: i + 1, text });
  });
  return out;
}

/** `awsorg a b 'c d'   # comment | x` -> ['a', 'b', 'c d']; undefined when the line is not a plain awsorg command. */
function awsorgArgv(text: string): string[] | undefined {
  const m = /^awsorg(?:\s+(.*))?$/.exec(text.trim());
  if (!m) return undefined;
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(#.*$)|(\|.*$)|(\S+)/g;
  for (const w of (m[1] ?? '').matchAll(re)) {
    if (w[3] !== undefined || w[4] !== undefined) break;
    words.push(w[1] ?? w[2] ?? w[5]!);
  }
  return words;
}

describe('README', () => {
  it('points at nothing outside the clone', () => {
    const outside = readme
      .split('\n')
      .flatMap((text, i) => (/(^|[\s(`'"])\.\.\//.test(text) ? [`line ${i + 1}: ${text}`] : []));
    assert.deepEqual(outside, []);
  });

  it('says how awsorg gets on PATH before the first awsorg command it tells the reader to run', () => {
    const first = shellLines().find((l) => awsorgArgv(l.text) !== undefined);
    assert.ok(first, 'the README runs awsorg somewhere');
    const before = readme
      .split('\n')
      .slice(0, first.line - 1)
      .join('\n');
    assert.match(
      before,
      /npm link|npx awsorg/,
      `line ${first.line} runs awsorg before the README says how to put it on PATH`,
    );
    // The rehearsal itself ends by naming `awsorg …` commands to run next: the section that
    // starts it must already have said how.
    const runIt = /^## Run it\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
    assert.match(runIt, /npm link/, 'the "Run it" section says `npm link`');
    assert.match(runIt, /npx awsorg/, 'the "Run it" section says `npx awsorg`');
  });

  it('has an uninstall section naming the profile block, the XDG directories and npm unlink', () => {
    const section = /^## Uninstall\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
    assert.ok(section, 'a "## Uninstall" section');
    assert.match(section, /^awsorg config remove\b/m);
    assert.match(section, /npm unlink/);
    for (const dir of ['XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME']) assert.match(section, new RegExp(dir));
  });

  it('lists the commands as src/commands/declarations.ts declares them', () => {
    assert.ok(readme.includes('<!-- commands:begin'), 'README.md has the <!-- commands:begin --> marker');
    assert.ok(
      readme === withCommandList(readme),
      "README.md's command list differs from the declarations: regenerate it with `npm run readme:commands`",
    );
  });

  it('every awsorg line in its shell examples is accepted by that command', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const { line, text } of shellLines()) {
      const argv = awsorgArgv(text);
      if (!argv || argv.length === 0) continue;
      const [name, ...rest] = argv;
      let mod: CommandModule<unknown>;
      try {
        mod = (await import(`../../src/commands/${name}.js`)) as CommandModule<unknown>;
      } catch {
        problems.push(`line ${line}: no command "${name}"`);
        continue;
      }
      try {
        mod.parse(rest);
        checked++;
      } catch (err) {
        problems.push(`line ${line}: ${text.trim()}: ${(err as Error).message}`);
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked >= 20, `only ${checked} README lines were checked`);
  });
});
