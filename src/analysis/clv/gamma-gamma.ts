/**
 * Gamma-Gamma model of spend per purchase (Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary
 * Value"). A customer's purchase amounts are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers, so a
 * customer's mean spend is p/ν. It assumes spend is independent of purchase frequency; it is fitted on
 * the repeat purchases (frequency x > 0) with their mean z̄.
 */
import { ModelError } from "./errors.js";
import { fitPositive, type MinimizeOptions } from "./optimize.js";
import { lnGamma } from "./special.js";
import type { CustomerSummary } from "./summary.js";

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
}

export type SpendHistory = Pick<CustomerSummary, "frequency" | "monetary">;

/**
 * ln f(z̄ | p, q, γ, x) of one customer with x > 0 repeat purchases of mean z̄ > 0:
 * Γ(px + q) / (Γ(px) Γ(q)) · γ^q z̄^(px−1) x^(px) / (γ + x z̄)^(px+q).
 */
export function logLikelihood(params: GammaGammaParams, x: number, mean: number): number {
  const { p, q, gamma } = params;
  return (
    lnGamma(p * x + q) -
    lnGamma(p * x) -
    lnGamma(q) +
    q * Math.log(gamma) +
    (p * x - 1) * Math.log(mean) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + x * mean)
  );
}

/** The customers the model is fitted on: repeat buyers who spent something. */
const usable = (row: SpendHistory) => row.frequency > 0 && row.monetary > 0;

export function totalLogLikelihood(params: GammaGammaParams, rows: readonly SpendHistory[]): number {
  let sum = 0;
  for (const row of rows) if (usable(row)) sum += logLikelihood(params, row.frequency, row.monetary);
  return sum;
}

/**
 * Maximum-likelihood fit on the customers with frequency > 0 and monetary > 0 (a mean spend of 0 has
 * zero density under a Gamma; those customers, like non-repeaters, say nothing about spend). Throws
 * ModelError when fewer than two such customers remain.
 */
export function fitGammaGamma(rows: readonly SpendHistory[], options: MinimizeOptions = {}): GammaGammaFit {
  const fitted = rows.filter(usable);
  if (fitted.length < 2)
    throw new ModelError(
      `Gamma-Gamma: needs at least 2 customers with repeat purchases and spend, found ${fitted.length}`,
    );
  const meanSpend = fitted.reduce((s, row) => s + row.monetary, 0) / fitted.length;
  // Terms that do not depend on the parameters are summed once; lnΓ is computed once per distinct
  // frequency. Typed arrays: this runs over every repeat customer at each of the fit's evaluations.
  const n = fitted.length;
  const xs = new Float64Array(n);
  const means = new Float64Array(n);
  let sumLnMean = 0;
  let sumXLnMean = 0;
  let sumXLnX = 0;
  let maxX = 0;
  fitted.forEach((row, i) => {
    const x = row.frequency;
    xs[i] = x;
    means[i] = row.monetary;
    const lnMean = Math.log(row.monetary);
    sumLnMean += lnMean;
    sumXLnMean += x * lnMean;
    sumXLnX += x * Math.log(x);
    maxX = Math.max(maxX, x);
  });
  const customersWithX = new Float64Array(maxX + 1);
  for (const x of xs) customersWithX[x] = customersWithX[x]! + 1;
  const negLL = ([p, q, gamma]: number[]) => {
    // Σ (px − 1)·ln z̄ + px·ln x, then lnΓ(px + q) − lnΓ(px) once per frequency, weighted by its count.
    let sum = n * (q! * Math.log(gamma!) - lnGamma(q!)) + p! * sumXLnMean - sumLnMean + p! * sumXLnX;
    for (let x = 1; x <= maxX; x++) {
      if (customersWithX[x]! > 0) sum += customersWithX[x]! * (lnGamma(p! * x + q!) - lnGamma(p! * x));
    }
    for (let i = 0; i < n; i++) sum -= (p! * xs[i]! + q!) * Math.log(gamma! + xs[i]! * means[i]!);
    return -sum;
  };
  // p = 1, q = 2 makes the population mean spend pγ/(q − 1) equal to γ, so γ starts at the data's mean.
  const fit = fitPositive(
    "Gamma-Gamma",
    [
      { name: "p", start: 1, min: 1e-5, max: 1e5 },
      { name: "q", start: 2, min: 1e-5, max: 1e5 },
      { name: "gamma", start: meanSpend, min: 1e-5 * meanSpend, max: 1e5 * meanSpend },
    ],
    negLL,
    options,
  );
  const [p, q, gamma] = fit.values as [number, number, number];
  return { p, q, gamma, logLikelihood: -fit.negLogLikelihood };
}

/**
 * E[Z | p, q, γ, x, z̄] = (q − 1)/(px + q − 1) · pγ/(q − 1) + px/(px + q − 1) · z̄: a credibility
 * weighting of the population mean and the customer's own mean. Customers with x = 0 get the population
 * mean pγ/(q − 1). Needs q > 1 (otherwise the population mean is infinite).
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, mean: number): number {
  const { p, q, gamma } = params;
  if (!(q > 1)) throw new ModelError(`Gamma-Gamma: q = ${q} ≤ 1, the expected spend is infinite`);
  const own = x > 0 ? mean : 0;
  return (p * (gamma + x * own)) / (p * x + q - 1);
}
