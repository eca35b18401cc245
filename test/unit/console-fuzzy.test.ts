import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { createFilter, filterAccounts, scoreText } from '../../src/ui/console/fuzzy.js';
import { renderFrame } from '../../src/ui/console/frame.js';
import { identitySummary } from '../../src/ui/console/identity.js';
import { buildModel } from '../../src/ui/console/model.js';
import type { Inventory, InventoryAccount } from '../../src/inventory/types.js';
import { displayList } from '../../src/ui/console/rows.js';
import { initialState } from '../../src/ui/console/state.js';
import { palette } from '../../src/ui/console/style.js';
import {
  FIXED_NOW,
  fixtureInventory,
  fixtureModel,
  fixtureSettings,
  SSO_BASE,
  syntheticInventory,
} from './console-fixture.js';

const model = fixtureModel();
const names = (query: string) =>
  filterAccounts(model.accounts, query).map((m) => model.accounts[m.index]!.account.name);

describe('fuzzy scoring', () => {
  it('ranks exact over prefix over word start over the middle of a word', () => {
    const exact = scoreText('audit', 'audit');
    const prefix = scoreText('aud', 'audit');
    const wordStart = scoreText('arch', 'log archive');
    const middle = scoreText('rch', 'log archive');
    assert.ok(exact > prefix, `${exact} > ${prefix}`);
    assert.ok(scoreText('arch', 'archive') > wordStart);
    assert.ok(wordStart > middle, `${wordStart} > ${middle}`);
  });

  it('matches subsequences below substrings, favouring word starts and runs', () => {
    assert.ok(scoreText('lgar', 'log archive') > 0);
    assert.ok(scoreText('log', 'log archive') > scoreText('lgar', 'log archive'));
    assert.ok(scoreText('la', 'log archive') > scoreText('la', 'xlxxxxxaxx'), 'word starts beat scattered letters');
    assert.equal(scoreText('xyz', 'log archive'), 0);
    assert.equal(scoreText('archives', 'archive'), 0);
  });
});

describe('filterAccounts', () => {
  it('searches name, id, alias, email, OU path and tags (key=value), case-insensitively', () => {
    assert.equal(names('STAGING')[0], 'Staging');
    assert.equal(names('777777')[0], 'Production', 'by id');
    assert.equal(names('logs')[0], 'Log Archive', 'by alias');
    assert.equal(names('shared-services@')[0], 'Shared Services', 'by email');
    assert.deepEqual(names('/security').sort(), ['Audit', 'Log Archive'], 'by OU path');
    assert.deepEqual(names('owner=alice'), ['Sandbox Alice'], 'by tag');
    assert.deepEqual(names('team=platform'), ['Production']);
  });

  it('requires every term to match', () => {
    assert.deepEqual(names('sandbox alice'), ['Sandbox Alice']);
    assert.deepEqual(names('sandbox nobody'), []);
  });

  it('puts a name match before the same text in an OU path or a tag', () => {
    const ranked = names('prod');
    assert.equal(ranked[0], 'Production', 'name prefix first');
    assert.equal(ranked[1], 'Payments', 'tag stage=prod (word start) before the middle of /Workloads/NonProd');
    assert.deepEqual(ranked.slice(2).sort(), ['Development', 'Staging']);
    assert.equal(names('stag')[0], 'Staging');
    assert.equal(filterAccounts(model.accounts, 'pay')[0]!.field, 'alias');
  });

  it('the remembering filter gives the same answer as a fresh one while typing and deleting', () => {
    const filter = createFilter(model.accounts);
    for (const query of [
      's',
      'sa',
      'san',
      'sand',
      'sand a',
      'sand al',
      'sand',
      'p',
      'pr',
      'pro',
      'prod',
      'pro',
      'x',
      '',
      's',
      'se',
      'sec',
      'secu',
      'l',
      'lg',
      'lga',
      'lgar',
      'e',
      'ex',
      'ex@',
      'ex@e',
      '@',
      '@ex',
    ]) {
      assert.deepEqual(filter(query), query.trim() ? filterAccounts(model.accounts, query) : [], `query "${query}"`);
    }
  });
});

describe('ranking by field, and email addresses', () => {
  /** The standard preset's organization: every member's email is aws+NAME@example.com. */
  const preset = (() => {
    const account = (
      id: string,
      name: string,
      ouPath: string,
      email = `aws+${name.toLowerCase().replace(/ /g, '-')}@example.com`,
      tags: Record<string, string> = {},
    ): InventoryAccount => ({ id, name, email, status: 'ACTIVE', ouPath, tags });
    const inventory: Inventory = {
      ...fixtureInventory(),
      accounts: [
        account('111111111111', 'Management', '/', 'aws@example.com'),
        account('222222222222', 'Log Archive', '/Security'),
        account('333333333333', 'Audit', '/Security'),
        account('444444444444', 'Shared Services', '/Infrastructure'),
        account('555555555555', 'Development', '/Workloads'),
        account('666666666666', 'Staging', '/Workloads'),
        account('777777777777', 'Production', '/Workloads', undefined, { environment: 'production' }),
        account('888888888888', 'Ops', '/Infrastructure', 'security-team@example.com'),
      ],
    };
    return buildModel(inventory, { ...fixtureSettings(), aliases: {} }, identitySummary(SSO_BASE, undefined), 'cache');
  })();
  const found = (query: string) =>
    filterAccounts(preset.accounts, query).map((m) => preset.accounts[m.index]!.account.name);

  it('/sec finds the Security accounts, not every account through example.com', () => {
    assert.deepEqual(found('sec').slice(0, 2), ['Audit', 'Log Archive']);
    assert.ok(!found('sec').includes('Staging') && !found('sec').includes('Production'), found('sec').join(', '));
  });

  it('a word matched in a name, alias, id, OU or tag outranks the same word in an email', () => {
    // Ops has it at the start of its email; Audit and Log Archive have it in their OU.
    assert.deepEqual(found('security'), ['Audit', 'Log Archive', 'Ops']);
    assert.equal(filterAccounts(preset.accounts, 'security').at(-1)!.field, 'email');
    assert.deepEqual(found('production'), ['Production'], 'the name, then nothing else: the tag is the same account');
  });

  it('letters scattered through a name are a match only when nothing has them together', () => {
    // "sec" is a subsequence of "Shared Services", but two accounts have it as a word.
    assert.deepEqual(found('sec'), ['Audit', 'Log Archive', 'Ops']);
    assert.deepEqual(found('lgar'), ['Log Archive'], 'with no word to find, scattered letters still find the account');
  });

  it("the email's domain is searched only when the term has an @", () => {
    assert.deepEqual(found('example'), []);
    assert.deepEqual(found('com'), []);
    assert.equal(found('@example.com').length, 8);
    assert.deepEqual(found('aws+staging@'), ['Staging']);
    assert.deepEqual(found('security-team'), ['Ops'], 'the part before the @ is always searched');
  });
});

describe('with 5,000 accounts', () => {
  it('filters and renders the visible window of a keystroke within 50 ms', () => {
    const big = buildModel(syntheticInventory(5000), fixtureSettings(), identitySummary(SSO_BASE, undefined), 'cache');
    const filter = createFilter(big.accounts);
    const p = palette(true);
    const timings: number[] = [];
    let query = '';
    // Warm the JIT the way the first keystrokes of a session would.
    for (const q of ['x', 'xy', '']) filter(q);
    for (const ch of 'payments-prod') {
      query += ch;
      const started = performance.now();
      const list = displayList(big, filter(query), true);
      const frame = renderFrame({
        model: big,
        state: initialState({ query, searching: true }),
        list,
        width: 120,
        height: 39,
        palette: p,
        now: FIXED_NOW,
        sessionExpiry: () => undefined,
      });
      timings.push(performance.now() - started);
      assert.equal(frame.lines.length, 39);
    }
    timings.sort((a, b) => a - b);
    const median = timings[Math.floor(timings.length / 2)]!;
    const worst = timings[timings.length - 1]!;
    assert.ok(
      median <= 50,
      `median ${median.toFixed(1)} ms per keystroke (worst ${worst.toFixed(1)} ms) is over the 50 ms budget`,
    );
    assert.ok(filter('payments-prod').length > 0);
  });
});
