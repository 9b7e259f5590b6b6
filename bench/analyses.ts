/**
 * Analysis benchmark: a simulated business of BENCH_CUSTOMERS customers (default 1,000,000, about 18M
 * events) loaded through `touchpoint demo --no-serve`, then each report timed in a fresh process (so
 * that its memory high-water mark above the idle RSS after opening the warehouse is its own).
 * BENCH_DB reuses a warehouse built by an earlier run; BENCH_REPORTS picks reports (comma-separated).
 *
 * The sequence analyses (journey map, gaps, attribution) read a classification cache that the first report
 * builds in the warehouse (src/analysis/cache/). So each report is measured three ways: read-only with the
 * cache off (`TOUCHPOINT_ANALYSIS_CACHE=off`: every event classified in the query), cold (on a writable copy,
 * BENCH_WORK_DB, default `<BENCH_DB>-bench.duckdb`, whose cache is dropped first: the run builds it), and
 * warm (the cache up to date). BENCH_MODES picks some of `uncached,cold,warm`.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { CACHE_TABLES } from "../src/analysis/cache/event-cache.js";
import { REPORTS } from "../src/analysis/reports.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import { warehouseOptions } from "../src/cli/runtime.js";
import { loadConfig } from "../src/config.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { CLI, tempDir } from "../test/support.js";

const RUNS = 3;
const status = (field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync("/proc/self/status", "utf8"))![1]) / 1024;

/** Child: time one run of one report on the warehouse; print {time, memory} as JSON. */
async function child(db: string, kind: string, params: Record<string, string>, writable: boolean) {
  // The engine's settings as the server would have them (TOUCHPOINT_DUCKDB_MEMORY, _THREADS).
  const wh = await openWarehouse(db, { ...warehouseOptions(loadConfig({ db })), readOnly: !writable });
  const catalog = loadDefaultCatalog();
  const idle = status("VmRSS");
  const t = performance.now();
  await REPORTS[kind]!.run(wh, catalog, params);
  const time = (performance.now() - t) / 1000;
  const peak = status("VmHWM");
  await wh.close();
  process.stdout.write(JSON.stringify({ time, memory: peak - idle }));
}

const SCENARIOS: { name: string; kind: string; params: Record<string, string> }[] = [
  { name: "journey-map", kind: "journey-map", params: {} },
  { name: "gaps", kind: "gaps", params: {} },
  { name: "attribution (all models, by channel)", kind: "attribution", params: { all: "true" } },
  { name: "clv (summary, BG/NBD, Gamma-Gamma, predictions)", kind: "clv", params: {} },
  {
    name: "funnel (4 steps, event names, 14d)",
    kind: "funnel",
    params: { steps: "Product Viewed, Product Added, Checkout Started, Order Completed" },
  },
  {
    name: "funnel (4 touchpoints, optional step, strict)",
    kind: "funnel",
    params: { steps: "product_pages, cart?, checkout, purchase", order: "strict" },
  },
  { name: "retention (monthly, first seen)", kind: "retention", params: { period: "month" } },
  { name: "paths (depth 5)", kind: "paths", params: {} },
];

const CACHED = new Set(["journey-map", "gaps", "attribution", "funnel", "paths", "retention"]);
type Mode = "uncached" | "cold" | "warm";

/** Drops the classification cache of a writable warehouse, so the next report builds it. */
async function dropCache(db: string) {
  const wh = await openWarehouse(db);
  for (const t of CACHE_TABLES) await wh.run(`DROP TABLE IF EXISTS ${t}`);
  await wh.run("CHECKPOINT");
  await wh.close();
}

if (process.argv[2] === "--child") {
  await child(
    process.argv[3]!,
    process.argv[4]!,
    JSON.parse(process.argv[5]!),
    process.argv[6] === "writable",
  );
} else if (process.argv[2] === "--drop-cache") {
  await dropCache(process.argv[3]!);
} else {
  const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_000_000);
  const only = process.env.BENCH_REPORTS?.split(",");
  const tmp = process.env.BENCH_DB ? null : tempDir();
  const db = process.env.BENCH_DB ?? `${tmp!.dir}/analyses.duckdb`;
  try {
    let loadSeconds: number | null = null;
    if (!existsSync(db)) {
      const started = Date.now();
      execFileSync(
        process.execPath,
        [CLI, "demo", "--no-serve", "--customers", String(customers), "--db", db],
        {
          stdio: ["ignore", "ignore", "inherit"],
          env: { ...process.env, NODE_OPTIONS: "--max-semi-space-size=64" },
        },
      );
      loadSeconds = (Date.now() - started) / 1000;
    }
    const wh = await openWarehouse(db, { readOnly: true });
    const [size] = await wh.query<{ events: number; customers: number }>(
      "SELECT count(*) AS events, count(DISTINCT customer_id) AS customers FROM customer_events",
    );
    await wh.close();
    const cpu = os.cpus();
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    console.log(
      `machine: ${cpu.length} × ${cpu[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    );
    console.log(`command: BENCH_CUSTOMERS=${customers} node dist/bench/analyses.js`);
    console.log(
      `warehouse: ${size!.events.toLocaleString("en")} events, ${size!.customers.toLocaleString("en")} customers${loadSeconds ? `, built in ${loadSeconds.toFixed(0)} s` : ""}`,
    );
    console.log(
      `\n| report | median of ${RUNS} | runs | memory above idle RSS (peak, worst run) |\n|---|---|---|---|`,
    );
    const modes = (process.env.BENCH_MODES?.split(",") ?? ["uncached", "cold", "warm"]) as Mode[];
    const work = process.env.BENCH_WORK_DB ?? `${db.replace(/\.duckdb$/, "")}-bench.duckdb`;
    const wanted = SCENARIOS.filter((s) => !only || only.includes(s.kind));
    if (wanted.some((s) => CACHED.has(s.kind)) && modes.some((m) => m !== "uncached") && !existsSync(work))
      copyFileSync(db, work);
    const runOnce = (s: (typeof SCENARIOS)[number], mode: Mode | null) => {
      const out = execFileSync(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          "--child",
          mode === null || mode === "uncached" ? db : work,
          s.kind,
          JSON.stringify(s.params),
          mode === "cold" || mode === "warm" ? "writable" : "readonly",
        ],
        {
          stdio: ["ignore", "pipe", "inherit"],
          env: mode === "uncached" ? { ...process.env, TOUCHPOINT_ANALYSIS_CACHE: "off" } : process.env,
        },
      ).toString();
      return JSON.parse(out) as { time: number; memory: number };
    };
    const row = (name: string, runs: { time: number; memory: number }[]) => {
      const times = runs.map((r) => r.time);
      const memory = Math.max(...runs.map((r) => r.memory));
      const median = runs.length === 1 ? times[0]! : med(times);
      console.log(
        `| ${name} | ${median.toFixed(2)} s | ${times.map((x) => x.toFixed(2)).join(", ")} | ${Math.round(memory)} MB |`,
      );
    };
    for (const s of wanted) {
      if (!CACHED.has(s.kind)) {
        row(
          s.name,
          Array.from({ length: RUNS }, () => runOnce(s, null)),
        );
        continue;
      }
      for (const mode of modes) {
        if (mode === "uncached")
          row(
            `${s.name}, cache off`,
            Array.from({ length: RUNS }, () => runOnce(s, mode)),
          );
        // Cold: each run starts without a cache and builds it.
        if (mode === "cold")
          row(
            `${s.name}, cold (builds the cache)`,
            Array.from({ length: RUNS }, () => {
              execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--drop-cache", work]);
              return runOnce(s, mode);
            }),
          );
        if (mode === "warm") {
          runOnce(s, "cold"); // brings the cache up to date if it is not
          row(
            `${s.name}, warm (cache up to date)`,
            Array.from({ length: RUNS }, () => runOnce(s, mode)),
          );
        }
      }
    }
    console.log(`\nload average after: ${readFileSync("/proc/loadavg", "utf8").trim()}`);
  } finally {
    tmp?.cleanup();
  }
}
