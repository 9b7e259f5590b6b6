import assert from "node:assert/strict";
import { test } from "node:test";
import { cdnowSummary, cdnowTransactions, utc } from "./cdnow-fixture.js";
import { buildSummary, holdoutPurchases } from "./summary.js";

const transactions = cdnowTransactions();

test("the summary builder reproduces the published CDNOW calibration summary", () => {
  const built = new Map(
    buildSummary(transactions, { end: utc("1997-09-30"), unit: "week" }).map((c) => [c.customer, c]),
  );
  const published = cdnowSummary();
  assert.equal(built.size, 2357);
  for (const p of published) {
    const b = built.get(p.customer);
    assert.ok(b, `customer ${p.customer} missing`);
    assert.equal(b.frequency, p.frequency, `customer ${p.customer} frequency`);
    // The file prints 2 decimals; half a cent is the widest a correct value can be off.
    for (const k of ["recency", "T", "monetary"] as const)
      assert.ok(Math.abs(b[k] - p[k]) <= 0.005 + 1e-9, `customer ${p.customer} ${k}: ${b[k]} vs ${p[k]}`);
  }
  assert.equal(
    published.reduce((s, c) => s + c.frequency, 0),
    2457,
  );
});

test("CDNOW hold-out: 1,882 repeat purchase days from 1997-10-01 to 1998-06-30", () => {
  const holdout = holdoutPurchases(transactions, { start: utc("1997-10-01"), end: utc("1998-06-30") });
  assert.equal(
    [...holdout.values()].reduce((s, n) => s + n, 0),
    1882,
  );
});

test("purchases on one UTC day merge; the end day is included; days and weeks", () => {
  const h = 3_600_000;
  const day = (d: string, hour = 0) => utc(d) + hour * h;
  const tx = [
    { customer: "a", time: day("2024-01-01", 9), amount: 10 },
    { customer: "a", time: day("2024-01-01", 23), amount: 5 }, // same UTC day: one purchase of 15
    { customer: "a", time: day("2024-01-02", 1), amount: 20 },
    { customer: "a", time: day("2024-01-15", 23), amount: 40 }, // on the end day: counted
    { customer: "a", time: day("2024-01-16"), amount: 99 }, // after the end: ignored
    { customer: "b", time: day("2024-01-08"), amount: 0 },
    { customer: "c", time: day("2024-02-01"), amount: 7 }, // first purchase after the end
  ];
  const end = day("2024-01-15", 12);
  assert.deepEqual(buildSummary(tx, { end, unit: "day" }), [
    { customer: "a", frequency: 2, recency: 14, T: 14, monetary: 30 },
    { customer: "b", frequency: 0, recency: 0, T: 7, monetary: 0 },
  ]);
  assert.deepEqual(
    buildSummary(tx, { end, unit: "week" }).map((c) => [c.recency, c.T]),
    [
      [2, 2],
      [0, 1],
    ],
  );
  // Hold-out counts days, and only for customers who bought before it started.
  const holdout = holdoutPurchases(tx, { start: day("2024-01-16"), end: day("2024-02-29") });
  assert.deepEqual([...holdout], [["a", 1]]);
});
