/**
 * The bootstrap journal: resumable progress, kept next to the blueprint.
 *
 * Every write replaces the whole file atomically (temp file, fsync, rename), so a run killed at
 * any instant leaves either the previous journal or the new one, never a torn file. Writes are
 * serialised because account creations run concurrently.
 */
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ValidationError, type ValidationIssue } from './errors.js';
import { acquireLock, type Lock, type LockHolder } from './lock.js';

export type ChangeStatus = 'started' | 'done' | 'failed';

export interface JournalData {
  version: 1;
  blueprint: string;
  runs: number;
  startedAt: string;
  updatedAt: string;
  /** Set when a run finished with every step converged and verified. */
  completedAt?: string;
  changes: Record<string, { status: ChangeStatus; at: string; error?: string }>;
  /**
   * CreateAccount has no idempotency token. The request id is saved here *before* the run waits
   * on it, keyed by lower-cased email, so a resumed run polls the same request instead of
   * creating a second account.
   */
  createAccountRequests: Record<
    string,
    { requestId: string; accountName: string; requestedAt: string; accountId?: string }
  >;
}

export function journalPathFor(blueprintFile: string | undefined, cwd: string): string {
  if (!blueprintFile) return join(cwd, 'awsorg.journal.json');
  const name = basename(blueprintFile).replace(/\.(ya?ml|json)$/i, '');
  return join(dirname(blueprintFile), `${name}.journal.json`);
}

/** The journal file is not one this awsorg can resume from. Nothing was changed in AWS. */
export class JournalError extends ValidationError {
  override readonly nextStep: string;
  constructor(path: string, issues: ValidationIssue[], nextStep: string) {
    super(`The bootstrap journal ${path}`, issues);
    this.nextStep = nextStep;
  }
}

export class Journal {
  private pending: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private current: JournalData,
    /** In plan mode the journal is read but never written. */
    readonly readOnly: boolean,
    /** True when an earlier run left unfinished work. */
    readonly resumed: boolean,
    private readonly lock: Lock | undefined,
  ) {}

  /** The lock file held while this journal is open for writing. */
  static lockPathFor(journalPath: string): string {
    return `${journalPath}.lock`;
  }

  /**
   * Opens the journal. For writing, an exclusive lock beside it is taken first and held until
   * `close()`, so two runs can never apply the same blueprint at once (a second CreateAccount for
   * one email, request ids lost to the other run's writes); a second run is refused with the
   * holder named. Plan mode reads without the lock: writes are atomic renames, so it never sees
   * a torn file. Either way a journal that is not a well-formed version-1 journal is refused.
   */
  static async open(
    path: string,
    opts: { readOnly: boolean; blueprint: string; now: Date; command?: string },
  ): Promise<Journal> {
    const lock = opts.readOnly
      ? undefined
      : acquireLock(Journal.lockPathFor(path), {
          what: `The bootstrap journal ${path}`,
          command: opts.command ?? 'awsorg bootstrap',
          now: opts.now,
        });
    try {
      const text = await readJournalText(path);
      const existing = text === undefined ? undefined : parseJournal(text, path);
      const now = opts.now.toISOString();
      const resumed = Boolean(existing && !existing.completedAt && Object.keys(existing.changes).length > 0);
      const data: JournalData = existing ?? {
        version: 1,
        blueprint: opts.blueprint,
        runs: 0,
        startedAt: now,
        updatedAt: now,
        changes: {},
        createAccountRequests: {},
      };
      return new Journal(path, data, opts.readOnly, resumed, lock);
    } catch (err) {
      lock?.release();
      throw err;
    }
  }

  /** A stale lock of a dead run that was taken over on open, for the caller to report. */
  get recoveredLock(): LockHolder | undefined {
    return this.lock?.recovered;
  }

  /** Waits for pending writes, then releases the lock. Safe to call twice. */
  async close(): Promise<void> {
    await this.pending.catch(() => undefined);
    this.lock?.release();
  }

  get data(): Readonly<JournalData> {
    return this.current;
  }

  /** Changes an interrupted earlier run had started but not finished. */
  interruptedChanges(): string[] {
    return Object.entries(this.current.changes)
      .filter(([, v]) => v.status === 'started')
      .map(([k]) => k);
  }

  createAccountRequest(email: string) {
    return this.current.createAccountRequests[email.toLowerCase()];
  }

  /** Apply `mutate` to the journal and persist it; resolves once the file is on disk. */
  update(mutate: (data: JournalData) => void): Promise<void> {
    mutate(this.current);
    this.current.updatedAt = new Date().toISOString();
    if (this.readOnly) return Promise.resolve();
    const snapshot = JSON.stringify(this.current, null, 2) + '\n';
    // A failed write must not poison the chain: later writes still go through.
    const write = this.pending.catch(() => undefined).then(() => writeAtomically(this.path, snapshot));
    this.pending = write;
    return write;
  }

  markChange(key: string, status: ChangeStatus, at: Date, error?: string): Promise<void> {
    return this.update((d) => {
      d.changes[key] = { status, at: at.toISOString(), ...(error ? { error } : {}) };
    });
  }
}

/**
 * The journal's text, or undefined when there is none. Only a regular file is read: a directory
 * fails to read, and a FIFO would block the run forever (O_NONBLOCK opens it without a writer).
 */
async function readJournalText(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a FIFO' : 'a special file';
      throw new JournalError(
        path,
        [
          {
            path: '(file)',
            message: `is ${kind}, not a regular file`,
            fix: `remove or rename it (check who made it); a journal is a JSON file awsorg writes itself`,
          },
        ],
        `Move ${path} aside and run bootstrap again.`,
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

async function writeAtomically(path: string, contents: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(contents, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // Persist the rename itself; without this a power loss can bring back the old file.
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await dir.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading a journal: every field is checked, because a resumed run acts on what it finds here
// (a request id it polls instead of creating an account) and rewrites the file as it goes.

const STATUSES: readonly ChangeStatus[] = ['started', 'done', 'failed'];
const TOP_FIELDS = [
  'version',
  'blueprint',
  'runs',
  'startedAt',
  'updatedAt',
  'completedAt',
  'changes',
  'createAccountRequests',
];
const CHANGE_FIELDS = ['status', 'at', 'error'];
const REQUEST_FIELDS = ['requestId', 'accountName', 'requestedAt', 'accountId'];

/**
 * Parses and validates a journal's text. Throws JournalError, naming the file, every problem and
 * what to do about it, for anything but a well-formed version-1 journal.
 */
export function parseJournal(text: string, path: string): JournalData {
  const asideFix = `if no bootstrap is running, restore the file from a backup, or move it aside (mv ${path} ${path}.bad) so the next run starts a new journal`;
  const nextStep =
    `Restore ${path} from a backup, or move it aside (mv ${path} ${path}.bad) and run bootstrap again: it re-reads AWS and skips what exists. ` +
    'Before that, check for accounts still being created (aws organizations list-create-account-status --states IN_PROGRESS), because a new journal no longer knows their request ids.';
  const refuse = (issues: ValidationIssue[]): never => {
    throw new JournalError(path, issues, nextStep);
  };
  if (text.trim() === '') refuse([{ path: '(file)', message: 'is empty', fix: asideFix }]);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    const where = position === undefined ? '' : ` at line ${text.slice(0, Number(position)).split('\n').length}`;
    refuse([{ path: '(file)', message: `is not valid JSON${where}`, fix: asideFix }]);
  }
  if (!isPlainObject(raw)) {
    refuse([{ path: '(file)', message: `holds ${kindOf(raw)}, not a bootstrap journal`, fix: asideFix }]);
  }
  const data = raw as Record<string, unknown>;
  if (typeof data.version === 'number' && Number.isInteger(data.version) && data.version > 1) {
    throw new JournalError(
      path,
      [
        {
          path: 'version',
          message: `is ${data.version}: the journal was written by a newer awsorg, and this one reads version 1 only`,
          fix: 'resume with the newer awsorg that wrote it',
        },
      ],
      `Run the newer awsorg that wrote ${path}; this one would lose what it records (pending CreateAccount request ids).`,
    );
  }
  const issues: ValidationIssue[] = [];
  const add = (field: string, message: string, fix = asideFix) => issues.push({ path: field, message, fix });
  if (data.version !== 1) add('version', `must be 1, got ${kindOf(data.version)}`);
  for (const key of Object.keys(data)) if (!TOP_FIELDS.includes(key)) add(key, 'is not a field of a bootstrap journal');
  if (typeof data.blueprint !== 'string') add('blueprint', `must be text, got ${kindOf(data.blueprint)}`);
  if (typeof data.runs !== 'number' || !Number.isInteger(data.runs) || data.runs < 0)
    add('runs', `must be a whole number, got ${kindOf(data.runs)}`);
  checkTime(data, 'startedAt', 'startedAt', add);
  checkTime(data, 'updatedAt', 'updatedAt', add);
  if (data.completedAt !== undefined) checkTime(data, 'completedAt', 'completedAt', add);

  if (!isPlainObject(data.changes)) add('changes', `must be a mapping of change keys, got ${kindOf(data.changes)}`);
  else {
    for (const [key, change] of Object.entries(data.changes)) {
      const field = `changes[${JSON.stringify(key)}]`;
      if (!isPlainObject(change)) {
        add(field, `must be a mapping with status and at, got ${kindOf(change)}`);
        continue;
      }
      for (const k of Object.keys(change))
        if (!CHANGE_FIELDS.includes(k)) add(`${field}.${k}`, 'is not a field of a journaled change');
      if (!STATUSES.includes(change.status as ChangeStatus))
        add(`${field}.status`, `must be one of ${STATUSES.join(', ')}, got ${kindOf(change.status)}`);
      checkTime(change, 'at', `${field}.at`, add);
      if (change.error !== undefined && typeof change.error !== 'string')
        add(`${field}.error`, `must be text, got ${kindOf(change.error)}`);
    }
  }

  if (!isPlainObject(data.createAccountRequests)) {
    add(
      'createAccountRequests',
      `must be a mapping of email to CreateAccount request, got ${kindOf(data.createAccountRequests)}`,
    );
  } else {
    for (const [email, request] of Object.entries(data.createAccountRequests)) {
      const field = `createAccountRequests[${JSON.stringify(email)}]`;
      if (!isPlainObject(request)) {
        add(field, `must be a mapping with requestId, accountName and requestedAt, got ${kindOf(request)}`);
        continue;
      }
      if (email !== email.toLowerCase())
        add(field, 'is keyed by an email that is not lower-cased, so a resumed run would not find it');
      for (const k of Object.keys(request))
        if (!REQUEST_FIELDS.includes(k)) add(`${field}.${k}`, 'is not a field of a journaled CreateAccount request');
      if (typeof request.requestId !== 'string' || request.requestId === '')
        add(`${field}.requestId`, `must be the CreateAccount request id, got ${kindOf(request.requestId)}`);
      if (typeof request.accountName !== 'string')
        add(`${field}.accountName`, `must be text, got ${kindOf(request.accountName)}`);
      checkTime(request, 'requestedAt', `${field}.requestedAt`, add);
      if (
        request.accountId !== undefined &&
        (typeof request.accountId !== 'string' || !/^\d{12}$/.test(request.accountId))
      ) {
        add(`${field}.accountId`, `must be a 12-digit account id, got ${kindOf(request.accountId)}`);
      }
    }
  }
  if (issues.length > 0) refuse(issues);
  return data as unknown as JournalData;
}

function checkTime(
  owner: Record<string, unknown>,
  key: string,
  field: string,
  add: (field: string, message: string) => void,
): void {
  const value = owner[key];
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value)))
    add(field, `must be an ISO 8601 time, got ${kindOf(value)}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a value that never repeats a long text back. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return value.length <= 40 ? `the text ${JSON.stringify(value)}` : `a text of ${value.length} characters`;
  return `${typeof value} ${String(value)}`;
}
