/**
 * `runbook rollback INC`: undo the recorded actions of an incident, newest first, from the
 * transcript alone. Each applied action recorded its rollback as requests (data); a rollback
 * replays them in the same account, role and region, and records a `rollback` entry that points
 * at the action it undoes by hash, so running rollback again never undoes anything twice.
 */
import type { AuditRecord } from '../core/audit.js';
import type { Deps } from '../core/deps.js';
import { stepContext, type PreparedRun, type PreparedStep, type Sessions } from './prepare.js';
import { callName } from './requests.js';
import type { ActionOperation, AwsRequest, Runbook, StepDef } from './types.js';

export interface RollbackItem {
  record: AuditRecord;
  requests: AwsRequest[];
  does: string;
}

export interface RollbackPlan {
  /** Undoable actions, newest first. */
  items: RollbackItem[];
  /** Applied actions AWS cannot undo (or the runbook chose not to), with why. */
  notUndoable: { record: AuditRecord; reason: string }[];
}

type RecordedRollback = { requests?: AwsRequest[]; does?: string; none?: string } | undefined;

/** Pure: what a rollback of these records would do. */
export function planRollback(records: readonly AuditRecord[]): RollbackPlan {
  const undone = new Set(records.filter((r) => r.kind === 'rollback' && r.status === 'applied' && r.undoes).map((r) => r.undoes!));
  const items: RollbackItem[] = [];
  const notUndoable: RollbackPlan['notUndoable'] = [];
  for (const record of [...records].reverse()) {
    if (record.kind !== 'action' || record.dryRun || (record.status !== 'applied' && record.status !== 'partial')) continue;
    const rollback = record.rollback as RecordedRollback;
    if (rollback?.requests?.length) {
      if (!undone.has(record.hash)) items.push({ record, requests: rollback.requests, does: rollback.does ?? `replays ${rollback.requests.map(callName).join(', ')}` });
    } else notUndoable.push({ record, reason: rollback?.none ?? 'no rollback was recorded' });
  }
  return { items, notUndoable };
}

function replayOperation(item: RollbackItem): ActionOperation {
  return {
    kind: 'action',
    call: item.requests.map(callName).join(', '),
    reads: [],
    rollbackCall: 'none: this is the rollback',
    // The state this rollback returns to is the one captured before the original action.
    capture: async () => ({ restoring: item.record.prior ?? null, undoing: { seq: item.record.seq, hash: item.record.hash, time: item.record.time } }),
    plan: () => item.requests,
    rollback: () => ({ none: `this undoes ${item.record.step}; run the runbook again to redo it` }),
  };
}

export function prepareRollback(deps: Deps, incident: string, plan: RollbackPlan, sessions: Sessions, operator: PreparedRun['operator'], dryRun: boolean): PreparedRun {
  const runbook: Runbook = {
    id: 'rollback',
    title: `Roll back incident ${incident}`,
    description: 'Undoes the recorded actions of the incident, newest first.',
    whenToUse: ['The incident is over, or an action was a mistake.'],
    whenNotToUse: ['While the threat is still active.'],
    params: [],
    steps: [],
  };
  const steps: PreparedStep[] = plan.items.map((item) => {
    const def: StepDef = { id: item.record.step, kind: 'action', title: `Undo ${item.record.runbook} ${item.record.step}`, does: item.does };
    return {
      def,
      recordKind: 'rollback',
      undoes: item.record.hash,
      operation: replayOperation(item),
      where: { account: item.record.account ?? '', role: item.record.role ?? 'signed-in', region: item.record.region ?? 'us-east-1' },
    };
  });
  runbook.steps = steps.map((s) => s.def);
  const followUps = plan.notUndoable.map(({ record, reason }) => `Left as it is: ${record.runbook} ${record.step} (transcript line ${record.seq + 1}): ${reason}.`);
  return {
    mode: 'rollback',
    runbook,
    incident,
    dryRun,
    params: {},
    displayParams: {},
    operator,
    followUps,
    outputs: {},
    steps,
    handoffs: [],
    contextFor: (step, host, outputs) => stepContext(deps, { runbook: 'rollback', incident, params: {}, operator, values: {}, dryRun, sessions, handoffs: [] }, step, host, outputs),
  };
}
