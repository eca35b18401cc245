/**
 * `awsorg bootstrap`: plan or apply the first-day organization setup from a blueprint.
 * The engine (src/steps/engine.ts) does the work; this module binds flags, chooses the output
 * (plan text, listr2, plain lines, JSON) and turns the outcome into an exit code.
 */
import { cpSync, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { AwsEvent } from '../aws/session.js';
import { findPlaceholders, loadBlueprint, loadedFromBlueprint, visibleText } from '../core/blueprint-load.js';
import { terminalLines } from '../core/terminal-text.js';
import type { LoadedBlueprint } from '../core/blueprint.js';
import { createDeps, type Deps } from '../aws/deps.js';
import { type AwsorgError, CancelledError, ExitCode, UsageError } from '../core/errors.js';
import { Journal, journalPathFor } from '../core/journal.js';
import { describeHolder } from '../core/lock.js';
import { PRESET_NAMES, preset, presetYaml } from '../core/presets.js';
import type { BootstrapEngine, StepPlan } from '../steps/engine.js';
import { countChanges, renderPlan } from '../ui/plan-text.js';
import { parseDeclared, usageText } from './declare.js';
import { bootstrap as BOOTSTRAP } from './declarations.js';

export const usage = usageText(BOOTSTRAP);

const DEFAULT_MEMBER_ROLE = 'OrganizationAccountAccessRole';

export interface BootstrapOptions {
  config?: string;
  preset?: string;
  write?: string;
  force: boolean;
  plan: boolean;
  yes: boolean;
  json: boolean;
  allowRoot: boolean;
  memberRole: string;
  omitTlsDeny: boolean;
  /** Let the blueprint's policy files resolve outside its directory. */
  allowOutsideFiles: boolean;
  /** Run against a local emulator that awsorg starts, on copies of the Terraform directory. */
  rehearse: boolean;
  /**
   * Accept the presets' placeholders (example.com emails, change-me names), which every other
   * run refuses. For runs against an emulator that are not `--rehearse` (tests, demos); a
   * rehearsal accepts them by itself.
   */
  allowPlaceholders: boolean;
}

export function parse(argv: string[]): BootstrapOptions {
  const { values } = parseDeclared(argv, BOOTSTRAP, BOOTSTRAP.flags);
  const opts: BootstrapOptions = {
    ...(values.config ? { config: values.config } : {}),
    ...(values.preset ? { preset: values.preset } : {}),
    ...(values.write ? { write: values.write } : {}),
    force: Boolean(values.force),
    plan: Boolean(values.plan),
    yes: Boolean(values.yes),
    json: Boolean(values.json),
    allowRoot: Boolean(values['allow-root']),
    memberRole: values['member-role'] ?? DEFAULT_MEMBER_ROLE,
    omitTlsDeny: Boolean(values['omit-tls-deny']),
    allowOutsideFiles: Boolean(values['allow-outside-files']),
    rehearse: Boolean(values.rehearse),
    allowPlaceholders: Boolean(values['allow-placeholders']),
  };
  if (opts.rehearse && opts.write)
    throw new UsageError(
      '--rehearse does not apply to --write.',
      'Write the preset first, then rehearse it: awsorg bootstrap --config FILE --rehearse --yes',
    );
  if (opts.config && opts.preset)
    throw new UsageError(
      '--config and --preset cannot be used together.',
      'Write the preset to a file with --preset NAME --write FILE, edit it, then use --config FILE.',
    );
  if (opts.write && !opts.preset)
    throw new UsageError('--write needs --preset NAME.', `Presets: ${PRESET_NAMES.join(', ')}.`);
  if (opts.plan && opts.yes)
    throw new UsageError('--plan and --yes cannot be used together.', 'Use --plan to preview, or --yes to apply.');
  if (!/^[\w+=,.@-]{1,64}$/.test(opts.memberRole)) {
    throw new UsageError(
      `--member-role '${visibleText(opts.memberRole)}' is not an IAM role name.`,
      "Use 1-64 letters, digits and '+=,.@_-', e.g. OrganizationAccountAccessRole.",
    );
  }
  return opts;
}

async function loadFromOptions(opts: BootstrapOptions, deps: Deps): Promise<LoadedBlueprint> {
  const allowPlaceholders = opts.allowPlaceholders || opts.rehearse;
  if (opts.config)
    return loadBlueprint(resolve(deps.cwd, opts.config), {
      allowOutsideFiles: opts.allowOutsideFiles,
      allowPlaceholders,
    });
  if (opts.preset)
    return loadedFromBlueprint(preset(opts.preset), deps.cwd, `preset ${opts.preset}`, { allowPlaceholders });
  throw new UsageError(
    'Name the blueprint to bootstrap from.',
    `Pass --config FILE (an awsorg.yaml), or --preset NAME (${PRESET_NAMES.join(', ')}); \`awsorg bootstrap --preset standard --write awsorg.yaml\` gives you a file to edit.`,
  );
}

export async function run(opts: BootstrapOptions, deps: Deps): Promise<number> {
  if (opts.preset && opts.write) return writePreset(opts, deps);
  if (!opts.config && !opts.preset && !opts.plan && !opts.yes && !opts.json) {
    if (!deps.interactive) {
      throw new UsageError(
        'awsorg bootstrap without a blueprint opens the interactive wizard, which needs a terminal (stdin and stderr must both be a TTY).',
        'Run it headless: awsorg bootstrap --config FILE --yes to apply, or --config FILE --plan to preview (`awsorg bootstrap --preset standard --write awsorg.yaml` writes a file to start from).',
      );
    }
    return wizard(opts, deps);
  }

  // Validation happens here, before any AWS call.
  const loaded = await loadFromOptions(opts, deps);
  if (opts.allowPlaceholders && !opts.rehearse) warnPlaceholders(loaded, deps);
  if (!opts.plan && !opts.yes && !deps.interactive) {
    throw new UsageError(
      'Refusing to apply without confirmation: no terminal to ask on.',
      'Pass --yes to apply, or --plan to only show the changes.',
    );
  }

  if (opts.rehearse) return rehearse(loaded, opts, deps);
  return runLoaded(loaded, opts, deps, journalPathFor(loaded.file, deps.cwd));
}

/** --allow-placeholders outside a rehearsal: say what it let through, in case this is not an emulator. */
function warnPlaceholders(loaded: LoadedBlueprint, deps: Deps): void {
  const found = findPlaceholders(loaded.blueprint);
  if (found.length === 0) return;
  const shown =
    found
      .slice(0, 4)
      .map((f) => f.path)
      .join(', ') + (found.length > 4 ? `, and ${found.length - 4} more` : '');
  deps.stderr.write(
    terminalLines(
      `awsorg: --allow-placeholders accepts ${found.length} placeholder value${found.length === 1 ? '' : 's'} (${shown}). ` +
        'Against AWS they would create accounts whose root user nobody can recover: use the flag only against an emulator.\n',
    ),
  );
}

/** The Ink wizard, on the real account or (with --rehearse) against an emulator awsorg starts. */
async function wizard(opts: BootstrapOptions, deps: Deps): Promise<number> {
  // Ink and React take longest to load: start them first, so their file reads overlap ours.
  const [, { runWizard }, { WizardOperations }] = await Promise.all([
    import('ink'),
    import('../ui/wizard/run.js'),
    import('../ui/wizard/operations.js'),
  ]);
  if (!opts.rehearse)
    return runWizard(
      deps,
      new WizardOperations(deps, { omitTlsDeny: opts.omitTlsDeny, allowPlaceholders: opts.allowPlaceholders }),
    );
  const { startEmulator, rehearsalDeps } = await import('../aws/emulator.js');
  const workspace = await mkdtemp(join(tmpdir(), 'awsorg-rehearsal-'));
  let started = false;
  try {
    deps.stderr.write('awsorg: starting the local AWS emulator for the rehearsal…\n');
    const emulator = await startEmulator(deps);
    started = true;
    try {
      const rehearsal = rehearsalDeps(deps, emulator, workspace);
      // The console opened from the last screen runs inside this call, on the same emulator.
      return await runWizard(
        rehearsal,
        new WizardOperations(rehearsal, { rehearsal: { endpoint: emulator.endpoint, workspace } }),
      );
    } finally {
      await emulator.stop();
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
    // Said only now that it is true, after the summary and after the console.
    if (started) deps.stderr.write("awsorg: the rehearsal's emulator and its workspace are removed.\n");
  }
}

/**
 * The whole run against a local emulator: AWS configuration replaced by the emulator's, the
 * Terraform directory copied into a throw-away workspace (the real one and its state are never
 * touched), and a journal of its own, so a rehearsal can never be resumed as a real run.
 */
async function rehearse(loaded: LoadedBlueprint, opts: BootstrapOptions, deps: Deps): Promise<number> {
  const { startEmulator } = await import('../aws/emulator.js');
  const workspace = await mkdtemp(join(tmpdir(), 'awsorg-rehearsal-'));
  let finished = false;
  try {
    const emulator = await startEmulator(deps);
    try {
      deps.stderr.write(
        `REHEARSAL: against a local AWS emulator at ${emulator.endpoint}; nothing is sent to AWS, and your Terraform directory is copied, not changed.\n`,
      );
      const copy = rehearsalCopy(loaded, workspace);
      const rehearsalDeps = createDeps({
        env: emulator.environment(deps.env),
        signal: deps.signal,
        cwd: workspace,
        stdout: deps.stdout,
        stderr: deps.stderr,
        stdin: deps.stdin,
        interactive: deps.interactive,
        clock: deps.clock,
        random: deps.random,
        paths: deps.paths,
        spawn: deps.spawn,
      });
      // moto ignores aws:SecureTransport and would refuse every object call under the TLS-only statement.
      const code = await runLoaded(
        copy,
        { ...opts, omitTlsDeny: true },
        rehearsalDeps,
        join(workspace, 'awsorg.rehearsal.journal.json'),
      );
      finished = true;
      return code;
    } finally {
      await emulator.stop();
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
    if (finished && !opts.json)
      deps.stderr.write(
        `Rehearsal finished; the emulator and its workspace are removed. Run the same command without --rehearse to do it for real.\n`,
      );
  }
}

function rehearsalCopy(loaded: LoadedBlueprint, workspace: string): LoadedBlueprint {
  const terraform = loaded.blueprint.terraform;
  if (!terraform) return { ...loaded, baseDir: workspace };
  const source = resolve(loaded.baseDir, terraform.dir);
  if (existsSync(source)) cpSync(source, join(workspace, 'terraform'), { recursive: true });
  return {
    ...loaded,
    baseDir: workspace,
    blueprint: { ...loaded.blueprint, terraform: { ...terraform, dir: './terraform' } },
  };
}

async function runLoaded(
  loaded: LoadedBlueprint,
  opts: BootstrapOptions,
  deps: Deps,
  journalPath: string,
): Promise<number> {
  // Before any AWS call: a journal this run cannot use, or another run holding it, ends the run here.
  const journal = await Journal.open(journalPath, {
    readOnly: opts.plan || (!opts.yes && !deps.interactive),
    blueprint: loaded.file ?? `preset:${opts.preset}`,
    now: new Date(deps.clock.now()),
    command: commandLine(opts),
  });
  if (journal.recoveredLock) {
    deps.stderr.write(
      `awsorg: took over the lock on ${journalPath} left by an awsorg run that is no longer running (${describeHolder(journal.recoveredLock)}).\n`,
    );
  }
  const stats = { reads: 0, writes: 0, retries: 0 };
  const unsubscribe = deps.awsEvents.add((e) => {
    if (e.type === 'call') e.write ? stats.writes++ : stats.reads++;
    else if (e.type === 'retry') stats.retries++;
  });
  // The engine loads every step's SDK client, and the wizard's first frame must not wait for them.
  const { BootstrapEngine } = await import('../steps/engine.js');
  const session = deps.aws(loaded.blueprint.region);
  const engine = new BootstrapEngine({
    loaded,
    session,
    journal,
    clock: deps.clock,
    signal: deps.signal,
    options: {
      allowRoot: opts.allowRoot,
      memberRoleName: opts.memberRole,
      omitTlsDenyStatement: opts.omitTlsDeny,
      forceHandoff: opts.force,
    },
    spawn: deps.spawn,
    env: deps.env,
  });
  const source = loaded.file ?? `preset ${opts.preset}`;
  try {
    if (opts.plan) return await showPlan(engine, source, opts, deps, stats);
    return await apply(engine, journal, source, opts, deps, stats);
  } catch (err) {
    if (opts.json) {
      const e = err as AwsorgError;
      deps.stdout.write(
        JSON.stringify(
          {
            status: err instanceof CancelledError ? 'cancelled' : 'failed',
            error: e.message,
            nextStep: e.nextStep,
            journal: journalPath,
            calls: stats,
          },
          null,
          2,
        ) + '\n',
      );
    }
    if (opts.rehearse) {
      // The journal is in the rehearsal's workspace, which goes with the emulator: there is nothing to resume.
      if (!(err instanceof UsageError)) deps.stderr.write(`${REHEARSAL_RESTARTS}\n`);
      if (err instanceof CancelledError) throw new CancelledError(err.message, REHEARSAL_RESTARTS);
      throw err;
    }
    if (!opts.plan && !(err instanceof UsageError)) {
      deps.stderr.write(`Progress is saved in ${journalPath}; fix the problem and run the same command to resume.\n`);
    }
    throw err;
  } finally {
    unsubscribe();
    session.destroy();
    await journal.close();
  }
}

const REHEARSAL_RESTARTS =
  'A stopped rehearsal is not kept: its emulator and workspace are removed as it exits, and the same command starts afresh.';

/** The command line recorded in the journal's lock, for a second run's refusal. */
function commandLine(opts: BootstrapOptions): string {
  const source = opts.config ? `--config ${opts.config}` : `--preset ${opts.preset ?? ''}`;
  return `awsorg bootstrap ${source}${opts.yes ? ' --yes' : ''}${opts.rehearse ? ' --rehearse' : ''}`;
}

async function writePreset(opts: BootstrapOptions, deps: Deps): Promise<number> {
  const target = resolve(deps.cwd, opts.write!);
  if (existsSync(target) && !opts.force) {
    throw new UsageError(`${target} already exists.`, 'Choose another file name, or pass --force to overwrite it.');
  }
  await writeFile(target, presetYaml(opts.preset!), 'utf8');
  deps.stderr.write(
    `Wrote the ${opts.preset} preset to ${target}.\nReview it (bucket names must be globally unique), then run: awsorg bootstrap --config ${opts.write} --plan\n`,
  );
  return ExitCode.ok;
}

function planJson(plans: StepPlan[]) {
  return plans.map((p) => ({
    step: p.id,
    title: p.title,
    enabled: p.enabled,
    notes: p.notes,
    changes: p.changes.map((c) => ({
      key: c.key,
      calls: c.calls,
      summary: c.summary,
      ...(c.account ? { account: c.account } : {}),
      ...(c.diff ? { diff: c.diff } : {}),
    })),
  }));
}

async function showPlan(
  engine: BootstrapEngine,
  source: string,
  opts: BootstrapOptions,
  deps: Deps,
  stats: object,
): Promise<number> {
  const plans = await engine.plan();
  const total = countChanges(plans);
  if (opts.json) {
    deps.stdout.write(
      JSON.stringify(
        { status: total ? 'changes-pending' : 'converged', changes: total, steps: planJson(plans), calls: stats },
        null,
        2,
      ) + '\n',
    );
  } else {
    const who = engine.state.identity;
    deps.stdout.write(
      renderPlan(plans, { header: `Plan for ${source} in account ${who?.account ?? '?'} as ${who?.arn ?? '?'}` }),
    );
    if (opts.omitTlsDeny)
      deps.stdout.write(
        'Note: --omit-tls-deny leaves the aws:SecureTransport deny statement out of bucket policies.\n',
      );
    if (total) deps.stderr.write(`Apply with: ${applyCommand(opts)}\n`);
  }
  return total ? ExitCode.planHasChanges : ExitCode.ok;
}

/**
 * The apply that goes with a plan: the same flags, with --yes in place of --plan. A flag such as
 * --omit-tls-deny changes the plan, so an apply without it would do something else than was shown.
 */
export function applyCommand(opts: BootstrapOptions): string {
  return [
    'awsorg bootstrap',
    opts.config ? `--config ${opts.config}` : `--preset ${opts.preset}`,
    '--yes',
    ...(opts.rehearse ? ['--rehearse'] : []),
    ...(opts.allowRoot ? ['--allow-root'] : []),
    ...(opts.memberRole !== DEFAULT_MEMBER_ROLE ? [`--member-role ${opts.memberRole}`] : []),
    ...(opts.omitTlsDeny ? ['--omit-tls-deny'] : []),
    ...(opts.allowOutsideFiles ? ['--allow-outside-files'] : []),
  ].join(' ');
}

async function confirm(deps: Deps, question: string): Promise<boolean> {
  const rl = createInterface({ input: deps.stdin, output: deps.stderr as NodeJS.WritableStream });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function apply(
  engine: BootstrapEngine,
  journal: Journal,
  source: string,
  opts: BootstrapOptions,
  deps: Deps,
  stats: { reads: number; writes: number; retries: number },
): Promise<number> {
  if (journal.resumed) {
    const inFlight = journal.interruptedChanges();
    deps.stderr.write(
      `Resuming an interrupted run from ${journal.path}${inFlight.length ? ` (in flight: ${inFlight.join(', ')})` : ''}.\n`,
    );
  }
  if (!opts.yes) {
    // Interactive without --yes: show the plan and ask first.
    const plans = await engine.plan();
    const total = countChanges(plans);
    deps.stderr.write(renderPlan(plans, { header: `Plan for ${source}` }));
    if (total === 0) return ExitCode.ok;
    if (!(await confirm(deps, `Apply these ${total} changes? Type "yes" to continue: `))) {
      throw new CancelledError('Nothing was applied.');
    }
  }
  const { plainListener, runWithListr } = await import('../ui/progress.js');
  const started = deps.clock.now();
  const useListr = deps.interactive && !opts.json && Boolean(deps.stderr.isTTY);
  let result;
  // Per-step wall time for --json (the plain listener is the one used with --json).
  const stepElapsedMs = new Map<string, number>();
  if (useListr) {
    await runWithListr(
      engine,
      (fn) => deps.awsEvents.add((e) => e.type === 'retry' && fn(e)),
      deps.stderr as NodeJS.WriteStream,
    );
    result = await engine.finish();
  } else {
    const plain = plainListener(deps.stderr);
    const listener: typeof plain = {
      ...plain,
      stepDone(step, elapsed) {
        stepElapsedMs.set(step.id, elapsed);
        plain.stepDone?.(step, elapsed);
      },
    };
    const off = deps.awsEvents.add((e: AwsEvent) => e.type === 'retry' && listener.retry(e));
    try {
      result = await engine.apply(listener);
    } finally {
      off();
    }
  }
  const applied = result.steps.reduce((n, s) => n + s.applied.length, 0);
  const accounts = Object.fromEntries(result.state.accountIds);
  const elapsedMs = deps.clock.now() - started;
  if (opts.json) {
    deps.stdout.write(
      JSON.stringify(
        {
          status: 'converged',
          changesApplied: applied,
          organizationId: result.state.organizationId,
          managementAccountId: result.state.managementAccountId ?? result.state.identity?.account,
          rootId: result.state.rootId,
          accounts,
          organizationalUnits: Object.fromEntries(result.state.ouIds),
          steps: result.steps.map((s) => (stepElapsedMs.has(s.id) ? { ...s, elapsedMs: stepElapsedMs.get(s.id) } : s)),
          calls: stats,
          elapsedMs,
          journal: journal.path,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const lines = [
      applied
        ? `Converged: ${applied} change${applied === 1 ? '' : 's'} applied in ${(elapsedMs / 1000).toFixed(1)}s (${stats.writes} write calls, ${stats.retries} retries).`
        : 'Converged: nothing to change.',
      `Organization ${result.state.organizationId ?? '?'}, management account ${result.state.managementAccountId ?? result.state.identity?.account ?? '?'}.`,
      ...Object.entries(accounts).map(([name, id]) => `  account ${name.padEnd(20)} ${id}`),
    ];
    deps.stdout.write(lines.join('\n') + '\n');
  }
  return ExitCode.ok;
}
