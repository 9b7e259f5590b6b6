import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { addSource, basicAuth, createApiToken, type RunningServer, startServer, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let writeKey: string;
let token: string;
let other: string;
let db: string;
let secondKey: string;

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/limits.duckdb`;
  writeKey = await addSource(db, "site");
  // The first test spends the first key's window.
  secondKey = await addSource(db, "app");
  token = await createApiToken(db);
  other = await createApiToken(db);
  server = await startServer(db, {
    TOUCHPOINT_RATE_LIMIT_WRITE_KEY: "5",
    TOUCHPOINT_RATE_LIMIT_TOKEN: "3",
    TOUCHPOINT_RATE_LIMIT_SURVEY: "0",
    TOUCHPOINT_ANONYMIZE_IP: "1",
    TOUCHPOINT_DROP_PROPERTIES: "email,phone",
  });
});
after(async () => {
  await server.stop();
  tmp.cleanup();
});

test("each write key and each token has its own window; over it, 429 with Retry-After", async () => {
  const track = () =>
    fetch(`${server.url}/v1/track`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicAuth(writeKey) },
      body: JSON.stringify({ userId: "u1", event: "Page Viewed" }),
    });
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await track()).status);
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
  const limited = await track();
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
  assert.match(((await limited.json()) as { message: string }).message, /at most 5 requests a minute/);

  const api = (t: string) => fetch(`${server.url}/api/gaps`, { headers: { authorization: `Bearer ${t}` } });
  const first = [];
  for (let i = 0; i < 4; i++) first.push((await api(token)).status);
  assert.deepEqual(first, [200, 200, 200, 429]);
  assert.equal((await api(other)).status, 200, "another token has its own window");
  assert.equal((await fetch(`${server.url}/health`)).status, 200, "health is never limited");
});

test("privacy at ingest: named properties dropped and IP anonymised before storage, bad messages too", async () => {
  const res = await fetch(`${server.url}/v1/batch`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basicAuth(secondKey) },
    body: JSON.stringify({
      batch: [
        {
          type: "identify",
          userId: "pii-1",
          traits: { email: "pii@example.com", phone: "+45 1234", plan: "gold" },
          context: { ip: "203.0.113.77" },
        },
        {
          type: "track",
          userId: "pii-1",
          event: "Survey Responded",
          properties: { metric: "nps", score: 99, email: "pii@example.com" },
        },
      ],
    }),
  });
  assert.equal(res.status, 200);
  await server.stop();
  const wh = await openWarehouse(db);
  try {
    const [row] = await wh.query<{ traits: string; context: string }>(
      "SELECT traits::VARCHAR AS traits, context::VARCHAR AS context FROM events WHERE user_id = 'pii-1'",
    );
    assert.deepEqual(JSON.parse(row!.traits), { plan: "gold" });
    assert.equal(JSON.parse(row!.context).ip, "203.0.113.0");
    const [dead] = await wh.query<{ payload: string }>(
      "SELECT payload FROM rejected_events WHERE user_id = 'pii-1'",
    );
    assert.ok(!dead!.payload.includes("pii@example.com"), "the dead letter is scrubbed too");
  } finally {
    await wh.close();
  }
  server = await startServer(db);
});
