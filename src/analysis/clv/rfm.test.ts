import assert from "node:assert/strict";
import { test } from "node:test";
import { quintileScores, RFM_SEGMENTS, rfmScores, rfmSegment } from "./rfm.js";

test("quintile scores: equal shares, ties share a score, order does not matter", () => {
  assert.deepEqual(quintileScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  assert.deepEqual(quintileScores([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]), [5, 1, 5, 1, 4, 2, 4, 2, 3, 3]);
  // Six zeros out of ten all score 1; the rest spread over what is left.
  assert.deepEqual(quintileScores([0, 0, 0, 0, 0, 0, 1, 1, 2, 3]), [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
  assert.deepEqual(quintileScores([7, 7, 7]), [1, 1, 1]);
  assert.deepEqual(quintileScores([]), []);
});

test("the segment table covers every (R, FM) cell and every segment is reachable", () => {
  const seen = new Set<string>();
  for (let r = 1; r <= 5; r++) for (let fm = 1; fm <= 5; fm++) seen.add(rfmSegment(r, fm));
  assert.deepEqual([...seen].sort(), RFM_SEGMENTS.map((s) => s.id).sort());
  assert.equal(rfmSegment(5, 5), "champions");
  assert.equal(rfmSegment(5, 1), "new");
  assert.equal(rfmSegment(1, 5), "cant_lose");
  assert.equal(rfmSegment(1, 1), "lost");
  assert.throws(() => rfmSegment(0, 3), /out of range/);
});

test("RFM scores: the most recent buyer gets R = 5", () => {
  const customers = Array.from({ length: 5 }, (_, i) => ({
    customer: `c${i}`,
    recency: 40 - 10 * i, // c4 bought most recently
    frequency: i,
    monetary: 10 * i,
  }));
  const scores = rfmScores(customers);
  assert.deepEqual(
    scores.map((s) => [s.r, s.f, s.m, s.segment]),
    [
      [1, 1, 1, "lost"],
      [2, 2, 2, "hibernating"],
      [3, 3, 3, "loyal"],
      [4, 4, 4, "champions"],
      [5, 5, 5, "champions"],
    ],
  );
});
