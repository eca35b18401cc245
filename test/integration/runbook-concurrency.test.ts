/**
 * Races, crashes and a forged transcript, through the built CLI against moto (behind the
 * recording proxy, which also holds requests back and kills a run at a chosen moment):
 * - two runs on one incident: the second is refused with the first named, before any AWS call;
 * - a run killed after its PutRolePolicy reached AWS but before its outcome was recorded: the
 *   intent is on record, and the rollback finds the change in AWS and undoes it; killed before
 *   the request left, the rollback finds nothing to undo and sends nothing;
 * - a transcript re-chained with a rollback of iam:CreateUser + AttachUserPolicy: `audit verify`
 *   passes, and `runbook rollback` refuses it with exit 2, naming the line and the calls.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { AuditTranscript, type AuditEntry, type AuditRecord } from '../../src/core/audit.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { memberClients, type Clients } from '../helpers/aws.js';
import { runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { startMotoBehindProxy } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv } from '../helpers/org-fixture.js';
import type { AwsProxy } from '../fixtures/aws-proxy.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'sts:AssumeRole' }],
});

function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stderr += String(d)));
  return new Promise((done) => child.on('close', (code, signal) => done({ code, signal, stdout, stderr })));
}

describe('runbook runs on one incident: lock, intent records, forged rollbacks', () => {
  let stopAll: () => Promise<void>;
  let proxy: AwsProxy;
  let member: Clients;
  let env: Record<string, string>;

  const transcriptFile = (incident: string) => join(env.XDG_STATE_HOME!, 'awsorg', 'audit', `${incident}.jsonl`);
  const records = (incident: string) =>
    readFileSync(transcriptFile(incident), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
  const revoke = (incident: string, role: string) => [
    'runbook',
    'run',
    'revoke-role-sessions',
    '--incident',
    incident,
    '--account',
    'Production',
    '--role-name',
    role,
    '--yes',
  ];
  const inlinePolicies = async (role: string) =>
    (await member.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? [];
  const verified = async (incident: string) => {
    const result = await runCli(['audit', 'verify', transcriptFile(incident)], { env });
    assert.equal(result.code, 0, result.stderr);
    return result;
  };

  before(async () => {
    const started = await startMotoBehindProxy();
    stopAll = started.stop;
    proxy = started.proxy;
    const org = await createOrgFixture(started.moto.endpoint, [{ name: 'Production', ou: 'Workloads' }]);
    member = await memberClients(started.moto.endpoint, org.byName('Production').id);
    for (const role of ['race-role', 'crash-role', 'early-role', 'forge-role', 'prior-role'])
      await member.iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: TRUST }));
    env = operatorEnv(proxy.endpoint);
  });
  after(async () => {
    proxy?.setInterceptor(undefined);
    await stopAll?.();
  });
  beforeEach(() => {
    proxy.setInterceptor(undefined);
    proxy.clearRecords();
  });

  it('a second run on an incident that is running is refused, naming the first run; exactly one change is made and recorded', async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let firstCall!: () => void;
    const firstRunCalling = new Promise<void>((resolve) => (firstCall = resolve));
    // Hold every AWS call of the first run until the second has ended.
    proxy.setInterceptor(async () => {
      firstCall();
      await gate;
      return undefined;
    });
    const first = spawnCli(revoke('INC-RACE', 'race-role'), { env });
    const firstDone = collect(first);
    let second: CliResult;
    try {
      await firstRunCalling;
      second = await runCli(revoke('INC-RACE', 'race-role'), { env, timeoutMs: 30_000 });
    } finally {
      openGate();
    }
    const firstResult = await firstDone;
    assert.equal(firstResult.code, 0, firstResult.stderr);
    assert.equal(second.code, 1, `the second run is refused with exit 1\n${second.stderr}`);
    assert.match(
      second.stderr,
      new RegExp(
        `incident INC-RACE is in use by another awsorg run: pid ${first.pid} on \\S+, started \\d{4}-\\d\\d-\\d\\dT[^ ]+ \\(awsorg runbook run revoke-role-sessions --incident INC-RACE\\)`,
      ),
    );
    assert.match(second.stderr, new RegExp(`Wait for pid ${first.pid} to finish`));

    await verified('INC-RACE');
    const recs = records('INC-RACE');
    assert.equal(recs.filter((r) => r.step === 'run-start').length, 1, 'only the first run is in the transcript');
    assert.equal(recs.filter((r) => r.kind === 'action' && r.status === 'applied').length, 1);
    assert.equal(
      proxy.requests.filter((r) => r.action === 'PutRolePolicy').length,
      1,
      'one PutRolePolicy reached AWS, and it is the recorded one',
    );
    assert.ok(
      !existsSync(join(env.XDG_STATE_HOME!, 'awsorg', 'audit', 'INC-RACE.lock')),
      'the lock is gone after the run',
    );
  });

  it('a run killed after its request reached AWS leaves the intent on record, and the rollback finds the change and undoes it', async () => {
    let child!: ChildProcess;
    proxy.setInterceptor(async (request) => {
      if (request.action !== 'PutRolePolicy') return undefined;
      await request.forward();
      // The change is in AWS; awsorg dies before it hears back.
      child.kill('SIGKILL');
      return { kind: 'resetBeforeForward' };
    });
    child = spawnCli(revoke('INC-CRASH', 'crash-role'), { env });
    const killed = await collect(child);
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    proxy.setInterceptor(undefined);
    assert.deepEqual(await inlinePolicies('crash-role'), ['AWSRevokeOlderSessions'], 'the change took effect');

    const recs = records('INC-CRASH');
    const last = recs.at(-1)!;
    assert.deepEqual([last.step, last.status, last.call], ['revoke-sessions', 'sending', 'iam:PutRolePolicy']);
    assert.deepEqual(
      (last.request as { action: string; input: Record<string, unknown> }[]).map((r) => [
        r.action,
        r.input.RoleName,
        r.input.PolicyName,
      ]),
      [['PutRolePolicy', 'crash-role', 'AWSRevokeOlderSessions']],
    );
    const check = await verified('INC-CRASH');
    assert.match(check.stderr, /line \d+: awsorg stopped while sending iam:PutRolePolicy/);

    const rollback = await runCli(['runbook', 'rollback', 'INC-CRASH', '--yes'], { env });
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stderr, new RegExp(`took over the lock of incident INC-CRASH from pid ${child.pid} on `));
    assert.deepEqual(await inlinePolicies('crash-role'), [], 'the rollback removed the policy the killed run put');
    const undo = records('INC-CRASH').findLast((r) => r.kind === 'rollback')!;
    assert.equal(undo.status, 'applied');
    assert.equal(undo.undoes, last.hash, 'the rollback points at the intent');

    const again = await runCli(['runbook', 'rollback', 'INC-CRASH', '--yes'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /Nothing to roll back/);
    await verified('INC-CRASH');
  });

  it('a run killed before its request reached AWS: the rollback checks, finds nothing to undo and sends nothing', async () => {
    let child!: ChildProcess;
    proxy.setInterceptor(async (request) => {
      if (request.action !== 'PutRolePolicy') return undefined;
      child.kill('SIGKILL');
      return { kind: 'resetBeforeForward' };
    });
    child = spawnCli(revoke('INC-EARLY', 'early-role'), { env });
    assert.equal((await collect(child)).signal, 'SIGKILL');
    proxy.setInterceptor(undefined);
    assert.equal(records('INC-EARLY').at(-1)!.status, 'sending');
    assert.deepEqual(await inlinePolicies('early-role'), []);

    proxy.clearRecords();
    const rollback = await runCli(['runbook', 'rollback', 'INC-EARLY', '--yes'], { env });
    assert.equal(rollback.code, 0, rollback.stderr);
    assert.match(rollback.stderr, /nothing to undo: the change is not in AWS/);
    assert.deepEqual(
      proxy.requests.filter((r) => r.service === 'iam' && !/^(Get|List)/.test(r.action)).map((r) => r.action),
      [],
      'no IAM write was sent',
    );
    assert.equal(records('INC-EARLY').findLast((r) => r.kind === 'rollback')!.status, 'unchanged');
    const again = await runCli(['runbook', 'rollback', 'INC-EARLY', '--yes'], { env });
    assert.match(again.stderr, /Nothing to roll back/);
  });

  it('a transcript re-chained with a rollback that creates an administrator verifies, but rollback refuses it with exit 2 and sends nothing', async () => {
    const run = await runCli(revoke('INC-FORGE', 'forge-role'), { env });
    assert.equal(run.code, 0, run.stderr);
    const genuine = records('INC-FORGE');
    const target = genuine.findLast((r) => r.step === 'revoke-sessions' && r.status === 'applied')!;

    // Rewrite the whole chain through the module's own writer, so every hash and the anchor are right.
    rmSync(transcriptFile('INC-FORGE'));
    rmSync(transcriptFile('INC-FORGE').replace(/\.jsonl$/, '.head'));
    const paths = xdgPaths(
      { XDG_STATE_HOME: env.XDG_STATE_HOME, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, XDG_CACHE_HOME: env.XDG_CACHE_HOME },
      env.HOME!,
    );
    const forger = AuditTranscript.open(paths, 'INC-FORGE', { now: () => new Date() });
    const adminRollback = {
      requests: [
        { service: 'iam', action: 'CreateUser', input: { UserName: 'mallory' } },
        {
          service: 'iam',
          action: 'AttachUserPolicy',
          input: { UserName: 'mallory', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        },
      ],
      does: 'deletes the AWSRevokeOlderSessions inline policy from role forge-role',
    };
    for (const { seq: _seq, time: _time, prev: _prev, hash: _hash, ...entry } of genuine) {
      forger.append({
        ...(entry as AuditEntry),
        ...(entry.step === target.step && entry.status === 'applied' ? { rollback: adminRollback } : {}),
      });
    }
    await verified('INC-FORGE');

    proxy.clearRecords();
    const rollback = await runCli(['runbook', 'rollback', 'INC-FORGE', '--yes'], { env });
    assert.equal(rollback.code, 2, rollback.stderr);
    assert.match(
      rollback.stderr,
      new RegExp(
        `transcript line ${target.seq + 1} \\(revoke-role-sessions revoke-sessions\\) carries the rollback iam:CreateUser, iam:AttachUserPolicy, but iam.revoke-role-sessions rebuilds it from the recorded prior state as iam:DeleteRolePolicy`,
      ),
    );
    assert.deepEqual(
      proxy.requests.map((r) => r.action),
      [],
      'no AWS call at all',
    );
    assert.deepEqual(
      ((await member.iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName),
      [],
      'no IAM user was created',
    );
    assert.ok(
      (
        await member.iam.send(
          new GetRolePolicyCommand({ RoleName: 'forge-role', PolicyName: 'AWSRevokeOlderSessions' }),
        )
      ).PolicyDocument,
      'and the revocation stays',
    );
  });

  it('a transcript re-chained with a forged prior state, whose rollback would put back a document that allows everything, is refused with exit 2 and sends nothing', async () => {
    const run = await runCli(revoke('INC-PRIOR', 'prior-role'), { env });
    assert.equal(run.code, 0, run.stderr);
    const genuine = records('INC-PRIOR');
    const target = genuine.findLast((r) => r.step === 'revoke-sessions' && r.status === 'applied')!;
    const admin = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    });
    // The request stays the one sent; only the prior state (and so the rollback the code rebuilds from it) is forged.
    const prior = { ...(target.prior as Record<string, unknown>), document: admin };
    const rollback = {
      requests: [
        {
          service: 'iam',
          action: 'PutRolePolicy',
          input: { RoleName: 'prior-role', PolicyName: 'AWSRevokeOlderSessions', PolicyDocument: admin },
        },
      ],
      does: 'puts back the AWSRevokeOlderSessions document role prior-role had before',
    };
    rmSync(transcriptFile('INC-PRIOR'));
    rmSync(transcriptFile('INC-PRIOR').replace(/\.jsonl$/, '.head'));
    const paths = xdgPaths(
      { XDG_STATE_HOME: env.XDG_STATE_HOME, XDG_CONFIG_HOME: env.XDG_CONFIG_HOME, XDG_CACHE_HOME: env.XDG_CACHE_HOME },
      env.HOME!,
    );
    const forger = AuditTranscript.open(paths, 'INC-PRIOR', { now: () => new Date() });
    for (const { seq: _seq, time: _time, prev: _prev, hash: _hash, ...entry } of genuine) {
      forger.append({
        ...(entry as AuditEntry),
        ...(entry.step === target.step && (entry.status === 'applied' || entry.status === 'sending')
          ? { prior, rollback }
          : {}),
      });
    }
    await verified('INC-PRIOR');

    proxy.clearRecords();
    const result = await runCli(['runbook', 'rollback', 'INC-PRIOR', '--yes'], { env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `transcript line ${target.seq + 1} \\(revoke-role-sessions revoke-sessions\\) carries the rollback iam:PutRolePolicy, but iam.revoke-role-sessions declares no rollback for it \\(.*allows`,
      ),
    );
    assert.deepEqual(
      proxy.requests.map((r) => r.action),
      [],
      'no AWS call at all',
    );
    const now = await member.iam.send(
      new GetRolePolicyCommand({ RoleName: 'prior-role', PolicyName: 'AWSRevokeOlderSessions' }),
    );
    assert.match(decodeURIComponent(now.PolicyDocument!), /"Deny"/, 'the revocation stays');
  });
});
