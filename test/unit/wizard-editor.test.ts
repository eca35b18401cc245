import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import type { Blueprint } from '../../src/core/blueprint.js';
import { validateBlueprint } from '../../src/core/blueprint-load.js';
import { preset } from '../../src/core/presets.js';
import { palette } from '../../src/ui/console/style.js';
import {
  editorBlueprint,
  editorCapturesText,
  editorEvent,
  editorHelp,
  editorHints,
  editorKey,
  editorLines,
  editorProblems,
  initialEditor,
  type EditorIntent,
  type EditorState,
} from '../../src/ui/wizard/editor.js';
import type { KeyPress } from '../../src/ui/wizard/types.js';

const text = (t: string): KeyPress => ({ text: t });
const key = (name: Extract<KeyPress, { name: string }>['name']): KeyPress => ({ name });
const ENTER = key('enter');
const ESC = key('escape');
const DOWN = key('down');

function fresh(name = 'standard', extra: { managementAccountId?: string } = {}): EditorState {
  return initialEditor({
    blueprint: preset(name),
    source: `preset ${name}`,
    savePath: 'awsorg.yaml',
    placeholders: 'allow',
    ...extra,
  });
}

/** Runs the keys in order; returns the last state and every intent emitted. */
function run(state: EditorState, ...keys: KeyPress[]): { state: EditorState; intents: EditorIntent[] } {
  const intents: EditorIntent[] = [];
  let s = state;
  for (const k of keys) {
    const outcome = editorKey(s, k);
    s = outcome.state;
    if (outcome.intent) intents.push(outcome.intent);
  }
  return { state: s, intents };
}

const plain = (state: EditorState, width = 100, height = 400, color = true) =>
  editorLines(state, { width, height, palette: palette(color) }).map((l) => stripVTControlCharacters(l));

const screen = (state: EditorState, width = 100, height = 400) => plain(state, width, height).join('\n');

/** The screen as one text with wrapped lines joined, to match messages that wrap. */
const flat = (state: EditorState, width = 100, height = 400) =>
  plain(state, width, height).join(' ').replace(/\s+/g, ' ');

const focusedLine = (state: EditorState) => plain(state).find((l) => l.startsWith('> ')) ?? '';

/** Moves the cursor to the first row whose line matches `pattern` (searching from the top). */
function focus(state: EditorState, pattern: RegExp): EditorState {
  let s = run(state, key('home')).state;
  for (let i = 0; i < 300; i++) {
    if (pattern.test(focusedLine(s))) return s;
    s = run(s, DOWN).state;
  }
  assert.fail(`no row matches ${pattern}; the last focused line was: ${focusedLine(s)}`);
}

/** Erases a text field's draft (Backspace for every character it could hold). */
const erase = (n = 80): KeyPress[] => Array.from({ length: n }, () => key('backspace'));

/** Replaces the value of the text row matching `pattern`: Enter, erase, type, Enter. */
function setText(state: EditorState, pattern: RegExp, value: string): { state: EditorState; intents: EditorIntent[] } {
  return run(focus(state, pattern), ENTER, ...erase(), text(value), ENTER);
}

const account = (state: EditorState, name: string) => editorBlueprint(state).accounts.find((a) => a.name === name);

describe('wizard blueprint editor: accounts and OUs', () => {
  it('renames an account in place; guardrail targets and the trail account follow', () => {
    const start = fresh();
    const { state } = run(focus(start, /^> +log-archive /), ENTER, ...erase(), text('logs'), ENTER);
    const bp = editorBlueprint(state);
    assert.ok(account(state, 'logs'), 'the account has its new name');
    assert.equal(account(state, 'log-archive'), undefined);
    assert.equal(bp.organizationTrail?.account, 'logs', 'the trail names the renamed account');
    assert.equal(state.mode.kind, 'browse');
    assert.match(focusedLine(state), /^> +logs +aws\+log-archive@example\.com +Security/);
  });

  it('refuses to keep a duplicate account name, and Esc restores the old name', () => {
    const start = focus(fresh(), /^> +audit /);
    const dup = run(start, ENTER, ...erase(), text('Production'), ENTER).state;
    assert.equal(dup.mode.kind, 'text', 'Enter stays in the field');
    assert.match(flat(dup), /already exists/);
    const restored = run(dup, ESC).state;
    assert.equal(restored.mode.kind, 'browse');
    assert.deepEqual(editorBlueprint(restored), preset('standard'), 'Esc restores the blueprint exactly');
  });

  it('moves an account to another OU with the picker; Esc cancels the picker', () => {
    const start = focus(fresh(), /^> +audit /);
    const picker = run(start, text('m')).state;
    assert.equal(editorCapturesText(picker), true);
    const lines = screen(picker);
    assert.match(lines, /Move account audit/);
    assert.match(lines, /> Security +\(current\)/, 'the picker starts on the current OU');
    assert.match(lines, /^ {2}Root$/m, 'Root is offered');

    const cancelled = run(picker, text('j'), ESC).state;
    assert.equal(account(cancelled, 'audit')?.ou, 'Security');

    // Root, Security, Infrastructure, Workloads, Sandbox: two down from Security is Workloads.
    const moved = run(picker, text('j'), text('j'), ENTER).state;
    assert.equal(account(moved, 'audit')?.ou, 'Workloads');
    assert.match(screen(moved), /Moved audit to Workloads/);
  });

  it('adds an OU, renames it with its children, accounts and guardrail targets, and deletes an empty one', () => {
    let s = run(focus(fresh(), /^> Organizational units/), text('a'), text('Workloads/Production'), ENTER).state;
    assert.ok(editorBlueprint(s).organizationalUnits.includes('Workloads/Production'));
    s = run(focus(s, /^> +development /), text('m')).state;
    s = run(s, key('end'), ENTER).state; // the last OU is the new Workloads/Production
    assert.equal(account(s, 'development')?.ou, 'Workloads/Production');

    s = run(focus(s, /^> +Workloads +2 accounts/), ENTER, ...erase(), text('Apps'), ENTER).state;
    const bp = editorBlueprint(s);
    assert.deepEqual(bp.organizationalUnits, ['Security', 'Infrastructure', 'Apps', 'Sandbox', 'Apps/Production']);
    assert.equal(account(s, 'development')?.ou, 'Apps/Production', 'an account in a child OU follows');
    assert.equal(account(s, 'staging')?.ou, 'Apps');
    assert.deepEqual(bp.guardrails?.requireMfa?.targets, ['Apps'], 'guardrail targets follow the rename');
    assert.deepEqual(editorProblems(s), [], 'the renamed blueprint is still valid');

    s = run(focus(s, /^> +Sandbox +0 accounts/), text('d')).state;
    const after = editorBlueprint(s);
    assert.ok(!after.organizationalUnits.includes('Sandbox'));
    assert.deepEqual(after.guardrails?.denyRegions?.targets, ['Apps'], 'the deleted OU leaves the guardrail targets');
    assert.match(flat(s), /Deleted OU Sandbox/);
  });

  it('refuses to delete an OU that still holds accounts or child OUs, saying how many', () => {
    let s = run(focus(fresh(), /^> +Workloads +3 accounts/), text('d')).state;
    assert.ok(editorBlueprint(s).organizationalUnits.includes('Workloads'));
    assert.match(flat(s), /Cannot delete Workloads: it still holds 3 accounts/);

    s = run(focus(fresh('regulated'), /^> +Workloads +0 accounts/), text('d')).state;
    assert.match(flat(s), /Cannot delete Workloads: it still holds 2 child OUs/);
  });

  it('adds an account after the focused one, in its OU, with a generated email; deletes it again', () => {
    let s = run(focus(fresh(), /^> +staging /), text('a')).state;
    assert.equal(s.mode.kind, 'text');
    s = run(s, text('analytics'), ENTER).state;
    const bp = editorBlueprint(s);
    const names = bp.accounts.map((a) => a.name);
    assert.deepEqual(names.slice(4, 7), ['staging', 'analytics', 'production']);
    assert.deepEqual(account(s, 'analytics'), {
      name: 'analytics',
      email: 'aws+analytics@example.com',
      ou: 'Workloads',
    });
    assert.deepEqual(editorProblems(s), []);

    s = run(focus(s, /^> +analytics /), text('d')).state;
    assert.equal(account(s, 'analytics'), undefined);
    assert.equal(editorBlueprint(s).accounts.length, 6);
  });

  it('Esc while adding an account removes it again', () => {
    const start = focus(fresh(), /^> +staging /);
    const s = run(start, text('a'), text('temp'), ESC).state;
    assert.deepEqual(editorBlueprint(s), preset('standard'));
    assert.match(focusedLine(s), /^> +staging /, 'the cursor goes back to where it was');
  });

  it('generates plus-addressed emails from the base email; a generated address over 64 characters is marked on its row', () => {
    const long = 'a-very-long-account-name-for-the-test-of-the-limit';
    let s = run(focus(fresh(), /^> +audit /), ENTER, ...erase(), text(long), ENTER).state;
    s = setText(s, /^> Base email/, 'platform.team@example.com').state;
    const bp = editorBlueprint(s);
    assert.equal(account(s, 'production')?.email, 'platform.team+production@example.com');
    const generated = account(s, long)?.email ?? '';
    assert.equal(generated, `platform.team+${long}@example.com`);
    assert.ok(generated.length > 64);
    const index = bp.accounts.findIndex((a) => a.name === long);
    const problem = editorProblems(s).find((p) => p.path === `accounts[${index}].email`);
    assert.ok(problem, 'the long address is a problem of that account');
    assert.match(problem.message, /6 to 64/);

    const lines = plain(s);
    const row = lines.findIndex((l) => /^[> ] +a-very-long-/.test(l));
    assert.match(
      `${lines[row + 1]} ${lines[row + 2]}`.replace(/\s+/g, ' '),
      /^ ✗ email: .* is 76 characters; AWS accepts 6 to 64/,
      'the error is on the lines under the account',
    );
    assert.match(lines.join('\n'), /1 fails the checks/);

    // g regenerates after a rename.
    const renamed = run(focus(s, /^> +a-very-long/), ENTER, ...erase(), text('short'), ENTER, text('g')).state;
    assert.equal(account(renamed, 'short')?.email, 'platform.team+short@example.com');
    assert.deepEqual(editorProblems(renamed), []);
  });
});

describe('wizard blueprint editor: regions and the state bucket', () => {
  it('toggles allowed regions in a multi-select and keeps the home region allowed', () => {
    const picker = run(focus(fresh(), /^> Allowed regions/), ENTER).state;
    assert.equal(picker.mode.kind, 'regions');
    assert.match(screen(picker), /\[x\] us-east-1 +\(home region\)/);

    let s = picker;
    for (let i = 0; i < 50 && !/eu-west-1/.test(focusedLine(s)); i++) s = run(s, text('j')).state;
    assert.match(focusedLine(s), /\[ \] eu-west-1/);
    s = run(s, text(' ')).state;
    assert.match(focusedLine(s), /\[x\] eu-west-1/);
    s = run(s, ENTER).state;
    assert.deepEqual(editorBlueprint(s).guardrails?.denyRegions?.allow, ['us-east-1', 'us-west-2', 'eu-west-1']);

    // Leaving out the home region is refused inside the picker; Esc leaves the lock as it was.
    let refused = run(picker, key('home'), text(' '), ENTER).state;
    assert.equal(refused.mode.kind, 'regions', 'the picker stays open');
    assert.match(flat(refused), /✗ The home region us-east-1 must stay allowed/);
    refused = run(refused, ESC).state;
    assert.deepEqual(editorBlueprint(refused).guardrails?.denyRegions?.allow, ['us-east-1', 'us-west-2']);
  });

  it('creates a Region lock on Root when the blueprint has none', () => {
    const s = run(focus(fresh('three-accounts'), /^> Allowed regions +no Region lock/), ENTER, ENTER).state;
    assert.deepEqual(editorBlueprint(s).guardrails?.denyRegions, { targets: ['Root'], allow: ['us-east-1'] });
    assert.deepEqual(editorProblems(s), []);
  });

  it('refuses an empty region list', () => {
    const s = run(focus(fresh('three-accounts'), /^> Allowed regions/), ENTER, text(' '), ENTER).state;
    assert.equal(s.mode.kind, 'regions');
    assert.match(flat(s), /Allow at least one region/);
  });

  it('validates the home region as you type, with a suggestion', () => {
    const s = run(focus(fresh(), /^> Home region/), ENTER, ...erase(), text('us-est-1')).state;
    assert.equal(s.mode.kind, 'text');
    assert.match(flat(s), /✗ 'us-est-1' is not an AWS Region\. Fix: did you mean 'us-east-1'\?/);
  });

  it('checks the state bucket when its edit is committed and shows each availability', () => {
    const typing = run(focus(fresh(), /^> State bucket/), ENTER, ...erase(), text('Acme_State')).state;
    assert.match(flat(typing), /✗ 'Acme_State' contains uppercase letters/, 'the name rules apply as you type');

    const { state, intents } = run(typing, ...erase(12), text('acme-tfstate-7f3a'), ENTER);
    assert.deepEqual(intents, [{ kind: 'check-bucket', bucket: 'acme-tfstate-7f3a' }]);
    assert.match(focusedLine(state), /acme-tfstate-7f3a +checking…/);

    const stale = editorEvent(state, { kind: 'bucket-checked', bucket: 'other-name', availability: { kind: 'taken' } });
    assert.match(focusedLine(stale), /checking…/, 'a result for another name is ignored');

    const free = editorEvent(state, {
      kind: 'bucket-checked',
      bucket: 'acme-tfstate-7f3a',
      availability: { kind: 'free' },
    });
    assert.match(focusedLine(free), /✓ free/);
    const owned = editorEvent(state, {
      kind: 'bucket-checked',
      bucket: 'acme-tfstate-7f3a',
      availability: { kind: 'owned' },
    });
    assert.match(focusedLine(owned), /exists and is yours: bootstrap will adopt it/);
    const unknown = editorEvent(state, {
      kind: 'bucket-checked',
      bucket: 'acme-tfstate-7f3a',
      availability: { kind: 'unknown', reason: 'no credentials' },
    });
    assert.match(focusedLine(unknown), /not checked: no credentials/);
    assert.deepEqual(editorProblems(unknown), [], 'an unknown availability does not block');

    const taken = editorEvent(state, {
      kind: 'bucket-checked',
      bucket: 'acme-tfstate-7f3a',
      availability: { kind: 'taken' },
    });
    assert.match(focusedLine(taken), /✗ taken: owned by another AWS account: choose another name/);
    assert.ok(editorProblems(taken).some((p) => p.path === 'stateBackend.bucket'));
    const blocked = run(taken, key('end'), ENTER);
    assert.deepEqual(blocked.intents, [], 'a taken bucket blocks continue');
    assert.match(focusedLine(blocked.state), /^> State bucket/, 'the cursor jumps to the bucket');
    assert.match(screen(blocked.state), /Fix 1 problem first/);
  });

  it('cycles the lock; lockfile hides the table and keeps it for later', () => {
    let s = run(focus(fresh(), /^> Lock +\[dynamodb\]/), ENTER).state;
    assert.equal(editorBlueprint(s).stateBackend?.lock, 'lockfile');
    assert.equal(editorBlueprint(s).stateBackend?.table, undefined);
    assert.doesNotMatch(screen(s), /Lock table/);
    s = run(s, text(' ')).state;
    assert.equal(editorBlueprint(s).stateBackend?.lock, 'both');
    assert.equal(editorBlueprint(s).stateBackend?.table, 'example-tf-locks', 'the table comes back');
    assert.deepEqual(editorProblems(s), []);
  });

  it('turns the trail off and on again without losing its values', () => {
    let s = setText(fresh(), /^> Trail name/, 'acme-trail').state;
    s = run(focus(s, /^> Organization trail/), ENTER).state;
    assert.equal(editorBlueprint(s).organizationTrail, undefined);
    assert.doesNotMatch(screen(s), /Trail name/);
    s = run(s, ENTER).state;
    assert.deepEqual(editorBlueprint(s).organizationTrail, {
      name: 'acme-trail',
      bucket: 'example-org-trail-change-me',
      account: 'log-archive',
    });
  });
});

describe('wizard blueprint editor: CI deploy role', () => {
  const withRepo = (repo: string, s = fresh('standard', { managementAccountId: '111122223333' })) =>
    setText(s, /^> Repository/, repo).state;

  it('previews the GitHub trust policy for a branch as you type', () => {
    const s = withRepo('owner/name');
    const onRepo = focus(s, /^> Repository/);
    for (const width of [80, 120]) {
      const lines = plain(onRepo, width, 60).join('\n');
      assert.match(lines, /Trust policy/);
      assert.match(lines, /repo:owner\/name:ref:refs\/heads\/main/, `the subject is shown at ${width} columns`);
    }
    assert.match(screen(onRepo), /arn:aws:iam::111122223333:oidc-provider\/token\.actions\.githubusercontent\.com/);
    // Typing updates the preview before Enter.
    const typing = run(focus(s, /^> Branch/), ENTER, ...erase(), text('release')).state;
    assert.match(screen(typing), /repo:owner\/name:ref:refs\/heads\/release/);
    assert.equal(editorBlueprint(typing).ciOidc?.ref, 'refs/heads/release');
    const tag = run(typing, ...erase(), text('refs/tags/v1'), ENTER).state;
    assert.equal(editorBlueprint(tag).ciOidc?.ref, 'refs/tags/v1', 'a full ref is kept as typed');
  });

  it('refuses a wildcard repository on the spot and blocks continue', () => {
    const s = focus(withRepo('*'), /^> Repository/);
    const lines = flat(s);
    assert.match(lines, /✗ Refused: this subject would let any repository deploy \(repo:\*:ref:refs\/heads\/main\)/);
    assert.doesNotMatch(lines, /AssumeRoleWithWebIdentity/, 'no policy is previewed');
    const { state, intents } = run(s, key('end'), ENTER);
    assert.deepEqual(intents, []);
    assert.match(focusedLine(state), /^> Repository/);

    const empty = focus(withRepo(''), /^> Repository/);
    assert.match(flat(empty), /Refused: with no repository/);
    const shape = focus(withRepo('justaname'), /^> Repository/);
    assert.match(flat(shape), /Refused: 'justaname' is not owner\/name/);
    assert.ok(editorProblems(shape).some((p) => p.path === 'ciOidc.repository'));
  });

  it('refuses an empty or wildcard branch', () => {
    const s = setText(withRepo('owner/name'), /^> Branch/, 'feature/*');
    assert.match(flat(focus(s.state, /^> Branch/)), /Refused: this subject would let any branch of owner\/name deploy/);
    assert.ok(editorProblems(s.state).length > 0);
  });

  it('deploys from an environment, and switching back restores the branch', () => {
    let s = run(focus(withRepo('owner/name'), /^> Deploy from/), ENTER).state;
    assert.equal(editorBlueprint(s).ciOidc?.environment, 'production');
    assert.equal(editorBlueprint(s).ciOidc?.ref, undefined);
    s = setText(s, /^> Environment/, 'prod-eu').state;
    assert.match(screen(focus(s, /^> Environment/)), /repo:owner\/name:environment:prod-eu/);
    assert.deepEqual(editorProblems(s), []);
    s = run(focus(s, /^> Deploy from/), ENTER).state;
    assert.equal(editorBlueprint(s).ciOidc?.ref, 'refs/heads/main');
    assert.equal(editorBlueprint(s).ciOidc?.environment, undefined);

    const empty = setText(run(focus(s, /^> Deploy from/), ENTER).state, /^> Environment/, '').state;
    assert.match(
      flat(focus(empty, /^> Environment/)),
      /Refused: this subject would let any environment of owner\/name deploy/,
    );
  });

  it('previews the GitLab subject; none keeps the settings for when a provider is chosen again', () => {
    let s = run(focus(withRepo('group/project'), /^> CI provider/), ENTER).state;
    assert.equal(editorBlueprint(s).ciOidc?.provider, 'gitlab');
    const lines = screen(s);
    assert.match(lines, /project_path:group\/project:ref_type:branch:ref:main/);
    assert.match(lines, /oidc-provider\/gitlab\.com/);
    assert.deepEqual(editorProblems(s), []);

    s = run(s, ENTER).state;
    assert.equal(editorBlueprint(s).ciOidc, undefined, 'none removes the section');
    assert.doesNotMatch(screen(s), /Repository/);
    s = run(s, ENTER).state;
    assert.equal(editorBlueprint(s).ciOidc?.provider, 'github');
    assert.equal(editorBlueprint(s).ciOidc?.repository, 'group/project', 'the repository comes back');
  });

  it('GitLab moves an environment aside and deploys from a branch', () => {
    const s = run(focus(fresh('regulated'), /^> CI provider/), ENTER).state;
    const ci = editorBlueprint(s).ciOidc;
    assert.equal(ci?.provider, 'gitlab');
    assert.equal(ci?.environment, undefined);
    assert.equal(ci?.ref, 'refs/heads/main');
    const back = run(s, text('h')).state; // h: the previous provider, github
    assert.equal(editorBlueprint(back).ciOidc?.provider, 'github');
    const github = run(focus(back, /^> Deploy from/), ENTER).state;
    assert.equal(editorBlueprint(github).ciOidc?.environment, 'production', 'the environment was kept');
  });
});

describe('wizard blueprint editor: presets, files, saving, continuing', () => {
  it('switches presets directly when nothing was edited, and asks first otherwise', () => {
    const s = run(focus(fresh(), /^> Preset/), ENTER).state;
    assert.deepEqual(editorBlueprint(s), preset('three-accounts'));
    assert.match(screen(s), /Blueprint: preset three-accounts/);

    const editedState = setText(fresh(), /^> Trail name/, 'acme-trail').state;
    const asking = run(focus(editedState, /^> Preset/), ENTER).state;
    assert.equal(asking.mode.kind, 'confirm');
    assert.equal(editorCapturesText(asking), true);
    assert.match(flat(asking), /Replace your edits with preset three-accounts\? y\/n/);
    const kept = run(asking, text('n')).state;
    assert.equal(editorBlueprint(kept).organizationTrail?.name, 'acme-trail');
    assert.match(screen(kept), /Kept your edits/);
    const replaced = run(asking, text('y')).state;
    assert.deepEqual(editorBlueprint(replaced), preset('three-accounts'));
  });

  it('loads a file by path, reports load failures line by line', () => {
    const { state, intents } = run(focus(fresh(), /^> Load file/), ENTER, text('infra/org.yaml'), ENTER);
    assert.deepEqual(intents, [{ kind: 'load-file', path: 'infra/org.yaml' }]);
    const loaded = editorEvent(state, { kind: 'loaded', path: 'infra/org.yaml', blueprint: preset('regulated') });
    assert.deepEqual(editorBlueprint(loaded), preset('regulated'));
    assert.match(screen(loaded), /Blueprint: infra\/org\.yaml/);
    const failed = editorEvent(state, {
      kind: 'load-failed',
      message: 'infra/org.yaml is invalid (2 problems):\n  - region: is missing\n  - accounts[0].email: is empty',
    });
    const lines = flat(failed);
    assert.match(lines, /region: is missing/);
    assert.match(lines, /accounts\[0\]\.email: is empty/);
  });

  it('saves, asks before overwriting, then overwrites on the second s', () => {
    const first = run(fresh(), text('s'));
    assert.equal(first.intents.length, 1);
    const intent = first.intents[0];
    assert.ok(intent?.kind === 'save');
    assert.equal(intent.path, 'awsorg.yaml');
    assert.equal(intent.overwrite, false);
    assert.deepEqual(intent.blueprint, preset('standard'));

    const exists = editorEvent(first.state, { kind: 'save-failed', message: 'EEXIST', exists: true });
    assert.match(screen(exists), /awsorg\.yaml exists: press s again to overwrite it/);
    const second = run(exists, text('j'), text('s'));
    const again = second.intents[0];
    assert.ok(again?.kind === 'save');
    assert.equal(again.overwrite, true);
    const saved = editorEvent(second.state, { kind: 'saved', path: 'awsorg.yaml' });
    assert.match(screen(saved), /Saved to awsorg\.yaml/);
    const third = run(saved, text('s')).intents[0];
    assert.ok(third?.kind === 'save' && third.overwrite === false, 'overwriting is asked again for the next save');

    const otherPath = setText(exists, /^> Save to/, 'org.yaml');
    const toOther = run(otherPath.state, text('s')).intents[0];
    assert.ok(toOther?.kind === 'save' && toOther.path === 'org.yaml' && toOther.overwrite === false);
  });

  it('Esc restores a text field, cancels nothing else, and goes back from the form', () => {
    const typing = run(focus(fresh(), /^> State bucket/), ENTER, ...erase(), text('other-bucket')).state;
    assert.equal(editorBlueprint(typing).stateBackend?.bucket, 'other-bucket');
    const restored = run(typing, ESC);
    assert.deepEqual(restored.intents, [], 'the first Esc only cancels the edit');
    assert.equal(editorBlueprint(restored.state).stateBackend?.bucket, 'example-tfstate-change-me');
    const back = run(restored.state, ESC);
    assert.deepEqual(back.intents, [{ kind: 'back' }]);
    assert.deepEqual(editorBlueprint(back.state), preset('standard'), 'nothing is lost going back');
  });

  it('continue emits a blueprint that passes validateBlueprint', () => {
    const s = setText(fresh(), /^> Repository/, 'acme/infrastructure').state;
    const { intents } = run(s, key('end'), ENTER);
    assert.equal(intents.length, 1);
    const intent = intents[0];
    assert.ok(intent?.kind === 'continue');
    assert.deepEqual(validateBlueprint(intent.blueprint).issues, []);
    assert.equal(intent.blueprint.ciOidc?.repository, 'acme/infrastructure');
  });

  it('the state is plain data and survives structuredClone', () => {
    const s = run(focus(fresh(), /^> +audit /), ENTER, text('x')).state;
    const copy = structuredClone(s);
    assert.deepEqual(copy, s);
    assert.deepEqual(plain(copy), plain(s));
  });

  it('key hints follow the focused row and the mode; help explains the keys', () => {
    const onAccount = focus(fresh(), /^> +audit /);
    assert.match(editorHints(onAccount), /m move/);
    assert.match(editorHints(focus(fresh(), /^> Lock/)), /h previous/);
    const typing = run(onAccount, ENTER).state;
    assert.equal(editorCapturesText(typing), true);
    assert.equal(editorCapturesText(onAccount), false);
    assert.match(editorHints(typing), /Esc undo/);
    // `?`, `q`, `j` and `k` are typed into the field.
    const typed = run(typing, text('?'), text('q'), text('j'), text('k')).state;
    assert.equal(typed.mode.kind === 'text' ? typed.mode.draft.value : '', 'audit?qjk');
    const help = editorHelp();
    assert.ok(help.length > 5);
    assert.ok(help.some((l) => /64 characters/.test(l)));
  });
});

describe('wizard blueprint editor: drawing', () => {
  /** States covering every row, the pickers, text fields, problems and the CI preview. */
  function samples(): EditorState[] {
    const base = setText(
      fresh('regulated'),
      /^> +production /,
      'a-long-account-name-that-goes-on-and-on-for-a-while',
    ).state;
    const withProblems = setText(base, /^> Repository/, '*').state;
    const states: EditorState[] = [];
    let s = run(withProblems, key('home')).state;
    for (let i = 0; i < 60; i++) {
      states.push(s);
      s = run(s, DOWN).state;
    }
    states.push(run(focus(withProblems, /^> +audit /), text('m')).state);
    states.push(run(focus(withProblems, /^> Allowed regions/), ENTER).state);
    states.push(run(focus(withProblems, /^> State bucket/), ENTER, text('-and-a-much-longer-name-than-fits')).state);
    states.push(run(focus(fresh(), /^> Repository/)).state);
    states.push(
      editorEvent(fresh(), {
        kind: 'load-failed',
        message: Array.from({ length: 12 }, (_, i) => `problem ${i} ${'word '.repeat(30)}`).join('\n'),
      }),
    );
    return states;
  }

  it('never draws a line wider than the terminal, nor more lines than it has, at 60, 80 and 120 columns', () => {
    for (const width of [60, 80, 120, 200]) {
      for (const height of [10, 24, 50]) {
        for (const state of samples()) {
          const lines = editorLines(state, { width, height, palette: palette(true) });
          assert.ok(lines.length <= height, `${lines.length} lines for height ${height}`);
          for (const line of lines) {
            const visible = stripVTControlCharacters(line);
            assert.ok(visible.length <= width, `a line of ${visible.length} columns at width ${width}: ${visible}`);
          }
          const cursor = lines.map((l) => stripVTControlCharacters(l)).filter((l) => l.startsWith('> '));
          assert.ok(cursor.length <= 1, 'at most one cursor row');
        }
      }
    }
  });

  it('shows the cursor row at every height, truncating long cells with an ellipsis at 80 columns', () => {
    const s = setText(fresh(), /^> +audit /, 'a-long-account-name-that-goes-on-and-on-for-a-while').state;
    const lines = plain(s, 80, 12);
    const cursor = lines.find((l) => l.startsWith('> '));
    assert.ok(cursor, 'the focused row is visible');
    assert.match(cursor, /a-long-account-name…/);
    assert.ok(cursor.length <= 80);
  });

  it('puts the trust policy beside the form only where both fit whole, else below it', () => {
    const s = focus(setText(fresh(), /^> Repository/, 'owner/name').state, /^> Repository/);
    const below = plain(s, 140, 40);
    assert.ok(
      !below.some((l) => l.includes('│')),
      'at 140 columns the ARN and an 80-column form do not both fit: below',
    );
    assert.ok(
      below.some((l) =>
        l.includes('arn:aws:iam::<management account>:oidc-provider/token.actions.githubusercontent.com'),
      ),
      below.join('\n'),
    );
    const wide = plain(s, 170, 40);
    const beside = wide.find((l) => l.includes('│') && l.includes('Trust policy'));
    assert.ok(beside, 'the preview is in a column on the right');
    assert.ok(
      wide.some((l) => /^> Repository .*│/.test(l)),
      'the cursor row shares its line with the preview',
    );
  });

  it('outside a rehearsal, never calls a blueprint with placeholders valid: each example.com email and change-me bucket is marked', () => {
    const refusing = initialEditor({
      blueprint: preset('standard'),
      source: 'preset standard',
      savePath: 'awsorg.yaml',
      placeholders: 'refuse',
    });
    const problems = editorProblems(refusing).map((p) => p.path);
    assert.deepEqual(problems, [
      ...preset('standard').accounts.map((_, i) => `accounts[${i}].email`),
      'stateBackend.bucket',
      'organizationTrail.bucket',
    ]);
    const text = screen(refusing);
    assert.doesNotMatch(text, /✓ valid/);
    assert.match(text, /✗ 8 problems/);
    assert.match(text, /'aws\+production@example\.com' is a placeholder: example\.com is reserved/);
    assert.match(text, /'example-tfstate-change-me' is a placeholder \(it says change-me\)/);
    // A rehearsal takes the preset as it is.
    assert.match(screen(fresh()), /✓ valid/);
    assert.deepEqual(editorProblems(fresh()), []);
  });

  it('spells out states in text without colour (NO_COLOR)', () => {
    const taken = editorEvent(run(focus(fresh(), /^> State bucket/), ENTER, ENTER).state, {
      kind: 'bucket-checked',
      bucket: 'example-tfstate-change-me',
      availability: { kind: 'taken' },
    });
    const lines = editorLines(taken, { width: 80, height: 40, palette: palette(false) }).join('\n');
    assert.doesNotMatch(lines, /\u001B\[3\dm/, 'no colour codes');
    assert.match(stripVTControlCharacters(lines), /✗ taken/);
    assert.match(stripVTControlCharacters(lines), /✗ 1 problem/);
  });
});

describe('wizard blueprint editor: speed', () => {
  it('keystroke to frame stays far below 50 ms with 50 accounts', () => {
    const blueprint: Blueprint = preset('standard');
    for (let i = blueprint.accounts.length; i < 50; i++)
      blueprint.accounts.push({ name: `workload-${i}`, email: `aws+workload-${i}@example.com`, ou: 'Workloads' });
    let state = initialEditor({ blueprint, source: 'bench.yaml', savePath: 'awsorg.yaml', placeholders: 'allow' });
    assert.deepEqual(editorProblems(state), []);
    const ctx = { width: 120, height: 40, palette: palette(true) };
    editorLines(state, ctx); // warm up

    // Down through the accounts, into an account name, typing, out, and on through the form.
    const keys: KeyPress[] = [];
    for (let i = 0; i < 40; i++) keys.push(DOWN);
    keys.push(ENTER);
    for (let i = 0; i < 20; i++) keys.push(text(String.fromCharCode(97 + (i % 26))));
    keys.push(ENTER);
    while (keys.length < 100) keys.push(DOWN);

    let lines: string[] = [];
    const start = performance.now();
    for (const k of keys) {
      state = editorKey(state, k).state;
      lines = editorLines(state, ctx);
    }
    const average = (performance.now() - start) / keys.length;
    assert.equal(keys.length, 100);
    assert.ok(lines.length > 0 && lines.length <= ctx.height);
    assert.ok(
      editorBlueprint(state).accounts.some((a) => a.name.endsWith('abcdefghijklmnopqrst')),
      'the typing reached the account',
    );
    assert.ok(average < 10, `average ${average.toFixed(2)} ms per keystroke and frame`);
  });
});

describe('wizard blueprint editor: text fields and their messages (issue 12 item 21)', () => {
  const draft = (s: EditorState) => (s.mode.kind === 'text' ? s.mode.draft.value : undefined);

  it('moves the cursor with Left/Right and Home/End; typing and Backspace work at the cursor', () => {
    const typing = run(focus(fresh(), /^> State bucket/), ENTER).state;
    assert.equal(draft(typing), 'example-tfstate-change-me');
    const s = run(
      typing,
      key('home'),
      text('acme-'),
      key('end'),
      key('backspace'),
      key('backspace'),
      key('left'),
      key('left'),
      key('left'),
      key('left'),
      key('left'),
      key('backspace'),
      key('right'),
      text('X'),
    ).state;
    assert.equal(s.mode.kind, 'text', 'Home, End and the arrows stay in the field');
    assert.equal(draft(s), 'acme-example-tfstate-caXnge-');
    assert.equal(
      editorBlueprint(s).stateBackend?.bucket,
      'acme-example-tfstate-caXnge-',
      'the draft applies as you type',
    );
    assert.match(focusedLine(s), /acme-example-tfstate-caX▏nge-/, 'the cursor is drawn where it is');
  });

  it('a long draft keeps the cursor in view when it moves left', () => {
    const long = 'acme-organization-terraform-state-eu-west-1-0123456789';
    const typing = run(focus(fresh(), /^> State bucket/), ENTER, ...erase(), text(long)).state;
    assert.match(plain(typing, 60).find((l) => l.startsWith('> ')) ?? '', /…[a-z0-9-]*789▏/, 'at the end: the tail');
    const home = run(typing, key('home')).state;
    const line = plain(home, 60).find((l) => l.startsWith('> ')) ?? '';
    assert.match(line, /▏acme-organization-.*…/, `at Home: the start, with the cursor: ${line}`);
    assert.ok(line.length <= 60);
    const middle = run(home, ...Array.from({ length: 30 }, () => key('right'))).state;
    assert.ok(
      (plain(middle, 60).find((l) => l.startsWith('> ')) ?? '').includes(`${long.slice(25, 30)}▏${long.slice(30, 34)}`),
      'in the middle: the cursor in view',
    );
    const longer = run(typing, text(long), key('home'), ...Array.from({ length: 50 }, () => key('right'))).state;
    const window = plain(longer, 60).find((l) => l.startsWith('> ')) ?? '';
    assert.match(window, /…[a-z0-9-]+▏[a-z0-9-]+…/, `far from both ends: a window around the cursor: ${window}`);
  });

  it('Ctrl-W erases the word before the cursor, Ctrl-U everything before it', () => {
    const typing = run(focus(fresh(), /^> State bucket/), ENTER).state;
    const word = run(typing, key('ctrl-w')).state;
    assert.equal(draft(word), 'example-tfstate-change-');
    assert.equal(draft(run(word, key('ctrl-w')).state), 'example-tfstate-');
    const line = run(typing, key('left'), key('left'), key('ctrl-u')).state;
    assert.equal(draft(line), 'me');
    assert.match(focusedLine(line), /State bucket\s+▏me/);
    const hints = editorHints(line);
    assert.match(hints, /Ctrl-W/);
    assert.match(hints, /Ctrl-U/);
    assert.ok(
      editorHelp().some((l) => /Ctrl-U/.test(l) && /Home\/End/.test(l)),
      'help names the editing keys',
    );
  });

  it("a new OU's problem names the field it is about", () => {
    const s = run(focus(fresh(), /^> Organizational units/), text('a'), text('Teams/')).state;
    const lines = plain(s);
    const row = lines.findIndex((l) => /^> +Teams\/▏/.test(l));
    assert.ok(row >= 0, lines.join('\n'));
    assert.match(`${lines[row + 1]}`, /✗ OU name: 'Teams\/' has an empty segment/);
  });

  it('a new account from the Accounts row joins the OU of the accounts it is listed after, not the first OU', () => {
    const s = run(focus(fresh(), /^> Accounts \(6\)/), text('a'), text('analytics'), ENTER).state;
    assert.equal(account(s, 'analytics')?.ou, 'Workloads', 'listed after production, in Workloads');
    assert.match(flat(s), /Added account analytics in Workloads/);
    // With the cursor on an OU, a new account goes into that OU.
    const fromOu = run(focus(fresh(), /^> +Sandbox +0 accounts/), text('A'), text('lab'), ENTER).state;
    assert.equal(account(fromOu, 'lab')?.ou, 'Sandbox');
  });

  it('the duplicate-email problem names the other account, not only its index', () => {
    const s = setText(focus(fresh(), /^> +production /), /^> +production /, 'production').state;
    const dup = run(s, text('e'), ...erase(), text('aws+log-archive@example.com'), ENTER).state;
    const problem = editorProblems(dup).find((p) => /is used by/.test(p.message));
    assert.ok(
      problem,
      editorProblems(dup)
        .map((p) => p.message)
        .join('\n'),
    );
    assert.match(problem.message, /is used by accounts\[0\] \(name: log-archive\) too/);
  });
});
