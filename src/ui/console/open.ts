/**
 * Opening the console: `awsorg console`, and the bootstrap wizard's last screen over a
 * rehearsal's organization. Both are front ends, so this lives in the ui layer.
 */
import type { Deps } from '../../aws/deps.js';
import { UsageError } from '../../core/errors.js';

export interface OpenConsoleOptions {
  /** The emulator endpoint, when the console opens over a rehearsal's organization. */
  rehearsal?: string;
  /**
   * No progress lines while the inventory loads. The wizard opens the console right after its
   * summary, which must stay the last thing on the terminal once the console has closed.
   */
  quiet?: boolean;
}

/** The console over the operator's organization (`awsorg console`), or over a rehearsal's from the bootstrap wizard. */
export async function openConsole(deps: Deps, opts: OpenConsoleOptions = {}): Promise<number> {
  if (!deps.interactive) {
    throw new UsageError(
      'awsorg console needs a terminal: stdin and stderr must both be a TTY',
      'Use `awsorg accounts` to list the accounts, and `awsorg assume TARGET` to open a shell, run a command or print exports.',
    );
  }
  // Ink and React take longer to load than the inventory cache takes to read: start loading
  // them first, so the file reads of both overlap.
  const ui = Promise.all([import('./run.js'), import('ink')]);
  ui.catch(() => undefined);
  const { loadOperatorContext } = await import('../../assume/context.js');
  const ctx = await loadOperatorContext(
    deps,
    opts.quiet
      ? {}
      : { onProgress: (message) => deps.stderr.write(`awsorg: loading the account inventory: ${message}\n`) },
  );
  const { consoleModel, liveOperations } = await import('./operations.js');
  const [{ runConsole, systemTerminal }] = await ui;
  const rehearsal = opts.rehearsal ? { rehearsal: opts.rehearsal } : {};
  return runConsole(deps, {
    model: consoleModel(deps, ctx, opts.rehearsal),
    ops: liveOperations(deps, ctx, rehearsal),
    terminal: systemTerminal(deps),
  });
}
