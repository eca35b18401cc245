/**
 * IAM operations for `revoke-role-sessions` and `contain-access-key`.
 *
 * Both rest on the same IAM mechanism: an inline Deny on everything for credentials whose
 * `aws:TokenIssueTime` is before a cut-off. It ends every temporary session issued before the
 * run (what the IAM console's "Revoke active sessions" does for a role) and leaves sessions
 * issued later alone, so the legitimate owner can sign in again. Long-term access keys carry no
 * token issue time, so the deny never touches them; a leaked key is deactivated separately.
 * Every step runs in the target account as the access role, in us-east-1 (IAM is global).
 */
import { DescribeAccountCommand } from '@aws-sdk/client-organizations';
import {
  GetAccessKeyLastUsedCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type AccessKeyMetadata,
  type AttachedPolicy,
} from '@aws-sdk/client-iam';
import { GetAccessKeyInfoCommand } from '@aws-sdk/client-sts';
import type { AwsSession } from '../../aws/session.js';
import { AwsCallError } from '../../core/errors.js';
import type {
  ActionOperation,
  AwsRequest,
  CheckOperation,
  CheckOutcome,
  Operation,
  Rollback,
  StepContext,
  VerifyOperation,
} from '../types.js';

/** The name the IAM console gives the policy when you press "Revoke active sessions". */
export const REVOKE_POLICY_NAME = 'AWSRevokeOlderSessions';

export type Refusal = NonNullable<CheckOutcome['refusal']>;

/**
 * The cut-off: the run's time rounded up to the whole second, written as the console writes it
 * (2026-03-01T09:00:01Z). Rounding up makes sure a session issued in the same second is covered.
 */
export function revocationCutoff(now: Date): string {
  return new Date(Math.ceil(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Deny everything to credentials issued before `cutoff`: the console's revoke-sessions policy. */
export function revokeOlderSessionsDocument(cutoff: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Deny', Action: ['*'], Resource: ['*'], Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } } },
    ],
  });
}

/** The cut-off of a revoke-sessions document (deny * on * before a time), or undefined for any other document. */
export function revokeCutoffOf(document: string | null | undefined): string | undefined {
  if (!document) return undefined;
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(document) as { Statement?: unknown };
  } catch {
    return undefined;
  }
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  const everything = (v: unknown) => v === '*' || (Array.isArray(v) && v.includes('*'));
  for (const s of statements as {
    Effect?: string;
    Action?: unknown;
    Resource?: unknown;
    Condition?: Record<string, Record<string, unknown>>;
  }[]) {
    if (s?.Effect !== 'Deny' || !everything(s.Action) || !everything(s.Resource)) continue;
    const time = s.Condition?.DateLessThan?.['aws:TokenIssueTime'];
    if (typeof time === 'string' && !Number.isNaN(Date.parse(time))) return time;
  }
  return undefined;
}

function sameJson(a: string | null, b: string): boolean {
  if (a === null) return false;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/** IAM returns policy documents URL-encoded (RFC 3986). */
export function decodePolicyDocument(document: string | undefined): string {
  if (!document) return '';
  try {
    return decodeURIComponent(document);
  } catch {
    return document;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof AwsCallError && /^NoSuchEntity/.test(err.code);
}

async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

async function allPages<T>(
  fetch: (marker: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetch(marker);
    all.push(...(page.items ?? []));
    marker = page.next;
  } while (marker);
  return all;
}

// ---------------------------------------------------------------------------------------------
// revoke-role-sessions

export interface RoleFacts {
  name: string;
  path: string;
  arn: string;
}

/**
 * Why sessions of this role must not be revoked with an inline policy, or undefined. Pure.
 * `actingRole` is the role this run acts through in the account ('signed-in' for the sign-in).
 */
export function roleRefusal(
  role: RoleFacts,
  account: string,
  actingRole: string,
  operatorArn: string,
): { summary: string; refusal: Refusal } | undefined {
  if (role.path.startsWith('/aws-service-role/') || role.name.startsWith('AWSServiceRoleFor')) {
    return refuse(`${role.name} is a service-linked role`, {
      message: `refusing to revoke sessions of ${role.name}: it is a service-linked role. The AWS service that owns it manages it, and IAM does not let anyone add an inline policy to it; only that service can assume it`,
      nextStep: `Contain the principal that drove the service instead (revoke-role-sessions on its role, contain-access-key on its key), or turn the feature off in the service; delete the service-linked role only once the service no longer needs it.`,
    });
  }
  if (role.name.startsWith('AWSReservedSSO_') || role.path.startsWith('/aws-reserved/sso.amazonaws.com/')) {
    return refuse(`${role.name} is managed by IAM Identity Center`, {
      message: `refusing to revoke sessions of ${role.name}: AWSReservedSSO_ roles are managed by IAM Identity Center, which denies changes made through IAM and overwrites the role whenever it provisions the permission set`,
      nextStep: `Revoke in IAM Identity Center: remove the user's assignment of this permission set to account ${account}, and delete the user's active sessions (or disable the user) there. Role sessions already issued last until they expire, so also add to the permission set an inline Deny of * for the user (condition aws:userid like *:<user name>) and re-provision it.`,
    });
  }
  const signedInAsRole =
    operatorArn.split(':')[4] === account && (operatorArn.split(':')[5] ?? '').startsWith(`assumed-role/${role.name}/`);
  if (role.name === actingRole || signedInAsRole) {
    return refuse(`this run acts through ${role.name} itself`, {
      message: `refusing to revoke sessions of ${role.name}: this run acts in account ${account} through a session of that same role, and the deny would cut that session off half-way`,
      nextStep: `Run again with --access-role set to another administrator role in ${account} (a break-glass role), or --access-role signed-in from a sign-in in that account that is not ${role.name}; the revocation then also ends the session you would have used.`,
    });
  }
  return undefined;
}

function refuse(summary: string, refusal: Refusal): { summary: string; refusal: Refusal } {
  return { summary, refusal };
}

const refuseProtectedRole: CheckOperation = {
  kind: 'check',
  reads: ['iam:GetRole'],
  async run(ctx) {
    const account = ctx.where.account;
    const roleName = ctx.params['role-name']!;
    const role = (await orNull(ctx.session.send('iam', new GetRoleCommand({ RoleName: roleName }))))?.Role;
    if (!role) {
      return {
        ok: false,
        summary: `no role named ${roleName} in ${account}`,
        refusal: {
          message: `there is no IAM role named ${roleName} in account ${account}`,
          nextStep: `Check the name (without its path) and the account: \`aws iam list-roles\` in ${account}; nothing was changed.`,
        },
      };
    }
    const facts: RoleFacts = { name: role.RoleName ?? roleName, path: role.Path ?? '/', arn: role.Arn ?? '' };
    const refused = roleRefusal(facts, account, ctx.where.role, ctx.operator.arn);
    if (refused) return { ok: false, ...refused, detail: { role: facts } };
    return {
      ok: true,
      summary: `${facts.arn} is a role its own account manages (path ${facts.path}, up to ${role.MaxSessionDuration ?? 3600} s sessions)`,
      detail: {
        role: {
          ...facts,
          maxSessionDuration: role.MaxSessionDuration ?? null,
          created: role.CreateDate ?? null,
          lastUsed: role.RoleLastUsed ?? null,
        },
      },
      outputs: { 'role-arn': facts.arn },
    };
  },
};

const captureRolePolicies: CheckOperation = {
  kind: 'check',
  reads: ['iam:ListRolePolicies', 'iam:GetRolePolicy', 'iam:ListAttachedRolePolicies'],
  async run(ctx) {
    const roleName = ctx.params['role-name']!;
    const names = await allPages(async (Marker) => {
      const out = await ctx.session.send('iam', new ListRolePoliciesCommand({ RoleName: roleName, Marker }));
      return { items: out.PolicyNames, next: out.IsTruncated ? out.Marker : undefined };
    });
    const inline: { name: string; document: string }[] = [];
    for (const name of names) {
      const out = await ctx.session.send('iam', new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
      inline.push({ name, document: decodePolicyDocument(out.PolicyDocument) });
    }
    const attached: AttachedPolicy[] = await allPages(async (Marker) => {
      const out = await ctx.session.send('iam', new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker }));
      return { items: out.AttachedPolicies, next: out.IsTruncated ? out.Marker : undefined };
    });
    const earlier = revokeCutoffOf(inline.find((p) => p.name === REVOKE_POLICY_NAME)?.document);
    return {
      ok: true,
      summary:
        `inline: ${names.join(', ') || 'none'}; attached: ${attached.map((p) => p.PolicyName).join(', ') || 'none'}` +
        (earlier ? `; sessions issued before ${earlier} are already revoked` : ''),
      detail: { inline, attached: attached.map((p) => ({ name: p.PolicyName, arn: p.PolicyArn })) },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// The revoke-older-sessions inline policy, on a role or on a user

export interface RevokePrior {
  target: 'role' | 'user';
  /** The role's or user's name. */
  name: string;
  policyName: string;
  /** The inline policy of that name before the run (decoded), or null. */
  document: string | null;
  cutoff: string;
}

const API = {
  role: { get: 'GetRolePolicy', put: 'PutRolePolicy', remove: 'DeleteRolePolicy', key: 'RoleName' },
  user: { get: 'GetUserPolicy', put: 'PutUserPolicy', remove: 'DeleteUserPolicy', key: 'UserName' },
} as const;

/** Pure: the put, or nothing when the policy there already revokes everything up to the cut-off. */
export function planRevoke(prior: RevokePrior): AwsRequest[] {
  const existing = revokeCutoffOf(prior.document);
  if (existing && Date.parse(existing) >= Date.parse(prior.cutoff)) return [];
  const api = API[prior.target];
  return [
    {
      service: 'iam',
      action: api.put,
      input: {
        [api.key]: prior.name,
        PolicyName: prior.policyName,
        PolicyDocument: revokeOlderSessionsDocument(prior.cutoff),
      },
    },
  ];
}

/** Whether every statement of a policy document denies: putting such a document back can take access away, never give it. */
function deniesOnly(document: string): boolean {
  let parsed: { Statement?: unknown };
  try {
    parsed = JSON.parse(document) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = Array.isArray(parsed?.Statement) ? parsed.Statement : [parsed?.Statement];
  return statements.length > 0 && statements.every((s) => (s as { Effect?: unknown } | null)?.Effect === 'Deny');
}

/**
 * Pure: remove the policy, or put back the document it replaced. Only a document that only denies
 * is put back: the prior state is read from the transcript, and whoever can rewrite it must not be
 * able to make a rollback grant access.
 */
export function rollbackRevoke(prior: RevokePrior): Rollback {
  if (planRevoke(prior).length === 0)
    return {
      none: `${prior.policyName} on ${prior.target} ${prior.name} already revoked sessions up to ${revokeCutoffOf(prior.document)}; nothing was changed`,
    };
  const api = API[prior.target];
  if (prior.document !== null && !deniesOnly(prior.document)) {
    return {
      none:
        `the ${prior.policyName} document it replaced on ${prior.target} ${prior.name} allows access (or is not a policy document), and a rollback never grants access by itself; ` +
        `check that document in the transcript's prior state and put it back by hand if it belongs there (iam ${api.put})`,
    };
  }
  if (prior.document === null) {
    return {
      requests: [
        { service: 'iam', action: api.remove, input: { [api.key]: prior.name, PolicyName: prior.policyName } },
      ],
      does: `deletes the ${prior.policyName} inline policy from ${prior.target} ${prior.name}`,
    };
  }
  return {
    requests: [
      {
        service: 'iam',
        action: api.put,
        input: { [api.key]: prior.name, PolicyName: prior.policyName, PolicyDocument: prior.document },
      },
    ],
    does: `puts back the ${prior.policyName} document ${prior.target} ${prior.name} had before`,
  };
}

async function inlinePolicy(
  session: AwsSession,
  target: 'role' | 'user',
  name: string,
  policyName: string,
): Promise<string | null> {
  const read: Promise<{ PolicyDocument?: string }> =
    target === 'role'
      ? session.send('iam', new GetRolePolicyCommand({ RoleName: name, PolicyName: policyName }))
      : session.send('iam', new GetUserPolicyCommand({ UserName: name, PolicyName: policyName }));
  const out = await orNull(read);
  return out ? decodePolicyDocument(out.PolicyDocument) : null;
}

/**
 * A prior state for this operation's own target kind and the policy name it writes (capture never
 * produces another): one rebuilt from a transcript must not make the rollback delete or replace
 * some other inline policy, such as a guardrail.
 */
function ownPrior(target: 'role' | 'user', prior: unknown): RevokePrior {
  const p = prior as RevokePrior;
  const ownName =
    target === 'role'
      ? p?.policyName === REVOKE_POLICY_NAME
      : typeof p?.policyName === 'string' && /^awsorg-contain-[A-Z0-9]+$/.test(p.policyName);
  if (p?.target !== target || !ownName) {
    throw new Error(
      `the prior state is for ${p?.target ?? '?'} policy ${p?.policyName ?? '?'}, but this operation writes only the ${target === 'role' ? REVOKE_POLICY_NAME : containPolicyName('<access key id>')} policy of a ${target}`,
    );
  }
  return p;
}

function revokeAction(
  target: 'role' | 'user',
  locate: (ctx: StepContext) => { name: string; policyName: string },
  outputName: string,
): ActionOperation {
  const api = API[target];
  return {
    kind: 'action',
    call: `iam:${api.put}`,
    reads: [`iam:${api.get}`],
    rollbackCall: `iam:${api.remove} (or iam:${api.put} with the document it replaced)`,
    async capture(ctx): Promise<RevokePrior> {
      const { name, policyName } = locate(ctx);
      return {
        target,
        name,
        policyName,
        document: await inlinePolicy(ctx.session, target, name, policyName),
        cutoff: revocationCutoff(ctx.now()),
      };
    },
    plan: (_ctx, prior) => planRevoke(ownPrior(target, prior)),
    rollback: (_ctx, prior) => rollbackRevoke(ownPrior(target, prior)),
    async inEffect(ctx, prior, requests) {
      const p = prior as RevokePrior;
      const sent = String(requests[0]?.input.PolicyDocument ?? '');
      return sameJson(await inlinePolicy(ctx.session, target, p.name, p.policyName), sent);
    },
    outputs(_ctx, prior) {
      const p = prior as RevokePrior;
      return { [outputName]: planRevoke(p).length ? p.cutoff : (revokeCutoffOf(p.document) ?? p.cutoff) };
    },
  };
}

function verifyRevoke(
  target: 'role' | 'user',
  locate: (ctx: StepContext) => { name: string; policyName: string },
  outputName: string,
): (ctx: StepContext) => Promise<{ ok: boolean; line: string; document: string | null }> {
  return async (ctx) => {
    const { name, policyName } = locate(ctx);
    const wanted = ctx.outputs[outputName];
    const document = await inlinePolicy(ctx.session, target, name, policyName);
    const cutoff = revokeCutoffOf(document);
    const ok = Boolean(cutoff && (!wanted || Date.parse(cutoff) >= Date.parse(wanted)));
    const line = ok
      ? `${policyName} on ${target} ${name} denies every session issued before ${cutoff}`
      : document
        ? `${policyName} on ${target} ${name} does not deny sessions issued before ${wanted ?? 'the run'} yet`
        : `${policyName} is not on ${target} ${name} yet`;
    return { ok, line, document };
  };
}

const roleTarget = (ctx: StepContext) => ({ name: ctx.params['role-name']!, policyName: REVOKE_POLICY_NAME });
const probeRole = verifyRevoke('role', roleTarget, 'revoke-cutoff');

const verifyRoleRevoked: VerifyOperation = {
  kind: 'verify',
  reads: ['iam:GetRolePolicy'],
  async probe(ctx) {
    const r = await probeRole(ctx);
    return { ok: r.ok, summary: r.line, detail: { document: r.document } };
  },
};

// ---------------------------------------------------------------------------------------------
// contain-access-key

/** The user policy that denies the key's sessions; named after the key, so each contained key has its own. */
export function containPolicyName(accessKeyId: string): string {
  return `awsorg-contain-${accessKeyId}`;
}

const findKeyAccount: CheckOperation = {
  kind: 'check',
  reads: ['sts:GetAccessKeyInfo', 'organizations:DescribeAccount'],
  async run(ctx) {
    const keyId = ctx.params['access-key-id']!;
    const account = (await ctx.session.send('sts', new GetAccessKeyInfoCommand({ AccessKeyId: keyId }))).Account ?? '';
    const given = ctx.params.account;
    if (keyId.startsWith('ASIA')) {
      return {
        ok: false,
        summary: `${keyId} is a temporary key from account ${account}`,
        refusal: {
          message: `${keyId} is a temporary (ASIA…) access key from account ${account}: it belongs to a role session or a session token, which cannot be deactivated; it stops working when the session expires`,
          nextStep: `Find whose session it is: \`aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${keyId}\` (see userIdentity). For a role session run revoke-role-sessions --account ${account} --role-name ROLE; for a user's session token run contain-access-key on the user's long-term key (AKIA…).`,
        },
      };
    }
    if (given && given !== account) {
      return {
        ok: false,
        summary: `${keyId} belongs to account ${account}, not ${given}`,
        refusal: {
          message: `sts:GetAccessKeyInfo says access key ${keyId} belongs to account ${account}, not ${given} as --account says`,
          nextStep: `Check the key id; run again with --account ${account}, or without --account.`,
        },
      };
    }
    try {
      const described = (await ctx.session.send('organizations', new DescribeAccountCommand({ AccountId: account })))
        .Account;
      // AWS creates OrganizationAccountAccessRole only in the member accounts Organizations creates, never in the management account.
      if (
        account === (await ctx.organization()).managementAccountId &&
        ctx.params['access-role'] === 'OrganizationAccountAccessRole'
      ) {
        return {
          ok: false,
          summary: `${keyId} belongs to the management account ${account}`,
          refusal: {
            message: `access key ${keyId} belongs to the management account ${account}, which has no OrganizationAccountAccessRole to act through`,
            nextStep: `Run again with --access-role signed-in (signed in to the management account) or --access-role naming an administrator role there.`,
          },
        };
      }
      return {
        ok: true,
        summary: `${keyId} belongs to account ${described?.Name ?? account} (${account})`,
        detail: { account: described ?? { Id: account } },
        outputs: { 'key-account': account },
      };
    } catch (err) {
      if (!(err instanceof AwsCallError && /AccountNotFound/.test(err.code))) throw err;
      return {
        ok: false,
        summary: `${keyId} belongs to account ${account}, outside the organization`,
        refusal: {
          message: `access key ${keyId} belongs to account ${account}, which is not in your organization, so awsorg cannot act in it`,
          nextStep: `If the key was posted publicly, tell the account's owner, or AWS (the key owner gets an AWS Health notice for exposed keys); nothing was changed.`,
        },
      };
    }
  },
};

const findKeyUser: CheckOperation = {
  kind: 'check',
  reads: ['iam:GetAccessKeyLastUsed', 'iam:ListAccessKeys', 'iam:GetUser'],
  async run(ctx) {
    const keyId = ctx.params['access-key-id']!;
    const account = ctx.where.account;
    const notHere: Refusal = {
      message: `no IAM user in account ${account} has access key ${keyId}`,
      nextStep: `Check the key id (a deleted key cannot be contained: look up its past use with \`aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=${keyId}\`); nothing was changed.`,
    };
    const used = await orNull(ctx.session.send('iam', new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId })));
    const userName = used?.UserName;
    if (!userName) return { ok: false, summary: `${keyId} not found in ${account}`, refusal: notHere };
    // Cross-check in this account: the user must exist here and list the key (a lookup can name a user elsewhere).
    const keys = await orNull(ctx.session.send('iam', new ListAccessKeysCommand({ UserName: userName })));
    const key = keys?.AccessKeyMetadata?.find((k) => k.AccessKeyId === keyId);
    if (!key) return { ok: false, summary: `${keyId} not found in ${account}`, refusal: notHere };
    const user = (await ctx.session.send('iam', new GetUserCommand({ UserName: userName }))).User;
    const userArn = user?.Arn ?? `arn:aws:iam::${account}:user/${userName}`;
    if (userArn === ctx.operator.arn) {
      return {
        ok: false,
        summary: `${keyId} belongs to ${userArn}, the user you are signed in as`,
        refusal: {
          message: `access key ${keyId} belongs to ${userArn}, which is you: containing it would cut off this run's own sign-in half-way`,
          nextStep: 'Sign in as another principal (a break-glass user or an administrator role) and run again.',
        },
      };
    }
    const last = used?.AccessKeyLastUsed;
    const lastUse = last?.LastUsedDate
      ? `last used ${last.LastUsedDate.toISOString()} (${last.ServiceName ?? '?'} in ${last.Region ?? '?'})`
      : 'no recorded use';
    return {
      ok: true,
      summary: `${keyId} belongs to IAM user ${userName} in ${account}; it is ${key.Status ?? 'unknown'}; ${lastUse}`,
      detail: {
        user: { name: userName, arn: userArn, created: user?.CreateDate ?? null },
        key,
        lastUsed: last ?? null,
        keys: keys?.AccessKeyMetadata ?? [],
      },
      outputs: { 'key-user': userName },
    };
  },
};

export interface KeyPrior {
  userName: string;
  accessKeyId: string;
  status: string;
}

/** Pure: deactivate the key unless it is already inactive. Never delete: deactivation is reversible and keeps the evidence. */
export function planDeactivate(prior: KeyPrior): AwsRequest[] {
  if (prior.status === 'Inactive') return [];
  return [
    {
      service: 'iam',
      action: 'UpdateAccessKey',
      input: { UserName: prior.userName, AccessKeyId: prior.accessKeyId, Status: 'Inactive' },
    },
  ];
}

export function rollbackDeactivate(prior: KeyPrior): Rollback {
  if (planDeactivate(prior).length === 0) return { none: `access key ${prior.accessKeyId} was already inactive` };
  return {
    requests: [
      {
        service: 'iam',
        action: 'UpdateAccessKey',
        input: { UserName: prior.userName, AccessKeyId: prior.accessKeyId, Status: 'Active' },
      },
    ],
    does: `reactivates access key ${prior.accessKeyId} of ${prior.userName} (only once it is known not to be leaked)`,
  };
}

async function accessKey(session: AwsSession, userName: string, keyId: string): Promise<AccessKeyMetadata | undefined> {
  return (await session.send('iam', new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata?.find(
    (k) => k.AccessKeyId === keyId,
  );
}

const deactivateKey: ActionOperation = {
  kind: 'action',
  call: 'iam:UpdateAccessKey',
  reads: ['iam:ListAccessKeys'],
  rollbackCall: 'iam:UpdateAccessKey (Status Active)',
  async capture(ctx): Promise<KeyPrior> {
    const userName = ctx.outputs['key-user'] ?? '';
    const accessKeyId = ctx.params['access-key-id']!;
    return {
      userName,
      accessKeyId,
      status: (await accessKey(ctx.session, userName, accessKeyId))?.Status ?? 'missing',
    };
  },
  plan: (_ctx, prior) => planDeactivate(prior as KeyPrior),
  rollback: (_ctx, prior) => rollbackDeactivate(prior as KeyPrior),
  async inEffect(ctx, prior) {
    const p = prior as KeyPrior;
    return (await accessKey(ctx.session, p.userName, p.accessKeyId))?.Status === 'Inactive';
  },
};

const userTarget = (ctx: StepContext) => ({
  name: ctx.outputs['key-user'] ?? '',
  policyName: containPolicyName(ctx.params['access-key-id']!),
});

export interface LoginProfilePrior {
  userName: string;
  loginProfile: { created: string | null; passwordResetRequired: boolean } | null;
}

export function planDeleteLoginProfile(prior: LoginProfilePrior): AwsRequest[] {
  return prior.loginProfile
    ? [{ service: 'iam', action: 'DeleteLoginProfile', input: { UserName: prior.userName } }]
    : [];
}

/** A console password cannot be put back: AWS never reveals it. The rollback says how to give access back instead. */
export function rollbackDeleteLoginProfile(prior: LoginProfilePrior): Rollback {
  if (!prior.loginProfile) return { none: `${prior.userName} had no console password` };
  return {
    none: `the console password of ${prior.userName} cannot be restored (AWS never reveals a password); to give console access back, set a new one the user must change: \`aws iam create-login-profile --user-name ${prior.userName} --password '<new password>' --password-reset-required\``,
  };
}

const deleteLoginProfile: ActionOperation = {
  kind: 'action',
  call: 'iam:DeleteLoginProfile',
  reads: ['iam:GetLoginProfile'],
  rollbackCall:
    'none: the password cannot be restored; iam:CreateLoginProfile with a new password and PasswordResetRequired gives access back',
  async capture(ctx): Promise<LoginProfilePrior> {
    const userName = ctx.outputs['key-user'] ?? '';
    const profile = (await orNull(ctx.session.send('iam', new GetLoginProfileCommand({ UserName: userName }))))
      ?.LoginProfile;
    return {
      userName,
      loginProfile: profile
        ? {
            created: profile.CreateDate?.toISOString() ?? null,
            passwordResetRequired: Boolean(profile.PasswordResetRequired),
          }
        : null,
    };
  },
  plan: (_ctx, prior) => planDeleteLoginProfile(prior as LoginProfilePrior),
  rollback: (_ctx, prior) => rollbackDeleteLoginProfile(prior as LoginProfilePrior),
};

const probeUser = verifyRevoke('user', userTarget, 'user-revoke-cutoff');

const verifyKeyContained: VerifyOperation = {
  kind: 'verify',
  reads: ['iam:ListAccessKeys', 'iam:GetUserPolicy', 'iam:GetLoginProfile'],
  async probe(ctx) {
    const userName = ctx.outputs['key-user'] ?? '';
    const keyId = ctx.params['access-key-id']!;
    const status = (await accessKey(ctx.session, userName, keyId))?.Status ?? 'missing';
    const denied = await probeUser(ctx);
    const profile = await orNull(ctx.session.send('iam', new GetLoginProfileCommand({ UserName: userName })));
    const parts = [
      `key ${keyId} is ${status}`,
      denied.line,
      profile ? `${userName} still has a console password` : `${userName} has no console password`,
    ];
    return {
      ok: status === 'Inactive' && denied.ok && !profile,
      summary: parts.join('; '),
      detail: { status, document: denied.document, loginProfile: Boolean(profile) },
    };
  },
};

export const IAM_OPERATIONS: Record<string, Operation> = {
  'iam.refuse-protected-role': refuseProtectedRole,
  'iam.capture-role-policies': captureRolePolicies,
  'iam.revoke-role-sessions': revokeAction('role', roleTarget, 'revoke-cutoff'),
  'iam.verify-role-sessions-revoked': verifyRoleRevoked,
  'iam.find-access-key-account': findKeyAccount,
  'iam.find-access-key-user': findKeyUser,
  'iam.deactivate-access-key': deactivateKey,
  'iam.deny-user-older-sessions': revokeAction('user', userTarget, 'user-revoke-cutoff'),
  'iam.delete-login-profile': deleteLoginProfile,
  'iam.verify-access-key-contained': verifyKeyContained,
};
