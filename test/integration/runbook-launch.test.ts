/**
 * The runbook layer's launcher, the way the console's `!` starts a runbook: from the operator's
 * catalog (a team runbook in their config directory), through the front end it is handed. The
 * screen here is a stand-in that answers nothing and records what it was given to draw; the real
 * one is tested in unit/runbook-screen. Without a front end the run is headless.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { transcriptPath } from '../../src/core/audit.js';
import { createDeps, type Deps, type OutputStream } from '../../src/aws/deps.js';
import { UsageError } from '../../src/core/errors.js';
import { xdgPaths } from '../../src/core/xdg.js';
import { launchRunbook } from '../../src/runbooks/launch.js';
import type { RunbookScreen } from '../../src/runbooks/run.js';
import type { RunbookScreenInput } from '../../src/runbooks/types.js';
import { memberClients } from '../helpers/aws.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv } from '../helpers/org-fixture.js';
import { TEAM_RUNBOOK } from '../fixtures/team-runbook.js';

describe('launchRunbook (how the console starts a runbook)', () => {
  let moto: Moto;
  let env: Record<string, string>;
  let production: string;

  before(async () => {
    moto = await startMoto();
    const org = await createOrgFixture(moto.endpoint, [{ name: 'Production', ou: 'Workloads' }]);
    production = org.byName('Production').id;
    const member = await memberClients(moto.endpoint, production);
    await member.iam.send(
      new CreateRoleCommand({
        RoleName: 'app-deployer',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    env = operatorEnv(moto.endpoint);
    const dir = join(env.XDG_CONFIG_HOME!, 'awsorg', 'runbooks');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'team-capture.yaml'), TEAM_RUNBOOK, { mode: 0o600 });
  });
  after(async () => moto?.stop());

  function depsFor(): { deps: Deps; notes: OutputStream & { text: string } } {
    const notes = {
      text: '',
      isTTY: false,
      write(chunk: string) {
        this.text += chunk;
        return true;
      },
    };
    const deps = createDeps({
      env,
      paths: xdgPaths(env),
      signal: new AbortController().signal,
      stdout: notes,
      stderr: notes,
      interactive: true,
    });
    return { deps, notes };
  }

  it('runs a team runbook from the config directory through the screen it is handed', async () => {
    const { deps, notes } = depsFor();
    const drawn: RunbookScreenInput[] = [];
    const screen: RunbookScreen = async (_deps, input, drive) => {
      drawn.push(input);
      return drive(
        {
          event: () => undefined,
          confirmAction: async () => false,
          acknowledge: async () => undefined,
        },
        new AbortController().signal,
      );
    };
    const code = await launchRunbook(
      deps,
      { runbookId: 'team-capture', incident: 'INC-51', params: { account: production, 'role-name': 'app-deployer' } },
      screen,
    );
    assert.equal(code, 0, notes.text);
    assert.equal(drawn.length, 1, 'the screen drew the run');
    assert.equal(drawn[0]!.runbook.id, 'team-capture');
    assert.equal(drawn[0]!.incident, 'INC-51');
    assert.deepEqual(
      drawn[0]!.steps.map((s) => s.id),
      ['capture'],
    );
    assert.ok(existsSync(transcriptPath(deps.paths, 'INC-51')), 'the run is recorded');
    assert.doesNotMatch(notes.text, /INC-51: completed/, 'the headless summary is not printed under a screen');
  });

  it('runs headless without a screen, and prints the summary itself', async () => {
    const { deps, notes } = depsFor();
    const code = await launchRunbook(deps, {
      runbookId: 'team-capture',
      incident: 'INC-52',
      params: { account: production, 'role-name': 'app-deployer' },
    });
    assert.equal(code, 0, notes.text);
    assert.match(notes.text, /team-capture for INC-52: completed/);
  });

  it('names an unknown runbook and how to list them, before any AWS call', async () => {
    const { deps } = depsFor();
    await assert.rejects(
      launchRunbook(deps, { runbookId: 'no-such-runbook', incident: 'INC-53', params: {} }),
      (err: unknown) => err instanceof UsageError && /no-such-runbook/.test(err.message),
    );
    assert.equal(existsSync(transcriptPath(deps.paths, 'INC-53')), false);
  });
});
