/**
 * Runbooks are data: an id, a title, when to use them and when not to, parameters, and steps.
 * The built-in ones are typed TS data (builtin.ts); a team's own are YAML files of the same
 * shape. A step names an *operation* from the registry (operations/*.ts): the code that reads
 * AWS, computes the exact request, and declares the rollback. Requests are plain data
 * (`AwsRequest`), so the transcript records exactly what was sent and a rollback can be replayed
 * from the transcript alone.
 */
import type { AwsSession, ServiceName } from '../aws/session.js';

export type StepKind = 'check' | 'action' | 'manual' | 'verify';

export type ParamKind =
  | 'account'
  | 'role-name'
  | 'user-name'
  | 'access-key-id'
  | 'bucket'
  | 'arn'
  | 'text'
  | 'mfa-code';

export interface ParamSpec {
  /** The flag name without dashes: `--role-name R`. */
  name: string;
  kind: ParamKind;
  description: string;
  required: boolean;
  default?: string;
  /** Never written to the transcript (an MFA code); the record says "[redacted]". */
  secret?: boolean;
}

/**
 * Where a step runs. Each value is explicit; `{{param}}` refers to a parameter (after
 * resolution `{{account}}` is a 12-digit id) and `{{management}}` to the organization's
 * management account. `role: signed-in` means the operator's own sign-in, which must then be in
 * that account. Nothing comes from AWS_PROFILE or AWS_REGION.
 */
export interface RunsAs {
  account: string;
  role: string;
  region: string;
}

export interface StepDef {
  id: string;
  kind: StepKind;
  title: string;
  /** What the step will do, in the operator's words; shown before it runs. */
  does: string;
  /** check/action/verify: the operation (registry key) that implements it. */
  operation?: string;
  /** Not for manual steps. */
  runsAs?: RunsAs;
  /** check: a failure is reported and the run goes on (drills); otherwise a failed check stops the run. */
  continueOnFail?: boolean;
  /** verify: how long to poll before giving up (default 60 s). */
  timeoutSeconds?: number;
  /** manual: the question the operator answers by typing an acknowledgement. */
  prompt?: string;
}

export interface Runbook {
  id: string;
  title: string;
  description: string;
  whenToUse: string[];
  whenNotToUse: string[];
  params: ParamSpec[];
  steps: StepDef[];
  /** Shown (and recorded) when the run ends: what the operator still has to do. */
  followUps?: string[];
  /** Where the runbook came from: "built-in" or a file path. */
  source?: string;
}

/** One AWS API call as data: what the transcript records and what a rollback replays. */
export interface AwsRequest {
  service: ServiceName;
  /** The API action without "Command", e.g. MoveAccount. */
  action: string;
  input: Record<string, unknown>;
}

export interface Where {
  account: string;
  role: string;
  region: string;
}

export interface Operator {
  arn: string;
  /** For RoleSessionName / SourceIdentity. */
  name: string;
}

export interface OrganizationFacts {
  id: string;
  managementAccountId: string;
  rootId: string;
}

/** What an operation sees while it runs. */
export interface StepContext {
  incident: string;
  runbook: string;
  step: string;
  /** Parameters after resolution (account names -> ids, defaults applied). */
  params: Readonly<Record<string, string>>;
  where: Where;
  /** The session pinned to `where` (its account was checked before the step ran). */
  session: AwsSession;
  /** A session in another account, as that account's `role`, for operations that fan out (drills). */
  sessionFor(account: string, role: string, region?: string): Promise<AwsSession>;
  operator: Operator;
  organization(): Promise<OrganizationFacts>;
  /** Values earlier steps produced (`outputs`), shared across steps and across a dry run's placeholders. */
  outputs: Record<string, string>;
  now(): Date;
  signal: AbortSignal;
  dryRun: boolean;
  /**
   * A value the operator types (an MFA code): from its parameter when given, else asked on the
   * terminal (masked), else a usage error naming the flag.
   */
  input(param: string, label: string): Promise<string>;
  /**
   * Hand the operator a shell with these credentials once the run has ended (break-glass
   * sessions). The credentials stay in memory; the transcript records only who, where and when.
   */
  handoff(shell: ShellHandoff): void;
  /**
   * Credentials (or any secret) a step obtains while it runs, such as an MFA or role session:
   * from now on every record is scrubbed of them, under whatever key they appear.
   */
  registerSecrets(values: readonly (string | undefined)[]): void;
}

export interface ShellHandoff {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
  account: string;
  role: string;
  region: string;
  /** The assumed role session's ARN, for the transcript and the prompt. */
  arn: string;
}

export interface CheckOutcome {
  ok: boolean;
  /** One line: what was found. */
  summary: string;
  /** Per-item results (drills): each passes or fails on its own. */
  items?: { name: string; ok: boolean; detail: string }[];
  /** Recorded in the transcript (after redaction). */
  detail?: unknown;
  /** A failed check that means the runbook must not run here at all: exit 2, nothing changed. */
  refusal?: { message: string; nextStep: string };
  /** Values for later steps. */
  outputs?: Record<string, string>;
}

export interface CheckOperation {
  kind: 'check';
  /** The read calls it makes, for `runbook show`. */
  reads: string[];
  run(ctx: StepContext): Promise<CheckOutcome>;
}

export interface VerifyOperation {
  kind: 'verify';
  reads: string[];
  /** One probe; the runner repeats it until `ok` or the timeout. */
  probe(ctx: StepContext): Promise<CheckOutcome>;
}

/** The rollback an action declares: requests to replay, or why there is none. */
export type Rollback = { requests: AwsRequest[]; does: string } | { none: string };

export interface ActionOperation {
  kind: 'action';
  /** The exact `service:Action` it sends, e.g. organizations:MoveAccount. */
  call: string;
  reads: string[];
  /** For `runbook show`: the call that undoes it, or why nothing can. */
  rollbackCall: string;
  /** Read the state the action will change. Refusals are thrown as UsageError before any write. */
  capture(ctx: StepContext): Promise<unknown>;
  /** Pure: the requests to send given the captured state. Empty when the change is already in place. */
  plan(ctx: StepContext, prior: unknown): AwsRequest[];
  /**
   * Send the planned requests. Defaults to sending them in order through `sendRequest`; an
   * operation overrides it when it must shape a response (never a secret into the transcript) or
   * use one in the next request. Push each response onto `sent` as it arrives, so a failure
   * half-way still records (and can roll back) what took effect.
   */
  apply?(ctx: StepContext, requests: AwsRequest[], sent: unknown[]): Promise<unknown[]>;
  /** Pure: the rollback, from the prior state and the responses (empty requests when nothing was sent). */
  rollback(ctx: StepContext, prior: unknown, responses: unknown[]): Rollback;
  /** Values for later steps, from the prior state (and the responses after a real run). */
  outputs?(ctx: StepContext, prior: unknown, responses: unknown[]): Record<string, string>;
  /**
   * Read only: whether the change these requests make is in AWS now. `runbook rollback` asks it
   * when awsorg stopped while sending them (a `sending` record with no outcome), to undo the
   * change only if it took effect. An operation with a rollback should have it; without it, the
   * rollback tells the operator what to check instead.
   */
  inEffect?(ctx: StepContext, prior: unknown, requests: AwsRequest[]): Promise<boolean>;
}

export type Operation = CheckOperation | VerifyOperation | ActionOperation;

/** What the runner shows a front end before an action, and asks it to confirm. */
export interface ActionView {
  index: number;
  step: StepDef;
  where: Where;
  requests: AwsRequest[];
  prior: unknown;
  rollback: Rollback;
}

export interface ManualView {
  index: number;
  step: StepDef;
}

export type StepStatus =
  | 'pending'
  | 'running'
  | 'passed'
  | 'failed'
  | 'applied'
  | 'unchanged'
  | 'skipped'
  | 'planned'
  | 'acknowledged'
  | 'declined';

export type RunEvent =
  | { type: 'step-start'; index: number }
  | { type: 'step-end'; index: number; status: StepStatus; summary: string; items?: CheckOutcome['items'] }
  | { type: 'poll'; index: number; attempt: number; elapsedMs: number; summary: string }
  | { type: 'aws'; index: number; call: string };

/**
 * A front end: the Ink screen on a terminal, or the headless one (`--yes`). The runner is the
 * same for both, so interactive and scripted runs behave the same.
 */
export interface RunbookHost {
  event(e: RunEvent): void;
  /** Resolve true to send the requests, false to stop the run there. */
  confirmAction(view: ActionView): Promise<boolean>;
  /** The operator's acknowledgement text (required) and an optional note; undefined stops the run. */
  acknowledge(view: ManualView): Promise<{ text: string; note?: string } | undefined>;
  /** A masked value typed by the operator; undefined when this front end cannot ask. */
  ask?(label: string): Promise<string | undefined>;
}

export interface RunbookScreenInput {
  mode: 'run' | 'rollback';
  runbook: { id: string; title: string };
  incident: string;
  dryRun: boolean;
  rehearsal: boolean;
  /**
   * A rehearsal's transcript lives in the emulator's workspace, which is removed when the
   * rehearsal ends: where it is copied to then. Unset in a rehearsal, it is discarded with it.
   */
  keptTranscript?: string;
  steps: { id: string; title: string; kind: StepKind; does: string; where?: Where; call?: string }[];
}
