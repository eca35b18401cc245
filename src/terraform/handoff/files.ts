/**
 * Which generated hand-off files awsorg may write into the user's Terraform directory, and
 * writing them so that a kill at any point leaves nothing that looks edited on the next run.
 *
 * Ownership: a `.tf` file is awsorg's only while its first line is HANDOFF_MARKER; any other
 * generated file (policies/*.json) is awsorg's while the manifest lists it. The manifest
 * (`.awsorg-handoff.json`, committed with the code) records the sha256 of every file awsorg
 * wrote, so a file whose content matches neither the new code nor a recorded digest was edited
 * by someone, and is not overwritten without --force. A `.tf` file without the marker is the
 * user's forever, --force or not.
 *
 * The directory is treated as hostile in the way src/core/private-file.ts treats its own: a
 * symlink on a generated path, a directory someone else owns or can write, or a manifest naming
 * a path outside the directory is refused rather than followed.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UsageError, type AwsorgError } from '../../core/errors.js';
import { UntrustedPathError, untrustedReason, writeFileAtomicSync } from '../../core/private-file.js';
import { BACKEND_FILE, isOurs as isBackendOurs, stripHclComments } from '../backend.js';
import { HANDOFF_MARKER } from './generate.js';

export const HANDOFF_MANIFEST = '.awsorg-handoff.json';

/** Generated code is committed and read by the team: world-readable, writable by its owner. */
const CODE_MODE = 0o644;
const DIR_MODE = 0o755;

export interface HandoffFilePlan {
  /** Absolute path of the Terraform directory. */
  dir: string;
  /** Relative paths that do not exist yet. */
  create: string[];
  /** awsorg's unedited files whose generated content changed (and, with --force, edited ones). */
  update: string[];
  unchanged: string[];
  /** Files awsorg wrote earlier (in the manifest), unedited (or --force), no longer generated. */
  remove: string[];
  /**
   * awsorg's files the user changed. Refused unless `force`; with `force` they are in `update`
   * or `remove` too, and `hint` says the edits will be overwritten.
   */
  edited: Array<{ path: string; hint: string }>;
  /** A generated name that exists and is not awsorg's (no marker / not in the manifest): never touched, refused. */
  userOwned: Array<{ path: string; hint: string }>;
  /**
   * `.tf` files awsorg wrote whose marker line the user removed: theirs now, left alone and
   * dropped from the manifest. Not a problem: the marker itself tells the user to do this.
   */
  takenOver: Array<{ path: string }>;
  /** A user's `.tf` / `.tf.json` declaring an address the generated code declares (resource or import target). */
  conflicts: Array<{ address: string; generatedFile: string; userFile: string }>;
  /** What will be written (create and update), by relative path. */
  contents: Map<string, string>;
  /** --force was given: edited files are regenerated. */
  force: boolean;
  /** sha256 of each path the plan looked at (undefined: absent), to refuse a write if it changed since. */
  observed: Map<string, string | undefined>;
  /** The manifest as the plan read it. */
  previousManifest: HandoffManifest;
}

export interface HandoffManifest {
  /** Relative path -> sha256 digests (hex) awsorg accepts as its own content of that file. */
  files: Map<string, string[]>;
}

/** The generated code can't go into the directory as it stands; nothing there was changed. */
export class HandoffFilesRefused extends UsageError {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(
      `awsorg will not write the Terraform hand-off code into ${dir} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
      `Nothing in ${dir} was changed. Resolve the files named above and run the command again.`,
    );
  }
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A `.tf` file (not `.tf.json`): ownership is its marker line. */
function isTf(path: string): boolean {
  return path.endsWith('.tf');
}

function hasHandoffMarker(text: string): boolean {
  return (
    text
      .replace(/^\uFEFF/, '')
      .split('\n', 1)[0]!
      .replace(/\r$/, '') === HANDOFF_MARKER
  );
}

/** A relative path with `/` separators, no empty, `.` or `..` component, that stays inside the directory. */
function checkRelativePath(path: string, where: string): string[] {
  const parts = path.split('/');
  if (
    path === '' ||
    isAbsolute(path) ||
    path.includes('\\') ||
    path.includes('\0') ||
    parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new UsageError(
      `${where} names the path ${JSON.stringify(path)}, which is not a plain relative path inside the Terraform directory`,
      'Check where that name came from; awsorg only writes inside the Terraform directory.',
    );
  }
  return parts;
}

/**
 * Why a directory of the hand-off is unsafe to write into, or undefined. Others must not be able
 * to write it. Group write is accepted only for the user's own primary group: Debian and Ubuntu
 * give each user a private group and a 002 umask, so a checkout there is group-writable by the
 * user alone.
 */
function untrustedDirReason(stat: Stats): string | undefined {
  const reason = untrustedReason(stat, 'directory', 0o002);
  if (reason) return reason;
  if (stat.mode & 0o020 && stat.gid !== process.getgid?.()) {
    return `has mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')} (group ${stat.gid}, not yours, can write to it)`;
  }
  return undefined;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The Terraform directory itself (the user named it, so a symlink to it is followed). */
function checkDir(dir: string): boolean {
  let stat: Stats;
  try {
    stat = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  const reason = untrustedDirReason(stat);
  if (reason) {
    throw new UntrustedPathError(
      dir,
      reason,
      `Make ${dir} a directory of yours that only you can write (chmod go-w), or point terraform.dir elsewhere, then run the command again.`,
    );
  }
  return true;
}

/** Each directory between `dir` and the file: absent, or a real directory of ours. Never a symlink. */
function checkParents(dir: string, parts: string[]): void {
  for (let i = 1; i < parts.length; i++) {
    const path = join(dir, ...parts.slice(0, i));
    const stat = lstatOrUndefined(path);
    if (!stat) return;
    const reason = untrustedDirReason(stat);
    if (reason)
      throw new UntrustedPathError(
        path,
        reason,
        `Remove or rename ${path} (check where it came from), then run the command again; awsorg creates it as a plain directory.`,
      );
  }
}

/**
 * The text of a file awsorg may write, never through a symlink: opened O_NOFOLLOW and checked on
 * the descriptor. Owned by another user, or writable by others, is refused.
 */
function readOwnFile(dir: string, path: string): string | undefined {
  const file = join(dir, path);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') {
      throw new UntrustedPathError(
        file,
        'is a symbolic link',
        `awsorg never writes through a link: remove ${file} (check where it points), then run the command again.`,
      );
    }
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    const reason = untrustedReason(stat, 'file', 0o002);
    if (reason)
      throw new UntrustedPathError(
        file,
        reason,
        `Check who made ${file}; if it is yours, make it a regular file only you can write, then run the command again.`,
      );
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The manifest, or an empty one when there is none. Malformed or unsafe is refused (exit 2). */
export function readHandoffManifest(dir: string): HandoffManifest {
  const file = join(dir, HANDOFF_MANIFEST);
  const text = readOwnFile(dir, HANDOFF_MANIFEST);
  if (text === undefined) return { files: new Map() };
  const broken = (why: string) =>
    new UsageError(
      `${file} ${why}`,
      `awsorg writes this file to tell its own files from your edits; restore it from version control (or delete it, and awsorg treats every file it finds as yours), then run the command again.`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw broken('is not valid JSON');
  }
  const entries = (parsed as { files?: unknown })?.files;
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) throw broken('has no "files" object');
  const files = new Map<string, string[]>();
  for (const [path, digests] of Object.entries(entries)) {
    checkRelativePath(path, file);
    if (!Array.isArray(digests) || !digests.every((d) => typeof d === 'string' && /^[0-9a-f]{64}$/.test(d))) {
      throw broken(`lists ${JSON.stringify(path)} without a list of sha256 digests`);
    }
    files.set(path, digests as string[]);
  }
  return { files };
}

/** The manifest's bytes: keys and digests sorted, so the same files always give the same text. */
export function renderHandoffManifest(files: Map<string, string[]>): string {
  const sorted: Record<string, string[]> = {};
  for (const path of [...files.keys()].sort()) sorted[path] = [...new Set(files.get(path))].sort();
  const about =
    'Written by awsorg (terraform.handoff): the sha256 of each file it generated here, so a rerun can tell your edits from its own. Commit it with the code.';
  return JSON.stringify({ about, version: 1, files: sorted }, null, 2) + '\n';
}

/**
 * Compare the generated files with the directory. Reads only. Throws (exit 2) for a symlink or
 * an unsafe directory on the way; every other problem is recorded in the plan for
 * handoffFileProblem to report all at once.
 */
export function planHandoffFiles(
  dir: string,
  generated: Map<string, string>,
  options: { force?: boolean } = {},
): HandoffFilePlan {
  const force = options.force === true;
  const absDir = resolve(dir);
  const plan: HandoffFilePlan = {
    dir: absDir,
    create: [],
    update: [],
    unchanged: [],
    remove: [],
    edited: [],
    userOwned: [],
    takenOver: [],
    conflicts: [],
    contents: new Map(),
    force,
    observed: new Map(),
    previousManifest: { files: new Map() },
  };
  for (const path of generated.keys()) checkRelativePath(path, 'The generated hand-off code');
  if (generated.has(HANDOFF_MANIFEST)) throw new Error(`the generator must not produce ${HANDOFF_MANIFEST}`);
  const exists = checkDir(absDir);
  const manifest = exists ? readHandoffManifest(absDir) : { files: new Map<string, string[]>() };
  plan.previousManifest = manifest;

  const paths = [...new Set([...generated.keys(), ...manifest.files.keys()])].sort();
  for (const path of paths) {
    const wanted = generated.get(path);
    checkParents(absDir, path.split('/'));
    const current = exists ? readOwnFile(absDir, path) : undefined;
    const digest = current === undefined ? undefined : sha256(current);
    plan.observed.set(path, digest);
    const accepted = manifest.files.get(path);

    if (current === undefined) {
      // Gone (deleted by the user, or removed before a kill): nothing to remove; write if generated.
      if (wanted !== undefined) {
        plan.create.push(path);
        plan.contents.set(path, wanted);
      }
      continue;
    }
    const ours = isTf(path) ? hasHandoffMarker(current) : accepted !== undefined;
    if (!ours) {
      if (isTf(path) && accepted !== undefined) plan.takenOver.push({ path });
      else if (wanted !== undefined) {
        plan.userOwned.push({
          path,
          hint: isTf(path)
            ? `${path} exists without awsorg's marker line, so it is yours and awsorg will not replace it; rename it (or move what it declares into another file) so awsorg can write its own ${path}`
            : `${path} exists and ${HANDOFF_MANIFEST} does not list it as awsorg's, so awsorg will not replace it; rename it, or if awsorg wrote it and the manifest was lost, delete it so awsorg writes it again`,
        });
      }
      continue;
    }
    if (wanted !== undefined && current === wanted) {
      plan.unchanged.push(path);
      continue;
    }
    const unedited = accepted !== undefined && digest !== undefined && accepted.includes(digest);
    if (!unedited) {
      const change =
        wanted === undefined
          ? 'awsorg no longer generates it and would delete it'
          : 'awsorg would overwrite it with newly generated code';
      const unrecorded =
        accepted === undefined ? ` (it carries awsorg's marker, but ${HANDOFF_MANIFEST} has no record of it)` : '';
      const hint = force
        ? `${path} was edited since awsorg wrote it${unrecorded}; --force: ${wanted === undefined ? 'deleting it' : 'regenerating it'}, the edits are lost`
        : isTf(path)
          ? `${path} was edited since awsorg wrote it${unrecorded}, and ${change}; drop the marker line to take it over, or rerun with --force to regenerate it`
          : `${path} was edited since awsorg wrote it, and ${change}; it has no marker line, so put the change in the blueprint (or in a file of your own) and rerun with --force to regenerate it`;
      plan.edited.push({ path, hint });
      if (!force) continue;
    }
    if (wanted === undefined) plan.remove.push(path);
    else {
      plan.update.push(path);
      plan.contents.set(path, wanted);
    }
  }
  if (exists) plan.conflicts = findConflicts(absDir, plan, generated);
  return plan;
}

/** Every problem in the plan, as one error (exit 2), or undefined when it can be written. */
export function handoffFileProblem(plan: HandoffFilePlan): AwsorgError | undefined {
  const problems = [
    ...plan.conflicts.map(
      (c) =>
        `${c.userFile} declares ${c.address}, which awsorg's ${c.generatedFile} declares too; Terraform refuses duplicates. Remove it from ${c.userFile} (awsorg's code manages and imports it), or choose another terraform.dir`,
    ),
    ...plan.userOwned.map((u) => u.hint),
    ...(plan.force ? [] : plan.edited.map((e) => e.hint)),
  ];
  return problems.length > 0 ? new HandoffFilesRefused(plan.dir, problems) : undefined;
}

/** The digests awsorg accepts once every file of the plan is written. */
function finalManifest(plan: HandoffFilePlan): Map<string, string[]> {
  const files = new Map<string, string[]>();
  for (const path of plan.unchanged) files.set(path, [plan.observed.get(path)!]);
  for (const [path, text] of plan.contents) files.set(path, [sha256(text)]);
  return files;
}

/**
 * The manifest while files are being written: the old digests of every file still to change are
 * accepted next to the new ones, so whichever of the two a kill leaves on disk is awsorg's.
 */
function pendingManifest(plan: HandoffFilePlan): Map<string, string[]> {
  const files = finalManifest(plan);
  for (const path of [...plan.update, ...plan.remove]) {
    files.set(path, [...(files.get(path) ?? []), ...(plan.previousManifest.files.get(path) ?? [])]);
  }
  return files;
}

export interface HandoffWritePhase {
  /** `manifest (pending)`, `write organization.tf`, `remove old.tf`, `manifest (final)`. */
  name: string;
  run(): void;
}

/**
 * The writes of a plan, in order: the pending manifest, each file (atomically), each removal,
 * the final manifest. Exposed so tests can stop after any of them, as a kill would.
 */
export function handoffWritePhases(plan: HandoffFilePlan): HandoffWritePhase[] {
  const problem = handoffFileProblem(plan);
  if (problem) throw problem;
  const dir = plan.dir;
  const manifestFile = join(dir, HANDOFF_MANIFEST);
  const writeManifest = (files: Map<string, string[]>) => {
    const text = renderHandoffManifest(files);
    if (readOwnFile(dir, HANDOFF_MANIFEST) !== text) writeFileAtomicSync(manifestFile, text, CODE_MODE);
  };
  /** The plan read this file; refuse to replace what changed since. */
  const stillAsPlanned = (path: string) => {
    const now = readOwnFile(dir, path);
    if ((now === undefined ? undefined : sha256(now)) !== plan.observed.get(path)) {
      throw new UsageError(
        `${join(dir, path)} changed while awsorg was preparing to write it`,
        'Nothing was overwritten; run the command again to plan from the current files.',
      );
    }
  };

  const phases: HandoffWritePhase[] = [];
  const changing = plan.create.length + plan.update.length + plan.remove.length > 0;
  if (changing) {
    phases.push({
      name: 'manifest (pending)',
      run: () => {
        mkdirSync(dir, { recursive: true, mode: DIR_MODE });
        checkDir(dir);
        writeManifest(pendingManifest(plan));
      },
    });
  }
  for (const path of [...plan.create, ...plan.update].sort()) {
    phases.push({
      name: `write ${path}`,
      run: () => {
        const parts = path.split('/');
        checkParents(dir, parts);
        if (parts.length > 1) {
          mkdirSync(join(dir, ...parts.slice(0, -1)), { recursive: true, mode: DIR_MODE });
          checkParents(dir, parts);
        }
        stillAsPlanned(path);
        writeFileAtomicSync(join(dir, path), plan.contents.get(path)!, CODE_MODE);
      },
    });
  }
  for (const path of plan.remove) {
    phases.push({
      name: `remove ${path}`,
      run: () => {
        checkParents(dir, path.split('/'));
        stillAsPlanned(path);
        unlinkSync(join(dir, path));
      },
    });
  }
  phases.push({
    name: 'manifest (final)',
    run: () => {
      if (!changing && !checkDir(dir)) mkdirSync(dir, { recursive: true, mode: DIR_MODE });
      writeManifest(finalManifest(plan));
    },
  });
  return phases;
}

/** Apply the plan. Refuses (the error handoffFileProblem gives) when it has a problem. */
export function writeHandoffFiles(plan: HandoffFilePlan): void {
  for (const phase of handoffWritePhases(plan)) phase.run();
}

// ---------------------------------------------------------------------------------------------
// Conflicts: addresses the user's own configuration declares that the generated code declares.

interface Declarations {
  resources: string[];
  imports: string[];
}

/**
 * A user's file that declares an address the generated code declares: the same resource twice,
 * the same import twice, or the user importing a resource awsorg declares. (The user declaring a
 * resource that awsorg only imports is what taking over a generated file looks like, and fine.)
 */
function findConflicts(
  dir: string,
  plan: HandoffFilePlan,
  generated: Map<string, string>,
): HandoffFilePlan['conflicts'] {
  const refused = new Set([...plan.userOwned, ...plan.takenOver].map((f) => f.path));
  const kept = new Set([...generated.keys()].filter((p) => !refused.has(p)));
  const generatedResources = new Map<string, string>();
  const generatedImports = new Map<string, string>();
  for (const path of [...kept].sort()) {
    if (path.includes('/') || !(isTf(path) || path.endsWith('.tf.json'))) continue;
    const found = declarations(path, generated.get(path)!);
    for (const a of found.resources) if (!generatedResources.has(a)) generatedResources.set(a, path);
    for (const a of found.imports) if (!generatedImports.has(a)) generatedImports.set(a, path);
  }
  const conflicts: HandoffFilePlan['conflicts'] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const name = entry.name;
    if (!(name.endsWith('.tf') || name.endsWith('.tf.json'))) continue;
    // Terraform skips editor leftovers, and override files amend declarations rather than add them.
    if (name.startsWith('.') || name.startsWith('#') || /(^|_)override\.tf(\.json)?$/.test(name)) continue;
    if (kept.has(name) || plan.remove.includes(name)) continue;
    const text = readConfigFile(join(dir, name));
    if (text === undefined) continue;
    if (name === BACKEND_FILE && isBackendOurs(text)) continue;
    const found = declarations(name, text);
    const seen = new Set<string>();
    const add = (address: string, generatedFile: string | undefined) => {
      if (generatedFile && !seen.has(address)) {
        seen.add(address);
        conflicts.push({ address, generatedFile, userFile: name });
      }
    };
    for (const a of found.resources) add(a, generatedResources.get(a));
    for (const a of found.imports) add(a, generatedImports.get(a) ?? generatedResources.get(a));
  }
  return conflicts;
}

/** A user's configuration file as Terraform reads it (links followed); not a regular file: skipped. */
function readConfigFile(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    // A dangling link: Terraform will say so itself.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : undefined;
  } finally {
    closeSync(fd);
  }
}

/** Resource addresses and import targets declared at the top level of one configuration file. */
export function declarations(name: string, text: string): Declarations {
  return name.endsWith('.json') ? jsonDeclarations(text) : hclDeclarations(text);
}

function hclDeclarations(text: string): Declarations {
  const code = stripHclComments(text);
  const out: Declarations = { resources: [], imports: [] };
  const label = String.raw`(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w-]*))`;
  const resourceHead = new RegExp(String.raw`^resource\s+${label}\s+${label}\s*\{`, 'y');
  const importHead = /^import\s*\{/y;
  let depth = 0;
  let lineStart = true;
  for (let i = 0; i < code.length; ) {
    const ch = code[i]!;
    if (depth === 0 && lineStart && /\S/.test(ch)) {
      const rest = code.slice(i);
      const resource = resourceHead.exec(rest);
      resourceHead.lastIndex = 0;
      if (resource) out.resources.push(`${resource[1] ?? resource[2]}.${resource[3] ?? resource[4]}`);
      const imported = importHead.exec(rest);
      importHead.lastIndex = 0;
      if (imported) {
        const bodyStart = i + imported[0].length;
        const to = topLevelAttribute(code.slice(bodyStart, closingBrace(code, bodyStart)), 'to');
        if (to) out.imports.push(to);
      }
    }
    if (ch === '"') {
      i = skipString(code, i);
      lineStart = false;
      continue;
    }
    if (ch === '<' && code[i + 1] === '<') {
      const heredoc = /^<<-?([A-Za-z_][\w-]*)[ \t]*\n/.exec(code.slice(i, i + 200));
      if (heredoc) {
        const end = new RegExp(String.raw`\n[ \t]*${heredoc[1]}[ \t]*(?=\n|$)`, 'g');
        end.lastIndex = i + heredoc[0].length - 1;
        const m = end.exec(code);
        i = m ? m.index + m[0].length : code.length;
        continue;
      }
    }
    if (ch === '{') depth++;
    else if (ch === '}') depth = Math.max(0, depth - 1);
    if (ch === '\n') lineStart = true;
    else if (!/[ \t\r]/.test(ch)) lineStart = false;
    i++;
  }
  return out;
}

/** Index just past the string literal starting at `start` (a `"`). */
function skipString(code: string, start: number): number {
  let i = start + 1;
  while (i < code.length && code[i] !== '"' && code[i] !== '\n') i += code[i] === '\\' ? 2 : 1;
  return i + 1;
}

function closingBrace(code: string, start: number): number {
  let depth = 1;
  for (let i = start; i < code.length; i++) {
    const ch = code[i];
    if (ch === '"') i = skipString(code, i) - 1;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return code.length;
}

/** The expression text of `name = expr` at the top level of a block body, spaces removed. */
function topLevelAttribute(body: string, name: string): string | undefined {
  let depth = 0;
  for (const line of body.split('\n')) {
    if (depth === 0) {
      const m = new RegExp(String.raw`^\s*${name}\s*=\s*(.+?)\s*$`).exec(line);
      if (m) return m[1]!.replace(/\s+/g, '');
    }
    for (const ch of line.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
      if (ch === '{' || ch === '[' || ch === '(') depth++;
      else if (ch === '}' || ch === ']' || ch === ')') depth--;
    }
  }
  return undefined;
}

function jsonDeclarations(text: string): Declarations {
  const out: Declarations = { resources: [], imports: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return out;
  }
  const list = (v: unknown): Array<Record<string, unknown>> =>
    (Array.isArray(v) ? v : [v]).filter(
      (x): x is Record<string, unknown> => Boolean(x) && typeof x === 'object' && !Array.isArray(x),
    );
  const root = list(parsed)[0] ?? {};
  for (const byType of list(root.resource)) {
    for (const [type, byName] of Object.entries(byType)) {
      for (const names of list(byName))
        for (const name of Object.keys(names))
          if (type !== '//' && name !== '//') out.resources.push(`${type}.${name}`);
    }
  }
  for (const block of list(root.import))
    if (typeof block.to === 'string') out.imports.push(block.to.replace(/\s+/g, ''));
  return out;
}
