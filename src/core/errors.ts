/**
 * One error hierarchy for the whole tool. `src/cli.ts` maps these to exit codes in one place;
 * nothing else decides how the process ends.
 */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  planHasChanges: 3,
  credentials: 4,
  cancelled: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class AwsorgError extends Error {
  readonly exitCode: number = ExitCode.failed;
  /** What the user can do about it, in one sentence. */
  readonly nextStep: string | undefined;
  constructor(message: string, nextStep?: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options);
    this.name = new.target.name;
    this.nextStep = nextStep;
    if (options?.exitCode !== undefined) this.exitCode = options.exitCode;
  }
}

/** Bad flags or arguments. Nothing was changed. */
export class UsageError extends AwsorgError {
  override readonly exitCode = ExitCode.usage;
}

export interface ValidationIssue {
  /** Dotted field path inside the blueprint, e.g. `accounts[2].email`. */
  path: string;
  message: string;
  /** How to fix it. */
  fix: string;
}

/** The blueprint (or another input file) is invalid. Raised before any AWS call. */
export class ValidationError extends AwsorgError {
  override readonly exitCode = ExitCode.usage;
  readonly issues: ValidationIssue[];
  constructor(source: string, issues: ValidationIssue[]) {
    super(
      `${source} is invalid (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.path}: ${i.message}. Fix: ${i.fix}`).join('\n'),
      'Correct the fields above and run the command again; nothing was changed in AWS.',
    );
    this.issues = issues;
  }
}

/** Credentials are missing, expired or refused. */
export class CredentialsError extends AwsorgError {
  override readonly exitCode = ExitCode.credentials;
}

/** The operator (or a signal) cancelled the run. */
export class CancelledError extends AwsorgError {
  override readonly exitCode = ExitCode.cancelled;
}

/**
 * The state of AWS does not allow the run to continue (root user without --allow-root, a member
 * account, consolidated-billing-only organization, a name owned by someone else, ...).
 */
export class PreconditionError extends AwsorgError {}

/** An AWS API call failed after retries. */
export class AwsCallError extends AwsorgError {
  override readonly exitCode: ExitCode;
  readonly service: string;
  readonly action: string;
  readonly code: string;
  readonly account: string | undefined;
  readonly principalArn: string | undefined;
  /** The service's own message, without awsorg's prefix. */
  readonly awsMessage: string;
  constructor(opts: {
    service: string;
    action: string;
    account: string | undefined;
    principalArn: string | undefined;
    code: string;
    message: string;
    nextStep?: string;
    credentials?: boolean;
    cause?: unknown;
  }) {
    const where = `in account ${opts.account ?? 'unknown'} as ${opts.principalArn ?? 'unknown principal'}`;
    super(`${opts.service}:${opts.action} failed ${where}: ${opts.code}: ${opts.message}`, opts.nextStep, {
      cause: opts.cause,
    });
    this.service = opts.service;
    this.action = opts.action;
    this.code = opts.code;
    this.account = opts.account;
    this.principalArn = opts.principalArn;
    this.awsMessage = opts.message;
    this.exitCode = opts.credentials ? ExitCode.credentials : ExitCode.failed;
  }

  /** The same failure with a next step that knows more about the cause than the call did. */
  withNextStep(nextStep: string): AwsCallError {
    return new AwsCallError({
      service: this.service,
      action: this.action,
      account: this.account,
      principalArn: this.principalArn,
      code: this.code,
      message: this.awsMessage,
      nextStep,
      credentials: this.exitCode === ExitCode.credentials,
      cause: this.cause,
    });
  }
}
