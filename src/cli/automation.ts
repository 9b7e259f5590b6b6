import { pct } from "../analysis/params.js";
import { DryRunError, dryRun } from "../automation/dry-run.js";
import { listJobs } from "../automation/jobs.js";
import { dryRunOptions, jobFilter } from "../automation/params.js";
import { automationReport, describeTrigger } from "../automation/summary.js";
import { formatTable } from "../util/table.js";
import { playbookPath, resolvePlaybook } from "./playbook.js";
import { CliError, resolveCatalog, withWarehouse } from "./runtime.js";

interface Common {
  db?: string;
  catalog?: string;
  json?: boolean;
}

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString().replace(".000Z", "Z"));
const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

/** `touchpoint automation check [FILE]`: validates a playbook against the catalog. */
export async function automationCheck(file: string | undefined, options: Common): Promise<void> {
  const path = playbookPath(file);
  const playbook = resolvePlaybook(path, resolveCatalog(options.catalog));
  const enabled = playbook.rules.filter((r) => r.enabled).length;
  print(`${path}: ${playbook.rules.length} rules (${enabled} enabled) — OK`);
  for (const r of playbook.rules)
    print(`  ${r.id}: ${describeTrigger(r.trigger)} → ${r.actions.map((a) => a.kind).join(", ")}`);
}

/** `touchpoint automation dry-run [FILE] --from DATE`: who the rules would have triggered, and when. */
export async function automationDryRun(
  file: string | undefined,
  options: Common & { from?: string; to?: string; rule?: string; limit?: string },
): Promise<void> {
  const catalog = resolveCatalog(options.catalog);
  const playbook = resolvePlaybook(playbookPath(file), catalog);
  const params = dryRunOptions({
    from: options.from,
    to: options.to,
    rule: options.rule,
    limit: options.limit,
  });
  const report = await withWarehouse(options.db, async (wh) => {
    try {
      return await dryRun(wh, playbook, catalog, params);
    } catch (err) {
      if (err instanceof DryRunError) throw new CliError(err.message);
      throw err;
    }
  });
  if (options.json) return print(JSON.stringify(report, null, 2));
  const outcomes = ["would_send", "held_out", "skipped", "suppressed", "pending"];
  print(`dry run ${iso(report.from)} → ${iso(report.to)}: nothing is sent or written\n`);
  print(
    formatTable([
      ["rule", "triggered", ...outcomes.map((o) => o.replace("_", " ")), "note"],
      ...report.rules.map((r) => [
        r.id,
        r.triggered,
        ...outcomes.map((o) => r.outcomes[o] ?? 0),
        r.note ?? "",
      ]),
    ]),
  );
  if (report.occurrences.length) {
    print(`\nfirst ${report.occurrences.length} occurrences:`);
    print(
      formatTable([
        ["rule", "customer", "triggered", "due", "outcome", "reason"],
        ...report.occurrences.map((o) => [
          o.rule,
          o.customerId,
          iso(o.triggeredAt),
          iso(o.dueAt),
          o.outcome,
          o.reason ?? "",
        ]),
      ]),
    );
  }
}

/** `touchpoint automation log`: every job with its status, attempts and last error. */
export async function automationLog(
  options: Common & { rule?: string; status?: string; customer?: string; limit?: string },
): Promise<void> {
  const { rule, status, customer, limit } = options;
  const filter = jobFilter({ rule, status, customer, limit });
  const log = await withWarehouse(options.db, (wh) => listJobs(wh, filter));
  if (options.json) return print(JSON.stringify(log, null, 2));
  const counts = Object.entries(log.counts).map(([s, n]) => `${n} ${s}`);
  print(counts.length ? `jobs: ${counts.join(", ")}` : "no jobs yet");
  if (log.jobs.length === 0) return;
  print(
    formatTable([
      ["updated", "rule", "action", "customer", "status", "attempts", "due", "reason / last error"],
      ...log.jobs.map((j) => [
        iso(j.updatedAt),
        j.rule,
        `${j.action} ${j.actionKind}`,
        j.customerId,
        j.status,
        j.attempts,
        iso(j.nextAttemptAt ?? j.dueAt),
        j.lastError ?? j.reason ?? "",
      ]),
    ]),
  );
}

/** `touchpoint automation report [FILE]`: per rule, jobs by status and the lift over its holdout. */
export async function automationSummary(file: string | undefined, options: Common): Promise<void> {
  const catalog = resolveCatalog(options.catalog);
  const playbook = resolvePlaybook(playbookPath(file), catalog);
  const report = await withWarehouse(options.db, (wh) => automationReport(wh, playbook, catalog, false));
  if (options.json) return print(JSON.stringify(report, null, 2));
  print(
    formatTable([
      [
        "rule",
        "trigger",
        "sent",
        "held out",
        "treated conv. %",
        "control conv. %",
        "lift (pp)",
        "95 % interval",
        "p",
      ],
      ...report.rules.map((r) => [
        r.id,
        r.trigger,
        r.jobs.sent ?? 0,
        r.jobs.held_out ?? 0,
        pct(r.treated.rate),
        pct(r.control.rate),
        pct(r.lift.absolute),
        r.lift.low === null ? "" : `${pct(r.lift.low)} … ${pct(r.lift.high)}`,
        r.lift.pValue === null ? null : Number(r.lift.pValue.toFixed(3)),
      ]),
    ]),
  );
}
