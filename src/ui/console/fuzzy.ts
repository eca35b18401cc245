/**
 * The console's fuzzy filter over name, alias, id, OU path, tags (key=value) and email. Pure.
 *
 * Each whitespace-separated term must match some field, either as a substring or as a
 * subsequence ("stg" finds "staging"). Scores favour a match at the start of a field, then at
 * the start of a word, then consecutive characters; a name or alias match outranks the same
 * match in an OU path, a tag or an email, which are there to find accounts, not to rank them.
 */
import { SEARCH_FIELDS, type ConsoleAccount, type SearchField } from './model.js';

export interface Match {
  /** Index into the model's accounts. */
  index: number;
  score: number;
  /** The field the first term matched best, shown so a match by email or tag is not a mystery. */
  field: SearchField;
}

const FIELD_WEIGHT: Record<SearchField, number> = { name: 1, alias: 1, id: 0.9, ouPath: 0.6, tag: 0.6, email: 0.5 };

function isWordStart(text: string, at: number): boolean {
  if (at === 0) return true;
  const before = text.charCodeAt(at - 1);
  // space - _ / . @ = :
  return before === 32 || before === 45 || before === 95 || before === 47 || before === 46 || before === 64 || before === 61 || before === 58;
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

/** The account's score for the query's terms (all must match), or undefined when one does not. */
export function scoreAccount(terms: readonly string[], entry: ConsoleAccount): { score: number; field: SearchField } | undefined {
  let total = 0;
  let firstField: SearchField = 'name';
  for (let n = 0; n < terms.length; n++) {
    const term = terms[n]!;
    let best = 0;
    let bestField: SearchField = 'name';
    for (const field of SEARCH_FIELDS) {
      const raw = scoreText(term, entry.haystack[field]);
      if (raw === 0) continue;
      const weighted = raw * FIELD_WEIGHT[field];
      if (weighted > best) {
        best = weighted;
        bestField = field;
      }
    }
    if (best === 0) return undefined;
    total += best;
    if (n === 0) firstField = bestField;
  }
  return { score: total, field: firstField };
}

export function queryTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Matching accounts, best first (ties by name). `candidates` narrows the search (see createFilter). */
export function filterAccounts(accounts: readonly ConsoleAccount[], query: string, candidates?: readonly number[]): Match[] {
  const terms = queryTerms(query);
  const matches: Match[] = [];
  const visit = (index: number) => {
    const result = scoreAccount(terms, accounts[index]!);
    if (result) matches.push({ index, score: result.score, field: result.field });
  };
  if (candidates) for (const index of candidates) visit(index);
  else for (let index = 0; index < accounts.length; index++) visit(index);
  matches.sort((a, b) => b.score - a.score || compare(accounts[a.index]!.haystack.name, accounts[b.index]!.haystack.name) || a.index - b.index);
  return matches;
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
    const narrowing = lastMatches !== undefined && lastQuery !== '' && query.toLowerCase().startsWith(lastQuery.toLowerCase());
    const matches = filterAccounts(accounts, query, narrowing ? lastMatches!.map((m) => m.index) : undefined);
    lastQuery = query;
    lastMatches = matches;
    return matches;
  };
}
