/**
 * The runbook screen through runRunbookScreen, in a fake terminal: a `drive` function plays the
 * runner (events, confirmations, an acknowledgement, a masked ask) and the test answers with
 * keys, waiting for what the screen shows, never for time. Covers the Done screen and its q,
 * Ctrl-C and `n` declining, a drive that throws, SIGTERM, a terminal without raw mode, and the
 * summary printed on stderr after the alternate screen is left.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createDeps } from '../../src/aws/deps.js';
import { AwsorgError } from '../../src/core/errors.js';
import type { RunbookHost } from '../../src/runbooks/types.js';
import { FakeTerminal, KEYS } from '../../src/ui/frames.js';
import { runRunbookScreen, type RunbookOutcome } from '../../src/ui/runbook/run.js';
import { captureStream } from '../helpers/streams.js';
import {
  createOuView,
  MEMBER,
  moveAccountView,
  notifyView,
  QUARANTINE,
  screenInput,
  TRANSCRIPT,
} from './runbook-fixture.js';

type Drive = (host: RunbookHost, signal: AbortSignal) => Promise<RunbookOutcome>;

function start(drive: Drive, opts: { input?: NodeJS.ReadStream; env?: Record<string, string> } = {}) {
  const term = new FakeTerminal({ columns: 100, rows: 36 });
  const stderr = captureStream();
  const controller = new AbortController();
  const input = opts.input ?? (term.input as unknown as NodeJS.ReadStream);
  const deps = createDeps({
    env: opts.env ?? {},
    signal: controller.signal,
    stdout: captureStream(),
    stderr,
    stdin: input,
    interactive: true,
  });
  const result = runRunbookScreen(deps, screenInput(), drive, {
    output: term.output as unknown as NodeJS.WriteStream,
    openInput: () => input,
    closeInput: () => undefined,
    alternateScreen: true,
    renderOptions: { debug: true },
  });
  return { term, stderr, result, controller };
}

const raw = (term: FakeTerminal) => term.output.writes.map((w) => w.text).join('');

function completed(): RunbookOutcome {
  return { status: 'completed', exitCode: 0, transcript: TRANSCRIPT, followUps: QUARANTINE.followUps ?? [] };
}

/** The first two steps: the check passes, then CreateOrganizationalUnit is confirmed (or not). */
async function firstSteps(host: RunbookHost): Promise<boolean> {
  host.event({ type: 'step-start', index: 0 });
  host.event({ type: 'aws', index: 0, call: 'organizations:DescribeAccount' });
  host.event({ type: 'step-end', index: 0, status: 'passed', summary: `${MEMBER} is a member account` });
  host.event({ type: 'step-start', index: 1 });
  const send = await host.confirmAction(createOuView());
  host.event({
    type: 'step-end',
    index: 1,
    status: send ? 'applied' : 'declined',
    summary: send ? 'sent organizations:CreateOrganizationalUnit' : 'not sent: you declined',
  });
  return send;
}

describe('runRunbookScreen', () => {
  it('walks a run: y sends, the acknowledgement and note come back as typed, q leaves the Done screen', async () => {
    const answers: unknown[] = [];
    const { term, stderr, result } = start(async (host) => {
      answers.push(await firstSteps(host));
      host.event({ type: 'step-start', index: 2 });
      answers.push(await host.confirmAction(moveAccountView()));
      host.event({ type: 'aws', index: 2, call: 'organizations:MoveAccount' });
      host.event({ type: 'step-end', index: 2, status: 'applied', summary: 'sent organizations:MoveAccount' });
      host.event({ type: 'step-start', index: 3 });
      host.event({ type: 'poll', index: 3, attempt: 1, elapsedMs: 200, summary: `${MEMBER} is in ou-exam-quarant1` });
      host.event({ type: 'step-end', index: 3, status: 'passed', summary: `${MEMBER} is in ou-exam-quarant1` });
      host.event({ type: 'step-start', index: 4 });
      const ack = await host.acknowledge(notifyView());
      answers.push(ack);
      host.event({ type: 'step-end', index: 4, status: 'acknowledged', summary: ack?.text ?? '' });
      return completed();
    });
    const createOu = await term.waitFor((s) => s.includes('Send this request') && s.includes('Step 2 of 5'));
    assert.match(createOu, /organizations:CreateOrganizationalUnit/);
    term.press('y');
    const move = await term.waitFor((s) => s.includes('Send this request') && s.includes('Step 3 of 5'));
    assert.match(move, /"DestinationParentId": "ou-exam-quarant1"/);
    term.press('y');
    await term.waitForText('> Acknowledgement');
    term.press(KEYS.enter);
    await term.waitForText('An acknowledgement is required');
    term.press('told Dana');
    await term.waitForText('told Dana▏');
    // The acknowledgement's Enter, the note and its Enter arrive in one chunk, as from a fast typist.
    term.press(`${KEYS.enter}ticket SEC-88${KEYS.enter}`);
    const done = await term.waitForText('Run completed');
    assert.match(done, new RegExp(TRANSCRIPT.head));
    assert.match(done, /q or Enter quit/);
    term.press('q');
    const outcome = await result;
    assert.equal(outcome.status, 'completed');
    assert.deepEqual(answers, [true, true, { text: 'told Dana', note: 'ticket SEC-88' }]);
    const written = raw(term);
    assert.ok(written.startsWith('\u001B[?1049h'), 'enters the alternate screen first');
    assert.ok(written.endsWith('\u001B[?1049l'), 'and leaves it last');
    assert.match(stderr.text, /runbook quarantine-account \(incident INC-2041\): completed/);
    assert.ok(stderr.text.includes(`transcript ${TRANSCRIPT.file} (9 records, head ${TRANSCRIPT.head})`), stderr.text);
    assert.match(stderr.text, /follow-up: Investigate as the responder role only/);
  });

  it('Ctrl-C at a confirmation declines it, aborts the stop signal and declines later questions at once', async () => {
    let stopSignal: AbortSignal | undefined;
    let later: unknown = 'not asked';
    const { term, stderr, result } = start(async (host, signal) => {
      stopSignal = signal;
      await firstSteps(host);
      host.event({ type: 'step-start', index: 2 });
      const send = await host.confirmAction(moveAccountView());
      assert.equal(send, false);
      host.event({ type: 'step-end', index: 2, status: 'declined', summary: 'not sent: you declined' });
      later = await host.acknowledge(notifyView());
      return {
        status: 'stopped',
        exitCode: 130,
        message: 'Stopped at "Move the account into the Quarantine OU": you declined; nothing was sent for it.',
        transcript: TRANSCRIPT,
        followUps: [],
      };
    });
    await term.waitFor((s) => s.includes('Send this request') && s.includes('Step 2 of 5'));
    term.press('y');
    await term.waitFor((s) => s.includes('Send this request') && s.includes('Step 3 of 5'));
    term.press(KEYS.ctrlC);
    const done = await term.waitForText('Run stopped at a safe point');
    assert.match(done, /■ 3 {2}action {2}Move the account into the Quarantine OU\s+declined/);
    assert.match(done, /Roll back\s+awsorg runbook rollback INC-2041/);
    term.press(KEYS.enter);
    const outcome = await result;
    assert.equal(outcome.status, 'stopped');
    assert.equal(outcome.exitCode, 130);
    assert.equal(stopSignal?.aborted, true);
    assert.equal(later, undefined, 'a question after Ctrl-C is declined without being shown');
    assert.match(stderr.text, /: stopped\./);
    assert.match(stderr.text, /to undo what this run applied: awsorg runbook rollback INC-2041/);
  });

  it('n declines; with nothing applied there is nothing to roll back', async () => {
    let sent: boolean | undefined;
    const { term, stderr, result } = start(async (host, signal) => {
      sent = await firstSteps(host);
      assert.equal(signal.aborted, false, 'declining is not Ctrl-C');
      return {
        status: 'stopped',
        exitCode: 130,
        message: 'Stopped at "Make sure the Quarantine OU exists": you declined; nothing was sent for it.',
        transcript: TRANSCRIPT,
        followUps: [],
      };
    });
    await term.waitForText('Send this request');
    term.press('n');
    const done = await term.waitForText('Run stopped');
    assert.doesNotMatch(done, /Roll back/);
    term.press('q');
    await result;
    assert.equal(sent, false);
    assert.match(stderr.text, /nothing was applied, so there is nothing to roll back/);
  });

  it('an ask is masked: the typed value comes back but is never drawn or printed', async () => {
    const secret = '481516';
    let answer: string | undefined;
    const { term, stderr, result } = start(async (host) => {
      host.event({ type: 'step-start', index: 0 });
      answer = await host.ask!('MFA code for arn:aws:iam::111111111111:mfa/alice');
      host.event({ type: 'step-end', index: 0, status: 'passed', summary: `${MEMBER} is a member account` });
      return completed();
    });
    await term.waitForText('MFA code for');
    term.press('48');
    await term.waitForText('••▏');
    term.press(`1516${KEYS.enter}`);
    await term.waitForText('Run completed');
    term.press('q');
    await result;
    assert.equal(answer, secret);
    assert.equal(raw(term).includes(secret), false, 'the code is in no frame');
    assert.equal(stderr.text.includes(secret), false, 'nor in the summary');
  });

  it('a drive that throws shows the failure on the Done screen, then rethrows it', async () => {
    const failure = new AwsorgError(
      'organizations:MoveAccount failed in 111111111111 as signed-in: AccessDeniedException: not allowed',
      'Sign in with a role that may call organizations:MoveAccount.',
    );
    const { term, stderr, result } = start(async (host) => {
      await firstSteps(host);
      throw failure;
    });
    await term.waitForText('Send this request');
    term.press('y');
    const done = await term.waitForText('Run failed.');
    assert.match(done, /AccessDeniedException: not allowed/);
    assert.match(done, /Next step: Sign in with a role/);
    term.press('q');
    await assert.rejects(result, (err) => err === failure);
    assert.match(stderr.text, /: failed\./);
    assert.match(stderr.text, /awsorg runbook rollback INC-2041/);
  });

  it('SIGTERM declines the pending question and closes the screen without waiting for q', async () => {
    let sent: boolean | undefined;
    const { term, result, controller } = start(async (host, signal) => {
      sent = await firstSteps(host);
      assert.equal(signal.aborted, true);
      return { status: 'stopped', exitCode: 130, transcript: TRANSCRIPT, followUps: [] };
    });
    await term.waitForText('Send this request');
    controller.abort();
    const outcome = await result;
    assert.equal(sent, false);
    assert.equal(outcome.status, 'stopped');
  });

  it('honours NO_COLOR: no colour codes, and every status still reads as a word', async () => {
    const colourCode = /\u001B\[(?:[0-9;]*;)?(?:3[0-79]|4[0-79]|9[0-7]|10[0-7]|38;|48;)[0-9;]*m/;
    const drive: Drive = async (host) => {
      await firstSteps(host);
      return completed();
    };
    const plain = start(drive, { env: { NO_COLOR: '1' } });
    await plain.term.waitForText('Send this request');
    plain.term.press('y');
    const done = await plain.term.waitForText('Run completed');
    assert.match(done, /✓ 1 {2}check {3}Refuse the management account\s+passed/);
    assert.match(done, /✓ 2 {2}action {2}Make sure the Quarantine OU exists\s+applied/);
    plain.term.press('q');
    await plain.result;
    assert.doesNotMatch(raw(plain.term), colourCode);
    const coloured = start(drive);
    await coloured.term.waitForText('Send this request');
    coloured.term.press('y');
    await coloured.term.waitForText('Run completed');
    coloured.term.press('q');
    await coloured.result;
    assert.match(raw(coloured.term), colourCode, 'colour is on without NO_COLOR');
  });

  it('follows a resize to 80 columns', async () => {
    const { term, result } = start(async (host) => {
      await firstSteps(host);
      return completed();
    });
    await term.waitForText('Send this request');
    term.output.resize(80, 30);
    const narrow = await term.waitFor((s) => s.split('\n')[2] === '─'.repeat(80));
    for (const line of narrow.split('\n')) assert.ok(line.length <= 80, `wider than 80 columns after resize: ${line}`);
    term.press('y');
    await term.waitForText('Run completed');
    term.press('q');
    await result;
  });

  it('without raw mode (no one can press q) the screen closes when the run ends', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.ReadStream;
    const { stderr, result } = start(
      async (host) => {
        host.event({ type: 'step-start', index: 0 });
        host.event({ type: 'step-end', index: 0, status: 'passed', summary: 'ok' });
        return completed();
      },
      { input },
    );
    const outcome = await result;
    assert.equal(outcome.status, 'completed');
    assert.match(stderr.text, /completed/);
  });
});
