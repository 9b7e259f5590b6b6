import type { Catalog } from "../catalog/catalog.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { type Segment, segmentConditions } from "./segment.js";

/** What every analysis is scoped by: a date range (epoch ms, `to` exclusive). */
export interface Scope {
  from: number | null;
  to: number | null;
  /** Only these customers (see segment.ts). */
  segment?: Segment | null;
}

/** SQL conditions over an events row: inside the scope's dates and segment, and not a bot. */
export function scopeConditions(b: SqlBuilder, scope: Scope): string[] {
  const where: string[] = ["NOT is_bot"];
  if (scope.from !== null) where.push(`ts >= ${b.dialect.fromEpochMs(b.param(scope.from))}`);
  if (scope.to !== null) where.push(`ts < ${b.dialect.fromEpochMs(b.param(scope.to))}`);
  if (scope.segment) where.push(...segmentConditions(b, scope.segment, scope.to));
  return where;
}

/** The currency reports are in: the catalog's, else the most common currency of stored events. */
export async function dataCurrency(wh: Warehouse, catalog: Catalog): Promise<string | null> {
  if (catalog.currency) return catalog.currency;
  const [row] = await wh.query<{ currency: string | null }>(
    "SELECT mode(currency) AS currency FROM events WHERE currency IS NOT NULL",
  );
  return row?.currency ?? null;
}
