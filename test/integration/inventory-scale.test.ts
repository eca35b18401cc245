/**
 * Discovery at scale: 2,000 accounts in moto, behind a proxy that throttles AWS Organizations
 * the way AWS does (TooManyRequestsException above a request rate). `awsorg accounts` must
 * load every account with its OU path and tags, adapt its pace, and never fail on throttling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { startAwsProxy, type AwsProxy } from '../fixtures/aws-proxy.js';
import { clientsFor } from '../helpers/aws.js';
import { runCli } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { operatorEnv } from '../helpers/org-fixture.js';

const ACCOUNTS = 2_000;
/** Organizations requests per rolling second the proxy lets through before it throttles. */
const ALLOWED_PER_SECOND = 25;

describe('inventory discovery at scale', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  const expected = new Map<string, { ouPath: string; tags: Record<string, string> }>();

  before(async () => {
    moto = await startMoto();
    const org = clientsFor(moto.endpoint).organizations;
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    const prodOu = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Prod' })))
      .OrganizationalUnit!.Id!;
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ACCOUNTS) {
          const i = next++;
          const out = await org.send(
            new CreateAccountCommand({ AccountName: `account-${i}`, Email: `account-${i}@example.com` }),
          );
          const id = out.CreateAccountStatus!.AccountId!;
          let ouPath = '/';
          const tags: Record<string, string> = {};
          // Every 100th account sits in the Prod OU and carries a tag, so paths and tags are checked at scale.
          if (i % 100 === 0) {
            await org.send(
              new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: prodOu }),
            );
            await org.send(
              new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'environment', Value: 'production' }] }),
            );
            ouPath = '/Prod';
            tags.environment = 'production';
          }
          expected.set(id, { ouPath, tags });
        }
      }),
    );
    const window: number[] = [];
    proxy = await startAwsProxy({
      target: moto.endpoint,
      intercept: (req) => {
        if (req.service !== 'organizations') return undefined;
        const now = Date.now();
        while (window.length && now - window[0]! > 1000) window.shift();
        if (window.length >= ALLOWED_PER_SECOND) return { kind: 'throttle' };
        window.push(now);
        return undefined;
      },
    });
  });
  after(async () => {
    await proxy?.stop();
    await moto?.stop();
  });

  it(`loads ${ACCOUNTS} accounts with OU paths and tags through throttling, without failing`, {
    timeout: 600_000,
  }, async () => {
    const env = operatorEnv(proxy.endpoint);
    const r = await runCli(['accounts', '--json'], { env, timeoutMs: 600_000 });
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as {
      accounts: { id: string; ouPath: string; tags: Record<string, string>; production: string | null }[];
    };
    assert.equal(listed.accounts.length, ACCOUNTS + 1, 'every account plus the management account');
    for (const a of listed.accounts) {
      const want = expected.get(a.id);
      if (!want) continue; // the management account
      assert.equal(a.ouPath, want.ouPath, a.id);
      assert.deepEqual(a.tags, want.tags, a.id);
    }
    assert.equal(listed.accounts.filter((a) => a.production).length, ACCOUNTS / 100);
    assert.ok(proxy.stats.throttled > 0, 'the proxy did throttle, so the pacing was exercised');
    assert.equal(proxy.errors.length, 0);
    // Progress was shown while it worked.
    assert.match(r.stderr, /Read tags of \d+\/2001 accounts/);
  });
});
