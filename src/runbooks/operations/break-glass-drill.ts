/**
 * The break-glass drill's checks on identities: the break-glass sign-in and its MFA, the
 * emergency role in every account, and when each break-glass credential was last used; plus the
 * helpers the guardrail checks (break-glass-guardrails.ts) share. Each check reads, never
 * writes, and reports one item per thing it looked at, so a single run shows everything that
 * would get in the way of an emergency. The judgements themselves are in break-glass-rules.ts.
 */
import {
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
} from '@aws-sdk/client-iam';
import { ListAccountsCommand, type Account } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsSession } from '../../aws/session.js';
import { AwsCallError, UsageError } from '../../core/errors.js';
import type { CheckOperation, CheckOutcome, Operation, StepContext } from '../types.js';
import { credentialFreshness } from './break-glass-rules.js';

export type Item = NonNullable<CheckOutcome['items']>[number];

/** How many accounts the fan-out checks look at at once (Organizations and IAM throttle hard). */
export const FAN_OUT = 5;

export type SignIn = { kind: 'root' } | { kind: 'user'; name: string } | { kind: 'other'; what: string };

/** What kind of principal an identity ARN is: root, an IAM user, or something else (a role session). */
export function signInOf(arn: string): SignIn {
  const resource = arn.split(':').slice(5).join(':');
  if (resource === 'root') return { kind: 'root' };
  if (resource.startsWith('user/')) return { kind: 'user', name: resource.split('/').pop()! };
  return { kind: 'other', what: resource.split('/')[0] || 'unknown principal' };
}

export function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

const USER_NAME = /^[\w+=.@-]{1,64}$/;

/** `--break-glass-users a,b`, else the signed-in IAM user; a bad name is a usage error. */
export function breakGlassUsers(ctx: Pick<StepContext, 'params' | 'operator'>): string[] {
  const given = ctx.params['break-glass-users'];
  if (given === undefined) {
    const me = signInOf(ctx.operator.arn);
    return me.kind === 'user' ? [me.name] : [];
  }
  const names = given
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !USER_NAME.test(n));
  if (bad.length || names.length === 0) {
    throw new UsageError(
      `--break-glass-users "${given}" is not a comma-separated list of IAM user names`,
      'Pass --break-glass-users NAME[,NAME...] (letters, digits and +=.@_-).',
    );
  }
  return [...new Set(names)];
}

export function awsCode(err: unknown): string | undefined {
  return err instanceof AwsCallError ? err.code : undefined;
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

function day(d: Date | undefined): string {
  return d ? d.toISOString().slice(0, 10) : 'never';
}

export async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    all.push(...(page.items ?? []));
    token = page.next;
  } while (token);
  return all;
}

export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function outcome(items: Item[], summary: (failed: Item[]) => string, detail?: unknown): CheckOutcome {
  const failed = items.filter((i) => !i.ok);
  return { ok: failed.length === 0, summary: summary(failed), items, ...(detail !== undefined ? { detail } : {}) };
}

export async function activeAccounts(session: AwsSession): Promise<Account[]> {
  const accounts = await allPages(async (NextToken) => {
    const out = await session.send('organizations', new ListAccountsCommand({ NextToken }));
    return { items: out.Accounts, next: out.NextToken };
  });
  return accounts.filter((a) => (a.State ?? a.Status) === 'ACTIVE');
}

const identityAndMfa: CheckOperation = {
  kind: 'check',
  reads: ['sts:GetCallerIdentity', 'iam:ListMFADevices (an IAM user)', 'iam:GetAccountSummary (root)'],
  async run(ctx) {
    breakGlassUsers(ctx);
    const me = await ctx.session.send('sts', new GetCallerIdentityCommand({}));
    const arn = me.Arn ?? ctx.operator.arn;
    const signIn = signInOf(arn);
    const items: Item[] = [];
    if (signIn.kind === 'user') {
      items.push({ name: 'sign-in', ok: true, detail: `IAM user ${signIn.name} in ${me.Account} (${arn})` });
      const devices =
        (await ctx.session.send('iam', new ListMFADevicesCommand({ UserName: signIn.name }))).MFADevices ?? [];
      items.push(
        devices.length
          ? {
              name: 'MFA device',
              ok: true,
              detail: devices.map((d) => `${d.SerialNumber} (enabled ${day(d.EnableDate)})`).join(', '),
            }
          : {
              name: 'MFA device',
              ok: false,
              detail: `${signIn.name} has no MFA device: enable one now (\`aws iam enable-mfa-device\`), so break-glass-session can start an MFA session`,
            },
      );
    } else if (signIn.kind === 'root') {
      items.push({ name: 'sign-in', ok: true, detail: `the root user of ${me.Account}` });
      const summary = (await ctx.session.send('iam', new GetAccountSummaryCommand({}))).SummaryMap ?? {};
      items.push(
        summary.AccountMFAEnabled === 1
          ? { name: 'root MFA', ok: true, detail: 'the root user has an MFA device (AccountMFAEnabled = 1)' }
          : {
              name: 'root MFA',
              ok: false,
              detail:
                'the root user has no MFA device (AccountMFAEnabled = 0): add one in the console (Security credentials)',
            },
        summary.AccountAccessKeysPresent
          ? {
              name: 'root access keys',
              ok: false,
              detail: 'the root user has access keys: delete them and keep root for the console, with MFA',
            }
          : { name: 'root access keys', ok: true, detail: 'none' },
      );
    } else {
      items.push({
        name: 'sign-in',
        ok: false,
        detail: `${arn} is a ${signIn.what} session, not a break-glass credential: run the drill signed in with the break-glass IAM user's keys (or as root) so it proves they work`,
      });
    }
    return outcome(
      items,
      (failed) =>
        failed.length ? `${arn}: ${failed.map((f) => f.name).join(', ')} failed` : `${arn} can sign in, with MFA`,
      { arn, account: me.Account ?? null },
    );
  },
};

const emergencyRoleEverywhere: CheckOperation = {
  kind: 'check',
  reads: [
    'organizations:ListAccounts',
    'iam:GetRole (in each active account, as --access-role; the management account as your sign-in)',
  ],
  async run(ctx) {
    const role = ctx.params['emergency-role']!;
    const accessRole = ctx.params['access-role']!;
    const { managementAccountId } = await ctx.organization();
    const accounts = await activeAccounts(ctx.session);
    const items = await mapLimit(accounts, FAN_OUT, async (account): Promise<Item> => {
      const id = account.Id ?? '';
      const name = `${account.Name ?? id} (${id})`;
      let session: AwsSession;
      try {
        session = id === managementAccountId ? ctx.session : await ctx.sessionFor(id, accessRole);
      } catch (err) {
        return { name, ok: false, detail: `could not assume ${accessRole} to look: ${firstLine(err)}` };
      }
      try {
        const found = (await session.send('iam', new GetRoleCommand({ RoleName: role }))).Role;
        const used = found?.RoleLastUsed?.LastUsedDate;
        return {
          name,
          ok: true,
          detail: `${found?.Arn ?? role}; last used ${used ? `${day(used)} (${found?.RoleLastUsed?.Region ?? 'region unknown'})` : 'never'}`,
        };
      } catch (err) {
        if (awsCode(err) === 'NoSuchEntity') {
          const hint =
            id === managementAccountId
              ? ' (Organizations creates OrganizationAccountAccessRole only in the accounts it creates: make the emergency role here yourself)'
              : '';
          return { name, ok: false, detail: `${role} is missing${hint}` };
        }
        return { name, ok: false, detail: `could not read ${role}: ${firstLine(err)}` };
      }
    });
    return outcome(items, (failed) =>
      failed.length
        ? `${role} is missing or unreadable in ${failed.length} of ${items.length} active accounts: ${failed.map((f) => f.name).join(', ')}`
        : `${role} exists in all ${items.length} active accounts`,
    );
  },
};

const credentialUse: CheckOperation = {
  kind: 'check',
  reads: ['iam:GetUser', 'iam:GetLoginProfile', 'iam:ListMFADevices', 'iam:ListAccessKeys', 'iam:GetAccessKeyLastUsed'],
  async run(ctx) {
    const users = breakGlassUsers(ctx);
    const now = ctx.now();
    const signIn = signInOf(ctx.operator.arn);
    if (users.length === 0) {
      const item =
        signIn.kind === 'root'
          ? {
              name: 'root',
              ok: true,
              detail:
                "the root user's last sign-in is in the IAM credential report (`aws iam generate-credential-report`, then `aws iam get-credential-report`); name break-glass IAM users with --break-glass-users to check them here",
            }
          : {
              name: 'break-glass users',
              ok: false,
              detail: 'none named, and the sign-in is not an IAM user: pass --break-glass-users NAME[,NAME...]',
            };
      return { ok: item.ok, summary: item.detail, items: [item] };
    }
    const inUse = (await ctx.session.resolveCredentials().catch(() => undefined))?.accessKeyId;
    const items: Item[] = [];
    for (const user of users) items.push(...(await userCredentials(ctx, user, now, inUse)));
    return outcome(items, (failed) =>
      failed.length
        ? `${failed.length} of ${items.length} break-glass credential checks failed: ${failed.map((f) => f.name).join(', ')}`
        : `every break-glass credential of ${users.join(', ')} is present and in use within 90 days`,
    );
  },
};

async function userCredentials(ctx: StepContext, user: string, now: Date, inUse: string | undefined): Promise<Item[]> {
  const missing = async <T>(call: Promise<T>): Promise<T | undefined> => {
    try {
      return await call;
    } catch (err) {
      if (awsCode(err) === 'NoSuchEntity') return undefined;
      throw err;
    }
  };
  const found = await missing(ctx.session.send('iam', new GetUserCommand({ UserName: user })));
  if (!found?.User)
    return [
      { name: user, ok: false, detail: `no IAM user ${user} in ${ctx.where.account}: the credential is missing` },
    ];
  const profile = (await missing(ctx.session.send('iam', new GetLoginProfileCommand({ UserName: user }))))
    ?.LoginProfile;
  const devices = (await ctx.session.send('iam', new ListMFADevicesCommand({ UserName: user }))).MFADevices ?? [];
  const keys = await allPages(async (Marker) => {
    const out = await ctx.session.send('iam', new ListAccessKeysCommand({ UserName: user, Marker }));
    return { items: out.AccessKeyMetadata, next: out.IsTruncated ? out.Marker : undefined };
  });
  const items: Item[] = [];
  const activeKeys = keys.filter((k) => k.Status === 'Active');
  if (profile) {
    const v = credentialFreshness(
      { created: profile.CreateDate, lastUsed: found.User.PasswordLastUsed, active: true },
      now,
    );
    items.push({ name: `${user} console password`, ...v });
  } else {
    items.push(
      activeKeys.length
        ? { name: `${user} console password`, ok: true, detail: 'none: this user signs in with its access keys only' }
        : {
            name: `${user} credentials`,
            ok: false,
            detail: 'no console password and no active access key: there is nothing to sign in with',
          },
    );
  }
  items.push(
    devices.length
      ? { name: `${user} MFA`, ok: true, detail: devices.map((d) => d.SerialNumber).join(', ') }
      : {
          name: `${user} MFA`,
          ok: false,
          detail: 'no MFA device: a break-glass sign-in without MFA is one leaked password away from an intruder',
        },
  );
  for (const key of keys) {
    const used = (await ctx.session.send('iam', new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId })))
      .AccessKeyLastUsed;
    const where =
      used?.ServiceName && used.ServiceName !== 'N/A'
        ? `${used.ServiceName}, ${used.Region ?? 'no region'}`
        : undefined;
    const v = credentialFreshness(
      {
        created: key.CreateDate,
        lastUsed: used?.LastUsedDate,
        ...(where ? { lastUsedWhere: where } : {}),
        active: key.Status === 'Active',
        inUseNow: key.AccessKeyId === inUse,
      },
      now,
    );
    items.push({ name: `${user} access key ${key.AccessKeyId}`, ...v });
  }
  return items;
}

/**
 * A drill reports every check: an AWS error inside one (AccessDenied on a read, say) is that
 * check's failure, not the end of the drill. Usage errors (a bad parameter) still stop it.
 */
function reported(op: CheckOperation): CheckOperation {
  return {
    ...op,
    async run(ctx) {
      try {
        return await op.run(ctx);
      } catch (err) {
        if (err instanceof UsageError) throw err;
        const detail = `could not check: ${firstLine(err)}`;
        return { ok: false, summary: detail, items: [{ name: 'check', ok: false, detail }] };
      }
    },
  };
}

export function reportedFor(ops: Record<string, CheckOperation>): Record<string, Operation> {
  return Object.fromEntries(Object.entries(ops).map(([name, op]) => [name, reported(op)]));
}

export const IDENTITY_CHECKS: Record<string, CheckOperation> = {
  'break-glass.identity-mfa': identityAndMfa,
  'break-glass.emergency-role': emergencyRoleEverywhere,
  'break-glass.credential-use': credentialUse,
};
