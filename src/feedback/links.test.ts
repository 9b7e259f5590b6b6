import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { linkQuery, surveyKey, verifyLink } from "./links.js";

const key = Buffer.alloc(32, 7);
const now = 1_800_000_000;
const params = (q: string) => Object.fromEntries(new URLSearchParams(q));

test("a signed link verifies for its survey and customer", () => {
  const q = params(linkQuery("delivery_csat", "cust-1", now + 3600, key));
  const check = verifyLink("delivery_csat", q, key, now);
  assert.ok(check.ok && check.claims.customer === "cust-1" && check.claims.nonce === q.n);
});

test("tampered, expired, foreign and incomplete links are refused", () => {
  const q = params(linkQuery("delivery_csat", "cust-1", now + 3600, key));
  const refuse = (survey: string, p: Record<string, string>, at = now, k = key) => {
    const check = verifyLink(survey, p, k, at);
    assert.ok(!check.ok);
    return check.reason;
  };
  assert.match(refuse("delivery_csat", { ...q, c: "cust-2" }), /not valid/, "another customer");
  assert.match(refuse("delivery_csat", { ...q, e: String(now + 999_999) }), /not valid/, "a later expiry");
  assert.match(refuse("delivery_csat", { ...q, n: "other" }), /not valid/, "another nonce");
  assert.match(refuse("checkout_ces", q), /not valid/, "another survey");
  assert.match(refuse("delivery_csat", q, now, Buffer.alloc(32, 8)), /not valid/, "another installation");
  assert.match(refuse("delivery_csat", q, now + 3601), /expired/);
  assert.match(refuse("delivery_csat", { c: "cust-1" }), /incomplete/);
});

test("the survey key is created once, private to its owner, or taken from the environment", () => {
  const dir = mkdtempSync(join(tmpdir(), "tp-key-"));
  try {
    const file = join(dir, "w.duckdb.survey-key");
    const first = surveyKey(file, {});
    assert.equal(first.length, 32);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(surveyKey(file, {}), first);
    const fromEnv = surveyKey(file, { TOUCHPOINT_SURVEY_KEY: Buffer.alloc(32, 1).toString("base64") });
    assert.deepEqual(fromEnv, Buffer.alloc(32, 1));
    assert.throws(() => surveyKey(file, { TOUCHPOINT_SURVEY_KEY: "c2hvcnQ=" }), /at least 32 bytes/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
