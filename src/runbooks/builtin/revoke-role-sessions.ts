import type { Runbook } from '../types.js';
import { accessRoleParam } from './shared.js';

/** IAM is global: its control plane is in us-east-1. */
const TARGET_IAM = { account: '{{account}}', role: '{{access-role}}', region: 'us-east-1' } as const;

export const revokeRoleSessions: Runbook = {
  id: 'revoke-role-sessions',
  title: 'Revoke the active sessions of an IAM role',
  description:
    'Puts the AWSRevokeOlderSessions inline policy on the role: Deny * on * for every session whose token was issued before now, exactly what the IAM console\'s "Revoke active sessions" writes. Stolen role credentials stop working on their next call; anyone still allowed to assume the role gets a fresh session that works.',
  whenToUse: [
    'Temporary credentials of a role leaked or were used from somewhere they should not be (GuardDuty InstanceCredentialExfiltration, credentials in a log, a paste or a build artifact).',
    'You have already cut off how the credentials were obtained (a leaked user key, an over-broad trust policy, a compromised instance) and need the sessions already handed out to end now rather than at expiry (up to 12 hours).',
  ],
  whenNotToUse: [
    'Service-linked roles (AWSServiceRoleFor…, path /aws-service-role/): the AWS service manages them and IAM refuses inline policies on them; the runbook refuses them.',
    "AWSReservedSSO_… roles: IAM Identity Center owns them and overwrites changes. Remove the permission set assignment and end the user's sessions in Identity Center instead; the runbook refuses them.",
    'When whoever holds the credentials can still assume the role again: revocation ends old sessions only, so contain the source first (contain-access-key, fix the trust policy, or quarantine-account).',
    'Roles that production workloads run as (instance profiles, ECS task roles, Lambda execution roles): their current credentials are denied too, and EC2 and ECS only fetch new ones near expiry, so the workload fails until then unless you restart it.',
    'The role this run acts through (by default OrganizationAccountAccessRole): revoking it would cut off the run half-way; pass another --access-role.',
  ],
  params: [
    { name: 'account', kind: 'account', required: true, description: 'the account the role is in (alias, id or name)' },
    {
      name: 'role-name',
      kind: 'role-name',
      required: true,
      description: 'the role whose sessions to revoke, without its path',
    },
    accessRoleParam('the account'),
  ],
  steps: [
    {
      id: 'refuse-protected-role',
      kind: 'check',
      title: 'Check the role can be revoked here',
      does: 'Reads the role; refuses an unknown role, a service-linked role, an IAM Identity Center (AWSReservedSSO_) role, and the role this run itself acts through.',
      operation: 'iam.refuse-protected-role',
      runsAs: TARGET_IAM,
    },
    {
      id: 'capture-policies',
      kind: 'check',
      title: "Capture the role's policies",
      does: 'Records the inline policies (names and documents) and the attached managed policies, for the investigation and to check the rollback against.',
      operation: 'iam.capture-role-policies',
      runsAs: TARGET_IAM,
    },
    {
      id: 'revoke-sessions',
      kind: 'action',
      title: 'Deny sessions issued before now',
      does: 'Puts the AWSRevokeOlderSessions inline policy on the role: Deny * on * when aws:TokenIssueTime is before the time of this run. A previous AWSRevokeOlderSessions is replaced and kept for the rollback.',
      operation: 'iam.revoke-role-sessions',
      runsAs: TARGET_IAM,
    },
    {
      id: 'verify-revoked',
      kind: 'verify',
      title: 'Verify the policy is in place',
      does: 'Polls the role until AWSRevokeOlderSessions denies every session issued before the run.',
      operation: 'iam.verify-role-sessions-revoked',
      runsAs: TARGET_IAM,
      timeoutSeconds: 120,
    },
  ],
  followUps: [
    'Find how the credentials were obtained: `aws cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRole` (and AttributeKey=ResourceName with the role ARN), then read what those sessions did; the incident id is their RoleSessionName when awsorg made them.',
    'Tighten the trust policy if it let the wrong principal in; revocation does not stop anyone who can still assume the role.',
    'Restart workloads that run as this role, so they pick up fresh credentials now rather than at expiry.',
    "The policy does nothing once every session issued before the cut-off has expired (the role's maximum session duration, at most 12 hours); `awsorg runbook rollback {{incident}}` removes it then.",
  ],
};
