/**
 * A reader that stops early (`awsorg accounts | head -1`) closes awsorg's stdout while it still
 * writes. Every command must then end quietly: no Node stack trace, and the command's own exit
 * code (0 here), 20 times in a row, in a real shell pipeline against an organization in moto
 * large enough that the output overflows the pipe's buffer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { CreateAccountCommand, CreateOrganizationCommand } from '@aws-sdk/client-organizations';
import { clientsFor } from '../helpers/aws.js';
import { CLI, runCli } from '../helpers/cli.js';
import { startMoto, type Moto } from '../helpers/moto.js';
import { operatorEnv } from '../helpers/org-fixture.js';

const ACCOUNTS = 400;
const RUNS = 20;

interface PipelineResult {
  /** What the reader (head) printed. */
  stdout: string;
  stderr: string;
  /** awsorg's own exit status, from bash's PIPESTATUS. */
  awsorgStatus: number;
}

/** Runs `node CLI ARGS | READER` in bash and reports awsorg's exit status separately. */
function pipeline(args: string[], reader: string, env: Record<string, string>): Promise<PipelineResult> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = `${quoted} | ${reader}; echo "awsorg-status=\${PIPESTATUS[0]}" >&2`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('error', reject);
    child.on('close', () => {
      const status = /awsorg-status=(\d+)/.exec(stderr);
      if (!status) return reject(new Error(`no status from the pipeline: ${stderr}`));
      resolve({ stdout, stderr: stderr.replace(/awsorg-status=\d+\n?/, ''), awsorgStatus: Number(status[1]) });
    });
  });
}

function assertQuiet(run: PipelineResult, label: string): void {
  assert.doesNotMatch(run.stderr, /EPIPE|Error|^\s+at /m, `${label}: no stack trace on stderr`);
  assert.equal(run.awsorgStatus, 0, `${label}: awsorg exits 0; stderr: ${run.stderr}`);
}

describe('a closed stdout ends every command quietly', () => {
  let moto: Moto;
  let env: Record<string, string>;

  before(async () => {
    moto = await startMoto();
    const org = clientsFor(moto.endpoint).organizations;
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < ACCOUNTS) {
          const i = next++;
          await org.send(
            new CreateAccountCommand({
              AccountName: `workload-${String(i).padStart(3, '0')}`,
              Email: `workload-${i}@acme-corp.io`,
            }),
          );
        }
      }),
    );
    env = operatorEnv(moto.endpoint);
    // Discover once; the runs below read the cached inventory, as an operator's would.
    const first = await runCli(['accounts', '--refresh', '--json'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.length > 64 * 1024, `the JSON (${first.stdout.length} bytes) overflows a pipe buffer`);
  });
  after(() => moto?.stop());

  it(`\`awsorg accounts | head -1\` prints one line and exits 0, ${RUNS} times in a row`, {
    timeout: 300_000,
  }, async () => {
    for (let i = 0; i < RUNS; i++) {
      const run = await pipeline(['accounts'], 'head -1', env);
      assert.equal(run.stdout.split('\n').filter(Boolean).length, 1, `run ${i + 1}: one line`);
      assert.match(run.stdout, /^ID\s+NAME\s+EMAIL/);
      assertQuiet(run, `run ${i + 1}`);
    }
  });

  it(`\`awsorg accounts --json | head -c 300\` stops quietly, ${RUNS} times in a row`, {
    timeout: 300_000,
  }, async () => {
    for (let i = 0; i < RUNS; i++) {
      const run = await pipeline(['accounts', '--json'], 'head -c 300', env);
      assert.equal(run.stdout.length, 300, `run ${i + 1}: 300 bytes`);
      assertQuiet(run, `run ${i + 1}`);
    }
  });

  it('a reader that reads nothing (`awsorg accounts --json | true`) ends it quietly too', {
    timeout: 120_000,
  }, async () => {
    for (let i = 0; i < 5; i++) {
      const run = await pipeline(['accounts', '--json'], 'true', env);
      assertQuiet(run, `run ${i + 1}`);
    }
  });
});
