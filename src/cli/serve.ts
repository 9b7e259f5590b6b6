import { surveyKeyFile } from "../config.js";
import { surveyKey } from "../feedback/links.js";
import { buildApp } from "../server/app.js";
import { createSource, listSources } from "../sources/sources.js";
import { logger, openRuntime, watchedCatalog } from "./runtime.js";

export interface ServeOptions {
  db?: string;
  catalog?: string;
  port?: number;
  host?: string;
}

/** `touchpoint serve`: the tracking API and the query API on one port, until SIGTERM or SIGINT. */
export async function serve(options: ServeOptions): Promise<void> {
  const catalog = watchedCatalog(options.catalog);
  const rt = await openRuntime({ db: options.db, port: options.port, host: options.host });
  const { config, warehouse, ingestor } = rt;
  if ((await listSources(warehouse)).length === 0) {
    // A first start must be usable at once: create a source and show its key this one time.
    const { writeKey } = await createSource(warehouse, "default", "web");
    logger.info(`created the source "default" (web); its write key, shown only now:\n  ${writeKey}`);
  }
  const app = await buildApp({
    warehouse,
    ingestor,
    catalog,
    surveyKey: surveyKey(surveyKeyFile(config.db)),
    verbose: config.verbose,
    rateLimits: config.rateLimits,
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: no longer accepting; writing what was accepted…`);
    try {
      await app.close();
      await rt.close();
      logger.info("stopped cleanly");
      process.exit(0);
    } catch (err) {
      logger.error(`shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  process.stdout.write(`listening on http://${config.host}:${port}\n`);
}
