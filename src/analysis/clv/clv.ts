/**
 * Customer lifetime value as the discounted sum of expected monthly spend. This is the convention of
 * the `lifetimes` package's `customer_lifetime_value` (so results compare with it):
 *
 *   CLV = Σₖ₌₁..ₕ E[spend] · (E[Y(k·m)] − E[Y((k−1)·m)]) / (1 + d)ᵏ
 *
 * E[Y(t)] is the customer's conditional expected number of purchases in the next t (BG/NBD or
 * Pareto/NBD), E[spend] the conditional expected spend per purchase (Gamma-Gamma), m one month in the
 * summary's time unit, d the monthly discount rate and h the horizon in months. Unlike `lifetimes`,
 * whose daily month is 30 days, a month is 4.345 weeks in both units (30.415 days), so daily and weekly
 * summaries of the same data give the same CLV.
 */
import type { TimeUnit } from "./summary.js";

/** One month in each time unit: 4.345 weeks = 30.415 days. */
export const MONTH: Readonly<Record<TimeUnit, number>> = { day: 30.415, week: 4.345 };

export interface ClvOptions {
  /** Length of one month in the summary's time unit, e.g. MONTH.week. */
  month: number;
  /** Monthly discount rate d (default 0.01). */
  discountRate?: number;
  /** Horizon h in months (default 12). */
  months?: number;
}

/**
 * CLV of one customer. `expectedPurchases(t)` is their conditional expected purchases in the next t
 * (cumulative, 0 at t = 0), `expectedSpend` their expected spend per purchase.
 */
export function customerLifetimeValue(
  expectedSpend: number,
  expectedPurchases: (t: number) => number,
  options: ClvOptions,
): number {
  const d = options.discountRate ?? 0.01;
  const h = options.months ?? 12;
  const m = options.month;
  if (!(m > 0)) throw new RangeError(`CLV: month length must be positive, got ${m}`);
  if (!(d > -1)) throw new RangeError(`CLV: discount rate must be above −1, got ${d}`);
  if (!(Number.isInteger(h) && h >= 0)) throw new RangeError(`CLV: months must be a whole number, got ${h}`);
  let clv = 0;
  let previous = 0;
  for (let k = 1; k <= h; k++) {
    const cumulative = expectedPurchases(k * m);
    clv += (expectedSpend * (cumulative - previous)) / (1 + d) ** k;
    previous = cumulative;
  }
  return clv;
}
