/**
 * The incident audit transcript: one append-only JSONL file per incident under the XDG state
 * directory. Each line carries the hash of the line before it, so `verifyTranscript` finds any
 * edit, deletion, insertion or reordering; a cut at the end leaves a valid chain, so an anchor
 * file beside the transcript records how many lines it has and the hash of the last one.
 * Node built-ins only: no AWS SDK.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AwsorgError, UsageError } from './errors.js';
import { acquireLock, LockHeldError, type Lock } from './lock.js';
import { ensurePrivateDirSync, writeFileAtomicSync } from './private-file.js';
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

export interface AuditRecord extends AuditEntry {
  seq: number;
  time: string;
  prev: string;
  hash: string;
}

export type VerifyResult =
  | { ok: true; file: string; records: number; head: string; anchor: 'matched' | 'pending-matched' | 'none' | 'given'; warnings: string[] }
  /** `line` is 1-based; 0 when the anchor file itself is unusable. `reason` does not repeat the line number. */
  | { ok: false; file: string; line: number; reason: string; validRecords: number };

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
/** Field order in a line, for people reading the file. */
const FIELD_ORDER = [
  'seq', 'time', 'incident', 'runbook', 'step', 'kind', 'status', 'operator', 'account', 'role', 'region', 'dryRun',
  'call', 'operation', 'request', 'response', 'prior', 'ack', 'rollback', 'undoes', 'intent', 'detail', 'prev',
] as const;

const INCIDENT_FORM = 'up to 64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. INC-2041)';

export function validateIncidentId(id: string | undefined): string {
  if (!id) {
    throw new UsageError('--incident is required: every run is recorded in the audit transcript of one incident', `Pass --incident ID, ${INCIDENT_FORM}.`);
  }
  if (!INCIDENT_ID.test(id)) {
    throw new UsageError(
      `--incident ${JSON.stringify(id)} is not a valid incident id`,
      `Use ${INCIDENT_FORM}; the id names the transcript file and goes into the role session name.`,
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
  private readonly chain: AuditRecord[];
  /** The file's size after our last write; anything else means another writer got in. */
  private bytes: number;

  private constructor(file: string, incident: string, now: () => Date, secrets: string[], chain: AuditRecord[], bytes: number) {
    this.file = file;
    this.anchorFile = anchorPathFor(file);
    this.incident = incident;
    this.now = now;
    this.secrets = secrets;
    this.chain = chain;
    this.bytes = bytes;
  }

  static exists(paths: XdgPaths, incident: string): boolean {
    return existsSync(transcriptPath(paths, incident));
  }

  /** Opens (without creating) the incident's transcript after verifying what is already in it. */
  static open(paths: XdgPaths, incident: string, opts: { now(): Date; secrets?: readonly string[] }): AuditTranscript {
    const file = transcriptPath(paths, incident);
    ensurePrivateDirSync(transcriptDir(paths));
    const anchorFile = anchorPathFor(file);
    // Under the append lock: read while another awsorg process appends, the file and its anchor would disagree.
    const lock = acquireAppendLock(file);
    try {
      return AuditTranscript.openLocked(file, anchorFile, incident, opts);
    } finally {
      lock.release();
    }
  }

  private static openLocked(file: string, anchorFile: string, incident: string, opts: { now(): Date; secrets?: readonly string[] }): AuditTranscript {
    const { result, records, bytes } = readChain(file, { anchorFile });
    if (!result.ok) {
      const where = result.line > 0 ? `line ${result.line}: ` : '';
      throw new AwsorgError(
        `the audit transcript ${file} fails verification (${where}${result.reason}); awsorg will not add to it`,
        `Keep the file and ${basename(anchorFile)} as evidence, then run with a new --incident id, or move both files aside.`,
      );
    }
    const last = records.at(-1);
    // awsorg stopped after writing the last line but before confirming it: finish that append.
    if (result.anchor === 'pending-matched' && last) writeAnchor(anchorFile, { incident, records: records.length, head: last.hash });
    const transcript = new AuditTranscript(file, incident, () => opts.now(), [], records, bytes);
    transcript.addSecrets(opts.secrets ?? []);
    return transcript;
  }

  records(): readonly AuditRecord[] {
    return this.chain.slice();
  }

  /** Values that must never reach the file (secret keys, session tokens, passwords). */
  addSecrets(values: readonly (string | undefined)[]): void {
    for (const value of values) if (value && value.length >= MIN_SECRET_LENGTH && !this.secrets.includes(value)) this.secrets.push(value);
  }

  head(): { records: number; hash: string } {
    return { records: this.chain.length, hash: this.chain.at(-1)?.hash ?? CHAIN_START };
  }

  /**
   * Redacts and writes one record. Synchronous, so appends from one process never interleave.
   * The anchor announces the line's hash before it is written and confirms it after, so a crash
   * at any point leaves a transcript that still verifies.
   */
  append(entry: AuditEntry): AuditRecord {
    // Another awsorg process may append to the same incident (a second run, a rollback, a
    // close-out record): a short lock makes read-tail-then-append one step, so the chain never forks.
    const lock = acquireAppendLock(this.file);
    try {
      const fd = openSync(this.file, 'a', 0o600);
      try {
        fchmodSync(fd, 0o600);
        this.catchUp(fstatSync(fd).size);
        const { records: seq, hash: prev } = this.head();
        const fields = redact({ ...entry, seq, time: this.now().toISOString(), prev }, this.secrets) as Record<string, unknown>;
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
        this.chain.push(record);
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
    const fd = openSync(this.file, 'r');
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
    const added: AuditRecord[] = [];
    for (let start = 0; start < tail.length; ) {
      const end = tail.indexOf(0x0a, start);
      if (end === -1) throw changed(`line ${this.chain.length + added.length + 1} is incomplete`);
      const checked = checkLine(tail.subarray(start, end), this.chain.length + added.length, (added.at(-1) ?? this.chain.at(-1))?.hash ?? CHAIN_START);
      if (typeof checked === 'string') throw changed(`line ${this.chain.length + added.length + 1}: ${checked}`);
      if (checked.incident !== this.incident) throw changed(`line ${this.chain.length + added.length + 1} is for incident ${checked.incident}`);
      added.push(checked);
      start = end + 1;
    }
    this.chain.push(...added);
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
      throw new AwsorgError('an audit record could not be written without a secret in it; nothing was written', 'Report this as an awsorg bug.');
    }
    return text;
  }
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
      return acquireLock(lockFile, { what: `the audit transcript ${basename(file)}`, command: 'append one audit record' });
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
 * the same incident under `opts.stateDir`, so a copied transcript is checked too. A missing file
 * reads as an empty transcript.
 */
export function verifyTranscript(file: string, opts: { anchorFile?: string | false; stateDir?: string; expectHead?: string } = {}): VerifyResult {
  return readChain(file, opts).result;
}

function readChain(
  file: string,
  opts: { anchorFile?: string | false; stateDir?: string; expectHead?: string },
): { result: VerifyResult; records: AuditRecord[]; bytes: number } {
  const content = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
  const records: AuditRecord[] = [];
  const fail = (line: number, reason: string, validRecords = records.length) => ({
    result: { ok: false as const, file, line, reason, validRecords },
    records,
    bytes: content.length,
  });

  for (let start = 0; start < content.length; ) {
    const end = content.indexOf(0x0a, start);
    if (end === -1) return fail(records.length + 1, 'it is incomplete: the file ends in the middle of this line (it was cut short, or awsorg stopped while writing it)');
    const checked = checkLine(content.subarray(start, end), records.length, records.at(-1)?.hash ?? CHAIN_START);
    if (typeof checked === 'string') return fail(records.length + 1, checked);
    records.push(checked);
    start = end + 1;
  }

  const head = records.at(-1)?.hash ?? CHAIN_START;
  const warnings: string[] = [];
  let anchor: 'matched' | 'pending-matched' | 'none' | 'given' = 'none';
  const anchorFile = findAnchor(file, records[0]?.incident, opts);
  if (anchorFile) {
    const checked = checkAnchor(anchorFile, records);
    if ('reason' in checked) return fail(checked.line, checked.reason, checked.validRecords);
    anchor = checked.anchor;
    warnings.push(...checked.warnings);
  }
  if (opts.expectHead !== undefined) {
    if (opts.expectHead.toLowerCase() !== head) {
      return fail(
        Math.max(records.length, 1),
        `the transcript ends with hash ${head}, not the head ${opts.expectHead} you gave (it was cut or extended after that head was printed)`,
        Math.max(records.length - 1, 0),
      );
    }
    anchor = 'given';
  } else if (!anchorFile) {
    warnings.push(
      `no anchor file (${anchorPathFor(file)}) was found, so a cut at the end of the transcript cannot be detected; ` +
        `compare the head ${head} with the one printed at the end of the run (or pass --head HASH)`,
    );
  }
  return { result: { ok: true, file, records: records.length, head, anchor, warnings }, records, bytes: content.length };
}

/** One line's bytes (without its newline): a record, or what is wrong with it. */
function checkLine(line: Buffer, seq: number, prevHash: string): AuditRecord | string {
  if (line.length === 0) return 'it is empty (a blank line was inserted here)';
  const suffix = line.length > HASH_SUFFIX_BYTES ? HASH_SUFFIX.exec(line.subarray(line.length - HASH_SUFFIX_BYTES).toString('latin1')) : null;
  if (!suffix) return 'it does not end with its hash (the line was cut short or edited)';
  // The hash covers the exact bytes, so even a changed space or an invalid byte is caught.
  if (sha256(line.subarray(0, line.length - HASH_SUFFIX_BYTES)) !== suffix[1]) return 'its hash does not match its contents (the line was edited)';
  let record: Partial<AuditRecord>;
  try {
    record = JSON.parse(line.toString('utf8')) as Partial<AuditRecord>;
  } catch {
    return 'it is not valid JSON although its hash matches (awsorg did not write it)';
  }
  if (typeof record !== 'object' || record === null || typeof record.seq !== 'number' || typeof record.prev !== 'string' || typeof record.incident !== 'string') {
    return 'it is not an audit record (seq, incident or prev is missing)';
  }
  if (record.prev !== prevHash) {
    return seq === 0
      ? 'it does not start the chain: its prev is not 64 zeros (the lines before it were deleted, or it was moved here)'
      : `it does not follow line ${seq} (a line was deleted, inserted or moved here)`;
  }
  if (record.seq !== seq) return `its seq is ${record.seq}, but it is line ${seq + 1} (seq counts lines from 0; the lines were renumbered)`;
  return record as AuditRecord;
}

function findAnchor(file: string, incident: string | undefined, opts: { anchorFile?: string | false; stateDir?: string }): string | undefined {
  if (opts.anchorFile === false) return undefined;
  if (opts.anchorFile !== undefined) return existsSync(opts.anchorFile) ? opts.anchorFile : undefined;
  const sibling = anchorPathFor(file);
  if (existsSync(sibling)) return sibling;
  const id = incident ?? basename(file, '.jsonl');
  if (opts.stateDir && INCIDENT_ID.test(id)) {
    const live = join(opts.stateDir, 'audit', `${id}.head`);
    if (existsSync(live)) return live;
  }
  return undefined;
}

type AnchorCheck =
  | { anchor: 'matched' | 'pending-matched'; warnings: string[] }
  | { line: number; reason: string; validRecords: number };

function checkAnchor(anchorFile: string, records: readonly AuditRecord[]): AnchorCheck {
  let anchor: Partial<Anchor>;
  try {
    anchor = JSON.parse(readFileSync(anchorFile, 'utf8')) as Partial<Anchor>;
  } catch (err) {
    return { line: 0, validRecords: 0, reason: `the anchor ${anchorFile} cannot be read (${(err as Error).message})` };
  }
  const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  if (typeof anchor !== 'object' || anchor === null || typeof anchor.incident !== 'string' || !Number.isInteger(anchor.records) || (anchor.records ?? -1) < 0 || !hex(anchor.head) || (anchor.next !== undefined && !hex(anchor.next))) {
    return { line: 0, validRecords: 0, reason: `the anchor ${anchorFile} is not an awsorg transcript anchor` };
  }
  const { incident, records: anchored, head, next } = anchor as Anchor;
  const n = records.length;
  if (n > 0 && records[0]?.incident !== incident) {
    return { line: 0, validRecords: 0, reason: `the transcript is for incident ${records[0]?.incident}, but the anchor ${anchorFile} is for incident ${incident}` };
  }
  const headAfter = (count: number) => (count === 0 ? CHAIN_START : (records[count - 1]?.hash ?? ''));
  if (n === anchored && headAfter(n) === head) return { anchor: 'matched', warnings: [] };
  if (next && n === anchored + 1 && headAfter(n) === next && headAfter(n - 1) === head) {
    return {
      anchor: 'pending-matched',
      warnings: [`awsorg stopped after writing line ${n} but before confirming it in the anchor; the line carries the hash announced before it was written, so it is accepted`],
    };
  }
  if (n < anchored) {
    const end = n === 0 ? 'the file is empty' : `the file ends after line ${n}`;
    return { line: n + 1, validRecords: n, reason: `truncated: the anchor ${anchorFile} records ${anchored} lines, ${end}` };
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
