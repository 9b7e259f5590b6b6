import assert from "node:assert/strict";
import test from "node:test";
import { holdoutDraw, jobId, localMinutes, quietUntil } from "./timing.js";

test("a job id depends on the rule, the action and the triggering message only", () => {
  assert.equal(jobId("thank_you", 0, "m1"), jobId("thank_you", 0, "m1"));
  assert.notEqual(jobId("thank_you", 0, "m1"), jobId("thank_you", 1, "m1"));
  assert.notEqual(jobId("thank_you", 0, "m1"), jobId("win_back", 0, "m1"));
  assert.notEqual(jobId("thank_you", 0, "m1"), jobId("thank_you", 0, "m2"));
  // Safe in an HTTP header and an email Message-ID.
  assert.match(jobId("r", 0, 'weird "id"\n with\u00e9 stuff'), /^job_[0-9a-f]{32}$/);
});

test("the holdout draw is fixed per rule and customer and spreads evenly", () => {
  assert.equal(holdoutDraw("r", "c1"), holdoutDraw("r", "c1"));
  let held = 0;
  for (let i = 0; i < 10_000; i++) if (holdoutDraw("thank_you", `customer-${i}`) < 0.1) held++;
  // Binomial(10000, 0.1): sd 30; 6 sd either side.
  assert.ok(held > 820 && held < 1180, `held out ${held} of 10000`);
});

test("quiet hours: outside → null; inside → the minute they end, across midnight and in a time zone", () => {
  const utc = { from: "21:00", to: "08:00", timezone: "UTC" };
  assert.equal(quietUntil(Date.parse("2026-06-01T12:00:00Z"), utc), null);
  assert.equal(quietUntil(Date.parse("2026-06-01T22:30:00Z"), utc), Date.parse("2026-06-02T08:00:00Z"));
  assert.equal(quietUntil(Date.parse("2026-06-02T03:15:20Z"), utc), Date.parse("2026-06-02T08:00:00Z"));
  assert.equal(quietUntil(Date.parse("2026-06-02T08:00:00Z"), utc), null);
  const day = { from: "12:00", to: "13:00", timezone: "UTC" };
  assert.equal(quietUntil(Date.parse("2026-06-01T12:59:00Z"), day), Date.parse("2026-06-01T13:00:00Z"));
  // Copenhagen is UTC+2 in June: 21:00 local is 19:00Z, 08:00 local is 06:00Z.
  const cph = { ...utc, timezone: "Europe/Copenhagen" };
  assert.equal(localMinutes(Date.parse("2026-06-01T19:00:00Z"), "Europe/Copenhagen"), 21 * 60);
  assert.equal(quietUntil(Date.parse("2026-06-01T18:59:00Z"), cph), null);
  assert.equal(quietUntil(Date.parse("2026-06-01T19:30:00Z"), cph), Date.parse("2026-06-02T06:00:00Z"));
  // The night DST ends (25 October 2026, 03:00 CEST → 02:00 CET): quiet until 08:00 CET = 07:00Z.
  assert.equal(quietUntil(Date.parse("2026-10-24T22:00:00Z"), cph), Date.parse("2026-10-25T07:00:00Z"));
  assert.equal(quietUntil(Date.parse("2026-06-01T22:30:00Z"), null), null);
});
