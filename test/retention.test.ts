import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { RetentionReport } from "../src/analysis/retention/report.js";
import { compileCatalog } from "../src/catalog/compile.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import { touchpointCondition } from "../src/catalog/touchpoint-rule.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { SqlBuilder } from "../src/warehouse/sql-builder.js";
import {
  BOT_UA,
  cli,
  HUMAN_UA,
  type RunningServer,
  serveBatch,
  simulatedWarehouse,
  tempDir,
} from "./support.js";

// Weeks of the hand-written business (Mondays): W1 2026-01-05, W2 01-12, W3 01-19, W4 01-26, W5 02-02.
// The last event is c's on Wednesday 2026-02-04 12:00, so W5 (and February) have not ended.
//
// customer  events (W = week of activity)                                  first seen  first goal
// a         Page Sun 01-11 23:59:59 (W1), Order Mon 01-12 00:00 (W2)       W1          W2
// b         Page Mon 01-05 00:00 (W1) + identify plan=gold (W1),           W1          W4
//           Page Sun 01-18 23:59:59.999 (W2), Order 01-27 (W4)
// c         Page 01-14 (W2), Product Viewed 01-20 (W3), Page 02-04 (W5)    W2          —
// d         Checkout Started and Order 01-12 (W2)                          W2          W2
// e         a bot's page 01-06 (W1, not counted), Page 01-21 (W3)          W3          —
// g         anonymous page 01-07 (W1); identify g + anon-g plan=gold       W1          W4
//           01-13 (W2); Order 01-26 00:00 (W4)
const track = (userId: string, event: string, timestamp: string, extra: Record<string, unknown> = {}) => ({
  type: "track",
  userId,
  event,
  timestamp,
  context: { userAgent: HUMAN_UA },
  ...extra,
});
const order = (userId: string, timestamp: string) =>
  track(userId, "Order Completed", timestamp, { properties: { revenue: 20, currency: "EUR" } });
const BATCH = [
  track("a", "Page Viewed", "2026-01-11T23:59:59.000Z"),
  order("a", "2026-01-12T00:00:00.000Z"),
  track("b", "Page Viewed", "2026-01-05T00:00:00.000Z"),
  { type: "identify", userId: "b", traits: { plan: "gold" }, timestamp: "2026-01-05T00:00:01.000Z" },
  track("b", "Page Viewed", "2026-01-18T23:59:59.999Z"),
  order("b", "2026-01-27T09:00:00.000Z"),
  track("c", "Page Viewed", "2026-01-14T08:00:00.000Z"),
  track("c", "Product Viewed", "2026-01-20T08:00:00.000Z"),
  track("c", "Page Viewed", "2026-02-04T12:00:00.000Z"),
  track("d", "Checkout Started", "2026-01-12T10:00:00.000Z"),
  order("d", "2026-01-12T10:05:00.000Z"),
  track("e", "Page Viewed", "2026-01-06T10:00:00.000Z", { context: { userAgent: BOT_UA } }),
  track("e", "Page Viewed", "2026-01-21T10:00:00.000Z"),
  {
    type: "page",
    anonymousId: "anon-g",
    name: "Home",
    timestamp: "2026-01-07T10:00:00.000Z",
    context: { userAgent: HUMAN_UA },
  },
  {
    type: "identify",
    userId: "g",
    anonymousId: "anon-g",
    traits: { plan: "gold" },
    timestamp: "2026-01-13T10:00:00.000Z",
  },
  order("g", "2026-01-26T00:00:00.000Z"),
];

let tmp: ReturnType<typeof tempDir>;
let db: string;
let server: RunningServer | null = null;
let token: string;

before(async () => {
  ({ tmp, db, token, server } = await serveBatch<RetentionReport>(
    "retention",
    BATCH,
    "/api/retention",
    (r) => r.end === END,
  ));
});
after(async () => {
  await server?.stop();
  tmp.cleanup();
});

const END = Date.parse("2026-02-04T12:00:00.001Z");
const cell = (offset: number, customers: number, share: number, complete: boolean) => ({
  offset,
  customers,
  share,
  complete,
});
const notYet = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => cell(from + i, 0, 0, false));
const life = (start: string, n: number, ret: number, res: number, dormant: number, complete = true) => ({
  start,
  new: n,
  returning: ret,
  resurrected: res,
  dormant,
  active: n + ret + res,
  complete,
});
const none = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => ({
    offset: from + i,
    customers: 0,
    share: null,
    cohorts: 0,
    cohortCustomers: 0,
  }));

/** The default report, computed by hand from the table above. */
const DEFAULT: RetentionReport = {
  from: null,
  to: null,
  cohort: "first_seen",
  period: "week",
  periods: 8,
  returnOn: "any",
  end: END,
  cohorts: [
    {
      // a, b, g (g's anonymous page, merged into g by the later identify; e's bot page does not count).
      start: "2026-01-05",
      customers: 3,
      retention: [
        cell(0, 3, 1, true),
        cell(1, 3, 1, true), // a's page at Sunday 23:59:59 is W1, her order at Monday 00:00 W2
        cell(2, 0, 0, true),
        cell(3, 2, 2 / 3, true), // b and g order in W4
        cell(4, 0, 0, false), // W5 has not ended: not a drop
        ...notYet(5, 8),
      ],
    },
    {
      start: "2026-01-12", // c, d
      customers: 2,
      retention: [
        cell(0, 2, 1, true),
        cell(1, 1, 0.5, true),
        cell(2, 0, 0, true),
        cell(3, 1, 0.5, false),
        ...notYet(4, 8),
      ],
    },
    {
      start: "2026-01-19", // e, first seen when her real visit came
      customers: 1,
      retention: [cell(0, 1, 1, true), cell(1, 0, 0, true), cell(2, 0, 0, false), ...notYet(3, 8)],
    },
  ],
  overall: [
    { offset: 0, customers: 6, share: 1, cohorts: 3, cohortCustomers: 6 },
    { offset: 1, customers: 4, share: 4 / 6, cohorts: 3, cohortCustomers: 6 },
    { offset: 2, customers: 0, share: 0, cohorts: 2, cohortCustomers: 5 },
    { offset: 3, customers: 2, share: 2 / 3, cohorts: 1, cohortCustomers: 3 },
    ...none(4, 8),
  ],
  lifecycle: [
    life("2026-01-05", 3, 0, 0, 0), // a, b, g new
    life("2026-01-12", 2, 3, 0, 0), // c, d new; a, b, g returning
    life("2026-01-19", 1, 1, 0, 4), // e new; c returning; a, b, d, g dormant
    life("2026-01-26", 0, 0, 2, 2), // b, g resurrected; c, e dormant
    life("2026-02-02", 0, 0, 1, 2, false), // c resurrected; b, g dormant (so far)
  ],
};

const api = async (query: string) => {
  const res = await fetch(`${server!.url}/api/retention${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as RetentionReport & { message?: string } };
};

/** Every number of a report in a compact form. */
const compact = (r: RetentionReport) => ({
  cohorts: r.cohorts.map((c) => [
    c.start,
    c.customers,
    c.retention.map((x) => [x.offset, x.customers, x.share, x.complete]),
  ]),
  overall: r.overall.map((o) => [o.offset, o.customers, o.share, o.cohorts, o.cohortCustomers]),
  lifecycle: r.lifecycle.map((l) => [
    l.start,
    l.new,
    l.returning,
    l.resurrected,
    l.dormant,
    l.active,
    l.complete,
  ]),
});

test("GET /api/retention: cohorts by first week seen, any activity, every number as computed by hand", async () => {
  const { status, body } = await api("");
  assert.equal(status, 200);
  assert.deepEqual(body, DEFAULT);
  assert.deepEqual((await api("?cohort=first_seen&return=any&period=week&periods=8")).body, DEFAULT);
});

test("cohorts by first goal; active means a goal; lifecycle of goal activity", async () => {
  const firstGoal = (await api("?cohort=first_goal&periods=3")).body;
  assert.equal(firstGoal.cohort, "first_goal");
  assert.deepEqual(compact(firstGoal), {
    cohorts: [
      // a and d convert in W2; a is also active in W2 only after her first order, d in W2 only.
      [
        "2026-01-12",
        2,
        [
          [0, 2, 1, true],
          [1, 0, 0, true],
          [2, 0, 0, true],
          [3, 0, 0, false],
        ],
      ],
      [
        "2026-01-26",
        2,
        [
          [0, 2, 1, true],
          [1, 0, 0, false],
          [2, 0, 0, false],
          [3, 0, 0, false],
        ],
      ],
    ],
    overall: [
      [0, 4, 1, 2, 4],
      [1, 0, 0, 1, 2],
      [2, 0, 0, 1, 2],
      [3, 0, null, 0, 0],
    ],
    // Lifecycle follows --return (any event): the same as the default report.
    lifecycle: compact(DEFAULT).lifecycle,
  });

  const goals = (await api("?cohort=first_goal&return=goal&periods=2")).body;
  assert.equal(goals.returnOn, "goal");
  assert.deepEqual(compact(goals), {
    cohorts: [
      [
        "2026-01-12",
        2,
        [
          [0, 2, 1, true],
          [1, 0, 0, true],
          [2, 0, 0, true],
        ],
      ],
      [
        "2026-01-26",
        2,
        [
          [0, 2, 1, true],
          [1, 0, 0, false],
          [2, 0, 0, false],
        ],
      ],
    ],
    overall: [
      [0, 4, 1, 2, 4],
      [1, 0, 0, 1, 2],
      [2, 0, 0, 1, 2],
    ],
    lifecycle: [
      ["2026-01-12", 2, 0, 0, 0, 2, true], // first goal ever: a, d
      ["2026-01-19", 0, 0, 0, 2, 0, true],
      ["2026-01-26", 2, 0, 0, 0, 2, true], // b and g convert for the first time: new, not resurrected
      ["2026-02-02", 0, 0, 0, 2, 0, false],
    ],
  });
});

test("active means a catalog touchpoint or an event name", async () => {
  // Only d started a checkout (W2): W1's cohort never does; half of W2's does in its first week.
  const checkout = (await api("?return=touchpoint:checkout&periods=1")).body;
  assert.equal(checkout.returnOn, "touchpoint:checkout");
  assert.deepEqual(compact(checkout), {
    cohorts: [
      [
        "2026-01-05",
        3,
        [
          [0, 0, 0, true],
          [1, 0, 0, true],
        ],
      ],
      [
        "2026-01-12",
        2,
        [
          [0, 1, 0.5, true],
          [1, 0, 0, true],
        ],
      ],
      [
        "2026-01-19",
        1,
        [
          [0, 0, 0, true],
          [1, 0, 0, true],
        ],
      ],
    ],
    overall: [
      [0, 1, 1 / 6, 3, 6],
      [1, 0, 0, 3, 6],
    ],
    lifecycle: [
      ["2026-01-12", 1, 0, 0, 0, 1, true],
      ["2026-01-19", 0, 0, 0, 1, 0, true],
      ["2026-01-26", 0, 0, 0, 0, 0, true],
      ["2026-02-02", 0, 0, 0, 0, 0, false],
    ],
  });
  // Product Viewed: c only, in W3 (offset 1 of W2's cohort).
  const viewed = (await api(`?return=${encodeURIComponent("event:Product Viewed")}&periods=1`)).body;
  assert.equal(viewed.returnOn, "event:Product Viewed");
  assert.deepEqual(
    viewed.cohorts.map((c) => c.retention.map((x) => x.customers)),
    [
      [0, 0],
      [0, 1],
      [0, 0],
    ],
  );
  assert.deepEqual(compact(viewed).lifecycle, [
    ["2026-01-19", 1, 0, 0, 0, 1, true],
    ["2026-01-26", 0, 0, 0, 1, 0, true],
    ["2026-02-02", 0, 0, 0, 0, 0, false],
  ]);
});

test("months, a date range, a segment", async () => {
  // Everyone's first event is in January; only c comes back in February, which has not ended.
  const months = (await api("?period=month")).body;
  assert.equal(months.periods, 6);
  assert.deepEqual(compact(months), {
    cohorts: [
      [
        "2026-01-01",
        6,
        [[0, 6, 1, true], [1, 1, 1 / 6, false], ...[2, 3, 4, 5, 6].map((k) => [k, 0, 0, false])],
      ],
    ],
    overall: [[0, 6, 1, 1, 6], ...[1, 2, 3, 4, 5, 6].map((k) => [k, 0, null, 0, 0])],
    lifecycle: [
      ["2026-01-01", 6, 0, 0, 0, 6, true],
      ["2026-02-01", 0, 1, 0, 5, 1, false],
    ],
  });

  // Cohorts starting in [01-12, 01-26); activity up to 01-26 (so W3, ending then, is complete). A first
  // event is the first ever: a, b and g are not in W2's cohort although their W1 events precede --from.
  const range = (await api("?from=2026-01-12&to=2026-01-26&periods=2")).body;
  assert.equal(range.from, Date.parse("2026-01-12T00:00:00Z"));
  assert.equal(range.end, Date.parse("2026-01-26T00:00:00Z"));
  assert.deepEqual(compact(range), {
    cohorts: [
      [
        "2026-01-12",
        2,
        [
          [0, 2, 1, true],
          [1, 1, 0.5, true],
          [2, 0, 0, false],
        ],
      ],
      [
        "2026-01-19",
        1,
        [
          [0, 1, 1, true],
          [1, 0, 0, false],
          [2, 0, 0, false],
        ],
      ],
    ],
    overall: [
      [0, 3, 1, 2, 3],
      [1, 1, 0.5, 1, 2],
      [2, 0, null, 0, 0],
    ],
    lifecycle: [
      ["2026-01-12", 2, 3, 0, 0, 5, true],
      ["2026-01-19", 1, 1, 0, 4, 2, true],
    ],
  });
  // A --from in mid-week starts with the next whole week.
  assert.deepEqual(
    (await api("?from=2026-01-13")).body.cohorts.map((c) => c.start),
    ["2026-01-19"],
  );

  // The gold plan: b and g (g identified with it after her anonymous first visit).
  const gold = (await api(`?segment=${encodeURIComponent("trait.plan = gold")}&periods=4`)).body;
  assert.deepEqual(compact(gold), {
    cohorts: [
      [
        "2026-01-05",
        2,
        [
          [0, 2, 1, true],
          [1, 2, 1, true],
          [2, 0, 0, true],
          [3, 2, 1, true],
          [4, 0, 0, false],
        ],
      ],
    ],
    overall: [
      [0, 2, 1, 1, 2],
      [1, 2, 1, 1, 2],
      [2, 0, 0, 1, 2],
      [3, 2, 1, 1, 2],
      [4, 0, null, 0, 0],
    ],
    lifecycle: [
      ["2026-01-05", 2, 0, 0, 0, 2, true],
      ["2026-01-12", 0, 2, 0, 0, 2, true],
      ["2026-01-19", 0, 0, 0, 2, 0, true],
      ["2026-01-26", 0, 0, 2, 0, 2, true],
      ["2026-02-02", 0, 0, 0, 2, 0, false],
    ],
  });
});

test("bad parameters over HTTP: 400 with a message naming the parameter", async () => {
  const cases: [string, RegExp][] = [
    ["?period=day", /^period: one of week, month, not "day"$/],
    ["?cohort=first_purchase", /^cohort: one of first_seen, first_goal, not "first_purchase"$/],
    ["?return=sometimes", /^return: one of any, goal, touchpoint:ID or event:NAME, not "sometimes"$/],
    ["?return=touchpoint:nowhere", /^return: no touchpoint "nowhere" in the catalog; one of /],
    ["?periods=-1", /^periods: expected a whole number ≥ 0, not "-1"$/],
    ["?periods=2.5", /^periods: expected a whole number/],
    ["?periods=1000", /^periods: at most 260, not 1000$/],
    ["?from=2026-02-01&to=2026-01-01", /^--from must be before --to$|^from must be before --to$/],
  ];
  assert.equal((await fetch(`${server!.url}/api/retention`)).status, 401, "a token is needed");
  for (const [query, message] of cases) {
    const { status, body } = await api(query);
    assert.equal(status, 400, query);
    assert.match(body.message!, message, query);
  }
});

test("the CLI prints the same report as JSON, a cohort table, CSV, and names bad parameters", async () => {
  await server!.stop();
  server = null;
  const json = await cli(["report", "retention", "--db", db, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), DEFAULT);
  const goal = await cli(["report", "retention", "--db", db, "--json", "--cohort", "first_goal"]);
  assert.equal(JSON.parse(goal.stdout).cohorts.length, 2);
  const viewed = await cli([
    ...["report", "retention", "--db", db, "--json", "--return", "event:Product Viewed", "--periods", "1"],
  ]);
  assert.deepEqual(
    JSON.parse(viewed.stdout).cohorts.map((c: RetentionReport["cohorts"][number]) =>
      c.retention.map((x) => x.customers),
    ),
    [
      [0, 0],
      [0, 1],
      [0, 0],
    ],
  );

  const table = await cli(["report", "retention", "--db", db, "--periods", "3"]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, /^period\s+cohort\s+w0\s+w1\s+w2\s+w3\s+new\s+returning\s+resurrected\s+dormant$/);
  assert.match(lines[1]!, /^2026-01-05\s+3\s+100\s+100\s+0\s+66\.7\s+3\s+0\s+0\s+0$/);
  // W2's cohort: its W5 cell (offset 3) is partial, marked *.
  assert.match(lines[2]!, /^2026-01-12\s+2\s+100\s+50\s+0\s+50\*\s+2\s+3\s+0\s+0$/);
  assert.match(lines[3]!, /^2026-01-19\s+1\s+100\s+0\s+0\*\s+1\s+1\s+0\s+4$/);
  assert.match(lines[5]!, /^2026-02-02\*\s+0\s+0\s+1\s+2$/, "an unfinished period is marked *");
  assert.match(lines[6]!, /^overall\s+6\s+100\s+66\.7\s+0\s+66\.7$/);
  const csv = await cli(["report", "retention", "--db", db, "--csv", "--period", "month", "--periods", "1"]);
  assert.equal(
    csv.stdout,
    "period,cohort,m0,m1,new,returning,resurrected,dormant\n" +
      "2026-01-01,6,100,16.7*,6,0,0,0\n" +
      "2026-02-01*,,,,0,1,0,5\n" +
      "overall,6,100,,,,,\n",
  );

  const bad = async (args: string[], message: string) => {
    const r = await cli(["report", "retention", "--db", db, ...args]);
    assert.equal(r.code, 1, args.join(" "));
    assert.equal(r.stderr, `error: ${message}\n`);
  };
  await bad(["--period", "day"], '--period: one of week, month, not "day"');
  await bad(["--cohort", "signup"], '--cohort: one of first_seen, first_goal, not "signup"');
  await bad(["--return", "touchpoint:"], "--return: touchpoint:ID needs a touchpoint id of the catalog");
  await bad(["--periods", "many"], '--periods: expected a whole number ≥ 0, not "many"');
  const segment = await cli(["report", "retention", "--db", db, "--segment", "plan = gold"]);
  assert.equal(segment.code, 1);
  assert.match(segment.stderr, /^error: --segment: /);
});

test("the dialect's period numbers are the ones the report's labels are computed from", async () => {
  const { periodOf } = await import("../src/analysis/retention/periods.js");
  const wh = await openWarehouse(db);
  try {
    const instants = [
      "1950-01-01T00:00:00Z",
      "1969-12-28T23:59:59.999Z",
      "1969-12-29T00:00:00Z",
      "1970-01-01T00:00:00Z",
      "2026-01-04T23:59:59.999Z",
      "2026-01-05T00:00:00Z",
      "2026-02-28T23:59:59.999Z",
      "2026-03-01T00:00:00Z",
      "2028-02-29T12:00:00Z",
      "2099-12-31T23:59:59.999Z",
    ].map((iso) => Date.parse(iso));
    for (const unit of ["week", "month"] as const) {
      const rows = await wh.query<{ ms: number; p: number }>(
        `SELECT ms, ${wh.dialect.periodIndex(unit, "epoch_ms(ms)")} AS p FROM (SELECT unnest($1::BIGINT[]) AS ms)`,
        [instants.map(String)],
      );
      for (const { ms, p } of rows)
        assert.equal(p, periodOf(unit, ms), `${unit} of ${new Date(ms).toISOString()}`);
    }
  } finally {
    await wh.close();
  }
});

// --- The simulated business against a brute-force recomputation in plain JavaScript ---

type Raw = { customer_id: string; ms: number; event: string | null; is_bot: boolean };

/** Retention and lifecycle recomputed naively from raw events: weeks by their Monday, months by YYYY-MM. */
function bruteForce(
  events: Raw[],
  o: {
    period: "week" | "month";
    cohort: "first_seen" | "first_goal";
    active: (e: Raw) => boolean;
    periods: number;
  },
) {
  const DAY = 86_400_000;
  const label = (ms: number) => {
    const d = new Date(ms);
    if (o.period === "month") return `${d.toISOString().slice(0, 7)}-01`;
    return new Date(
      Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - ((d.getUTCDay() + 6) % 7) * DAY,
    )
      .toISOString()
      .slice(0, 10);
  };
  const next = (start: string, k: number) => {
    const d = new Date(`${start}T00:00:00Z`);
    return (
      o.period === "month"
        ? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1))
        : new Date(d.getTime() + k * 7 * DAY)
    )
      .toISOString()
      .slice(0, 10);
  };
  const human = events.filter((e) => !e.is_bot);
  const end = Math.max(...human.map((e) => e.ms)) + 1;
  const ended = (start: string) => Date.parse(`${next(start, 1)}T00:00:00Z`) <= end;
  const byCustomer = new Map<string, Raw[]>();
  for (const e of human) byCustomer.set(e.customer_id, [...(byCustomer.get(e.customer_id) ?? []), e]);
  const cohorts = new Map<string, string[]>();
  const activeIn = new Map<string, Set<string>>();
  for (const [c, list] of byCustomer) {
    const basis = o.cohort === "first_seen" ? list : list.filter((e) => e.event === "Order Completed");
    activeIn.set(c, new Set(list.filter(o.active).map((e) => label(e.ms))));
    if (basis.length === 0) continue;
    const start = label(Math.min(...basis.map((e) => e.ms)));
    cohorts.set(start, [...(cohorts.get(start) ?? []), c]);
  }
  const cohortList = [...cohorts.keys()].sort().map((start) => {
    const members = cohorts.get(start)!;
    return {
      start,
      customers: members.length,
      retention: Array.from({ length: o.periods + 1 }, (_, k) => {
        const n = members.filter((c) => activeIn.get(c)!.has(next(start, k))).length;
        return { offset: k, customers: n, share: n / members.length, complete: ended(next(start, k)) };
      }),
    };
  });
  const allPeriods = [...new Set([...activeIn.values()].flatMap((s) => [...s]))].sort();
  const lifecycle = [];
  for (let p = allPeriods[0]!; Date.parse(`${p}T00:00:00Z`) < end; p = next(p, 1)) {
    const prev = next(p, -1);
    let [n, ret, res, dormant] = [0, 0, 0, 0];
    for (const set of activeIn.values()) {
      const earlier = [...set].some((q) => q < p);
      if (set.has(p)) {
        if (!earlier) n++;
        else if (set.has(prev)) ret++;
        else res++;
      } else if (set.has(prev)) dormant++;
    }
    lifecycle.push({
      start: p,
      new: n,
      returning: ret,
      resurrected: res,
      dormant,
      active: n + ret + res,
      complete: ended(p),
    });
  }
  return { cohorts: cohortList, lifecycle };
}

test("on the simulated business, the report equals a brute-force recomputation over the raw events", async () => {
  const sim = tempDir();
  try {
    const { wh } = await simulatedWarehouse(`${sim.dir}/sim.duckdb`, 400, 11);
    try {
      const { REPORTS } = await import("../src/analysis/reports.js");
      const catalog = loadDefaultCatalog();
      assert.deepEqual(
        catalog.goals.map((g) => g.match),
        [[{ event: { kind: "exact", values: ["Order Completed"] } }]],
        "the brute force knows the default goal as this event",
      );
      const events = await wh.query<Raw>(
        "SELECT customer_id, epoch_ms(ts) AS ms, event, is_bot FROM customer_events",
      );
      assert.ok(events.length > 4000);
      const configurations = [
        { params: { period: "week", periods: "8" }, cohort: "first_seen", active: () => true },
        {
          params: { period: "month", cohort: "first_goal", return: "event:Product Viewed", periods: "4" },
          cohort: "first_goal",
          active: (e: Raw) => e.event === "Product Viewed",
        },
      ] as const;
      for (const c of configurations) {
        const report = (await REPORTS.retention!.run(wh, catalog, c.params)) as RetentionReport;
        const expected = bruteForce(events, {
          period: c.params.period,
          cohort: c.cohort,
          active: c.active,
          periods: Number(c.params.periods),
        });
        assert.ok(report.cohorts.length >= 4, "several cohorts");
        assert.deepEqual(report.cohorts, expected.cohorts, JSON.stringify(c.params));
        assert.deepEqual(report.lifecycle, expected.lifecycle, JSON.stringify(c.params));
        for (const o of report.overall) {
          const complete = expected.cohorts.filter((x) => x.retention[o.offset]!.complete);
          const base = complete.reduce((s, x) => s + x.customers, 0);
          const active = complete.reduce((s, x) => s + x.retention[o.offset]!.customers, 0);
          assert.deepEqual([o.customers, o.cohortCustomers], [active, base]);
          assert.equal(o.share, base ? active / base : null);
        }
      }

      // The fast touchpoint condition classifies every stored event exactly as the full catalog does.
      const compiled = compileCatalog(catalog);
      for (const id of compiled.touchpointIds) {
        const b = new SqlBuilder(wh.dialect);
        const full = `(${compiled.touchpoint(b)} IS NOT DISTINCT FROM ${b.param(id)})`;
        const fast = touchpointCondition(b, catalog, id);
        const [row] = await wh.query<{ differ: number; matched: number }>(
          `SELECT count(*) FILTER (WHERE ${full} <> ${fast}) AS differ, count(*) FILTER (WHERE ${full}) AS matched
           FROM customer_events`,
          b.params,
        );
        assert.equal(row!.differ, 0, id);
      }
    } finally {
      await wh.close();
    }
  } finally {
    sim.cleanup();
  }
});
