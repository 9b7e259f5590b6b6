import assert from "node:assert/strict";
import { test } from "node:test";
import { consistency, satisfactionOf } from "./consistency.js";

test("answers share one 0–1 scale", () => {
  assert.equal(satisfactionOf("nps", 10), 1);
  assert.equal(satisfactionOf("nps", 5), 0.5);
  assert.equal(satisfactionOf("csat", 1), 0);
  assert.equal(satisfactionOf("ces", 4), 0.5);
  assert.equal(satisfactionOf("stars", 4), null);
});

test("consistency by hand: per customer 1 − range of channel means; breakers by deficit", () => {
  const r = consistency([
    // a: Web 1.0 (NPS 10), Store 0.5 (CSAT 3) → 0.5
    { customer: "a", channel: "Web", touchpoint: "checkout", metric: "nps", score: 10 },
    { customer: "a", channel: "Store", touchpoint: "store_visit", metric: "csat", score: 3 },
    // b: Web 0.75 (CSAT 4), Email 0.75 (CSAT 4) → 1
    { customer: "b", channel: "Web", touchpoint: "checkout", metric: "csat", score: 4 },
    { customer: "b", channel: "Email", touchpoint: "follow_up", metric: "csat", score: 4 },
    // c answered about one channel only: not in the index.
    { customer: "c", channel: "Web", touchpoint: "checkout", metric: "nps", score: 0 },
  ]);
  assert.equal(r.customers, 2);
  assert.equal(r.index, 0.75);
  // store_visit: a's other channel 1.0 − 0.5 = 0.5; checkout: a 0.5 − 1.0 < 0, b 0.75 − 0.75 = 0.
  assert.deepEqual(r.breakers, [{ touchpoint: "store_visit", deficit: 0.5, customers: 1 }]);
  assert.deepEqual(
    r.channels.map((c) => [c.channel, c.satisfaction, c.responses]),
    [
      ["Email", 0.75, 1],
      ["Store", 0.5, 1],
      ["Web", (1 + 0.75 + 0) / 3, 3],
    ],
  );
  assert.equal(consistency([]).index, null);
});
