import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openWarehouse } from "../warehouse/duckdb.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import type { Catalog } from "./catalog.js";
import { compileCatalog } from "./compile.js";
import { parseCatalog } from "./load.js";

const CATALOG = `
stages: [pre, buy]
goals:
  purchase: { event: Order Completed }
  lead: { match: { event: Form Submitted, properties: { form: demo } }, value: properties.lead.value }
  donation: { event: Donated, value: 5 }
touchpoints:
  - { id: thank_you, name: T, stage: buy, match: { event: [Email Delivered, Email Opened], properties: { template: thank_you } } }
  - { id: email, name: E, stage: pre, match: [{ event: { pattern: "Email *" } }, { channel: Email }] }
  - { id: ads, name: A, stage: pre, match: { channel: [Paid Search, Paid Social], utm_campaign: { regex: "^spring_(sale|promo)$" } } }
  - { id: tagged, name: G, stage: pre, match: { utm_source: { pattern: "goo?le%_*" } } }
  - { id: vip, name: V, stage: buy, match: { properties: { customer.tier: gold, size: 42 } } }
  - { id: pages, name: P, stage: pre, match: { type: page } }
  - { id: store, name: S, stage: buy, match: { source: pos } }
  - { id: quoted, name: Q, stage: buy, match: { event: "it's'; DROP TABLE events; --" } }
`;

interface Ev {
  id: string;
  type?: string;
  event?: string | null;
  channel?: string;
  source?: string;
  utm_source?: string;
  utm_campaign?: string;
  revenue?: number;
  properties?: object;
  /** Expected: touchpoint, goal, goal value. */
  want: [string | null, string | null, number | null];
}

const EVENTS: Ev[] = [
  { id: "01", event: "Email Opened", properties: { template: "thank_you" }, want: ["thank_you", null, null] },
  { id: "02", event: "Email Opened", properties: { template: "newsletter" }, want: ["email", null, null] },
  { id: "03", type: "page", event: "Page Viewed", channel: "Email", want: ["email", null, null] },
  {
    id: "04",
    type: "page",
    event: "Page Viewed",
    channel: "Paid Search",
    utm_campaign: "spring_sale",
    want: ["ads", null, null],
  },
  {
    id: "05",
    type: "page",
    event: "Page Viewed",
    channel: "Paid Search",
    utm_campaign: "spring_sales",
    want: ["pages", null, null],
  },
  { id: "06", event: "Clicked", utm_source: "goo1le%_x", want: ["tagged", null, null] },
  { id: "07", event: "Clicked", utm_source: "goo1leA_x", want: [null, null, null] }, // % and _ are literal
  {
    id: "08",
    event: "Product Viewed",
    properties: { customer: { tier: "gold" }, size: 42 },
    want: ["vip", null, null],
  },
  {
    id: "09",
    event: "Product Viewed",
    properties: { customer: { tier: "gold" }, size: 41 },
    want: [null, null, null],
  },
  { id: "10", event: "Order Completed", channel: "Email", revenue: 99.5, want: [null, "purchase", 99.5] },
  {
    id: "11",
    event: "Form Submitted",
    properties: { form: "demo", lead: { value: "12.5" } },
    want: [null, "lead", 12.5],
  },
  { id: "12", event: "Form Submitted", properties: { form: "other" }, want: [null, null, null] },
  {
    id: "13",
    event: "Form Submitted",
    properties: { form: "demo", lead: { value: "n/a" } },
    want: [null, "lead", null],
  },
  { id: "14", event: "Donated", want: [null, "donation", 5] },
  { id: "15", event: "Store Visited", source: "pos", want: ["store", null, null] },
  { id: "16", type: "identify", event: null, want: [null, null, null] },
  { id: "17", event: "it's'; DROP TABLE events; --", want: ["quoted", null, null] },
];

let wh: Warehouse;
before(async () => {
  wh = await openWarehouse(":memory:");
  for (const e of EVENTS) {
    await wh.run(
      `INSERT INTO events (message_id, type, event, ts, received_at, source, channel, utm_source, utm_campaign,
                           revenue, properties)
       VALUES ($1, $2, $3, TIMESTAMP '2025-01-01 10:00:00', TIMESTAMP '2025-01-01 10:00:00', $4, $5, $6, $7,
               $8, CAST($9 AS JSON))`,
      [
        e.id,
        e.type ?? "track",
        e.event === undefined ? "Something" : e.event,
        e.source ?? "web",
        e.channel ?? "Direct",
        e.utm_source ?? null,
        e.utm_campaign ?? null,
        e.revenue ?? null,
        JSON.stringify(e.properties ?? {}),
      ],
    );
  }
});
after(() => wh.close());

async function classify(catalog: Catalog) {
  const compiled = compileCatalog(catalog);
  const b = new SqlBuilder(wh.dialect);
  const sql = `SELECT message_id AS id, ${compiled.touchpoint(b)} AS touchpoint, ${compiled.goal(b)} AS goal,
                      ${compiled.goalValue(b)} AS value
               FROM events ORDER BY message_id`;
  const rows = await wh.query<{
    id: string;
    touchpoint: string | null;
    goal: string | null;
    value: number | null;
  }>(sql, b.params);
  return { sql, params: b.params, byId: new Map(rows.map((r) => [r.id, [r.touchpoint, r.goal, r.value]])) };
}

test("stored events are classified in DuckDB: exact, lists, properties, globs, regexes, rule order, goals", async () => {
  const { byId } = await classify(parseCatalog(CATALOG, "c.yml"));
  for (const e of EVENTS) assert.deepEqual(byId.get(e.id), e.want, `event ${e.id}`);
});

test("touchpoint codes name the same touchpoint as the id expression, by catalog position", async () => {
  const compiled = compileCatalog(parseCatalog(CATALOG, "c.yml"));
  const b = new SqlBuilder(wh.dialect);
  const rows = await wh.query<{ id: string | null; code: number | null }>(
    `SELECT ${compiled.touchpoint(b)} AS id, ${compiled.touchpointCode(b)} AS code FROM events`,
    b.params,
  );
  assert.ok(rows.some((r) => r.code !== null));
  for (const r of rows) assert.equal(r.code === null ? null : compiled.touchpointIds[r.code - 1], r.id);
});

test("user values are bound as parameters, never spliced into the SQL", async () => {
  const { sql, params } = await classify(parseCatalog(CATALOG, "c.yml"));
  for (const value of ["Email Opened", "spring_", "gold", "goo", "DROP TABLE", "Order Completed", "42"]) {
    assert.ok(!sql.includes(value), `${value} in the SQL text`);
  }
  assert.ok(params.includes("it's'; DROP TABLE events; --"));
  assert.ok(params.includes("goo_le\\%\\_%"), "the glob goo?le%_* as a LIKE pattern with escapes");
  assert.equal((await wh.query<{ n: number }>("SELECT count(*) AS n FROM events"))[0]!.n, EVENTS.length);
});

test("editing the catalog re-classifies the same stored rows, with nothing re-inserted", async () => {
  const edited = parseCatalog(
    `${CATALOG}  - { id: forms, name: F, stage: pre, match: { event: Form Submitted } }
  - { id: products, name: Pr, stage: buy, match: { event: { regex: "^Product" } } }
`,
    "c.yml",
  );
  const { byId } = await classify(edited);
  assert.deepEqual(byId.get("12"), ["forms", null, null]);
  assert.deepEqual(byId.get("09"), ["products", null, null]);
  assert.deepEqual(byId.get("11"), [null, "lead", 12.5]); // still a goal: goals are tested first
  assert.deepEqual(byId.get("08"), ["vip", null, null]); // an earlier rule still wins
  assert.equal((await wh.query<{ n: number }>("SELECT count(*) AS n FROM events"))[0]!.n, EVENTS.length);
});

test("a catalog without goals or touchpoints compiles to NULLs", async () => {
  const empty: Catalog = { file: "e.yml", currency: null, stages: [], goals: [], touchpoints: [] };
  const { byId } = await classify(empty);
  assert.deepEqual(byId.get("10"), [null, null, null]);
});

test("ids that are not plain are refused before they reach SQL", () => {
  const catalog = parseCatalog(CATALOG, "c.yml");
  catalog.touchpoints[0]!.id = "x' OR 1=1 --";
  assert.throws(() => compileCatalog(catalog), /not a valid catalog id/);
});
