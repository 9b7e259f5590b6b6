import type { TSchema } from "@sinclair/typebox";
import type { Catalog } from "../catalog/catalog.js";
import { parseDuration } from "../util/duration.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { findGaps } from "./gaps/gaps.js";
import { GapsReport } from "./gaps/report.js";
import { journeyMap } from "./journey-map/journey-map.js";
import { JourneyMapReport } from "./journey-map/report.js";

/** Options every face (CLI flags, query string) passes through as text. */
export type ReportParams = Record<string, string | undefined>;

export class ReportParamError extends Error {}

/** A report as the faces see it: parse the parameters, run one analysis, and lay it out as rows. */
export interface ReportKind<R> {
  description: string;
  schema: TSchema;
  /** Parameters beyond the common from/to: name → help. */
  params: Record<string, string>;
  run(wh: Warehouse, catalog: Catalog, params: ReportParams): Promise<R>;
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

function scope(params: ReportParams) {
  const from = parseDate("from", params.from);
  const to = parseDate("to", params.to);
  if (from !== null && to !== null && from >= to) throw new ReportParamError("--from must be before --to");
  return { from, to };
}

function lookback(params: ReportParams): number {
  try {
    return parseDuration(params.lookback ?? "30d");
  } catch (err) {
    throw new ReportParamError(`--lookback: ${(err as Error).message}`);
  }
}

const pct = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 10);
const num = (x: number | null, digits = 1) => (x === null ? null : Number(x.toFixed(digits)));
const days = (s: number | null) => (s === null ? null : Number((s / 86_400).toFixed(1)));

const journeyMapKind: ReportKind<JourneyMapReport> = {
  description:
    "the journey map measured: reach, conversion, drop-off, satisfaction and credit per touchpoint",
  schema: JourneyMapReport,
  params: { lookback: "attribution lookback before a conversion (default 30d)" },
  run: (wh, catalog, params) => journeyMap(wh, catalog, { ...scope(params), lookbackMs: lookback(params) }),
  rows: (r) => [
    [
      "stage",
      "touchpoint",
      "customers",
      "conv %",
      "drop-off %",
      "days to next",
      "days to conv",
      "CSAT",
      "NPS",
      "conversions",
      `revenue${r.currency ? ` (${r.currency})` : ""}`,
    ],
    ...r.stages.flatMap((s) =>
      s.touchpoints.map((t) => [
        s.id,
        t.id,
        t.customers,
        pct(t.conversionRate),
        pct(t.dropOff),
        days(t.medianSecondsToNext),
        days(t.medianSecondsToConversion),
        num(t.satisfaction.csatMean, 2),
        num(t.satisfaction.nps, 0),
        num(t.attributedConversions),
        num(t.attributedRevenue, 0),
      ]),
    ),
  ],
};

const gapsKind: ReportKind<GapsReport> = {
  description: "touchpoints ranked by the revenue at stake, with their evidence",
  schema: GapsReport,
  params: { lookback: journeyMapKind.params.lookback! },
  run: async (wh, catalog, params) =>
    findGaps(await journeyMap(wh, catalog, { ...scope(params), lookbackMs: lookback(params) })),
  rows: (r) => [
    [
      "rank",
      "touchpoint",
      "stage",
      "customers",
      `at stake${r.currency ? ` (${r.currency})` : ""}`,
      "evidence",
    ],
    ...r.gaps.map((g) => [
      g.rank,
      g.touchpoint,
      g.stage,
      g.customers,
      Math.round(g.revenueAtStake),
      g.evidence
        .filter((e) => e.counted)
        .map((e) =>
          e.metric === "csat"
            ? `CSAT ${e.value.toFixed(2)} vs ${e.benchmark.toFixed(2)} (${e.comparedWith})`
            : `${e.metric === "dropOff" ? "drop-off" : "conversion"} ${pct(e.value)}% vs ${pct(e.benchmark)}% (${e.comparedWith})`,
        )
        .join("; "),
    ]),
  ],
};

// biome-ignore lint/suspicious/noExplicitAny: each kind has its own report type.
export const REPORTS: Record<string, ReportKind<any>> = {
  "journey-map": journeyMapKind,
  gaps: gapsKind,
};
