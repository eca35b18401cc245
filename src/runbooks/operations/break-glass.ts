/**
 * break-glass-session's operations: start an MFA session from the break-glass user's own keys
 * (sts:GetSessionToken), then assume the target role with it (sts:AssumeRole, session name = the
 * incident, source identity = the operator), and hand the role session to a shell that opens
 * once the run has ended.
 *
 * Neither call changes anything in AWS, so neither has a rollback. What they do create is
 * credentials, and those must never reach the transcript: each `apply` returns a summary
 * without SecretAccessKey or SessionToken, and the MFA session travels from one step to the next
 * in memory only (below), never through the string `outputs` the screen and later steps see.
 */
import { ListMFADevicesCommand } from '@aws-sdk/client-iam';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsCallError, AwsorgError, UsageError } from '../../core/errors.js';
import { sendRequest } from '../requests.js';
import type { ActionOperation, AwsRequest, Operation, StepContext } from '../types.js';
import { IDENTITY_CHECKS, partitionOf, reportedFor, signInOf } from './break-glass-drill.js';
import { GUARDRAIL_CHECKS } from './break-glass-guardrails.js';

/** Long enough to assume the role right after; the role session has its own lifetime. */
const MFA_SESSION_SECONDS = 900;
/** One hour: every role allows it (MaxSessionDuration is at least 3600). */
const ROLE_SESSION_SECONDS = 3600;
const TOKEN_CODE_PLACEHOLDER = '(typed when it is sent: codes last about 30 seconds)';
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

interface MfaSession {
  credentials: AwsCredentialIdentity;
  serial: string;
}

/**
 * The MFA session of a run, keyed by the run's `outputs` object (one per run, shared by its
 * steps). A WeakMap keeps the credentials in memory for exactly as long as the run exists.
 */
const mfaSessions = new WeakMap<object, MfaSession>();

interface MfaPrior {
  user: string;
  serial: string;
  /** Where the serial came from: --mfa-serial or iam:ListMFADevices. */
  serialFrom: string;
}

const startMfaSession: ActionOperation = {
  kind: 'action',
  call: 'sts:GetSessionToken',
  reads: ['iam:ListMFADevices (when --mfa-serial is not given)'],
  rollbackCall:
    'none: the MFA session expires on its own after 15 minutes and holds no more access than the user itself',
  async capture(ctx): Promise<MfaPrior> {
    // Refuse a bad --region now, before any credential is issued, rather than at the next step.
    assumePrior(ctx);
    const signIn = signInOf(ctx.operator.arn);
    if (signIn.kind === 'other') {
      throw new UsageError(
        `break-glass-session starts from the break-glass IAM user's own keys (or root's), but you are signed in as ${ctx.operator.arn}`,
        "Sign in with the break-glass user's access keys (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or its profile) and run again; nothing was changed.",
      );
    }
    const current = await ctx.session.resolveCredentials().catch(() => undefined);
    if (current?.sessionToken) {
      throw new UsageError(
        'sts:GetSessionToken needs long-term access keys, but this sign-in is already a temporary session (AWS_SESSION_TOKEN, or a cached `awsorg login --mfa-serial` session)',
        "Run with the break-glass user's long-term keys and no session token; nothing was changed.",
      );
    }
    const given = ctx.params['mfa-serial'];
    if (given) return { user: ctx.operator.arn, serial: given, serialFrom: '--mfa-serial' };
    const userName = signIn.kind === 'user' ? signIn.name : undefined;
    const devices =
      (await ctx.session.send('iam', new ListMFADevicesCommand(userName ? { UserName: userName } : {}))).MFADevices ??
      [];
    const serials = devices.map((d) => d.SerialNumber).filter((s): s is string => Boolean(s));
    if (serials.length !== 1) {
      throw new UsageError(
        serials.length
          ? `${ctx.operator.arn} has ${serials.length} MFA devices, so awsorg cannot tell which one you hold`
          : `${ctx.operator.arn} has no MFA device, so no MFA session can be started`,
        serials.length
          ? `Pass --mfa-serial with one of: ${serials.join(', ')}.`
          : 'Enable an MFA device for the break-glass user (run break-glass-drill to check the whole path) and run again; nothing was changed.',
      );
    }
    return { user: ctx.operator.arn, serial: serials[0]!, serialFrom: 'iam:ListMFADevices' };
  },
  plan(_ctx, prior) {
    const p = prior as MfaPrior;
    return [
      {
        service: 'sts',
        action: 'GetSessionToken',
        input: { SerialNumber: p.serial, TokenCode: TOKEN_CODE_PLACEHOLDER, DurationSeconds: MFA_SESSION_SECONDS },
      },
    ];
  },
  async apply(ctx, requests) {
    const request = requests[0]!;
    // Asked for only now, after the confirmation: a code typed earlier may have expired by the time it is sent.
    const code = (await ctx.input('token-code', 'MFA code')).trim();
    if (!/^\d{6}$/.test(code))
      throw new UsageError(
        'the MFA code must be the 6 digits the device shows',
        'Run again with the current code (--token-code 123456).',
      );
    const out = await sendRequest(
      ctx.session,
      { ...request, input: { ...request.input, TokenCode: code } },
      ctx.where.region,
    );
    const c = (
      out as {
        Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
      }
    ).Credentials;
    ctx.registerSecrets([c?.SecretAccessKey, c?.SessionToken]);
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
      throw new AwsorgError('sts:GetSessionToken returned no credentials', 'Run again with a fresh MFA code.');
    mfaSessions.set(ctx.outputs, {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      },
      serial: String(request.input.SerialNumber),
    });
    return [
      {
        mfaSession: {
          AccessKeyId: c.AccessKeyId,
          Expiration: c.Expiration ?? null,
          SerialNumber: request.input.SerialNumber,
        },
        ...(out.requestId ? { requestId: out.requestId } : {}),
      },
    ];
  },
  rollback: () => ({
    none: 'the MFA session expires on its own after 15 minutes; it holds no more access than the break-glass user itself',
  }),
  outputs(_ctx, prior) {
    return { 'mfa-serial': (prior as MfaPrior).serial };
  },
};

interface AssumePrior {
  roleArn: string;
  account: string;
  role: string;
  region: string;
  sessionName: string;
  sourceIdentity: string;
}

function assumePrior(ctx: StepContext): AssumePrior {
  const region = ctx.params.region ?? 'us-east-1';
  if (!REGION.test(region))
    throw new UsageError(`--region "${region}" is not an AWS region`, 'Pass --region such as us-east-1 or eu-west-2.');
  const account = ctx.params.account!;
  const role = ctx.params.role!;
  return {
    roleArn: `arn:${partitionOf(ctx.operator.arn)}:iam::${account}:role/${role}`,
    account,
    role,
    region,
    sessionName: ctx.incident,
    sourceIdentity: ctx.operator.name,
  };
}

function assumeRequest(p: AssumePrior): AwsRequest {
  return {
    service: 'sts',
    action: 'AssumeRole',
    input: {
      RoleArn: p.roleArn,
      RoleSessionName: p.sessionName,
      SourceIdentity: p.sourceIdentity,
      DurationSeconds: ROLE_SESSION_SECONDS,
    },
  };
}

type AssumeResponse = {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
  AssumedRoleUser?: { Arn?: string; AssumedRoleId?: string };
  SourceIdentity?: string;
  requestId?: string;
};

const assumeTarget: ActionOperation = {
  kind: 'action',
  call: 'sts:AssumeRole',
  reads: [],
  rollbackCall:
    'none: a role session cannot be ended early; revoke-role-sessions denies every session of the role issued before it runs',
  async capture(ctx) {
    return assumePrior(ctx);
  },
  plan(_ctx, prior) {
    return [assumeRequest(prior as AssumePrior)];
  },
  async apply(ctx, requests) {
    const p = assumePrior(ctx);
    const mfa = mfaSessions.get(ctx.outputs);
    if (!mfa)
      throw new AwsorgError(
        'there is no MFA session to assume the role with: the step before did not start one',
        'Run the runbook again from the start.',
      );
    const session = ctx.session.withCredentials(mfa.credentials, ctx.where.region);
    const request = requests[0]!;
    let out: AssumeResponse;
    let sourceIdentity: string | undefined = p.sourceIdentity;
    try {
      out = (await sendRequest(session, request, ctx.where.region)) as AssumeResponse;
    } catch (err) {
      // A trust policy without sts:SetSourceIdentity (OrganizationAccountAccessRole's default) refuses
      // the tag; the session name still ties every call to the incident.
      if (!(err instanceof AwsCallError && /AccessDenied/.test(err.code) && /SetSourceIdentity/i.test(err.awsMessage)))
        throw err;
      const { SourceIdentity: _dropped, ...input } = request.input;
      sourceIdentity = undefined;
      out = (await sendRequest(session, { ...request, input }, ctx.where.region)) as AssumeResponse;
    }
    const c = out.Credentials;
    ctx.registerSecrets([c?.SecretAccessKey, c?.SessionToken]);
    const arn = out.AssumedRoleUser?.Arn;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !arn)
      throw new AwsorgError(`sts:AssumeRole into ${p.roleArn} returned no credentials`, 'Run again.');
    const expiration = (c.Expiration ?? new Date(ctx.now().getTime() + ROLE_SESSION_SECONDS * 1000)).toISOString();
    ctx.handoff({
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration,
      },
      account: p.account,
      role: p.role,
      region: p.region,
      arn,
    });
    return [
      {
        AssumedRoleUser: out.AssumedRoleUser,
        AccessKeyId: c.AccessKeyId,
        Expiration: expiration,
        SourceIdentity: sourceIdentity ?? null,
        ...(sourceIdentity
          ? {}
          : {
              sourceIdentityNote:
                "not set: the role's trust policy does not allow sts:SetSourceIdentity; the session name still names the incident",
            }),
        mfaSerial: mfa.serial,
        ...(out.requestId ? { requestId: out.requestId } : {}),
      },
    ];
  },
  rollback: () => ({
    none: 'sessions cannot be ended early except by revoke-role-sessions (it denies every session of the role issued before it runs); otherwise this one expires after an hour',
  }),
  outputs(_ctx, _prior, responses): Record<string, string> {
    const arn = (responses[0] as { AssumedRoleUser?: { Arn?: string } } | undefined)?.AssumedRoleUser?.Arn;
    return arn ? { 'session-arn': arn } : {};
  },
};

/** Every break-glass operation: the drill's checks (each reports its AWS errors as a failure) and the session's actions. */
export const BREAK_GLASS_OPERATIONS: Record<string, Operation> = {
  ...reportedFor({ ...IDENTITY_CHECKS, ...GUARDRAIL_CHECKS }),
  'break-glass.start-mfa-session': startMfaSession,
  'break-glass.assume-target': assumeTarget,
};
