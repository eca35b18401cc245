/**
 * The `awsorg bootstrap` wizard in a real terminal (tmux), against moto:
 *
 * 1. The whole first day: welcome, sign-in with the environment's keys, an account renamed in
 *    the blueprint editor (staging → qa), the plan, the apply, the move of a real local
 *    Terraform state into the new bucket (terraform init + apply beforehand, terraform
 *    init -migrate-state by the wizard), and the done screen. Afterwards the organization, the
 *    accounts in their OUs, the state object and the saved awsorg.yaml are read back. The apply
 *    ends with the Terraform hand-off (terraform.handoff, on in the presets): its code is written
 *    next to main.tf, the organization imported into that local state, and `plan` finds no
 *    changes before the move and after it.
 * 2. Ctrl-C while accounts are being created (the proxy in front of moto slows CreateAccount and
 *    DescribeCreateAccountStatus down), exit 130, then a second run offers Resume and finishes:
 *    every account exists exactly once and was asked for exactly once, and the hand-off runs once,
 *    in the resumed run.
 * 3. Rehearsals: the hand-off writes into the rehearsal workspace; the working directory gets
 *    nothing but the blueprint, and that only when asked.
 *
 * Every step waits for what the screen shows, never for time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DescribeOrganizationCommand,
  DescribeOrganizationalUnitCommand,
  ListAccountsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse as parseYaml } from 'yaml';
import { loadBlueprint } from '../../src/core/blueprint-load.js';
import type { AwsProxy } from '../fixtures/aws-proxy.js';
import { clientsFor, type Clients } from '../helpers/aws.js';
import { CLI, tempDir } from '../helpers/cli.js';
import { startMoto, startMotoBehindProxy, type Moto } from '../helpers/moto.js';
import { assertNoDuplicates } from '../helpers/org-assert.js';
import { MOTO_MANAGEMENT_ACCOUNT, operatorEnv } from '../helpers/org-fixture.js';
import { terraform } from '../helpers/terraform.js';
import { TmuxSession, tmuxAvailable, waitForFile } from '../helpers/tmux.js';

const MAIN_TF = `resource "terraform_data" "bootstrap" {
  input = "first day"
}
`;

/** The standard preset's accounts and their OUs, with staging renamed to qa in test 1. */
const STANDARD_ACCOUNTS: Record<string, string> = {
  'log-archive': 'Security',
  audit: 'Security',
  'shared-services': 'Infrastructure',
  development: 'Workloads',
  staging: 'Workloads',
  production: 'Workloads',
};
const STANDARD_OUS = ['Security', 'Infrastructure', 'Workloads', 'Sandbox'];

function onPath(command: string): boolean {
  return spawnSync('/bin/sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

function assertTools(opts: { terraform: boolean }): void {
  assert.ok(tmuxAvailable(), 'tmux is required for the terminal tests (apt-get install tmux)');
  assert.ok(onPath('moto_server'), "moto_server is required for the wizard tests (pip install 'moto[server]')");
  if (opts.terraform)
    assert.ok(
      onPath('terraform'),
      'terraform is required for the wizard state migration test (https://developer.hashicorp.com/terraform/install)',
    );
}

/**
 * The pane's whole history, scrollback included. What the CLI prints as it exits is read from
 * here: when the command ends, tmux writes "Pane is dead" on the last line, which scrolls the
 * screen up by one line (a one-line message goes off the visible screen).
 */
function scrollback(tmux: TmuxSession): string {
  const r = spawnSync('tmux', ['-L', tmux.socket, 'capture-pane', '-p', '-S', '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The line the cursor marks with `>` (menus, the editor, the plan), or ''. */
function cursorLine(screen: string): string {
  return screen.split('\n').find((l) => l.startsWith('>')) ?? '';
}

/** Press j until the cursor line matches `target`, waiting after each press for the cursor to move. */
async function moveCursorTo(tmux: TmuxSession, target: RegExp, what: string, maxPresses = 40): Promise<string> {
  let screen = tmux.capture();
  for (let i = 0; i <= maxPresses; i++) {
    if (target.test(cursorLine(screen))) return screen;
    const before = cursorLine(screen);
    tmux.keys('j');
    screen = await tmux.waitFor(
      (s) => cursorLine(s) !== before,
      `the cursor to move off "${before.trim()}" towards ${what}`,
    );
  }
  throw new Error(`the cursor never reached ${what} in ${maxPresses} presses; the screen shows:\n${screen}`);
}

/** Welcome (the first menu row) → sign in with the environment's keys → continue. */
async function chooseFirstRowAndSignIn(tmux: TmuxSession, firstRow: string): Promise<void> {
  await tmux.waitFor(
    (s) => s.includes('What exists') && cursorLine(s).includes(firstRow),
    `the welcome menu with "${firstRow}" first`,
    60_000,
  );
  tmux.keys('Enter');
  await tmux.waitFor(
    (s) => /^> Current credentials — access key AKIAIOSFODNN7EXAMPLE from the environment/m.test(s),
    'the sign-in methods',
  );
  tmux.keys('Enter');
  const who = await tmux.waitForText('Press Enter to continue with this identity.', 30_000);
  assert.match(who, /Who you are/);
  assert.match(who, new RegExp(`Account\\s+${MOTO_MANAGEMENT_ACCOUNT}`));
  tmux.keys('Enter');
}

/** At the plan: a, type yes, Enter; then wait for the apply to finish. */
async function confirmAndApply(tmux: TmuxSession): Promise<string> {
  tmux.keys('a');
  await tmux.waitForText('Type yes and press Enter');
  tmux.type('yes');
  await tmux.waitForText('yes▏');
  tmux.keys('Enter');
  await tmux.waitFor((s) => s.includes('Applying…') || s.includes('Applied:'), 'the apply screen');
  return tmux.waitFor(
    (s) => /^Applied: \d+ changes? in /m.test(s) || s.includes('Apply stopped on an error.'),
    'the apply to finish',
    120_000,
  );
}

async function accountsByName(aws: Clients): Promise<Map<string, string[]>> {
  const accounts = (await aws.organizations.send(new ListAccountsCommand({}))).Accounts ?? [];
  const byName = new Map<string, string[]>();
  for (const a of accounts) byName.set(a.Name!, [...(byName.get(a.Name!) ?? []), a.Id!]);
  return byName;
}

async function ouNameOf(aws: Clients, accountId: string): Promise<string> {
  const parent = (await aws.organizations.send(new ListParentsCommand({ ChildId: accountId }))).Parents?.[0];
  assert.ok(parent?.Id, `account ${accountId} has a parent`);
  if (parent.Type !== 'ORGANIZATIONAL_UNIT') return 'Root';
  return (await aws.organizations.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: parent.Id })))
    .OrganizationalUnit!.Name!;
}

function stateMeta(text: string): { lineage: string; serial: number } {
  const parsed = JSON.parse(text) as { lineage: string; serial: number };
  return { lineage: parsed.lineage, serial: parsed.serial };
}

describe('awsorg bootstrap wizard in a pseudo-terminal: the whole first day', { timeout: 300_000 }, () => {
  let moto: Moto;
  let aws: Clients;
  const cleanup: string[] = [];

  before(async () => {
    assertTools({ terraform: true });
    moto = await startMoto();
    aws = clientsFor(moto.endpoint);
  });
  after(async () => {
    for (const client of Object.values(aws ?? {})) client.destroy();
    await moto?.stop();
    for (const path of cleanup) rmSync(path, { recursive: true, force: true });
  });

  it('signs in, renames an account, plans, applies, migrates the Terraform state, and quits with 0', async () => {
    const work = tempDir('awsorg-wizard-e2e-');
    cleanup.push(work);
    const exitFile = join(work, 'exit-code.txt');
    const env = operatorEnv(moto.endpoint, {
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
    });
    assert.equal('CI' in env, false, 'the wizard runs as on an operator terminal: no CI in its environment');
    cleanup.push(env.HOME!);

    // ./bootstrap: a real Terraform directory with local state.
    const tfDir = join(work, 'bootstrap');
    mkdirSync(tfDir);
    writeFileSync(join(tfDir, 'main.tf'), MAIN_TF);
    const init = await terraform(['init', '-input=false', '-no-color'], tfDir, env);
    assert.equal(init.code, 0, init.output);
    const applied = await terraform(['apply', '-auto-approve', '-input=false', '-no-color'], tfDir, env);
    assert.equal(applied.code, 0, applied.output);
    const local = stateMeta(readFileSync(join(tfDir, 'terraform.tfstate'), 'utf8'));

    const tmux = TmuxSession.start({
      argv: [
        '/bin/sh',
        '-c',
        `"${process.execPath}" "${CLI}" bootstrap --omit-tls-deny --allow-placeholders; echo "$?" > "${exitFile}"`,
      ],
      env,
      cwd: work,
      columns: 120,
      rows: 40,
    });
    try {
      // Welcome: account 123456789012 is in no organization yet.
      const welcome = await tmux.waitFor(
        (s) => s.includes('What exists') && cursorLine(s).includes('Create a new organization from a blueprint'),
        'the welcome menu',
        60_000,
      );
      assert.match(welcome, /Account 123456789012 is not in an organization/);
      await chooseFirstRowAndSignIn(tmux, 'Create a new organization from a blueprint');

      // Blueprint editor: the standard preset; rename staging to qa.
      const editor = await tmux.waitFor(
        (s) =>
          s.includes('Blueprint: preset standard') && s.includes('Accounts (6)') && s.includes('Continue to the plan'),
        'the blueprint editor',
        30_000,
      );
      assert.match(editor, /^\s+staging\s+aws\+staging@example\.com\s+Workloads/m);
      await moveCursorTo(tmux, /^>\s+staging\s/, 'the staging row');
      tmux.keys('Enter');
      await tmux.waitFor((s) => /^>\s+staging▏/.test(cursorLine(s)), 'staging in a text field');
      // One Backspace at a time, as typed, each seen on screen before the next.
      for (let left = 'staging'.length - 1; left >= 0; left--) {
        tmux.keys('BSpace');
        const draft = 'staging'.slice(0, left);
        await tmux.waitFor(
          (s) => new RegExp(`^>\\s+${draft}▏\\s+aws\\+staging@example\\.com`).test(cursorLine(s)),
          `the name field showing "${draft}"`,
        );
      }
      tmux.type('qa');
      await tmux.waitFor((s) => /^>\s+qa▏/.test(cursorLine(s)), 'qa typed');
      tmux.keys('Enter');
      const renamed = await tmux.waitFor(
        (s) => /^>\s+qa\s+aws\+staging@example\.com\s+Workloads/.test(cursorLine(s)),
        'qa kept as the name',
      );
      assert.doesNotMatch(renamed, /^\s+staging\s/m);
      assert.match(renamed, /✓ valid/);

      // Continue: saves ./awsorg.yaml and plans.
      tmux.keys('End');
      await tmux.waitFor((s) => cursorLine(s).includes('Continue to the plan'), 'the cursor on Continue');
      tmux.keys('Enter');
      const plan = await tmux.waitFor(
        (s) => /^Plan: \d+ changes in \d+ steps/m.test(s) || s.includes('The plan could not be made.'),
        'the plan',
        60_000,
      );
      assert.match(plan, /^Plan: \d+ changes in \d+ steps\s+for account 123456789012/m, plan);
      assert.match(plan, /Member accounts: 6 changes/);
      assert.match(plan, /\+ organizations:CreateAccount/);
      assert.match(plan, /Saved the blueprint to awsorg\.yaml\./);

      const done = await confirmAndApply(tmux);
      assert.match(done, /^Applied: \d+ changes in /m, done);
      assert.match(done, /✓ Member accounts\s+6 changes/);
      tmux.keys('Enter');

      // State: the apply's hand-off (terraform.handoff, on in the preset) wrote its code next to
      // main.tf and imported the organization into the same local state; the move comes next.
      const state = await tmux.waitFor(
        (s) =>
          s.includes('Move the bootstrap Terraform state into the state bucket') &&
          /Local state\s+lineage/.test(s) &&
          /Before move\s+terraform plan/.test(s),
        'the local state and the hand-off on the state screen',
        60_000,
      );
      assert.match(state, /^Terraform code in \.\/bootstrap \(terraform\.handoff\)$/m, state);
      assert.match(state, /Written\s+ci-oidc\.tf, /);
      const imported = Number(/Imports\s+(\d+) resources imported into the local state/.exec(state)?.[1]);
      assert.ok(imported > 30, `the hand-off imported the organization (${imported} resources):\n${state}`);
      assert.match(state, /Before move\s+terraform plan: no changes ✓\s+\(imports only, applied\)/);
      assert.match(state, /After move\s+terraform plan runs once the state is in the bucket/);
      // The imports went into the operator's own state: same lineage, a newer serial, their resource and the imported ones.
      const handed = stateMeta(readFileSync(join(tfDir, 'terraform.tfstate'), 'utf8'));
      assert.equal(handed.lineage, local.lineage, 'the hand-off imports into the existing local state, not a new one');
      assert.ok(
        handed.serial > local.serial,
        `the imports wrote the local state (serial ${local.serial} → ${handed.serial})`,
      );
      assert.match(
        state,
        new RegExp(`Local state\\s+lineage ${local.lineage}, serial ${handed.serial}, ${1 + imported} resources`),
        state,
      );
      assert.match(state, /Into\s+s3:\/\/example-tfstate-change-me\/bootstrap\/terraform\.tfstate/);
      assert.equal(readFileSync(join(tfDir, 'main.tf'), 'utf8'), MAIN_TF, "the operator's main.tf is left as it was");
      for (const name of ['organization.tf', 'imports.tf', 'versions.tf'])
        assert.ok(existsSync(join(tfDir, name)), `the hand-off wrote ./bootstrap/${name}`);
      tmux.keys('Enter');
      // Moved and read back (lineage and serial, in one line), then plan against the bucket: no changes.
      const verified = await tmux.waitFor(
        (s) => /After move\s+(terraform plan: no changes ✓|✗)/.test(s) || s.includes('Enter try again'),
        'the verified migration and the plan after it',
        180_000,
      );
      assert.match(
        verified,
        new RegExp(`Moved\\s+local state → bucket ✓\\s+same lineage, serial ${handed.serial} → ${handed.serial}`),
        verified,
      );
      assert.match(verified, /After move\s+terraform plan: no changes ✓\s+\(against the bucket\)/, verified);
      assert.match(verified, /Before move\s+terraform plan: no changes ✓/);
      assert.match(verified, /Enter finish/);
      tmux.keys('Enter');

      // Done: what was made, with ids; q quits with 0 and leaves a summary behind.
      const summary = await tmux.waitForText('Your organization is bootstrapped.');
      assert.match(
        summary,
        /State\s+s3:\/\/example-tfstate-change-me\/bootstrap\/terraform\.tfstate \(migrated and verified\)/,
      );
      assert.match(summary, new RegExp(`Terraform\\s+\\./bootstrap: \\d+ files, ${imported} imports`), summary);
      assert.match(summary, /Plan\s+terraform plan: no changes before the move, no changes after it/);
      const qaId = /(\d{12})\s+qa$/m.exec(summary)?.[1];
      assert.ok(qaId, `the done screen lists qa with its id:\n${summary}`);
      tmux.type('q');
      assert.equal(await waitForFile(exitFile, 'the exit code'), '0');
      const farewell = scrollback(tmux);
      assert.match(
        farewell,
        /awsorg: organization o-\w+ is bootstrapped\./,
        `the summary left on the terminal:\n${farewell}`,
      );
      assert.match(farewell, new RegExp(`account qa\\s+${qaId}`));

      // What moto holds now.
      const org = (await aws.organizations.send(new DescribeOrganizationCommand({}))).Organization;
      assert.equal(org?.MasterAccountId, MOTO_MANAGEMENT_ACCOUNT);
      assert.equal(org?.FeatureSet, 'ALL');
      const byName = await accountsByName(aws);
      assert.deepEqual(byName.get('qa'), [qaId], 'one account named qa, the one the done screen showed');
      assert.equal(byName.has('staging'), false, 'no account named staging');
      const expected = { ...STANDARD_ACCOUNTS, qa: 'Workloads' } as Record<string, string>;
      delete expected.staging;
      for (const [name, ou] of Object.entries(expected)) {
        const ids = byName.get(name) ?? [];
        assert.equal(ids.length, 1, `exactly one account named ${name}`);
        assert.equal(await ouNameOf(aws, ids[0]!), ou, `${name} is in ${ou}`);
      }
      assert.equal([...byName.values()].flat().length, 7, 'six member accounts and the management account');

      // The saved blueprint: written by the wizard, loads as --config would, and has qa.
      const blueprintFile = join(work, 'awsorg.yaml');
      const saved = parseYaml(readFileSync(blueprintFile, 'utf8')) as {
        accounts: { name: string }[];
        stateBackend: { bucket: string };
        terraform: { key: string; dir: string };
      };
      assert.deepEqual(
        saved.accounts.map((a) => a.name),
        ['log-archive', 'audit', 'shared-services', 'development', 'qa', 'production'],
      );
      const loaded = await loadBlueprint(blueprintFile, { allowPlaceholders: true });
      assert.ok(loaded.blueprint.accounts.some((a) => a.name === 'qa' && a.ou === 'Workloads'));
      assert.equal(loaded.blueprint.terraform?.dir, './bootstrap');

      // The state object in the bucket the blueprint names is the local state that was applied.
      const backups = readdirSync(tfDir).filter((n) => n.startsWith('terraform.tfstate.awsorg-backup-'));
      assert.equal(backups.length, 1, `one backup of the local state: ${readdirSync(tfDir).join(', ')}`);
      const backup = stateMeta(readFileSync(join(tfDir, backups[0]!), 'utf8'));
      assert.deepEqual(backup, handed, 'the backup is the local state as the hand-off left it');
      const object = await aws.s3.send(
        new GetObjectCommand({ Bucket: saved.stateBackend.bucket, Key: saved.terraform.key }),
      );
      const remote = stateMeta((await object.Body?.transformToString()) ?? '');
      assert.equal(remote.lineage, backup.lineage);
      assert.ok(
        remote.serial >= backup.serial,
        `remote serial ${remote.serial} is not older than the local ${backup.serial}`,
      );
      assert.match(
        readFileSync(join(tfDir, 'backend.tf'), 'utf8'),
        new RegExp(`bucket\\s+= "${saved.stateBackend.bucket}"`),
      );
    } finally {
      tmux.kill();
    }
  });
});

describe('awsorg bootstrap wizard in a pseudo-terminal: Ctrl-C during apply, then Resume', { timeout: 300_000 }, () => {
  let stopAll: (() => Promise<void>) | undefined;
  let moto: Moto;
  let proxy: AwsProxy;
  let aws: Clients;
  const cleanup: string[] = [];
  /** CreateAccount requests by email, across both runs. */
  const createAccountCalls = new Map<string, number>();

  before(async () => {
    // The apply ends with the Terraform hand-off (terraform.handoff in the preset): terraform is needed.
    assertTools({ terraform: true });
    const started = await startMotoBehindProxy();
    stopAll = started.stop;
    moto = started.moto;
    proxy = started.proxy;
    aws = clientsFor(moto.endpoint);
    // Account creation is slow, as it is in AWS: long enough to press Ctrl-C in the middle of it.
    proxy.setInterceptor(async (request) => {
      if (
        request.service !== 'organizations' ||
        (request.action !== 'CreateAccount' && request.action !== 'DescribeCreateAccountStatus')
      )
        return undefined;
      if (request.action === 'CreateAccount') {
        const email = String(
          (JSON.parse(request.body?.toString('utf8') || '{}') as { Email?: string }).Email,
        ).toLowerCase();
        createAccountCalls.set(email, (createAccountCalls.get(email) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 1_500));
      return { kind: 'forward' };
    });
  });
  after(async () => {
    for (const client of Object.values(aws ?? {})) client.destroy();
    await stopAll?.();
    for (const path of cleanup) rmSync(path, { recursive: true, force: true });
  });

  it('stops safely at a safe point (exit 130), and the next run resumes to exactly the blueprint', async () => {
    const work = tempDir('awsorg-wizard-resume-e2e-');
    cleanup.push(work);
    const env = operatorEnv(proxy.endpoint, {
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
    });
    assert.equal('CI' in env, false, 'the wizard runs as on an operator terminal: no CI in its environment');
    cleanup.push(env.HOME!);
    const start = (exitFile: string) =>
      TmuxSession.start({
        argv: [
          '/bin/sh',
          '-c',
          `"${process.execPath}" "${CLI}" bootstrap --omit-tls-deny --allow-placeholders; echo "$?" > "${exitFile}"`,
        ],
        env,
        cwd: work,
        columns: 120,
        rows: 40,
      });

    // First run: to the plan, apply, and Ctrl-C while the accounts are being created.
    const firstExit = join(work, 'first-exit-code.txt');
    const first = start(firstExit);
    try {
      await chooseFirstRowAndSignIn(first, 'Create a new organization from a blueprint');
      await first.waitFor(
        (s) => s.includes('Blueprint: preset standard') && s.includes('Continue to the plan'),
        'the blueprint editor',
        30_000,
      );
      first.keys('End');
      await first.waitFor((s) => cursorLine(s).includes('Continue to the plan'), 'the cursor on Continue');
      first.keys('Enter');
      await first.waitFor((s) => /^Plan: \d+ changes in \d+ steps/m.test(s), 'the plan', 60_000);
      first.keys('a');
      await first.waitForText('Type yes and press Enter');
      first.type('yes');
      await first.waitForText('yes▏');
      first.keys('Enter');
      const inFlight = await first.waitFor(
        (s) => /● Member accounts/.test(s) && /^\s+… organizations:CreateAccount\s+Create account /m.test(s),
        'an account creation in flight',
        60_000,
      );
      assert.match(inFlight, /^Applying… /m);
      first.keys('C-c');
      const stopped = await first.waitFor(
        (s) => s.includes('Stopped.') || s.includes('Apply stopped on an error.'),
        'the stopped screen',
        60_000,
      );
      assert.match(stopped, /^Stopped\. Nothing is half-done: the journal records every change\./m, stopped);
      assert.match(
        stopped,
        /Progress is saved in awsorg\.journal\.json\. To resume, run awsorg bootstrap and\s+choose\s+Resume/,
      );
      assert.match(stopped, /■ Member accounts/);
      first.type('q');
      assert.equal(await waitForFile(firstExit, 'the exit code of the stopped run'), '130');
      const farewell = scrollback(first);
      assert.match(
        farewell,
        /awsorg: stopped safely\. Progress is saved in awsorg\.journal\.json; to resume, run awsorg bootstrap and choose Resume\./,
        farewell,
      );
    } finally {
      first.kill();
    }

    // The stop came before every account was asked for; the journal is there and not complete.
    const afterStop = await accountsByName(aws);
    const membersAfterStop = [...afterStop.keys()].filter((n) => n in STANDARD_ACCOUNTS);
    assert.ok(
      membersAfterStop.length < 6,
      `the stop left accounts to create, but all exist: ${membersAfterStop.join(', ')}`,
    );
    const journal = JSON.parse(readFileSync(join(work, 'awsorg.journal.json'), 'utf8')) as { completedAt?: string };
    assert.equal(journal.completedAt, undefined, 'the journal of the stopped run is not complete');
    // The hand-off comes after the accounts: the stopped run wrote no Terraform code.
    assert.equal(existsSync(join(work, 'bootstrap')), false, 'the stopped run wrote no ./bootstrap');

    // Second run: Resume is offered first, goes straight to the plan, and finishes.
    const secondExit = join(work, 'second-exit-code.txt');
    const second = start(secondExit);
    try {
      const welcome = await second.waitFor(
        (s) => s.includes('What exists') && cursorLine(s).includes('Resume the interrupted run of awsorg.yaml'),
        'Resume offered first',
        60_000,
      );
      assert.match(welcome, /An interrupted run of awsorg\.yaml was found \(journal awsorg\.journal\.json\)/);
      await chooseFirstRowAndSignIn(second, 'Resume the interrupted run of awsorg.yaml');
      const plan = await second.waitFor(
        (s) => /^Plan: \d+ changes? in \d+ steps?/m.test(s) || s.includes('The plan could not be made.'),
        'the resumed plan',
        60_000,
      );
      assert.match(plan, /\[Plan\]/, 'resume goes straight to the plan');
      assert.match(plan, /^Plan: \d+ changes? in \d+ steps?/m, plan);
      // Only the accounts the stopped run did not create are planned.
      const missing = 6 - membersAfterStop.length;
      assert.match(plan, new RegExp(`Member accounts: ${missing} changes?\\b`), plan);
      assert.match(plan, /✓ Organizational units: no changes/);
      const done = await confirmAndApply(second);
      assert.match(done, /^Applied: \d+ changes? in /m, done);
      assert.match(done, new RegExp(`✓ Member accounts\\s+${missing} changes?\\b`));
      second.keys('Enter');
      // The resumed apply ran the hand-off once, into a new ./bootstrap: the whole organization
      // imported, plan with no changes; then the move, and plan against the bucket finds none either.
      const state = await second.waitFor(
        (s) =>
          s.includes('Move the bootstrap Terraform state into the state bucket') &&
          /Local state\s+lineage/.test(s) &&
          /Before move\s+terraform plan/.test(s),
        'the state screen with the hand-off',
        60_000,
      );
      assert.match(state, /^Terraform code in \.\/bootstrap \(terraform\.handoff\)$/m, state);
      const imported = Number(/Imports\s+(\d+) resources imported into the local state/.exec(state)?.[1]);
      assert.ok(imported > 30, `the resumed run imported the organization (${imported} resources):\n${state}`);
      assert.match(
        state,
        new RegExp(`Local state\\s+lineage [0-9a-f-]{36}, serial \\d+, ${imported} resources`),
        state,
      );
      assert.match(state, /Before move\s+terraform plan: no changes ✓\s+\(imports only, applied\)/);
      second.keys('Enter');
      const verified = await second.waitFor(
        (s) => /After move\s+(terraform plan: no changes ✓|✗)/.test(s) || s.includes('Enter try again'),
        'the verified move and the plan after it',
        180_000,
      );
      assert.match(verified, /Moved\s+local state → bucket ✓\s+same lineage/, verified);
      assert.match(verified, /After move\s+terraform plan: no changes ✓\s+\(against the bucket\)/, verified);
      second.keys('Enter');
      await second.waitForText('Your organization is bootstrapped.');
      second.type('q');
      assert.equal(await waitForFile(secondExit, 'the exit code of the resumed run'), '0');
    } finally {
      second.kill();
    }

    // Exactly the blueprint: six member accounts, each once, each asked for once; four OUs, each once.
    const byName = await accountsByName(aws);
    const members = [...byName.entries()].filter(([, ids]) => !ids.includes(MOTO_MANAGEMENT_ACCOUNT));
    assert.deepEqual(members.map(([name]) => name).sort(), Object.keys(STANDARD_ACCOUNTS).sort());
    for (const [name, ids] of members)
      assert.equal(ids.length, 1, `account ${name} exists once, not ${ids.length} times`);
    for (const [name, ou] of Object.entries(STANDARD_ACCOUNTS))
      assert.equal(await ouNameOf(aws, byName.get(name)![0]!), ou, `${name} is in ${ou}`);
    const root = (await aws.organizations.send(new ListRootsCommand({}))).Roots![0]!;
    const ous =
      (await aws.organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root.Id! })))
        .OrganizationalUnits ?? [];
    assert.deepEqual(ous.map((o) => o.Name!).sort(), [...STANDARD_OUS].sort());
    await assertNoDuplicates(aws, { accounts: 6, ous: 4, scps: 4 });
    assert.deepEqual(
      [...createAccountCalls.entries()].sort(),
      Object.keys(STANDARD_ACCOUNTS)
        .map((name) => [`aws+${name}@example.com`, 1] as [string, number])
        .sort(),
      'CreateAccount was sent once per account across both runs',
    );
  });
});

describe('awsorg bootstrap --rehearse in a pseudo-terminal (the README main job)', { timeout: 120_000 }, () => {
  it('starts its own emulator, signs in with its dummy keys, opens the blueprint, and stops the emulator on exit', async () => {
    assert.ok(tmuxAvailable(), 'tmux is required for the terminal tests');
    assert.ok(onPath('moto_server'), 'moto_server is required: pipx install "moto[server]"');
    const work = tempDir('awsorg-wizard-rehearse-');
    const exitFile = join(work, 'exit-code.txt');
    const { isolatedEnv } = await import('../helpers/cli.js');
    const env = isolatedEnv({ TERM: 'xterm-256color', LANG: 'C.UTF-8' });
    const tmux = TmuxSession.start({
      argv: ['/bin/sh', '-c', `"${process.execPath}" "${CLI}" bootstrap --rehearse; echo "$?" > "${exitFile}"`],
      env,
      cwd: work,
      columns: 80,
      rows: 30,
    });
    try {
      const welcome = await tmux.waitFor(
        (s) => s.includes('What exists') && s.includes('REHEARSAL'),
        'the rehearsal welcome screen',
        60_000,
      );
      const endpoint = /local emulator (http:\/\/127\.0\.0\.1:\d+)/.exec(welcome)?.[1];
      assert.ok(endpoint, `the header names the emulator endpoint:\n${welcome}`);
      assert.match(welcome, /Account 123456789012 is not in an organization/);
      tmux.keys('Enter');
      await tmux.waitFor((s) => cursorLine(s).includes("the emulator's dummy keys"), 'the sign-in methods');
      tmux.keys('Enter');
      await tmux.waitForText('Who you are');
      tmux.keys('Enter');
      await tmux.waitFor((s) => s.includes('Blueprint: preset standard'), 'the blueprint editor');
      tmux.keys('C-c');
      assert.equal(await waitForFile(exitFile, 'the exit code'), '130');
      // The emulator is gone with the wizard, and nothing was saved before the plan.
      await assert.rejects(fetch(`${endpoint}/moto-api/`), 'the emulator is stopped on exit');
      assert.equal(existsSync(join(work, 'awsorg.yaml')), false);
    } finally {
      tmux.kill();
      rmSync(work, { recursive: true, force: true });
      rmSync(env.HOME!, { recursive: true, force: true });
    }
  });
});

describe('awsorg bootstrap --rehearse at 80×24: text-field keys and Ctrl-C that asks first (issue 12 items 18, 20, 21)', {
  timeout: 120_000,
}, () => {
  it('edits a name with Ctrl-W, Left and Ctrl-U; Ctrl-C with unsaved edits asks, n keeps them, a second Ctrl-C quits with 130', async () => {
    assert.ok(tmuxAvailable(), 'tmux is required for the terminal tests');
    assert.ok(onPath('moto_server'), 'moto_server is required: pipx install "moto[server]"');
    const work = tempDir('awsorg-wizard-keys-');
    const exitFile = join(work, 'exit-code.txt');
    const { isolatedEnv } = await import('../helpers/cli.js');
    const env = isolatedEnv({ TERM: 'xterm-256color', LANG: 'C.UTF-8' });
    const tmux = TmuxSession.start({
      argv: ['/bin/sh', '-c', `"${process.execPath}" "${CLI}" bootstrap --rehearse; echo "$?" > "${exitFile}"`],
      env,
      cwd: work,
      columns: 80,
      rows: 24,
    });
    try {
      const welcome = await tmux.waitFor(
        (s) => s.includes('What exists') && s.includes('REHEARSAL'),
        'the rehearsal welcome screen',
        60_000,
      );
      assert.match(welcome, /REHEARSAL · nothing reaches AWS/, 'the safety line is whole at 80 columns');
      tmux.keys('Enter');
      await tmux.waitFor((s) => cursorLine(s).includes("the emulator's dummy keys"), 'the sign-in methods');
      tmux.keys('Enter');
      await tmux.waitForText('Who you are');
      tmux.keys('Enter');
      await tmux.waitFor((s) => s.includes('Blueprint: preset standard'), 'the blueprint editor');
      await moveCursorTo(tmux, /^>\s+shared-services\s/, 'the shared-services row');
      tmux.keys('Enter');
      await tmux.waitFor((s) => /^>\s+shared-services▏/.test(cursorLine(s)), 'shared-services in a text field');
      tmux.keys('C-w');
      await tmux.waitFor((s) => /^>\s+shared-▏/.test(cursorLine(s)), 'Ctrl-W erased the last word');
      tmux.type('tools');
      await tmux.waitFor((s) => /^>\s+shared-tools▏/.test(cursorLine(s)), 'tools typed');
      tmux.keys('Left');
      tmux.keys('Left');
      tmux.keys('Left');
      tmux.keys('Left');
      tmux.keys('Left');
      await tmux.waitFor((s) => /^>\s+shared-▏tools/.test(cursorLine(s)), 'the cursor moved left five times');
      tmux.keys('C-u');
      await tmux.waitFor((s) => /^>\s+▏tools/.test(cursorLine(s)), 'Ctrl-U erased everything before the cursor');
      tmux.keys('Enter');
      await tmux.waitFor(
        (s) => /^>\s+tools\s+aws\+shared-services@example\.com/.test(cursorLine(s)),
        'tools kept as the name',
      );

      tmux.keys('C-c');
      const asked = await tmux.waitForText('Quit? Your unsaved blueprint edits will be lost.');
      assert.match(asked, /y quit · any other key: stay · Ctrl-C again: quit/);
      tmux.type('n');
      const stayed = await tmux.waitForText('Not quitting: everything is as you left it.');
      assert.match(cursorLine(stayed), /^>\s+tools\s/, 'the edit is still there');
      assert.equal(existsSync(exitFile), false, 'the wizard is still running');

      tmux.keys('C-c');
      await tmux.waitForText('Quit? Your unsaved blueprint edits will be lost.');
      tmux.keys('C-c');
      assert.equal(await waitForFile(exitFile, 'the exit code'), '130');
    } finally {
      tmux.kill();
      rmSync(work, { recursive: true, force: true });
      rmSync(env.HOME!, { recursive: true, force: true });
    }
  });
});

describe('awsorg bootstrap --rehearse in a pseudo-terminal at 80x24: the whole rehearsal, its console, and what it leaves', {
  timeout: 300_000,
}, () => {
  it('writes nothing to the working directory unless asked, keeps c off in the console, and says the emulator is removed only once it is', async () => {
    assertTools({ terraform: true });
    const work = tempDir('awsorg-wizard-rehearse-all-');
    const exitFile = join(work, 'exit-code.txt');
    const { isolatedEnv } = await import('../helpers/cli.js');
    const env = isolatedEnv({
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      TF_IN_AUTOMATION: '1',
      CHECKPOINT_DISABLE: '1',
    });
    const tmux = TmuxSession.start({
      argv: ['/bin/sh', '-c', `"${process.execPath}" "${CLI}" bootstrap --rehearse; echo "$?" > "${exitFile}"`],
      env,
      cwd: work,
      columns: 80,
      rows: 24,
    });
    try {
      const welcome = await tmux.waitFor(
        (s) => s.includes('What exists') && s.includes('REHEARSAL'),
        'the rehearsal welcome screen',
        60_000,
      );
      const endpoint = /local emulator (http:\/\/127\.0\.0\.1:\d+)/.exec(welcome)?.[1];
      assert.ok(endpoint, welcome);
      tmux.keys('Enter');
      await tmux.waitFor((s) => cursorLine(s).includes("the emulator's dummy keys"), 'the sign-in methods');
      tmux.keys('Enter');
      await tmux.waitForText('Press Enter to continue with this identity.', 30_000);
      tmux.keys('Enter');
      await tmux.waitFor((s) => s.includes('Blueprint: preset standard'), 'the blueprint editor', 30_000);
      tmux.keys('End');
      await tmux.waitFor((s) => cursorLine(s).includes('Continue to the plan'), 'the cursor on Continue');
      tmux.keys('Enter');
      await tmux.waitFor((s) => /^Plan: \d+ changes in \d+ steps/m.test(s), 'the plan', 60_000);
      assert.equal(
        existsSync(join(work, 'awsorg.yaml')),
        false,
        'the rehearsal saved its blueprint in its workspace, not in the working directory',
      );
      const applied = await confirmAndApply(tmux);
      assert.match(applied, /^Applied: \d+ changes in /m, applied);
      tmux.keys('Enter');

      // The state screen: the apply's hand-off wrote ./bootstrap into the rehearsal workspace, not
      // here, and imported the organization; the directory is named once, as written.
      const state = await tmux.waitFor(
        (s) => /Local state\s+lineage/.test(s) && /Before move\s+terraform plan/.test(s),
        'the state screen with the hand-off',
        60_000,
      );
      assert.match(state, /Directory\s+\.\/bootstrap\s+\(in the rehearsal workspace: /, state);
      assert.doesNotMatch(state, /copied/, state);
      assert.match(state, /^Terraform code in \.\/bootstrap \(terraform\.handoff\)$/m, state);
      const imported = Number(/Imports\s+(\d+) resources imported into the local state/.exec(state)?.[1]);
      assert.ok(imported > 30, `the hand-off imported the organization (${imported} resources):\n${state}`);
      assert.match(state, /Before move\s+terraform plan: no changes ✓\s+\(imports only, applied\)/);
      assert.match(state, /After move\s+terraform plan runs once the state is in the bucket/);
      // The directory exists (in the workspace), so there is no sample to make.
      assert.match(state, /Enter migrate · d directory · s skip · \? help/, state);
      assert.doesNotMatch(state, /n sample directory/);
      assert.equal(existsSync(join(work, 'bootstrap')), false, 'the hand-off wrote nothing into the working directory');
      assert.equal(existsSync(join(work, '.github')), false, 'nor a CI pipeline');
      tmux.type('?');
      const help = await tmux.waitForText('State migration');
      assert.match(help, /terraform\.handoff: true/, help);
      tmux.keys('Escape');
      await tmux.waitForText('Enter migrate · d directory');
      tmux.keys('Enter');
      const verified = await tmux.waitFor(
        (s) => /After move\s+(terraform plan: no changes ✓|✗)/.test(s) || s.includes('Enter try again'),
        'the verified move and the plan after it',
        180_000,
      );
      assert.match(verified, /Moved\s+local state → bucket ✓\s+same lineage/, verified);
      assert.match(verified, /After move\s+terraform plan: no changes ✓\s+\(against the bucket\)/, verified);
      tmux.keys('Enter');

      // Done at 80x24: no pointer to awsorg accounts; the blueprint is saved here only on s.
      const done = await tmux.waitForText('Rehearsal complete');
      assert.doesNotMatch(done, /awsorg accounts/, done);
      assert.equal(existsSync(join(work, 'awsorg.yaml')), false);
      tmux.type('s');
      const kept = await tmux.waitForText('Saved the blueprint as awsorg.yaml');
      assert.match(kept.replace(/\s+/g, ' '), /awsorg bootstrap --config awsorg\.yaml --plan, then --yes/, kept);
      assert.ok(existsSync(join(work, 'awsorg.yaml')), 's wrote ./awsorg.yaml');
      assert.deepEqual(
        readdirSync(work).sort(),
        ['awsorg.yaml'],
        'the blueprint, asked for, is all the rehearsal wrote here',
      );

      // The console over the emulator: c is off and says why.
      tmux.type('c');
      const consoleScreen = await tmux.waitFor(
        (s) => s.includes('awsorg console') && s.includes('off in a rehearsal'),
        'the console, with c marked off',
        60_000,
      );
      assert.match(consoleScreen, /REHEARSAL/);
      // The emulator is still there while the console uses it.
      assert.ok((await fetch(`${endpoint}/moto-api/`)).ok, 'the emulator is up while the console is open');
      tmux.keys('j');
      tmux.type('c');
      await tmux.waitForText('No console sign-in URL in a rehearsal');
      tmux.type('q');
      assert.equal(await waitForFile(exitFile, 'the exit code'), '0');
      await assert.rejects(fetch(`${endpoint}/moto-api/`), 'the emulator is stopped on exit');

      // What stays on the terminal, in order: the summary (which names the file kept and the next step), then, last, the removal.
      // -J joins the lines the 80-column terminal wrapped.
      const joined = spawnSync('tmux', ['-L', tmux.socket, 'capture-pane', '-p', '-J', '-S', '-'], {
        encoding: 'utf8',
      }).stdout;
      const lines = joined
        .split('\n')
        .map((l) => l.trimEnd())
        .filter(Boolean);
      const text = lines.join('\n');
      assert.doesNotMatch(text, /loading the account inventory/, text);
      const summary = lines.findIndex((l) => l.includes('awsorg: rehearsal complete'));
      const removed = lines.findIndex((l) => /emulator and its workspace are removed/.test(l));
      assert.ok(summary >= 0 && removed > summary, `the summary, then the removal:\n${text}`);
      assert.equal(lines.filter((l) => /are removed/.test(l)).length, 1, text);
      assert.match(
        text,
        /^ {2}blueprint awsorg\.yaml: run it for real with awsorg bootstrap --config awsorg\.yaml --plan, then --yes$/m,
        text,
      );
      assert.deepEqual(
        readdirSync(work).sort(),
        ['awsorg.yaml', 'exit-code.txt'],
        'nothing else in the working directory after the exit',
      );
    } finally {
      tmux.kill();
      rmSync(work, { recursive: true, force: true });
      rmSync(env.HOME!, { recursive: true, force: true });
    }
  });
});
