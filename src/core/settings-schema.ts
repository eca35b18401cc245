/**
 * The shape of awsorg's settings file, checked field by field on every read. The file decides
 * which role is assumed, which accounts count as production and where console sign-ins send
 * session credentials, so a wrong value is refused (exit 2, naming the field and the fix) rather
 * than half-used. Node built-ins only, and cheap: `assume` reads the settings on every run.
 */
import type { ValidationIssue } from './errors.js';
import { closest } from './suggest.js';

export const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SSO_SESSION_NAME = /^[^\s[\]]+$/;

/**
 * The AWS sign-in (federation) hosts of each partition that awsorg knows. Console sign-in sends
 * a role session's secret key to this host, so nothing else may come from a file. Each also
 * answers under a Region prefix (us-east-1.signin.aws.amazon.com).
 */
export const SIGNIN_HOSTS: Readonly<Record<string, string>> = {
  aws: 'signin.aws.amazon.com',
  'aws-us-gov': 'signin.amazonaws-us-gov.com',
  'aws-cn': 'signin.amazonaws.cn',
};

/** Why `text` is not an https URL on an AWS sign-in host, or undefined when it is one. */
export function signinUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return `uses ${url.protocol.replace(/:$/, '')}, not https`;
  if (url.username || url.password) return 'carries a user name or password';
  if (url.port) return `names port ${url.port}`;
  const host = url.hostname.toLowerCase();
  const known = Object.values(SIGNIN_HOSTS).some(
    (h) => host === h || (host.endsWith(`.${h}`) && REGION_NAME.test(host.slice(0, -h.length - 1))),
  );
  return known ? undefined : `points at ${host}, which is not an AWS sign-in host`;
}

const KNOWN = [
  'aliases',
  'defaultRole',
  'sso',
  'production',
  'inventoryTtlMinutes',
  'sessionDurationSeconds',
  'federationUrl',
] as const;
const SSO_KNOWN = ['startUrl', 'region', 'sessionName', 'defaultRole'] as const;
const PRODUCTION_KNOWN = ['ouPatterns', 'tags'] as const;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every problem in a parsed settings document, with its field path (`production.ouPatterns[1]`).
 * An empty list means the document may be used. Absent fields are fine: defaults fill them.
 */
export function settingsIssues(raw: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (path: string, message: string, fix: string) => issues.push({ path, message, fix });
  if (!isObject(raw)) {
    add(
      '(top level)',
      `must be a JSON object, got ${kindOf(raw)}`,
      'write an object such as {"aliases": {}}, or delete the file to start from the defaults',
    );
    return issues;
  }
  unknownKeys(raw, '', KNOWN, add);

  if (raw.aliases !== undefined) {
    if (!isObject(raw.aliases))
      add(
        'aliases',
        `must be an object of alias name to account id, got ${kindOf(raw.aliases)}`,
        'write it as {"prod": "123456789012"}, or manage it with `awsorg alias set`',
      );
    else
      for (const [name, id] of Object.entries(raw.aliases)) {
        const path = `aliases.${name}`;
        if (!ALIAS_NAME.test(name))
          add(
            path,
            'is not a valid alias name',
            'start with a letter; use letters, digits, dot, dash or underscore (at most 64)',
          );
        if (typeof id !== 'string' || !ACCOUNT_ID.test(id))
          add(
            path,
            `must be a 12-digit account id in quotes, got ${kindOf(id)}`,
            'set it with `awsorg alias set NAME ACCOUNT_ID`',
          );
      }
  }

  if (raw.defaultRole !== undefined) roleName(raw.defaultRole, 'defaultRole', add);

  if (raw.sso !== undefined) {
    const sso = raw.sso;
    if (!isObject(sso))
      add(
        'sso',
        `must be an object, got ${kindOf(sso)}`,
        'remove it and sign in again with `awsorg login --sso --start-url URL --sso-region R`',
      );
    else {
      unknownKeys(sso, 'sso', SSO_KNOWN, add);
      if (typeof sso.startUrl !== 'string' || !/^https?:\/\/[^\s/]+\S*$/.test(sso.startUrl)) {
        add(
          'sso.startUrl',
          `must be the AWS access portal URL, got ${kindOf(sso.startUrl)}`,
          'write it like "https://d-1234567890.awsapps.com/start"',
        );
      }
      if (typeof sso.region !== 'string' || !REGION_NAME.test(sso.region))
        add('sso.region', `must be a region name, got ${kindOf(sso.region)}`, 'write it like "eu-west-1"');
      if (
        sso.sessionName !== undefined &&
        (typeof sso.sessionName !== 'string' || !SSO_SESSION_NAME.test(sso.sessionName))
      ) {
        add(
          'sso.sessionName',
          `must be an sso-session name without spaces or brackets, got ${kindOf(sso.sessionName)}`,
          'write it like "corp", or remove it',
        );
      }
      if (sso.defaultRole !== undefined) roleName(sso.defaultRole, 'sso.defaultRole', add);
    }
  }

  if (raw.production !== undefined) {
    const production = raw.production;
    if (!isObject(production))
      add(
        'production',
        `must be an object, got ${kindOf(production)}`,
        'write it as {"ouPatterns": ["^prod(uction)?$"], "tags": [{"key": "environment", "values": ["prod"]}]}',
      );
    else {
      unknownKeys(production, 'production', PRODUCTION_KNOWN, add);
      if (production.ouPatterns !== undefined) {
        if (!Array.isArray(production.ouPatterns))
          add(
            'production.ouPatterns',
            `must be a list of regular expressions, got ${kindOf(production.ouPatterns)}`,
            'write it as ["^prod(uction)?$"]',
          );
        else
          production.ouPatterns.forEach((pattern: unknown, i) => {
            const path = `production.ouPatterns[${i}]`;
            if (typeof pattern !== 'string' || pattern === '') {
              add(
                path,
                `must be a regular expression in a string, got ${kindOf(pattern)}`,
                'write it like "^prod(uction)?$"',
              );
              return;
            }
            try {
              new RegExp(pattern, 'i');
            } catch (err) {
              add(
                path,
                `is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`,
                'correct it (JavaScript syntax, matched case-insensitively against each OU name), e.g. "^prod(uction)?$"',
              );
            }
          });
      }
      if (production.tags !== undefined) {
        if (!Array.isArray(production.tags))
          add(
            'production.tags',
            `must be a list of {"key", "values"} rules, got ${kindOf(production.tags)}`,
            'write it as [{"key": "environment", "values": ["prod", "production"]}]',
          );
        else
          production.tags.forEach((rule: unknown, i) => {
            const path = `production.tags[${i}]`;
            if (!isObject(rule)) {
              add(
                path,
                `must be an object, got ${kindOf(rule)}`,
                'write it as {"key": "environment", "values": ["prod"]}',
              );
              return;
            }
            unknownKeys(rule, path, ['key', 'values'], add);
            if (typeof rule.key !== 'string' || rule.key === '')
              add(`${path}.key`, `must be a tag key, got ${kindOf(rule.key)}`, 'write it like "environment"');
            if (
              !Array.isArray(rule.values) ||
              rule.values.length === 0 ||
              rule.values.some((v) => typeof v !== 'string')
            ) {
              add(
                `${path}.values`,
                `must be a non-empty list of tag values, got ${kindOf(rule.values)}`,
                'write it like ["prod", "production"]',
              );
            }
          });
      }
    }
  }

  if (
    raw.inventoryTtlMinutes !== undefined &&
    (typeof raw.inventoryTtlMinutes !== 'number' ||
      !Number.isFinite(raw.inventoryTtlMinutes) ||
      raw.inventoryTtlMinutes < 0)
  ) {
    add(
      'inventoryTtlMinutes',
      `must be a number of minutes (0 or more), got ${kindOf(raw.inventoryTtlMinutes)}`,
      'write it like 1440 (a day)',
    );
  }
  if (
    raw.sessionDurationSeconds !== undefined &&
    (typeof raw.sessionDurationSeconds !== 'number' ||
      !Number.isInteger(raw.sessionDurationSeconds) ||
      raw.sessionDurationSeconds < 900 ||
      raw.sessionDurationSeconds > 43_200)
  ) {
    add(
      'sessionDurationSeconds',
      `must be a whole number of seconds from 900 to 43200 (what STS allows), got ${kindOf(raw.sessionDurationSeconds)}`,
      'write it like 3600',
    );
  }
  if (raw.federationUrl !== undefined) {
    const problem =
      typeof raw.federationUrl === 'string'
        ? signinUrlProblem(raw.federationUrl)
        : `is ${kindOf(raw.federationUrl)}, not a URL`;
    if (problem) {
      add(
        'federationUrl',
        `${problem}; console sign-in sends the session's secret key there, so only https on an AWS sign-in host is accepted`,
        `remove it (awsorg uses the partition's own endpoint), or use one of ${Object.values(SIGNIN_HOSTS)
          .map((h) => `https://${h}/federation`)
          .join(', ')}`,
      );
    }
  }
  return issues;
}

function roleName(value: unknown, path: string, add: (path: string, message: string, fix: string) => void): void {
  if (typeof value !== 'string' || !ROLE_NAME.test(value))
    add(
      path,
      `must be an IAM role name, got ${kindOf(value)}`,
      'write it like "OrganizationAccountAccessRole" (letters, digits and +=,.@_-, optionally with a path)',
    );
}

function unknownKeys(
  value: Record<string, unknown>,
  path: string,
  known: readonly string[],
  add: (path: string, message: string, fix: string) => void,
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    add(
      path ? `${path}.${key}` : key,
      'is not a setting awsorg knows',
      guess ? `did you mean "${guess}"?` : `remove it; the settings here are ${known.join(', ')}`,
    );
  }
}
