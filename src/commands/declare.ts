/**
 * The shape of a command's declaration (src/commands/declarations.ts) and the parser driven by
 * it. Parsing, `--help`, "did you mean", the completion scripts and the README's command list
 * all read the same declaration, so a flag is written down once.
 *
 * Loaded on every command, `awsorg assume` included: node built-ins and lean core modules only.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../core/errors.js';
import { closest } from '../core/suggest.js';

/**
 * What a flag's value or a positional argument is, for completion: a kind the completion
 * reads from the cache or the shell, or a list of words to offer.
 */
export type ValueKind =
  | 'target'
  | 'account-id'
  | 'alias'
  | 'role'
  | 'aws-profile'
  | 'region'
  | 'file'
  | 'dir'
  | 'text'
  | 'runbook-id'
  | readonly string[];

export interface FlagDecl {
  /** The value's placeholder in help (`ROLE`); a flag without one is a switch (boolean). */
  readonly value?: string;
  /** What completion offers for the value; `choices` wins when set. */
  readonly kind?: ValueKind;
  readonly short?: string;
  /** The flag may be given more than once; every value is kept. */
  readonly multiple?: boolean;
  /** One line: what the flag does. */
  readonly description: string;
  /** What applies without the flag, in words (`OrganizationAccountAccessRole`, `the setting defaultRole`). */
  readonly default?: string;
  /** The only values accepted (the command checks them and names them in its error). */
  readonly choices?: readonly string[];
  /** The flag as typed, with a value: `--role ReadOnlyAccess`. */
  readonly example?: string;
}

export type Flags = Readonly<Record<string, FlagDecl>>;

export interface PositionalDecl {
  readonly name: string;
  readonly kind: ValueKind;
  readonly description: string;
  readonly optional?: boolean;
}

export type Group = 'First day' | 'Every day' | 'Incidents' | 'Other';

export interface CommandDecl {
  /** The words after `awsorg`: `accounts`, `state migrate`. */
  readonly path: string;
  /** One line, lower case, for lists. */
  readonly summary: string;
  /** Top-level commands: where the top-level help lists it. */
  readonly group?: Group;
  readonly hidden?: boolean;
  /** Paragraphs for `--help`, after the summary. */
  readonly description?: string;
  /** Synopsis lines, each starting with `awsorg`. */
  readonly usage: readonly string[];
  readonly positionals?: readonly PositionalDecl[];
  readonly flags: Flags;
  readonly subcommands?: Readonly<Record<string, CommandDecl>>;
  /** Words after `--` belong to another program. */
  readonly passthrough?: boolean;
  /** Other `--NAME VALUE` flags the command accepts, described in help (runbook parameters). */
  readonly extraFlags?: { readonly usage: string; readonly description: string };
  readonly examples?: readonly { readonly command: string; readonly comment?: string }[];
  /** Where to read more: a README section or another command. */
  readonly learnMore?: string;
}

type OptionOf<F extends FlagDecl> = F extends { value: string }
  ? F extends { multiple: true }
    ? { type: 'string'; multiple: true; short?: string }
    : { type: 'string'; short?: string }
  : { type: 'boolean'; short?: string };

/** node:util parseArgs options for a flag table, typed from it. */
export type OptionsOf<F extends Flags> = { -readonly [K in keyof F]: OptionOf<F[K]> };

export function optionsOf<F extends Flags>(flags: F): OptionsOf<F> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, flag] of Object.entries(flags)) {
    options[name] = {
      type: flag.value === undefined ? 'boolean' : 'string',
      ...(flag.short ? { short: flag.short } : {}),
      ...(flag.multiple ? { multiple: true } : {}),
    };
  }
  return options as OptionsOf<F>;
}

/** A command's flags together with every subcommand's (for finding words before the subcommand is known). */
export function allFlags(decl: CommandDecl): Flags {
  let flags: Flags = decl.flags;
  for (const sub of Object.values(decl.subcommands ?? {})) flags = { ...flags, ...allFlags(sub) };
  return flags;
}

/** The first word that is not a flag or a flag's value, and where it is in argv. */
export function firstPositional(argv: readonly string[], flags: Flags): { value: string; index: number } | undefined {
  const { tokens } = parseArgs({
    args: [...argv],
    options: optionsOf(flags),
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const first = tokens.find((t) => t.kind === 'positional');
  return first?.kind === 'positional' ? { value: first.value, index: first.index } : undefined;
}

/** The subcommand named in argv, if the command has one and it is named. */
export function subcommandOf(decl: CommandDecl, argv: readonly string[]): CommandDecl | undefined {
  if (!decl.subcommands) return undefined;
  const word = firstPositional(argv, allFlags(decl))?.value;
  return word !== undefined && Object.hasOwn(decl.subcommands, word) ? decl.subcommands[word] : undefined;
}

/** `Usage: …` lines for a next step. */
export function usageText(decl: CommandDecl): string {
  return decl.usage.map((line, i) => (i === 0 ? line : `       ${line}`)).join('\n');
}

export function helpPointer(decl: CommandDecl): string {
  return `Run \`awsorg ${decl.path} --help\` for its flags.`;
}

/**
 * node:util parseArgs over the declared flags (strict), with its errors turned into UsageErrors:
 * an unknown flag is named with the nearest declared one and a pointer to the command's help.
 * For a command with subcommands, `flags` is every subcommand's flags; a flag the named
 * subcommand does not declare is refused, naming the subcommand it belongs to.
 */
export function parseDeclared<F extends Flags>(argv: readonly string[], decl: CommandDecl, flags: F) {
  const sub = subcommandOf(decl, argv);
  if (decl.subcommands && !sub) {
    const word = firstPositional(argv, allFlags(decl))?.value;
    if (word !== undefined) throw unknownSubcommand(decl, word);
  }
  const scope = sub ?? decl;
  const allowPositionals = Boolean(decl.subcommands || decl.positionals?.length);
  let parsed: ReturnType<typeof strictParse<F>>;
  try {
    parsed = strictParse(argv, flags, allowPositionals);
  } catch (err) {
    throw parseError(err as Error & { code?: string }, scope, sub ? sub.flags : flags);
  }
  for (const token of parsed.tokens) {
    // `--role=` or `--role ""`: an empty value is a slip (an unset shell variable), never a choice.
    if (token.kind === 'option' && token.value !== undefined && token.value.trim() === '')
      throw new UsageError(
        `--${token.name} needs a value, and was given an empty one`,
        `${helpPointer(scope)}\nUsage: ${usageText(scope)}`,
      );
  }
  if (sub) {
    for (const token of parsed.tokens) {
      if (token.kind !== 'option' || Object.hasOwn(sub.flags, token.name)) continue;
      const owners = Object.values(decl.subcommands ?? {})
        .filter((s) => Object.hasOwn(s.flags, token.name))
        .map((s) => s.path);
      throw new UsageError(
        `--${token.name} applies to ${owners.join(' and ')}, not ${sub.path}`,
        `${helpPointer(sub)}\nUsage: ${usageText(sub)}`,
      );
    }
  }
  return parsed;
}

/** `unknown subcommand "sett" for awsorg alias. Did you mean "set"?` */
export function unknownSubcommand(decl: CommandDecl, word: string): UsageError {
  const suggestion = closest(word, Object.keys(decl.subcommands ?? {}));
  return new UsageError(
    `unknown subcommand "${word}" for awsorg ${decl.path}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
    `${helpPointer(decl)}\nUsage: ${usageText(decl)}`,
  );
}

function strictParse<F extends Flags>(argv: readonly string[], flags: F, allowPositionals: boolean) {
  return parseArgs({ args: [...argv], options: optionsOf(flags), allowPositionals, strict: true, tokens: true });
}

function parseError(err: Error & { code?: string }, decl: CommandDecl, flags: Flags): UsageError {
  const unknown = /^Unknown option '([^']+)'/.exec(err.message);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
    const flag = unknown[1]!;
    const names = Object.keys(flags).map((name) => `--${name}`);
    const suggestion = flag.startsWith('--') ? closest(flag, names) : undefined;
    return new UsageError(
      `Unknown option '${flag}' for awsorg ${decl.path}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
      helpPointer(decl),
    );
  }
  return new UsageError(
    err.message.replace(/\. To specify a positional.*$/s, ''),
    `${helpPointer(decl)}\nUsage: ${usageText(decl)}`,
  );
}
