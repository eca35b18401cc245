/**
 * What `awsorg assume` must not do on its way to the child on a credential-cache hit, because
 * it costs start-up time (bench/operator.bench.ts holds it to 1.3x `node -e 0`): create
 * process.stdin, stdout or stderr (several ms and enough garbage for a collection: a stream, and
 * fs streams or a socket behind it) only to ask whether one is a terminal. Run in a child process so that nothing else has touched process.stdin.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const src = (path: string) => pathToFileURL(fileURLToPath(new URL(`../../src/${path}`, import.meta.url))).href;

describe('assume start-up', () => {
  it('runs the session child without creating process.stdin, stdout or stderr, and still knows whether they are terminals', () => {
    const script = `
      const created = { stdin: 0, stdout: 0, stderr: 0 };
      for (const name of Object.keys(created)) {
        const d = Object.getOwnPropertyDescriptor(process, name);
        Object.defineProperty(process, name, { configurable: true, enumerable: d.enumerable, get() { created[name]++; return d.get.call(process); } });
      }
      const { createDeps } = await import(${JSON.stringify(src('aws/deps.js'))});
      const { runInSession } = await import(${JSON.stringify(src('assume/shell.js'))});
      const deps = createDeps({ env: { PATH: process.env.PATH }, signal: new AbortController().signal });
      const session = {
        account: { id: '111111111111', name: 'Sample', email: 's@example.com', status: 'ACTIVE', ouPath: '/', tags: {} },
        role: 'R', region: 'us-east-1', cacheHit: true,
        credentials: { accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiration: '2099-01-01T00:00:00Z', accountId: '111111111111', role: 'R' },
      };
      const code = await runInSession(deps, session, { file: 'true', args: [] });
      const result = JSON.stringify({ code, created: { ...created }, stdinIsTTY: deps.stdinIsTTY, interactive: deps.interactive });
      process.stdout.write(result);
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: 'pipe' });
    assert.equal(r.status, 0, r.stderr);
    // stdin is a pipe here: not a terminal.
    assert.deepEqual(JSON.parse(r.stdout), {
      code: 0,
      created: { stdin: 0, stdout: 0, stderr: 0 },
      stdinIsTTY: false,
      interactive: false,
    });
  });
});
