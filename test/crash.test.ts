import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { addSource, basicAuth, startServer, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
before(() => {
  tmp = tempDir();
});
after(() => tmp.cleanup());

async function send(url: string, writeKey: string, batch: object[]): Promise<number> {
  try {
    const res = await fetch(`${url}/v1/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: basicAuth(writeKey) },
      body: JSON.stringify({ batch }),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0; // connection died with the server: not acknowledged
  }
}

test("SIGKILL while clients send: every acknowledged message is present exactly once after restart", async () => {
  const db = `${tmp.dir}/crash.duckdb`;
  const writeKey = await addSource(db, "website");
  const server = await startServer(db);
  const acknowledged: string[] = [];
  const unacknowledged: object[][] = [];
  let next = 0;
  let killed = false;
  const client = async () => {
    while (!killed) {
      const batch = Array.from({ length: 50 }, () => {
        const n = next++;
        return { type: "track", event: "Crash Test", anonymousId: `a${n % 97}`, messageId: `crash-${n}` };
      });
      const status = await send(server.url, writeKey, batch);
      if (status === 200) acknowledged.push(...batch.map((m) => (m as { messageId: string }).messageId));
      else unacknowledged.push(batch);
    }
  };
  const clients = Array.from({ length: 8 }, client);
  await new Promise((r) => setTimeout(r, 1500));
  await server.kill();
  killed = true;
  await Promise.all(clients);
  assert.ok(acknowledged.length > 1000, `clients were acknowledged before the kill (${acknowledged.length})`);

  // After restart a client retries what was not acknowledged, and also repeats some that were.
  const restarted = await startServer(db);
  for (const batch of unacknowledged) assert.equal(await send(restarted.url, writeKey, batch), 200);
  const again = acknowledged
    .slice(0, 500)
    .map((id) => ({ type: "track", event: "Crash Test", anonymousId: "a1", messageId: id }));
  for (let i = 0; i < again.length; i += 100)
    assert.equal(await send(restarted.url, writeKey, again.slice(i, i + 100)), 200);
  assert.equal(await restarted.stop(), 0);

  const wh = await openWarehouse(db);
  try {
    const rows = await wh.query<{ message_id: string; n: number }>(
      "SELECT message_id, count(*) AS n FROM events GROUP BY message_id",
    );
    const counts = new Map(rows.map((r) => [r.message_id, r.n]));
    for (const id of acknowledged) assert.equal(counts.get(id), 1, `${id} stored exactly once`);
    for (const [id, n] of counts) assert.equal(n, 1, `${id} stored once`);
    assert.equal(counts.size, next, "every message sent was stored once in the end");
  } finally {
    await wh.close();
  }
});
