/** Suggestions for mistyped names ("did you mean …"). */

/**
 * The candidate nearest to a misspelt word, if it is near enough to be a likely typo, or else
 * the one candidate the word starts (`gen` -> `generate`).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  if (bestDistance <= Math.max(1, Math.floor(word.length / 3))) return best;
  const prefixed = word.length >= 2 ? candidates.filter((c) => c.toLowerCase().startsWith(word.toLowerCase())) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Edits between two words, a swap of neighbouring letters counting as one (emial -> email). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    const up = rows[i - 1] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((up[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (up[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/** Up to `limit` candidates ordered by closeness; only those near enough to be a likely typo or a prefix. */
export function nearest(word: string, candidates: readonly string[], limit = 3): string[] {
  const w = word.toLowerCase();
  return candidates
    .map((c) => {
      const lc = c.toLowerCase();
      const d = lc.startsWith(w) || lc.includes(w) ? 0 : editDistance(w, lc);
      return { c, d };
    })
    .filter(({ d }) => d <= Math.max(2, Math.floor(word.length / 2)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map(({ c }) => c);
}
