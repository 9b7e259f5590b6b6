/**
 * Pareto/NBD model of repeat purchasing (Schmittlein, Morrison & Colombo 1987), in the forms of
 * Fader & Hardie, "A Note on Deriving the Pareto/NBD Model and Related Expressions" (2005). While
 * alive a customer buys at Poisson rate λ ~ Gamma(r, α); their lifetime is exponential with rate
 * μ ~ Gamma(s, β). Time is in the summary's unit; α and β scale with it.
 */
import { ModelError } from "./errors.js";
import { fitPositive, type MinimizeOptions } from "./optimize.js";
import { hyp2f1, lnGamma, logAddExp } from "./special.js";
import { checkHistories, groupHistories, type HistoryGroup, type PurchaseHistory } from "./summary.js";

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

export interface ParetoNbdFit extends ParetoNbdParams {
  /** Total over the customers, in the summary's time unit. */
  logLikelihood: number;
}

// Enough for arguments up to about 0.999. Beyond, α and β are orders of magnitude apart, which only
// happens far from a maximum: the fit treats the error there as an infinitely bad point.
const MAX_TERMS = 50_000;

/**
 * ln A₀ = ln[F(t_x) − F(T)] with
 *   F(y) = ₂F₁(r + s + x, k; r + s + x + 1; |α − β|/(m + y)) / (m + y)^(r+s+x),
 * m = max(α, β), and k = s + 1 when α ≥ β, r + x when α < β. Choosing the larger of α, β keeps the
 * hypergeometric argument in [0, 1), where its series converges; F is decreasing in y, so the
 * difference is taken in log space as ln F(t_x) + ln(1 − F(T)/F(t_x)).
 */
function lnA0(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  if (tx >= T) return Number.NEGATIVE_INFINITY;
  const { r, alpha, s, beta } = p;
  const [m, k] = alpha >= beta ? [alpha, s + 1] : [beta, r + x];
  const gap = Math.abs(alpha - beta);
  const rsx = r + s + x;
  const lnF = (y: number) =>
    Math.log(hyp2f1(rsx, k, rsx + 1, gap / (m + y), MAX_TERMS)) - rsx * Math.log(m + y);
  const first = lnF(tx);
  const second = lnF(T);
  return second >= first ? Number.NEGATIVE_INFINITY : first + Math.log(-Math.expm1(second - first));
}

/** The parts of ln L that depend on x only, computed once per distinct frequency in a fit. */
function byFrequency(p: ParetoNbdParams) {
  const { r, alpha, s, beta } = p;
  const shared = -lnGamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const cache = new Map<number, { base: number; died: number }>();
  return (x: number) => {
    let terms = cache.get(x);
    if (!terms) {
      terms = { base: shared + lnGamma(r + x), died: Math.log(s / (r + s + x)) };
      cache.set(x, terms);
    }
    return terms;
  };
}

function termOf(terms: ReturnType<typeof byFrequency>, p: ParetoNbdParams, x: number, tx: number, T: number) {
  const { base, died } = terms(x);
  const aliveAtT = -(p.r + x) * Math.log(p.alpha + T) - p.s * Math.log(p.beta + T);
  return base + logAddExp(aliveAtT, died + lnA0(p, x, tx, T));
}

/**
 * ln L(r, α, s, β | x, t_x, T) of one customer:
 * Γ(r + x) αʳ βˢ / Γ(r) · [1/((α + T)^(r+x) (β + T)ˢ) + s/(r + s + x) · A₀], summed in log space.
 */
export function logLikelihood(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  return termOf(byFrequency(p), p, x, tx, T);
}

function groupedLogLikelihood(p: ParetoNbdParams, groups: readonly HistoryGroup[]): number {
  const terms = byFrequency(p);
  let sum = 0;
  for (const g of groups) sum += g.count * termOf(terms, p, g.x, g.tx, g.T);
  return sum;
}

export function totalLogLikelihood(p: ParetoNbdParams, rows: readonly PurchaseHistory[]): number {
  return groupedLogLikelihood(p, groupHistories(rows));
}

/**
 * Maximum-likelihood fit. Throws ModelError when there are no customers or no repeat purchases, or
 * when the maximum lies at a parameter's limit (see fitPositive).
 */
export function fitParetoNbd(rows: readonly PurchaseHistory[], options: MinimizeOptions = {}): ParetoNbdFit {
  if (rows.length === 0) throw new ModelError("Pareto/NBD: no customers to fit");
  checkHistories(rows);
  if (rows.every((row) => row.frequency === 0))
    throw new ModelError(
      "Pareto/NBD: no customer made a repeat purchase, so purchase rates cannot be estimated",
    );
  const groups = groupHistories(rows);
  // α and β are time scales: start them, and bound them, relative to the customers' observation times.
  const scale = Math.max(rows.reduce((s, row) => s + row.T, 0) / rows.length, 1e-9);
  const negLL = ([r, alpha, s, beta]: number[]) => {
    try {
      return -groupedLogLikelihood({ r: r!, alpha: alpha!, s: s!, beta: beta! }, groups);
    } catch (e) {
      // Far from the maximum (α ≫ β with huge shapes) ₂F₁'s series may not converge: treat as worse.
      if (e instanceof RangeError) return Number.NaN;
      throw e;
    }
  };
  const fit = fitPositive(
    "Pareto/NBD",
    [
      { name: "r", start: 1, min: 1e-5, max: 1e5 },
      { name: "alpha", start: scale, min: 1e-5 * scale, max: 1e5 * scale },
      { name: "s", start: 1, min: 1e-5, max: 1e5 },
      { name: "beta", start: scale, min: 1e-5 * scale, max: 1e5 * scale },
    ],
    negLL,
    options,
  );
  const [r, alpha, s, beta] = fit.values as [number, number, number, number];
  return { r, alpha, s, beta, logLikelihood: -fit.negLogLikelihood };
}

/** [1 − (h/(h + t))^(s−1)] / (s − 1), with its limit ln((h + t)/h) at s = 1. */
function lifetimeFactor(s: number, h: number, t: number): number {
  const u = Math.log(h / (h + t));
  return Math.abs(s - 1) < 1e-12 ? -u : -Math.expm1((s - 1) * u) / (s - 1);
}

/** E[X(t)]: expected purchases in (0, t] of a customer picked at random at time 0. */
export function expectedPurchases(p: ParetoNbdParams, t: number): number {
  return ((p.r * p.beta) / p.alpha) * lifetimeFactor(p.s, p.beta, t);
}

/** P(alive at T | x, t_x, T) = 1 / (1 + s/(r + s + x) · (α + T)^(r+x) (β + T)ˢ A₀). */
export function probabilityAlive(p: ParetoNbdParams, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const lnOdds =
    Math.log(s / (r + s + x)) + (r + x) * Math.log(alpha + T) + s * Math.log(beta + T) + lnA0(p, x, tx, T);
  return 1 / (1 + Math.exp(lnOdds));
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] =
 * P(alive) · (r + x)(β + T) / ((α + T)(s − 1)) · [1 − ((β + T)/(β + T + t))^(s−1)].
 */
export function conditionalExpectedPurchases(
  p: ParetoNbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
): number {
  const { r, alpha, s, beta } = p;
  const rate = ((r + x) * (beta + T)) / (alpha + T);
  return probabilityAlive(p, x, tx, T) * rate * lifetimeFactor(s, beta + T, t);
}
