import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { type FirstOrderTransitions, type MarkovSolver, markov, markovOfTransitions } from "./markov.js";
import { parsePathSummary } from "./path-file.js";
import type { PathSummaryRow } from "./paths.js";

const row = (path: string, conversions: number, value: number, nulls: number): PathSummaryRow => ({
  path: path.split(" > "),
  conversions,
  value,
  nulls,
});

const close = (actual: number, expected: number, what: string, tolerance = 1e-12) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} instead of ${expected}`,
  );

const SOLVERS: MarkovSolver[] = ["auto", "elimination", "iteration"];

const fixture = () =>
  parsePathSummary(
    readFileSync(
      new URL("../../../../src/analysis/attribution/fixtures/attribution-fixture.csv", import.meta.url),
      "utf8",
    ),
    "attribution-fixture.csv",
  );

test("order 1 on a chain solved by hand", () => {
  // start→a 3, start→b 2; a→b 1, a→(conversion) 1, a→(null) 1; b→(conversion) 2, b→(null) 1.
  // x(b) = 2/3, x(a) = (2/3 + 1)/3 = 5/9, P = (3·5/9 + 2·2/3)/5 = 3/5.
  // v(a) = 100, v(b) = (30 + 10)/2 = 20: z(b) = 40/3, z(a) = (40/3 + 100)/3, E = 28 = 140/5.
  // Without a: P = 4/15, E = 16/3. Without b: x(a) = 1/3, P = 1/5, z(a) = 100/3, E = 20.
  const rows = [row("a > b", 1, 30, 0), row("a", 1, 100, 1), row("b", 1, 10, 1)];
  for (const solver of SOLVERS) {
    const r = markov(rows, 1, solver);
    close(r.conversionProbability, 3 / 5, `${solver} P`);
    close(r.valuePerJourney, 28, `${solver} E`);
    const [a, b] = r.credits;
    close(a!.removalEffect!, 5 / 9, `${solver} RE(a)`);
    close(b!.removalEffect!, 2 / 3, `${solver} RE(b)`);
    close(a!.valueRemovalEffect!, 17 / 21, `${solver} RE_V(a)`);
    close(b!.valueRemovalEffect!, 2 / 7, `${solver} RE_V(b)`);
    close(a!.conversions, 15 / 11, `${solver} conversions(a)`);
    close(b!.conversions, 18 / 11, `${solver} conversions(b)`);
    close(a!.value, 2380 / 23, `${solver} value(a)`);
    close(b!.value, 840 / 23, `${solver} value(b)`);
  }
});

test("states: sliding windows, short paths as one state, consecutive repeats collapsed", () => {
  assert.equal(markov([row("a > b > c", 1, 0, 0), row("a", 0, 0, 1)], 2).states, 3); // ab, bc, a
  assert.equal(markov([row("a > b > c > d", 1, 0, 0)], 4).states, 1);
  assert.equal(markov([row("a > b > c", 1, 0, 0)], 4).states, 1);
  // a > a > b is a → b at order 1, and aa → ab at order 2 (as is a > a > a > b).
  assert.deepEqual(markov([row("a > a > b", 1, 5, 1)], 1), markov([row("a > b", 1, 5, 1)], 1));
  assert.deepEqual(markov([row("a > a > a > b", 1, 5, 1)], 2), markov([row("a > a > b", 1, 5, 1)], 2));
  assert.equal(markov([row("a > a > a > b", 1, 5, 1)], 2).states, 2);
});

test("P equals the observed conversion rate and E the value per journey, at every order and solver", () => {
  const rows = fixture();
  const conversions = rows.reduce((s, r) => s + r.conversions, 0);
  const journeys = rows.reduce((s, r) => s + r.conversions + r.nulls, 0);
  const value = rows.reduce((s, r) => s + r.value, 0);
  for (let order = 1; order <= 4; order++) {
    const bySolver = SOLVERS.map((solver) => markov(rows, order, solver));
    for (const [i, r] of bySolver.entries()) {
      close(r.conversionProbability, conversions / journeys, `order ${order} ${SOLVERS[i]} P`, 1e-14);
      close(r.valuePerJourney, value / journeys, `order ${order} ${SOLVERS[i]} E`, 1e-14);
    }
    // The iteration is certified to 1e-15 of P and E; elimination is exact up to rounding.
    const [, eliminated, iterated] = bySolver;
    for (const [j, c] of eliminated!.credits.entries()) {
      const it = iterated!.credits[j]!;
      close(it.removalEffect!, c.removalEffect!, `order ${order} RE(${c.key})`);
      close(it.valueRemovalEffect!, c.valueRemovalEffect!, `order ${order} RE_V(${c.key})`);
    }
  }
});

test("a meshed chain is iterated, and still reproduces the observed rate", () => {
  let seed = 7;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const rows: PathSummaryRow[] = [];
  for (let i = 0; i < 4000; i++) {
    const path = Array.from({ length: 1 + Math.floor(random() * 8) }, () => `c${Math.floor(random() * 8)}`);
    const conversions = random() < 0.3 ? 1 + Math.floor(random() * 3) : 0;
    rows.push({ path, conversions, value: conversions * 50 * random(), nulls: Math.floor(random() * 4) });
  }
  const r = markov(rows, 3);
  assert.equal(r.solvedBy, "iteration");
  assert.ok(r.states > 400, String(r.states));
  const journeys = rows.reduce((s, x) => s + x.conversions + x.nulls, 0);
  close(r.conversionProbability, rows.reduce((s, x) => s + x.conversions, 0) / journeys, "P", 1e-14);
  close(r.valuePerJourney, rows.reduce((s, x) => s + x.value, 0) / journeys, "E", 1e-14);
  close(
    r.credits.reduce((s, c) => s + c.conversions, 0),
    rows.reduce((s, x) => s + x.conversions, 0),
    "Σ conversions",
  );
  assert.equal(markov(fixture(), 1).solvedBy, "elimination");
});

test("edge cases: no conversions, no value, channels only in null journeys", () => {
  const none = markov([row("a > b", 0, 0, 3)], 1);
  assert.equal(none.conversionProbability, 0);
  assert.deepEqual(
    none.credits.map((c) => [c.conversions, c.value, c.removalEffect, c.valueRemovalEffect]),
    [
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ],
  );
  const free = markov([row("a > b", 2, 0, 1), row("c", 0, 0, 4)], 1);
  assert.deepEqual(
    free.credits.map((c) => [c.key, c.value, c.valueRemovalEffect]),
    [
      ["a", 0, 0],
      ["b", 0, 0],
      ["c", 0, 0],
    ],
  );
  const [, , c] = free.credits;
  assert.equal(c!.conversions, 0);
  assert.equal(c!.removalEffect, 0);
  assert.deepEqual(markov([], 2).credits, []);
});

test("the order must be 1 to 4", () => {
  for (const order of [0, 5, 1.5])
    assert.throws(() => markov([], order), /order must be an integer from 1 to 4/);
});

/** The first-order transitions of path rows, summed as the journey map's query sums them. */
function transitionsOf(rows: readonly PathSummaryRow[]): FirstOrderTransitions {
  const starts = new Map<string, number>();
  const steps = new Map<string, { from: string; to: string; weight: number }>();
  const ends = new Map<string, { key: string; conversions: number; nulls: number; value: number }>();
  for (const { path, conversions, nulls, value } of rows) {
    const weight = conversions + nulls;
    starts.set(path[0]!, (starts.get(path[0]!) ?? 0) + weight);
    for (let i = 1; i < path.length; i++) {
      const key = `${path[i - 1]}>${path[i]}`;
      const step = steps.get(key) ?? { from: path[i - 1]!, to: path[i]!, weight: 0 };
      step.weight += weight;
      steps.set(key, step);
    }
    const last = path[path.length - 1]!;
    const end = ends.get(last) ?? { key: last, conversions: 0, nulls: 0, value: 0 };
    end.conversions += conversions;
    end.nulls += nulls;
    end.value += value;
    ends.set(last, end);
  }
  return {
    starts: [...starts].map(([key, weight]) => ({ key, weight })),
    steps: [...steps.values()],
    ends: [...ends.values()],
  };
}

test("first order from summed transitions equals first order from the paths", () => {
  const withRepeats: PathSummaryRow[] = [
    { path: ["A", "A", "B"], conversions: 3, value: 30, nulls: 2 },
    { path: ["B", "A", "A"], conversions: 1, value: 7, nulls: 5 },
    { path: ["C"], conversions: 0, value: 0, nulls: 4 },
    { path: ["A", "C", "B", "C"], conversions: 2, value: 11, nulls: 0 },
  ];
  for (const rows of [fixture(), withRepeats]) {
    for (const solver of ["elimination", "iteration"] as const) {
      const expected = markov(rows, 1, solver);
      const actual = markovOfTransitions(transitionsOf(rows), solver);
      assert.equal(actual.states, expected.states);
      close(actual.conversionProbability, expected.conversionProbability, "P", 1e-9);
      close(actual.valuePerJourney, expected.valuePerJourney, "E", 1e-9);
      assert.deepEqual(
        actual.credits.map((c) => c.key),
        expected.credits.map((c) => c.key),
      );
      actual.credits.forEach((c, i) => {
        for (const field of ["conversions", "value", "removalEffect", "valueRemovalEffect"] as const)
          close(c[field]!, expected.credits[i]![field]!, `${solver} ${c.key} ${field}`, 1e-9);
      });
    }
  }
});
