import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { bucketNameProblem, loadBlueprint } from '../core/blueprint-load.js';
import { MANAGEMENT_ACCOUNT, type LockKind } from '../core/blueprint.js';
import type { Deps } from '../aws/deps.js';
import { AwsCallError, ExitCode, UsageError } from '../core/errors.js';
import { isRegion } from '../core/regions.js';
import { usesDynamoDb, type S3BackendSettings } from '../terraform/backend.js';
import type { AwsSession } from '../aws/session.js';
import { migrateState, type MigrationResult } from '../terraform/migrate.js';
import { TOOL_CHOICES, type ToolChoice } from '../terraform/tool.js';
import { terminalLines, terminalText } from '../core/terminal-text.js';
import { parseDeclared, subcommandOf, usageText } from './declare.js';
import { state as STATE } from './declarations.js';
import { parseHandoff, runHandoff, type StateHandoffOptions } from './state-handoff.js';

const migrateUsage = usageText(STATE.subcommands.migrate);

/** Both subcommands' flags: a flag of the other one is refused by name. */
export const STATE_FLAGS = { ...STATE.subcommands.migrate.flags, ...STATE.subcommands.handoff.flags };

export const usage = usageText(STATE);

const DEFAULT_MEMBER_ROLE = 'OrganizationAccountAccessRole';

const LOCKS: readonly LockKind[] = ['dynamodb', 'lockfile', 'both'];

export interface StateMigrateOptions {
  subcommand: 'migrate';
  dir: string | undefined;
  tool: ToolChoice | undefined;
  bucket: string | undefined;
  key: string | undefined;
  region: string | undefined;
  lock: LockKind | undefined;
  table: string | undefined;
  /** Account holding the bucket and table: `management`, an account name or a 12-digit id. */
  account: string | undefined;
  /** Role assumed in that account, by awsorg and (through backend.tf) by Terraform. */
  memberRole: string;
  config: string | undefined;
  /** Let the blueprint name policy files outside its own directory. */
  allowOutsideFiles: boolean;
  /** Accept the presets' placeholder values in the blueprint (an emulator run). */
  allowPlaceholders: boolean;
  json: boolean;
}

export type StateOptions = StateMigrateOptions | StateHandoffOptions;

export function parse(argv: string[]): StateOptions {
  if (subcommandOf(STATE, argv)?.path === 'state handoff') return parseHandoff(argv);
  return parseMigrate(argv);
}

function parseMigrate(argv: string[]): StateMigrateOptions {
  const { values, positionals } = parseDeclared(argv, STATE, STATE_FLAGS);
  const [subcommand, ...extra] = positionals;
  if (subcommand !== 'migrate') {
    throw new UsageError(
      subcommand
        ? `unknown subcommand "state ${terminalText(subcommand)}"`
        : 'missing subcommand: `state migrate` or `state handoff`',
      `Usage: ${usage}`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, `Usage: ${migrateUsage}`);

  const str = (name: keyof typeof values): string | undefined => {
    const v = values[name];
    if (typeof v !== 'string') return undefined;
    if (v.trim() === '') throw new UsageError(`--${name} is empty`, `Usage: ${migrateUsage}`);
    return v;
  };
  const tool = str('tool');
  if (tool !== undefined && !TOOL_CHOICES.includes(tool as ToolChoice)) {
    throw new UsageError(`--tool must be one of ${TOOL_CHOICES.join(', ')}, not "${tool}"`, `Usage: ${migrateUsage}`);
  }
  const lock = str('lock');
  if (lock !== undefined && !LOCKS.includes(lock as LockKind)) {
    throw new UsageError(`--lock must be one of ${LOCKS.join(', ')}, not "${lock}"`, `Usage: ${migrateUsage}`);
  }
  const opts: StateMigrateOptions = {
    subcommand,
    dir: str('dir'),
    tool: tool as ToolChoice | undefined,
    bucket: str('bucket'),
    key: str('key'),
    region: str('region'),
    lock: lock as LockKind | undefined,
    table: str('table'),
    account: str('account'),
    memberRole: str('member-role') ?? DEFAULT_MEMBER_ROLE,
    config: str('config'),
    allowOutsideFiles: Boolean(values['allow-outside-files']),
    allowPlaceholders: Boolean(values['allow-placeholders']),
    json: Boolean(values.json),
  };
  if (!/^[\w+=,.@-]{1,64}$/.test(opts.memberRole)) {
    throw new UsageError(
      `--member-role '${opts.memberRole}' is not an IAM role name`,
      "Use 1-64 letters, digits and '+=,.@_-', e.g. OrganizationAccountAccessRole.",
    );
  }
  // Without a blueprint every setting comes from flags, so the essential ones are required here,
  // before anything is read or run.
  if (!opts.config) {
    for (const flag of ['dir', 'bucket', 'key', 'region'] as const) {
      if (!opts[flag]) throw new UsageError(`--${flag} is required without --config`, `Usage: ${migrateUsage}`);
    }
  }
  return opts;
}

interface Resolved {
  dir: string;
  backend: S3BackendSettings;
  tool: ToolChoice;
  /** Account that holds the bucket (--account, else the blueprint's stateBackend.account). */
  account: string | undefined;
  /** Where the account came from, to name it in an error. */
  accountSource: string;
}

/** Flags win over the blueprint's `stateBackend` / `terraform` sections. */
async function resolveSettings(opts: StateMigrateOptions, deps: Deps): Promise<Resolved> {
  const loaded = opts.config
    ? await loadBlueprint(resolve(deps.cwd, opts.config), {
        allowOutsideFiles: opts.allowOutsideFiles,
        allowPlaceholders: opts.allowPlaceholders,
      })
    : undefined;
  const blueprint = loaded?.blueprint;
  if (loaded && !blueprint?.stateBackend && !opts.bucket) {
    throw new UsageError(
      `${loaded.file ?? opts.config} has no stateBackend section`,
      'Add stateBackend to the blueprint, or pass --bucket, --key and --region.',
    );
  }
  const dir = opts.dir
    ? resolve(deps.cwd, opts.dir)
    : blueprint?.terraform && loaded
      ? resolve(loaded.baseDir, blueprint.terraform.dir)
      : undefined;
  if (!dir) throw new UsageError('--dir is required (the blueprint has no terraform.dir)', `Usage: ${migrateUsage}`);
  const key = opts.key ?? blueprint?.terraform?.key;
  if (!key) throw new UsageError('--key is required (the blueprint has no terraform.key)', `Usage: ${migrateUsage}`);
  const region = opts.region ?? blueprint?.region;
  const bucket = opts.bucket ?? blueprint?.stateBackend?.bucket;
  const lock = opts.lock ?? blueprint?.stateBackend?.lock ?? 'lockfile';
  const table = opts.table ?? blueprint?.stateBackend?.table;
  if (!bucket || !region) throw new UsageError('--bucket and --region are required', `Usage: ${migrateUsage}`);

  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) throw new UsageError(`--bucket: ${bucketProblem.message}`, `Fix: ${bucketProblem.fix}.`);
  if (!isRegion(region))
    throw new UsageError(
      `--region: '${region}' is not an AWS region`,
      'Use a region code such as us-east-1 or eu-west-1.',
    );
  if (key.startsWith('/') || key.endsWith('/')) {
    throw new UsageError(
      `--key: '${key}' must not start or end with '/'`,
      'Use a key such as bootstrap/terraform.tfstate.',
    );
  }
  if (usesDynamoDb(lock) && !table)
    throw new UsageError(
      `--table is required with --lock ${lock}`,
      'Name the DynamoDB lock table (its key must be LockID, a string).',
    );
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(
      `--dir: ${dir} is not a directory`,
      'Pass the directory that holds the Terraform configuration and terraform.tfstate.',
    );
  }
  return {
    dir,
    backend: {
      bucket,
      key,
      region,
      lock,
      ...(usesDynamoDb(lock) && table ? { table } : {}),
      ...(blueprint?.stateBackend?.encryption ? { encryption: blueprint.stateBackend.encryption } : {}),
    },
    tool: opts.tool ?? blueprint?.terraform?.tool ?? 'auto',
    account: opts.account ?? blueprint?.stateBackend?.account,
    accountSource: opts.account ? '--account' : `stateBackend.account in ${loaded?.file ?? opts.config}`,
  };
}

/**
 * The role to reach a bucket in another account than the caller's: `arn:…:iam::ID:role/ROLE`,
 * or undefined when the bucket is in the caller's own account. An account name is looked up in
 * the organization (which needs the management account's credentials); an id is taken as is.
 */
async function stateAccountRole(
  account: string,
  source: string,
  memberRole: string,
  session: AwsSession,
): Promise<string | undefined> {
  if (account === MANAGEMENT_ACCOUNT) return undefined;
  const caller = await session.identity();
  let accountId = /^\d{12}$/.test(account) ? account : undefined;
  if (!accountId) {
    const { ListAccountsCommand } = await import('@aws-sdk/client-organizations');
    const names: Array<{ id: string; name: string }> = [];
    try {
      let NextToken: string | undefined;
      do {
        const out = await session.send('organizations', new ListAccountsCommand({ NextToken }));
        for (const a of out.Accounts ?? []) if (a.Id && a.Name !== undefined) names.push({ id: a.Id, name: a.Name });
        NextToken = out.NextToken;
      } while (NextToken);
    } catch (err) {
      if (!(err instanceof AwsCallError) || !/AccessDenied|AWSOrganizationsNotInUse/.test(err.code)) throw err;
      throw new UsageError(
        `${source}: cannot look up the account named "${account}" (${err.code} from organizations:ListAccounts as ${caller.arn})`,
        "Run with the management account's credentials, or pass the 12-digit account id with --account.",
      );
    }
    const exact = names.filter((a) => a.name === account);
    const folded = exact.length > 0 ? exact : names.filter((a) => a.name.toLowerCase() === account.toLowerCase());
    if (folded.length !== 1) {
      throw new UsageError(
        folded.length === 0
          ? `${source}: no account named "${account}" in the organization`
          : `${source}: ${folded.length} accounts are named "${account}"`,
        `Pass one of the accounts by name or 12-digit id: ${names.map((a) => `${a.name} (${a.id})`).join(', ')}.`,
      );
    }
    accountId = folded[0]!.id;
  }
  if (accountId === caller.account) return undefined;
  return `arn:${caller.arn.split(':')[1] || 'aws'}:iam::${accountId}:role/${memberRole}`;
}

export async function run(opts: StateOptions, deps: Deps): Promise<number> {
  if (opts.subcommand === 'handoff') return runHandoff(opts, deps);
  return runMigrate(opts, deps);
}

async function runMigrate(opts: StateMigrateOptions, deps: Deps): Promise<number> {
  const settings = await resolveSettings(opts, deps);
  const caller = deps.aws(settings.backend.region);
  const roleArn = settings.account
    ? await stateAccountRole(settings.account, settings.accountSource, opts.memberRole, caller)
    : undefined;
  const backend = { ...settings.backend, ...(roleArn ? { roleArn } : {}) };
  if (roleArn) {
    deps.stderr.write(
      `The state bucket is in account ${settings.account}: awsorg reaches it through ${roleArn}, and backend.tf makes ` +
        `${settings.tool === 'auto' ? 'Terraform' : settings.tool} assume the same role, so your current credentials are all it needs.\n`,
    );
  }
  // awsorg's own S3 calls go through the role; Terraform runs with the caller's own credentials
  // and assumes the role itself, as it will whenever the operator runs it later.
  const session = roleArn ? caller.assumeRole(roleArn, 'awsorg-state-migrate', { region: backend.region }) : caller;
  const result = await migrateState({
    dir: settings.dir,
    backend,
    tool: settings.tool,
    session,
    env: deps.env,
    spawn: deps.spawn,
    signal: deps.signal,
    onProgress: (message) => deps.stderr.write(`${message}\n`),
    onOutput: (line) => deps.stderr.write(`  | ${line}\n`),
  }).catch(async (err: unknown) => {
    const { explainRefusedObjectCall } = await import('../steps/tls-deny-hint.js');
    throw await explainRefusedObjectCall(err, session, settings.backend.bucket, deps.env, settings.backend.region);
  });
  if (opts.json) deps.stdout.write(JSON.stringify(jsonReport(result), null, 2) + '\n');
  else deps.stdout.write(humanReport(result));
  return ExitCode.ok;
}

export function jsonReport(result: MigrationResult) {
  return {
    status: result.status,
    dir: result.dir,
    bucket: result.bucket,
    key: result.key,
    region: result.region,
    lineage: result.lineage ?? null,
    serial: result.serial ?? null,
    backup: result.backup ?? null,
    tool: result.tool?.name ?? null,
    toolVersion: result.tool?.version ?? null,
    backendFile: result.backendFile ?? null,
    roleArn: result.roleArn ?? null,
    backendChanges: result.backendChanges,
    workspaces: result.workspaces.map((w) => ({
      name: w.name,
      key: w.key,
      status: w.status,
      lineage: w.lineage,
      serial: w.serial,
      remoteLineage: w.remote?.lineage ?? null,
      remoteSerial: w.remote?.serial ?? null,
      backup: w.backup ?? null,
    })),
    notes: result.notes,
  };
}

function workspaceLines(result: MigrationResult): string[] {
  if (result.workspaces.length < 2) return [];
  // Workspace names are directory names under terraform.tfstate.d, and what the bucket holds was
  // written by whoever wrote it: shown visibly, each one, before the columns are padded.
  const workspaces = result.workspaces.map((w) => ({
    ...w,
    name: terminalText(w.name),
    key: terminalText(w.key),
    lineage: terminalText(w.lineage),
    ...(w.remote ? { remote: { ...w.remote, lineage: terminalText(w.remote.lineage) } } : {}),
  }));
  const name = Math.max(...workspaces.map((w) => w.name.length));
  const key = Math.max(...workspaces.map((w) => w.key.length));
  const moved = workspaces.filter((w) => w.status === 'moved').length;
  return [
    `  Workspaces: ${result.tool?.name ?? 'terraform'} init -migrate-state moved all ${result.workspaces.length}; ${moved} of them check out in the bucket:`,
    ...workspaces.map((w) => {
      const found = w.remote ? `lineage ${w.remote.lineage}, serial ${w.remote.serial}` : 'no state';
      const verdict =
        w.status === 'moved'
          ? w.remote && w.remote.serial !== w.serial
            ? `lineage kept, serial ${w.serial} -> ${w.remote.serial}`
            : 'lineage and serial kept'
          : `${w.status.toUpperCase()}: the local state had lineage ${w.lineage}, serial ${w.serial}`;
      return `    ${w.name.padEnd(name)}  s3://${result.bucket}/${w.key.padEnd(key)}  ${found}  (${verdict})`;
    }),
  ];
}

export function humanReport(result: MigrationResult): string {
  const target = `s3://${result.bucket}/${result.key}`;
  const lines: string[] = [];
  switch (result.status) {
    case 'migrated':
      lines.push(
        `Migrated the state of ${result.dir} to ${target} (${result.region}).`,
        `  Lineage:  ${result.lineage}`,
        `  Serial:   ${result.serial}  (the remote object matches the local state)`,
        `  Backup:   ${result.backup}`,
        `  Tool:     ${result.tool?.name}${result.tool?.version ? ` ${result.tool.version}` : ''}`,
        `  Backend:  ${result.backendFile === 'written' ? 'backend.tf written' : result.backendFile === 'operator' ? 'declared in your configuration' : 'backend.tf already in place'}`,
        ...(result.roleArn ? [`  Role:     ${result.roleArn} (backend.tf assume_role)`] : []),
        ...workspaceLines(result),
      );
      break;
    case 'reconfigured':
      lines.push(
        `Reconfigured the backend of ${result.dir}: ${result.backendChanges.join(', ')}.`,
        `  backend.tf rewritten and re-initialised with ${result.tool?.name ?? 'terraform'} init -reconfigure; the state in ${target} was not moved ` +
          `(lineage ${result.lineage}, serial ${result.serial}).`,
        ...(result.roleArn ? [`  Role:     ${result.roleArn} (backend.tf assume_role)`] : []),
      );
      break;
    case 'already-migrated':
      lines.push(
        `Already migrated: the state of ${result.dir} is in ${target} (lineage ${result.lineage}, serial ${result.serial}). Nothing was changed.`,
      );
      break;
    case 'no-local-state':
      lines.push(
        `No local state in ${result.dir} (no terraform.tfstate, or it is empty): nothing to migrate. Nothing was changed.`,
      );
      break;
  }
  for (const note of result.notes.filter((n) => !n.startsWith('no local state in '))) lines.push(`Note: ${note}`);
  return terminalLines(lines.join('\n')) + '\n';
}
