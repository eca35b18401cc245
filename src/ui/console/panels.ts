/** The console's panels, shown in place of the list: help, production confirmation, sign-in URL. Pure. */
import type { ConsoleModel } from './model.js';
import type { AccountAction, Screen } from './state.js';
import { clip, styledLine, wrap, type Palette } from './style.js';

const KEYS: [string, string][] = [
  ['Up/Down, j/k', 'move; PgUp/PgDn a page, Home/End first and last'],
  ['Enter', 'open a shell in the account; type `exit` to come back here'],
  ['c', 'console sign-in URL (then o opens it in your browser)'],
  ['e', "print the account's credentials as shell exports and quit"],
  ['/', 'filter by name, id, alias, email, OU path or tag (key=value)'],
  ['Esc', 'clear the filter'],
  ['g', 'group by OU, or a flat list by name'],
  ['r', 'reload the account inventory from AWS'],
  ['?', 'this help'],
  ['q, Ctrl-C', 'quit'],
];

function indented(text: string, width: number, indent = 2): string[] {
  return wrap(text, Math.max(10, width - indent)).map((l) => ' '.repeat(indent) + l);
}

export function helpLines(width: number, p: Palette): string[] {
  const keyWidth = Math.max(...KEYS.map(([k]) => k.length));
  const lines = [styledLine([{ text: 'Keys', style: p.bold }], '', p)];
  for (const [key, what] of KEYS) {
    const lead = `  ${key.padEnd(keyWidth)}  `;
    const rest = wrap(what, Math.max(10, width - lead.length));
    lines.push(styledLine([{ text: lead, style: p.accent }, { text: rest[0] ?? '' }], '', p));
    for (const more of rest.slice(1)) lines.push(' '.repeat(lead.length) + more);
  }
  lines.push('', styledLine([{ text: 'Switch the current shell to an account', style: p.bold }], '', p));
  lines.push(styledLine([{ text: '  eval "$(awsorg console)"', style: p.accent }], '', p));
  lines.push(
    ...indented('then pick the account and press e. The console draws on stderr, so only the exports reach stdout and the shell that runs eval.', width),
  );
  lines.push('', ...indented('Accounts marked PROD ask for confirmation before Enter, c and e.', width, 0));
  return lines;
}

const DOING: Record<AccountAction, string> = {
  shell: 'open a shell with its credentials',
  url: 'get a console sign-in URL for it',
  exports: 'print its credentials as exports and quit',
};

export function confirmLines(model: ConsoleModel, screen: Extract<Screen, { kind: 'confirm' }>, width: number, p: Palette): string[] {
  const entry = model.accounts.find((a) => a.account.id === screen.accountId);
  const name = entry ? `${entry.account.name} (${entry.account.id})` : screen.accountId;
  return [
    '',
    styledLine([{ text: ' PROD ', style: p.production }, { text: '  ' }, { text: clip('Production account', width - 8), style: p.bold }], '', p),
    '',
    ...indented(`${name} is a production account: ${entry?.production ?? 'it matches a production rule'}.`, width),
    ...indented(`You asked to ${DOING[screen.action]}.`, width),
    '',
    styledLine([{ text: '  Press ' }, { text: 'y', style: p.bold }, { text: ' to continue. Any other key cancels.' }], '', p),
  ];
}

export function urlLines(model: ConsoleModel, screen: Extract<Screen, { kind: 'url' }>, width: number, p: Palette): string[] {
  const entry = model.accounts.find((a) => a.account.id === screen.accountId);
  const name = entry ? `${entry.account.name} (${entry.account.id})` : screen.accountId;
  const lines = [
    ...wrap(`AWS console sign-in URL for ${name} as ${screen.role}`, width).map((line) => styledLine([{ text: line, style: p.bold }], '', p)),
    ...wrap('It is valid for 15 minutes, and anyone who has it can sign in as this session.', width),
    '',
  ];
  // The URL is cut into lines of the full width, with no indent, so that it copies cleanly.
  for (let i = 0; i < screen.url.length; i += width) lines.push(styledLine([{ text: screen.url.slice(i, i + width) }], p.accent, p));
  return lines;
}
