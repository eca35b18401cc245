/**
 * The incident audit transcript: one append-only JSONL file per incident under the XDG state
 * directory. Each line carries the hash of the line before it, so `verifyTranscript` finds any
 * edit, deletion, insertion or reordering; a cut at the end leaves a valid chain, so an anchor
 * file beside the transcript records how many lines it has and the hash of the last one.
 * Node built-ins only: no AWS SDK.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AwsorgError, UsageError } from './errors.js';
import { acquireLock, LockHeldError, type Lock } from './lock.js';
import {
  ensurePrivateDirSync,
  openPrivateAppendSync,
  UntrustedPathError,
  untrustedReason,
  writeFileAtomicSync,
} from './private-file.js';
import type { XdgPaths } from './xdg.js';

export interface AuditEntry {
  incident: string;
  /** The operator's identity ARN. */
  operator: string;
  runbook: string;
  /** The step id, or 'run-start' | 'run-end', or the rolled-back step's id. */
  step: string;
  kind: 'check' | 'action' | 'manual' | 'verify' | 'run' | 'rollback';
  /**
   * passed, failed, applied, partial, unchanged, planned, acknowledged, declined, started,
   * completed, stopped, ... and `sending`: the intent written just before an action's requests
   * go out; its outcome record (applied, partial or failed) follows and names it in `intent`.
   * A `sending` record with no outcome means awsorg stopped while sending: it may have happened.
   */
  status: string;
  account?: string;
  role?: string;
  region?: string;
  dryRun?: boolean;
  /** e.g. 'organizations:MoveAccount' */
  call?: string;
  /** For actions: the registry name of the operation that planned the request (its code rebuilds the rollback). */
  operation?: string;
  /** The exact request(s) sent; redacted before it is written. */
  request?: unknown;
  /** A summary of the response; redacted before it is written. */
  response?: unknown;
  /** The captured prior state. */
  prior?: unknown;
  ack?: { text: string; note?: string };
  /** The declared rollback: `{ requests: [...], does }` or `{ none: reason }`. */
  rollback?: unknown;
  /** For kind 'rollback': the hash of the action record it reverses. */
  undoes?: string;
  /** For an action's outcome: the hash of the `sending` record written before its requests went out. */
  intent?: string;
  detail?: unknown;
}

export type ReanchorOutcome =
  | { status: 'reanchored'; record: AuditRecord; before: { records: number; head: string } }
  /** The anchor is there (or the transcript is empty): nothing to acknowledge. */
  | { status: 'not-needed'; result: VerifyResult }
  /** The transcript fails for another reason than the missing anchor; nothing was written. */
  | { status: 'failed'; result: VerifyResult };

export interface AuditRecord extends AuditEntry {
  seq: number;
  time: string;
  prev: string;
  hash: string;
}

export type VerifyResult =
  | {
      ok: true;
      file: string;
      records: number;
      head: string;
      anchor: 'matched' | 'pending-matched' | 'none' | 'given';
      warnings: string[];
    }
  /** `line` is 1-based; 0 when the anchor file itself is unusable. `reason` does not repeat the line number. */
  | { ok: false; file: string; line: number; reason: string; validRecords: number; anchorMissing?: true };

/** Used as a file name and inside the RoleSessionName, hence the narrow form. */
export const INCIDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The `prev` of the first record, and the head of an empty transcript. */
const CHAIN_START = '0'.repeat(64);
const REDACTED = '[redacted]';
// Exact key names, not substrings: a policy condition key such as aws:TokenIssueTime must stay readable.
const SECRET_KEY =
  /^(SecretAccessKey|SessionToken|secretAccessKey|sessionToken|Password|NewPassword|OldPassword|TokenCode|Credentials|credentials|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|PrivateKey|password)$/;
// Shorter values (an MFA code, a region) would blank out unrelated text; their keys are redacted instead.
const MIN_SECRET_LENGTH = 8;
/** Every line ends with `,"hash":"<64 hex>"}`, a fixed number of ASCII bytes. */
const HASH_SUFFIX = /^,"hash":"([0-9a-f]{64})"\}$/;
const HASH_SUFFIX_BYTES = ',"hash":"'.length + 64 + '"}'.length;
/** A transcript is read in chunks of this size, never whole: it may be larger than a string can hold. */
const CHUNK_BYTES = 1 << 20;
/** No record awsorg writes comes near this; a longer line is refused instead of being buffered. */
const MAX_LINE_BYTES = 64 << 20;
/** An anchor is a few hundred bytes. */
const MAX_ANCHOR_BYTES = 64 << 10;
/** Field order in a line, for people reading the file. */
const FIELD_ORDER = [
  'seq',
  'time',
  'incident',
  'runbook',
  'step',
  'kind',
  'status',
  'operator',
  'account',
  'role',
  'region',
  'dryRun',
  'call',
  'operation',
  'request',
  'response',
  'prior',
  'ack',
  'rollback',
  'undoes',
  'intent',
  'detail',
  'prev',
] as const;

const INCIDENT_FORM = 'up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. INC-2041)';

export function validateIncidentId(id: string | undefined): string {
  if (!id) {
    throw new UsageError(
      '--incident is required: every run is recorded in the audit transcript of one incident',
      `Pass --incident ID, ${INCIDENT_FORM}.`,
    );
  }
  if (!INCIDENT_ID.test(id)) {
    throw new UsageError(
      `--incident ${JSON.stringify(id)} is not a valid incident id`,
      `Use ${INCIDENT_FORM}; the id names the transcript file and goes into the role session name.`,
    );
  }
  // Its run lock (ID.lock) would be the append lock of incident X (X.append.lock): each would block the other.
  if (/\.append$/i.test(id)) {
    throw new UsageError(
      `--incident ${JSON.stringify(id)} ends in ".append", which awsorg uses for another incident's append lock`,
      'Choose another id, e.g. without the ".append" ending.',
    );
  }
  return id;
}

export function transcriptDir(paths: XdgPaths): string {
  return join(paths.state, 'audit');
}

export function transcriptPath(paths: XdgPaths, incident: string): string {
  return join(transcriptDir(paths), `${validateIncidentId(incident)}.jsonl`);
}

/** `<dir>/<name>.jsonl` -> `<dir>/<name>.head` */
function anchorPathFor(file: string): string {
  return join(dirname(file), `${basename(file, '.jsonl')}.head`);
}

/**
 * A deep copy, as JSON would see it, in which values under credential keys and every
 * occurrence of a registered secret (in values and keys) read "[redacted]".
 */
export function redact(value: unknown, secrets: readonly string[]): unknown {
  const known = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  const scrub = (text: string) => known.reduce((t, secret) => t.split(secret).join(REDACTED), text);
  const ancestors = new WeakSet<object>();
  const copy = (v: unknown, viaToJson = false): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function' || typeof v === 'symbol') return undefined;
    if (v === null || typeof v !== 'object') return v;
    // Dates, Buffers and SDK objects are written as JSON.stringify would write them.
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (!viaToJson && typeof toJSON === 'function') return copy(toJSON.call(v), true);
    if (ancestors.has(v)) return '[circular]';
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => copy(item));
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        if (item === undefined) continue;
        out[scrub(key)] = SECRET_KEY.test(key) ? REDACTED : copy(item);
      }
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  return copy(value);
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

interface Anchor {
  incident: string;
  records: number;
  head: string;
  /** Set just before an append: the hash of the line about to be written. */
  next?: string;
}

function writeAnchor(file: string, anchor: Anchor): void {
  writeFileAtomicSync(file, JSON.stringify(anchor, null, 2) + '\n');
}

export class AuditTranscript {
  readonly file: string;
  private readonly anchorFile: string;
  private readonly incident: string;
  private readonly now: () => Date;
  private readonly secrets: string[];
  /** The number of records and the last hash; the records themselves stay on disk (a transcript may not fit in memory). */
  private tail: { records: number; hash: string };
  /** The file's size after our last write; anything else means another writer got in. */
  private bytes: number;

  private constructor(
    file: string,
    incident: string,
    now: () => Date,
    secrets: string[],
    tail: { records: number; hash: string },
    bytes: number,
  ) {
    this.file = file;
    this.anchorFile = anchorPathFor(file);
    this.incident = incident;
    this.now = now;
    this.secrets = secrets;
    this.tail = tail;
    this.bytes = bytes;
  }

  /** A symlink counts, dangling or not: opening it is then refused rather than treated as a new incident. */
  static exists(paths: XdgPaths, incident: string): boolean {
    return present(transcriptPath(paths, incident));
  }

  /** Opens (without creating) the incident's transcript after verifying what is already in it. */
  static open(paths: XdgPaths, incident: string, opts: { now(): Date; secrets?: readonly string[] }): AuditTranscript {
    const file = transcriptPath(paths, incident);
    ensurePrivateDirSync(transcriptDir(paths));
    const anchorFile = anchorPathFor(file);
    refuseUntrusted(file);
    refuseUntrusted(anchorFile);
    // Under the append lock: read while another awsorg process appends, the file and its anchor would disagree.
    const lock = acquireAppendLock(file);
    try {
      return AuditTranscript.openLocked(file, anchorFile, incident, opts);
    } finally {
      lock.release();
    }
  }

  private static openLocked(
    file: string,
    anchorFile: string,
    incident: string,
    opts: { now(): Date; secrets?: readonly string[] },
  ): AuditTranscript {
    // A transcript awsorg keeps always has its anchor: without it a cut at the end is invisible.
    const { result, last, bytes } = readChain(file, { anchorFile, anchorRequired: true });
    if (!result.ok) {
      const where = result.line > 0 ? `line ${result.line}: ` : '';
      throw new AwsorgError(
        `the audit transcript ${file} fails verification (${where}${result.reason}); awsorg will not add to it`,
        result.anchorMissing
          ? `To continue this incident, first acknowledge the missing anchor: awsorg audit verify ${file} --reanchor (with --head HASH if you have the head printed at the end of the last run); or keep the file as evidence and run with a new --incident id.`
          : `Keep the file and ${basename(anchorFile)} as evidence, then run with a new --incident id, or move both files aside.`,
      );
    }
    const records = result.records;
    // awsorg stopped after writing the last line but before confirming it: finish that append.
    if (result.anchor === 'pending-matched' && last) writeAnchor(anchorFile, { incident, records, head: last.hash });
    const transcript = new AuditTranscript(
      file,
      incident,
      () => opts.now(),
      [],
      { records, hash: last?.hash ?? CHAIN_START },
      bytes,
    );
    transcript.addSecrets(opts.secrets ?? []);
    return transcript;
  }

  /**
   * `audit verify FILE --reanchor`: for a transcript in the state directory whose anchor is
   * missing, and which otherwise verifies (up to `expectHead`, when given), append a record that
   * says so, which writes a new anchor. From then on the chain itself carries the gap: anyone
   * verifying it sees that lines cut before this record could not have been detected.
   */
  static reanchor(
    file: string,
    opts: { stateDir: string; now(): Date; operator: string; expectHead?: string },
  ): ReanchorOutcome {
    const incident = basename(file, '.jsonl');
    if (!file.endsWith('.jsonl') || !INCIDENT_ID.test(incident) || !isInStateDir(file, opts.stateDir)) {
      throw new UsageError(
        `${file} is not in awsorg's state directory (${join(opts.stateDir, 'audit')}); only a transcript awsorg keeps is anchored`,
        'A copy is verified against the head printed at the end of the run: awsorg audit verify FILE --head HASH.',
      );
    }
    const anchorFile = anchorPathFor(file);
    refuseUntrusted(file);
    refuseUntrusted(anchorFile);
    const { result, last, bytes } = readChain(file, {
      anchorFile,
      anchorRequired: true,
      ...(opts.expectHead !== undefined ? { expectHead: opts.expectHead } : {}),
    });
    const missing = result.ok ? bytes > 0 && !present(anchorFile) : result.anchorMissing === true;
    if (!missing) return { status: result.ok ? 'not-needed' : 'failed', result };
    const records = result.ok ? result.records : result.validRecords;
    const head = last?.hash ?? CHAIN_START;
    const transcript = new AuditTranscript(
      file,
      last?.incident ?? incident,
      () => opts.now(),
      [],
      { records, hash: head },
      bytes,
    );
    const record = transcript.append({
      incident: last?.incident ?? incident,
      operator: opts.operator,
      runbook: 'audit',
      step: 'anchor-missing',
      kind: 'run',
      status: 'acknowledged',
      ack: {
        text:
          `The anchor ${basename(anchorFile)} was missing when this record was written. ` +
          `Lines cut from the end of the transcript before this record cannot be detected${opts.expectHead ? ', except that its head was confirmed as the one given' : ''}.`,
      },
      detail: {
        anchorWasMissing: true,
        anchor: anchorFile,
        records,
        head,
        headConfirmed: opts.expectHead !== undefined,
      },
    });
    return { status: 'reanchored', record, before: { records, head } };
  }

  /** Every record, read again from the file (which is checked line by line on the way). */
  records(): readonly AuditRecord[] {
    const records: AuditRecord[] = [];
    const { result } = readChain(this.file, { anchorFile: false }, (record) => records.push(record));
    if (!result.ok) {
      throw new AwsorgError(
        `the audit transcript ${this.file} fails verification (line ${result.line}: ${result.reason})`,
        'Keep the file as evidence and run again with a new --incident id.',
      );
    }
    return records;
  }

  /** Values that must never reach the file (secret keys, session tokens, passwords). */
  addSecrets(values: readonly (string | undefined)[]): void {
    for (const value of values)
      if (value && value.length >= MIN_SECRET_LENGTH && !this.secrets.includes(value)) this.secrets.push(value);
  }

  head(): { records: number; hash: string } {
    return { ...this.tail };
  }

  /**
   * Redacts and writes one record. Synchronous, so appends from one process never interleave.
   * The anchor announces the line's hash before it is written and confirms it after, so a crash
   * at any point leaves a transcript that still verifies.
   */
  append(entry: AuditEntry): AuditRecord {
    // Another awsorg process may append to the same incident (a rollback, a close-out record): a
    // short lock makes read-tail-then-append one step, so the chain never forks.
    const lock = acquireAppendLock(this.file);
    try {
      // Never through a symlink: a planted link would send the record elsewhere.
      const fd = openPrivateAppendSync(this.file);
      try {
        this.catchUp(fstatSync(fd).size);
        const { records: seq, hash: prev } = this.head();
        const fields = redact({ ...entry, seq, time: this.now().toISOString(), prev }, this.secrets) as Record<
          string,
          unknown
        >;
        const ordered: Record<string, unknown> = {};
        for (const name of FIELD_ORDER) if (fields[name] !== undefined) ordered[name] = fields[name];
        const body = this.withoutSecrets(JSON.stringify(ordered).slice(0, -1));
        const hash = sha256(body);
        const line = Buffer.from(`${body},"hash":"${hash}"}\n`, 'utf8');
        const record = JSON.parse(line.toString('utf8')) as AuditRecord;
        writeAnchor(this.anchorFile, { incident: this.incident, records: seq, head: prev, next: hash });
        let written = 0;
        while (written < line.length) written += writeSync(fd, line, written);
        fsyncSync(fd);
        this.bytes += line.length;
        writeAnchor(this.anchorFile, { incident: this.incident, records: seq + 1, head: hash });
        this.tail = { records: seq + 1, hash };
        return record;
      } finally {
        closeSync(fd);
      }
    } finally {
      lock.release();
    }
  }

  /**
   * Reads what other awsorg processes appended since our last write (under the append lock) and
   * checks that it continues our chain. Anything else (a shorter file, an edited or foreign
   * line) means a person or another program wrote to it, and nothing more is appended.
   */
  private catchUp(size: number): void {
    if (size === this.bytes) return;
    const changed = (why: string) =>
      new AwsorgError(
        `the audit transcript ${this.file} changed since awsorg opened it (${why}); awsorg will not add to it`,
        'Keep the file as evidence (`awsorg audit verify` names the line), and run again with a new --incident id.',
      );
    if (size < this.bytes) throw changed('it is shorter than awsorg left it');
    const fd = openSync(this.file, constants.O_RDONLY | constants.O_NOFOLLOW);
    let tail: Buffer;
    try {
      tail = Buffer.alloc(size - this.bytes);
      let read = 0;
      while (read < tail.length) {
        const n = readSync(fd, tail, read, tail.length - read, this.bytes + read);
        if (n === 0) break;
        read += n;
      }
      tail = tail.subarray(0, read);
    } finally {
      closeSync(fd);
    }
    let { records, hash } = this.tail;
    for (let start = 0; start < tail.length; ) {
      const end = tail.indexOf(0x0a, start);
      if (end === -1) throw changed(`line ${records + 1} is incomplete`);
      const checked = checkLine(tail.subarray(start, end), records, hash);
      if (typeof checked === 'string') throw changed(`line ${records + 1}: ${checked}`);
      if (checked.incident !== this.incident) throw changed(`line ${records + 1} is for incident ${checked.incident}`);
      records += 1;
      hash = checked.hash;
      start = end + 1;
    }
    this.tail = { records, hash };
    this.bytes = size;
  }

  /** The last guard: a registered secret that survived redaction (spanning JSON syntax, say) is cut out. */
  private withoutSecrets(body: string): string {
    let text = body;
    for (const secret of this.secrets) {
      for (const form of [secret, JSON.stringify(secret).slice(1, -1)]) text = text.split(form).join(REDACTED);
    }
    if (text === body) return body;
    try {
      JSON.parse(`${text}}`);
    } catch {
      throw new AwsorgError(
        'an audit record could not be written without a secret in it; nothing was written',
        'Report this as an awsorg bug.',
      );
    }
    return text;
  }
}

export interface VerifyOptions {
  /** The anchor to check against; false: none. Default: `<name>.head` beside the file, else the live one under `stateDir`. */
  anchorFile?: string | false;
  /** awsorg's state directory: a transcript kept there must have its anchor, and a copy elsewhere is checked against the live one. */
  stateDir?: string;
  /** The head printed at the end of a run: the transcript must end with exactly this hash. */
  expectHead?: string;
  /** Read in chunks of this many bytes (tests lower it). */
  chunkBytes?: number;
  /** A line longer than this fails instead of being buffered (tests lower it). */
  maxLineBytes?: number;
  /** Told the bytes held (the carried partial line plus the chunk just read) after every read; tests check it stays bounded. */
  onBuffered?(bytes: number): void;
}

interface ReadOptions extends VerifyOptions {
  /** A non-empty transcript without an anchor fails (unless `expectHead` proves its end). */
  anchorRequired?: boolean;
}

/** How long an append waits for another process's append (each takes milliseconds). */
const APPEND_LOCK_WAIT_MS = 10_000;
const APPEND_LOCK_RETRY_MS = 5;

/** `<dir>/<name>.jsonl` -> `<dir>/<name>.append.lock`: held only while one record is written. */
function acquireAppendLock(file: string): Lock {
  const lockFile = join(dirname(file), `${basename(file, '.jsonl')}.append.lock`);
  const deadline = Date.now() + APPEND_LOCK_WAIT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return acquireLock(lockFile, {
        what: `the audit transcript ${basename(file)}`,
        command: 'append one audit record',
      });
    } catch (err) {
      if (!(err instanceof LockHeldError) || Date.now() > deadline) throw err;
      // Appends are synchronous, so this waits synchronously too.
      Atomics.wait(pause, 0, 0, APPEND_LOCK_RETRY_MS);
    }
  }
}

/**
 * Checks a transcript line by line, then against its anchor (or `expectHead`). The anchor is
 * `opts.anchorFile` (false: none), else `<name>.head` beside the file, else the live anchor of
 * the same incident under `opts.stateDir`, so a copied transcript is checked too. A transcript
 * in awsorg's own state directory (audit/ or audit/rehearsals/) must have its anchor: awsorg
 * writes one beside every transcript, so a missing one means a cut at the end cannot be ruled
 * out. A missing file reads as an empty transcript. The file is streamed, so its size is not
 * limited by memory.
 */
export function verifyTranscript(file: string, opts: VerifyOptions = {}): VerifyResult {
  const anchorRequired = opts.stateDir !== undefined && isInStateDir(file, opts.stateDir);
  // Read without the append lock (verifying must not hold up a run): when another awsorg process
  // appended while the file and its anchor were read, they disagree for a moment, so read again.
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 1; ; attempt++) {
    const before = changeStamp(file);
    const { result } = readChain(file, { ...opts, anchorRequired });
    if (result.ok || attempt >= VERIFY_ATTEMPTS || changeStamp(file) === before) return result;
    // A run appends a few records at a time: let the burst end.
    Atomics.wait(pause, 0, 0, VERIFY_RETRY_MS * attempt);
  }
}

const VERIFY_ATTEMPTS = 10;
const VERIFY_RETRY_MS = 10;

/** The transcript's size and its anchor's identity: an append changes both. */
function changeStamp(file: string): string {
  const stamp = (path: string) => {
    const stat = lstatSync(path, { throwIfNoEntry: false, bigint: true });
    return stat ? `${stat.ino}:${stat.size}:${stat.mtimeNs}` : '-';
  };
  return `${stamp(file)}|${stamp(anchorPathFor(file))}`;
}

/** Whether `file` is where awsorg keeps transcripts (audit/ or audit/rehearsals/ under the state directory). */
function isInStateDir(file: string, stateDir: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  const audit = join(stateDir, 'audit');
  return [audit, join(audit, 'rehearsals')].map(real).includes(real(dirname(resolve(file))));
}

/** lstat-based: a dangling symlink is present. */
function present(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

/**
 * Before awsorg appends: a transcript or anchor that is a symlink, not a regular file, another
 * user's, or writable by others is refused (exit 2), because someone else could have planted it;
 * one that is only readable by others is ours, and made private again.
 */
function refuseUntrusted(file: string): void {
  const stat = lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return;
  const reason = untrustedReason(stat, 'file', 0o022);
  if (reason) {
    throw new UntrustedPathError(
      file,
      reason,
      `awsorg never makes it so: keep it as evidence (check who changed it and, for a link, where it points), move it aside, and run with a new --incident id.`,
    );
  }
  if (stat.mode & 0o077) chmodSync(file, 0o600);
}

type Opened = { fd: number } | { absent: true } | { unusable: string };

/** O_NOFOLLOW so a symlink is seen, not followed; O_NONBLOCK so a FIFO cannot hang the open. */
function openForReading(file: string): Opened {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { absent: true };
    if (code === 'ELOOP' || code === 'EMLINK') {
      let target = '';
      try {
        target = realpathSync(file);
      } catch {
        // Dangling: there is nothing to name.
      }
      return {
        unusable: `it is a symbolic link${target ? ` to ${target}` : ' to nothing'}, and awsorg never writes a transcript through one; ${target ? `verify the file itself: awsorg audit verify ${target}` : 'remove it after checking who made it'}`,
      };
    }
    throw err;
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    return { unusable: 'it is not a regular file' };
  }
  return { fd };
}

function readChain(
  file: string,
  opts: ReadOptions,
  collect?: (record: AuditRecord) => void,
): { result: VerifyResult; last: AuditRecord | undefined; bytes: number } {
  const opened = openForReading(file);
  if ('unusable' in opened)
    return {
      result: { ok: false, file, line: 0, reason: opened.unusable, validRecords: 0 },
      last: undefined,
      bytes: 0,
    };
  try {
    return readOpenChain(file, 'fd' in opened ? opened.fd : undefined, opts, collect);
  } finally {
    if ('fd' in opened) closeSync(opened.fd);
  }
}

function readOpenChain(
  file: string,
  fd: number | undefined,
  opts: ReadOptions,
  collect?: (record: AuditRecord) => void,
): { result: VerifyResult; last: AuditRecord | undefined; bytes: number } {
  const chunkBytes = opts.chunkBytes ?? CHUNK_BYTES;
  const maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
  // What the anchor check needs, without keeping the records: their count, the last two hashes,
  // and the hash at the line count the anchor records.
  let count = 0;
  let firstIncident: string | undefined;
  let last: AuditRecord | undefined;
  let beforeLast = CHAIN_START;
  let hashAtAnchored: string | undefined;
  let anchorFile: string | undefined;
  let anchor: Anchor | { line: number; reason: string; validRecords: number } | undefined;
  let resolved = false;
  const resolveAnchor = (incident: string | undefined) => {
    resolved = true;
    anchorFile = findAnchor(file, incident, opts);
    if (anchorFile) anchor = readAnchor(anchorFile);
  };
  let bytes = 0;
  const fail = (line: number, reason: string, validRecords = count, extra: { anchorMissing?: true } = {}) => ({
    result: { ok: false as const, file, line, reason, validRecords, ...extra },
    last,
    bytes,
  });
  const tooLong = () =>
    fail(count + 1, `it is longer than ${maxLineBytes} bytes, which no audit record is (awsorg did not write it)`);

  if (fd !== undefined) {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    // The start of a line that the previous chunks did not finish, copied out of the reused chunk.
    let carried: Buffer[] = [];
    let carriedBytes = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunkBytes, null);
      if (n === 0) break;
      bytes += n;
      opts.onBuffered?.(carriedBytes + n);
      const view = chunk.subarray(0, n);
      let start = 0;
      for (let end = view.indexOf(0x0a, start); end !== -1; end = view.indexOf(0x0a, start)) {
        const piece = view.subarray(start, end);
        const line = carriedBytes ? Buffer.concat([...carried, piece]) : piece;
        carried = [];
        carriedBytes = 0;
        start = end + 1;
        if (line.length > maxLineBytes) return tooLong();
        const checked = checkLine(line, count, last?.hash ?? CHAIN_START);
        if (typeof checked === 'string') return fail(count + 1, checked);
        if (!resolved) {
          firstIncident = checked.incident;
          resolveAnchor(firstIncident);
        }
        count += 1;
        beforeLast = last?.hash ?? CHAIN_START;
        last = checked;
        if (anchor && 'head' in anchor && count === anchor.records) hashAtAnchored = checked.hash;
        collect?.(checked);
      }
      if (start < n) {
        carried.push(Buffer.from(view.subarray(start)));
        carriedBytes += n - start;
        if (carriedBytes > maxLineBytes) return tooLong();
      }
    }
    if (carriedBytes)
      return fail(
        count + 1,
        'it is incomplete: the file ends in the middle of this line (it was cut short, or awsorg stopped while writing it)',
      );
  }

  if (!resolved) resolveAnchor(undefined);
  const head = last?.hash ?? CHAIN_START;
  const warnings: string[] = [];
  let verdict: 'matched' | 'pending-matched' | 'none' | 'given' = 'none';
  if (anchorFile && anchor) {
    if (!('head' in anchor)) return fail(anchor.line, anchor.reason, anchor.validRecords);
    const anchored = anchor.records;
    const headAfter = (n: number) =>
      n === 0
        ? CHAIN_START
        : n === count
          ? head
          : n === count - 1
            ? beforeLast
            : n === anchored
              ? (hashAtAnchored ?? '')
              : '';
    const checked = checkAnchor(anchorFile, anchor, count, firstIncident, headAfter);
    if ('reason' in checked) return fail(checked.line, checked.reason, checked.validRecords);
    verdict = checked.anchor;
    warnings.push(...checked.warnings);
  }
  const missing = opts.anchorRequired && !anchorFile && bytes > 0;
  const expected = anchorPathFor(file);
  if (opts.expectHead !== undefined) {
    if (opts.expectHead.toLowerCase() !== head) {
      return fail(
        Math.max(count, 1),
        `the transcript ends with hash ${head}, not the head ${opts.expectHead} you gave (it was cut or extended after that head was printed)`,
        Math.max(count - 1, 0),
      );
    }
    verdict = 'given';
    if (missing) {
      warnings.push(
        `its anchor ${expected} is missing; the head you gave proves nothing was cut, so record that and write a new anchor before the next run: awsorg audit verify ${file} --head ${head} --reanchor`,
      );
    }
  } else if (missing) {
    return fail(
      0,
      `the anchor ${expected} is missing. awsorg writes it beside every transcript it keeps, so it was deleted or moved: ` +
        `the ${count} line${count === 1 ? '' : 's'} present chain correctly, but lines cut from the end cannot be detected without it. ` +
        `Compare the head ${head} with the one printed at the end of the last run (awsorg audit verify ${file} --head HASH); ` +
        `once you can account for it, record that the anchor was missing and write a new one: awsorg audit verify ${file} --reanchor`,
      count,
      { anchorMissing: true },
    );
  } else if (!anchorFile) {
    warnings.push(
      `no anchor file (${expected}) was found, so a cut at the end of the transcript cannot be detected; ` +
        `compare the head ${head} with the one printed at the end of the run (or pass --head HASH)`,
    );
  }
  return { result: { ok: true, file, records: count, head, anchor: verdict, warnings }, last, bytes };
}

/** One line's bytes (without its newline): a record, or what is wrong with it. */
function checkLine(line: Buffer, seq: number, prevHash: string): AuditRecord | string {
  if (line.length === 0) return 'it is empty (a blank line was inserted here)';
  const suffix =
    line.length > HASH_SUFFIX_BYTES
      ? HASH_SUFFIX.exec(line.subarray(line.length - HASH_SUFFIX_BYTES).toString('latin1'))
      : null;
  if (!suffix) return 'it does not end with its hash (the line was cut short or edited)';
  // The hash covers the exact bytes, so even a changed space or an invalid byte is caught.
  if (sha256(line.subarray(0, line.length - HASH_SUFFIX_BYTES)) !== suffix[1])
    return 'its hash does not match its contents (the line was edited)';
  let record: Partial<AuditRecord>;
  try {
    record = JSON.parse(line.toString('utf8')) as Partial<AuditRecord>;
  } catch {
    return 'it is not valid JSON although its hash matches (awsorg did not write it)';
  }
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof record.seq !== 'number' ||
    typeof record.prev !== 'string' ||
    typeof record.incident !== 'string'
  ) {
    return 'it is not an audit record (seq, incident or prev is missing)';
  }
  if (record.prev !== prevHash) {
    return seq === 0
      ? 'it does not start the chain: its prev is not 64 zeros (the lines before it were deleted, or it was moved here)'
      : `it does not follow line ${seq} (a line was deleted, inserted or moved here)`;
  }
  if (record.seq !== seq)
    return `its seq is ${record.seq}, but it is line ${seq + 1} (seq counts lines from 0; the lines were renumbered)`;
  return record as AuditRecord;
}

function findAnchor(file: string, incident: string | undefined, opts: ReadOptions): string | undefined {
  if (opts.anchorFile === false) return undefined;
  if (opts.anchorFile !== undefined) return present(opts.anchorFile) ? opts.anchorFile : undefined;
  const sibling = anchorPathFor(file);
  if (present(sibling)) return sibling;
  // A transcript kept in the state directory has its own anchor or none; a rehearsal's is not the live incident's.
  if (opts.anchorRequired) return undefined;
  const id = incident ?? basename(file, '.jsonl');
  if (opts.stateDir && INCIDENT_ID.test(id)) {
    const live = join(opts.stateDir, 'audit', `${id}.head`);
    if (present(live)) return live;
  }
  return undefined;
}

/** The anchor's contents, or why it is unusable (line 0: the anchor, not a transcript line). */
function readAnchor(anchorFile: string): Anchor | { line: number; reason: string; validRecords: number } {
  const unusable = (why: string) => ({
    line: 0,
    validRecords: 0,
    reason: `the anchor ${anchorFile} cannot be read (${why})`,
  });
  let text: string;
  try {
    // O_NONBLOCK: a FIFO planted as the anchor must not hang verification.
    const fd = openSync(anchorFile, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) return unusable('it is not a regular file');
      if (stat.size > MAX_ANCHOR_BYTES) return unusable(`it is ${stat.size} bytes; an anchor is a few hundred`);
      const buffer = Buffer.alloc(stat.size);
      let read = 0;
      while (read < buffer.length) {
        const n = readSync(fd, buffer, read, buffer.length - read, null);
        if (n === 0) break;
        read += n;
      }
      text = buffer.subarray(0, read).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return unusable((err as Error).message);
  }
  let anchor: Partial<Anchor>;
  try {
    anchor = JSON.parse(text) as Partial<Anchor>;
  } catch (err) {
    return unusable((err as Error).message);
  }
  const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  if (
    typeof anchor !== 'object' ||
    anchor === null ||
    typeof anchor.incident !== 'string' ||
    !Number.isInteger(anchor.records) ||
    (anchor.records ?? -1) < 0 ||
    !hex(anchor.head) ||
    (anchor.next !== undefined && !hex(anchor.next))
  ) {
    return { line: 0, validRecords: 0, reason: `the anchor ${anchorFile} is not an awsorg transcript anchor` };
  }
  return anchor as Anchor;
}

type AnchorCheck =
  | { anchor: 'matched' | 'pending-matched'; warnings: string[] }
  | { line: number; reason: string; validRecords: number };

/**
 * `n` records were read, the first for `incident`; `headAfter(k)` is the hash of record k (1-based;
 * 0 is the chain start), known for k = n, n - 1 and the anchor's own count.
 */
function checkAnchor(
  anchorFile: string,
  anchor: Anchor,
  n: number,
  incident: string | undefined,
  headAfter: (count: number) => string,
): AnchorCheck {
  const { records: anchored, head, next } = anchor;
  if (n > 0 && incident !== anchor.incident) {
    return {
      line: 0,
      validRecords: 0,
      reason: `the transcript is for incident ${incident}, but the anchor ${anchorFile} is for incident ${anchor.incident}`,
    };
  }
  if (n === anchored && headAfter(n) === head) return { anchor: 'matched', warnings: [] };
  if (next && n === anchored + 1 && headAfter(n) === next && headAfter(n - 1) === head) {
    return {
      anchor: 'pending-matched',
      warnings: [
        `awsorg stopped after writing line ${n} but before confirming it in the anchor; the line carries the hash announced before it was written, so it is accepted`,
      ],
    };
  }
  if (n < anchored) {
    const end = n === 0 ? 'the file is empty' : `the file ends after line ${n}`;
    return {
      line: n + 1,
      validRecords: n,
      reason: `truncated: the anchor ${anchorFile} records ${anchored} lines, ${end}`,
    };
  }
  if (headAfter(anchored) !== head) {
    return {
      line: Math.max(anchored, 1),
      validRecords: Math.max(anchored - 1, 0),
      reason: `its hash is not the head recorded in the anchor ${anchorFile} (the transcript up to here was rewritten, or the anchor belongs to another copy)`,
    };
  }
  return {
    line: anchored + 1,
    validRecords: anchored,
    reason: `it is not covered by the anchor ${anchorFile}, which records ${anchored} lines (a line was added after awsorg last wrote to the transcript)`,
  };
}

/** See `AuditTranscript.reanchor`. */
export function reanchorTranscript(
  file: string,
  opts: { stateDir: string; now(): Date; operator: string; expectHead?: string },
): ReanchorOutcome {
  return AuditTranscript.reanchor(file, opts);
}
