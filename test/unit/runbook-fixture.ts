/**
 * A small quarantine-account-like runbook for the runbook screen's tests, with stable fake ids,
 * and the views the runner would show for its actions.
 */
import type { ActionView, ManualView, Runbook, Where } from '../../src/runbooks/types.js';
import type { RunbookScreenInput } from '../../src/ui/runbook/state.js';

export const MANAGEMENT = '111111111111';
export const MEMBER = '222222222222';
export const WHERE: Where = { account: MANAGEMENT, role: 'signed-in', region: 'us-east-1' };
const RUNS_AS = { account: '{{management}}', role: 'signed-in', region: 'us-east-1' };

export const QUARANTINE: Runbook = {
  id: 'quarantine-account',
  title: 'Quarantine a member account',
  description: 'Moves a member account into a Quarantine OU whose SCP denies everything but the responder role.',
  whenToUse: ['A member account is compromised.'],
  whenNotToUse: ['The management account.'],
  params: [{ name: 'account', kind: 'account', required: true, description: 'the member account to quarantine' }],
  steps: [
    {
      id: 'refuse-management',
      kind: 'check',
      title: 'Refuse the management account',
      does: 'Checks that the target is a member account and that SCPs are enabled; SCPs do not apply to the management account, so it is refused.',
      operation: 'organizations.refuse-management-account',
      runsAs: RUNS_AS,
    },
    {
      id: 'quarantine-ou',
      kind: 'action',
      title: 'Make sure the Quarantine OU exists',
      does: 'Creates an OU named Quarantine under the root if there is none.',
      operation: 'organizations.ensure-quarantine-ou',
      runsAs: RUNS_AS,
    },
    {
      id: 'move-account',
      kind: 'action',
      title: 'Move the account into the Quarantine OU',
      does: 'Moves the account from its current parent into the Quarantine OU; from then on the quarantine SCP applies to every principal in it but the responder role.',
      operation: 'organizations.move-to-quarantine',
      runsAs: RUNS_AS,
    },
    {
      id: 'verify-move',
      kind: 'verify',
      title: 'Verify the move',
      does: "Polls the account's parent until it is the Quarantine OU.",
      operation: 'organizations.verify-quarantine',
      runsAs: RUNS_AS,
    },
    {
      id: 'notify-owner',
      kind: 'manual',
      title: 'Tell the account owner',
      does: 'Tell the owner of the account that it is quarantined, why, and who to talk to.',
      prompt: 'Have you told the account owner? Type who you told and how.',
    },
  ],
  followUps: [
    'Investigate as the responder role only; every other principal in the account is denied.',
    'When the account is clean: `awsorg runbook rollback INC-2041` moves it back to its original OU.',
  ],
};

const CALLS: Record<string, string> = {
  'quarantine-ou': 'organizations:CreateOrganizationalUnit',
  'move-account': 'organizations:MoveAccount',
};

export function screenInput(
  overrides: Partial<RunbookScreenInput> = {},
  runbook: Runbook = QUARANTINE,
): RunbookScreenInput {
  return {
    mode: 'run',
    runbook: { id: runbook.id, title: runbook.title },
    incident: 'INC-2041',
    dryRun: false,
    rehearsal: false,
    steps: runbook.steps.map((s) => ({
      id: s.id,
      title: s.title,
      kind: s.kind,
      does: s.does,
      ...(s.runsAs ? { where: WHERE } : {}),
      ...(CALLS[s.id] ? { call: CALLS[s.id] } : {}),
    })),
    ...overrides,
  };
}

export function createOuView(): ActionView {
  return {
    index: 1,
    step: QUARANTINE.steps[1]!,
    where: WHERE,
    requests: [
      {
        service: 'organizations',
        action: 'CreateOrganizationalUnit',
        input: { ParentId: 'r-exam', Name: 'Quarantine' },
      },
    ],
    prior: { root: 'r-exam', quarantine: null },
    rollback: { none: 'an empty OU is left in place; delete it by hand once no account is in it' },
  };
}

export function moveAccountView(): ActionView {
  return {
    index: 2,
    step: QUARANTINE.steps[2]!,
    where: WHERE,
    requests: [
      {
        service: 'organizations',
        action: 'MoveAccount',
        input: { AccountId: MEMBER, SourceParentId: 'r-exam', DestinationParentId: 'ou-exam-quarant1' },
      },
    ],
    prior: {
      account: MEMBER,
      organization: 'o-exampleorgid',
      parents: [{ Id: 'r-exam', Type: 'ROOT' }],
      policies: [
        { Id: 'p-FullAWSAccess', Name: 'FullAWSAccess', Type: 'SERVICE_CONTROL_POLICY' },
        { Id: 'p-exam0deny', Name: 'awsorg-deny-regions', Type: 'SERVICE_CONTROL_POLICY' },
      ],
    },
    rollback: {
      does: `Moves ${MEMBER} back from ou-exam-quarant1 to r-exam.`,
      requests: [
        {
          service: 'organizations',
          action: 'MoveAccount',
          input: { AccountId: MEMBER, SourceParentId: 'ou-exam-quarant1', DestinationParentId: 'r-exam' },
        },
      ],
    },
  };
}

export function notifyView(): ManualView {
  return { index: 4, step: QUARANTINE.steps[4]! };
}

export const TRANSCRIPT = {
  file: '/home/alice/.local/state/awsorg/audit/INC-2041.jsonl',
  records: 9,
  head: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
};
