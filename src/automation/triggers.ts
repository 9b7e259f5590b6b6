/**
 * The SQL that finds trigger occurrences: one row per triggering message, with what the actions need
 * to know about it. Live, over the events that reached the warehouse since the last scan; in a dry run,
 * over the events of a past range.
 */
import type { Catalog } from "../catalog/catalog.js";
import { compileCatalog } from "../catalog/compile.js";
import { touchpointCondition } from "../catalog/touchpoint-rule.js";
import { SURVEY_RESPONDED } from "../feedback/response.js";
import type { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Rule, Trigger } from "./rules.js";

/** The source name of what automation writes (sent emails, traits): its own events never re-trigger inactivity. */
export const AUTOMATION_SOURCE = "automation";

/** Which events a scan looks at. */
export type ScanRange =
  /** Live: events that reached the warehouse in (since, until], and were no older than the rule's `fresh`. */
  | { kind: "received"; since: number; until: number }
  /** Dry run: events that happened in [from, to). */
  | { kind: "happened"; from: number; to: number };

/** A trigger occurrence as the scan returns it (times in epoch ms). */
export interface Occurrence {
  message_id: string;
  customer_id: string;
  trigger_ms: number;
  user_id: string | null;
  anonymous_id: string | null;
  type: string;
  event: string | null;
  event_ms: number;
  properties: string | null;
  revenue: number | null;
  currency: string | null;
}

const SCALES = { nps: [0, 10], csat: [1, 5], ces: [1, 7] } as const;

/** SQL over a customer_events row: it is an occurrence of an event-driven trigger. */
export function triggerCondition(b: SqlBuilder, trigger: Trigger, catalog: Catalog): string {
  const d = b.dialect;
  switch (trigger.kind) {
    case "goal":
      return `${compileCatalog(catalog).goal(b)} = ${b.param(trigger.id)}`;
    case "touchpoint":
      return touchpointCondition(b, catalog, trigger.id);
    case "event": {
      // The match rule compiled as a one-touchpoint catalog: the same semantics as the journey map's rules.
      const one = compileCatalog({
        ...catalog,
        goals: [],
        touchpoints: [
          {
            id: "trigger",
            name: "trigger",
            stage: "",
            channel: null,
            description: null,
            owner: null,
            match: [trigger.match],
            target: {},
            line: 0,
          },
        ],
      });
      return `coalesce(${one.touchpointCode(b)} = 1, FALSE)`;
    }
    case "survey": {
      const score = `TRY_CAST(${d.jsonText("properties", "score")} AS DOUBLE)`;
      const [low, high] = SCALES[trigger.metric];
      return `(event = ${b.param(SURVEY_RESPONDED)} AND lower(${d.jsonText("properties", "metric")}) = ${b.param(trigger.metric)}
               AND ${score} BETWEEN ${b.param(trigger.min ?? low)} AND ${b.param(trigger.max ?? high)})`;
    }
    case "inactive":
    case "p_alive":
      throw new Error(`${trigger.kind} is a scheduled trigger, not an event condition`);
  }
}

const OCCURRENCE_COLUMNS = `message_id, customer_id, user_id, anonymous_id, type, event,
  CAST(epoch_ms(ts) AS DOUBLE) AS event_ms, properties::VARCHAR AS properties, revenue, currency`;

/** The occurrences of an event-driven rule's trigger among the events of `range`. */
export function eventTriggerQuery(b: SqlBuilder, rule: Rule, catalog: Catalog, range: ScanRange): string {
  const d = b.dialect;
  const where = ["NOT is_bot", triggerCondition(b, rule.trigger, catalog)];
  if (range.kind === "received") {
    where.push(`received_at > ${d.fromEpochMs(b.param(range.since))}`);
    where.push(`received_at <= ${d.fromEpochMs(b.param(range.until))}`);
    // A backfill or an import of old events must not send a thank-you for a purchase from last year.
    where.push(`epoch_ms(received_at) - epoch_ms(ts) <= ${b.param(rule.freshMs)}`);
  } else {
    where.push(`ts >= ${d.fromEpochMs(b.param(range.from))}`, `ts < ${d.fromEpochMs(b.param(range.to))}`);
  }
  return `SELECT ${OCCURRENCE_COLUMNS}, CAST(epoch_ms(ts) AS DOUBLE) AS trigger_ms
          FROM customer_events WHERE ${where.join(" AND ")}`;
}

/**
 * The occurrences of a scheduled trigger. Inactivity: a customer whose last event (not one automation
 * wrote) is followed by `afterMs` of nothing triggers at that moment, keyed by that last event, so each
 * lapse fires once; with `goal`, only when they had reached it by then. Live, only the current lapse can
 * fire (one pass grouping by customer); for a dry run (`history`), every lapse of the range.
 * P(alive): customers whose stored P(alive) is under the threshold, keyed by their last goal event (once per
 * last purchase); the stored scores are today's, so a dry run can only say who would trigger now.
 */
export function scheduledTriggerQuery(
  b: SqlBuilder,
  rule: Rule,
  catalog: Catalog,
  range: { from: number; to: number },
  now: number,
  history = false,
): string {
  const trigger = rule.trigger;
  const compiled = compileCatalog(catalog);
  if (trigger.kind === "inactive") {
    const reached = trigger.goal ? `${compiled.goal(b)} = ${b.param(trigger.goal)}` : "TRUE";
    const after = b.param(trigger.afterMs);
    const activity = `NOT is_bot AND source <> ${b.param(AUTOMATION_SOURCE)}`;
    const inRange = `ms + ${after} >= ${b.param(range.from)} AND ms + ${after} < ${b.param(range.to)}`;
    if (!history) {
      return `WITH inactive_last AS (
                SELECT customer_id, epoch_ms(max(ts)) AS ms, bool_or(${reached}) AS reached,
                       arg_max({message_id: message_id, user_id: user_id, anonymous_id: anonymous_id, type: type,
                                event: event, event_ms: CAST(epoch_ms(ts) AS DOUBLE), properties: properties::VARCHAR,
                                revenue: revenue, currency: currency}, ts) AS last
                FROM customer_events WHERE ${activity} GROUP BY customer_id)
              SELECT last.message_id, customer_id, last.user_id, last.anonymous_id, last.type, last.event,
                     last.event_ms, last.properties, last.revenue, last.currency, CAST(ms + ${after} AS DOUBLE) AS trigger_ms
              FROM inactive_last WHERE reached AND ${inRange}`;
    }
    // Only events from `after` before the range can start a lapse that ends in it; whether the goal was
    // reached by then needs the whole history, but only each customer's first goal.
    const since = b.param(range.from - trigger.afterMs);
    const goals = trigger.goal
      ? `inactive_goal AS (SELECT customer_id, min(epoch_ms(ts)) AS first_ms FROM customer_events
                           WHERE ${activity} AND ${reached} GROUP BY customer_id),`
      : "";
    return `WITH ${goals} inactive_activity AS (
              SELECT ${OCCURRENCE_COLUMNS}, epoch_ms(ts) AS ms,
                     lead(epoch_ms(ts)) OVER (PARTITION BY customer_id ORDER BY ts, message_id) AS next_ms
              FROM customer_events WHERE ${activity} AND epoch_ms(ts) >= ${since})
            SELECT message_id, customer_id, user_id, anonymous_id, type, event, event_ms, properties, revenue, currency,
                   CAST(ms + ${after} AS DOUBLE) AS trigger_ms
            FROM inactive_activity ${trigger.goal ? "JOIN inactive_goal USING (customer_id)" : ""}
            WHERE ${trigger.goal ? "first_ms <= ms AND" : ""} (next_ms IS NULL OR next_ms - ms > ${after}) AND ${inRange}`;
  }
  if (trigger.kind === "p_alive") {
    return `WITH p_alive_last_goal AS (
              SELECT customer_id, arg_max(message_id, ts) AS message_id
              FROM customer_events WHERE NOT is_bot AND ${compiled.goal(b)} IS NOT NULL GROUP BY customer_id)
            SELECT e.message_id, e.customer_id, e.user_id, e.anonymous_id, e.type, e.event,
                   CAST(epoch_ms(e.ts) AS DOUBLE) AS event_ms, e.properties::VARCHAR AS properties, e.revenue,
                   e.currency, CAST(${b.param(now)} AS DOUBLE) AS trigger_ms
            FROM customer_scores s
            JOIN p_alive_last_goal g ON g.customer_id = s.customer_id
            JOIN customer_events e ON e.message_id = g.message_id AND e.customer_id = g.customer_id
            WHERE s.p_alive < ${b.param(trigger.below)}`;
  }
  throw new Error(`${trigger.kind} is not a scheduled trigger`);
}
