/**
 * `awsorg assume TARGET`: a subshell, one command (--exec), exports (--export) or a console
 * sign-in URL (--console) for an account's role. This is the hot path: on a credential-cache
 * hit it reads three small files and spawns the child, with no AWS SDK, Ink or React loaded.
 */
import type { Deps } from '../aws/deps.js';
import { CancelledError, ExitCode, UsageError } from '../core/errors.js';
import { loadOperatorContext, openRoleSession, type OperatorContext } from '../assume/context.js';
import { EXPORT_FORMATS, formatExports, type ExportFormat } from '../assume/environment.js';
import { runInSession, type ChildCommand } from '../assume/shell.js';
import type { RoleSession } from '../assume/types.js';
import { terminalText as shown } from '../core/terminal-text.js';
import { resolveTarget } from '../inventory/resolve.js';
import { parseDeclared, usageText } from './declare.js';
import { assume as ASSUME } from './declarations.js';
import { parseDuration, parseRegion } from './operator-args.js';

export const usage = usageText(ASSUME);

export type AssumeMode =
  | { kind: 'shell' }
  | { kind: 'exec'; command: ChildCommand }
  | { kind: 'export'; format: ExportFormat }
  | { kind: 'console'; printOnly: boolean };

export interface AssumeOptions {
  target: string;
  role?: string;
  durationSeconds?: number;
  region?: string;
  mode: AssumeMode;
  yes: boolean;
  force: boolean;
  refresh: boolean;
}

export function parse(argv: string[]): AssumeOptions {
  const dashdash = argv.indexOf('--');
  const own = dashdash >= 0 ? argv.slice(0, dashdash) : argv;
  const command = dashdash >= 0 ? argv.slice(dashdash + 1) : [];
  const { values, positionals } = parseDeclared(own, ASSUME, ASSUME.flags);
  const [target, ...extra] = positionals;
  if (!target)
    throw new UsageError('assume needs a TARGET: an alias, an account id or an account name', `Usage: ${usage}`);
  if (extra.length)
    throw new UsageError(
      `unexpected argument "${extra[0]}"`,
      'Put the command after `--`: awsorg assume TARGET --exec -- CMD ARGS…',
    );
  const modes = [
    values.exec || command.length > 0 ? 'exec' : undefined,
    values.export ? 'export' : undefined,
    values.console ? 'console' : undefined,
  ].filter(Boolean);
  if (modes.length > 1)
    throw new UsageError(
      `--${modes.join(' and --')} cannot be combined`,
      'Choose one of --exec, --export or --console.',
    );
  if (values.format !== undefined && !values.export)
    throw new UsageError('--format applies only to --export', 'Add --export, e.g. --export --format fish.');
  if (values.url && !values.console)
    throw new UsageError('--url applies only to --console', 'Add --console: awsorg assume TARGET --console --url.');
  let mode: AssumeMode = { kind: 'shell' };
  if (values.exec || command.length) {
    if (!command.length)
      throw new UsageError(
        '--exec needs a command after `--`',
        'Example: awsorg assume prod --exec -- aws sts get-caller-identity',
      );
    mode = { kind: 'exec', command: { file: command[0]!, args: command.slice(1) } };
  } else if (values.export) {
    const format = (values.format ?? 'env') as ExportFormat;
    if (!EXPORT_FORMATS.includes(format))
      throw new UsageError(`--format "${values.format}" is not supported`, `Use one of: ${EXPORT_FORMATS.join(', ')}.`);
    mode = { kind: 'export', format };
  } else if (values.console) mode = { kind: 'console', printOnly: Boolean(values.url) };
  return {
    target,
    ...(values.role !== undefined ? { role: values.role } : {}),
    ...(values.duration !== undefined ? { durationSeconds: parseDuration(values.duration) } : {}),
    ...(values.region !== undefined ? { region: parseRegion(values.region) } : {}),
    mode,
    yes: Boolean(values.yes),
    force: Boolean(values.force),
    refresh: Boolean(values.refresh),
  };
}

export async function run(opts: AssumeOptions, deps: Deps): Promise<number> {
  if (opts.mode.kind === 'shell' && deps.env.AWSORG_ACCOUNT && !opts.force) {
    throw new UsageError(
      `this shell is already an awsorg session for account ${deps.env.AWSORG_ACCOUNT} (${deps.env.AWSORG_ROLE ?? 'unknown role'})`,
      'Type `exit` to leave it first, or pass --force to open a nested session from these credentials.',
    );
  }
  const ctx = await loadOperatorContext(deps, { onProgress: (m) => deps.stderr.write(`${m}\n`) });
  const { account } = resolveTarget(opts.target, ctx.inventory.accounts, ctx.settings.aliases);
  const session = await openRoleSession(deps, ctx, account, {
    ...(opts.role !== undefined ? { role: opts.role } : {}),
    ...(opts.durationSeconds !== undefined ? { durationSeconds: opts.durationSeconds } : {}),
    ...(opts.region !== undefined ? { region: opts.region } : {}),
    refresh: opts.refresh,
  });
  await guardProduction(deps, session, opts.yes);
  switch (opts.mode.kind) {
    case 'export':
      deps.stdout.write(formatExports(session, opts.mode.format));
      if (deps.stdout.isTTY)
        deps.stderr.write('awsorg: these exports change nothing until evaluated: eval "$(awsorg assume … --export)"\n');
      return ExitCode.ok;
    case 'console':
      return openConsole(deps, ctx, session, opts.mode.printOnly);
    case 'exec':
      return runInSession(deps, session, opts.mode.command);
    case 'shell': {
      deps.stderr.write(`${banner(session)}\nType \`exit\` to return.\n`);
      const code = await runInSession(deps, session);
      deps.stderr.write(
        `Left ${shown(session.account.name)} (${session.account.id}); the shell exited with ${code}.\n`,
      );
      return code;
    }
  }
}

function banner(s: RoleSession): string {
  const minutes = Math.max(0, Math.round((Date.parse(s.credentials.expiration) - Date.now()) / 60_000));
  const prod = s.production ? `PRODUCTION (${shown(s.production)})  ` : '';
  return `${prod}${shown(s.account.name)} (${s.account.id}) as ${shown(s.role)} in ${shown(s.region)}; credentials valid for ${minutes} min${s.cacheHit ? ' (cached)' : ''}.`;
}

/** Production accounts need a typed confirmation on a terminal, or --yes without one. */
export async function guardProduction(deps: Deps, session: RoleSession, yes: boolean): Promise<void> {
  if (!session.production) return;
  // The name and the production reason (a tag value) are AWS's: shown visibly on the terminal.
  const what = `${shown(session.account.name)} (${session.account.id}) is a PRODUCTION account (${shown(session.production)})`;
  if (yes) {
    deps.stderr.write(`awsorg: ${what}; continuing because of --yes\n`);
    return;
  }
  if (!deps.interactive)
    throw new UsageError(
      `${what} and there is no terminal to confirm on`,
      'Pass --yes to confirm entering a production account from a script.',
    );
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: deps.stdin, output: deps.stderr as NodeJS.WritableStream, terminal: false });
  try {
    const answer = await rl.question(`\n  !! ${what}\n  Type "yes" to continue: `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CancelledError('not confirmed; nothing was opened');
  } finally {
    rl.close();
  }
}

async function openConsole(
  deps: Deps,
  ctx: OperatorContext,
  session: RoleSession,
  printOnly: boolean,
): Promise<number> {
  const { consoleSignInUrl } = await import('../assume/console-url.js');
  const url = await consoleSignInUrl(deps, session, ctx.settings);
  if (printOnly || !deps.interactive) {
    deps.stdout.write(`${url}\n`);
    return ExitCode.ok;
  }
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const opened = await new Promise<boolean>((resolve) => {
    const child = deps.spawn(opener, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => resolve(false));
    child.on('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
  if (opened)
    deps.stderr.write(
      `Opened the AWS console for ${shown(session.account.name)} in your browser (the link is valid for 15 minutes).\n`,
    );
  else deps.stdout.write(`${url}\n`);
  return ExitCode.ok;
}
