/**
 * A run or a rollback from start to finish: prepare (everything that can refuse, before any
 * write), open the incident's transcript, drive the runner through the screen or the headless
 * front end, and report the outcome (stderr for people, stdout for --json). The screen is the
 * caller's choice, passed in (`screen`): this layer never imports a front end.
 */
import { join } from 'node:path';
import { AuditTranscript, transcriptDir } from '../core/audit.js';
import type { Deps } from '../aws/deps.js';
import { AwsorgError, ExitCode, UsageError } from '../core/errors.js';
import { acquireLock, describeHolder, type Lock } from '../core/lock.js';
import { ensurePrivateDirSync } from '../core/private-file.js';
import { headlessHost } from './headless.js';
import { prepareRun, runSessions, type PreparedRun } from './prepare.js';
import { planRollback, prepareRollback, rebuildRollback, type RollbackCatalog } from './rollback.js';
import { executeRun, type RunOutcome } from './runner.js';
import type { RoleSession } from '../assume/types.js';
import type { Operation, Runbook, RunbookHost, RunbookScreenInput, ShellHandoff } from './types.js';
import { terminalLines } from '../core/terminal-text.js';

/**
 * The Ink screen, which the command passes in on a terminal when the operator did not pass
 * --yes: it draws `input`, hands `drive` a host whose questions are answered by keys, and aborts
 * `stop` on Ctrl-C. Without one, the run is headless.
 */
export type RunbookScreen = (
  deps: Deps,
  input: RunbookScreenInput,
  drive: (host: RunbookHost, stop: AbortSignal) => Promise<RunOutcome>,
) => Promise<unknown>;

export interface RunRequest {
  runbook: Runbook;
  incident: string;
  params: Record<string, string>;
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  note?: string;
  operations: Readonly<Record<string, Operation>>;
  /** Set by `--rehearse`: the screen and the summary say so. */
  rehearsal?: boolean;
  /** A rehearsal's: where its transcript is copied when it ends (the file it writes is removed with its workspace). */
  keptTranscript?: string;
  /** The front end that asks the operator; headless (for --yes and scripts) when unset. */
  screen?: RunbookScreen;
}

interface DriveOptions {
  json: boolean;
  note?: string;
  rehearsal?: boolean;
  keptTranscript?: string;
  screen?: RunbookScreen;
}

function secretCollector(): {
  values: string[];
  register(values: readonly (string | undefined)[]): void;
  attach(t: AuditTranscript): void;
} {
  let transcript: AuditTranscript | undefined;
  const values: string[] = [];
  return {
    values,
    register(more) {
      const found = more.filter((v): v is string => typeof v === 'string' && v.length > 0);
      values.push(...found);
      transcript?.addSecrets(found);
    },
    attach(t) {
      transcript = t;
    },
  };
}

async function resolveAccount(deps: Deps, value: string): Promise<{ id: string; name: string }> {
  const [{ loadOperatorContext }, { resolveTarget }] = await Promise.all([
    import('../assume/context.js'),
    import('../inventory/resolve.js'),
  ]);
  const ctx = await loadOperatorContext(deps);
  const { account } = resolveTarget(value, ctx.inventory.accounts, ctx.settings.aliases);
  return { id: account.id, name: account.name };
}

/**
 * One run or rollback per incident at a time, from before its first AWS call to its last record:
 * two runs interleaving on one incident would each act on state the other is changing, and the
 * transcript could not say which change came first. A second run is refused with the holder named.
 */
function lockIncident(deps: Deps, incident: string, command: string): Lock {
  const dir = transcriptDir(deps.paths);
  ensurePrivateDirSync(dir);
  const lock = acquireLock(join(dir, `${incident}.lock`), {
    what: `incident ${incident}`,
    command,
    now: new Date(deps.clock.now()),
  });
  if (lock.recovered) {
    deps.stderr.write(
      `awsorg: took over the lock of incident ${incident} from ${describeHolder(lock.recovered)} (${lock.recovered.command}), which is no longer running. ` +
        `If it stopped while sending a request, its transcript ends with a "sending" record; \`awsorg runbook rollback ${incident}\` checks AWS for it.\n`,
    );
  }
  return lock;
}

export async function runRunbook(deps: Deps, req: RunRequest): Promise<number> {
  const lock = lockIncident(
    deps,
    req.incident,
    `awsorg runbook run ${req.runbook.id} --incident ${req.incident}${req.dryRun ? ' --dry-run' : ''}`,
  );
  try {
    return await runLocked(deps, req, lock);
  } finally {
    lock.release();
  }
}

async function runLocked(deps: Deps, req: RunRequest, lock: Lock): Promise<number> {
  const secrets = secretCollector();
  secrets.register(req.runbook.params.filter((p) => p.secret).map((p) => req.params[p.name]));
  // Before any AWS call: a transcript that fails verification, lost its anchor or is a planted link refuses the run.
  const transcript = AuditTranscript.open(deps.paths, req.incident, {
    now: () => new Date(deps.clock.now()),
    secrets: secrets.values,
  });
  secrets.attach(transcript);
  const sessions = runSessions(deps, req.incident, (v) => secrets.register(v));
  const prepared = await prepareRun(deps, req.runbook, req.incident, req.params, {
    dryRun: req.dryRun,
    rehearsal: Boolean(req.rehearsal),
    resolveAccount: (value) => resolveAccount(deps, value),
    operations: req.operations,
    sessions,
  });
  return drive(deps, prepared, transcript, req, lock);
}

export interface RollbackRequest {
  incident: string;
  dryRun: boolean;
  yes: boolean;
  json: boolean;
  rehearsal?: boolean;
  keptTranscript?: string;
  /** The runbooks and operations whose code rebuilds each rollback (the catalog the command loaded). */
  catalog: RollbackCatalog;
  /** The front end that asks the operator; headless (for --yes and scripts) when unset. */
  screen?: RunbookScreen;
}

export async function rollbackIncident(deps: Deps, req: RollbackRequest): Promise<number> {
  if (!AuditTranscript.exists(deps.paths, req.incident)) {
    throw new UsageError(
      `there is no transcript for incident ${req.incident}, so there is nothing recorded to roll back`,
      'Check the incident id (`awsorg audit verify` lists the transcripts it checks).',
    );
  }
  const lock = lockIncident(
    deps,
    req.incident,
    `awsorg runbook rollback ${req.incident}${req.dryRun ? ' --dry-run' : ''}`,
  );
  try {
    return await rollbackLocked(deps, req, lock);
  } finally {
    lock.release();
  }
}

async function rollbackLocked(deps: Deps, req: RollbackRequest, lock: Lock): Promise<number> {
  const secrets = secretCollector();
  const transcript = AuditTranscript.open(deps.paths, req.incident, {
    now: () => new Date(deps.clock.now()),
    secrets: secrets.values,
  });
  secrets.attach(transcript);
  // Rebuilt from each operation's own code and the recorded prior state, never replayed as written:
  // whoever can write the audit directory must not be able to choose the calls. Refuses (exit 2) before any AWS call.
  const plan = rebuildRollback(planRollback(transcript.records()), req.catalog);
  if (plan.items.length === 0) {
    const notes = plan.notUndoable.map((n) => `  - ${n.record.runbook} ${n.record.step}: ${n.reason}`);
    deps.stderr.write(
      terminalLines(
        [
          `Nothing to roll back for ${req.incident}: every recorded action is already undone or cannot be undone.`,
          ...notes,
          '',
        ].join('\n'),
      ),
    );
    if (req.json)
      deps.stdout.write(
        `${JSON.stringify({ incident: req.incident, status: 'nothing-to-undo', notUndoable: plan.notUndoable.map((n) => ({ step: n.record.step, line: n.record.seq + 1, reason: n.reason })) }, null, 2)}\n`,
      );
    return 0;
  }
  const sessions = runSessions(deps, req.incident, (v) => secrets.register(v));
  const prepared = prepareRollback(deps, req.incident, plan, sessions, await sessions.operator(), req.dryRun);
  // Every account the rollback touches must be reachable before the first request is replayed.
  for (const step of prepared.steps)
    if (step.where) await sessions.sessionFor(step.where.account, step.where.role, step.where.region);
  return drive(deps, prepared, transcript, req, lock);
}

async function drive(
  deps: Deps,
  prepared: PreparedRun,
  transcript: AuditTranscript,
  opts: DriveOptions,
  lock: Lock,
): Promise<number> {
  let outcome: RunOutcome;
  if (opts.screen) {
    const input: RunbookScreenInput = {
      mode: prepared.mode,
      runbook: { id: prepared.runbook.id, title: prepared.runbook.title },
      incident: prepared.incident,
      dryRun: prepared.dryRun,
      rehearsal: Boolean(opts.rehearsal),
      ...(opts.keptTranscript ? { keptTranscript: opts.keptTranscript } : {}),
      steps: prepared.steps.map((s) => ({
        id: s.def.id,
        title: s.def.title,
        kind: s.def.kind,
        does: s.def.does,
        ...(s.where ? { where: s.where } : {}),
        ...(s.operation?.kind === 'action' ? { call: s.operation.call } : {}),
      })),
    };
    let result: RunOutcome | undefined;
    // Ctrl-C in the screen is a key, not a signal: the screen hands its own stop signal over.
    await opts.screen(
      deps,
      input,
      async (host, stop) =>
        (result = await executeRun(
          { ...deps, signal: AbortSignal.any([deps.signal, stop]) },
          prepared,
          host,
          transcript,
        )),
    );
    outcome = result!;
  } else {
    const host = headlessHost(
      deps.stderr,
      prepared.steps.map((s) => ({ title: s.def.title, kind: s.def.kind })),
      { ...(opts.note ? { note: opts.note } : {}) },
    );
    outcome = await executeRun(deps, prepared, host, transcript);
    deps.stderr.write(terminalLines(summaryText(prepared, outcome, transcript, opts)));
  }
  if (opts.json)
    deps.stdout.write(
      `${JSON.stringify({ incident: prepared.incident, runbook: prepared.runbook.id, mode: prepared.mode, dryRun: prepared.dryRun, ...outcome }, null, 2)}\n`,
    );
  // A rehearsal's sessions are the emulator's: there is nothing to do in a shell with them.
  // The run is over: a break-glass shell may stay open for an hour, and meanwhile another run on
  // this incident (revoke-role-sessions to end that very session) must not be locked out.
  lock.release();
  if (opts.rehearsal) return outcome.exitCode;
  return (await openHandoffShells(deps, prepared, transcript, outcome)) ?? outcome.exitCode;
}

/**
 * break-glass-session: once the run has completed (and the screen has closed), open the
 * operator's shell with each role session an operation handed off, then close out: a transcript
 * record with the shell's exit status, and the follow-ups on stderr. The credentials stay in
 * memory; they are also registered as secrets, so no record can carry them. Resolves to an exit
 * code only when a shell could not be started; the shell's own status is recorded, not returned,
 * because the run itself succeeded.
 */
async function openHandoffShells(
  deps: Deps,
  prepared: PreparedRun,
  transcript: AuditTranscript,
  outcome: RunOutcome,
): Promise<number | undefined> {
  if (outcome.status !== 'completed' || prepared.dryRun || prepared.handoffs.length === 0) return undefined;
  const { loginShell, runInSession } = await import('../assume/shell.js');
  let failed: number | undefined;
  for (const handoff of prepared.handoffs) {
    const { credentials } = handoff;
    transcript.addSecrets([credentials.secretAccessKey, credentials.sessionToken]);
    const session: RoleSession = {
      account: {
        id: handoff.account,
        name: handoffAccountName(prepared, handoff.account),
        email: '',
        status: 'ACTIVE',
        ouPath: '',
        tags: {},
      },
      role: handoff.role,
      region: handoff.region,
      credentials: { ...credentials, accountId: handoff.account, role: handoff.role, arn: handoff.arn },
      cacheHit: false,
    };
    deps.stderr.write(
      `\nOpening ${loginShell(deps).file} as ${handoff.arn} (${handoff.region}) until ${credentials.expiration}.\n` +
        `CloudTrail records every call under the session name ${prepared.incident}. Exit the shell to close out.\n`,
    );
    let shellExitCode: number | null = null;
    let error: string | undefined;
    try {
      shellExitCode = await runInSession(
        { ...deps, env: { ...deps.env, AWSORG_INCIDENT: prepared.incident, AWSORG_SESSION_ARN: handoff.arn } },
        session,
      );
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      failed = err instanceof AwsorgError ? err.exitCode : ExitCode.failed;
    }
    const followUps = closeOutFollowUps(prepared, handoff);
    transcript.append({
      incident: prepared.incident,
      operator: prepared.operator.arn,
      runbook: prepared.runbook.id,
      step: 'close-out',
      kind: 'run',
      status: error ? 'failed' : 'completed',
      account: handoff.account,
      role: handoff.role,
      region: handoff.region,
      detail: {
        shellExitCode,
        sessionArn: handoff.arn,
        expiration: credentials.expiration,
        followUps,
        ...(error ? { error } : {}),
      },
    });
    const head = error
      ? `awsorg: ${error}`
      : `Shell exited with status ${shellExitCode}. The session stays valid until ${credentials.expiration}; revoke-role-sessions on ${handoff.role} ends it sooner.`;
    deps.stderr.write(
      terminalLines(
        [
          head,
          `Close-out for ${prepared.incident} (recorded in ${transcript.file}):`,
          ...followUps.map((f) => `  - ${f}`),
          '',
        ].join('\n'),
      ),
    );
  }
  return failed;
}

/** The account's name as the run showed it ("123456789012 (Production)"), else its id. */
function handoffAccountName(prepared: PreparedRun, accountId: string): string {
  for (const shown of Object.values(prepared.displayParams)) {
    const m = /^(\d{12}) \((.+)\)$/.exec(shown);
    if (m?.[1] === accountId) return m[2]!;
  }
  return accountId;
}

function closeOutFollowUps(prepared: PreparedRun, handoff: ShellHandoff): string[] {
  const lookup = (region: string) =>
    `aws cloudtrail lookup-events --region ${region} --lookup-attributes AttributeKey=Username,AttributeValue=${prepared.incident}`;
  const regions = [...new Set([handoff.region, 'us-east-1'])];
  return [
    `Rotate the break-glass credentials used: the password and access keys of ${prepared.operator.arn}, and put the MFA device back in the safe.`,
    'Confirm the break-glass sign-in alert fired and reached the on-call channel.',
    `Review what the session did, in account ${handoff.account} (the session name appears as the Username of its events): ${regions.map(lookup).join(' ; ')}`,
  ];
}

export function summaryText(
  prepared: PreparedRun,
  outcome: RunOutcome,
  transcript: AuditTranscript,
  opts: { rehearsal?: boolean },
): string {
  const what =
    prepared.mode === 'rollback'
      ? `rollback of ${prepared.incident}`
      : `${prepared.runbook.id} for ${prepared.incident}`;
  const lines = [
    `${opts.rehearsal ? 'REHEARSAL: ' : ''}${prepared.dryRun ? 'DRY RUN: ' : ''}${what}: ${outcome.status}`,
  ];
  if (outcome.message && outcome.status !== 'completed') lines.push(`awsorg: ${outcome.message}`);
  // A rehearsal's workspace is removed when it ends; it says where its transcript is kept instead.
  if (!opts.rehearsal) {
    lines.push(
      `  transcript: ${outcome.transcript.file} (${outcome.transcript.records} records, head ${outcome.transcript.head})`,
    );
    lines.push(`  check it:   awsorg audit verify ${outcome.transcript.file}`);
  }
  if (outcome.status !== 'refused') for (const f of outcome.followUps) lines.push(`  - ${f}`);
  const undoable = planRollback(transcript.records()).items.length > 0;
  if (undoable && prepared.mode === 'run' && !opts.rehearsal)
    lines.push(`  undo:       awsorg runbook rollback ${prepared.incident}`);
  return `${lines.join('\n')}\n`;
}
