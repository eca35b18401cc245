/**
 * `runbook run ID --rehearse`: a game day against a local emulator. awsorg starts moto_server,
 * builds a practice organization there (the standard preset's OUs and accounts, SCPs enabled),
 * creates what the runbook needs to act on (a role, a leaked key, an exposed bucket), runs the
 * runbook exactly as for real, then rolls it back the same way. Nothing reaches AWS, and the
 * transcript is kept (under the state directory's audit/rehearsals/) for the debrief.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
} from '@aws-sdk/client-organizations';
import type { AwsSession } from '../aws/session.js';
import { transcriptPath } from '../core/audit.js';
import type { Deps } from '../aws/deps.js';
import { ensurePrivateDirSync, writeFileAtomicSync } from '../core/private-file.js';
import { preset } from '../core/presets.js';
import type { XdgPaths } from '../core/xdg.js';
import { rollbackIncident, runRunbook, type RunRequest } from './run.js';

export interface PracticeOrganization {
  managementAccountId: string;
  /** Account name -> id. */
  accounts: Map<string, string>;
}

/** The standard preset's OUs and accounts, created directly (no state bucket, trail or OIDC: a runbook needs none of them). */
export async function seedOrganization(session: AwsSession): Promise<PracticeOrganization> {
  const blueprint = preset('standard');
  await session.send('organizations', new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const root = (await session.send('organizations', new ListRootsCommand({}))).Roots?.[0];
  const rootId = root?.Id ?? '';
  await session.send(
    'organizations',
    new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
  );
  const ouIds = new Map<string, string>([
    ['', rootId],
    ['Root', rootId],
  ]);
  for (const path of blueprint.organizationalUnits) {
    const parts = path.split('/');
    const parent = ouIds.get(parts.slice(0, -1).join('/')) ?? rootId;
    const out = await session.send(
      'organizations',
      new CreateOrganizationalUnitCommand({ ParentId: parent, Name: parts[parts.length - 1]! }),
    );
    ouIds.set(path, out.OrganizationalUnit?.Id ?? '');
  }
  const accounts = new Map<string, string>();
  for (const account of blueprint.accounts) {
    const created = await session.send(
      'organizations',
      new CreateAccountCommand({ AccountName: account.name, Email: account.email }),
    );
    const id = created.CreateAccountStatus?.AccountId ?? '';
    accounts.set(account.name, id);
    const ou = ouIds.get(account.ou);
    if (ou && ou !== rootId)
      await session.send(
        'organizations',
        new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ou }),
      );
  }
  const identity = await session.identity();
  return { managementAccountId: identity.account, accounts };
}

/**
 * What a runbook acts on, made in the practice organization. Returns parameters the operator did
 * not give (the leaked key's id is only known once the practice key exists).
 */
export type PracticeSeeder = (
  session: AwsSession,
  org: PracticeOrganization,
  params: Readonly<Record<string, string>>,
  incident: string,
) => Promise<Record<string, string>>;

async function memberSession(session: AwsSession, accountId: string, incident: string): Promise<AwsSession> {
  const partition = (await session.identity()).arn.split(':')[1] || 'aws';
  return session.assumeRole(
    `arn:${partition}:iam::${accountId}:role/OrganizationAccountAccessRole`,
    `${incident}-setup`,
  );
}

function targetAccount(org: PracticeOrganization, params: Readonly<Record<string, string>>): string {
  const wanted = (params.account ?? 'Production').toLowerCase();
  for (const [name, id] of org.accounts) if (name.toLowerCase() === wanted || id === wanted) return id;
  return org.accounts.get('Production') ?? [...org.accounts.values()][0]!;
}

const SEEDERS: Record<string, PracticeSeeder> = {
  async 'revoke-role-sessions'(session, org, params, incident) {
    const member = await memberSession(session, targetAccount(org, params), incident);
    const { CreateRoleCommand } = await import('@aws-sdk/client-iam');
    const roleName = params['role-name'] ?? 'app-deployer';
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
    await member.send('iam', new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }));
    return { 'role-name': roleName, account: params.account ?? 'Production' };
  },
  async 'contain-access-key'(session, org, params, incident) {
    const member = await memberSession(session, targetAccount(org, params), incident);
    const { CreateUserCommand, CreateAccessKeyCommand, CreateLoginProfileCommand } = await import(
      '@aws-sdk/client-iam'
    );
    await member.send('iam', new CreateUserCommand({ UserName: 'ci-legacy' }));
    // The practice key's secret is discarded at once; only its id is used.
    const key = await member.send('iam', new CreateAccessKeyCommand({ UserName: 'ci-legacy' }));
    await member.send(
      'iam',
      new CreateLoginProfileCommand({
        UserName: 'ci-legacy',
        Password: `Rehearsal-${Date.now()}-Aa1!`,
        PasswordResetRequired: true,
      }),
    );
    return {
      'access-key-id': params['access-key-id'] ?? key.AccessKey?.AccessKeyId ?? '',
      account: params.account ?? 'Production',
    };
  },
  async 's3-public-exposure'(session, org, params, incident) {
    const member = await memberSession(session, targetAccount(org, params), incident);
    const { CreateBucketCommand, PutBucketPolicyCommand } = await import('@aws-sdk/client-s3');
    const bucket = params.bucket ?? `rehearsal-exposed-${Date.now()}`;
    await member.send('s3', new CreateBucketCommand({ Bucket: bucket }));
    const policy = {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'PublicRead',
          Effect: 'Allow',
          Principal: '*',
          Action: 's3:GetObject',
          Resource: `arn:aws:s3:::${bucket}/*`,
        },
      ],
    };
    await member.send('s3', new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
    return { bucket, account: params.account ?? 'Production' };
  },
  async 'quarantine-account'(_session, _org, params) {
    return { account: params.account ?? 'Production' };
  },
};

/** Where a rehearsal's transcript is kept once its workspace is removed. */
export function keptTranscriptFile(paths: XdgPaths, incident: string): string {
  return join(paths.state, 'audit', 'rehearsals', `${incident}.jsonl`);
}

export async function rehearseRunbook(deps: Deps, req: RunRequest): Promise<number> {
  const { startEmulator, rehearsalDeps } = await import('../aws/emulator.js');
  const workspace = await mkdtemp(join(tmpdir(), 'awsorg-runbook-rehearsal-'));
  const keptTranscript = keptTranscriptFile(deps.paths, req.incident);
  let ending: { code: number; rolledBack: boolean; kept: boolean };
  try {
    deps.stderr.write('awsorg: starting the local AWS emulator for the rehearsal…\n');
    const emulator = await startEmulator(deps);
    try {
      const rehearsal = rehearsalDeps(deps, emulator, workspace);
      deps.stderr.write(
        `REHEARSAL: against a local AWS emulator at ${emulator.endpoint}; nothing is sent to AWS. Building a practice organization (standard preset)…\n`,
      );
      const session = rehearsal.aws('us-east-1');
      const org = await seedOrganization(session);
      const seeded = await (SEEDERS[req.runbook.id]?.(session, org, req.params, req.incident) ?? Promise.resolve({}));
      const params = { ...seeded, ...req.params };
      const shown = Object.entries(seeded).filter(([k]) => req.params[k] === undefined);
      if (shown.length)
        deps.stderr.write(`REHEARSAL: practice values: ${shown.map(([k, v]) => `--${k} ${v}`).join(' ')}\n`);
      const code = await runRunbook(rehearsal, { ...req, params, rehearsal: true, keptTranscript });
      let rollbackCode = 0;
      const rollBack = code === 0 && !req.dryRun && req.runbook.steps.some((s) => s.kind === 'action');
      if (rollBack) {
        deps.stderr.write(`REHEARSAL: now rolling back ${req.incident}, as you would after the incident.\n`);
        rollbackCode = await rollbackIncident(rehearsal, {
          incident: req.incident,
          dryRun: false,
          yes: req.yes,
          json: false,
          rehearsal: true,
          keptTranscript,
          catalog: { runbooks: [req.runbook], operations: req.operations },
          ...(req.screen ? { screen: req.screen } : {}),
        });
      }
      const kept = keepTranscript(rehearsal.paths, req.incident, keptTranscript);
      ending = { code: code || rollbackCode, rolledBack: rollBack && rollbackCode === 0, kept };
    } finally {
      await emulator.stop();
    }
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
  // The last word is the rehearsal's, once the emulator is stopped: what was practised, and where its record is.
  const what = req.dryRun
    ? `the dry run of ${req.runbook.id}`
    : `${req.runbook.id}${ending.rolledBack ? ', run and then rolled back,' : ''}`;
  const verdict = ending.code === 0 ? 'is done' : `ended with exit code ${ending.code}`;
  deps.stderr.write(
    `REHEARSAL: ${what} ${verdict}; the emulator is stopped and nothing reached AWS.` +
      (ending.kept
        ? ` The transcript is kept at ${keptTranscript} (check it: awsorg audit verify ${keptTranscript}).\n`
        : ' No transcript was written.\n'),
  );
  return ending.code;
}

/** Copy the rehearsal's transcript (and its anchor) out of the workspace before it is removed; false when it wrote none. */
function keepTranscript(rehearsalPaths: XdgPaths, incident: string, to: string): boolean {
  const from = transcriptPath(rehearsalPaths, incident);
  if (!existsSync(from)) return false;
  const dir = dirname(to);
  ensurePrivateDirSync(dirname(dir));
  ensurePrivateDirSync(dir);
  // Replaced by a rename, never written through: a link planted under the name is not followed.
  writeFileAtomicSync(to, readFileSync(from));
  const anchor = from.replace(/\.jsonl$/, '.head');
  if (existsSync(anchor)) writeFileAtomicSync(to.replace(/\.jsonl$/, '.head'), readFileSync(anchor));
  return true;
}
