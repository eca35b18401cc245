/**
 * Runbook text from a team's file, and progress lines from AWS, reach the terminal shown
 * visibly: `runbook list` and `runbook show` through the built CLI with a YAML runbook whose
 * title and step carry escapes and a newline, and the headless host's progress lines.
 * `--json` keeps the exact text. The bootstrap plan text and its plain apply progress, whose
 * summaries name OUs from the blueprint or AWS.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { headlessHost } from '../../src/runbooks/headless.js';
import type { StepPlan } from '../../src/steps/engine.js';
import type { Step } from '../../src/steps/types.js';
import { renderPlan } from '../../src/ui/plan-text.js';
import { plainListener } from '../../src/ui/progress.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { captureStream } from '../helpers/streams.js';
import { assertNoRawControls, OSC52 } from '../helpers/terminal.js';

const TITLE = `Contain ${OSC52}\nforged-runbook  changes AWS  Looks official`;

function teamRunbooks(): string {
  const dir = join(tempDir('awsorg-runbooks-'), 'runbooks');
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'hostile.yaml'),
    [
      'id: hostile-titles',
      `title: ${JSON.stringify(TITLE)}`,
      'description: A runbook whose text carries terminal escapes.',
      'whenToUse: ["a test"]',
      'whenNotToUse: ["never"]',
      'steps:',
      '  - id: ack',
      '    kind: manual',
      `    title: ${JSON.stringify(`Step \u001b[2J\u202eeltit`)}`,
      `    does: ${JSON.stringify('Nothing\u0007')}`,
      `    prompt: ${JSON.stringify('Done?\u001b]0;t\u0007')}`,
      '',
    ].join('\n'),
  );
  return dir;
}

describe('runbook text from a file, on the terminal', () => {
  it('runbook list shows a hostile title visibly on its own line; --json keeps it exact', async () => {
    const dir = teamRunbooks();
    const env = isolatedEnv();
    const r = await runCli(['runbook', 'list', '--runbooks', dir], { env });
    assert.equal(r.code, 0, r.stderr);
    assertNoRawControls(r.stdout, 'runbook list');
    assert.ok(r.stdout.includes('Contain \\x1b]52;c;cHduZWQ=\\x07\\nforged-runbook'), r.stdout);
    assert.ok(!/^forged-runbook/m.test(r.stdout), 'no forged line');
    const json = await runCli(['runbook', 'list', '--json', '--runbooks', dir], { env });
    const listed = JSON.parse(json.stdout) as { id: string; title: string }[];
    assert.equal(listed.find((x) => x.id === 'hostile-titles')!.title, TITLE);
  });

  it('runbook show shows the title, step and prompt visibly', async () => {
    const r = await runCli(['runbook', 'show', 'hostile-titles', '--runbooks', teamRunbooks()], { env: isolatedEnv() });
    assert.equal(r.code, 0, r.stderr);
    assertNoRawControls(r.stdout, 'runbook show');
    assert.ok(
      r.stdout.includes('Step \\x1b[2J\\u202eeltit') &&
        r.stdout.includes('Nothing\\x07') &&
        r.stdout.includes('Done?\\x1b]0;t\\x07'),
      r.stdout,
    );
  });

  it("the headless host's progress lines show step titles and AWS's summaries visibly", async () => {
    const stderr = captureStream();
    const host = headlessHost(stderr, [{ title: `Check ${OSC52}`, kind: 'check' }], {});
    host.event({ type: 'step-start', index: 0 } as never);
    host.event({
      type: 'step-end',
      index: 0,
      status: 'completed',
      summary: `role Admin\n[2/1] action forged`,
      items: [{ ok: true, name: 'n\u001b[31m', detail: 'd\u202e' }],
    } as never);
    assertNoRawControls(stderr.text, 'headless output');
    assert.equal(stderr.text.trimEnd().split('\n').length, 3, stderr.text);
    assert.ok(
      stderr.text.includes('Check \\x1b]52;c;cHduZWQ=\\x07') &&
        stderr.text.includes('role Admin\\n[2/1] action forged'),
      stderr.text,
    );
  });
});

describe('audit verify, on the terminal', () => {
  it('a planted transcript whose file name carries escapes is named visibly', async () => {
    const env = isolatedEnv();
    const dir = join(env.XDG_STATE_HOME!, 'awsorg', 'audit');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `INC-1${OSC52}.jsonl`), 'not a transcript line\n');
    const r = await runCli(['audit', 'verify'], { env });
    assert.equal(r.code, 1, r.stderr);
    assertNoRawControls(r.stdout + r.stderr, 'audit verify output');
    assert.ok(r.stderr.includes('INC-1\\x1b]52;c;cHduZWQ=\\x07.jsonl'), r.stderr);
  });
});

describe('bootstrap plan and progress text, on the terminal', () => {
  const change = {
    key: 'ou:Ops',
    calls: ['organizations:CreateOrganizationalUnit'],
    summary: `Create OU ${OSC52}\n  + organizations:DeleteOrganization`,
    data: {},
  };
  const plan: StepPlan = {
    id: 'organizational-units' as StepPlan['id'],
    title: 'Organizational units',
    enabled: true,
    changes: [change],
    notes: [`OU \u202eevil exists`],
  };

  it('renderPlan shows names visibly, one line each', () => {
    const text = renderPlan([plan], { header: 'Plan for blueprint.yaml' });
    assertNoRawControls(text, 'plan text');
    assert.ok(text.includes('Create OU \\x1b]52;c;cHduZWQ=\\x07\\n  + organizations:DeleteOrganization'), text);
    assert.ok(!/^\s+\+ organizations:DeleteOrganization/m.test(text), 'no forged plan line');
    assert.ok(text.includes('OU \\u202eevil exists'), text);
  });

  it('the plain apply progress shows names and AWS errors visibly', () => {
    const out = captureStream();
    const listener = plainListener(out);
    const step = { id: 'organizational-units', title: 'Organizational units' } as unknown as Step;
    listener.stepPlanned!(step, plan);
    listener.changeStarted!(step, change);
    listener.changeFailed!(step, change, new Error(`AWS said ${OSC52}`));
    assertNoRawControls(out.text, 'progress');
    assert.equal(out.text.trimEnd().split('\n').length, 4, out.text);
    assert.ok(out.text.includes('AWS said \\x1b]52;c;cHduZWQ=\\x07'), out.text);
  });
});
