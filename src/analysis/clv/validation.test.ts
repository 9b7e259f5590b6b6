import assert from "node:assert/strict";
import { test } from "node:test";
import { conditionalExpectedPurchases } from "./bgnbd.js";
import { cdnowSummary, cdnowTransactions, utc } from "./cdnow-fixture.js";
import { holdoutPurchases } from "./summary.js";
import { holdoutValidation } from "./validation.js";

test("hold-out validation groups by calibration frequency, 7 and over pooled", () => {
  const v = holdoutValidation([
    { frequency: 0, predicted: 0.5, actual: 0 },
    { frequency: 0, predicted: 0.25, actual: 1 },
    { frequency: 2, predicted: 2, actual: 3 },
    { frequency: 7, predicted: 6, actual: 6 },
    { frequency: 12, predicted: 10, actual: 8 },
  ]);
  assert.deepEqual(
    v.buckets.map((b) => b.bucket),
    ["0", "1", "2", "3", "4", "5", "6", "7+"],
  );
  assert.deepEqual(v.buckets[0], { bucket: "0", customers: 2, meanPredicted: 0.375, meanActual: 0.5 });
  assert.deepEqual(v.buckets[1], { bucket: "1", customers: 0, meanPredicted: null, meanActual: null });
  assert.deepEqual(v.buckets[7], { bucket: "7+", customers: 2, meanPredicted: 8, meanActual: 7 });
  assert.equal(v.customers, 5);
  assert.equal(v.totalPredicted, 18.75);
  assert.equal(v.totalActual, 18);
  assert.equal(v.meanAbsoluteError, (0.5 + 0.75 + 1 + 0 + 2) / 5);
});

test("CDNOW hold-out: BG/NBD conditional expectations track the 39 weeks after calibration", () => {
  const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
  const actual = holdoutPurchases(cdnowTransactions(), { start: utc("1997-10-01"), end: utc("1998-06-30") });
  const v = holdoutValidation(
    cdnowSummary().map((c) => ({
      frequency: c.frequency,
      predicted: conditionalExpectedPurchases(p, 39, c.frequency, c.recency, c.T),
      actual: actual.get(c.customer) ?? 0,
    })),
  );
  assert.deepEqual(
    v.buckets.map((b) => b.customers),
    [1411, 439, 214, 100, 62, 38, 29, 64],
  );
  assert.equal(v.totalActual, 1882);
  // The model under-predicts the hold-out by about 12% (1,653 of 1,882), most in buckets 1 and 2.
  assert.ok(Math.abs(v.totalPredicted - 1653.4) < 1, `${v.totalPredicted}`);
  for (const b of v.buckets)
    assert.ok(Math.abs(b.meanPredicted! - b.meanActual!) < 0.4, `bucket ${b.bucket}`);
  assert.ok(v.meanAbsoluteError > 0.7 && v.meanAbsoluteError < 0.85, `${v.meanAbsoluteError}`);
});
