import type { CompiledCatalog } from "../catalog/compile.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";
import type { PathSummaryRow } from "./attribution/paths.js";
import { type Scope, scopeConditions } from "./scope.js";
import { segmentConditions } from "./segment.js";

/**
 * Sequence queries pack each touch into one BIGINT, `epoch_ms * CODE_SPACE + code`, so that sorting a
 * customer's list of plain integers orders it by time (PERF-BASELINES: 3–7× faster than ordered
 * aggregates or window functions over (customer, ts)). Codes are small positive integers; epoch ms need
 * 41 bits, leaving room below 2^63.
 */
export const CODE_SPACE = 1_048_576;

/** SQL: the millisecond part of a packed key. */
export const msOf = (x: string) => `(${x} // ${CODE_SPACE})`;
/** SQL: the code part of a packed key. */
export const codeOf = (x: string) => `(${x} % ${CODE_SPACE})`;

/**
 * The scope's classified events reduced to what sequence queries read: customer, epoch ms, touchpoint
 * code (see `CompiledCatalog.touchpointCode`), whether it is a goal and its value, and `extraColumns`.
 * Bots are excluded.
 */
export function codedEvents(
  b: SqlBuilder,
  catalog: CompiledCatalog,
  scope: Scope,
  extraColumns: string[] = [],
): string {
  const where = scopeConditions(b, scope);
  return `SELECT customer_id, ${b.dialect.toEpochMs("ts")} AS ms,
                 ${catalog.touchpointCode(b)} AS code,
                 ${catalog.goal(b)} IS NOT NULL AS is_goal,
                 ${catalog.goalValue(b)} AS goal_value
                 ${extraColumns.map((c) => `, ${c}`).join("")}
          FROM customer_events
          WHERE ${where.join(" AND ")}`;
}

/** SQL conditions keeping the times `ts` inside the scope's dates. */
function scopeTimeConditions(b: SqlBuilder, ts: string, scope: Scope): string[] {
  const where: string[] = [];
  if (scope.from !== null) where.push(`${ts} >= ${b.dialect.fromEpochMs(b.param(scope.from))}`);
  if (scope.to !== null) where.push(`${ts} < ${b.dialect.fromEpochMs(b.param(scope.to))}`);
  return where;
}

/** SQL: a WHERE clause keeping the times `ts` inside the scope's dates (empty when it has none). */
export function scopeTimeWhere(b: SqlBuilder, ts: string, scope: Scope): string {
  const where = scopeTimeConditions(b, ts, scope);
  return where.length ? `WHERE ${where.join(" AND ")}` : "";
}

/**
 * SQL: a WHERE clause over `cache_events e` keeping the scope's dates and the customers of its segment
 * (empty without either); `e.cust` numbers the customer.
 */
export function cachedEventsWhere(b: SqlBuilder, scope: Scope): string {
  const where = scopeTimeConditions(b, "e.ts", scope);
  if (scope.segment)
    where.push(
      `e.ident IN (SELECT ident FROM cache_members WHERE ${segmentConditions(b, scope.segment, scope.to).join(" AND ")})`,
    );
  return where.length ? `WHERE ${where.join(" AND ")}` : "";
}

/** The code that marks a goal in a sequence: above every touch code, so it sorts after touches. */
export const GOAL_CODE = CODE_SPACE - 1;

/** `by_code` packs a touch as `code * BY_CODE_SPACE + ms`: sorted, it is code-major. */
export const BY_CODE_SPACE = 2 ** 42;

/**
 * A customer's sequence, the columns every sequence analysis reads (stored as such in `cache_sequences`):
 * - `t`: touches and goals as one sorted list of packed keys `ms * CODE_SPACE + low`, `low` being
 *   `code * 2 + 1 if the event is a survey response` for a touch (code: the touchpoint's code) and
 *   GOAL_CODE for a goal, so at one millisecond touches sort before the goal;
 * - `ch`: the channel code of each element of `t`, in the same order;
 * - `by_code`: the touches again, code-major (`code * BY_CODE_SPACE + ms`, sorted): each code's first touch
 *   is where the code changes;
 * - `gms`, `gv`, `gcur`: the goals' times (sorted), values and currencies, in time order;
 * - `runs`: the first touch of each run of touches of one touchpoint (`t` without goals, consecutive
 *   repeats of a touchpoint, answers included, collapsed);
 * - `other`: the times of the customer's events that are neither (so a date range knows who was active);
 * - `n_goals`, `n_touches`.
 */
export const SEQUENCE_COLUMNS = `t BIGINT[] NOT NULL, ch INTEGER[] NOT NULL, by_code BIGINT[] NOT NULL,
  gms BIGINT[] NOT NULL, gv DOUBLE[] NOT NULL, gcur VARCHAR[] NOT NULL, runs BIGINT[] NOT NULL, other BIGINT[] NOT NULL,
  n_goals INTEGER NOT NULL, n_touches INTEGER NOT NULL`;

/**
 * SQL: one sequence row (`customer_id` and SEQUENCE_COLUMNS) per customer of `events`, a query with the
 * columns customer_id, ms, code (NULL: no touchpoint), ch, is_goal, goal_value, is_response and currency.
 * A goal event is a goal only, never also a touch. `t` and `ch` are sorted together as a list of structs
 * (ties broken by channel), which costs a few times less than an ordered aggregate.
 */
export function buildSequences(events: string): string {
  const S = CODE_SPACE;
  const low = `CASE WHEN is_goal THEN ${GOAL_CODE} ELSE code * 2 + is_response::INTEGER END`;
  return `SELECT customer_id, t, ch, by_code, gms, gv, gcur,
                 list_filter(touches, (x, i) -> i = 1 OR ${touchOf("x")} <> ${touchOf("touches[i - 1]")}) AS runs,
                 other, n_goals, n_touches
          FROM (SELECT *, list_filter(t, x -> x % ${S} <> ${GOAL_CODE}) AS touches FROM (
            SELECT customer_id, list_transform(tc, x -> x.k) AS t, list_transform(tc, x -> x.c) AS ch, by_code,
                   list_select(gms, gi) AS gms, list_select(gv, gi) AS gv, list_select(gcur, gi) AS gcur, other,
                   n_goals, n_touches
            FROM (SELECT *, list_grade_up(gms) AS gi FROM (
              SELECT customer_id,
                     coalesce(list_sort(list({k: ms * ${S} + ${low}, c: ch})
                                        FILTER (WHERE is_goal OR code IS NOT NULL)), []) AS tc,
                     coalesce(list_sort(list(code * ${BY_CODE_SPACE} + ms) FILTER (WHERE NOT is_goal AND code IS NOT NULL)), []) AS by_code,
                     coalesce(list(ms) FILTER (WHERE is_goal), []) AS gms,
                     coalesce(list(coalesce(goal_value, 0)) FILTER (WHERE is_goal), []) AS gv,
                     coalesce(list(currency) FILTER (WHERE is_goal), []) AS gcur,
                     coalesce(list(ms) FILTER (WHERE NOT is_goal AND code IS NULL), []) AS other,
                     (count(*) FILTER (WHERE is_goal))::INTEGER AS n_goals,
                     (count(*) FILTER (WHERE NOT is_goal AND code IS NOT NULL))::INTEGER AS n_touches
              FROM (${events}) GROUP BY customer_id))))`;
}

/** SQL: the touchpoint code of a packed touch of `t` (its low bit says whether it is a survey answer). */
export const touchOf = (x: string) => `((${x} % ${CODE_SPACE}) // 2)`;

/**
 * SQL: the sequence rows of the scope's customers from the classification cache (see
 * cache/event-cache.ts), each list cut to the scope's dates when it has some; customers without an event
 * in the dates are left out, as a query over their events would.
 */
export function cachedSequences(b: SqlBuilder, scope: Scope): string {
  const where = scope.segment ? segmentConditions(b, scope.segment, scope.to) : [];
  const customers = `FROM cache_sequences ${where.length ? `WHERE ${where.join(" AND ")}` : ""}`;
  const columns = "customer_id, t, ch, by_code, gms, gv, gcur, runs, other";
  if (scope.from === null && scope.to === null) return `SELECT ${columns}, n_goals, n_touches ${customers}`;
  const bounds: string[] = [];
  if (scope.from !== null) bounds.push(`{} >= ${b.param(scope.from)}`);
  if (scope.to !== null) bounds.push(`{} < ${b.param(scope.to)}`);
  const inScope = (ms: string) => `(${bounds.map((x) => x.replace("{}", ms)).join(" AND ")})`;
  // The runs of a time slice are the runs that start in it after its first touch, which starts one.
  // `ch` is cut by the stored `t` (a column of the FROM wins over an alias of the same select).
  return `SELECT ${columns}, len(gms)::INTEGER AS n_goals, (len(t) - len(gms))::INTEGER AS n_touches
          FROM (SELECT customer_id, t, ch, by_code, gms, gv, gcur, other,
                       CASE WHEN first_touch IS NULL THEN [] ELSE
                         list_prepend(first_touch, list_filter(runs, x -> x > first_touch AND ${inScope(msOf("x"))})) END AS runs
                FROM (SELECT customer_id, t, ch, by_code, gms, gv, gcur, other, runs,
                             list_filter(t, x -> x % ${CODE_SPACE} <> ${GOAL_CODE})[1] AS first_touch
                      FROM (SELECT customer_id, list_filter(t, x -> ${inScope(msOf("x"))}) AS t,
                                   list_filter(ch, (c, i) -> ${inScope(msOf("t[i]"))}) AS ch,
                                   list_filter(by_code, x -> ${inScope(`(x % ${BY_CODE_SPACE})`)}) AS by_code,
                                   list_select(gms, gi) AS gms, list_select(gv, gi) AS gv, list_select(gcur, gi) AS gcur,
                                   runs, list_filter(other, x -> ${inScope("x")}) AS other
                            FROM (SELECT *, list_filter(range(1, len(gms) + 1), i -> ${inScope("gms[i]")}) AS gi ${customers}))))
          WHERE len(t) > 0 OR len(other) > 0`;
}

/**
 * SQL: a sequence's `t` (over a row with `t` and `ch`) with each touch's code replaced by its channel's
 * code or its touchpoint's code, the key an attribution credits; goals stay as they are.
 */
export function keyedTouches(by: "channel" | "touchpoint"): string {
  const S = CODE_SPACE;
  const key = by === "channel" ? "ch[i]" : `(x % ${S}) // 2`;
  return `list_transform(t, (x, i) -> CASE WHEN x % ${S} = ${GOAL_CODE} THEN x ELSE x - x % ${S} + ${key} END)`;
}

/**
 * CTE `conversions` over a `seq` CTE with `l` (a sequence's `t` with touches keyed as the analysis needs,
 * still below GOAL_CODE), `gv`, `n_goals` and `n_touches`: one row per conversion, with
 * its journey (`path`, packed touches: the customer's touches after their previous conversion and at most
 * `lookback` ms before it; touches at the conversion's own millisecond count towards it), its time
 * (`goal`) and `value`. The journey of the k-th goal is the slice of `l` between the (k−1)-th
 * and the k-th goal marker; `gv` is in time order.
 */
export function conversionsCte(lookback: string): string {
  const S = CODE_SPACE;
  return `conversions AS MATERIALIZED (
      SELECT list_filter(l[coalesce(gp[k - 1], 0) + 1 : gp[k] - 1],
                         x -> ${msOf("l[gp[k]]")} - ${msOf("x")} <= ${lookback}) AS path,
             ${msOf("l[gp[k]]")} AS goal, value
      FROM (SELECT l, gp, unnest(range(1, n_goals + 1)) AS k, unnest(gv) AS value
            FROM (SELECT l, n_goals, gv, list_filter(range(1, len(l) + 1), i -> l[i] % ${S} = ${GOAL_CODE}) AS gp
                  FROM seq WHERE n_goals > 0)))`;
}

/**
 * The path summary the attribution models read, over the CTEs `seq` and `conversions`: the distinct key
 * paths with their conversions, value and null journeys, as one row of kind `paths` holding four lists
 * (a few lists cross to Node much faster than an object per path); the empty path holds the conversions
 * without a touch in their window (unattributed); null journeys as `nullJourneysSelect`. Read it with
 * `readPathSummary`.
 */
export function pathSummarySelect(lookback: string, keyOf: (x: string) => string): string {
  return `SELECT 'paths' AS kind, list(path) AS paths, list(conversions) AS path_conversions,
                 list(value) AS path_values, list(nulls) AS path_nulls
          FROM (SELECT list_transform(path, x -> ${keyOf("x")}::INTEGER) AS path, sum(conversions)::DOUBLE AS conversions,
                       sum(value)::DOUBLE AS value, sum(nulls)::DOUBLE AS nulls
                FROM (SELECT path, 1 AS conversions, value, 0 AS nulls FROM conversions
                      UNION ALL
                      ${nullJourneysSelect(lookback)})
                GROUP BY 1)`;
}

/**
 * SQL over the CTE `seq`: the null journeys (path, conversions 0, value 0, nulls 1), one per customer
 * with touches and no conversion in scope: their touches in the lookback window before the last one.
 */
export function nullJourneysSelect(lookback: string): string {
  return `SELECT list_filter(l, x -> ${msOf("l[-1]")} - ${msOf("x")} <= ${lookback}) AS path, 0 AS conversions,
                 0 AS value, 1 AS nulls
          FROM seq WHERE n_goals = 0 AND n_touches > 0`;
}

/** The row of `pathSummarySelect`, as the query returns it. */
export type PathSummaryLists = {
  kind: "paths";
  paths: number[][] | null;
  path_conversions: number[] | null;
  path_values: number[] | null;
  path_nulls: number[] | null;
};

/** The paths of a `pathSummarySelect` row with their keys named, and the unattributed conversions. */
export function readPathSummary(
  row: PathSummaryLists | undefined,
  nameOf: (code: number) => string,
): { paths: PathSummaryRow[]; unattributed: { conversions: number; value: number } } {
  const paths: PathSummaryRow[] = [];
  const unattributed = { conversions: 0, value: 0 };
  const codes = row?.paths ?? [];
  for (let i = 0; i < codes.length; i++) {
    const conversions = row!.path_conversions![i]!;
    const value = row!.path_values![i]!;
    if (codes[i]!.length === 0) Object.assign(unattributed, { conversions, value });
    else paths.push({ path: codes[i]!.map(nameOf), conversions, value, nulls: row!.path_nulls![i]! });
  }
  return { paths, unattributed };
}
