import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { Catalog } from "../../catalog/catalog.js";
import { loadDefaultCatalog } from "../../catalog/default.js";
import { eraseCustomer } from "../../privacy/customer-data.js";
import { Rng } from "../../sim/random.js";
import { openWarehouse } from "../../warehouse/duckdb.js";
import type { Warehouse } from "../../warehouse/warehouse.js";
import { warehouseJourneys } from "../attribution/journeys.js";
import { journeyMap } from "../journey-map/journey-map.js";
import { REPORTS } from "../reports.js";
import { parseSegment } from "../segment.js";
import { eventCache, sequenceSlice } from "./event-cache.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);
const EVENTS: [string, string, Record<string, unknown>?][] = [
  ["Page Viewed", "Direct"],
  ["Page Viewed", "Organic Search"],
  ["Page Viewed", "Paid Search", { category: "Blog" }],
  ["Product Viewed", "Paid Social"],
  ["Product Added", "Direct"],
  ["Email Delivered", "Email", { template: "thank_you" }],
  ["Email Opened", "Email", { template: "newsletter" }],
  ["Checkout Started", "Direct"],
  ["Order Shipped", "Direct"],
  ["Identify", "Direct"],
  ["Survey Responded", "Survey", { metric: "csat", score: 4, touchpoint: "delivery" }],
  ["Survey Responded", "Survey", { metric: "nps", score: 6 }],
];

let serial = 0;
/** Inserts `n` events of customers `first`..`first + customers - 1` (some anonymous, some bots). */
async function insertEvents(wh: Warehouse, seed: number, first: number, customers: number, n: number) {
  const rng = new Rng(seed);
  const rnd = () => rng.next();
  const cols: string[][] = Array.from({ length: 11 }, () => []);
  for (let i = 0; i < n; i++) {
    const c = first + Math.floor(rnd() * customers);
    const goal = rnd() < 0.08;
    const [event, channel, properties] = goal
      ? ["Order Completed", "Direct"]
      : EVENTS[Math.floor(rnd() * EVENTS.length)]!;
    const user = c % 3 === 0 ? "" : `u${c}`;
    const anon = c % 5 === 0 ? "" : `a${c}-${Math.floor(rnd() * 2)}`;
    const ts = T0 + Math.floor(rnd() * 90 * DAY);
    const row = [
      `m${serial++}`,
      event,
      anon || (user ? "" : `a${c}`),
      user,
      String(ts),
      channel,
      goal ? String(Math.round(rnd() * 20000) / 100) : "",
      goal ? "EUR" : "",
      JSON.stringify(properties ?? {}),
      rnd() < 0.02 ? "true" : "false",
      "track",
    ];
    for (const [k, v] of row.entries()) cols[k]!.push(v);
  }
  await wh.run(
    `INSERT INTO events (message_id, event, anonymous_id, user_id, ts, channel, revenue, currency, properties,
                         is_bot, type, received_at, source)
     SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), nullif(unnest($3::VARCHAR[]), ''),
            nullif(unnest($4::VARCHAR[]), ''), epoch_ms(unnest($5::VARCHAR[])::BIGINT), unnest($6::VARCHAR[]),
            nullif(unnest($7::VARCHAR[]), '')::DOUBLE, nullif(unnest($8::VARCHAR[]), ''), unnest($9::VARCHAR[])::JSON,
            unnest($10::VARCHAR[])::BOOLEAN, unnest($11::VARCHAR[]), now()::TIMESTAMP, 'test'`,
    cols,
  );
}

/** Merges identities: every id of customer `from` now belongs to customer `into` (as identity/ does). */
async function merge(wh: Warehouse, from: number, into: string) {
  await wh.run(
    `INSERT OR REPLACE INTO customer_map
     SELECT DISTINCT 'anonymous', anonymous_id, $2 FROM events WHERE anonymous_id LIKE $1 || '-%'
     UNION ALL SELECT 'user', $3, $2`,
    [`a${from}`, into, `u${from}`],
  );
}

/** Numbers to 10 significant digits and path rows in a fixed order, so two runs compare. */
function normal(value: unknown): unknown {
  if (typeof value === "number") return Number(value.toPrecision(10));
  if (Array.isArray(value)) {
    const items = value.map(normal);
    if (items.every((x) => x && typeof x === "object" && ("path" in x || "key" in x)))
      items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return items;
  }
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normal(v)]));
  return value;
}

async function reports(wh: Warehouse, catalog: Catalog, cache: boolean) {
  const scope = { from: null, to: null };
  const windowed = { from: T0 + 20 * DAY, to: T0 + 70 * DAY };
  return normal({
    channel: await warehouseJourneys(wh, catalog, {
      ...scope,
      by: "channel",
      lookbackMs: 30 * DAY,
      halfLifeMs: 7 * DAY,
      cache,
    }),
    touchpoint: await warehouseJourneys(wh, catalog, {
      ...windowed,
      by: "touchpoint",
      lookbackMs: 10 * DAY,
      halfLifeMs: 3 * DAY,
      cache,
    }),
    map: await journeyMap(wh, catalog, { ...scope, cache }),
    mapWindowed: await journeyMap(wh, catalog, { ...windowed, lookbackMs: 7 * DAY, cache }),
    segment: await journeyMap(wh, catalog, {
      ...scope,
      segment: parseSegment("channel = Email or did checkout", catalog),
      cache,
    }),
    segmentPaths: await warehouseJourneys(wh, catalog, {
      ...windowed,
      segment: parseSegment("not did goal:purchase within 10d", catalog),
      by: "channel",
      lookbackMs: 30 * DAY,
      cache,
    }),
    ...(await withCache(cache, async () => {
      const run = (kind: string, params: Record<string, string>) => REPORTS[kind]!.run(wh, catalog, params);
      const dates = { from: "2025-01-21", to: "2025-03-12" };
      return {
        funnel: await run("funnel", { steps: "Page Viewed, Product Added, Order Completed" }),
        funnelStrict: await run("funnel", { steps: "product_pages, cart?, goal:purchase", order: "strict" }),
        funnelAny: await run("funnel", {
          steps: "Product Viewed, Checkout Started, goal:purchase",
          order: "any",
          breakdown: "channel",
          exclude: "Email Opened",
          ...dates,
          segment: "channel = Email or did checkout",
        }),
        paths: await run("paths", {}),
        pathsStart: await run("paths", { start: "product_pages", depth: "3", ...dates }),
        pathsSegment: await run("paths", { end: "checkout", segment: "not did goal:purchase within 10d" }),
        pathsSessions: await run("paths", { unit: "session", sessionGap: "2d", ...dates }),
        retention: await run("retention", { period: "week" }),
        retentionGoal: await run("retention", {
          period: "month",
          cohort: "first_goal",
          return: "goal",
          ...dates,
        }),
        retentionEvent: await run("retention", { period: "week", return: "event:Product Added" }),
        retentionTouch: await run("retention", {
          period: "week",
          return: "touchpoint:checkout",
          segment: "channel = Email",
        }),
      };
    })),
  });
}

/** Runs the reports that read the cache when they can, with it or with `TOUCHPOINT_ANALYSIS_CACHE=off`. */
async function withCache<T>(cache: boolean, fn: () => Promise<T>): Promise<T> {
  if (cache) return fn();
  process.env.TOUCHPOINT_ANALYSIS_CACHE = "off";
  try {
    return await fn();
  } finally {
    delete process.env.TOUCHPOINT_ANALYSIS_CACHE;
  }
}

async function assertSameAsUncached(wh: Warehouse, catalog: Catalog) {
  const cached = await reports(wh, catalog, true);
  assert.deepEqual(cached, await reports(wh, catalog, false));
  return cached as { map: { totals: { customers: number } } };
}

const state = async (wh: Warehouse) =>
  (await wh.query<{ fingerprint: string; events: number }>("SELECT fingerprint, events FROM cache_state"))[0];

let dir: string;
let wh: Warehouse;
const catalog = loadDefaultCatalog();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "touchpoint-cache-"));
  wh = await openWarehouse(join(dir, "w.duckdb"));
  await insertEvents(wh, 1, 0, 80, 3000);
  await merge(wh, 1, "u2");
});

after(async () => {
  await wh.close();
  rmSync(dir, { recursive: true, force: true });
});

test("an empty warehouse gets an empty cache and empty reports", async () => {
  const empty = await openWarehouse(":memory:");
  try {
    assert.deepEqual(await reports(empty, catalog, true), await reports(empty, catalog, false));
    assert.deepEqual(await eventCache(empty, catalog), { channels: [] });
  } finally {
    await empty.close();
  }
});

test("cached reports equal the reports that classify every event", async () => {
  await assertSameAsUncached(wh, catalog);
  const s = await state(wh);
  const { n } = (await wh.query<{ n: number }>("SELECT count(*) AS n FROM events WHERE NOT is_bot"))[0]!;
  const { cached } = (await wh.query<{ cached: number }>("SELECT count(*) AS cached FROM cache_events"))[0]!;
  assert.equal(cached, n);
  assert.equal(s?.events, (await wh.query<{ n: number }>("SELECT count(*) AS n FROM events"))[0]!.n);
});

test("sequences built a slice of customers at a time equal those built at once", async () => {
  const sequences = async () =>
    (
      await wh.query<{ row: string }>("SELECT s::VARCHAR AS row FROM cache_sequences s ORDER BY customer_id")
    ).map((r) => r.row);
  await eventCache(wh, catalog);
  const atOnce = await sequences();
  const usual = sequenceSlice.events;
  sequenceSlice.events = 700; // 3,000 events: five slices
  try {
    await wh.run("DELETE FROM cache_state"); // the next sync rebuilds everything
    await eventCache(wh, catalog);
  } finally {
    sequenceSlice.events = usual;
  }
  assert.deepEqual(await sequences(), atOnce);
});

test("newly loaded events are classified and appended, not rebuilt", async () => {
  const { before: idents } = (
    await wh.query<{ before: number }>("SELECT max(ident) AS before FROM cache_idents")
  )[0]!;
  const fingerprint = (await state(wh))!.fingerprint;
  await insertEvents(wh, 2, 60, 40, 500); // old customers and new ones
  await assertSameAsUncached(wh, catalog);
  const s = await state(wh);
  assert.equal(s?.fingerprint, fingerprint);
  assert.equal(s?.events, (await wh.query<{ n: number }>("SELECT count(*) AS n FROM events"))[0]!.n);
  // The old identity pairs kept their numbers: the cache was appended to.
  const { kept } = (
    await wh.query<{ kept: number }>("SELECT count(*) AS kept FROM cache_idents WHERE ident <= $1", [idents])
  )[0]!;
  assert.equal(kept, idents);
});

test("an identity merge after the events re-attributes them at the next report", async () => {
  const before = await assertSameAsUncached(wh, catalog);
  await merge(wh, 4, "u5");
  await merge(wh, 7, "u8");
  const after = await assertSameAsUncached(wh, catalog);
  assert.equal(after.map.totals.customers, before.map.totals.customers - 2);
});

test("editing the catalog re-classifies the cache", async () => {
  const edited: Catalog = {
    ...catalog,
    touchpoints: catalog.touchpoints.filter((t) => t.id !== "email_marketing" && t.id !== "website_visit"),
  };
  const before = (await state(wh))!.fingerprint;
  await assertSameAsUncached(wh, edited);
  assert.notEqual((await state(wh))!.fingerprint, before);
  await assertSameAsUncached(wh, catalog);
  assert.equal((await state(wh))!.fingerprint, before);
});

test("an erased customer leaves the cache with their events", async () => {
  await eventCache(wh, catalog);
  const erased = await eraseCustomer(wh, "u10", "test");
  assert.ok(erased && erased.events > 0);
  const { n } = (
    await wh.query<{ n: number }>(
      `SELECT count(*) AS n FROM cache_events e JOIN cache_idents i USING (ident)
     WHERE list_contains($1, i.user_id) OR list_contains($1, i.anonymous_id)`,
      [erased.ids],
    )
  )[0]!;
  assert.equal(n, 0);
  const { sequences } = (
    await wh.query<{ sequences: number }>(
      "SELECT count(*) AS sequences FROM cache_sequences WHERE customer_id = 'u10'",
    )
  )[0]!;
  assert.equal(sequences, 0, "the erased customer's sequence is gone at once");
  assert.equal(await state(wh), undefined);
  await assertSameAsUncached(wh, catalog);
  const { left } = (
    await wh.query<{ left: number }>(
      "SELECT count(*) AS left FROM cache_idents WHERE list_contains($1, user_id) OR list_contains($1, anonymous_id)",
      [erased.ids],
    )
  )[0]!;
  assert.equal(left, 0);
});

test("a stale cache in a read-only warehouse is not used", async () => {
  await eventCache(wh, catalog);
  await insertEvents(wh, 3, 0, 90, 200);
  const expected = await reports(wh, catalog, false);
  await wh.close();
  wh = await openWarehouse(join(dir, "w.duckdb"), { readOnly: true });
  assert.equal(await eventCache(wh, catalog), null);
  assert.deepEqual(await reports(wh, catalog, true), expected);
  await wh.close();
  wh = await openWarehouse(join(dir, "w.duckdb"));
  assert.ok(await eventCache(wh, catalog));
  await wh.close();
  wh = await openWarehouse(join(dir, "w.duckdb"), { readOnly: true });
  assert.ok(await eventCache(wh, catalog), "a fresh cache is read in a read-only warehouse");
  assert.deepEqual(await reports(wh, catalog, true), expected);
});
