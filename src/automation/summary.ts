/** Per rule: what it did (jobs per status) and what it was worth (lift over its holdout). */
import type { Catalog } from "../catalog/catalog.js";
import { compileCatalog } from "../catalog/compile.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { defaultPlaybookPath } from "./default.js";
import { formatMs } from "./engine.js";
import { lift } from "./lift.js";
import type { AutomationReport, RuleSummary } from "./report.js";
import type { Action, Playbook, Rule, Trigger } from "./rules.js";

export function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case "goal":
      return `goal ${t.id}`;
    case "touchpoint":
      return `touchpoint ${t.id}`;
    case "event": {
      const name = t.match.event?.kind === "exact" ? t.match.event.values.join(" or ") : "matching events";
      const props = Object.keys(t.match.properties ?? {});
      return `event ${name}${props.length ? ` with ${props.join(", ")}` : ""}`;
    }
    case "survey": {
      const range = t.min === null && t.max === null ? "any score" : `score ${t.min ?? "…"}–${t.max ?? "…"}`;
      return `${t.metric.toUpperCase()} answer, ${range}`;
    }
    case "inactive":
      return `inactive for ${formatMs(t.afterMs)}${t.goal ? ` after goal ${t.goal}` : ""}`;
    case "p_alive":
      return `P(alive) below ${t.below}`;
  }
}

export function describeAction(a: Action): string {
  switch (a.kind) {
    case "email":
      return `email ${a.template}`;
    case "webhook":
      return `webhook ${a.url}`;
    case "traits":
      return `traits ${[...Object.keys(a.set), ...a.tags.map((t) => `#${t}`)].join(", ")}`;
  }
}

/**
 * Treated: occurrences not held out whose actions were attempted (sent, failed, or suppressed by a cap:
 * intention to treat, so caps cannot flatter a rule); control: held out. Both passed the rule's conditions,
 * as the holdout is drawn after them. Converted: reached the rule's goal after the trigger, within its window.
 */
async function groups(wh: Warehouse, rule: Rule, catalog: Catalog) {
  const b = new SqlBuilder(wh.dialect);
  const goal = compileCatalog(catalog).goal(b);
  const sql = `
    WITH lift_occurrences AS MATERIALIZED (
      SELECT trigger_message_id, any_value(customer_id) AS customer_id, epoch_ms(min(trigger_ts)) AS trigger_ms,
             bool_or(status = 'held_out') AS control,
             bool_or(status IN ('sent', 'sending', 'failed', 'suppressed')) AS treated
      FROM automation_jobs WHERE rule_id = ${b.param(rule.id)} GROUP BY trigger_message_id),
    lift_goals AS (
      SELECT customer_id, epoch_ms(ts) AS ms FROM customer_events
      WHERE NOT is_bot AND ${goal} = ${b.param(rule.measure.goal)}
        AND customer_id IN (SELECT customer_id FROM lift_occurrences)),
    lift_converted AS (
      SELECT DISTINCT o.trigger_message_id FROM lift_occurrences o JOIN lift_goals g ON g.customer_id = o.customer_id
      WHERE g.ms > o.trigger_ms AND g.ms <= o.trigger_ms + ${b.param(rule.measure.withinMs)})
    SELECT o.control, count(*) AS n, count(c.trigger_message_id) AS converted
    FROM lift_occurrences o LEFT JOIN lift_converted c ON c.trigger_message_id = o.trigger_message_id
    WHERE o.control OR o.treated GROUP BY o.control`;
  const rows = await wh.query<{ control: boolean; n: number; converted: number }>(sql, b.params);
  const of = (control: boolean) => {
    const r = rows.find((x) => x.control === control);
    const n = r?.n ?? 0;
    const converted = r?.converted ?? 0;
    return { customers: n, converted, rate: n ? converted / n : null };
  };
  return { treated: of(false), control: of(true) };
}

export async function automationReport(
  wh: Warehouse,
  playbook: Playbook,
  catalog: Catalog,
  live: boolean,
): Promise<AutomationReport> {
  const counts = await wh.query<{ rule_id: string; status: string; n: number }>(
    "SELECT rule_id, status, count(*) AS n FROM automation_jobs GROUP BY rule_id, status",
  );
  const rules: RuleSummary[] = [];
  for (const rule of playbook.rules) {
    const { treated, control } = await groups(wh, rule, catalog);
    const l = lift(
      { n: treated.customers, converted: treated.converted },
      { n: control.customers, converted: control.converted },
    );
    rules.push({
      id: rule.id,
      name: rule.name,
      description: rule.description,
      enabled: rule.enabled,
      trigger: describeTrigger(rule.trigger),
      wait: rule.waitMs ? formatMs(rule.waitMs) : "none",
      actions: rule.actions.map(describeAction),
      holdout: rule.holdout,
      goal: rule.measure.goal,
      window: formatMs(rule.measure.withinMs),
      jobs: Object.fromEntries(counts.filter((c) => c.rule_id === rule.id).map((c) => [c.status, c.n])),
      treated,
      control,
      lift: l,
    });
  }
  // The built-in playbook's path is where the product is installed: say what it is instead.
  const file = playbook.file === defaultPlaybookPath() ? "the built-in playbook" : playbook.file;
  return { live, playbook: file, rules };
}
