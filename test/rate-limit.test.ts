import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { addSource, basicAuth, cli, type RunningServer, startServer, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let server: RunningServer;
let writeKey: string;
let token: string;
let other: string;

before(async () => {
  tmp = tempDir();
  const db = `${tmp.dir}/limits.duckdb`;
  writeKey = await addSource(db, "site");
  token = (await cli(["tokens", "create", "--db", db])).stdout.trim().split("\n").at(-1)!;
  other = (await cli(["tokens", "create", "--db", db])).stdout.trim().split("\n").at(-1)!;
  server = await startServer(db, {
    TOUCHPOINT_RATE_LIMIT_WRITE_KEY: "5",
    TOUCHPOINT_RATE_LIMIT_TOKEN: "3",
    TOUCHPOINT_RATE_LIMIT_SURVEY: "0",
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
