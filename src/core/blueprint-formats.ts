/**
 * Single-field format rules of the blueprint (emails, account and bucket names, placeholders,
 * control characters). The schema (blueprint-schema.ts) runs them as checks; the wizard calls
 * them one input at a time.
 */

/** A field problem without its path, for callers (the wizard) that validate one input at a time. */
export interface FieldProblem {
  message: string;
  fix: string;
}

// ---------------------------------------------------------------------------------------------
// Control characters

/**
 * C0 and C1 controls (ESC, BEL, newline, tab, backspace, CSI...), and the bidirectional overrides
 * and isolates that reorder what a terminal shows. No blueprint value needs one; in a name they
 * reach AWS (which stores an OU name as given) and, from there, every operator's terminal.
 */
export const TERMINAL_CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
export const TERMINAL_CONTROLS = new RegExp(TERMINAL_CONTROL.source, 'g');

/** `text` with every control character written out visibly: `\x1b`, `\n`, `\u202e`. */
export function visibleText(text: string): string {
  return text.replace(TERMINAL_CONTROLS, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\t') return '\\t';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Placeholders

/**
 * Domains reserved for documentation and tests (RFC 2606, RFC 6761): no mail is ever delivered
 * there, so an account created with such an address has a root user nobody can recover.
 */
const PLACEHOLDER_DOMAIN = /(^|\.)(example\.(com|net|org)|[^.]+\.(example|test|invalid|localhost))$/i;
const PLACEHOLDER_NAME = /change-?me/i;

/** Why `value` (at a field whose path ends in `field`) is a placeholder, or undefined. */
export function placeholderProblem(value: string, field: string): FieldProblem | undefined {
  if (PLACEHOLDER_NAME.test(value)) {
    return {
      message: `'${visibleText(value)}' is a placeholder (it says change-me)`,
      fix: `replace it with a name of your own${/bucket$/i.test(field) ? ' (bucket names are global: add your organization, e.g. acme-tfstate)' : ''}`,
    };
  }
  const domain = /^email$/i.test(field) ? value.slice(value.lastIndexOf('@') + 1) : '';
  if (domain && PLACEHOLDER_DOMAIN.test(domain)) {
    return {
      message: `'${visibleText(value)}' is a placeholder: ${domain} is reserved for examples and receives no mail, so nobody could recover the account's root user`,
      fix: `use a mailbox you own, e.g. ${visibleText(value.slice(0, value.lastIndexOf('@')))}@your-company.com`,
    };
  }
  return undefined;
}

/** Every placeholder value in the document, by path. */
export function findPlaceholders(value: unknown, path = ''): Array<{ path: string; problem: FieldProblem }> {
  if (typeof value === 'string') {
    const field = /(?:^|\.)([^.[\]]+)$/.exec(path)?.[1] ?? '';
    const problem = placeholderProblem(value, field);
    return problem ? [{ path, problem }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, i) => findPlaceholders(item, `${path}[${i}]`));
  if (isPlainObject(value))
    return Object.entries(value).flatMap(([key, item]) => findPlaceholders(item, at(path, key)));
  return [];
}

// ---------------------------------------------------------------------------------------------
// Single-field rules, exported for the wizard's inputs

export function emailProblem(email: string): FieldProblem | undefined {
  const fix = 'use an address like name+account@example.com';
  if (/\s/.test(email)) return { message: `'${visibleText(email)}' contains whitespace`, fix };
  if (email.length < 6 || email.length > 64) {
    return { message: `'${visibleText(email)}' is ${email.length} characters; AWS accepts 6 to 64`, fix };
  }
  const at = email.split('@');
  if (at.length !== 2)
    return { message: `'${visibleText(email)}' must contain exactly one '@', found ${at.length - 1}`, fix };
  const [local = '', domain = ''] = at;
  if (local === '') return { message: `'${visibleText(email)}' has nothing before the '@'`, fix };
  if (!domain.includes('.'))
    return { message: `'${visibleText(email)}' has no dot in its domain`, fix: 'use an address like name@example.com' };
  if (domain.startsWith('.') || domain.endsWith('.') || domain.includes('..')) {
    return { message: `'${visibleText(email)}' has an empty label in its domain '${domain}'`, fix };
  }
  return undefined;
}

export function accountNameProblem(name: string): FieldProblem | undefined {
  if (name.length < 1 || name.length > 50) {
    return {
      message: `'${visibleText(name)}' is ${name.length} characters; account names are 1 to 50`,
      fix: 'shorten the name',
    };
  }
  if (!/^[\x20-\x7E]+$/.test(name)) {
    return {
      message: `'${visibleText(name)}' contains characters outside printable ASCII`,
      fix: 'use letters, digits, spaces and ASCII punctuation only',
    };
  }
  return undefined;
}

/** The S3 general purpose bucket naming rules, including the reserved prefixes and suffixes. */
export function bucketNameProblem(bucket: string): FieldProblem | undefined {
  const fault = bucketNameFault(bucket);
  if (!fault) return undefined;
  // Only a name that passes these same rules is ever suggested.
  const suggestion = bucketNameSuggestion(bucket);
  const fix =
    suggestion === undefined
      ? (fault.fix ?? 'use 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit')
      : fault.fix
        ? `${fault.fix}, e.g. '${suggestion}'`
        : `use a name like '${suggestion}'`;
  return { message: fault.message, fix };
}

const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

function bucketNameFault(bucket: string): { message: string; fix?: string } | undefined {
  if (bucket.length < 3 || bucket.length > 63)
    return { message: `'${visibleText(bucket)}' is ${bucket.length} characters; bucket names are 3 to 63` };
  if (/[A-Z]/.test(bucket)) return { message: `'${visibleText(bucket)}' contains uppercase letters` };
  if (bucket.includes('_')) return { message: `'${visibleText(bucket)}' contains an underscore` };
  if (!/^[a-z0-9.-]+$/.test(bucket))
    return {
      message: `'${visibleText(bucket)}' contains characters other than lowercase letters, digits, '.' and '-'`,
    };
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket))
    return { message: `'${visibleText(bucket)}' must start and end with a letter or digit` };
  if (bucket.includes('..')) return { message: `'${visibleText(bucket)}' contains two adjacent periods` };
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket))
    return {
      message: `'${visibleText(bucket)}' is formatted as an IP address`,
      fix: 'use a name made of words, e.g. acme-tfstate',
    };
  for (const prefix of RESERVED_BUCKET_PREFIXES) {
    if (bucket.startsWith(prefix))
      return {
        message: `'${visibleText(bucket)}' starts with '${prefix}', a prefix S3 reserves`,
        fix: `drop the '${prefix}' prefix`,
      };
  }
  for (const suffix of RESERVED_BUCKET_SUFFIXES) {
    if (bucket.endsWith(suffix))
      return {
        message: `'${visibleText(bucket)}' ends with '${suffix}', a suffix S3 reserves`,
        fix: `drop the '${suffix}' suffix`,
      };
  }
  return undefined;
}

/**
 * A valid bucket name close to `bucket`, or undefined when none can be made from it: lowercased,
 * other characters as '-', runs of periods (and hyphens next to a period) as one period, reserved
 * prefixes and suffixes dropped, the ends trimmed to a letter or digit, at most 63 characters.
 * An IP-address shape gets no suggestion: a name of words is the fix.
 */
export function bucketNameSuggestion(bucket: string): string | undefined {
  let name = bucket
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/[.-]*\.[.-]*/g, '.');
  for (let previous = ''; previous !== name; ) {
    previous = name;
    name = name.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
    for (const prefix of RESERVED_BUCKET_PREFIXES) if (name.startsWith(prefix)) name = name.slice(prefix.length);
    for (const suffix of RESERVED_BUCKET_SUFFIXES) if (name.endsWith(suffix)) name = name.slice(0, -suffix.length);
    if (name.length > 63) name = name.slice(0, 63);
  }
  return name !== bucket && bucketNameFault(name) === undefined ? name : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function at(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text '${value}'`;
  if (typeof value === 'number') return `the number ${value}`;
  return String(value);
}
