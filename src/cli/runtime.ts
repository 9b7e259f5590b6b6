import { type Config, ingestLogDir, loadConfig } from "../config.js";
import { Ingestor } from "../ingest/ingestor.js";
import { openWarehouse } from "../warehouse/duckdb.js";
import type { Warehouse } from "../warehouse/warehouse.js";

/** An error meant for the user: printed as one line, no stack trace. */
export class CliError extends Error {}

export const logger = {
  info: (msg: string) => process.stderr.write(`${msg}\n`),
  error: (msg: string) => process.stderr.write(`error: ${msg}\n`),
};

export async function openRuntime(
  overrides: Parameters<typeof loadConfig>[0],
): Promise<{ config: Config; warehouse: Warehouse; ingestor: Ingestor; close: () => Promise<void> }> {
  const config = loadConfig(overrides);
  const warehouse = await openWarehouse(config.db, { memoryLimit: config.duckdbMemory });
  try {
    const ingestor = await Ingestor.start(warehouse, ingestLogDir(config.db), config.ingest, logger);
    const close = async () => {
      await ingestor.close();
      await warehouse.close();
    };
    return { config, warehouse, ingestor, close };
  } catch (err) {
    await warehouse.close();
    throw err;
  }
}

export async function withWarehouse<T>(
  db: string | undefined,
  fn: (wh: Warehouse) => Promise<T>,
): Promise<T> {
  const config = loadConfig(db ? { db } : {});
  const wh = await openWarehouse(config.db, { memoryLimit: config.duckdbMemory });
  try {
    return await fn(wh);
  } finally {
    await wh.close();
  }
}

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`invalid port ${JSON.stringify(v)}: use 0–65535`);
  return n;
}
