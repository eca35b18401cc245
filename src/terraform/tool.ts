/**
 * Finding and running the Terraform-compatible command-line tool: OpenTofu (`tofu`) or
 * Terraform (`terraform`). PATH is searched from the injected environment, never from
 * `process.env`, so tests and the bootstrap engine decide what the tool sees.
 */
import type { spawn as nodeSpawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { AwsorgError, CancelledError, PreconditionError } from '../core/errors.js';

export type ToolName = 'terraform' | 'tofu';
export type ToolChoice = 'auto' | ToolName;
export const TOOL_CHOICES: readonly ToolChoice[] = ['auto', 'terraform', 'tofu'];

type Env = Readonly<Record<string, string | undefined>>;
type Spawn = typeof nodeSpawn;

export interface TerraformTool {
  name: ToolName;
  /** Absolute path of the executable that was found on PATH. */
  path: string;
}

export interface ToolRunResult {
  code: number;
  /** stdout and stderr interleaved in arrival order (capped at the last 256 KiB). */
  output: string;
  /** All of stdout alone (machine-readable output such as `show -json`, which can exceed the cap above). */
  stdout: string;
}

const INSTALL_HINTS: Record<ToolName, string> = {
  tofu: 'OpenTofu: https://opentofu.org/docs/intro/install/',
  terraform: 'Terraform: https://developer.hashicorp.com/terraform/install',
};

/** The executable called `name` in the directories of `env.PATH`, or undefined. */
export function findOnPath(name: string, env: Env, platform: NodeJS.Platform = process.platform): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
  const extensions = platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean) : [''];
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = join(dir, name + ext);
      try {
        if (!statSync(candidate).isFile()) continue;
        if (platform !== 'win32') accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here, or not executable
      }
    }
  }
  return undefined;
}

/**
 * `auto` prefers OpenTofu when it is on PATH, else Terraform. A named tool must be on PATH.
 * Returns undefined when nothing suitable is installed; `requireTool` turns that into an error.
 */
export function locateTool(choice: ToolChoice, env: Env): TerraformTool | undefined {
  const order: ToolName[] = choice === 'auto' ? ['tofu', 'terraform'] : [choice];
  for (const name of order) {
    const path = findOnPath(name, env);
    if (path) return { name, path };
  }
  return undefined;
}

export function toolNotFound(choice: ToolChoice): PreconditionError {
  if (choice === 'auto') {
    return new PreconditionError(
      'Neither `tofu` (OpenTofu) nor `terraform` was found on PATH; one of them is needed to migrate the state.',
      `Install one of them (${INSTALL_HINTS.tofu}; ${INSTALL_HINTS.terraform}) and run the command again. Nothing was changed.`,
    );
  }
  const other: ToolName = choice === 'tofu' ? 'terraform' : 'tofu';
  return new PreconditionError(
    `\`${choice}\` was not found on PATH.`,
    `Install it (${INSTALL_HINTS[choice]}), or use \`${other}\` with --tool ${other} (or --tool auto). Nothing was changed.`,
  );
}

export function requireTool(choice: ToolChoice, env: Env): TerraformTool {
  const tool = locateTool(choice, env);
  if (!tool) throw toolNotFound(choice);
  return tool;
}

/**
 * The environment the tool runs with: the caller's, plus TF_IN_AUTOMATION so the output does
 * not suggest commands to type next. `overrides` with an undefined value removes a variable.
 */
export function toolEnv(env: Env, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = {
    ...env,
    TF_IN_AUTOMATION: env.TF_IN_AUTOMATION ?? '1',
    ...overrides,
  };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) out[k] = v;
  return out;
}

/** Terraform reads credentials from its environment: hand it those of the session awsorg acts with. */
export function credentialsAsEnv(c: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    AWS_SESSION_TOKEN: c.sessionToken,
    // A profile would take precedence over nothing, but must not compete with the keys above.
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
  };
}

const OUTPUT_LIMIT = 256 * 1024;

/**
 * Run the tool with `args` in `cwd` and collect its output. Never rejects on a non-zero exit
 * code (the caller decides what a failure means); rejects when the tool cannot be started or
 * the signal aborts. `onLine` receives each output line as it arrives.
 */
export function runTool(
  tool: TerraformTool,
  args: string[],
  opts: {
    cwd: string;
    env: Record<string, string>;
    spawn: Spawn;
    signal?: AbortSignal;
    onLine?: (line: string) => void;
  },
): Promise<ToolRunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted)
      return reject(new CancelledError(`${tool.name} ${args[0] ?? ''} was not started: the run was cancelled`));
    const child = opts.spawn(tool.path, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const stdoutChunks: string[] = [];
    const partial = { stdout: '', stderr: '' };
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer | string) => {
      const text = String(chunk);
      output = (output + text).slice(-OUTPUT_LIMIT);
      if (stream === 'stdout') stdoutChunks.push(text);
      if (!opts.onLine) return;
      const lines = (partial[stream] + text).split(/\r?\n/);
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line);
    };
    // Decoded as streams, so a UTF-8 character split across two chunks stays whole.
    child.stdout?.setEncoding?.('utf8');
    child.stderr?.setEncoding?.('utf8');
    child.stdout?.on('data', take('stdout'));
    child.stderr?.on('data', take('stderr'));
    // SIGINT, like Ctrl-C, lets Terraform release its state lock before it exits.
    const onAbort = () => child.kill('SIGINT');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(
        new AwsorgError(
          `Could not start ${tool.path}: ${err.message}`,
          `Check that ${tool.name} is installed and executable.`,
          { cause: err },
        ),
      );
    });
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.onLine) for (const rest of [partial.stdout, partial.stderr]) if (rest) opts.onLine(rest);
      if (opts.signal?.aborted) return reject(new CancelledError(`${tool.name} ${args[0] ?? ''} was cancelled`));
      resolve({ code: code ?? (signal ? 128 : 1), output, stdout: stdoutChunks.join('') });
    });
  });
}

/** `<tool> version -json` -> "1.11.4"; undefined when the tool does not say. */
export async function toolVersion(
  tool: TerraformTool,
  opts: { env: Record<string, string>; spawn: Spawn; cwd: string; signal?: AbortSignal },
): Promise<string | undefined> {
  const result = await runTool(tool, ['version', '-json'], opts);
  if (result.code !== 0) return undefined;
  return parseVersionJson(result.output);
}

/** Terraform and OpenTofu both print `terraform_version` (OpenTofu kept the key for compatibility). */
export function parseVersionJson(text: string): string | undefined {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    const parsed = JSON.parse(text.slice(start)) as Record<string, unknown>;
    const version = parsed.terraform_version ?? parsed.tofu_version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** -1, 0 or 1 comparing dotted versions numerically ("1.10.0" > "1.9.8"); pre-release tags are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/^v/, '')
      .split(/[-+]/)[0]!
      .split('.')
      .map((n) => Number.parseInt(n, 10) || 0);
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** S3-native locking (`use_lockfile`) is generally available from Terraform 1.11 and OpenTofu 1.10. */
export const LOCKFILE_MIN_VERSION: Record<ToolName, string> = { terraform: '1.11.0', tofu: '1.10.0' };
