/**
 * The console's sign-in URL (`c`) goes to the AWS federation endpoint. In a rehearsal, whose
 * header promises that nothing reaches AWS, it is refused before any request; elsewhere the
 * request goes through the injected `Deps.fetch`, and a failure inside the console names the
 * console's own key for exports, not the `--export` flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperatorContext } from '../../src/assume/context.js';
import { createDeps, type Deps } from '../../src/aws/deps.js';
import { DEFAULT_SETTINGS } from '../../src/core/settings.js';
import { liveOperations } from '../../src/ui/console/operations.js';
import { isolatedEnv } from '../helpers/cli.js';
import { fakeSession, fixtureInventory, SSO_BASE } from './console-fixture.js';

function context(): OperatorContext {
  return {
    settings: structuredClone(DEFAULT_SETTINGS),
    base: SSO_BASE,
    inventory: fixtureInventory(),
    inventoryFrom: 'cache',
  };
}

function depsWith(fetchImpl: typeof fetch): Deps {
  return createDeps({
    env: isolatedEnv(),
    signal: new AbortController().signal,
    stdout: { write: () => true },
    stderr: { write: () => true },
    interactive: false,
    fetch: fetchImpl,
  });
}

const session = () => fakeSession(fixtureInventory().accounts[6]!);

describe('console sign-in URL', () => {
  it('goes through Deps.fetch to the federation endpoint outside a rehearsal', async () => {
    const requested: string[] = [];
    const deps = depsWith((async (input: string | URL | Request) => {
      requested.push(String(input));
      return new Response(JSON.stringify({ SigninToken: 'TOKEN' }), { status: 200 });
    }) as typeof fetch);
    const url = await liveOperations(deps, context()).signInUrl(session());
    assert.deepEqual(requested, ['https://signin.aws.amazon.com/federation']);
    assert.match(url, /SigninToken=TOKEN/);
  });

  it('in a rehearsal, is refused with the reason, and no request leaves', async () => {
    const requested: string[] = [];
    const deps = depsWith((async (input: string | URL | Request) => {
      requested.push(String(input));
      return new Response('{}', { status: 200 });
    }) as typeof fetch);
    await assert.rejects(
      liveOperations(deps, context(), { rehearsal: 'http://127.0.0.1:4566' }).signInUrl(session()),
      (err: Error & { nextStep?: string }) => {
        assert.match(err.message, /rehearsal/);
        assert.match(err.message, /signin\.aws\.amazon\.com/);
        return true;
      },
    );
    assert.deepEqual(requested, [], 'nothing was sent to the sign-in endpoint');
  });

  it("when the endpoint cannot be reached, the console's next step names its own key (e), not --export", async () => {
    const deps = depsWith((async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch);
    await assert.rejects(liveOperations(deps, context()).signInUrl(session()), (err: Error & { nextStep?: string }) => {
      assert.match(err.message, /could not reach the federation endpoint/);
      assert.doesNotMatch(err.nextStep ?? '', /--export/);
      assert.match(err.nextStep ?? '', /press e/);
      return true;
    });
  });
});
