/**
 * `awsorg state handoff --config FILE`: hand an organization that was bootstrapped without
 * `terraform.handoff` to Terraform afterwards. The blueprint is read as if it said
 * `terraform.handoff: true` (the file is not edited); the organization-building steps are only
 * observed and planned, to learn the ids, and must have nothing left to do; then the hand-off
 * steps (generate and import, move the state, verify) run through the bootstrap engine, with
 * the bootstrap journal, so an interrupted hand-off resumes.
 */
import { resolve } from 'node:path';
import type { AwsEvent } from '../aws/session.js';
import type { LoadedBlueprint } from '../core/blueprint.js';
import type { Deps } from '../aws/deps.js';
import { AwsorgError, ExitCode, UsageError } from '../core/errors.js';
import { terminalLines, terminalText } from '../core/terminal-text.js';
import type { AnyStep, StepPlan } from '../steps/engine.js';
import type { HandoffData } from '../steps/terraform-handoff.js';
import { parseDeclared, usageText } from './declare.js';
import { state as STATE } from './declarations.js';

export const handoffUsage = usageText(STATE.subcommands.handoff);

const DEFAULT_MEMBER_ROLE = 'OrganizationAccountAccessRole';

export interface StateHandoffOptions {
  subcommand: 'handoff';
  config: string;
  /** Show what would be written and imported; write nothing. */
  plan: boolean;
  /** Regenerate hand-off files the user edited. */
  force: boolean;
  json: boolean;
  omitTlsDeny: boolean;
  allowPlaceholders: boolean;
  allowOutsideFiles: boolean;
  memberRole: string;
}

/** `argv` with the `handoff` word. */
export function parseHandoff(argv: string[]): StateHandoffOptions {
  const { values, positionals } = parseDeclared(argv, STATE, {
    ...STATE.subcommands.migrate.flags,
    ...STATE.subcommands.handoff.flags,
  });
  const [, ...extra] = positionals;
  if (extra.length > 0)
    throw new UsageError(`unexpected argument "${terminalText(extra[0]!)}"`, `Usage: ${handoffUsage}`);
  const config = values.config;
  if (typeof config !== 'string' || config.trim() === '') {
    throw new UsageError(
      '--config FILE is required: the hand-off generates its code from the blueprint the organization was bootstrapped from',
      `Usage: ${handoffUsage}`,
    );
  }
  const memberRole = typeof values['member-role'] === 'string' ? values['member-role'] : DEFAULT_MEMBER_ROLE;
  if (!/^[\w+=,.@-]{1,64}$/.test(memberRole)) {
    throw new UsageError(
      `--member-role '${terminalText(memberRole)}' is not an IAM role name`,
      "Use 1-64 letters, digits and '+=,.@_-', e.g. OrganizationAccountAccessRole.",
    );
  }
  return {
    subcommand: 'handoff',
    config,
    plan: Boolean(values.plan),
    force: Boolean(values.force),
    json: Boolean(values.json),
    omitTlsDeny: Boolean(values['omit-tls-deny']),
    allowPlaceholders: Boolean(values['allow-placeholders']),
    allowOutsideFiles: Boolean(values['allow-outside-files']),
    memberRole,
  };
}

/** The blueprint as if it said `terraform.handoff: true`; refuses one without the sections the hand-off needs. */
export function withHandoff(loaded: LoadedBlueprint, source: string): LoadedBlueprint {
  const { blueprint } = loaded;
  const missing = [
    ...(blueprint.terraform ? [] : ['terraform (dir and key)']),
    ...(blueprint.stateBackend ? [] : ['stateBackend']),
  ];
  if (missing.length > 0) {
    throw new UsageError(
      `${source} has no ${missing.join(' and no ')} section: the hand-off writes the code into terraform.dir and moves its state into the stateBackend bucket`,
      'Add the missing section to the blueprint (the presets show both), run `awsorg bootstrap --config FILE --yes` to create the bucket, then run the hand-off again.',
    );
  }
  return { ...loaded, blueprint: { ...blueprint, terraform: { ...blueprint.terraform!, handoff: true } } };
}

function commandLine(opts: StateHandoffOptions): string {
  return `awsorg state handoff --config ${opts.config}${opts.plan ? ' --plan' : ''}`;
}

interface HandoffOutcome {
  filesWritten: string[];
  filesRemoved: string[];
  imports: number;
  forgotten: string[];
  migrated: boolean;
}

export async function runHandoff(opts: StateHandoffOptions, deps: Deps): Promise<number> {
  const { loadBlueprint } = await import('../core/blueprint-load.js');
  const { Journal, journalPathFor } = await import('../core/journal.js');
  const { describeHolder } = await import('../core/lock.js');
  const loaded = withHandoff(
    await loadBlueprint(resolve(deps.cwd, opts.config), {
      allowOutsideFiles: opts.allowOutsideFiles,
      allowPlaceholders: opts.allowPlaceholders,
    }),
    opts.config,
  );
  const { blueprint } = loaded;
  const stateLocation = `s3://${blueprint.stateBackend!.bucket}/${blueprint.terraform!.key}`;
  const dirAsWritten = blueprint.terraform!.dir;

  // The bootstrap's own journal: its lock keeps a bootstrap and a hand-off of the same blueprint apart.
  const journalPath = journalPathFor(loaded.file, deps.cwd);
  const journal = await Journal.open(journalPath, {
    readOnly: opts.plan,
    blueprint: loaded.file ?? opts.config,
    now: new Date(deps.clock.now()),
    command: commandLine(opts),
  });
  if (journal.recoveredLock) {
    deps.stderr.write(
      `awsorg: took over the lock on ${journalPath} left by an awsorg run that is no longer running (${describeHolder(journal.recoveredLock)}).\n`,
    );
  }
  const stats = { reads: 0, writes: 0, retries: 0 };
  const offStats = deps.awsEvents.add((e) => {
    if (e.type === 'call') e.write ? stats.writes++ : stats.reads++;
    else if (e.type === 'retry') stats.retries++;
  });
  const [{ BootstrapEngine }, { terraformHandoffStep, handoffVerifyStep }, { migrateStateStep }] = await Promise.all([
    import('../steps/engine.js'),
    import('../steps/terraform-handoff.js'),
    import('../steps/migrate-state.js'),
  ]);
  const handoffSteps: AnyStep[] = [terraformHandoffStep, migrateStateStep, handoffVerifyStep];
  const isHandoffStep = (id: string) => handoffSteps.some((s) => s.id === id);
  const session = deps.aws(blueprint.region);
  const engine = new BootstrapEngine({
    loaded,
    session,
    journal,
    clock: deps.clock,
    signal: deps.signal,
    options: {
      allowRoot: false,
      memberRoleName: opts.memberRole,
      omitTlsDenyStatement: opts.omitTlsDeny,
      forceHandoff: opts.force,
    },
    spawn: deps.spawn,
    env: deps.env,
  });
  try {
    // Status goes to stderr with --json too, as bootstrap's progress does; stdout holds only the result.
    deps.stderr.write(terminalLines(`Reading the organization of ${opts.config} (read-only)…`) + '\n');
    // Every step observed and planned, in order: the organization steps fill in the ids the
    // generator needs, and the pre-flight refuses conflicting or edited files before any write.
    const plans = await engine.plan();
    const pending = plans.filter((p) => !isHandoffStep(p.id)).flatMap((p) => p.changes.map((c) => c.summary));
    if (pending.length > 0) {
      throw new AwsorgError(
        `AWS does not match ${opts.config} yet (${pending.length} pending change${pending.length === 1 ? '' : 's'}):\n${pending.map((s) => `  - ${s}`).join('\n')}`,
        `Run \`awsorg bootstrap --config ${opts.config} --yes\` first; the hand-off only records what exists. Nothing was written.`,
      );
    }
    const handoffPlans = plans.filter((p) => isHandoffStep(p.id));
    if (opts.plan) return showPlan(handoffPlans, opts, deps, { stateLocation, dirAsWritten, stats });

    if (journal.resumed) {
      const inFlight = journal.interruptedChanges();
      deps.stderr.write(
        `Resuming an interrupted run from ${journal.path}${inFlight.length ? ` (in flight: ${inFlight.join(', ')})` : ''}.\n`,
      );
    }
    const { plainListener } = await import('../ui/progress.js');
    const listener = plainListener(deps.stderr);
    const outcome: HandoffOutcome = { filesWritten: [], filesRemoved: [], imports: 0, forgotten: [], migrated: false };
    const offRetries = deps.awsEvents.add((e: AwsEvent) => e.type === 'retry' && listener.retry(e));
    let result;
    try {
      await engine.begin();
      for (const step of handoffSteps) {
        if (!step.enabled(loaded)) continue;
        await engine.applyStep(step, {
          ...listener,
          stepPlanned(s, plan) {
            // What this run does, from the plan the engine applies (not the earlier read-only one).
            for (const change of plan.changes) {
              const data = change.data as HandoffData | undefined;
              if (s.id === terraformHandoffStep.id && data?.files) {
                outcome.filesWritten.push(...data.files.create, ...data.files.update);
                outcome.filesRemoved.push(...data.files.remove);
                outcome.imports += data.imports.length;
                outcome.forgotten.push(...data.forget);
                if (data.pipeline) outcome.filesWritten.push(data.pipeline.relPath);
              }
              if (s.id === migrateStateStep.id) outcome.migrated = true;
            }
            listener.stepPlanned?.(s, plan);
          },
        });
      }
      result = await engine.finish();
    } catch (err) {
      if (!(err instanceof UsageError))
        deps.stderr.write(`Progress is saved in ${journalPath}; fix the problem and run the same command to resume.\n`);
      throw err;
    } finally {
      offRetries();
    }
    const changes = result.steps.reduce((n, s) => n + s.applied.length, 0);
    if (opts.json) {
      deps.stdout.write(
        JSON.stringify(
          {
            status: changes > 0 ? 'handed-off' : 'converged',
            changesApplied: changes,
            dir: resolve(loaded.baseDir, dirAsWritten),
            filesWritten: outcome.filesWritten,
            filesRemoved: outcome.filesRemoved,
            imports: outcome.imports,
            forgotten: outcome.forgotten,
            stateMigrated: outcome.migrated,
            state: stateLocation,
            steps: result.steps,
            calls: stats,
            journal: journal.path,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      const lines =
        changes > 0
          ? [
              `Handed off: ${outcome.filesWritten.length} file${outcome.filesWritten.length === 1 ? '' : 's'} written into ${dirAsWritten}, ${outcome.imports} resource${outcome.imports === 1 ? '' : 's'} imported` +
                `${outcome.migrated ? `, the state moved to ${stateLocation}` : `; the state is in ${stateLocation}`}.`,
              `terraform plan in ${dirAsWritten} finds no changes: the organization is managed as code from now on.`,
            ]
          : [
              `Nothing to do: ${dirAsWritten} already holds the organization's code, its state is in ${stateLocation}, and terraform plan finds no changes.`,
            ];
      deps.stdout.write(terminalLines(lines.join('\n')) + '\n');
    }
    return ExitCode.ok;
  } catch (err) {
    if (opts.json) {
      const e = err as AwsorgError;
      deps.stdout.write(
        JSON.stringify(
          { status: 'failed', error: e.message, nextStep: e.nextStep, journal: journalPath, calls: stats },
          null,
          2,
        ) + '\n',
      );
    }
    throw err;
  } finally {
    offStats();
    session.destroy();
    await journal.close();
  }
}

async function showPlan(
  plans: StepPlan[],
  opts: StateHandoffOptions,
  deps: Deps,
  info: { stateLocation: string; dirAsWritten: string; stats: object },
): Promise<number> {
  const { countChanges, renderPlan } = await import('../ui/plan-text.js');
  const total = countChanges(plans);
  if (opts.json) {
    const steps = plans.map((p) => ({
      step: p.id,
      title: p.title,
      enabled: p.enabled,
      notes: p.notes,
      changes: p.changes.map((c) => ({ key: c.key, calls: c.calls, summary: c.summary })),
    }));
    const handoff = plans.find((p) => p.id === 'terraform-handoff')?.changes[0]?.data as HandoffData | undefined;
    deps.stdout.write(
      JSON.stringify(
        {
          status: total ? 'changes-pending' : 'converged',
          changes: total,
          filesToWrite: handoff?.files ? [...handoff.files.create, ...handoff.files.update] : [],
          imports: handoff?.imports?.length ?? 0,
          state: info.stateLocation,
          steps,
          calls: info.stats,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    deps.stdout.write(
      renderPlan(plans, {
        header: `Hand-off plan for ${opts.config}: Terraform code in ${info.dirAsWritten}, state in ${info.stateLocation}`,
      }),
    );
    if (total) deps.stderr.write(`Apply with: awsorg state handoff --config ${opts.config}${applyFlags(opts)}\n`);
  }
  return total ? ExitCode.planHasChanges : ExitCode.ok;
}

/** The flags that change what the hand-off writes, repeated in the apply command a plan suggests. */
function applyFlags(opts: StateHandoffOptions): string {
  return [
    ...(opts.force ? [' --force'] : []),
    ...(opts.omitTlsDeny ? [' --omit-tls-deny'] : []),
    ...(opts.allowPlaceholders ? [' --allow-placeholders'] : []),
    ...(opts.allowOutsideFiles ? [' --allow-outside-files'] : []),
    ...(opts.memberRole !== DEFAULT_MEMBER_ROLE ? [` --member-role ${opts.memberRole}`] : []),
  ].join('');
}
