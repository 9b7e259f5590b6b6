import {
  AttributionInputError,
  type AttributionOptions,
  attribution,
  attributionOfPaths,
} from "./attribution/attribution.js";
import { MODEL_NAMES, type ModelName } from "./attribution/models.js";
import { PathFileError, parsePathSummary } from "./attribution/path-file.js";
import { AttributionReport } from "./attribution/report.js";
import { ModelError } from "./clv/errors.js";
import { type LifetimeValueOptions, lifetimeValue, lifetimeValueOf } from "./clv/lifetime-value.js";
import { ClvReport } from "./clv/report.js";
import { parseSummaryFile, SummaryFileError } from "./clv/summary-file.js";
import { feedback } from "./feedback/feedback.js";
import { FeedbackReport } from "./feedback/report.js";
import { funnelKind } from "./funnel/kind.js";
import { findGaps } from "./gaps/gaps.js";
import { GapsReport } from "./gaps/report.js";
import { journeyMap } from "./journey-map/journey-map.js";
import { JourneyMapReport } from "./journey-map/report.js";
import {
  choice,
  days,
  duration,
  lookback,
  num,
  parseDate,
  pct,
  positive,
  type ReportKind,
  ReportParamError,
  type ReportParams,
  scope,
} from "./params.js";
import { pathsKind } from "./paths/kind.js";
import { retentionKind } from "./retention/kind.js";

const journeyMapKind: ReportKind<JourneyMapReport> = {
  description:
    "the journey map measured: reach, conversion, drop-off, satisfaction and credit per touchpoint",
  schema: JourneyMapReport,
  params: { lookback: "attribution lookback before a conversion (default 30d)" },
  run: (wh, catalog, params) =>
    journeyMap(wh, catalog, { ...scope(params, catalog), lookbackMs: lookback(params) }),
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
    findGaps(await journeyMap(wh, catalog, { ...scope(params, catalog), lookbackMs: lookback(params) })),
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

function clvOptions(params: ReportParams): LifetimeValueOptions {
  const limit = params.limit === "all" ? null : positive("limit", params.limit, 100, true);
  return {
    unit: choice("unit", params.unit, ["day", "week"], "day"),
    model: choice("model", params.model, ["bgnbd", "pareto_nbd"], "bgnbd"),
    horizonDays: duration("horizon", params.horizon, "90d") / 86_400_000,
    months: positive("months", params.months, 12, true),
    discount: positive("discount", params.discount, 0.01),
    limit,
  };
}

/** Runs `fn`, turning the user's errors (see asParamError) into parameter errors. */
function asParamErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asParamError(err);
  }
}

/** Data that cannot identify a model, and bad files, are the user's to fix: a message, no stack. */
function asParamError(err: unknown): unknown {
  const userErrors = [ModelError, SummaryFileError, PathFileError, AttributionInputError];
  return userErrors.some((kind) => err instanceof kind) ? new ReportParamError((err as Error).message) : err;
}

const clvKind: ReportKind<ClvReport> = {
  description: "customer lifetime value: BG/NBD, Gamma-Gamma, P(alive), CLV and RFM segments",
  schema: ClvReport,
  params: {
    unit: "time unit of frequency, recency and T: day (default) or week",
    model: "purchase model: bgnbd (default) or pareto_nbd",
    horizon: "horizon of expectedPurchases (default 90d)",
    months: "CLV horizon in months (default 12)",
    discount: "monthly discount rate (default 0.01)",
    holdoutFrom: "start of a hold-out period: fit before it, compare predictions with it",
    limit: "customers listed, highest CLV first (default 100, or all)",
    save: "store every customer's prediction for customer profiles (replaces the last saved)",
  },
  writes: ["save"],
  files: {
    rfm: "an RFM summary file customer_id,frequency,recency,T,monetary_value instead of the warehouse",
  },
  run: async (wh, catalog, params) => {
    const options = {
      ...clvOptions(params),
      ...scope(params, catalog),
      holdoutFrom: parseDate("holdout-from", params.holdoutFrom),
      save: params.save !== undefined && params.save !== "false",
    };
    return lifetimeValue(wh, catalog, options).catch((err) => Promise.reject(asParamError(err)));
  },
  runOnFile: (file, params) =>
    asParamErrors(() => lifetimeValueOf(parseSummaryFile(file.text, file.name), clvOptions(params))),
  rows: (r) => [
    [
      "customer",
      "frequency",
      "recency",
      "T",
      "exp. purchases",
      "P(alive)",
      "exp. spend",
      `CLV${r.currency ? ` (${r.currency})` : ""}`,
      "segment",
    ],
    ...r.customers.map((c) => [
      c.customerId,
      c.frequency,
      num(c.recency, 2),
      num(c.T, 2),
      num(c.expectedPurchases, 3),
      num(c.pAlive, 3),
      num(c.expectedSpend, 2),
      num(c.clv, 2),
      c.segment,
    ]),
  ],
};

function attributionOptions(params: ReportParams): AttributionOptions {
  const all = params.all !== undefined && params.all !== "false";
  const models = all
    ? [...MODEL_NAMES]
    : (params.model ?? "first_touch,last_touch,linear,position_based,markov,shapley")
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean);
  for (const m of models)
    if (!(MODEL_NAMES as readonly string[]).includes(m))
      throw new ReportParamError(
        `--model: unknown model ${JSON.stringify(m)}; one of ${MODEL_NAMES.join(", ")}`,
      );
  return {
    models: models as ModelName[],
    by: choice("by", params.by, ["channel", "touchpoint"], "channel"),
    markovOrder: Math.max(1, positive("order", params.order, 1, true)),
    lookbackMs: lookback(params),
    halfLifeMs: duration("half-life", params.halfLife, "7d"),
  };
}

const attributionKind: ReportKind<AttributionReport> = {
  description: "which channels or touchpoints earn the conversions: heuristic models, exact Markov, Shapley",
  schema: AttributionReport,
  params: {
    model: `models, comma-separated: ${MODEL_NAMES.join(", ")} (default all but last_non_direct and time_decay)`,
    all: "every model",
    by: "credit channels (default) or touchpoints",
    order: "order of the Markov chain, 1–4 (default 1)",
    lookback: "journey window before a conversion (default 30d)",
    halfLife: "half-life of time_decay (default 7d)",
  },
  files: { paths: "a path summary path,total_conversions,total_conversion_value,total_null" },
  run: async (wh, catalog, params) => {
    const options = { ...attributionOptions(params), ...scope(params, catalog) };
    if (options.markovOrder > 4) throw new ReportParamError("--order: 1 to 4");
    return attribution(wh, catalog, options);
  },
  runOnFile: (file, params) =>
    asParamErrors(() =>
      attributionOfPaths(parsePathSummary(file.text, file.name), attributionOptions(params)),
    ),
  rows: (r) => {
    const models = Object.keys(r.models);
    const keys = [...new Set(models.flatMap((m) => r.models[m]!.map((c) => c.key)))].sort();
    const credit = (m: string, key: string) => r.models[m]!.find((c) => c.key === key);
    return [
      [r.by, ...models.flatMap((m) => [`${m} conv`, `${m} value`])],
      ...keys.map((key) => [
        key,
        ...models.flatMap((m) => [num(credit(m, key)?.conversions ?? 0), num(credit(m, key)?.value ?? 0, 0)]),
      ]),
      ["total", ...models.flatMap(() => [num(r.conversions), num(r.value, 0)])],
    ];
  },
};

const feedbackKind: ReportKind<FeedbackReport> = {
  description: "survey answers per touchpoint, channel or stage and over time: NPS, CSAT, CES, detractors",
  schema: FeedbackReport,
  params: {
    by: "group by touchpoint (default), channel or stage",
    period: "trend by week or month (default)",
    detractors: "detractor answers listed, most recent first (default 50)",
  },
  run: (wh, catalog, params) =>
    feedback(wh, catalog, {
      ...scope(params, catalog),
      by: choice("by", params.by, ["touchpoint", "channel", "stage"], "touchpoint"),
      period: choice("period", params.period, ["week", "month"], "month"),
      detractors: positive("detractors", params.detractors, 50, true),
    }),
  rows: (r) => {
    const interval = (x: number[] | null, digits: number) =>
      x ? `${x[0]!.toFixed(digits)}–${x[1]!.toFixed(digits)}` : null;
    return [
      [r.by, "name", "responses", "NPS", "NPS 95% CI", "CSAT %", "CSAT 95% CI", "CES", "CES 95% CI"],
      ...[{ key: "(all)", name: "all answers", ...r.overall }, ...r.groups].map((g) => [
        g.key,
        g.name,
        g.responses,
        num(g.nps, 0),
        interval(g.npsInterval, 0),
        num(g.csat, 1),
        interval(g.csatInterval, 1),
        num(g.ces, 2),
        interval(g.cesInterval, 2),
      ]),
    ];
  },
};

// biome-ignore lint/suspicious/noExplicitAny: each kind has its own report type.
export const REPORTS: Record<string, ReportKind<any>> = {
  "journey-map": journeyMapKind,
  gaps: gapsKind,
  attribution: attributionKind,
  clv: clvKind,
  feedback: feedbackKind,
  funnel: funnelKind,
  retention: retentionKind,
  paths: pathsKind,
};
