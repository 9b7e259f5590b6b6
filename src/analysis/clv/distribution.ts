import { select } from "../../util/select.js";

/**
 * Histograms of CLV and P(alive) over every customer of an analysis, from the per-customer predictions in
 * typed arrays: O(n) (one selection for the 99th percentile, one pass per histogram), no sorting.
 */

export interface HistogramBin {
  /** Lower edge, included. */
  lower: number;
  /** Upper edge: excluded, except in the last bin, which includes it (and the tail beyond it). */
  upper: number;
  customers: number;
}

export interface Histogram {
  bins: HistogramBin[];
  /** Customers counted: every customer with a finite value. */
  customers: number;
  /** Customers above the last bin's upper edge, counted in the last bin. */
  tail: number;
  /** The largest value, null without customers. */
  max: number | null;
}

export interface ClvDistribution {
  clv: Histogram & { quantile: number };
  pAlive: Histogram;
}

/** Equal-width bins on [0, 99th percentile] for CLV, the top 1 % counted in the last bin. */
export const CLV_BINS = 20;
export const CLV_QUANTILE = 0.99;
/** Equal-width bins on [0, 1] for P(alive). */
export const P_ALIVE_BINS = 20;

/**
 * The q-quantile by nearest rank: the smallest value with at least a share q of the values at or below
 * it. Non-finite values are left out; null without any.
 */
export function quantile(values: ArrayLike<number>, q: number): number | null {
  const finite = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) finite[n++] = v;
  }
  if (n === 0) return null;
  return select(finite.subarray(0, n), Math.max(0, Math.ceil(q * n) - 1));
}

/**
 * `bins` equal-width bins on [lower, upper]: values below `lower` count in the first bin, values above
 * `upper` in the last (and in `tail`). Non-finite values are left out. With upper = lower, one bin.
 */
export function histogram(values: ArrayLike<number>, lower: number, upper: number, bins: number): Histogram {
  if (!(upper >= lower) || !Number.isFinite(lower) || !Number.isFinite(upper))
    throw new RangeError(`histogram: bad range [${lower}, ${upper}]`);
  const count = upper === lower ? 1 : Math.max(1, Math.floor(bins));
  const range = upper - lower;
  // Edges computed once (i·range/count rounds as the decimal edge does: 7/20 is 0.35, not 7 × 0.05),
  // and a value is binned by the very numbers the report states.
  const edges = Array.from({ length: count + 1 }, (_, i) =>
    i === count ? upper : lower + (i * range) / count,
  );
  const counts = new Array<number>(count).fill(0);
  let customers = 0;
  let tail = 0;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    customers++;
    if (v > max) max = v;
    if (v > upper) tail++;
    let bin = range > 0 ? Math.floor(((v - lower) * count) / range) : 0;
    if (bin < 0) bin = 0;
    else if (bin >= count) bin = count - 1;
    // Rounding in the division can put a value next to an edge on the wrong side of it.
    else if (v < edges[bin]!) bin--;
    else if (bin < count - 1 && v >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return {
    bins: counts.map((c, i) => ({ lower: edges[i]!, upper: edges[i + 1]!, customers: c })),
    customers,
    tail,
    max: customers > 0 ? max : null,
  };
}

/**
 * The CLV histogram on [0, p99] (the 99th percentile; the largest value when that is 0, so a
 * distribution that is mostly zeros still spreads its few positive values) with the top 1 % in the last
 * bin, and the P(alive) histogram on [0, 1].
 */
export function clvDistribution(clv: ArrayLike<number>, pAlive: ArrayLike<number>): ClvDistribution {
  const p99 = quantile(clv, CLV_QUANTILE) ?? 0;
  let top = Math.max(0, p99);
  if (top === 0) {
    let max = 0;
    for (let i = 0; i < clv.length; i++) if (clv[i]! > max && Number.isFinite(clv[i]!)) max = clv[i]!;
    top = max;
  }
  return {
    clv: { quantile: CLV_QUANTILE, ...histogram(clv, 0, top, CLV_BINS) },
    pAlive: histogram(pAlive, 0, 1, P_ALIVE_BINS),
  };
}
