/**
 * Account and OU names that carry terminal escapes (OSC 52 clipboard write, OSC 0 title, SGR,
 * BEL, backspace, U+202E, a newline that forges a row), created in moto and listed through the
 * built CLI: every human output shows them visibly and holds no raw control byte, while
 * `--json` keeps the exact values.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CreateAccountCommand, TagResourceCommand } from '@aws-sdk/client-organizations';
import { after, before, beforeEach, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { createOrgFixture, operatorEnv, type OrgFixture } from '../helpers/org-fixture.js';
import { assertNoRawControls, FORGED_ROW_ACCOUNT, HOSTILE_ACCOUNT, HOSTILE_OU, OSC52 } from '../helpers/terminal.js';

const HOSTILE_OU_SHOWN = 'Ops\\x1b]52;c;cHduZWQ=\\x07';
const HOSTILE_ACCOUNT_SHOWN = 'Evil\\x1b]0;owned\\x07\\x1b[31mred\\x08\\u202egnp.exe';
const TWIN = 'Twin\u001b]0;x\u0007';

describe('hostile account and OU names against moto', () => {
  let moto: Moto;
  let org: OrgFixture;
  let env: Record<string, string>;
  const twins: string[] = [];

  before(async () => {
    moto = await startMoto();
    org = await createOrgFixture(moto.endpoint, [
      { name: 'Staging', ou: 'Workloads' },
      { name: HOSTILE_ACCOUNT, ou: HOSTILE_OU, tags: { environment: 'production' } },
      { name: FORGED_ROW_ACCOUNT, ou: 'Workloads' },
    ]);
    // Two accounts whose names differ only in case make a target ambiguous: the error lists both.
    for (const [name, email] of [
      [TWIN, 'twin-a@example.com'],
      [TWIN.toUpperCase(), 'twin-b@example.com'],
    ] as const) {
      const created = await org.clients.organizations.send(
        new CreateAccountCommand({ AccountName: name, Email: email }),
      );
      const id = created.CreateAccountStatus!.AccountId!;
      twins.push(id);
    }
    await org.clients.organizations.send(
      new TagResourceCommand({ ResourceId: twins[0]!, Tags: [{ Key: 'note', Value: 'x\u001b]52;c;eA==\u0007' }] }),
    );
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(() => {
    env = operatorEnv(moto.endpoint);
  });

  it('accounts: the table shows the names visibly, holds no raw control byte, and a newline forges no row', async () => {
    const r = await runCli(['accounts'], { env });
    assert.equal(r.code, 0, r.stderr);
    assertNoRawControls(r.stdout, 'accounts stdout');
    assertNoRawControls(r.stderr, 'accounts stderr');
    assert.ok(r.stdout.includes(HOSTILE_ACCOUNT_SHOWN), r.stdout);
    assert.ok(r.stdout.includes(`/${HOSTILE_OU_SHOWN}`), r.stdout);
    assert.ok(r.stdout.includes('Forged\\n999999999999  Production  prod@example.com'), r.stdout);
    const lines = r.stdout.trimEnd().split('\n');
    // The header, the management account, and the five created.
    assert.equal(lines.length, 1 + 1 + 5, r.stdout);
    assert.ok(!lines.some((l) => l.startsWith('999999999999')), 'no forged row');
  });

  it('accounts --json keeps the exact names, JSON-escaped', async () => {
    const r = await runCli(['accounts', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assertNoRawControls(r.stdout, 'accounts --json stdout');
    const listed = JSON.parse(r.stdout) as {
      accounts: { id: string; name: string; ouPath: string; tags: Record<string, string> }[];
    };
    const evil = listed.accounts.find((a) => a.id === org.byName(HOSTILE_ACCOUNT).id)!;
    assert.equal(evil.name, HOSTILE_ACCOUNT);
    assert.equal(evil.ouPath, `/${HOSTILE_OU}`);
    assert.equal(listed.accounts.find((a) => a.id === org.byName(FORGED_ROW_ACCOUNT).id)!.name, FORGED_ROW_ACCOUNT);
    assert.equal(listed.accounts.find((a) => a.id === twins[0])!.tags.note, 'x\u001b]52;c;eA==\u0007');
    assert.ok(r.stdout.includes('"/Ops\\u001b]52;c;cHduZWQ=\\u0007"'), 'JSON escapes ESC and BEL');
    assert.ok(r.stdout.includes('\\u202egnp.exe'), 'and U+202E, which JSON.stringify leaves raw');
  });

  it('an error naming accounts (an ambiguous target) shows them visibly, at the one place errors are printed', async () => {
    const r = await runCli(['assume', TWIN.toLowerCase(), '--export'], { env });
    assert.equal(r.code, 2, r.stderr);
    assertNoRawControls(r.stderr, 'error output');
    assert.match(r.stderr, /matches 2 accounts/);
    const candidates = r.stderr.split('\n').filter((l) => /^ {2}\d{12} {2}/.test(l));
    assert.equal(candidates.length, 2, r.stderr);
    assert.ok(r.stderr.includes('Twin\\x1b]0;x\\x07') && r.stderr.includes('TWIN\\x1b]0;X\\x07'), r.stderr);
    assert.ok(r.stderr.includes('"twin\\x1b]0;x\\x07" matches'), 'the target the user typed is shown visibly too');
  });

  it('any error message is shown visibly where cli.ts prints it, its own line breaks kept', async () => {
    const r = await runCli(['alias', 'rm', `x${OSC52}\nforged line`], { env });
    assert.equal(r.code, 2, r.stderr);
    assertNoRawControls(r.stderr, 'error output');
    assert.ok(r.stderr.includes('there is no alias "x\\x1b]52;c;cHduZWQ=\\x07'), r.stderr);
    assert.match(r.stderr, /^Next step: /m, 'the Next step line stays a line of its own');
    const unknown = await runCli([`acc${OSC52}`], { env });
    assert.equal(unknown.code, 2);
    assertNoRawControls(unknown.stderr, 'unknown command output');
  });

  it('an unknown target suggests names visibly, and a forged row in a suggestion stays on one line', async () => {
    const r = await runCli(['assume', 'Forged', '--export'], { env });
    assert.equal(r.code, 2, r.stderr);
    assertNoRawControls(r.stderr, 'error output');
    assert.ok(!/^999999999999/m.test(r.stderr), r.stderr);
  });

  it('assume: the production notice and the session banner show the name visibly', async () => {
    const evil = org.byName(HOSTILE_ACCOUNT);
    const r = await runCli(['assume', evil.id, '--yes', '--exec', '--', 'true'], { env });
    assert.equal(r.code, 0, r.stderr);
    assertNoRawControls(r.stderr, 'assume stderr');
    assert.ok(r.stderr.includes(HOSTILE_ACCOUNT_SHOWN), r.stderr);
  });

  it('config generate --dry-run shows the names in its diff visibly', async () => {
    const r = await runCli(['config', 'generate', '--dry-run', '--region', 'eu-west-2'], { env });
    assert.equal(r.code, 0, r.stderr);
    assertNoRawControls(r.stdout, 'config generate diff');
    assertNoRawControls(r.stderr, 'config generate summary');
    assert.ok(r.stdout.includes(HOSTILE_ACCOUNT_SHOWN), r.stdout);
  });

  it('config generate writes the names into ~/.aws/config comments visibly, so `cat` plays no escape', async () => {
    const r = await runCli(['config', 'generate', '--region', 'eu-west-2'], { env });
    assert.equal(r.code, 0, r.stderr);
    const written = readFileSync(env.AWS_CONFIG_FILE!, 'utf8');
    assertNoRawControls(written, '~/.aws/config');
    assert.ok(written.includes(`# ${HOSTILE_ACCOUNT_SHOWN}`) || written.includes(HOSTILE_ACCOUNT_SHOWN), written);
    // A second run finds its own block unchanged: the visible form is stable.
    const again = await runCli(['config', 'generate', '--region', 'eu-west-2', '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(env.AWS_CONFIG_FILE!, 'utf8'), written);
  });

  it('alias set and alias list show the account name visibly', async () => {
    const evil = org.byName(HOSTILE_ACCOUNT);
    assert.equal((await runCli(['accounts'], { env })).code, 0);
    const set = await runCli(['alias', 'set', 'evil', evil.id], { env });
    assert.equal(set.code, 0, set.stderr);
    assertNoRawControls(set.stderr, 'alias set stderr');
    assert.ok(set.stderr.includes(HOSTILE_ACCOUNT_SHOWN), set.stderr);
    const list = await runCli(['alias', 'list'], { env });
    assert.equal(list.code, 0, list.stderr);
    assertNoRawControls(list.stdout, 'alias list stdout');
    assert.ok(list.stdout.includes(HOSTILE_ACCOUNT_SHOWN), list.stdout);
    const json = await runCli(['alias', 'list', '--json'], { env });
    assert.deepEqual(JSON.parse(json.stdout), { evil: evil.id });
  });
});
