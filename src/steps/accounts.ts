/**
 * Step 4: member accounts. Existing accounts are matched by email (case-insensitive) and adopted.
 *
 * CreateAccount has no idempotency token, so a second call makes a second account. The request
 * id is written to the journal before the run waits on it; a resumed run polls that request,
 * or finds an in-progress request for the same name, before it would ever call CreateAccount.
 */
import {
  CreateAccountCommand,
  DescribeCreateAccountStatusCommand,
  ListAccountsCommand,
  ListCreateAccountStatusCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  TagResourceCommand,
  type Account,
  type CreateAccountStatus,
} from '@aws-sdk/client-organizations';
import { accountState, CLOSED_OR_SUSPENDED } from '../aws/account-state.js';
import { AwsorgError, CancelledError, PreconditionError } from '../core/errors.js';
import type { Step, StepContext } from './types.js';
import { awsorgTags, isAwsError, paginate } from './support.js';

export interface ObservedAccounts {
  organizationExists: boolean;
  /** Blueprint account name -> the existing account matched by email. */
  matched: Record<
    string,
    { id: string; name: string; status: string; parentId: string | undefined; tags?: Record<string, string> }
  >;
  /** In-progress CreateAccount requests, by account name. */
  inProgress: Record<string, string>;
  /** Blueprint OU path -> id, for the move decisions (copied from state so plan stays pure). */
  ouIds: Record<string, string>;
  rootId: string | undefined;
}

type AccountChange =
  | {
      kind: 'create';
      name: string;
      email: string;
      ou: string;
      tags?: Record<string, string>;
      inProgressRequestId?: string;
    }
  | { kind: 'move'; name: string; accountId: string; ou: string }
  | { kind: 'tag'; name: string; accountId: string; tags: Record<string, string> };

export async function listAccounts(ctx: StepContext): Promise<Account[]> {
  return paginate(async (NextToken) => {
    const out = await ctx.session.send('organizations', new ListAccountsCommand({ NextToken }));
    return { items: out.Accounts, next: out.NextToken };
  });
}

async function listCreateStatuses(
  ctx: StepContext,
  states: Array<'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED'>,
): Promise<CreateAccountStatus[]> {
  return paginate(async (NextToken) => {
    const out = await ctx.session.send(
      'organizations',
      new ListCreateAccountStatusCommand({ States: states, NextToken }),
    );
    return { items: out.CreateAccountStatuses, next: out.NextToken };
  });
}

async function tagsOf(ctx: StepContext, accountId: string): Promise<Record<string, string>> {
  const tags = await paginate(async (NextToken) => {
    const out = await ctx.session.send(
      'organizations',
      new ListTagsForResourceCommand({ ResourceId: accountId, NextToken }),
    );
    return { items: out.Tags, next: out.NextToken };
  });
  return Object.fromEntries(tags.filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
}

/** The blueprint's tags that the account lacks or holds with another value. */
function missingTags(
  wanted: Record<string, string> | undefined,
  actual: Record<string, string> | undefined,
): Record<string, string> {
  return Object.fromEntries(Object.entries(wanted ?? {}).filter(([key, value]) => actual?.[key] !== value));
}

async function parentOf(ctx: StepContext, accountId: string): Promise<string | undefined> {
  const out = await ctx.session.send('organizations', new ListParentsCommand({ ChildId: accountId }));
  return out.Parents?.[0]?.Id;
}

const targetOuId = (
  ou: string,
  ids: { rootId?: string | undefined; ouIds: Map<string, string> | Record<string, string> },
) => (ou === 'Root' ? ids.rootId : ids.ouIds instanceof Map ? ids.ouIds.get(ou) : ids.ouIds[ou]);

/** What to do about each CreateAccount failure reason. */
export const FAILURE_ADVICE: Record<string, string> = {
  EMAIL_ALREADY_EXISTS:
    'Another AWS account already uses this email address. Use a different address (plus-addressing such as aws+name@example.com works), or invite that account instead with organizations:InviteAccountToOrganization.',
  ACCOUNT_LIMIT_EXCEEDED:
    'The organization has reached its account quota. Request an increase in Service Quotas (AWS Organizations, "Default maximum number of accounts") or close unused accounts, then rerun.',
  INVALID_EMAIL:
    'AWS rejected the email address. Check that it is a real, deliverable address, correct it in the blueprint, and rerun.',
  CONCURRENT_ACCOUNT_MODIFICATION:
    'Another account operation was running at the same time. Wait a few minutes and rerun; progress is kept in the journal.',
  INTERNAL_FAILURE:
    'AWS failed internally while creating the account. Rerun later; if it keeps failing, open a case with AWS Support.',
  GOVCLOUD_ACCOUNT_ALREADY_EXISTS:
    'A GovCloud account is already associated with this account. Remove the GovCloud request or use another email.',
  MISSING_BUSINESS_VALIDATION:
    'The management account has not completed business validation. Complete it in the AWS Billing console, then rerun.',
  PENDING_BUSINESS_VALIDATION:
    'Business validation of the management account is still in progress. Rerun when AWS has finished it.',
  INVALID_IDENTITY_FOR_BUSINESS_VALIDATION:
    'The management account failed business validation. Correct its identity details in the Billing console and contact AWS Support.',
  MISSING_PAYMENT_INSTRUMENT:
    'The management account has no valid payment method. Add one in the Billing console, then rerun.',
  INVALID_PAYMENT_INSTRUMENT:
    "The management account's payment method was declined. Update it in the Billing console, then rerun.",
  INVALID_ADDRESS:
    "The management account's contact address is invalid. Correct it in the Account settings, then rerun.",
  UPDATE_EXISTING_RESOURCE_POLICY_WITH_TAGS_NOT_SUPPORTED:
    "The organization's resource policy cannot be updated with tags. Remove the tags from the request or the policy and rerun.",
};

export class AccountCreationFailed extends AwsorgError {}

export const accountsStep: Step<ObservedAccounts, AccountChange> = {
  id: 'accounts',
  title: 'Member accounts',
  concurrency: 5,
  enabled: (loaded) => loaded.blueprint.accounts.length > 0,

  async observe(ctx) {
    const ouIds = Object.fromEntries(ctx.state.ouIds);
    if (!ctx.state.rootId) return { organizationExists: false, matched: {}, inProgress: {}, ouIds, rootId: undefined };
    const [accounts, pending] = await Promise.all([listAccounts(ctx), listCreateStatuses(ctx, ['IN_PROGRESS'])]);
    const byEmail = new Map(accounts.map((a) => [(a.Email ?? '').toLowerCase(), a]));
    const matched: ObservedAccounts['matched'] = {};
    await Promise.all(
      ctx.loaded.blueprint.accounts.map(async (wanted) => {
        const account = byEmail.get(wanted.email.toLowerCase());
        if (!account?.Id) return;
        ctx.state.accountIds.set(wanted.name, account.Id);
        matched[wanted.name] = {
          id: account.Id,
          name: account.Name ?? '',
          // A missing state is taken as ACTIVE, as before: only a state AWS sends can refuse an account.
          status: accountState(account) ?? 'ACTIVE',
          parentId: await parentOf(ctx, account.Id),
          // Read only for accounts the blueprint tags, so a blueprint without tags costs no call.
          ...(wanted.tags && Object.keys(wanted.tags).length > 0 ? { tags: await tagsOf(ctx, account.Id) } : {}),
        };
      }),
    );
    const inProgress = Object.fromEntries(
      pending.filter((s) => s.AccountName && s.Id).map((s) => [s.AccountName!, s.Id!]),
    );
    return { organizationExists: true, matched, inProgress, ouIds, rootId: ctx.state.rootId };
  },

  plan(observed, { blueprint }) {
    const changes: ReturnType<Step<ObservedAccounts, AccountChange>['plan']> = [];
    for (const wanted of blueprint.accounts) {
      const found = observed.matched[wanted.name];
      if (!found) {
        const inProgressRequestId = observed.inProgress[wanted.name];
        changes.push({
          key: `account:${wanted.email.toLowerCase()}`,
          calls: [
            'organizations:CreateAccount',
            'organizations:DescribeCreateAccountStatus',
            'organizations:MoveAccount',
          ],
          summary: inProgressRequestId
            ? `Finish creating account ${wanted.name} <${wanted.email}> (request ${inProgressRequestId} is in progress), then move it to ${wanted.ou}`
            : `Create account ${wanted.name} <${wanted.email}> and move it to ${wanted.ou}`,
          data: {
            kind: 'create',
            name: wanted.name,
            email: wanted.email,
            ou: wanted.ou,
            ...(wanted.tags && Object.keys(wanted.tags).length > 0 ? { tags: wanted.tags } : {}),
            ...(inProgressRequestId ? { inProgressRequestId } : {}),
          },
        });
        continue;
      }
      if (CLOSED_OR_SUSPENDED.has(found.status)) {
        throw new PreconditionError(
          `Account ${wanted.name} (${found.id}, ${wanted.email}) is ${found.status}.`,
          'Reopen it through AWS Support, or remove it from the blueprint.',
        );
      }
      // Accounts are matched by email; a different display name is left alone on purpose,
      // because renaming needs the account's own root or account:PutAccountName permissions.
      const desiredParent = targetOuId(wanted.ou, observed);
      if (found.parentId && desiredParent !== found.parentId) {
        changes.push({
          key: `account-move:${wanted.email.toLowerCase()}`,
          calls: ['organizations:MoveAccount'],
          summary: `Move account ${wanted.name} (${found.id}) to ${wanted.ou}`,
          data: { kind: 'move', name: wanted.name, accountId: found.id, ou: wanted.ou },
        });
      }
      const tags = missingTags(wanted.tags, found.tags);
      if (Object.keys(tags).length > 0) {
        changes.push({
          key: `account-tags:${wanted.email.toLowerCase()}`,
          calls: ['organizations:TagResource'],
          summary: `Tag account ${wanted.name} (${found.id}) ${Object.entries(tags)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`,
          data: { kind: 'tag', name: wanted.name, accountId: found.id, tags },
        });
      }
    }
    return changes;
  },

  async apply(change, ctx) {
    const data = change.data;
    if (data.kind === 'tag') {
      // TagResource sets the named keys and leaves every other tag alone, so a retry is harmless.
      await ctx.session.send(
        'organizations',
        new TagResourceCommand({
          ResourceId: data.accountId,
          Tags: Object.entries(data.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return;
    }
    const accountId = data.kind === 'create' ? await createAccount(ctx, data) : data.accountId;
    ctx.state.accountIds.set(data.name, accountId);
    await moveAccount(ctx, accountId, data.ou);
  },
};

async function moveAccount(ctx: StepContext, accountId: string, ou: string): Promise<void> {
  const destination = targetOuId(ou, ctx.state);
  if (!destination)
    throw new PreconditionError(
      `OU ${ou} does not exist, so account ${accountId} cannot be moved into it.`,
      'Run bootstrap again.',
    );
  const source = await parentOf(ctx, accountId);
  if (!source || source === destination) return;
  try {
    await ctx.session.send(
      'organizations',
      new MoveAccountCommand({ AccountId: accountId, SourceParentId: source, DestinationParentId: destination }),
    );
  } catch (err) {
    // A retried move whose first attempt got through.
    if (!isAwsError(err, 'DuplicateAccountException', 'SourceParentNotFoundException')) throw err;
    if ((await parentOf(ctx, accountId)) !== destination) throw err;
  }
}

async function createAccount(ctx: StepContext, data: Extract<AccountChange, { kind: 'create' }>): Promise<string> {
  const emailKey = data.email.toLowerCase();
  let requestId = ctx.journal.createAccountRequest(data.email)?.requestId ?? data.inProgressRequestId;
  if (requestId) ctx.note(`resuming CreateAccount request ${requestId}`);

  for (;;) {
    if (!requestId) {
      // The account may exist already (a run killed after CreateAccount finished).
      const existing = (await listAccounts(ctx)).find((a) => a.Email?.toLowerCase() === emailKey);
      if (existing?.Id) return existing.Id;
      const startedAt = ctx.clock.now();
      const out = await ctx.session.send(
        'organizations',
        new CreateAccountCommand({ Email: data.email, AccountName: data.name, Tags: awsorgTags(data.tags) }),
        {
          reconcile: async () => {
            const statuses = await listCreateStatuses(ctx, ['IN_PROGRESS', 'SUCCEEDED']);
            const mine = statuses.find(
              (s) => s.AccountName === data.name && (s.RequestedTimestamp?.getTime() ?? 0) >= startedAt - 60_000,
            );
            return mine ? { CreateAccountStatus: mine, $metadata: {} } : undefined;
          },
        },
      );
      requestId = out.CreateAccountStatus?.Id;
      if (!requestId)
        throw new AccountCreationFailed(`organizations:CreateAccount for ${data.name} returned no request id.`);
      const savedId = requestId;
      await ctx.journal.update((j) => {
        j.createAccountRequests[emailKey] = {
          requestId: savedId,
          accountName: data.name,
          requestedAt: new Date(startedAt).toISOString(),
        };
      });
      ctx.note(`CreateAccount request ${requestId} submitted`);
    }

    const status = await waitForAccount(ctx, requestId, data.name);
    if (status === 'unknown-request') {
      // The saved request id is not known to this organization (journal from elsewhere): forget it.
      await ctx.journal.update((j) => void delete j.createAccountRequests[emailKey]);
      requestId = undefined;
      continue;
    }
    if (status.State === 'SUCCEEDED' && status.AccountId) {
      const id = status.AccountId;
      await ctx.journal.update((j) => {
        const entry = j.createAccountRequests[emailKey];
        if (entry) entry.accountId = id;
      });
      return id;
    }
    const reason = status.FailureReason ?? 'UNKNOWN';
    // Forget the failed request, so the run after the fix creates the account afresh.
    await ctx.journal.update((j) => void delete j.createAccountRequests[emailKey]);
    throw new AccountCreationFailed(
      `organizations:CreateAccount failed for account ${data.name} <${data.email}>: ${reason} (request ${requestId}).`,
      FAILURE_ADVICE[reason] ?? 'See the failure reason in the AWS Organizations console, fix it, and rerun bootstrap.',
    );
  }
}

const POLL_LIMIT_MS = 30 * 60_000;

/** Poll DescribeCreateAccountStatus with backoff until the request leaves IN_PROGRESS. */
async function waitForAccount(
  ctx: StepContext,
  requestId: string,
  name: string,
): Promise<CreateAccountStatus | 'unknown-request'> {
  const started = ctx.clock.now();
  for (let poll = 0; ; poll++) {
    let status: CreateAccountStatus | undefined;
    try {
      status = (
        await ctx.session.send(
          'organizations',
          new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
        )
      ).CreateAccountStatus;
    } catch (err) {
      // moto answers AccountNotFoundException where AWS answers CreateAccountStatusNotFoundException.
      if (isAwsError(err, 'CreateAccountStatusNotFoundException', 'AccountNotFoundException')) return 'unknown-request';
      throw err;
    }
    if (status && status.State !== 'IN_PROGRESS') return status;
    if (ctx.signal.aborted) {
      throw new CancelledError(
        `Stopped while account ${name} was being created (request ${requestId}, saved in the journal).`,
        'Run the same command again to resume.',
      );
    }
    if (ctx.clock.now() - started > POLL_LIMIT_MS) {
      throw new AccountCreationFailed(
        `Account ${name} is still being created after ${POLL_LIMIT_MS / 60_000} minutes (request ${requestId}).`,
        'Run bootstrap again later; it will keep waiting on the same request instead of creating another account.',
      );
    }
    ctx.note(`waiting for account ${name}: IN_PROGRESS (poll ${poll + 1})`);
    await ctx.clock.sleep(Math.min(10_000, 500 * 2 ** poll), ctx.signal);
  }
}
