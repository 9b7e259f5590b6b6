import type { Catalog } from "../../catalog/catalog.js";
import { type CompiledCatalog, compileCatalog } from "../../catalog/compile.js";
import { touchpointCondition } from "../../catalog/touchpoint-rule.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { cachedEventCodes, cachedEventIs, eventCache } from "../cache/event-cache.js";
import { type Scope, scopeConditions } from "../scope.js";
import { cachedEventsWhere } from "../sequences.js";
import { firstPeriodFrom, type PeriodUnit } from "./periods.js";
import type { RetentionReport } from "./report.js";
import { type ReturnRule, returnRuleText } from "./return-rule.js";
import { type RetentionAggregates, shapeRetention } from "./shape.js";

export type CohortBasis = "first_seen" | "first_goal";

export interface RetentionOptions extends Scope {
  /** Customers grouped by the period of their first event, or of their first goal (conversion). */
  cohort: CohortBasis;
  /** What makes a customer active in a period. */
  returnOn: ReturnRule;
  period: PeriodUnit;
  /** Offsets 0..periods. */
  periods: number;
}

type Row = {
  kind: "end" | "cohort" | "cell" | "activity";
  p: number | null;
  offset: number | null;
  customers: number | null;
  new: number | null;
  returning: number | null;
  resurrected: number | null;
  dormant_next: number | null;
  ms: number | null;
};

/**
 * Cohort retention and lifecycle in one statement. The warehouse reduces the scope's events to distinct
 * (customer, period) activity, then each customer to their cohort period and sorted list of active
 * periods; unnesting that list beside its shifted copies gives each active period with the customer's
 * previous and next active period, which is all the lifecycle needs. Only aggregates per (cohort, offset)
 * and per period reach Node. `from` selects cohorts (and lifecycle periods), not events: a customer's
 * first event is their first ever, so events before `from` are read; events from `to` on are not.
 */
export async function retention(
  wh: Warehouse,
  catalog: Catalog,
  options: RetentionOptions,
): Promise<RetentionReport> {
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  const d = b.dialect;
  const unit = options.period;
  const cached = (await eventCache(wh, catalog)) !== null;
  const active = cached
    ? cachedActiveCondition(
        b,
        catalog,
        await cachedEventCodes(wh, options.returnOn.kind === "event" ? [options.returnOn.name] : []),
        options.returnOn,
      )
    : activeCondition(b, catalog, compiled, options.returnOn);
  // Only what is bound is built: SqlBuilder numbers every parameter it is given.
  const goal = () => (cached ? "e.is_goal" : `${compiled.goal(b)} IS NOT NULL`);
  const columns = `${options.cohort === "first_goal" ? `, bool_or(${goal()}) AS is_goal` : ""}
                   ${active === null ? "" : `, bool_or(${active}) AS is_active`}`;
  // Each customer's active periods: from the cache (classified events, customers numbered), or the events.
  let activity: string;
  if (cached) {
    activity = `SELECT e.cust AS customer_id, ${d.periodIndex(unit, "e.ts")} AS p ${columns}
                FROM cache_events e
                ${cachedEventsWhere(b, { from: null, to: options.to, segment: options.segment ?? null })}
                GROUP BY 1, 2`;
  } else {
    const where = scopeConditions(b, { from: null, to: options.to, segment: options.segment ?? null });
    activity = `SELECT customer_id, ${d.periodIndex(unit, "ts")} AS p ${columns}
                FROM customer_events WHERE ${where.join(" AND ")}
                GROUP BY customer_id, p`;
  }
  const lo = options.from === null ? null : b.param(firstPeriodFrom(unit, options.from));
  // CTE names are prefixed so that they cannot shadow a table a segment condition reads.
  const sql = `
    WITH r_activity AS (${activity}),
    r_customers AS MATERIALIZED (
      SELECT ${options.cohort === "first_goal" ? "min(p) FILTER (WHERE is_goal)" : "min(p)"} AS cohort,
             list_sort(list(p)${active === null ? "" : " FILTER (WHERE is_active)"}) AS ps
      FROM r_activity GROUP BY customer_id
    ),
    r_periods AS (
      SELECT cohort, unnest(ps) AS p,
             unnest(list_prepend(CAST(NULL AS BIGINT), ps[1:-2])) AS prev,
             unnest(list_append(ps[2:], CAST(NULL AS BIGINT))) AS next
      FROM r_customers WHERE len(ps) > 0
    )
    SELECT 'end' AS kind, ${d.toEpochMs("max(ts)")} AS ms FROM events WHERE NOT is_bot
    UNION ALL BY NAME
    SELECT 'cohort' AS kind, cohort AS p, count(*) AS customers
    FROM r_customers WHERE cohort IS NOT NULL ${lo ? `AND cohort >= ${lo}` : ""} GROUP BY cohort
    UNION ALL BY NAME
    SELECT 'cell' AS kind, cohort AS p, p - cohort AS "offset", count(*) AS customers
    FROM r_periods WHERE p - cohort BETWEEN 0 AND ${b.param(options.periods)} ${lo ? `AND cohort >= ${lo}` : ""}
    GROUP BY cohort, p
    UNION ALL BY NAME
    SELECT 'activity' AS kind, p,
           count(*) FILTER (WHERE prev IS NULL) AS new,
           count(*) FILTER (WHERE prev = p - 1) AS returning,
           count(*) FILTER (WHERE prev < p - 1) AS resurrected,
           count(*) FILTER (WHERE next IS NULL OR next > p + 1) AS dormant_next
    FROM r_periods ${lo ? `WHERE p >= ${lo} - 1` : ""} GROUP BY p`;
  const rows = await wh.query<Row>(sql, b.params);

  const of = (kind: Row["kind"]) => rows.filter((r) => r.kind === kind);
  const aggregates: RetentionAggregates = {
    lastEvent: of("end")[0]?.ms ?? null,
    cohorts: of("cohort").map((r) => ({ p: r.p!, customers: r.customers! })),
    cells: of("cell").map((r) => ({ p: r.p!, offset: r.offset!, customers: r.customers! })),
    activity: of("activity").map((r) => ({
      p: r.p!,
      new: r.new!,
      returning: r.returning!,
      resurrected: r.resurrected!,
      dormantNext: r.dormant_next!,
    })),
  };
  return {
    from: options.from,
    to: options.to,
    cohort: options.cohort,
    period: unit,
    periods: options.periods,
    returnOn: returnRuleText(options.returnOn),
    ...shapeRetention(aggregates, { unit, periods: options.periods, from: options.from, to: options.to }),
  };
}

/** SQL over a `cache_events` row `e`: it makes its customer active (null: every event does). */
function cachedActiveCondition(
  b: SqlBuilder,
  catalog: Catalog,
  codes: ReadonlyMap<string, number>,
  rule: ReturnRule,
): string | null {
  if (rule.kind === "any") return null;
  if (rule.kind === "goal") return cachedEventIs(b, catalog, codes, "goal", null);
  return cachedEventIs(b, catalog, codes, rule.kind, rule.kind === "event" ? rule.name : rule.id);
}

/** SQL over an events row: it makes its customer active (null: every event does). */
function activeCondition(
  b: SqlBuilder,
  catalog: Catalog,
  compiled: CompiledCatalog,
  rule: ReturnRule,
): string | null {
  switch (rule.kind) {
    case "any":
      return null;
    case "goal":
      return `${compiled.goal(b)} IS NOT NULL`;
    case "touchpoint":
      return touchpointCondition(b, catalog, rule.id);
    case "event":
      return `event = ${b.param(rule.name)}`;
  }
}
