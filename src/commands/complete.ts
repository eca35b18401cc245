// Placeholder until the __complete command lands (being written this session).
import type { Deps } from '../core/deps.js';
import { UsageError } from '../core/errors.js';

export const usage = 'awsorg __complete';
export function parse(argv: string[]): string[] {
  return argv;
}
export async function run(_opts: string[], _deps: Deps): Promise<number> {
  throw new UsageError('awsorg __complete is not available in this build');
}
