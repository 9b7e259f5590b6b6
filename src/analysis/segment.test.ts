import assert from "node:assert/strict";
import { test } from "node:test";
import { duckdbDialect } from "../warehouse/duckdb-dialect.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import { parseSegment, SegmentError, segmentConditions } from "./segment.js";

test("segments parse into conditions; values stay out of the SQL", () => {
  const segment = parseSegment(
    `clv >= 500 AND trait.plan = "gold plan" and rfm != lost and first_channel ~ paid`,
  );
  assert.deepEqual(segment, [
    { field: "clv", op: ">=", value: "500" },
    { field: "trait.plan", op: "=", value: "gold plan" },
    { field: "rfm", op: "!=", value: "lost" },
    { field: "first_channel", op: "~", value: "paid" },
  ]);
  const b = new SqlBuilder(duckdbDialect);
  const sql = segmentConditions(b, segment).join(" AND ");
  assert.ok(!sql.includes("gold plan") && !sql.includes("lost") && !sql.includes("500"));
  assert.deepEqual(b.params, [500, "gold plan", "lost", "paid"]);
});

test("bad segments say what is wrong", () => {
  const bad = (text: string, message: RegExp) =>
    assert.throws(
      () => parseSegment(text),
      (e) => e instanceof SegmentError && message.test(e.message),
    );
  bad("", /empty segment/);
  bad("clv", /not a condition/);
  bad("plan = gold", /unknown field "plan"/);
  bad("trait.a-b = 1", /not a condition/);
  bad("trait.1x = 1", /invalid trait path/);
  bad("clv > lots", /compares with a number/);
  bad("clv ~ 5", /for text/);
  // Whatever follows the operator is one bound value, so this is merely a strange plan name.
  assert.deepEqual(parseSegment("trait.x = 1; DROP TABLE events"), [
    { field: "trait.x", op: "=", value: "1; DROP TABLE events" },
  ]);
});
