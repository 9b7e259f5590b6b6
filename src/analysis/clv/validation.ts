/**
 * Hold-out validation of a purchase model, as in Fader, Hardie & Lee (2005, fig. 4): mean predicted
 * vs mean actual hold-out purchases, grouped by the number of repeat purchases in calibration.
 */

export interface HoldoutRow {
  /** Repeat purchases in the calibration period. */
  frequency: number;
  /** Model's conditional expected purchases over the hold-out period. */
  predicted: number;
  /** Repeat purchases observed in the hold-out period. */
  actual: number;
}

export interface HoldoutBucket {
  /** "0" … "6", then "7+". */
  bucket: string;
  customers: number;
  /** null for an empty bucket. */
  meanPredicted: number | null;
  meanActual: number | null;
}

export interface HoldoutValidation {
  buckets: HoldoutBucket[];
  customers: number;
  totalPredicted: number;
  totalActual: number;
  /** Mean over customers of |predicted − actual|. */
  meanAbsoluteError: number;
}

/** Calibration frequencies 0…6 each get a bucket; from 7 on they are pooled, as the counts thin out. */
export const LAST_BUCKET = 7;

export function holdoutValidation(rows: readonly HoldoutRow[]): HoldoutValidation {
  const sums = Array.from({ length: LAST_BUCKET + 1 }, () => ({ customers: 0, predicted: 0, actual: 0 }));
  let absError = 0;
  for (const row of rows) {
    const s = sums[Math.min(row.frequency, LAST_BUCKET)]!;
    s.customers++;
    s.predicted += row.predicted;
    s.actual += row.actual;
    absError += Math.abs(row.predicted - row.actual);
  }
  return {
    buckets: sums.map((s, i) => ({
      bucket: i === LAST_BUCKET ? `${LAST_BUCKET}+` : String(i),
      customers: s.customers,
      meanPredicted: s.customers ? s.predicted / s.customers : null,
      meanActual: s.customers ? s.actual / s.customers : null,
    })),
    customers: rows.length,
    totalPredicted: sums.reduce((t, s) => t + s.predicted, 0),
    totalActual: sums.reduce((t, s) => t + s.actual, 0),
    meanAbsoluteError: rows.length ? absError / rows.length : 0,
  };
}
