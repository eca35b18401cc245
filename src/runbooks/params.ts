/**
 * Runbook parameters: validation by kind (pure), and the `{{name}}` templates steps use to pin
 * their account, role and region. Bad input is a UsageError naming the flag and the fix, raised
 * before any AWS call.
 */
import { UsageError } from '../core/errors.js';
import type { ParamKind, ParamSpec, Runbook } from './types.js';

const CHECKS: Record<ParamKind, { test: (v: string) => boolean; form: string }> = {
  // Accounts are resolved against the inventory later (alias, id or name).
  account: { test: (v) => v.trim().length > 0, form: 'an account alias, 12-digit id or name' },
  'role-name': {
    test: (v) => /^[\w+=,.@-]{1,64}$/.test(v),
    form: 'an IAM role name (letters, digits and +=,.@_-, up to 64 characters), without its path',
  },
  'user-name': {
    test: (v) => /^[\w+=,.@-]{1,64}$/.test(v),
    form: 'an IAM user name (letters, digits and +=,.@_-, up to 64 characters)',
  },
  'access-key-id': {
    test: (v) => /^(AKIA|ASIA)[A-Z0-9]{12,124}$/.test(v),
    form: 'an access key id such as AKIAIOSFODNN7EXAMPLE (AKIA… or ASIA…, upper-case letters and digits)',
  },
  bucket: {
    test: (v) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) && !/\.\.|^\d+\.\d+\.\d+\.\d+$/.test(v),
    form: 'an S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)',
  },
  arn: {
    test: (v) => /^arn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:.+$/.test(v),
    form: 'an ARN such as arn:aws:iam::123456789012:role/Name',
  },
  text: { test: (v) => v.trim().length > 0 && v.length <= 256, form: 'text of 1-256 characters' },
  'mfa-code': { test: (v) => /^\d{6}$/.test(v), form: 'the 6-digit code from the MFA device' },
};

export function checkParam(spec: ParamSpec, value: string): void {
  const check = CHECKS[spec.kind];
  if (!check.test(value)) {
    throw new UsageError(
      `--${spec.name} ${spec.secret ? '(hidden)' : `"${value}"`} is not ${check.form}`,
      `Pass --${spec.name} as ${check.form}.`,
    );
  }
}

/** Raw flag values -> parameter values with defaults, each checked by kind. Accounts are not resolved here. */
export function validateParams(
  runbook: Runbook,
  raw: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const known = new Set(runbook.params.map((p) => p.name));
  for (const name of Object.keys(raw)) {
    if (!known.has(name)) {
      const list = runbook.params.map((p) => `--${p.name}`).join(', ') || 'none';
      throw new UsageError(
        `${runbook.id} has no parameter --${name}`,
        `Its parameters are: ${list} (see \`awsorg runbook show ${runbook.id}\`).`,
      );
    }
  }
  const values: Record<string, string> = {};
  for (const spec of runbook.params) {
    const value = raw[spec.name] ?? spec.default;
    if (value === undefined || value === '') {
      if (spec.required && spec.kind !== 'mfa-code') {
        throw new UsageError(
          `${runbook.id} needs --${spec.name}: ${spec.description}`,
          `Pass --${spec.name} VALUE (see \`awsorg runbook show ${runbook.id}\`).`,
        );
      }
      continue;
    }
    checkParam(spec, value);
    values[spec.name] = value;
  }
  return values;
}

const TEMPLATE = /\{\{\s*([\w-]+)\s*\}\}/g;

/** The names a template refers to. */
export function templateNames(text: string): string[] {
  return [...text.matchAll(TEMPLATE)].map((m) => m[1]!);
}

/** Fill `{{name}}` from values; undefined when a value is not known yet (it comes from an earlier step). */
export function fillTemplate(text: string, values: Readonly<Record<string, string | undefined>>): string | undefined {
  let missing = false;
  const out = text.replace(TEMPLATE, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}
