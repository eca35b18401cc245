/**
 * Run a subshell or one command as a role session. The child inherits the terminal, gets the
 * session's environment (without the parent's credentials or profile), and its exit status
 * becomes awsorg's.
 */
import { constants } from 'node:os';
import type { Deps } from '../aws/deps.js';
import { AwsorgError, ExitCode } from '../core/errors.js';
import { setForeground } from '../core/foreground.js';
import { sessionEnvironment } from './environment.js';
import type { RoleSession } from './types.js';

export interface ChildCommand {
  file: string;
  args: string[];
}

/** The operator's shell ($SHELL, else /bin/sh). */
export function loginShell(deps: Deps): ChildCommand {
  return { file: deps.env.SHELL || '/bin/sh', args: [] };
}

/** Spawn `command` (a subshell when omitted) with the session's environment; resolve to its exit code. */
export function runInSession(deps: Deps, session: RoleSession, command?: ChildCommand): Promise<number> {
  const target = command ?? loginShell(deps);
  const env = sessionEnvironment(deps.env, session);
  return new Promise((resolve, reject) => {
    const child = deps.spawn(target.file, target.args, { env, cwd: deps.cwd, stdio: 'inherit' });
    const release = setForeground(child, deps.stdinIsTTY);
    child.on('error', (err: NodeJS.ErrnoException) => {
      release();
      reject(
        new AwsorgError(
          `could not start ${target.file}: ${err.code === 'ENOENT' ? 'no such command on PATH' : err.message}`,
          command ? 'Check the command after `--`.' : 'Set SHELL to your shell, or use `--exec -- CMD`.',
          { exitCode: err.code === 'ENOENT' ? 127 : ExitCode.failed },
        ),
      );
    });
    child.on('exit', (code, signal) => {
      release();
      if (code !== null) resolve(code);
      else resolve(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
