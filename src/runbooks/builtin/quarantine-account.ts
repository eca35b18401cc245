import type { Runbook } from '../types.js';
import { AS_MANAGEMENT } from './shared.js';

export const quarantineAccount: Runbook = {
  id: 'quarantine-account',
  title: 'Quarantine a member account',
  description:
    'Moves a member account into a Quarantine OU whose SCP denies every action except those of the incident-response role, and denies leaving the organization. The account keeps its resources and evidence; nothing in it is deleted.',
  whenToUse: [
    'A member account is compromised or suspected to be (unknown principals, crypto-mining, data exfiltration) and must stop acting while you investigate.',
    'You need to freeze an account for forensics without deleting anything.',
  ],
  whenNotToUse: [
    'The management account: SCPs do not apply to it, so the runbook refuses it. Contain its principals instead (revoke-role-sessions, contain-access-key).',
    'A single leaked key or role: contain-access-key or revoke-role-sessions stop it with less disruption to the account.',
    'Production workloads that must keep serving: the SCP stops every workload role in the account too.',
  ],
  params: [
    {
      name: 'account',
      kind: 'account',
      required: true,
      description: 'the member account to quarantine (alias, id or name)',
    },
    {
      name: 'responder-role',
      kind: 'role-name',
      required: false,
      default: 'OrganizationAccountAccessRole',
      description: 'the incident-response or break-glass role that keeps access inside the quarantined account',
    },
  ],
  steps: [
    {
      id: 'refuse-management',
      kind: 'check',
      title: 'Refuse the management account',
      does: 'Checks that the target is a member account and that SCPs are enabled; SCPs do not apply to the management account, so it is refused.',
      operation: 'organizations.refuse-management-account',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'capture-placement',
      kind: 'check',
      title: "Capture the account's parents and policies",
      does: 'Records the OU the account is in now and the SCPs attached to it, so the move can be undone exactly.',
      operation: 'organizations.capture-account-placement',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'quarantine-ou',
      kind: 'action',
      title: 'Make sure the Quarantine OU exists',
      does: 'Creates an OU named Quarantine under the root if there is none.',
      operation: 'organizations.ensure-quarantine-ou',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'quarantine-scp',
      kind: 'action',
      title: 'Make sure the quarantine SCP exists',
      does: 'Creates the awsorg-quarantine SCP if missing: deny every action except to the responder role, and deny LeaveOrganization to everyone.',
      operation: 'organizations.ensure-quarantine-policy',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'attach-scp',
      kind: 'action',
      title: 'Attach the quarantine SCP to the Quarantine OU',
      does: 'Attaches awsorg-quarantine to the Quarantine OU, so it applies to every account moved there.',
      operation: 'organizations.attach-quarantine-policy',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'move-account',
      kind: 'action',
      title: 'Move the account into the Quarantine OU',
      does: 'Moves the account from its current parent into the Quarantine OU; from then on the quarantine SCP applies to every principal in it but the responder role.',
      operation: 'organizations.move-to-quarantine',
      runsAs: AS_MANAGEMENT,
    },
    {
      id: 'verify-quarantine',
      kind: 'verify',
      title: 'Verify the move',
      does: "Polls the account's parent until it is the Quarantine OU, with the quarantine SCP attached.",
      operation: 'organizations.verify-quarantine',
      runsAs: AS_MANAGEMENT,
      timeoutSeconds: 60,
    },
  ],
  followUps: [
    'Investigate as the responder role only; every other principal in the account is denied.',
    'Sessions issued before the move keep working until the SCP takes effect on their next call; revoke them with revoke-role-sessions for roles you suspect.',
    'When the account is clean, `awsorg runbook rollback {{incident}}` moves it back to its original OU.',
  ],
};
