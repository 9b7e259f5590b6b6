import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { warehousePurchases } from "../src/analysis/clv/purchases.js";
import type { ClvReport } from "../src/analysis/clv/report.js";
import { buildSummary } from "../src/analysis/clv/summary.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import type { SimTruth } from "../src/sim/simulate.js";
import type { Warehouse } from "../src/warehouse/warehouse.js";
import { cli, simulatedWarehouse, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;
let wh: Warehouse;
let truth: SimTruth;
before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/clv.duckdb`;
  ({ wh, truth } = await simulatedWarehouse(db, 3000, 2));
  await wh.close();
});
after(() => tmp.cleanup());

const within = (actual: number, expected: number, relative: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual} not within ${relative * 100}% of ${expected}`,
  );

test("the warehouse summary is the one buildSummary makes from the same purchases", async () => {
  const { openWarehouse } = await import("../src/warehouse/duckdb.js");
  const wh = await openWarehouse(db);
  try {
    const holdoutFrom = Date.parse("2026-06-01T00:00:00Z");
    const sql = await warehousePurchases(wh, loadDefaultCatalog(), {
      from: null,
      to: null,
      unit: "week",
      holdoutFrom,
    });
    // The default catalog's goal: Order Completed, valued by its revenue.
    const orders = await wh.query<{ customer: string; time: number; amount: number }>(
      `SELECT customer_id AS customer, epoch_ms(ts) AS time, coalesce(revenue, 0) AS amount
       FROM customer_events WHERE event = 'Order Completed' AND NOT is_bot`,
    );
    const expected = buildSummary(orders, { end: sql.calibrationEnd, unit: "week" });
    assert.ok(expected.length > 500);
    assert.equal(sql.summary.length, expected.length);
    const byCustomer = new Map(sql.summary.map((c) => [c.customer, c]));
    for (const e of expected) {
      const got = byCustomer.get(e.customer)!;
      assert.equal(got.frequency, e.frequency, e.customer);
      for (const k of ["recency", "T", "monetary"] as const)
        assert.ok(Math.abs(got[k] - e[k]) < 1e-9, `${e.customer} ${k}: ${got[k]} vs ${e[k]}`);
    }
    assert.equal(sql.calibrationEnd, holdoutFrom - 86_400_000);
    const actual = [...sql.holdout!.actual.values()].reduce((a, b) => a + b, 0);
    assert.ok(actual > 0, "some customers buy again in the hold-out period");
  } finally {
    await wh.close();
  }
});

test("report clv recovers the simulated business's purchase and spend parameters", async () => {
  const { stdout } = await cli([
    "report",
    "clv",
    "--db",
    db,
    "--json",
    "--limit",
    "3",
    "--holdout-from",
    "2026-06-01",
  ]);
  const report = JSON.parse(stdout) as ClvReport;
  const { r, alpha, a, b } = truth.repeatPurchase;
  within(report.bgnbd.r, r, 0.25, "r");
  within(report.bgnbd.alpha, alpha, 0.25, "alpha");
  within(report.bgnbd.a / (report.bgnbd.a + report.bgnbd.b), a / (a + b), 0.2, "dropout share a/(a+b)");
  const meanSpend = (p: { p: number; q: number; gamma: number }) => (p.p * p.gamma) / (p.q - 1);
  within(meanSpend(report.gammaGamma), meanSpend(truth.spend), 0.15, "population mean spend");
  assert.equal(report.customers.length, 3);
  assert.ok(report.customers[0]!.clv >= report.customers[1]!.clv);
  for (const key of [
    "customerId",
    "frequency",
    "recency",
    "T",
    "expectedPurchases",
    "pAlive",
    "expectedSpend",
    "clv",
  ])
    assert.ok(key in report.customers[0]!, key);
  // The hold-out check: predicted purchases close to what happened.
  within(report.holdout!.totalPredicted, report.holdout!.totalActual, 0.2, "hold-out purchases");
  assert.equal(
    report.segments.reduce((s, x) => s + x.customers, 0),
    report.totals.customers,
  );
});

test("report clv reads an RFM file (CDNOW: the published fit); bad rows are named by line, not by a stack trace", async () => {
  const cdnow = fileURLToPath(new URL("../../src/analysis/clv/fixtures/cdnow_summary.csv", import.meta.url));
  const { stdout } = await cli([
    "report",
    "clv",
    "--rfm",
    cdnow,
    "--unit",
    "week",
    "--json",
    "--limit",
    "all",
  ]);
  const report = JSON.parse(stdout) as ClvReport;
  // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
  within(report.bgnbd.r, 0.243, 0.005, "r");
  within(report.bgnbd.alpha, 4.414, 0.005, "alpha");
  within(report.bgnbd.a, 0.793, 0.005, "a");
  within(report.bgnbd.b, 2.426, 0.005, "b");
  within(report.bgnbd.logLikelihood, -9582.4, 0.0001, "log-likelihood");
  assert.equal(report.customers.length, 2357);
  const csv = await cli(["report", "clv", "--rfm", cdnow, "--unit", "week", "--csv", "--limit", "10"]);
  assert.equal(csv.stdout.trim().split("\n").length, 11);

  const bad = `${tmp.dir}/bad.csv`;
  writeFileSync(bad, "customer_id,frequency,recency,T,monetary_value\na,1,5,3,10\nb,x,1,2,3\nc,1,1\n");
  const failed = await cli(["report", "clv", "--rfm", bad]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /bad\.csv:2: needs 0 ≤ recency ≤ T/);
  assert.match(failed.stderr, /bad\.csv:3: not a number in frequency/);
  assert.match(failed.stderr, /bad\.csv:4: 3 fields, the header has 5/);
  assert.doesNotMatch(failed.stderr, /\n\s+at /);

  const none = `${tmp.dir}/none.csv`;
  writeFileSync(none, "customer_id,frequency,recency,T,monetary_value\na,0,0,3,0\nb,0,0,5,0\n");
  const unidentified = await cli(["report", "clv", "--rfm", none]);
  assert.equal(unidentified.code, 1);
  assert.match(unidentified.stderr, /no customer made a repeat purchase/);
});
