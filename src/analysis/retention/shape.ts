import { firstPeriodFrom, type PeriodUnit, periodEnd, periodLabel, periodOf } from "./periods.js";
import type { LifecyclePeriod, RetentionCohort, RetentionOverall, RetentionReport } from "./report.js";

/**
 * What the retention query returns: aggregates whose size depends on the number of periods, never on the
 * number of customers or events. Periods are integers (see periods.ts).
 */
export interface RetentionAggregates {
  /** Epoch ms of the warehouse's last event (bots excluded), or null when it holds none. */
  lastEvent: number | null;
  /** Cohort sizes by cohort period. */
  cohorts: { p: number; customers: number }[];
  /** Active customers by cohort period and offset (0..periods); missing cells are 0. */
  cells: { p: number; offset: number; customers: number }[];
  /**
   * Per period p of activity: customers active in p for the first time (`new`), active in p − 1 too
   * (`returning`), or neither (`resurrected`), and those active in p but not in p + 1 (`dormantNext`:
   * the dormant of period p + 1).
   */
  activity: { p: number; new: number; returning: number; resurrected: number; dormantNext: number }[];
}

export interface ShapeOptions {
  unit: PeriodUnit;
  /** The last offset shown. */
  periods: number;
  from: number | null;
  to: number | null;
}

/**
 * Lays the aggregates out as the report: every offset 0..periods of every cohort, each marked complete
 * when its period ended by `end` (activity is observed before `end` = `to`, or just after the last event,
 * whichever is earlier); the customer-weighted average of the complete cells per offset; and the lifecycle
 * of every period from `from` (else the first active period) to the one holding `end`.
 */
export function shapeRetention(
  agg: RetentionAggregates,
  options: ShapeOptions,
): Pick<RetentionReport, "end" | "cohorts" | "overall" | "lifecycle"> {
  const { unit, periods, from, to } = options;
  const end = agg.lastEvent === null ? null : Math.min(to ?? Number.POSITIVE_INFINITY, agg.lastEvent + 1);
  const complete = (p: number) => end !== null && periodEnd(unit, p) <= end;
  const lo = from === null ? null : firstPeriodFrom(unit, from);

  const cells = new Map(agg.cells.map((c) => [`${c.p}:${c.offset}`, c.customers]));
  const cohorts: RetentionCohort[] = agg.cohorts
    .filter((c) => c.customers > 0 && (lo === null || c.p >= lo))
    .sort((a, b) => a.p - b.p)
    .map((c) => ({
      start: periodLabel(unit, c.p),
      customers: c.customers,
      retention: Array.from({ length: periods + 1 }, (_, offset) => {
        const customers = cells.get(`${c.p}:${offset}`) ?? 0;
        return { offset, customers, share: customers / c.customers, complete: complete(c.p + offset) };
      }),
    }));

  const overall: RetentionOverall[] = Array.from({ length: periods + 1 }, (_, offset) => {
    const counted = cohorts.filter((c) => c.retention[offset]!.complete);
    const customers = counted.reduce((s, c) => s + c.retention[offset]!.customers, 0);
    const cohortCustomers = counted.reduce((s, c) => s + c.customers, 0);
    return {
      offset,
      customers,
      share: cohortCustomers > 0 ? customers / cohortCustomers : null,
      cohorts: counted.length,
      cohortCustomers,
    };
  });

  const lifecycle: LifecyclePeriod[] = [];
  const activity = new Map(agg.activity.map((a) => [a.p, a]));
  const active = agg.activity.filter((a) => a.new + a.returning + a.resurrected > 0).map((a) => a.p);
  const first = lo ?? (active.length ? Math.min(...active) : null);
  if (end !== null && first !== null) {
    for (let p = first; p <= periodOf(unit, end - 1); p++) {
      const a = activity.get(p);
      const counts = { new: a?.new ?? 0, returning: a?.returning ?? 0, resurrected: a?.resurrected ?? 0 };
      lifecycle.push({
        start: periodLabel(unit, p),
        ...counts,
        dormant: activity.get(p - 1)?.dormantNext ?? 0,
        active: counts.new + counts.returning + counts.resurrected,
        complete: complete(p),
      });
    }
  }
  return { end, cohorts, overall, lifecycle };
}
