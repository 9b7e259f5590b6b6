import { writeFileSync } from "node:fs";
import { createToken } from "../access/tokens.js";
import type { Ingestor } from "../ingest/ingestor.js";
import type { SourceInfo } from "../ingest/pipeline.js";
import { type Simulation, simulateBusiness } from "../sim/simulate.js";
import { createSource } from "../sources/sources.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { CliError, logger, openRuntime, resolveCatalog } from "./runtime.js";
import { serve } from "./serve.js";

export interface DemoOptions {
  db?: string;
  customers?: string;
  seed?: string;
  serve?: boolean;
  catalog?: string;
  port?: number;
  host?: string;
  rules?: string;
  automation?: boolean;
}

const BATCH = 2000;
/** The name of the admin token `demo` creates, and replaces, on each start. */
export const DEMO_TOKEN = "demo dashboard";

/**
 * `touchpoint demo`: fills the warehouse with the simulated business through the real ingestion path, writes
 * the simulation's ground truth beside it, and serves it. Run again on the same file, it only serves.
 */
export async function demo(options: DemoOptions): Promise<void> {
  const customers = positiveInt("customers", options.customers ?? "20000");
  const seed = positiveInt("seed", options.seed ?? "1");
  resolveCatalog(options.catalog); // a broken catalog should fail before minutes of loading
  const rt = await openRuntime({ db: options.db });
  try {
    if (await alreadyBuilt(rt.warehouse, seed, customers)) {
      logger.info(`${rt.config.db} already holds the demo (seed ${seed}, ${customers} customers)`);
    } else {
      const started = Date.now();
      const sim = simulateBusiness({ customers, seed });
      logger.info(`simulating ${customers.toLocaleString("en")} customers (seed ${seed})…`);
      const messages = await ingestSimulation(rt.warehouse, rt.ingestor, sim);
      await rt.warehouse.run(
        "INSERT OR REPLACE INTO ingest_state VALUES ('demo_seed', $1), ('demo_customers', $2)",
        [seed, customers],
      );
      const truthFile = `${rt.config.db}.truth.json`;
      writeFileSync(truthFile, `${JSON.stringify(sim.truth, null, 2)}\n`);
      const { writeKey } = await createSource(rt.warehouse, "default", "web");
      logger.info(
        `loaded ${messages.toLocaleString("en")} messages in ${((Date.now() - started) / 1000).toFixed(1)} s; ground truth in ${truthFile}`,
      );
      // Serving prints a fresh token on each start; without serving, this is the one chance to get one.
      if (options.serve === false) {
        const { token } = await createToken(rt.warehouse, "demo admin token", "admin");
        logger.info(`an admin token for the query API (/api/*), shown only now:\n  ${token}`);
      }
      logger.info(`the write key of the source "default" (web), shown only now:\n  ${writeKey}`);
    }
  } finally {
    await rt.close();
  }
  if (options.serve !== false)
    await serve({
      db: options.db,
      catalog: options.catalog,
      port: options.port,
      host: options.host,
      rules: options.rules,
      automation: options.automation,
      signInToken: DEMO_TOKEN,
    });
}

/** Creates the simulation's sources and sends its messages through the ingestion path; returns their count. */
export async function ingestSimulation(wh: Warehouse, ingestor: Ingestor, sim: Simulation): Promise<number> {
  const sources = new Map<string, SourceInfo>();
  for (const s of sim.sources) sources.set(s.name, (await createSource(wh, s.name, s.kind)).source);
  const pending = new Map<string, unknown[]>();
  let messages = 0;
  for (const { source, message } of sim.messages()) {
    const batch = pending.get(source) ?? [];
    pending.set(source, batch);
    batch.push(message);
    messages++;
    if (batch.length >= BATCH) await ingestor.ingestBulk(batch.splice(0), sources.get(source)!);
  }
  for (const [source, batch] of pending)
    if (batch.length > 0) await ingestor.ingestBulk(batch, sources.get(source)!);
  await ingestor.flush();
  return messages;
}

async function alreadyBuilt(wh: Warehouse, seed: number, customers: number): Promise<boolean> {
  const state = new Map(
    (await wh.query<{ key: string; value: number }>("SELECT key, value FROM ingest_state")).map((r) => [
      r.key,
      r.value,
    ]),
  );
  const [{ n } = { n: 0 }] = await wh.query<{ n: number }>("SELECT count(*) AS n FROM events");
  if (state.has("demo_seed")) {
    if (state.get("demo_seed") === seed && state.get("demo_customers") === customers) return true;
    throw new CliError(
      `the warehouse holds the demo with seed ${state.get("demo_seed")} and ${state.get("demo_customers")} customers; use another --db for another one`,
    );
  }
  if (n > 0) throw new CliError(`the warehouse holds ${n} events that are not the demo's; use another --db`);
  return false;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--${name} must be a positive whole number, got ${JSON.stringify(text)}`);
  return n;
}
