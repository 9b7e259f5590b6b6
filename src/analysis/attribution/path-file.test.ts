import assert from "node:assert/strict";
import { test } from "node:test";
import { PathFileError, parsePathSummary } from "./path-file.js";

const csv = (...lines: string[]) => `${lines.join("\n")}\n`;
const HEADER = "path,total_conversions,total_conversion_value,total_null";

function problems(text: string): string[] {
  try {
    parsePathSummary(text, "p.csv");
  } catch (err) {
    assert.ok(err instanceof PathFileError, String(err));
    assert.ok(err.message.startsWith(err.problems.join("\n")), err.message);
    return err.problems;
  }
  assert.fail("expected a PathFileError");
}

test("a path summary: names trimmed, numbers read, blank lines and a BOM ignored", () => {
  const text = `\uFEFF${csv(HEADER, "Paid Search >  Email>Direct,2,150.5,7", "", "Direct,0,0,3", '"Email > Referral",1,1e2,0')}`;
  assert.deepEqual(parsePathSummary(text, "p.csv"), [
    { path: ["Paid Search", "Email", "Direct"], conversions: 2, value: 150.5, nulls: 7 },
    { path: ["Direct"], conversions: 0, value: 0, nulls: 3 },
    { path: ["Email", "Referral"], conversions: 1, value: 100, nulls: 0 },
  ]);
});

test("columns may come in any order; a header alone is an empty summary", () => {
  const text = csv("total_null,path,total_conversion_value,total_conversions", "4,a > b,9.5,1");
  assert.deepEqual(parsePathSummary(text, "p.csv"), [
    { path: ["a", "b"], conversions: 1, value: 9.5, nulls: 4 },
  ]);
  assert.deepEqual(parsePathSummary(csv(HEADER), "p.csv"), []);
});

test("every bad row is reported with its line", () => {
  const text = csv(
    HEADER,
    "a > b,1,10,0",
    "a > b,1,10",
    "a,1,10,0,9",
    "a,one,10,0",
    "a,1,-10,0",
    "a >  > b,1,10,",
    "",
    ",1,1,1",
  );
  assert.deepEqual(problems(text), [
    "p.csv:3: missing column: expected 4 values, found 3",
    "p.csv:4: extra column: expected 4 values, found 5",
    'p.csv:5: total_conversions: "one" is not a number',
    "p.csv:6: total_conversion_value: -10 is negative",
    'p.csv:7: path: empty channel name at position 2 of "a >  > b"',
    'p.csv:7: total_null: "" is not a number',
    "p.csv:9: path: empty",
  ]);
});

test("the header is required and checked", () => {
  assert.deepEqual(problems(csv("a > b,1,10,0")), [
    "p.csv:1: missing header: the first line must name the columns path,total_conversions,total_conversion_value,total_null",
  ]);
  assert.deepEqual(problems(csv("path,total_conversions,total_value,total_null,total_null", "a,1,2,3,4")), [
    'p.csv:1: unknown header column "total_value"; expected path,total_conversions,total_conversion_value,total_null',
    "p.csv:1: header column total_null appears twice",
    "p.csv:1: missing header column total_conversion_value",
  ]);
  assert.deepEqual(problems(""), [
    "p.csv:1: empty file: expected the header path,total_conversions,total_conversion_value,total_null",
  ]);
});

test("a quoting error stops the reading but keeps the problems found before it", () => {
  assert.deepEqual(problems(csv(HEADER, "a,x,1,1", "b,1,1,1", '"c,1,1,1', "d,1,1,1")), [
    'p.csv:2: total_conversions: "x" is not a number',
    "p.csv:4: a quoted value is never closed",
  ]);
  const [bad] = problems(csv(HEADER, 'a"b,1,1,1'));
  assert.match(bad!, /^p\.csv:2: Invalid Opening Quote/);
});

test("the list stops after 20 problems and says how many more there are", () => {
  const rows = Array.from({ length: 45 }, (_, i) => `a,${i},x,0`);
  const listed = problems(csv(HEADER, ...rows));
  assert.equal(listed.length, 20);
  assert.equal(listed[19], 'p.csv:21: total_conversion_value: "x" is not a number');
  assert.throws(
    () => parsePathSummary(csv(HEADER, ...rows), "p.csv"),
    (err) =>
      err instanceof PathFileError &&
      err.total === 45 &&
      /\np\.csv: … and 25 more problems$/.test(err.message),
  );
});
