/**
 * Screens as plain text, for golden frames in snapshots/ and for tests and benchmarks that
 * drive an Ink app: a fake terminal with fixed columns and rows (a TTY-like input that accepts
 * raw mode, and an output that records every write), and the normalisation every frame goes
 * through before it is compared: ANSI stripped, trailing spaces and blank lines trimmed.
 *
 * With Ink's `debug: true` every write is one whole frame, so the last write is the screen.
 */
import { PassThrough, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';

/** Key sequences as a terminal sends them. */
export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
  enter: '\r',
  escape: '\u001B',
  backspace: '\u007F',
  ctrlC: '\u0003',
} as const;

export function normaliseFrame(raw: string): string {
  const lines = stripVTControlCharacters(raw)
    .split('\n')
    .map((line) => line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n') + '\n';
}

/** Keyboard input that behaves like a TTY in raw mode. */
export class FakeTtyInput extends PassThrough {
  readonly isTTY = true;
  isRaw = false;
  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

export interface RecordedWrite {
  /** performance.now() when the write arrived. */
  at: number;
  text: string;
}

/** A terminal screen of fixed size that records what is written to it. */
export class FakeTtyOutput extends Writable {
  readonly isTTY = true;
  columns: number;
  rows: number;
  readonly writes: RecordedWrite[] = [];
  private readonly watchers = new Set<(write: RecordedWrite) => void>();

  constructor(columns: number, rows: number) {
    super({ decodeStrings: false });
    this.columns = columns;
    this.rows = rows;
  }

  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : String(chunk);
    if (text) {
      const write = { at: performance.now(), text };
      this.writes.push(write);
      for (const watcher of this.watchers) watcher(write);
    }
    callback();
  }

  /** Call `watcher` for every later write; returns the unsubscribe function. */
  watch(watcher: (write: RecordedWrite) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Columns and rows change, as on SIGWINCH. */
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class FakeTerminal {
  readonly input = new FakeTtyInput();
  readonly output: FakeTtyOutput;

  constructor(size: { columns: number; rows: number }) {
    this.output = new FakeTtyOutput(size.columns, size.rows);
  }

  /** Type keys (text or KEYS values). */
  press(keys: string): void {
    this.input.write(keys);
  }

  /** The last write with visible text, normalised: the screen, when Ink runs with debug: true. */
  screen(): string {
    for (let i = this.output.writes.length - 1; i >= 0; i--) {
      const text = this.output.writes[i]!.text;
      if (stripVTControlCharacters(text).trim()) return normaliseFrame(text);
    }
    return '\n';
  }

  /** Resolves with the screen once `predicate` holds for it; rejects after `timeoutMs` with the last screen. */
  waitFor(predicate: (screen: string) => boolean, timeoutMs = 5_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const screen = this.screen();
        if (!predicate(screen)) return false;
        clearTimeout(timer);
        stop();
        resolve(screen);
        return true;
      };
      const stop = this.output.watch(() => void check());
      const timer = setTimeout(() => {
        stop();
        reject(
          new Error(`the screen did not reach the expected state within ${timeoutMs} ms; it shows:\n${this.screen()}`),
        );
      }, timeoutMs);
      check();
    });
  }

  /** Resolves with the screen once it contains `text`. */
  waitForText(text: string, timeoutMs?: number): Promise<string> {
    return this.waitFor((screen) => screen.includes(text), timeoutMs);
  }
}
