import { existsSync, statSync } from "node:fs";
import type { Catalog } from "../catalog/catalog.js";
import { defaultCatalogPath } from "../catalog/default.js";
import { CatalogError, loadCatalog } from "../catalog/load.js";
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

/** The warehouse's settings from the configuration (memory limit, idle memory, threads, dedupe index). */
export const warehouseOptions = (config: Config) => ({
  memoryLimit: config.duckdbMemory,
  idleMemory: config.duckdbIdleMemory,
  dedupeIndexBytes: config.dedupeIndexMemory,
  ...(config.duckdbThreads ? { threads: config.duckdbThreads } : {}),
});

export async function openRuntime(
  overrides: Parameters<typeof loadConfig>[0],
): Promise<{ config: Config; warehouse: Warehouse; ingestor: Ingestor; close: () => Promise<void> }> {
  const config = loadConfig(overrides);
  const warehouse = await openWarehouse(config.db, warehouseOptions(config));
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
  const wh = await openWarehouse(config.db, warehouseOptions(config));
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

/** The catalog file in use: `--catalog`, else `./touchpoints.yml` when present, else the built-in default. */
export function catalogPath(file: string | undefined): string {
  if (file) {
    if (!existsSync(file)) throw new CliError(`cannot read the catalog ${file}: no such file`);
    return file;
  }
  return existsSync("touchpoints.yml") ? "touchpoints.yml" : defaultCatalogPath();
}

export function resolveCatalog(file: string | undefined): Catalog {
  const path = catalogPath(file);
  try {
    return loadCatalog(path);
  } catch (err) {
    if (err instanceof CatalogError) throw new CliError(err.message);
    throw err;
  }
}

/**
 * The catalog for a long-running server: re-read when the file changes, so an edit re-classifies the next
 * query. An edit that does not validate is reported and the last good catalog stays in use.
 */
export function watchedCatalog(file: string | undefined): () => Catalog {
  const path = catalogPath(file);
  let current = resolveCatalog(path);
  let mtime = statSync(path).mtimeMs;
  return () => {
    const now = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (now !== undefined && now !== mtime) {
      mtime = now;
      try {
        current = loadCatalog(path);
        logger.info(`catalog ${path} reloaded`);
      } catch (err) {
        logger.error(`catalog ${path} not reloaded, keeping the previous one:\n${(err as Error).message}`);
      }
    }
    return current;
  };
}
