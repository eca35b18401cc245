/**
 * A local AWS emulator (moto_server) that awsorg starts itself for `bootstrap --rehearse`: on a
 * free loopback port, with dummy credentials, and stopped when the rehearsal ends (or awsorg
 * exits). Nothing in a rehearsal can reach AWS: the session's environment points every SDK
 * call and every terraform call at the emulator.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { createDeps, type Deps, type Env } from './deps.js';
import { xdgPaths } from '../core/xdg.js';
import { PreconditionError } from '../core/errors.js';

export interface Emulator {
  endpoint: string;
  /** The parent environment with AWS configuration replaced by the emulator's. */
  environment(parent: Env): Record<string, string>;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "Install moto's server (Python 3.9+): `pipx install 'moto[server]'` or `pip install --user 'moto[server]'`, make sure `moto_server` is on PATH, and run again.";

/** Variables that would send a rehearsal's calls elsewhere or sign them as a real identity. */
const REPLACED =
  /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN|PROFILE|DEFAULT_PROFILE|ROLE_ARN|WEB_IDENTITY_TOKEN_FILE|CONTAINER_.*|ENDPOINT_URL.*|IGNORE_CONFIGURED_ENDPOINT_URLS|CREDENTIAL_EXPIRATION)$/;

export function findOnPath(name: string, env: Env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmulator(deps: Deps, opts: { readyTimeoutMs?: number } = {}): Promise<Emulator> {
  const binary = findOnPath('moto_server', deps.env);
  if (!binary)
    throw new PreconditionError('--rehearse needs the moto_server AWS emulator, and it is not on PATH', INSTALL_HINT);
  const port = await freeLoopbackPort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const child = deps.spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...deps.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } as NodeJS.ProcessEnv,
  });
  child.stdout?.on('data', (d) => (output = (output + String(d)).slice(-2000)));
  child.stderr?.on('data', (d) => (output = (output + String(d)).slice(-2000)));
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.on('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.on('error', () => undefined);
  // If awsorg itself ends without reaching stop() (an uncaught error, process.exit), take the emulator along.
  const killOnExit = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.on('exit', killOnExit);
  const stop = async () => {
    process.off('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exitedPromise;
    clearTimeout(timer);
  };

  const deadline = deps.clock.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exited)
      throw new PreconditionError(
        `moto_server exited before it was ready: ${output.trim().split('\n').slice(-3).join(' | ') || 'no output'}`,
        INSTALL_HINT,
      );
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (deps.clock.now() > deadline) {
      await stop();
      throw new PreconditionError(
        `moto_server did not answer on ${endpoint} within ${Math.round((opts.readyTimeoutMs ?? 30_000) / 1000)} s`,
        'Check that moto_server starts on its own (`moto_server -p 5000`), then run again.',
      );
    }
    await deps.clock.sleep(100, deps.signal);
    if (deps.signal.aborted) {
      await stop();
      throw new PreconditionError('interrupted while the emulator was starting');
    }
  }

  const dummySecret = randomBytes(30).toString('base64');
  return {
    endpoint,
    environment(parent) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(parent)) if (v !== undefined && !REPLACED.test(k)) env[k] = v;
      return {
        ...env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'rehearsal',
        // A random dummy secret: anything awsorg treats as a secret is redacted from transcripts,
        // and a word such as "rehearsal" would also be cut out of names that contain it.
        AWS_SECRET_ACCESS_KEY: dummySecret,
        AWS_REGION: parent.AWS_REGION ?? parent.AWS_DEFAULT_REGION ?? 'us-east-1',
        AWS_DEFAULT_REGION: parent.AWS_REGION ?? parent.AWS_DEFAULT_REGION ?? 'us-east-1',
        // No profile files: a rehearsal never reads the operator's real AWS configuration.
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
    },
    stop,
  };
}

/**
 * The Deps of a rehearsal: AWS configuration replaced by the emulator's, and the caches,
 * settings and transcripts in the rehearsal's workspace, never next to the real ones.
 */
export function rehearsalDeps(deps: Deps, emulator: Emulator, workspace: string): Deps {
  const env = emulator.environment(deps.env);
  const paths = xdgPaths({
    ...env,
    XDG_CONFIG_HOME: join(workspace, 'config'),
    XDG_CACHE_HOME: join(workspace, 'cache'),
    XDG_STATE_HOME: join(workspace, 'state'),
  });
  return createDeps({
    env,
    signal: deps.signal,
    cwd: deps.cwd,
    stdout: deps.stdout,
    stderr: deps.stderr,
    stdin: deps.stdin,
    interactive: deps.interactive,
    clock: deps.clock,
    random: deps.random,
    paths,
    spawn: deps.spawn,
    fetch: deps.fetch,
  });
}
