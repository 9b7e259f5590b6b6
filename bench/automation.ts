/**
 * What automation costs on a large warehouse (BENCH_DB, opened read-only): the per-tick scan of newly
 * loaded events for every event trigger of the default playbook, the live inactivity scan (every 15 min),
 * and a 30-day dry run of the whole playbook. Without BENCH_DB it does nothing (the analyses bench builds
 * the large warehouse; pass the same file).
 */
import os from "node:os";
import { loadDefaultPlaybook } from "../src/automation/default.js";
import { dryRun } from "../src/automation/dry-run.js";
import { SCHEDULED_TRIGGERS } from "../src/automation/rules.js";
import { eventTriggerQuery, scheduledTriggerQuery } from "../src/automation/triggers.js";
import { loadDefaultCatalog } from "../src/catalog/default.js";
import { DuckDBWarehouse } from "../src/warehouse/duckdb.js";
import { SqlBuilder } from "../src/warehouse/sql-builder.js";

const DAY = 86_400_000;
const file = process.env.BENCH_DB;
if (!file) {
  process.stdout.write("automation bench: set BENCH_DB to a large warehouse (see bench/analyses.ts)\n");
  process.exit(0);
}
const catalog = loadDefaultCatalog();
const playbook = loadDefaultPlaybook(catalog);
const wh = await DuckDBWarehouse.open(file, { readOnly: true });
const [extent] = await wh.query<{ events: number; received: number; last: number }>(
  `SELECT count(*) AS events, CAST(epoch_ms(max(received_at)) AS DOUBLE) AS received,
          CAST(epoch_ms(max(ts)) AS DOUBLE) AS last FROM events`,
);
const { events, received, last } = extent!;

async function time(label: string, run: () => Promise<unknown>): Promise<void> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await run();
    runs.push((performance.now() - t0) / 1000);
  }
  const median = [...runs].sort((a, b) => a - b)[1]!;
  process.stdout.write(
    `| ${label} | ${median.toFixed(3)} s | ${runs.map((r) => r.toFixed(3)).join(", ")} |\n`,
  );
}

process.stdout.write(
  `${events.toLocaleString("en")} events; ${os.cpus().length} × ${os.cpus()[0]?.model}; Node ${process.version}\n\n`,
);
process.stdout.write("| step | median of 3 | runs |\n| --- | --- | --- |\n");
await time(
  "one tick's scan of new events (every event rule of the default playbook, 10 s of arrivals)",
  async () => {
    for (const rule of playbook.rules) {
      if (SCHEDULED_TRIGGERS.has(rule.trigger.kind)) continue;
      const b = new SqlBuilder(wh.dialect);
      await wh.query(
        eventTriggerQuery(b, rule, catalog, { kind: "received", since: received - 10_000, until: received }),
        b.params,
      );
    }
  },
);
const inactive = playbook.rules.find((r) => r.trigger.kind === "inactive")!;
await time("live inactivity scan (60 days after a purchase)", async () => {
  const b = new SqlBuilder(wh.dialect);
  await wh.query(
    scheduledTriggerQuery(b, inactive, catalog, { from: last - DAY, to: last + 1 }, last),
    b.params,
  );
});
await time("dry run of the default playbook over 30 days", () =>
  dryRun(wh, playbook, catalog, { from: last - 30 * DAY, to: last, limit: 100 }, last),
);
await wh.close();
