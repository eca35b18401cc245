/**
 * Help text generated from the declarations: `awsorg --help`, `awsorg <command> --help`, the
 * "unknown command" message and the README's command list. Loads no command implementation.
 */
import { closest } from '../core/suggest.js';
import type { CommandDecl, FlagDecl, Group } from './declare.js';
import { DECLARATIONS } from './declarations.js';

const GROUPS: readonly Group[] = ['First day', 'Every day', 'Incidents', 'Other'];

function visible(): Array<[string, CommandDecl]> {
  return Object.entries(DECLARATIONS).filter(([, d]) => !d.hidden);
}

export function topLevelHelp(): string {
  const commands = visible();
  const width = Math.max(...commands.map(([name]) => name.length));
  const lines = ['awsorg: bootstrap and operate an AWS Organization', '', 'Usage: awsorg <command> [flags]', ''];
  for (const group of GROUPS) {
    const inGroup = commands.filter(([, d]) => (d.group ?? 'Other') === group);
    if (!inGroup.length) continue;
    lines.push(`${group}:`, ...inGroup.map(([name, d]) => `  ${name.padEnd(width)}  ${d.summary}`), '');
  }
  lines.push(
    'Flags:',
    '  --help, -h     show help (also `awsorg help <command>`)',
    '  --version, -V  print the version (also `awsorg version`)',
    '',
    'Run `awsorg <command> --help` for the flags of a command.',
    'Learn more: README.md',
    '',
  );
  return lines.join('\n');
}

/** The declaration `words` name (`['state', 'migrate']`), as deep as the words go; undefined for an unknown command. */
export function findDeclaration(words: readonly string[]): CommandDecl | undefined {
  const [name, ...rest] = words;
  let decl = name !== undefined && Object.hasOwn(DECLARATIONS, name) ? DECLARATIONS[name] : undefined;
  for (const word of rest) {
    const sub = decl?.subcommands && Object.hasOwn(decl.subcommands, word) ? decl.subcommands[word] : undefined;
    if (!sub) break;
    decl = sub;
  }
  return decl;
}

function flagLabel(name: string, flag: FlagDecl): string {
  const long = `--${name}${flag.value ? ` ${flag.value}` : ''}`;
  return flag.short ? `-${flag.short}, ${long}` : `    ${long}`;
}

/** One line per flag: what it does, then its default, its values and an example where it has them. */
function flagLines(flags: Readonly<Record<string, FlagDecl>>): string[] {
  const entries = Object.entries(flags);
  const width = Math.max(...entries.map(([name, flag]) => flagLabel(name, flag).length), 10);
  const lines: string[] = [];
  for (const [name, flag] of entries) {
    const notes = [
      flag.choices ? `one of ${flag.choices.join(', ')}` : undefined,
      flag.default ? `default: ${flag.default}` : undefined,
      flag.example ? `e.g. ${flag.example}` : undefined,
    ].filter(Boolean);
    lines.push(
      `  ${flagLabel(name, flag).padEnd(width)}  ${flag.description}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    );
  }
  lines.push(`  ${'    --help'.padEnd(width)}  show this help`);
  return lines;
}

/** gh-style help for a command or subcommand: description, usage, arguments, flags, examples, learn more. */
export function commandHelp(decl: CommandDecl): string {
  const lines: string[] = [`awsorg ${decl.path}: ${decl.summary}`, ''];
  if (decl.description) lines.push(decl.description, '');
  lines.push('Usage:', ...decl.usage.map((u) => `  ${u}`), '');
  if (decl.subcommands) {
    const subs = Object.entries(decl.subcommands);
    const width = Math.max(...subs.map(([name]) => name.length));
    lines.push('Subcommands:', ...subs.map(([name, s]) => `  ${name.padEnd(width)}  ${s.summary}`), '');
    lines.push(`Run \`awsorg ${decl.path} <subcommand> --help\` for the flags of each.`, '');
  }
  if (decl.positionals?.length) {
    const width = Math.max(...decl.positionals.map((p) => p.name.length));
    lines.push(
      'Arguments:',
      ...decl.positionals.map((p) => `  ${p.name.padEnd(width)}  ${p.description}${p.optional ? ' (optional)' : ''}`),
      '',
    );
  }
  if (!decl.subcommands || Object.keys(decl.flags).length) {
    lines.push('Flags:', ...flagLines(decl.flags));
    if (decl.extraFlags) lines.push(`  ${decl.extraFlags.usage}  ${decl.extraFlags.description}`);
    lines.push('');
  }
  if (decl.examples?.length) {
    lines.push(
      'Examples:',
      ...decl.examples.map((e) => `  $ ${e.command}${e.comment ? `    # ${e.comment}` : ''}`),
      '',
    );
  }
  lines.push('Learn more:', `  ${decl.learnMore ?? 'README.md, "Commands"'}`, '');
  return lines.join('\n');
}

/** `awsorg: unknown command "acounts". Did you mean "accounts"?` and where to look. */
export function unknownCommand(name: string): { message: string; nextStep: string } {
  const suggestion = closest(
    name,
    visible().map(([n]) => n),
  );
  return {
    message: `unknown command "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
    nextStep: 'Run `awsorg --help` for the list of commands.',
  };
}

export const README_BEGIN =
  '<!-- commands:begin (generated from src/commands/declarations.ts by `npm run readme:commands`; do not edit) -->';
export const README_END = '<!-- commands:end -->';

/** The README's command list: every usage line, grouped as the top-level help groups them. */
export function readmeCommandList(): string {
  const lines: string[] = [];
  for (const group of GROUPS) {
    const inGroup = visible().filter(([, d]) => (d.group ?? 'Other') === group);
    if (!inGroup.length) continue;
    lines.push(`${group}:`, '', '```');
    for (const [, d] of inGroup) lines.push(...d.usage);
    lines.push('```', '');
  }
  lines.push('Every command takes `--help`: its flags, with defaults and examples.');
  return [README_BEGIN, ...lines, README_END].join('\n');
}

/** README text with its command list replaced by the generated one. */
export function withCommandList(readme: string): string {
  const begin = readme.indexOf('<!-- commands:begin');
  const end = readme.indexOf(README_END);
  if (begin < 0 || end < begin)
    throw new Error('README.md has no <!-- commands:begin … --> … <!-- commands:end --> markers');
  return readme.slice(0, begin) + readmeCommandList() + readme.slice(end + README_END.length);
}
