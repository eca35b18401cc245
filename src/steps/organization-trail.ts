/**
 * Step 8: the organization CloudTrail. The log bucket lives in the named account (reached
 * through its member role) with the CloudTrail bucket policy; the trail itself is created in the
 * management account: organization-wide, multi-region, with log-file validation, and logging.
 */
import {
  CreateTrailCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
  UpdateTrailCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import type { LoadedBlueprint } from '../core/blueprint.js';
import {
  applyBucketChange,
  observeBucket,
  planBucket,
  tlsDenyStatement,
  TLS_SID,
  type BucketChange,
  type ObservedBucket,
} from './bucket-hardening.js';
import { sessionIfExists } from './state-backend.js';
import type { Change, Step, StepOptions } from './types.js';
import { isAwsError, partitionOf } from './support.js';
import { CLOUDTRAIL_SIDS, cloudTrailStatements, trailArn } from '../policies/organization-trail-policy.js';

export { cloudTrailStatements, trailArn };

export interface ObservedTrail {
  logAccountExists: boolean;
  partition: string;
  managementAccountId: string | undefined;
  organizationId: string | undefined;
  bucket: ObservedBucket;
  trail: { settings: Trail; logging: boolean } | undefined;
}

type TrailChange = BucketChange | { kind: 'create-trail' } | { kind: 'update-trail' } | { kind: 'start-logging' };

function trailMatches(settings: Trail, loaded: LoadedBlueprint): boolean {
  return (
    settings.S3BucketName === loaded.blueprint.organizationTrail!.bucket &&
    settings.IsOrganizationTrail === true &&
    settings.IsMultiRegionTrail === true &&
    settings.LogFileValidationEnabled === true &&
    settings.IncludeGlobalServiceEvents === true
  );
}

const trailSettings = (loaded: LoadedBlueprint) => ({
  Name: loaded.blueprint.organizationTrail!.name,
  S3BucketName: loaded.blueprint.organizationTrail!.bucket,
  IsOrganizationTrail: true,
  IsMultiRegionTrail: true,
  EnableLogFileValidation: true,
  IncludeGlobalServiceEvents: true,
});

export const organizationTrailStep: Step<ObservedTrail, TrailChange> = {
  id: 'organization-trail',
  title: 'Organization CloudTrail',
  enabled: (loaded) => loaded.blueprint.organizationTrail !== undefined,

  async observe(ctx) {
    const config = ctx.loaded.blueprint.organizationTrail!;
    const partition = partitionOf(ctx.state.identity?.arn);
    const base = {
      partition,
      managementAccountId: ctx.state.managementAccountId ?? ctx.state.identity?.account,
      organizationId: ctx.state.organizationId,
    };
    const logSession = await sessionIfExists(ctx, config.account);
    const bucket = logSession ? await observeBucket(logSession, config.bucket) : { exists: false };
    let trail: ObservedTrail['trail'];
    try {
      const settings = (await ctx.session.send('cloudtrail', new GetTrailCommand({ Name: config.name }))).Trail;
      if (settings) {
        const status = await ctx.session.send('cloudtrail', new GetTrailStatusCommand({ Name: config.name }));
        trail = { settings, logging: status.IsLogging === true };
      }
    } catch (err) {
      if (!isAwsError(err, 'TrailNotFoundException')) throw err;
    }
    return { logAccountExists: Boolean(logSession), ...base, bucket, trail };
  },

  plan(observed, loaded, options: StepOptions) {
    const config = loaded.blueprint.organizationTrail!;
    const statements = [
      ...cloudTrailStatements(loaded, observed),
      ...(options.omitTlsDenyStatement ? [] : [tlsDenyStatement(config.bucket, observed.partition)]),
    ];
    const changes: Change<TrailChange>[] = planBucket(
      observed.bucket,
      {
        bucket: config.bucket,
        region: loaded.blueprint.region,
        encryption: 'AES256',
        statements,
        ownedSids: [...CLOUDTRAIL_SIDS, TLS_SID],
      },
      `trail-bucket:${config.bucket}`,
      config.account,
    );
    const key = `trail:${config.name}`;
    if (!observed.trail) {
      changes.push({
        key: `${key}:create`,
        calls: ['cloudtrail:CreateTrail'],
        summary: `Create organization trail ${config.name} (all accounts, all regions, log-file validation) writing to ${config.bucket}`,
        data: { kind: 'create-trail' },
      });
    } else if (!trailMatches(observed.trail.settings, loaded)) {
      changes.push({
        key: `${key}:update`,
        calls: ['cloudtrail:UpdateTrail'],
        summary: `Update trail ${config.name} to the blueprint's settings`,
        data: { kind: 'update-trail' },
      });
    }
    if (!observed.trail?.logging) {
      changes.push({
        key: `${key}:logging`,
        calls: ['cloudtrail:StartLogging'],
        summary: `Start logging on trail ${config.name}`,
        data: { kind: 'start-logging' },
      });
    }
    return changes;
  },

  async apply(change, ctx) {
    const data = change.data;
    const name = ctx.loaded.blueprint.organizationTrail!.name;
    switch (data.kind) {
      case 'create-trail':
        try {
          await ctx.session.send('cloudtrail', new CreateTrailCommand(trailSettings(ctx.loaded)));
        } catch (err) {
          if (!isAwsError(err, 'TrailAlreadyExistsException')) throw err;
        }
        return;
      case 'update-trail':
        await ctx.session.send('cloudtrail', new UpdateTrailCommand(trailSettings(ctx.loaded)));
        return;
      case 'start-logging':
        await ctx.session.send('cloudtrail', new StartLoggingCommand({ Name: name }));
        return;
      default:
        await applyBucketChange(await ctx.sessionFor(ctx.loaded.blueprint.organizationTrail!.account), data);
    }
  },
};
