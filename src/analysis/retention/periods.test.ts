import assert from "node:assert/strict";
import { test } from "node:test";
import {
  firstPeriodFrom,
  lastPeriodBefore,
  periodEnd,
  periodLabel,
  periodOf,
  periodStart,
} from "./periods.js";

const ms = (iso: string) => Date.parse(iso);

test("weeks are ISO weeks starting Monday 00:00 UTC, numbered from Monday 1969-12-29", () => {
  assert.equal(periodOf("week", ms("1969-12-29T00:00:00Z")), 0);
  assert.equal(periodOf("week", ms("1970-01-01T00:00:00Z")), 0, "the epoch is a Thursday of week 0");
  assert.equal(periodOf("week", ms("1969-12-28T23:59:59.999Z")), -1);
  // 2026-01-05 is a Monday; Sunday 2026-01-04 belongs to the week before.
  const w = periodOf("week", ms("2026-01-05T00:00:00Z"));
  assert.equal(periodOf("week", ms("2026-01-04T23:59:59.999Z")), w - 1);
  assert.equal(periodOf("week", ms("2026-01-11T23:59:59.999Z")), w);
  assert.equal(periodOf("week", ms("2026-01-12T00:00:00Z")), w + 1);
  assert.equal(periodLabel("week", w), "2026-01-05");
  assert.equal(periodLabel("week", w - 1), "2025-12-29");
  assert.equal(periodEnd("week", w), ms("2026-01-12T00:00:00Z"));
});

test("months are calendar months in UTC, numbered from January 1970", () => {
  assert.equal(periodOf("month", ms("1970-01-31T23:59:59Z")), 0);
  assert.equal(periodOf("month", ms("1969-12-31T23:59:59Z")), -1);
  const jan = periodOf("month", ms("2026-01-01T00:00:00Z"));
  assert.equal(jan, 56 * 12);
  assert.equal(periodOf("month", ms("2026-02-28T23:59:59.999Z")), jan + 1);
  assert.equal(periodOf("month", ms("2026-03-01T00:00:00Z")), jan + 2);
  assert.equal(periodLabel("month", jan + 11), "2026-12-01");
  assert.equal(periodLabel("month", jan + 12), "2027-01-01");
  assert.equal(periodLabel("month", -1), "1969-12-01");
  assert.equal(periodEnd("month", jan + 1), ms("2026-03-01T00:00:00Z"));
});

test("start and index round-trip for every period over decades", () => {
  for (const unit of ["week", "month"] as const)
    for (let p = -700; p <= 3000; p++) {
      assert.equal(periodOf(unit, periodStart(unit, p)), p);
      assert.equal(periodOf(unit, periodEnd(unit, p) - 1), p);
    }
});

test("the periods of a date range: the first starting at or after from, the last starting before to", () => {
  const monday = periodOf("week", ms("2026-01-05T00:00:00Z"));
  assert.equal(firstPeriodFrom("week", ms("2026-01-05T00:00:00Z")), monday);
  assert.equal(firstPeriodFrom("week", ms("2026-01-05T00:00:00.001Z")), monday + 1);
  assert.equal(firstPeriodFrom("week", ms("2026-01-07T12:00:00Z")), monday + 1);
  assert.equal(lastPeriodBefore("week", ms("2026-01-12T00:00:00Z")), monday);
  assert.equal(lastPeriodBefore("week", ms("2026-01-12T00:00:00.001Z")), monday + 1);
  const feb = periodOf("month", ms("2026-02-01T00:00:00Z"));
  assert.equal(firstPeriodFrom("month", ms("2026-01-15T00:00:00Z")), feb);
  assert.equal(lastPeriodBefore("month", ms("2026-03-01T00:00:00Z")), feb);
});
