import type { Runbook } from '../types.js';
import { AS_MANAGEMENT } from './shared.js';

export const breakGlassSession: Runbook = {
  id: 'break-glass-session',
  title: 'Open a break-glass session',
  description:
    "Records who approved emergency access, starts an MFA session from the break-glass user's own keys, assumes the emergency role in the target account with the incident as the session name, and opens a shell with that session. When the shell exits, the transcript gets a close-out record and you get the follow-ups.",
  whenToUse: [
    'Your normal access (Identity Center, your usual roles) is broken or locked out and an incident needs hands in an account now.',
    'A responder needs access to an account they do not normally have, with an approver on record.',
  ],
  whenNotToUse: [
    'Routine work: use `awsorg assume`; break-glass use is an event that alerts and is reviewed.',
    'Without an approver: the runbook requires --approver, and the transcript keeps it.',
    'A break-glass user outside the management account: the steps are pinned to the management account; copy the runbook and pin your account instead.',
  ],
  params: [
    {
      name: 'account',
      kind: 'account',
      required: true,
      description: 'the account to open the session in (alias, id or name)',
    },
    {
      name: 'role',
      kind: 'role-name',
      required: false,
      default: 'OrganizationAccountAccessRole',
      description: 'the emergency role to assume there',
    },
    {
      name: 'approver',
      kind: 'text',
      required: true,
      description: 'who approved break-glass access for this incident (recorded in the transcript)',
    },
    {
      name: 'mfa-serial',
      kind: 'arn',
      required: false,
      description: "the break-glass user's MFA device (default: its only one, from iam:ListMFADevices)",
    },
    {
      name: 'token-code',
      kind: 'mfa-code',
      required: false,
      secret: true,
      description: 'the current 6-digit MFA code (asked for on the terminal when not given; never recorded)',
    },
    { name: 'region', kind: 'text', required: false, default: 'us-east-1', description: "the shell's AWS region" },
  ],
  steps: [
    {
      id: 'record-approval',
      kind: 'manual',
      title: 'Record the incident and its approver',
      does: 'Records the incident id and the approver (--approver) in the transcript before any credential is issued.',
      prompt: 'Has the approver named with --approver approved break-glass access for this incident?',
    },
    {
      id: 'start-mfa-session',
      kind: 'action',
      title: 'Start an MFA session',
      does: "Calls sts:GetSessionToken with the break-glass user's MFA device and the code you type, for a 15-minute session that satisfies MFA conditions.",
      operation: 'break-glass.start-mfa-session',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'assume-target',
      kind: 'action',
      title: 'Assume the emergency role in the target account',
      does: 'Calls sts:AssumeRole with the MFA session: RoleSessionName is the incident id and SourceIdentity is you, so CloudTrail ties every call in the shell to the incident.',
      operation: 'break-glass.assume-target',
      runsAs: AS_MANAGEMENT,
    },
  ],
  followUps: [
    'Rotate every break-glass credential used: the password and access keys of the break-glass user, and its MFA device if it left the safe.',
    'Confirm the break-glass sign-in alert fired and reached the on-call channel.',
    "Review the session's calls in CloudTrail: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue={{incident}}` in the target account.",
  ],
};
