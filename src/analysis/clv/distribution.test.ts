import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { select } from "../../util/select.js";
import { CLV_BINS, clvDistribution, histogram, P_ALIVE_BINS, quantile } from "./distribution.js";

const counts = (h: { bins: { customers: number }[] }) => h.bins.map((b) => b.customers);

test("select finds the k-th smallest, with many ties, as a sort does", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 200 }),
      fc.nat(),
      (xs, k) => {
        const i = k % xs.length;
        const sorted = [...xs].sort((a, b) => a - b);
        assert.equal(select(Float64Array.from(xs), i), sorted[i]);
      },
    ),
  );
  assert.throws(() => select(new Float64Array(2), 2), RangeError);
});

test("the quantile is by nearest rank and leaves out non-finite values", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(quantile(hundred, 0.99), 99);
  assert.equal(quantile(hundred, 1), 100);
  assert.equal(quantile(hundred, 0.5), 50);
  assert.equal(quantile([3, Number.NaN, 1, Number.POSITIVE_INFINITY, 2], 0.99), 3);
  assert.equal(quantile([], 0.99), null);
  assert.equal(quantile([7], 0.99), 7);
});

test("a histogram has equal-width bins, the last one closed and holding the tail", () => {
  const h = histogram([0, 0.5, 1, 1.99, 2, 3.5, 4, 9, -1, Number.NaN], 0, 4, 4);
  assert.deepEqual(
    h.bins.map((b) => [b.lower, b.upper]),
    [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ],
  );
  // -1 counts in the first bin; 4 (the upper edge) and 9 (beyond it) in the last.
  assert.deepEqual(counts(h), [3, 2, 1, 3]);
  assert.equal(h.customers, 9);
  assert.equal(h.tail, 1);
  assert.equal(h.max, 9);

  // Values on the edges go to the bin they open, despite rounding (0.15 / 0.05 = 2.9999…).
  const p = histogram([0.05, 0.15, 0.35, 0.7, 0.95, 1], 0, 1, 20);
  assert.deepEqual(
    p.bins.filter((b) => b.customers > 0).map((b) => b.lower),
    [0.05, 0.15, 0.35, 0.7, 0.95],
  );
  assert.equal(p.bins.at(-1)!.customers, 2, "0.95 and 1 share the last bin");

  // One value, or none: one bin at it.
  assert.deepEqual(histogram([2, 2], 2, 2, 20).bins, [{ lower: 2, upper: 2, customers: 2 }]);
  assert.deepEqual(histogram([], 0, 1, 2), {
    bins: [
      { lower: 0, upper: 0.5, customers: 0 },
      { lower: 0.5, upper: 1, customers: 0 },
    ],
    customers: 0,
    tail: 0,
    max: null,
  });
  assert.throws(() => histogram([1], 1, 0, 2), RangeError);
});

test("every value lands in exactly one bin, the one whose edges hold it", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e4, noNaN: true }), { maxLength: 300 }),
      fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
      fc.integer({ min: 1, max: 40 }),
      (xs, upper, bins) => {
        const h = histogram(xs, 0, upper, bins);
        assert.equal(h.bins.length, bins);
        assert.equal(
          h.bins.reduce((s, b) => s + b.customers, 0),
          xs.length,
        );
        assert.equal(h.tail, xs.filter((x) => x > upper).length);
        for (const [i, b] of h.bins.entries()) {
          const last = i === bins - 1;
          const inside = xs.filter((x) => x >= b.lower && (last ? true : x < b.upper)).length;
          assert.equal(b.customers, inside, `bin ${i} [${b.lower}, ${b.upper})`);
        }
      },
    ),
  );
});

test("the CLV distribution spans 0 to the 99th percentile, the top 1 % in the last bin", () => {
  // 1,000 customers: CLV 0 … 989 evenly, then ten big spenders.
  const clv = Float64Array.from({ length: 1000 }, (_, i) => (i < 990 ? i : 10_000 + i));
  const pAlive = Float64Array.from({ length: 1000 }, (_, i) => (i % 10) / 10);
  const d = clvDistribution(clv, pAlive);
  assert.equal(d.clv.quantile, 0.99);
  assert.equal(d.clv.bins.length, CLV_BINS);
  assert.equal(d.clv.bins[0]!.lower, 0);
  assert.equal(d.clv.bins.at(-1)!.upper, 989, "the 990th of 1,000 values");
  assert.equal(d.clv.customers, 1000);
  assert.equal(d.clv.tail, 10);
  assert.equal(d.clv.max, 10_999);
  assert.ok(d.clv.bins.at(-1)!.customers >= 10);
  assert.equal(
    d.clv.bins.reduce((s, b) => s + b.customers, 0),
    1000,
  );

  assert.equal(d.pAlive.bins.length, P_ALIVE_BINS);
  assert.equal(d.pAlive.bins[0]!.lower, 0);
  assert.equal(d.pAlive.bins.at(-1)!.upper, 1);
  assert.equal(d.pAlive.tail, 0);
  // P(alive) 0, 0.1, …, 0.9: a hundred each, in the bins that start there.
  assert.deepEqual(
    counts(d.pAlive),
    Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 100 : 0)),
  );
});

test("mostly zero CLVs still spread the positive ones; no customers gives one empty bin", () => {
  const clv = new Float64Array(1000);
  clv[0] = 40;
  clv[1] = 20;
  const d = clvDistribution(clv, new Float64Array(1000).fill(1));
  assert.equal(d.clv.bins.at(-1)!.upper, 40, "the p99 is 0: the range goes to the largest");
  assert.equal(d.clv.bins[0]!.customers, 998);
  assert.equal(d.clv.bins[10]!.customers, 1);
  assert.equal(d.clv.bins[19]!.customers, 1);
  assert.equal(d.pAlive.bins[19]!.customers, 1000);

  const none = clvDistribution(new Float64Array(0), new Float64Array(0));
  assert.deepEqual(none.clv.bins, [{ lower: 0, upper: 0, customers: 0 }]);
  assert.equal(none.clv.max, null);
  assert.equal(none.pAlive.customers, 0);
});

test("a million customers take well under a second", () => {
  const n = 1_000_000;
  let seed = 1;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const clv = Float64Array.from({ length: n }, () => -Math.log(random()) * 100);
  const pAlive = Float64Array.from({ length: n }, random);
  const started = performance.now();
  const d = clvDistribution(clv, pAlive);
  const ms = performance.now() - started;
  assert.equal(d.clv.customers, n);
  assert.ok(Math.abs(d.clv.tail - n / 100) <= 1, `${d.clv.tail}`);
  assert.ok(ms < 1000, `${ms} ms`);
});
