/**
 * The bootstrap journal: resumable progress, kept next to the blueprint.
 *
 * Every write replaces the whole file atomically (temp file, fsync, rename), so a run killed at
 * any instant leaves either the previous journal or the new one, never a torn file. Writes are
 * serialised because account creations run concurrently.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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
  createAccountRequests: Record<string, { requestId: string; accountName: string; requestedAt: string; accountId?: string }>;
}

export function journalPathFor(blueprintFile: string | undefined, cwd: string): string {
  if (!blueprintFile) return join(cwd, 'awsorg.journal.json');
  const name = basename(blueprintFile).replace(/\.(ya?ml|json)$/i, '');
  return join(dirname(blueprintFile), `${name}.journal.json`);
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
  ) {}

  static async open(path: string, opts: { readOnly: boolean; blueprint: string; now: Date }): Promise<Journal> {
    let existing: JournalData | undefined;
    try {
      existing = JSON.parse(await readFile(path, 'utf8')) as JournalData;
      if (existing.version !== 1 || typeof existing.changes !== 'object') existing = undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
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
    const journal = new Journal(path, data, opts.readOnly, resumed);
    return journal;
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
