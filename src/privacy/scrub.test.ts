import assert from "node:assert/strict";
import { test } from "node:test";
import { anonymizeIp, scrubMessage } from "./scrub.js";

test("IP addresses keep only their network part", () => {
  assert.equal(anonymizeIp("203.0.113.77"), "203.0.113.0");
  assert.equal(anonymizeIp("2001:db8:85a3:8d3:1319:8a2e:370:7348"), "2001:db8:85a3::");
  assert.equal(anonymizeIp("2001:db8::1"), "2001:db8::");
  assert.equal(anonymizeIp("not an ip"), "");
});

test("named fields leave properties, traits and context.traits; the input is not changed", () => {
  const input = {
    type: "identify",
    userId: "u1",
    traits: { email: "a@example.com", Phone: "123", plan: "gold" },
    properties: { email: "a@example.com", total: 3 },
    context: { ip: "198.51.100.9", traits: { email: "a@example.com" }, locale: "da-DK" },
  };
  const out = scrubMessage(input, { anonymizeIp: true, dropProperties: ["email", "phone"] }) as typeof input;
  assert.deepEqual(out.traits, { plan: "gold" });
  assert.deepEqual(out.properties, { total: 3 });
  assert.deepEqual(out.context, { ip: "198.51.100.0", traits: {}, locale: "da-DK" });
  assert.equal(input.traits.email, "a@example.com", "a copy, not a mutation");
  assert.equal(out.userId, "u1");
  assert.equal(scrubMessage("text", { anonymizeIp: true, dropProperties: [] }), "text");
});
