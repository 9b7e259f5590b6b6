import assert from "node:assert/strict";
import { test } from "node:test";
import { ces, csat, isDetractor, nps } from "./metrics.js";

const near = (a: number | null | undefined, b: number, what: string) =>
  assert.ok(a !== null && a !== undefined && Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

test("NPS by hand: ties at 6, 7 and 9 fall on the documented sides", () => {
  // 9 and 10 promote, 7 and 8 are passive, 6 and below detract.
  const r = nps([10, 9, 8, 7, 6, 0])!;
  near(r.value, 100 * (2 / 6 - 2 / 6), "NPS");
  near(nps([9, 9, 9, 7])!.value, 75, "three promoters, one passive");
  near(nps([6, 6, 7, 7])!.value, -50, "6 detracts, 7 does not");
  // p = d = 1/3: Var = (2/3 − 0)/6; half-width 1.96 · 100 · √(1/9).
  near(r.high! - r.value, 100 * 1.959963984540054 * Math.sqrt(2 / 3 / 6), "interval");
});

test("edge cases: no answers is null, all promoters is 100 with an interval that stays in range", () => {
  assert.equal(nps([]), null);
  assert.equal(csat([]), null);
  assert.equal(ces([]), null);
  const all = nps([10, 10, 9])!;
  assert.equal(all.value, 100);
  assert.equal(all.high, 100);
  assert.equal(all.low, 100, "no spread among identical shares");
  const one = ces([4])!;
  assert.equal(one.value, 4);
  assert.equal(one.low, null);
});

test("CSAT is the share of 4–5 with a Wilson interval; CES a mean with its interval", () => {
  const c = csat([5, 4, 3, 2, 5])!;
  near(c.value, 60, "CSAT");
  assert.ok(c.low! < 60 && c.high! > 60 && c.low! > 0 && c.high! < 100);
  const perfect = csat([5, 5, 5, 5])!;
  assert.equal(perfect.value, 100);
  assert.ok(perfect.low! < 100 && perfect.high! > 99.999, "Wilson stays informative at 100 %");
  const e = ces([1, 2, 3, 4, 5])!;
  near(e.value, 3, "CES mean");
  near(e.high! - e.value, 1.959963984540054 * Math.sqrt(2.5 / 5), "CES interval");
});

test("detractors to follow up", () => {
  assert.ok(isDetractor("nps", 6) && !isDetractor("nps", 7));
  assert.ok(isDetractor("csat", 2) && !isDetractor("csat", 3));
  assert.ok(isDetractor("ces", 2) && !isDetractor("ces", 3), "CES: 1–2 = it was not easy");
});
