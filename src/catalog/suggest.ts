/** Edit distance (insertions, deletions, substitutions and swaps of two neighbours), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++)
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  return d[s.length]![t.length]!;
}

/**
 * The candidates close to `text`, closest first (at most `max`): within a third of its length in edits
 * (at least 2), or containing it, or contained in it.
 */
export function closeMatches(text: string, candidates: readonly string[], max = 5): string[] {
  const lower = text.toLowerCase();
  const limit = Math.max(2, Math.floor(text.length / 3));
  return candidates
    .map((c) => ({ c, d: editDistance(text, c) }))
    .filter(
      ({ c, d }) =>
        d <= limit ||
        (lower.length >= 3 && c.toLowerCase().includes(lower)) ||
        (c.length >= 3 && lower.includes(c.toLowerCase())),
    )
    .sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1))
    .slice(0, max)
    .map(({ c }) => c);
}
