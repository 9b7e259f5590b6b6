import { bounded, choice, pct, type ReportKind, scope } from "../params.js";
import { periodOf, periodStart } from "./periods.js";
import { RetentionReport } from "./report.js";
import { retention } from "./retention.js";
import { parseReturnRule } from "./return-rule.js";

/** The most offsets a report shows: ten years of months, five of weeks. */
const MAX_PERIODS = 260;

export const retentionKind: ReportKind<RetentionReport> = {
  description:
    "cohort retention by first seen or first goal, per week or month, and the lifecycle of customers",
  schema: RetentionReport,
  params: {
    cohort:
      "group customers by the period of their first event (first_seen, default) or first goal (first_goal)",
    return: "what counts as active: any event (default), goal, touchpoint:ID or event:NAME",
    period: "week (ISO, from Monday UTC; default) or month",
    periods: "offsets shown after the cohort's period (default 8 weeks or 6 months)",
  },
  run: (wh, catalog, params) => {
    const period = choice("period", params.period, ["week", "month"], "week");
    return retention(wh, catalog, {
      ...scope(params, catalog),
      cohort: choice("cohort", params.cohort, ["first_seen", "first_goal"], "first_seen"),
      returnOn: parseReturnRule(
        params.return,
        catalog.touchpoints.map((t) => t.id),
      ),
      period,
      periods: bounded("periods", params.periods, period === "week" ? 8 : 6, 0, MAX_PERIODS),
    });
  },
  rows: (r) => {
    // One row per period: its cohort's triangle (w0 = its own week) and its lifecycle. An incomplete cell
    // is marked `*`; a period that had not started by the end of the data is left blank.
    const prefix = r.period === "week" ? "w" : "m";
    const offsets = Array.from({ length: r.periods + 1 }, (_, k) => `${prefix}${k}`);
    const byStart = new Map(r.cohorts.map((c) => [c.start, c]));
    const life = new Map(r.lifecycle.map((l) => [l.start, l]));
    const starts = [...new Set([...byStart.keys(), ...life.keys()])].sort();
    const indexOf = (start: string) => periodOf(r.period, Date.parse(`${start}T00:00:00Z`));
    const started = (p: number) => r.end !== null && periodStart(r.period, p) < r.end;
    return [
      ["period", "cohort", ...offsets, "new", "returning", "resurrected", "dormant"],
      ...starts.map((start) => {
        const c = byStart.get(start);
        const l = life.get(start);
        const p = indexOf(start);
        return [
          l && !l.complete ? `${start}*` : start,
          c?.customers ?? null,
          ...offsets.map((_, k) => {
            const cell = c?.retention[k];
            if (!cell || !started(p + k)) return null;
            return cell.complete ? pct(cell.share) : `${pct(cell.share)}*`;
          }),
          l?.new ?? null,
          l?.returning ?? null,
          l?.resurrected ?? null,
          l?.dormant ?? null,
        ];
      }),
      [
        "overall",
        r.cohorts.reduce((s, c) => s + c.customers, 0),
        ...r.overall.map((o) => pct(o.share)),
        null,
        null,
        null,
        null,
      ],
    ];
  },
};
