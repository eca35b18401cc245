/**
 * A corrupt or foreign bootstrap journal: every shape that is not a version-1 journal is refused
 * with exit 2, naming the journal file and what to do, before a single request reaches AWS. The
 * journal itself is left as it was (it may hold pending CreateAccount request ids).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AwsProxy } from '../fixtures/aws-proxy.js';
import { isolatedEnv, runCli, tempDir } from '../helpers/cli.js';
import { startMotoBehindProxy, type Moto } from '../helpers/moto.js';

const BLUEPRINT = `version: 1
region: us-east-1
organization:
  trustedServices: []
  policyTypes: [SERVICE_CONTROL_POLICY]
organizationalUnits: [Workloads]
accounts:
  - { name: staging, email: aws+staging@example.com, ou: Workloads }
`;

const valid = {
  version: 1,
  blueprint: '/somewhere/awsorg.yaml',
  runs: 1,
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  changes: { 'organizational-units:create:Workloads': { status: 'started', at: '2026-01-01T00:00:00.000Z' } },
  createAccountRequests: {
    'aws+staging@example.com': {
      requestId: 'car-0123456789abcdef',
      accountName: 'staging',
      requestedAt: '2026-01-01T00:00:00.000Z',
    },
  },
};
const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Each corrupt journal, and a fragment of what the error must say about it. */
const CORRUPT: Array<{ name: string; text: string; says: RegExp }> = [
  { name: 'not JSON', text: '{garbage', says: /not valid JSON/ },
  { name: 'an empty file', text: '', says: /is empty/ },
  { name: 'null', text: 'null', says: /holds nothing/ },
  { name: 'an array', text: '[]', says: /holds a list/ },
  { name: 'version 2', text: json({ ...valid, version: 2 }), says: /version: is 2.*reads version 1/ },
  { name: 'changes: null', text: json({ ...valid, changes: null }), says: /changes: must be a mapping/ },
  {
    name: 'createAccountRequests: null',
    text: json({ ...valid, createAccountRequests: null }),
    says: /createAccountRequests: must be a mapping/,
  },
  {
    name: 'a change with an unknown status',
    text: json({ ...valid, changes: { k: { status: 'maybe', at: valid.startedAt } } }),
    says: /changes\["k"\]\.status/,
  },
  {
    name: 'a request without its id',
    text: json({
      ...valid,
      createAccountRequests: { 'aws+staging@example.com': { accountName: 'staging', requestedAt: valid.startedAt } },
    }),
    says: /createAccountRequests\["aws\+staging@example\.com"\]\.requestId/,
  },
  { name: 'runs as text', text: json({ ...valid, runs: 'one' }), says: /runs: must be a whole number/ },
];

describe('a corrupt bootstrap journal is refused before any AWS call', () => {
  let moto: Moto;
  let proxy: AwsProxy;
  let stop: () => Promise<void>;
  let env: Record<string, string>;
  let pristine: Record<string, unknown>;

  before(async () => {
    ({ moto, proxy, stop } = await startMotoBehindProxy());
    env = isolatedEnv({ ...moto.env, AWS_ENDPOINT_URL: proxy.endpoint });
    pristine = await moto.snapshot();
  });
  after(() => stop?.());

  for (const [index, corrupt] of CORRUPT.entries()) {
    it(`${corrupt.name}: exit 2, names the journal and the fix, no AWS call`, async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'awsorg.yaml'), BLUEPRINT);
      const journal = join(dir, 'awsorg.journal.json');
      writeFileSync(journal, corrupt.text);
      // Apply and plan alike: neither may read past a journal it does not understand.
      const args = index % 3 === 2 ? ['--plan'] : ['--yes'];
      const before = proxy.stats.total;
      const run = await runCli(['bootstrap', '--config', 'awsorg.yaml', '--allow-placeholders', ...args], {
        env,
        cwd: dir,
      });
      assert.equal(run.code, 2, `${corrupt.name}: ${run.stdout}${run.stderr}`);
      assert.ok(run.stderr.includes(journal), `names ${journal}: ${run.stderr}`);
      assert.match(run.stderr, corrupt.says);
      assert.match(run.stderr, /Next step: .*(move it aside|newer awsorg)/);
      assert.doesNotMatch(run.stderr, /unexpected error/);
      assert.equal(proxy.stats.total, before, `${corrupt.name} sent ${proxy.stats.total - before} AWS requests`);
      assert.equal(readFileSync(journal, 'utf8'), corrupt.text, 'the journal is left as it was');
    });
  }

  it('left moto exactly as it was', async () => {
    assert.deepEqual(await moto.snapshot(), pristine);
  });
});
