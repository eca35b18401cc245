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
  workspaceKey,
} from '../terraform/migrate.js';
import { credentialsAsEnv, locateTool, toolNotFound, type ToolChoice, type ToolName } from '../terraform/tool.js';
import { partitionOf } from './support.js';
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
  /** `terraform.handoff: true`: the hand-off step writes the state this step moves. */
  handoff?: boolean;
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
 * The role backend.tf names when the state bucket is in another account than the caller's: the
 * member role there, which the management account's credentials can assume. Undefined for the
 * management account, and while the account's id is not known yet (a plan on a fresh organization).
 */
export function stateRoleArn(ctx: Pick<StepContext, 'state' | 'options'>, account: string): string | undefined {
  if (account === MANAGEMENT_ACCOUNT) return undefined;
  const accountId = ctx.state.accountIds.get(account);
  if (!accountId || accountId === ctx.state.identity?.account) return undefined;
  return `arn:${partitionOf(ctx.state.identity?.arn)}:iam::${accountId}:role/${ctx.options.memberRoleName}`;
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
      return {
        kind: 'unknown',
        reason: await refusedReadReason(
          err,
          session,
          backend.bucket,
          ctx.env,
          ctx.options.omitTlsDenyStatement,
          backend.region,
        ),
      };
    }
    throw err;
  }
}

function summaryOf(
  data: MigrateStateData,
  toolName: string,
  dirAsWritten: string,
  writeBackend: boolean,
  workspaces: string,
): string {
  return (
    `Move the local state of ${dirAsWritten} (lineage ${data.lineage}, serial ${data.serial}) to s3://${data.backend.bucket}/${data.backend.key}${workspaces} ` +
    `with ${toolName} init -migrate-state${writeBackend ? `, writing backend.tf${data.backend.roleArn ? ` (assume_role ${data.backend.roleArn})` : ''}` : ''}; ` +
    `keep ${LOCAL_STATE_FILE}.awsorg-backup-${data.serial}`
  );
}

export function createMigrateStateStep(
  options: { tool?: ToolChoice } = {},
): Step<ObservedStateMigration, MigrateStateData> {
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
      const account = blueprint.stateBackend.account;
      const roleArn = stateRoleArn(ctx, account);
      if (roleArn) backend.roleArn = roleArn;
      const base = {
        configured: true,
        dir,
        dirAsWritten: blueprint.terraform.dir,
        backend,
        toolChoice,
        tool: locateTool(toolChoice, ctx.env)?.name,
        handoff: blueprint.terraform.handoff === true,
      };
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return { ...base, dirMissing: true };
      const inspection = await inspectMigration(dir, backend, () => remoteLookup(ctx, account, backend));
      return { ...base, inspection };
    },

    plan(observed, loaded) {
      const { blueprint } = loaded;
      if (!observed.configured || !observed.backend || !observed.dir || !blueprint.stateBackend) return [];
      const handoff = blueprint.terraform?.handoff === true;
      // With the hand-off, the state to move is the one the hand-off step imports into first.
      if (
        handoff &&
        (observed.dirMissing ||
          (observed.inspection && assessMigration(observed.inspection, observed.backend).action === 'no-local-state'))
      ) {
        const toolName = observed.tool ?? (observed.toolChoice === 'tofu' ? 'tofu' : 'terraform');
        const dirAsWritten = observed.dirAsWritten ?? observed.dir;
        return [
          {
            key: `migrate-state:${dirAsWritten}`,
            calls: [
              `${toolName}:init -migrate-state`,
              's3:PutObject',
              ...(usesDynamoDb(observed.backend.lock) ? ['dynamodb:PutItem'] : []),
              's3:GetObject',
            ],
            summary: `Move the state the hand-off imports into ${dirAsWritten} to s3://${observed.backend.bucket}/${observed.backend.key}, writing backend.tf${observed.backend.roleArn ? ` (assume_role ${observed.backend.roleArn})` : ''}; keep a local backup`,
            ...(blueprint.stateBackend.account !== MANAGEMENT_ACCOUNT
              ? { account: blueprint.stateBackend.account }
              : {}),
            data: {
              dir: observed.dir,
              backend: observed.backend,
              tool: observed.toolChoice ?? 'auto',
              account: blueprint.stateBackend.account,
              lineage: '',
              serial: -1,
            },
          },
        ];
      }
      // A missing directory means there is no bootstrap state to move yet; `notes` says so.
      if (observed.dirMissing || !observed.inspection) return [];
      const assessment = assessMigration(observed.inspection, observed.backend);
      if (assessment.action === 'refuse') throw new PreconditionError(assessment.reason, assessment.nextStep);
      if (assessment.action !== 'migrate' && assessment.action !== 'reconfigure') return [];
      const choice = observed.toolChoice ?? 'auto';
      if (!observed.tool) throw toolNotFound(choice);
      const account = blueprint.stateBackend.account;
      const dirAsWritten = observed.dirAsWritten ?? observed.dir;
      const snapshot = assessment.action === 'migrate' ? assessment.local : assessment.remote;
      const data: MigrateStateData = {
        dir: observed.dir,
        backend: observed.backend,
        tool: choice,
        account,
        lineage: snapshot.lineage,
        serial: snapshot.serial,
      };
      if (assessment.action === 'reconfigure') {
        return [
          {
            key: `migrate-state:${dirAsWritten}`,
            calls: [
              `${observed.tool}:init -reconfigure`,
              ...(usesDynamoDb(observed.backend.lock) ? ['dynamodb:PutItem'] : []),
            ],
            summary:
              `Rewrite backend.tf of ${dirAsWritten} for ${assessment.changes.join(', ')} and re-initialise it with ${observed.tool} init -reconfigure; ` +
              `the state stays in s3://${data.backend.bucket}/${data.backend.key} (lineage ${data.lineage}, serial ${data.serial})`,
            ...(account !== MANAGEMENT_ACCOUNT ? { account } : {}),
            data,
          },
        ];
      }
      const workspaces = observed.inspection.workspaces;
      const others =
        workspaces.length > 0
          ? ` and workspaces ${workspaces.join(', ')} to ${workspaceKey('NAME', data.backend.key, observed.inspection.declaration)}`
          : '';
      const calls = [
        `${observed.tool}:init -migrate-state`,
        ...(assessment.seed === 'keep' ? [] : ['s3:PutObject']),
        ...(usesDynamoDb(observed.backend.lock) ? ['dynamodb:PutItem'] : []),
        's3:GetObject',
      ];
      const change: Change<MigrateStateData> = {
        key: `migrate-state:${observed.dirAsWritten ?? observed.dir}`,
        calls,
        summary: summaryOf(data, observed.tool, dirAsWritten, assessment.writeBackend, others),
        ...(account !== MANAGEMENT_ACCOUNT ? { account } : {}),
        data,
      };
      return [change];
    },

    async apply(change, ctx) {
      const { data } = change;
      if (data.serial < 0) {
        // Planned before the hand-off wrote any state; the engine observes again before applying, so this means it still has not.
        throw new AwsorgError(
          `There is no local state in ${data.dir} to move: the hand-off step did not import anything.`,
          'Run bootstrap again; it resumes with the hand-off.',
        );
      }
      const session = await ctx.sessionFor(data.account);
      // With a role in backend.tf Terraform assumes it itself, from the management account's
      // credentials, exactly as an operator's later `terraform plan` does. Credentials from the
      // default chain are not handed over: Terraform finds them in the same environment.
      const credentials = await (data.backend.roleArn ? ctx.session : session).resolveCredentials();
      const overrides = credentials ? credentialsAsEnv(credentials) : undefined;
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
      for (const ws of result.workspaces.filter((w) => w.name !== 'default')) {
        ctx.note(
          `Workspace ${ws.name}: ${ws.status === 'moved' ? `in s3://${result.bucket}/${ws.key} (lineage ${ws.lineage}, serial ${ws.remote?.serial})` : `${ws.status} at s3://${result.bucket}/${ws.key}`}`,
        );
      }
      ctx.note(
        result.status === 'migrated'
          ? `State is in s3://${result.bucket}/${result.key} (lineage ${result.lineage}, serial ${result.serial}); backup ${result.backup}`
          : result.status === 'reconfigured'
            ? `backend.tf rewritten (${result.backendChanges.join(', ')}) and re-initialised; the state stays in s3://${result.bucket}/${result.key}`
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
      const roleArn = stateRoleArn(ctx, blueprint.stateBackend.account);
      if (roleArn) backend.roleArn = roleArn;
      const inspection = await inspectMigration(dir, backend, () =>
        readRemoteState(session, backend).catch(async (err: unknown) => {
          throw await explainRefusedObjectCall(err, session, backend.bucket, ctx.env, backend.region);
        }),
      );
      const assessment = assessMigration(inspection, backend);
      if (assessment.action === 'reconfigure') {
        throw new AwsorgError(
          `${dir}/backend.tf does not match the blueprint yet (${assessment.changes.join(', ')})`,
          'Run `awsorg state migrate --config <blueprint>` to see what stops the change.',
        );
      }
      if (assessment.action === 'migrate' || assessment.action === 'refuse') {
        throw new AwsorgError(
          `${dir}/${LOCAL_STATE_FILE} still holds state that is not in s3://${backend.bucket}/${backend.key}`,
          'Run `awsorg state migrate --config <blueprint>` to see what stops the migration.',
        );
      }
    },

    notes(observed) {
      // With the hand-off the directory and its state come from the hand-off step; the planned change says so.
      if (
        observed.handoff &&
        (observed.dirMissing ||
          (observed.inspection &&
            observed.backend &&
            assessMigration(observed.inspection, observed.backend).action === 'no-local-state'))
      )
        return [];
      if (observed.configured && observed.dirMissing) {
        return [
          `no Terraform directory at ${observed.dirAsWritten} (terraform.dir): nothing to migrate; run \`awsorg state migrate --config <blueprint>\` once it holds local state`,
        ];
      }
      if (!observed.configured || !observed.backend || !observed.inspection) return [];
      const assessment = assessMigration(observed.inspection, observed.backend);
      const target = `s3://${observed.backend.bucket}/${observed.backend.key}`;
      switch (assessment.action) {
        case 'already-migrated':
          return [
            `state of ${observed.dirAsWritten} is already in ${target} (lineage ${assessment.remote.lineage}, serial ${assessment.remote.serial})`,
            ...assessment.notes,
          ];
        case 'no-local-state':
        case 'reconfigure':
          return assessment.notes;
        case 'migrate': {
          const { remote } = observed.inspection;
          const unknown =
            remote.kind === 'unknown'
              ? [`what ${target} holds is unknown, so the apply reads it again before writing: ${remote.reason}`]
              : [];
          return [...assessment.notes, ...unknown];
        }
        default:
          return [];
      }
    },
  };
}

export const migrateStateStep = createMigrateStateStep();
