/** `awsorg version [--json]` (also `awsorg --version`, `-V`): the installed version. */
import { createRequire } from 'node:module';
import type { Deps } from '../aws/deps.js';
import { ExitCode } from '../core/errors.js';
import { parseDeclared, usageText } from './declare.js';
import { version as VERSION } from './declarations.js';

export const usage = usageText(VERSION);

export interface VersionOptions {
  json: boolean;
}

export function parse(argv: string[]): VersionOptions {
  const { values } = parseDeclared(argv, VERSION, VERSION.flags);
  return { json: Boolean(values.json) };
}

export async function run(opts: VersionOptions, deps: Deps): Promise<number> {
  const version = awsorgVersion();
  deps.stdout.write(opts.json ? `${JSON.stringify({ version })}\n` : `${version}\n`);
  return ExitCode.ok;
}

/**
 * The version in awsorg's package.json. This code runs from the bundle in dist/bin or from
 * dist/src/commands, so the file is two or three directories up; its name tells which is ours.
 */
function awsorgVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(path) as { name?: string; version?: string };
      if (pkg.name === 'awsorg' && pkg.version) return pkg.version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return 'unknown';
}
