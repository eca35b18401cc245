/**
 * Every command is declared once (src/commands/declarations.ts): each flag documented, each
 * command's parser accepting exactly the flags declared for it, and the help, "did you mean"
 * and the top-level help generated from the declarations.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CommandModule } from '../../src/commands/command.js';
import type { CommandDecl, FlagDecl, PositionalDecl } from '../../src/commands/declare.js';
import { DECLARATIONS } from '../../src/commands/declarations.js';
import { commandHelp, findDeclaration, topLevelHelp, unknownCommand } from '../../src/commands/help.js';
import { LOADERS } from '../../src/commands/loaders.js';
import { UsageError } from '../../src/core/errors.js';

/** Every declaration with the words that lead to it: [['bootstrap'], ['state', 'migrate'], …]. */
function walk(): Array<{ words: string[]; decl: CommandDecl }> {
  const out: Array<{ words: string[]; decl: CommandDecl }> = [];
  const visit = (words: string[], decl: CommandDecl) => {
    out.push({ words, decl });
    for (const [name, sub] of Object.entries(decl.subcommands ?? {})) visit([...words, name], sub);
  };
  for (const [name, decl] of Object.entries(DECLARATIONS)) visit([name], decl);
  return out;
}

/** Commands and subcommands that take flags themselves (a command with subcommands only routes). */
function leaves() {
  return walk().filter(({ decl }) => !decl.subcommands && !decl.hidden);
}

/** A value the flag's parser accepts: from its example, else its first choice. */
function sampleValue(name: string, flag: FlagDecl): string {
  const fromExample = flag.example?.startsWith(`--${name} `) ? flag.example.slice(name.length + 3) : undefined;
  return fromExample?.replace(/^"(.*)"$/, '$1') ?? flag.choices?.[0] ?? 'x';
}

function samplePositional(p: PositionalDecl): string {
  if (Array.isArray(p.kind)) return p.kind[0]!;
  return p.kind === 'account-id' ? '123456789012' : 'x';
}

async function parserOf(command: string): Promise<CommandModule<unknown>['parse']> {
  const load = LOADERS[command];
  assert.ok(load, `src/commands/loaders.ts loads ${command}`);
  return (await load()).parse;
}

/** The words before the flags: subcommand and a value for each positional. */
function baseArgv(words: string[], decl: CommandDecl): string[] {
  return [...words.slice(1), ...(decl.positionals ?? []).map(samplePositional)];
}

const NOT_A_FLAG = /Unknown option|applies to|is not a flag/;

describe('command declarations', () => {
  it('document every flag of every command with a one-line description, and an example for each value', () => {
    const problems: string[] = [];
    for (const { decl } of walk()) {
      if (!decl.summary.trim()) problems.push(`${decl.path}: no summary`);
      if (!decl.usage.length || !decl.usage.every((u) => u.startsWith(`awsorg ${decl.path}`)))
        problems.push(`${decl.path}: usage lines must start with "awsorg ${decl.path}"`);
      for (const [name, flag] of Object.entries(decl.flags)) {
        if (!/^[a-z][a-z-]*$/.test(name)) problems.push(`${decl.path} --${name}: not a kebab-case flag name`);
        if (!flag.description?.trim() || /\n/.test(flag.description))
          problems.push(`${decl.path} --${name}: needs a one-line description`);
        if (flag.value !== undefined && !flag.example?.startsWith(`--${name} `))
          problems.push(`${decl.path} --${name}: a flag with a value needs an example ("--${name} …")`);
        if (flag.value === undefined && (flag.choices || flag.default))
          problems.push(`${decl.path} --${name}: a switch has no value choices or default`);
      }
      for (const p of decl.positionals ?? [])
        if (!p.description.trim()) problems.push(`${decl.path} ${p.name}: no description`);
    }
    for (const [name, decl] of Object.entries(DECLARATIONS))
      if (!decl.hidden && !decl.group) problems.push(`${name}: no group for the top-level help`);
    assert.deepEqual(problems, []);
  });

  it('declare exactly the commands src/commands/loaders.ts loads', () => {
    assert.deepEqual(Object.keys(DECLARATIONS).sort(), Object.keys(LOADERS).sort());
  });

  it("each command's parser accepts every declared flag", async () => {
    const problems: string[] = [];
    for (const { words, decl } of leaves()) {
      const parse = await parserOf(words[0]!);
      for (const [name, flag] of Object.entries(decl.flags)) {
        const forms = [[`--${name}`], ...(flag.short ? [[`-${flag.short}`]] : [])];
        for (const form of forms) {
          const argv = [
            ...baseArgv(words, decl),
            ...form,
            ...(flag.value !== undefined ? [sampleValue(name, flag)] : []),
          ];
          try {
            parse(argv);
          } catch (err) {
            // Other refusals (a flag that needs another one) are the command's rules, not the declaration's.
            if (NOT_A_FLAG.test((err as Error).message))
              problems.push(`awsorg ${argv.join(' ')}: ${(err as Error).message}`);
          }
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("each command's parser refuses a flag it does not declare, and a sibling subcommand's flag", async () => {
    const problems: string[] = [];
    for (const { words, decl } of leaves()) {
      const parse = await parserOf(words[0]!);
      const refused = (argv: string[]) => {
        try {
          parse(argv);
          problems.push(`awsorg ${words[0]} ${argv.join(' ')} was accepted`);
        } catch (err) {
          if (!(err instanceof UsageError) || !NOT_A_FLAG.test(err.message))
            problems.push(`awsorg ${words[0]} ${argv.join(' ')}: ${(err as Error).message}`);
        }
      };
      // Runbook parameters are any other --NAME VALUE.
      if (!decl.extraFlags) refused([...baseArgv(words, decl), '--not-declared']);
      const parent = words.length > 1 ? DECLARATIONS[words[0]!] : undefined;
      for (const sibling of Object.values(parent?.subcommands ?? {})) {
        for (const [name, flag] of Object.entries(sibling.flags)) {
          if (Object.hasOwn(decl.flags, name) || decl.extraFlags) continue;
          refused([
            ...baseArgv(words, decl),
            `--${name}`,
            ...(flag.value !== undefined ? [sampleValue(name, flag)] : []),
          ]);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('name an unknown flag with the nearest declared one and point at the help', async () => {
    const parse = await parserOf('accounts');
    assert.throws(
      () => parse(['--jsn']),
      (err: unknown) =>
        err instanceof UsageError &&
        /^Unknown option '--jsn' for awsorg accounts\. Did you mean "--json"\?$/.test(err.message) &&
        err.nextStep === 'Run `awsorg accounts --help` for its flags.',
    );
    const config = await parserOf('config');
    assert.throws(() => config(['remove', '--prune']), /--prune applies to config generate, not config remove/);
    const runbook = await parserOf('runbook');
    assert.throws(
      () => runbook(['list', '--jsn', 'x']),
      /--jsn is not a flag of runbook list\. Did you mean "--json"\?/,
    );
    assert.throws(
      () => runbook(['list', '--yes']),
      /--yes applies to runbook run and runbook rollback, not runbook list/,
    );
  });

  it('refuse an empty flag value (an unset shell variable) instead of running with it', async () => {
    const assume = await parserOf('assume');
    for (const argv of [
      ['prod', '--role='],
      ['prod', '--role', ''],
      ['prod', '--region', ' '],
    ]) {
      assert.throws(
        () => assume(argv),
        (err: unknown) =>
          err instanceof UsageError &&
          /^--(role|region) needs a value, and was given an empty one$/.test(err.message) &&
          Boolean(err.nextStep?.startsWith('Run `awsorg assume --help` for its flags.')),
        argv.join(' '),
      );
    }
    assert.doesNotThrow(() => assume(['prod', '--role', 'ReadOnlyAccess']));
  });

  it('name an unknown subcommand with the nearest one and point at the help', async () => {
    for (const [command, word, suggestion] of [
      ['alias', 'sett', 'set'],
      ['config', 'generat', 'generate'],
      ['state', 'migrat', 'migrate'],
      ['audit', 'verfy', 'verify'],
      ['runbook', 'lst', 'list'],
    ] as const) {
      const parse = await parserOf(command);
      assert.throws(
        () => parse([word]),
        (err: unknown) =>
          err instanceof UsageError &&
          err.message === `unknown subcommand "${word}" for awsorg ${command}. Did you mean "${suggestion}"?` &&
          err.nextStep?.startsWith(`Run \`awsorg ${command} --help\``) === true,
        `${command} ${word}`,
      );
    }
  });
});

describe('help from the declarations', () => {
  it('lists every flag of a command with its description, default and example', () => {
    const problems: string[] = [];
    for (const { decl } of walk().filter(({ decl }) => !decl.hidden)) {
      const help = commandHelp(decl);
      for (const section of ['Usage:', 'Learn more:'])
        if (!help.includes(section)) problems.push(`${decl.path}: no ${section}`);
      for (const [name, flag] of Object.entries(decl.flags)) {
        const line = help.split('\n').find((l) => l.includes(`--${name}`) && l.includes(flag.description));
        if (!line) problems.push(`${decl.path} --${name}: not described`);
        else {
          if (flag.default && !line.includes(`default: ${flag.default}`))
            problems.push(`${decl.path} --${name}: no default`);
          if (flag.example && !line.includes(`e.g. ${flag.example}`))
            problems.push(`${decl.path} --${name}: no example`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('finds the help of a subcommand', () => {
    assert.equal(findDeclaration(['state', 'migrate'])?.path, 'state migrate');
    assert.equal(findDeclaration(['runbook', 'nope'])?.path, 'runbook');
    assert.equal(findDeclaration(['nope']), undefined);
    assert.match(commandHelp(findDeclaration(['alias', 'set'])!), /^ {2}ACCOUNT_ID +the 12-digit account id$/m);
  });

  it('groups the top-level help by job and lists --version', () => {
    const help = topLevelHelp();
    const groups = Object.fromEntries(
      [...help.matchAll(/^(\S[^\n]*):\n((?: {2}.*\n)+)/gm)].map((m) => [
        m[1],
        [...m[2]!.matchAll(/^ {2}(\S+)/gm)].map((c) => c[1]),
      ]),
    );
    assert.deepEqual(groups['First day'], ['bootstrap', 'state', 'blueprint', 'login']);
    assert.deepEqual(groups.Incidents, ['runbook', 'audit']);
    for (const name of [
      'assume',
      'accounts',
      'console',
      'config',
      'credential-process',
      'whoami',
      'alias',
      'completion',
    ])
      assert.ok(groups['Every day']?.includes(name), `${name} is an every-day command`);
    assert.match(help, /^ {2}--version, -V +print the version/m);
    assert.doesNotMatch(help, /__complete/);
  });

  it('suggests the nearest command for a typo', () => {
    assert.deepEqual(unknownCommand('acounts'), {
      message: 'unknown command "acounts". Did you mean "accounts"?',
      nextStep: 'Run `awsorg --help` for the list of commands.',
    });
    assert.equal(unknownCommand('zzzzzz').message, 'unknown command "zzzzzz".');
    // A word that starts exactly one command is taken as the start of it; two are not guessed between.
    assert.equal(unknownCommand('boot').message, 'unknown command "boot". Did you mean "bootstrap"?');
    assert.equal(unknownCommand('co').message, 'unknown command "co".');
  });
});
