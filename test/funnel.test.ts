import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { FunnelReport } from "../src/analysis/funnel/report.js";
import {
  BOT_UA,
  cli,
  HUMAN_UA,
  type RunningServer,
  serveBatch,
  startServer,
  type tempDir,
} from "./support.js";

// Steps "Product Viewed, Product Added?, Checkout Started within 1h, Order Completed", window 1d.
// customer  events on 2026-03-02 (UTC)                                   steps reached
// a         PV 10:00 (red), PA 10:05, CS 10:20, OC 10:30                 1 2 3 4
// b         PV 10:00 (red), CS 10:30, OC 12:00                           1 . 3 4 (the optional step skipped)
// c         PV 10:00 (blue), PA 10:10, CS 12:00                          1 2 . . (CS more than 1h after)
// d         anonymous PV 09:00, identify d 09:30, CS 09:45, OC 03-03 10:00  1 . 3 . (OC after the 1d window)
// e         PV and CS at the same millisecond 10:00, OC 10:01            1 . . . (a tie is not "after")
// f         sent out of order: OC 10:30, CS 10:20, PV 10:00              1 . 3 4
// h         PV 10:00, Coupon Denied 10:10, CS 10:20, OC 10:30            1 . 3 4 (with --exclude: 1 only)
// bot       PV, CS, OC with a crawler's user agent                       not counted
const at = (hhmm: string, day = "02") => `2026-03-${day}T${hhmm}:00.000Z`;
const track = (
  userId: string,
  event: string,
  timestamp: string,
  properties: Record<string, unknown> = {},
) => ({
  type: "track",
  userId,
  event,
  timestamp,
  properties,
  context: { userAgent: HUMAN_UA },
});
const BATCH = [
  track("a", "Product Viewed", at("10:00"), { color: "red" }),
  track("a", "Product Added", at("10:05")),
  track("a", "Checkout Started", at("10:20")),
  track("a", "Order Completed", at("10:30"), { revenue: 10 }),
  track("b", "Product Viewed", at("10:00"), { color: "red" }),
  track("b", "Checkout Started", at("10:30")),
  track("b", "Order Completed", at("12:00"), { revenue: 10 }),
  track("c", "Product Viewed", at("10:00"), { color: "blue" }),
  track("c", "Product Added", at("10:10")),
  track("c", "Checkout Started", at("12:00")),
  {
    type: "track",
    anonymousId: "anon-d",
    event: "Product Viewed",
    timestamp: at("09:00"),
    context: { userAgent: HUMAN_UA },
  },
  {
    type: "identify",
    userId: "d",
    anonymousId: "anon-d",
    timestamp: at("09:30"),
    context: { userAgent: HUMAN_UA },
  },
  track("d", "Checkout Started", at("09:45")),
  track("d", "Order Completed", at("10:00", "03"), { revenue: 10 }),
  track("e", "Product Viewed", at("10:00")),
  track("e", "Checkout Started", at("10:00")),
  track("e", "Order Completed", at("10:01"), { revenue: 10 }),
  track("f", "Order Completed", at("10:30"), { revenue: 10 }),
  track("f", "Checkout Started", at("10:20")),
  track("f", "Product Viewed", at("10:00")),
  track("h", "Product Viewed", at("10:00")),
  track("h", "Coupon Denied", at("10:10")),
  track("h", "Checkout Started", at("10:20")),
  track("h", "Order Completed", at("10:30"), { revenue: 10 }),
  ...["Product Viewed", "Checkout Started", "Order Completed"].map((event, i) => ({
    ...track("bot", event, at(`10:0${i}`)),
    context: { userAgent: BOT_UA },
  })),
];
const STEPS = "Product Viewed, Product Added?, Checkout Started within 1h, Order Completed";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let server: RunningServer | null = null;
let token: string;

before(async () => {
  const query = new URLSearchParams({ steps: STEPS, window: "1d" });
  ({ tmp, db, token, server } = await serveBatch<FunnelReport>(
    "funnel",
    BATCH,
    `/api/funnel?${query}`,
    (r) => r.steps[0]!.customers === 7,
  ));
});
after(async () => {
  await server?.stop();
  tmp.cleanup();
});

async function api(params: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server!.url}/api/funnel?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.json() };
}

const counts = (r: FunnelReport) => r.steps.map((s) => s.customers);

test("funnel: every number of the hand-computed funnel, through the API", async () => {
  const { status, body } = await api({ steps: STEPS, window: "1d" });
  assert.equal(status, 200);
  const r = body as FunnelReport;
  assert.deepEqual(
    r.steps.map((s) => [s.name, s.optional, s.customers, s.dropOff]),
    [
      ["Product Viewed", false, 7, 0],
      ["Product Added", true, 2, 5],
      ["Checkout Started", false, 5, 2],
      ["Order Completed", false, 4, 1],
    ],
  );
  // Conversion from the previous step skips the optional one: 5 of the 7 who viewed a product.
  assert.deepEqual(
    r.steps.map((s) => [s.conversionFromPrevious, s.conversionFromFirst]),
    [
      [1, 1],
      [2 / 7, 2 / 7],
      [5 / 7, 5 / 7],
      [4 / 5, 4 / 7],
    ],
  );
  // Seconds from the previous step done in each customer's deepest chain (numpy's linear quantiles):
  // Product Added a 300, c 600; Checkout a 900 (from PA), b 1800, d 2700, f 1200, h 1200; Order a, f, h 600, b 5400.
  assert.deepEqual(
    r.steps.map((s) => [s.medianSecondsFromPrevious, s.p90SecondsFromPrevious]),
    [
      [null, null],
      [450, 570],
      [1200, 2340],
      [600, 3960],
    ],
  );
  assert.equal(r.windowSeconds, 86_400);
  assert.equal(r.order, "ordered");
});

test("funnel: an exclusion between two steps stops the customer there", async () => {
  const r = (await api({ steps: STEPS, window: "1d", exclude: "Coupon Denied" })).body as FunnelReport;
  assert.deepEqual(counts(r), [7, 2, 4, 3]);
  assert.deepEqual(r.exclude, ["Coupon Denied"]);
});

test("funnel: strict order breaks on another touchpoint between steps, not on other events", async () => {
  // a and c added a product (the cart touchpoint) between; e's tie never chains; h's Coupon Denied is no touchpoint.
  const r = (await api({ steps: "Product Viewed, Checkout Started", order: "strict" })).body as FunnelReport;
  assert.deepEqual(counts(r), [7, 4]);
});

test("funnel: any order counts the distinct steps done within one window", async () => {
  const r = (await api({ steps: "Order Completed, Product Viewed", order: "any", window: "1d" }))
    .body as FunnelReport;
  assert.deepEqual(
    r.steps.map((s) => [s.name, s.customers]),
    [
      ["1 of 2 steps", 7],
      ["2 of 2 steps", 5],
    ],
  );
});

test("funnel: property filters on a step, and a breakdown by the first step's property", async () => {
  const filtered = (await api({ steps: "Product Viewed[color = red], Order Completed" }))
    .body as FunnelReport;
  assert.deepEqual(counts(filtered), [2, 2]);
  const r = (await api({ steps: "Product Viewed, Order Completed", breakdown: "property.color" }))
    .body as FunnelReport;
  assert.deepEqual(
    r.breakdown!.values.map((v) => [v.value, ...counts({ ...r, steps: v.steps })]),
    [
      ["(none)", 4, 4],
      ["red", 2, 2],
      ["blue", 1, 0],
    ],
  );
});

test("funnel: the CLI prints the same report as the API, and a table", async () => {
  await server!.stop();
  server = null;
  const json = await cli(["report", "funnel", "--db", db, "--steps", STEPS, "--window", "1d", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(counts(JSON.parse(json.stdout) as FunnelReport), [7, 2, 5, 4]);
  const table = await cli(["report", "funnel", "--db", db, "--steps", STEPS, "--window", "1d"]);
  assert.match(table.stdout, /Product Added \(optional\)\s+2\s+28\.6/);
  server = await startServer(db);
});

test("funnel: bad parameters say which part is wrong", async () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{}, /steps: give the steps/],
    [{ steps: "Product Viewed, Order Completed", order: "sideways" }, /order: one of ordered, strict, any/],
    [{ steps: "Product Viewed?, Order Completed" }, /step 1 cannot be optional/],
    [{ steps: "Product Viewed[price >> 3], Order Completed" }, /step 1 .*not a filter/],
    [{ steps: "Product Viewed[price > cheap], Order Completed" }, /compares with a number/],
    [{ steps: "touchpoint:product_pagez, Order Completed" }, /no touchpoint "product_pagez".*product_pages/],
    [{ steps: "Product Viewed, Order Completed within soon" }, /step 2/],
    [{ steps: "Product Viewed, Order Completed", breakdown: "colour" }, /breakdown: one of/],
    [{ steps: "Product Viewed, Order Completed", window: "fortnight" }, /window/],
  ];
  for (const [params, message] of cases) {
    const { status, body } = await api(params);
    assert.equal(status, 400, JSON.stringify(params));
    assert.match((body as { message: string }).message, message);
  }
  const r = await cli([
    "report",
    "funnel",
    "--db",
    `${tmp.dir}/none.duckdb`,
    "--steps",
    "A,B",
    "--order",
    "up",
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--order: one of ordered, strict, any/);
});

test("funnel: the segment filter with or, not and did, over events, properties and the catalog", async () => {
  const seg = async (segment: string, to = "2026-03-04") =>
    counts((await api({ steps: STEPS, window: "1d", segment, to })).body as FunnelReport);
  assert.deepEqual(await seg(`did event:"Coupon Denied"`), [1, 0, 1, 1]);
  assert.deepEqual(await seg("property.color = red or property.color = blue"), [3, 2, 2, 2]);
  assert.deepEqual(await seg(`not did event:"Product Added"`), [5, 0, 4, 3]);
  // cart is the catalog's touchpoint for Product Added; within a window that ends at --to.
  assert.deepEqual(await seg("did cart within 1d and (property.color = red)", "2026-03-03"), [1, 1, 1, 1]);
  assert.deepEqual(await seg("did cart within 1d and (property.color = red)", "2026-03-04"), [0, 0, 0, 0]);
  const bad = await api({ steps: STEPS, segment: "did chekout" });
  assert.equal(bad.status, 400);
  assert.match((bad.body as { message: string }).message, /segment: did chekout: no touchpoint or goal/);
});
