/**
 * Everything a run needs before its first step, checked before any write: parameters (accounts
 * resolved against the inventory), the operator's identity, the organization, and for every
 * step its pinned account, role and region with a session opened and checked against it.
 *
 * Sessions: `role: signed-in` is the operator's own sign-in, and must already be in the step's
 * account; any other role is assumed from the sign-in with RoleSessionName = the incident id and
 * SourceIdentity = the operator, so CloudTrail ties every call to the incident.
 */
import { DescribeOrganizationCommand, ListRootsCommand } from '@aws-sdk/client-organizations';
import { sessionNameFromArn } from '../assume/operator.js';
import type { AwsSession } from '../aws/session.js';
import type { Deps } from '../aws/deps.js';
import { UsageError } from '../core/errors.js';
import { fillTemplate, templateNames, validateParams } from './params.js';
import type {
  Operation,
  Operator,
  OrganizationFacts,
  RunbookHost,
  Runbook,
  ShellHandoff,
  StepContext,
  StepDef,
  Where,
} from './types.js';

export interface PreparedStep {
  def: StepDef;
  /** Resolved before the run, or at the step when it depends on an earlier step's output. */
  where?: Where;
  operation?: Operation;
  recordKind: 'check' | 'action' | 'manual' | 'verify' | 'rollback';
  /** For rollback steps: the hash of the action record being undone. */
  undoes?: string;
}

export interface PreparedRun {
  mode: 'run' | 'rollback';
  runbook: Runbook;
  incident: string;
  dryRun: boolean;
  /** Parameter values (in memory only; secrets are never recorded). */
  params: Record<string, string>;
  /** What the transcript and the screen show: secret values hidden, accounts with their names. */
  displayParams: Record<string, string>;
  operator: Operator;
  followUps: string[];
  outputs: Record<string, string>;
  steps: PreparedStep[];
  /** Shells to open after the run ends (break-glass-session). */
  handoffs: ShellHandoff[];
  contextFor(step: PreparedStep, host: RunbookHost, outputs: Record<string, string>): Promise<StepContext>;
}

export interface Sessions {
  operator(): Promise<Operator>;
  organization(): Promise<OrganizationFacts>;
  sessionFor(account: string, role: string, region: string): Promise<AwsSession>;
  /** Values no transcript record may carry from now on (credentials obtained during the run). */
  registerSecrets(values: readonly (string | undefined)[]): void;
}

/** The AWS side of a run: the operator's sign-in, the organization, and pinned sessions. */
export function runSessions(
  deps: Deps,
  incident: string,
  registerSecrets: (values: readonly (string | undefined)[]) => void,
): Sessions {
  const base = (region: string) => deps.aws(region);
  let operatorPromise: Promise<Operator> | undefined;
  let orgPromise: Promise<OrganizationFacts> | undefined;
  const sessions = new Map<string, Promise<AwsSession>>();
  const remember = async (session: AwsSession) => {
    const c = await session.resolveCredentials().catch(() => undefined);
    registerSecrets([c?.secretAccessKey, c?.sessionToken]);
  };
  const api: Sessions = {
    registerSecrets,
    operator() {
      operatorPromise ??= (async () => {
        const session = base('us-east-1');
        const identity = await session.identity();
        await remember(session);
        return { arn: identity.arn, name: sessionNameFromArn(identity.arn, 'operator') };
      })();
      return operatorPromise;
    },
    organization() {
      orgPromise ??= (async () => {
        const session = base('us-east-1');
        const org = (await session.send('organizations', new DescribeOrganizationCommand({}))).Organization;
        const roots = await session.send('organizations', new ListRootsCommand({}));
        return {
          id: org?.Id ?? '',
          managementAccountId: org?.MasterAccountId ?? '',
          rootId: roots.Roots?.[0]?.Id ?? '',
        };
      })();
      return orgPromise;
    },
    sessionFor(account, role, region) {
      const key = `${account}|${role}|${region}`;
      let session = sessions.get(key);
      if (!session) {
        session = openPinned(account, role, region);
        sessions.set(key, session);
        session.catch(() => sessions.delete(key));
      }
      return session;
    },
  };
  async function openPinned(account: string, role: string, region: string): Promise<AwsSession> {
    const signedIn = base(region);
    const me = await signedIn.identity();
    await remember(signedIn);
    if (role === 'signed-in') {
      if (me.account !== account) {
        throw new UsageError(
          `this step runs in account ${account} as your own sign-in, but you are signed in to account ${me.account} (${me.arn})`,
          `Sign in to account ${account} (for the management account: its break-glass user or an administrator role there) and run again; nothing was changed.`,
        );
      }
      return signedIn;
    }
    // Already signed in as that role in that account: use the sign-in itself (role chaining would add nothing).
    if (me.account === account && me.arn.split(':')[5]?.startsWith(`assumed-role/${role}/`)) return signedIn;
    const partition = me.arn.split(':')[1] || 'aws';
    const operator = await api.operator();
    const session = signedIn.assumeRole(`arn:${partition}:iam::${account}:role/${role}`, incident, {
      region,
      sourceIdentity: operator.name,
    });
    const identity = await session.identity();
    if (identity.account !== account) {
      throw new UsageError(
        `assuming ${role} in ${account} gave a session in account ${identity.account}`,
        'Check the role and account names; nothing was changed.',
      );
    }
    await remember(session);
    return session;
  }
  return api;
}

export interface PrepareOptions {
  dryRun: boolean;
  /** A rehearsal: it rolls back by itself, so its follow-ups, like a dry run's, are for a real run. */
  rehearsal?: boolean;
  /** Resolves an account parameter (alias, id or name) to its id and a display name. */
  resolveAccount(value: string): Promise<{ id: string; name: string }>;
  operations: Readonly<Record<string, Operation>>;
  sessions: Sessions;
}

/**
 * The runbook's follow-ups with their templates filled. A dry run changed nothing, and a
 * rehearsal changed only its emulator (and rolls back by itself), so there is nothing to
 * investigate, rotate or roll back afterwards: each line says it applies after a real run
 * (`rollback INC` after a dry run finds nothing to undo).
 */
export function followUpLines(
  runbook: Runbook,
  values: Readonly<Record<string, string | undefined>>,
  notReal: boolean,
): string[] {
  const lines = (runbook.followUps ?? []).map((line) => fillTemplate(line, values) ?? line);
  if (!notReal) return lines;
  // "Investigate …" reads on after the colon as "investigate …"; a name such as CloudTrail or AWS keeps its capitals.
  return lines.map(
    (line) => `After a real run: ${line.replace(/^[A-Z][a-z]+(?=[\s,;:.]|$)/, (word) => word.toLowerCase())}`,
  );
}

export async function prepareRun(
  deps: Deps,
  runbook: Runbook,
  incident: string,
  raw: Readonly<Record<string, string | undefined>>,
  opts: PrepareOptions,
): Promise<PreparedRun> {
  const params = validateParams(runbook, raw);
  const displayParams: Record<string, string> = {};
  for (const spec of runbook.params) {
    const value = params[spec.name];
    if (value === undefined) continue;
    if (spec.kind === 'account') {
      const account = await opts.resolveAccount(value);
      params[spec.name] = account.id;
      displayParams[spec.name] = `${account.id} (${account.name})`;
    } else displayParams[spec.name] = spec.secret ? '[redacted]' : value;
  }
  const operator = await opts.sessions.operator();
  const values: Record<string, string> = { ...params, incident, operator: operator.name };
  const usesManagement = runbook.steps.some(
    (s) => s.runsAs && Object.values(s.runsAs).some((t) => templateNames(t).includes('management')),
  );
  if (usesManagement) values.management = (await opts.sessions.organization()).managementAccountId;

  const steps: PreparedStep[] = runbook.steps.map((def) => {
    const operation = def.operation ? opts.operations[def.operation] : undefined;
    if (def.kind !== 'manual' && !operation)
      throw new UsageError(
        `${runbook.id} step ${def.id} names operation "${def.operation}", which awsorg does not have`,
        'Fix the runbook file (see `awsorg runbook show` for the operations in use).',
      );
    return { def, recordKind: def.kind, ...(operation ? { operation } : {}), ...resolveWhere(def, values) };
  });
  // Open every session that can be known now, so a missing role or a wrong sign-in stops the run before its first change.
  for (const step of steps)
    if (step.where) await opts.sessions.sessionFor(step.where.account, step.where.role, step.where.region);

  const handoffs: ShellHandoff[] = [];
  return {
    mode: 'run',
    runbook,
    incident,
    dryRun: opts.dryRun,
    params,
    displayParams,
    operator,
    followUps: followUpLines(runbook, values, opts.dryRun || Boolean(opts.rehearsal)),
    outputs: {},
    steps,
    handoffs,
    contextFor: (step, host, outputs) =>
      stepContext(
        deps,
        {
          runbook: runbook.id,
          incident,
          params,
          operator,
          values,
          dryRun: opts.dryRun,
          sessions: opts.sessions,
          handoffs,
        },
        step,
        host,
        outputs,
      ),
  };
}

function resolveWhere(def: StepDef, values: Readonly<Record<string, string | undefined>>): { where?: Where } {
  if (!def.runsAs) return {};
  const account = fillTemplate(def.runsAs.account, values);
  const role = fillTemplate(def.runsAs.role, values);
  const region = fillTemplate(def.runsAs.region, values);
  return account && role && region ? { where: { account, role, region } } : {};
}

export interface ContextBase {
  runbook: string;
  incident: string;
  params: Readonly<Record<string, string>>;
  operator: Operator;
  values: Readonly<Record<string, string>>;
  dryRun: boolean;
  sessions: Sessions;
  handoffs: ShellHandoff[];
}

export async function stepContext(
  deps: Deps,
  base: ContextBase,
  step: PreparedStep,
  host: RunbookHost,
  outputs: Record<string, string>,
): Promise<StepContext> {
  if (!step.where) {
    const resolved = resolveWhere(step.def, { ...base.values, ...outputs }).where;
    if (!resolved) {
      const runsAs = step.def.runsAs;
      throw new UsageError(
        `step ${step.def.id} cannot tell where to run: ${runsAs ? `${runsAs.account} / ${runsAs.role} / ${runsAs.region}` : 'it has no runsAs'} refers to a value no parameter or earlier step provided`,
        'Pass the missing parameter, or fix the runbook.',
      );
    }
    step.where = resolved;
  }
  const where = step.where;
  const session = await base.sessions.sessionFor(where.account, where.role, where.region);
  return {
    incident: base.incident,
    runbook: base.runbook,
    step: step.def.id,
    params: base.params,
    where,
    session,
    sessionFor: (account, role, region) => base.sessions.sessionFor(account, role, region ?? where.region),
    operator: base.operator,
    organization: () => base.sessions.organization(),
    outputs,
    now: () => new Date(deps.clock.now()),
    signal: deps.signal,
    dryRun: base.dryRun,
    registerSecrets: (values) => base.sessions.registerSecrets(values),
    handoff(shell) {
      // The shell opens after the run, but a later step's record could already show these values.
      base.sessions.registerSecrets([shell.credentials.secretAccessKey, shell.credentials.sessionToken]);
      base.handoffs.push(shell);
    },
    async input(param, label) {
      const given = base.params[param];
      if (given) return given;
      const typed = host.ask ? await host.ask(label) : undefined;
      if (typed) return typed;
      throw new UsageError(`${label} is needed and there is no terminal to ask on`, `Pass --${param} VALUE.`);
    },
  };
}
