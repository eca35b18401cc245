/**
 * The console's lifecycle: draw it on stderr in the alternate screen, and between Ink sessions
 * run what it asked for. A subshell gets the real terminal (Ink unmounted, raw mode off, main
 * screen back, our input stream closed so no keystroke is read by awsorg), and the console
 * returns where it was when the shell exits. A runbook runs the same way, through the runbook
 * layer's launcher with its own screen. Exports go to stdout after the screen is restored, so
 * `eval "$(awsorg console)"` switches the calling shell.
 */
import { existsSync } from 'node:fs';
import tty from 'node:tty';
import type { RenderOptions } from 'ink';
import { formatExports } from '../../assume/environment.js';
import { runInSession } from '../../assume/shell.js';
import { transcriptPath } from '../../core/audit.js';
import type { Deps } from '../../aws/deps.js';
import type { RunbookLaunch } from '../../runbooks/launch.js';
import { AwsorgError, ExitCode } from '../../core/errors.js';
import { defineConsoleApp, type ConsoleExit, type ConsoleSnapshot } from './app.js';
import type { ConsoleModel } from './model.js';
import type { ConsoleOperations } from './operations.js';
import { initialState, type Status } from './state.js';
import { terminalText } from '../../core/terminal-text.js';

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';

/** Where the console draws and reads keys. */
export interface ConsoleTerminal {
  output: NodeJS.WriteStream;
  /** An input stream for one Ink session. */
  openInput(): NodeJS.ReadStream;
  /** Release it before a subshell takes the terminal. */
  closeInput(input: NodeJS.ReadStream): void;
  alternateScreen: boolean;
  /** Ink options on top of the console's own (tests pass `debug: true`). */
  renderOptions?: Partial<RenderOptions>;
}

/**
 * The terminal of a real run: stderr for the screen, and for keys a fresh stream on stdin's
 * terminal per Ink session. A stream that has been read keeps reading in the background, and
 * would take keystrokes meant for the subshell; a destroyed one does not (file descriptors 0-2
 * stay open when their stream is destroyed).
 */
export function systemTerminal(deps: Deps): ConsoleTerminal {
  const stdin = deps.stdin as NodeJS.ReadStream & { fd?: number };
  const ownStream = stdin.isTTY === true && typeof stdin.fd === 'number';
  return {
    output: deps.stderr as NodeJS.WriteStream,
    openInput: () => (ownStream ? (new tty.ReadStream(stdin.fd!) as unknown as NodeJS.ReadStream) : stdin),
    closeInput: (input) => {
      if (input !== stdin) input.destroy();
    },
    alternateScreen: true,
  };
}

/** NO_COLOR (any non-empty value) and TERM=dumb turn colour off. */
export function colorWanted(env: Deps['env']): boolean {
  return !env.NO_COLOR && env.TERM !== 'dumb';
}

/** Runs the runbook the console asked for and resolves to its exit code. */
export type RunbookLauncher = (launch: RunbookLaunch, deps: Deps) => Promise<number>;

/**
 * The runbook layer's launcher with the runbook screen as its front end, loaded only when the
 * operator runs a runbook (it brings the catalog and the SDK).
 */
export const runbookLauncher: RunbookLauncher = async (launch, deps) => {
  const [{ launchRunbook }, { runRunbookScreen }] = await Promise.all([
    import('../../runbooks/launch.js'),
    import('../runbook/run.js'),
  ]);
  return launchRunbook(deps, launch, runRunbookScreen);
};

export interface RunConsoleOptions {
  model: ConsoleModel;
  ops: ConsoleOperations;
  terminal: ConsoleTerminal;
  /** What `!` runs; runbookLauncher unless given. */
  runbook?: RunbookLauncher;
}

function failureStatus(err: unknown): Status {
  return err instanceof AwsorgError
    ? { tone: 'error', text: err.message, ...(err.nextStep ? { next: err.nextStep } : {}) }
    : { tone: 'error', text: String(err) };
}

export async function runConsole(deps: Deps, opts: RunConsoleOptions): Promise<number> {
  const { terminal } = opts;
  const out = terminal.output;
  let snapshot: ConsoleSnapshot = { model: opts.model, state: initialState() };
  let onScreen = false;
  const enter = () => {
    if (terminal.alternateScreen && !onScreen) out.write(ENTER_ALTERNATE_SCREEN);
    onScreen = true;
  };
  const leave = () => {
    if (terminal.alternateScreen && onScreen) out.write(LEAVE_ALTERNATE_SCREEN);
    onScreen = false;
  };
  try {
    for (;;) {
      enter();
      const result = await session(snapshot, deps, opts);
      leave();
      if (result.kind === 'quit') return result.code;
      if (result.kind === 'exports') {
        const s = result.session;
        deps.stdout.write(formatExports(s, 'env'));
        deps.stderr.write(
          `awsorg: printed credentials for ${terminalText(s.account.name)} (${s.account.id}) as ${terminalText(s.role)}, valid until ${s.credentials.expiration}\n` +
            (deps.stdout.isTTY ? 'awsorg: to switch this shell to them, run: eval "$(awsorg console)"\n' : ''),
        );
        return 0;
      }
      if (result.kind === 'runbook') {
        const status = await runRunbook(deps, opts, result);
        snapshot = { ...result.snapshot, state: { ...result.snapshot.state, status } };
        continue;
      }
      const s = result.session;
      deps.stderr.write(
        `awsorg: shell in ${terminalText(s.account.name)} (${s.account.id}) as ${terminalText(s.role)}${s.production ? ' [PRODUCTION]' : ''}; type exit to return to the console\n`,
      );
      let status: Status;
      try {
        const code = await runInSession(deps, s);
        status = { tone: code === 0 ? 'ok' : 'info', text: `The shell in ${s.account.name} exited with code ${code}.` };
      } catch (err) {
        status = failureStatus(err);
      }
      snapshot = { ...result.snapshot, state: { ...result.snapshot.state, status } };
    }
  } finally {
    leave();
  }
}

/** Run the runbook the console asked for (it draws its own screen), and say how it ended. */
async function runRunbook(
  deps: Deps,
  opts: RunConsoleOptions,
  request: Extract<ConsoleExit, { kind: 'runbook' }>,
): Promise<Status> {
  const { runbookId, accountId, incident, params } = request;
  const model = request.snapshot.model;
  const entry = model.accounts.find((a) => a.account.id === accountId);
  const name = entry ? `${terminalText(entry.account.name)} (${accountId})` : accountId;
  deps.stderr.write(
    `awsorg: runbook ${runbookId} for incident ${incident} against ${name}; the console comes back when it ends\n`,
  );
  let code: number;
  try {
    code = await (opts.runbook ?? runbookLauncher)(
      { runbookId, incident, params: { account: accountId, ...params } },
      deps,
    );
  } catch (err) {
    return failureStatus(err);
  }
  const transcript = transcriptPath(deps.paths, incident);
  const recorded = existsSync(transcript)
    ? `; transcript ${transcript} (\`awsorg audit verify\` checks it)`
    : '; nothing was recorded';
  const changes = request.snapshot.runbooks?.runbooks.find((r) => r.id === runbookId)?.changesAws === true;
  return {
    tone: code === 0 ? 'ok' : code === ExitCode.cancelled ? 'info' : 'error',
    text: `Runbook ${runbookId} for ${incident} ended with exit code ${code}${recorded}.`,
    // The runbook may have moved the account or changed its tags: the list shows what was loaded before.
    ...(code === 0 && changes ? { next: 'Press r to reload the inventory and see what the runbook changed.' } : {}),
  };
}

async function session(snapshot: ConsoleSnapshot, deps: Deps, opts: RunConsoleOptions): Promise<ConsoleExit> {
  const { terminal } = opts;
  const ink = await import('ink');
  const ConsoleApp = defineConsoleApp(ink);
  const input = terminal.openInput();
  try {
    const instance = ink.render(
      <ConsoleApp
        initial={snapshot}
        ops={opts.ops}
        color={colorWanted(deps.env)}
        screen={terminal.output}
        signal={deps.signal}
      />,
      {
        stdout: terminal.output,
        stderr: terminal.output,
        stdin: input,
        exitOnCtrlC: false,
        patchConsole: false,
        ...terminal.renderOptions,
      },
    );
    return (await instance.waitUntilExit()) as ConsoleExit;
  } finally {
    terminal.closeInput(input);
  }
}
