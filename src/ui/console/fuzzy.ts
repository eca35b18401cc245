/**
 * The console's fuzzy filter over name, alias, id, OU path, tags (key=value) and email. Pure.
 *
 * Each whitespace-separated term must match some field, either as a substring or as a
 * subsequence ("stg" finds "staging"). Three rules keep a short query to the accounts it means:
 * - An email is searched only before its @, unless the term has an @ itself ("ops@",
 *   "@example.com"): every account of an organization usually shares one domain, and "sec"
 *   would otherwise find all of them in "aws+…@example.com".
 * - Fields rank in classes: a match in a name, alias or id outranks any match in an OU path or a
 *   tag, which outranks any match in an email. Within a class, a match at the start of a field
 *   beats one at the start of a word, which beats consecutive characters elsewhere.
 * - Letters scattered through a field (a subsequence) count only when no account has every
 *   term as a substring: "sec" finds the Security OU's accounts, not "Shared Services"; "lgar"
 *   still finds "Log Archive".
 */
import { SEARCH_FIELDS, type ConsoleAccount, type SearchField } from './model.js';

export interface Match {
  /** Index into the model's accounts. */
  index: number;
  score: number;
  /** The field the first term matched best, shown so a match by email or tag is not a mystery. */
  field: SearchField;
  /** Every term is a substring of some field (see filterAccounts). */
  exact: boolean;
}

/** The class of a field: any match in a higher class outranks every match in a lower one. */
const FIELD_CLASS: Record<SearchField, number> = { name: 2, alias: 2, id: 2, ouPath: 1, tag: 1, email: 0 };
const FIELD_WEIGHT: Record<SearchField, number> = { name: 1, alias: 1, id: 0.9, ouPath: 1, tag: 1, email: 1 };
/** Above any one term's score in a field, so the class decides first. */
const CLASS_STEP = 1_000_000;

/** The text a term is matched against: an email only before its @ unless the term has one. */
function fieldText(entry: ConsoleAccount, field: SearchField, term: string): string {
  const text = entry.haystack[field];
  if (field !== 'email' || term.includes('@')) return text;
  const at = text.lastIndexOf('@');
  return at < 0 ? text : text.slice(0, at);
}

function isWordStart(text: string, at: number): boolean {
  if (at === 0) return true;
  const before = text.charCodeAt(at - 1);
  // space - _ / . @ = :
  return (
    before === 32 ||
    before === 45 ||
    before === 95 ||
    before === 47 ||
    before === 46 ||
    before === 64 ||
    before === 61 ||
    before === 58
  );
}

/** Score of one lowercase term in one lowercase field; 0 when it does not match. */
export function scoreText(term: string, text: string): number {
  if (term.length === 0) return 1;
  if (term.length > text.length) return 0;
  const at = text.indexOf(term);
  if (at >= 0) {
    let score = 100 + term.length * 10;
    if (at === 0) score += text.length === term.length ? 100 : 60;
    else if (isWordStart(text, at)) score += 30;
    return score - Math.min(at, 20);
  }
  let score = 0;
  let t = 0;
  let previous = -2;
  let first = -1;
  for (let i = 0; i < text.length && t < term.length; i++) {
    if (text.charCodeAt(i) !== term.charCodeAt(t)) continue;
    if (first < 0) first = i;
    score += 10;
    if (i === previous + 1) score += 8;
    if (isWordStart(text, i)) score += 12;
    previous = i;
    t++;
  }
  if (t < term.length) return 0;
  const gaps = previous - first + 1 - term.length;
  return Math.max(1, Math.round(score * 0.8) - Math.min(gaps, 30) - Math.min(first, 10));
}

/**
 * The account's score for the query's terms (all must match), or undefined when one does not.
 * For each term a substring match is taken over a subsequence in any field; `exact` says every
 * term had one.
 */
export function scoreAccount(
  terms: readonly string[],
  entry: ConsoleAccount,
): { score: number; field: SearchField; exact: boolean } | undefined {
  let total = 0;
  let firstField: SearchField = 'name';
  let exact = true;
  for (let n = 0; n < terms.length; n++) {
    const term = terms[n]!;
    let best = 0;
    let bestField: SearchField = 'name';
    let bestExact = false;
    for (const field of SEARCH_FIELDS) {
      const text = fieldText(entry, field, term);
      const raw = scoreText(term, text);
      if (raw === 0) continue;
      const isExact = text.includes(term);
      if (bestExact && !isExact) continue;
      const weighted = FIELD_CLASS[field] * CLASS_STEP + Math.min(raw * FIELD_WEIGHT[field], CLASS_STEP - 1);
      if (weighted > best || (isExact && !bestExact)) {
        best = weighted;
        bestField = field;
        bestExact = isExact;
      }
    }
    if (best === 0) return undefined;
    total += best;
    exact &&= bestExact;
    if (n === 0) firstField = bestField;
  }
  return { score: total, field: firstField, exact };
}

export function queryTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/**
 * Every account any term matches, substring or subsequence, best first (ties by name).
 * `candidates` narrows the search: typing more characters never adds a match to this set.
 */
function allMatches(
  accounts: readonly ConsoleAccount[],
  terms: readonly string[],
  candidates?: readonly number[],
): Match[] {
  const matches: Match[] = [];
  const visit = (index: number) => {
    const result = scoreAccount(terms, accounts[index]!);
    if (result) matches.push({ index, score: result.score, field: result.field, exact: result.exact });
  };
  if (candidates) for (const index of candidates) visit(index);
  else for (let index = 0; index < accounts.length; index++) visit(index);
  matches.sort(
    (a, b) =>
      b.score - a.score ||
      compare(accounts[a.index]!.haystack.name, accounts[b.index]!.haystack.name) ||
      a.index - b.index,
  );
  return matches;
}

/** Scattered letters are a match only when nothing matches every term as a substring. */
function shown(matches: Match[]): Match[] {
  return matches.some((m) => m.exact) ? matches.filter((m) => m.exact) : matches;
}

/** Matching accounts, best first (ties by name). */
export function filterAccounts(accounts: readonly ConsoleAccount[], query: string): Match[] {
  return shown(allMatches(accounts, queryTerms(query)));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A filter that remembers its last answer: while the operator types more characters, every new
 * match was a match before, so only the previous matches are scored again.
 */
export function createFilter(accounts: readonly ConsoleAccount[]): (query: string) => Match[] {
  let lastQuery = '';
  let lastMatches: Match[] | undefined;
  return (query) => {
    if (queryTerms(query).length === 0) {
      lastQuery = query;
      lastMatches = undefined;
      return [];
    }
    const narrowing =
      lastMatches !== undefined && lastQuery !== '' && query.toLowerCase().startsWith(lastQuery.toLowerCase());
    // It narrows from every match of the last query, scattered ones too: "se" may have a word
    // somewhere while "sex" has only scattered letters, which must still be found.
    const matches = allMatches(accounts, queryTerms(query), narrowing ? lastMatches!.map((m) => m.index) : undefined);
    lastQuery = query;
    lastMatches = matches;
    return shown(matches);
  };
}
