import { choice, duration, num, pct, positive, type ReportKind, ReportParamError, scope } from "../params.js";
import { BREAKDOWN_COLUMNS, funnel } from "./funnel.js";
import { FunnelReport } from "./report.js";
import { MAX_STEPS, parseStep, parseSteps, StepError, splitTopLevel } from "./steps.js";

const seconds = (s: number | null) =>
  s === null
    ? null
    : s < 3600
      ? `${num(s / 60)} min`
      : s < 172_800
        ? `${num(s / 3600)} h`
        : `${num(s / 86_400)} d`;

function asParam<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof StepError) throw new ReportParamError(`--${name}: ${err.message}`);
    throw err;
  }
}

export const funnelKind: ReportKind<FunnelReport> = {
  description: "conversion funnel: customers per step, conversion, drop-off and time between steps",
  schema: FunnelReport,
  params: {
    steps:
      'the steps, comma-separated: touchpoint or goal ids, event names, `Event[prop > 1]` filters, `?` for optional, `within 1h` per step (e.g. "product_page, checkout?, Order Completed within 2d")',
    window: "from the first step to the last, at most (default 14d)",
    order: "ordered (default: other events may come between), strict (none between) or any",
    exclude: "steps that end a customer's progress when done between two steps, comma-separated",
    breakdown: `split by the first step's ${BREAKDOWN_COLUMNS.join(", ")} or property.PATH`,
    limit: "breakdown values shown, largest first (default 10)",
  },
  run: (wh, catalog, params) => {
    if (!params.steps) throw new ReportParamError('--steps: give the steps, e.g. --steps "A,B,C"');
    const steps = asParam("steps", () => parseSteps(params.steps!, catalog));
    const exclude = asParam("exclude", () =>
      splitTopLevel(params.exclude ?? "")
        .filter(Boolean)
        .map((x, i) => parseStep(x, catalog, `exclusion ${i + 1} (${JSON.stringify(x)})`)),
    );
    if (steps.length + (exclude.length ? 1 : 0) > MAX_STEPS)
      throw new ReportParamError(`--steps: at most ${MAX_STEPS - 1} steps with exclusions`);
    const breakdown = params.breakdown || null;
    if (
      breakdown !== null &&
      !BREAKDOWN_COLUMNS.includes(breakdown) &&
      !/^property\.[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$/.test(breakdown)
    )
      throw new ReportParamError(
        `--breakdown: one of ${BREAKDOWN_COLUMNS.join(", ")} or property.PATH, not ${JSON.stringify(breakdown)}`,
      );
    return funnel(wh, catalog, {
      ...scope(params, catalog),
      steps,
      exclude,
      windowMs: duration("window", params.window, "14d"),
      order: choice("order", params.order, ["ordered", "strict", "any"], "ordered"),
      breakdown,
      breakdownLimit: Math.max(1, positive("limit", params.limit, 10, true)),
    });
  },
  rows: (r) => {
    const header = [
      "step",
      "customers",
      "conv. from prev. %",
      "conv. from first %",
      "drop-off",
      "median time",
      "p90 time",
    ];
    const lines = (steps: FunnelReport["steps"], prefix = "") =>
      steps.map((s) => [
        `${prefix}${s.name}${s.optional ? " (optional)" : ""}`,
        s.customers,
        pct(s.conversionFromPrevious),
        pct(s.conversionFromFirst),
        s.dropOff,
        seconds(s.medianSecondsFromPrevious),
        seconds(s.p90SecondsFromPrevious),
      ]);
    if (!r.breakdown) return [header, ...lines(r.steps)];
    return [
      [r.breakdown.by, ...header],
      ...lines(r.steps).map((l) => ["(all)", ...l]),
      ...r.breakdown.values.flatMap((v) => lines(v.steps).map((l) => [v.value, ...l])),
    ];
  },
};
