/**
 * Moving a Terraform/OpenTofu directory's local state into the S3 backend, shared by the
 * bootstrap step `migrate-state` and `awsorg state migrate`.
 *
 * Why awsorg uploads the state itself before running `init -migrate-state`: when the target
 * key is empty, Terraform's remote state manager gives the copy a fresh lineage and serial 1
 * (internal/states/remote/state.go, PersistState). The copy would then no longer be
 * recognisably the same state as the backup. So awsorg first writes the local state file,
 * byte for byte and only if the key is still empty, to the key; `init -migrate-state
 * -force-copy` then finds source and destination equal, configures the backend and empties
 * the local file. Lineage and serial are preserved and can be checked.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AwsSession } from '../aws/session.js';
import type { Env } from '../aws/deps.js';
import { AwsCallError, AwsorgError, PreconditionError } from '../core/errors.js';
import {
  BACKEND_FILE,
  describeBackendChange,
  inspectBackendDeclarations,
  kmsKeyArn,
  renderBackend,
  sameStateLocation,
  usesDynamoDb,
  usesLockfile,
  type BackendDeclaration,
  type ConfigFile,
  type S3BackendSettings,
} from './backend.js';
import {
  compareVersions,
  LOCKFILE_MIN_VERSION,
  requireTool,
  runTool,
  toolEnv,
  toolVersion,
  type TerraformTool,
  type ToolChoice,
} from './tool.js';

export const LOCAL_STATE_FILE = 'terraform.tfstate';
/** Where the local backend keeps the state of workspaces other than `default`, one directory each. */
const WORKSPACES_DIR = 'terraform.tfstate.d';

function isAwsError(err: unknown, ...codes: string[]): boolean {
  return err instanceof AwsCallError && codes.includes(err.code);
}

type Spawn = typeof import('node:child_process').spawn;

export interface StateSnapshot {
  lineage: string;
  serial: number;
  /** The file exactly as stored. */
  bytes: Buffer;
}

export type RemoteLookup =
  | { kind: 'present'; state: StateSnapshot; etag: string | undefined }
  | { kind: 'absent' }
  /** The state bucket does not exist (yet): an earlier bootstrap step creates it. */
  | { kind: 'no-bucket' }
  /** Not looked up (plan on a fresh organization, where the state account cannot be reached yet). */
  | { kind: 'unknown'; reason: string };

export interface MigrationInspection {
  dir: string;
  /** The local default-workspace state; undefined when the file is absent or empty. */
  local: StateSnapshot | undefined;
  declaration: BackendDeclaration;
  remote: RemoteLookup;
  /** Non-default workspaces with local state under terraform.tfstate.d. */
  workspaces: string[];
}

export type SeedAction = 'put-new' | 'replace' | 'keep';

export type MigrationAssessment =
  | {
      action: 'migrate';
      local: StateSnapshot;
      seed: SeedAction | 'after-bucket-exists';
      writeBackend: boolean;
      notes: string[];
    }
  | { action: 'already-migrated'; remote: StateSnapshot; notes: string[] }
  /**
   * The state is already in the bucket under awsorg's backend.tf, but that file was written for
   * other settings at the same location (the lock mode or the role changed): rewrite it and run
   * `init -reconfigure`. The state object itself is not touched.
   */
  | { action: 'reconfigure'; remote: StateSnapshot; changes: string[]; notes: string[] }
  | { action: 'no-local-state'; notes: string[] }
  | { action: 'refuse'; reason: string; nextStep: string };

export type MigrationStatus = 'migrated' | 'reconfigured' | 'already-migrated' | 'no-local-state';

/** One workspace's state after `init -migrate-state`, as read back from the bucket. */
export interface WorkspaceResult {
  name: string;
  /** Object key in the bucket: the backend key for `default`, `env:/NAME/<key>` for the others. */
  key: string;
  /** The local state before the move. */
  lineage: string;
  serial: number;
  /** What the bucket holds afterwards (undefined when nothing). */
  remote: { lineage: string; serial: number } | undefined;
  /**
   * `moved`: the bucket holds the same lineage at the same or a later serial (Terraform writes
   * non-default workspaces once more, so their serial goes up by one); `differs` (another
   * lineage, or an older serial) or `missing` otherwise.
   */
  status: 'moved' | 'differs' | 'missing';
  /** Copy of the local file kept before the move. */
  backup: string | undefined;
}

export interface MigrationResult {
  status: MigrationStatus;
  dir: string;
  bucket: string;
  key: string;
  region: string;
  lineage: string | undefined;
  serial: number | undefined;
  /** Absolute path of the copy of the local state kept before migrating. */
  backup: string | undefined;
  tool: { name: string; path: string; version: string | undefined } | undefined;
  /** What happened to backend.tf: written now, already there, or the operator's own declaration used. */
  backendFile: 'written' | 'unchanged' | 'operator' | undefined;
  /** Role backend.tf makes Terraform assume to reach the bucket (a member account's). */
  roleArn: string | undefined;
  /** For `reconfigured`: what changed in backend.tf (`lock lockfile (was dynamodb)`). */
  backendChanges: string[];
  /** For `migrated`: every workspace that had local state, `default` first, as found in the bucket afterwards. */
  workspaces: WorkspaceResult[];
  notes: string[];
}

export interface MigrateOptions {
  /** Absolute path of the Terraform directory. */
  dir: string;
  backend: S3BackendSettings;
  tool: ToolChoice;
  /** Session that reads and writes the state bucket (and the lock table). */
  session: AwsSession;
  /** Environment for PATH lookup and the tool process. It is passed through, never printed. */
  env: Env;
  spawn: Spawn;
  signal?: AbortSignal;
  /** Variables to set (or, with undefined, remove) for the tool only, e.g. assumed-role credentials. */
  toolEnvOverrides?: Record<string, string | undefined>;
  /** Each line the tool prints. */
  onOutput?(line: string): void;
  /** Short progress messages ("Running terraform init ..."). */
  onProgress?(message: string): void;
}

// ---------------------------------------------------------------------------------------------
// Reading what exists

/** Parse a state file's text. Undefined for an empty file (Terraform leaves one after migrating). */
export function parseState(bytes: Buffer, where: string): StateSnapshot | undefined {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return undefined;
  let parsed: { lineage?: unknown; serial?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new AwsorgError(
      `${where} is not valid JSON: ${(err as Error).message}`,
      'Restore the state file from a backup before migrating; nothing was changed.',
    );
  }
  if (typeof parsed.lineage !== 'string' || typeof parsed.serial !== 'number') {
    throw new AwsorgError(
      `${where} has no lineage or serial; it is not a Terraform state file of format 4`,
      'Run `terraform plan` once with a current Terraform to upgrade the state, then migrate again; nothing was changed.',
    );
  }
  return { lineage: parsed.lineage, serial: parsed.serial, bytes };
}

export async function readLocalState(dir: string): Promise<StateSnapshot | undefined> {
  const path = join(dir, LOCAL_STATE_FILE);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseState(bytes, path);
}

export async function readConfigFiles(dir: string): Promise<ConfigFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isFile() && /\.tf(\.json)?$/.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(names.map(async (name) => ({ name, text: await readFile(join(dir, name), 'utf8') })));
}

async function localWorkspaces(dir: string): Promise<string[]> {
  const root = join(dir, WORKSPACES_DIR);
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const names: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const file = join(root, e.name, LOCAL_STATE_FILE);
    if (existsSync(file) && statSync(file).size > 0) names.push(e.name);
  }
  return names.sort();
}

/** GetObject on the state key (or another key of the bucket, a workspace's): the state, or why there is none. */
export async function readRemoteState(
  session: AwsSession,
  backend: S3BackendSettings,
  key = backend.key,
): Promise<RemoteLookup> {
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  try {
    const out = await session.send('s3', new GetObjectCommand({ Bucket: backend.bucket, Key: key }), {
      region: backend.region,
    });
    const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    const state = parseState(bytes, `s3://${backend.bucket}/${key}`);
    return state ? { kind: 'present', state, etag: out.ETag } : { kind: 'absent' };
  } catch (err) {
    if (isAwsError(err, 'NoSuchKey', 'NotFound')) return { kind: 'absent' };
    if (isAwsError(err, 'NoSuchBucket')) return { kind: 'no-bucket' };
    throw err;
  }
}

/**
 * Everything the decision needs, read-only. `remote` is injected so the bootstrap step can
 * tolerate a state account that does not exist yet during `--plan`.
 */
export async function inspectMigration(
  dir: string,
  backend: S3BackendSettings,
  remote: () => Promise<RemoteLookup>,
): Promise<MigrationInspection> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new PreconditionError(
      `The Terraform directory ${dir} does not exist`,
      'Check terraform.dir in the blueprint (or --dir); nothing was changed.',
    );
  }
  const [local, files, workspaces] = await Promise.all([
    readLocalState(dir),
    readConfigFiles(dir),
    localWorkspaces(dir),
  ]);
  const declaration = inspectBackendDeclarations(files, backend);
  // A directory with no local state and no backend declared has nothing to move or report, so
  // the bucket is not read at all (saves a call, and works before the bucket is readable).
  const remoteState: RemoteLookup =
    local || declaration.kind !== 'none'
      ? await remote()
      : { kind: 'unknown', reason: 'not read: no local state and no backend declared' };
  return { dir, local, declaration, remote: remoteState, workspaces };
}

// ---------------------------------------------------------------------------------------------
// Deciding (pure)

function sameContent(a: StateSnapshot, b: StateSnapshot): boolean {
  if (a.bytes.equals(b.bytes)) return true;
  try {
    return (
      JSON.stringify(JSON.parse(a.bytes.toString('utf8'))) === JSON.stringify(JSON.parse(b.bytes.toString('utf8')))
    );
  } catch {
    return false;
  }
}

const describe = (s: StateSnapshot) => `lineage ${s.lineage}, serial ${s.serial}`;

/** Said before a move; afterwards the result lists each workspace instead. */
function workspacesNote(inspection: MigrationInspection, backend: S3BackendSettings): string {
  return (
    `${inspection.dir}/${WORKSPACES_DIR} holds workspaces ${inspection.workspaces.join(', ')}; ` +
    `init -migrate-state moves them too, each to ${workspaceKey('NAME', backend.key, inspection.declaration)}, and awsorg checks each afterwards.`
  );
}

const EDITED_NEXT_STEP =
  `Move your additions out of ${BACKEND_FILE} into another .tf file, or delete its first line (the awsorg marker) to make it your own ` +
  'and change its settings yourself, then run `terraform init -reconfigure`; nothing was changed.';

/** What to do for an inspected directory. Pure, so `plan` can use it. */
export function assessMigration(inspection: MigrationInspection, backend: S3BackendSettings): MigrationAssessment {
  const { dir, local, declaration, remote } = inspection;
  const target = `s3://${backend.bucket}/${backend.key}`;
  const notes: string[] = [];
  const declaredMatches = declaration.kind === 'ours-current' || declaration.kind === 'operator-matching';
  if (local && inspection.workspaces.length > 0) notes.push(workspacesNote(inspection, backend));

  if (!local) {
    if (remote.kind === 'present' && declaredMatches)
      return { action: 'already-migrated', remote: remote.state, notes };
    if (
      remote.kind === 'present' &&
      declaration.kind === 'ours-outdated' &&
      sameStateLocation(declaration.declared, backend)
    ) {
      return {
        action: 'reconfigure',
        remote: remote.state,
        changes: describeBackendChange(declaration.declared, backend),
        notes,
      };
    }
    if (
      remote.kind === 'present' &&
      declaration.kind === 'conflict' &&
      declaration.edited &&
      declaration.declared &&
      sameStateLocation(declaration.declared, backend)
    ) {
      return {
        action: 'refuse',
        reason: `Cannot reconfigure the backend of ${dir}: ${declaration.reason}.`,
        nextStep: EDITED_NEXT_STEP,
      };
    }
    if (declaration.kind === 'conflict') notes.push(`${declaration.reason}.`);
    else if (remote.kind === 'present')
      notes.push(
        `${target} already holds state (${describe(remote.state)}), but ${dir} does not declare that backend.`,
      );
    return { action: 'no-local-state', notes: [`no local state in ${dir}: nothing to migrate`, ...notes] };
  }

  if (declaration.kind === 'conflict') {
    return {
      action: 'refuse',
      reason: `Cannot migrate the local state of ${dir}: ${declaration.reason}.`,
      nextStep: declaration.edited
        ? EDITED_NEXT_STEP
        : 'Remove the other backend declaration (or the file awsorg did not write), or move the state yourself with `terraform init -migrate-state`; nothing was changed.',
    };
  }

  let seed: SeedAction | 'after-bucket-exists';
  switch (remote.kind) {
    case 'absent':
      seed = 'put-new';
      break;
    case 'no-bucket':
    case 'unknown':
      seed = 'after-bucket-exists';
      break;
    case 'present': {
      const r = remote.state;
      if (r.lineage !== local.lineage) {
        return {
          action: 'refuse',
          reason: `${target} already holds a different state (${describe(r)}) than ${dir}/${LOCAL_STATE_FILE} (${describe(local)}); migrating would overwrite it.`,
          nextStep:
            'Choose another key (terraform.key in the blueprint, or --key), or remove that object if it is really unused; nothing was changed.',
        };
      }
      if (r.serial > local.serial) {
        return {
          action: 'refuse',
          reason: `${target} holds a newer snapshot of this state (serial ${r.serial}) than ${dir}/${LOCAL_STATE_FILE} (serial ${local.serial}); migrating would roll it back.`,
          nextStep: `Keep working with the remote state: move ${LOCAL_STATE_FILE} aside and run \`terraform init\`; nothing was changed.`,
        };
      }
      if (r.serial === local.serial) {
        if (!sameContent(r, local)) {
          return {
            action: 'refuse',
            reason: `${target} and ${dir}/${LOCAL_STATE_FILE} both have ${describe(local)} but different contents.`,
            nextStep: 'Compare the two files and keep the right one before migrating; nothing was changed.',
          };
        }
        // An earlier run uploaded the state and stopped before `init` finished.
        seed = 'keep';
      } else {
        seed = 'replace';
      }
      break;
    }
  }
  return {
    action: 'migrate',
    local,
    seed,
    writeBackend: declaration.kind === 'none' || declaration.kind === 'ours-outdated',
    notes,
  };
}

// ---------------------------------------------------------------------------------------------
// Doing

/** `terraform.tfstate.awsorg-backup-<serial>`; an identical existing backup is reused, never overwritten. */
export async function keepBackup(dir: string, local: StateSnapshot): Promise<string> {
  for (let n = 1; ; n++) {
    const path = join(dir, `${LOCAL_STATE_FILE}.awsorg-backup-${local.serial}${n === 1 ? '' : `-${n}`}`);
    let existing: Buffer | undefined;
    try {
      existing = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (existing?.equals(local.bytes)) return path;
    if (existing) continue;
    // State files can hold secrets (resource attributes), so the copy is private to its owner.
    await writeFile(path, local.bytes, { mode: 0o600, flag: 'wx' });
    return path;
  }
}

/**
 * S3-compatible endpoints set through the environment (emulators, gateways) rarely resolve
 * bucket.host names; Terraform's S3 backend then needs path-style addressing. This goes on the
 * command line, never into backend.tf, which must stay right for real AWS.
 */
export function backendConfigArgs(env: Env): string[] {
  if (/^(true|1)$/i.test(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '')) return [];
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL ? ['-backend-config=use_path_style=true'] : [];
}

export const INIT_ARGS = ['init', '-migrate-state', '-force-copy', '-input=false', '-no-color'];
export const REINIT_ARGS = ['init', '-reconfigure', '-input=false', '-no-color'];

/**
 * The bucket key of a workspace's state: Terraform's S3 backend keeps non-default workspaces
 * under `<workspace_key_prefix>/NAME/<key>`, with the prefix `env:` unless the operator's own
 * declaration sets another.
 */
export function workspaceKey(name: string, key: string, declaration: BackendDeclaration): string {
  if (name === 'default') return key;
  const declared =
    declaration.kind === 'operator-matching' || declaration.kind === 'ours-current' ? declaration.declared : undefined;
  const prefix = declared?.attributes.workspace_key_prefix ?? 'env:';
  return `${prefix}/${name}/${key}`;
}

/** The lock table's digest item for a state object, which Terraform checks on every read when it uses a table. */
async function recordDigest(
  session: AwsSession,
  backend: S3BackendSettings,
  key: string,
  bytes: Buffer,
): Promise<void> {
  if (!usesDynamoDb(backend.lock) || !backend.table) return;
  const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
  await session.send(
    'dynamodb',
    new PutItemCommand({
      TableName: backend.table,
      Item: {
        LockID: { S: `${backend.bucket}/${key}-md5` },
        Digest: { S: createHash('md5').update(bytes).digest('hex') },
      },
    }),
    { region: backend.region },
  );
}

async function seedRemote(
  opts: MigrateOptions,
  local: StateSnapshot,
  seed: SeedAction,
  etag: string | undefined,
): Promise<void> {
  const { backend, session } = opts;
  const target = `s3://${backend.bucket}/${backend.key}`;
  if (seed !== 'keep') {
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const kms = kmsKeyArn(backend.encryption);
    opts.onProgress?.(`Uploading ${LOCAL_STATE_FILE} (${describe(local)}) to ${target}`);
    try {
      await session.send(
        's3',
        new PutObjectCommand({
          Bucket: backend.bucket,
          Key: backend.key,
          Body: local.bytes,
          ContentType: 'application/json',
          // The same encryption headers Terraform sends for `encrypt = true` (and kms_key_id).
          ServerSideEncryption: kms ? 'aws:kms' : 'AES256',
          ...(kms ? { SSEKMSKeyId: kms } : {}),
          // Never overwrite a state someone else wrote meanwhile.
          ...(seed === 'put-new' ? { IfNoneMatch: '*' } : { IfMatch: etag }),
        }),
        { region: backend.region },
      );
    } catch (err) {
      if (!isAwsError(err, 'PreconditionFailed', 'ConditionalRequestConflict')) throw err;
      // Either a retried request had already succeeded, or someone else wrote the key.
      const now = await readRemoteState(session, backend);
      if (
        now.kind !== 'present' ||
        now.state.lineage !== local.lineage ||
        now.state.serial !== local.serial ||
        !sameContent(now.state, local)
      ) {
        throw new PreconditionError(
          `${target} changed while awsorg was migrating the state`,
          'Run the command again; it rechecks what the key holds. Your local state is unchanged.',
          { cause: err },
        );
      }
    }
  }
  // With a DynamoDB lock table Terraform checks the object against the MD5 digest it keeps in
  // the table (item `<bucket>/<key>-md5`), and fails on a stale one. Record the uploaded file's.
  await recordDigest(session, backend, backend.key, local.bytes);
}

function tail(output: string, lines = 30): string {
  return output
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `  | ${l}`)
    .join('\n');
}

/** Migrate the directory's local state into the S3 backend, or report why nothing was needed. */
export async function migrateState(opts: MigrateOptions): Promise<MigrationResult> {
  const { dir, backend } = opts;
  const target = `s3://${backend.bucket}/${backend.key}`;
  const inspection = await inspectMigration(dir, backend, () => readRemoteState(opts.session, backend));
  const assessment = assessMigration(inspection, backend);
  const base = {
    dir,
    bucket: backend.bucket,
    key: backend.key,
    region: backend.region,
    roleArn: backend.roleArn,
    backendChanges: [] as string[],
    workspaces: [] as WorkspaceResult[],
  };

  if (assessment.action === 'refuse') throw new PreconditionError(assessment.reason, assessment.nextStep);
  if (assessment.action === 'no-local-state') {
    return {
      ...base,
      status: 'no-local-state',
      lineage: undefined,
      serial: undefined,
      backup: undefined,
      tool: undefined,
      backendFile: undefined,
      notes: assessment.notes,
    };
  }
  if (assessment.action === 'already-migrated') {
    return {
      ...base,
      status: 'already-migrated',
      lineage: assessment.remote.lineage,
      serial: assessment.remote.serial,
      backup: undefined,
      tool: undefined,
      backendFile: inspection.declaration.kind === 'operator-matching' ? 'operator' : 'unchanged',
      notes: assessment.notes,
    };
  }
  if (assessment.action === 'reconfigure')
    return reconfigureBackend(opts, assessment.remote, assessment.changes, assessment.notes);

  const { local } = assessment;
  if (assessment.seed === 'after-bucket-exists') {
    throw new PreconditionError(
      `The state bucket ${backend.bucket} does not exist${inspection.remote.kind === 'unknown' ? ` or could not be read (${inspection.remote.reason})` : ''}`,
      'Create it first (bootstrap creates it in the state-backend step), then migrate again; nothing was changed.',
    );
  }

  const tool = requireTool(opts.tool, opts.env);
  const childEnv = toolEnv(opts.env, opts.toolEnvOverrides);
  const version = await toolVersion(tool, { env: childEnv, spawn: opts.spawn, cwd: dir, signal: opts.signal });
  checkLockSupport(tool, version, backend);

  // `init -migrate-state -force-copy` moves every workspace, not only the default one, and
  // overwrites what their keys hold: check those keys as the default one was checked.
  const others = await readLocalWorkspaceStates(dir, inspection.workspaces);
  for (const ws of others)
    await checkWorkspaceTarget(opts, ws, workspaceKey(ws.name, backend.key, inspection.declaration));

  const backup = await keepBackup(dir, local);
  opts.onProgress?.(`Kept a copy of the local state at ${backup}`);
  const workspaceBackups = new Map<string, string>();
  for (const ws of others)
    workspaceBackups.set(ws.name, await keepBackup(join(dir, WORKSPACES_DIR, ws.name), ws.state));

  await seedRemote(
    opts,
    local,
    assessment.seed,
    inspection.remote.kind === 'present' ? inspection.remote.etag : undefined,
  );

  const backendPath = join(dir, BACKEND_FILE);
  const previousBackend =
    assessment.writeBackend && existsSync(backendPath) ? await readFile(backendPath, 'utf8') : undefined;
  if (assessment.writeBackend) await writeFile(backendPath, renderBackend(backend));

  const args = [...INIT_ARGS, ...backendConfigArgs(opts.env)];
  opts.onProgress?.(`Running ${tool.name} ${args.join(' ')} in ${dir}`);
  const run = await runTool(tool, args, {
    cwd: dir,
    env: childEnv,
    spawn: opts.spawn,
    signal: opts.signal,
    onLine: opts.onOutput,
  }).catch(async (err: unknown) => {
    await restoreBackendIfUnmoved(dir, local, backendPath, assessment.writeBackend, previousBackend);
    throw err;
  });
  if (run.code !== 0) {
    const restored = await restoreBackendIfUnmoved(dir, local, backendPath, assessment.writeBackend, previousBackend);
    throw new AwsorgError(
      `${tool.name} init -migrate-state failed in ${dir} (exit code ${run.code})` +
        (opts.onOutput ? '; its output is above.' : `:\n${tail(run.output)}`),
      restored
        ? `Fix the problem above and run the command again. The local state is unchanged and a copy is kept at ${backup}; ` +
            `${target} may hold the copy awsorg uploaded, which the next run updates.`
        : `${tool.name} had already moved the state to ${target} and emptied ${LOCAL_STATE_FILE} before it failed, so ${BACKEND_FILE} stays. ` +
            `Fix the problem above and run \`${tool.name} init\`, then this command again to check the result. A copy of the local state is kept at ${backup}.`,
    );
  }

  const remote = await readRemoteState(opts.session, backend);
  if (remote.kind !== 'present' || remote.state.lineage !== local.lineage || remote.state.serial !== local.serial) {
    const found = remote.kind === 'present' ? describe(remote.state) : 'no state';
    throw new AwsorgError(
      `After migrating, ${target} has ${found}, but the local state had ${describe(local)}.`,
      `Do not apply from ${dir} until this is resolved. The local state before migration is kept at ${backup}; ` +
        `compare it with \`${tool.name} state pull\`, and push it back with \`${tool.name} state push\` if needed.`,
    );
  }

  const notes = assessment.notes.filter((note) => others.length === 0 || note !== workspacesNote(inspection, backend));
  const workspaces: WorkspaceResult[] = [
    {
      name: 'default',
      key: backend.key,
      lineage: local.lineage,
      serial: local.serial,
      remote: { lineage: remote.state.lineage, serial: remote.state.serial },
      status: 'moved',
      backup,
    },
  ];
  for (const ws of others) {
    const key = workspaceKey(ws.name, backend.key, inspection.declaration);
    const found = await readRemoteState(opts.session, backend, key);
    const result = workspaceResult(ws, key, found, workspaceBackups.get(ws.name));
    workspaces.push(result);
    if (result.status !== 'moved') {
      notes.push(
        `workspace ${ws.name}: s3://${backend.bucket}/${key} holds ${found.kind === 'present' ? describe(found.state) : 'no state'}, but its local state had ${describe(ws.state)}; ` +
          `do not use that workspace until you have compared them (\`${tool.name} workspace select ${ws.name}\`, then \`${tool.name} state pull\`); the local copy is kept at ${result.backup}.`,
      );
    }
  }
  const leftOver = await readLocalState(dir).catch(() => undefined);
  if (leftOver)
    notes.push(
      `${tool.name} left ${dir}/${LOCAL_STATE_FILE} in place; it is no longer used (the backend is ${target}).`,
    );
  return {
    ...base,
    status: 'migrated',
    lineage: local.lineage,
    serial: local.serial,
    backup,
    tool: { name: tool.name, path: tool.path, version },
    backendFile: assessment.writeBackend
      ? 'written'
      : inspection.declaration.kind === 'operator-matching'
        ? 'operator'
        : 'unchanged',
    workspaces,
    notes,
  };
}

async function readLocalWorkspaceStates(
  dir: string,
  names: string[],
): Promise<Array<{ name: string; state: StateSnapshot }>> {
  const found: Array<{ name: string; state: StateSnapshot }> = [];
  for (const name of names) {
    const path = join(dir, WORKSPACES_DIR, name, LOCAL_STATE_FILE);
    const state = parseState(await readFile(path), path);
    if (state) found.push({ name, state });
  }
  return found;
}

/** Refuse, before anything is written, when a workspace's key holds another state or a newer snapshot of it. */
async function checkWorkspaceTarget(
  opts: MigrateOptions,
  ws: { name: string; state: StateSnapshot },
  key: string,
): Promise<void> {
  const remote = await readRemoteState(opts.session, opts.backend, key);
  if (remote.kind !== 'present') return;
  const where = `s3://${opts.backend.bucket}/${key}`;
  if (remote.state.lineage !== ws.state.lineage) {
    throw new PreconditionError(
      `${where} already holds a different state (${describe(remote.state)}) than workspace ${ws.name} (${describe(ws.state)}); migrating would overwrite it.`,
      'Choose another key, or remove that object if it is really unused; nothing was changed.',
    );
  }
  if (remote.state.serial > ws.state.serial) {
    throw new PreconditionError(
      `${where} holds a newer snapshot of workspace ${ws.name} (serial ${remote.state.serial}) than ${WORKSPACES_DIR}/${ws.name} (serial ${ws.state.serial}); migrating would roll it back.`,
      `Keep working with the remote state: move ${WORKSPACES_DIR}/${ws.name} aside first; nothing was changed.`,
    );
  }
}

function workspaceResult(
  ws: { name: string; state: StateSnapshot },
  key: string,
  found: RemoteLookup,
  backup: string | undefined,
): WorkspaceResult {
  const remote = found.kind === 'present' ? { lineage: found.state.lineage, serial: found.state.serial } : undefined;
  const status = !remote
    ? 'missing'
    : remote.lineage !== ws.state.lineage || remote.serial < ws.state.serial
      ? 'differs'
      : 'moved';
  return { name: ws.name, key, lineage: ws.state.lineage, serial: ws.state.serial, remote, status, backup };
}

/**
 * backend.tf at the same location but for other settings: write the new file and let the tool
 * take it with `init -reconfigure`. The state object stays as it is; with a lock table, its
 * digest is recorded first, since the table may never have seen this object.
 */
async function reconfigureBackend(
  opts: MigrateOptions,
  remote: StateSnapshot,
  changes: string[],
  notes: string[],
): Promise<MigrationResult> {
  const { dir, backend } = opts;
  const tool = requireTool(opts.tool, opts.env);
  const childEnv = toolEnv(opts.env, opts.toolEnvOverrides);
  const version = await toolVersion(tool, { env: childEnv, spawn: opts.spawn, cwd: dir, signal: opts.signal });
  checkLockSupport(tool, version, backend);

  await recordDigest(opts.session, backend, backend.key, remote.bytes);
  const backendPath = join(dir, BACKEND_FILE);
  const previous = await readFile(backendPath, 'utf8');
  opts.onProgress?.(`Rewriting ${BACKEND_FILE} in ${dir}: ${changes.join(', ')}`);
  await writeFile(backendPath, renderBackend(backend));
  const args = [...REINIT_ARGS, ...backendConfigArgs(opts.env)];
  opts.onProgress?.(`Running ${tool.name} ${args.join(' ')} in ${dir}`);
  const run = await runTool(tool, args, {
    cwd: dir,
    env: childEnv,
    spawn: opts.spawn,
    signal: opts.signal,
    onLine: opts.onOutput,
  }).catch(async (err: unknown) => {
    await writeFile(backendPath, previous);
    throw err;
  });
  if (run.code !== 0) {
    await writeFile(backendPath, previous);
    throw new AwsorgError(
      `${tool.name} init -reconfigure failed in ${dir} (exit code ${run.code})` +
        (opts.onOutput ? '; its output is above.' : `:\n${tail(run.output)}`),
      `${BACKEND_FILE} is back as it was and the state in s3://${backend.bucket}/${backend.key} was not touched. Fix the problem above and run the command again.`,
    );
  }
  return {
    dir,
    bucket: backend.bucket,
    key: backend.key,
    region: backend.region,
    roleArn: backend.roleArn,
    status: 'reconfigured',
    lineage: remote.lineage,
    serial: remote.serial,
    backup: undefined,
    tool: { name: tool.name, path: tool.path, version },
    backendFile: 'written',
    backendChanges: changes,
    workspaces: [],
    notes,
  };
}

/**
 * After a failed init, put backend.tf back the way it was so the directory still plans with its
 * local state, but only when the local state is still there: init can fail after it has moved
 * the state (a configuration error found later, for one), and then backend.tf must stay.
 * Returns whether the directory is back as it was.
 */
async function restoreBackendIfUnmoved(
  dir: string,
  local: StateSnapshot,
  path: string,
  wrote: boolean,
  previous: string | undefined,
): Promise<boolean> {
  const now = await readLocalState(dir).catch(() => undefined);
  if (!now?.bytes.equals(local.bytes)) return false;
  if (!wrote) return true;
  if (previous === undefined) await rm(path, { force: true });
  else await writeFile(path, previous);
  return true;
}

function checkLockSupport(tool: TerraformTool, version: string | undefined, backend: S3BackendSettings): void {
  if (!usesLockfile(backend.lock) || !version) return;
  const minimum = LOCKFILE_MIN_VERSION[tool.name];
  if (compareVersions(version, minimum) < 0) {
    throw new PreconditionError(
      `${tool.name} ${version} cannot lock state in S3 itself (use_lockfile needs ${tool.name} ${minimum} or later)`,
      `Upgrade ${tool.name}, or choose lock "dynamodb" with a lock table; nothing was changed.`,
    );
  }
}
