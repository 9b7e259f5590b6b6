import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "./random.js";

const N = 200_000;

function moments(draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < N; i++) {
    const x = draw();
    sum += x;
    squares += x * x;
  }
  const mean = sum / N;
  return { mean, variance: squares / N - mean * mean };
}

const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} is not within ${tolerance} of ${expected}`,
  );

test("streams are reproducible and independent", () => {
  const a = new Rng(7, 1, 42);
  const b = new Rng(7, 1, 42);
  const xs = Array.from({ length: 100 }, () => a.uint32());
  assert.deepEqual(
    Array.from({ length: 100 }, () => b.uint32()),
    xs,
  );
  const other = new Rng(7, 1, 43);
  assert.notDeepEqual(
    Array.from({ length: 100 }, () => other.uint32()),
    xs,
  );
  // Seeds past 32 bits are not folded onto small ones.
  assert.notEqual(new Rng(2 ** 32 + 5).uint32(), new Rng(5).uint32());
});

test("uniform, int and weighted picks", () => {
  const rng = new Rng(1);
  const u = moments(() => rng.next());
  near(u.mean, 0.5, 0.005, "uniform mean");
  near(u.variance, 1 / 12, 0.002, "uniform variance");
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const k = rng.int(2, 5);
    assert.ok(Number.isInteger(k) && k >= 2 && k <= 5);
    seen.add(k);
  }
  assert.equal(seen.size, 4);
  let heads = 0;
  for (let i = 0; i < N; i++)
    if (
      rng.weighted([
        ["a", 3],
        ["b", 1],
      ]) === "a"
    )
      heads++;
  near(heads / N, 0.75, 0.005, "weighted share");
});

test("normal, exponential, gamma, beta and poisson have their textbook moments", () => {
  const rng = new Rng(2);
  const n = moments(() => rng.normal(3, 2));
  near(n.mean, 3, 0.02, "normal mean");
  near(n.variance, 4, 0.05, "normal variance");
  near(moments(() => rng.exponential(5)).mean, 5, 0.05, "exponential mean");
  for (const [shape, rate] of [
    [0.6, 30],
    [4, 40],
    [6, 0.1],
  ] as const) {
    const g = moments(() => rng.gamma(shape, rate));
    near(g.mean, shape / rate, 0.02 * (shape / rate), `gamma(${shape}, ${rate}) mean`);
    near(g.variance, shape / rate ** 2, 0.05 * (shape / rate ** 2), `gamma(${shape}, ${rate}) variance`);
  }
  const b = moments(() => rng.beta(1.3, 4));
  near(b.mean, 1.3 / 5.3, 0.003, "beta mean");
  near(b.variance, (1.3 * 4) / (5.3 ** 2 * 6.3), 0.001, "beta variance");
  const p = moments(() => rng.poisson(3.5));
  near(p.mean, 3.5, 0.02, "poisson mean");
  near(p.variance, 3.5, 0.05, "poisson variance");
});

test("uuids look like version-4 uuids", () => {
  const rng = new Rng(3);
  for (let i = 0; i < 100; i++)
    assert.match(rng.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
