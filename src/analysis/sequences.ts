import type { CompiledCatalog } from "../catalog/compile.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";
import { type Scope, scopeConditions } from "./scope.js";

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

/**
 * SQL (a list expression over a `seq` row with `touches`, `goals` and `goal_values`): for each of the
 * customer's conversions, the packed touches after the previous conversion and at most `lookback` ms
 * before it — the conversion's journey. Touches at the conversion's own millisecond count towards it.
 */
function journeysOfConversions(lookback: string): string {
  const at = msOf("x");
  return `list_transform(range(1, len(goals) + 1), k -> list_filter(coalesce(touches, []),
            x -> ${at} <= goals[k] AND ${at} > coalesce(goals[k - 1], -1) AND goals[k] - ${at} <= ${lookback}))`;
}

/**
 * CTE `conversions`: one row per conversion of the `seq` CTE, with its journey (`path`, packed touches),
 * time (`goal`), `value` and a row `id`.
 */
export function conversionsCte(lookback: string): string {
  return `conversions AS MATERIALIZED (
      SELECT row_number() OVER () AS id, * FROM (
        SELECT unnest(${journeysOfConversions(lookback)}) AS path, unnest(goals) AS goal,
               unnest(goal_values) AS value
        FROM seq WHERE goals IS NOT NULL))`;
}

/**
 * The path summary the attribution models read, over the CTEs `seq` and `conversions`: rows of kind
 * `path` (distinct key paths with conversions, value and null journeys) and one row of kind
 * `unattributed` (conversions without a touch in their window). A null journey is a customer with
 * touches and no conversion in scope: their touches in the lookback window before the last one.
 * `collapse` merges consecutive repeats of a key (all a first-order Markov chain sees).
 */
export function pathSummarySelect(lookback: string, keyOf: (x: string) => string, collapse: boolean): string {
  const keys = `list_transform(path, x -> ${keyOf("x")}::INTEGER)`;
  const path = collapse ? "list_filter(k, (x, i) -> i = 1 OR x <> k[i - 1])" : "k";
  return `SELECT 'path' AS kind, ${path} AS path, sum(conversions) AS conversions, sum(value) AS value,
                 sum(nulls) AS nulls
          FROM (SELECT ${keys} AS k, conversions, value, nulls FROM (
                  SELECT path, 1 AS conversions, value, 0 AS nulls FROM conversions WHERE len(path) > 0
                  UNION ALL
                  SELECT list_filter(touches, x -> ${msOf("touches[-1]")} - ${msOf("x")} <= ${lookback}), 0, 0, 1
                  FROM seq WHERE goals IS NULL AND touches IS NOT NULL))
          GROUP BY 2
          UNION ALL BY NAME
          SELECT 'unattributed' AS kind, count(*) AS conversions, coalesce(sum(value), 0) AS value
          FROM conversions WHERE len(path) = 0`;
}
