/**
 * The judgements the break-glass drill makes, as pure functions: does an SCP protect the
 * emergency role, does an EventBridge rule's pattern catch a console sign-in, and is a
 * break-glass credential fresh enough to trust. No AWS calls here, so each rule is tested on
 * its own (test/unit/runbook-break-glass.test.ts).
 */

/** The calls that would let an intruder delete, retarget or widen the emergency role. */
export const PROTECTED_ROLE_ACTIONS = [
  'iam:DeleteRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
] as const;

/** A break-glass credential nobody has used for this long is not known to work any more. */
export const STALE_AFTER_DAYS = 90;

const DAY_MS = 86_400_000;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** IAM wildcard match: `*` is any run of characters, `?` one character. */
export function iamGlob(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

export interface ScpProtection {
  /** Every protected action is denied on the role by an unconditional (but for the exception) Deny. */
  protects: boolean;
  /** Sids (or statement numbers) of the Deny statements that count. */
  statements: string[];
  /** The responder exception, as written (`ArnNotLike aws:PrincipalArn arn:aws:iam::*:role/Responder`). */
  exceptions: string[];
  /** Protected actions no qualifying statement covers. */
  uncovered: string[];
  /** Deny statements that cover the role but were not counted, and why. */
  ignored: string[];
}

/** Negated operators: "deny unless the caller is one of these" is the responder exception. */
const EXCEPTION_OPERATOR =
  /^(ArnNotLike|ArnNotEquals|StringNotLike|StringNotEquals|StringNotEqualsIgnoreCase)(IfExists)?$/;
/** Condition keys that name the caller, so a negated match on them exempts principals only. */
const PRINCIPAL_KEY = /^aws:(PrincipalArn|PrincipalTag\/.+|userid|username|PrincipalAccount|PrincipalOrgPaths)$/i;

/**
 * Whether an SCP document protects `roleArn` from the protected actions.
 *
 * A statement counts when its Effect is Deny, its Action (or NotAction) covers the action, its
 * Resource (or NotResource) matches the role's ARN, and its only conditions, if any, exempt
 * principals (a negated match on aws:PrincipalArn and the like: the responders). A Deny that
 * holds only under some other condition (a region, a time, a tag on the request) can be walked
 * around, so it does not count; it is listed under `ignored`.
 */
export function scpProtection(document: string, roleArn: string): ScpProtection {
  const result: ScpProtection = {
    protects: false,
    statements: [],
    exceptions: [],
    uncovered: [...PROTECTED_ROLE_ACTIONS],
    ignored: [],
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    result.ignored.push('the policy is not valid JSON');
    return result;
  }
  const statements = isObj(parsed) ? list(parsed.Statement) : [];
  const covered = new Set<string>();
  statements.forEach((raw, i) => {
    if (!isObj(raw) || raw.Effect !== 'Deny') return;
    const name = typeof raw.Sid === 'string' && raw.Sid ? raw.Sid : `statement ${i + 1}`;
    const actions = PROTECTED_ROLE_ACTIONS.filter((action) => coversAction(raw, action));
    if (actions.length === 0 || !matchesResource(raw, roleArn)) return;
    const condition = conditionExceptions(raw.Condition);
    if (!condition.ok) {
      result.ignored.push(`${name}: applies only when ${condition.why}`);
      return;
    }
    for (const a of actions) covered.add(a);
    result.statements.push(name);
    result.exceptions.push(...condition.exceptions);
  });
  result.uncovered = PROTECTED_ROLE_ACTIONS.filter((a) => !covered.has(a));
  result.protects = result.uncovered.length === 0;
  return result;
}

function coversAction(statement: Obj, action: string): boolean {
  const patterns = (key: string) => list(statement[key]).filter((p): p is string => typeof p === 'string');
  if (statement.Action !== undefined) return patterns('Action').some((p) => iamGlob(p, action, true));
  if (statement.NotAction !== undefined) return !patterns('NotAction').some((p) => iamGlob(p, action, true));
  return false;
}

function matchesResource(statement: Obj, arn: string): boolean {
  const patterns = (key: string) => list(statement[key]).filter((p): p is string => typeof p === 'string');
  if (statement.Resource !== undefined) return patterns('Resource').some((p) => iamGlob(p, arn));
  if (statement.NotResource !== undefined) return !patterns('NotResource').some((p) => iamGlob(p, arn));
  return false;
}

function conditionExceptions(condition: unknown): { ok: true; exceptions: string[] } | { ok: false; why: string } {
  if (condition === undefined) return { ok: true, exceptions: [] };
  if (!isObj(condition)) return { ok: false, why: 'its Condition is malformed' };
  const exceptions: string[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    if (!isObj(keys)) return { ok: false, why: `${operator} is malformed` };
    for (const [key, values] of Object.entries(keys)) {
      if (!EXCEPTION_OPERATOR.test(operator) || !PRINCIPAL_KEY.test(key))
        return { ok: false, why: `${operator} ${key}` };
      exceptions.push(`${operator} ${key} ${list(values).map(String).join(', ')}`);
    }
  }
  return { ok: true, exceptions };
}

// ---------------------------------------------------------------------------------------------
// EventBridge patterns

export const SIGN_IN_DETAIL_TYPE = 'AWS Console Sign In via CloudTrail';

/** The event CloudTrail sends EventBridge when someone signs in to the console. */
export function consoleSignInEvent(
  accountId: string,
  who: { kind: 'root' } | { kind: 'user'; userName: string },
  partition = 'aws',
): Obj {
  const userIdentity =
    who.kind === 'root'
      ? { type: 'Root', principalId: accountId, arn: `arn:${partition}:iam::${accountId}:root`, accountId }
      : {
          type: 'IAMUser',
          principalId: 'AIDAEXAMPLE',
          arn: `arn:${partition}:iam::${accountId}:user/${who.userName}`,
          accountId,
          userName: who.userName,
        };
  return {
    version: '0',
    id: '00000000-0000-0000-0000-000000000000',
    'detail-type': SIGN_IN_DETAIL_TYPE,
    source: 'aws.signin',
    account: accountId,
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity,
      eventTime: '2026-01-01T00:00:00Z',
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      awsRegion: 'us-east-1',
      sourceIPAddress: '192.0.2.1',
      userAgent: 'Mozilla/5.0',
      requestParameters: null,
      responseElements: { ConsoleLogin: 'Success' },
      additionalEventData: {
        LoginTo: 'https://console.aws.amazon.com/console/home',
        MobileVersion: 'No',
        MFAUsed: 'Yes',
      },
      eventType: 'AwsConsoleSignIn',
      managementEvent: true,
      recipientAccountId: accountId,
      eventCategory: 'Management',
    },
  };
}

/**
 * Whether an EventBridge event pattern matches an event: exact values, prefix, suffix,
 * anything-but, equals-ignore-case, wildcard, numeric, exists and `$or`. A malformed pattern
 * (or one using a filter this does not know, such as cidr) matches nothing, so the drill errs
 * towards "no alert".
 */
export function eventPatternMatches(pattern: unknown, event: unknown): boolean {
  let parsed = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch {
      return false;
    }
  }
  return isObj(parsed) && Object.keys(parsed).length > 0 && matchObject(parsed, event);
}

function matchObject(pattern: Obj, event: unknown): boolean {
  const fields = isObj(event) ? event : {};
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule) || !rule.some((alt) => isObj(alt) && matchObject(alt, event))) return false;
    } else if (Array.isArray(rule)) {
      if (!matchValue(rule, fields[key])) return false;
    } else if (isObj(rule)) {
      if (!matchObject(rule, fields[key])) return false;
    } else return false;
  }
  return true;
}

function matchValue(matchers: unknown[], value: unknown): boolean {
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return matchers.some((m) => {
    if (!isObj(m)) return values.some((v) => v === m);
    if ('exists' in m) return m.exists === true ? values.length > 0 : values.length === 0;
    return values.some((v) => matchFilter(m, v));
  });
}

function matchFilter(filter: Obj, value: unknown): boolean {
  const [name, arg] = Object.entries(filter)[0] ?? [];
  const text = typeof value === 'string' ? value : undefined;
  switch (name) {
    case 'prefix':
      if (isObj(arg) && typeof arg['equals-ignore-case'] === 'string')
        return text?.toLowerCase().startsWith(arg['equals-ignore-case'].toLowerCase()) === true;
      return text !== undefined && typeof arg === 'string' && text.startsWith(arg);
    case 'suffix':
      if (isObj(arg) && typeof arg['equals-ignore-case'] === 'string')
        return text?.toLowerCase().endsWith(arg['equals-ignore-case'].toLowerCase()) === true;
      return text !== undefined && typeof arg === 'string' && text.endsWith(arg);
    case 'equals-ignore-case':
      return text !== undefined && typeof arg === 'string' && text.toLowerCase() === arg.toLowerCase();
    case 'wildcard':
      // EventBridge wildcards know only `*`.
      return (
        text !== undefined &&
        typeof arg === 'string' &&
        new RegExp(
          `^${arg
            .split('*')
            .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('.*')}$`,
          's',
        ).test(text)
      );
    case 'anything-but':
      if (isObj(arg)) return !matchFilter(arg, value);
      return !list(arg).some((x) => x === value);
    case 'numeric':
      return typeof value === 'number' && Array.isArray(arg) && numericMatch(arg, value);
    default:
      return false;
  }
}

function numericMatch(spec: unknown[], value: number): boolean {
  for (let i = 0; i + 1 < spec.length; i += 2) {
    const op = spec[i];
    const bound = spec[i + 1];
    if (typeof bound !== 'number') return false;
    const ok =
      op === '='
        ? value === bound
        : op === '<'
          ? value < bound
          : op === '<='
            ? value <= bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!ok) return false;
  }
  return spec.length >= 2;
}

// ---------------------------------------------------------------------------------------------
// Credential freshness

export interface CredentialUse {
  /** When the credential was created (a password: its login profile; a key: the key). */
  created?: Date;
  /** When it was last used; undefined when never (or AWS does not know). */
  lastUsed?: Date;
  /** Access keys: Active or Inactive. Passwords are always active. */
  active: boolean;
  /** Where it was last used ("iam, us-east-1"), when AWS says. */
  lastUsedWhere?: string;
  /** Set for the access key this drill is signed in with: its use is the drill's own. */
  inUseNow?: boolean;
}

/**
 * The drill's criteria for one break-glass credential:
 * - an inactive access key passes (it cannot be used), with a note to delete it if not needed;
 * - a credential last used within STALE_AFTER_DAYS passes;
 * - a credential last used longer ago fails: nobody has shown recently that it still works;
 * - a never-used credential passes while it is younger than STALE_AFTER_DAYS, and fails after.
 * The last-use date is always reported, so an unexpected use (outside a drill or an incident)
 * stands out to the person reading the report.
 */
export function credentialFreshness(use: CredentialUse, now: Date): { ok: boolean; detail: string } {
  const days = (d: Date) => Math.floor((now.getTime() - d.getTime()) / DAY_MS);
  const date = (d: Date) => d.toISOString().slice(0, 10);
  const age = use.created ? `created ${date(use.created)}` : 'creation date unknown';
  if (!use.active)
    return {
      ok: true,
      detail: `inactive (${age}); it cannot be used in an emergency: delete it if it is not part of the plan`,
    };
  if (use.lastUsed) {
    const since = days(use.lastUsed);
    const used = `last used ${date(use.lastUsed)}${use.lastUsedWhere ? ` (${use.lastUsedWhere})` : ''}`;
    const own = use.inUseNow ? ' (by this drill: it is the key you are signed in with)' : '';
    if (since > STALE_AFTER_DAYS)
      return {
        ok: false,
        detail: `${used}, ${since} days ago (over ${STALE_AFTER_DAYS}): prove it still works in a drill, then rotate it`,
      };
    return { ok: true, detail: `${used}${since > 0 ? `, ${since} days ago` : ', today'}${own}; ${age}` };
  }
  if (!use.created) return { ok: false, detail: 'never used, and its age is unknown: prove it works in a drill' };
  const old = days(use.created);
  if (old > STALE_AFTER_DAYS)
    return {
      ok: false,
      detail: `never used in the ${old} days since it was ${age}: prove it works in a drill, or delete it`,
    };
  return { ok: true, detail: `never used; ${age} (${old} days ago)` };
}
