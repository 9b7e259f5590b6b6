import assert from "node:assert/strict";
import { test } from "node:test";
import { conditionalExpectedPurchases } from "./bgnbd.js";
import { customerLifetimeValue, MONTH } from "./clv.js";

const near = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual}, expected ${expected} ± ${tolerance}`);

test("CLV discounts each month's expected spend", () => {
  // 2 purchases a month, $10 each, 10% a month, 3 months: 20/1.1 + 20/1.21 + 20/1.331.
  const clv = customerLifetimeValue(10, (t) => 2 * t, { month: 1, discountRate: 0.1, months: 3 });
  near(clv, 20 / 1.1 + 20 / 1.21 + 20 / 1.331, 1e-12);
  // Only the increments count: a forecast that is flat after month 1 adds nothing later.
  near(
    customerLifetimeValue(10, (t) => Math.min(t, 7) / 7, { month: 7, discountRate: 0 }),
    10,
    1e-12,
  );
  assert.equal(
    customerLifetimeValue(10, (t) => t, { month: 1, months: 0 }),
    0,
  );
});

test("CLV defaults to 12 months at 1% and works in either time unit", () => {
  const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  const weekly = customerLifetimeValue(24.65, (t) => conditionalExpectedPurchases(p, t, 2, 30.43, 38.86), {
    month: MONTH.week,
  });
  const daily = customerLifetimeValue(
    24.65,
    (t) => conditionalExpectedPurchases({ ...p, alpha: p.alpha * 7 }, t, 2, 30.43 * 7, 38.86 * 7),
    { month: MONTH.day },
  );
  near(daily, weekly, 1e-9);
  const undiscounted = 24.65 * conditionalExpectedPurchases(p, 12 * MONTH.week, 2, 30.43, 38.86);
  assert.ok(weekly < undiscounted && weekly > undiscounted / 1.01 ** 12);
  assert.throws(() => customerLifetimeValue(1, (t) => t, { month: 0 }), /month length/);
});
