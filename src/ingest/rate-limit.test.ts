import assert from "node:assert/strict";
import { test } from "node:test";
import { WriteKeyLimiter } from "./rate-limit.js";

test("a write key gets `max` requests a minute, then the seconds until its window ends", () => {
  const limiter = new WriteKeyLimiter(3);
  const t = 1_000_000;
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => limiter.take("k1", t + i * 1000)),
    [null, null, null, 57],
  );
  assert.equal(limiter.take("k2", t + 5000), null, "another key has its own window");
  assert.equal(limiter.take("k1", t + 59_500), 1);
  assert.equal(limiter.take("k1", t + 60_000), null, "a new window");
});

test("0 lifts the limit", () => {
  const limiter = new WriteKeyLimiter(0);
  for (let i = 0; i < 1000; i++) assert.equal(limiter.take("k"), null);
});

test("ended windows are swept once many keys were seen", () => {
  const limiter = new WriteKeyLimiter(1);
  for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`, 0);
  assert.equal(limiter.take("k0", 1000), 59, "still in its window");
  limiter.take("new", 60_000);
  // k0's window ended and was swept: its count starts again.
  assert.equal(limiter.take("k0", 60_001), null);
  assert.equal((limiter as unknown as { windows: Map<string, unknown> }).windows.size, 2);
});
