import assert from "node:assert/strict";
import { after, before, test } from "node:test";
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
    // Linear credit: every conversion with a touchpoint in the lookback is credited exactly once.
    const credited = report.stages
      .flatMap((s) => s.touchpoints)
      .reduce((s, t) => s + t.attributedConversions, 0);
    assert.ok(Math.abs(credited + report.totals.unattributedConversions - report.totals.conversions) < 1e-6);
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
