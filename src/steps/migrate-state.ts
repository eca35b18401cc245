/**
 * Step 9: move the bootstrap's local Terraform/OpenTofu state into the new state bucket.
 * The work itself lives in src/terraform/migrate.ts, shared with `awsorg state migrate`.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AwsSession } from '../aws/session.js';
import { MANAGEMENT_ACCOUNT, type Blueprint, type LoadedBlueprint } from '../core/blueprint.js';
import { AwsCallError, AwsorgError, PreconditionError } from '../core/errors.js';
import { type S3BackendSettings, usesDynamoDb } from '../terraform/backend.js';
import {
  assessMigration,
  inspectMigration,
  LOCAL_STATE_FILE,
  migrateState,
  readRemoteState,
  type MigrationInspection,
  type RemoteLookup,
} from '../terraform/migrate.js';
import { locateTool, toolNotFound, type ToolChoice, type ToolName } from '../terraform/tool.js';
import { explainRefusedObjectCall, isRefusedObjectCall, refusedReadReason } from './tls-deny-hint.js';
import type { Change, Step, StepContext } from './types.js';

export interface ObservedStateMigration {
  /** False when the blueprint has no `terraform` or no `stateBackend` section. */
  configured: boolean;
  /** Absolute Terraform directory. */
  dir?: string;
  /** `terraform.dir` as the blueprint writes it. */
  dirAsWritten?: string;
  dirMissing?: boolean;
  backend?: S3BackendSettings;
  toolChoice?: ToolChoice;
  /** The tool found on PATH, if any. */
  tool?: ToolName;
  inspection?: MigrationInspection;
}

export interface MigrateStateData {
  dir: string;
  backend: S3BackendSettings;
  tool: ToolChoice;
  /** Account holding the state bucket (`management` or a blueprint account name). */
  account: string;
  lineage: string;
  serial: number;
}

/** The S3 backend settings a blueprint asks for, or undefined when it asks for no migration. */
export function backendSettingsFor(blueprint: Blueprint): S3BackendSettings | undefined {
  const { stateBackend, terraform } = blueprint;
  if (!stateBackend || !terraform) return undefined;
  return {
    bucket: stateBackend.bucket,
    key: terraform.key,
    region: blueprint.region,
    lock: stateBackend.lock,
    ...(stateBackend.table ? { table: stateBackend.table } : {}),
    encryption: stateBackend.encryption,
  };
}

/**
 * The session that reaches the state bucket. During `--plan` on a fresh organization the state
 * account may not exist yet, so a failure to get (or assume into) it is reported as unknown
 * instead of failing the plan.
 */
async function remoteLookup(ctx: StepContext, account: string, backend: S3BackendSettings): Promise<RemoteLookup> {
  let session: AwsSession;
  try {
    session = await ctx.sessionFor(account);
  } catch (err) {
    return { kind: 'unknown', reason: `no session in account ${account}: ${(err as Error).message}` };
  }
  try {
    return await readRemoteState(session, backend);
  } catch (err) {
    if (err instanceof AwsCallError && err.service === 'sts') return { kind: 'unknown', reason: err.message };
    // A refused read leaves the object unknown rather than failing the plan, so the plan still
    // shows what would change (such as the bucket-policy change that lifts the refusal). The
    // apply reads the object again before it writes, and fails there if it is still refused.
    if (isRefusedObjectCall(err)) {
      return { kind: 'unknown', reason: await refusedReadReason(err, session, backend.bucket, ctx.env, ctx.options.omitTlsDenyStatement, backend.region) };
    }
    throw err;
  }
}

/**
 * Terraform reads credentials from its environment. When the bucket lives in another account
 * than the caller's, hand it the assumed role's credentials so it writes where awsorg reads.
 */
async function credentialsEnv(session: AwsSession): Promise<Record<string, string | undefined>> {
  const c = await session.resolveCredentials();
  if (!c) throw new AwsorgError('Could not read the credentials of the state account session for terraform');
  return {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
    // A profile would take precedence over nothing, but must not compete with the keys above.
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
  };
}

function summaryOf(data: MigrateStateData, toolName: string, dirAsWritten: string, writeBackend: boolean): string {
  return (
    `Move the local state of ${dirAsWritten} (lineage ${data.lineage}, serial ${data.serial}) to s3://${data.backend.bucket}/${data.backend.key} ` +
    `with ${toolName} init -migrate-state${writeBackend ? ', writing backend.tf' : ''}; keep ${LOCAL_STATE_FILE}.awsorg-backup-${data.serial}`
  );
}

export function createMigrateStateStep(options: { tool?: ToolChoice } = {}): Step<ObservedStateMigration, MigrateStateData> {
  return {
    id: 'migrate-state',
    title: 'Move the local Terraform state into the state bucket',
    enabled: (loaded: LoadedBlueprint) => backendSettingsFor(loaded.blueprint) !== undefined,

    async observe(ctx) {
      const { blueprint, baseDir } = ctx.loaded;
      const backend = backendSettingsFor(blueprint);
      if (!backend || !blueprint.terraform || !blueprint.stateBackend) return { configured: false };
      const dir = resolve(baseDir, blueprint.terraform.dir);
      const toolChoice = options.tool ?? blueprint.terraform.tool ?? 'auto';
      const base = { configured: true, dir, dirAsWritten: blueprint.terraform.dir, backend, toolChoice, tool: locateTool(toolChoice, ctx.env)?.name };
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ...base, dirMissing: true };
      const account = blueprint.stateBackend.account;
      const inspection = await inspectMigration(dir, backend, () => remoteLookup(ctx, account, backend));
      return { ...base, inspection };
    },

    plan(observed, loaded) {
      const { blueprint } = loaded;
      if (!observed.configured || !observed.backend || !observed.dir || !blueprint.stateBackend) return [];
      // A missing directory means there is no bootstrap state to move yet; `notes` says so.
      if (observed.dirMissing || !observed.inspection) return [];
      const assessment = assessMigration(observed.inspection, observed.backend);
      if (assessment.action === 'refuse') throw new PreconditionError(assessment.reason, assessment.nextStep);
      if (assessment.action !== 'migrate') return [];
      const choice = observed.toolChoice ?? 'auto';
      if (!observed.tool) throw toolNotFound(choice);
      const account = blueprint.stateBackend.account;
      const data: MigrateStateData = {
        dir: observed.dir,
        backend: observed.backend,
        tool: choice,
        account,
        lineage: assessment.local.lineage,
        serial: assessment.local.serial,
      };
      const calls = [
        `${observed.tool}:init -migrate-state`,
        ...(assessment.seed === 'keep' ? [] : ['s3:PutObject']),
        ...(usesDynamoDb(observed.backend.lock) ? ['dynamodb:PutItem'] : []),
        's3:GetObject',
      ];
      const change: Change<MigrateStateData> = {
        key: `migrate-state:${observed.dirAsWritten ?? observed.dir}`,
        calls,
        summary: summaryOf(data, observed.tool, observed.dirAsWritten ?? observed.dir, assessment.writeBackend),
        ...(account !== MANAGEMENT_ACCOUNT ? { account } : {}),
        data,
      };
      return [change];
    },

    async apply(change, ctx) {
      const { data } = change;
      const session = await ctx.sessionFor(data.account);
      const overrides = data.account !== MANAGEMENT_ACCOUNT ? await credentialsEnv(session) : undefined;
      const result = await migrateState({
        dir: data.dir,
        backend: data.backend,
        tool: data.tool,
        session,
        env: ctx.env,
        spawn: ctx.spawn,
        signal: ctx.signal,
        ...(overrides ? { toolEnvOverrides: overrides } : {}),
        onProgress: (message) => ctx.note(message),
      }).catch(async (err: unknown) => {
        throw await explainRefusedObjectCall(err, session, data.backend.bucket, ctx.env, data.backend.region);
      });
      ctx.note(
        result.status === 'migrated'
          ? `State is in s3://${result.bucket}/${result.key} (lineage ${result.lineage}, serial ${result.serial}); backup ${result.backup}`
          : `Nothing to move: ${result.status}`,
      );
    },

    async verify(ctx) {
      const { blueprint, baseDir } = ctx.loaded;
      const backend = backendSettingsFor(blueprint);
      if (!backend || !blueprint.terraform || !blueprint.stateBackend) return;
      const dir = resolve(baseDir, blueprint.terraform.dir);
      if (!existsSync(dir)) return;
      const session = await ctx.sessionFor(blueprint.stateBackend.account);
      const inspection = await inspectMigration(dir, backend, () =>
        readRemoteState(session, backend).catch(async (err: unknown) => {
          throw await explainRefusedObjectCall(err, session, backend.bucket, ctx.env, backend.region);
        }),
      );
      const assessment = assessMigration(inspection, backend);
      if (assessment.action === 'migrate' || assessment.action === 'refuse') {
        throw new AwsorgError(
          `${dir}/${LOCAL_STATE_FILE} still holds state that is not in s3://${backend.bucket}/${backend.key}`,
          'Run `awsorg state migrate --config <blueprint>` to see what stops the migration.',
        );
      }
    },

    notes(observed) {
      if (observed.configured && observed.dirMissing) {
        return [`no Terraform directory at ${observed.dirAsWritten} (terraform.dir): nothing to migrate; run \`awsorg state migrate --config <blueprint>\` once it holds local state`];
      }
      if (!observed.configured || !observed.backend || !observed.inspection) return [];
      const assessment = assessMigration(observed.inspection, observed.backend);
      const target = `s3://${observed.backend.bucket}/${observed.backend.key}`;
      switch (assessment.action) {
        case 'already-migrated':
          return [`state of ${observed.dirAsWritten} is already in ${target} (lineage ${assessment.remote.lineage}, serial ${assessment.remote.serial})`, ...assessment.notes];
        case 'no-local-state':
          return assessment.notes;
        case 'migrate': {
          const { remote } = observed.inspection;
          const unknown = remote.kind === 'unknown' ? [`what ${target} holds is unknown, so the apply reads it again before writing: ${remote.reason}`] : [];
          return [...assessment.notes, ...unknown];
        }
        default:
          return [];
      }
    },
  };
}

export const migrateStateStep = createMigrateStateStep();
