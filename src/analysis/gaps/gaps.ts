import type { JourneyMapReport, TouchpointStats } from "../journey-map/report.js";
import type { Gap, GapEvidence, GapsReport } from "./report.js";

export interface GapOptions {
  /** Touchpoints reached by fewer customers are too noisy to rank. */
  minCustomers?: number;
  /** Satisfaction needs at least this many CSAT answers. */
  minResponses?: number;
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Ranks touchpoints by the revenue at stake if they performed like their stage peers or met their
 * target: excess drop-off or conversion deficit (the larger, as they overlap) plus the satisfaction
 * deficit. Pure: it reads a journey-map report. Definitions in docs/metrics.md.
 */
export function findGaps(map: JourneyMapReport, options: GapOptions = {}): GapsReport {
  const minCustomers = options.minCustomers ?? 30;
  const minResponses = options.minResponses ?? 20;
  const aov = map.totals.conversions > 0 ? map.totals.revenue / map.totals.conversions : 0;
  const gaps: Omit<Gap, "rank">[] = [];

  for (const stage of map.stages) {
    const ranked = stage.touchpoints.filter((t) => t.customers >= minCustomers);
    for (const tp of ranked) {
      const peers = ranked.filter((p) => p.id !== tp.id);
      const peerLabel = `median of ${peers.length} stage peers`;
      const benchmark = (target: number | undefined, pick: (p: TouchpointStats) => number | null) => {
        if (target !== undefined) return { value: target, label: "target" };
        const m = median(peers.map(pick).filter((v): v is number => v !== null));
        return m === null ? null : { value: m, label: peerLabel };
      };
      const journey: GapEvidence[] = [];
      const peerConversion = median(peers.map((p) => p.conversionRate ?? 0)) ?? tp.conversionRate ?? 0;

      const drop = benchmark(tp.target.dropOff, (p) => p.dropOff);
      if (drop && tp.dropOff !== null && tp.dropOff > drop.value) {
        const lost = (tp.dropOff - drop.value) * tp.customers;
        journey.push(evidence("dropOff", tp.dropOff, drop, lost, lost * peerConversion * aov));
      }
      // Conversion rates depend on how deep in the funnel a touchpoint sits (product pages convert less
      // than checkout by nature), so only a target makes a conversion deficit; peers compare on drop-off.
      const conv =
        tp.target.conversion === undefined ? null : { value: tp.target.conversion, label: "target" };
      if (conv && tp.conversionRate !== null && tp.conversionRate < conv.value) {
        const lost = (conv.value - tp.conversionRate) * tp.customers;
        journey.push(evidence("conversionRate", tp.conversionRate, conv, lost, lost * aov));
      }
      // Drop-off and conversion measure the same lost customers: count the larger.
      const largest = journey.reduce<GapEvidence | null>(
        (a, e) => (a === null || e.revenueAtStake > a.revenueAtStake ? e : a),
        null,
      );
      for (const e of journey) e.counted = e === largest;

      const sat = satisfactionGap(
        tp,
        peers,
        minResponses,
        peerLabel,
        Math.max(tp.conversionRate ?? 0, peerConversion),
        aov,
      );
      const all = sat ? [...journey, sat] : journey;
      const total = all.filter((e) => e.counted).reduce((s, e) => s + e.revenueAtStake, 0);
      if (total > 0) {
        gaps.push({
          touchpoint: tp.id,
          name: tp.name,
          stage: tp.stage,
          owner: tp.owner,
          customers: tp.customers,
          revenueAtStake: round2(total),
          evidence: all,
        });
      }
    }
  }
  gaps.sort((a, b) => b.revenueAtStake - a.revenueAtStake || a.touchpoint.localeCompare(b.touchpoint));
  return {
    from: map.from,
    to: map.to,
    currency: map.currency,
    averageConversionValue: round2(aov),
    minCustomers,
    gaps: gaps.map((g, i) => ({ rank: i + 1, ...g })),
  };
}

/**
 * A CSAT mean under the target (or the peers' median) is valued as the extra share of dissatisfied
 * customers (scores 1–3) against the benchmark, each worth a conversion at the better of the two rates.
 */
function satisfactionGap(
  tp: TouchpointStats,
  peers: TouchpointStats[],
  minResponses: number,
  peerLabel: string,
  conversionRate: number,
  aov: number,
): GapEvidence | null {
  const mean = tp.satisfaction.csatMean;
  const share = tp.satisfaction.csat;
  if (mean === null || share === null || tp.satisfaction.responses < minResponses) return null;
  const rated = peers.filter(
    (p) => p.satisfaction.csatMean !== null && p.satisfaction.responses >= minResponses,
  );
  const target = tp.target.csat;
  const benchmarkMean = target ?? median(rated.map((p) => p.satisfaction.csatMean!));
  if (benchmarkMean === null || mean >= benchmarkMean) return null;
  // The satisfied share (4–5) expected at the benchmark: the peers' median share, or, against a target
  // the peers do not reach, this touchpoint's share scaled by the shortfall of its mean.
  const peerShare = median(rated.map((p) => p.satisfaction.csat!));
  const peerMean = median(rated.map((p) => p.satisfaction.csatMean!));
  const scaled = Math.min(100, (share * benchmarkMean) / mean);
  const benchmarkShare =
    peerShare !== null && peerMean !== null && peerMean >= benchmarkMean
      ? Math.max(peerShare, scaled)
      : scaled;
  const extraDissatisfied = Math.max(0, benchmarkShare - share) / 100;
  const affected = extraDissatisfied * tp.customers;
  return evidence(
    "csat",
    mean,
    { value: benchmarkMean, label: target === undefined ? peerLabel : "target" },
    affected,
    affected * conversionRate * aov,
    true,
  );
}

function evidence(
  metric: GapEvidence["metric"],
  value: number,
  benchmark: { value: number; label: string },
  customersAffected: number,
  revenueAtStake: number,
  counted = false,
): GapEvidence {
  return {
    metric,
    value,
    benchmark: benchmark.value,
    comparedWith: benchmark.label,
    customersAffected: Math.round(customersAffected),
    revenueAtStake: round2(revenueAtStake),
    counted,
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
