/**
 * The bootstrap engine: runs the steps in order, planning each against what exists, applying
 * and journaling each change, and checking convergence. It has no UI; front ends (plain lines,
 * listr2, the Ink wizard) subscribe through `EngineListener`.
 */
import type { AwsSession } from '../aws/session.js';
import type { LoadedBlueprint } from '../core/blueprint.js';
import type { Clock } from '../aws/deps.js';
import { AwsorgError, CancelledError, PreconditionError } from '../core/errors.js';
import type { Journal } from '../core/journal.js';
import { accountsStep } from './accounts.js';
import { ciOidcStep } from './ci-oidc.js';
import { guardrailsStep } from './guardrails.js';
import { identityStep } from './identity.js';
import { migrateStateStep } from './migrate-state.js';
import { organizationStep } from './organization.js';
import { organizationTrailStep } from './organization-trail.js';
import { organizationalUnitsStep } from './organizational-units.js';
import { stateBackendStep } from './state-backend.js';
import { handoffVerifyStep, terraformHandoffStep } from './terraform-handoff.js';
import { mapLimit, partitionOf } from './support.js';
import type { Change, OrganizationState, Step, StepContext, StepId, StepOptions } from './types.js';

/** A step of any observed/planned shape: the engine runs a heterogeneous list of them. */
// biome-ignore lint/suspicious/noExplicitAny: each step has its own observation and plan types; the engine only passes them between a step's own methods.
export type AnyStep = Step<any, any>;

export const STEPS: AnyStep[] = [
  identityStep,
  organizationStep,
  organizationalUnitsStep,
  accountsStep,
  guardrailsStep,
  stateBackendStep,
  ciOidcStep,
  organizationTrailStep,
  terraformHandoffStep,
  migrateStateStep,
  handoffVerifyStep,
];

/** Steps that work on the Terraform directory rather than build the organization. */
const TERRAFORM_STEPS = new Set<StepId>(['terraform-handoff', 'migrate-state', 'handoff-verify']);

export interface StepPlan {
  id: StepId;
  title: string;
  enabled: boolean;
  changes: Change[];
  notes: string[];
}

export interface EngineListener {
  stepStarted?(step: Step, phase: 'observe' | 'apply' | 'verify'): void;
  stepPlanned?(step: Step, plan: StepPlan): void;
  changeStarted?(step: Step, change: Change): void;
  changeNote?(step: Step, change: Change, message: string): void;
  changeDone?(step: Step, change: Change, elapsedMs: number): void;
  changeFailed?(step: Step, change: Change, error: unknown): void;
  stepDone?(step: Step, elapsedMs: number): void;
}

export interface EngineInput {
  loaded: LoadedBlueprint;
  session: AwsSession;
  journal: Journal;
  clock: Clock;
  signal: AbortSignal;
  options: StepOptions;
  spawn: StepContext['spawn'];
  env: StepContext['env'];
  steps?: AnyStep[];
  /** What an earlier engine of the same run learned (ids), for a front end that runs steps in parts. */
  state?: OrganizationState;
}

export interface ApplyResult {
  steps: Array<{
    id: StepId;
    title: string;
    applied: Array<{ key: string; summary: string; calls: string[] }>;
    notes: string[];
  }>;
  state: OrganizationState;
}

const VERIFY_ATTEMPTS = 4;

export class BootstrapEngine {
  readonly state: OrganizationState;
  private readonly steps: AnyStep[];
  private readonly memberSessions = new Map<string, AwsSession>();

  constructor(private readonly input: EngineInput) {
    this.steps = input.steps ?? STEPS;
    this.state = input.state ?? { ouIds: new Map(), accountIds: new Map() };
  }

  private context(note: (message: string) => void = () => undefined): StepContext {
    const { input } = this;
    return {
      loaded: input.loaded,
      session: input.session,
      sessionFor: (account) => this.sessionFor(account),
      state: this.state,
      journal: input.journal,
      clock: input.clock,
      signal: input.signal,
      options: input.options,
      note,
      spawn: input.spawn,
      env: input.env,
      pendingChanges: async () => {
        const summaries: string[] = [];
        for (const step of this.enabledSteps()) {
          if (TERRAFORM_STEPS.has(step.id)) continue;
          const plan = await this.observeAndPlan(step, this.context());
          summaries.push(...plan.changes.map((c) => c.summary));
        }
        return summaries;
      },
    };
  }

  /** The management session, or a session in a blueprint account through its member role. */
  private async sessionFor(account: string): Promise<AwsSession> {
    if (account === 'management') return this.input.session;
    const accountId = this.state.accountIds.get(account);
    if (!accountId)
      throw new PreconditionError(
        `Account ${account} does not exist yet.`,
        'Run bootstrap again; the accounts step creates it.',
      );
    if (accountId === this.state.identity?.account) return this.input.session;
    let session = this.memberSessions.get(accountId);
    if (!session) {
      const roleArn = `arn:${partitionOf(this.state.identity?.arn)}:iam::${accountId}:role/${this.input.options.memberRoleName}`;
      // New accounts' roles take a few minutes to become assumable; keep trying that long.
      session = this.input.session.assumeRole(roleArn, 'awsorg-bootstrap', {
        region: this.input.loaded.blueprint.region,
        retryAccessDeniedForMs: 5 * 60_000,
      });
      this.memberSessions.set(accountId, session);
    }
    return session;
  }

  enabledSteps(): AnyStep[] {
    return this.steps.filter((s) => s.enabled(this.input.loaded));
  }

  private async observeAndPlan(step: Step, ctx: StepContext): Promise<StepPlan> {
    const observed = await step.observe(ctx);
    return {
      id: step.id,
      title: step.title,
      enabled: true,
      changes: step.plan(observed, this.input.loaded, this.input.options),
      notes: step.notes?.(observed) ?? [],
    };
  }

  /** Every enabled step's read-only pre-flight check (the hand-off's file ownership), before any write. */
  async preflight(): Promise<void> {
    const ctx = this.context();
    for (const step of this.enabledSteps()) await step.preflight?.(ctx);
  }

  /** Observe and plan every step. Makes no write call. */
  async plan(listener: EngineListener = {}): Promise<StepPlan[]> {
    const plans: StepPlan[] = [];
    const ctx = this.context();
    await this.preflight();
    for (const step of this.steps) {
      if (!step.enabled(this.input.loaded)) {
        plans.push({ id: step.id, title: step.title, enabled: false, changes: [], notes: ['Not in the blueprint.'] });
        continue;
      }
      listener.stepStarted?.(step, 'observe');
      const plan = await this.observeAndPlan(step, ctx);
      listener.stepPlanned?.(step, plan);
      plans.push(plan);
    }
    return plans;
  }

  /** Observe, plan, apply and verify each step in order, journaling every change. */
  async apply(listener: EngineListener = {}): Promise<ApplyResult> {
    await this.begin();
    for (const step of this.enabledSteps()) await this.applyStep(step, listener);
    return this.finish();
  }

  private outcomes: ApplyResult['steps'] = [];

  /** Start an apply run (front ends that drive steps one by one call begin, applyStep..., finish). */
  async begin(): Promise<void> {
    this.outcomes = [];
    await this.preflight();
    await this.input.journal.update((j) => {
      j.runs += 1;
      delete j.completedAt;
    });
  }

  async applyStep(step: Step, listener: EngineListener = {}): Promise<void> {
    const { clock } = this.input;
    const started = clock.now();
    listener.stepStarted?.(step, 'observe');
    const plan = await this.observeAndPlan(step, this.context());
    const { changes, notes } = plan;
    listener.stepPlanned?.(step, plan);
    if (changes.length > 0) {
      listener.stepStarted?.(step, 'apply');
      await mapLimit(changes, step.concurrency ?? 1, (change) => this.applyChange(step, change, listener));
      listener.stepStarted?.(step, 'verify');
      await this.verifyConverged(step);
    }
    await step.verify?.(this.context());
    this.outcomes.push({
      id: step.id,
      title: step.title,
      applied: changes.map((c) => ({ key: c.key, summary: c.summary, calls: c.calls })),
      notes,
    });
    listener.stepDone?.(step, clock.now() - started);
  }

  async finish(): Promise<ApplyResult> {
    await this.input.journal.update((j) => {
      j.completedAt = new Date(this.input.clock.now()).toISOString();
    });
    return { steps: this.outcomes, state: this.state };
  }

  private async applyChange(step: Step, change: Change, listener: EngineListener): Promise<void> {
    const { journal, clock, signal } = this.input;
    if (signal.aborted) {
      throw new CancelledError(
        `Stopped before: ${change.summary}.`,
        'Progress is saved in the journal; run the same command again to resume.',
      );
    }
    const started = clock.now();
    await journal.markChange(change.key, 'started', new Date(started));
    listener.changeStarted?.(step, change);
    try {
      await step.apply(
        change,
        this.context((message) => listener.changeNote?.(step, change, message)),
      );
    } catch (err) {
      await journal.markChange(
        change.key,
        'failed',
        new Date(clock.now()),
        err instanceof Error ? err.message : String(err),
      );
      listener.changeFailed?.(step, change, err);
      throw err;
    }
    await journal.markChange(change.key, 'done', new Date(clock.now()));
    listener.changeDone?.(step, change, clock.now() - started);
  }

  /**
   * After applying, observe again: the step must now plan nothing. AWS reads are eventually
   * consistent, so a leftover change is re-checked a few times before it counts as a failure.
   */
  private async verifyConverged(step: Step): Promise<void> {
    let remaining: Change[] = [];
    for (let attempt = 1; attempt <= VERIFY_ATTEMPTS; attempt++) {
      remaining = (await this.observeAndPlan(step, this.context())).changes;
      if (remaining.length === 0) return;
      await this.input.clock.sleep(500 * 2 ** attempt, this.input.signal);
    }
    throw new AwsorgError(
      `${step.title}: after applying, AWS still differs from the blueprint: ${remaining.map((c) => c.summary).join('; ')}.`,
      'Run bootstrap again; if the same difference remains, something outside awsorg is changing it back.',
    );
  }
}
