/**
 * The runbook runner: one engine for both front ends (the Ink screen and `--yes`), so an
 * interactive run and a scripted run behave the same.
 *
 * For every step it states what it will do, captures the state before it, asks before it
 * changes anything, and records everything in the incident's transcript. A run stops at the
 * first failure (except checks marked continueOnFail, as in drills), at a declined
 * confirmation, or at Ctrl-C between steps; the transcript says where it stopped and
 * `runbook rollback` undoes what was applied.
 */
import type { AwsSession } from '../aws/session.js';
import type { AuditEntry, AuditRecord, AuditTranscript } from '../core/audit.js';
import type { Deps } from '../aws/deps.js';
import { AwsorgError, ExitCode, UsageError } from '../core/errors.js';
import { callName, plain, sendRequest } from './requests.js';
import type { PreparedRun, PreparedStep } from './prepare.js';
import type {
  ActionOperation,
  AwsRequest,
  CheckOutcome,
  Rollback,
  RunbookHost,
  StepContext,
  StepStatus,
} from './types.js';

export interface StepResult {
  id: string;
  kind: string;
  status: StepStatus;
  summary: string;
  items?: CheckOutcome['items'];
}

export interface RunOutcome {
  status: 'completed' | 'stopped' | 'failed' | 'refused';
  exitCode: number;
  message?: string;
  transcript: { file: string; records: number; head: string };
  followUps: string[];
  steps: StepResult[];
}

/** Thrown inside a step to end the run with a given outcome (after the step is recorded). */
class StopRun extends Error {
  constructor(
    readonly status: RunOutcome['status'],
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

const VERIFY_DEFAULT_TIMEOUT_S = 60;

export async function executeRun(
  deps: Deps,
  run: PreparedRun,
  host: RunbookHost,
  transcript: AuditTranscript,
): Promise<RunOutcome> {
  const results: StepResult[] = run.steps.map((s) => ({
    id: s.def.id,
    kind: s.def.kind,
    status: 'pending',
    summary: '',
  }));
  const outputs: Record<string, string> = { ...run.outputs };
  const record = (entry: Omit<AuditEntry, 'incident' | 'operator' | 'runbook'>): AuditRecord =>
    transcript.append({ incident: run.incident, operator: run.operator.arn, runbook: run.runbook.id, ...entry });

  record({
    step: 'run-start',
    kind: 'run',
    status: 'started',
    ...(run.dryRun ? { dryRun: true } : {}),
    detail: {
      mode: run.mode,
      title: run.runbook.title,
      source: run.runbook.source ?? 'built-in',
      params: run.displayParams,
      steps: run.steps.map((s) => s.def.id),
    },
  });

  let outcome: Omit<RunOutcome, 'transcript' | 'steps'> = {
    status: 'completed',
    exitCode: ExitCode.ok,
    followUps: run.followUps,
  };
  for (const [index, step] of run.steps.entries()) {
    if (deps.signal.aborted) {
      outcome = {
        status: 'stopped',
        exitCode: ExitCode.cancelled,
        message: `Stopped before step ${index + 1} (${step.def.title}) at your request.`,
        followUps: run.followUps,
      };
      break;
    }
    host.event({ type: 'step-start', index });
    results[index]!.status = 'running';
    const finish = (status: StepStatus, summary: string, items?: CheckOutcome['items']) => {
      results[index] = { ...results[index]!, status, summary, ...(items ? { items } : {}) };
      host.event({ type: 'step-end', index, status, summary, ...(items ? { items } : {}) });
    };
    try {
      await runStep(deps, run, step, index, host, outputs, record, finish);
    } catch (err) {
      if (err instanceof StopRun) {
        outcome = { status: err.status, exitCode: err.exitCode, message: err.message, followUps: run.followUps };
        break;
      }
      const message = err instanceof Error ? err.message : String(err);
      const refused = err instanceof UsageError;
      finish('failed', firstLine(message));
      record({
        step: step.def.id,
        kind: step.def.kind,
        status: refused ? 'refused' : 'failed',
        ...whereOf(step),
        detail: { error: message, ...(err instanceof AwsorgError && err.nextStep ? { nextStep: err.nextStep } : {}) },
      });
      const next = err instanceof AwsorgError && err.nextStep ? `\nNext step: ${err.nextStep}` : '';
      outcome = {
        status: refused ? 'refused' : 'failed',
        exitCode: err instanceof AwsorgError ? err.exitCode : ExitCode.failed,
        message: `${step.def.title}: ${message}${next}`,
        followUps: run.followUps,
      };
      break;
    }
  }
  for (const r of results) if (r.status === 'pending' || r.status === 'running') r.status = 'skipped';
  // A drill reports every item and goes on; its run still fails when any of them failed.
  const failedChecks = results.filter((r) => r.status === 'failed');
  if (outcome.status === 'completed' && failedChecks.length) {
    outcome = {
      ...outcome,
      status: 'failed',
      exitCode: ExitCode.failed,
      message: `${failedChecks.length} check${failedChecks.length === 1 ? '' : 's'} failed: ${failedChecks.map((r) => r.id).join(', ')}`,
    };
  }
  record({
    step: 'run-end',
    kind: 'run',
    status: outcome.status,
    ...(run.dryRun ? { dryRun: true } : {}),
    detail: {
      ...(outcome.message ? { message: outcome.message } : {}),
      followUps: outcome.followUps,
      steps: results.map((r) => ({ id: r.id, status: r.status })),
    },
  });
  const head = transcript.head();
  return { ...outcome, transcript: { file: transcript.file, records: head.records, head: head.hash }, steps: results };
}

type Recorder = (entry: Omit<AuditEntry, 'incident' | 'operator' | 'runbook'>) => AuditRecord;
type Finisher = (status: StepStatus, summary: string, items?: CheckOutcome['items']) => void;

async function runStep(
  deps: Deps,
  run: PreparedRun,
  step: PreparedStep,
  index: number,
  host: RunbookHost,
  outputs: Record<string, string>,
  record: Recorder,
  finish: Finisher,
): Promise<void> {
  const def = step.def;
  if (def.kind === 'manual') {
    if (run.dryRun) {
      finish('skipped', 'dry run: not asked');
      record({ step: def.id, kind: 'manual', status: 'skipped', dryRun: true });
      return;
    }
    const ack = await host.acknowledge({ index, step: def });
    if (!ack?.text.trim()) {
      finish('declined', 'not acknowledged');
      record({ step: def.id, kind: 'manual', status: 'declined' });
      throw new StopRun('stopped', ExitCode.cancelled, `Stopped at "${def.title}": it was not acknowledged.`);
    }
    finish('acknowledged', ack.text.trim());
    record({
      step: def.id,
      kind: 'manual',
      status: 'acknowledged',
      ack: { text: ack.text.trim(), ...(ack.note?.trim() ? { note: ack.note.trim() } : {}) },
    });
    return;
  }

  const ctx = await run.contextFor(step, host, outputs);
  const op = step.operation!;
  if (op.kind === 'check') {
    const result = await op.run(ctx);
    Object.assign(outputs, result.outputs ?? {});
    record({
      step: def.id,
      kind: 'check',
      status: result.refusal ? 'refused' : result.ok ? 'passed' : 'failed',
      ...whereOf(step),
      ...(run.dryRun ? { dryRun: true } : {}),
      detail: {
        summary: result.summary,
        ...(result.items ? { items: result.items } : {}),
        ...(result.detail !== undefined ? { found: plain(result.detail) } : {}),
      },
    });
    finish(result.ok ? 'passed' : 'failed', result.summary, result.items);
    if (result.refusal)
      throw new StopRun('refused', ExitCode.usage, `${result.refusal.message}\nNext step: ${result.refusal.nextStep}`);
    if (!result.ok && !def.continueOnFail)
      throw new StopRun('failed', ExitCode.failed, `${def.title}: ${result.summary}`);
    return;
  }

  if (op.kind === 'verify') {
    if (run.dryRun) {
      finish('skipped', 'dry run: nothing was changed, so nothing to verify');
      record({ step: def.id, kind: 'verify', status: 'skipped', dryRun: true, ...whereOf(step) });
      return;
    }
    const started = deps.clock.now();
    const timeoutMs = (def.timeoutSeconds ?? VERIFY_DEFAULT_TIMEOUT_S) * 1000;
    for (let attempt = 1; ; attempt++) {
      const result = await op.probe(ctx);
      const elapsedMs = deps.clock.now() - started;
      host.event({ type: 'poll', index, attempt, elapsedMs, summary: result.summary });
      if (result.ok) {
        Object.assign(outputs, result.outputs ?? {});
        finish('passed', result.summary);
        record({
          step: def.id,
          kind: 'verify',
          status: 'passed',
          ...whereOf(step),
          detail: {
            summary: result.summary,
            attempts: attempt,
            elapsedMs,
            ...(result.detail !== undefined ? { found: plain(result.detail) } : {}),
          },
        });
        return;
      }
      if (elapsedMs >= timeoutMs || deps.signal.aborted) {
        finish('failed', result.summary);
        record({
          step: def.id,
          kind: 'verify',
          status: 'failed',
          ...whereOf(step),
          detail: { summary: result.summary, attempts: attempt, elapsedMs },
        });
        throw new StopRun(
          'failed',
          ExitCode.failed,
          `${def.title}: not visible after ${Math.round(elapsedMs / 1000)} s: ${result.summary}\nNext step: check it by hand; \`awsorg runbook rollback ${run.incident}\` undoes what this run applied.`,
        );
      }
      await deps.clock.sleep(Math.min(5_000, 500 * attempt), deps.signal);
    }
  }

  await runAction(run, step, op, ctx, index, host, outputs, record, finish);
}

async function runAction(
  run: PreparedRun,
  step: PreparedStep,
  op: ActionOperation,
  ctx: StepContext,
  index: number,
  host: RunbookHost,
  outputs: Record<string, string>,
  record: Recorder,
  finish: Finisher,
): Promise<void> {
  const def = step.def;
  const prior = plain(await op.capture(ctx));
  const requests = op.plan(ctx, prior);
  const preview = op.rollback(ctx, prior, []);
  const base = {
    step: def.id,
    kind: step.recordKind,
    ...whereOf(step),
    call: op.call,
    ...(def.operation ? { operation: def.operation } : {}),
    ...(step.undoes ? { undoes: step.undoes } : {}),
  } as const;
  if (requests.length === 0) {
    Object.assign(outputs, op.outputs?.(ctx, prior, []) ?? {});
    finish(
      'unchanged',
      step.recordKind === 'rollback'
        ? 'nothing to undo: the change is not in AWS'
        : 'already in place; nothing to send',
    );
    record({ ...base, status: 'unchanged', prior, ...(run.dryRun ? { dryRun: true } : {}) });
    return;
  }
  if (run.dryRun) {
    Object.assign(outputs, op.outputs?.(ctx, prior, []) ?? {});
    finish('planned', `dry run: would send ${requests.map(callName).join(', ')}`);
    record({ ...base, status: 'planned', dryRun: true, request: requests, prior, rollback: preview });
    return;
  }
  const confirmed = await host.confirmAction({
    index,
    step: def,
    where: step.where!,
    requests,
    prior,
    rollback: preview,
  });
  if (!confirmed) {
    finish('declined', 'not sent: you declined');
    record({ ...base, status: 'declined', request: requests, prior });
    throw new StopRun(
      'stopped',
      ExitCode.cancelled,
      `Stopped at "${def.title}": you declined; nothing was sent for it.`,
    );
  }
  // The intent goes on record before anything is sent: should awsorg stop before the outcome is
  // written (a crash, a kill, a lost machine), the transcript still shows what may have happened,
  // and `runbook rollback` checks AWS for it. Its rollback is the one for every request taking effect.
  const intent = record({
    ...base,
    status: 'sending',
    request: requests,
    prior,
    rollback: op.rollback(
      ctx,
      prior,
      requests.map(() => ({})),
    ),
  });
  const outcomeOf = { intent: intent.hash };
  const responses: unknown[] = [];
  try {
    if (op.apply) {
      const returned = await op.apply(ctx, requests, responses);
      responses.splice(0, responses.length, ...returned);
    } else {
      for (const request of requests) {
        host.event({ type: 'aws', index, call: callName(request) });
        responses.push(await sendRequest(ctx.session, request, ctx.where.region));
      }
    }
  } catch (err) {
    // Whatever was sent before the failure stays recorded with its rollback, so it can be undone.
    const partial = responses.length ? op.rollback(ctx, prior, responses) : { none: 'nothing was applied' };
    record({
      ...base,
      status: responses.length ? 'partial' : 'failed',
      request: requests,
      response: plain(responses),
      prior,
      rollback: partial,
      ...outcomeOf,
      detail: { error: err instanceof Error ? err.message : String(err) },
    });
    finish('failed', firstLine(err instanceof Error ? err.message : String(err)));
    const next = err instanceof AwsorgError && err.nextStep ? `\nNext step: ${err.nextStep}` : '';
    throw new StopRun(
      'failed',
      err instanceof AwsorgError ? err.exitCode : ExitCode.failed,
      `${def.title}: ${err instanceof Error ? err.message : String(err)}${next}`,
    );
  }
  const response = plain(responses);
  const rollback: Rollback = op.rollback(ctx, prior, responses);
  Object.assign(outputs, op.outputs?.(ctx, prior, responses) ?? {});
  finish('applied', `sent ${requests.map(callName).join(', ')}`);
  record({ ...base, status: 'applied', request: requests, response, prior, rollback, ...outcomeOf });
}

function whereOf(step: PreparedStep): Partial<Pick<AuditEntry, 'account' | 'role' | 'region'>> {
  return step.where ? { account: step.where.account, role: step.where.role, region: step.where.region } : {};
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

export type { AwsRequest, AwsSession };
