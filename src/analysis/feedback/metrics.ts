/**
 * Satisfaction scores with 95 % confidence intervals (DESIGN.md "Feedback"):
 * NPS = % promoters (9–10) − % detractors (0–6); CSAT = % of answers 4–5 on 1–5; CES = mean on 1–7
 * (agreement that it was easy: higher is better).
 * Each is null without answers of its metric.
 */

const Z = 1.959963984540054;

export interface Score {
  value: number;
  /** Answers the score is computed from. */
  n: number;
  /** 95 % confidence interval; null when it cannot be estimated (a single CES answer). */
  low: number | null;
  high: number | null;
}

/** NPS on 0–10 answers, with the normal interval of a difference of two shares of one sample. */
export function nps(scores: readonly number[]): Score | null {
  const n = scores.length;
  if (n === 0) return null;
  let promoters = 0;
  let detractors = 0;
  for (const s of scores) {
    if (s >= 9) promoters++;
    else if (s <= 6) detractors++;
  }
  const p = promoters / n;
  const d = detractors / n;
  const value = 100 * (p - d);
  // Var(p − d) = (p + d − (p − d)²) / n for shares of the same answers.
  const half = 100 * Z * Math.sqrt(Math.max(0, p + d - (p - d) ** 2) / n);
  return { value, n, low: Math.max(-100, value - half), high: Math.min(100, value + half) };
}

/** CSAT: % of 1–5 answers that are 4 or 5, with the Wilson score interval (sound at 0 % and 100 %). */
export function csat(scores: readonly number[]): Score | null {
  const n = scores.length;
  if (n === 0) return null;
  const satisfied = scores.filter((s) => s >= 4).length;
  const p = satisfied / n;
  const z2 = Z * Z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { value: 100 * p, n, low: 100 * (centre - half), high: 100 * (centre + half) };
}

/** CES: the mean effort score on 1–7, with a normal interval from the sample standard deviation. */
export function ces(scores: readonly number[]): Score | null {
  const n = scores.length;
  if (n === 0) return null;
  const mean = scores.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { value: mean, n, low: null, high: null };
  const variance = scores.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const half = Z * Math.sqrt(variance / n);
  return { value: mean, n, low: mean - half, high: mean + half };
}

/**
 * Whether an answer asks for a follow-up: an NPS detractor (0–6), a dissatisfied CSAT (1–2), or a
 * hard experience on CES's agreement scale ("it was easy": 1 strongly disagree … 7 strongly agree), 1–2.
 */
export function isDetractor(metric: string, score: number): boolean {
  return (metric === "nps" && score <= 6) || ((metric === "csat" || metric === "ces") && score <= 2);
}
