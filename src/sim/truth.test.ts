import assert from "node:assert/strict";
import { test } from "node:test";
import { measure } from "./measure.js";
import { simulateBusiness, TOUCHPOINT_STAGE, WEAK_CANDIDATES } from "./simulate.js";

const DAY = 86_400_000;
const END = Date.UTC(2026, 0, 1) + 180 * DAY;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

test("the truth plants two weak purchase touchpoints with 2–3× drop-off and low satisfaction", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const { truth } = simulateBusiness({ customers: 0, seed });
    assert.equal(truth.weakTouchpoints.length, 2);
    const peers = Object.keys(truth.touchpoints).filter(
      (tp) => TOUCHPOINT_STAGE[tp] === "purchase" && !truth.weakTouchpoints.includes(tp),
    );
    const peerDrop = median(peers.map((tp) => truth.touchpoints[tp]!.dropOffProbability));
    for (const w of truth.weakTouchpoints) {
      assert.ok((WEAK_CANDIDATES as readonly string[]).includes(w));
      const t = truth.touchpoints[w]!;
      const ratio = t.dropOffProbability / peerDrop;
      assert.ok(ratio >= 1.8 && ratio <= 3.5, `seed ${seed} ${w}: ${ratio.toFixed(2)}× its peers' drop-off`);
      assert.ok(t.csatMean < 2.6, `${w} csat ${t.csatMean}`);
    }
    for (const tp of peers) assert.ok(truth.touchpoints[tp]!.csatMean > 3.8, `${tp} csat`);
    const shares = Object.values(truth.channels).reduce((s, c) => s + c.share, 0);
    assert.ok(Math.abs(shares - 1) < 1e-9);
  }
});

test("the messages show the weak touchpoints: more drop-off and lower CSAT than their stage peers", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const sim = simulateBusiness({ customers: 3000, seed });
    const m = measure(sim.messages());
    const weak = sim.truth.weakTouchpoints;
    const peers = [...m].filter(
      ([tp, e]) => TOUCHPOINT_STAGE[tp] === "purchase" && !weak.includes(tp) && e.customers >= 50,
    );
    assert.ok(peers.length >= 5, `seed ${seed}: ${peers.length} peers`);
    const rated = peers.filter(([, e]) => e.csatAnswers >= 10);
    const peerDrop = median(peers.map(([, e]) => e.dropOff));
    for (const w of weak) {
      const e = m.get(w)!;
      const label = `seed ${seed} ${w}`;
      assert.ok(e.dropOff > 1.5 * peerDrop, `${label}: drop-off ${e.dropOff} vs peers' median ${peerDrop}`);
      for (const [tp, p] of peers) assert.ok(e.dropOff > p.dropOff, `${label}: drop-off under ${tp}'s`);
      assert.ok(e.csatAnswers >= 15, `${label}: ${e.csatAnswers} CSAT answers`);
      for (const [tp, p] of rated)
        assert.ok(e.csatMean! < p.csatMean! - 1, `${label}: CSAT ${e.csatMean} vs ${tp} ${p.csatMean}`);
      assert.ok(
        Math.abs(e.csatMean! - sim.truth.touchpoints[w]!.csatMean) < 0.5,
        `${label}: CSAT near the truth`,
      );
    }
  }
});

// Fader, Hardie and Lee (2005), eq. 9: expected repeat purchases in (0, t] under BG/NBD.
function expectedRepeats(
  { r, alpha, a, b }: { r: number; alpha: number; a: number; b: number },
  t: number,
): number {
  const z = t / (alpha + t);
  let term = 1;
  let hyp = 1;
  for (let k = 0; k < 10_000 && Math.abs(term) > 1e-12 * hyp; k++) {
    term *= (((r + k) * (b + k)) / ((a + b - 1 + k) * (k + 1))) * z;
    hyp += term;
  }
  return ((a + b - 1) / (a - 1)) * (1 - (alpha / (alpha + t)) ** r * hyp);
}

test("repeat purchasing and spend follow the true BG/NBD and Gamma-Gamma parameters", () => {
  for (const seed of [1, 2]) {
    const sim = simulateBusiness({ customers: 5000, seed });
    const orders = new Map<string, number[]>();
    let revenue = 0;
    let count = 0;
    for (const { message: m } of sim.messages()) {
      if (m.event !== "Order Completed") continue;
      const list = orders.get(String(m.userId)) ?? [];
      orders.set(String(m.userId), list);
      list.push(Date.parse(String(m.timestamp)));
      revenue += (m.properties as { revenue: number }).revenue;
      count++;
    }
    let expected = 0;
    for (const list of orders.values())
      expected += 1 + expectedRepeats(sim.truth.repeatPurchase, (END - list[0]!) / DAY);
    const perBuyer = count / orders.size;
    const label = `seed ${seed}: ${perBuyer.toFixed(3)} orders per buyer, expected ${(expected / orders.size).toFixed(3)}`;
    assert.ok(Math.abs(perBuyer / (expected / orders.size) - 1) < 0.06, label);
    const { p, q, gamma } = sim.truth.spend;
    const aov = revenue / count;
    assert.ok(Math.abs(aov / ((p * gamma) / (q - 1)) - 1) < 0.1, `seed ${seed}: average order ${aov}`);
  }
});
