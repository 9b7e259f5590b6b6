import type { Catalog } from "../../catalog/catalog.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { dataCurrency, type Scope } from "../scope.js";
import { type CreditKey, warehouseJourneys } from "./journeys.js";
import { type AttributionResult, attribute, type ModelName } from "./models.js";
import type { PathSummaryRow } from "./paths.js";
import type { AttributionReport } from "./report.js";

const DAY = 86_400_000;

export interface AttributionOptions {
  models: readonly ModelName[];
  by: CreditKey;
  markovOrder: number;
  lookbackMs: number;
  halfLifeMs: number;
}

export class AttributionInputError extends Error {}

/** Attribution of the warehouse's conversions: journeys aggregated in SQL, then every model. */
export async function attribution(
  wh: Warehouse,
  catalog: Catalog,
  options: AttributionOptions & Scope,
): Promise<AttributionReport> {
  const wantsDecay = options.models.includes("time_decay");
  const [journeys, currency] = await Promise.all([
    warehouseJourneys(wh, catalog, { ...options, halfLifeMs: wantsDecay ? options.halfLifeMs : null }),
    dataCurrency(wh, catalog),
  ]);
  const result = run(journeys.paths, options);
  if (journeys.timeDecay) {
    // Every model lists the same keys: the ones the paths have, at 0 when they earned nothing.
    const decay = new Map(journeys.timeDecay.map((c) => [c.key, c]));
    result.models.time_decay = result.keys.map((key) => decay.get(key) ?? { key, conversions: 0, value: 0 });
  }
  return report(result, options, {
    source: "warehouse",
    from: options.from,
    to: options.to,
    currency,
    lookbackDays: options.lookbackMs / DAY,
    paths: journeys.paths.length,
    unattributed: journeys.unattributed,
  });
}

/** Attribution of a path summary brought from elsewhere (no times: no time_decay). */
export function attributionOfPaths(
  rows: readonly PathSummaryRow[],
  options: AttributionOptions,
): AttributionReport {
  if (options.models.includes("time_decay"))
    throw new AttributionInputError(
      "time_decay needs the time of every touch, which a path summary does not have; drop it or use the warehouse",
    );
  return report(run(rows, options), options, {
    source: "paths",
    from: null,
    to: null,
    currency: null,
    lookbackDays: null,
    paths: rows.length,
    unattributed: { conversions: 0, value: 0 },
  });
}

function run(rows: readonly PathSummaryRow[], options: AttributionOptions): AttributionResult {
  return attribute(rows, {
    models: options.models.filter((m) => m !== "time_decay"),
    markovOrder: options.markovOrder,
  });
}

function report(
  result: AttributionResult,
  options: AttributionOptions,
  context: Pick<
    AttributionReport,
    "source" | "from" | "to" | "currency" | "lookbackDays" | "paths" | "unattributed"
  >,
): AttributionReport {
  const models: AttributionReport["models"] = {};
  for (const name of options.models) models[name] = result.models[name] ?? [];
  return {
    by: options.by,
    ...context,
    halfLifeDays: options.models.includes("time_decay") ? options.halfLifeMs / DAY : null,
    markovOrder: options.markovOrder,
    conversions: result.conversions,
    value: result.value,
    nulls: result.nulls,
    markov: result.markov
      ? {
          order: result.markov.order,
          states: result.markov.states,
          conversionProbability: result.markov.conversionProbability,
          valuePerJourney: result.markov.valuePerJourney,
        }
      : null,
    models,
  };
}
