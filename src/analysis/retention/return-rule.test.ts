import assert from "node:assert/strict";
import { test } from "node:test";
import { ReportParamError } from "../params.js";
import { parseReturnRule, returnRuleText } from "./return-rule.js";

const ids = ["checkout", "delivery"];

test("return rules: any (the default), goal, a catalog touchpoint, an event name", () => {
  assert.deepEqual(parseReturnRule(undefined, ids), { kind: "any" });
  assert.deepEqual(parseReturnRule("", ids), { kind: "any" });
  assert.deepEqual(parseReturnRule("any", ids), { kind: "any" });
  assert.deepEqual(parseReturnRule("goal", ids), { kind: "goal" });
  assert.deepEqual(parseReturnRule("touchpoint:checkout", ids), { kind: "touchpoint", id: "checkout" });
  assert.deepEqual(parseReturnRule("event:Order Completed", ids), { kind: "event", name: "Order Completed" });
  // An event name may itself hold a colon; only the first one separates the kind.
  assert.deepEqual(parseReturnRule("event:a:b", ids), { kind: "event", name: "a:b" });
  for (const text of ["any", "goal", "touchpoint:delivery", "event:Order Completed"])
    assert.equal(returnRuleText(parseReturnRule(text, ids)), text);
});

test("bad return rules are parameter errors that name --return", () => {
  const bad = (text: string, message: RegExp) =>
    assert.throws(
      () => parseReturnRule(text, ids),
      (err: Error) =>
        err instanceof ReportParamError && /^--return: /.test(err.message) && message.test(err.message),
    );
  bad("sometimes", /one of any, goal, touchpoint:ID or event:NAME, not "sometimes"/);
  bad("touchpoint:nowhere", /no touchpoint "nowhere" in the catalog; one of checkout, delivery/);
  bad("touchpoint:", /needs a touchpoint id/);
  bad("event:", /needs an event name/);
  bad("channel:Email", /one of/);
});
