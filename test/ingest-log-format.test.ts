import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { ingestLogDir, loadConfig } from "../src/config.js";
import { Ingestor } from "../src/ingest/ingestor.js";
import { processMessages } from "../src/ingest/pipeline.js";
import { buildApp } from "../src/server/app.js";
import { createSource } from "../src/sources/sources.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { duckdbDialect } from "../src/warehouse/duckdb-dialect.js";
import type { Warehouse } from "../src/warehouse/warehouse.js";
import { basicAuth, tempDir, webPipelineContext } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
before(() => {
  tmp = tempDir();
});
after(() => tmp.cleanup());

const logger = { info() {}, error() {} };

async function open(name: string) {
  const db = `${tmp.dir}/${name}.duckdb`;
  const wh = await openWarehouse(db);
  const config = loadConfig({ db, ingest: { segmentMs: 60_000 } });
  return { db, wh, config };
}

const COLUMNS = `message_id, type, event, anonymous_id, user_id, group_id, previous_id, epoch_ms(ts) AS ts,
  epoch_ms(sent_at) AS sent_at, epoch_ms(received_at) AS received_at, source, channel, utm_source, utm_medium,
  utm_campaign, utm_term, utm_content, referrer, url, device_type, is_bot, revenue, currency,
  properties::VARCHAR AS properties, traits::VARCHAR AS traits, context::VARCHAR AS context`;

async function stored(wh: Warehouse): Promise<Record<string, unknown>[]> {
  return wh.query(`SELECT ${COLUMNS} FROM events ORDER BY message_id`);
}

const messages = [
  {
    type: "track",
    event: "Order Completed",
    messageId: "f-1",
    anonymousId: "a-1",
    userId: "u-1",
    timestamp: "2026-01-01T11:59:00.000Z",
    sentAt: "2026-01-01T12:00:30.000Z",
    properties: { total: "49.5", currency: "eur", items: [{ sku: "x", price: 19.9 }] },
    context: {
      campaign: { source: "newsletter", medium: "email", name: "jan", term: "t", content: "c" },
      page: { url: "https://shop.example/checkout", referrer: "https://mail.example/" },
      userAgent:
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
      traits: { plan: "pro" },
    },
  },
  { type: "page", anonymousId: "a-2", messageId: "f-2", name: "Pricing", category: "Docs" },
  { type: "identify", userId: 42, messageId: "f-3", traits: { email: "x@example.com" } },
  { type: "group", anonymousId: "a-3", groupId: "g-1", messageId: "f-4" },
  { type: "alias", previousId: "a-4", userId: "u-4", messageId: "f-5" },
  {
    type: "track",
    event: "Bot Visit",
    anonymousId: "a-5",
    messageId: "f-6",
    context: { userAgent: "Googlebot/2.1" },
  },
];

/** The ingest-log row of the release before null fields were left out: every column, nulls written. */
function previousFormat(lines: string): string {
  const order = [
    "kind",
    "message_id",
    "type",
    "event",
    "anonymous_id",
    "user_id",
    "group_id",
    "previous_id",
    "ts",
    "sent_at",
    "received_at",
    "source",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "referrer",
    "url",
    "device_type",
    "is_bot",
    "revenue",
    "currency",
    "properties",
    "traits",
    "context",
  ];
  return lines
    .trimEnd()
    .split("\n")
    .map((line) => {
      const row = JSON.parse(line) as Record<string, unknown>;
      if (row.kind !== "event") return line;
      return `{${order.map((k) => `${JSON.stringify(k)}:${JSON.stringify(row[k] ?? null)}`).join(",")}}`;
    })
    .join("\n")
    .concat("\n");
}

test("a segment left by the previous release (every column written, nulls too) loads into the same rows", async () => {
  const ctx = webPipelineContext();
  const lines = processMessages(messages, null, ctx).lines;
  assert.ok(!lines.includes(":null"), "the current format leaves null fields out");

  // The same messages: in the current format through a running ingestor, and in the previous format as
  // a segment found in the log directory at start (an upgrade with an unloaded backlog).
  const current = await open("current");
  const ingestor = await Ingestor.start(current.wh, ingestLogDir(current.db), current.config.ingest, logger);
  const fresh = processMessages(messages, null, ctx);
  assert.equal(fresh.accepted, messages.length);
  await ingestor.ingestBulk(messages, ctx.source);
  await ingestor.close();

  const upgraded = await open("upgraded");
  const dir = ingestLogDir(upgraded.db);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "000000000001.ndjson"), previousFormat(lines));
  const replayed = await Ingestor.start(upgraded.wh, dir, upgraded.config.ingest, logger);
  await replayed.close();

  const a = await stored(current.wh);
  const b = await stored(upgraded.wh);
  assert.equal(a.length, messages.length);
  const strip = (rows: Record<string, unknown>[]) => rows.map(({ received_at: _r, ts: _t, ...rest }) => rest);
  assert.deepEqual(strip(a), strip(b));
  const order = b.find((r) => r.message_id === "f-1")!;
  assert.equal(order.utm_term, "t");
  assert.equal(order.revenue, 49.5);
  assert.equal(order.currency, "EUR");
  assert.equal(order.is_bot, false);
  assert.equal(order.group_id, null);
  assert.equal(order.sent_at, Date.parse("2026-01-01T12:00:30.000Z"));
  assert.deepEqual(JSON.parse(order.traits as string), { plan: "pro" });
  const page = b.find((r) => r.message_id === "f-2")!;
  assert.deepEqual(JSON.parse(page.properties as string), { name: "Pricing", category: "Docs" });
  assert.equal(page.user_id, null);
  assert.equal(b.find((r) => r.message_id === "f-3")!.user_id, "42");
  assert.equal(b.find((r) => r.message_id === "f-6")!.is_bot, true);

  const links = await upgraded.wh.query<Record<string, unknown>>(
    `SELECT link_kind, from_kind, from_id, to_kind, to_id, epoch_ms(seen_at) AS seen_at, message_id, status, reason
     FROM identity_links ORDER BY seq`,
  );
  assert.deepEqual(
    links.map((l) => [l.link_kind, l.from_kind, l.from_id, l.to_id, l.message_id, l.status, l.reason]),
    [
      ["identify", "anonymous", "a-1", "u-1", "f-1", "linked", null],
      ["alias", "anonymous", "a-4", "u-4", "f-5", "linked", null],
    ],
  );
  assert.equal(links[0]!.seen_at, b.find((r) => r.message_id === "f-1")!.ts);
  const map = await upgraded.wh.query<{ kind: string; id: string; customer_id: string }>(
    "SELECT kind, id, customer_id FROM customer_map ORDER BY kind, id",
  );
  assert.ok(map.some((m) => m.kind === "anonymous" && m.id === "a-1" && m.customer_id === "u-1"));
  await current.wh.close();
  await upgraded.wh.close();
});

test("a lone surrogate or an overflowing revenue is stored, and does not stop later events from loading", async () => {
  const { db, wh, config } = await open("unicode");
  const ingestor = await Ingestor.start(wh, ingestLogDir(db), config.ingest, logger);
  const app: FastifyInstance = await buildApp({ warehouse: wh, ingestor });
  const key = (await createSource(wh, "web")).writeKey;
  try {
    // Written by hand: JSON.parse accepts "\ud800" (a lone surrogate); DuckDB's JSON reader does not.
    const payload = `{"batch":[
      {"type":"track","event":"Odd \\ud800 Name","anonymousId":"a\\udc00","messageId":"s-1","properties":{"x\\ud800":"\\ud83d\\ude00 \\ud800"}},
      {"type":"track","event":"Big","anonymousId":"b","messageId":"s-2","properties":{"revenue":"${"9".repeat(400)}"}},
      {"type":"track","messageId":"s-3","anonymousId":"c"}
    ]}`;
    const res = await app.inject({
      method: "POST",
      url: "/v1/batch",
      headers: { "content-type": "application/json", authorization: basicAuth(key) },
      payload,
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().accepted, 2);
    const later = await app.inject({
      method: "POST",
      url: "/v1/track",
      headers: { "content-type": "application/json", authorization: basicAuth(key) },
      payload: JSON.stringify({ event: "Later", anonymousId: "d", messageId: "s-4" }),
    });
    assert.equal(later.statusCode, 200);
    await ingestor.flush();
    const rows = await wh.query<{
      message_id: string;
      event: string;
      anonymous_id: string;
      properties: string;
      revenue: number | null;
    }>(
      "SELECT message_id, event, anonymous_id, properties::VARCHAR AS properties, revenue FROM events ORDER BY message_id",
    );
    assert.deepEqual(
      rows.map((r) => r.message_id),
      ["s-1", "s-2", "s-4"],
    );
    assert.equal(rows[0]!.event, "Odd \ufffd Name");
    assert.equal(rows[0]!.anonymous_id, "a\ufffd");
    assert.deepEqual(JSON.parse(rows[0]!.properties), { "x\ufffd": "😀 \ufffd" });
    assert.equal(rows[1]!.revenue, null, "a revenue that overflows a double is not a number");
    const [{ n } = { n: 0 }] = await wh.query<{ n: number }>("SELECT count(*) AS n FROM rejected_events");
    assert.equal(n, 1);
  } finally {
    await app.close();
    await ingestor.close();
    await wh.close();
  }
});

test("a segment an earlier release could not load (lone surrogate, infinite revenue) is repaired at replay", async () => {
  const { db, wh, config } = await open("repair");
  const dir = ingestLogDir(db);
  mkdirSync(dir, { recursive: true });
  const row = (id: string, extra: string) =>
    `{"kind":"event","message_id":"${id}","type":"track","event":"E","anonymous_id":"a","user_id":null,"group_id":null,"previous_id":null,"ts":1767268800000,"sent_at":null,"received_at":1767268800000,"source":"web","channel":"Direct","utm_source":null,"utm_medium":null,"utm_campaign":null,"utm_term":null,"utm_content":null,"referrer":null,"url":null,"device_type":null,"is_bot":false,${extra},"traits":{},"context":{}}`;
  writeFileSync(
    join(dir, "000000000001.ndjson"),
    [
      row("r-1", '"revenue":null,"currency":null,"properties":{"note":"\\ud800 \\\\ud800 \\ud83d\\ude00"}'),
      row("r-2", '"revenue":Infinity,"currency":"EUR","properties":{"revenue":"9999"}'),
      row("r-3", '"revenue":12.5,"currency":"EUR","properties":{}'),
    ]
      .join("\n")
      .concat("\n"),
  );
  const errors: string[] = [];
  const ingestor = await Ingestor.start(wh, dir, config.ingest, { info() {}, error: (m) => errors.push(m) });
  await ingestor.close();
  assert.equal(errors.length, 1, "the first attempt fails, the repaired segment loads");
  const rows = await wh.query<{ message_id: string; revenue: number | null; properties: string }>(
    "SELECT message_id, revenue, properties::VARCHAR AS properties FROM events ORDER BY message_id",
  );
  assert.deepEqual(
    rows.map((r) => [r.message_id, r.revenue]),
    [
      ["r-1", null],
      ["r-2", null],
      ["r-3", 12.5],
    ],
  );
  assert.deepEqual(JSON.parse(rows[0]!.properties), { note: "\ufffd \\ud800 😀" });
  await wh.close();
});

test("damaged lines of a segment become dead letters; the rest of it and later events load", async () => {
  const { db, wh, config } = await open("damaged");
  const dir = ingestLogDir(db);
  mkdirSync(dir, { recursive: true });
  const row = (id: string, ts: unknown = 1767268800000) =>
    JSON.stringify({
      kind: "event",
      message_id: id,
      type: "track",
      event: "E",
      anonymous_id: "a",
      ts,
      received_at: 1767268800000,
      source: "web",
      channel: "Direct",
      is_bot: false,
      properties: {},
    });
  const damaged = [
    row("d-1"),
    '{"kind":"event","message_id":"d-2","ts":17672', // cut short
    row("d-3", "soon"), // a time that is not a number: the warehouse names the line
    '{"kind":"event","message_id":"d-4","ts":1}', // no type, source or channel
    '{"kind":"rejected","received_at":1e30,"reason":"r","payload":"p"}', // a time out of range
    row("d-5"),
  ];
  writeFileSync(join(dir, "000000000001.ndjson"), `${damaged.join("\n")}\n`);
  const errors: string[] = [];
  const ingestor = await Ingestor.start(wh, dir, config.ingest, { info() {}, error: (m) => errors.push(m) });
  const source = { name: "web", kind: "web", channel: null };
  await ingestor.ingest([{ type: "track", event: "E", userId: "u", messageId: "d-6" }], null, source);
  await ingestor.close();
  assert.ok(errors.length >= 1);
  const events = await wh.query<{ message_id: string }>("SELECT message_id FROM events ORDER BY 1");
  assert.deepEqual(
    events.map((e) => e.message_id),
    ["d-1", "d-5", "d-6"],
  );
  const letters = await wh.query<{ message_id: string | null; reason: string; payload: string }>(
    "SELECT message_id, reason, payload FROM rejected_events ORDER BY payload",
  );
  assert.equal(letters.length, 4);
  for (const l of letters) assert.match(l.reason, /^the warehouse could not store this ingest log line: /);
  // Each keeps its line as it was, for whoever wants to mend it by hand.
  assert.deepEqual(letters.map((l) => l.payload).sort(), damaged.slice(1, 5).sort());
  const reason = (line: string) => letters.find((l) => l.payload === line)?.reason ?? "";
  assert.match(reason(damaged[1]!), /it is not JSON/);
  assert.match(reason(damaged[2]!), /Failed to cast value to numerical: "soon"/);
  assert.match(reason(damaged[3]!), /its type is missing/);
  assert.match(reason(damaged[4]!), /Failed to cast value to numerical: 1e30/);
  assert.deepEqual(
    letters.map((l) => l.message_id).sort(),
    ["d-3", "d-4", null, null].sort(),
    "ids are kept where the line had them",
  );
  await wh.close();
});

test("a warehouse that keeps refusing does not keep the server from starting, nor from stopping", async () => {
  const { db } = await open("refusing");
  const dir = ingestLogDir(db);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "000000000001.ndjson"), '{"kind":"rejected","received_at":1,"reason":"r"}\n');
  // An engine that fails whatever it is given (a full disk, say): nothing in the data to repair.
  const refusing = {
    dialect: duckdbDialect,
    lastLoadedSegment: async () => 0,
    query: async () => [],
    // No identity links to read back.
    queryColumns: async () => ({
      link_kind: [],
      from_kind: [],
      from_id: [],
      to_kind: [],
      to_id: [],
      seen_at: [],
    }),
    loadSegments: async () => {
      throw new Error("IO Error: No space left on device");
    },
  } as unknown as Warehouse;
  const errors: string[] = [];
  const config = loadConfig({ db, ingest: { segmentMs: 60_000 } });
  const ingestor = await Ingestor.start(refusing, dir, config.ingest, {
    info() {},
    error: (m) => errors.push(m),
  });
  assert.match(errors[0] ?? "", /loading ingest segment 1 failed \(will retry\): IO Error/);
  // Accepting goes on: what arrives is durable in the log, behind the refused segment.
  const source = { name: "web", kind: "web", channel: null };
  const outcome = await ingestor.ingest(
    [{ type: "track", event: "E", userId: "u", messageId: "y" }],
    null,
    source,
  );
  assert.equal(outcome.accepted, 1);
  await assert.rejects(ingestor.close(), /kept in the ingest log and loaded at the next start/);
});
