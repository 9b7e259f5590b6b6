import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { attribution } from "../src/analysis/attribution/attribution.js";
import { type TimedConversion, timeDecay } from "../src/analysis/attribution/heuristics.js";
import { markov } from "../src/analysis/attribution/markov.js";
import { findGaps } from "../src/analysis/gaps/gaps.js";
import { journeyMap } from "../src/analysis/journey-map/journey-map.js";
import type { Catalog, MatchRule, MatchValue } from "../src/catalog/catalog.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import { matchesText } from "../src/catalog/match.js";
import { simulatedWarehouse, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
before(() => {
  tmp = tempDir();
});
after(() => tmp.cleanup());

const simulated = (name: string, customers: number, seed: number) =>
  simulatedWarehouse(`${tmp.dir}/${name}.duckdb`, customers, seed);

// An independent implementation of the definitions in docs/metrics.md, on raw rows in JavaScript
// (the rules evaluated in JS, not through the SQL the compiler emits).
function matches(value: MatchValue, text: string | null): boolean {
  return text !== null && matchesText(value, text);
}

type RawEvent = {
  customer_id: string;
  ts: number;
  event: string;
  type: string;
  channel: string | null;
  source: string;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  properties: string;
};

function ruleMatches(rule: MatchRule, e: RawEvent, props: Record<string, unknown>): boolean {
  const fields = ["event", "type", "channel", "source", "utm_source", "utm_medium", "utm_campaign"] as const;
  for (const f of fields) {
    const v = rule[f];
    if (v && !matches(v, e[f])) return false;
  }
  for (const [path, v] of Object.entries(rule.properties ?? {})) {
    const x = path
      .split(".")
      .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], props);
    if (
      !matches(
        v,
        x === undefined || x === null ? null : typeof x === "object" ? JSON.stringify(x) : String(x),
      )
    )
      return false;
  }
  return true;
}

function classify(catalog: Catalog, e: RawEvent) {
  const props = JSON.parse(e.properties) as Record<string, unknown>;
  const goal = catalog.goals.find((g) => g.match.some((r) => ruleMatches(r, e, props)));
  if (goal) return { goal: goal.id, touchpoint: null };
  const tp = catalog.touchpoints.find((t) => t.match.some((r) => ruleMatches(r, e, props)));
  return { goal: null, touchpoint: tp?.id ?? null };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

test("journey-map numbers match an independent computation on a small simulated business", async () => {
  const { wh } = await simulated("small", 400, 7);
  try {
    const catalog = loadDefaultCatalog();
    const report = await journeyMap(wh, catalog, { from: null, to: null });
    const raw = await wh.query<RawEvent>(
      `SELECT customer_id, epoch_ms(ts) AS ts, event, type, channel, source, utm_source, utm_medium, utm_campaign,
              properties::VARCHAR AS properties
       FROM customer_events WHERE NOT is_bot ORDER BY customer_id, ts`,
    );
    const byCustomer = new Map<string, (RawEvent & { touchpoint: string | null; goal: string | null })[]>();
    for (const e of raw) {
      const list = byCustomer.get(e.customer_id) ?? [];
      byCustomer.set(e.customer_id, list);
      list.push({ ...e, ...classify(catalog, e) });
    }
    const reach = new Map<
      string,
      { customers: number; converted: number; dropped: number; toConversion: number[] }
    >();
    let converters = 0;
    for (const events of byCustomer.values()) {
      const goals = events.filter((e) => e.goal).map((e) => e.ts);
      if (goals.length) converters++;
      const touches = events.filter((e) => e.touchpoint);
      const first = new Map<string, number>();
      for (const e of touches) if (!first.has(e.touchpoint!)) first.set(e.touchpoint!, e.ts);
      for (const [tp, ts] of first) {
        const r = reach.get(tp) ?? { customers: 0, converted: 0, dropped: 0, toConversion: [] };
        reach.set(tp, r);
        r.customers++;
        const next = goals.find((g) => g >= ts);
        if (next !== undefined) {
          r.converted++;
          r.toConversion.push((next - ts) / 1000);
        }
      }
      const last = touches.at(-1);
      if (last && (goals.length === 0 || last.ts > goals.at(-1)!)) reach.get(last.touchpoint!)!.dropped++;
    }
    assert.equal(report.totals.converters, converters);
    assert.equal(report.totals.customers, byCustomer.size);
    let checked = 0;
    for (const stage of report.stages) {
      for (const t of stage.touchpoints) {
        const r = reach.get(t.id);
        assert.equal(t.customers, r?.customers ?? 0, `${t.id} customers`);
        if (!r) continue;
        checked++;
        assert.equal(t.conversionRate, r.converted / r.customers, `${t.id} conversion`);
        assert.equal(t.dropOff, r.dropped / r.customers, `${t.id} drop-off`);
        if (r.toConversion.length)
          assert.ok(
            Math.abs(t.medianSecondsToConversion! - median(r.toConversion)) < 1e-6,
            `${t.id} time to conversion`,
          );
      }
    }
    assert.ok(checked >= 20, `most touchpoints are reached (${checked})`);
    // Journeys: each conversion's touches in the 30 days before it and after the previous conversion;
    // customers without a conversion give a null journey of their last 30 days of touches.
    const LOOKBACK = 30 * 86_400_000;
    const journeys: { path: string[]; conversions: number; value: number; nulls: number }[] = [];
    let unattributed = 0;
    const timed: TimedConversion[] = [];
    for (const events of byCustomer.values()) {
      const touches = events.filter((e) => e.touchpoint);
      const goals = events.filter((e) => e.goal);
      let previous = Number.NEGATIVE_INFINITY;
      for (const g of goals) {
        const window = touches.filter((t) => t.ts <= g.ts && t.ts > previous && g.ts - t.ts <= LOOKBACK);
        previous = g.ts;
        if (!window.length) {
          unattributed++;
          continue;
        }
        journeys.push({ path: window.map((t) => t.touchpoint!), conversions: 1, value: 0, nulls: 0 });
        timed.push({
          value: 0,
          touches: window.map((t) => ({ key: t.touchpoint!, secondsBeforeConversion: (g.ts - t.ts) / 1000 })),
        });
      }
      if (!goals.length && touches.length) {
        const end = touches.at(-1)!.ts;
        journeys.push({
          path: touches.filter((t) => end - t.ts <= LOOKBACK).map((t) => t.touchpoint!),
          conversions: 0,
          value: 0,
          nulls: 1,
        });
      }
    }
    assert.equal(report.totals.unattributedConversions, unattributed);
    const expected = new Map(markov(journeys, 1).credits.map((c) => [c.key, c.conversions]));
    for (const t of report.stages.flatMap((s) => s.touchpoints))
      assert.ok(
        Math.abs(t.attributedConversions - (expected.get(t.id) ?? 0)) < 1e-6,
        `${t.id} Markov credit ${t.attributedConversions} vs ${expected.get(t.id)}`,
      );
    // The attribution report reads the same journeys: linear credit, repeats counted.
    const byTouchpoint = await attribution(wh, catalog, {
      from: null,
      to: null,
      by: "touchpoint",
      models: ["linear", "time_decay"],
      markovOrder: 1,
      lookbackMs: LOOKBACK,
      halfLifeMs: 7 * 86_400_000,
    });
    const linear = new Map<string, number>();
    for (const j of journeys)
      for (const tp of j.path) linear.set(tp, (linear.get(tp) ?? 0) + j.conversions / j.path.length);
    assert.equal(byTouchpoint.unattributed.conversions, unattributed);
    for (const c of byTouchpoint.models.linear!)
      assert.ok(Math.abs(c.conversions - (linear.get(c.key) ?? 0)) < 1e-9, `${c.key} linear credit`);
    // Time decay is computed in the warehouse; the pure model on the same timed journeys must agree.
    const decay = new Map(timeDecay(timed, 7 * 86_400).map((c) => [c.key, c.conversions]));
    for (const c of byTouchpoint.models.time_decay!)
      assert.ok(Math.abs(c.conversions - (decay.get(c.key) ?? 0)) < 1e-9, `${c.key} time-decay credit`);
  } finally {
    await wh.close();
  }
});

test("the gap finder ranks the planted weak touchpoints first, over five seeds", async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { wh, truth } = await simulated(`seed-${seed}`, 3000, seed);
    try {
      const gaps = findGaps(await journeyMap(wh, loadDefaultCatalog(), { from: null, to: null }));
      const top = gaps.gaps.slice(0, truth.weakTouchpoints.length).map((g) => g.touchpoint);
      assert.deepEqual(new Set(top), new Set(truth.weakTouchpoints), `seed ${seed}: top ${top.join(", ")}`);
      for (const g of gaps.gaps) assert.ok(g.evidence.length > 0 && g.revenueAtStake > 0);
    } finally {
      await wh.close();
    }
  }
});
