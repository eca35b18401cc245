/**
 * `awsorg config generate`: one profile per account (per role where Identity Center offers
 * several) in the AWS config file, each signing in through `awsorg credential-process`. The
 * profiles live in a marked block awsorg owns; nothing outside it is ever changed.
 */
import { accessSync, constants, readFileSync, realpathSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { awsConfigPath, awsCredentialsPath } from '../aws/aws-config-file.js';
import { configTarget, readConfigSnapshot, updateConfigFile } from '../aws/aws-config-write.js';
import { resolveRegion } from '../aws/credentials.js';
import { chooseRole, loadOperatorContext, type OperatorContext } from '../assume/context.js';
import { shQuote } from '../assume/environment.js';
import {
  assignProfileNames,
  iniSafeCommandLine,
  planBlock,
  planBlockRemoval,
  unifiedDiff,
  type BlockPlan,
  type NamingRequest,
  type ProfileSpec,
  type RemovalPlan,
  type ReservedName,
  type SkippedProfile,
} from '../core/aws-config-block.js';
import { iniLines } from '../core/ini-lines.js';
import type { Deps } from '../aws/deps.js';
import { AwsorgError, ExitCode, UsageError } from '../core/errors.js';
import { productionReason } from '../inventory/production.js';
import { aliasesFor } from '../inventory/resolve.js';
import type { InventoryAccount } from '../inventory/types.js';
import { parseDeclared, usageText } from './declare.js';
import { config as CONFIG } from './declarations.js';
import { parseRegion } from './operator-args.js';
import { terminalLines } from '../core/terminal-text.js';

export const DEFAULT_PREFIX = 'awsorg-';

const synopsis = usageText(CONFIG);

export const usage = synopsis;

export interface ConfigGenerateOptions {
  action: 'generate';
  prefix: string;
  prune: boolean;
  dryRun: boolean;
  region?: string;
  refresh: boolean;
  json: boolean;
  /** The program the profiles run (node and cli.js); defaults to this installation. */
  program?: ProfileProgram;
}

export interface ConfigRemoveOptions {
  action: 'remove';
  dryRun: boolean;
  json: boolean;
}

export type ConfigOptions = ConfigGenerateOptions | ConfigRemoveOptions;

export function parse(argv: string[]): ConfigOptions {
  const { values, positionals } = parseDeclared(argv, CONFIG, {
    ...CONFIG.subcommands.generate.flags,
    ...CONFIG.subcommands.remove.flags,
  });
  const [action, ...extra] = positionals;
  if (action !== 'generate' && action !== 'remove') {
    throw new UsageError(action ? `unknown config action "${action}"` : 'config needs an action', `Usage: ${synopsis}`);
  }
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`, `Usage: ${synopsis}`);
  // A flag of `config generate` given to `config remove` is refused by parseDeclared, naming it.
  if (action === 'remove') {
    return { action: 'remove', dryRun: Boolean(values['dry-run']), json: Boolean(values.json) };
  }
  const prefix = values.prefix ?? DEFAULT_PREFIX;
  if (!/^[A-Za-z0-9_.@+-]*$/.test(prefix)) {
    throw new UsageError(
      `--prefix "${prefix}" would make profile names the AWS CLI cannot parse`,
      'Use letters, digits and _.@+- only, e.g. --prefix org-.',
    );
  }
  return {
    action: 'generate',
    prefix,
    prune: Boolean(values.prune),
    dryRun: Boolean(values['dry-run']),
    ...(values.region !== undefined ? { region: parseRegion(values.region) } : {}),
    refresh: Boolean(values.refresh),
    json: Boolean(values.json),
  };
}

/** The program the generated profiles run, and how it was chosen. */
export interface ProfileProgram {
  /** node and the awsorg script it runs. */
  command: string[];
  /**
   * 'path': the `awsorg` on PATH, which is this installation (npm link, npm install -g);
   * 'installation': this installation's own file, as no `awsorg` on PATH leads to it.
   */
  source: 'path' | 'installation';
  /** When source is 'installation': the first `awsorg` on PATH, which is another installation. */
  otherOnPath?: string;
}

/**
 * The program that is running now, so that the profiles run this same installation.
 *
 * When the first `awsorg` on PATH resolves to the running script (`npm link` or a global install
 * make such a link), the profiles name that PATH location rather than the file it points to: the
 * location stays put when the clone moves (`npm link` in the new place repoints it, and the
 * profiles work again unchanged), while the clone's own path is gone for good. It is written as
 * an absolute path, with node's, as before: credential_process runs with the PATH of whatever
 * starts the AWS CLI or an SDK (an IDE, cron, a GUI app), which often holds neither `awsorg` nor
 * the `node` its `#!/usr/bin/env node` line asks for.
 */
export function selfCommand(env: Deps['env']): ProfileProgram {
  const script = process.argv[1];
  if (!script)
    throw new AwsorgError(
      'cannot tell which file awsorg runs from',
      'Run awsorg through its installed command, e.g. `awsorg config generate`.',
    );
  const running = realpathSync(script);
  const onPath = firstOnPath(env.PATH, 'awsorg');
  let program: ProfileProgram = { command: [process.execPath, running], source: 'installation' };
  if (onPath) {
    let target: string | undefined;
    try {
      target = realpathSync(onPath);
    } catch {
      target = undefined;
    }
    program =
      target === running
        ? { command: [process.execPath, onPath], source: 'path' }
        : { ...program, otherOnPath: onPath };
  }
  for (const word of program.command) {
    // Neither INI parser can hold a line break in a value: the path would be cut in two.
    if (/[\r\n]/.test(word)) {
      throw new UsageError(
        `the path ${JSON.stringify(word)} holds a line break, which no line of ~/.aws/config can carry; nothing was written`,
        'Move awsorg (or node) to a directory whose path has no line break, then run `awsorg config generate` again.',
      );
    }
  }
  return program;
}

/** The first executable file NAME in PATH's absolute directories (a relative one depends on the caller's directory). */
function firstOnPath(path: string | undefined, name: string): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not there, or not executable: the shell would look further too.
    }
  }
  return undefined;
}

export interface DesiredProfiles {
  profiles: ProfileSpec[];
  /** Accounts that get no profile, and why. */
  unavailable: SkippedProfile[];
  liveAccountIds: Set<string>;
}

/** The profiles the inventory calls for, sorted by name. Pure given the context. */
export function desiredProfiles(
  ctx: OperatorContext,
  opts: { prefix: string; region: string; command: string[] },
): DesiredProfiles {
  const unavailable: SkippedProfile[] = [];
  const requests: Array<NamingRequest & { account: InventoryAccount }> = [];
  const live = ctx.inventory.accounts.filter((a) => !a.status || a.status === 'ACTIVE');
  for (const account of live) {
    // Organizations creates OrganizationAccountAccessRole in member accounts only; a profile for
    // the management account through it would always be refused.
    if (ctx.base.kind !== 'sso' && account.id === ctx.inventory.managementAccountId) {
      unavailable.push({
        name: '',
        accountId: account.id,
        reason: `${account.name}: the management account has no ${ctx.settings.defaultRole}; use your own sign-in there`,
      });
      continue;
    }
    const alias = aliasesFor(account.id, ctx.settings.aliases)[0];
    const roles = account.roles && account.roles.length > 1 ? [...account.roles].sort() : undefined;
    let chosen: string[];
    try {
      chosen = roles ?? [chooseRole(ctx, account)];
    } catch (err) {
      unavailable.push({ name: '', accountId: account.id, reason: `${account.name}: ${(err as Error).message}` });
      continue;
    }
    for (const role of chosen)
      requests.push({
        account,
        accountId: account.id,
        accountName: account.name,
        ...(alias ? { alias } : {}),
        role,
        perRole: Boolean(roles),
      });
  }
  const names = assignProfileNames(opts.prefix, requests);
  const program = opts.command.map(shQuote).join(' ');
  const profiles = requests.map((r): ProfileSpec => {
    const { account, role } = r;
    const aliases = aliasesFor(account.id, ctx.settings.aliases);
    const production = productionReason(account, ctx.settings.production);
    const describe = `${account.name} (${account.id})${account.ouPath ? ` ${account.ouPath}` : ''}${aliases.length ? `, alias ${aliases.join(', ')}` : ''}, role ${role}`;
    return {
      name: names.get(r)!,
      accountId: account.id,
      role,
      comments: [
        describe,
        ...(production
          ? [`PRODUCTION (${production}): this profile acts in a production account without asking for confirmation`]
          : []),
      ],
      settings: [
        [
          'credential_process',
          iniSafeCommandLine(`${program} credential-process ${account.id} --role ${shQuote(role)}`),
        ],
        ['region', opts.region],
      ],
    };
  });
  profiles.sort((a, b) => a.name.localeCompare(b.name));
  return { profiles, unavailable, liveAccountIds: new Set(live.map((a) => a.id)) };
}

export async function run(opts: ConfigOptions, deps: Deps): Promise<number> {
  if (opts.action === 'remove') return remove(opts, deps);
  const file = awsConfigPath(deps.env);
  // A dangling symlink is refused before the inventory is loaded, not after.
  configTarget(file);
  const program = opts.program ?? selfCommand(deps.env);
  const ctx = await loadOperatorContext(deps, {
    refresh: opts.refresh,
    onProgress: (m) => deps.stderr.write(`${m}\n`),
  });
  const region = opts.region ?? resolveRegion(deps.env);
  const desired = desiredProfiles(ctx, { prefix: opts.prefix, region, command: program.command });
  const planFor = (current: string | undefined): BlockPlan =>
    planBlock({
      text: current ?? '',
      file,
      desired: desired.profiles,
      reservedNames: credentialsFileProfiles(deps.env),
      liveAccountIds: desired.liveAccountIds,
      prune: opts.prune,
    });
  let plan: BlockPlan;
  let diff: string | undefined;
  if (opts.dryRun) {
    const current = readConfigSnapshot(configTarget(file)).text;
    plan = planFor(current);
    diff = unifiedDiff(current ?? '', plan.text, current === undefined ? '/dev/null' : file, file);
  } else {
    // Under a lock against other awsorg runs, re-planned if another program writes the file meanwhile.
    plan = updateConfigFile(file, planFor, 'awsorg config generate');
  }
  const skipped = [...plan.skipped, ...desired.unavailable];
  if (opts.json) {
    const programSummary = {
      command: program.command.map(shQuote).join(' '),
      source: program.source,
      ...(program.otherOnPath ? { otherOnPath: program.otherOnPath } : {}),
    };
    deps.stdout.write(
      JSON.stringify(
        {
          file,
          dryRun: opts.dryRun,
          changed: plan.changed,
          program: programSummary,
          ...summaryLists(plan),
          skipped,
          ...(diff !== undefined ? { diff } : {}),
        },
        null,
        2,
      ) + '\n',
    );
  } else if (diff) {
    deps.stdout.write(terminalLines(diff));
  }
  deps.stderr.write(terminalLines(summaryText(file, plan, skipped, opts) + programText(program)));
  return ExitCode.ok;
}

/** Which program the profiles run, and what moving it means. */
function programText(program: ProfileProgram): string {
  const line = program.command.map(shQuote).join(' ');
  if (program.source === 'path') {
    return `  profiles run ${line}: the awsorg on PATH, which is this installation (a move of the clone needs only \`npm link\` again in its new place)\n`;
  }
  const other = program.otherOnPath
    ? `the awsorg on PATH (${program.otherOnPath}) is another installation`
    : 'no awsorg on PATH leads to it';
  return `  profiles run ${line}: this installation's own file, as ${other}; if it moves, run \`awsorg config generate\` again (after \`npm link\` in the clone, profiles name the linked awsorg instead and survive a move)\n`;
}

/** `config remove`: the block goes, under the same lock and carry-over as generate. */
function remove(opts: ConfigRemoveOptions, deps: Deps): number {
  const file = awsConfigPath(deps.env);
  const target = configTarget(file);
  let plan: RemovalPlan;
  let diff: string | undefined;
  if (opts.dryRun) {
    const current = readConfigSnapshot(target).text;
    plan = planBlockRemoval(current ?? '', file);
    diff = unifiedDiff(current ?? '', plan.text, file, file);
  } else if (readConfigSnapshot(target).text === undefined) {
    plan = { text: '', changed: false, removed: [] };
  } else {
    plan = updateConfigFile(file, (current) => planBlockRemoval(current ?? '', file), 'awsorg config remove');
  }
  if (opts.json) {
    deps.stdout.write(
      JSON.stringify(
        {
          file,
          dryRun: opts.dryRun,
          changed: plan.changed,
          removed: plan.removed,
          ...(diff !== undefined ? { diff } : {}),
        },
        null,
        2,
      ) + '\n',
    );
  } else if (diff) {
    deps.stdout.write(terminalLines(diff));
  }
  const count = `${plan.removed.length} profile${plan.removed.length === 1 ? '' : 's'}`;
  const head = !plan.changed
    ? `awsorg: ${file} has no awsorg block; nothing to remove`
    : opts.dryRun
      ? `awsorg: dry run, nothing written; awsorg's block (${count}) would be removed from ${file}`
      : `awsorg: removed awsorg's block (${count}) from ${file}; nothing outside it was changed`;
  deps.stderr.write(
    terminalLines(
      [
        head,
        ...plan.removed.map(
          (p) => `  removed  ${p.name}${p.accountId ? `  (${p.accountId}${p.role ? `, ${p.role}` : ''})` : ''}`,
        ),
      ].join('\n') + '\n',
    ),
  );
  return ExitCode.ok;
}

function summaryLists(plan: BlockPlan) {
  return {
    added: plan.added,
    updated: plan.updated,
    unchanged: plan.unchanged,
    stale: plan.stale,
    pruned: plan.pruned,
  };
}

function summaryText(file: string, plan: BlockPlan, skipped: SkippedProfile[], opts: ConfigGenerateOptions): string {
  const counts = `${plan.added.length} added, ${plan.updated.length} updated, ${plan.unchanged.length} unchanged, ${plan.stale.length} stale kept, ${plan.pruned.length} pruned, ${skipped.length} skipped`;
  const head = opts.dryRun
    ? `awsorg: dry run, nothing written; ${plan.changed ? `${file} would change` : `${file} is already up to date`} (${counts})`
    : plan.changed
      ? `awsorg: updated ${file} (${counts})`
      : `awsorg: ${file} is already up to date (${counts})`;
  const lines = [head];
  for (const p of plan.added) lines.push(`  added    ${p.name}  (${p.accountId}, ${p.role})`);
  for (const p of plan.updated) lines.push(`  updated  ${p.name}  (${p.accountId}, ${p.role})`);
  for (const p of plan.stale) lines.push(`  stale    ${p.name}: ${p.reason}; kept (--prune removes it)`);
  for (const p of plan.pruned) lines.push(`  pruned   ${p.name}: ${p.reason}`);
  for (const p of skipped) lines.push(`  skipped  ${p.name || p.accountId}: ${p.reason}`);
  if (skipped.some((s) => s.name))
    lines.push(
      `  (awsorg never shadows a profile of yours; rename yours or use --prefix to give awsorg's another name)`,
    );
  return lines.join('\n') + '\n';
}

/**
 * Profile names in the shared credentials file, where each section is a profile: its keys win
 * over a credential_process of the same name in the config file. Headers are read as botocore
 * reads them, so `[awsorg-dev] ; old static keys` is profile awsorg-dev.
 */
function credentialsFileProfiles(env: Deps['env']): ReservedName[] {
  const file = awsCredentialsPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return iniLines(text).flatMap((line) =>
    // "[profile x]" there is a profile literally named "profile x" to botocore; x is kept clear
    // too, as a reader who wrote it meant.
    line.kind === 'header'
      ? [
          ...new Set([
            line.section.trim().replace(/\s+/g, ' '),
            line.section
              .trim()
              .replace(/\s+/g, ' ')
              .replace(/^profile /, ''),
          ]),
        ].map((name) => ({ name, file, line: line.line, header: line.text }))
      : [],
  );
}
