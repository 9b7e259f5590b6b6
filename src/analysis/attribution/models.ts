import type { Credit } from "./credits.js";
import {
  DEFAULT_HALF_LIFE_SECONDS,
  firstTouch,
  lastNonDirect,
  lastTouch,
  linear,
  positionBased,
  type TimedConversion,
  timeDecay,
} from "./heuristics.js";
import { markov } from "./markov.js";
import { aggregatePaths, channelsOf, type PathSummaryRow } from "./paths.js";
import { shapley } from "./shapley.js";

export type { Credit } from "./credits.js";
export type { TimedConversion } from "./heuristics.js";
export type { PathSummaryRow } from "./paths.js";

export const MODEL_NAMES = [
  "first_touch",
  "last_touch",
  "last_non_direct",
  "linear",
  "time_decay",
  "position_based",
  "markov",
  "shapley",
] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface AttributionOptions {
  models: readonly ModelName[];
  /** Order k of the Markov chain, 1 to 4 (default 1). */
  markovOrder?: number;
  /** The converting journeys with the time of each touch; required by `time_decay`. */
  timed?: readonly TimedConversion[];
  /** Half-life of `time_decay` (default 7 days). */
  halfLifeSeconds?: number;
}

export interface AttributionResult {
  /** Totals of the path summary: what every model's credits sum to (`time_decay`: of `timed`). */
  conversions: number;
  value: number;
  nulls: number;
  /** Every key of the paths, in code-unit order: each model lists them all. */
  keys: string[];
  /** The credits of each requested model, by key. */
  models: Partial<Record<ModelName, Credit[]>>;
  /** The chain behind `markov`: its order and states, P and E. */
  markov?: { order: number; states: number; conversionProbability: number; valuePerJourney: number };
}

/**
 * Every requested attribution model over a path summary (rows with the same path are summed first).
 * Pure: the warehouse or a path file provides the rows. Definitions in specs/attribution.md.
 */
export function attribute(rows: readonly PathSummaryRow[], options: AttributionOptions): AttributionResult {
  for (const name of options.models) {
    if (!(MODEL_NAMES as readonly string[]).includes(name))
      throw new RangeError(
        `unknown attribution model ${JSON.stringify(name)}; use ${MODEL_NAMES.join(", ")}`,
      );
  }
  checkRows(rows);
  const paths = aggregatePaths(rows);
  const keys = channelsOf(paths);
  const result: AttributionResult = { conversions: 0, value: 0, nulls: 0, models: {}, keys };
  for (const row of paths) {
    result.conversions += row.conversions;
    result.value += row.value;
    result.nulls += row.nulls;
  }
  for (const name of new Set(options.models)) {
    switch (name) {
      case "first_touch":
        result.models[name] = firstTouch(paths, keys);
        break;
      case "last_touch":
        result.models[name] = lastTouch(paths, keys);
        break;
      case "last_non_direct":
        result.models[name] = lastNonDirect(paths, keys);
        break;
      case "linear":
        result.models[name] = linear(paths, keys);
        break;
      case "position_based":
        result.models[name] = positionBased(paths, keys);
        break;
      case "time_decay":
        if (!options.timed)
          throw new Error(
            "time_decay needs the time of every touch, which only the warehouse has: it cannot run on a path summary",
          );
        result.models[name] = timeDecay(
          options.timed,
          options.halfLifeSeconds ?? DEFAULT_HALF_LIFE_SECONDS,
          keys,
        );
        break;
      case "markov": {
        const { credits, ...chain } = markov(paths, options.markovOrder ?? 1);
        result.models[name] = credits;
        result.markov = chain;
        break;
      }
      case "shapley":
        result.models[name] = shapley(paths, keys);
        break;
    }
  }
  return result;
}

function checkRows(rows: readonly PathSummaryRow[]): void {
  rows.forEach((row, i) => {
    if (row.path.length === 0) throw new RangeError(`attribution: path ${i + 1} has no touches`);
    for (const field of ["conversions", "value", "nulls"] as const) {
      const v = row[field];
      if (!(v >= 0 && Number.isFinite(v)))
        throw new RangeError(`attribution: path ${i + 1} (${row.path.join(" > ")}) has ${field} ${v}`);
    }
  });
}
