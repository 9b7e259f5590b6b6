import assert from "node:assert/strict";
import { test } from "node:test";
import type { Credit } from "./credits.js";
import {
  firstTouch,
  lastNonDirect,
  lastTouch,
  linear,
  positionBased,
  type TimedConversion,
  timeDecay,
} from "./heuristics.js";
import type { PathSummaryRow } from "./paths.js";

const row = (path: string, conversions = 1, value = 0, nulls = 0): PathSummaryRow => ({
  path: path.split(" > "),
  conversions,
  value,
  nulls,
});

/** Conversions by key, rounded off at 1e-12 so that shares like 1/3 compare. */
const shares = (credits: Credit[]) =>
  Object.fromEntries(credits.map((c) => [c.key, Math.round(c.conversions * 1e12) / 1e12]));

test("first and last touch give everything to one end; keys without credit are listed with 0", () => {
  const rows = [row("a > b > c", 2, 20), row("c > b", 1, 5, 4), row("d", 0, 0, 3)];
  assert.deepEqual(firstTouch(rows), [
    { key: "a", conversions: 2, value: 20 },
    { key: "b", conversions: 0, value: 0 },
    { key: "c", conversions: 1, value: 5 },
    { key: "d", conversions: 0, value: 0 },
  ]);
  assert.deepEqual(shares(lastTouch(rows)), { a: 0, b: 1, c: 2, d: 0 });
});

test("linear counts repeated touches separately", () => {
  const [a, b] = linear([row("a > a > b", 1, 3)]);
  assert.equal(a!.conversions, 2 / 3);
  assert.equal(b!.conversions, 1 / 3);
  assert.equal(a!.value, 2);
  assert.equal(b!.value, 1);
});

test("position-based: 100 % for one touch, 50/50 for two, 40/20/40 with the middle shared", () => {
  assert.deepEqual(shares(positionBased([row("a")])), { a: 1 });
  assert.deepEqual(shares(positionBased([row("a > b")])), { a: 0.5, b: 0.5 });
  assert.deepEqual(shares(positionBased([row("a > b > c")])), { a: 0.4, b: 0.2, c: 0.4 });
  assert.deepEqual(shares(positionBased([row("a > b > c > d")])), { a: 0.4, b: 0.1, c: 0.1, d: 0.4 });
  assert.deepEqual(shares(positionBased([row("a > b > b > a")])), { a: 0.8, b: 0.2 });
  assert.deepEqual(shares(positionBased([row("a > b", 4, 0)])), { a: 2, b: 2 });
});

test("last non-direct skips Direct in any case; a path of only Direct keeps its last touch", () => {
  assert.deepEqual(shares(lastNonDirect([row("Email > Direct")])), { Direct: 0, Email: 1 });
  assert.deepEqual(shares(lastNonDirect([row("Direct > Email > DIRECT > direct")])), {
    DIRECT: 0,
    Direct: 0,
    Email: 1,
    direct: 0,
  });
  assert.deepEqual(shares(lastNonDirect([row("Direct > Direct", 3)])), { Direct: 3 });
  assert.deepEqual(shares(lastNonDirect([row("Direct > direct")])), { Direct: 0, direct: 1 });
});

test("time decay halves a touch's weight every half-life before the conversion", () => {
  const week = 7 * 24 * 3600;
  const conversion: TimedConversion = {
    touches: [
      { key: "a", secondsBeforeConversion: 2 * week },
      { key: "b", secondsBeforeConversion: week },
      { key: "c", secondsBeforeConversion: 0 },
    ],
    value: 70,
  };
  // Weights 1/4, 1/2, 1 → 1/7, 2/7, 4/7.
  const credits = timeDecay([conversion], week, ["z"]);
  assert.deepEqual(
    credits.map((c) => c.key),
    ["a", "b", "c", "z"],
  );
  const [a, b, c, z] = credits;
  assert.ok(Math.abs(a!.conversions - 1 / 7) < 1e-15 && Math.abs(a!.value - 10) < 1e-12);
  assert.ok(Math.abs(b!.conversions - 2 / 7) < 1e-15 && Math.abs(b!.value - 20) < 1e-12);
  assert.ok(Math.abs(c!.conversions - 4 / 7) < 1e-15 && Math.abs(c!.value - 40) < 1e-12);
  assert.equal(z!.conversions, 0);
});

test("time decay: one default half-life of 7 days, old journeys and repeated keys", () => {
  const old = 1e9;
  const [a, b] = timeDecay([
    {
      touches: [
        { key: "a", secondsBeforeConversion: old + 7 * 24 * 3600 },
        { key: "b", secondsBeforeConversion: old },
        { key: "b", secondsBeforeConversion: old },
      ],
      value: 5,
    },
  ]);
  assert.ok(Math.abs(a!.conversions - 0.2) < 1e-15, String(a!.conversions));
  assert.ok(Math.abs(b!.conversions - 0.8) < 1e-15, String(b!.conversions));
  assert.ok(Math.abs(a!.value + b!.value - 5) < 1e-12);
});

test("time decay rejects what it cannot weigh", () => {
  const touch = (s: number) => [{ touches: [{ key: "a", secondsBeforeConversion: s }], value: 1 }];
  assert.throws(() => timeDecay(touch(-1)), /a touch of "a" is -1 s before its conversion/);
  assert.throws(() => timeDecay(touch(Number.NaN)), /before its conversion/);
  assert.throws(() => timeDecay([{ touches: [], value: 1 }]), /a conversion has no touches/);
  assert.throws(() => timeDecay(touch(0), 0), /half-life must be a positive number/);
});
