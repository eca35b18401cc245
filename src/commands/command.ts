import type { Deps } from '../aws/deps.js';

/**
 * A command is three parts: typed Options, a thin binder from argv to Options (`parse`), and
 * `run(opts, deps)` holding the logic. `run` resolves to the exit code.
 */
export interface CommandModule<O> {
  usage: string;
  parse(argv: string[]): O;
  run(opts: O, deps: Deps): Promise<number>;
}
