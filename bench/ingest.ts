/**
 * Ingest benchmark over loopback: durable /v1/batch (100-event batches, concurrent connections) and
 * single /v1/track calls against the real server process, beside two floors measured in the same run
 * on the same machine: the JSON.parse ceiling of the same payloads, and a bare durable server
 * (bench/bare-server.ts) under the same load. `npm run bench`; BENCH_SECONDS (default 10) per scenario,
 * BENCH_SOAK_SECONDS for an optional long batch run that watches the server's memory.
 *
 * The client is wrk when it is installed (Debian's package `wrk`; BENCH_CLIENT=wrk|autocannon to choose):
 * it shares the two cores with the server, and wrk takes a half to a fifth of the CPU autocannon does.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomInt, randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { ingestLogDir } from "../src/config.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";
import { addSource, startListening, startServer, tempDir } from "../test/support.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SOAK = Number(process.env.BENCH_SOAK_SECONDS ?? 0);
const BATCH = 100;
const CLIENT = chooseClient();

/**
 * The benchmark's message, about 410 bytes: the shape of a typical browser track call. wrk fills the
 * same template (bench/wrk-events.lua). Random UUIDs as message ids, like the Segment libraries send: ids
 * that sort by time would let the warehouse skip most of the duplicate check, which real traffic does
 * not allow.
 */
const EVENT =
  '{"type":"track","event":"Product Viewed","messageId":"{id}","anonymousId":"anon-{customer}","userId":{user},"timestamp":"2026-11-23T10:00:00.000Z","properties":{"product_id":"sku-{product}","price":19.9,"currency":"EUR"},"context":{"page":{"url":"https://shop.example/p/{product}?utm_source=google&utm_medium=cpc","referrer":"https://www.google.com/"},"userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}}';

/** The n-th message: 50,000 customers, a third of the messages from signed-in ones, 500 products. */
function event(n: number): string {
  const values: Record<string, string> = {
    id: randomUUID(),
    customer: String(n % 50000),
    user: n % 3 === 0 ? `"user-${n % 50000}"` : "null",
    product: String(n % 500),
  };
  return EVENT.replace(/\{(\w+)\}/g, (_, key: string) => values[key]!);
}

let counter = 0;
const batchBody = () => {
  const parts: string[] = [];
  for (let i = 0; i < BATCH; i++) parts.push(event(counter++));
  return `{"batch":[${parts.join(",")}]}`;
};

function jsonParseCeiling(): { eventsPerSecond: number; bodyBytes: number } {
  const bodies = Array.from({ length: 200 }, () => Buffer.from(batchBody()));
  let events = 0;
  const start = process.hrtime.bigint();
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    for (const b of bodies) {
      JSON.parse(b.toString("utf8"));
      events += BATCH;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { eventsPerSecond: events / seconds, bodyBytes: bodies[0]!.length };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

/** CPU seconds used so far by the server: its main (JavaScript) thread, and all its other threads. */
function cpuSeconds(pid: number): { main: number; other: number } {
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const t = statCpuSeconds(`/proc/${pid}/task/${tid}/stat`);
      if (Number(tid) === pid) main += t;
      else other += t;
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { main, other };
}

interface ClientRun {
  /** Requests answered 2xx. */
  ok: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Share of one core the client used. */
  clientCpu: number;
}

async function load(url: string, batch: number, connections: number, seconds: number, pid: number) {
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(pid));
  }, 250);
  const cpuBefore = cpuSeconds(pid);
  const run =
    CLIENT === "wrk"
      ? await runWrk(url, batch, connections, seconds)
      : await runAutocannon(url, batch, connections, seconds);
  clearInterval(sampler);
  const cpuAfter = cpuSeconds(pid);
  return {
    ...run,
    requestsPerSecond: run.ok / seconds,
    peakRss,
    // Share of one core used by the server's JavaScript thread, and by its other threads (DuckDB's
    // loader, libuv's file system pool), over the run.
    cpuMain: (cpuAfter.main - cpuBefore.main) / seconds,
    cpuOther: (cpuAfter.other - cpuBefore.other) / seconds,
  };
}

function authorization(): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;
}

async function runAutocannon(
  url: string,
  batch: number,
  connections: number,
  seconds: number,
): Promise<ClientRun> {
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: `${url}${batch === 0 ? "/v1/track" : "/v1/batch"}`,
    method: "POST",
    connections,
    duration: seconds,
    headers: { "content-type": "application/json", authorization: authorization() },
    requests: [{ setupRequest: (req) => ({ ...req, body: batch === 0 ? event(counter++) : batchBody() }) }],
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    ok: result["2xx"],
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    clientCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

async function runWrk(url: string, batch: number, connections: number, seconds: number): Promise<ClientRun> {
  const script = fileURLToPath(new URL("../../bench/wrk-events.lua", import.meta.url));
  const wrk = spawn("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "-s", script, url], {
    env: {
      ...process.env,
      BENCH_AUTH: authorization(),
      BENCH_BATCH: String(batch),
      BENCH_SEED: String(randomInt(2 ** 31)),
      BENCH_EVENT: EVENT,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  wrk.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  // Read while it runs: once it has exited, /proc no longer has it.
  let clientCpu = 0;
  const sampler = setInterval(() => {
    try {
      clientCpu = statCpuSeconds(`/proc/${wrk.pid}/stat`);
    } catch {}
  }, 500);
  const code = await new Promise<number | null>((resolve) => wrk.on("exit", resolve));
  clearInterval(sampler);
  const count = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const requests = count(/(\d+) requests in/);
  if (code !== 0 || requests === 0) throw new Error(`wrk failed (exit code ${code}):\n${out}`);
  const non2xx = count(/Non-2xx or 3xx responses: (\d+)/);
  const sockets = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    ok: requests - non2xx,
    p50: wrkLatencyMs(out, 50),
    p99: wrkLatencyMs(out, 99),
    non2xx,
    errors: sockets ? sockets.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0,
    clientCpu: clientCpu / seconds,
  };
}

/** A percentile of wrk's `--latency` distribution ("  99%  96.80ms"), in milliseconds. */
function wrkLatencyMs(out: string, percentile: number): number {
  const m = new RegExp(`^\\s+${percentile}%\\s+([\\d.]+)(us|ms|s|m)$`, "m").exec(out);
  if (!m) throw new Error(`no ${percentile}th percentile in wrk's output:\n${out}`);
  const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2] as "us" | "ms" | "s" | "m"];
  return Math.round(Number(m[1]) * scale);
}

/** User and system CPU seconds from a /proc `stat` file (of a process or a thread). */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
}

function chooseClient(): "wrk" | "autocannon" {
  const asked = process.env.BENCH_CLIENT;
  if (asked === "wrk" || asked === "autocannon") return asked;
  if (asked) {
    process.stderr.write(`BENCH_CLIENT is ${JSON.stringify(asked)}; use wrk or autocannon\n`);
    process.exit(2);
  }
  return spawnSync("wrk", ["--version"]).error ? "autocannon" : "wrk";
}

let writeKey = "";

const tmp = tempDir();
try {
  const db = `${tmp.dir}/bench.duckdb`;
  writeKey = await addSource(db, "bench");
  const ceiling = jsonParseCeiling();
  // What this machine does without Touchpoint in this hour: the issue's targets were set against it.
  const barePath = fileURLToPath(new URL("./bare-server.js", import.meta.url));
  const bareServer = await startListening([barePath, tmp.dir]);
  const bareBatch = await load(bareServer.url, BATCH, 50, SECONDS, bareServer.process.pid!);
  const bareSingle = await load(bareServer.url, 0, 50, SECONDS, bareServer.process.pid!);
  await bareServer.stop();
  // A larger young generation halves the garbage collector's share at this allocation rate (docs/configuration.md).
  const server = await startServer(db, { NODE_OPTIONS: "--max-semi-space-size=64" });
  const pid = server.process.pid!;
  const batch = await load(server.url, BATCH, 50, SECONDS, pid);
  const single = await load(server.url, 0, 50, SECONDS, pid);
  const soak = SOAK > 0 ? await load(server.url, BATCH, 50, SOAK, pid) : null;
  const acknowledged = (batch.ok + (soak?.ok ?? 0)) * BATCH + single.ok;
  // Acknowledged is not loaded: a loader falling behind shows as log still waiting when the runs end.
  const waiting = waitingLog(ingestLogDir(db));
  const runSeconds = 2 * SECONDS + SOAK;
  const bareBatchEvents = bareBatch.requestsPerSecond * BATCH;
  const stopping = performance.now();
  const code = await server.stop();
  const stopSeconds = (performance.now() - stopping) / 1000;
  const wh = await openWarehouse(db);
  const [stored] = await wh.query<{ n: number }>("SELECT count(*) AS n FROM events");
  await wh.close();

  const batchEvents = batch.requestsPerSecond * BATCH;
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    `machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`,
    `command: BENCH_SECONDS=${SECONDS}${SOAK ? ` BENCH_SOAK_SECONDS=${SOAK}` : ""} npm run bench`,
    `client: ${CLIENT === "wrk" ? "wrk, one thread" : "autocannon, in the benchmark's process (install Debian's wrk for a lighter client)"}`,
    "",
    "| scenario | throughput | p50 | p99 | non-2xx | server peak RSS | server CPU: JS thread + other threads (cores) | client CPU (cores) |",
    "|---|---|---|---|---|---|---|---|",
    `| JSON.parse ceiling, same ${(ceiling.bodyBytes / 1024).toFixed(0)} KB batch bodies | ${fmt(ceiling.eventsPerSecond)} events/s | | | | | | |`,
    `| bare durable server, /v1/batch | ${fmt(bareBatchEvents)} events/s | ${bareBatch.p50} ms | ${bareBatch.p99} ms | ${bareBatch.non2xx}${errors(bareBatch)} | ${bareBatch.peakRss.toFixed(0)} MB | ${cpuShare(bareBatch)} | ${bareBatch.clientCpu.toFixed(2)} |`,
    `| bare durable server, /v1/track | ${fmt(bareSingle.requestsPerSecond)} req/s | ${bareSingle.p50} ms | ${bareSingle.p99} ms | ${bareSingle.non2xx}${errors(bareSingle)} | ${bareSingle.peakRss.toFixed(0)} MB | ${cpuShare(bareSingle)} | ${bareSingle.clientCpu.toFixed(2)} |`,
    `| /v1/batch, 100 events, 50 connections, durable | ${fmt(batchEvents)} events/s (${pct(batchEvents, ceiling.eventsPerSecond)} of ceiling, ${pct(batchEvents, bareBatchEvents)} of bare) | ${batch.p50} ms | ${batch.p99} ms | ${batch.non2xx}${errors(batch)} | ${batch.peakRss.toFixed(0)} MB | ${cpuShare(batch)} | ${batch.clientCpu.toFixed(2)} |`,
    `| /v1/track, single events, 50 connections, durable | ${fmt(single.requestsPerSecond)} req/s (${pct(single.requestsPerSecond, bareSingle.requestsPerSecond)} of bare) | ${single.p50} ms | ${single.p99} ms | ${single.non2xx}${errors(single)} | ${single.peakRss.toFixed(0)} MB | ${cpuShare(single)} | ${single.clientCpu.toFixed(2)} |`,
    ...(soak
      ? [
          `| /v1/batch soak, ${SOAK} s | ${fmt(soak.requestsPerSecond * BATCH)} events/s (${pct(soak.requestsPerSecond * BATCH, bareBatchEvents)} of bare) | ${soak.p50} ms | ${soak.p99} ms | ${soak.non2xx}${errors(soak)} | ${soak.peakRss.toFixed(0)} MB | ${cpuShare(soak)} | ${soak.clientCpu.toFixed(2)} |`,
        ]
      : []),
    "",
    // Under contention (other jobs on the machine, the client on the same cores) this ratio moves less
    // than the throughput itself: it says what the server's work per event costs.
    `/v1/batch events per second of server CPU: ${fmt(batchEvents / (batch.cpuMain + batch.cpuOther))} (JS thread alone: ${fmt(batchEvents / batch.cpuMain)})`,
    `/v1/track requests per second of server CPU: ${fmt(single.requestsPerSecond / (single.cpuMain + single.cpuOther))} (JS thread alone: ${fmt(single.requestsPerSecond / single.cpuMain)})`,
    "",
    `events acknowledged: ${fmt(acknowledged)}; stored in the warehouse after SIGTERM: ${fmt(stored!.n)} (stored ≥ acknowledged: an event written but cut off before its answer is kept); server exit code ${code}`,
    `log not yet in the warehouse when the runs ended: ${(waiting.bytes / 1e6).toFixed(0)} MB, ${fmt(waiting.events)} events (loaded during the stop, which took ${stopSeconds.toFixed(1)} s)`,
    // What the loader kept up with: acknowledged beyond it only lengthens the log (up to its bound).
    `into the warehouse during the ${runSeconds} s of runs: ${fmt((acknowledged - waiting.events) / runSeconds)} events/s (acknowledged: ${fmt(acknowledged / runSeconds)})`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  try {
    process.stdout.write(`load average after: ${execFileSync("cat", ["/proc/loadavg"]).toString()}`);
  } catch {}
} finally {
  tmp.cleanup();
}

/** The ingest log's segments not yet loaded: their bytes and lines (one event each here). */
function waitingLog(dir: string): { bytes: number; events: number } {
  let bytes = 0;
  let events = 0;
  for (const name of readdirSync(dir)) {
    try {
      const data = readFileSync(join(dir, name));
      bytes += data.length;
      for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) events++;
    } catch {
      // loaded, and removed, meanwhile
    }
  }
  return { bytes, events };
}

function errors(r: { errors: number }): string {
  return r.errors > 0 ? ` (+${r.errors} socket errors)` : "";
}

function cpuShare(r: { cpuMain: number; cpuOther: number }): string {
  return `${r.cpuMain.toFixed(2)} + ${r.cpuOther.toFixed(2)}`;
}

function pct(part: number, whole: number): string {
  return `${((100 * part) / whole).toFixed(0)} %`;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
