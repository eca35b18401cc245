/**
 * Starts a real moto_server on a free loopback port for one test file, and stops it.
 * Tests fail loudly when moto_server is missing: it is a required part of the test suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { startAwsProxy, type AwsProxy } from '../fixtures/aws-proxy.js';

export interface Moto {
  endpoint: string;
  port: number;
  /** POST /moto-api/reset: forget every resource. */
  reset(): Promise<void>;
  /**
   * Every resource moto holds, as moto's own JSON dump (for before/after comparisons), without
   * the empty model lists moto adds when a read first touches a service.
   */
  snapshot(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
  /** Dummy credentials and the endpoint, ready to merge into a child's environment. */
  env: Record<string, string>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * `managedPolicies` loads AWS's managed IAM policies into every account moto creates, which
 * attaching an `arn:aws:iam::aws:policy/...` needs, but costs about two seconds per account.
 */
export async function startMoto(opts: { managedPolicies?: boolean } = {}): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: opts.managedPolicies ? 'true' : 'false' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.on('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r('running'), 100))]);
    if (early !== 'running') {
      throw new Error(
        `moto_server exited (${String(early)}) before it was ready; is it installed? (pip install 'moto[server]')\n${stderr}`,
      );
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s\n${stderr}`);
    }
  }
  return {
    endpoint,
    port,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
    },
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
    },
    async snapshot() {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      return prune((await res.json()) as Record<string, unknown>);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Models moto fills as a side effect of reads, not of writes: the AWS-managed IAM policies and
 * account summary it loads the first time IAM is touched, the canned S3 ACL grantees, and the sessions (with their
 * temporary access keys) that sts:AssumeRole hands out.
 */
const READ_SIDE_EFFECTS = new Set(['iam.AWSManagedPolicy', 'iam.AccountSummary', 'sts.AssumedRole', 's3.FakeGrantee']);
const isTemporaryKey = (service: string, model: string, row: unknown) =>
  service === 'iam' && model === 'AccessKey' && Boolean((row as { role_arn?: string }).role_arn);

function prune(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [service, models] of Object.entries(data)) {
    const kept = Object.fromEntries(
      Object.entries(models as Record<string, unknown[]>)
        .filter(([model, rows]) => Array.isArray(rows) && !READ_SIDE_EFFECTS.has(`${service}.${model}`))
        .map(([model, rows]) => [model, rows.filter((row) => !isTemporaryKey(service, model, row))] as const)
        .filter(([, rows]) => rows.length > 0),
    );
    if (Object.keys(kept).length > 0) out[service] = kept;
  }
  return out;
}

/**
 * moto with the recording, fault-injecting proxy in front of it; point AWS_ENDPOINT_URL at
 * `proxy.endpoint`. `stop` ends both.
 */
export async function startMotoBehindProxy(): Promise<{ moto: Moto; proxy: AwsProxy; stop(): Promise<void> }> {
  const moto = await startMoto();
  const proxy = await startAwsProxy({ target: moto.endpoint });
  return {
    moto,
    proxy,
    async stop() {
      await proxy.stop();
      await moto.stop();
    },
  };
}
