/**
 * `awsorg console`: the full-screen operator console over every account. It draws on stderr, so
 * `eval "$(awsorg console)"` and `e` switch the calling shell to the chosen account.
 */
import type { Deps } from '../aws/deps.js';
import { parseDeclared, usageText } from './declare.js';
import { consoleCommand as CONSOLE } from './declarations.js';

export const usage = usageText(CONSOLE);

// No flags yet: the console is configured by the same settings as `assume`.
export type ConsoleOptions = Record<string, never>;

export function parse(argv: string[]): ConsoleOptions {
  parseDeclared(argv, CONSOLE, CONSOLE.flags);
  return {};
}

export async function run(_opts: ConsoleOptions, deps: Deps): Promise<number> {
  const { openConsole } = await import('../ui/console/open.js');
  return openConsole(deps);
}
