/**
 * Replacing the AWS config file (~/.aws/config or AWS_CONFIG_FILE) without losing anyone's
 * edits. The file is shared: the user edits it, the AWS CLI writes it (`aws configure`,
 * `aws sso login`), other tools append to it. So `config generate`
 * - takes an exclusive lock beside the file (`config.awsorg.lock`) against other awsorg runs;
 * - reads the file (keeping it open), plans the change, writes it to a temp file beside it and
 *   fsyncs it; if another program replaced the file meanwhile (a rename: a new inode), it plans
 *   again from the new file;
 * - renames the temp file over it, then reads the replaced file through the descriptor it kept:
 *   whatever another program appended to it since it was read (as `cat >>` or a script
 *   appending profiles would) is appended to the new file too, until the old file stops
 *   changing. An edit that was not an append is merged by planning again from the edited text.
 *   No lock of ours can stop other programs; this way their appends are kept although the fsync
 *   before the rename takes longer than the gap between two of their writes. After a few tries
 *   that all met non-append edits, it gives up and says so.
 * The window left is a program that opened the old file before the rename and writes to it
 * after the last check, microseconds later.
 *
 * A symlinked config file stays a symlink: its target is replaced, in the target's directory,
 * with the target's mode. A dangling symlink is refused: the link says where the user keeps the
 * file (a dotfiles checkout, a mounted volume), and awsorg creates nothing there on its own.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import { AwsorgError, ExitCode, UsageError } from '../core/errors.js';
import { acquireLock } from '../core/lock.js';
import { writeFileAtomicSync } from '../core/private-file.js';

export interface ConfigSnapshot {
  /** undefined when the file does not exist. */
  text: string | undefined;
}

const ATTEMPTS = 10;

/** The file to read and replace: `file` itself, or the target of a symlink. Refuses a dangling link. */
export function configTarget(file: string): string {
  let link;
  try {
    link = lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return file;
    throw err;
  }
  if (!link.isSymbolicLink()) return file;
  try {
    return realpathSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const pointsTo = resolve(dirname(file), readlinkSync(file));
    if (code === 'ENOENT') {
      throw new UsageError(
        `${file} is a symbolic link to ${pointsTo}, which does not exist; nothing was written`,
        `Create the file it points to (touch ${pointsTo}) if that is where your AWS config lives, or remove the link (rm ${file}) to let awsorg create a regular file there.`,
      );
    }
    throw new UsageError(
      `${file} is a symbolic link that cannot be followed (${code}); nothing was written`,
      `Repair or remove the link ${file}.`,
    );
  }
}

/** Read the file (for --dry-run: no lock, nothing kept open). */
export function readConfigSnapshot(target: string): ConfigSnapshot {
  const opened = openConfig(target);
  if (opened.fd !== undefined) closeSync(opened.fd);
  return { text: opened.text };
}

/** The file at the path, kept open so that later writes to this same file can be seen. */
interface OpenedConfig {
  fd: number | undefined;
  ino: bigint | undefined;
  text: string | undefined;
}

function openConfig(target: string): OpenedConfig {
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { fd: undefined, ino: undefined, text: undefined };
    throw new AwsorgError(
      `cannot read ${target}: ${(err as Error).message}; nothing was written`,
      `Check that ${target} is a file you can read and write (or point AWS_CONFIG_FILE elsewhere).`,
      { cause: err },
    );
  }
  try {
    const stat = fstatSync(fd, { bigint: true });
    if (!stat.isFile())
      throw new AwsorgError(
        `${target} is not a regular file; nothing was written`,
        `Point AWS_CONFIG_FILE at a regular file.`,
        { exitCode: ExitCode.usage },
      );
    return { fd, ino: stat.ino, text: decode(target, readWhole(fd)) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Every byte of the open file, from the start (the descriptor's position is not used). */
function readWhole(fd: number): Buffer {
  const chunks: Buffer[] = [];
  let position = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, n));
    position += n;
  }
}

function decode(target: string, bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // Editing a file that does not survive a UTF-8 round trip would change bytes outside the block.
  if (!Buffer.from(text, 'utf8').equals(bytes)) {
    throw new AwsorgError(
      `${target} is not valid UTF-8; nothing was written`,
      `Convert ${target} to UTF-8 (the AWS CLI reads it as text), then run \`awsorg config generate\` again.`,
      { exitCode: ExitCode.usage },
    );
  }
  return text;
}

function inodeAt(target: string): bigint | undefined {
  try {
    return lstatSync(target, { bigint: true }).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Append `text` to the file at the path (the new file), as the other program would have. */
function appendToFile(target: string, text: string): void {
  const fd = openSync(target, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

class ChangedMeanwhile extends Error {}

/**
 * Read, plan and replace the file under the lock, keeping what other programs write to it
 * meanwhile. `plan` maps the current text (undefined: no file) to the new whole text; the plan
 * that was written (or not needed) is returned.
 */
export function updateConfigFile<P extends { text: string; changed: boolean }>(
  file: string,
  plan: (current: string | undefined) => P,
  command: string,
): P {
  const target = configTarget(file);
  let mode = 0o600;
  try {
    mode = statSync(target).mode & 0o7777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  }
  const lock = acquireLock(`${target}.awsorg.lock`, { what: `the AWS config file ${file}`, command });
  let current: OpenedConfig | undefined;
  try {
    current = openConfig(target);
    // The text to plan from: the file as read, or after a lost edit, that edit merged in.
    let base = current.text;
    for (let attempt = 1; ; attempt++) {
      const result = plan(base);
      if (result.text === current.text) return result;
      const replacing: OpenedConfig = current;
      try {
        writeFileAtomicSync(target, result.text, mode, {
          beforeRename: () => {
            // Replaced by a rename, created or deleted since it was read: plan again from what is there.
            if (inodeAt(target) !== replacing.ino) throw new ChangedMeanwhile();
          },
        });
      } catch (err) {
        if (!(err instanceof ChangedMeanwhile)) {
          if (err instanceof AwsorgError) throw err;
          throw new AwsorgError(
            `cannot write ${file}: ${(err as Error).message}`,
            `Check the permissions of ${dirname(target)}; ${file} itself was not changed.`,
            { cause: err },
          );
        }
        if (attempt >= ATTEMPTS) throw changedTooOften(file);
        if (replacing.fd !== undefined) closeSync(replacing.fd);
        current = openConfig(target);
        base = current.text;
        continue;
      }
      if (replacing.fd === undefined) return result;
      // The old file may have been written since it was read; it is no longer at the path.
      let seen = replacing.text ?? '';
      let lostEdit: string | undefined;
      for (let check = 0; check < 1000; check++) {
        const now = decode(target, readWhole(replacing.fd));
        if (now === seen) break;
        if (!now.startsWith(seen)) {
          lostEdit = now;
          break;
        }
        appendToFile(target, now.slice(seen.length));
        seen = now;
      }
      closeSync(replacing.fd);
      current = undefined;
      if (lostEdit === undefined) return result;
      // Someone rewrote the old file in place: plan again from their text, plus whatever has been
      // appended to ours since the rename.
      if (attempt >= ATTEMPTS) throw changedTooOften(file);
      current = openConfig(target);
      const ours = result.text + seen.slice((replacing.text ?? '').length);
      if (current.text === undefined || !current.text.startsWith(ours)) throw changedTooOften(file);
      base = lostEdit + current.text.slice(ours.length);
    }
  } finally {
    if (current?.fd !== undefined) closeSync(current.fd);
    lock.release();
  }
}

function changedTooOften(file: string): AwsorgError {
  return new AwsorgError(
    `${file} kept being rewritten by another program while awsorg was writing it`,
    `Check ${file} (awsorg's block may be missing or out of date), then run \`awsorg config generate\` again when the other program has finished with it.`,
  );
}
