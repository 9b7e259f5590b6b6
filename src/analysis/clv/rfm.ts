/**
 * RFM segmentation: recency, frequency and monetary scores 1–5 by quintile, and named segments from
 * the recency score and the combined frequency–monetary score.
 */

export interface RfmInput {
  customer: string;
  /** Time since the last purchase (any unit); lower is better. From a summary: T − recency. */
  recency: number;
  /** Purchases (or repeat purchases); higher is better. */
  frequency: number;
  /** Spend (mean or total, consistently); higher is better. */
  monetary: number;
}

export type RfmSegmentId =
  | "champions"
  | "loyal"
  | "potential_loyalist"
  | "new"
  | "promising"
  | "need_attention"
  | "about_to_sleep"
  | "at_risk"
  | "cant_lose"
  | "hibernating"
  | "lost";

export interface RfmSegmentRule {
  id: RfmSegmentId;
  name: string;
  /** Inclusive range of the recency score R. */
  r: readonly [number, number];
  /** Inclusive range of FM = round((F + M) / 2). */
  fm: readonly [number, number];
  description: string;
}

/**
 * The segment rules, tried in order; the first whose R and FM ranges both hold wins. Together they
 * cover all 25 (R, FM) cells, so every customer gets exactly one segment:
 *
 *   R \ FM   1                 2                   3        4–5
 *   5        new               potential loyalist  loyal    champions
 *   4        promising         potential loyalist  loyal    champions
 *   3        about to sleep    need attention      loyal    loyal
 *   2        hibernating       hibernating         at risk  at risk
 *   1        lost              lost                at risk  can't lose
 */
export const RFM_SEGMENTS: readonly RfmSegmentRule[] = [
  {
    id: "champions",
    name: "Champions",
    r: [4, 5],
    fm: [4, 5],
    description: "Bought recently, buy often and spend the most",
  },
  { id: "loyal", name: "Loyal", r: [3, 5], fm: [3, 5], description: "Buy regularly and spend well" },
  {
    id: "cant_lose",
    name: "Can't lose",
    r: [1, 1],
    fm: [4, 5],
    description: "Were among the best customers, have not bought for the longest time",
  },
  {
    id: "at_risk",
    name: "At risk",
    r: [1, 2],
    fm: [3, 5],
    description: "Bought often and spent well, but not for a long time",
  },
  {
    id: "new",
    name: "New",
    r: [5, 5],
    fm: [1, 1],
    description: "Bought very recently, for the first time or rarely",
  },
  {
    id: "potential_loyalist",
    name: "Potential loyalist",
    r: [4, 5],
    fm: [2, 2],
    description: "Recent customers with a few purchases",
  },
  {
    id: "promising",
    name: "Promising",
    r: [4, 4],
    fm: [1, 1],
    description: "Recent, but bought little so far",
  },
  {
    id: "need_attention",
    name: "Need attention",
    r: [3, 3],
    fm: [2, 2],
    description: "Average recency, frequency and spend; slipping",
  },
  {
    id: "about_to_sleep",
    name: "About to sleep",
    r: [3, 3],
    fm: [1, 1],
    description: "Below average; will be lost without a reason to come back",
  },
  {
    id: "hibernating",
    name: "Hibernating",
    r: [2, 2],
    fm: [1, 2],
    description: "Last purchase long ago, few purchases, low spend",
  },
  { id: "lost", name: "Lost", r: [1, 1], fm: [1, 2], description: "Lowest recency, frequency and spend" },
];

export interface RfmScore {
  customer: string;
  r: number;
  f: number;
  m: number;
  fm: number;
  segment: RfmSegmentId;
}

/**
 * Quintile scores 1–5 of `values` (higher value, higher score): score = 1 + ⌊5 · below / n⌋ with
 * `below` the number of values strictly lower. Equal values therefore share a score (the lowest one
 * their rank range covers), and the result does not depend on input order.
 */
export function quintileScores(values: readonly number[]): number[] {
  const n = values.length;
  // A typed array sorts numerically without a comparator: several times faster on 1M values.
  const sorted = Float64Array.from(values).sort();
  return values.map((v) => {
    // First index of v in sorted = number of values strictly below v.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return 1 + Math.floor((5 * lo) / n);
  });
}

/** The segment of an (R, FM) pair by the rules of RFM_SEGMENTS. */
export function rfmSegment(r: number, fm: number): RfmSegmentId {
  const rule = RFM_SEGMENTS.find((s) => r >= s.r[0] && r <= s.r[1] && fm >= s.fm[0] && fm <= s.fm[1]);
  if (!rule) throw new RangeError(`RFM: scores out of range (R ${r}, FM ${fm})`);
  return rule.id;
}

/** Scores every customer against the others and assigns segments. */
export function rfmScores(customers: readonly RfmInput[]): RfmScore[] {
  // Negated so that the most recent buyer (smallest time since last purchase) scores highest.
  const r = quintileScores(customers.map((c) => -c.recency));
  const f = quintileScores(customers.map((c) => c.frequency));
  const m = quintileScores(customers.map((c) => c.monetary));
  return customers.map((c, i) => {
    const fm = Math.round((f[i]! + m[i]!) / 2);
    return { customer: c.customer, r: r[i]!, f: f[i]!, m: m[i]!, fm, segment: rfmSegment(r[i]!, fm) };
  });
}
