import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { ingestLogDir, loadConfig } from "../src/config.js";
import { answerDelayMs, Ingestor } from "../src/ingest/ingestor.js";
import { buildApp } from "../src/server/app.js";
import { createSource } from "../src/sources/sources.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import type { Warehouse } from "../src/warehouse/warehouse.js";
import { basicAuth, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let wh: Warehouse;

before(async () => {
  tmp = tempDir();
  wh = await openWarehouse(`${tmp.dir}/guards.duckdb`);
});
after(async () => {
  await wh.close();
  tmp.cleanup();
});

async function serve(settings: NonNullable<Parameters<typeof loadConfig>[0]>["ingest"] = {}) {
  const config = loadConfig({ db: `${tmp.dir}/guards.duckdb`, ingest: { segmentMs: 60_000, ...settings } });
  const ingestor = await Ingestor.start(wh, ingestLogDir(config.db), config.ingest, {
    info() {},
    error() {},
  });
  const app: FastifyInstance = await buildApp({ warehouse: wh, ingestor });
  const key = (await createSource(wh, `web-${Math.random()}`)).writeKey;
  const send = (batch: object[]) =>
    app.inject({
      method: "POST",
      url: "/v1/batch",
      headers: { "content-type": "application/json", authorization: basicAuth(key) },
      payload: JSON.stringify({ batch }),
    });
  const close = async () => {
    await app.close();
    await ingestor.close();
  };
  return { ingestor, config, send, close };
}

test("under overload the API answers 503 with Retry-After, and what it acknowledged is kept", async () => {
  // A backlog limit of one byte: the first batch fills it while the loader waits for its segment to seal.
  const s = await serve({ maxBacklogBytes: 1 });
  try {
    const first = await s.send([{ type: "track", event: "A", anonymousId: "over", messageId: "over-1" }]);
    assert.equal(first.statusCode, 200);
    const second = await s.send([{ type: "track", event: "A", anonymousId: "over", messageId: "over-2" }]);
    assert.equal(second.statusCode, 503);
    assert.ok(Number(second.headers["retry-after"]) >= 1);
    assert.match(second.json().message, /retry/i);
    await s.ingestor.flush();
    const third = await s.send([{ type: "track", event: "A", anonymousId: "over", messageId: "over-3" }]);
    assert.equal(third.statusCode, 200, "accepts again once the backlog is loaded");
    await s.ingestor.flush();
  } finally {
    await s.close();
  }
  const rows = await wh.query<{ message_id: string }>(
    "SELECT message_id FROM events WHERE anonymous_id = 'over' ORDER BY message_id",
  );
  assert.deepEqual(
    rows.map((r) => r.message_id),
    ["over-1", "over-3"],
  );
});

test("under a backlog answers are held, longer as it grows, and what they acknowledged is kept", async () => {
  const s = await serve({ maxBacklogBytes: 4_000 });
  const logBytes = () =>
    readdirSync(ingestLogDir(s.config.db)).reduce(
      (sum, f) => sum + statSync(join(ingestLogDir(s.config.db), f)).size,
      0,
    );
  const event = (n: number) => ({ type: "track", event: "A", anonymousId: "paced", messageId: `paced-${n}` });
  try {
    // The segment is sealed after a minute: what is sent stays in the backlog.
    assert.equal((await s.send([1, 2, 3, 4, 5].map(event))).statusCode, 200);
    const started = performance.now();
    const res = await s.send([event(6)]);
    const took = performance.now() - started;
    assert.equal(res.statusCode, 200);
    const held = answerDelayMs(logBytes(), 4_000);
    assert.ok(held >= 200, `the backlog (${logBytes()} bytes) is well past an eighth of the bound`);
    assert.ok(took >= held - 2, `the answer waited ${took.toFixed(0)} ms, at least ${held.toFixed(0)}`);
    await s.ingestor.flush();
  } finally {
    await s.close();
  }
  const [row] = await wh.query<{ n: number }>(
    "SELECT count(*)::INTEGER AS n FROM events WHERE anonymous_id = 'paced'",
  );
  assert.equal(row?.n, 6);
});

test("a request still being handled once the ingest log has closed is answered 503, not 500", async () => {
  const s = await serve();
  await s.ingestor.close();
  const res = await s.send([{ type: "track", event: "A", anonymousId: "late", messageId: "late-1" }]);
  assert.equal(res.statusCode, 503);
  assert.ok(Number(res.headers["retry-after"]) >= 1);
  assert.match(res.json().message, /stopping/);
  // Dead letters of an import too: told to retry, not a failure of the log.
  await assert.rejects(
    s.ingestor.reject([{ raw: "not json", field: null, reason: "malformed JSON" }], {
      name: "import",
      kind: "server",
      channel: null,
    }),
    /stopping/,
  );
  await s.close();
});

test("after a restart the identity graph is read back from the warehouse: its guards still hold", async () => {
  /** One server's life: the identify is loaded, then the server stops. */
  const identifyOnce = async (userId: string, messageId: string) => {
    const s = await serve();
    try {
      await s.send([{ type: "identify", anonymousId: "kiosk-r", userId, messageId }]);
      await s.ingestor.flush();
    } finally {
      await s.close();
    }
  };
  await identifyOnce("ann", "r1");
  await identifyOnce("ben", "r2");
  const links = await wh.query<{ to_id: string; status: string }>(
    "SELECT to_id, status FROM identity_links WHERE from_id = 'kiosk-r' ORDER BY seq",
  );
  assert.deepEqual(
    links.map((l) => `${l.to_id}:${l.status}`),
    ["ann:linked", "ben:refused"],
  );
});

test("a shared device does not merge two known customers; placeholder ids link nothing", async () => {
  const s = await serve({ placeholderIds: ["guest"] });
  try {
    const res = await s.send([
      {
        type: "identify",
        anonymousId: "kiosk",
        userId: "alice",
        messageId: "g1",
        timestamp: "2026-01-01T10:00:00Z",
      },
      { type: "track", event: "A", userId: "alice", messageId: "g2", timestamp: "2026-01-01T10:01:00Z" },
      {
        type: "identify",
        anonymousId: "kiosk",
        userId: "bob",
        messageId: "g3",
        timestamp: "2026-01-01T11:00:00Z",
      },
      { type: "track", event: "B", userId: "bob", messageId: "g4", timestamp: "2026-01-01T11:01:00Z" },
      // Buggy clients: every stranger identified as "null" or as the configured "guest".
      { type: "identify", anonymousId: "dev-1", userId: "null", messageId: "g5" },
      { type: "identify", anonymousId: "dev-2", userId: "null", messageId: "g6" },
      { type: "identify", anonymousId: "dev-1", userId: "guest", messageId: "g7" },
      { type: "identify", anonymousId: "dev-2", userId: "guest", messageId: "g8" },
    ]);
    assert.equal(res.statusCode, 200);
    await s.ingestor.flush();
  } finally {
    await s.close();
  }
  const rows = await wh.query<{ message_id: string; customer_id: string }>(
    "SELECT message_id, customer_id FROM customer_events WHERE message_id LIKE 'g%' ORDER BY message_id",
  );
  assert.deepEqual(Object.fromEntries(rows.map((r) => [r.message_id, r.customer_id])), {
    g1: "alice",
    g2: "alice",
    g3: "alice", // the event carries the kiosk id, which belongs to alice
    g4: "bob",
    g5: "dev-1",
    g6: "dev-2",
    g7: "dev-1",
    g8: "dev-2",
  });
  const [refused] = await wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM identity_links WHERE status = 'refused' AND from_id = 'kiosk'",
  );
  assert.equal(refused!.n, 1, "the refused link is recorded with its reason");
});

test("a change to stored identities runs between two loads, and the next load decides on the new graph", async () => {
  const s = await serve();
  const linkOf = async (user: string) =>
    (
      await wh.query<{ status: string }>(
        "SELECT status FROM identity_links WHERE from_id = 'erased-device' AND to_id = $1",
        [user],
      )
    ).map((r) => r.status);
  try {
    const identify = (user: string, id: string) =>
      s.send([{ type: "identify", anonymousId: "erased-device", userId: user, messageId: id }]);
    assert.equal((await identify("first-owner", "erase-1")).statusCode, 200);
    await s.ingestor.flush();
    assert.deepEqual(await linkOf("first-owner"), ["linked"]);

    const loadedDuringChange = await s.ingestor.changeIdentities(async () => {
      // Sealed and queued for the loader meanwhile, but not loaded until the change is done.
      assert.equal((await identify("second-owner", "erase-2")).statusCode, 200);
      await (s.ingestor as unknown as { log: { seal(): Promise<void> } }).log.seal();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const loaded = await wh.query("SELECT 1 FROM events WHERE message_id = 'erase-2'");
      await wh.run("DELETE FROM identity_links WHERE from_id = 'erased-device'");
      return loaded.length;
    });
    assert.equal(loadedDuringChange, 0);
    await s.ingestor.flush();
    // On the old graph the device still had an owner, and a second one would have been refused.
    assert.deepEqual(await linkOf("second-owner"), ["linked"]);
  } finally {
    await s.close();
  }
});
