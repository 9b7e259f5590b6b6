import assert from "node:assert/strict";
import { test } from "node:test";
import { minimizePositive, nelderMead } from "./optimize.js";

test("Nelder–Mead finds the minimum of the Rosenbrock valley", () => {
  const rosenbrock = ([x, y]: number[]) => 100 * (y! - x! ** 2) ** 2 + (1 - x!) ** 2;
  const result = nelderMead(rosenbrock, [-1.2, 1]);
  assert.ok(result.converged);
  assert.ok(Math.abs(result.x[0]! - 1) < 1e-7 && Math.abs(result.x[1]! - 1) < 1e-7, `${result.x}`);
});

test("minimizePositive keeps parameters positive and treats non-finite values as worse", () => {
  // Minimum at p = (0.02, 300): scales four orders of magnitude apart.
  const f = ([a, b]: number[]) =>
    a! < 0.01 ? Number.NaN : Math.log(a! / 0.02) ** 2 + Math.log(b! / 300) ** 2;
  const result = minimizePositive(f, [1, 1]);
  assert.ok(Math.abs(result.x[0]! / 0.02 - 1) < 1e-8, `${result.x}`);
  assert.ok(Math.abs(result.x[1]! / 300 - 1) < 1e-8, `${result.x}`);
  assert.throws(() => minimizePositive(f, [0, 1]), /positive/);
  assert.throws(() => nelderMead(() => Number.NaN, [0]), /not finite at the start point/);
});
