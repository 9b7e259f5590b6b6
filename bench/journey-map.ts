/**
 * Journey-map benchmark: a simulated business of BENCH_CUSTOMERS customers (default 1,000,000, about
 * 18M events) loaded through `touchpoint demo --no-serve`, then the journey-map and gaps reports timed
 * on it, with the process's memory high-water mark above its idle RSS after opening the warehouse.
 * BENCH_DB reuses a warehouse built by an earlier run.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { findGaps } from "../src/analysis/gaps/gaps.js";
import { journeyMap } from "../src/analysis/journey-map/journey-map.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { CLI, tempDir } from "../test/support.js";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
const RUNS = 3;

const status = (field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;

const tmp = process.env.BENCH_DB ? null : tempDir();
const db = process.env.BENCH_DB ?? `${tmp!.dir}/journey.duckdb`;
try {
  let loadSeconds: number | null = null;
  if (!existsSync(db)) {
    const started = Date.now();
    execFileSync(
      process.execPath,
      [CLI, "demo", "--no-serve", "--customers", String(CUSTOMERS), "--db", db],
      {
        stdio: ["ignore", "ignore", "inherit"],
        env: { ...process.env, NODE_OPTIONS: "--max-semi-space-size=64" },
      },
    );
    loadSeconds = (Date.now() - started) / 1000;
  }
  const wh = await openWarehouse(db);
  const catalog = loadDefaultCatalog();
  const [{ events, customers } = { events: 0, customers: 0 }] = await wh.query<{
    events: number;
    customers: number;
  }>("SELECT count(*) AS events, count(DISTINCT customer_id) AS customers FROM customer_events");
  const idle = status("VmRSS");
  const times: Record<string, number[]> = { "journey-map": [], gaps: [] };
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await journeyMap(wh, catalog, { from: null, to: null });
    times["journey-map"]!.push((performance.now() - t) / 1000);
    t = performance.now();
    findGaps(await journeyMap(wh, catalog, { from: null, to: null }));
    times.gaps!.push((performance.now() - t) / 1000);
  }
  const peak = status("VmHWM");
  await wh.close();

  const cpu = os.cpus();
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  console.log(
    `machine: ${cpu.length} × ${cpu[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );
  console.log(`command: BENCH_CUSTOMERS=${CUSTOMERS} node dist/bench/journey-map.js`);
  console.log(
    `warehouse: ${events.toLocaleString("en")} events, ${customers.toLocaleString("en")} customers${loadSeconds ? `, built in ${loadSeconds.toFixed(0)} s` : ""}`,
  );
  console.log("\n| report | median of 3 | runs | memory above idle RSS (peak) |\n|---|---|---|---|");
  for (const [name, xs] of Object.entries(times)) {
    console.log(
      `| ${name} | ${med(xs).toFixed(2)} s | ${xs.map((x) => x.toFixed(2)).join(", ")} | ${Math.round(peak - idle)} MB |`,
    );
  }
  console.log(`\nload average after: ${execFileSync("cat", ["/proc/loadavg"]).toString().trim()}`);
} finally {
  tmp?.cleanup();
}
