/**
 * Step 6: the Terraform/OpenTofu state backend: a hardened, versioned bucket and, for DynamoDB
 * locking, a lock table with `LockID` (S), on-demand billing, point-in-time recovery and
 * deletion protection. Created in the blueprint's chosen account.
 */
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { PreconditionError } from '../core/errors.js';
import type { AwsSession } from '../aws/session.js';
import {
  applyBucketChange,
  observeBucket,
  planBucket,
  type BucketChange,
  type ObservedBucket,
} from './bucket-hardening.js';
import type { Change, Step, StepContext } from './types.js';
import { isAwsError, partitionOf } from './support.js';
import { stateBucketWish, usesTable } from '../policies/state-backend-wish.js';

export { stateBucketWish, usesTable };

export interface ObservedLockTable {
  exists: boolean;
  keySchemaOk?: boolean;
  billingMode?: string;
  pointInTimeRecovery?: boolean;
  deletionProtection?: boolean;
}

export interface ObservedStateBackend {
  /** False when the backend account does not exist yet (plan on a fresh organization). */
  accountExists: boolean;
  partition: string;
  bucket: ObservedBucket;
  table: ObservedLockTable | undefined;
}

type TableChange =
  | { kind: 'create-table'; table: string }
  | { kind: 'table-billing'; table: string }
  | { kind: 'table-deletion-protection'; table: string }
  | { kind: 'table-pitr'; table: string };

type StateBackendChange = BucketChange | TableChange;

/** The session for a blueprint account, or undefined when that account does not exist yet. */
export async function sessionIfExists(ctx: StepContext, account: string): Promise<AwsSession | undefined> {
  if (account !== 'management' && !ctx.state.accountIds.has(account)) return undefined;
  return ctx.sessionFor(account);
}

async function observeTable(session: AwsSession, table: string): Promise<ObservedLockTable> {
  let described;
  try {
    described = (await session.send('dynamodb', new DescribeTableCommand({ TableName: table }))).Table;
  } catch (err) {
    if (isAwsError(err, 'ResourceNotFoundException')) return { exists: false };
    throw err;
  }
  const backups = await session.send('dynamodb', new DescribeContinuousBackupsCommand({ TableName: table }));
  const hash = described?.KeySchema?.find((k) => k.KeyType === 'HASH');
  const hashType = described?.AttributeDefinitions?.find((a) => a.AttributeName === hash?.AttributeName)?.AttributeType;
  return {
    exists: true,
    keySchemaOk: described?.KeySchema?.length === 1 && hash?.AttributeName === 'LockID' && hashType === 'S',
    billingMode: described?.BillingModeSummary?.BillingMode ?? 'PROVISIONED',
    pointInTimeRecovery:
      backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus === 'ENABLED',
    deletionProtection: described?.DeletionProtectionEnabled === true,
  };
}

export function planTable(observed: ObservedLockTable, table: string, account: string): Change<TableChange>[] {
  if (observed.exists && !observed.keySchemaOk) {
    throw new PreconditionError(
      `DynamoDB table ${table} exists but its key is not a single string hash key named LockID, which Terraform's S3 backend requires.`,
      'Choose another `stateBackend.table` name in the blueprint, or delete the table if it is unused.',
    );
  }
  const changes: Change<TableChange>[] = [];
  const add = (suffix: string, call: string, summary: string, data: TableChange) =>
    changes.push({ key: `lock-table:${table}:${suffix}`, calls: [call], summary, account, data });
  if (!observed.exists) {
    add(
      'create',
      'dynamodb:CreateTable',
      `Create lock table ${table} (LockID string key, PAY_PER_REQUEST, deletion protection)`,
      { kind: 'create-table', table },
    );
  } else {
    if (observed.billingMode !== 'PAY_PER_REQUEST')
      add('billing', 'dynamodb:UpdateTable', `Switch ${table} to on-demand (PAY_PER_REQUEST) billing`, {
        kind: 'table-billing',
        table,
      });
    if (!observed.deletionProtection)
      add('deletion-protection', 'dynamodb:UpdateTable', `Turn on deletion protection for ${table}`, {
        kind: 'table-deletion-protection',
        table,
      });
  }
  if (!observed.pointInTimeRecovery)
    add('pitr', 'dynamodb:UpdateContinuousBackups', `Turn on point-in-time recovery for ${table}`, {
      kind: 'table-pitr',
      table,
    });
  return changes;
}

async function applyTableChange(session: AwsSession, data: TableChange): Promise<void> {
  const TableName = data.table;
  switch (data.kind) {
    case 'create-table':
      try {
        await session.send(
          'dynamodb',
          new CreateTableCommand({
            TableName,
            AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' }],
            BillingMode: 'PAY_PER_REQUEST',
            DeletionProtectionEnabled: true,
            Tags: [{ Key: 'awsorg:managed-by', Value: 'awsorg' }],
          }),
        );
      } catch (err) {
        if (!isAwsError(err, 'ResourceInUseException')) throw err;
      }
      await waitForTable(session, TableName);
      return;
    case 'table-billing':
      await session.send('dynamodb', new UpdateTableCommand({ TableName, BillingMode: 'PAY_PER_REQUEST' }));
      return;
    case 'table-deletion-protection':
      await session.send('dynamodb', new UpdateTableCommand({ TableName, DeletionProtectionEnabled: true }));
      return;
    case 'table-pitr':
      await waitForTable(session, TableName);
      await session.send(
        'dynamodb',
        new UpdateContinuousBackupsCommand({
          TableName,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
      return;
  }
}

/** A new table is CREATING for a few seconds; PITR cannot be turned on until it is ACTIVE. */
async function waitForTable(session: AwsSession, table: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    const status = (await session.send('dynamodb', new DescribeTableCommand({ TableName: table }))).Table?.TableStatus;
    if (status === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** i)));
  }
  throw new PreconditionError(
    `DynamoDB table ${table} did not become ACTIVE.`,
    'Check the table in the DynamoDB console and rerun.',
  );
}

export const stateBackendStep: Step<ObservedStateBackend, StateBackendChange> = {
  id: 'state-backend',
  title: 'Terraform state bucket and lock table',
  enabled: (loaded) => loaded.blueprint.stateBackend !== undefined,

  async observe(ctx) {
    const backend = ctx.loaded.blueprint.stateBackend!;
    const partition = partitionOf(ctx.state.identity?.arn);
    const session = await sessionIfExists(ctx, backend.account);
    if (!session)
      return {
        accountExists: false,
        partition,
        bucket: { exists: false },
        table: usesTable(ctx.loaded) ? { exists: false } : undefined,
      };
    const [bucket, table] = await Promise.all([
      observeBucket(session, backend.bucket),
      usesTable(ctx.loaded) && backend.table ? observeTable(session, backend.table) : Promise.resolve(undefined),
    ]);
    return { accountExists: true, partition, bucket, table };
  },

  plan(observed, loaded, options) {
    const backend = loaded.blueprint.stateBackend!;
    const changes: Change<StateBackendChange>[] = planBucket(
      observed.bucket,
      stateBucketWish(loaded, observed.partition, options),
      `state-bucket:${backend.bucket}`,
      backend.account,
    );
    if (observed.table && backend.table) changes.push(...planTable(observed.table, backend.table, backend.account));
    return changes;
  },

  notes(observed) {
    return observed.accountExists
      ? []
      : ['The backend account is created earlier in this run, so everything in it is new.'];
  },

  async apply(change, ctx) {
    const session = await ctx.sessionFor(ctx.loaded.blueprint.stateBackend!.account);
    const data = change.data;
    if (
      data.kind === 'create-table' ||
      data.kind === 'table-billing' ||
      data.kind === 'table-deletion-protection' ||
      data.kind === 'table-pitr'
    ) {
      await applyTableChange(session, data);
    } else {
      await applyBucketChange(session, data);
    }
  },
};
