/**
 * The planner of awsorg's block in ~/.aws/config: adds, updates, stale and pruned profiles,
 * names, collisions with the user's own profiles, malformed markers, and that a second run
 * changes nothing. Pure: strings in, strings out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assignProfileNames,
  BLOCK_END,
  BLOCK_START,
  ConfigBlockError,
  iniSafeCommandLine,
  parseConfig,
  planBlock,
  slugify,
  unifiedDiff,
  type NamingRequest,
  type PlanInput,
  type ProfileSpec,
} from '../../src/core/aws-config-block.js';
import { parseIni } from '../../src/aws/aws-config-file.js';

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';

function spec(
  name: string,
  accountId: string,
  region = 'us-east-1',
  role = 'OrganizationAccountAccessRole',
): ProfileSpec {
  return {
    name,
    accountId,
    role,
    comments: [`${name} (${accountId}), role ${role}`],
    settings: [
      ['credential_process', `/usr/bin/node '/opt/my tools/awsorg.cjs' credential-process ${accountId} --role ${role}`],
      ['region', region],
    ],
  };
}

const USER_BEFORE =
  '# my own settings\n[default]\nregion = eu-west-1\n\n[profile awsorg-taken]\n; a user profile with a name awsorg would want\nregion = eu-central-1\n';
const USER_AFTER = '\n# added by hand after the block\n[profile later]\nregion = ap-south-1\n';

function plan(text: string, desired: ProfileSpec[], extra: Partial<PlanInput> = {}) {
  return planBlock({ text, desired, liveAccountIds: new Set(desired.map((d) => d.accountId)), prune: false, ...extra });
}

/** The text before and after the block. */
function outside(text: string): [string, string] {
  const start = text.indexOf(BLOCK_START);
  const endMarker = text.indexOf(BLOCK_END);
  const end = text.indexOf('\n', endMarker) + 1;
  return [text.slice(0, start), text.slice(end)];
}

describe('aws config block planner', () => {
  it('creates the block in an empty file, with the markers and one section per profile', () => {
    const p = plan('', [spec('awsorg-a', A), spec('awsorg-b', B)]);
    assert.equal(p.changed, true);
    assert.ok(p.text.startsWith(BLOCK_START + '\n'));
    assert.ok(p.text.endsWith(BLOCK_END + '\n'));
    assert.deepEqual(
      p.added.map((x) => x.name),
      ['awsorg-a', 'awsorg-b'],
    );
    assert.match(
      p.text,
      /\n# awsorg-a \(111111111111\), role OrganizationAccountAccessRole\n\[profile awsorg-a\]\ncredential_process = \/usr\/bin\/node '\/opt\/my tools\/awsorg.cjs' credential-process 111111111111 --role OrganizationAccountAccessRole\nregion = us-east-1\n/,
    );
  });

  it('appends to an existing file after a blank line without touching a byte of it', () => {
    const p = plan(USER_BEFORE, [spec('awsorg-a', A)]);
    assert.ok(p.text.startsWith(USER_BEFORE + '\n' + BLOCK_START));
    const noNewline = plan('[profile x]\nregion = eu-west-1', [spec('awsorg-a', A)]);
    assert.ok(noNewline.text.startsWith('[profile x]\nregion = eu-west-1\n\n' + BLOCK_START));
  });

  it('a second run on its own output changes nothing', () => {
    const first = plan(USER_BEFORE, [spec('awsorg-a', A), spec('awsorg-b', B)]);
    const second = plan(first.text, [spec('awsorg-a', A), spec('awsorg-b', B)]);
    assert.equal(second.changed, false);
    assert.equal(second.text, first.text);
    assert.deepEqual(
      second.unchanged.map((x) => x.name),
      ['awsorg-a', 'awsorg-b'],
    );
    assert.deepEqual([second.added, second.updated, second.stale, second.pruned, second.skipped], [[], [], [], [], []]);
  });

  it('updates a changed profile in place and keeps what is before and after the block', () => {
    const first = plan(USER_BEFORE, [spec('awsorg-a', A), spec('awsorg-b', B)]);
    const withAfter = first.text + USER_AFTER;
    const p = plan(withAfter, [spec('awsorg-a', A, 'eu-west-2'), spec('awsorg-b', B)]);
    assert.deepEqual(
      p.updated.map((x) => x.name),
      ['awsorg-a'],
    );
    assert.deepEqual(
      p.unchanged.map((x) => x.name),
      ['awsorg-b'],
    );
    assert.match(p.text, /\[profile awsorg-a\]\n.*\nregion = eu-west-2\n/);
    assert.deepEqual(outside(p.text), outside(withAfter));
    assert.equal(outside(p.text)[1], USER_AFTER);
  });

  it('keeps a profile of a departed account as stale, with a note; --prune removes only it', () => {
    const first = plan(USER_BEFORE, [spec('awsorg-a', A), spec('awsorg-b', B)]).text + USER_AFTER;
    const kept = plan(first, [spec('awsorg-a', A)]);
    assert.deepEqual(
      kept.stale.map((s) => [s.name, s.accountId]),
      [['awsorg-b', B]],
    );
    assert.match(kept.stale[0]!.reason, /no longer in the inventory/);
    assert.match(
      kept.text,
      /# stale: account 222222222222 is no longer in the inventory.*--prune` removes it\n# awsorg-b \(222222222222\).*\n\[profile awsorg-b\]\n/,
    );
    assert.deepEqual(outside(kept.text), outside(first));
    // Kept stale profiles are stable: the next run without --prune changes nothing.
    const again = plan(kept.text, [spec('awsorg-a', A)]);
    assert.equal(again.changed, false);
    assert.deepEqual(
      again.stale.map((s) => s.name),
      ['awsorg-b'],
    );

    const pruned = plan(kept.text, [spec('awsorg-a', A)], { prune: true });
    assert.deepEqual(
      pruned.pruned.map((s) => s.name),
      ['awsorg-b'],
    );
    assert.deepEqual(
      pruned.unchanged.map((s) => s.name),
      ['awsorg-a'],
    );
    assert.doesNotMatch(pruned.text, /awsorg-b/);
    assert.deepEqual(outside(pruned.text), outside(first));
    assert.equal(
      pruned.text,
      plan(USER_BEFORE, [spec('awsorg-a', A)]).text + USER_AFTER,
      'same as if b had never been there',
    );
  });

  it('a renamed profile of a live account is stale too (kept until --prune), with its own reason', () => {
    const first = plan('', [spec('awsorg-old-name', A)]).text;
    const p = plan(first, [spec('awsorg-new-name', A)]);
    assert.deepEqual(
      p.added.map((x) => x.name),
      ['awsorg-new-name'],
    );
    assert.deepEqual(
      p.stale.map((x) => x.name),
      ['awsorg-old-name'],
    );
    assert.match(p.stale[0]!.reason, /still present/);
  });

  it('never shadows a profile of the user: outside the block, or in the credentials file', () => {
    const p = plan(USER_BEFORE, [spec('awsorg-taken', A), spec('awsorg-b', B), spec('awsorg-c', C)], {
      reservedNames: ['awsorg-c'],
    });
    assert.deepEqual(
      p.skipped.map((s) => s.name),
      ['awsorg-taken', 'awsorg-c'],
    );
    assert.deepEqual(
      p.added.map((s) => s.name),
      ['awsorg-b'],
    );
    assert.equal(p.text.match(/\[profile awsorg-taken\]/g)!.length, 1);
    assert.doesNotMatch(p.text, /\[profile awsorg-c\]/);
  });

  it('drops its own copy when the user later defines the same name outside the block', () => {
    const first = plan('', [spec('awsorg-a', A), spec('awsorg-b', B)]).text;
    const userCopied = first + '\n[profile awsorg-b]\nregion = sa-east-1\n';
    const p = plan(userCopied, [spec('awsorg-a', A), spec('awsorg-b', B)]);
    assert.deepEqual(
      p.skipped.map((s) => s.name),
      ['awsorg-b'],
    );
    assert.equal(p.text.match(/\[profile awsorg-b\]/g)!.length, 1, 'no duplicate section (the AWS CLI rejects those)');
    assert.ok(p.text.endsWith('\n[profile awsorg-b]\nregion = sa-east-1\n'));
  });

  it('refuses malformed markers and foreign sections with a next step', () => {
    const cases: Array<[string, RegExp]> = [
      [`${USER_BEFORE}${BLOCK_START}\n[profile awsorg-a]\nregion = x\n`, /start marker has no end marker/],
      [`${USER_BEFORE}${BLOCK_END}\n`, /end marker has no start marker/],
      [`${BLOCK_END}\n${BLOCK_START}\n`, /end marker comes before/],
      [`${BLOCK_START}\n${BLOCK_END}\n${BLOCK_START}\n${BLOCK_END}\n`, /2 start markers/],
      [`${BLOCK_START}\n[sso-session corp]\nsso_region = us-east-1\n${BLOCK_END}\n`, /\[sso-session corp\] section/],
      [`${BLOCK_START}\nregion = us-east-1\n${BLOCK_END}\n`, /neither a comment/],
    ];
    for (const [text, problem] of cases) {
      assert.throws(
        () => plan(text, [spec('awsorg-a', A)]),
        (err: unknown) =>
          err instanceof ConfigBlockError &&
          problem.test(err.message) &&
          /nothing was written/.test(err.message) &&
          Boolean(err.nextStep) &&
          err.exitCode === 2,
        `${problem}`,
      );
    }
  });

  it('keeps CRLF line endings and the bytes around the block', () => {
    const crlf = '[default]\r\nregion = eu-west-1\r\n';
    const first = plan(crlf, [spec('awsorg-a', A)]);
    assert.ok(first.text.startsWith(crlf + '\r\n' + BLOCK_START + '\r\n'));
    assert.doesNotMatch(first.text.replace(/\r\n/g, ''), /\n/);
    assert.equal(plan(first.text, [spec('awsorg-a', A)]).changed, false);
  });

  it('reads the account and role back from credential_process', () => {
    const parsed = parseConfig(plan('', [spec('awsorg-a', A, 'us-east-1', 'team/Admin')]).text);
    assert.deepEqual(
      parsed.block?.profiles.map((p) => [p.name, p.accountId, p.role]),
      [['awsorg-a', A, 'team/Admin']],
    );
  });

  it('writes nothing when there is nothing to generate and no block yet', () => {
    const p = plan(USER_BEFORE, []);
    assert.equal(p.changed, false);
    assert.equal(p.text, USER_BEFORE);
  });
});

describe('section headers read as botocore reads them (issue 12 items 3 and 4)', () => {
  it("sees a user's header with a trailing comment, and writes no second section of that name", () => {
    for (const header of [
      '[profile awsorg-taken] # mine',
      '[profile awsorg-taken]\t; mine',
      '[profile awsorg-taken]# mine',
      '[profile awsorg-taken]  ; mine [x',
    ]) {
      const text = `[default]\nregion = eu-west-1\n\n${header}\nregion = eu-central-1\n`;
      const p = plan(text, [spec('awsorg-taken', A), spec('awsorg-b', B)], { file: '/home/u/.aws/config' });
      assert.deepEqual(
        p.skipped.map((s) => s.name),
        ['awsorg-taken'],
        header,
      );
      assert.match(p.skipped[0]!.reason, /already exists outside awsorg's block \(\/home\/u\/\.aws\/config line 4\)/);
      assert.equal(p.text.match(/\[profile awsorg-taken\]/g)!.length, 1, header);
      assert.deepEqual(
        p.added.map((s) => s.name),
        ['awsorg-b'],
      );
    }
  });

  it('names a section up to the last "]" on its line, as configparser does', () => {
    // botocore's section is "profile awsorg-taken] ; see [docs", which is no profile: no clash.
    const p = plan('[profile awsorg-taken] ; see [docs]\nregion = eu-central-1\n', [spec('awsorg-taken', A)]);
    assert.deepEqual(
      p.added.map((s) => s.name),
      ['awsorg-taken'],
    );
  });

  it('a bracketed line that continues an indented value is no header (botocore reads it as part of the value)', () => {
    const text = '[profile mine]\ns3 =\n  max_concurrent_requests = 10\n\n  [profile awsorg-b]\n';
    const p = plan(text, [spec('awsorg-b', B)]);
    assert.deepEqual(
      p.added.map((s) => s.name),
      ['awsorg-b'],
    );
    assert.deepEqual(p.skipped, []);
    // Indented at the top of the file, or after a header, it is a header.
    for (const indented of ['  [profile awsorg-b] ; mine\nregion = x\n', '[default]\n  [profile awsorg-b]\n']) {
      assert.deepEqual(
        plan(indented, [spec('awsorg-b', B)]).skipped.map((s) => s.name),
        ['awsorg-b'],
        indented,
      );
    }
  });

  it('a section of the credentials file is skipped with its file, line, header and the fix', () => {
    const p = plan('', [spec('awsorg-dev', A), spec('awsorg-b', B)], {
      reservedNames: [
        { name: 'awsorg-dev', file: '/home/u/.aws/credentials', line: 7, header: '[awsorg-dev] ; old static keys' },
      ],
    });
    assert.deepEqual(
      p.skipped.map((s) => s.name),
      ['awsorg-dev'],
    );
    assert.equal(
      p.skipped[0]!.reason,
      "a profile with this name is a section of /home/u/.aws/credentials (line 7: [awsorg-dev] ; old static keys), whose keys the AWS CLI and SDKs would use instead of awsorg's credential_process; rename or remove that section there",
    );
    assert.doesNotMatch(p.text, /awsorg-dev/);
  });

  it('parseIni (the reader of `assume` and credential-process) names a commented header by its section', () => {
    const sections = parseIni(
      '[profile x] # mine\nregion = eu-west-1\n[profile y]\t; mine\ncredential_process = a #b\n  nested = 1\n',
    );
    assert.deepEqual(sections.get('profile x'), { region: 'eu-west-1' });
    assert.deepEqual(sections.get('profile y'), { credential_process: 'a #b' });
  });
});

describe('credential_process command lines (issue 12 item 5)', () => {
  it('writes a # or ; after whitespace outside quotes, so that SDK v3 sees no comment and sh and shlex the same words', () => {
    assert.equal(
      iniSafeCommandLine("/usr/bin/node '/home/u/my #tools/awsorg.cjs' credential-process 1 --role R"),
      "/usr/bin/node '/home/u/my '\\#'tools/awsorg.cjs' credential-process 1 --role R",
    );
    assert.equal(iniSafeCommandLine("'/a ;b\t#c # #d'"), "'/a '\\;'b\t'\\#'c '\\#' '\\#'d'");
    assert.equal(
      iniSafeCommandLine("/usr/bin/node '/opt/my tools/a#b;c.cjs' x"),
      "/usr/bin/node '/opt/my tools/a#b;c.cjs' x",
      'unchanged when no # or ; follows whitespace',
    );
    for (const line of ["'a #b ;c'", "'x\u00a0#y'"]) assert.doesNotMatch(iniSafeCommandLine(line), /\s[#;]/);
  });
});

describe('profile names', () => {
  const req = (accountId: string, accountName: string, extra: Partial<NamingRequest> = {}): NamingRequest => ({
    accountId,
    accountName,
    role: 'R',
    perRole: false,
    ...extra,
  });

  it('slugs the alias, else the name; an unsluggable name falls back to the id', () => {
    assert.equal(slugify('Sandbox Alice (EU)'), 'sandbox-alice-eu');
    const reqs = [req(A, 'Production', { alias: 'prod' }), req(B, 'Sandbox Alice'), req(C, '¿¿')];
    const names = assignProfileNames('awsorg-', reqs);
    assert.deepEqual(
      reqs.map((r) => names.get(r)),
      ['awsorg-prod', 'awsorg-sandbox-alice', `awsorg-${C}`],
    );
  });

  it('appends the account id to every name that collides, whatever the order', () => {
    const a = req(A, 'Dev Team');
    const b = req(B, 'dev-team');
    const c = req(C, 'Other', { alias: 'dev_team' });
    const names = assignProfileNames('x-', [b, c, a]);
    assert.deepEqual(
      [names.get(a), names.get(b), names.get(c)],
      [`x-dev-team-${A}`, `x-dev-team-${B}`, `x-dev-team-${C}`],
    );
    const reversed = assignProfileNames('x-', [a, c, b]);
    assert.deepEqual([reversed.get(a), reversed.get(b), reversed.get(c)], [names.get(a), names.get(b), names.get(c)]);
  });

  it('names one profile per role when an account has several', () => {
    const admin = req(A, 'Prod', { role: 'AdministratorAccess', perRole: true });
    const ro = req(A, 'Prod', { role: 'ReadOnly', perRole: true });
    const names = assignProfileNames('awsorg-', [admin, ro]);
    assert.deepEqual([names.get(admin), names.get(ro)], ['awsorg-prod-administratoraccess', 'awsorg-prod-readonly']);
  });
});

describe('unified diff', () => {
  it('shows changed lines with context and hunk headers', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 10\n', 'line ten\n');
    assert.equal(
      unifiedDiff(before, after, 'a', 'b'),
      [
        '--- a',
        '+++ b',
        '@@ -7,7 +7,7 @@',
        ' line 7',
        ' line 8',
        ' line 9',
        '-line 10',
        '+line ten',
        ' line 11',
        ' line 12',
        ' line 13',
        '',
      ].join('\n'),
    );
    assert.equal(unifiedDiff(before, before, 'a', 'b'), '');
    assert.equal(unifiedDiff('', 'x\n', '/dev/null', 'b'), '--- /dev/null\n+++ b\n@@ -0,0 +1,1 @@\n+x\n');
  });
});
