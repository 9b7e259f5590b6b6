import assert from "node:assert/strict";
import { test } from "node:test";
import { webPipelineContext } from "../../test/support.js";
import { processMessages } from "./pipeline.js";

const ctx = webPipelineContext;

const rows = (lines: string) =>
  lines
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

test("a track call becomes an enriched row", () => {
  const r = processMessages(
    [
      {
        type: "track",
        event: "Order Completed",
        userId: "u1",
        messageId: "m1",
        timestamp: "2026-01-01T11:59:00.000Z",
        sentAt: "2026-01-01T12:00:30.000Z",
        properties: { total: "49.5", currency: "eur" },
        context: {
          campaign: { source: "newsletter", medium: "email", name: "jan" },
          userAgent:
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        },
      },
    ],
    null,
    ctx(),
  );
  assert.equal(r.accepted, 1);
  const [row] = rows(r.lines);
  assert.equal(row.kind, "event");
  assert.equal(row.message_id, "m1");
  // The client's clock is 30 s ahead of ours when it sent the batch: ts moves back by the skew.
  assert.equal(row.ts, Date.UTC(2026, 0, 1, 11, 59) - 30_000);
  assert.equal(row.channel, "Email");
  assert.equal(row.utm_campaign, "jan");
  assert.equal(row.revenue, 49.5);
  assert.equal(row.currency, "EUR");
  assert.equal(row.device_type, "desktop");
  assert.equal(row.is_bot, false);
});

test("a non-web source's declared channel wins over channel grouping", () => {
  const r = processMessages(
    [
      {
        type: "track",
        event: "Order Completed",
        userId: "u1",
        context: { campaign: { source: "google", medium: "cpc" } },
      },
    ],
    null,
    ctx({ source: { name: "Store 12", kind: "pos", channel: "In-store" } }),
  );
  assert.equal(rows(r.lines)[0].channel, "In-store");
});

test("pages are Page Viewed events that keep their name; referrers give the channel", () => {
  const r = processMessages(
    [
      {
        anonymousId: "a",
        name: "Pricing",
        context: {
          page: { url: "https://shop.example/pricing", referrer: "https://www.google.com/search?q=x" },
        },
      },
    ],
    "page",
    ctx(),
  );
  const [row] = rows(r.lines);
  assert.equal(row.event, "Page Viewed");
  assert.equal(row.properties.name, "Pricing");
  assert.equal(row.channel, "Organic Search");
});

test("invalid and oversized messages become dead letters; the rest are kept", () => {
  const r = processMessages(
    [
      { type: "track", event: "A", anonymousId: "a", messageId: "ok" },
      { type: "track", anonymousId: "a", messageId: "no-event" },
      {
        type: "track",
        event: "B",
        anonymousId: "a",
        messageId: "big",
        properties: { x: "y".repeat(40_000) },
      },
    ],
    null,
    ctx(),
  );
  assert.equal(r.accepted, 1);
  assert.deepEqual(
    r.rejected.map((x) => [x.index, x.messageId, x.field]),
    [
      [1, "no-event", "event"],
      [2, "big", null],
    ],
  );
  assert.match(r.rejected[1]!.reason, /over the 32 KB limit/);
  const out = rows(r.lines);
  assert.deepEqual(
    out.map((o) => o.kind),
    ["event", "rejected", "rejected"],
  );
  assert.equal(out[1].field, "event");
  assert.ok(out[2].payload.length < 1000, "an oversized payload is not copied into the dead letter");
});

test("messages without an id get the caller's deterministic id, else a random one", () => {
  const r = processMessages(
    [{ type: "track", event: "A", anonymousId: "a" }],
    null,
    ctx({ messageIdFor: (i) => `import-${i}` }),
  );
  assert.equal(rows(r.lines)[0].message_id, "import-0");
  const random = processMessages([{ type: "track", event: "A", anonymousId: "a" }], null, ctx());
  assert.match(rows(random.lines)[0].message_id, /^[0-9a-f-]{36}$/);
});

test("rows leave null fields out; the loader reads a missing key as NULL", () => {
  const r = processMessages([{ type: "track", event: "A", anonymousId: "a", messageId: "m" }], null, ctx());
  const [row] = rows(r.lines);
  assert.ok(!r.lines.includes("null"), r.lines);
  assert.equal(row.user_id, undefined);
  assert.equal(row.is_bot, false, "is_bot is always written");
  assert.deepEqual([row.properties, row.traits, row.context], [{}, {}, {}]);
});

test("lone surrogates, which DuckDB's JSON reader refuses, become U+FFFD; pairs and keys are kept", () => {
  const input = JSON.parse(
    '[{"type":"track","event":"E\\ud800","anonymousId":"a\\udc00","messageId":"m","properties":{"__proto__":{"k\\ud800":"\\ud83d\\ude00"}}},{"type":"track","anonymousId":"\\ud800","messageId":"bad"}]',
  );
  const r = processMessages(input, null, ctx());
  assert.doesNotMatch(r.lines, /\\u[dD][89a-fA-F]/);
  const [row, dead] = rows(r.lines);
  assert.equal(row.event, "E\ufffd");
  assert.equal(row.anonymous_id, "a\ufffd");
  assert.equal(JSON.stringify(row.properties), '{"__proto__":{"k\ufffd":"😀"}}');
  assert.equal(dead.kind, "rejected");
  assert.equal(r.rejected[0]!.index, 1);
});

test("row strings that need escaping (quotes, backslashes, control characters) read back as sent", () => {
  const odd = ['a"b', "c\\d", "e\nf\tg\u0001", "emoji 😀", "line\u2028sep\u007f", "plain-id", ""];
  const messages = odd.map((text, i) => ({
    type: "track",
    event: text || "E",
    anonymousId: `${text}${i}`,
    userId: `u${text}`,
    messageId: `m${i}${text}`,
    context: { page: { url: `https://shop.example/${text}`, referrer: text } },
  }));
  const r = processMessages(messages, null, ctx());
  assert.equal(r.accepted, odd.length);
  rows(r.lines).forEach((row, i) => {
    const text = odd[i]!;
    assert.equal(row.event, text || "E");
    assert.equal(row.anonymous_id, `${text}${i}`);
    assert.equal(row.user_id, `u${text}`);
    assert.equal(row.message_id, `m${i}${text}`);
    assert.equal(row.url, `https://shop.example/${text}`);
    if (text.trim()) assert.equal(row.referrer, text.trim());
  });
});
