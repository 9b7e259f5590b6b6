import { assertPlainPath } from "../warehouse/dialect.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";
import {
  type Catalog,
  type Goal,
  ID,
  type MatchRule,
  type MatchValue,
  RULE_COLUMNS,
  type Touchpoint,
} from "./catalog.js";
import { globToLike } from "./match.js";

export interface CompiledCatalog {
  /** SQL expression over an events row → touchpoint id, or NULL (no touchpoint, or a goal event). */
  touchpoint(b: SqlBuilder): string;
  /**
   * → the touchpoint's position in `touchpointIds` (1-based INTEGER) or NULL: small codes that sequence
   * queries pack beside the time into one sortable integer.
   */
  touchpointCode(b: SqlBuilder): string;
  /** The ids of the touchpoints that can match, in catalog order: code k is `touchpointIds[k - 1]`. */
  touchpointIds: readonly string[];
  /** → goal id or NULL. */
  goal(b: SqlBuilder): string;
  /** The ids of the goals, in catalog order (goal code k is `goalIds[k - 1]`). */
  goalIds: readonly string[];
  /** → the goal's numeric value (DOUBLE) for goal events, NULL otherwise. */
  goalValue(b: SqlBuilder): string;
}

/**
 * The catalog as SQL expressions evaluated per row at query time, so an edited catalog re-classifies
 * stored events. User values are always bound; only validated ids and whitelisted columns reach the text.
 */
export function compileCatalog(catalog: Catalog): CompiledCatalog {
  for (const item of [...catalog.goals, ...catalog.touchpoints]) {
    if (!ID.test(item.id)) throw new Error(`not a valid catalog id: ${JSON.stringify(item.id)}`);
  }
  const goals = catalog.goals;
  const touchpoints = catalog.touchpoints.filter((t) => t.match.length > 0);
  const classify = (b: SqlBuilder, label: (t: Touchpoint, index: number) => string) => {
    const goalArm = goals.length ? `WHEN ${anyGoal(b, goals)} THEN NULL ` : "";
    const arms = touchpoints.map((t, i) => `WHEN ${anyRule(b, t.match)} THEN ${label(t, i)}`);
    return `(CASE ${goalArm}${arms.join(" ")} ELSE NULL END)`;
  };
  return {
    touchpoint(b) {
      if (touchpoints.length === 0) return "CAST(NULL AS VARCHAR)";
      return classify(b, (t) => `'${t.id}'`);
    },
    touchpointCode(b) {
      if (touchpoints.length === 0) return "CAST(NULL AS INTEGER)";
      return classify(b, (_, i) => String(i + 1));
    },
    touchpointIds: touchpoints.map((t) => t.id),
    goalIds: goals.map((g) => g.id),
    goal(b) {
      if (goals.length === 0) return "CAST(NULL AS VARCHAR)";
      return `(CASE ${goals.map((g) => `WHEN ${anyRule(b, g.match)} THEN '${g.id}'`).join(" ")} ELSE NULL END)`;
    },
    goalValue(b) {
      if (goals.length === 0) return "CAST(NULL AS DOUBLE)";
      const arms = goals.map((g) => `WHEN ${anyRule(b, g.match)} THEN ${valueSql(b, g)}`);
      return `(CASE ${arms.join(" ")} ELSE NULL END)`;
    },
  };
}

function anyGoal(b: SqlBuilder, goals: readonly Goal[]): string {
  return `(${goals.map((g) => anyRule(b, g.match)).join(" OR ")})`;
}

function anyRule(b: SqlBuilder, rules: readonly MatchRule[]): string {
  return rules.length ? `(${rules.map((r) => ruleSql(b, r)).join(" OR ")})` : "FALSE";
}

function ruleSql(b: SqlBuilder, rule: MatchRule): string {
  const conditions: string[] = [];
  for (const column of RULE_COLUMNS) {
    const value = rule[column];
    if (value) conditions.push(condition(b, b.dialect.ident(column), value));
  }
  for (const [path, value] of Object.entries(rule.properties ?? {})) {
    conditions.push(condition(b, b.dialect.jsonText("properties", assertPlainPath(path)), value));
  }
  return conditions.length ? `(${conditions.join(" AND ")})` : "TRUE";
}

function condition(b: SqlBuilder, expr: string, value: MatchValue): string {
  switch (value.kind) {
    case "exact": {
      const [only, ...rest] = value.values;
      if (only === undefined) return "FALSE";
      if (rest.length === 0) return `${expr} = ${b.param(only)}`;
      return `${expr} IN (${value.values.map((v) => b.param(v)).join(", ")})`;
    }
    case "pattern":
      return `${expr} LIKE ${b.param(globToLike(value.glob))} ESCAPE '\\'`;
    case "regex":
      return b.dialect.regexMatch(expr, b.param(value.source));
  }
}

function valueSql(b: SqlBuilder, goal: Goal): string {
  switch (goal.value.kind) {
    case "revenue":
      return `CAST(${b.dialect.ident("revenue")} AS DOUBLE)`;
    case "property":
      return `TRY_CAST(${b.dialect.jsonText("properties", assertPlainPath(goal.value.path))} AS DOUBLE)`;
    case "constant":
      return `CAST(${b.param(goal.value.amount)} AS DOUBLE)`;
  }
}
