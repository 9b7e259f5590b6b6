import assert from "node:assert/strict";
import { test } from "node:test";
import type { Credit } from "./credits.js";
import type { PathSummaryRow } from "./paths.js";
import { shapley } from "./shapley.js";

const row = (path: string, conversions: number, value: number, nulls: number): PathSummaryRow => ({
  path: path.split(" > "),
  conversions,
  value,
  nulls,
});

const byKey = (credits: Credit[]) =>
  Object.fromEntries(credits.map((c) => [c.key, [c.conversions, c.value]]));

test("two channels by hand: sets of distinct channels, whatever the order and repeats", () => {
  // p(a) = 1/2, p(b) = 1/4, p(ab) = 3/4: φa = ½·½ + ½·(¾ − ¼) = ½, φb = ½·¼ + ½·(¾ − ½) = ¼.
  const rows = [row("a", 1, 10, 1), row("b", 1, 6, 3), row("a > b > a", 2, 30, 0), row("b > a", 1, 10, 1)];
  const credits = byKey(shapley(rows));
  assert.deepEqual(Object.keys(credits), ["a", "b"]);
  const [ca, va] = credits.a!;
  const [cb, vb] = credits.b!;
  assert.ok(Math.abs(ca! - 3) < 1e-12 && Math.abs(cb! - 2) < 1e-12, `${ca} ${cb}`);
  assert.ok(Math.abs(va! - (10 + 80 / 3)) < 1e-12 && Math.abs(vb! - (6 + 40 / 3)) < 1e-12, `${va} ${vb}`);
});

test("negative Shapley values count as 0; all-zero values split equally", () => {
  // p(a) = .5, p(b) = .3, p(ab) = .1: φb = ½·.3 + ½·(.1 − .5) < 0, so the set's credit goes to a.
  const hurt = byKey(shapley([row("a", 1, 0, 1), row("b", 3, 0, 7), row("a > b", 1, 20, 9)]));
  assert.deepEqual(hurt, { a: [2, 20], b: [3, 0] });
  // No subset ever converted: every φ is 0, the value is shared equally.
  assert.deepEqual(byKey(shapley([row("a > b", 0, 10, 1)])), { a: [0, 5], b: [0, 5] });
});

test("exact for a set of 18 channels, against the definition over all its subsets", () => {
  let seed = 11;
  const random = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const n = 18;
  const names = Array.from({ length: n }, (_, i) => `ch${String(i).padStart(2, "0")}`);
  const rows: PathSummaryRow[] = [];
  const sets = new Map<number, { c: number; n: number; v: number }>();
  const add = (mask: number, c: number, nulls: number, v: number) => {
    const path = names.filter((_, i) => mask & (1 << i));
    rows.push({ path: [...path].reverse(), conversions: c, value: v, nulls });
    const s = sets.get(mask) ?? { c: 0, n: 0, v: 0 };
    sets.set(mask, { c: s.c + c, n: s.n + nulls, v: s.v + v });
  };
  for (let i = 0; i < 3000; i++) {
    let mask = 0;
    const size = 1 + Math.floor(random() * 6);
    for (let k = 0; k < size; k++) mask |= 1 << Math.floor(random() * n);
    add(mask, Math.floor(random() * 3), Math.floor(random() * 5), 100 * random());
  }
  add((1 << n) - 1, 5, 2, 500);
  add((1 << n) - 1 - (1 << 3), 2, 2, 40);

  // The definition: φj = Σ_{T ⊆ S∖{j}} |T|!(|S|−|T|−1)!/|S|! · (p(T ∪ {j}) − p(T)).
  const p = new Float64Array(1 << n);
  for (const [mask, s] of sets) if (s.c > 0) p[mask] = s.c / (s.c + s.n);
  const factorial = [1];
  for (let i = 1; i <= n; i++) factorial.push(factorial[i - 1]! * i);
  const bits = (m: number) => names.reduce((k, _, i) => k + ((m >> i) & 1), 0);
  const expected = new Map(names.map((name) => [name, { conversions: 0, value: 0 }]));
  for (const [mask, s] of sets) {
    if (s.c === 0 && s.v === 0) continue;
    const members = names.flatMap((_, i) => (mask & (1 << i) ? [i] : []));
    const m = members.length;
    const phi = members.map((j) => {
      const rest = mask & ~(1 << j);
      let sum = 0;
      for (let t = rest; ; t = (t - 1) & rest) {
        const size = bits(t);
        sum += ((factorial[size]! * factorial[m - size - 1]!) / factorial[m]!) * (p[t | (1 << j)]! - p[t]!);
        if (t === 0) break;
      }
      return Math.max(0, sum);
    });
    const total = phi.reduce((a, b) => a + b, 0);
    members.forEach((j, k) => {
      const share = total > 0 ? phi[k]! / total : 1 / m;
      const e = expected.get(names[j]!)!;
      e.conversions += s.c * share;
      e.value += s.v * share;
    });
  }
  for (const credit of shapley(rows)) {
    const e = expected.get(credit.key)!;
    assert.ok(Math.abs(credit.conversions - e.conversions) <= 1e-10 * e.conversions, credit.key);
    assert.ok(Math.abs(credit.value - e.value) <= 1e-10 * e.value, credit.key);
  }
});
