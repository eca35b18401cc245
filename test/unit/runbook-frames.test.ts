/**
 * Golden frames of the runbook screen (snapshots/runbook-*.txt) at 80 and 120 columns without
 * colour, from states reached only through the screen's own event and key functions, and the
 * key reducer: typing an acknowledgement, the optional note, declining, Ctrl-C, the masked ask.
 * UPDATE_SNAPSHOTS=1 rewrites the files; review them like code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Runbook } from '../../src/runbooks/types.js';
import { palette } from '../../src/ui/console/style.js';
import { normaliseFrame } from '../../src/ui/frames.js';
import { renderRunbook } from '../../src/ui/runbook/frame.js';
import { runbookFarewell } from '../../src/ui/runbook/run.js';
import {
  initialRunbookScreen,
  runbookEvent,
  runbookKey,
  type RunbookAction,
  type RunbookIntent,
  type RunbookScreenInput,
  type RunbookScreenState,
} from '../../src/ui/runbook/state.js';
import type { KeyPress } from '../../src/ui/wizard/types.js';
import { matchSnapshot } from '../helpers/snapshots.js';
import { assertNoRawControls, HOSTILE_OU, OSC52 } from '../helpers/terminal.js';
import {
  createOuView,
  MEMBER,
  moveAccountView,
  notifyView,
  screenInput,
  TRANSCRIPT,
  WHERE,
} from './runbook-fixture.js';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const p = palette(false);
const SIZES = [
  { columns: 80, rows: 32 },
  { columns: 120, rows: 40 },
] as const;

const key = (name: Extract<KeyPress, { name: string }>['name']): KeyPress => ({ name });
const text = (t: string): KeyPress => ({ text: t });

function frame(state: RunbookScreenState, columns: number, rows: number): string {
  return normaliseFrame(
    renderRunbook(state, { width: columns, height: rows - 1, palette: p, now: NOW }).lines.join('\n'),
  );
}

function check(
  name: string,
  state: RunbookScreenState,
  sizes: readonly { columns: number; rows: number }[] = SIZES,
): string[] {
  return sizes.map(({ columns, rows }) => {
    const out = frame(state, columns, rows);
    for (const line of out.split('\n'))
      assert.ok(line.length <= columns, `${name}: a line is wider than ${columns} columns: ${line}`);
    assert.ok(out.split('\n').length <= rows, `${name}: more lines than the terminal has rows`);
    matchSnapshot(`runbook-${name}-${columns}.txt`, out);
    return out;
  });
}

function events(state: RunbookScreenState, ...actions: RunbookAction[]): RunbookScreenState {
  return actions.reduce(runbookEvent, state);
}

/** The state after the presses, and the intents they produced. */
function press(
  state: RunbookScreenState,
  ...presses: KeyPress[]
): { state: RunbookScreenState; intents: RunbookIntent[] } {
  const intents: RunbookIntent[] = [];
  let s = state;
  for (const k of presses) {
    const r = runbookKey(s, k);
    s = r.state;
    if (r.intent) intents.push(r.intent);
  }
  return { state: s, intents };
}

function start(overrides: Partial<RunbookScreenInput> = {}): RunbookScreenState {
  return initialRunbookScreen(screenInput(overrides));
}

const checkPassed: RunbookAction[] = [
  { type: 'step-start', index: 0 },
  { type: 'aws', index: 0, call: 'organizations:DescribeOrganization' },
  { type: 'aws', index: 0, call: 'organizations:DescribeAccount' },
  {
    type: 'step-end',
    index: 0,
    status: 'passed',
    summary: `${MEMBER} is a member account of o-exampleorgid; SCPs are enabled`,
  },
];
const ouCreated: RunbookAction[] = [
  { type: 'step-start', index: 1 },
  { type: 'prompt-action', view: createOuView() },
];
const ouApplied: RunbookAction[] = [
  { type: 'aws', index: 1, call: 'organizations:CreateOrganizationalUnit' },
  { type: 'step-end', index: 1, status: 'applied', summary: 'sent organizations:CreateOrganizationalUnit' },
];
const askMove: RunbookAction[] = [
  { type: 'step-start', index: 2 },
  { type: 'prompt-action', view: moveAccountView() },
];

/** Up to the MoveAccount confirmation, answering the CreateOrganizationalUnit one with y. */
function atMoveConfirmation(): RunbookScreenState {
  let s = events(start(), ...checkPassed, ...ouCreated);
  s = press(s, text('y')).state;
  return events(s, ...ouApplied, ...askMove);
}

function atManual(): RunbookScreenState {
  let s = press(atMoveConfirmation(), text('y')).state;
  s = events(
    s,
    { type: 'aws', index: 2, call: 'organizations:MoveAccount' },
    { type: 'step-end', index: 2, status: 'applied', summary: 'sent organizations:MoveAccount' },
    { type: 'step-start', index: 3 },
    { type: 'poll', index: 3, attempt: 1, elapsedMs: 300, summary: `${MEMBER} is still in r-exam` },
    { type: 'poll', index: 3, attempt: 2, elapsedMs: 1_400, summary: `${MEMBER} is in ou-exam-quarant1` },
    { type: 'step-end', index: 3, status: 'passed', summary: `${MEMBER} is in ou-exam-quarant1 after 2 probes` },
    { type: 'step-start', index: 4 },
    { type: 'prompt-manual', view: notifyView() },
  );
  return s;
}

const DRILL: Runbook = {
  id: 'break-glass-drill',
  title: 'Break-glass drill',
  description: 'Proves the break-glass role can be assumed in every account, without changing anything.',
  whenToUse: ['Every quarter.'],
  whenNotToUse: ['During an incident.'],
  params: [],
  steps: [
    {
      id: 'assume-break-glass',
      kind: 'check',
      title: 'Assume the break-glass role in every account',
      does: 'Assumes BreakGlassAdmin in each member account and calls sts:GetCallerIdentity; each account passes or fails on its own.',
      operation: 'drill.assume-everywhere',
      runsAs: { account: '{{management}}', role: 'signed-in', region: 'us-east-1' },
      continueOnFail: true,
    },
    {
      id: 'mfa-on-root',
      kind: 'check',
      title: 'Root users have MFA',
      does: 'Reads the account summary of every account.',
      operation: 'drill.root-mfa',
      runsAs: { account: '{{management}}', role: 'signed-in', region: 'us-east-1' },
      continueOnFail: true,
    },
    {
      id: 'record',
      kind: 'manual',
      title: 'Record the drill',
      does: 'Note the result in the drill log.',
      prompt: 'Where did you record the result?',
    },
  ],
};

describe('runbook screen frames', () => {
  it('the step list at the start', () => {
    check(
      'start',
      events(
        start(),
        { type: 'step-start', index: 0 },
        { type: 'aws', index: 0, call: 'organizations:DescribeOrganization' },
      ),
    );
  });

  it('an action confirmation shows its exact request, the prior state and the rollback', () => {
    const [narrow, wide] = check('action-confirm', atMoveConfirmation());
    for (const out of [narrow!, wide!]) {
      assert.match(out, /Request\s+organizations:MoveAccount/);
      assert.match(out, /"DestinationParentId": "ou-exam-quarant1"/);
      assert.match(out, /^Send this request to account 111111111111\? y sends it, n stops the run\.$/m);
    }
    assert.match(wide!, /Rollback\s+Moves 222222222222 back/);
  });

  it('a runbook title, step title, summary and request carrying escapes are shown visibly', () => {
    const base = screenInput();
    const hostile = start({
      runbook: { id: base.runbook.id, title: `Contain ${OSC52}` },
      steps: base.steps.map((st, i) => (i === 0 ? { ...st, title: `Check ${HOSTILE_OU}` } : st)),
    });
    const view = createOuView();
    view.requests = [{ ...view.requests[0]!, input: { ParentId: 'r-exam', Name: HOSTILE_OU } }];
    const states = [
      hostile,
      events(
        hostile,
        { type: 'step-start', index: 0 },
        { type: 'step-end', index: 0, status: 'passed', summary: `OU ${HOSTILE_OU}\nforged` },
        { type: 'step-start', index: 1 },
        { type: 'prompt-action', view },
      ),
    ];
    for (const state of states) {
      const raw = renderRunbook(state, { width: 120, height: 39, palette: palette(true), now: NOW }).lines.join('\n');
      assertNoRawControls(raw, 'the runbook screen', { allowSgr: true });
      assert.ok(normaliseFrame(raw).includes('\\x1b]52;c;cHduZWQ=\\x07'), normaliseFrame(raw));
    }
  });

  it('scrolls the panel down to the prior state with j', () => {
    const scrolled = press(atMoveConfirmation(), ...Array.from({ length: 40 }, () => text('j'))).state;
    const [out] = check('action-scrolled', scrolled, [SIZES[0]]);
    assert.match(out!, /↑ \d+ lines above/);
    assert.match(out!, /"Name": "awsorg-deny-regions"/);
    assert.doesNotMatch(out!, /more line/, 'scrolled to the end');
  });

  it('the CreateOrganizationalUnit confirmation with no rollback says why', () => {
    const s = events(start(), ...checkPassed, ...ouCreated);
    const [out] = check('action-no-rollback', s, [SIZES[0]]);
    assert.match(out!, /Rollback\s+none: an empty OU is left in place/);
  });

  it('a manual acknowledgement being typed', () => {
    const s = press(atManual(), text('Called Dana (owner) on +1 555 0100'), text('x'), key('backspace')).state;
    check('manual-ack', s);
    const noted = press(s, key('enter'), text('ticket SEC-88')).state;
    check('manual-note', noted, [SIZES[0]]);
  });

  it('a masked MFA ask shows bullets, never the code', () => {
    let s = events(
      start(),
      { type: 'step-start', index: 0 },
      { type: 'prompt-ask', label: `MFA code for arn:aws:iam::${'111111111111'}:mfa/alice` },
    );
    s = press(s, text('48'), text('1516')).state;
    const outs = check('ask-mfa', s);
    for (const out of outs) {
      assert.doesNotMatch(out, /481516/);
      assert.match(out, /••••••/);
    }
  });

  it('a drill-style check with per-item pass and fail', () => {
    const input = screenInput({ runbook: { id: DRILL.id, title: DRILL.title }, incident: 'DRILL-2026-Q4' }, DRILL);
    const s = events(
      initialRunbookScreen(input),
      { type: 'step-start', index: 0 },
      ...['sts:AssumeRole', 'sts:GetCallerIdentity', 'sts:AssumeRole', 'sts:GetCallerIdentity', 'sts:AssumeRole'].map(
        (call): RunbookAction => ({ type: 'aws', index: 0, call }),
      ),
      {
        type: 'step-end',
        index: 0,
        status: 'failed',
        summary: '2 of 3 accounts passed',
        items: [
          {
            name: '222222222222 log-archive',
            ok: true,
            detail: 'assumed BreakGlassAdmin as arn:aws:sts::222222222222:assumed-role/BreakGlassAdmin/alice',
          },
          { name: '333333333333 production', ok: true, detail: 'assumed BreakGlassAdmin' },
          {
            name: '444444444444 sandbox',
            ok: false,
            detail: 'AccessDenied: the role trust policy does not allow 111111111111',
          },
        ],
      },
    );
    check('drill-items', s);
  });

  it('done: completed, with the transcript, its head hash and the follow-ups', () => {
    const s = press(atManual(), text('Called Dana (owner)'), key('enter'), key('enter')).state;
    const done = events(
      s,
      { type: 'step-end', index: 4, status: 'acknowledged', summary: 'Called Dana (owner)' },
      {
        type: 'finished',
        outcome: {
          status: 'completed',
          exitCode: 0,
          transcript: TRANSCRIPT,
          followUps: [
            'Investigate as the responder role only; every other principal in the account is denied.',
            'When the account is clean: `awsorg runbook rollback INC-2041` moves it back to its original OU.',
          ],
        },
      },
    );
    const outs = check('done-completed', done);
    for (const out of outs) {
      assert.match(out, new RegExp(TRANSCRIPT.head));
      assert.match(out, /q or Enter quit/);
    }
  });

  it('stopped after a declined action', () => {
    const declined = press(atMoveConfirmation(), text('n'));
    assert.deepEqual(declined.intents, [{ kind: 'confirm', send: false }]);
    check('declining', declined.state, [SIZES[0]]);
    const s = events(
      declined.state,
      { type: 'step-end', index: 2, status: 'declined', summary: 'not sent: you declined' },
      {
        type: 'finished',
        outcome: {
          status: 'stopped',
          exitCode: 130,
          message: 'Stopped at "Move the account into the Quarantine OU": you declined; nothing was sent for it.',
          transcript: TRANSCRIPT,
          followUps: [],
        },
      },
    );
    const outs = check('stopped-declined', s);
    for (const out of outs) {
      assert.match(out, /■ 3 {2}action {2}Move the account into the Quarantine OU\s+declined/);
      assert.match(out, /Roll back\s+awsorg runbook rollback INC-2041/);
    }
  });

  it('a dry run shows planned steps', () => {
    let s = start({ dryRun: true });
    s = events(
      s,
      ...checkPassed,
      { type: 'step-start', index: 1 },
      {
        type: 'step-end',
        index: 1,
        status: 'planned',
        summary: 'dry run: would send organizations:CreateOrganizationalUnit',
      },
      { type: 'step-start', index: 2 },
      { type: 'step-end', index: 2, status: 'planned', summary: 'dry run: would send organizations:MoveAccount' },
      { type: 'step-start', index: 3 },
      { type: 'step-end', index: 3, status: 'skipped', summary: 'dry run: nothing was changed, so nothing to verify' },
      { type: 'step-start', index: 4 },
    );
    const [running] = check('dry-run', s);
    assert.match(running!, /– 2 {2}action {2}Make sure the Quarantine OU exists\s+planned/);
    assert.match(running!, /DRY RUN/);
    const done = events(
      s,
      { type: 'step-end', index: 4, status: 'skipped', summary: 'dry run: not asked' },
      { type: 'finished', outcome: { status: 'completed', exitCode: 0, transcript: TRANSCRIPT, followUps: [] } },
    );
    check('dry-run-done', done);
  });

  it('rollback mode and a rehearsal carry their badges', () => {
    const s = events(start({ mode: 'rollback', rehearsal: true }), { type: 'step-start', index: 0 });
    const [out] = check('rollback-rehearsal', s, [SIZES[0]]);
    assert.match(out!, /ROLLBACK/);
    assert.match(out!, /REHEARSAL/);
  });
});

describe('rollbacks and rehearsals, when they end', () => {
  const KEPT = '/home/alice/.local/state/awsorg/audit/rehearsals/INC-2041.jsonl';
  const TEMPORARY = { ...TRANSCRIPT, file: '/tmp/awsorg-runbook-rehearsal-Ab12Cd/state/awsorg/audit/INC-2041.jsonl' };
  const rollbackInput = {
    mode: 'rollback' as const,
    runbook: { id: 'rollback', title: 'Roll back incident INC-2041' },
  };
  const finish = (state: RunbookScreenState, transcript = TRANSCRIPT): RunbookScreenState =>
    events(state, { type: 'finished', outcome: { status: 'completed', exitCode: 0, transcript, followUps: [] } });

  it('a rollback says what it rolled back: the incident, never "rollback of rollback"', () => {
    const farewell = runbookFarewell(finish(start(rollbackInput)));
    assert.match(farewell, /^awsorg: rollback of incident INC-2041: completed\./);
    assert.doesNotMatch(farewell, /rollback of rollback/);
    assert.match(
      runbookFarewell(finish(start({ ...rollbackInput, dryRun: true }))),
      /^awsorg: dry run of the rollback of incident INC-2041: completed\./,
    );
    assert.match(
      runbookFarewell(finish(start())),
      /^awsorg: runbook quarantine-account \(incident INC-2041\): completed\./,
    );
  });

  it('a rehearsal never shows the temporary transcript it removes; it names where the transcript is kept', () => {
    const done = finish(start({ rehearsal: true, keptTranscript: KEPT }), TEMPORARY);
    const [out] = check('done-rehearsal', done, [SIZES[0]]);
    assert.doesNotMatch(out!, /\/tmp\//);
    assert.match(
      out!,
      /Transcript {2}kept at\s+\/home\/alice\/\.local\/state\/awsorg\/audit\/rehearsals\/INC-2041\.jsonl/,
    );
    const farewell = runbookFarewell(done);
    assert.doesNotMatch(farewell, /\/tmp\//);
    assert.match(farewell, new RegExp(`transcript kept at ${KEPT.replace(/\./g, '\\.')} when the rehearsal ends`));
    // Without a place to keep it, it says the transcript goes with the rehearsal.
    const discarded = finish(start({ rehearsal: true }), TEMPORARY);
    assert.match(frame(discarded, 80, 32), /Transcript {2}discarded with the rehearsal/);
    assert.doesNotMatch(runbookFarewell(discarded), /\/tmp\//);
  });
});

describe('runbook screen keys', () => {
  it('types an acknowledgement, Backspace removes a character, and the note is optional', () => {
    let r = press(atManual(), text('told'), text(' Dan'), text('a'), key('backspace'), text('a'));
    assert.equal(r.state.prompt?.kind === 'manual' && r.state.prompt.text.value, 'told Dana');
    r = press(r.state, key('enter'));
    assert.equal(r.state.prompt?.kind === 'manual' && r.state.prompt.stage, 'note');
    r = press(r.state, key('enter'));
    assert.deepEqual(r.intents, [{ kind: 'acknowledge', answer: { text: 'told Dana' } }]);
    assert.equal(r.state.prompt, undefined);
  });

  it('a note typed after the acknowledgement is sent with it', () => {
    const r = press(atManual(), text('told Dana'), key('enter'), text(' ticket SEC-88 '), key('enter'));
    assert.deepEqual(r.intents, [{ kind: 'acknowledge', answer: { text: 'told Dana', note: 'ticket SEC-88' } }]);
  });

  it('refuses an empty (or blank) acknowledgement with a message', () => {
    for (const typed of [[], [text('   ')]]) {
      const r = press(atManual(), ...typed, key('enter'));
      assert.deepEqual(r.intents, []);
      assert.equal(r.state.prompt?.kind === 'manual' && r.state.prompt.stage, 'text');
      assert.equal(r.state.notice?.tone, 'error');
      assert.match(r.state.notice!.text, /acknowledgement is required/);
    }
  });

  it('a long acknowledgement shows its end, where the cursor is', () => {
    const long = 'Called Dana (owner) and Sam (security lead); both agree the account stays quarantined until Friday';
    const out = frame(press(atManual(), text(long)).state, 80, 32);
    const field = out.split('\n').find((l) => l.startsWith('> Acknowledgement'))!;
    assert.ok(field.length <= 80);
    assert.match(field, /….*until Friday▏$/);
  });

  it('letters are text in the acknowledgement, not commands (j, k, y, n, q)', () => {
    const r = press(atManual(), text('j'), text('k'), text('y'), text('n'), text('q'));
    assert.deepEqual(r.intents, []);
    assert.equal(r.state.prompt?.kind === 'manual' && r.state.prompt.text.value, 'jkynq');
  });

  it('Esc on the note goes back to the acknowledgement, keeping it', () => {
    const r = press(atManual(), text('told Dana'), key('enter'), key('escape'), text('!'));
    assert.equal(r.state.prompt?.kind === 'manual' && r.state.prompt.text.value, 'told Dana!');
  });

  it('y sends, n declines and stops', () => {
    assert.deepEqual(press(atMoveConfirmation(), text('y')).intents, [{ kind: 'confirm', send: true }]);
    const n = press(atMoveConfirmation(), text('n'));
    assert.deepEqual(n.intents, [{ kind: 'confirm', send: false }]);
    assert.equal(n.state.prompt, undefined);
    assert.equal(n.state.stopping, true);
  });

  it('other keys at a confirmation do nothing but scroll', () => {
    const r = press(atMoveConfirmation(), text('x'), key('enter'), text('j'));
    assert.deepEqual(r.intents, []);
    assert.equal(r.state.prompt?.kind, 'action');
    assert.equal(r.state.scroll, 1);
  });

  it('Ctrl-C declines what is pending and stops: a confirmation, an acknowledgement, an ask', () => {
    const ask = events(start(), { type: 'step-start', index: 0 }, { type: 'prompt-ask', label: 'MFA code' });
    for (const s of [atMoveConfirmation(), atManual(), ask]) {
      const r = press(s, key('ctrl-c'));
      assert.deepEqual(r.intents, [{ kind: 'stop' }]);
      assert.equal(r.state.prompt, undefined);
      assert.equal(r.state.stopping, true);
      assert.match(r.state.notice!.text, /Stopping at a safe point/);
      // A second Ctrl-C only says it is already stopping.
      assert.deepEqual(press(r.state, key('ctrl-c')).intents, []);
    }
  });

  it('the masked ask refuses an empty value and sends what was typed', () => {
    const s = events(start(), { type: 'step-start', index: 0 }, { type: 'prompt-ask', label: 'MFA code' });
    assert.deepEqual(press(s, key('enter')).intents, []);
    const r = press(s, text('123'), text('456'), key('enter'));
    assert.deepEqual(r.intents, [{ kind: 'answer', value: '123456' }]);
    assert.equal(
      JSON.stringify(r.state).includes('123456'),
      false,
      'the state keeps no copy of the value once it is sent',
    );
  });

  it('on the Done screen q, Enter and Ctrl-C quit', () => {
    const done = events(start(), { type: 'finished', outcome: { status: 'completed', exitCode: 0, followUps: [] } });
    for (const k of [text('q'), key('enter'), key('ctrl-c')])
      assert.deepEqual(press(done, k).intents, [{ kind: 'quit' }]);
  });

  it('the where line names the account, the role (or the own sign-in) and the region', () => {
    const out = frame(events(start(), { type: 'step-start', index: 0 }), 80, 32);
    assert.match(out, new RegExp(`Where\\s+account ${WHERE.account} · your own sign-in · region us-east-1`));
  });
});
