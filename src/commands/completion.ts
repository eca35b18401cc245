/**
 * `awsorg completion bash|zsh|fish`: a script for the shell to load. The scripts ask
 * `awsorg __complete SHELL CWORD WORDS…` (src/commands/complete.ts) for candidates, which come
 * from the command declarations (src/commands/declarations.ts) and, for account targets, from the cached inventory and settings only.
 *
 * This module is loaded on every Tab press: node built-ins and lean awsorg modules only.
 */
import type { Deps } from '../aws/deps.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { REGIONS } from '../core/regions.js';
import { BUILTIN_RUNBOOK_IDS } from '../runbooks/builtin/ids.js';
import type { CommandDecl, ValueKind as DeclaredKind } from './declare.js';
import { completion as COMPLETION, DECLARATIONS } from './declarations.js';
import { parseDeclared, usageText } from './declare.js';

const RUNBOOK_IDS: readonly string[] = BUILTIN_RUNBOOK_IDS;

const synopsis = usageText(COMPLETION);

export const usage = synopsis;

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What a flag's value or a positional argument is. `null` marks a flag that takes no value. */
export type ValueKind = Exclude<DeclaredKind, 'runbook-id'>;

export interface CommandSpec {
  flags: Record<string, ValueKind | null>;
  positionals?: ValueKind[];
  subcommands?: Record<string, CommandSpec>;
  /** Words after `--` belong to another program. */
  passthrough?: boolean;
}

function completionKind(kind: DeclaredKind): ValueKind {
  return kind === 'runbook-id' ? RUNBOOK_IDS : kind;
}

/** What completion knows of a command, from its declaration (src/commands/declarations.ts). */
function specOf(decl: CommandDecl): CommandSpec {
  return {
    flags: Object.fromEntries(
      Object.entries(decl.flags).map(([name, flag]) => [
        `--${name}`,
        flag.value === undefined ? null : completionKind(flag.choices ?? flag.kind ?? 'text'),
      ]),
    ),
    ...(decl.positionals ? { positionals: decl.positionals.map((p) => completionKind(p.kind)) } : {}),
    ...(decl.subcommands
      ? { subcommands: Object.fromEntries(Object.entries(decl.subcommands).map(([n, sub]) => [n, specOf(sub)])) }
      : {}),
    ...(decl.passthrough ? { passthrough: true } : {}),
  };
}

/** Every visible command with its flags, generated from the declarations. */
export const COMPLETION_TABLE: Record<string, CommandSpec> = Object.fromEntries(
  Object.entries(DECLARATIONS)
    .filter(([, decl]) => !decl.hidden)
    .map(([name, decl]) => [name, specOf(decl)]),
);

/** What account-related candidates come from: the cached inventory and settings. */
export interface CompletionData {
  accounts: ReadonlyArray<{ id: string; name: string; roles?: string[] }>;
  aliases: Readonly<Record<string, string>>;
  roles: readonly string[];
  /** Profiles in the AWS config file. */
  profiles?: readonly string[];
}

export interface Candidate {
  value: string;
  /** Shown beside the value where the shell supports it (fish). */
  description?: string;
}

/** Asks the shell to complete file names instead. */
export const FILES_DIRECTIVE = ':files';

/** Remove shell quoting from a word as typed: backslashes, single, double and bash's $'…' quotes. */
export function dequote(word: string): string {
  let out = '';
  let quote: "'" | '"' | "$'" | undefined;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else out += c;
    } else if (quote === "$'") {
      if (c === "'") quote = undefined;
      else if (c === '\\' && i + 1 < word.length) {
        const next = word[++i]!;
        out += ANSI_C_ESCAPES[next] ?? `\\${next}`;
      } else out += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < word.length && '"\\$`'.includes(word[i + 1]!)) out += word[++i];
      else out += c;
    } else if (c === '$' && (word[i + 1] === "'" || word[i + 1] === '"')) quote = word[++i] === "'" ? "$'" : '"';
    else if (c === "'" || c === '"') quote = c;
    else if (c === '\\' && i + 1 < word.length) out += word[++i];
    else out += c;
  }
  return out;
}

const ANSI_C_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

type BashQuote = "'" | '"' | "$'";

/**
 * The quote still open at the end of a word as bash reads it, and where the text that readline
 * replaces with a completion begins: just after that quote. Undefined when no quote is open
 * (readline then replaces the whole word).
 */
export function openQuote(word: string): { quote: BashQuote; start: number } | undefined {
  let open: { quote: BashQuote; start: number } | undefined;
  for (let i = 0; i < word.length; i++) {
    const c = word[i]!;
    if (open?.quote === "'") {
      if (c === "'") open = undefined;
    } else if (open) {
      if (c === '\\') i++;
      else if (c === open.quote.slice(-1)) open = undefined;
    } else if (c === '\\') i++;
    else if (c === '$' && (word[i + 1] === "'" || word[i + 1] === '"')) {
      i++;
      open = { quote: word[i] === "'" ? "$'" : '"', start: i + 1 };
    } else if (c === "'" || c === '"') open = { quote: c, start: i + 1 };
  }
  return open;
}

/**
 * Candidates for the word at `cword` in `words` (words[0] is the program), filtered by what was
 * typed. `data` is read only when an account, alias or role is wanted.
 */
export function completionCandidates(
  words: readonly string[],
  cword: number,
  data: () => CompletionData,
  visibleCommands: readonly string[] = Object.keys(COMPLETION_TABLE),
): Candidate[] {
  const typed = dequote(words[cword] ?? '');
  const before = words.slice(1, cword).map(dequote);
  const matching = (candidates: Candidate[]) => {
    const prefix = typed.toLowerCase();
    const seen = new Set<string>();
    return candidates.filter(
      (c) => c.value.toLowerCase().startsWith(prefix) && !seen.has(c.value) && seen.add(c.value),
    );
  };
  if (before.length === 0) {
    if (typed.startsWith('-')) return matching([{ value: '--help' }, { value: '--version' }]);
    return matching(visibleCommands.map((value) => ({ value })));
  }
  const command = COMPLETION_TABLE[before[0]!];
  if (!command) return [];
  let spec: CommandSpec = command;
  let subcommandChosen = false;
  const positionals: string[] = [];
  let pending: ValueKind | undefined;
  for (const word of before.slice(1)) {
    if (pending !== undefined) {
      pending = undefined;
      continue;
    }
    if (word === '--' && spec.passthrough) return [];
    if (word.startsWith('-') && word.length > 1) {
      const [flag, inline] = word.split('=', 2);
      const kind = spec.flags[flag!];
      if (kind !== undefined && kind !== null && inline === undefined) pending = kind;
      continue;
    }
    const sub: CommandSpec | undefined = spec.subcommands && !subcommandChosen ? spec.subcommands[word] : undefined;
    if (sub) {
      spec = sub;
      subcommandChosen = true;
      continue;
    }
    positionals.push(word);
  }
  if (pending !== undefined) return valuesOf(pending, data, matching);
  const flags = () => matching([...Object.keys(spec.flags), '--help'].map((value) => ({ value })));
  if (typed.startsWith('-')) return flags();
  if (spec.subcommands && !subcommandChosen) return matching(Object.keys(spec.subcommands).map((value) => ({ value })));
  const kind = spec.positionals?.[positionals.length];
  if (kind !== undefined) return valuesOf(kind, data, matching);
  return flags();
}

function valuesOf(kind: ValueKind, data: () => CompletionData, matching: (c: Candidate[]) => Candidate[]): Candidate[] {
  if (Array.isArray(kind)) return matching(kind.map((value: string) => ({ value })));
  switch (kind) {
    case 'file':
    case 'dir':
      return [{ value: FILES_DIRECTIVE }];
    case 'text':
      return [];
    case 'region':
      return matching(REGIONS.map((value) => ({ value })));
    case 'role':
      return matching([...data().roles].sort().map((value) => ({ value })));
    case 'aws-profile':
      return matching([...(data().profiles ?? [])].sort().map((value) => ({ value })));
    case 'alias': {
      const { aliases, accounts } = data();
      return matching(
        Object.keys(aliases)
          .sort()
          .map((value) => ({ value, description: describeAccount(aliases[value]!, accounts) })),
      );
    }
    case 'account-id': {
      const { accounts } = data();
      return matching(
        [...accounts].sort((a, b) => a.id.localeCompare(b.id)).map((a) => ({ value: a.id, description: a.name })),
      );
    }
    case 'target': {
      const { aliases, accounts } = data();
      return matching([
        ...Object.keys(aliases)
          .sort()
          .map((value) => ({ value, description: describeAccount(aliases[value]!, accounts) })),
        ...[...accounts]
          .sort((a, b) => a.name.localeCompare(b.name))
          .map((a) => ({ value: a.name, description: a.id })),
        ...[...accounts].sort((a, b) => a.id.localeCompare(b.id)).map((a) => ({ value: a.id, description: a.name })),
      ]);
    }
  }
  return [];
}

function describeAccount(id: string, accounts: CompletionData['accounts']): string {
  const account = accounts.find((a) => a.id === id);
  return account ? `${account.name} (${id})` : id;
}

/**
 * One line per candidate, in the form the shell's script inserts as it is: bash gets text quoted
 * for the quote the word is in (see bashInsertion); zsh's compadd and fish quote by themselves;
 * fish also shows the description after a tab.
 */
export function formatCandidates(shell: Shell | 'plain', candidates: readonly Candidate[], typed: string): string {
  const lines: string[] = [];
  for (const c of candidates) {
    const value = c.value.replace(/[\r\n\t]/g, ' ');
    if (value === FILES_DIRECTIVE) lines.push(value);
    else if (shell === 'bash') {
      const insertion = bashInsertion(value, typed);
      if (insertion !== undefined) lines.push(insertion);
    } else if (shell === 'fish' && c.description) lines.push(`${value}\t${c.description.replace(/[\r\n\t]/g, ' ')}`);
    else lines.push(value);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

/**
 * What bash's readline must insert so that the word reads back as `value`. Readline replaces
 * the text after an open quote (or the whole word when none is open) with it as it is, then
 * closes the quote unless the line already ends with that quote character. So the text is
 * escaped for the quote the word is in: an account name such as `$(cmd)` after `"`, or `';cmd;'`
 * after `'`, must stay text. Undefined when `value` does not extend what was typed before the
 * quote.
 */
export function bashInsertion(value: string, word: string): string | undefined {
  const open = openQuote(word);
  if (!open) return bashEscape(value);
  const before = dequote(word.slice(0, open.start));
  if (value.slice(0, before.length).toLowerCase() !== before.toLowerCase()) return undefined;
  const rest = value.slice(before.length);
  let text: string;
  if (open.quote === "'") text = rest.replace(/'/g, `'\\''`);
  else if (open.quote === "$'") text = rest.replace(/[\\']/g, (c) => `\\${c}`);
  // In double quotes a backslash keeps history expansion off a `!` but stays in the word, so `!` goes outside them.
  else text = rest.replace(/[\\"$`]/g, (c) => `\\${c}`).replace(/!/g, '"\\!"');
  // Text that ends with the quote character gets no closing quote from readline: close it here.
  const quoteChar = open.quote.slice(-1);
  return text.endsWith(quoteChar) ? text + quoteChar : text;
}

function bashEscape(value: string): string {
  return value.replace(/[^A-Za-z0-9_@%+=:,./-]/g, (c) => `\\${c}`);
}

export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return `# awsorg completion for bash. Load it with: source <(awsorg completion bash)
_awsorg_completions() {
  local line
  local -a candidates
  candidates=()
  while IFS= read -r line; do candidates+=("$line"); done < <(awsorg __complete bash "$COMP_CWORD" "\${COMP_WORDS[@]}" 2>/dev/null)
  COMPREPLY=()
  if [[ "\${candidates[0]}" == "${FILES_DIRECTIVE}" ]]; then
    compopt -o filenames 2>/dev/null
    while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}")
    return 0
  fi
  COMPREPLY=("\${candidates[@]}")
}
complete -F _awsorg_completions awsorg
`;
    case 'zsh':
      return `#compdef awsorg
# awsorg completion for zsh. Load it with: source <(awsorg completion zsh)   (after compinit)
_awsorg() {
  local -a candidates
  candidates=("\${(@f)$(awsorg __complete zsh $((CURRENT - 1)) "\${words[@]}" 2>/dev/null)}")
  candidates=(\${candidates:#})
  if [[ "\${candidates[1]}" == "${FILES_DIRECTIVE}" ]]; then
    _files
    return
  fi
  (( \${#candidates} )) && compadd -- "\${candidates[@]}"
}
if (( \${+functions[compdef]} )); then
  compdef _awsorg awsorg
else
  print -u2 'awsorg completion: run "autoload -Uz compinit && compinit" before loading it'
fi
`;
    case 'fish':
      return `# awsorg completion for fish. Install it with: awsorg completion fish > ~/.config/fish/completions/awsorg.fish
function __awsorg_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l candidates (awsorg __complete fish (count $tokens) $tokens "$current" 2>/dev/null)
    if test "$candidates[1]" = "${FILES_DIRECTIVE}"
        __fish_complete_path "$current"
    else
        printf '%s\\n' $candidates
    end
end
complete -c awsorg -f -a '(__awsorg_complete)'
`;
  }
}

export interface CompletionOptions {
  shell: Shell;
}

export function parse(argv: string[]): CompletionOptions {
  const [shell, ...extra] = parseDeclared(argv, COMPLETION, COMPLETION.flags).positionals;
  if (!shell || !(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(
      shell ? `no completion for the shell "${shell}"` : 'completion needs a shell',
      `Usage: ${synopsis}`,
    );
  }
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`, `Usage: ${synopsis}`);
  return { shell: shell as Shell };
}

export async function run(opts: CompletionOptions, deps: Deps): Promise<number> {
  deps.stdout.write(completionScript(opts.shell));
  return ExitCode.ok;
}
