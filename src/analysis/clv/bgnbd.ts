/**
 * BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy
 * Way"). While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase they drop out
 * with probability p ~ Beta(a, b). Time is in the summary's unit; α scales with it.
 */
import { ModelError } from "./errors.js";
import { fitPositive, type MinimizeOptions } from "./optimize.js";
import { hyp2f1, lnBeta, lnGamma, logAddExp } from "./special.js";
import { checkHistories, groupHistories, type HistoryGroup, type PurchaseHistory } from "./summary.js";

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgNbdFit extends BgNbdParams {
  /** Total over the customers, in the summary's time unit. */
  logLikelihood: number;
}

/**
 * The parts of ln L that depend on x only: with them a customer's term costs two logarithms, and a
 * fit evaluates lnΓ once per distinct frequency instead of once per customer.
 */
function byFrequency(p: BgNbdParams) {
  const { r, alpha, a, b } = p;
  const shared = -lnGamma(r) + r * Math.log(alpha) - lnBeta(a, b);
  const cache = new Map<number, { base: number; dropOut: number }>();
  return (x: number) => {
    let terms = cache.get(x);
    if (!terms) {
      terms = {
        base: shared + lnGamma(r + x) + lnBeta(a, b + x),
        // B(a + 1, b + x − 1) / B(a, b + x) = a / (b + x − 1)
        dropOut: x > 0 ? Math.log(a / (b + x - 1)) : Number.NEGATIVE_INFINITY,
      };
      cache.set(x, terms);
    }
    return terms;
  };
}

/**
 * ln L(r, α, a, b | x, t_x, T) of one customer (FHL 2005, eq. 6), the sum taken in log space:
 *   Γ(r + x) αʳ / (Γ(r) B(a, b)) ·
 *     [B(a, b + x) (α + T)^−(r+x) + 𝟙(x > 0) B(a + 1, b + x − 1) (α + t_x)^−(r+x)]
 */
export function logLikelihood(p: BgNbdParams, x: number, tx: number, T: number): number {
  return termOf(byFrequency(p), p, x, tx, T);
}

function termOf(terms: ReturnType<typeof byFrequency>, p: BgNbdParams, x: number, tx: number, T: number) {
  const { base, dropOut } = terms(x);
  const rx = p.r + x;
  return base + logAddExp(-rx * Math.log(p.alpha + T), dropOut - rx * Math.log(p.alpha + tx));
}

function groupedLogLikelihood(p: BgNbdParams, groups: readonly HistoryGroup[]): number {
  const terms = byFrequency(p);
  let sum = 0;
  for (const g of groups) sum += g.count * termOf(terms, p, g.x, g.tx, g.T);
  return sum;
}

export function totalLogLikelihood(p: BgNbdParams, rows: readonly PurchaseHistory[]): number {
  return groupedLogLikelihood(p, groupHistories(rows));
}

/**
 * Maximum-likelihood fit. Throws ModelError when there are no customers or no repeat purchases, or
 * when the maximum lies at a parameter's limit (see fitPositive).
 */
export function fitBgNbd(rows: readonly PurchaseHistory[], options: MinimizeOptions = {}): BgNbdFit {
  if (rows.length === 0) throw new ModelError("BG/NBD: no customers to fit");
  checkHistories(rows);
  if (rows.every((row) => row.frequency === 0))
    throw new ModelError("BG/NBD: no customer made a repeat purchase, so purchase rates cannot be estimated");
  const groups = groupHistories(rows);
  // α is a time scale: start it, and bound it, relative to the customers' observation times.
  const scale = Math.max(rows.reduce((s, row) => s + row.T, 0) / rows.length, 1e-9);
  const fit = fitPositive(
    "BG/NBD",
    [
      { name: "r", start: 1, min: 1e-5, max: 1e5 },
      { name: "alpha", start: scale, min: 1e-5 * scale, max: 1e5 * scale },
      { name: "a", start: 1, min: 1e-5, max: 1e5 },
      { name: "b", start: 1, min: 1e-5, max: 1e5 },
    ],
    ([r, alpha, a, b]) => -groupedLogLikelihood({ r: r!, alpha: alpha!, a: a!, b: b! }, groups),
    options,
  );
  const [r, alpha, a, b] = fit.values as [number, number, number, number];
  return { r, alpha, a, b, logLikelihood: -fit.negLogLikelihood };
}

const A_NEAR_1 = 1e-5;

/**
 * (a + b + x − 1)/(a − 1) · [1 − (1 − z)^(a−1) ₂F₁(a + b − 1 − r, a − 1; a + b + x − 1; z)] with
 * z = t/(α + T + t): the bracket of FHL 2005 eq. 10 after Euler's transformation, which keeps the
 * hypergeometric parameters small (no overflow for large x). At a = 1 the expression is 0/0 with a
 * finite limit; within 1e-5 of 1 the value is interpolated between a = 1 ± 2e-5.
 */
function growth(p: BgNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, a, b } = p;
  if (Math.abs(a - 1) < A_NEAR_1) {
    const below = growth({ ...p, a: 1 - 2 * A_NEAR_1 }, t, x, T);
    const above = growth({ ...p, a: 1 + 2 * A_NEAR_1 }, t, x, T);
    return below + ((a - 1 + 2 * A_NEAR_1) / (4 * A_NEAR_1)) * (above - below);
  }
  const z = t / (alpha + T + t);
  const c = a + b + x - 1;
  const f = hyp2f1(a + b - 1 - r, a - 1, c, z);
  // expm1 keeps the bracket's precision for small t, where (1 − z)^(a−1) F is close to 1.
  const bracket = f > 0 ? -Math.expm1((a - 1) * Math.log1p(-z) + Math.log(f)) : 1 - (1 - z) ** (a - 1) * f;
  return (c / (a - 1)) * bracket;
}

/** E[X(t)]: expected purchases in (0, t] of a customer picked at random at their first purchase. */
export function expectedPurchases(p: BgNbdParams, t: number): number {
  return growth(p, t, 0, 0);
}

/**
 * P(alive at T | x, t_x, T) = 1 / (1 + 𝟙(x > 0) a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x)). It is 1
 * without repeat purchases: in this model customers only drop out right after a purchase.
 */
export function probabilityAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = p;
  const odds = Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx));
  return 1 / (1 + Math.exp(odds));
}

/** E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] (FHL 2005, eq. 10). */
export function conditionalExpectedPurchases(
  p: BgNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  return growth(p, t, x, T) * probabilityAlive(p, x, tx, T);
}
