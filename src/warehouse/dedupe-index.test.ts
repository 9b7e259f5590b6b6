import assert from "node:assert/strict";
import test from "node:test";
import { DedupeIndex } from "./dedupe-index.js";

/** A seeded generator of 32-bit halves (mulberry32): the same hashes on every run. */
function halves(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

const minute = 60_000;
const day = 86_400_000;

test("sliceFor: 128 slices to a window, none shorter than a minute", () => {
  assert.equal(DedupeIndex.sliceFor(day), 675_000);
  assert.equal(DedupeIndex.sliceFor(10 * minute), minute);
});

test("every message added is found, from the start of the slice it was received in", () => {
  const sliceMs = DedupeIndex.sliceFor(day);
  const now = 1_800_000_000_000;
  const since = now - day;
  const index = new DedupeIndex(sliceMs, DedupeIndex.slotsFor(100_000));
  const next = halves(1);
  const added: [number, number, number][] = [];
  for (let i = 0; i < 100_000; i++) {
    const receivedAt = since + Math.floor((i / 100_000) * day);
    const [hi, lo] = [next(), next()];
    assert.ok(index.add(hi, lo, receivedAt));
    added.push([hi, lo, receivedAt]);
  }
  assert.equal(index.size, 100_000);
  for (const [hi, lo, receivedAt] of added) {
    const from = index.earliest(hi, lo, since);
    assert.ok(from <= receivedAt && from >= since, `${from} for ${receivedAt}`);
    assert.ok(receivedAt - from < sliceMs);
  }
});

test("a hash never added rarely matches, even in a full table", () => {
  const index = new DedupeIndex(minute, DedupeIndex.slotsFor(200_000));
  const next = halves(2);
  while (index.room > 0) index.add(next(), next(), 0);
  let matches = 0;
  for (let i = 0; i < 1_000_000; i++)
    if (index.earliest(next(), next(), 0) !== Number.POSITIVE_INFINITY) matches++;
  // ~13 slots compared per lookup at 80 % full, 24 bits each: ~0.8 expected.
  assert.ok(matches <= 5, `${matches} false matches in 1,000,000`);
});

test("a full table refuses more, and the same message twice takes one slot", () => {
  const index = new DedupeIndex(minute, 1);
  const room = index.room;
  assert.ok(room > 0);
  assert.ok(index.add(0x7000_0000, 9, 0));
  assert.ok(index.add(0x7000_0000, 9, 1000));
  assert.equal(index.size, 1);
  const next = halves(3);
  for (let i = 1; i < room; i++) assert.ok(index.add(next(), next(), 0));
  assert.equal(index.room, 0);
  assert.equal(index.add(0x1000_0000, 2, 0), false);
  assert.equal(index.earliest(0x1000_0000, 2, 0), Number.POSITIVE_INFINITY);
});

test("of an entry's slice only 8 bits are kept: an older one reads as the earliest such slice in the window", () => {
  const index = new DedupeIndex(minute, 1);
  // Received 300 slices before the window's start: its low 8 bits name a slice 44 after the start.
  const since = 1000 * minute;
  index.add(5, 6, since - 300 * minute);
  assert.equal(index.earliest(5, 6, since), since + 212 * minute);
  // Within the window, the slice itself; before its slice, the window's start.
  index.add(8, 9, since + 30 * minute + 5);
  assert.equal(index.earliest(8, 9, since), since + 30 * minute);
  assert.equal(index.earliest(8, 9, since + 30 * minute + 1), since + 30 * minute + 1);
});
