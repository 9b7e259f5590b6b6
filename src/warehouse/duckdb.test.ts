import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { Connection, DuckDBWarehouse, Reads } from "./duckdb.js";

/** An event line of the ingest log, as the pipeline writes it. */
const eventLine = (id: string, receivedAt: number, event: string) =>
  `${JSON.stringify({ kind: "event", message_id: id, type: "track", event, anonymous_id: "a1", ts: receivedAt, received_at: receivedAt, source: "web", channel: "Direct", is_bot: false, properties: {}, traits: {}, context: {} })}\n`;
const noLinks = () => ({ links: [], changes: [] });
/** Segments of event lines only. */
const logFiles = (...paths: string[]) => paths.map((path) => ({ path, deadLetters: false }));

test("withOwnReader: its own reads see what the writer committed; closing it leaves the warehouse open", async () => {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-wh-"));
  try {
    const wh = await DuckDBWarehouse.open(join(dir, "w.duckdb"));
    const reads = await wh.withOwnReader();
    await wh.run("INSERT INTO ingest_state VALUES ('a', 1)");
    assert.deepEqual(await reads.query("SELECT value FROM ingest_state WHERE key = 'a'"), [{ value: 1 }]);
    // Writes through it go through the same writer.
    await reads.run("INSERT INTO ingest_state VALUES ('b', 2)");
    assert.deepEqual(await wh.query("SELECT count(*) AS n FROM ingest_state WHERE key IN ('a', 'b')"), [
      { n: 2 },
    ]);
    // Both readers at once.
    const [x, y] = await Promise.all([
      wh.query("SELECT count(*) AS n FROM range(1000000)"),
      reads.query("SELECT count(*) AS n FROM range(1000000)"),
    ]);
    assert.deepEqual([x, y], [[{ n: 1000000 }], [{ n: 1000000 }]]);
    await reads.close();
    assert.deepEqual(await wh.query("SELECT value FROM ingest_state WHERE key = 'b'"), [{ value: 2 }]);
    await wh.run("INSERT INTO ingest_state VALUES ('c', 3)");
    await wh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("queryColumns: numbers as typed arrays across chunks, text as arrays, NULL numbers and other types refused", async () => {
  const wh = await DuckDBWarehouse.open(":memory:");
  try {
    const columns = await wh.queryColumns(
      "SELECT range::INTEGER AS i, range / 2 AS d, 'x' || range AS s, range % 2 = 0 AS b FROM range(5000)",
    );
    assert.ok(columns.i instanceof Int32Array);
    assert.ok(columns.d instanceof Float64Array);
    assert.equal(columns.i!.length, 5000);
    assert.deepEqual(
      [columns.i![4999], columns.d![4999], columns.s![4999], columns.b![4999]],
      [4999, 2499.5, "x4999", false],
    );
    assert.deepEqual(Object.keys(await wh.queryColumns("SELECT 1::INTEGER AS i WHERE false")), ["i"]);
    await assert.rejects(
      wh.queryColumns(
        "SELECT CASE WHEN range = 4000 THEN NULL ELSE range END::INTEGER AS i FROM range(5000)",
      ),
      /i is NULL/,
    );
    await assert.rejects(wh.queryColumns("SELECT range AS big FROM range(3)"), /cast big to INTEGER/);
  } finally {
    await wh.close();
  }
});

test("loadSegments: a message id is stored once, the first received, and again only outside the window", async () => {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-wh-"));
  try {
    const wh = await DuckDBWarehouse.open(join(dir, "w.duckdb"));
    const day = 86_400_000;
    const now = Date.now();
    writeFileSync(
      join(dir, "1.ndjson"),
      eventLine("old", now - 3 * day, "Old") + eventLine("m1", now - 1000, "First"),
    );
    let r = await wh.loadSegments(logFiles(join(dir, "1.ndjson")), 1, now - day, noLinks);
    assert.deepEqual([r.events, r.duplicates], [2, 0]);
    // Within one load: the later copy of m2 comes first in the files, the earlier one is kept.
    writeFileSync(join(dir, "2.ndjson"), eventLine("m2", now - 10, "Later") + eventLine("m1", now, "Retry"));
    writeFileSync(
      join(dir, "3.ndjson"),
      eventLine("m2", now - 20, "Earlier") + eventLine("old", now, "Old again"),
    );
    r = await wh.loadSegments(logFiles(join(dir, "2.ndjson"), join(dir, "3.ndjson")), 3, now - day, noLinks);
    assert.deepEqual([r.events, r.duplicates], [2, 2]);
    const rows = await wh.query<{ message_id: string; event: string }>(
      "SELECT message_id, event FROM events ORDER BY received_at",
    );
    assert.deepEqual(
      rows.map((x) => `${x.message_id}:${x.event}`),
      ["old:Old", "m1:First", "m2:Earlier", "old:Old again"],
    );
    await wh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a load larger than a row group keeps one row per message id; dead letters are read where the log has some", async () => {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-wh-"));
  try {
    const wh = await DuckDBWarehouse.open(join(dir, "w.duckdb"));
    const now = Date.now();
    const since = now - 86_400_000;
    const lines = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => eventLine(`${prefix}${i}`, now - n + i, "E")).join("");
    const rejectedLine = (reason: string) =>
      `${JSON.stringify({ kind: "rejected", received_at: now, source: "web", reason, field: "type", payload: "{}" })}\n`;
    writeFileSync(join(dir, "1.ndjson"), lines("a", 40_000) + eventLine("twice", now, "E").repeat(2));
    let r = await wh.loadSegments(logFiles(join(dir, "1.ndjson")), 1, since, noLinks);
    assert.deepEqual([r.events, r.duplicates, r.rejected], [40_001, 1, 0]);
    // Three retries of stored messages and one repeated within the load, beside 35,000 new ones.
    writeFileSync(
      join(dir, "2.ndjson"),
      eventLine("a5", now, "E") + lines("b", 35_000) + rejectedLine("kept") + eventLine("a39999", now, "E"),
    );
    writeFileSync(join(dir, "3.ndjson"), eventLine("b0", now, "E") + eventLine("twice", now, "E"));
    r = await wh.loadSegments(
      [
        { path: join(dir, "2.ndjson"), deadLetters: true },
        { path: join(dir, "3.ndjson"), deadLetters: false },
      ],
      3,
      since,
      noLinks,
    );
    assert.deepEqual([r.events, r.duplicates, r.rejected], [35_000, 4, 1]);
    assert.deepEqual(
      await wh.query("SELECT count(*)::INTEGER AS n, count(DISTINCT message_id)::INTEGER AS ids FROM events"),
      [{ n: 75_001, ids: 75_001 }],
    );
    assert.deepEqual(await wh.query("SELECT reason FROM rejected_events"), [{ reason: "kept" }]);
    await wh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("events stored before message hashes existed get one, and retries of them are still found", async () => {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-wh-"));
  const path = join(dir, "w.duckdb");
  try {
    // A warehouse as migration 6 left it, with one event stored.
    let wh = await DuckDBWarehouse.open(path);
    await wh.run("ALTER TABLE events DROP COLUMN message_hash");
    await wh.run("DELETE FROM schema_migrations WHERE version = 7");
    await wh.run(
      `INSERT INTO events (message_id, type, event, ts, received_at, source, channel)
       VALUES ('m1', 'track', 'Stored before', now(), now(), 'web', 'Direct')`,
    );
    await wh.close();
    wh = await DuckDBWarehouse.open(path);
    const [row] = await wh.query<{ hashed: boolean }>(
      "SELECT message_hash = md5_number_lower(message_id) AS hashed FROM events",
    );
    assert.equal(row?.hashed, true);
    const now = Date.now();
    writeFileSync(join(dir, "1.ndjson"), eventLine("m1", now, "Retry") + eventLine("m2", now, "New"));
    const r = await wh.loadSegments(logFiles(join(dir, "1.ndjson")), 1, now - 86_400_000, noLinks);
    assert.deepEqual([r.events, r.duplicates], [1, 1]);
    // Loads hash as the migration did.
    const hashes = await wh.query<{ same: boolean }>(
      "SELECT message_hash = md5_number_lower(message_id) AS same FROM events ORDER BY message_id",
    );
    assert.deepEqual(
      hashes.map((h) => h.same),
      [true, true],
    );
    await wh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("retries are found by the dedupe index across a restart, as it fills and is rebuilt, and without it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-wh-"));
  const path = join(dir, "w.duckdb");
  const now = Date.now();
  const since = now - 86_400_000;
  let segment = 0;
  /** Loads one segment of the ids (received 1 ms apart, ending now); [stored, duplicates]. */
  const load = async (wh: DuckDBWarehouse, ids: string[]) => {
    const file = join(dir, `${++segment}.ndjson`);
    writeFileSync(file, ids.map((id, i) => eventLine(id, now - ids.length + i, "E")).join(""));
    const r = await wh.loadSegments(logFiles(file), segment, since, noLinks);
    return [r.events, r.duplicates];
  };
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  try {
    let wh = await DuckDBWarehouse.open(path);
    assert.deepEqual(await load(wh, ids("a", 30_000)), [30_000, 0]);
    assert.deepEqual(await load(wh, ["a17", "b1"]), [1, 1]);
    await wh.close();
    // Built from the warehouse at the first load: the smallest table has room for 52,428.
    wh = await DuckDBWarehouse.open(path);
    assert.deepEqual(await load(wh, ["a29999", "b1", "b2"]), [1, 2]);
    // More than the room left: stored, then the index is built again, with them.
    assert.deepEqual(await load(wh, [...ids("c", 30_000), "a5"]), [30_000, 1]);
    assert.deepEqual(await load(wh, ["c29999", "a0", "d1"]), [1, 2]);
    await wh.close();
    // An index allowed too little memory: every load reads the window instead.
    wh = await DuckDBWarehouse.open(path, { dedupeIndexBytes: 1024 });
    assert.deepEqual(await load(wh, ["c1", "a1", "d1", "d2", "d2"]), [1, 4]);
    assert.deepEqual(await wh.query("SELECT count(*) AS n, count(DISTINCT message_id) AS ids FROM events"), [
      { n: 60_004, ids: 60_004 },
    ]);
    await wh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("cached table blocks beyond the idle size are dropped, the memory limit left as it was", async () => {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-wh-"));
  try {
    const wh = await DuckDBWarehouse.open(join(dir, "w.duckdb"), {
      memoryLimit: "1GB",
      idleMemory: 8 * 2 ** 20,
    });
    const limit = async () =>
      (await wh.query<{ v: string }>("SELECT current_setting('memory_limit') AS v"))[0]!.v;
    const cachedMB = async () =>
      (
        await wh.query<{ mb: number }>(
          "SELECT sum(memory_usage_bytes)::DOUBLE / 2^20 AS mb FROM duckdb_memory() WHERE tag = 'BASE_TABLE'",
        )
      )[0]!.mb;
    const before = await limit();
    await wh.run("CREATE TABLE t AS SELECT range AS r, md5(range::VARCHAR) AS h FROM range(1000000)");
    await wh.run("CHECKPOINT");
    const distinctHashes = "SELECT count(DISTINCT h)::INTEGER AS n FROM t";
    assert.deepEqual(await wh.query(distinctHashes), [{ n: 1_000_000 }]);
    assert.ok((await cachedMB()) > 12, "the table's blocks are cached");

    await wh.releaseFreedMemory(false);
    assert.ok((await cachedMB()) <= 8, `dropped down to the idle size (${await cachedMB()} MB)`);
    assert.equal(await limit(), before);
    // A read under way when memory is released finishes, and the limit is as it was.
    const [read] = await Promise.all([wh.query(distinctHashes), wh.releaseFreedMemory(true)]);
    assert.deepEqual(read, [{ n: 1_000_000 }]);
    assert.equal(await limit(), before);
    await wh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("commits' checkpoints leave deleted rows in place; a compaction merges what remains", async () => {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-wh-"));
  try {
    const wh = await DuckDBWarehouse.open(join(dir, "w.duckdb"));
    const rowGroups = async () =>
      (
        await wh.query<{ n: number }>(
          "SELECT count(DISTINCT row_group_id)::INTEGER AS n FROM pragma_storage_info('kept')",
        )
      )[0]!.n;
    // Three row groups of 30,720 rows at most; two rows in three deleted from each.
    await wh.run("CREATE TABLE kept AS SELECT range AS r, 'row ' || range AS label FROM range(90000)");
    await wh.run("DELETE FROM kept WHERE r % 3 <> 0");
    await wh.run("CHECKPOINT");
    assert.equal(await rowGroups(), 3, "an ordinary checkpoint does not vacuum");
    await wh.compact();
    assert.equal(await rowGroups(), 1, "the 30,000 remaining rows merged into one row group");
    const [row] = await wh.query<{ n: number; s: number }>(
      "SELECT count(*)::INTEGER AS n, sum(r)::DOUBLE AS s FROM kept",
    );
    assert.deepEqual(row, { n: 30_000, s: 3 * ((29_999 * 30_000) / 2) });
    await wh.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a load runs the engine on one thread unless a read runs; a read that starts gets the threads back first", async () => {
  const instance = await DuckDBInstance.create(":memory:", { threads: "2" });
  try {
    const connect = async () => new Connection(await instance.connect());
    const [loader, reader, observer] = [await connect(), await connect(), await connect()];
    const threads = async (on: Connection) =>
      (await on.query<{ n: number }>("SELECT current_setting('threads')::INTEGER AS n"))[0]!.n;
    const reads = new Reads(2);
    const seen = await reads.onOneThread(loader, async () => [
      await threads(observer),
      await reads.during(reader, () => threads(observer)),
      await threads(observer),
    ]);
    assert.deepEqual(seen, [1, 2, 2]);
    assert.equal(await threads(observer), 2);
    assert.equal(await reads.onOneThread(loader, () => threads(observer)), 1);
    assert.equal(await threads(observer), 2, "given back after a load no read interrupted");

    let finish = () => {};
    const running = reads.during(reader, () => new Promise<void>((resolve) => (finish = resolve)));
    assert.equal(await reads.onOneThread(loader, () => threads(observer)), 2, "not while a read runs");
    finish();
    await running;

    await observer.run("SET threads = 1");
    assert.equal(await new Reads(1).onOneThread(loader, () => threads(observer)), 1);
    assert.equal(await threads(observer), 1, "an engine of one thread is left alone");
  } finally {
    instance.closeSync();
  }
});
