import type { Catalog } from "../../catalog/catalog.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import * as bgnbd from "./bgnbd.js";
import { customerLifetimeValue, MONTH } from "./clv.js";
import { conditionalExpectedSpend, fitGammaGamma } from "./gamma-gamma.js";
import * as paretoNbd from "./pareto-nbd.js";
import { warehousePurchases } from "./purchases.js";
import type { ClvCustomer, ClvReport } from "./report.js";
import { RFM_SEGMENTS, rfmScores } from "./rfm.js";
import type { CustomerSummary, TimeUnit } from "./summary.js";
import { UNIT_DAYS } from "./summary.js";
import { holdoutValidation } from "./validation.js";

const DAY = 86_400_000;
// Parameters to 1e-6 relative are far finer than their standard errors; tighter costs evaluations.
const FIT = { xTol: 1e-6, fTol: 1e-10 };

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

/** CLV from the goal events of the warehouse: the summary is computed in SQL, the models in Node. */
export async function lifetimeValue(
  wh: Warehouse,
  catalog: Catalog,
  options: LifetimeValueOptions & { from: number | null; to: number | null; holdoutFrom: number | null },
): Promise<ClvReport> {
  const purchases = await warehousePurchases(wh, catalog, options);
  return lifetimeValueOf(purchases.summary, options, {
    source: "warehouse",
    currency: purchases.currency,
    calibrationEnd: purchases.calibrationEnd,
    holdout: purchases.holdout,
  });
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
  const bg = bgnbd.fitBgNbd(summary, FIT);
  const pareto = options.model === "pareto_nbd" ? paretoNbd.fitParetoNbd(summary, FIT) : null;
  const gg = fitGammaGamma(summary, FIT);
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
  const customers: ClvCustomer[] = summary.map((c, i) => {
    const p = predictionsOf(c);
    const expectedSpend = conditionalExpectedSpend(gg, c.frequency, c.monetary);
    return {
      customerId: c.customer,
      frequency: c.frequency,
      recency: c.recency,
      T: c.T,
      monetary: c.monetary,
      expectedPurchases: p.purchases,
      pAlive: p.pAlive,
      expectedSpend,
      clv: expectedSpend * p.clvPerSpend,
      segment: rfm[i]!.segment,
    };
  });

  const segments = RFM_SEGMENTS.map((s) => {
    const members = customers.filter((c) => c.segment === s.id);
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      customers: members.length,
      meanClv: members.length ? members.reduce((sum, c) => sum + c.clv, 0) / members.length : null,
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

  const sorted = customers.sort((a, b) => b.clv - a.clv || (a.customerId < b.customerId ? -1 : 1));
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
      customers: customers.length,
      repeatCustomers: customers.filter((c) => c.frequency > 0).length,
      expectedPurchases: customers.reduce((s, c) => s + c.expectedPurchases, 0),
      clv: customers.reduce((s, c) => s + c.clv, 0),
    },
    segments,
    holdout,
    customers: options.limit === null ? sorted : sorted.slice(0, options.limit),
  };
}
