/**
 * Completion candidates from the table in src/commands/completion.ts (generated from the command
 * declarations), and the table kept in step with the command loaders and each command's parser.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandModule } from '../../src/commands/command.js';
import {
  COMPLETION_TABLE,
  completionCandidates,
  bashInsertion,
  dequote,
  FILES_DIRECTIVE,
  formatCandidates,
  openQuote,
  type CommandSpec,
  type CompletionData,
} from '../../src/commands/completion.js';
import { DECLARATIONS } from '../../src/commands/declarations.js';
import { LOADERS } from '../../src/commands/loaders.js';
import { BUILTIN_RUNBOOKS } from '../../src/runbooks/builtin/index.js';
import { BUILTIN_RUNBOOK_IDS } from '../../src/runbooks/builtin/ids.js';

const DATA: CompletionData = {
  accounts: [
    { id: '111111111111', name: 'Production' },
    { id: '222222222222', name: 'Sandbox Alice' },
    { id: '333333333333', name: 'Sandbox Bob' },
    { id: '444444444444', name: 'Shared Services', roles: ['AdministratorAccess', 'ReadOnlyAccess'] },
  ],
  aliases: { prod: '111111111111', sbx: '222222222222' },
  roles: ['OrganizationAccountAccessRole', 'AdministratorAccess', 'ReadOnlyAccess'],
};

/** Candidates for a command line typed so far; the last word is the one being completed. */
function complete(line: string[], data: () => CompletionData = () => DATA): string[] {
  return completionCandidates(['awsorg', ...line], line.length, data).map((c) => c.value);
}

describe('completion candidates', () => {
  it('completes command names, without the hidden __complete', () => {
    assert.deepEqual(complete(['c']), ['credential-process', 'config', 'completion', 'console']);
    assert.ok(!complete(['']).includes('__complete'));
    assert.deepEqual(complete(['--']), ['--help', '--version']);
  });

  it('completes the flags of the current command', () => {
    assert.deepEqual(complete(['assume', 'prod', '--r']), ['--role', '--region', '--refresh']);
    assert.deepEqual(complete(['config', 'generate', '--pr']), ['--prefix', '--prune']);
    assert.deepEqual(complete(['whoami', '']), ['--json', '--help']);
  });

  it('completes subcommands', () => {
    assert.deepEqual(complete(['config', '']), ['generate', 'remove']);
    assert.deepEqual(complete(['alias', '']), ['set', 'list', 'rm']);
    assert.deepEqual(complete(['state', 'm']), ['migrate']);
  });

  it('completes targets from aliases, names and ids, case-insensitively', () => {
    assert.deepEqual(complete(['assume', '']), [
      'prod',
      'sbx',
      'Production',
      'Sandbox Alice',
      'Sandbox Bob',
      'Shared Services',
      '111111111111',
      '222222222222',
      '333333333333',
      '444444444444',
    ]);
    assert.deepEqual(complete(['credential-process', 'sand']), ['Sandbox Alice', 'Sandbox Bob']);
    assert.deepEqual(
      complete(['assume', 'Sandbox\\ A']),
      ['Sandbox Alice'],
      'a backslash-escaped space as bash passes it',
    );
    assert.deepEqual(complete(['assume', "'Sandbox B"]), ['Sandbox Bob'], 'a word opened with a quote');
    assert.deepEqual(
      complete(['assume', '--role', 'Admin', 'pro']),
      ['prod', 'Production'],
      'flag values are skipped when counting positionals',
    );
    assert.deepEqual(
      complete(['assume', 'prod', '']),
      complete(['assume', 'prod', '']).filter((c) => c.startsWith('--')),
      'one TARGET only; then flags',
    );
  });

  it('completes aliases for alias rm and account ids for alias set', () => {
    assert.deepEqual(complete(['alias', 'rm', '']), ['prod', 'sbx']);
    assert.deepEqual(complete(['alias', 'set', 'newname', '3']), ['333333333333']);
    assert.deepEqual(complete(['alias', 'set', '']), [], 'a new alias name is free text');
  });

  it('completes flag values: roles, regions, fixed choices, and files through the shell', () => {
    assert.deepEqual(complete(['assume', 'prod', '--role', 'read']), ['ReadOnlyAccess']);
    assert.deepEqual(complete(['config', 'generate', '--region', 'eu-west-']), ['eu-west-1', 'eu-west-2', 'eu-west-3']);
    assert.deepEqual(complete(['assume', 'prod', '--export', '--format', '']), ['env', 'fish', 'powershell', 'json']);
    assert.deepEqual(complete(['completion', '']), ['bash', 'zsh', 'fish']);
    assert.deepEqual(
      complete(['login', '--sso', '--profile', 'c'], () => ({ ...DATA, profiles: ['dev', 'corp-sso'] })),
      ['corp-sso'],
    );
    assert.deepEqual(complete(['bootstrap', '--config', '']), [FILES_DIRECTIVE]);
    assert.deepEqual(complete(['assume', 'prod', '--exec', '--', 'aw']), [], 'words after -- belong to the command');
  });

  it('reads the cached data only when an account, alias or role is wanted', () => {
    let reads = 0;
    const counting = () => (reads++, DATA);
    complete(['assume', '--r'], counting);
    complete(['config', 'generate', '--region', ''], counting);
    complete(['c'], counting);
    assert.equal(reads, 0);
    complete(['assume', 'p'], counting);
    assert.equal(reads, 1);
  });
});

describe('completion output', () => {
  it('escapes for bash, leaves quoting to zsh and fish, and describes for fish', () => {
    const c = [{ value: 'Sandbox Alice', description: '222222222222' }, { value: "O'Brien & Co" }];
    assert.equal(formatCandidates('bash', c, 'San'), "Sandbox\\ Alice\nO\\'Brien\\ \\&\\ Co\n");
    assert.equal(
      formatCandidates('bash', c, "'San"),
      "Sandbox Alice\nO'\\''Brien & Co\n",
      'inside an open single quote only the quote is escaped',
    );
    assert.equal(formatCandidates('zsh', c, 'San'), "Sandbox Alice\nO'Brien & Co\n");
    assert.equal(formatCandidates('fish', c, 'San'), "Sandbox Alice\t222222222222\nO'Brien & Co\n");
    assert.equal(formatCandidates('bash', [], ''), '');
  });

  it('bash: escapes for the quote the word is in, relative to where readline replaces', () => {
    // Readline replaces the text after the open quote, then adds the closing quote itself.
    assert.equal(bashInsertion('$(touch PWNED)', '"$('), '\\$(touch PWNED)');
    assert.equal(bashInsertion('a`b`\\"c', '"a'), 'a\\`b\\`\\\\\\"c');
    assert.equal(
      bashInsertion("a';touch PWNED;'", "'a"),
      "a'\\'';touch PWNED;'\\'''",
      'a trailing quote is closed here: readline would not',
    );
    assert.equal(
      bashInsertion('e!', '"e'),
      'e"\\!""',
      '! leaves the double quotes: a backslash before it would stay in the word',
    );
    assert.equal(bashInsertion('d"', '"d'), 'd\\""');
    assert.equal(bashInsertion("x'\\", "$'x"), "x\\'\\\\");
    // A quote that opened mid-word: readline replaces only the text after it.
    assert.equal(bashInsertion("ab c'd", "a'b"), "b c'\\''d");
    assert.equal(bashInsertion("a'bc", "'a'\\''"), 'bc');
    // Quotes closed again before the cursor: the whole word is replaced, escaped.
    assert.equal(bashInsertion('$(touch PWNED)', "'$'"), '\\$\\(touch\\ PWNED\\)');
    assert.equal(
      bashInsertion('Production', "x'P"),
      undefined,
      'text before the quote that the name does not start with',
    );
    assert.deepEqual(openQuote('\\"a'), undefined);
    assert.deepEqual(openQuote('"a\\"b'), { quote: '"', start: 1 });
    assert.deepEqual(openQuote("$'a\\'b"), { quote: "$'", start: 2 });
  });

  it('dequotes words as the shells pass them', () => {
    assert.equal(dequote("$'a\\'b\\n'"), "a'b\n");
    assert.equal(dequote("'a'\\''"), "a'");
    assert.equal(dequote('Sandbox\\ Alice'), 'Sandbox Alice');
    assert.equal(dequote("'Sandbox Al"), 'Sandbox Al');
    assert.equal(dequote('"a \\"b\\" c"'), 'a "b" c');
    assert.equal(dequote('plain'), 'plain');
  });
});

describe('completion table in step with the commands', () => {
  it('offers exactly the shipped runbooks, from the id list that keeps them out of the hot bundle', () => {
    assert.deepEqual(
      [...BUILTIN_RUNBOOK_IDS],
      BUILTIN_RUNBOOKS.map((r) => r.id),
    );
  });

  it('lists exactly the visible commands that src/commands/loaders.ts can load', () => {
    const visible = Object.keys(LOADERS).filter((name) => !DECLARATIONS[name]?.hidden);
    assert.ok(visible.length >= 10, `found the loaders (${visible.join(', ')})`);
    assert.deepEqual(Object.keys(COMPLETION_TABLE).sort(), visible.sort());
  });

  it("offers only flags each command's parser accepts", async () => {
    const problems: string[] = [];
    const check = async (command: string, words: string[], spec: CommandSpec) => {
      const module = (await import(`../../src/commands/${command}.js`)) as CommandModule<unknown>;
      for (const [flag, kind] of Object.entries(spec.flags)) {
        try {
          module.parse([...words, flag, ...(kind === null ? [] : ['x'])]);
        } catch (err) {
          if (/Unknown option/i.test((err as Error).message))
            problems.push(`${command} ${words.join(' ')} ${flag}: ${(err as Error).message}`);
        }
      }
    };
    for (const [command, spec] of Object.entries(COMPLETION_TABLE)) {
      await check(command, spec.positionals?.length ? ['x'] : [], spec);
      for (const [sub, subSpec] of Object.entries(spec.subcommands ?? {}))
        await check(command, [sub, ...(subSpec.positionals ?? []).map(() => 'x')], subSpec);
    }
    assert.deepEqual(problems, []);
  });
});
