import assert from "node:assert/strict";
import { test } from "node:test";
import type { MatchRule, MatchValue } from "./catalog.js";
import { globToLike, globToRegExp, isCatchAll, matchesText, regexProblem } from "./match.js";
import { subsumes } from "./reach.js";

test("globs become LIKE patterns with %, _ and \\ escaped", () => {
  assert.equal(globToLike("Order *"), "Order %");
  assert.equal(globToLike("50%_off?\\*"), "50\\%\\_off_\\\\%");
  assert.ok(globToRegExp("Order *").test("Order Completed"));
  assert.ok(!globToRegExp("Order ?").test("Order 12"));
  assert.ok(globToRegExp("a.b(*)").test("a.b(x\ny)"));
  assert.ok(!globToRegExp("a.b").test("axb"));
});

test("regexes RE2 cannot run are refused; escaped look-alikes are fine", () => {
  assert.equal(regexProblem("^Email (Opened|Clicked)$"), null);
  assert.match(regexProblem("a(?=b)") ?? "", /lookahead and lookbehind/);
  assert.match(regexProblem("a(?<!b)") ?? "", /lookahead and lookbehind/);
  assert.match(regexProblem("(a)\\2?(b)") ?? "", /backreferences/);
  assert.match(regexProblem("[") ?? "", /invalid regex "\[": /);
  assert.equal(regexProblem("\\(?=[(?=\\1]\\\\2"), null);
});

test("catch-alls and text matching", () => {
  assert.ok(isCatchAll({ kind: "pattern", glob: "*" }));
  assert.ok(isCatchAll({ kind: "regex", source: "^.*$" }));
  assert.ok(!isCatchAll({ kind: "regex", source: ".+" }));
  assert.ok(!isCatchAll({ kind: "exact", values: ["*"] }));
  assert.ok(matchesText({ kind: "regex", source: "Opened" }, "Email Opened")); // a match anywhere, as RE2
  assert.ok(!matchesText({ kind: "exact", values: ["a"] }, "A"));
});

test("subsumption compares each condition of the earlier rule with the later rule's", () => {
  const ex = (...values: string[]) => ({ kind: "exact" as const, values });
  const s = (a: MatchRule, b: MatchRule) => subsumes(a, b);
  assert.ok(s({}, { event: ex("A") }));
  assert.ok(s({ event: ex("A", "B") }, { event: ex("B"), channel: ex("Email") }));
  assert.ok(!s({ event: ex("A") }, { event: ex("A", "B") }));
  assert.ok(!s({ event: ex("A"), channel: ex("Email") }, { event: ex("A") }));
  assert.ok(s({ properties: { t: ex("x") } }, { properties: { t: ex("x") }, event: ex("A") }));
  const anything: MatchValue = { kind: "pattern", glob: "*" };
  assert.ok(!s({ properties: Object.fromEntries([["constructor", anything]]) }, { properties: {} }));
  assert.ok(s({ type: { kind: "regex", source: ".*" } }, {})); // type is never NULL
  assert.ok(!s({ utm_source: { kind: "regex", source: ".*" } }, {})); // utm_source may be NULL
  assert.ok(s({ event: { kind: "pattern", glob: "Email *" } }, { event: ex("Email Opened", "Email Sent") }));
  assert.ok(!s({ event: ex("Email Opened") }, { event: { kind: "pattern", glob: "Email Opened" } }));
});
