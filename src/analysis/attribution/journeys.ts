import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { eventCache } from "../cache/event-cache.js";
import type { Scope } from "../scope.js";
import {
  cachedEvents,
  codedEvents,
  codeOf,
  conversionsCte,
  msOf,
  pathSummarySelect,
  sequenceAggregates,
} from "../sequences.js";
import type { PathSummaryRow } from "./paths.js";

export type CreditKey = "channel" | "touchpoint";

export interface JourneyOptions extends Scope {
  by: CreditKey;
  /** Touches this long before a conversion (and after the previous one) form its journey. */
  lookbackMs: number;
  /** When set, time-decay credit is computed in the warehouse with this half-life. */
  halfLifeMs?: number | null;
  /** Read the classification cache (the default; see cache/event-cache.ts) or classify every event. */
  cache?: boolean;
}

export interface Credit {
  key: string;
  conversions: number;
  value: number;
}

export interface WarehouseJourneys {
  /** Distinct paths with their conversions, conversion value and null journeys. */
  paths: PathSummaryRow[];
  conversions: number;
  value: number;
  /** Conversions with no touch in their lookback window: no model can credit them. */
  unattributed: { conversions: number; value: number };
  /** Time-decay credit, when `halfLifeMs` was given (it needs each touch's time, which paths lose). */
  timeDecay: Credit[] | null;
}

type Row = {
  kind: "path" | "decay";
  path: number[] | null;
  key: number | null;
  conversions: number;
  value: number;
  nulls: number;
};

/**
 * The journeys the attribution models run on, aggregated in the warehouse: for each conversion (a goal
 * event) the customer's touchpoints in the lookback window before it and after their previous conversion;
 * for each customer with touchpoints and no conversion in scope, a null journey (their touches in the
 * lookback window before their last one). Keys are the touch's channel or its touchpoint.
 */
export async function warehouseJourneys(
  wh: Warehouse,
  catalog: Catalog,
  options: JourneyOptions,
): Promise<WarehouseJourneys> {
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  const cache = options.cache === false ? null : await eventCache(wh, catalog);
  let names: readonly string[];
  let keyExpr: string;
  if (options.by === "touchpoint") {
    names = compiled.touchpointIds;
    keyExpr = cache ? "e.code" : "code";
  } else if (cache) {
    names = cache.channels;
    keyExpr = "e.channel";
  } else {
    // Channels are a short, open list: code them by their position among the stored ones.
    names = (await wh.query<{ channel: string }>("SELECT DISTINCT channel FROM events ORDER BY channel")).map(
      (r) => r.channel,
    );
    keyExpr = `list_position(${names.length ? b.param([...names]) : "[]"}::VARCHAR[], channel)`;
  }
  const lookback = b.param(options.lookbackMs);
  const decay =
    options.halfLifeMs != null
      ? `UNION ALL BY NAME
    SELECT 'decay' AS kind, key, sum(w) AS conversions, sum(w * value) AS value FROM (
      SELECT value, unnest(list_transform(path, x -> ${codeOf("x")}::INTEGER)) AS key,
             unnest(list_transform(weights, x -> x / total)) AS w FROM (
        SELECT value, path, weights, list_sum(weights) AS total FROM (
          SELECT value, path,
                 list_transform(path, x -> pow(2, -(goal - ${msOf("x")}) / ${b.param(options.halfLifeMs)})) AS weights
          FROM conversions)))
    GROUP BY key`
      : "";
  const events = cache
    ? cachedEvents(b, options, [`${keyExpr} AS key`])
    : codedEvents(b, compiled, options, [`${keyExpr} AS key`]);
  const sql = `
    WITH ev AS (${events}),
    seq AS MATERIALIZED (
      SELECT ${sequenceAggregates("code IS NOT NULL AND key IS NOT NULL", "key")}
      FROM ev GROUP BY customer_id
    ),
    ${conversionsCte(lookback)}
    ${pathSummarySelect(lookback, codeOf, false)}
    ${decay}`;
  const rows = await wh.query<Row>(sql, b.params);
  const nameOf = (code: number) => names[code - 1]!;
  const paths: PathSummaryRow[] = [];
  const result: WarehouseJourneys = {
    paths,
    conversions: 0,
    value: 0,
    unattributed: { conversions: 0, value: 0 },
    timeDecay: options.halfLifeMs != null ? [] : null,
  };
  for (const r of rows) {
    if (r.kind === "path" && r.path!.length === 0) {
      result.unattributed = { conversions: r.conversions, value: r.value };
    } else if (r.kind === "path") {
      paths.push({ path: r.path!.map(nameOf), conversions: r.conversions, value: r.value, nulls: r.nulls });
      result.conversions += r.conversions;
      result.value += r.value;
    } else {
      result.timeDecay!.push({ key: nameOf(r.key!), conversions: r.conversions, value: r.value });
    }
  }
  return result;
}
