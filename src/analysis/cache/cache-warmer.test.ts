import assert from "node:assert/strict";
import { test } from "node:test";
import { loadDefaultCatalog } from "../../catalog/default.js";
import { openWarehouse } from "../../warehouse/duckdb.js";
import type { SqlValue, Warehouse } from "../../warehouse/warehouse.js";
import { CacheWarmer, nextRoundIn } from "./cache-warmer.js";

let serial = 0;
async function insertOrders(wh: Warehouse, customer: string, n: number) {
  for (let i = 0; i < n; i++)
    await wh.run(
      `INSERT INTO events (message_id, type, event, user_id, ts, received_at, channel, revenue, currency,
                           properties, is_bot, source)
       VALUES ($1, 'track', 'Order Completed', $2, now()::TIMESTAMP, now()::TIMESTAMP, 'Direct', 10, 'EUR',
               '{}', false, 'test')`,
      [`w${serial++}`, customer],
    );
}

/** The events the cache covers (-1 before it exists). */
async function cached(wh: Warehouse): Promise<number> {
  const [exists] = await wh.query<{ n: number }>(
    "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'cache_state'",
  );
  if (!exists?.n) return -1;
  return (await wh.query<{ events: number }>("SELECT events FROM cache_state")).at(0)?.events ?? -1;
}

async function until(condition: () => Promise<boolean>) {
  for (let i = 0; i < 200 && !(await condition()); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(await condition(), "the cache was not brought up to date");
}

test("the warmer brings the cache up to date in the background, and stops", async () => {
  const wh = await openWarehouse(":memory:");
  const messages: string[] = [];
  const log = { info: (m: string) => messages.push(m), error: (m: string) => messages.push(`error: ${m}`) };
  const warmer = new CacheWarmer(wh, loadDefaultCatalog, 20, log);
  try {
    await insertOrders(wh, "u1", 3);
    warmer.start();
    await until(async () => (await cached(wh)) === 3);
    await insertOrders(wh, "u2", 2);
    await until(async () => (await cached(wh)) === 5);
    const [row] = await wh.query<{ customers: number }>("SELECT count(*) AS customers FROM cache_sequences");
    assert.equal(row?.customers, 2);
    await warmer.stop();
    await insertOrders(wh, "u3", 1);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await cached(wh), 5, "a stopped warmer does nothing");
    assert.deepEqual(
      messages.filter((m) => m.startsWith("error")),
      [],
    );
  } finally {
    await warmer.stop();
    await wh.close();
  }
});

test("the warmer waits while the loader is busy more than half the time", async () => {
  const wh = await openWarehouse(":memory:");
  const log = { info: () => {}, error: () => {} };
  const since = Date.now();
  let loading = true; // the loader busy all the time, until it is idle
  let busy = 0;
  const loaderBusyMs = () => (loading ? Date.now() - since : busy);
  const warmer = new CacheWarmer(wh, loadDefaultCatalog, 20, log, loaderBusyMs);
  try {
    await insertOrders(wh, "u1", 2);
    warmer.start();
    await until(async () => (await cached(wh)) === 2); // the first round: nothing measured yet
    await insertOrders(wh, "u2", 1);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await cached(wh), 2, "no round while the loader is busy");
    busy = loaderBusyMs();
    loading = false;
    await until(async () => (await cached(wh)) === 3);
  } finally {
    await warmer.stop();
    await wh.close();
  }
});

test("after a long round the warmer waits longer, so that loads keep most of the writer", () => {
  assert.equal(nextRoundIn(15_000, 40), 15_000, "a quick round keeps the configured interval");
  assert.equal(nextRoundIn(15_000, 9_000), 36_000);
  assert.equal(nextRoundIn(1_000, 1_000) / (nextRoundIn(1_000, 1_000) + 1_000), 0.8, "loads keep 4/5");
});

test("a long round hands the memory it freed back to the system; a quick one does not", async () => {
  const real = await openWarehouse(":memory:");
  let slow = false;
  const released: boolean[] = [];
  // The real warehouse, its queries slowed down while `slow`, its hand-backs recorded.
  const wh = new Proxy(real, {
    get(target, key, receiver) {
      if (key === "releaseFreedMemory")
        return async (idle: boolean) => {
          released.push(idle);
        };
      if (key === "query")
        return async (sql: string, params?: readonly SqlValue[]) => {
          if (slow) await new Promise((r) => setTimeout(r, 1100));
          slow = false;
          return target.query(sql, params);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const warmer = new CacheWarmer(wh, loadDefaultCatalog, 60_000, { info: () => {}, error: () => {} });
  try {
    await insertOrders(real, "u1", 2);
    await warmer.refresh(); // builds the cache: quick or not, depending on the machine
    const before = released.length;
    await warmer.refresh(); // finds it fresh
    assert.equal(released.length, before, "a quick round keeps what it freed");
    slow = true;
    await insertOrders(real, "u2", 1);
    await warmer.refresh();
    assert.equal(await cached(real), 3);
    assert.deepEqual(released.slice(before), [true], "after a round of a second or more, as when idle");
  } finally {
    await warmer.stop();
    await real.close();
  }
});
