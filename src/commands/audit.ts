import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { transcriptDir, verifyTranscript, type VerifyResult } from '../core/audit.js';
import type { Deps } from '../core/deps.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { parseFlags } from './args.js';
import { terminalText } from '../core/terminal-text.js';

export const usage = 'awsorg audit verify [FILE] [--head HASH] [--json]';

export interface AuditVerifyOptions {
  action: 'verify';
  /** A transcript path; without it, every transcript in the state directory. */
  file?: string;
  /** The head hash printed at the end of a run, to catch a cut at the end without the anchor. */
  head?: string;
  json: boolean;
}

export function parse(argv: string[]): AuditVerifyOptions {
  const { values, positionals } = parseFlags(argv, { head: { type: 'string' }, json: { type: 'boolean', default: false } }, usage, true);
  const [action, file, extra] = positionals;
  if (action !== 'verify') throw new UsageError(action ? `unknown audit action "${action}"` : 'audit needs an action', `Usage: ${usage}`);
  if (extra !== undefined) throw new UsageError('audit verify takes at most one FILE', `Usage: ${usage}`);
  const head = values.head;
  if (head !== undefined && !/^[0-9a-fA-F]{64}$/.test(head)) {
    throw new UsageError(`--head "${head}" is not a transcript hash`, 'Give the 64-character hex head printed at the end of the run.');
  }
  if (head !== undefined && file === undefined) throw new UsageError('--head needs FILE: it is the head of one transcript', `Usage: ${usage}`);
  return { action, json: Boolean(values.json), ...(file !== undefined ? { file } : {}), ...(head !== undefined ? { head: head.toLowerCase() } : {}) };
}

/** The transcripts to check: the one named, or every one in the state directory. */
function transcriptsToVerify(opts: AuditVerifyOptions, deps: Deps): string[] {
  if (opts.file !== undefined) {
    const file = resolve(deps.cwd, opts.file);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new UsageError(`${file}: no such transcript file`, `Give the path of an incident transcript (.jsonl); awsorg keeps them in ${transcriptDir(deps.paths)}.`);
    }
    return [file];
  }
  const dir = transcriptDir(deps.paths);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((name) => name.endsWith('.jsonl')).sort().map((name) => join(dir, name));
}

export async function run(opts: AuditVerifyOptions, deps: Deps): Promise<number> {
  const files = transcriptsToVerify(opts, deps);
  // A copy is checked against the live anchor of its incident, so a cut copy is caught too.
  const results: VerifyResult[] = files.map((file) => verifyTranscript(file, { stateDir: deps.paths.state, ...(opts.head ? { expectHead: opts.head } : {}) }));
  const exitCode = results.every((r) => r.ok) ? ExitCode.ok : ExitCode.failed;

  if (opts.json) {
    deps.stdout.write(JSON.stringify(opts.file !== undefined ? results[0] : results, null, 2) + '\n');
    if (files.length === 0) deps.stderr.write(`No audit transcripts in ${transcriptDir(deps.paths)}.\n`);
    return exitCode;
  }
  if (files.length === 0) {
    deps.stdout.write(`No audit transcripts in ${transcriptDir(deps.paths)}.\n`);
    return exitCode;
  }
  for (const result of results) {
    if (result.ok) {
      deps.stdout.write(`OK ${terminalText(result.file)}: ${result.records} record${result.records === 1 ? '' : 's'}, head ${result.head}\n`);
      for (const warning of result.warnings) deps.stderr.write(`awsorg: warning: ${terminalText(result.file)}: ${terminalText(warning)}\n`);
    } else {
      // Line 0: the anchor file, not a line of the transcript, is what is wrong.
      const where = result.line > 0 ? `line ${result.line}: ` : '';
      // The reason can quote the transcript, which whoever can write the file chose: shown visibly.
      deps.stderr.write(`awsorg: ${terminalText(result.file)}: ${where}${terminalText(result.reason)}\n`);
    }
  }
  return exitCode;
}
