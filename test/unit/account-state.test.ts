import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountState, CLOSED_OR_SUSPENDED } from '../../src/aws/account-state.js';

describe('accountState', () => {
  it('reads State first, the retired Status only when State is absent', () => {
    assert.equal(accountState({ State: 'SUSPENDED' }), 'SUSPENDED');
    assert.equal(accountState({ Status: 'PENDING_CLOSURE' }), 'PENDING_CLOSURE');
    assert.equal(accountState({ State: 'PENDING_CLOSURE', Status: 'ACTIVE' }), 'PENDING_CLOSURE');
    assert.equal(accountState({}), undefined);
  });

  it('counts SUSPENDED, PENDING_CLOSURE and CLOSED as unusable, and not PENDING_ACTIVATION or ACTIVE', () => {
    assert.deepEqual(
      ['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'].filter((s) =>
        CLOSED_OR_SUSPENDED.has(s),
      ),
      ['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'],
    );
  });
});
