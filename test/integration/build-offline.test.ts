/**
 * The build trains the bin's V8 code cache by running `assume --exec -- true` on a sample
 * credential-cache hit (scripts/v8cache-training.mjs). When that cache path breaks, the sample
 * falls through to sts:AssumeRole, and that call must go to a dead loopback endpoint, never to
 * AWS: a build must not leave the machine. The sample runs here with a cold credential cache
 * and a preload that records every DNS lookup and connection (and refuses every lookup, so the
 * test cannot leak either).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { CLI, REPO_ROOT, tempDir } from '../helpers/cli.js';

const RECORDER = `
const { appendFileSync } = require('node:fs');
const dns = require('node:dns');
const net = require('node:net');
const log = process.env.AWSORG_TEST_NET_LOG;
const record = (line) => appendFileSync(log, line + '\\n');
const refuse = (hostname, ...rest) => {
  record('lookup ' + hostname);
  const callback = rest[rest.length - 1];
  const err = Object.assign(new Error('getaddrinfo ENOTFOUND ' + hostname + ' (refused by the test)'), { code: 'ENOTFOUND', hostname });
  process.nextTick(() => callback(err));
};
dns.lookup = refuse;
dns.promises.lookup = async (hostname) => { record('lookup ' + hostname); throw Object.assign(new Error('ENOTFOUND ' + hostname), { code: 'ENOTFOUND' }); };
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const o = args[0];
  const target = Array.isArray(o) ? o[0] : o;
  if (target && typeof target === 'object') record('connect ' + (target.path ? 'unix:' + target.path : (target.host ?? 'localhost') + ':' + target.port));
  else record('connect ' + String(args[1] ?? 'localhost') + ':' + String(args[0]));
  return connect.apply(this, args);
};
`;

const LOOPBACK = /^connect (127\.0\.0\.1|::1|\[::1\]|localhost):\d+$|^connect unix:/;

describe('the build never leaves the machine', () => {
  it('trains the code cache against a dead loopback endpoint: a cold credential cache makes no DNS lookup and no connection outside 127.0.0.1', async () => {
    const dir = tempDir('awsorg-build-net-');
    const recorder = join(dir, 'recorder.cjs');
    const log = join(dir, 'net.log');
    writeFileSync(recorder, RECORDER);
    writeFileSync(log, '');
    const training = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'v8cache-training.mjs')).href)) as {
      runTrainingSample(opts: {
        bin: string;
        warm?: boolean;
        nodeOptions?: string;
        extraEnv?: Record<string, string>;
      }): Promise<{ status: number | null; stderr: string }>;
    };
    const run = await training.runTrainingSample({
      bin: CLI,
      warm: false,
      nodeOptions: `--require ${recorder}`,
      extraEnv: { AWSORG_TEST_NET_LOG: log },
    });
    const events = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    // The cold path did try sts:AssumeRole (so the check below is not vacuous), and failed.
    assert.notEqual(run.status, 0, 'a cold cache cannot succeed against a dead endpoint');
    assert.ok(
      events.some((e) => e.startsWith('connect ') || e.startsWith('lookup ')),
      `the cold sample reached for the network: ${run.stderr}`,
    );
    const outside = events.filter((e) => !LOOPBACK.test(e));
    assert.deepEqual(outside, [], `every connection stays on loopback; stderr: ${run.stderr}`);
    assert.ok(
      events.some((e) => LOOPBACK.test(e) && !e.startsWith('connect unix:')),
      'the sample called the loopback endpoint',
    );
  });
});
