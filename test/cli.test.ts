import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import type { Row } from "../src/warehouse/warehouse.js";
import { cli, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
before(() => {
  tmp = tempDir();
});
after(() => tmp.cleanup());

async function query<T extends Row>(db: string, sql: string): Promise<T[]> {
  const wh = await openWarehouse(db);
  try {
    return await wh.query<T>(sql);
  } finally {
    await wh.close();
  }
}

test("sources add prints the write key alone on its last line; sources list never shows it again", async () => {
  const db = `${tmp.dir}/sources.duckdb`;
  const added = await cli(["sources", "add", "Store 12", "--kind", "pos", "--db", db]);
  assert.equal(added.code, 0, added.stderr);
  const key = added.stdout.trim().split("\n").at(-1)!;
  assert.match(key, /^tp_wk_[A-Za-z0-9_-]{20,}$/);
  const listed = await cli(["sources", "list", "--json", "--db", db]);
  assert.equal(listed.code, 0, listed.stderr);
  const sources = JSON.parse(listed.stdout);
  assert.equal(sources[0].name, "Store 12");
  assert.equal(sources[0].channel, "In-store");
  assert.ok(!listed.stdout.includes(key));

  const dup = await cli(["sources", "add", "Store 12", "--db", db]);
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /^error: .*Store 12/);
  assert.ok(!dup.stderr.includes("    at "), "no stack trace");
});

test("import NDJSON: good lines loaded, bad lines reported by number and kept; a second import stores nothing twice", async () => {
  const db = `${tmp.dir}/import.duckdb`;
  const file = `${tmp.dir}/events.ndjson`;
  writeFileSync(
    file,
    [
      JSON.stringify({
        type: "identify",
        anonymousId: "a1",
        userId: "u1",
        traits: { email: "u1@example.com" },
      }),
      JSON.stringify({
        event: "Order Completed",
        userId: "u1",
        timestamp: "2026-03-01T10:00:00Z",
        properties: { revenue: 30 },
      }),
      "{not json",
      JSON.stringify({ type: "track", anonymousId: "a1", timestamp: "2026-03-01T09:00:00Z" }),
      "",
      JSON.stringify({ type: "page", anonymousId: "a1", timestamp: "last tuesday" }),
      JSON.stringify({
        type: "track",
        event: "Product Viewed",
        anonymousId: "a1",
        timestamp: "2026-03-01T09:30:00Z",
      }),
    ].join("\n"),
  );
  const r = await cli(["import", file, "--db", db]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /line 3: malformed JSON/);
  assert.match(r.stderr, /line 4: .*event/);
  assert.match(r.stderr, /line 6: .*timestamp/);
  assert.match(r.stdout, /3 new events stored.*3 rejected/);

  const events = await query<{ event: string; customer_id: string }>(
    db,
    "SELECT event, customer_id FROM customer_events ORDER BY ts",
  );
  assert.deepEqual(
    events.map((e) => e.customer_id),
    ["u1", "u1", "u1"],
  );
  const rejected = await query<{ reason: string; payload: string }>(
    db,
    "SELECT reason, payload FROM rejected_events ORDER BY reason",
  );
  assert.equal(rejected.length, 3);
  assert.ok(rejected.some((x) => x.payload === "{not json"));

  const again = await cli(["import", file, "--db", db]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 new events stored, 3 duplicates skipped/);
});

test("import CSV with a column mapping; numbers become numbers", async () => {
  const db = `${tmp.dir}/csv.duckdb`;
  const file = `${tmp.dir}/orders.csv`;
  writeFileSync(
    file,
    "Customer,Action,When,Amount,store\nc1,Order Completed,2026-02-01T12:00:00Z,19.90,north\nc2,,2026-02-02T12:00:00Z,5,south\n",
  );
  const r = await cli([
    "import",
    file,
    "--db",
    db,
    "--map",
    "userId=Customer,event=Action,timestamp=When,properties.revenue=Amount",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /line 3: .*event/);
  const [row] = await query<{ user_id: string; revenue: number; store: string; ts: number }>(
    db,
    "SELECT user_id, revenue, properties->>'store' AS store, epoch_ms(ts) AS ts FROM events",
  );
  assert.deepEqual(row, { user_id: "c1", revenue: 19.9, store: "north", ts: Date.UTC(2026, 1, 1, 12) });

  const badMap = await cli(["import", file, "--db", db, "--map", "userid=Customer"]);
  assert.equal(badMap.code, 1);
  assert.match(badMap.stderr, /invalid --map field "userid"/);
  const missing = await cli(["import", `${tmp.dir}/nope.ndjson`, "--db", db]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such file/);
});

test("sources rotate and revoke: the old key stops working, the new one is printed once; all audited", async () => {
  const db = `${tmp.dir}/rotate.duckdb`;
  const old = (await cli(["sources", "add", "web", "--db", db])).stdout.trim().split("\n").at(-1)!;
  const rotated = await cli(["sources", "rotate", "web", "--db", db]);
  assert.equal(rotated.code, 0, rotated.stderr);
  const fresh = rotated.stdout.trim().split("\n").at(-1)!;
  assert.match(fresh, /^tp_wk_/);
  assert.notEqual(fresh, old);
  const { sourceForKey } = await import("../src/sources/sources.js");
  const wh = await openWarehouse(db);
  try {
    assert.equal(await sourceForKey(wh, old), null);
    assert.equal((await sourceForKey(wh, fresh))?.name, "web");
  } finally {
    await wh.close();
  }
  assert.equal((await cli(["sources", "revoke", "web", "--db", db])).code, 0);
  const again = await cli(["sources", "revoke", "web", "--db", db]);
  assert.match(again.stderr, /already revoked/);
  assert.match((await cli(["sources", "list", "--db", db])).stdout, /^web\tweb\t.*\trevoked$/m);
  assert.equal((await cli(["sources", "rotate", "nope", "--db", db])).code, 1);
  await cli(["tokens", "create", "--db", db, "--role", "admin"]);
  const log = await query<{ action: string; subject: string }>(
    db,
    "SELECT action, subject FROM audit_log ORDER BY happened_at",
  );
  assert.deepEqual(
    log.map((l) => l.action),
    ["source.create", "source.rotate", "source.revoke", "token.create"],
  );
  assert.ok(
    !JSON.stringify(log).includes("tp_wk_") && !JSON.stringify(log).includes("tp_tk_"),
    "no secret in the log",
  );
});
