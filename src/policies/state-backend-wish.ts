/**
 * What the state-backend step wants of its bucket, as plain data. Free of SDK imports, so the
 * Terraform hand-off generator describes the same bucket without loading S3 or DynamoDB.
 */
import type { LoadedBlueprint } from '../core/blueprint.js';
import { TLS_SID, tlsDenyStatement } from './bucket-policy.js';

export function usesTable(loaded: LoadedBlueprint): boolean {
  const lock = loaded.blueprint.stateBackend?.lock;
  return lock === 'dynamodb' || lock === 'both';
}

export function stateBucketWish(
  loaded: LoadedBlueprint,
  partition: string,
  options: { omitTlsDenyStatement?: boolean },
) {
  const backend = loaded.blueprint.stateBackend!;
  return {
    bucket: backend.bucket,
    region: loaded.blueprint.region,
    encryption: backend.encryption,
    statements:
      backend.enforceTls && !options.omitTlsDenyStatement ? [tlsDenyStatement(backend.bucket, partition)] : [],
    ownedSids: [TLS_SID],
    noncurrentVersionDays: backend.noncurrentVersionDays ?? 90,
  };
}
