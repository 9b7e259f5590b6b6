import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { createToken } from "../src/access/tokens.js";
import { ingestLogDir, loadConfig } from "../src/config.js";
import { Ingestor } from "../src/ingest/ingestor.js";
import { buildApp } from "../src/server/app.js";
import { createSource } from "../src/sources/sources.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import type { Warehouse } from "../src/warehouse/warehouse.js";
import { basicAuth, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let wh: Warehouse;
let ingestor: Ingestor;
let app: FastifyInstance;
let key: string;

before(async () => {
  tmp = tempDir();
  const config = loadConfig({ db: `${tmp.dir}/api.duckdb` });
  wh = await openWarehouse(config.db);
  ingestor = await Ingestor.start(wh, ingestLogDir(config.db), config.ingest, { info() {}, error() {} });
  app = await buildApp({ warehouse: wh, ingestor });
  key = (await createSource(wh, "website")).writeKey;
});

after(async () => {
  await app.close();
  await ingestor.close();
  await wh.close();
  tmp.cleanup();
});

const post = (
  url: string,
  payload: unknown,
  headers: Record<string, string> = { authorization: basicAuth(key) },
) =>
  app.inject({
    method: "POST",
    url,
    headers: { "content-type": "application/json", ...headers },
    payload: typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
  });

const track = (extra: object = {}) => ({
  type: "track",
  event: "Product Viewed",
  anonymousId: "a1",
  ...extra,
});

test("a valid track call is accepted", async () => {
  const res = await post("/v1/track", { event: "Signed Up", userId: "u1", messageId: "ok-1" });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { success: true, accepted: 1, rejected: [] });
});

test("malformed JSON is a 400 that says where", async () => {
  const res = await post("/v1/batch", '{"batch": [ {"type": "track",, } ]}');
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /^malformed JSON: .*\(line 1, column \d+\)$/);
});

test("missing or unknown write key is a 401", async () => {
  const missing = await post("/v1/track", track(), {});
  assert.equal(missing.statusCode, 401);
  assert.match(missing.json().message, /missing write key/);
  const unknown = await post("/v1/track", track(), { authorization: basicAuth("tp_wk_nope") });
  assert.equal(unknown.statusCode, 401);
  assert.match(unknown.json().message, /unknown or revoked write key/);
});

test("the write key may come in the body", async () => {
  const res = await post("/v1/batch", { writeKey: key, batch: [track({ messageId: "body-key" })] }, {});
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().accepted, 1);
});

test("an event over 32 KB or a batch over 500 KB is a 413", async () => {
  const big = await post("/v1/track", track({ properties: { blob: "x".repeat(33 * 1024) } }));
  assert.equal(big.statusCode, 413);
  assert.match(big.json().message, /32 KB limit/);
  const batch = Array.from({ length: 30 }, (_, i) =>
    track({ messageId: `big-${i}`, properties: { blob: "y".repeat(20 * 1024) } }),
  );
  const res = await post("/v1/batch", { batch });
  assert.equal(res.statusCode, 413);
  assert.match(res.json().message, /500 KB limit/);
  // Gzip does not get around the limit: it applies to the decompressed body.
  const zipped = await post("/v1/batch", gzipSync(JSON.stringify({ batch })), {
    authorization: basicAuth(key),
    "content-encoding": "gzip",
  });
  assert.equal(zipped.statusCode, 413);
});

test("a batch keeps its valid events and names each rejected one's field", async () => {
  const res = await post("/v1/batch", {
    batch: [
      track({ messageId: "mixed-ok-1" }),
      { type: "launch", anonymousId: "a1", messageId: "bad-type" },
      track({ messageId: "bad-ts", timestamp: "yesterday" }),
      track({ messageId: "bad-props", properties: [1, 2] }),
      { type: "track", anonymousId: "a1", messageId: "no-event" },
      track({ messageId: "bad-user", anonymousId: undefined, userId: { id: 1 } }),
      { type: "identify", messageId: "no-ids", traits: {} },
      track({ messageId: "mixed-ok-2", userId: 42 }),
    ],
  });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.accepted, 2);
  assert.deepEqual(
    body.rejected.map((r: { index: number; field: string }) => [r.index, r.field]),
    [
      [1, "type"],
      [2, "timestamp"],
      [3, "properties"],
      [4, "event"],
      [5, "userId"],
      [6, "userId"],
    ],
  );
  assert.match(body.rejected[0].reason, /unknown message type "launch"/);
  assert.match(body.rejected[1].reason, /timestamp is not a valid ISO-8601 date-time/);
  await ingestor.flush();
  const dead = await wh.query<{ message_id: string; field: string; reason: string }>(
    "SELECT message_id, field, reason FROM rejected_events WHERE message_id IN ('bad-type', 'bad-ts') ORDER BY message_id",
  );
  assert.deepEqual(
    dead.map((d) => [d.message_id, d.field]),
    [
      ["bad-ts", "timestamp"],
      ["bad-type", "type"],
    ],
  );
  const kept = await wh.query<{ message_id: string; user_id: string | null }>(
    "SELECT message_id, user_id FROM events WHERE message_id LIKE 'mixed-ok-%' ORDER BY message_id",
  );
  assert.deepEqual(kept, [
    { message_id: "mixed-ok-1", user_id: null },
    { message_id: "mixed-ok-2", user_id: "42" },
  ]);
});

test("a single call with an invalid event is a 400 naming the field, and is dead-lettered", async () => {
  const res = await post("/v1/identify", { traits: { email: "x@example.com" }, messageId: "single-bad" });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().field, "userId");
  const wrongEndpoint = await post("/v1/track", { type: "page", anonymousId: "a" });
  assert.equal(wrongEndpoint.statusCode, 400);
  assert.match(wrongEndpoint.json().message, /sent to the \/v1\/track endpoint/);
});

test("retries with the same messageId are stored once", async () => {
  for (let i = 0; i < 3; i++) {
    assert.equal(
      (await post("/v1/batch", { batch: [track({ messageId: "retry-1" }), track({ messageId: "retry-1" })] }))
        .statusCode,
      200,
    );
    await ingestor.flush();
  }
  const [row] = await wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM events WHERE message_id = 'retry-1'",
  );
  assert.equal(row!.n, 1);
});

test("gzip bodies are accepted", async () => {
  const res = await post("/v1/batch", gzipSync(JSON.stringify({ batch: [track({ messageId: "gz-1" })] })), {
    authorization: basicAuth(key),
    "content-encoding": "gzip",
  });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().accepted, 1);
});

test("CORS is answered on /v1/* only", async () => {
  const preflight = await app.inject({
    method: "OPTIONS",
    url: "/v1/batch",
    headers: { origin: "https://shop.example", "access-control-request-method": "POST" },
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "https://shop.example");
  const other = await app.inject({
    method: "GET",
    url: "/health",
    headers: { origin: "https://shop.example" },
  });
  assert.equal(other.headers["access-control-allow-origin"], undefined);
});

test("everything but /v1/* and /health needs a token; the OpenAPI description is served", async () => {
  assert.equal((await app.inject({ method: "GET", url: "/health" })).statusCode, 200);
  const anonymous = await app.inject({ method: "GET", url: "/openapi.json" });
  assert.equal(anonymous.statusCode, 401);
  const { token } = await createToken(wh, "test", "read");
  const doc = await app.inject({
    method: "GET",
    url: "/openapi.json",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(doc.statusCode, 200);
  const paths = Object.keys(doc.json().paths);
  for (const p of [
    "/v1/track",
    "/v1/identify",
    "/v1/page",
    "/v1/screen",
    "/v1/group",
    "/v1/alias",
    "/v1/batch",
  ]) {
    assert.ok(paths.includes(p), `${p} documented`);
  }
});

test("write keys and tokens are stored hashed, never in clear text", async () => {
  const rows = await wh.query<{ key_hash: string }>("SELECT key_hash FROM sources");
  assert.ok(rows.every((r) => r.key_hash !== key && /^[0-9a-f]{64}$/.test(r.key_hash)));
});
