/**
 * Can the CI deploy role manage what the hand-off code declares? Read offline from the blueprint:
 * the AWS-managed policies we know by name and the inline policy document. Customer-managed
 * policies can't be read without AWS, so they never make the answer "insufficient" on their own;
 * they only add a reason that says what they must allow.
 */
import type { LoadedBlueprint } from '../../core/blueprint.js';
import { MANAGEMENT_ACCOUNT } from '../../core/blueprint.js';
import { usesTable } from '../../policies/state-backend-wish.js';

export interface DeployRoleCapability {
  /** False only when awsorg can show the role lacks a service the code manages. */
  sufficient: boolean;
  /** What is missing, or what awsorg could not check and the user should. Empty when all is clear. */
  reasons: string[];
}

type Service = 'organizations' | 'iam' | 's3' | 'dynamodb' | 'cloudtrail' | 'sts';
const ALL: Service[] = ['organizations', 'iam', 's3', 'dynamodb', 'cloudtrail', 'sts'];

/** AWS-managed policies by name (the part after `policy/`) -> the services they can write. */
const KNOWN_MANAGED: Record<string, Service[]> = {
  AdministratorAccess: ALL,
  // PowerUserAccess allows everything except iam:*, organizations:* and account:*.
  PowerUserAccess: ['s3', 'dynamodb', 'cloudtrail', 'sts'],
  IAMFullAccess: ['iam'],
  AWSOrganizationsFullAccess: ['organizations'],
  AmazonS3FullAccess: ['s3'],
  AmazonDynamoDBFullAccess: ['dynamodb'],
  AWSCloudTrail_FullAccess: ['cloudtrail'],
  // Read-only: they can plan but not apply.
  ReadOnlyAccess: [],
  ViewOnlyAccess: [],
  'job-function/ViewOnlyAccess': [],
  SecurityAudit: [],
  IAMReadOnlyAccess: [],
  AWSOrganizationsReadOnlyAccess: [],
  AmazonS3ReadOnlyAccess: [],
  AmazonDynamoDBReadOnlyAccess: [],
  AWSCloudTrail_ReadOnlyAccess: [],
};

/** The services whose resources the hand-off code declares for this blueprint. */
function neededServices(loaded: LoadedBlueprint): Service[] {
  const bp = loaded.blueprint;
  const needed: Service[] = ['organizations', 'iam'];
  if (bp.stateBackend || bp.organizationTrail) needed.push('s3');
  if (bp.stateBackend && usesTable(loaded) && bp.stateBackend.table) needed.push('dynamodb');
  if (bp.organizationTrail) needed.push('cloudtrail');
  // Resources in a member account are reached through a provider alias that assumes a role there.
  const inMember = [bp.stateBackend?.account, bp.organizationTrail?.account, bp.ciOidc?.account].some(
    (a) => a !== undefined && a !== MANAGEMENT_ACCOUNT,
  );
  if (inMember) needed.push('sts');
  return needed;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const READ_ONLY_ACTION = /^[a-z0-9-]+:(get|list|describe|lookup|view)[a-z0-9*]*$/;

/**
 * Rough reading of an inline policy: an Allow statement whose Action is `*` or `<service>:*`
 * covers that service (Resource and Condition are not evaluated); one that names other write
 * actions of a service covers it "partly". Deny statements are not evaluated.
 */
function inlineCoverage(policy: unknown): { full: Set<Service>; partial: Set<Service> } {
  const full = new Set<Service>();
  const partial = new Set<Service>();
  const statements = asList((policy as { Statement?: unknown } | undefined)?.Statement);
  for (const raw of statements) {
    if (typeof raw !== 'object' || raw === null) continue;
    const statement = raw as Record<string, unknown>;
    if (statement.Effect !== 'Allow') continue;
    const actions = asList(statement.Action)
      .filter((a): a is string => typeof a === 'string')
      .map((a) => a.toLowerCase());
    const notActions = asList(statement.NotAction)
      .filter((a): a is string => typeof a === 'string')
      .map((a) => a.toLowerCase());
    for (const service of ALL) {
      if (statement.NotAction !== undefined) {
        // Allow + NotAction allows every service it does not exclude.
        if (!notActions.includes('*') && !notActions.includes(`${service}:*`)) full.add(service);
        continue;
      }
      if (actions.includes('*') || actions.includes(`${service}:*`)) full.add(service);
      else if (actions.some((a) => a.startsWith(`${service}:`) && !READ_ONLY_ACTION.test(a))) partial.add(service);
    }
  }
  return { full, partial };
}

export function deployRoleCapability(loaded: LoadedBlueprint): DeployRoleCapability {
  const ci = loaded.blueprint.ciOidc;
  if (!ci) return { sufficient: true, reasons: [] };
  const needed = neededServices(loaded);
  const covered = new Set<Service>();
  const partly = new Set<Service>();
  const unreadable: string[] = [];
  const readOnly: string[] = [];
  for (const arn of ci.policyArns ?? []) {
    const managed = /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
    const services = managed === undefined ? undefined : KNOWN_MANAGED[managed];
    if (services === undefined) unreadable.push(arn);
    else if (services.length === 0) readOnly.push(managed!);
    else for (const s of services) covered.add(s);
  }
  if (loaded.deployInlinePolicy !== undefined) {
    const inline = inlineCoverage(loaded.deployInlinePolicy);
    for (const s of inline.full) covered.add(s);
    for (const s of inline.partial) if (!covered.has(s)) partly.add(s);
  }
  const missing = needed.filter((s) => !covered.has(s) && !partly.has(s));
  const wanted = (services: Service[]) => services.map((s) => `${s}:*`).join(', ');
  const reasons: string[] = [];
  for (const s of needed.filter((n) => partly.has(n))) {
    reasons.push(
      `the inline policy allows only some ${s} actions; make sure they cover every ${s} resource the code manages (or allow ${s}:*)`,
    );
  }
  if (missing.length === 0) return { sufficient: true, reasons };
  if (unreadable.length > 0) {
    // awsorg can't read these offline, so it can't prove the role insufficient: say what to check.
    for (const arn of unreadable) reasons.push(`can't check ${arn} offline; make sure it allows ${wanted(missing)}`);
    return { sufficient: true, reasons };
  }
  const has =
    (ci.policyArns ?? []).length === 0 && loaded.deployInlinePolicy === undefined
      ? 'has no policies attached and no inline policy'
      : readOnly.length > 0 && covered.size === 0 && partly.size === 0
        ? `has only read-only policies (${readOnly.join(', ')})`
        : 'has policies that do not cover every service the code manages';
  reasons.push(
    `the deploy role ${ci.roleName} ${has}, so an apply will fail: it cannot write ${missing.join(', ')}; attach the AWS-managed AdministratorAccess policy or one that allows ${wanted(missing)}`,
  );
  return { sufficient: false, reasons };
}
