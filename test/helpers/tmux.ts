/**
 * A real pseudo-terminal for end-to-end tests: one tmux server on its own socket (never the
 * user's), one session of fixed size running one command with exactly the environment given.
 * Tests wait for content on the screen (polling `capture-pane` up to a deadline), never for time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let sessions = 0;

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
}

/** Quote for /bin/sh. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export class TmuxSession {
  readonly socket: string;
  private readonly target = 'awsorg-test';
  private readonly configDir: string;

  private constructor(socket: string) {
    this.socket = socket;
    this.configDir = mkdtempSync(join(tmpdir(), 'awsorg-tmux-'));
  }

  /**
   * Start `argv` in a new detached session of `columns` x `rows`, with only `env` in its
   * environment (`env -i`), so the tmux server's own environment cannot leak in.
   */
  static start(opts: {
    argv: string[];
    env: Record<string, string>;
    cwd: string;
    columns: number;
    rows: number;
  }): TmuxSession {
    const session = new TmuxSession(`awsorg-test-${process.pid}-${++sessions}`);
    const command = ['env', '-i', ...Object.entries(opts.env).map(([k, v]) => `${k}=${v}`), ...opts.argv]
      .map(shellQuote)
      .join(' ');
    // No user configuration; keep the pane after the command ends, so a test that fails can
    // still show the last screen.
    const config = join(session.configDir, 'tmux.conf');
    writeFileSync(config, 'set -g remain-on-exit on\n');
    session.tmux([
      '-f',
      config,
      'new-session',
      '-d',
      '-s',
      session.target,
      '-x',
      String(opts.columns),
      '-y',
      String(opts.rows),
      '-c',
      opts.cwd,
      command,
    ]);
    return session;
  }

  private tmux(args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
    return result.stdout;
  }

  /** The visible screen as text, trailing blanks trimmed. */
  capture(): string {
    try {
      return this.tmux(['capture-pane', '-p', '-t', this.target])
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n')
        .replace(/\n+$/, '\n');
    } catch {
      return '(the tmux session has ended)\n';
    }
  }

  /** Keys by tmux name (Enter, Escape, Up, C-c, ...). */
  keys(...names: string[]): void {
    this.tmux(['send-keys', '-t', this.target, ...names]);
  }

  /** Text typed literally. */
  type(text: string): void {
    this.tmux(['send-keys', '-t', this.target, '-l', text]);
  }

  resize(columns: number, rows: number): void {
    this.tmux(['resize-window', '-t', this.target, '-x', String(columns), '-y', String(rows)]);
  }

  /** Poll the screen until `predicate` holds; throw with the last screen at the deadline. */
  async waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    for (;;) {
      screen = this.capture();
      if (predicate(screen)) return screen;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen shows:\n${screen}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  waitForText(text: string, timeoutMs?: number): Promise<string> {
    return this.waitFor((s) => s.includes(text), JSON.stringify(text), timeoutMs);
  }

  /** Stop the server and everything in it, and remove its socket. Safe to call twice. */
  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { encoding: 'utf8' });
    // tmux leaves the socket file of a killed server behind in its directory.
    rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

/** A file a command in the pane writes when it ends (its exit code): its text, once complete (newline-terminated). */
export async function waitForFile(file: string, what: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (text.endsWith('\n')) return text.trim();
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} in ${file}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
