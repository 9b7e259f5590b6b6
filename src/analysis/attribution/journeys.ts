import type { Catalog } from "../../catalog/catalog.js";
import { compileCatalog } from "../../catalog/compile.js";
import { SqlBuilder } from "../../warehouse/sql-builder.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { eventCache, SURVEY_RESPONSE } from "../cache/event-cache.js";
import type { Scope } from "../scope.js";
import {
  buildSequences,
  cachedSequences,
  codedEvents,
  codeOf,
  conversionsCte,
  keyedTouches,
  msOf,
  type PathSummaryLists,
  pathSummarySelect,
  readPathSummary,
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

type DecayRow = { kind: "decay"; key: number; conversions: number; value: number };

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
  // Channels are a short, open list: coded by their position among the stored ones.
  const channels =
    cache?.channels ??
    (await wh.query<{ channel: string }>("SELECT DISTINCT channel FROM events ORDER BY channel")).map(
      (r) => r.channel,
    );
  const names = options.by === "touchpoint" ? compiled.touchpointIds : channels;
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
  const sequences = cache
    ? cachedSequences(b, options)
    : buildSequences(
        codedEvents(b, compiled, options, [
          `list_position(${channels.length ? b.param([...channels]) : "[]"}::VARCHAR[], channel) AS ch`,
          `event = '${SURVEY_RESPONSE}' AS is_response`,
          "currency",
        ]),
      );
  // Cached sequences are read where they are needed (see journey-map.ts); built ones are built once.
  const sql = `
    WITH seq AS ${cache ? "NOT MATERIALIZED" : "MATERIALIZED"} (
      SELECT ${keyedTouches(options.by)} AS l, gv, n_goals, n_touches FROM (${sequences})
    ),
    ${conversionsCte(lookback)}
    ${pathSummarySelect(lookback, codeOf)}
    ${decay}`;
  const rows = await wh.query<PathSummaryLists | DecayRow>(sql, b.params);
  const nameOf = (code: number) => names[code - 1]!;
  const { paths, unattributed } = readPathSummary(
    rows.find((r): r is PathSummaryLists => r.kind === "paths"),
    nameOf,
  );
  const result: WarehouseJourneys = {
    paths,
    conversions: 0,
    value: 0,
    unattributed,
    timeDecay: null,
  };
  for (const p of paths) {
    result.conversions += p.conversions;
    result.value += p.value;
  }
  if (options.halfLifeMs != null)
    result.timeDecay = rows
      .filter((r): r is DecayRow => r.kind === "decay")
      .map((r) => ({ key: nameOf(r.key), conversions: r.conversions, value: r.value }));
  return result;
}
