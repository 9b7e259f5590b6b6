import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { EXCLUDED, type FunnelOrder, Scratch, type WalkSpec, walkChains, walkCustomer } from "./walk.js";

const DAY = 86_400_000;

function spec(steps: number, over: Partial<WalkSpec> = {}): WalkSpec {
  return {
    steps,
    windowMs: 14 * DAY,
    order: "ordered",
    optional: new Array(steps).fill(false),
    withinMs: new Array(steps).fill(null),
    ...over,
  };
}

/** Events as [ms, mask], sorted by time the way the SQL returns them. */
function walk(events: [number, number][], s: WalkSpec) {
  const sorted = [...events].sort((a, b) => a[0] - b[0]);
  const w = walkCustomer(
    sorted.map((e) => e[0]),
    sorted.map((e) => e[1]),
    0,
    sorted.length,
    s,
  );
  return { ...w, times: Array.from(w.times) };
}

/** Every chain, by brute force: the steps reached (bit mask) as the definitions say. */
function reference(events: [number, number][], s: WalkSpec): number {
  const ev = [...events].sort((a, b) => a[0] - b[0]);
  const all = (1 << s.steps) - 1;
  if (s.order === "any") {
    let best = 0;
    for (const [t0, m0] of ev) {
      if (!(m0 & all)) continue;
      const stop = Math.min(...ev.filter(([t, m]) => m & EXCLUDED && t > t0).map(([t]) => t), Infinity);
      let done = 0;
      for (const [t, m] of ev) if (t >= t0 && t - t0 <= s.windowMs && t < stop) done |= m & all;
      let count = 0;
      for (let k = 0; k < s.steps; k++) if (done & (1 << k)) count++;
      best = Math.max(best, count);
    }
    return (1 << best) - 1;
  }
  let reached = 0;
  const extend = (k: number, at: number, start: number) => {
    reached |= 1 << k;
    const [ta] = ev[at]!;
    for (let q = k + 1; q < s.steps; q++) {
      for (let f = 0; f < ev.length; f++) {
        const [tf, mf] = ev[f]!;
        if (!(mf & (1 << q)) || tf <= ta || tf - start > s.windowMs) continue;
        const limit = s.withinMs[q];
        if (limit !== null && limit !== undefined && tf - ta > limit) continue;
        if (s.order === "strict" && ev.some(([t, m]) => t > ta && t < tf && !(m & (1 << k)))) continue;
        if (ev.some(([t, m]) => m & EXCLUDED && t > ta && t <= tf)) continue;
        extend(q, f, start);
      }
      if (!s.optional[q]) break;
    }
  };
  ev.forEach(([t, m], i) => {
    if (m & 1) extend(0, i, t);
  });
  return reached;
}

test("ordered: steps in order within the window; ties in time never chain", () => {
  const s = spec(3, { windowMs: 10 });
  assert.equal(
    walk(
      [
        [0, 1],
        [5, 2],
        [9, 4],
      ],
      s,
    ).reached,
    0b111,
  );
  assert.equal(
    walk(
      [
        [0, 1],
        [5, 2],
        [11, 4],
      ],
      s,
    ).reached,
    0b011,
    "step 3 outside the window",
  );
  assert.equal(
    walk(
      [
        [0, 1],
        [0, 2],
        [3, 4],
      ],
      s,
    ).reached,
    0b001,
    "same millisecond is not after",
  );
  assert.equal(
    walk(
      [
        [0, 3],
        [1, 2],
        [2, 4],
      ],
      s,
    ).reached,
    0b111,
    "one event matching two steps",
  );
});

test("ordered: the latest start wins, so a later retry completes the funnel", () => {
  const s = spec(3, { windowMs: 10 });
  const w = walk(
    [
      [0, 1],
      [8, 2],
      [12, 1],
      [15, 2],
      [20, 4],
    ],
    s,
  );
  assert.equal(w.reached, 0b111);
  assert.deepEqual(w.times, [12, 15, 20]);
  assert.equal(w.first, 2);
});

test("a time limit per step prefers the later of two candidates", () => {
  const s = spec(3, { withinMs: [null, null, 4] });
  assert.equal(
    walk(
      [
        [0, 1],
        [1, 2],
        [5, 2],
        [8, 4],
      ],
      s,
    ).reached,
    0b111,
  );
  assert.deepEqual(
    walk(
      [
        [0, 1],
        [1, 2],
        [5, 2],
        [8, 4],
      ],
      s,
    ).times,
    [0, 5, 8],
  );
  assert.equal(
    walk(
      [
        [0, 1],
        [1, 2],
        [8, 4],
      ],
      s,
    ).reached,
    0b011,
  );
});

test("optional steps can be skipped, and are counted when done", () => {
  const s = spec(3, { optional: [false, true, false] });
  assert.equal(
    walk(
      [
        [0, 1],
        [5, 4],
      ],
      s,
    ).reached,
    0b101,
  );
  assert.equal(
    walk(
      [
        [0, 1],
        [2, 2],
        [5, 4],
      ],
      s,
    ).reached,
    0b111,
  );
});

test("strict: any other event between two steps breaks the link", () => {
  const s = spec(2, { order: "strict" });
  assert.equal(
    walk(
      [
        [0, 1],
        [1, 0],
        [2, 2],
      ],
      s,
    ).reached,
    0b01,
  );
  assert.equal(
    walk(
      [
        [0, 1],
        [2, 2],
        [1, 0],
        [3, 1],
        [4, 2],
      ],
      s,
    ).reached,
    0b11,
  );
});

test("an excluded event between two steps stops the chain", () => {
  const s = spec(2);
  assert.equal(
    walk(
      [
        [0, 1],
        [1, EXCLUDED],
        [2, 2],
      ],
      s,
    ).reached,
    0b01,
  );
  assert.equal(
    walk(
      [
        [0, 1],
        [1, EXCLUDED],
        [2, 1],
        [3, 2],
      ],
      s,
    ).reached,
    0b11,
    "a new start after it",
  );
  assert.equal(
    walk(
      [
        [0, 1],
        [2, 2],
        [2, EXCLUDED],
      ],
      s,
    ).reached,
    0b01,
    "at the step's own millisecond",
  );
});

test("any order: distinct steps within one window", () => {
  const s = spec(3, { order: "any", windowMs: 10 });
  const w = walk(
    [
      [0, 4],
      [3, 1],
      [12, 2],
    ],
    s,
  );
  assert.equal(w.reached, 0b011, "12 is outside both windows that hold two steps");
  assert.deepEqual(w.times.slice(0, 2), [0, 3], "the first of the best windows");
  assert.equal(
    walk(
      [
        [0, 4],
        [3, 1],
        [5, 2],
      ],
      s,
    ).reached,
    0b111,
  );
});

const orders: FunnelOrder[] = ["ordered", "strict", "any"];

/** A random [ms, mask] event: mostly one step, sometimes none, an exclusion, or several steps at once. */
const randomEvent = (...masks: number[]) =>
  fc.tuple(
    fc.integer({ min: 0, max: 30 }),
    fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => 1 << k) },
      { weight: 1, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.constant(EXCLUDED) },
      ...[0b0101, ...masks].map((m) => ({ weight: 1, arbitrary: fc.constant(m) })),
    ),
  );

test("property: the walk reaches exactly the steps a brute-force search over all chains finds", () => {
  const event = randomEvent();
  const config = fc.record({
    order: fc.constantFrom(...orders),
    windowMs: fc.integer({ min: 1, max: 25 }),
    optional: fc.tuple(fc.constant(false), fc.boolean(), fc.boolean(), fc.boolean()),
    withinMs: fc.tuple(
      fc.constant(null),
      fc.option(fc.integer({ min: 1, max: 10 })),
      fc.option(fc.integer({ min: 1, max: 10 })),
      fc.option(fc.integer({ min: 1, max: 10 })),
    ),
  });
  fc.assert(
    fc.property(fc.array(event, { maxLength: 9 }), config, (events, c) => {
      // In any order an event matching two steps counts once, which the reference does not model.
      const input = c.order === "any" ? events.filter(([, m]) => m !== 0b0101) : events;
      const s = spec(4, c);
      assert.equal(walk(input, s).reached, reference(input, s));
    }),
    { numRuns: 3000 },
  );
});

test("property: without optional steps or time limits, the one-chain walk equals the general one", () => {
  const event = randomEvent(0b0011);
  const scratch = new Scratch();
  fc.assert(
    fc.property(
      fc.array(event, { maxLength: 12 }),
      fc.integer({ min: 1, max: 25 }),
      fc.integer({ min: 1, max: 4 }),
      (events, windowMs, steps) => {
        const sorted = [...events].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        const ms = sorted.map(([t]) => t);
        const mask = sorted.map(([, m]) => m);
        const s = spec(steps, { windowMs });
        const simple = walkCustomer(ms, mask, 0, ms.length, s, scratch);
        assert.deepEqual(
          { ...simple, times: Array.from(simple.times) },
          walkChains(ms, mask, 0, ms.length, s),
        );
      },
    ),
    { numRuns: 5000 },
  );
});
