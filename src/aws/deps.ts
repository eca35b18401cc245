/**
 * Every side effect reaches code through one `Deps` object, so tests replace behaviour by
 * passing different values, never by mocking modules.
 *
 * What depends on what:
 * - `aws()` depends on `env` (credentials, region, endpoints), `clock` and `random` (backoff),
 *   and reports every call and retry to `awsEvents`.
 * - `paths` depends on `env` (XDG_*).
 * - Everything that prints goes through `stdout`/`stderr`; `interactive` is derived from them.
 */
import { spawn as nodeSpawn } from 'node:child_process';
import { isatty } from 'node:tty';
import { AwsSession, type AwsEvent } from './session.js';
import { cachedMfaSession, resolveBaseCredentials, resolveRegion } from './credentials.js';
import { xdgPaths, type XdgPaths } from '../core/xdg.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface OutputStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Listeners<T> {
  add(listener: (event: T) => void): () => void;
  emit(event: T): void;
}

export interface Deps {
  env: Env;
  cwd: string;
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Whether stdin is a terminal, known without creating process.stdin (which costs `assume` several ms). */
  stdinIsTTY: boolean;
  /** True when a person can answer prompts (stdin and stderr are terminals). */
  interactive: boolean;
  clock: Clock;
  random(): number;
  paths: XdgPaths;
  /**
   * The base AWS session (credentials from the standard chain, or the cached MFA session of
   * `awsorg login --mfa-serial` while it lasts). `region` overrides the resolved one;
   * `longTerm` skips the MFA session (GetSessionToken itself needs the long-term keys).
   */
  aws(region?: string, opts?: { longTerm?: boolean }): AwsSession;
  awsEvents: Listeners<AwsEvent>;
  spawn: typeof nodeSpawn;
  /** HTTP requests that are not AWS API calls (the console sign-in federation endpoint). */
  fetch: typeof globalThis.fetch;
  /** Aborted when the operator presses Ctrl-C or the process receives SIGTERM. */
  signal: AbortSignal;
}

export function listeners<T>(): Listeners<T> {
  const set = new Set<(event: T) => void>();
  return {
    add(listener) {
      set.add(listener);
      return () => set.delete(listener);
    },
    emit(event) {
      for (const l of set) l(event);
    },
  };
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface CreateDepsOptions extends Partial<Deps> {
  env: Env;
  signal: AbortSignal;
  /** Called once with process.stdout or process.stderr when a command first uses it (the CLI watches for write errors). */
  onOutputStream?: (stream: NodeJS.WriteStream) => void;
}

export function createDeps(overrides: CreateDepsOptions): Deps {
  const env = overrides.env;
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? Math.random;
  const awsEvents = overrides.awsEvents ?? listeners<AwsEvent>();
  // process.stdout and process.stderr are created on first use (a net.Socket each on a pipe: a few
  // ms and enough garbage for a collection); `assume --exec` hands the terminal to its child and
  // never writes to either.
  let stdout = overrides.stdout;
  let stderr = overrides.stderr;
  const created = (stream: NodeJS.WriteStream): OutputStream => {
    overrides.onOutputStream?.(stream);
    return stream;
  };
  const sessions = new Map<string, AwsSession>();
  const paths = overrides.paths ?? xdgPaths(env);
  const longTermCredentials = resolveBaseCredentials(env);
  const stdinIsTTY = overrides.stdinIsTTY ?? Boolean(overrides.stdin ? overrides.stdin.isTTY : isatty(0));
  const credentials = resolveBaseCredentials(env, { mfaSession: () => cachedMfaSession(env, paths, clock.now()) });
  return {
    env,
    cwd: overrides.cwd ?? process.cwd(),
    get stdout() {
      stdout ??= created(process.stdout);
      return stdout;
    },
    get stderr() {
      stderr ??= created(process.stderr);
      return stderr;
    },
    // process.stdin is created on first access (a few ms); the hot path of `assume` never reads it.
    get stdin() {
      return overrides.stdin ?? process.stdin;
    },
    stdinIsTTY,
    interactive:
      overrides.interactive ?? Boolean(stdinIsTTY && (overrides.stderr ? overrides.stderr.isTTY : isatty(2))),
    clock,
    random,
    paths,
    awsEvents,
    spawn: overrides.spawn ?? nodeSpawn,
    // A wrapper rather than globalThis.fetch itself: reading that loads Node's HTTP client, which `assume` must not pay for.
    fetch: overrides.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    signal: overrides.signal,
    aws:
      overrides.aws ??
      ((region, opts) => {
        const resolved = region ?? resolveRegion(env);
        const key = `${resolved}${opts?.longTerm ? ' long-term' : ''}`;
        let session = sessions.get(key);
        if (!session) {
          session = new AwsSession(
            { env, random, sleep: (ms) => clock.sleep(ms, overrides.signal), onEvent: (e) => awsEvents.emit(e) },
            { region: resolved, credentials: opts?.longTerm ? longTermCredentials : credentials },
          );
          sessions.set(key, session);
        }
        return session;
      }),
  };
}
