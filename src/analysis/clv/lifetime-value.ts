import type { Catalog } from "../../catalog/catalog.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import * as bgnbd from "./bgnbd.js";
import { customerLifetimeValue, MONTH } from "./clv.js";
import { clvDistribution } from "./distribution.js";
import { ModelError } from "./errors.js";
import { conditionalExpectedSpend, fitGammaGamma } from "./gamma-gamma.js";
import type { MinimizeOptions } from "./optimize.js";
import * as paretoNbd from "./pareto-nbd.js";
import { warehousePurchases } from "./purchases.js";
import type { ClvCustomer, ClvReport } from "./report.js";
import { RFM_SEGMENTS, rfmScores } from "./rfm.js";
import type { CustomerSummary, TimeUnit } from "./summary.js";
import { UNIT_DAYS } from "./summary.js";
import { holdoutValidation } from "./validation.js";

const DAY = 86_400_000;
// Parameters to 1e-4 relative are finer than their standard errors; tighter costs evaluations.
const FIT = { xTol: 1e-4, fTol: 1e-10 };
// Large summaries: a loose simplex, then Newton steps (quadratic convergence) to the precise optimum.
const FIT_LARGE = { xTol: 1e-3, fTol: 1e-9, maxRestarts: 1, polish: true };

export type PurchaseModel = "bgnbd" | "pareto_nbd";

export interface LifetimeValueOptions {
  unit: TimeUnit;
  /** The purchase model behind expectedPurchases, pAlive and CLV (BG/NBD is always fitted and reported). */
  model: PurchaseModel;
  /** Horizon of expectedPurchases, in days. */
  horizonDays: number;
  months: number;
  discount: number;
  /** Customers listed (highest CLV first); null lists all. */
  limit: number | null;
}

interface Context {
  source: ClvReport["source"];
  currency: string | null;
  calibrationEnd: number | null;
  holdout: { start: number; end: number; actual: Map<string, number> } | null;
}

const SUBSAMPLE = 50_000;

/**
 * On large summaries, a Nelder–Mead fit spends most evaluations walking from the default start. A fit on
 * an evenly spaced subsample lands next to the optimum at a fraction of the cost; the full fit then starts
 * there with a small simplex. The result is the full data's maximum either way.
 */
function fitLarge<F>(
  summary: readonly CustomerSummary[],
  fit: (rows: readonly CustomerSummary[], options: MinimizeOptions) => F,
  values: (f: F) => number[],
): F {
  if (summary.length <= 2 * SUBSAMPLE) return fit(summary, FIT);
  const every = Math.floor(summary.length / SUBSAMPLE);
  try {
    const rough = fit(
      summary.filter((_, i) => i % every === 0),
      { xTol: 1e-2, fTol: 1e-6, maxRestarts: 1, polish: true },
    );
    return fit(summary, { ...FIT_LARGE, start: values(rough), step: 0.02 });
  } catch (err) {
    // A subsample too thin to identify the model says nothing about the full data.
    if (err instanceof ModelError) return fit(summary, FIT);
    throw err;
  }
}

/**
 * CLV from the goal events of the warehouse: the summary is computed in SQL, the models in Node. With
 * `save`, every customer's prediction is stored in `customer_scores` (replacing the previous ones), where
 * customer profiles read it.
 */
export async function lifetimeValue(
  wh: Warehouse,
  catalog: Catalog,
  options: LifetimeValueOptions & {
    from: number | null;
    to: number | null;
    holdoutFrom: number | null;
    save?: boolean;
  },
): Promise<ClvReport> {
  const purchases = await warehousePurchases(wh, catalog, options);
  const context: Context = {
    source: "warehouse",
    currency: purchases.currency,
    calibrationEnd: purchases.calibrationEnd,
    holdout: purchases.holdout,
  };
  if (!options.save) return lifetimeValueOf(purchases.summary, options, context);
  const report = lifetimeValueOf(purchases.summary, { ...options, limit: null }, context);
  await saveScores(wh, report);
  return {
    ...report,
    customers: options.limit === null ? report.customers : report.customers.slice(0, options.limit),
  };
}

async function saveScores(wh: Warehouse, report: ClvReport): Promise<void> {
  const CHUNK = 50_000;
  await wh.run("DELETE FROM customer_scores");
  for (let i = 0; i < report.customers.length; i += CHUNK) {
    const part = report.customers.slice(i, i + CHUNK);
    const column = <T>(f: (c: ClvCustomer) => T) => part.map(f) as unknown as string[];
    await wh.run(
      `INSERT INTO customer_scores
       SELECT unnest($1::VARCHAR[]), unnest($2::INTEGER[]), unnest($3::DOUBLE[]), unnest($4::DOUBLE[]), $5,
              unnest($6::DOUBLE[]), unnest($7::DOUBLE[]), unnest($8::DOUBLE[]), unnest($9::DOUBLE[]),
              unnest($10::VARCHAR[]), now()`,
      [
        column((c) => c.customerId),
        column((c) => c.frequency),
        column((c) => c.recency),
        column((c) => c.T),
        report.unit,
        column((c) => c.expectedPurchases),
        column((c) => c.pAlive),
        column((c) => c.expectedSpend),
        column((c) => c.clv),
        column((c) => c.segment),
      ],
    );
  }
}

/**
 * Fits BG/NBD (and Pareto/NBD when it is the chosen model) and Gamma-Gamma on a calibration summary,
 * then predicts per customer: expected purchases over the horizon, P(alive), expected spend, CLV over
 * `months` discounted monthly (DESIGN.md's formula), and the RFM segment.
 */
export function lifetimeValueOf(
  summary: readonly CustomerSummary[],
  options: LifetimeValueOptions,
  context: Context = { source: "file", currency: null, calibrationEnd: null, holdout: null },
): ClvReport {
  const bg = fitLarge(
    summary,
    (rows, o) => bgnbd.fitBgNbd(rows, o),
    (f) => [f.r, f.alpha, f.a, f.b],
  );
  const pareto =
    options.model === "pareto_nbd"
      ? fitLarge(
          summary,
          (rows, o) => paretoNbd.fitParetoNbd(rows, o),
          (f) => [f.r, f.alpha, f.s, f.beta],
        )
      : null;
  const gg = fitLarge(
    summary,
    (rows, o) => fitGammaGamma(rows, o),
    (f) => [f.p, f.q, f.gamma],
  );
  const repeaters = summary.filter((c) => c.frequency > 0 && c.monetary > 0).length;
  const unitDays = UNIT_DAYS[options.unit];
  const horizon = options.horizonDays / unitDays;
  const month = MONTH[options.unit];

  const expected = (t: number, x: number, tx: number, T: number) =>
    pareto
      ? paretoNbd.conditionalExpectedPurchases(pareto, t, x, tx, T)
      : bgnbd.conditionalExpectedPurchases(bg, t, x, tx, T);
  const alive = (x: number, tx: number, T: number) =>
    pareto ? paretoNbd.probabilityAlive(pareto, x, tx, T) : bgnbd.probabilityAlive(bg, x, tx, T);

  // Customers with the same (x, t_x, T) share every purchase prediction: compute each history once.
  const byHistory = new Map<string, { purchases: number; pAlive: number; clvPerSpend: number }>();
  const predictionsOf = (c: CustomerSummary) => {
    const key = `${c.frequency}|${c.recency}|${c.T}`;
    let p = byHistory.get(key);
    if (!p) {
      const cumulative = (t: number) => expected(t, c.frequency, c.recency, c.T);
      // CLV is linear in the spend per purchase: one CLV per unit of spend serves every customer.
      p = {
        purchases: cumulative(horizon),
        pAlive: alive(c.frequency, c.recency, c.T),
        clvPerSpend: customerLifetimeValue(1, cumulative, {
          month,
          discountRate: options.discount,
          months: options.months,
        }),
      };
      byHistory.set(key, p);
    }
    return p;
  };

  const rfm = rfmScores(
    summary.map((c) => ({
      customer: c.customer,
      recency: c.T - c.recency,
      frequency: c.frequency,
      monetary: c.monetary,
    })),
  );
  // Per customer as numbers first; objects only for the customers the report lists.
  const n = summary.length;
  const predictions = summary.map(predictionsOf);
  const spend = new Float64Array(n);
  const clv = new Float64Array(n);
  const pAlive = new Float64Array(n);
  const segmentStats = new Map(RFM_SEGMENTS.map((s) => [s.id, { customers: 0, clv: 0 }]));
  let totalPurchases = 0;
  let totalClv = 0;
  summary.forEach((c, i) => {
    spend[i] = conditionalExpectedSpend(gg, c.frequency, c.monetary);
    clv[i] = spend[i]! * predictions[i]!.clvPerSpend;
    pAlive[i] = predictions[i]!.pAlive;
    totalPurchases += predictions[i]!.purchases;
    totalClv += clv[i]!;
    const stats = segmentStats.get(rfm[i]!.segment)!;
    stats.customers++;
    stats.clv += clv[i]!;
  });
  const segments = RFM_SEGMENTS.map((s) => {
    const stats = segmentStats.get(s.id)!;
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      customers: stats.customers,
      meanClv: stats.customers ? stats.clv / stats.customers : null,
    };
  });
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => clv[j]! - clv[i]! || (summary[i]!.customer < summary[j]!.customer ? -1 : 1),
  );
  const listed = (options.limit === null ? order : order.slice(0, options.limit)).map((i): ClvCustomer => {
    const c = summary[i]!;
    return {
      customerId: c.customer,
      frequency: c.frequency,
      recency: c.recency,
      T: c.T,
      monetary: c.monetary,
      expectedPurchases: predictions[i]!.purchases,
      pAlive: predictions[i]!.pAlive,
      expectedSpend: spend[i]!,
      clv: clv[i]!,
      segment: rfm[i]!.segment,
    };
  });

  let holdout: ClvReport["holdout"] = null;
  if (context.holdout) {
    const { start, end, actual } = context.holdout;
    const length = ((end - start) / DAY + 1) / unitDays;
    const validation = holdoutValidation(
      summary.map((c) => ({
        frequency: c.frequency,
        predicted: expected(length, c.frequency, c.recency, c.T),
        actual: actual.get(c.customer) ?? 0,
      })),
    );
    holdout = { start, end, ...validation };
  }

  return {
    source: context.source,
    unit: options.unit,
    model: options.model,
    horizon,
    months: options.months,
    discount: options.discount,
    currency: context.currency,
    calibrationEnd: context.calibrationEnd,
    bgnbd: { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b, logLikelihood: bg.logLikelihood },
    paretoNbd: pareto
      ? {
          r: pareto.r,
          alpha: pareto.alpha,
          s: pareto.s,
          beta: pareto.beta,
          logLikelihood: pareto.logLikelihood,
        }
      : null,
    gammaGamma: { p: gg.p, q: gg.q, gamma: gg.gamma, logLikelihood: gg.logLikelihood, customers: repeaters },
    totals: {
      customers: n,
      repeatCustomers: summary.filter((c) => c.frequency > 0).length,
      expectedPurchases: totalPurchases,
      clv: totalClv,
    },
    segments,
    holdout,
    // Over every customer, not only the listed ones (the highest CLVs would skew it).
    distribution: clvDistribution(clv, pAlive),
    customers: listed,
  };
}
