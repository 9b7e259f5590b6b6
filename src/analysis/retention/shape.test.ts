import assert from "node:assert/strict";
import { test } from "node:test";
import { periodOf } from "./periods.js";
import { type RetentionAggregates, shapeRetention } from "./shape.js";

const ms = (iso: string) => Date.parse(iso);
const W1 = periodOf("week", ms("2026-01-05T00:00:00Z"));

// Three weekly cohorts; the data ends on Wednesday of the fourth week (W1 + 3).
const AGG: RetentionAggregates = {
  lastEvent: ms("2026-01-28T12:00:00Z"),
  cohorts: [
    { p: W1 + 1, customers: 4 },
    { p: W1, customers: 10 },
    { p: W1 + 3, customers: 2 },
  ],
  cells: [
    { p: W1, offset: 0, customers: 10 },
    { p: W1, offset: 1, customers: 5 },
    { p: W1, offset: 2, customers: 2 },
    { p: W1, offset: 3, customers: 1 },
    { p: W1 + 1, offset: 0, customers: 4 },
    { p: W1 + 1, offset: 1, customers: 3 },
    { p: W1 + 1, offset: 2, customers: 1 },
    { p: W1 + 3, offset: 0, customers: 2 },
  ],
  activity: [
    { p: W1, new: 10, returning: 0, resurrected: 0, dormantNext: 5 },
    { p: W1 + 1, new: 4, returning: 5, resurrected: 0, dormantNext: 6 },
    { p: W1 + 2, new: 0, returning: 3, resurrected: 0, dormantNext: 2 },
    { p: W1 + 3, new: 2, returning: 1, resurrected: 1, dormantNext: 4 },
  ],
};

test("every offset of every cohort, complete only when its period ended before the data did", () => {
  const r = shapeRetention(AGG, { unit: "week", periods: 3, from: null, to: null });
  assert.equal(r.end, ms("2026-01-28T12:00:00.001Z"));
  assert.deepEqual(
    r.cohorts.map((c) => [c.start, c.customers]),
    [
      ["2026-01-05", 10],
      ["2026-01-12", 4],
      ["2026-01-26", 2],
    ],
  );
  assert.deepEqual(r.cohorts[0]!.retention, [
    { offset: 0, customers: 10, share: 1, complete: true },
    { offset: 1, customers: 5, share: 0.5, complete: true },
    { offset: 2, customers: 2, share: 0.2, complete: true },
    { offset: 3, customers: 1, share: 0.1, complete: false },
  ]);
  assert.deepEqual(
    r.cohorts[1]!.retention.map((c) => [c.customers, c.complete]),
    [
      [4, true],
      [3, true],
      [1, false],
      [0, false],
    ],
  );
  assert.deepEqual(
    r.cohorts[2]!.retention.map((c) => [c.customers, c.share, c.complete]),
    [
      [2, 1, false],
      [0, 0, false],
      [0, 0, false],
      [0, 0, false],
    ],
  );
  // Customer-weighted over complete cells only: offset 1 = (5 + 3) / (10 + 4); offset 3 has none.
  assert.deepEqual(r.overall, [
    { offset: 0, customers: 14, share: 1, cohorts: 2, cohortCustomers: 14 },
    { offset: 1, customers: 8, share: 8 / 14, cohorts: 2, cohortCustomers: 14 },
    { offset: 2, customers: 2, share: 0.2, cohorts: 1, cohortCustomers: 10 },
    { offset: 3, customers: 0, share: null, cohorts: 0, cohortCustomers: 0 },
  ]);
});

test("lifecycle: dormant of a period comes from the one before; the last period is incomplete", () => {
  const r = shapeRetention(AGG, { unit: "week", periods: 3, from: null, to: null });
  assert.deepEqual(r.lifecycle, [
    { start: "2026-01-05", new: 10, returning: 0, resurrected: 0, dormant: 0, active: 10, complete: true },
    { start: "2026-01-12", new: 4, returning: 5, resurrected: 0, dormant: 5, active: 9, complete: true },
    { start: "2026-01-19", new: 0, returning: 3, resurrected: 0, dormant: 6, active: 3, complete: true },
    { start: "2026-01-26", new: 2, returning: 1, resurrected: 1, dormant: 2, active: 4, complete: false },
  ]);
});

test("a date range: cohorts and lifecycle periods from the first period starting at from; to ends the data", () => {
  const r = shapeRetention(AGG, {
    unit: "week",
    periods: 1,
    from: ms("2026-01-06T00:00:00Z"),
    to: ms("2026-01-26T00:00:00Z"),
  });
  assert.equal(r.end, ms("2026-01-26T00:00:00Z"));
  assert.deepEqual(
    r.cohorts.map((c) => c.start),
    ["2026-01-12", "2026-01-26"],
    "the query only returns cohorts before to; shaping drops those before from",
  );
  assert.deepEqual(
    r.lifecycle.map((l) => [l.start, l.dormant, l.complete]),
    [
      ["2026-01-12", 5, true],
      ["2026-01-19", 6, true],
    ],
  );
});

test("an empty warehouse gives no cohorts, no lifecycle and overall shares of null", () => {
  const r = shapeRetention(
    { lastEvent: null, cohorts: [], cells: [], activity: [] },
    { unit: "month", periods: 2, from: null, to: null },
  );
  assert.equal(r.end, null);
  assert.deepEqual(r.cohorts, []);
  assert.deepEqual(r.lifecycle, []);
  assert.deepEqual(
    r.overall.map((o) => o.share),
    [null, null, null],
  );
});
