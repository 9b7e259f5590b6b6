import type { Catalog } from "../catalog/catalog.js";
import type { CompiledCatalog } from "../catalog/compile.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Warehouse } from "../warehouse/warehouse.js";

/** What every analysis is scoped by: a date range (epoch ms, `to` exclusive). */
export interface Scope {
  from: number | null;
  to: number | null;
}

export const ALL_TIME: Scope = { from: null, to: null };

/** SQL conditions over an events row: inside the scope's dates, and not a bot. */
export function scopeConditions(b: SqlBuilder, scope: Scope): string[] {
  const where: string[] = ["NOT is_bot"];
  if (scope.from !== null) where.push(`ts >= ${b.dialect.fromEpochMs(b.param(scope.from))}`);
  if (scope.to !== null) where.push(`ts < ${b.dialect.fromEpochMs(b.param(scope.to))}`);
  return where;
}

/**
 * The events of the scope, each classified by the compiled catalog at query time (so editing the catalog
 * re-classifies history): customer, time, touchpoint id or NULL, goal id or NULL, goal value.
 */
export function classifiedEvents(b: SqlBuilder, catalog: CompiledCatalog, scope: Scope): string {
  const where = scopeConditions(b, scope);
  return `SELECT customer_id, ts, event, channel, properties,
                 ${catalog.touchpoint(b)} AS touchpoint,
                 ${catalog.goal(b)} AS goal,
                 ${catalog.goalValue(b)} AS goal_value
          FROM customer_events
          WHERE ${where.join(" AND ")}`;
}

/** The currency reports are in: the catalog's, else the most common currency of stored events. */
export async function dataCurrency(wh: Warehouse, catalog: Catalog): Promise<string | null> {
  if (catalog.currency) return catalog.currency;
  const [row] = await wh.query<{ currency: string | null }>(
    "SELECT mode(currency) AS currency FROM events WHERE currency IS NOT NULL",
  );
  return row?.currency ?? null;
}
