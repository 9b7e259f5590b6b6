import type { Gap, GapEvidence } from "../../src/analysis/gaps/report.js";
import type { TouchpointStats } from "../../src/analysis/journey-map/report.js";
import { money, num, percent, share, signed } from "./format.js";

/** How a touchpoint is doing, at a glance: its colour on the map, always spelled out in words too. */
export type Health = "good" | "watch" | "poor" | "idle";

/**
 * The three largest gaps are poor; another gap putting at least 1% of the revenue at stake is worth
 * watching; smaller gaps are listed on the Gaps page only. A touchpoint nobody reached is idle.
 */
export function healthOf(t: TouchpointStats, gap: Gap | undefined, revenue: number): Health {
  if (t.customers === 0) return "idle";
  if (!gap) return "good";
  if (gap.rank <= 3) return "poor";
  return gap.revenueAtStake >= 0.01 * revenue ? "watch" : "good";
}

export const HEALTH_LABEL: Record<Health, string> = {
  good: "Healthy",
  watch: "Gap",
  poor: "Top gap",
  idle: "No customers",
};

const METRIC_LABEL: Record<GapEvidence["metric"], string> = {
  dropOff: "Drop-off",
  conversionRate: "Conversion",
  csat: "CSAT (mean)",
};

/** "Drop-off 34.1% vs 21.0% (median of 4 stage peers)". */
export function evidenceText(e: GapEvidence): string {
  const v = (x: number) => (e.metric === "csat" ? num(x, 2) : share(x));
  return `${METRIC_LABEL[e.metric]} ${v(e.value)} vs ${v(e.benchmark)} (${e.comparedWith})`;
}

export const evidenceStake = (e: GapEvidence, currency: string | null) =>
  `${money(e.revenueAtStake, currency)} at stake, ${num(e.customersAffected, 0)} customers`;

/** The satisfaction shown on a card: CSAT when answered, else NPS, else CES. */
export function satisfactionText(s: TouchpointStats["satisfaction"]): string {
  if (s.csat !== null) return `CSAT ${percent(s.csat, 0)}`;
  if (s.nps !== null) return `NPS ${signed(s.nps)}`;
  if (s.ces !== null) return `CES ${num(s.ces, 1)}`;
  return "no answers";
}
