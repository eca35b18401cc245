/**
 * awsorg runbook list | show ID | run ID --incident INC [params] [--dry-run] [--yes] | rollback INC
 *
 * `run` on a terminal opens the runbook screen; without one it needs --yes (or --dry-run,
 * which changes nothing). Every run and rollback appends to the incident's audit transcript.
 */
import { join } from 'node:path';
import type { Deps } from '../aws/deps.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { terminalJson, terminalLines } from '../core/terminal-text.js';
import { type Flags, unknownSubcommand, usageText } from './declare.js';
import { runbook as RUNBOOK } from './declarations.js';

export const usage = usageText(RUNBOOK);

export interface RunbookOptions {
  action: 'list' | 'show' | 'run' | 'rollback';
  id?: string;
  incident?: string;
  params: Record<string, string>;
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  rehearse: boolean;
  note?: string;
  runbookDirs: string[];
}

/** The switches of the runbook subcommands, and the option each sets. */
const BOOLEAN_FLAGS: Record<string, 'dryRun' | 'yes' | 'json' | 'rehearse'> = {
  'dry-run': 'dryRun',
  yes: 'yes',
  json: 'json',
  rehearse: 'rehearse',
};

/** Runbook parameters are declared by each runbook, so any other `--name value` is kept for it to check. */
export function parse(argv: string[]): RunbookOptions {
  const [action, ...rest] = argv;
  if (action !== 'list' && action !== 'show' && action !== 'run' && action !== 'rollback') {
    if (action) throw unknownSubcommand(RUNBOOK, action);
    throw new UsageError('runbook needs a subcommand', `Usage: ${usage}`);
  }
  const opts: RunbookOptions = {
    action,
    params: {},
    dryRun: false,
    yes: false,
    json: false,
    rehearse: false,
    runbookDirs: [],
  };
  const positionals: string[] = [];
  const declared: Flags = RUNBOOK.subcommands[action].flags;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const switchName = arg === '-y' ? 'yes' : arg.startsWith('--') ? arg.slice(2) : undefined;
    const flag = switchName !== undefined ? BOOLEAN_FLAGS[switchName] : undefined;
    if (flag && switchName) {
      if (!Object.hasOwn(declared, switchName)) {
        const owners = Object.values(RUNBOOK.subcommands)
          .filter((s) => Object.hasOwn(s.flags, switchName))
          .map((s) => s.path);
        throw new UsageError(
          `--${switchName} applies to ${owners.join(' and ')}, not runbook ${action}`,
          `Run \`awsorg runbook ${action} --help\` for its flags.`,
        );
      }
      opts[flag] = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(2, eq) : arg.slice(2)).trim();
    if (name && !Object.hasOwn(declared, name) && (action !== 'run' || name in BOOLEAN_FLAGS)) {
      const suggestion = closest(
        `--${name}`,
        Object.keys(declared).map((f) => `--${f}`),
      );
      throw new UsageError(
        `--${name} is not a flag of runbook ${action}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
        `Run \`awsorg runbook ${action} --help\` for its flags.`,
      );
    }
    const value = eq > 0 ? arg.slice(eq + 1) : rest[++i];
    if (!name || value === undefined || (eq < 0 && value.startsWith('--')))
      throw new UsageError(`--${name || '?'} needs a value`, `Usage: ${usage}`);
    if (name === 'incident') opts.incident = value;
    else if (name === 'note') opts.note = value;
    else if (name === 'runbooks') opts.runbookDirs.push(value);
    // Any other --NAME VALUE of `run` is a parameter, which the runbook checks.
    else opts.params[name] = value;
  }
  if (action === 'list') {
    if (positionals.length)
      throw new UsageError(`runbook list takes no arguments (got "${positionals[0]}")`, `Usage: ${usage}`);
  } else if (action === 'rollback') {
    opts.incident = positionals[0] ?? opts.incident;
    if (positionals.length > 1)
      throw new UsageError(`runbook rollback takes one incident id (got ${positionals.join(' ')})`, `Usage: ${usage}`);
  } else {
    if (positionals.length !== 1)
      throw new UsageError(`runbook ${action} needs exactly one runbook id`, 'List them with `awsorg runbook list`.');
    opts.id = positionals[0]!;
  }
  return opts;
}

export async function run(opts: RunbookOptions, deps: Deps): Promise<number> {
  const { loadCatalog, findRunbook, skippedWarnings } = await import('../runbooks/catalog.js');
  const catalog = loadCatalog([join(deps.paths.config, 'runbooks'), ...opts.runbookDirs]);
  deps.stderr.write(skippedWarnings(catalog, opts.id));
  const describe = await import('../runbooks/describe.js');
  if (opts.action === 'list') {
    // A team's runbook file can hold any character: text is shown visibly, --json keeps it exact.
    deps.stdout.write(
      opts.json
        ? `${terminalJson(describe.listJson(catalog.runbooks))}\n`
        : terminalLines(describe.listText(catalog.runbooks)),
    );
    return ExitCode.ok;
  }
  if (opts.action === 'show') {
    const runbook = findRunbook(catalog, opts.id!);
    deps.stdout.write(
      opts.json
        ? `${terminalJson(describe.showJson(runbook, catalog.operations))}\n`
        : terminalLines(describe.showText(runbook, catalog.operations)),
    );
    return ExitCode.ok;
  }
  // The runbook is named before anything else is checked: a misspelled id is the first thing to fix, terminal or not.
  const runbook = opts.action === 'run' ? findRunbook(catalog, opts.id!) : undefined;
  const { validateIncidentId } = await import('../core/audit.js');
  const incident = validateIncidentId(opts.incident);
  if (!opts.yes && !opts.dryRun && !deps.interactive) {
    throw new UsageError(
      `refusing to ${opts.action === 'run' ? 'run a runbook' : 'roll back'} without confirmation: there is no terminal to ask on`,
      `Pass --yes to confirm every step (manual steps are recorded as acknowledged with --yes), or --dry-run to change nothing.`,
    );
  }
  const { runRunbook, rollbackIncident } = await import('../runbooks/run.js');
  // The command chooses the front end: the screen on a terminal unless --yes, else headless.
  const screen = deps.interactive && !opts.yes ? (await import('../ui/runbook/run.js')).runRunbookScreen : undefined;
  const front = screen ? { screen } : {};
  if (!runbook)
    return rollbackIncident(deps, { incident, dryRun: opts.dryRun, yes: opts.yes, json: opts.json, catalog, ...front });
  const request = {
    runbook,
    incident,
    params: opts.params,
    dryRun: opts.dryRun,
    yes: opts.yes,
    json: opts.json,
    ...(opts.note ? { note: opts.note } : {}),
    operations: catalog.operations,
    ...front,
  };
  if (!opts.rehearse) return runRunbook(deps, request);
  const { rehearseRunbook } = await import('../runbooks/rehearsal.js');
  return rehearseRunbook(deps, request);
}
