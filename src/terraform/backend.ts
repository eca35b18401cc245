/**
 * The `backend.tf` awsorg writes for the S3 backend, and what a Terraform directory already
 * declares. Pure: callers read the files and pass their text in.
 */
import type { LockKind } from '../core/blueprint.js';

export const BACKEND_FILE = 'backend.tf';

/** First line of every backend.tf awsorg writes; how a later run recognises its own file. */
export const BACKEND_MARKER =
  '# Written by awsorg (state migrate). Change the state backend in the blueprint, not here.';

export interface S3BackendSettings {
  bucket: string;
  key: string;
  region: string;
  lock: LockKind;
  /** DynamoDB lock table; required when lock is `dynamodb` or `both`. */
  table?: string;
  /** `aws:kms`, `AES256`, or a KMS key ARN (default AES256). */
  encryption?: string;
  /**
   * Role Terraform assumes to reach the bucket and table when they live in another account than
   * the caller's (a member account's OrganizationAccountAccessRole, for one).
   */
  roleArn?: string;
}

/** A KMS key or alias ARN, which Terraform takes as `kms_key_id`. */
export function kmsKeyArn(encryption: string | undefined): string | undefined {
  return encryption && /^arn:aws[a-z-]*:kms:/.test(encryption) ? encryption : undefined;
}

export function usesLockfile(lock: LockKind): boolean {
  return lock === 'lockfile' || lock === 'both';
}

export function usesDynamoDb(lock: LockKind): boolean {
  return lock === 'dynamodb' || lock === 'both';
}

/** An HCL string literal: quotes, backslashes, control characters and template openers escaped. */
export function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/\$\{/g, '$${')
    .replace(/%\{/g, '%%{');
  return `"${escaped}"`;
}

/**
 * The backend.tf text, laid out the way `terraform fmt` lays it out (two-space indents, `=`
 * aligned within the block), so that `terraform fmt -check` passes on it.
 */
export function renderBackend(settings: S3BackendSettings): string {
  if (usesDynamoDb(settings.lock) && !settings.table) {
    throw new Error(`lock "${settings.lock}" needs a DynamoDB table name`);
  }
  const kms = kmsKeyArn(settings.encryption);
  // Terraform 1.11 deprecates dynamodb_table in favour of use_lockfile but still honours it;
  // it is kept because it is the lock the operator chose.
  const attributes: Array<[string, string]> = [
    ['bucket', hclString(settings.bucket)],
    ['key', hclString(settings.key)],
    ['region', hclString(settings.region)],
    ['encrypt', 'true'],
    ...(kms ? [['kms_key_id', hclString(kms)] as [string, string]] : []),
    ...(usesLockfile(settings.lock) ? [['use_lockfile', 'true'] as [string, string]] : []),
    ...(usesDynamoDb(settings.lock) ? [['dynamodb_table', hclString(settings.table ?? '')] as [string, string]] : []),
  ];
  const width = Math.max(...attributes.map(([name]) => name.length));
  return [
    BACKEND_MARKER,
    'terraform {',
    '  backend "s3" {',
    ...attributes.map(([name, value]) => `    ${name.padEnd(width)} = ${value}`),
    // An object attribute, as the S3 backend documents it: Terraform 1.11 silently ignores an
    // `assume_role { }` block written in block syntax and would then use the caller's account.
    ...(settings.roleArn ? ['    assume_role = {', `      role_arn = ${hclString(settings.roleArn)}`, '    }'] : []),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The lock an S3 backend declaration uses, from its literal attributes. */
export function declaredLock(attributes: Record<string, string>): LockKind | 'none' {
  const lockfile = attributes.use_lockfile === 'true';
  const table = Boolean(attributes.dynamodb_table);
  return lockfile && table ? 'both' : lockfile ? 'lockfile' : table ? 'dynamodb' : 'none';
}

/** Whether a declared S3 backend keeps the state in the same object as `settings`. */
export function sameStateLocation(declared: DeclaredBackend, settings: S3BackendSettings): boolean {
  const a = declared.attributes;
  return (
    declared.type === 's3' &&
    a.bucket === settings.bucket &&
    a.key === settings.key &&
    (a.region ?? settings.region) === settings.region
  );
}

/**
 * What differs between a declared S3 backend at the same location and the wanted settings, in
 * words for a plan: `lock lockfile (was dynamodb)`, `assume_role arn:... (was none)`.
 */
export function describeBackendChange(declared: DeclaredBackend, settings: S3BackendSettings): string[] {
  const a = declared.attributes;
  const changes: string[] = [];
  const was = declaredLock(a);
  if (was !== settings.lock) changes.push(`lock ${settings.lock} (was ${was})`);
  else if (usesDynamoDb(settings.lock) && a.dynamodb_table !== settings.table)
    changes.push(`lock table ${settings.table} (was ${a.dynamodb_table})`);
  const role = a['assume_role.role_arn'];
  if (role !== settings.roleArn) changes.push(`assume_role ${settings.roleArn ?? 'none'} (was ${role ?? 'none'})`);
  if ((a.kms_key_id ?? undefined) !== kmsKeyArn(settings.encryption))
    changes.push(`kms_key_id ${kmsKeyArn(settings.encryption) ?? 'none'} (was ${a.kms_key_id ?? 'none'})`);
  return changes.length > 0 ? changes : ['backend.tf layout'];
}

/** A `backend "TYPE" { ... }` (or `cloud { ... }`) block found in a configuration file. */
export interface DeclaredBackend {
  file: string;
  /** Backend type (`s3`, `local`, ...) or `cloud` for an HCP Terraform `cloud` block. */
  type: string;
  /** Attributes with literal values (strings, booleans, numbers); others are left out. */
  attributes: Record<string, string>;
}

export interface ConfigFile {
  /** File name inside the directory, e.g. `main.tf`. */
  name: string;
  text: string;
}

export type BackendDeclaration =
  /** No file declares a backend: awsorg writes backend.tf. */
  | { kind: 'none' }
  /**
   * awsorg's backend.tf is there with the wanted settings: exactly as awsorg writes it, or with
   * the user's additions (then `declared` is set, for its workspace_key_prefix).
   */
  | { kind: 'ours-current'; declared?: DeclaredBackend }
  /** awsorg's backend.tf is there but for other settings (an earlier run with other flags). */
  | { kind: 'ours-outdated'; declared: DeclaredBackend }
  /** The operator declares the same S3 bucket, key and region: use it and write nothing. */
  | { kind: 'operator-matching'; declared: DeclaredBackend }
  /**
   * Something awsorg must not override. `edited`: awsorg's own backend.tf, for other settings,
   * with the user's additions, which a rewrite would lose.
   */
  | { kind: 'conflict'; reason: string; declared?: DeclaredBackend; edited?: boolean };

/**
 * What the directory's *.tf / *.tf.json files declare, compared with the backend awsorg wants.
 * `files` are the configuration files of the directory (not sub-directories: modules do not
 * declare backends).
 */
export function inspectBackendDeclarations(files: ConfigFile[], settings: S3BackendSettings): BackendDeclaration {
  const wanted = renderBackend(settings);
  const declared = files.flatMap((f) => findBackendBlocks(f));
  const ownFile = files.find((f) => f.name === BACKEND_FILE);
  const ours = ownFile !== undefined && isOurs(ownFile.text);
  const others = declared.filter((d) => !(ours && d.file === BACKEND_FILE));

  if (others.length > 1) {
    return {
      kind: 'conflict',
      reason: `backends are declared in ${others.map((d) => d.file).join(' and ')}; Terraform allows only one`,
    };
  }
  const other = others[0];
  if (other) {
    if (ours) {
      return {
        kind: 'conflict',
        declared: other,
        reason: `${other.file} declares backend "${other.type}" and awsorg's ${BACKEND_FILE} declares another; Terraform allows only one`,
      };
    }
    if (
      other.type === 's3' &&
      other.attributes.bucket === settings.bucket &&
      other.attributes.key === settings.key &&
      (other.attributes.region ?? settings.region) === settings.region
    ) {
      return { kind: 'operator-matching', declared: other };
    }
    const where = other.type === 's3' ? ` (s3://${other.attributes.bucket ?? '?'}/${other.attributes.key ?? '?'})` : '';
    return {
      kind: 'conflict',
      declared: other,
      reason: `${other.file} already declares ${other.type === 'cloud' ? 'a `cloud` block' : `backend "${other.type}"`}${where}, not s3://${settings.bucket}/${settings.key}`,
    };
  }
  if (ownFile && !ours) {
    return {
      kind: 'conflict',
      reason: `${BACKEND_FILE} exists and was not written by awsorg (it has no awsorg marker line)`,
    };
  }
  if (ownFile) {
    if (normalize(ownFile.text) === normalize(wanted)) return { kind: 'ours-current' };
    const own = declared.find((d) => d.file === BACKEND_FILE) ?? { file: BACKEND_FILE, type: 's3', attributes: {} };
    const ownSettings = settingsOf(own);
    if (ownSettings && loose(renderBackend(ownSettings)) === loose(wanted))
      return { kind: 'ours-current', declared: own };
    // Rewriting drops whatever is not one of awsorg's own settings: a workspace_key_prefix (which
    // would orphan every non-default workspace's state), a profile, a required_version, comments.
    if (!ownSettings || loose(ownFile.text) !== loose(renderBackend(ownSettings))) {
      return {
        kind: 'conflict',
        declared: own,
        edited: true,
        reason:
          `${BACKEND_FILE} was written by awsorg but has been edited since, and rewriting it for the new settings would lose those edits ` +
          `(${describeBackendChange(own, settings).join(', ')})`,
      };
    }
    return { kind: 'ours-outdated', declared: own };
  }
  return { kind: 'none' };
}

export function isOurs(text: string): boolean {
  return text.replace(/^\uFEFF/, '').startsWith(BACKEND_MARKER);
}

function normalize(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trimEnd();
}

/** Text compared with spacing aside (terraform fmt realigns the `=`), and without a BOM. */
function loose(text: string): string {
  return normalize(text.replace(/^\uFEFF/, ''))
    .replace(/[ \t]+/g, ' ')
    .replace(/^ /gm, '');
}

/** The settings renderBackend would take to write this declaration, when it has all of them. */
function settingsOf(declared: DeclaredBackend): S3BackendSettings | undefined {
  const a = declared.attributes;
  const lock = declaredLock(a);
  if (declared.type !== 's3' || lock === 'none' || !a.bucket || !a.key || !a.region) return undefined;
  if (usesDynamoDb(lock) !== Boolean(a.dynamodb_table)) return undefined;
  return {
    bucket: a.bucket,
    key: a.key,
    region: a.region,
    lock,
    ...(a.dynamodb_table ? { table: a.dynamodb_table } : {}),
    ...(a.kms_key_id ? { encryption: a.kms_key_id } : {}),
    ...(a['assume_role.role_arn'] ? { roleArn: a['assume_role.role_arn'] } : {}),
  };
}

/** The backend / cloud blocks of one file. */
export function findBackendBlocks(file: ConfigFile): DeclaredBackend[] {
  return file.name.endsWith('.json') ? findInJson(file) : findInHcl(file);
}

/** Backend and cloud blocks only count inside a top-level `terraform { }` block. */
function findInHcl(file: ConfigFile): DeclaredBackend[] {
  const code = stripHclComments(file.text);
  const found: DeclaredBackend[] = [];
  for (const settings of blocks(code, /(^|\n)[ \t]*terraform\s*\{/g)) {
    for (const block of blocks(settings.body, /(^|[\s{])(?:backend\s+"([^"]+)"|cloud)\s*\{/g)) {
      const attributes = literalAttributes(block.body);
      // The role awsorg writes as `assume_role = { role_arn = "..." }`, one level down.
      const role = /(?:^|\n)[ \t]*assume_role\s*=?\s*\{[^}]*?\brole_arn\s*=\s*("(?:[^"\\]|\\.)*")/.exec(block.body);
      if (role) attributes['assume_role.role_arn'] = unquote(role[1]!);
      found.push({ file: file.name, type: block.match[2] ?? 'cloud', attributes });
    }
  }
  return found;
}

/** Each match of `opener` (which ends at a `{`) with the body up to its closing brace. */
function blocks(code: string, opener: RegExp): Array<{ match: RegExpExecArray; body: string }> {
  const out: Array<{ match: RegExpExecArray; body: string }> = [];
  for (let m = opener.exec(code); m; m = opener.exec(code)) {
    const bodyStart = m.index + m[0].length;
    const bodyEnd = matchingBrace(code, bodyStart);
    out.push({ match: m, body: code.slice(bodyStart, bodyEnd) });
    opener.lastIndex = bodyEnd;
  }
  return out;
}

function findInJson(file: ConfigFile): DeclaredBackend[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.text);
  } catch {
    return [];
  }
  const found: DeclaredBackend[] = [];
  const blocks = Array.isArray((parsed as { terraform?: unknown })?.terraform)
    ? (parsed as { terraform: unknown[] }).terraform
    : [(parsed as { terraform?: unknown })?.terraform];
  for (const block of blocks) {
    if (!block || typeof block !== 'object') continue;
    const { backend, cloud } = block as { backend?: unknown; cloud?: unknown };
    if (cloud) found.push({ file: file.name, type: 'cloud', attributes: {} });
    for (const entry of Array.isArray(backend) ? backend : [backend]) {
      if (!entry || typeof entry !== 'object') continue;
      for (const [type, config] of Object.entries(entry as Record<string, unknown>)) {
        const attributes: Record<string, string> = {};
        for (const [k, v] of Object.entries((config ?? {}) as Record<string, unknown>)) {
          if (['string', 'number', 'boolean'].includes(typeof v)) attributes[k] = String(v);
        }
        found.push({ file: file.name, type, attributes });
      }
    }
  }
  return found;
}

/** `name = "literal"` / `name = true` / `name = 3` at the top level of a block body. */
function literalAttributes(body: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  let depth = 0;
  for (const line of body.split('\n')) {
    if (depth === 0) {
      const m = /^\s*([A-Za-z_][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?)\s*,?\s*$/.exec(line);
      if (m) attributes[m[1]!] = m[2]!.startsWith('"') ? unquote(m[2]!) : m[2]!;
    }
    for (const ch of line.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') depth--;
    }
  }
  return attributes;
}

function unquote(literal: string): string {
  return literal
    .slice(1, -1)
    .replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c as 'n' | 'r' | 't'] ?? c)
    .replace(/\$\$\{/g, '${')
    .replace(/%%\{/g, '%{');
}

/** Index of the `}` closing the block whose body starts at `start` (or the end of the text). */
function matchingBrace(code: string, start: number): number {
  let depth = 1;
  let inString = false;
  for (let i = start; i < code.length; i++) {
    const ch = code[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return code.length;
}

/** HCL with `#`, `//` and `/* *\/` comments blanked out; strings are left as they are. */
export function stripHclComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const next = text[i + 1];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (ch === '#' || (ch === '/' && next === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
