/** Step 1: who is running the bootstrap, and may they? */
import { describeCaller, type WhoamiResult } from '../aws/caller.js';
import { PreconditionError } from '../core/errors.js';
import type { Step } from './types.js';

export const identityStep: Step<WhoamiResult, never> = {
  id: 'identity',
  title: 'Check the caller identity',
  enabled: () => true,

  async observe(ctx) {
    const caller = await describeCaller(ctx.session);
    ctx.state.identity = { account: caller.account, arn: caller.arn, userId: caller.userId };
    if (caller.organization.id) ctx.state.organizationId = caller.organization.id;
    if (caller.organization.managementAccountId)
      ctx.state.managementAccountId = caller.organization.managementAccountId;
    return caller;
  },

  plan(caller, _loaded, options) {
    if (caller.isRoot && !options.allowRoot) {
      throw new PreconditionError(
        `You are signed in as the root user of account ${caller.account}. The root user cannot be restricted by IAM or SCPs, ` +
          'so AWS recommends using it only for the few tasks that require it.',
        'Sign in as an administrator IAM role or user in the management account, or pass --allow-root if this is a brand-new account with no other identity yet.',
      );
    }
    if (caller.organization.role === 'member') {
      throw new PreconditionError(
        `Account ${caller.account} is a member of organization ${caller.organization.id}; bootstrap must run in its management account ` +
          `(${caller.organization.managementAccountId}), because only the management account can create accounts, OUs and SCPs.`,
        `Sign in to account ${caller.organization.managementAccountId} and run the command again.`,
      );
    }
    if (caller.organization.role === 'unknown') {
      throw new PreconditionError(
        `Cannot tell whether account ${caller.account} belongs to an organization: ${caller.organization.reason}.`,
        `Grant ${caller.arn} organizations:DescribeOrganization (and the other organizations:* permissions bootstrap needs).`,
      );
    }
    return [];
  },

  async apply() {
    // Identity is checked, never changed.
  },
};
