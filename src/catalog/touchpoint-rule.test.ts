import assert from "node:assert/strict";
import { test } from "node:test";
import { duckdbDialect } from "../warehouse/duckdb-dialect.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import { parseCatalog } from "./load.js";
import { catalogForTouchpoint, rulesMayOverlap, touchpointCondition } from "./touchpoint-rule.js";

const exact = (...values: string[]) => ({ kind: "exact" as const, values });

test("rules overlap unless one field has disjoint exact values in both", () => {
  assert.equal(rulesMayOverlap({ event: exact("A", "B") }, { event: exact("C") }), false);
  assert.equal(rulesMayOverlap({ event: exact("A", "B") }, { event: exact("B") }), true);
  assert.equal(rulesMayOverlap({ event: exact("A") }, { channel: exact("Email") }), true);
  assert.equal(rulesMayOverlap({ event: exact("A") }, {}), true, "an empty rule matches every event");
  assert.equal(rulesMayOverlap({ event: { kind: "pattern", glob: "Email *" } }, { event: exact("X") }), true);
  assert.equal(
    rulesMayOverlap(
      { properties: { template: exact("thank_you") } },
      { properties: { template: exact("promo") } },
    ),
    false,
  );
  assert.equal(
    rulesMayOverlap({ event: exact("E"), properties: { a: exact("1") } }, { properties: { b: exact("2") } }),
    true,
  );
});

const CATALOG = parseCatalog(
  `
stages: [pre, buy]
goals:
  purchase: { event: Order Completed }
  lead: { match: { event: Form Submitted, properties: { form: demo } } }
touchpoints:
  - { id: thank_you, name: T, stage: buy, match: { event: [Email Delivered, Email Opened], properties: { template: thank_you } } }
  - { id: email, name: E, stage: pre, match: [{ event: { pattern: "Email *" } }, { channel: Email }] }
  - { id: ads, name: A, stage: pre, match: { channel: [Paid Search, Paid Social] } }
  - { id: checkout, name: C, stage: buy, match: { event: Checkout Started } }
  - { id: forms, name: F, stage: pre, match: { event: Form Submitted } }
`,
  "c.yml",
);

test("a touchpoint's reduced catalog keeps the goals and earlier touchpoints that could take its events", () => {
  const ids = (id: string) => {
    const c = catalogForTouchpoint(CATALOG, id);
    return [c.goals.map((g) => g.id), c.touchpoints.map((t) => t.id)];
  };
  // Checkout Started is neither goal nor a thank-you email; a pattern or a channel rule could still match it.
  assert.deepEqual(ids("checkout"), [[], ["email", "ads", "checkout"]]);
  assert.deepEqual(ids("thank_you"), [[], ["thank_you"]]);
  assert.deepEqual(ids("forms"), [["lead"], ["email", "ads", "forms"]]);
  assert.throws(() => catalogForTouchpoint(CATALOG, "nowhere"), /no touchpoint "nowhere"/);
});

test("the touchpoint condition binds every value and tests the touchpoint's own columns first", () => {
  const b = new SqlBuilder(duckdbDialect);
  const sql = touchpointCondition(b, CATALOG, "thank_you");
  assert.match(
    sql,
    /^\(CASE WHEN \(CASE WHEN \(\("event" IN \(\$1, \$2\)\)\) THEN 1 ELSE NULL END\) = 1 THEN/,
  );
  assert.ok(!sql.includes("thank_you'") && !sql.includes("Email Opened"), "values are parameters");
  assert.deepEqual(b.params.slice(0, 2), ["Email Delivered", "Email Opened"]);
});
