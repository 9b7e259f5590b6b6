import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { AttributionReport } from "../src/analysis/attribution/report.js";
import { cli, createApiToken, startServer, tempDir } from "./support.js";

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../src/analysis/attribution/fixtures/${name}`, import.meta.url));

let tmp: ReturnType<typeof tempDir>;
let db: string;
before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/demo.duckdb`;
  const r = await cli(["demo", "--no-serve", "--customers", "400", "--seed", "5", "--db", db]);
  assert.equal(r.code, 0, r.stderr);
});
after(() => tmp.cleanup());

const close = (actual: number, expected: number, what: string) =>
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );

test("report attribution --paths reproduces the public fixture through the CLI", async () => {
  const expected = JSON.parse(readFileSync(fixture("attribution-fixture.expected.json"), "utf8"));
  for (const order of [1, 2, 3]) {
    const models =
      order === 1
        ? ["first_touch", "last_touch", "last_non_direct", "linear", "position_based", "shapley", "markov"]
        : ["markov"];
    const r = await cli([
      "report",
      "attribution",
      "--paths",
      fixture("attribution-fixture.csv"),
      "--model",
      ...models,
      "--order",
      String(order),
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as AttributionReport;
    assert.equal(report.source, "paths");
    assert.equal(report.conversions, expected.input.total_conversions);
    for (const model of models) {
      const want = expected.models[model === "markov" ? `markov_order_${order}` : model];
      for (const c of report.models[model]!) {
        close(c.conversions, want.conversions[c.key], `${model} ${c.key} conversions`);
        close(c.value, want.value[c.key], `${model} ${c.key} value`);
        if (model === "markov")
          close(c.removalEffect!, want.removalEffect[c.key], `markov ${c.key} removal effect`);
      }
    }
  }
  const table = await cli([
    "report",
    "attribution",
    "--paths",
    fixture("attribution-fixture.csv"),
    "--model",
    "markov,linear",
  ]);
  assert.match(
    table.stdout.split("\n")[0]!,
    /^channel\s+markov conv\s+markov value\s+linear conv\s+linear value$/,
  );
  assert.match(table.stdout, /\ntotal\s+3688\s+293252\s+3688\s+293252\n/);
});

test("bad path files and bad options are named, by line, without a stack trace", async () => {
  const bad = `${tmp.dir}/paths.csv`;
  writeFileSync(
    bad,
    "path,total_conversions,total_conversion_value,total_null\nEmail > Direct,2,10,x\n > Email,1,5,0\n",
  );
  const r = await cli(["report", "attribution", "--paths", bad]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /paths\.csv:2: .*total_null/);
  assert.match(r.stderr, /paths\.csv:3: .*empty/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const decay = await cli(["report", "attribution", "--paths", fixture("attribution-fixture.csv"), "--all"]);
  assert.equal(decay.code, 1);
  assert.match(decay.stderr, /time_decay needs the time of every touch/);
  const model = await cli(["report", "attribution", "--db", db, "--model", "markvo"]);
  assert.match(model.stderr, /^error: --model: unknown model "markvo"; one of first_touch, /);
  const order = await cli(["report", "attribution", "--db", db, "--model", "markov", "--order", "5"]);
  assert.match(order.stderr, /--order: 1 to 4/);
});

test("report attribution on the warehouse: every model's credit sums to the conversions and value", async () => {
  for (const by of ["channel", "touchpoint"]) {
    const r = await cli(["report", "attribution", "--db", db, "--all", "--by", by, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as AttributionReport;
    assert.equal(report.by, by);
    assert.equal(report.currency, "EUR");
    assert.ok(report.conversions > 50 && report.value > 0);
    assert.deepEqual(Object.keys(report.models).sort(), [
      "first_touch",
      "last_non_direct",
      "last_touch",
      "linear",
      "markov",
      "position_based",
      "shapley",
      "time_decay",
    ]);
    for (const [model, credits] of Object.entries(report.models)) {
      const sum = (k: "conversions" | "value") => credits.reduce((s, c) => s + c[k], 0);
      assert.ok(Math.abs(sum("conversions") - report.conversions) < 1e-6, `${by} ${model} conversions`);
      assert.ok(Math.abs(sum("value") - report.value) < 1e-6 * report.value, `${by} ${model} value`);
    }
    assert.ok(report.models.markov!.every((c) => typeof c.removalEffect === "number"));
    // Markov's conversion probability is the share of journeys that convert.
    assert.ok(
      Math.abs(
        report.markov!.conversionProbability - report.conversions / (report.conversions + report.nulls),
      ) < 1e-9,
    );
  }
  const csv = await cli(["report", "attribution", "--db", db, "--model", "markov", "--csv"]);
  assert.match(csv.stdout, /^channel,markov conv,markov value\n/);
});

test("GET /api/attribution and /api/clv: the CLI's reports, behind a token, 400 on bad options", async () => {
  const token = await createApiToken(db);
  const server = await startServer(db);
  try {
    const get = (path: string, auth = true) =>
      fetch(`${server.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
    assert.equal((await get("/api/attribution", false)).status, 401);
    const res = await get("/api/attribution?by=touchpoint&model=markov,linear&order=2&lookback=14d");
    assert.equal(res.status, 200);
    const report = (await res.json()) as AttributionReport;
    assert.equal(report.by, "touchpoint");
    assert.equal(report.markovOrder, 2);
    assert.deepEqual(Object.keys(report.models), ["markov", "linear"]);
    assert.equal((await get("/api/attribution?model=nope")).status, 400);
    // A file path is a CLI-only input: over HTTP it is dropped, never read on the server.
    const path = (await (await get("/api/attribution?paths=/etc/passwd")).json()) as AttributionReport;
    assert.equal(path.source, "warehouse");
    const clv = await get("/api/clv?limit=5");
    assert.equal(clv.status, 200);
    const body = (await clv.json()) as { customers: unknown[]; bgnbd: { r: number } };
    assert.equal(body.customers.length, 5);
    assert.ok(body.bgnbd.r > 0);
    assert.equal((await get("/api/clv?unit=month")).status, 400);
  } finally {
    await server.stop();
  }
});
