import { hasCredentials, replaceNamedToken } from "../access/named-tokens.js";
import { CacheWarmer } from "../analysis/cache/cache-warmer.js";
import { createDeliverers } from "../automation/deliver/delivery.js";
import { AutomationEngine } from "../automation/engine.js";
import { serverUrl, surveyKeyFile } from "../config.js";
import { surveyKey } from "../feedback/links.js";
import { audit, cliActor } from "../privacy/audit.js";
import { buildApp } from "../server/app.js";
import { createSource, listSources } from "../sources/sources.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { ownPlaybookPath, playbookPath, watchedPlaybook } from "./playbook.js";
import { logger, openRuntime, watchedCatalog } from "./runtime.js";

export interface ServeOptions {
  db?: string;
  catalog?: string;
  port?: number;
  host?: string;
  /** Automation rules to run; without them, ./automation.yml when present. */
  rules?: string;
  /** false (`--no-automation`): run no rules, even when ./automation.yml is present. */
  automation?: boolean;
  /** The demo: a fresh admin token under this name on each start, printed with the dashboard's address. */
  signInToken?: string;
}

/** `touchpoint serve`: the tracking API and the query API on one port, until SIGTERM or SIGINT. */
export async function serve(options: ServeOptions): Promise<void> {
  const catalog = watchedCatalog(options.catalog);
  const ownRules = options.automation === false ? null : ownPlaybookPath(options.rules);
  // Without rules of the user's, the built-in playbook is shown for dry runs but never run.
  const playbook = watchedPlaybook(playbookPath(ownRules ?? undefined), catalog);
  const rt = await openRuntime({ db: options.db, port: options.port, host: options.host });
  const { config, warehouse, ingestor } = rt;
  if ((await listSources(warehouse)).length === 0) {
    // A first start must be usable at once: create a source and show its key this one time.
    const { writeKey } = await createSource(warehouse, "default", "web");
    logger.info(`created the source "default" (web); its write key, shown only now:\n  ${writeKey}`);
  }
  const signIn = options.signInToken ? await freshToken(warehouse, options.signInToken) : null;
  const canSignIn = signIn !== null || (await hasCredentials(warehouse));
  const key = surveyKey(surveyKeyFile(config.db));
  const app = await buildApp({
    warehouse,
    ingestor,
    catalog,
    surveyKey: key,
    verbose: config.verbose,
    rateLimits: config.rateLimits,
    access: config.access,
    automation: { playbook, live: ownRules !== null },
  });
  let engine: AutomationEngine | null = null;
  let deliverers: ReturnType<typeof createDeliverers> | null = null;
  let automationWarehouse: Warehouse | null = null;
  if (ownRules) {
    deliverers = createDeliverers({
      smtpUrl: config.automation.smtpUrl,
      emailFrom: playbook().emailFrom,
      timeoutMs: config.automation.deliveryTimeoutMs,
      env: process.env,
      userAgent: "Touchpoint/0.1.0",
      surveyLinks: {
        key,
        baseUrl: serverUrl(config),
        surveys: () => (catalog().surveys ?? []).map((s) => s.id),
      },
    });
    // Automation reads on a connection of its own: an hourly scan must not hold up the dashboard's reports.
    automationWarehouse = await warehouse.withOwnReader();
    engine = new AutomationEngine(
      automationWarehouse,
      ingestor,
      playbook,
      catalog,
      deliverers,
      config.automation.engine,
      logger,
    );
  }
  // Reports then find the classification cache warm instead of classifying what arrived since the last one.
  const warmer =
    config.analysisCacheRefreshMs > 0
      ? new CacheWarmer(
          warehouse,
          catalog,
          config.analysisCacheRefreshMs,
          logger,
          () => ingestor.loaderBusyMs,
        )
      : null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: no longer accepting; writing what was accepted…`);
    try {
      await engine?.stop();
      await warmer?.stop();
      await deliverers?.close();
      await automationWarehouse?.close();
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
  const url = `http://${config.host}:${port}`;
  if (engine && ownRules) {
    engine.start();
    const rules = playbook().rules.filter((r) => r.enabled).length;
    logger.info(`automation: running ${rules} rules from ${ownRules}`);
  }
  warmer?.start();
  process.stdout.write(`listening on ${url}\n`);
  if (signIn) process.stdout.write(`dashboard: ${url}/ — sign in with token ${signIn}\n`);
  else process.stdout.write(`dashboard: ${url}/\n`);
  if (!canSignIn)
    process.stdout.write(
      "nobody can sign in yet: stop the server, then run `touchpoint users add NAME --role admin` or `touchpoint tokens create --role admin`\n",
    );
}

/** An admin token under `name`, replacing the ones printed by earlier starts (audited). */
async function freshToken(warehouse: Warehouse, name: string): Promise<string> {
  const { id, token, revoked } = await replaceNamedToken(warehouse, name, "admin");
  for (const old of revoked)
    await audit(warehouse, { actor: cliActor(), action: "token.revoke", subject: old });
  await audit(warehouse, {
    actor: cliActor(),
    action: "token.create",
    subject: id,
    detail: { role: "admin", name },
  });
  return token;
}
