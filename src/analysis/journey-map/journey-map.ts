import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { markov } from "../attribution/markov.js";
import { eventCache } from "../cache/event-cache.js";
import type { Scope } from "../scope.js";
import {
  cachedCustomers,
  cachedEvents,
  codedEvents,
  codeOf,
  conversionsCte,
  GOAL_CODE,
  msOf,
  pathSummarySelect,
  scopeTimeWhere,
  sequenceAggregates,
} from "../sequences.js";
import type { JourneyMapReport, TouchpointStats } from "./report.js";

export interface JourneyMapOptions extends Scope {
  /** Touchpoints this long before a conversion (and after the previous one) share its credit. */
  lookbackMs?: number;
  /** Read the classification cache (the default; see cache/event-cache.ts) or classify every event. */
  cache?: boolean;
}

const DAY = 86_400_000;

type PathRow = {
  kind: "path";
  path: number[] | null;
  conversions: number;
  value: number;
  nulls: number;
};

type TouchpointRow = {
  kind: "touchpoint";
  code: number | null;
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
  total_customers: number;
  total_converters: number;
  total_conversions: number;
  total_revenue: number;
  total_currency: string | null;
};

/**
 * The journey map measured: per stage and touchpoint, reach, conversion, drop-off, time to the next
 * touchpoint and to conversion, satisfaction and attributed conversions (definitions in docs/metrics.md).
 * One query: each customer's touches become a sorted list of packed integers, and every measure is a
 * list operation on it (no window functions); Node receives one row per touchpoint.
 */
export async function journeyMap(
  wh: Warehouse,
  catalog: Catalog,
  options: JourneyMapOptions,
): Promise<JourneyMapReport> {
  const lookbackMs = options.lookbackMs ?? 30 * DAY;
  const b = new SqlBuilder(wh.dialect);
  const compiled = compileCatalog(catalog);
  const codeCase = (expr: string) =>
    `CASE ${expr} ${compiled.touchpointIds.map((id, i) => `WHEN '${id}' THEN ${i + 1}`).join(" ")} END`;
  const isResponse = "event = 'Survey Responded'";
  const responseField = (field: string) =>
    `CASE WHEN ${isResponse} THEN ${b.dialect.jsonText("properties", field)} END`;
  // A touch is packed as ms·CODE_SPACE + code·2 + (1 if it is a survey response): sorting a plain integer
  // list orders the customer's touches by time, and the low bit keeps answers out of "the touchpoint before".
  const touch = (x: string) => `(${codeOf(x)} // 2)`;
  const at = msOf;
  // by_code sorts the same touches code-major (code·2^42 + ms): each code's first touch is where it changes.
  const C = 2 ** 42;
  const lookback = b.param(lookbackMs);
  const cache = options.cache === false ? null : await eventCache(wh, catalog);
  // Survey answers: from the cache's own table, or from the events themselves.
  const answerRows = cache
    ? `SELECT m.cust AS customer_id, ${b.dialect.toEpochMs("a.ts")} AS ms, a.rated, a.metric, a.score
       FROM cache_answers a JOIN (${cachedCustomers(b, options)}) m USING (ident)
       ${scopeTimeWhere(b, "a.ts", options)}`
    : "SELECT customer_id, ms, rated, metric, score FROM ev WHERE is_response";
  const events = cache
    ? cachedEvents(b, options, ["e.is_response", "e.currency"])
    : codedEvents(b, compiled, options, [
        `${isResponse} AS is_response`,
        `${responseField("touchpoint")} AS rated`,
        `${responseField("metric")} AS metric`,
        `TRY_CAST(${responseField("score")} AS DOUBLE) AS score`,
        "currency",
      ]);
  const sql = `
    WITH ev AS (${events}),
    seq0 AS MATERIALIZED (
      SELECT customer_id, ${sequenceAggregates("code IS NOT NULL", "code * 2 + is_response::INTEGER")},
             list_sort(list(code * ${C} + ms) FILTER (WHERE code IS NOT NULL)) AS by_code,
             any_value(currency) FILTER (WHERE is_goal) AS currency
      FROM ev GROUP BY customer_id
    ),
    seq AS MATERIALIZED (
      SELECT customer_id, l, gms, gv, n_goals, n_touches, by_code, currency,
             CASE WHEN n_touches > 0 THEN CASE WHEN n_goals = 0 THEN l
                                               ELSE list_filter(l, x -> ${codeOf("x")} <> ${GOAL_CODE}) END END AS touches,
             CASE WHEN n_goals > 0 THEN list_sort(gms) END AS goals,
             CASE WHEN n_goals > 0 THEN list_select(gv, list_grade_up(gms)) END AS goal_values
      FROM seq0
    ),
    firsts AS (
      SELECT by_code, goals,
             list_filter(range(1, len(by_code) + 1),
                         i -> i = 1 OR by_code[i] // ${C} <> by_code[i - 1] // ${C}) AS starts
      FROM seq WHERE by_code IS NOT NULL
    ),
    reached AS (
      SELECT unnest(list_transform(starts, i -> by_code[i] // ${C})) AS code,
             unnest(list_transform(range(1, len(starts) + 1),
                                   k -> coalesce(starts[k + 1], len(by_code) + 1) - starts[k])) AS events,
             unnest(list_transform(starts,
                                   i -> list_filter(goals, g -> g >= by_code[i] % ${C})[1] - by_code[i] % ${C})) AS to_conversion
      FROM firsts
    ),
    reach AS (
      SELECT code, count(*) AS customers, sum(events) AS events, count(to_conversion) AS converted,
             median(to_conversion) / 1000 AS median_s_to_conversion
      FROM reached GROUP BY code
    ),
    drops AS (
      SELECT ${touch("touches[-1]")} AS code, count(*) AS dropped FROM seq
      WHERE touches IS NOT NULL AND (goals IS NULL OR ${at("touches[-1]")} > goals[-1]) GROUP BY 1
    ),
    runs AS (
      SELECT list_filter(touches, (x, i) -> i = 1 OR ${touch("x")} <> ${touch("touches[i - 1]")}) AS r
      FROM seq WHERE len(touches) > 1
    ),
    next_step AS (
      SELECT code, median(gap) / 1000 AS median_s_to_next FROM (
        SELECT unnest(list_transform(range(1, len(r)), k -> ${touch("r[k]")})) AS code,
               unnest(list_transform(range(1, len(r)), k -> ${at("r[k + 1]")} - ${at("r[k]")})) AS gap
        FROM runs WHERE len(r) > 1)
      GROUP BY code
    ),
    answers AS (
      SELECT coalesce(${codeCase("a.rated")},
                      ${touch(`list_filter(s.touches, x -> ${at("x")} < a.ms AND x % 2 = 0)[-1]`)}) AS code,
             a.metric, a.score
      FROM (${answerRows}) a JOIN seq s USING (customer_id)
      WHERE (
        (a.metric = 'csat' AND a.score BETWEEN 1 AND 5) OR (a.metric = 'nps' AND a.score BETWEEN 0 AND 10)
        OR (a.metric = 'ces' AND a.score BETWEEN 1 AND 7))
    ),
    satisfaction AS (
      SELECT code, count(*) AS responses,
             100 * avg(CASE WHEN score >= 4 THEN 1 ELSE 0 END) FILTER (WHERE metric = 'csat') AS csat,
             avg(score) FILTER (WHERE metric = 'csat') AS csat_mean,
             100 * (avg(CASE WHEN score >= 9 THEN 1 ELSE 0 END) FILTER (WHERE metric = 'nps')
                  - avg(CASE WHEN score <= 6 THEN 1 ELSE 0 END) FILTER (WHERE metric = 'nps')) AS nps,
             avg(score) FILTER (WHERE metric = 'ces') AS ces
      FROM answers WHERE code IS NOT NULL GROUP BY code
    ),
    ${conversionsCte(lookback)},
    totals AS (
      SELECT count(*) AS customers, count(goals) AS converters, coalesce(sum(len(goals)), 0) AS conversions,
             coalesce(sum(list_sum(goal_values)), 0) AS revenue, mode(currency) AS currency
      FROM seq
    )
    SELECT 'touchpoint' AS kind, r.code, r.customers, r.events, r.converted, r.median_s_to_conversion,
           d.dropped, n.median_s_to_next, s.responses, s.csat, s.csat_mean, s.nps, s.ces,
           t.customers AS total_customers, t.converters AS total_converters,
           t.conversions AS total_conversions, t.revenue AS total_revenue, t.currency AS total_currency
    FROM totals t
    LEFT JOIN reach r ON true
    LEFT JOIN drops d USING (code)
    LEFT JOIN next_step n USING (code)
    LEFT JOIN satisfaction s USING (code)
    UNION ALL BY NAME
    ${pathSummarySelect(lookback, touch, true)}`;

  const result = await wh.query<TouchpointRow | PathRow>(sql, b.params);
  const rows = result.filter((r): r is TouchpointRow => r.kind === "touchpoint");
  const allPaths = result.filter((r): r is PathRow => r.kind === "path");
  const paths = allPaths.filter((r) => r.path!.length > 0);
  const unattributed = allPaths.find((r) => r.path!.length === 0);
  // Data-driven credit: first-order Markov removal effects over the touchpoint journeys.
  const credit = new Map(
    paths.length
      ? markov(
          paths.map((p) => ({ ...p, path: p.path!.map((code) => compiled.touchpointIds[code - 1]!) })),
          1,
        ).credits.map((c) => [c.key, c])
      : [],
  );
  const totals = rows[0]
    ? {
        customers: rows[0].total_customers,
        converters: rows[0].total_converters,
        conversions: rows[0].total_conversions,
        revenue: rows[0].total_revenue,
        currency: rows[0].total_currency,
      }
    : undefined;
  const byId = new Map(
    rows.filter((r) => r.code !== null).map((r) => [compiled.touchpointIds[r.code! - 1], r]),
  );
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
      attributedConversions: credit.get(id)?.conversions ?? 0,
      attributedRevenue: credit.get(id)?.value ?? 0,
      target: tp.target,
    };
  };

  return {
    from: options.from,
    to: options.to,
    currency: catalog.currency ?? totals?.currency ?? null,
    attribution: { model: "markov", order: 1, lookbackDays: lookbackMs / DAY },
    totals: {
      customers: totals?.customers ?? 0,
      converters,
      conversions: totals?.conversions ?? 0,
      revenue: totals?.revenue ?? 0,
      unattributedConversions: unattributed?.conversions ?? 0,
    },
    stages: catalog.stages.map((s) => ({
      id: s.id,
      name: s.name,
      touchpoints: catalog.touchpoints.filter((t) => t.stage === s.id).map((t) => stats(t.id)),
    })),
  };
}
