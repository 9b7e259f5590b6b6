import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { dataCurrency, type Scope, scopeConditions } from "../scope.js";
import { type CustomerSummary, type TimeUnit, UNIT_DAYS } from "./summary.js";

const DAY = 86_400_000;

export interface PurchaseOptions extends Scope {
  unit: TimeUnit;
  /** Start of a hold-out period (epoch ms): the summary covers the days before it. */
  holdoutFrom: number | null;
}

export interface WarehousePurchases {
  summary: CustomerSummary[];
  /** Last day (epoch ms of its start) of the calibration period: T is measured to its end. */
  calibrationEnd: number;
  /** With a hold-out: its last day, and each calibration customer's repeat purchases in it. */
  holdout: { start: number; end: number; actual: Map<string, number> } | null;
  currency: string | null;
}

type Row = {
  customer_id: string;
  frequency: number;
  first_day: number;
  last_day: number;
  monetary: number;
  holdout: number;
};

/**
 * The calibration summary of every customer with a goal event, computed in the warehouse (the same
 * rules as `buildSummary`): goal events of one UTC day are one purchase with their values summed;
 * frequency = purchase days − 1; recency = first to last day; T = first day to the end of the
 * calibration period; monetary = mean value of the repeat days. The period ends the day before
 * `holdoutFrom`, else the day before `to`, else on the day of the latest stored event.
 */
export async function warehousePurchases(
  wh: Warehouse,
  catalog: Catalog,
  options: PurchaseOptions,
): Promise<WarehousePurchases> {
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  const scopeEnd =
    options.to !== null
      ? Math.floor((options.to - 1) / DAY)
      : ((
          await wh.query<{ day: number | null }>(
            `SELECT floor(${wh.dialect.toEpochMs("max(ts)")} / ${DAY})::BIGINT AS day FROM events`,
          )
        )[0]?.day ?? Math.floor(Date.now() / DAY));
  const calibrationEnd = options.holdoutFrom !== null ? Math.floor(options.holdoutFrom / DAY) - 1 : scopeEnd;
  const where = scopeConditions(b, options);
  const calEnd = b.param(calibrationEnd);
  const sql = `
    WITH goals AS (
      SELECT customer_id, ${b.dialect.toEpochMs("ts")} AS ms, ${compiled.goalValue(b)} AS value
      FROM customer_events WHERE ${where.join(" AND ")} AND ${compiled.goal(b)} IS NOT NULL
    ),
    days AS (
      SELECT customer_id, (ms // ${DAY})::BIGINT AS day, sum(coalesce(value, 0)) AS amount
      FROM goals GROUP BY ALL
    ),
    calibration AS (
      SELECT customer_id, count(*) - 1 AS frequency, min(day) AS first_day, max(day) AS last_day,
             CASE WHEN count(*) > 1 THEN (sum(amount) - arg_min(amount, day)) / (count(*) - 1) ELSE 0 END AS monetary
      FROM days WHERE day <= ${calEnd} GROUP BY customer_id
    ),
    holdout AS (
      SELECT customer_id, count(*) AS holdout FROM days WHERE day > ${calEnd} GROUP BY customer_id
    )
    SELECT c.customer_id, c.frequency::INTEGER AS frequency, c.first_day::INTEGER AS first_day,
           c.last_day::INTEGER AS last_day, c.monetary, coalesce(h.holdout, 0)::INTEGER AS holdout
    FROM calibration c LEFT JOIN holdout h USING (customer_id)`;
  const rows = await wh.query<Row>(sql, b.params);
  const currency = await dataCurrency(wh, catalog);
  const unit = UNIT_DAYS[options.unit];
  const summary = rows.map((r) => ({
    customer: r.customer_id,
    frequency: r.frequency,
    recency: (r.last_day - r.first_day) / unit,
    T: (calibrationEnd - r.first_day) / unit,
    monetary: r.monetary,
  }));
  return {
    summary,
    calibrationEnd: calibrationEnd * DAY,
    holdout:
      options.holdoutFrom !== null
        ? {
            start: (calibrationEnd + 1) * DAY,
            end: scopeEnd * DAY,
            actual: new Map(rows.filter((r) => r.holdout > 0).map((r) => [r.customer_id, r.holdout])),
          }
        : null,
    currency,
  };
}
