import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { defaultCatalogPath } from "../src/catalog/default.js";
import { cli, startServer, tempDir } from "./support.js";

let tmp: ReturnType<typeof tempDir>;
let db: string;

before(async () => {
  tmp = tempDir();
  db = `${tmp.dir}/demo.duckdb`;
  const r = await cli(["demo", "--no-serve", "--customers", "300", "--seed", "3", "--db", db]);
  assert.equal(r.code, 0, r.stderr);
});
after(() => tmp.cleanup());

test("demo builds once, writes its ground truth, and refuses another demo in the same file", async () => {
  const truth = JSON.parse(readFileSync(`${db}.truth.json`, "utf8"));
  assert.equal(truth.seed, 3);
  const again = await cli(["demo", "--no-serve", "--customers", "300", "--seed", "3", "--db", db]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /already holds the demo/);
  const other = await cli(["demo", "--no-serve", "--customers", "300", "--seed", "4", "--db", db]);
  assert.equal(other.code, 1);
  assert.match(other.stderr, /^error: the warehouse holds the demo with seed 3/);
});

test("report journey-map and gaps: table, JSON and CSV", async () => {
  const json = await cli(["report", "journey-map", "--json", "--db", db]);
  assert.equal(json.code, 0, json.stderr);
  const map = JSON.parse(json.stdout);
  assert.deepEqual(
    map.stages.map((s: { id: string }) => s.id),
    ["pre-purchase", "purchase", "post-purchase"],
  );
  assert.equal(map.currency, "EUR");
  assert.ok(map.totals.conversions > 0);

  const table = await cli(["report", "gaps", "--db", db]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(
    table.stdout.split("\n")[0]!,
    /^rank\s+touchpoint\s+stage\s+customers\s+at stake \(EUR\)\s+evidence$/,
  );
  const csv = await cli(["report", "gaps", "--csv", "--db", db]);
  assert.match(csv.stdout, /^rank,touchpoint,stage,customers,at stake \(EUR\),evidence\n1,/);

  const bad = await cli(["report", "journey-map", "--from", "yesterday", "--db", db]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'error: --from: not a date: "yesterday" (use YYYY-MM-DD)\n');
  const unknown = await cli(["report", "nope", "--db", db]);
  assert.match(unknown.stderr, /unknown report "nope"; one of: journey-map, gaps/);
});

test("catalog check names the file and line of each problem", async () => {
  const ok = await cli(["catalog", "check", defaultCatalogPath()]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /OK/);
  const file = `${tmp.dir}/bad.yml`;
  writeFileSync(
    file,
    "stages: [pre-purchase]\ntouchpoints:\n  - id: ad\n    name: Ad\n    stage: nowhere\n    match: { channel: Paid Search }\n",
  );
  const bad = await cli(["catalog", "check", file]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, new RegExp(`${file.replaceAll("/", "\\/")}:5:\\d+: .*nowhere`));
});

test("GET /api/journey-map and /api/gaps need a token and follow catalog edits", async () => {
  const tokenOut = await cli(["tokens", "create", "--db", db]);
  const token = tokenOut.stdout.trim().split("\n").at(-1)!;
  const catalogFile = `${tmp.dir}/touchpoints.yml`;
  writeFileSync(catalogFile, readFileSync(defaultCatalogPath(), "utf8"));
  const server = await startServer(db, {}, ["--catalog", catalogFile]);
  try {
    const get = (path: string, auth = true) =>
      fetch(`${server.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
    assert.equal((await get("/api/gaps", false)).status, 401);
    const gaps = (await (await get("/api/gaps")).json()) as { gaps: unknown };
    assert.ok(Array.isArray(gaps.gaps));
    type Map = { stages: { touchpoints: { id: string; customers: number }[] }[] };
    const before = (await (await get("/api/journey-map")).json()) as Map;
    const reach = (m: Map, id: string) =>
      m.stages.flatMap((s) => s.touchpoints).find((t) => t.id === id)?.customers;
    assert.ok((reach(before, "website_visit") ?? 0) > 0);
    // Re-classify history: plain pages are no longer a touchpoint of their own.
    const edited = readFileSync(catalogFile, "utf8").replace(/\n {2}- id: website_visit[\s\S]*$/, "\n");
    writeFileSync(catalogFile, edited);
    const after = (await (await get("/api/journey-map")).json()) as Map;
    assert.equal(reach(after, "website_visit"), undefined);
    assert.equal((await get("/api/journey-map?from=not-a-date")).status, 400);
  } finally {
    await server.stop();
  }
});
