import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregatePaths, channelsOf, type PathSummaryRow } from "./paths.js";

const row = (path: string, conversions: number, value: number, nulls: number): PathSummaryRow => ({
  path: path.split(" > "),
  conversions,
  value,
  nulls,
});

test("rows with the same path are summed, in order of first appearance, without touching the input", () => {
  const rows = [row("a > b", 1, 10, 2), row("b", 0, 0, 5), row("a > b", 2, 5, 1), row("a > b", 0, 0, 1)];
  const before = structuredClone(rows);
  assert.deepEqual(aggregatePaths(rows), [row("a > b", 3, 15, 4), row("b", 0, 0, 5)]);
  assert.deepEqual(rows, before);
});

test("paths that only join to the same text stay apart", () => {
  const rows: PathSummaryRow[] = [
    { path: ["a", "b"], conversions: 1, value: 0, nulls: 0 },
    { path: ["a b"], conversions: 1, value: 0, nulls: 0 },
    { path: ["a>b"], conversions: 1, value: 0, nulls: 0 },
  ];
  assert.equal(aggregatePaths(rows).length, 3);
});

test("channels are listed once, in code-unit order", () => {
  assert.deepEqual(channelsOf([row("b > a > b", 1, 0, 0), row("B > c", 0, 0, 1)]), ["B", "a", "b", "c"]);
});
