/**
 * Special functions the buy-till-you-die models need, in double precision: log-gamma, log-beta and the
 * Gauss hypergeometric function 2F1 for real arguments.
 */

// Lanczos approximation, g = 7, n = 9 (relative error below 2e-15 for x ≥ 0.5).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

const isPole = (x: number) => x <= 0 && Number.isInteger(x);

/** ln |Γ(x)| for real x; +∞ at the poles x = 0, −1, −2, … */
export function lnGamma(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (isPole(x)) return Number.POSITIVE_INFINITY;
  if (x < 0.5) {
    // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  const y = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) s += LANCZOS[i]! / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return LN_SQRT_2PI + (y + 0.5) * Math.log(t) - t + Math.log(s);
}

/** The sign of Γ(x): +1 for x > 0, alternating between the poles below 0; NaN at a pole. */
export function gammaSign(x: number): number {
  if (isPole(x) || Number.isNaN(x)) return Number.NaN;
  if (x > 0) return 1;
  return Math.ceil(-x) % 2 === 1 ? -1 : 1;
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** ln(eᵃ + eᵇ) without overflow; −∞ terms are allowed. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

const EPS = 1e-16;
const MAX_TERMS = 1_000_000;

/**
 * The defining power series Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ, for |z| < 1. It stops once the terms have
 * started to shrink geometrically and the remaining tail, bounded by a geometric series, is below
 * 1e-16 of the sum. Costs about log(1e-16 (1 − |z|)) / log|z| terms: fine up to |z| ≈ 0.999.
 * Throws a RangeError after `maxTerms` terms (default 1,000,000).
 */
export function hyp2f1Series(a: number, b: number, c: number, z: number, maxTerms = MAX_TERMS): number {
  let sum = 1;
  let term = 1;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    if (term === 0) return sum;
    const rho = Math.max(Math.abs(ratio), Math.abs(z));
    if (rho < 1 && (Math.abs(term) * rho) / (1 - rho) <= EPS * Math.abs(sum)) return sum;
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}): series did not converge`);
}

/** Γ(n₁)Γ(n₂) / (Γ(d₁)Γ(d₂)) with signs; 0 when a denominator argument is a pole (1/Γ = 0 there). */
function gammaQuotient(num: [number, number], den: [number, number]): number {
  if (den.some(isPole)) return 0;
  let sign = 1;
  let ln = 0;
  for (const x of num) {
    sign *= gammaSign(x);
    ln += lnGamma(x);
  }
  for (const x of den) {
    sign *= gammaSign(x);
    ln -= lnGamma(x);
  }
  return sign * Math.exp(ln);
}

/**
 * Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z.
 *
 * Domain: −1 < z ≤ 1 (z = 1 only when c − a − b > 0, by Gauss's theorem), c not 0, −1, −2, ….
 * Outside it a RangeError is thrown. The BG/NBD and Pareto/NBD formulas only call it with 0 ≤ z < 1.
 * - z < −1/2: Pfaff's transformation (1 − z)^(−a) ₂F₁(a, c − b; c; z/(z − 1)) moves z into (1/3, 1/2).
 * - z > 0.9: the connection formula to 1 − z (DLMF 15.8.4), which converges fast, unless c − a − b is
 *   within 0.05 of an integer (its two terms then cancel); the direct series is used in that case.
 * - otherwise the direct series.
 * A series that needs more than `maxTerms` terms throws a RangeError.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = MAX_TERMS): number {
  if (Number.isNaN(a + b + c + z)) return Number.NaN;
  if (isPole(c)) throw new RangeError(`hyp2f1: c = ${c} is a non-positive integer`);
  if (z === 0 || a === 0 || b === 0) return 1;
  const d = c - a - b;
  if (z === 1) {
    if (d <= 0) throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; 1) diverges (c − a − b ≤ 0)`);
    return gammaQuotient([c, d], [c - a, c - b]);
  }
  if (!(z > -1 && z < 1)) throw new RangeError(`hyp2f1: z = ${z} is outside (−1, 1]`);
  if (z < -0.5) return (1 - z) ** -a * hyp2f1(a, c - b, c, z / (z - 1), maxTerms);
  if (z > 0.9 && Math.abs(d - Math.round(d)) > 0.05) {
    const w = 1 - z;
    const first = gammaQuotient([c, d], [c - a, c - b]);
    const second = gammaQuotient([c, -d], [a, b]);
    return (
      (first === 0 ? 0 : first * hyp2f1Series(a, b, 1 - d, w, maxTerms)) +
      (second === 0 ? 0 : w ** d * second * hyp2f1Series(c - a, c - b, d + 1, w, maxTerms))
    );
  }
  return hyp2f1Series(a, b, c, z, maxTerms);
}
