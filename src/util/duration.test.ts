import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDuration } from "./duration.js";

test("durations", () => {
  assert.equal(parseDuration("30m"), 1_800_000);
  assert.equal(parseDuration("7d"), 604_800_000);
  assert.equal(parseDuration("1.5h"), 5_400_000);
  assert.equal(parseDuration("250ms"), 250);
  // "0" is how docs/configuration.md switches a periodic job off.
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("0s"), 0);
  assert.throws(() => parseDuration("7"), /invalid duration "7"/);
  assert.throws(() => parseDuration("7 days"), /invalid duration "7 days"/);
});
