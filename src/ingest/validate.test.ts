import assert from "node:assert/strict";
import { test } from "node:test";
import { validateMessage } from "./validate.js";

const check = (m: unknown, implied: Parameters<typeof validateMessage>[1] = null) =>
  validateMessage(m, implied);
const field = (m: unknown, implied: Parameters<typeof validateMessage>[1] = null) => {
  const v = check(m, implied);
  return v.ok ? "ok" : v.field;
};

test("the implied type of an endpoint applies when the message has none", () => {
  const v = check({ event: "X", userId: "u" }, "track");
  assert.ok(v.ok && v.message.type === "track" && v.message.event === "X");
});

test("each wrong field is named", () => {
  assert.equal(field({ anonymousId: "a" }), "type");
  assert.equal(field({ type: "launch", anonymousId: "a" }), "type");
  assert.equal(field({ type: "track", anonymousId: "a" }), "event");
  assert.equal(field({ type: "track", event: 5, anonymousId: "a" }), "event");
  assert.equal(field({ type: "track", event: "X" }), "userId");
  assert.equal(field({ type: "track", event: "X", userId: true }), "userId");
  assert.equal(field({ type: "track", event: "X", anonymousId: ["a"] }), "anonymousId");
  assert.equal(field({ type: "track", event: "X", userId: "u", properties: "x" }), "properties");
  assert.equal(field({ type: "identify", userId: "u", traits: [] }), "traits");
  assert.equal(field({ type: "track", event: "X", userId: "u", context: 1 }), "context");
  assert.equal(field({ type: "track", event: "X", userId: "u", timestamp: "2024-13-45" }), "timestamp");
  assert.equal(
    field({ type: "track", event: "X", userId: "u", originalTimestamp: 12 < 0 }),
    "originalTimestamp",
  );
  assert.equal(field({ type: "track", event: "X", userId: "u", sentAt: "soon" }), "sentAt");
  assert.equal(field({ type: "track", event: "X", userId: "u", messageId: 7 }), "messageId");
  assert.equal(field({ type: "group", userId: "u" }), "groupId");
  assert.equal(field({ type: "alias", userId: "u" }), "previousId");
  assert.equal(field({ type: "alias", previousId: "p", anonymousId: "a" }), "userId");
  assert.equal(field("track"), null);
  assert.equal(field(null), null);
});

test("placeholder ids count as absent", () => {
  assert.equal(field({ type: "track", event: "X", userId: "undefined" }), "userId");
  const v = check({ type: "track", event: "X", userId: "null", anonymousId: "a1" });
  assert.ok(v.ok && v.message.userId === null && v.message.anonymousId === "a1");
});

test("numeric ids are stored as text; timestamp falls back to originalTimestamp", () => {
  const v = check({ type: "identify", userId: 42, originalTimestamp: "2024-05-01T12:00:00.000Z" });
  assert.ok(v.ok);
  assert.equal(v.message.userId, "42");
  assert.equal(v.message.timestamp, Date.UTC(2024, 4, 1, 12));
});

test("survey answers: unknown metrics and out-of-range scores are rejected with the property named", () => {
  const answer = (properties: Record<string, unknown>) =>
    check({ type: "track", event: "Survey Responded", userId: "u", properties });
  assert.ok(answer({ metric: "nps", score: 0 }).ok);
  assert.ok(answer({ metric: "nps", score: 10, comment: "great", touchpoint: "delivery" }).ok);
  assert.ok(answer({ metric: "csat", score: "4" }).ok, "a numeric string is a score");
  assert.ok(answer({ metric: "ces", score: 7 }).ok);
  const reject = (properties: Record<string, unknown>, field: string, reason: RegExp) => {
    const v = answer(properties);
    assert.ok(!v.ok && v.field === field && reason.test(v.reason), JSON.stringify(v));
  };
  reject(
    { metric: "nps", score: 11 },
    "properties.score",
    /nps answer must be a whole number from 0 to 10, got 11/,
  );
  reject({ metric: "csat", score: 0 }, "properties.score", /from 1 to 5/);
  reject({ metric: "ces", score: 8 }, "properties.score", /from 1 to 7/);
  reject({ metric: "nps", score: 7.5 }, "properties.score", /whole number/);
  reject({ metric: "nps" }, "properties.score", /got null/);
  reject({ metric: "stars", score: 3 }, "properties.metric", /one of nps, csat, ces, got "stars"/);
  reject({ score: 3 }, "properties.metric", /got null/);
  reject({ metric: "nps", score: 9, touchpoint: 3 }, "properties.touchpoint", /must be a string/);
  // Other events may carry any properties.
  assert.ok(check({ type: "track", event: "Survey Viewed", userId: "u", properties: { score: 99 } }).ok);
});
