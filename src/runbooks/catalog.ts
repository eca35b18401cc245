/**
 * The runbooks an operator can run: the built-in ones, plus a team's own YAML files from
 * `<config>/runbooks/` and `--runbooks DIR`. A team's runbook uses the same operations as the
 * built-ins, is validated before anything runs, and can never replace a built-in id.
 *
 * A team file that cannot be used (invalid, not a regular file, or writable by someone else) is
 * skipped with a warning instead of taking every other runbook down with it; `runbook run` or
 * `show` of exactly that runbook still says why it is unusable.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AwsorgError, UsageError, ValidationError } from '../core/errors.js';
import { UntrustedPathError, untrustedReason } from '../core/private-file.js';
import { nearest } from '../core/suggest.js';
import { BUILTIN_RUNBOOKS } from './builtin/index.js';
import { OPERATIONS } from './operations/index.js';
import type { Operation, Runbook } from './types.js';
import { validateRunbook } from './validate.js';

/** A team runbook file that was left out, and why. */
export interface SkippedRunbook {
  file: string;
  /** The ids it could be asked for by: its file name, and the id written in it when that can be read. */
  ids: string[];
  /** What `runbook run ID` of one of those ids throws (exit 2). */
  error: AwsorgError;
}

export interface Catalog {
  runbooks: Runbook[];
  operations: Readonly<Record<string, Operation>>;
  skipped: SkippedRunbook[];
}

const RUNBOOK_FILE = /\.ya?ml$/i;

/** Why nobody but us (or root) may have written this, or undefined when it is trustworthy. */
function writableByOthers(stat: Stats, kind: 'file' | 'directory'): string | undefined {
  if (stat.uid === 0 && !(stat.mode & 0o022) && (kind === 'file' ? stat.isFile() : stat.isDirectory()))
    return undefined;
  return untrustedReason(stat, kind, 0o022);
}

/**
 * The file's text, or why it is not read. A symlink is followed, but only to a regular file:
 * O_NONBLOCK keeps a FIFO from hanging the open, and the checks run on the open descriptor.
 */
function readRunbookFile(file: string): { text: string } | { reason: string; untrusted?: true } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      reason:
        code === 'ENOENT' ? 'is a symbolic link to nothing' : `cannot be opened (${code ?? (err as Error).message})`,
    };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      return { reason: 'is not a regular file (a FIFO, device or directory), and only regular files are read' };
    const reason = writableByOthers(stat, 'file');
    if (reason) return { reason, untrusted: true };
    return { text: readFileSync(fd, 'utf8') };
  } finally {
    closeSync(fd);
  }
}

export function loadCatalog(dirs: readonly string[]): Catalog {
  const runbooks: Runbook[] = BUILTIN_RUNBOOKS.map((r) => ({ ...r, source: 'built-in' }));
  const skipped: SkippedRunbook[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    const dirStat = statSync(dir);
    if (!dirStat.isDirectory())
      throw new UsageError(
        `runbook directory ${dir} is not a directory`,
        'Point --runbooks at a directory of .yaml runbook files.',
      );
    const names = readdirSync(dir)
      .filter((name) => RUNBOOK_FILE.test(name))
      .sort();
    const dirReason = writableByOthers(dirStat, 'directory');
    if (dirReason) {
      // Anyone who can write the directory can replace any file in it.
      const error = new UntrustedPathError(
        dir,
        dirReason,
        `Make the directory yours and writable only by you (chmod go-w ${dir}), or point --runbooks elsewhere.`,
      );
      for (const name of names) skipped.push({ file: join(dir, name), ids: [name.replace(RUNBOOK_FILE, '')], error });
      continue;
    }
    for (const name of names) {
      const file = join(dir, name);
      const ids = [name.replace(RUNBOOK_FILE, '')];
      const skip = (error: AwsorgError) => skipped.push({ file, ids: [...new Set(ids)], error });
      const read = readRunbookFile(file);
      if ('reason' in read) {
        const fix = 'Replace it with a regular runbook file that only you can write, or remove it.';
        skip(
          read.untrusted
            ? new UntrustedPathError(file, read.reason, fix)
            : new UsageError(`${file} ${read.reason}`, fix),
        );
        continue;
      }
      let data: unknown;
      try {
        data = parseYaml(read.text);
      } catch (err) {
        const written = /^id:\s*["']?([a-z0-9][a-z0-9-]*)/m.exec(read.text)?.[1];
        if (written) ids.push(written);
        skip(
          new ValidationError(file, [
            {
              path: '(file)',
              message: `is not valid YAML: ${(err as Error).message.split('\n')[0]}`,
              fix: 'fix the YAML syntax',
            },
          ]),
        );
        continue;
      }
      const written = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined;
      if (typeof written === 'string') ids.push(written);
      let runbook: Runbook;
      try {
        runbook = validateRunbook(data, file, OPERATIONS);
      } catch (err) {
        if (!(err instanceof AwsorgError)) throw err;
        skip(err);
        continue;
      }
      const clash = runbooks.find((r) => r.id === runbook.id);
      if (clash) {
        skip(
          new ValidationError(file, [
            {
              path: 'id',
              message: `"${runbook.id}" is already defined by ${clash.source}`,
              fix: 'give the runbook an id of its own',
            },
          ]),
        );
        continue;
      }
      runbooks.push({ ...runbook, source: file });
    }
  }
  return { runbooks, operations: OPERATIONS, skipped };
}

/** One warning per skipped file, for stderr; leaves out the ones `id` names (their error is thrown instead). */
export function skippedWarnings(catalog: Catalog, id?: string): string {
  return catalog.skipped
    .filter((s) => id === undefined || !s.ids.includes(id))
    .map(
      (s) =>
        `awsorg: warning: skipped the runbook file ${s.file}: ${s.error.message.startsWith(s.file) ? s.error.message.slice(s.file.length).trimStart() : s.error.message}\n`,
    )
    .join('');
}

export function findRunbook(catalog: Catalog, id: string): Runbook {
  const found = catalog.runbooks.find((r) => r.id === id);
  if (found) return found;
  const unusable = catalog.skipped.find((s) => s.ids.includes(id));
  if (unusable) throw unusable.error;
  const close = nearest(
    id,
    catalog.runbooks.map((r) => r.id),
  );
  throw new UsageError(
    `no runbook "${id}"${close.length ? `; did you mean ${close.map((c) => `"${c}"`).join(', ')}?` : ''}`,
    'List them with `awsorg runbook list`.',
  );
}

/** Whether a runbook can change anything (has an action step). */
export function changesAws(runbook: Runbook): boolean {
  return runbook.steps.some((s) => s.kind === 'action');
}
