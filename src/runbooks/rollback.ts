/**
 * `runbook rollback INC`: undo the recorded actions of an incident, newest first. Which actions
 * need undoing comes from the transcript; what to send does not. Each rollback is rebuilt from
 * the code of the operation that acted (found through the runbook and step the record names) and
 * the prior state it recorded, and must match the rollback recorded with it: a transcript that
 * someone re-chained with other calls is refused (exit 2), naming the record and the calls.
 * A rollback is replayed in the action's account, role and region, and records a `rollback`
 * entry that points at the action it undoes by hash, so running rollback again undoes nothing twice.
 *
 * An action whose `sending` record has no outcome (awsorg stopped while sending it) may or may
 * not have happened: the operation reads AWS (`inEffect`) and the rollback is sent only if the
 * change is there. Rolling back from the recorded prior state either way would fail (a delete of
 * something never created) or, worse, undo a later change; guessing "not sent" would leave the
 * change in place, which is what the issue found.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AuditRecord } from '../core/audit.js';
import type { Deps } from '../aws/deps.js';
import { AwsorgError, UsageError } from '../core/errors.js';
import { stepContext, type PreparedRun, type PreparedStep, type Sessions } from './prepare.js';
import { callName, plain } from './requests.js';
import type { ActionOperation, AwsRequest, Operation, Runbook, StepContext, StepDef } from './types.js';

export interface RollbackItem {
  record: AuditRecord;
  requests: AwsRequest[];
  does: string;
  /** Set when awsorg stopped while sending the action or its rollback: why it is unknown whether the change is in AWS. */
  uncertain?: string;
  /** Set by `rebuildRollback`: the operation whose code built `requests`. */
  operation?: ActionOperation;
}

export interface RollbackPlan {
  /** Undoable actions, newest first. */
  items: RollbackItem[];
  /** Applied actions AWS cannot undo (or the runbook chose not to), with why. */
  notUndoable: { record: AuditRecord; reason: string }[];
}

export interface RollbackCatalog {
  runbooks: readonly Runbook[];
  operations: Readonly<Record<string, Operation>>;
}

type RecordedRollback = { requests?: AwsRequest[]; does?: string; none?: string } | undefined;

const calls = (requests: readonly AwsRequest[] | undefined) => (requests ?? []).map(callName).join(', ');

/** Pure: which recorded actions a rollback would undo, with the rollback recorded for each. */
export function planRollback(records: readonly AuditRecord[]): RollbackPlan {
  const undone = new Set(
    records
      .filter((r) => r.kind === 'rollback' && (r.status === 'applied' || r.status === 'unchanged') && r.undoes)
      .map((r) => r.undoes!),
  );
  const withOutcome = new Set(records.filter((r) => r.intent).map((r) => r.intent!));
  // A rollback that was being sent when awsorg stopped: the action it undoes may or may not be undone.
  const interruptedUndo = new Map(
    records
      .filter((r) => r.kind === 'rollback' && r.status === 'sending' && r.undoes && !withOutcome.has(r.hash))
      .map((r) => [r.undoes!, r]),
  );
  const items: RollbackItem[] = [];
  const notUndoable: RollbackPlan['notUndoable'] = [];
  for (const record of [...records].reverse()) {
    if (record.kind !== 'action' || record.dryRun) continue;
    let uncertain: string | undefined;
    if (record.status === 'sending') {
      if (withOutcome.has(record.hash)) continue;
      uncertain = `awsorg stopped while sending ${calls(record.request as AwsRequest[])} (transcript line ${record.seq + 1}), so whether it took effect is unknown`;
    } else if (record.status !== 'applied' && record.status !== 'partial') continue;
    const interrupted = interruptedUndo.get(record.hash);
    if (interrupted)
      uncertain = `awsorg stopped while undoing it (transcript line ${interrupted.seq + 1}), so whether it is still in AWS is unknown`;
    const rollback = record.rollback as RecordedRollback;
    if (rollback?.requests?.length) {
      if (!undone.has(record.hash))
        items.push({
          record,
          requests: rollback.requests,
          does: rollback.does ?? `replays ${calls(rollback.requests)}`,
          ...(uncertain ? { uncertain } : {}),
        });
    } else notUndoable.push({ record, reason: rollback?.none ?? 'no rollback was recorded' });
  }
  return { items, notUndoable };
}

/**
 * Rebuilds every rollback in the plan from its operation's code and the recorded prior state,
 * and refuses (UsageError, exit 2, before any AWS call) a record whose rollback or request is
 * not what that code produces. Pure: the operation's plan and rollback never touch AWS.
 */
export function rebuildRollback(plan: RollbackPlan, catalog: RollbackCatalog): RollbackPlan {
  const items: RollbackItem[] = [];
  const notUndoable = [...plan.notUndoable];
  for (const item of plan.items) {
    const { record } = item;
    const { name, op } = operationOf(record, catalog);
    const ctx = recordContext(record);
    const sent = Array.isArray(record.request) ? (record.request as AwsRequest[]) : [];
    // For an intent with no outcome the rollback is the one for every request taking effect, as the runner recorded it.
    const responses =
      record.status === 'sending'
        ? sent.map(() => ({}))
        : Array.isArray(record.response)
          ? (record.response as unknown[])
          : [];
    let rebuilt;
    try {
      rebuilt = op.rollback(ctx, record.prior, responses);
    } catch (err) {
      throw forged(
        record,
        item.requests,
        `${name} cannot build a rollback from the recorded prior state (${(err as Error).message})`,
      );
    }
    if (!('requests' in rebuilt))
      throw forged(record, item.requests, `${name} declares no rollback for it (${rebuilt.none})`);
    if (!isDeepStrictEqual(plain(rebuilt.requests), plain(item.requests))) {
      throw forged(
        record,
        item.requests,
        `${name} rebuilds it from the recorded prior state as ${calls(rebuilt.requests) || 'nothing'}${sameCalls(rebuilt.requests, item.requests) ? ' with other inputs' : ''}`,
      );
    }
    // The prior state must be the one the request was planned from, so the rollback acts on the resource the action acted on.
    let planned: AwsRequest[];
    try {
      planned = op.plan(ctx, record.prior);
    } catch (err) {
      throw forged(
        record,
        item.requests,
        `${name} cannot plan from the recorded prior state (${(err as Error).message})`,
      );
    }
    if (!isDeepStrictEqual(plain(planned), plain(sent))) {
      throw forged(
        record,
        item.requests,
        `its request ${calls(sent)} is not what ${name} plans from the recorded prior state (${calls(planned) || 'nothing'})`,
      );
    }
    if (item.uncertain && !op.inEffect) {
      notUndoable.push({
        record,
        reason: `${item.uncertain}. Check in account ${record.account ?? '?'} whether this took effect: ${JSON.stringify(sent)}; if it did, undo it with: ${JSON.stringify(rebuilt.requests)}`,
      });
      continue;
    }
    items.push({ ...item, requests: rebuilt.requests, does: rebuilt.does, operation: op });
  }
  return { items, notUndoable };
}

function sameCalls(a: readonly AwsRequest[], b: readonly AwsRequest[]): boolean {
  return calls(a) === calls(b);
}

function forged(record: AuditRecord, recorded: readonly AwsRequest[], why: string): UsageError {
  return new UsageError(
    `refusing to roll back incident ${record.incident}: transcript line ${record.seq + 1} (${record.runbook} ${record.step}) carries the rollback ${calls(recorded) || '(none)'}, but ${why}; nothing was sent`,
    'The transcript was changed after awsorg wrote it (its chain can be rebuilt by anyone who can write the audit directory). Keep it as evidence, and undo what the incident changed by hand.',
  );
}

function operationOf(record: AuditRecord, catalog: RollbackCatalog): { name: string; op: ActionOperation } {
  const refuse = (why: string, next: string) =>
    new UsageError(
      `cannot rebuild the rollback of transcript line ${record.seq + 1} (${record.runbook} ${record.step}): ${why}; nothing was sent`,
      next,
    );
  const runbook = catalog.runbooks.find((r) => r.id === record.runbook);
  if (!runbook)
    throw refuse(
      `awsorg knows no runbook ${record.runbook}`,
      "If it is one of your team's runbooks, pass --runbooks DIR with its file, so the operation's own code rebuilds the rollback.",
    );
  const step = runbook.steps.find((s) => s.id === record.step && s.kind === 'action');
  if (!step?.operation)
    throw refuse(
      `runbook ${runbook.id} has no action step ${record.step}`,
      'Use the runbook file the incident ran with (--runbooks DIR).',
    );
  if (record.operation !== undefined && record.operation !== step.operation) {
    throw refuse(
      `the record says operation ${record.operation}, but step ${step.id} of ${runbook.id} names ${step.operation}`,
      'Use the runbook file the incident ran with (--runbooks DIR).',
    );
  }
  const op = catalog.operations[step.operation];
  if (op?.kind !== 'action')
    throw refuse(
      `${step.operation} is not an action awsorg has`,
      'Use the awsorg version and runbook file the incident ran with.',
    );
  return { name: step.operation, op };
}

/** What an operation's pure plan and rollback see when rebuilt from a record: no AWS, no prompts. */
function recordContext(record: AuditRecord): StepContext {
  const pure = (what: string) => (): never => {
    throw new AwsorgError(
      `an operation's plan or rollback tried to ${what}; they must be pure`,
      'Report this as an awsorg bug.',
    );
  };
  return {
    incident: record.incident,
    runbook: record.runbook,
    step: record.step,
    params: {},
    where: { account: record.account ?? '', role: record.role ?? 'signed-in', region: record.region ?? 'us-east-1' },
    get session(): never {
      return pure('use an AWS session')();
    },
    sessionFor: pure('open an AWS session'),
    operator: { arn: record.operator, name: '' },
    organization: pure('read the organization'),
    outputs: {},
    now: () => new Date(record.time),
    signal: new AbortController().signal,
    dryRun: false,
    input: pure('ask for input'),
    handoff: pure('hand off a session'),
    registerSecrets: () => undefined,
  };
}

interface ReplayCapture {
  restoring: unknown;
  undoing: { seq: number; hash: string; time: string };
  uncertain?: string;
  inEffect?: boolean;
}

function replayOperation(item: RollbackItem): ActionOperation {
  return {
    kind: 'action',
    call: item.requests.map(callName).join(', '),
    reads: [],
    rollbackCall: 'none: this is the rollback',
    // The state this rollback returns to is the one captured before the original action.
    // The change must still be in AWS, on the resource the operation finds there: the record (and
    // so the resource it names) comes from a file that whoever can write the audit directory can rebuild.
    async capture(ctx): Promise<ReplayCapture> {
      const capture: ReplayCapture = {
        restoring: item.record.prior ?? null,
        undoing: { seq: item.record.seq, hash: item.record.hash, time: item.record.time },
      };
      if (!item.operation?.inEffect) return capture;
      return {
        ...capture,
        ...(item.uncertain ? { uncertain: item.uncertain } : {}),
        inEffect: await item.operation.inEffect(ctx, item.record.prior, item.record.request as AwsRequest[]),
      };
    },
    plan: (_ctx, captured) => ((captured as ReplayCapture).inEffect === false ? [] : item.requests),
    rollback: () => ({ none: `this undoes ${item.record.step}; run the runbook again to redo it` }),
  };
}

export function prepareRollback(
  deps: Deps,
  incident: string,
  plan: RollbackPlan,
  sessions: Sessions,
  operator: PreparedRun['operator'],
  dryRun: boolean,
): PreparedRun {
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
    const does = item.uncertain
      ? `${item.uncertain}: awsorg checks AWS first, and only if the change is there, ${item.does}`
      : item.does;
    const def: StepDef = {
      id: item.record.step,
      kind: 'action',
      title: `Undo ${item.record.runbook} ${item.record.step}`,
      does,
    };
    return {
      def,
      recordKind: 'rollback',
      undoes: item.record.hash,
      operation: replayOperation(item),
      where: {
        account: item.record.account ?? '',
        role: item.record.role ?? 'signed-in',
        region: item.record.region ?? 'us-east-1',
      },
    };
  });
  runbook.steps = steps.map((s) => s.def);
  const followUps = plan.notUndoable.map(
    ({ record, reason }) =>
      `Left as it is: ${record.runbook} ${record.step} (transcript line ${record.seq + 1}): ${reason}.`,
  );
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
    contextFor: (step, host, outputs) =>
      stepContext(
        deps,
        { runbook: 'rollback', incident, params: {}, operator, values: {}, dryRun, sessions, handoffs: [] },
        step,
        host,
        outputs,
      ),
  };
}
