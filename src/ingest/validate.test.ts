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
