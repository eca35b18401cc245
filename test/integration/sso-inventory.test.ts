/**
 * Identity Center inventory at scale: 300 accounts (one ListAccountRoles call each) against a
 * portal that throttles above 60 requests per second. Discovery starts deliberately too fast,
 * is throttled, slows down, and still loads every account with its roles; nothing fails.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BaseSignIn } from '../../src/aws/base-signin.js';
import { tokenCacheKey } from '../../src/aws/sso-token-cache.js';
import { createDeps, systemClock } from '../../src/aws/deps.js';
import { discoverSsoInventory } from '../../src/inventory/discover-sso.js';
import { fixtureAccounts, startSsoServer, type SsoServer } from '../fixtures/sso-server.js';
import { isolatedEnv } from '../helpers/cli.js';

const ACCOUNTS = 300;
const LIMIT_PER_SECOND = 60;

describe('Identity Center inventory under throttling', () => {
  let sso: SsoServer;

  before(async () => {
    sso = await startSsoServer({
      accounts: fixtureAccounts(ACCOUNTS, ['ReadOnlyAccess', 'AdministratorAccess', 'Billing']),
      pageSize: 20,
    });
  });
  after(async () => sso?.stop());

  it(`loads ${ACCOUNTS} accounts and their roles without a throttling failure`, async () => {
    const env = isolatedEnv(sso.env);
    const base: Extract<BaseSignIn, { kind: 'sso' }> = {
      kind: 'sso',
      id: 'sso:https://corp.awsapps.com/start',
      sso: { startUrl: 'https://corp.awsapps.com/start', region: 'us-east-1', sessionName: 'corp' },
      via: 'awsorg-login',
    };
    const dir = join(env.HOME!, '.aws', 'sso', 'cache');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${tokenCacheKey(base.sso)}.json`),
      JSON.stringify({
        startUrl: base.sso.startUrl,
        region: 'us-east-1',
        accessToken: sso.issueAccessToken(),
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      }),
    );
    sso.throttleRolesPerSecond = LIMIT_PER_SECOND;
    const deps = createDeps({
      env,
      signal: new AbortController().signal,
      clock: systemClock,
      stdout: { write: () => true },
      stderr: { write: () => true },
    });
    const retries: string[] = [];
    deps.awsEvents.add((e) => {
      if (e.type === 'retry') retries.push(e.code);
    });
    const progress: string[] = [];

    const started = Date.now();
    // Start at 150/s, well over the portal's limit, so the limiter has to adapt.
    const inventory = await discoverSsoInventory(deps, base, {
      onProgress: (m) => progress.push(m),
      requestsPerSecond: 150,
    });
    const seconds = (Date.now() - started) / 1000;

    assert.equal(inventory.source, 'sso');
    assert.equal(inventory.baseId, base.id);
    assert.ok(Math.abs(Date.parse(inventory.fetchedAt) - Date.now()) < 60_000);
    assert.equal(inventory.accounts.length, ACCOUNTS);
    for (const account of inventory.accounts) {
      assert.deepEqual(account.roles, ['AdministratorAccess', 'Billing', 'ReadOnlyAccess'], account.id);
      assert.equal(account.status, 'ACTIVE');
      assert.equal(account.ouPath, '');
      assert.deepEqual(account.tags, {});
    }
    assert.deepEqual(inventory.accounts[0], {
      id: '100000000001',
      name: 'Account 0001',
      email: 'aws+1@example.com',
      status: 'ACTIVE',
      ouPath: '',
      tags: {},
      roles: ['AdministratorAccess', 'Billing', 'ReadOnlyAccess'],
    });
    assert.equal(sso.count('ListAccounts'), ACCOUNTS / 20);
    const answered = sso.requests.filter((r) => r.operation === 'ListAccountRoles' && r.status === 200);
    assert.equal(answered.length, ACCOUNTS, 'each account was read once');
    assert.ok(sso.throttled > 0, 'the portal did throttle (the test exercises the limiter)');
    assert.ok(retries.every((code) => code === 'TooManyRequestsException'));
    assert.ok(
      sso.throttled < ACCOUNTS / 2,
      `throttling stayed rare once the rate adapted (${sso.throttled} of ${sso.requests.length})`,
    );
    assert.deepEqual(progress, [
      `Identity Center lists ${ACCOUNTS} accounts; reading the roles offered in each`,
      `Read the roles of 100/${ACCOUNTS} accounts`,
      `Read the roles of 200/${ACCOUNTS} accounts`,
    ]);
    assert.ok(seconds < 30, `took ${seconds.toFixed(1)} s`);
    assert.deepEqual(sso.unmatched, []);
  });
});
