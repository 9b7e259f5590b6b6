import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TemplateContext } from "../src/automation/rules.js";
import { ingestSimulation } from "../src/cli/demo.js";
import { ingestLogDir, loadConfig } from "../src/config.js";
import { Ingestor } from "../src/ingest/ingestor.js";
import type { PipelineContext } from "../src/ingest/pipeline.js";
import { simulateBusiness } from "../src/sim/simulate.js";
import { openWarehouse } from "../src/warehouse/duckdb.js";

/** The built CLI, run the way a user runs it. */
export const CLI = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

const run = promisify(execFile);

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "touchpoint-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** Creates a source and returns its write key (the last line of `sources add`). */
export async function addSource(db: string, name: string, kind = "web"): Promise<string> {
  const r = await cli(["sources", "add", name, "--db", db, "--kind", kind]);
  if (r.code !== 0) throw new Error(`sources add failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1)!;
}

/** Creates an API token with the CLI and returns it (the last line it prints). */
export async function createApiToken(db: string, role: "read" | "admin" = "read"): Promise<string> {
  const r = await cli(["tokens", "create", "--db", db, "--role", role]);
  if (r.code !== 0) throw new Error(`tokens create failed: ${r.stderr}`);
  return r.stdout.trim().split("\n").at(-1)!;
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop: () => Promise<number | null>;
  kill: () => Promise<void>;
}

export function startServer(
  db: string,
  env: NodeJS.ProcessEnv = {},
  args: string[] = [],
): Promise<RunningServer> {
  return startListening([CLI, "serve", "--db", db, "--port", "0", ...args], env);
}

/** Runs a Node script that prints `listening on URL` once it serves (the server, a benchmark's floor). */
export async function startListening(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
  return {
    url,
    process: child,
    output: () => out,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString("base64")}`;
}

/** A warehouse filled by the simulated business through the real ingestion path, with its truth. */
export async function simulatedWarehouse(db: string, customers: number, seed: number) {
  const wh = await openWarehouse(db);
  const config = loadConfig({ db });
  const ingestor = await Ingestor.start(wh, ingestLogDir(db), config.ingest, { info() {}, error() {} });
  const sim = simulateBusiness({ customers, seed });
  await ingestSimulation(wh, ingestor, sim);
  await ingestor.close();
  return { wh, truth: sim.truth };
}

/**
 * GET a report from a running server until `ready` holds (acknowledged events are durable at once but
 * reach the warehouse with the loader's next batch).
 */
export async function waitForReport<R>(
  server: RunningServer,
  token: string,
  path: string,
  ready: (report: R) => boolean,
): Promise<R> {
  let report!: R;
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    report = (await res.json()) as R;
    if (ready(report)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return report;
}

/** Sends messages through the tracking API's /v1/batch with a source's write key. */
export function sendBatch(server: RunningServer, writeKey: string, batch: unknown[]): Promise<Response> {
  return fetch(`${server.url}/v1/batch`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: basicAuth(writeKey) },
    body: JSON.stringify({ batch }),
  });
}

/** A person's browser and a crawler: events sent with the second are stored as bots and never counted. */
export const HUMAN_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
export const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/**
 * A server on a fresh warehouse holding `batch`, sent through /v1/batch with every message accepted, and a
 * read token; resolves once the report at `path` satisfies `ready`, i.e. the batch is loaded.
 */
export async function serveBatch<R>(
  name: string,
  batch: readonly unknown[],
  path: string,
  ready: (report: R) => boolean,
): Promise<{ tmp: ReturnType<typeof tempDir>; db: string; token: string; server: RunningServer }> {
  const tmp = tempDir();
  const db = `${tmp.dir}/${name}.duckdb`;
  const writeKey = await addSource(db, "site");
  const token = await createApiToken(db);
  const server = await startServer(db);
  const res = await sendBatch(server, writeKey, [...batch]);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { accepted: number }).accepted, batch.length);
  await waitForReport<R>(server, token, path, ready);
  return { tmp, db, token, server };
}

/** The pipeline context of a web source at a fixed moment, for tests that process messages directly. */
export const webPipelineContext = (over: Partial<PipelineContext> = {}): PipelineContext => ({
  source: { name: "web", kind: "web", channel: null },
  receivedAt: Date.UTC(2026, 0, 1, 12),
  sentAt: null,
  ownHosts: [],
  placeholderIds: [],
  maxEventBytes: 32 * 1024,
  ...over,
});

/** The template context of an order for customer cust_1 with `traits` (the delivery tests' fixture). */
export const orderContext = (traits: Record<string, unknown>): TemplateContext => ({
  customer: { id: "cust_1", traits },
  event: {
    name: "Order Completed",
    type: "track",
    messageId: "msg_1",
    timestamp: "2024-05-01T12:00:00.000Z",
    properties: { order_id: "o-42", total: 99.5 },
    revenue: 99.5,
    currency: "EUR",
  },
  rule: { id: "thank-you", name: "Thank you" },
  job: { id: "job_abc" },
});
