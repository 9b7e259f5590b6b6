import assert from "node:assert/strict";
import { test } from "node:test";
import { loadDefaultCatalog } from "../catalog/default.js";
import { duckdbDialect } from "../warehouse/duckdb-dialect.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import { parseSegment, SegmentError, segmentConditions } from "./segment.js";

const catalog = loadDefaultCatalog();
const c = (field: string, op: string, value: string) => ({ kind: "condition", field, op, value });

test("segments parse into conditions joined by and; values stay out of the SQL", () => {
  const segment = parseSegment(
    `clv >= 500 AND trait.plan = "gold plan" and rfm != lost and first_channel ~ paid`,
  );
  assert.deepEqual(segment, {
    kind: "and",
    items: [
      c("clv", ">=", "500"),
      c("trait.plan", "=", "gold plan"),
      c("rfm", "!=", "lost"),
      c("first_channel", "~", "paid"),
    ],
  });
  const b = new SqlBuilder(duckdbDialect);
  const sql = segmentConditions(b, segment).join(" AND ");
  assert.ok(!sql.includes("gold plan") && !sql.includes("lost") && !sql.includes("500"));
  assert.deepEqual(b.params, [500, "gold plan", "lost", "paid"]);
});

test("and binds tighter than or; not and parentheses; unquoted values may hold spaces", () => {
  assert.deepEqual(parseSegment("channel = Email or source = shop and trait.name = Ada Lovelace"), {
    kind: "or",
    items: [
      c("channel", "=", "Email"),
      { kind: "and", items: [c("source", "=", "shop"), c("trait.name", "=", "Ada Lovelace")] },
    ],
  });
  assert.deepEqual(parseSegment("not (property.coupon = SPRING or clv < 10)"), {
    kind: "not",
    item: { kind: "or", items: [c("property.coupon", "=", "SPRING"), c("clv", "<", "10")] },
  });
});

test("did: touchpoints and goals of the catalog, events by name, within a window", () => {
  const did = parseSegment(
    `did checkout within 30d and not did event:"Order Refunded" and did goal:purchase`,
    catalog,
  );
  assert.equal(did.kind, "and");
  const items = (
    did as { items: { kind: string; target?: { kind: string; id: string }; withinMs?: number | null }[] }
  ).items;
  assert.deepEqual(
    [items[0]!.target!.kind, items[0]!.target!.id, items[0]!.withinMs],
    ["touchpoint", "checkout", 30 * 86_400_000],
  );
  assert.equal(items[1]!.kind, "not");
  assert.deepEqual([items[2]!.target!.kind, items[2]!.target!.id], ["goal", "purchase"]);
  const b = new SqlBuilder(duckdbDialect);
  const sql = segmentConditions(b, did, Date.parse("2026-06-01")).join(" AND ");
  assert.ok(!sql.includes("Order Refunded"));
  assert.ok(
    b.params.includes(Date.parse("2026-06-01") - 30 * 86_400_000),
    "the window ends at the range's end",
  );
});

test("bad segments say which part is wrong", () => {
  const bad = (text: string, message: RegExp) =>
    assert.throws(
      () => parseSegment(text, catalog),
      (e) => e instanceof SegmentError && message.test(e.message),
      text,
    );
  bad("", /empty segment/);
  bad("clv", /not a condition at "clv"/);
  bad("plan = gold", /unknown field "plan"/);
  bad("trait.1x = 1", /invalid trait path/);
  bad("property.a..b = 1", /invalid property path/);
  bad("clv > lots", /compares with a number/);
  bad("clv ~ 5", /for text/);
  bad("clv > 5 and", /missing at the end/);
  bad("(clv > 5 or rfm = lost", /expected \)/);
  bad("clv > 5 rfm = lost", /unexpected "="/);
  bad("did chekout", /no touchpoint or goal "chekout"/);
  bad("did checkout within soon", /within/);
  bad("channel =", /needs a value/);
  // Whatever follows the operator is one bound value, so this is merely a strange plan name.
  assert.deepEqual(parseSegment("trait.x = 1; DROP TABLE events"), c("trait.x", "=", "1; DROP TABLE events"));
});
