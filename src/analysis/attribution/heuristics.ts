import { type Credit, Ledger } from "./credits.js";
import { channelsOf, type PathSummaryRow } from "./paths.js";

/** Gives `share` of one journey's conversions and value to `key`; the shares of a path sum to 1. */
type Give = (key: string, share: number) => void;

function byRule(
  rows: readonly PathSummaryRow[],
  keys: readonly string[],
  rule: (path: readonly string[], give: Give) => void,
): Credit[] {
  const ledger = new Ledger(keys);
  for (const row of rows) {
    if (row.conversions === 0 && row.value === 0) continue;
    if (row.path.length === 0) throw new Error("attribution: a converting path has no touches");
    rule(row.path, (key, share) => ledger.add(key, row.conversions * share, row.value * share));
  }
  return ledger.credits();
}

export const firstTouch = (rows: readonly PathSummaryRow[], keys = channelsOf(rows)): Credit[] =>
  byRule(rows, keys, (path, give) => give(path[0]!, 1));

export const lastTouch = (rows: readonly PathSummaryRow[], keys = channelsOf(rows)): Credit[] =>
  byRule(rows, keys, (path, give) => give(path[path.length - 1]!, 1));

/** The last touch not named `Direct` (any case); a path of only Direct keeps its last touch. */
export const lastNonDirect = (rows: readonly PathSummaryRow[], keys = channelsOf(rows)): Credit[] =>
  byRule(rows, keys, (path, give) => {
    let i = path.length - 1;
    while (i >= 0 && path[i]!.toLowerCase() === "direct") i--;
    give(path[i >= 0 ? i : path.length - 1]!, 1);
  });

/** Each touch 1/length; repeated touches count separately. */
export const linear = (rows: readonly PathSummaryRow[], keys = channelsOf(rows)): Credit[] =>
  byRule(rows, keys, (path, give) => {
    for (const key of path) give(key, 1 / path.length);
  });

/** 100 % for one touch, 50/50 for two, else 40 % first, 40 % last and 20 % shared by the touches between. */
export const positionBased = (rows: readonly PathSummaryRow[], keys = channelsOf(rows)): Credit[] =>
  byRule(rows, keys, (path, give) => {
    const n = path.length;
    if (n === 1) return give(path[0]!, 1);
    if (n === 2) {
      give(path[0]!, 0.5);
      give(path[1]!, 0.5);
      return;
    }
    give(path[0]!, 0.4);
    for (let i = 1; i < n - 1; i++) give(path[i]!, 0.2 / (n - 2));
    give(path[n - 1]!, 0.4);
  });

/** One conversion with the times of its touches, as only the warehouse knows them. */
export interface TimedConversion {
  touches: { key: string; secondsBeforeConversion: number }[];
  value: number;
}

export const DEFAULT_HALF_LIFE_SECONDS = 7 * 24 * 3600;

/**
 * Each touch weighs 2^(−Δt / half-life), Δt its time before the conversion; the weights of a conversion
 * are normalised to 1. `keys` are reported even without credit, so every model lists the same keys.
 */
export function timeDecay(
  conversions: readonly TimedConversion[],
  halfLifeSeconds = DEFAULT_HALF_LIFE_SECONDS,
  keys: Iterable<string> = [],
): Credit[] {
  if (!(halfLifeSeconds > 0 && Number.isFinite(halfLifeSeconds)))
    throw new RangeError(
      `time_decay: the half-life must be a positive number of seconds, not ${halfLifeSeconds}`,
    );
  const ledger = new Ledger(keys);
  for (const conversion of conversions) {
    const { touches } = conversion;
    if (touches.length === 0) throw new Error("time_decay: a conversion has no touches");
    let nearest = Number.POSITIVE_INFINITY;
    for (const t of touches) {
      if (!(t.secondsBeforeConversion >= 0 && Number.isFinite(t.secondsBeforeConversion)))
        throw new RangeError(
          `time_decay: a touch of ${JSON.stringify(t.key)} is ${t.secondsBeforeConversion} s before its conversion`,
        );
      nearest = Math.min(nearest, t.secondsBeforeConversion);
    }
    // Measured from the nearest touch, the largest weight is 1: old journeys cannot underflow to 0/0.
    const weights = touches.map((t) => 2 ** (-(t.secondsBeforeConversion - nearest) / halfLifeSeconds));
    const sum = weights.reduce((s, w) => s + w, 0);
    touches.forEach((t, i) => {
      const share = weights[i]! / sum;
      ledger.add(t.key, share, conversion.value * share);
    });
  }
  return ledger.credits();
}
