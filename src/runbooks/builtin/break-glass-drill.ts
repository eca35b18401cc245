import type { Runbook } from '../types.js';
import { AS_MANAGEMENT } from './shared.js';

export const breakGlassDrill: Runbook = {
  id: 'break-glass-drill',
  title: 'Drill the break-glass path',
  description:
    'Proves, without changing anything, that the emergency path works before it is needed: the break-glass identity and its MFA, the emergency role in every account, the SCP that protects it, the alert on root and break-glass sign-in, and when each break-glass credential was last used. Every item passes or fails on its own; the run fails when any of them does.',
  whenToUse: [
    'On a schedule (every quarter, say), signed in with the break-glass credentials themselves, so the drill also proves they still work.',
    'After changing the organization: new accounts, moved OUs, edited SCPs or alert rules.',
    'Before an audit that asks how emergency access is controlled.',
  ],
  whenNotToUse: [
    'During an incident, when you need access now: run break-glass-session instead.',
    'Signed in with anything but the break-glass user or root: the identity check fails by design, since it cannot prove those credentials work.',
  ],
  params: [
    {
      name: 'emergency-role',
      kind: 'role-name',
      required: false,
      default: 'OrganizationAccountAccessRole',
      description: 'the role break-glass-session assumes in an account; it must exist in every account',
    },
    {
      name: 'access-role',
      kind: 'role-name',
      required: false,
      default: 'OrganizationAccountAccessRole',
      description: 'the role the drill assumes in each member account to look for the emergency role (read-only calls)',
    },
    {
      name: 'break-glass-users',
      kind: 'text',
      required: false,
      description: 'comma-separated IAM user names of the break-glass credentials (default: the signed-in IAM user)',
    },
  ],
  steps: [
    {
      id: 'identity-mfa',
      kind: 'check',
      title: 'Break-glass identity and its MFA',
      does: 'Asks STS who you are; for an IAM user lists its MFA devices (none is a failure), for root reads the account summary (MFA on, no access keys).',
      operation: 'break-glass.identity-mfa',
      runsAs: AS_MANAGEMENT,
      continueOnFail: true,
    },
    {
      id: 'emergency-role',
      kind: 'check',
      title: 'Emergency role in every account',
      does: 'Lists the active accounts and reads the emergency role in each (iam:GetRole), through --access-role in member accounts and your sign-in in the management account. One item per account.',
      operation: 'break-glass.emergency-role',
      runsAs: AS_MANAGEMENT,
      continueOnFail: true,
    },
    {
      id: 'role-protection',
      kind: 'check',
      title: 'SCP protecting the emergency role',
      does: 'Looks for an attached SCP (on the root, or on every member account’s path) with a Deny of iam:DeleteRole, iam:UpdateAssumeRolePolicy, iam:PutRolePolicy and iam:AttachRolePolicy on the role, excepting only the responders; names it, or says none does.',
      operation: 'break-glass.role-protection',
      runsAs: AS_MANAGEMENT,
      continueOnFail: true,
    },
    {
      id: 'sign-in-alert',
      kind: 'check',
      title: 'Alert on root and break-glass sign-in',
      does: 'Reads the EventBridge rules in us-east-1 and tests each pattern against a console sign-in by root and by each break-glass user; a rule counts when it is ENABLED and has a target.',
      operation: 'break-glass.sign-in-alert',
      runsAs: AS_MANAGEMENT,
      continueOnFail: true,
    },
    {
      id: 'credential-use',
      kind: 'check',
      title: 'Last use of each break-glass credential',
      does: 'For each break-glass user: the console password, the MFA device and every access key, with when each was last used. Missing credentials, a user without MFA, and an active credential unused for over 90 days fail.',
      operation: 'break-glass.credential-use',
      runsAs: AS_MANAGEMENT,
      continueOnFail: true,
    },
  ],
  followUps: [
    'Fix every FAIL before you need the path: a missing role, an unprotected role or a silent alert is found now or during an incident.',
    'The drill itself signed in with the break-glass credentials: the sign-in alert should have fired for it if you signed in to the console; confirm it reached the on-call channel.',
  ],
};
