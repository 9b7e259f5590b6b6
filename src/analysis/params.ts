import type { TSchema } from "@sinclair/typebox";
import type { Catalog } from "../catalog/catalog.js";
import { parseDuration } from "../util/duration.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import type { Scope } from "./scope.js";
import { parseSegment, type Segment } from "./segment.js";

/** Options every face (CLI flags, query string) passes through as text. */
export type ReportParams = Record<string, string | undefined>;

export class ReportParamError extends Error {}

/** A report as the faces see it: parse the parameters, run one analysis, and lay it out as rows. */
export interface ReportKind<R> {
  description: string;
  schema: TSchema;
  /** Parameters beyond the common from/to: name → help. */
  params: Record<string, string>;
  /** Parameters that make the report write (CLI only: a GET never changes the warehouse). */
  writes?: string[];
  run(wh: Warehouse, catalog: Catalog, params: ReportParams): Promise<R>;
  /**
   * Input files the CLI may read instead of the warehouse (flag → help); never offered over HTTP, where
   * a path would name a file of the server.
   */
  files?: Record<string, string>;
  /** Runs on the text of such a file (the warehouse is not opened). */
  runOnFile?(file: { flag: string; name: string; text: string }, params: ReportParams): R;
  /** Rows for a table or CSV: the first row holds the column names. */
  rows(report: R): (string | number | null)[][];
}

export function parseDate(name: string, text: string | undefined): number | null {
  if (text === undefined || text === "") return null;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(t))
    throw new ReportParamError(`--${name}: not a date: ${JSON.stringify(text)} (use YYYY-MM-DD)`);
  return t;
}

/** The date range and segment of a report; `catalog` resolves `did TOUCHPOINT` in the segment. */
export function scope(params: ReportParams, catalog?: Catalog): Scope {
  const from = parseDate("from", params.from);
  const to = parseDate("to", params.to);
  if (from !== null && to !== null && from >= to) throw new ReportParamError("--from must be before --to");
  let segment: Segment | null = null;
  if (params.segment !== undefined && params.segment !== "") {
    try {
      segment = parseSegment(params.segment, catalog);
    } catch (err) {
      throw new ReportParamError(`--segment: ${(err as Error).message}`);
    }
  }
  return { from, to, segment };
}

export const lookback = (params: ReportParams) => duration("lookback", params.lookback, "30d");

export function choice<T extends string>(
  name: string,
  text: string | undefined,
  options: readonly T[],
  fallback: T,
): T {
  if (text === undefined || text === "") return fallback;
  if ((options as readonly string[]).includes(text)) return text as T;
  throw new ReportParamError(`--${name}: one of ${options.join(", ")}, not ${JSON.stringify(text)}`);
}

export function positive(name: string, text: string | undefined, fallback: number, integer = false): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)))
    throw new ReportParamError(
      `--${name}: expected a ${integer ? "whole " : ""}number ≥ 0, not ${JSON.stringify(text)}`,
    );
  return n;
}

/** A whole number from `min` to `max` (`fallback` when absent), or an error naming the parameter. */
export function bounded(
  name: string,
  text: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const n = positive(name, text, fallback, true);
  if (n < min || n > max)
    throw new ReportParamError(
      `--${name}: ${min > 0 ? `from ${min} to ${max}` : `at most ${max}`}, not ${n}`,
    );
  return n;
}

export function duration(name: string, text: string | undefined, fallback: string): number {
  try {
    return parseDuration(text ?? fallback);
  } catch (err) {
    throw new ReportParamError(`--${name}: ${(err as Error).message}`);
  }
}

/** Table cells: a share as a percentage, a number rounded, seconds as days. */
export const pct = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);
export const num = (x: number | null, digits = 1) => (x === null ? null : Number(x.toFixed(digits)));
export const days = (s: number | null) => (s === null ? null : Number((s / 86_400).toFixed(1)));
