import assert from "node:assert/strict";
import { test } from "node:test";
import { markov } from "./markov.js";
import type { PathSummaryRow } from "./paths.js";

/**
 * An independent first-order chain: a dense transition matrix built straight from the spec, absorption
 * probabilities by repeated multiplication (the walk distribution after n steps), removal effects by
 * sending every transition into a removed channel to (null).
 */
function bruteForce(rows: PathSummaryRow[]) {
  const channels = [...new Set(rows.flatMap((r) => r.path))].sort();
  const START = channels.length;
  const CONV = START + 1;
  const NULL = START + 2;
  const n = START + 3;
  const weight = Array.from({ length: n }, () => new Float64Array(n));
  for (const r of rows) {
    const states = r.path.filter((c, i) => i === 0 || c !== r.path[i - 1]).map((c) => channels.indexOf(c));
    const w = r.conversions + r.nulls;
    weight[START]![states[0]!]! += w;
    for (let i = 1; i < states.length; i++) weight[states[i - 1]!]![states[i]!]! += w;
    weight[states.at(-1)!]![CONV]! += r.conversions;
    weight[states.at(-1)!]![NULL]! += r.nulls;
  }
  const conversionProbability = (removed: number | null) => {
    const p = weight.map((row, from) => {
      const total = row.reduce((s, x) => s + x, 0);
      const out = new Float64Array(n);
      if (from === CONV || from === NULL || total === 0) out[from === CONV ? CONV : NULL] = 1;
      else
        row.forEach((x, to) => {
          out[to === removed ? NULL : to]! += x / total;
        });
      return out;
    });
    let dist = new Float64Array(n);
    dist[START] = 1;
    for (let step = 0; step < 20_000; step++) {
      const next = new Float64Array(n);
      dist.forEach((mass, from) => {
        if (mass)
          p[from]!.forEach((x, to) => {
            next[to]! += mass * x;
          });
      });
      dist = next;
    }
    return dist[CONV]!;
  };
  const P = conversionProbability(null);
  return { P, removal: new Map(channels.map((c, i) => [c, 1 - conversionProbability(i) / P])) };
}

test("Markov order 1 agrees with a brute-force chain on small examples, loops included", () => {
  const examples: PathSummaryRow[][] = [
    [
      { path: ["a", "b"], conversions: 3, value: 30, nulls: 2 },
      { path: ["b"], conversions: 1, value: 5, nulls: 4 },
      { path: ["a", "c", "a"], conversions: 2, value: 10, nulls: 1 },
    ],
    [
      { path: ["x", "y", "x", "y", "z"], conversions: 5, value: 50, nulls: 1 },
      { path: ["y", "z", "y"], conversions: 0, value: 0, nulls: 7 },
      { path: ["z", "x"], conversions: 2, value: 9, nulls: 3 },
      { path: ["x", "x", "z"], conversions: 1, value: 4, nulls: 0 },
      { path: ["w"], conversions: 0, value: 0, nulls: 3 },
    ],
  ];
  for (const rows of examples) {
    const exact = markov(rows, 1);
    const brute = bruteForce(rows);
    assert.ok(
      Math.abs(exact.conversionProbability - brute.P) < 1e-12,
      `P ${exact.conversionProbability} vs ${brute.P}`,
    );
    const sumRE = [...brute.removal.values()].reduce((s, x) => s + x, 0);
    const total = rows.reduce((s, r) => s + r.conversions, 0);
    for (const c of exact.credits) {
      assert.ok(Math.abs(c.removalEffect! - brute.removal.get(c.key)!) < 1e-9, `${c.key} removal effect`);
      assert.ok(
        Math.abs(c.conversions - (total * brute.removal.get(c.key)!) / sumRE) < 1e-9,
        `${c.key} credit`,
      );
    }
  }
  // A channel seen only on journeys that never convert earns nothing.
  const w = markov(examples[1]!, 1).credits.find((c) => c.key === "w")!;
  assert.equal(w.conversions, 0);
  assert.equal(w.value, 0);
});
