import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ClvReport } from "../src/analysis/clv/report.js";
import type { CustomerProfile, CustomerSearch } from "../src/analysis/customer/report.js";
import { cli, createApiToken, simulatedWarehouse, startServer, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let token: string;

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/customers.duckdb`;
  const { wh } = await simulatedWarehouse(db, 600, 4);
  await wh.close();
  token = await createApiToken(db);
});
after(() => tmp.cleanup());

test("report customer: one profile across ids and channels, with the saved lifetime value", async () => {
  const clv = JSON.parse(
    (await cli(["report", "clv", "--db", db, "--save", "--json", "--limit", "1"])).stdout,
  ) as ClvReport;
  const best = clv.customers[0]!;
  const r = await cli(["report", "customer", best.customerId, "--db", db, "--json", "--limit", "5000"]);
  assert.equal(r.code, 0, r.stderr);
  const profile = JSON.parse(r.stdout) as CustomerProfile;
  assert.equal(profile.customerId, best.customerId);
  assert.ok(profile.ids.some((i) => i.kind === "user" && i.id === best.customerId));
  assert.ok(
    profile.ids.some((i) => i.kind === "anonymous"),
    "the anonymous visits before identifying are merged in",
  );
  assert.match(String(profile.traits.email), /@example\.com$/);
  assert.equal(profile.timeline.length, profile.events);
  assert.ok(
    profile.timeline.every((t, i) => i === 0 || profile.timeline[i - 1]!.time >= t.time),
    "most recent first",
  );
  assert.equal(profile.timeline.filter((t) => t.goal).length, profile.conversions);
  assert.ok(profile.conversions >= best.frequency + 1, "every purchase day is a conversion");
  assert.ok(profile.channels.length >= 2);
  assert.ok(profile.timeline.some((t) => t.touchpoint && t.stage));
  assert.ok(Math.abs(profile.lifetimeValue!.clv - best.clv) < 1e-9);
  assert.equal(profile.lifetimeValue!.segment, best.segment);

  const table = await cli(["report", "customer", best.customerId, "--db", db, "--limit", "3"]);
  assert.match(table.stdout, new RegExp(`^customer\\s+${best.customerId}\\n`));
  assert.match(table.stdout, /value\s+CLV [\d.]+ EUR, /, "money in the data's currency");
  assert.match(table.stdout, /conversions, [\d.]+ EUR value\n/);
  assert.match(table.stdout, /goal\s+value \(EUR\)\n/);
  const missing = await cli(["report", "customer", "nobody", "--db", db]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'error: no customer "nobody"; try --search\n');
});

test("customers are found by email, id prefix or trait, over the CLI and the API behind a token", async () => {
  const first = JSON.parse(
    (await cli(["report", "customer", "--search", "cust-0000", "--db", db, "--json"])).stdout,
  ).customers[0].customerId as string;
  const profile = JSON.parse(
    (await cli(["report", "customer", first, "--db", db, "--json", "--limit", "1"])).stdout,
  ) as CustomerProfile;
  const email = String(profile.traits.email);
  const byEmail = JSON.parse(
    (await cli(["report", "customer", "--search", email.toUpperCase(), "--db", db, "--json"])).stdout,
  ) as CustomerSearch;
  assert.deepEqual(
    byEmail.customers.map((c) => [c.customerId, c.matched]),
    [[first, "email"]],
  );
  const server = await startServer(db);
  try {
    const get = (path: string, auth = true) =>
      fetch(`${server.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
    assert.equal((await get("/api/customers?query=cust-000", false)).status, 401);
    const found = (await (await get("/api/customers?query=cust-000")).json()) as CustomerSearch;
    assert.ok(found.customers.length >= 5);
    assert.ok(found.customers.every((c) => c.customerId.startsWith("cust-000")));
    const byName = (await (
      await get(`/api/customers?query=${encodeURIComponent(String(profile.traits.name))}`)
    ).json()) as CustomerSearch;
    assert.ok(byName.customers.some((c) => c.customerId === first && c.matched === "trait"));
    const one = await get(`/api/customers/${first}?limit=10`);
    assert.equal(one.status, 200);
    const body = (await one.json()) as CustomerProfile;
    assert.equal(body.timeline.length, Math.min(10, body.events));
    assert.equal((await get("/api/customers/nobody")).status, 404);
  } finally {
    await server.stop();
  }
});

test("--segment filters every report to the customers it names (CLV scores, traits)", async () => {
  await cli(["report", "clv", "--db", db, "--save", "--limit", "1"]);
  const { openWarehouse } = await import("../src/warehouse/duckdb.js");
  const wh = await openWarehouse(db);
  let threshold: number;
  let expectedAnswers: number;
  let city: string;
  let expectedCustomers: number;
  try {
    [{ threshold }] = (await wh.query<{ threshold: number }>(
      "SELECT quantile_cont(clv, 0.8) AS threshold FROM customer_scores",
    )) as [{ threshold: number }];
    [{ n: expectedAnswers }] = (await wh.query<{ n: number }>(
      `SELECT count(*) AS n FROM customer_events
       WHERE event = 'Survey Responded' AND NOT is_bot
         AND customer_id IN (SELECT customer_id FROM customer_scores WHERE clv > $1)`,
      [threshold],
    )) as [{ n: number }];
    [{ city, n: expectedCustomers }] = (await wh.query<{ city: string; n: number }>(
      `SELECT json_extract_string(traits, '$.city') AS city, count(DISTINCT customer_id) AS n FROM customer_events
       WHERE type = 'identify' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`,
    )) as [{ city: string; n: number }];
  } finally {
    await wh.close();
  }
  const feedback = JSON.parse(
    (await cli(["report", "feedback", "--db", db, "--json", "--segment", `clv > ${threshold}`])).stdout,
  );
  assert.ok(expectedAnswers > 0);
  assert.equal(feedback.overall.responses, expectedAnswers);
  const map = JSON.parse(
    (await cli(["report", "journey-map", "--db", db, "--json", "--segment", `trait.city = "${city}"`]))
      .stdout,
  );
  assert.equal(map.totals.customers, expectedCustomers);
  const bad = await cli(["report", "gaps", "--db", db, "--segment", "plan = gold"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: --segment: unknown field "plan"/);
});
