import type { AwsSession, CallerIdentity } from '../aws/session.js';
import type { Clock } from '../aws/deps.js';
import type { LoadedBlueprint } from '../core/blueprint.js';
import type { Journal } from '../core/journal.js';

export type StepId =
  | 'identity'
  | 'organization'
  | 'organizational-units'
  | 'accounts'
  | 'guardrails'
  | 'state-backend'
  | 'ci-oidc'
  | 'organization-trail'
  | 'terraform-handoff'
  | 'migrate-state'
  | 'handoff-verify';

/** One planned write. `plan` is pure, so a change carries everything `apply` needs to know. */
export interface Change<D = unknown> {
  /** Stable within a blueprint; the journal records progress under this key. */
  key: string;
  /** The exact API calls, primary first: `organizations:CreateAccount`, ... */
  calls: string[];
  /** One line for a person: "Create account production (aws+production@example.com) in Workloads/Production". */
  summary: string;
  /** Account the change runs in (id or blueprint name), when it is not the management account. */
  account?: string;
  /** Unified diff of a policy document, when the change writes one. */
  diff?: string;
  data: D;
}

/** What steps learn about the organization and share with later steps during one run. */
export interface OrganizationState {
  identity?: CallerIdentity;
  organizationId?: string;
  managementAccountId?: string;
  rootId?: string;
  /** OU path (`Workloads/Production`) -> OU id. */
  ouIds: Map<string, string>;
  /** Blueprint account name -> account id. */
  accountIds: Map<string, string>;
}

export interface StepOptions {
  allowRoot: boolean;
  /** Role assumed in member accounts. */
  memberRoleName: string;
  /**
   * Leave the TLS-only statement out of bucket policies. Only for emulators that serve plain
   * HTTP: moto enforces the aws:SecureTransport deny and then refuses every object call.
   */
  omitTlsDenyStatement: boolean;
  /** `--force`: regenerate hand-off files the user edited (never a file without awsorg's marker). */
  forceHandoff?: boolean;
}

export interface StepContext {
  loaded: LoadedBlueprint;
  /** Session in the management account (the caller). */
  session: AwsSession;
  /** Session in `management` or a blueprint account (by name), via the member role. */
  sessionFor(account: string): Promise<AwsSession>;
  state: OrganizationState;
  journal: Journal;
  clock: Clock;
  signal: AbortSignal;
  options: StepOptions;
  /** A progress note for the current change (shown by the progress renderer). */
  note(message: string): void;
  /** Run a command-line tool (terraform / tofu). */
  spawn: typeof import('node:child_process').spawn;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Observe and plan the steps that build the organization again (read-only) and return what
   * they would change: empty when AWS matches the blueprint. The hand-off uses it to tell drift
   * from a gap in its generated code.
   */
  pendingChanges?(): Promise<string[]>;
}

export interface Step<O = unknown, D = unknown> {
  id: StepId;
  title: string;
  /** Whether the blueprint asks for this step at all (e.g. no `ciOidc` section). */
  enabled(loaded: LoadedBlueprint): boolean;
  /** Read-only calls that describe what exists now. Records ids in `ctx.state`. */
  observe(ctx: StepContext): Promise<O>;
  /** Pure: the changes that take `observed` to the blueprint. May throw a PreconditionError. */
  plan(observed: O, loaded: LoadedBlueprint, options: StepOptions): Change<D>[];
  apply(change: Change<D>, ctx: StepContext): Promise<void>;
  /** Read back after apply; throws when the result is not what the blueprint asks for. */
  verify?(ctx: StepContext): Promise<void>;
  /**
   * Read-only checks that must pass before a run writes anything at all (the engine runs them
   * for every enabled step before the first step is observed). Throws to stop the run.
   */
  preflight?(ctx: StepContext): Promise<void>;
  /** How many changes of this step may be applied at once (default 1). */
  concurrency?: number;
  /** Notes for the plan output that are not changes ("no local state in ./bootstrap"). */
  notes?(observed: O): string[];
}
