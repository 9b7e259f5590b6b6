/** One row of a path summary: the journeys that followed `path`, how many converted and their value. */
export interface PathSummaryRow {
  path: string[];
  conversions: number;
  value: number;
  nulls: number;
}

// Channel names never contain NUL (the path file rejects it), so joined paths cannot collide.
const SEP = "\u0000";

/**
 * Sums the rows that have the same path; the first occurrence fixes the order of the result. Neither
 * the input nor its paths are modified; rows without a repeat are passed through as they are.
 */
export function aggregatePaths(rows: readonly PathSummaryRow[]): PathSummaryRow[] {
  const at = new Map<string, number>();
  const out: PathSummaryRow[] = [];
  const copied = new Set<number>();
  for (const row of rows) {
    const key = row.path.join(SEP);
    const i = at.get(key);
    if (i === undefined) {
      at.set(key, out.length);
      out.push(row);
      continue;
    }
    if (!copied.has(i)) {
      out[i] = { ...out[i]! };
      copied.add(i);
    }
    const sum = out[i]!;
    sum.conversions += row.conversions;
    sum.value += row.value;
    sum.nulls += row.nulls;
  }
  return out;
}

/** Every distinct channel of the rows, in code-unit order. */
export function channelsOf(rows: readonly PathSummaryRow[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const c of row.path) seen.add(c);
  return [...seen].sort(compareKeys);
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
export const compareKeys = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
