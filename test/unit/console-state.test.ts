import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFilter } from '../../src/ui/console/fuzzy.js';
import { displayList, windowTop, type DisplayList } from '../../src/ui/console/rows.js';
import {
  handleKey,
  initialState,
  selectedIndex,
  type ConsoleState,
  type KeyPress,
  type KeyResult,
} from '../../src/ui/console/state.js';
import { identitySummary } from '../../src/ui/console/identity.js';
import { INCIDENT_ID } from '../../src/core/audit.js';
import { consoleRunbooks } from '../../src/ui/console/model.js';
import { loadRunbookOffer } from '../../src/ui/console/operations.js';
import { BUILTIN_RUNBOOKS } from '../../src/runbooks/builtin/index.js';
import { keyPresses } from '../../src/ui/console/app.js';
import { FIXTURE_OFFER, fixtureModel, IAM_USER_BASE, SSO_BASE } from './console-fixture.js';

const model = fixtureModel();
const filter = createFilter(model.accounts);
const listFor = (query: string, grouped: boolean): DisplayList =>
  displayList(model, query.trim() ? filter(query) : undefined, grouped);

function press(state: ConsoleState, ...keys: KeyPress[]): KeyResult {
  let result: KeyResult = { state };
  for (const key of keys) {
    result = handleKey(result.state, key, {
      model,
      list: listFor(result.state.query, result.state.grouped),
      listFor,
      pageSize: 4,
      runbooks: FIXTURE_OFFER,
    });
  }
  return result;
}
const text = (t: string): KeyPress => ({ text: t });
const key = (name: Extract<KeyPress, { name: string }>['name']): KeyPress => ({ name });
const selectedName = (state: ConsoleState) => {
  const i = selectedIndex(state, listFor(state.query, state.grouped));
  return i === undefined ? undefined : model.accounts[i]!.account.name;
};

describe('console keys', () => {
  it('moves with arrows, j/k, pages and Home/End, staying inside the list', () => {
    const s0 = initialState();
    assert.equal(selectedName(s0), 'Management');
    assert.equal(press(s0, key('up')).state.cursor, 0);
    assert.equal(press(s0, text('j'), key('down')).state.cursor, 2);
    assert.equal(press(s0, text('jjk')).state.cursor, 1, 'several keys in one read run in order');
    assert.equal(press(s0, key('pagedown')).state.cursor, 3, 'a page is the window less one row');
    assert.equal(selectedName(press(s0, key('end')).state), 'Production');
    assert.equal(press(s0, key('end'), key('down')).state.cursor, model.accounts.length - 1);
    assert.equal(press(s0, key('end'), key('home')).state.cursor, 0);
  });

  it('/ filters as the operator types; Backspace widens; Esc clears and keeps the selected account', () => {
    let s = press(initialState(), text('/'), text('s'), text('t'), text('a'), text('g')).state;
    assert.equal(s.query, 'stag');
    assert.equal(s.searching, true);
    assert.equal(selectedName(s), 'Staging');
    s = press(s, key('backspace')).state;
    assert.equal(s.query, 'sta');
    s = press(s, key('down')).state;
    const chosen = selectedName(s);
    s = press(s, key('escape')).state;
    assert.equal(s.query, '');
    assert.equal(s.searching, false);
    assert.equal(selectedName(s), chosen);
  });

  it('text typed in one read after / goes into the filter (tmux send-keys, a paste)', () => {
    const s = press(initialState(), text('/stag')).state;
    assert.equal(s.query, 'stag');
    assert.equal(selectedName(s), 'Staging');
  });

  it('letters are filter text while searching, not commands', () => {
    const { state, intent } = press(initialState(), text('/'), text('q'), text('g'));
    assert.equal(intent, undefined);
    assert.equal(state.query, 'qg');
    assert.equal(state.grouped, true);
  });

  it('g toggles grouping and keeps the selected account', () => {
    const s = press(initialState(), key('end'), text('g')).state;
    assert.equal(s.grouped, false);
    assert.equal(selectedName(s), 'Production');
  });

  it('Enter on an account asks for a shell; on a production account it asks first', () => {
    const staging = press(initialState(), text('/stag'), key('enter'));
    assert.deepEqual(staging.intent, { kind: 'act', action: 'shell', accountId: '666666666666' });
    assert.equal(staging.state.searching, false, 'Enter ends the typing but keeps the filter');
    assert.equal(staging.state.query, 'stag');

    const prod = press(initialState(), text('/prod'), key('enter'));
    assert.equal(prod.intent, undefined);
    assert.deepEqual(prod.state.screen, { kind: 'confirm', action: 'shell', accountId: '777777777777' });
    assert.deepEqual(press(prod.state, text('y')).intent, { kind: 'act', action: 'shell', accountId: '777777777777' });
    const cancelled = press(prod.state, text('n'));
    assert.equal(cancelled.intent, undefined);
    assert.equal(cancelled.state.screen.kind, 'list');
    assert.match(cancelled.state.status?.text ?? '', /Cancelled: nothing was done in Production/);
  });

  it('c and e go through the same production guard', () => {
    const payments = press(initialState(), text('/pay'), key('escape'));
    assert.equal(selectedName(payments.state), 'Payments');
    assert.deepEqual(press(payments.state, text('c')).state.screen, {
      kind: 'confirm',
      action: 'url',
      accountId: '101010101010',
    });
    assert.deepEqual(press(payments.state, text('e')).state.screen, {
      kind: 'confirm',
      action: 'exports',
      accountId: '101010101010',
    });
    assert.deepEqual(press(initialState(), text('e')).intent, {
      kind: 'act',
      action: 'exports',
      accountId: '111111111111',
    });
  });

  it('Enter with no match explains instead of acting', () => {
    const { state, intent } = press(initialState(), text('/zzz'), key('enter'));
    assert.equal(intent, undefined);
    assert.equal(state.status?.tone, 'error');
    assert.match(state.status?.text ?? '', /No account matches "zzz"/);
  });

  it('q quits with 0 and Ctrl-C with 130, from any screen', () => {
    assert.deepEqual(press(initialState(), text('q')).intent, { kind: 'quit', code: 0 });
    const busy = initialState({ screen: { kind: 'busy', message: 'Reloading' } });
    assert.equal(press(busy, text('q')).intent, undefined, 'keys wait while busy');
    assert.deepEqual(press(busy, key('ctrl-c')).intent, { kind: 'quit', code: 130 });
    const confirm = initialState({ screen: { kind: 'confirm', action: 'shell', accountId: '777777777777' } });
    assert.deepEqual(press(confirm, key('ctrl-c')).intent, { kind: 'quit', code: 130 });
  });

  it('? opens help and any key closes it; the URL panel opens the browser with o', () => {
    const help = press(initialState(), text('?')).state;
    assert.equal(help.screen.kind, 'help');
    assert.equal(press(help, text('x')).state.screen.kind, 'list');
    const url = initialState({
      screen: { kind: 'url', accountId: '666666666666', role: 'Admin', url: 'https://example.com/x' },
    });
    assert.deepEqual(press(url, text('o')).intent, { kind: 'open-url', url: 'https://example.com/x' });
    assert.equal(press(url, key('escape')).state.screen.kind, 'list');
  });

  it('r asks for a reload', () => {
    assert.deepEqual(press(initialState(), text('r')).intent, { kind: 'refresh' });
  });
});

describe('runbooks for the selected account (!)', () => {
  const staging = () => press(initialState(), text('/stag'), key('escape')).state;

  it('! opens the runbooks that act on the account; Up/Down and j/k move inside the list', () => {
    const s = press(staging(), text('!')).state;
    assert.deepEqual(s.screen, { kind: 'runbooks', accountId: '666666666666', cursor: 0 });
    assert.deepEqual(press(s, key('down')).state.screen, { kind: 'runbooks', accountId: '666666666666', cursor: 1 });
    assert.deepEqual(
      press(s, text('j'), text('j'), text('j'), text('j')).state.screen,
      { kind: 'runbooks', accountId: '666666666666', cursor: 2 },
      'three runbooks act on an account; the cursor stops at the last',
    );
    assert.deepEqual(press(s, text('jjk')).state.screen, { kind: 'runbooks', accountId: '666666666666', cursor: 1 });
    assert.deepEqual(press(s, key('down'), key('up'), key('up')).state.screen, {
      kind: 'runbooks',
      accountId: '666666666666',
      cursor: 0,
    });
    assert.equal(press(s, text('q')).intent, undefined, 'q is not quit inside the panel');
    const back = press(s, key('escape')).state;
    assert.equal(back.screen.kind, 'list');
    assert.equal(selectedName(back), 'Staging', 'Esc goes back to the list, on the same account');
  });

  it('! before the runbooks are loaded opens the panel and asks for them', () => {
    const { state, intent } = handleKey(staging(), text('!'), { model, list: listFor('', true), listFor, pageSize: 4 });
    assert.deepEqual(state.screen, { kind: 'runbooks', accountId: '666666666666', cursor: 0 });
    assert.deepEqual(intent, { kind: 'load-runbooks' });
  });

  it('! with no account selected explains instead', () => {
    const typed = press(initialState(), text('/zzz')).state;
    const none = press({ ...typed, searching: false }, text('!')).state;
    assert.equal(none.screen.kind, 'list');
    assert.match(none.status?.text ?? '', /No account matches "zzz"; no account to run a runbook against/);
  });

  const ask = (runbookId: string, field: number, answers: string[], text: string) => ({
    kind: 'ask',
    accountId: '666666666666',
    runbookId,
    field,
    answers,
    text,
  });
  const errorOf = (state: ConsoleState) => (state.screen.kind === 'ask' ? state.screen.error : undefined);

  it('Enter picks the runbook and asks for the incident id, which is typed and erased; Esc goes back to the runbooks', () => {
    let s = press(staging(), text('!'), key('down'), key('enter')).state;
    assert.deepEqual(s.screen, ask('review-account-access', 0, [], ''));
    s = press(s, text('I'), text('NC-7x'), key('backspace')).state;
    assert.deepEqual(s.screen, ask('review-account-access', 0, [], 'INC-7'));
    assert.equal(press(s, text('q')).intent, undefined, 'letters are part of the id, not commands');
    const back = press(s, key('escape')).state;
    assert.deepEqual(
      back.screen,
      { kind: 'runbooks', accountId: '666666666666', cursor: 1 },
      'Esc goes back to the runbooks, on the one chosen',
    );
  });

  it('Enter refuses an invalid incident id and says why under the field; typing clears the error', () => {
    const prompt = press(staging(), text('!'), key('enter')).state;
    const empty = press(prompt, key('enter'));
    assert.equal(empty.intent, undefined);
    assert.match(errorOf(empty.state) ?? '', /Type the incident's id/);
    const bad = press(prompt, text('INC 7'), key('enter'));
    assert.equal(bad.intent, undefined);
    assert.equal(bad.state.screen.kind, 'ask');
    assert.match(errorOf(bad.state) ?? '', /"INC 7" is not an incident id: use up to 64 letters, digits/);
    for (const id of ['-INC', 'INC/7', 'x'.repeat(65)]) {
      const r = press(prompt, text(id), key('enter'));
      assert.equal(r.intent, undefined, `${id} is refused`);
      assert.ok(errorOf(r.state), `${id} is refused with a reason`);
    }
    assert.equal(errorOf(press(bad.state, key('backspace')).state), undefined);
  });

  it('a valid incident id asks to run the runbook against the account, and is offered again next time', () => {
    const result = press(staging(), text('!'), key('enter'), text('INC-2041 '), key('enter'));
    assert.deepEqual(result.intent, {
      kind: 'runbook',
      runbookId: 'quarantine-account',
      accountId: '666666666666',
      incident: 'INC-2041',
      params: {},
    });
    assert.equal(result.state.screen.kind, 'list');
    assert.equal(result.state.incident, 'INC-2041');
    const again = press(result.state, text('!'), key('down'), key('enter')).state;
    assert.deepEqual(again.screen, ask('review-account-access', 0, [], 'INC-2041'));
  });

  it("then asks for the runbook's other required parameters, each checked by its kind", () => {
    let s = press(staging(), text('!'), key('down'), key('down'), key('enter'), text('INC-9'), key('enter')).state;
    assert.deepEqual(s.screen, ask('revoke-role-sessions', 1, ['INC-9'], ''));
    assert.match(
      errorOf(press(s, key('enter')).state) ?? '',
      /--role-name is required: the role whose sessions to revoke/,
    );
    assert.match(
      errorOf(press(s, text('Admin role'), key('enter')).state) ?? '',
      /--role-name "Admin role" is not an IAM role name/,
    );
    s = press(s, text('Adm')).state;
    const back = press(s, key('escape')).state;
    assert.deepEqual(
      back.screen,
      ask('revoke-role-sessions', 0, ['INC-9', 'Adm'], 'INC-9'),
      'Esc steps back to the incident id and keeps what was typed',
    );
    s = press(back, key('enter')).state;
    assert.deepEqual(s.screen, ask('revoke-role-sessions', 1, ['INC-9', 'Adm'], 'Adm'));
    const result = press(s, text('in'), key('enter'));
    assert.deepEqual(result.intent, {
      kind: 'runbook',
      runbookId: 'revoke-role-sessions',
      accountId: '666666666666',
      incident: 'INC-9',
      params: { 'role-name': 'Admin' },
    });
  });

  it('on the management account, a runbook that refuses it is listed but not started', () => {
    const s = press(initialState(), text('!')).state;
    assert.deepEqual(s.screen, { kind: 'runbooks', accountId: '111111111111', cursor: 0 });
    const refused = press(s, key('enter'));
    assert.equal(refused.intent, undefined);
    assert.equal(refused.state.screen.kind, 'runbooks');
    assert.match(refused.state.status?.text ?? '', /quarantine-account refuses the management account/);
    assert.equal(press(refused.state, key('down')).state.status, undefined, 'the next key clears the message');
    assert.equal(press(s, key('down'), key('enter')).state.screen.kind, 'ask', 'the other runbooks run there');
  });

  it('Ctrl-C quits from the panel and the prompt', () => {
    const s = press(staging(), text('!')).state;
    assert.deepEqual(press(s, key('ctrl-c')).intent, { kind: 'quit', code: 130 });
    assert.deepEqual(press(s, key('enter'), key('ctrl-c')).intent, { kind: 'quit', code: 130 });
  });

  it('the built-in runbooks reach the console as plain data, with the incident-id rule of the audit transcript', async () => {
    const offer = await loadRunbookOffer();
    assert.equal(offer.incidentId, INCIDENT_ID);
    assert.deepEqual(
      offer.runbooks.map((r) => r.id),
      BUILTIN_RUNBOOKS.map((r) => r.id),
    );
    const quarantine = offer.runbooks.find((r) => r.id === 'quarantine-account');
    assert.deepEqual(
      quarantine,
      {
        id: 'quarantine-account',
        title: quarantine?.title,
        actsOnAccount: true,
        changesAws: true,
        refusesManagement: true,
        asks: [],
      },
      'its responder role has a default',
    );
    const revoke = offer.runbooks.find((r) => r.id === 'revoke-role-sessions');
    if (revoke)
      assert.deepEqual(
        revoke.asks.map((a) => a.name),
        ['role-name'],
      );
    assert.match(
      offer.paramError({ name: 'role-name', kind: 'role-name', description: 'a role' }, 'not a role') ?? '',
      /is not an IAM role name/,
    );
    assert.equal(offer.paramError({ name: 'role-name', kind: 'role-name', description: 'a role' }, 'Admin'), undefined);
    const readOnly = consoleRunbooks([
      { ...BUILTIN_RUNBOOKS[0]!, params: [], steps: [{ id: 'look', kind: 'check', title: 'Look', does: 'Reads.' }] },
    ])[0];
    assert.deepEqual(
      {
        actsOnAccount: readOnly?.actsOnAccount,
        changesAws: readOnly?.changesAws,
        refusesManagement: readOnly?.refusesManagement,
      },
      { actsOnAccount: false, changesAws: false, refusesManagement: false },
    );
  });

  it('a paste ending in Enter is split into the text and the Enter', () => {
    const noKey = {
      return: false,
      backspace: false,
      delete: false,
      tab: false,
      ctrl: false,
      meta: false,
    } as Parameters<typeof keyPresses>[1];
    assert.deepEqual(keyPresses('INC-7\r', noKey), [{ text: 'INC-7' }, { name: 'enter' }]);
    assert.deepEqual(keyPresses('INC-8\u007f7', noKey), [{ text: 'INC-8' }, { name: 'backspace' }, { text: '7' }]);
    assert.deepEqual(keyPresses('j', noKey), [{ text: 'j' }]);
  });
});

describe('the list window', () => {
  const list = listFor('', true);
  it('keeps the cursor in view and moves as little as possible', () => {
    assert.equal(windowTop(list, 0, 5, 0), 0);
    const last = list.accountRows.length - 1;
    const top = windowTop(list, last, 5, 0);
    assert.equal(top, list.rows.length - 5);
    assert.equal(windowTop(list, last - 1, 5, top), top, 'moving up inside the window does not scroll');
  });

  it('shows the OU header of the first account of a group', () => {
    // The cursor on Audit, the first account under /Security, scrolling up from the bottom.
    const audit = list.accountRows.findIndex((r) => {
      const row = list.rows[r]!;
      return row.kind === 'account' && model.accounts[row.index]!.account.name === 'Audit';
    });
    const top = windowTop(list, audit, 4, list.rows.length - 4);
    const header = list.rows[top]!;
    assert.equal(header.kind, 'ou');
    assert.equal(header.kind === 'ou' && header.path, '/Security');
  });
});

describe('the identity in the header', () => {
  it('names the kind of sign-in and raises the break-glass banner for root and IAM users', () => {
    assert.deepEqual(identitySummary(SSO_BASE, undefined), {
      kind: 'SSO',
      principal: 'https://example.awsapps.com/start',
      source: 'IAM Identity Center at https://example.awsapps.com/start',
    });
    const root = identitySummary(IAM_USER_BASE, 'arn:aws:iam::111111111111:root');
    assert.equal(root.kind, 'root');
    assert.match(root.breakGlass ?? '', /^BREAK-GLASS: ROOT USER/);
    const user = identitySummary(IAM_USER_BASE, 'arn:aws:iam::111111111111:user/admin');
    assert.equal(user.kind, 'IAM user');
    assert.match(user.breakGlass ?? '', /^BREAK-GLASS: IAM user/);
    const unknownKeys = identitySummary(IAM_USER_BASE, undefined);
    assert.equal(unknownKeys.kind, 'IAM user or root', 'long-term keys, not looked up yet');
    assert.ok(unknownKeys.breakGlass);
    const role = identitySummary(
      { kind: 'env', id: 'env:ASIAEXAMPLE', accessKeyId: 'ASIAEXAMPLE', temporary: true },
      'arn:aws:sts::111111111111:assumed-role/Admin/alice',
    );
    assert.equal(role.kind, 'role session');
    assert.equal(role.breakGlass, undefined);
  });
});
