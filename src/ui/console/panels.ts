/** The console's panels, shown in place of the list: help, production confirmation, sign-in URL, runbooks and the incident prompt. Pure. */
import { accountRunbooks, refusesAccount, type ConsoleModel, type ConsoleRunbook, type RunbookOffer } from './model.js';
import type { AccountAction, Screen } from './state.js';
import { clip, fit, styledLine, wrap, type Palette } from './style.js';
import { terminalText } from '../../core/terminal-text.js';

const KEYS: [string, string][] = [
  ['Up/Down, j/k', 'move; PgUp/PgDn a page, Home/End first and last'],
  ['Enter', 'open a shell in the account; type `exit` to come back here'],
  ['c', 'console sign-in URL (then o opens it in your browser)'],
  ['e', "print the account's credentials as shell exports and quit"],
  ['!', 'incident runbooks for the account (then the incident id)'],
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
    ...indented(
      'then pick the account and press e. The console draws on stderr, so only the exports reach stdout and the shell that runs eval.',
      width,
    ),
  );
  lines.push('', ...indented('Accounts marked PROD ask for confirmation before Enter, c and e.', width, 0));
  return lines;
}

const DOING: Record<AccountAction, string> = {
  shell: 'open a shell with its credentials',
  url: 'get a console sign-in URL for it',
  exports: 'print its credentials as exports and quit',
};

export function confirmLines(
  model: ConsoleModel,
  screen: Extract<Screen, { kind: 'confirm' }>,
  width: number,
  p: Palette,
): string[] {
  const entry = model.accounts.find((a) => a.account.id === screen.accountId);
  const name = entry ? `${entry.account.name} (${entry.account.id})` : screen.accountId;
  return [
    '',
    styledLine(
      [
        { text: ' PROD ', style: p.production },
        { text: '  ' },
        { text: clip('Production account', width - 8), style: p.bold },
      ],
      '',
      p,
    ),
    '',
    ...indented(`${name} is a production account: ${entry?.production ?? 'it matches a production rule'}.`, width),
    ...indented(`You asked to ${DOING[screen.action]}.`, width),
    '',
    styledLine(
      [{ text: '  Press ' }, { text: 'y', style: p.bold }, { text: ' to continue. Any other key cancels.' }],
      '',
      p,
    ),
  ];
}

export function urlLines(
  model: ConsoleModel,
  screen: Extract<Screen, { kind: 'url' }>,
  width: number,
  p: Palette,
): string[] {
  const entry = model.accounts.find((a) => a.account.id === screen.accountId);
  const name = entry ? `${entry.account.name} (${entry.account.id})` : screen.accountId;
  const lines = [
    ...wrap(`AWS console sign-in URL for ${name} as ${screen.role}`, width).map((line) =>
      styledLine([{ text: line, style: p.bold }], '', p),
    ),
    ...wrap('It is valid for 15 minutes, and anyone who has it can sign in as this session.', width),
    '',
  ];
  // The URL is cut into lines of the full width, with no indent, so that it copies cleanly.
  for (let i = 0; i < screen.url.length; i += width)
    lines.push(styledLine([{ text: screen.url.slice(i, i + width) }], p.accent, p));
  return lines;
}

function accountName(model: ConsoleModel, accountId: string): string {
  const entry = model.accounts.find((a) => a.account.id === accountId);
  return entry ? `${entry.account.name} (${entry.account.id})` : accountId;
}

/** The PROD marker and its reason, for a production account. */
function productionLine(model: ConsoleModel, accountId: string, width: number, p: Palette): string[] {
  const production = model.accounts.find((a) => a.account.id === accountId)?.production;
  return production
    ? [
        styledLine(
          [{ text: ' PROD ', style: p.production }, { text: clip(`  production account: ${production}`, width - 6) }],
          '',
          p,
        ),
      ]
    : [];
}

const kindWords = (r: ConsoleRunbook) => (r.changesAws ? 'changes AWS' : 'read-only');
const REFUSES = '(refuses the management account)';

export function runbooksLines(
  model: ConsoleModel,
  offer: RunbookOffer | undefined,
  screen: Extract<Screen, { kind: 'runbooks' }>,
  width: number,
  height: number,
  p: Palette,
): string[] {
  const runbooks = accountRunbooks(offer);
  const lines = wrap(`Runbooks for ${accountName(model, screen.accountId)}`, width).map((line) =>
    styledLine([{ text: line, style: p.bold }], '', p),
  );
  lines.push(...productionLine(model, screen.accountId, width, p));
  if (!offer) return [...lines, '', 'Loading the runbooks…'];
  lines.push(
    ...wrap(
      'Enter asks for the incident id and whatever else the runbook needs; it then runs on its own screen, and the console comes back when it ends.',
      width,
    ).map((line) => styledLine([{ text: line }], p.dim, p)),
    '',
  );
  if (runbooks.length === 0)
    lines.push(...indented('No runbook acts on a single account. `awsorg runbook list` shows them all.', width, 0));
  const kindWidth = 'changes AWS'.length;
  // The id column shrinks before the line outgrows a narrow terminal; there the title goes under the id.
  const idWidth = Math.min(Math.max(0, ...runbooks.map((r) => r.id.length)), Math.max(4, width - kindWidth - 6));
  const lead = 2 + idWidth + 2 + kindWidth + 2;
  const titleBeside = width - lead >= 24;
  const titleIndent = titleBeside ? lead : 4;
  const titleWidth = width - titleIndent;
  const blocks = runbooks.map((r, i) => {
    const selected = i === screen.cursor;
    const titleLines = wrap(r.title, titleWidth);
    if (refusesAccount(model, r, screen.accountId)) titleLines.push(...wrap(REFUSES, titleWidth));
    if (r.asks.length) titleLines.push(...wrap(`asks for ${r.asks.map((a) => `--${a.name}`).join(', ')}`, titleWidth));
    const head = [
      { text: selected ? '> ' : '  ', ...(selected ? { style: p.bold } : {}) },
      { text: fit(r.id, idWidth), ...(selected ? { style: p.bold } : {}) },
      { text: '  ' },
      { text: fit(kindWords(r), kindWidth), ...(r.changesAws ? { style: p.warning } : {}) },
      { text: '  ' },
    ];
    const rows = titleBeside
      ? [[...head, { text: titleLines[0] ?? '' }]]
      : [head, [{ text: ' '.repeat(titleIndent) + (titleLines[0] ?? '') }]];
    for (const more of titleLines.slice(1)) rows.push([{ text: ' '.repeat(titleIndent) + more }]);
    return rows.map((row) => styledLine(row, selected ? p.inverse : '', p));
  });
  const others = offer.runbooks.filter((r) => !r.actsOnAccount);
  const footer: string[] = [];
  if (others.length) {
    const ids = others.map((r) => r.id);
    const named = ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more`;
    const one = others.length === 1;
    footer.push(
      '',
      ...indented(
        `${one ? 'One other runbook' : `${others.length} other runbooks`} (${named}) ${one ? 'does' : 'do'} not act on one account: run ${one ? 'it' : 'them'} with \`awsorg runbook run ID\`.`,
        width,
        0,
      ),
    );
  }
  lines.push(...visibleBlocks(blocks, screen.cursor, height - lines.length - footer.length, width, p), ...footer);
  return lines;
}

/** The runbooks that fit in `room` lines, keeping the selected one in view, with a line saying when some are hidden. */
function visibleBlocks(blocks: string[][], cursor: number, room: number, width: number, p: Palette): string[] {
  const total = blocks.reduce((n, b) => n + b.length, 0);
  if (total <= room) return blocks.flat();
  const fits = Math.max(1, room - 1);
  let first = 0;
  const size = (from: number, to: number) => blocks.slice(from, to + 1).reduce((n, b) => n + b.length, 0);
  while (first < cursor && size(first, cursor) > fits) first++;
  let last = first;
  while (last + 1 < blocks.length && size(first, last + 1) <= fits) last++;
  const shown = blocks
    .slice(first, last + 1)
    .flat()
    .slice(0, fits);
  return [
    ...shown,
    styledLine(
      [{ text: clip(`  runbooks ${first + 1}-${last + 1} of ${blocks.length}; Up/Down shows the others`, width) }],
      p.dim,
      p,
    ),
  ];
}

/** The fields the chosen runbook asks for, in order: the incident id, then its other required parameters. */
export function askFields(runbook: ConsoleRunbook | undefined): { label: string; description?: string }[] {
  return [
    { label: 'Incident id' },
    ...(runbook?.asks ?? []).map((a) => ({ label: `--${a.name}`, description: a.description })),
  ];
}

export function askLines(
  model: ConsoleModel,
  offer: RunbookOffer | undefined,
  screen: Extract<Screen, { kind: 'ask' }>,
  width: number,
  p: Palette,
): string[] {
  const runbook = offer?.runbooks.find((r) => r.id === screen.runbookId);
  const lines = wrap(`Run ${screen.runbookId} against ${accountName(model, screen.accountId)}`, width).map((line) =>
    styledLine([{ text: line, style: p.bold }], '', p),
  );
  if (runbook) lines.push(styledLine([{ text: clip(`${runbook.title} · ${kindWords(runbook)}`, width) }], p.dim, p));
  lines.push(...productionLine(model, screen.accountId, width, p), '');
  const fields = askFields(runbook);
  const labelWidth = Math.max(...fields.map((f) => f.label.length));
  const indent = 2 + labelWidth + 2;
  const under = (text: string, style: string) =>
    wrap(text, Math.max(10, width - indent)).map((line) =>
      styledLine([{ text: ' '.repeat(indent) + line, style }], '', p),
    );
  // Written out rather than through styledLine, which leaves blanks (the caret, a typed space) unstyled or trims them.
  const styled = (style: string, text: string) => (style && text ? `${style}${text}${p.reset}` : text);
  fields.forEach((field, i) => {
    const label = `  ${field.label.padEnd(labelWidth)}  `;
    if (i !== screen.field) {
      lines.push(
        styledLine(
          [{ text: label }, { text: clip(screen.answers[i] ?? '', width - indent) }],
          i > screen.field ? p.dim : '',
          p,
        ),
      );
      return;
    }
    // The end of a long value stays in view, next to the caret.
    const room = Math.max(4, width - indent - 1);
    // What was typed or pasted is shown visibly too: a paste can carry escapes.
    const typed = terminalText(screen.text);
    const shown = typed.length > room ? `…${typed.slice(typed.length - room + 1)}` : typed;
    lines.push(`${styled(p.accent, label)}${styled(p.bold, shown)}${p.inverse} ${p.reset}`);
    if (field.description) lines.push(...under(field.description, p.dim));
    if (screen.error) lines.push(...under(screen.error, p.error));
  });
  lines.push(
    '',
    ...indented(
      `Everything the runbook does is recorded in the incident's audit transcript. It shows each step${runbook?.changesAws ? ' and asks before it changes anything' : ''}.`,
      width,
    ),
  );
  return lines;
}
