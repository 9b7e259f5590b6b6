/**
 * A dry run: on past events, which customers each rule would have triggered, when its actions would have
 * been due, and what would have happened (sent, held out, skipped by its conditions, suppressed by a cap).
 * The same trigger SQL and conditions as the live engine; nothing is written or sent.
 */

import { segmentCondition } from "../analysis/segment.js";
import type { Catalog } from "../catalog/catalog.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import type { DryRunReport } from "./report.js";
import { type Playbook, type Rule, SCHEDULED_TRIGGERS } from "./rules.js";
import { holdoutDraw, quietUntil } from "./timing.js";
import { eventTriggerQuery, scheduledTriggerQuery } from "./triggers.js";

export interface DryRunOptions {
  from: number;
  to: number;
  /** Only this rule. */
  rule?: string;
  /** Occurrences listed (all are counted). */
  limit: number;
}

interface Planned {
  rule: Rule;
  message_id: string;
  customer_id: string;
  trigger_ms: number;
  due_ms: number;
  outcome: string;
  reason: string | null;
}

export class DryRunError extends Error {}

export async function dryRun(
  wh: Warehouse,
  playbook: Playbook,
  catalog: Catalog,
  options: DryRunOptions,
  now = Date.now(),
): Promise<DryRunReport> {
  const rules = playbook.rules.filter((r) => options.rule === undefined || r.id === options.rule);
  if (options.rule !== undefined && rules.length === 0)
    throw new DryRunError(
      `no rule ${JSON.stringify(options.rule)} in ${playbook.file}; rules: ${playbook.rules.map((r) => r.id).join(", ")}`,
    );
  const planned: Planned[] = [];
  const notes = new Map<string, string>();
  for (const rule of rules) {
    const b = new SqlBuilder(wh.dialect);
    let occurrences: string;
    if (rule.trigger.kind === "p_alive") {
      // Stored scores are today's: only a range that includes now can say who would trigger.
      if (now < options.from || now >= options.to) {
        notes.set(rule.id, "P(alive) is known only as of now: choose a range that includes today");
        continue;
      }
      notes.set(rule.id, "P(alive) as stored by the last CLV report; triggered now");
      occurrences = scheduledTriggerQuery(b, rule, catalog, options, now);
    } else if (SCHEDULED_TRIGGERS.has(rule.trigger.kind)) {
      occurrences = scheduledTriggerQuery(b, rule, catalog, options, now, true);
    } else {
      occurrences = eventTriggerQuery(b, rule, catalog, { kind: "happened", ...options });
    }
    // Conditions are read at the moment the wait ends, on what the customer did since the trigger.
    // The wait is a number the loader parsed, not text from the file: safe to write into the SQL.
    const window = {
      since: "dry_run.trigger_ms",
      until: `(dry_run.trigger_ms + ${Math.round(rule.waitMs)})`,
      customer: "dry_run.customer_id",
    };
    const unless = rule.unless ? segmentCondition(b, rule.unless.segment, window) : "FALSE";
    const only = rule.only ? segmentCondition(b, rule.only.segment, window) : "TRUE";
    // A rule that only emails does nothing for a customer unsubscribed by then (see engine.ts): an
    // Unsubscribed event, or traits whose latest `unsubscribed` (identify merges them in time order) is true.
    const emailOnly = rule.actions.every((a) => a.kind === "email");
    const until = `epoch_ms(CAST(${window.until} AS BIGINT))`;
    const unsubscribed = emailOnly
      ? `(customer_id IN (SELECT customer_id FROM customer_events WHERE event = 'Unsubscribed' AND ts < ${until})
          OR coalesce((SELECT arg_max(json_extract(u.traits, '$.unsubscribed'), u.ts) = 'true'::JSON
                       FROM customer_events u
                       WHERE u.customer_id = dry_run.customer_id AND u.type = 'identify' AND u.ts < ${until}
                         AND json_exists(u.traits, '$.unsubscribed')), FALSE))`
      : "FALSE";
    const rows = await wh.query<{
      message_id: string;
      customer_id: string;
      trigger_ms: number;
      unless_hit: boolean | null;
      only_hit: boolean | null;
      unsubscribed: boolean | null;
    }>(
      `WITH dry_run AS MATERIALIZED (${occurrences})
       SELECT message_id, customer_id, trigger_ms, ${unless} AS unless_hit, ${only} AS only_hit,
              ${unsubscribed} AS unsubscribed
       FROM dry_run`,
      b.params,
    );
    if (!rule.enabled) notes.set(rule.id, "disabled: shown as if it were enabled");
    for (const r of rows) {
      const due = quietUntil(r.trigger_ms + rule.waitMs, rule.quietHours) ?? r.trigger_ms + rule.waitMs;
      let outcome = "would_send";
      let reason: string | null = null;
      if (due >= options.to || due > now) {
        outcome = "pending";
        reason = "due after the range";
      } else if (r.unless_hit) {
        outcome = "skipped";
        reason = `unless: ${rule.unless!.text}`;
      } else if (!r.only_hit) {
        outcome = "skipped";
        reason = `only: ${rule.only!.text} did not hold`;
      } else if (holdoutDraw(rule.id, r.customer_id) < rule.holdout) {
        outcome = "held_out";
      } else if (r.unsubscribed) {
        outcome = "suppressed";
        reason = "unsubscribed from email";
      }
      planned.push({ rule, ...r, due_ms: due, outcome, reason });
    }
  }
  applyCaps(planned, playbook);
  planned.sort((a, b) => a.trigger_ms - b.trigger_ms || a.message_id.localeCompare(b.message_id));
  return {
    from: options.from,
    to: options.to,
    rules: rules.map((rule) => {
      const mine = planned.filter((p) => p.rule === rule);
      const outcomes: Record<string, number> = {};
      for (const p of mine) outcomes[p.outcome] = (outcomes[p.outcome] ?? 0) + 1;
      return {
        id: rule.id,
        name: rule.name,
        triggered: mine.length,
        outcomes,
        note: notes.get(rule.id) ?? null,
      };
    }),
    occurrences: planned.slice(0, options.limit).map((p) => ({
      rule: p.rule.id,
      customerId: p.customer_id,
      triggerMessageId: p.message_id,
      triggeredAt: p.trigger_ms,
      dueAt: p.due_ms,
      outcome: p.outcome,
      reason: p.reason,
    })),
  };
}

/** Caps in due order across all rules, as the engine would meet them: a would-be send over a cap is suppressed. */
function applyCaps(planned: Planned[], playbook: Playbook): void {
  const sends = planned.filter((p) => p.outcome === "would_send").sort((a, b) => a.due_ms - b.due_ms);
  const byRule = new Map<string, number[]>();
  const byKind = new Map<string, number[]>();
  const recent = (times: number[] | undefined, since: number) =>
    (times ?? []).filter((t) => t > since).length;
  for (const p of sends) {
    const ruleKey = `${p.rule.id}\0${p.customer_id}`;
    if (p.rule.cap && recent(byRule.get(ruleKey), p.due_ms - p.rule.cap.perMs) >= p.rule.cap.max) {
      p.outcome = "suppressed";
      p.reason = "rule cap";
      continue;
    }
    const kinds = [...new Set(p.rule.actions.map((a) => a.kind))];
    const over = kinds.find((k) => {
      const cap = playbook.channelCaps[k];
      return cap && recent(byKind.get(`${k}\0${p.customer_id}`), p.due_ms - cap.perMs) >= cap.max;
    });
    if (over) {
      p.outcome = "suppressed";
      p.reason = `${over} cap across rules`;
      continue;
    }
    byRule.set(ruleKey, [...(byRule.get(ruleKey) ?? []), p.due_ms]);
    for (const k of kinds) {
      const key = `${k}\0${p.customer_id}`;
      byKind.set(key, [...(byKind.get(key) ?? []), p.due_ms]);
    }
  }
}
