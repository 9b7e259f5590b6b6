import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { classifiedEvents, type Scope } from "../scope.js";
import type { JourneyMapReport, TouchpointStats } from "./report.js";

export interface JourneyMapOptions extends Scope {
  /** Touchpoints this long before a conversion (and after the previous one) share its credit. */
  lookbackMs?: number;
}

const DAY = 86_400_000;

type TouchpointRow = {
  touchpoint: string;
  customers: number;
  events: number;
  converted: number;
  median_s_to_conversion: number | null;
  dropped: number | null;
  median_s_to_next: number | null;
  responses: number | null;
  csat: number | null;
  csat_mean: number | null;
  nps: number | null;
  ces: number | null;
  attributed_conversions: number | null;
  attributed_revenue: number | null;
};

/**
 * The journey map measured: per stage and touchpoint, reach, conversion, drop-off, time to the next
 * touchpoint and to conversion, satisfaction and attributed conversions (definitions in docs/metrics.md).
 * One pass of window functions in the warehouse; Node receives one row per touchpoint.
 */
export async function journeyMap(
  wh: Warehouse,
  catalog: Catalog,
  options: JourneyMapOptions,
): Promise<JourneyMapReport> {
  const lookbackMs = options.lookbackMs ?? 30 * DAY;
  const b = new SqlBuilder(wh.dialect);
  const compiled = compileCatalog(catalog);
  const lookback = b.param(lookbackMs);
  const sql = `
    WITH ev AS (${classifiedEvents(b, compiled, options)}),
    t AS (
      SELECT customer_id, ts, touchpoint, goal,
             CASE WHEN goal IS NOT NULL THEN coalesce(goal_value, 0) END AS goal_value,
             event = 'Survey Responded' AS is_response,
             CASE WHEN event = 'Survey Responded' THEN ${b.dialect.jsonText("properties", "touchpoint")} END AS rated,
             CASE WHEN event = 'Survey Responded' THEN ${b.dialect.jsonText("properties", "metric")} END AS metric,
             CASE WHEN event = 'Survey Responded'
                  THEN TRY_CAST(${b.dialect.jsonText("properties", "score")} AS DOUBLE) END AS score
      FROM ev WHERE touchpoint IS NOT NULL OR goal IS NOT NULL OR event = 'Survey Responded'
    ),
    w AS (
      SELECT *,
        min(CASE WHEN goal IS NOT NULL THEN ts END) OVER fwd AS next_goal_ts,
        first_value(goal_value IGNORE NULLS) OVER fwd AS next_goal_value,
        last_value(CASE WHEN NOT is_response THEN touchpoint END IGNORE NULLS) OVER back AS previous_touchpoint
      FROM t
      WINDOW fwd AS (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING),
             back AS (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
    ),
    tp AS (SELECT customer_id, ts, touchpoint, next_goal_ts, next_goal_value FROM w WHERE touchpoint IS NOT NULL),
    per_customer AS (
      SELECT touchpoint, customer_id, count(*) AS n, min(ts) AS first_ts, arg_min(next_goal_ts, ts) AS goal_after_first
      FROM tp GROUP BY touchpoint, customer_id
    ),
    reach AS (
      SELECT touchpoint, count(*) AS customers, sum(n) AS events, count(goal_after_first) AS converted,
             median(epoch_ms(goal_after_first) - epoch_ms(first_ts)) / 1000 AS median_s_to_conversion
      FROM per_customer GROUP BY touchpoint
    ),
    last_seen AS (
      SELECT arg_max(touchpoint, ts) FILTER (WHERE touchpoint IS NOT NULL) AS touchpoint,
             max(ts) FILTER (WHERE touchpoint IS NOT NULL) AS last_touch,
             max(ts) FILTER (WHERE goal IS NOT NULL) AS last_goal
      FROM t GROUP BY customer_id
    ),
    drops AS (
      SELECT touchpoint, count(*) AS dropped FROM last_seen
      WHERE touchpoint IS NOT NULL AND (last_goal IS NULL OR last_touch > last_goal) GROUP BY touchpoint
    ),
    runs AS (
      SELECT customer_id, ts, touchpoint,
             lag(touchpoint) OVER (PARTITION BY customer_id ORDER BY ts) AS prev
      FROM tp
    ),
    run_starts AS (
      SELECT touchpoint, ts, lead(ts) OVER (PARTITION BY customer_id ORDER BY ts) AS next_ts
      FROM runs WHERE prev IS DISTINCT FROM touchpoint
    ),
    next_step AS (
      SELECT touchpoint, median(epoch_ms(next_ts) - epoch_ms(ts)) / 1000 AS median_s_to_next
      FROM run_starts WHERE next_ts IS NOT NULL GROUP BY touchpoint
    ),
    answers AS (
      SELECT coalesce(rated, previous_touchpoint) AS touchpoint, metric, score FROM w
      WHERE is_response AND (
        (metric = 'csat' AND score BETWEEN 1 AND 5) OR (metric = 'nps' AND score BETWEEN 0 AND 10)
        OR (metric = 'ces' AND score BETWEEN 1 AND 7))
    ),
    satisfaction AS (
      SELECT touchpoint, count(*) AS responses,
             100 * avg(CASE WHEN score >= 4 THEN 1 ELSE 0 END) FILTER (WHERE metric = 'csat') AS csat,
             avg(score) FILTER (WHERE metric = 'csat') AS csat_mean,
             100 * (avg(CASE WHEN score >= 9 THEN 1 ELSE 0 END) FILTER (WHERE metric = 'nps')
                  - avg(CASE WHEN score <= 6 THEN 1 ELSE 0 END) FILTER (WHERE metric = 'nps')) AS nps,
             avg(score) FILTER (WHERE metric = 'ces') AS ces
      FROM answers WHERE touchpoint IS NOT NULL GROUP BY touchpoint
    ),
    credited AS (
      SELECT touchpoint, next_goal_value,
             count(*) OVER (PARTITION BY customer_id, next_goal_ts) AS touches
      FROM tp
      WHERE next_goal_ts IS NOT NULL AND epoch_ms(next_goal_ts) - epoch_ms(ts) <= ${lookback}
    ),
    attribution AS (
      SELECT touchpoint, sum(1.0 / touches) AS attributed_conversions,
             sum(next_goal_value / touches) AS attributed_revenue
      FROM credited GROUP BY touchpoint
    )
    SELECT r.touchpoint, r.customers, r.events, r.converted, r.median_s_to_conversion, d.dropped,
           n.median_s_to_next, s.responses, s.csat, s.csat_mean, s.nps, s.ces,
           a.attributed_conversions, a.attributed_revenue
    FROM reach r
    LEFT JOIN drops d USING (touchpoint)
    LEFT JOIN next_step n USING (touchpoint)
    LEFT JOIN satisfaction s USING (touchpoint)
    LEFT JOIN attribution a USING (touchpoint)`;

  const totalsBuilder = new SqlBuilder(wh.dialect);
  const totalsSql = `
    WITH ev AS (${classifiedEvents(totalsBuilder, compiled, options)})
    SELECT count(DISTINCT customer_id) AS customers,
           count(DISTINCT customer_id) FILTER (WHERE goal IS NOT NULL) AS converters,
           count(*) FILTER (WHERE goal IS NOT NULL) AS conversions,
           coalesce(sum(goal_value) FILTER (WHERE goal IS NOT NULL), 0) AS revenue,
           mode(${wh.dialect.jsonText("properties", "currency")}) FILTER (WHERE goal IS NOT NULL) AS currency
    FROM ev`;

  const [rows, [totals]] = await Promise.all([
    wh.query<TouchpointRow>(sql, b.params),
    wh.query<{
      customers: number;
      converters: number;
      conversions: number;
      revenue: number;
      currency: string | null;
    }>(totalsSql, totalsBuilder.params),
  ]);
  const byId = new Map(rows.map((r) => [r.touchpoint, r]));
  const attributed = rows.reduce((sum, r) => sum + (r.attributed_conversions ?? 0), 0);
  const converters = totals?.converters ?? 0;

  const stats = (id: string): TouchpointStats => {
    const tp = catalog.touchpoints.find((t) => t.id === id)!;
    const r = byId.get(id);
    const customers = r?.customers ?? 0;
    const ratio = (n: number, d: number) => (d > 0 ? n / d : null);
    return {
      id,
      name: tp.name,
      stage: tp.stage,
      channel: tp.channel,
      owner: tp.owner,
      customers,
      events: r?.events ?? 0,
      conversionRate: ratio(r?.converted ?? 0, customers),
      shareOfConverters: ratio(r?.converted ?? 0, converters),
      dropOff: ratio(r?.dropped ?? 0, customers),
      droppedCustomers: r?.dropped ?? 0,
      medianSecondsToNext: r?.median_s_to_next ?? null,
      medianSecondsToConversion: r?.median_s_to_conversion ?? null,
      satisfaction: {
        responses: r?.responses ?? 0,
        csat: r?.csat ?? null,
        csatMean: r?.csat_mean ?? null,
        nps: r?.nps ?? null,
        ces: r?.ces ?? null,
      },
      attributedConversions: r?.attributed_conversions ?? 0,
      attributedRevenue: r?.attributed_revenue ?? 0,
      target: tp.target,
    };
  };

  return {
    from: options.from,
    to: options.to,
    currency: catalog.currency ?? totals?.currency ?? null,
    attribution: { model: "linear", lookbackDays: lookbackMs / DAY },
    totals: {
      customers: totals?.customers ?? 0,
      converters,
      conversions: totals?.conversions ?? 0,
      revenue: totals?.revenue ?? 0,
      unattributedConversions: Math.max(0, (totals?.conversions ?? 0) - attributed),
    },
    stages: catalog.stages.map((s) => ({
      id: s.id,
      name: s.name,
      touchpoints: catalog.touchpoints.filter((t) => t.stage === s.id).map((t) => stats(t.id)),
    })),
  };
}
