import type { Runbook } from '../types.js';
import { AS_MANAGEMENT, accessRoleParam } from './shared.js';

/** Where the key was found: its account (sts:GetAccessKeyInfo) as the access role, in us-east-1 (IAM is global). */
const KEY_ACCOUNT_IAM = { account: '{{key-account}}', role: '{{access-role}}', region: 'us-east-1' } as const;

export const containAccessKey: Runbook = {
  id: 'contain-access-key',
  title: "Contain a leaked IAM user's access key",
  description:
    "Finds the key's account and user, deactivates the key (it is not deleted: deactivation is reversible and keeps the evidence), denies every session token made before now on the user (they outlive the key), and removes the user's console password.",
  whenToUse: [
    'An access key (AKIA…) was exposed: committed to a repository, printed in a build log, found by an AWS Health or GuardDuty finding, or used from an unknown address.',
    'You know only the key id and need its owner found and stopped in minutes.',
  ],
  whenNotToUse: [
    'Temporary keys (ASIA…): they belong to a session and cannot be deactivated; the runbook refuses them and points you to revoke-role-sessions for the role behind them.',
    'A key that production depends on, before you know the impact: deactivation breaks every workload using it at once. Check the last-used service and region (the first steps show them) and warn the owner, unless the key is being abused right now.',
    'Your own sign-in key: the runbook refuses it, because containing it cuts off the run; sign in as someone else.',
    'Role sessions the key already obtained with sts:AssumeRole: a user policy does not reach them. Find them in CloudTrail and run revoke-role-sessions on each role.',
  ],
  params: [
    { name: 'access-key-id', kind: 'access-key-id', required: true, description: 'the leaked access key id (AKIA…)' },
    {
      name: 'account',
      kind: 'account',
      required: false,
      description:
        'the account the key should belong to; optional: sts:GetAccessKeyInfo finds it, and when given the two must agree',
    },
    accessRoleParam("the key's account"),
  ],
  steps: [
    {
      id: 'find-account',
      kind: 'check',
      title: "Find the key's account",
      does: 'Asks sts:GetAccessKeyInfo which account owns the key and checks that account is in the organization; refuses temporary (ASIA…) keys and a key outside the organization.',
      operation: 'iam.find-access-key-account',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'find-user',
      kind: 'check',
      title: "Find the key's user",
      does: "Finds the IAM user with iam:GetAccessKeyLastUsed, confirms the key is in the user's key list, and records when and where the key was last used.",
      operation: 'iam.find-access-key-user',
      runsAs: KEY_ACCOUNT_IAM,
    },
    {
      id: 'deactivate-key',
      kind: 'action',
      title: 'Deactivate the key',
      does: 'Sets the key to Inactive with iam:UpdateAccessKey. It is not deleted: it can be reactivated, and its id stays tied to the user for the investigation.',
      operation: 'iam.deactivate-access-key',
      runsAs: KEY_ACCOUNT_IAM,
    },
    {
      id: 'deny-older-sessions',
      kind: 'action',
      title: "Deny the user's session tokens issued before now",
      does: "Puts the inline user policy awsorg-contain-<key id>: Deny * on * when aws:TokenIssueTime is before now. Session tokens made with the key (sts:GetSessionToken, GetFederationToken) keep working after the key is deactivated; this ends them. Long-term keys carry no token time, so the user's other keys are untouched.",
      operation: 'iam.deny-user-older-sessions',
      runsAs: KEY_ACCOUNT_IAM,
    },
    {
      id: 'remove-console-password',
      kind: 'action',
      title: "Remove the user's console password",
      does: 'Deletes the login profile with iam:DeleteLoginProfile when there is one: whoever holds the key may have set a password (iam:CreateLoginProfile) to keep access. A password cannot be restored afterwards; a new one can be issued.',
      operation: 'iam.delete-login-profile',
      runsAs: KEY_ACCOUNT_IAM,
    },
    {
      id: 'verify-contained',
      kind: 'verify',
      title: 'Verify the key is contained',
      does: 'Polls until the key is Inactive, the deny policy is on the user and the user has no console password.',
      operation: 'iam.verify-access-key-contained',
      runsAs: KEY_ACCOUNT_IAM,
      timeoutSeconds: 120,
    },
  ],
  followUps: [
    'Review what the key did: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=AccessKeyId,AttributeValue=<key id>` in every region it was used, looking for iam:Create*, sts:AssumeRole and new access keys or users it made.',
    'Revoke the sessions of every role the key assumed (revoke-role-sessions); the user policy does not reach role sessions.',
    'Rotate: give the owner a new key (`aws iam create-access-key --user-name <user>`), move the workload to it, then delete the leaked key (`aws iam delete-access-key`) once the investigation no longer needs it. Better, move the workload to a role.',
    'Check the user for anything the attacker added: other access keys, MFA devices, attached policies, group memberships, SSH or signing certificates.',
    'Remove the key from wherever it leaked (repository history, logs, artifacts).',
  ],
};
