/** Small helpers shared by the bootstrap steps. */
import { forEachLimited } from '../aws/rate-limit.js';
import { AwsCallError } from '../core/errors.js';
import { AWSORG_TAG_KEY, AWSORG_TAG_VALUE } from '../policies/tags.js';

/** Collect every page of a paginated AWS list call. */
export async function paginate<T>(
  fetchPage: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    all.push(...(page.items ?? []));
    token = page.next;
  } while (token);
  return all;
}

/** True when `err` is an AWS error with one of these codes. */
export function isAwsError(err: unknown, ...codes: string[]): err is AwsCallError {
  return err instanceof AwsCallError && codes.includes(err.code);
}

/** Return undefined instead of throwing for the "does not exist" codes of a read call. */
export async function unlessMissing<T>(call: () => Promise<T>, ...codes: string[]): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isAwsError(err, ...codes)) return undefined;
    throw err;
  }
}

/** JSON with object keys sorted at every level, so equal documents compare equal as text. */
export function canonicalJson(value: unknown, indent = 2): string {
  return JSON.stringify(sortKeys(value), null, indent);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as Record<string, unknown>)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * IAM and Organizations hand policy documents back re-serialised (sometimes URL-encoded,
 * single values instead of one-element lists). Normalise both sides before comparing.
 */
export function normalizePolicy(document: unknown): unknown {
  const doc = typeof document === 'string' ? JSON.parse(maybeDecode(document)) : document;
  return normalizeValue(doc);
}

function normalizeValue(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalizeValue);
    return items.length === 1 ? items[0] : items;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, normalizeValue(v)]));
  }
  return value;
}

function maybeDecode(text: string): string {
  return text.trimStart().startsWith('%7B') || text.trimStart().startsWith('%7b') ? decodeURIComponent(text) : text;
}

export function samePolicy(a: unknown, b: unknown): boolean {
  return canonicalJson(normalizePolicy(a)) === canonicalJson(normalizePolicy(b));
}

/**
 * A line diff of two policy documents (pretty, keys sorted), in unified style without hunks:
 * every line is shown, prefixed with "+ ", "- " or "  ".
 */
export function policyDiff(before: unknown, after: unknown): string {
  const a =
    before === undefined
      ? []
      : canonicalJson(typeof before === 'string' ? JSON.parse(maybeDecode(before)) : before).split('\n');
  const b =
    after === undefined
      ? []
      : canonicalJson(typeof after === 'string' ? JSON.parse(maybeDecode(after)) : after).split('\n');
  return lineDiff(a, b).join('\n');
}

export function lineDiff(a: string[], b: string[]): string[] {
  // Longest common subsequence table; policy documents are small.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < b.length && (i >= a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j]}`);
      j++;
    } else {
      out.push(`- ${a[i]}`);
      i++;
    }
  }
  return out;
}

export { AWSORG_TAG_KEY, AWSORG_TAG_VALUE };
export const awsorgTags = (extra: Record<string, string> = {}) => [
  { Key: AWSORG_TAG_KEY, Value: AWSORG_TAG_VALUE },
  ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value })),
];

export function partitionOf(arn: string | undefined): string {
  return arn?.split(':')[1] || 'aws';
}

/** Run `work` over `items` with at most `limit` in flight; the first failure is rethrown after the rest settle. */
export function mapLimit<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  return forEachLimited(items, limit, work);
}
