import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { attribute, type Credit, MODEL_NAMES, type ModelName, type TimedConversion } from "./models.js";
import { parsePathSummary } from "./path-file.js";
import type { PathSummaryRow } from "./paths.js";

const fixtureFile = (name: string) =>
  readFileSync(new URL(`../../../../src/analysis/attribution/fixtures/${name}`, import.meta.url), "utf8");

const rows = parsePathSummary(fixtureFile("attribution-fixture.csv"), "attribution-fixture.csv");

type ByKey = Record<string, number>;
interface Expected {
  input: {
    channels: string[];
    rows: number;
    total_conversions: number;
    total_conversion_value: number;
    total_null: number;
  };
  models: Record<
    string,
    { conversions: ByKey; value: ByKey; removalEffect?: ByKey; valueRemovalEffect?: ByKey }
  >;
}
const expected = JSON.parse(fixtureFile("attribution-fixture.expected.json")) as Expected;

/** `actual` equals `expected` to 1e-9 relative, key by key, and has exactly its keys. */
function matches(credits: Credit[], field: keyof Credit, want: ByKey, what: string): void {
  assert.deepEqual(
    credits.map((c) => c.key),
    Object.keys(want).sort(),
    `${what}: keys`,
  );
  for (const c of credits) {
    const actual = c[field] as number;
    const e = want[c.key]!;
    assert.ok(Math.abs(actual - e) <= 1e-9 * Math.abs(e), `${what} ${c.key}: ${actual} instead of ${e}`);
  }
}

const sums = (credits: Credit[]) =>
  credits.reduce((s, c) => [s[0]! + c.conversions, s[1]! + c.value], [0, 0]);

test("the fixture's totals", () => {
  const r = attribute(rows, { models: [] });
  assert.equal(rows.length, expected.input.rows);
  assert.equal(r.conversions, expected.input.total_conversions);
  assert.equal(r.nulls, expected.input.total_null);
  assert.ok(Math.abs(r.value - expected.input.total_conversion_value) < 1e-9 * r.value);
});

test("every model of the fixture reproduces the expected results to 1e-9", () => {
  const names = [
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "position_based",
    "shapley",
  ] as const;
  const r = attribute(rows, { models: names });
  for (const name of names) {
    matches(r.models[name]!, "conversions", expected.models[name]!.conversions, `${name} conversions`);
    matches(r.models[name]!, "value", expected.models[name]!.value, `${name} value`);
  }
  for (const order of [1, 2, 3]) {
    const want = expected.models[`markov_order_${order}`]!;
    const credits = attribute(rows, { models: ["markov"], markovOrder: order }).models.markov!;
    matches(credits, "conversions", want.conversions, `markov ${order} conversions`);
    matches(credits, "value", want.value, `markov ${order} value`);
    matches(credits, "removalEffect", want.removalEffect!, `markov ${order} removal effect`);
    matches(credits, "valueRemovalEffect", want.valueRemovalEffect!, `markov ${order} value removal effect`);
  }
});

test("every model's credits sum to the conversions and the value", () => {
  const timed: TimedConversion[] = rows
    .filter((row) => row.conversions > 0)
    .flatMap((row) =>
      Array.from({ length: row.conversions }, () => ({
        touches: row.path.map((key, i) => ({ key, secondsBeforeConversion: (row.path.length - i) * 86_400 })),
        value: row.value / row.conversions,
      })),
    );
  for (const markovOrder of [1, 2, 3, 4]) {
    const r = attribute(rows, { models: MODEL_NAMES, markovOrder, timed });
    assert.deepEqual(Object.keys(r.models).sort(), [...MODEL_NAMES].sort());
    for (const [name, credits] of Object.entries(r.models)) {
      const [conversions, value] = sums(credits);
      assert.ok(Math.abs(conversions! - r.conversions) < 1e-9 * r.conversions, `${name}: ${conversions}`);
      assert.ok(Math.abs(value! - r.value) < 1e-9 * r.value, `${name}: ${value}`);
      assert.deepEqual(
        credits.map((c) => c.key),
        expected.input.channels.slice().sort(),
        `${name}: every channel, by key`,
      );
    }
  }
});

test("repeated paths are summed before any model runs", () => {
  const split = rows.flatMap((row): PathSummaryRow[] =>
    row.conversions > 1
      ? [
          { ...row, conversions: 1, value: row.value / 2, nulls: 0 },
          { ...row, conversions: row.conversions - 1, value: row.value / 2 },
        ]
      : [row],
  );
  assert.ok(split.length > rows.length);
  const models: ModelName[] = ["linear", "markov", "shapley"];
  const a = attribute(rows, { models, markovOrder: 2 });
  const b = attribute(split, { models, markovOrder: 2 });
  for (const name of models) {
    a.models[name]!.forEach((c, i) => {
      const d = b.models[name]![i]!;
      assert.equal(d.key, c.key);
      assert.ok(Math.abs(d.conversions - c.conversions) < 1e-9 * c.conversions, `${name} ${c.key}`);
      assert.ok(Math.abs(d.value - c.value) < 1e-9 * c.value, `${name} ${c.key}`);
    });
  }
  assert.equal(b.markov!.states, a.markov!.states);
  assert.ok(Math.abs(b.markov!.conversionProbability - a.markov!.conversionProbability) < 1e-15);
});

test("time decay needs the warehouse's touch times", () => {
  assert.throws(
    () => attribute(rows, { models: ["time_decay"] }),
    /time_decay needs the time of every touch/,
  );
});

test("bad options and rows are refused", () => {
  assert.throws(
    () => attribute(rows, { models: ["u_shaped" as ModelName] }),
    /unknown attribution model "u_shaped"/,
  );
  const row = (path: string[], conversions: number, nulls = 0): PathSummaryRow => ({
    path,
    conversions,
    value: 0,
    nulls,
  });
  assert.throws(() => attribute([row([], 1)], { models: ["linear"] }), /path 1 has no touches/);
  assert.throws(() => attribute([row(["a"], -1)], { models: ["linear"] }), /path 1 \(a\) has conversions -1/);
  assert.throws(() => attribute([row(["a"], 1, Number.NaN)], { models: ["linear"] }), /has nulls NaN/);
  assert.throws(
    () => attribute(rows, { models: ["markov"], markovOrder: 5 }),
    /order must be an integer from 1 to 4/,
  );
});

test("no rows, no credits", () => {
  const r = attribute([], { models: MODEL_NAMES.filter((m) => m !== "time_decay") });
  assert.equal(r.conversions, 0);
  for (const credits of Object.values(r.models)) assert.deepEqual(credits, []);
});
