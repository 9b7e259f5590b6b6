import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { type FirstOrderTransitions, markovOfTransitions } from "../attribution/markov.js";
import { eventCache, SURVEY_RESPONSE } from "../cache/event-cache.js";
import type { Scope } from "../scope.js";
import {
  BY_CODE_SPACE,
  buildSequences,
  cachedSequences,
  codedEvents,
  codeOf,
  conversionsCte,
  GOAL_CODE,
  msOf,
  nullJourneysSelect,
  scopeTimeWhere,
  touchOf,
} from "../sequences.js";
import type { JourneyMapReport, TouchpointStats } from "./report.js";

export interface JourneyMapOptions extends Scope {
  /** Touchpoints this long before a conversion (and after the previous one) share its credit. */
  lookbackMs?: number;
  /** Read the classification cache (the default; see cache/event-cache.ts) or classify every event. */
  cache?: boolean;
}

const DAY = 86_400_000;

/** The journeys' first-order transitions by touchpoint code (see `transitionsSelect`). */
type TransitionRow =
  | { kind: "start"; to_code: number; weight: number }
  | { kind: "step"; from_code: number; to_code: number; weight: number }
  | { kind: "end"; from_code: number; conversions: number; nulls: number; value: number }
  | { kind: "unattributed"; conversions: number };

/**
 * SQL over the CTEs `journeys` and `conversions`: the first-order transitions of the journeys by key (what
 * Markov reads, summed in the warehouse: consecutive pairs of touches, no per-path grouping), and the
 * conversions without a touch in their window.
 */
function transitionsSelect(keyOf: (x: string) => string): string {
  return `SELECT 'step' AS kind, ${keyOf("a")} AS from_code, ${keyOf("b")} AS to_code, sum(w)::DOUBLE AS weight
    FROM (SELECT unnest(path[:len(path) - 1]) AS a, unnest(path[2:]) AS b, conversions + nulls AS w FROM journeys)
    WHERE ${keyOf("a")} <> ${keyOf("b")} GROUP BY 2, 3
    UNION ALL BY NAME
    SELECT 'start' AS kind, ${keyOf("path[1]")} AS to_code, sum(conversions + nulls)::DOUBLE AS weight
    FROM journeys WHERE len(path) > 0 GROUP BY 2
    UNION ALL BY NAME
    SELECT 'end' AS kind, ${keyOf("path[-1]")} AS from_code, sum(conversions)::DOUBLE AS conversions,
           sum(nulls)::DOUBLE AS nulls, sum(value)::DOUBLE AS value
    FROM journeys WHERE len(path) > 0 GROUP BY 2
    UNION ALL BY NAME
    SELECT 'unattributed' AS kind, count(*)::DOUBLE AS conversions FROM conversions WHERE len(path) = 0`;
}

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
  const isResponse = `event = '${SURVEY_RESPONSE}'`;
  const responseField = (field: string) =>
    `CASE WHEN ${isResponse} THEN ${b.dialect.jsonText("properties", field)} END`;
  // A sequence's touch is packed as ms·CODE_SPACE + code·2 + (1 if it is a survey response): the low bit
  // keeps answers (and goals: GOAL_CODE is odd) out of "the touchpoint before".
  const touch = touchOf;
  const at = msOf;
  const C = BY_CODE_SPACE;
  const lookback = b.param(lookbackMs);
  const cache = options.cache === false ? null : await eventCache(wh, catalog);
  // Survey answers: from the cache's own table, or from the events themselves.
  const answerRows = cache
    ? `SELECT m.customer_id, ${b.dialect.toEpochMs("a.ts")} AS ms, a.rated, a.metric, a.score
       FROM cache_answers a JOIN cache_members m USING (ident)
       ${scopeTimeWhere(b, "a.ts", options)}`
    : "SELECT customer_id, ms, rated, metric, score FROM ev WHERE is_response";
  const events = cache
    ? ""
    : `ev AS (${codedEvents(b, compiled, options, [
        "NULL::INTEGER AS ch",
        `${isResponse} AS is_response`,
        `${responseField("touchpoint")} AS rated`,
        `${responseField("metric")} AS metric`,
        `TRY_CAST(${responseField("score")} AS DOUBLE) AS score`,
        "currency",
      ])}),`;
  const sequences = cache ? cachedSequences(b, options) : buildSequences("SELECT * FROM ev");
  // Cached sequences are read where they are needed: materializing them would copy every list, costing
  // memory and no time. Sequences built here are built once.
  const sql = `
    WITH ${events}
    seq AS ${cache ? "NOT MATERIALIZED" : "MATERIALIZED"} (
      SELECT customer_id, t AS l, gv, n_goals, n_touches, by_code, runs,
             list_filter(gcur, c -> c IS NOT NULL)[1] AS currency,
             CASE WHEN n_goals > 0 THEN gms END AS goals
      FROM (${sequences})
    ),
    touch_rows AS (
      SELECT unnest(by_code) AS x, unnest(list_concat([0::BIGINT], by_code[:len(by_code) - 1])) AS previous, goals
      FROM seq WHERE n_touches > 0
    ),
    reach AS (
      SELECT code, count(*) FILTER (WHERE first) AS customers, count(*) AS events,
             count(to_conversion) AS converted, median(to_conversion) / 1000 AS median_s_to_conversion
      FROM (SELECT x // ${C} AS code, previous // ${C} <> x // ${C} AS first,
                   CASE WHEN previous // ${C} <> x // ${C}
                        THEN list_filter(goals, g -> g >= x % ${C})[1] - x % ${C} END AS to_conversion
            FROM touch_rows)
      GROUP BY code
    ),
    drops AS (
      SELECT ${touch("l[-1]")} AS code, count(*) AS dropped FROM seq
      WHERE n_touches > 0 AND ${codeOf("l[-1]")} <> ${GOAL_CODE} GROUP BY 1
    ),
    next_step AS (
      SELECT ${touch("a")} AS code, median(${at("b")} - ${at("a")}) / 1000 AS median_s_to_next
      FROM (SELECT unnest(runs[:len(runs) - 1]) AS a, unnest(runs[2:]) AS b FROM seq WHERE n_touches > 1)
      GROUP BY 1
    ),
    answers AS (
      SELECT coalesce(${codeCase("a.rated")},
                      ${touch(`list_filter(s.l, x -> ${at("x")} < a.ms AND x % 2 = 0)[-1]`)}) AS code,
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
    journeys AS (
      SELECT path, 1 AS conversions, value, 0 AS nulls FROM conversions
      UNION ALL
      ${nullJourneysSelect(lookback)}
    ),
    totals AS (
      SELECT count(*) AS customers, count(goals) AS converters, coalesce(sum(len(goals)), 0) AS conversions,
             coalesce(sum(list_sum(gv)), 0) AS revenue, mode(currency) AS currency
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
    ${transitionsSelect(touch)}`;

  const result = await wh.query<TouchpointRow | TransitionRow>(sql, b.params);
  const rows = result.filter((r): r is TouchpointRow => r.kind === "touchpoint");
  const idOf = (code: number) => compiled.touchpointIds[code - 1]!;
  const transitions: FirstOrderTransitions = { starts: [], steps: [], ends: [] };
  let unattributed = 0;
  for (const r of result) {
    if (r.kind === "start") transitions.starts.push({ key: idOf(r.to_code), weight: r.weight });
    else if (r.kind === "step")
      transitions.steps.push({ from: idOf(r.from_code), to: idOf(r.to_code), weight: r.weight });
    else if (r.kind === "end")
      transitions.ends.push({
        key: idOf(r.from_code),
        conversions: r.conversions,
        nulls: r.nulls,
        value: r.value,
      });
    else if (r.kind === "unattributed") unattributed = r.conversions;
  }
  // Data-driven credit: first-order Markov removal effects over the touchpoint journeys.
  const credit = new Map(
    transitions.starts.length ? markovOfTransitions(transitions).credits.map((c) => [c.key, c]) : [],
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
      unattributedConversions: unattributed,
    },
    stages: catalog.stages.map((s) => ({
      id: s.id,
      name: s.name,
      touchpoints: catalog.touchpoints.filter((t) => t.stage === s.id).map((t) => stats(t.id)),
    })),
  };
}
