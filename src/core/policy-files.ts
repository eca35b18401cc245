/**
 * Reading the files a blueprint names (custom SCPs, the deploy role's inline policy): inside the
 * blueprint's directory unless allowed, regular files only, UTF-8, JSON. Errors say where a
 * problem is, never what the file holds.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** A policy file that cannot be used, with the fix when it differs from "point it at a readable file". */
export class PolicyFileError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
  }
}

/** Policy documents are a few KB; a larger "policy" is the wrong file, and is not read. */
const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/**
 * Reads a policy document named by the blueprint, relative to its directory. Unless allowed, the
 * file must resolve inside that directory, symbolic links included. Errors say where a problem
 * is, never what the file holds.
 */
export async function readPolicyFile(baseDir: string, name: string, allowOutside: boolean): Promise<unknown> {
  const path = resolve(baseDir, name);
  const outsideFix = `move the policy file into ${baseDir} and name it relative to the blueprint (e.g. policies/<name>.json), or pass --allow-outside-files if you trust this blueprint`;
  if (!allowOutside && !isInside(baseDir, path)) {
    return new PolicyFileError(`resolves to ${path}, outside the blueprint's directory ${baseDir}`, outsideFix);
  }
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    return new PolicyFileError(`cannot be read: ${fileErrorText(error)} (looked for ${path})`);
  }
  if (!allowOutside) {
    const realBase = await realpath(baseDir).catch(() => baseDir);
    if (!isInside(realBase, real))
      return new PolicyFileError(
        `resolves through a link to ${real}, outside the blueprint's directory ${realBase}`,
        outsideFix,
      );
  }
  let bytes: Buffer;
  try {
    // A FIFO or a device would block or never end: only regular files are read.
    const info = await stat(real);
    if (!info.isFile()) return new PolicyFileError(`is not a regular file (looked at ${real})`);
    if (info.size > MAX_POLICY_FILE_BYTES)
      return new PolicyFileError(`is ${info.size} bytes, far more than any policy document`);
    bytes = await readFile(real);
  } catch (error) {
    return new PolicyFileError(`cannot be read: ${fileErrorText(error)} (looked for ${path})`);
  }
  let invalid: PolicyFileError | undefined;
  const text = decodeUtf8(
    bytes,
    (bad) => (invalid = new PolicyFileError(`${bad.message} (line ${bad.line})`, 'save it as UTF-8')),
  );
  if (invalid) return invalid;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // JSON.parse's message quotes the text around the error: keep only the position.
    const position = /position (\d+)/.exec(errorText(error))?.[1];
    const where = position === undefined ? '' : ` at line ${text.slice(0, Number(position)).split('\n').length}`;
    return new PolicyFileError(`is not valid JSON${where}`);
  }
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export interface InvalidUtf8 {
  offset: number;
  line: number;
  column: number;
  message: string;
}

/**
 * Decodes UTF-8, calling `onInvalid` with the first byte that is not UTF-8 (its offset, line and
 * column). Node's decoder would turn it into U+FFFD silently, and that name would reach AWS.
 */
export function decodeUtf8(bytes: Buffer, onInvalid: (bad: InvalidUtf8) => void): string {
  const text = bytes.toString('utf8');
  let from = 0;
  for (;;) {
    const index = text.indexOf('\uFFFD', from);
    if (index < 0) return text;
    // Everything before the first bad byte decoded exactly, so its length in bytes is the offset.
    const offset = Buffer.byteLength(text.slice(0, index));
    if (bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd) {
      from = index + 1; // a real U+FFFD, written as UTF-8
      continue;
    }
    const before = text.slice(0, index);
    const line = before.split('\n').length;
    const column = index - before.lastIndexOf('\n');
    onInvalid({
      offset,
      line,
      column,
      message: `is not valid UTF-8: byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset}`,
    });
    return text;
  }
}

function fileErrorText(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return errorText(error);
}

export function errorText(error: unknown): string {
  if (error instanceof Error)
    // Node's fs messages already start with the code ("ENOENT: no such file or directory, open …").
    return 'code' in error && typeof error.code === 'string' && !error.message.startsWith(error.code)
      ? `${error.code}: ${error.message}`
      : error.message;
  return String(error);
}
