/**
 * Golden frames of the bootstrap wizard (snapshots/wizard-*.txt): whole screens (title,
 * breadcrumb, body, notice, key hints) drawn by the wizard's pure renderer at fixed sizes
 * without colour, from states reached by the screens' own key and event functions. Times are
 * fixed, so no frame holds a timestamp. UPDATE_SNAPSHOTS=1 rewrites the files; review them like
 * code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import type { CallerIdentity } from '../../src/aws/session.js';
import type { WhoamiResult } from '../../src/commands/whoami.js';
import { preset } from '../../src/core/presets.js';
import type { StepPlan } from '../../src/steps/engine.js';
import { denyRegionsDocument } from '../../src/policies/guardrail-policies.js';
import { policyDiff } from '../../src/steps/support.js';
import { palette } from '../../src/ui/console/style.js';
import { normaliseFrame } from '../../src/ui/frames.js';
import { applyEvent, initialApply, type ApplyState } from '../../src/ui/wizard/apply.js';
import { doneEvent, initialDone } from '../../src/ui/wizard/done.js';
import { editorEvent, editorKey, editorLines, initialEditor, type EditorState } from '../../src/ui/wizard/editor.js';
import { renderWizard } from '../../src/ui/wizard/frame.js';
import * as migrateModule from '../../src/ui/wizard/migrate.js';
import { initialMigrate, migrateEvent } from '../../src/ui/wizard/migrate.js';
import { planKey, planReady } from '../../src/ui/wizard/plan.js';
import { signInEvent, signInKey, type SignInState } from '../../src/ui/wizard/signin.js';
import { blueprintExists, initialWizard, wizardKey, type WizardState } from '../../src/ui/wizard/state.js';
import type { KeyPress } from '../../src/ui/wizard/types.js';
import { welcomeDetected } from '../../src/ui/wizard/welcome.js';
import { matchSnapshot } from '../helpers/snapshots.js';
import { assertNoRawControls, HOSTILE_OU, OSC52 } from '../helpers/terminal.js';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const ACCOUNT = '111111111111';
const p = palette(false);

const key = (name: Extract<KeyPress, { name: string }>['name']): KeyPress => ({ name });
const text = (t: string): KeyPress => ({ text: t });

function frame(state: WizardState, columns: number, rows = 32): string {
  return normaliseFrame(
    renderWizard(state, { width: columns, height: rows - 1, palette: p, now: NOW }).lines.join('\n'),
  );
}

function check(name: string, state: WizardState, columns: number, rows = 32): string {
  const out = frame(state, columns, rows);
  for (const line of out.split('\n'))
    assert.ok(line.length <= columns, `${name}: a line is wider than ${columns} columns: ${line}`);
  assert.ok(out.split('\n').length <= rows, `${name}: more lines than the terminal has rows`);
  matchSnapshot(`wizard-${name}-${columns}.txt`, out);
  return out;
}

function base(overrides: Partial<WizardState> = {}): WizardState {
  return {
    ...initialWizard({ signin: { currentLabel: 'profile admin', profiles: ['admin', 'prod-admin', 'sandbox'] } }),
    ...overrides,
  };
}

function caller(overrides: Partial<WhoamiResult> = {}): WhoamiResult {
  const id: CallerIdentity = {
    account: ACCOUNT,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
    userId: 'AROAEXAMPLE:alice',
  };
  return { ...id, principalType: 'assumed-role', isRoot: false, organization: { role: 'none' }, ...overrides };
}

function signin(state: WizardState, presses: KeyPress[]): SignInState {
  let s = state.signin;
  for (const press of presses) s = signInKey(s, press).state;
  return s;
}

function editorAt(state: EditorState, label: string): EditorState {
  let s = state;
  for (let i = 0; i < 80; i++) {
    const focused = editorLines(s, { width: 120, height: 200, palette: p })
      .map((l) => stripVTControlCharacters(l))
      .find((l) => l.startsWith('>'));
    if (focused?.slice(1).trimStart().startsWith(label)) return s;
    s = editorKey(s, key('down')).state;
  }
  throw new Error(`no editor row labelled ${label}`);
}

function editor(): EditorState {
  return initialEditor({
    blueprint: preset('standard'),
    source: 'preset standard',
    savePath: 'awsorg.yaml',
    managementAccountId: ACCOUNT,
    partition: 'aws',
    placeholders: 'allow',
  });
}

function type(state: EditorState, chars: string): EditorState {
  return editorKey(state, text(chars)).state;
}

function plans(): StepPlan[] {
  const before = denyRegionsDocument(['us-east-1']);
  const after = denyRegionsDocument(['us-east-1', 'us-west-2']);
  return [
    { id: 'identity', title: 'Check the caller identity', enabled: true, changes: [], notes: [] },
    {
      id: 'organizational-units',
      title: 'Organizational units',
      enabled: true,
      notes: [],
      changes: [
        {
          key: 'ou:Sandbox',
          calls: ['organizations:CreateOrganizationalUnit'],
          summary: 'Create OU Sandbox under Root',
          data: {},
        },
      ],
    },
    {
      id: 'accounts',
      title: 'Member accounts',
      enabled: true,
      notes: [],
      changes: [
        {
          key: 'account:staging',
          calls: [
            'organizations:CreateAccount',
            'organizations:DescribeCreateAccountStatus',
            'organizations:MoveAccount',
          ],
          summary: 'Create account staging (aws+staging@example.com) in Workloads',
          data: {},
        },
      ],
    },
    {
      id: 'guardrails',
      title: 'Guardrail SCPs',
      enabled: true,
      notes: [],
      changes: [
        {
          key: 'policy:awsorg-deny-regions',
          calls: ['organizations:UpdatePolicy'],
          summary: 'Update SCP awsorg-deny-regions: allow us-east-1, us-west-2',
          diff: policyDiff(before, after),
          data: {},
        },
        {
          key: 'attach:awsorg-deny-regions:Sandbox',
          calls: ['organizations:AttachPolicy'],
          summary: 'Attach awsorg-deny-regions to OU Sandbox',
          data: {},
        },
      ],
    },
    {
      id: 'organization-trail',
      title: 'Organization CloudTrail',
      enabled: false,
      changes: [],
      notes: ['Not in the blueprint.'],
    },
  ];
}

function applying(): ApplyState {
  let a = initialApply({
    steps: [
      { id: 'identity', title: 'Check the caller identity' },
      { id: 'organization', title: 'Organization, trusted access and policy types' },
      { id: 'accounts', title: 'Member accounts' },
      { id: 'guardrails', title: 'Guardrail SCPs' },
    ],
    now: NOW,
    journal: 'awsorg.journal.json',
    resumeCommand: 'awsorg bootstrap',
  });
  const events = [
    { kind: 'step-phase', id: 'identity', phase: 'observe', at: NOW },
    { kind: 'step-planned', id: 'identity', changes: 0 },
    { kind: 'step-done', id: 'identity', elapsedMs: 420 },
    { kind: 'step-phase', id: 'organization', phase: 'observe', at: NOW + 500 },
    { kind: 'step-planned', id: 'organization', changes: 0 },
    { kind: 'step-done', id: 'organization', elapsedMs: 300 },
    { kind: 'step-phase', id: 'accounts', phase: 'apply', at: NOW + 1_000 },
    { kind: 'step-planned', id: 'accounts', changes: 3 },
    {
      kind: 'change-started',
      key: 'account:log-archive',
      step: 'accounts',
      call: 'organizations:CreateAccount',
      summary: 'Create account log-archive',
      at: NOW + 1_000,
    },
    {
      kind: 'change-started',
      key: 'account:audit',
      step: 'accounts',
      call: 'organizations:CreateAccount',
      summary: 'Create account audit',
      at: NOW + 1_200,
    },
    { kind: 'change-done', key: 'account:log-archive', elapsedMs: 41_000 },
    {
      kind: 'change-started',
      key: 'account:production',
      step: 'accounts',
      call: 'organizations:CreateAccount',
      summary: 'Create account production',
      at: NOW + 42_000,
    },
    {
      kind: 'change-note',
      key: 'account:production',
      message: 'CreateAccount request car-0123456789abcdef: IN_PROGRESS',
    },
    {
      kind: 'retry',
      text: 'retry organizations:DescribeCreateAccountStatus (TooManyRequestsException, throttled) attempt 2 in 400 ms',
      at: NOW + 50_000,
    },
    { kind: 'tick', now: NOW + 63_000 },
  ] as const;
  for (const e of events) a = applyEvent(a, e);
  return a;
}

describe('wizard golden frames', () => {
  it('welcome: detecting, a new organization, adopting one, and the resume offer', () => {
    check('welcome-detecting', base(), 80);
    const fresh = base();
    check(
      'welcome-new',
      { ...fresh, welcome: welcomeDetected(fresh.welcome, { organization: { kind: 'none', account: ACCOUNT } }) },
      80,
    );
    check(
      'welcome-adopt',
      {
        ...fresh,
        welcome: welcomeDetected(fresh.welcome, {
          organization: { kind: 'management', account: ACCOUNT, id: 'o-exampleorg1' },
          blueprintFile: 'awsorg.yaml',
        }),
      },
      120,
    );
    const resume = {
      ...fresh,
      welcome: welcomeDetected(fresh.welcome, {
        organization: { kind: 'management', account: ACCOUNT, id: 'o-exampleorg1' },
        interrupted: {
          journal: 'awsorg.journal.json',
          blueprint: 'awsorg.yaml',
          done: 14,
          failed: 0,
          inFlight: ['account:production'],
          updatedAt: '2026-11-22T09:58:00Z',
        },
      }),
    };
    const out = check('welcome-resume', resume, 80);
    assert.match(out, /^> Resume the interrupted run of awsorg\.yaml/m, 'Resume is offered first');
    const r = wizardKey(resume, key('enter'));
    assert.deepEqual(r.intent, { kind: 'resume' });
    assert.equal(r.state.screen, 'signin');
    assert.equal(r.state.resume, true);
  });

  it('sign-in: every method, the identity, the root banner and a member account', () => {
    const s = { ...base(), screen: 'signin' as const };
    check('signin-methods', s, 80);
    check('signin-profiles', { ...s, signin: signin(s, [key('down'), key('enter'), key('down')]) }, 80);
    const keys = signin(s, [
      key('down'),
      key('down'),
      key('enter'),
      text('AKIAIOSFODNN7EXAMPLE'),
      key('tab'),
      text('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'),
    ]);
    const keysFrame = check('signin-keys', { ...s, signin: keys }, 80);
    assert.doesNotMatch(keysFrame, /wJalrXUtnFEMI/, 'the secret access key is masked');
    let sso = signin(s, [key('down'), key('down'), key('down'), key('enter')]);
    sso = signInEvent(sso, {
      kind: 'sso-prompt',
      verificationUri: 'https://device.sso.eu-west-1.amazonaws.com/',
      verificationUriComplete: 'https://device.sso.eu-west-1.amazonaws.com/?user_code=WDKJ-QLBF',
      userCode: 'WDKJ-QLBF',
      expiresAt: NOW + 9 * 60_000,
    });
    const ssoFrame = check('signin-sso-waiting', { ...s, signin: sso }, 80);
    assert.match(ssoFrame, /WDKJ-QLBF/);
    const who = signInEvent(s.signin, {
      kind: 'signed-in',
      result: {
        identity: caller({ organization: { role: 'management', id: 'o-exampleorg1', managementAccountId: ACCOUNT } }),
        via: 'profile admin',
        mfa: false,
      },
    });
    check('signin-identity', { ...s, signin: who }, 120);
    const root = signInEvent(s.signin, {
      kind: 'signed-in',
      result: {
        identity: caller({ arn: `arn:aws:iam::${ACCOUNT}:root`, principalType: 'root', isRoot: true }),
        via: 'pasted access keys (AKIA…MPLE)',
        mfa: false,
      },
    });
    const rootFrame = check('signin-root', { ...s, signin: root }, 80);
    assert.match(rootFrame, /ROOT USER/);
    const member = signInEvent(s.signin, {
      kind: 'signed-in',
      result: {
        identity: caller({
          organization: { role: 'member', id: 'o-exampleorg1', managementAccountId: '222222222222' },
        }),
        via: 'profile sandbox',
        mfa: false,
      },
    });
    assert.match(check('signin-member', { ...s, signin: member }, 80), /222222222222/);
  });

  it('blueprint: the editor at 80 and 120 columns, a field error, the trust-policy preview and an unscoped subject', () => {
    const s = { ...base(), screen: 'blueprint' as const, editor: editor() };
    check('blueprint', s, 120, 40);
    check('blueprint', s, 80);
    // A field error as you type: an account email with no domain.
    let e = editorAt(editor(), 'staging');
    e = editorKey(e, text('e')).state;
    for (let i = 0; i < 'example.com'.length; i++) e = editorKey(e, key('backspace')).state;
    const error = check('blueprint-field-error', { ...s, editor: e }, 80);
    assert.match(error, /✗/, 'the problem is drawn next to the field');
    // The live trust policy of the deploy role.
    const repo = editorAt(editor(), 'Repository');
    const preview = check('blueprint-trust-preview', { ...s, editor: repo }, 120, 40);
    assert.match(preview, /"?repo:example\/infrastructure:ref:refs\/heads\/main"?/);
    // At 120 columns nothing is squeezed: the ARN and the subject are whole, and the form's cells are not cut.
    assert.ok(
      preview.includes(`arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`),
      'the provider ARN is on one line, whole',
    );
    assert.match(
      preview,
      /^ +shared-services +aws\+shared-services@example\.com +Infrastructure/m,
      'the form is not squeezed beside the preview',
    );
    // At 80 columns the preview keeps the ARN whole too.
    const narrow = check('blueprint-trust-preview', { ...s, editor: repo }, 80, 40);
    assert.ok(narrow.includes(`arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`), narrow);
    assert.match(narrow, /repo:example\/infrastructure:ref:refs\/heads\/main/);
    // A repository wildcard would let any repository deploy: refused on the spot.
    let wild = editorKey(repo, key('enter')).state;
    for (let i = 0; i < 'infrastructure'.length; i++) wild = editorKey(wild, key('backspace')).state;
    wild = type(wild, '*');
    const refused = check('blueprint-unscoped-refused', { ...s, editor: wild }, 80);
    assert.match(refused, /Refused/);
    // Esc from the editor goes back to sign-in, and forward again finds the edits where they were.
    const bucket = editorEvent(editorAt(editor(), 'State bucket'), {
      kind: 'bucket-checked',
      bucket: 'example-tfstate-change-me',
      availability: { kind: 'free' },
    });
    const back = wizardKey({ ...s, editor: bucket }, key('escape'));
    assert.equal(back.state.screen, 'signin');
    assert.equal(back.state.editor, bucket, 'going back keeps the editor state');
  });

  it('plan: grouped with counts, a policy diff expanded, and the confirmation', () => {
    const ready = planReady(
      base().plan,
      plans(),
      `account ${ACCOUNT} as arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
    );
    const s = { ...base(), screen: 'plan' as const, plan: ready };
    check('plan', s, 80);
    let plan = planKey(ready, key('down'), 10).state;
    plan = planKey(plan, key('down'), 10).state;
    plan = planKey(plan, key('enter'), 10).state;
    const diff = check('plan-diff', { ...s, plan }, 120, 40);
    assert.match(diff, /\+\s+"us-west-2"/, 'the expanded change shows its policy diff');
    const confirm = planKey(plan, text('a'), 10).state;
    assert.ok(confirm.confirm, '`a` asks for confirmation first');
    const typed = planKey(planKey(confirm, text('ye'), 10).state, key('enter'), 10);
    assert.equal(typed.intent, undefined, 'anything but yes does not apply');
    check('plan-confirm', { ...s, plan: typed.state }, 80);
    const yes = planKey(planKey(confirm, text('yes'), 10).state, key('enter'), 10);
    assert.deepEqual(yes.intent, { kind: 'apply' });
  });

  it('plan at 80×24: a long policy diff scrolls line by line and by page before the cursor leaves its change', () => {
    const long = plans();
    const regions = [
      'us-east-1',
      'us-east-2',
      'us-west-1',
      'us-west-2',
      'eu-west-1',
      'eu-west-2',
      'eu-west-3',
      'eu-central-1',
      'eu-north-1',
      'ap-southeast-1',
      'ap-southeast-2',
      'ap-northeast-1',
      'ca-central-1',
      'sa-east-1',
    ];
    long[3]!.changes[0]!.diff = policyDiff(denyRegionsDocument(['us-east-1']), denyRegionsDocument(regions));
    const diffLines = long[3]!.changes[0]!.diff!.split('\n');
    assert.ok(diffLines.length > 30, `a diff longer than the screen (${diffLines.length} lines)`);
    const ready = planReady(base().plan, long, `account ${ACCOUNT}`);
    const s = { ...base(), screen: 'plan' as const, plan: ready };
    // The frame tells the app the list's first line and page; the app hands them back with each key.
    const press = (state: WizardState, k: KeyPress): WizardState => {
      const f = renderWizard(state, { width: 80, height: 23, palette: p, now: NOW });
      return wizardKey({ ...state, plan: { ...state.plan, top: f.planTop ?? 0 }, planPage: f.planPage ?? 10 }, k).state;
    };
    let w: WizardState = press(press(s, key('down')), key('down'));
    w = press(w, key('enter'));
    assert.equal(w.plan.expanded.length, 1);
    const seen = new Set<string>();
    let presses = 0;
    while (w.plan.cursor === 2 && presses < 100) {
      for (const line of frame(w, 80, 24).split('\n')) seen.add(line.trim());
      w = press(w, text('j'));
      presses++;
    }
    for (const line of diffLines)
      assert.ok(seen.has(line.trim()), `the diff line "${line}" was shown before the cursor left the change`);
    assert.ok(presses > 10, `j scrolled through the diff (${presses} presses) rather than jumping past it`);
    assert.equal(w.plan.cursor, 3, 'past the end of the diff, j goes on to the next change');

    // PgDn scrolls the open diff a page at a time, and PgUp back, before leaving the change.
    let pg: WizardState = press(press(press(s, key('down')), key('down')), key('enter'));
    pg = press(pg, key('pagedown'));
    assert.equal(pg.plan.cursor, 2, 'PgDn stays on the expanded change while its diff goes on');
    const scrolled = check('plan-diff-scrolled', pg, 80, 24);
    assert.match(scrolled, /"eu-west-1"/);
    pg = press(pg, key('pageup'));
    assert.equal(pg.plan.cursor, 2);
    assert.match(frame(pg, 80, 24), /^>.*UpdatePolicy/m, 'PgUp comes back to the change itself');
  });

  it('apply: in progress with a retry, stopped by Ctrl-C, and an error', () => {
    const a = applying();
    const s = { ...base(), screen: 'apply' as const, apply: a };
    const progress = check('apply-progress', s, 80);
    assert.match(progress, /Retries \(1\)/);
    const stop = wizardKey(s, key('ctrl-c'));
    assert.deepEqual(stop.intent, { kind: 'stop' }, 'Ctrl-C while applying asks the engine to stop');
    const stopped = applyEvent(stop.state.apply!, { kind: 'stopped', at: NOW + 64_000 });
    assert.match(check('apply-stopped', { ...s, apply: stopped }, 80), /choose Resume/);
    const failed = applyEvent(a, {
      kind: 'failed',
      at: NOW + 64_000,
      failure: {
        call: 'organizations:CreateAccount',
        message: 'CreateAccount for production failed: EMAIL_ALREADY_EXISTS.',
        next: 'Use an email address no other AWS account uses, then run bootstrap again.',
      },
    });
    assert.match(check('apply-error', { ...s, apply: failed }, 80), /Failed call: organizations:CreateAccount/);
    check('apply-progress', s, 120);
  });

  it('names with escapes are shown visibly in the editor, the plan and the apply progress', () => {
    const raw = (state: WizardState, columns = 120) =>
      renderWizard(state, { width: columns, height: 39, palette: p, now: NOW }).lines.join('\n');
    const blueprint = preset('standard');
    blueprint.organizationalUnits = [...blueprint.organizationalUnits, HOSTILE_OU];
    const e = initialEditor({
      blueprint,
      source: 'hostile.yaml',
      savePath: 'awsorg.yaml',
      managementAccountId: ACCOUNT,
      partition: 'aws',
      placeholders: 'allow',
    });
    const editorScreen = raw({ ...base(), screen: 'blueprint', editor: e });
    assertNoRawControls(editorScreen, 'the editor', { allowSgr: true });
    assert.ok(normaliseFrame(editorScreen).includes('Ops\\x1b]52;c;cHduZWQ=\\x07'), normaliseFrame(editorScreen));

    const hostilePlans = plans();
    hostilePlans[1]!.changes[0]!.summary = `Create OU ${HOSTILE_OU} under Root`;
    const ready = planReady(
      base().plan,
      hostilePlans,
      `account ${ACCOUNT} as arn:aws:sts::${ACCOUNT}:assumed-role/Admin/alice`,
    );
    const planScreen = raw({ ...base(), screen: 'plan', plan: ready });
    assertNoRawControls(planScreen, 'the plan', { allowSgr: true });
    assert.ok(
      normaliseFrame(planScreen).includes('Create OU Ops\\x1b]52;c;cHduZWQ=\\x07 under Root'),
      normaliseFrame(planScreen),
    );

    let a = applying();
    a = applyEvent(a, {
      kind: 'change-started',
      key: 'ou:x',
      step: 'accounts',
      call: 'organizations:CreateOrganizationalUnit',
      summary: `Create OU ${HOSTILE_OU}`,
      at: NOW + 63_000,
    });
    a = applyEvent(a, {
      kind: 'failed',
      at: NOW + 64_000,
      failure: {
        call: 'organizations:CreateOrganizationalUnit',
        message: `AWS said ${OSC52}\nforged`,
        next: `Rename ${HOSTILE_OU}.`,
      },
    });
    const applyScreen = raw({ ...base(), screen: 'apply', apply: a });
    assertNoRawControls(applyScreen, 'the apply progress', { allowSgr: true });
    assert.ok(normaliseFrame(applyScreen).includes('\\x1b]52;c;cHduZWQ=\\x07'), normaliseFrame(applyScreen));
  });

  it('state migration: a backend.tf that differs from the blueprint (lock mode) is offered as init -reconfigure, not as done', () => {
    let m = initialMigrate('./bootstrap');
    const lineage = '7bfe7462-9aa6-752b-fd5f-a91600be7496';
    m = migrateEvent(m, {
      kind: 'inspected',
      info: {
        dir: './bootstrap',
        absolute: '/home/alice/org/bootstrap',
        tools: [{ name: 'terraform', path: '/usr/local/bin/terraform', version: '1.11.4' }],
        chosen: 'terraform',
        finding: { kind: 'reconfigure', lineage, serial: 3, changes: ['lock lockfile (was dynamodb)'] },
        target: 's3://acme-tfstate/bootstrap/terraform.tfstate',
        canCreateSample: false,
      },
    });
    const screen = frame({ ...base(), screen: 'migrate' as const, migrate: m }, 80);
    assert.match(screen, /backend\.tf\s+differs from the blueprint: lock lockfile \(was dynamodb\)/, screen);
    assert.match(screen, /Enter reconfigure/, screen);
    const { migrateKey } = migrateModule;
    const pressed = migrateKey(m, key('enter'));
    assert.deepEqual(
      pressed.intent,
      { kind: 'migrate', dir: './bootstrap' },
      'Enter applies the change; it does not finish the screen',
    );
    const done = migrateEvent(pressed.state, { kind: 'migrated' });
    assert.equal(
      done.info?.finding.kind,
      'already-migrated',
      'once reconfigured, the state is reported as in the bucket',
    );
    assert.equal(migrateKey(done, key('enter')).intent?.kind, 'continue');
  });

  it('state migration: verified lineage and serial; done, with the console offered', () => {
    let m = initialMigrate('./bootstrap');
    m = migrateEvent(m, {
      kind: 'inspected',
      info: {
        dir: './bootstrap',
        absolute: '/home/alice/org/bootstrap',
        tools: [{ name: 'terraform', path: '/usr/local/bin/terraform', version: '1.11.4' }],
        chosen: 'terraform',
        finding: { kind: 'local', lineage: '7bfe7462-9aa6-752b-fd5f-a91600be7496', serial: 3, resources: 1 },
        target: 's3://acme-tfstate/bootstrap/terraform.tfstate',
        canCreateSample: false,
      },
    });
    m = migrateEvent(m, {
      kind: 'output',
      line: 'Running terraform init -migrate-state -force-copy -input=false -no-color',
    });
    m = migrateEvent(m, {
      kind: 'output',
      line: 'Successfully configured the backend "s3"! Terraform will automatically',
    });
    m = migrateEvent(m, {
      kind: 'migrated',
      verification: {
        local: { lineage: '7bfe7462-9aa6-752b-fd5f-a91600be7496', serial: 3 },
        remote: { lineage: '7bfe7462-9aa6-752b-fd5f-a91600be7496', serial: 3 },
        backup: 'bootstrap/terraform.tfstate.awsorg-backup-3',
      },
    });
    assert.match(
      check('state-verified', { ...base(), screen: 'migrate' as const, migrate: m }, 80),
      /local = bucket ✓/,
    );
    const done = initialDone({
      organizationId: 'o-exampleorg1',
      managementAccountId: ACCOUNT,
      rootId: 'r-ab12',
      organizationalUnits: [
        ['Security', 'ou-ab12-11111111'],
        ['Workloads', 'ou-ab12-22222222'],
      ],
      accounts: [
        ['log-archive', '222222222222'],
        ['production', '333333333333'],
      ],
      stateBucket: 'acme-tfstate',
      lockTable: 'acme-tf-locks',
      state: 's3://acme-tfstate/bootstrap/terraform.tfstate (migrated and verified)',
      deployRole: `arn:aws:iam::${ACCOUNT}:role/github-deploy`,
      trail: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`,
      blueprint: 'awsorg.yaml',
      journal: 'awsorg.journal.json',
      changesApplied: 42,
      rehearsal: false,
    });
    const s = { ...base(), screen: 'done' as const, done };
    check('done', s, 80);
    check('done', { ...s, rehearsal: 'http://127.0.0.1:4566' }, 120);
    assert.deepEqual(wizardKey(s, key('enter')).intent, { kind: 'console' });
    assert.deepEqual(wizardKey(s, text('q')).intent, { kind: 'quit', code: 0 });
  });

  it('at 80×24 help wraps instead of cutting, scrolls to its last line, and the rehearsal header keeps its safety line whole', () => {
    const s = wizardKey({ ...base(), screen: 'blueprint' as const, editor: editor() }, text('?')).state;
    const first = renderWizard(s, { width: 80, height: 23, palette: p, now: NOW });
    assert.ok(first.helpMaxTop && first.helpMaxTop > 0, 'the blueprint help is longer than 24 rows');
    const top = check('help-blueprint', s, 80, 24);
    assert.doesNotMatch(top, /…$/m, 'no help line is cut on the right');
    assert.match(top, /lines 1-\d+ of \d+ · ↑\/↓ PgUp\/PgDn scroll/);
    // Scrolling down line by line reaches every line, the last one included.
    const seen = new Set<string>();
    let h: WizardState = { ...s, helpMaxTop: first.helpMaxTop };
    for (let i = 0; i <= first.helpMaxTop! + 2; i++) {
      for (const line of frame(h, 80, 24).split('\n')) seen.add(line);
      h = wizardKey(h, key('down')).state;
      assert.equal(h.help, true, 'Down scrolls; it does not close help');
    }
    assert.equal(h.helpTop, first.helpMaxTop, 'scrolling stops at the end');
    assert.ok(seen.has('zero problems.'), [...seen].join('\n'));
    assert.ok(
      [...seen].some((l) => /^ +progress$/.test(l)),
      'the last line of the common help is reachable',
    );
    assert.match(check('help-blueprint-end', h, 80, 24), /Ctrl-C/);
    assert.equal(wizardKey(h, text('x')).state.help, false, 'any other key closes help');

    const rehearsal = { ...base(), rehearsal: 'http://127.0.0.1:45123' };
    const welcome = check(
      'welcome-rehearsal',
      {
        ...rehearsal,
        welcome: welcomeDetected(rehearsal.welcome, { organization: { kind: 'none', account: '123456789012' } }),
      },
      80,
      24,
    );
    assert.match(welcome, /REHEARSAL · nothing reaches AWS/);
    assert.match(welcome, /local emulator http:\/\/127\.0\.0\.1:45123/);
    assert.match(
      frame(rehearsal, 120),
      /^awsorg bootstrap {2}REHEARSAL · local emulator http:\/\/127\.0\.0\.1:45123 · nothing reaches AWS$/m,
      'one line where it fits',
    );
    assert.match(frame(rehearsal, 40), /nothing reaches AWS/, 'wrapped, never cut, at 40 columns');
  });

  it('Ctrl-C asks before unsaved blueprint edits or the state move would be lost; a second Ctrl-C quits', () => {
    // Nothing entered yet: Ctrl-C quits at once.
    const untouched = { ...base(), screen: 'blueprint' as const, editor: editor() };
    assert.deepEqual(wizardKey(untouched, key('ctrl-c')).intent, { kind: 'quit', code: 130 });
    // An edit not saved: asked first; n keeps everything, y quits.
    let e = editorAt(editor(), 'staging');
    e = editorKey(e, key('enter')).state;
    e = type(e, '-eu');
    const edited = { ...untouched, editor: e };
    const asked = wizardKey(edited, key('ctrl-c'));
    assert.equal(asked.intent, undefined, 'Ctrl-C in the editor with unsaved edits does not quit at once');
    const out = check('blueprint-quit-confirm', asked.state, 80, 24);
    assert.match(out, /Quit\? Your unsaved blueprint edits will be lost/);
    assert.match(out, /y quit · any other key: stay · Ctrl-C again: quit/);
    const stay = wizardKey(asked.state, text('n'));
    assert.equal(stay.intent, undefined);
    assert.equal(stay.state.quitConfirm, undefined);
    assert.equal(stay.state.editor, e, 'the edits, the open text field included, are kept');
    assert.equal(stay.state.editor?.mode.kind, 'text');
    assert.deepEqual(wizardKey(asked.state, text('y')).intent, { kind: 'quit', code: 130 });
    assert.deepEqual(
      wizardKey(asked.state, key('ctrl-c')).intent,
      { kind: 'quit', code: 130 },
      'a second Ctrl-C quits',
    );
    // Saved: nothing to lose.
    const saved = editorEvent(editorKey(e, key('enter')).state, { kind: 'saved', path: 'awsorg.yaml' });
    assert.deepEqual(wizardKey({ ...untouched, editor: saved }, key('ctrl-c')).intent, { kind: 'quit', code: 130 });

    // Applied: the state move and the summary are still ahead.
    const applied = applyEvent(applying(), { kind: 'finished', at: NOW + 70_000 });
    const s = { ...base(), screen: 'apply' as const, apply: applied, migrate: initialMigrate('./bootstrap') };
    const onApplied = wizardKey(s, key('ctrl-c'));
    assert.equal(onApplied.intent, undefined, 'Ctrl-C on the Applied screen asks first');
    assert.match(
      check('apply-quit-confirm', onApplied.state, 80, 24),
      /Quit\? The organization is applied, but the Terraform state move and the summary/,
    );
    assert.deepEqual(wizardKey(onApplied.state, key('ctrl-c')).intent, { kind: 'quit', code: 130 });
    const back = wizardKey(onApplied.state, key('escape'));
    assert.equal(back.state.screen, 'apply');
    assert.equal(back.state.quitConfirm, undefined);
    const onState = wizardKey({ ...s, screen: 'migrate' as const }, key('ctrl-c'));
    assert.equal(onState.intent, undefined, 'and on the state screen');
    // Help says so.
    assert.match(frame({ ...untouched, help: true }, 120, 60), /Ctrl-C +quit; asks first/);
  });

  it('help on every screen, and ? typed into a field is a character', () => {
    const s = wizardKey(
      { ...base(), screen: 'plan' as const, plan: planReady(base().plan, plans(), 'account') },
      text('?'),
    ).state;
    assert.equal(s.help, true);
    check('help-plan', s, 80);
    const typing = {
      ...base(),
      screen: 'blueprint' as const,
      editor: editorKey(editorAt(editor(), 'Repository'), key('enter')).state,
    };
    assert.equal(wizardKey(typing, text('?')).state.help, false, '? goes into the text field');
  });
});

describe('wizard input', () => {
  it('splits Enter, Backspace and Tab out of keys that arrive together', async () => {
    const { keyPresses } = await import('../../src/ui/wizard/app.js');
    const noKey = {} as Parameters<typeof keyPresses>[1];
    assert.deepEqual(keyPresses('yes\r', noKey), [{ text: 'yes' }, { name: 'enter' }]);
    assert.deepEqual(keyPresses('\u007F\u007F\u007F', noKey), [
      { name: 'backspace' },
      { name: 'backspace' },
      { name: 'backspace' },
    ]);
    assert.deepEqual(keyPresses('qa\r\r', noKey), [{ text: 'qa' }, { name: 'enter' }, { name: 'enter' }]);
    // Cursor editing in text fields (issue 12 item 21).
    const { toKeyPress } = await import('../../src/ui/console/app.js');
    const ink = (k: Partial<Parameters<typeof toKeyPress>[1]>) => k as Parameters<typeof toKeyPress>[1];
    assert.deepEqual(toKeyPress('u', ink({ ctrl: true })), { name: 'ctrl-u' });
    assert.deepEqual(toKeyPress('w', ink({ ctrl: true })), { name: 'ctrl-w' });
    assert.deepEqual(toKeyPress('', ink({ leftArrow: true })), { name: 'left' });
    assert.deepEqual(toKeyPress('', ink({ rightArrow: true })), { name: 'right' });
  });
});

describe('wizard rehearsal messages', () => {
  const ENDPOINT = 'http://127.0.0.1:4566';
  const WORKSPACE_JOURNAL = '/tmp/awsorg-rehearsal-Ab12Cd/awsorg.rehearsal.journal.json';

  function rehearsalApply(): ApplyState {
    const real = applying();
    return {
      ...initialApply({
        steps: [],
        now: NOW,
        journal: WORKSPACE_JOURNAL,
        resumeCommand: 'awsorg bootstrap --rehearse',
        rehearsal: true,
      }),
      ...real,
      journal: WORKSPACE_JOURNAL,
      resumeCommand: 'awsorg bootstrap --rehearse',
      rehearsal: true,
    } as ApplyState;
  }

  it('a stopped or failed rehearsal says plainly that it starts afresh: no journal path, no Resume', async () => {
    const { farewellFor } = await import('../../src/ui/wizard/app.js');
    const s = { ...base(), rehearsal: ENDPOINT, screen: 'apply' as const };
    const stopped = { ...s, apply: applyEvent(rehearsalApply(), { kind: 'stopped', at: NOW + 64_000 }) };
    const failed = {
      ...s,
      apply: applyEvent(rehearsalApply(), {
        kind: 'failed',
        at: NOW + 64_000,
        failure: { call: 'organizations:CreateAccount', message: 'CreateAccount failed.' },
      }),
    };
    for (const [what, state] of [
      ['stopped', stopped],
      ['failed', failed],
    ] as const) {
      const screen = frame(state, 80);
      const farewell = farewellFor(state) ?? '';
      for (const text of [screen, farewell]) {
        assert.doesNotMatch(
          text,
          /Resume|journal\.json|Progress is saved/,
          `the ${what} rehearsal offers nothing to resume:\n${text}`,
        );
        assert.match(
          text.replace(/\s+/g, ' '),
          /starts afresh/,
          `the ${what} rehearsal says it starts afresh:\n${text}`,
        );
      }
      assert.doesNotMatch(
        farewell,
        /are removed/,
        'the farewell prints before the emulator is stopped: it does not claim the removal',
      );
    }
    check('apply-stopped-rehearsal', stopped, 80);
  });

  it('the state screen with no directory names it once, plainly; its help names n', () => {
    let m = initialMigrate('./bootstrap');
    m = migrateEvent(m, {
      kind: 'inspected',
      info: {
        dir: './bootstrap',
        absolute: '/home/alice/org/bootstrap',
        tools: [{ name: 'terraform', path: '/usr/local/bin/terraform', version: '1.11.4' }],
        chosen: 'terraform',
        finding: { kind: 'missing-dir' },
        target: 's3://acme-tfstate/bootstrap/terraform.tfstate',
        canCreateSample: true,
      },
    });
    const s = { ...base(), rehearsal: ENDPOINT, screen: 'migrate' as const, migrate: m };
    const help = frame(wizardKey(s, text('?')).state, 80);
    assert.match(help, /^\s+n\s+.*sample/m, `the state help names n:\n${help}`);
    const out = check('state-missing-rehearsal', s, 80);
    assert.match(out, /There is no directory \.\/bootstrap: no bootstrap state to move\./);
  });

  function rehearsalSummary(
    overrides: Partial<Parameters<typeof initialDone>[0]> = {},
  ): Parameters<typeof initialDone>[0] {
    return {
      organizationId: 'o-exampleorg1',
      managementAccountId: ACCOUNT,
      rootId: 'r-ab12',
      organizationalUnits: [
        ['Security', 'ou-ab12-11111111'],
        ['Infrastructure', 'ou-ab12-22222222'],
        ['Workloads', 'ou-ab12-33333333'],
        ['Sandbox', 'ou-ab12-44444444'],
      ],
      accounts: [
        ['log-archive', '222222222222'],
        ['audit', '333333333333'],
        ['shared-services', '444444444444'],
        ['development', '555555555555'],
        ['staging', '666666666666'],
        ['production', '777777777777'],
      ],
      stateBucket: 'example-tfstate-change-me',
      lockTable: 'example-tf-locks',
      state: 's3://example-tfstate-change-me/bootstrap/terraform.tfstate (migrated and verified)',
      deployRole: `arn:aws:iam::${ACCOUNT}:role/github-deploy`,
      trail: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail`,
      blueprint: '/tmp/awsorg-rehearsal-Ab12Cd/awsorg.yaml',
      journal: '(rehearsal workspace, removed on exit)',
      changesApplied: 42,
      rehearsal: true,
      keepTarget: 'awsorg.yaml',
      ...overrides,
    } as Parameters<typeof initialDone>[0];
  }

  it('state migration with terraform.handoff: the generated files, the imports and plan before the move; after it, plan again; Done lists the code', () => {
    const lineage = '7bfe7462-9aa6-752b-fd5f-a91600be7496';
    const handoff = {
      dir: './bootstrap',
      tool: 'terraform',
      files: [
        ...['ci-oidc.tf', 'guardrails.tf', 'imports.tf', 'organization.tf', 'providers.tf', 'versions.tf'].map(
          (name) => ({ name, action: 'created' as const }),
        ),
        ...['deny_root.json', 'require_mfa.json', 'deny_regions.json'].map((name) => ({
          name: `policies/${name}`,
          action: 'created' as const,
        })),
        { name: 'outputs.tf', action: 'unchanged' as const },
        // A hostile name (the manifest is a file on disk): shown visibly, never as an escape.
        { name: 'evil\x1b[2J.tf', action: 'unchanged' as const },
      ],
      pipeline: { path: '.github/workflows/terraform.yml', action: 'written' },
      imports: 37,
      forgotten: 0,
      checked: true,
    };
    let m = initialMigrate('./bootstrap');
    m = migrateEvent(m, {
      kind: 'inspected',
      info: {
        dir: './bootstrap',
        absolute: '/tmp/awsorg-rehearsal-Ab12Cd/terraform',
        inWorkspace: true,
        tools: [{ name: 'terraform', path: '/usr/local/bin/terraform', version: '1.11.4' }],
        chosen: 'terraform',
        finding: { kind: 'local', lineage, serial: 1, resources: 37 },
        target: 's3://example-tfstate-change-me/bootstrap/terraform.tfstate',
        canCreateSample: false,
        handoff,
      },
    });
    const ready = check(
      'state-handoff-rehearsal',
      { ...base(), rehearsal: ENDPOINT, screen: 'migrate' as const, migrate: m },
      80,
      24,
    );
    assert.match(ready, /Written\s+ci-oidc\.tf, guardrails\.tf, imports\.tf/);
    assert.match(ready, /policies\/ \(3 files\)/);
    assert.match(ready, /Imports\s+37 resources imported into the local state/);
    assert.match(ready, /Before move\s+terraform plan: no changes ✓/);
    assert.match(ready, /After move\s+terraform plan runs once the state is in the bucket/);
    assert.doesNotMatch(ready, /\x1b\[2J/, 'no escape sequence reaches the terminal');
    m = migrateEvent(m, {
      kind: 'output',
      line: 'Running terraform init -migrate-state -force-copy -input=false -no-color',
    });
    m = migrateEvent(m, {
      kind: 'output',
      line: 'plan -detailed-exitcode against the bucket (it must find no changes)',
    });
    const ok = migrateEvent(m, {
      kind: 'migrated',
      verification: { local: { lineage, serial: 1 }, remote: { lineage, serial: 1 } },
      afterMove: { ok: true, text: 'the state is in s3://example-tfstate-change-me/bootstrap/terraform.tfstate' },
    });
    const after = check(
      'state-handoff-verified',
      { ...base(), rehearsal: ENDPOINT, screen: 'migrate' as const, migrate: ok },
      80,
      24,
    );
    assert.match(after, /After move\s+terraform plan: no changes ✓/);
    assert.match(after, /Moved\s+local state → bucket ✓ {2}same lineage, serial 1 → 1/);
    const bad = migrateEvent(m, {
      kind: 'migrated',
      verification: { local: { lineage, serial: 1 }, remote: { lineage, serial: 1 } },
      afterMove: {
        ok: false,
        text: 'terraform plan in /tmp/x finds changes after the hand-off:\n  ~ resource "aws_organizations_account" "audit"',
        next: 'Run `awsorg bootstrap --yes` again.',
      },
    });
    const failed = check('state-handoff-changes', { ...base(), screen: 'migrate' as const, migrate: bad }, 80, 32);
    assert.match(failed, /After move\s+✗ terraform plan finds changes/);
    assert.match(failed, /aws_organizations_account/);

    const done = initialDone(
      rehearsalSummary({
        terraformCode: {
          dir: './bootstrap (workspace copy)',
          files: 11,
          imports: 37,
          pipeline: '.github/workflows/terraform.yml',
          plan: 'terraform plan: no changes before the move, no changes after it',
          ok: true,
        },
      }),
    );
    const shown = check(
      'done-handoff-rehearsal',
      { ...base(), rehearsal: ENDPOINT, screen: 'done' as const, done },
      80,
      40,
    );
    assert.match(shown, /Terraform\s+\.\/bootstrap \(workspace copy\): 11 files, 37 imports/);
    assert.match(shown, /Plan\s+terraform plan: no changes before the move, no changes after it/);
  });

  it('done in a rehearsal at 80x24: no pointer to awsorg accounts, the blueprint kept on request, and Done and stderr agree on the next step', async () => {
    const { farewellFor } = await import('../../src/ui/wizard/app.js');
    const s = { ...base(), rehearsal: ENDPOINT, screen: 'done' as const, done: initialDone(rehearsalSummary()) };
    const out = frame(s, 80, 24);
    assert.doesNotMatch(out, /awsorg accounts/, 'the rehearsal organization is gone: no pointer to awsorg accounts');
    assert.match(out.replace(/\s+/g, ' '), /removed on exit\. Press s to save it as awsorg\.yaml/);
    check('done-rehearsal', s, 80, 24);
    // s asks the app to save the blueprint here; the outcome is shown, and the next step names the file kept.
    assert.equal(wizardKey(s, text('k')).intent, undefined, 'k moves, as in every list');
    const keep = wizardKey(s, text('s'));
    assert.deepEqual(keep.intent, { kind: 'keep-blueprint', overwrite: false });
    const exists = { ...s, done: doneEvent(s.done, { kind: 'keep-exists', path: 'awsorg.yaml' }) };
    assert.match(
      frame(exists, 80, 24).replace(/\s+/g, ' '),
      /awsorg\.yaml already exists and holds another blueprint; nothing was overwritten\. Press s again to replace it\./,
    );
    assert.deepEqual(wizardKey(exists, text('s')).intent, { kind: 'keep-blueprint', overwrite: true });
    const kept = { ...s, done: doneEvent(s.done, { kind: 'kept', path: 'awsorg.yaml' }) };
    const keptFrame = frame(kept, 80, 24).replace(/\s+/g, ' ');
    const next = 'awsorg bootstrap --config awsorg.yaml --plan, then --yes';
    assert.ok(keptFrame.includes(next), keptFrame);
    const farewell = farewellFor(kept) ?? '';
    assert.ok(farewell.includes(next), farewell);
    assert.doesNotMatch(
      farewell,
      /are removed/,
      'printed before the console opens and before the emulator stops: it does not claim the removal',
    );
    // Not kept: the farewell says so rather than naming a file that is gone.
    assert.match(farewellFor(s) ?? '', /not kept/);
  });

  it('Continue asks before replacing an existing, different blueprint file, as s does', () => {
    const e = initialEditor({
      blueprint: preset('standard'),
      source: 'awsorg.yaml',
      savePath: 'awsorg.yaml',
      managementAccountId: ACCOUNT,
      partition: 'aws',
      placeholders: 'allow',
    });
    const s = { ...base(), screen: 'blueprint' as const, editor: editorAt(e, 'Continue') };
    const first = wizardKey(s, key('enter'));
    assert.equal(first.intent?.kind, 'plan');
    assert.equal(
      (first.intent as { overwrite?: boolean }).overwrite,
      false,
      'the first Continue never replaces a file, even the one the editor loaded',
    );
    const told = blueprintExists(first.state, 'awsorg.yaml');
    assert.equal(told.screen, 'blueprint');
    assert.match(
      `${told.notice?.text} ${told.notice?.next}`,
      /awsorg\.yaml already exists.*nothing was overwritten.*Continue again to replace it/,
    );
    const again = wizardKey(told, key('enter'));
    assert.equal((again.intent as { overwrite?: boolean }).overwrite, true, 'Continue after the warning replaces it');
  });
});
