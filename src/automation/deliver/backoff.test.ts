import assert from "node:assert/strict";
import { test } from "node:test";
import { retryDelayMs } from "./backoff.js";

const schedule = { baseMs: 1000, maxMs: 60_000 };
const middle = () => 0.5;

test("retry delays double from the base and stop at the cap", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 10, 50].map((n) => retryDelayMs(n, schedule, middle));
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  // 2^2000 is Infinity: still the cap.
  assert.equal(retryDelayMs(2000, schedule, middle), 60_000);
});

test("retry delays are jittered by ±20 % and never exceed the cap", () => {
  assert.equal(
    retryDelayMs(3, schedule, () => 0),
    3200,
  );
  assert.equal(
    retryDelayMs(3, schedule, () => 0.999_999),
    4800,
  );
  assert.equal(
    retryDelayMs(20, schedule, () => 0),
    48_000,
  );
  assert.equal(
    retryDelayMs(20, schedule, () => 0.999_999),
    60_000,
  );
  for (let i = 0; i < 1000; i++) {
    const delay = retryDelayMs(4, schedule);
    assert.ok(delay >= 6400 && delay <= 9600, `${delay}`);
  }
});

test("attempt 0 or below counts as the first", () => {
  assert.equal(retryDelayMs(0, schedule, middle), 1000);
});
