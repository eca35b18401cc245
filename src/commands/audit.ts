import { createReadStream, existsSync, lstatSync, readdirSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { reanchorTranscript, transcriptDir, verifyTranscript, type VerifyResult } from '../core/audit.js';
import type { Deps } from '../aws/deps.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { parseDeclared, usageText } from './declare.js';
import { audit as AUDIT } from './declarations.js';
import { terminalText } from '../core/terminal-text.js';

export const usage = usageText(AUDIT);

export interface AuditVerifyOptions {
  action: 'verify';
  /** A transcript path; without it, every transcript in the state directory. */
  file?: string;
  /** The head hash printed at the end of a run, to catch a cut at the end without the anchor. */
  head?: string;
  /** Acknowledge a missing anchor: record that in the chain and write a new anchor. */
  reanchor: boolean;
  json: boolean;
}

export function parse(argv: string[]): AuditVerifyOptions {
  const { values, positionals } = parseDeclared(argv, AUDIT, AUDIT.subcommands.verify.flags);
  const [action, file, extra] = positionals;
  if (action !== 'verify')
    throw new UsageError(action ? `unknown audit action "${action}"` : 'audit needs an action', `Usage: ${usage}`);
  if (extra !== undefined) throw new UsageError('audit verify takes at most one FILE', `Usage: ${usage}`);
  const head = values.head;
  if (head !== undefined && !/^[0-9a-fA-F]{64}$/.test(head)) {
    throw new UsageError(
      `--head "${head}" is not a transcript hash`,
      'Give the 64-character hex head printed at the end of the run.',
    );
  }
  if (head !== undefined && file === undefined)
    throw new UsageError('--head needs FILE: it is the head of one transcript', `Usage: ${usage}`);
  if (values.reanchor && file === undefined)
    throw new UsageError(
      '--reanchor needs FILE: it acknowledges the missing anchor of one transcript',
      `Usage: ${usage}`,
    );
  return {
    action,
    reanchor: Boolean(values.reanchor),
    json: Boolean(values.json),
    ...(file !== undefined ? { file } : {}),
    ...(head !== undefined ? { head: head.toLowerCase() } : {}),
  };
}

/** The transcripts to check: the one named, or every one in the state directory. */
function transcriptsToVerify(opts: AuditVerifyOptions, deps: Deps): string[] {
  if (opts.file !== undefined) {
    const file = resolve(deps.cwd, opts.file);
    // lstat: a symlink (even a dangling one) or a FIFO is for verification to report, not to follow.
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (!stat || stat.isDirectory()) {
      throw new UsageError(
        `${file}: no such transcript file`,
        `Give the path of an incident transcript (.jsonl); awsorg keeps them in ${transcriptDir(deps.paths)}.`,
      );
    }
    return [file];
  }
  const dir = transcriptDir(deps.paths);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .map((name) => join(dir, name));
}

export async function run(opts: AuditVerifyOptions, deps: Deps): Promise<number> {
  if (opts.reanchor) return reanchor(opts, deps);
  const files = transcriptsToVerify(opts, deps);
  // A copy is checked against the live anchor of its incident, so a cut copy is caught too.
  const results: VerifyResult[] = files.map((file) =>
    verifyTranscript(file, { stateDir: deps.paths.state, ...(opts.head ? { expectHead: opts.head } : {}) }),
  );
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
      deps.stdout.write(
        `OK ${terminalText(result.file)}: ${result.records} record${result.records === 1 ? '' : 's'}, head ${result.head}\n`,
      );
      for (const warning of result.warnings)
        deps.stderr.write(`awsorg: warning: ${terminalText(result.file)}: ${terminalText(warning)}\n`);
      for (const warning of await unfinishedIntents(result.file))
        deps.stderr.write(`awsorg: warning: ${terminalText(result.file)}: ${terminalText(warning)}\n`);
    } else {
      // Line 0: the anchor file, not a line of the transcript, is what is wrong.
      const where = result.line > 0 ? `line ${result.line}: ` : '';
      // The reason can quote the transcript, which whoever can write the file chose: shown visibly.
      deps.stderr.write(`awsorg: ${terminalText(result.file)}: ${where}${terminalText(result.reason)}\n`);
    }
  }
  return exitCode;
}

/** The local account that acknowledged a missing anchor: no AWS identity is involved in `audit verify`. */
function localOperator(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = `uid ${process.getuid?.() ?? '?'}`;
  }
  return `local:${user}@${hostname()}`;
}

async function reanchor(opts: AuditVerifyOptions, deps: Deps): Promise<number> {
  const file = transcriptsToVerify(opts, deps)[0]!;
  const outcome = reanchorTranscript(file, {
    stateDir: deps.paths.state,
    now: () => new Date(deps.clock.now()),
    operator: localOperator(),
    ...(opts.head ? { expectHead: opts.head } : {}),
  });
  if (opts.json) deps.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  if (outcome.status === 'reanchored') {
    const { before, record } = outcome;
    if (!opts.json)
      deps.stdout.write(
        `REANCHORED ${terminalText(file)}: ${before.records} record${before.records === 1 ? '' : 's'} (head ${before.head}), then line ${record.seq + 1} recording that the anchor was missing; new head ${record.hash}\n`,
      );
    deps.stderr.write(
      `awsorg: the chain now says the anchor was missing at line ${record.seq + 1}: lines cut before it cannot be detected${opts.head ? ', except that the head you gave was confirmed' : ''}. Later runs append and anchor as usual.\n`,
    );
    return ExitCode.ok;
  }
  const { result } = outcome;
  if (result.ok) {
    if (!opts.json)
      deps.stdout.write(
        `OK ${terminalText(result.file)}: ${result.records} record${result.records === 1 ? '' : 's'}, head ${result.head}\n`,
      );
    deps.stderr.write(
      `awsorg: ${terminalText(file)}: its anchor is in place, so there is nothing to acknowledge; nothing was written.\n`,
    );
    return ExitCode.ok;
  }
  const where = result.line > 0 ? `line ${result.line}: ` : '';
  deps.stderr.write(
    `awsorg: ${terminalText(result.file)}: ${where}${terminalText(result.reason)}\nawsorg: --reanchor only acknowledges a missing anchor; this transcript fails for another reason, so nothing was written.\n`,
  );
  return ExitCode.failed;
}

/**
 * Actions whose `sending` record has no outcome: awsorg stopped while sending them, so the chain
 * is intact but whether they took effect is not known. Read line by line (the file verified).
 */
async function unfinishedIntents(file: string): Promise<string[]> {
  const intents = new Map<string, { line: number; call: string; incident: string }>();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    const record = JSON.parse(text) as {
      hash: string;
      status?: string;
      call?: string;
      intent?: string;
      incident: string;
    };
    if (record.status === 'sending')
      intents.set(record.hash, { line, call: record.call ?? 'a request', incident: record.incident });
    if (record.intent) intents.delete(record.intent);
  }
  return [...intents.values()].map(
    (i) =>
      `line ${i.line}: awsorg stopped while sending ${i.call}, so whether it took effect is unknown; \`awsorg runbook rollback ${i.incident}\` checks AWS and undoes it if it did`,
  );
}
