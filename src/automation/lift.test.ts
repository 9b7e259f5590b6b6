import assert from "node:assert/strict";
import test from "node:test";
import { lift, normalCdf } from "./lift.js";

const close = (a: number | null, b: number, tol: number) =>
  assert.ok(a !== null && Math.abs(a - b) <= tol, `${a} is not within ${tol} of ${b}`);

test("the normal CDF matches published table values", () => {
  close(normalCdf(0), 0.5, 1e-7);
  close(normalCdf(1.959963984540054), 0.975, 1e-7);
  close(normalCdf(-1), 0.158655253931457, 1e-7);
  close(normalCdf(2.575829303548901), 0.995, 1e-7);
  close(normalCdf(-3.090232306167813), 0.001, 1e-7);
});

test("lift: difference, interval and the pooled z-test of R's prop.test(correct = FALSE)", () => {
  // prop.test(c(120, 100), c(1000, 1000), correct = FALSE): X-squared = 2.0429, p-value = 0.1529
  const l = lift({ n: 1000, converted: 120 }, { n: 1000, converted: 100 });
  close(l.absolute, 0.02, 1e-12);
  close(l.relative, 0.2, 1e-12);
  close(l.pValue, 0.15292, 1e-4);
  // Wald interval: 0.02 ± 1.96 · sqrt(.12·.88/1000 + .1·.9/1000)
  const se = Math.sqrt((0.12 * 0.88) / 1000 + (0.1 * 0.9) / 1000);
  close(l.low, 0.02 - 1.959963984540054 * se, 1e-12);
  close(l.high, 0.02 + 1.959963984540054 * se, 1e-12);
  // A big sample makes the same difference significant.
  assert.ok(lift({ n: 100_000, converted: 12_000 }, { n: 100_000, converted: 10_000 }).pValue! < 1e-6);
});

test("lift: empty groups give nulls, a zero control rate has no relative lift", () => {
  assert.deepEqual(lift({ n: 0, converted: 0 }, { n: 10, converted: 1 }), {
    absolute: null,
    relative: null,
    low: null,
    high: null,
    pValue: null,
  });
  const l = lift({ n: 10, converted: 2 }, { n: 10, converted: 0 });
  assert.equal(l.relative, null);
  close(l.absolute, 0.2, 1e-12);
  assert.equal(lift({ n: 10, converted: 0 }, { n: 10, converted: 0 }).pValue, 1);
});
