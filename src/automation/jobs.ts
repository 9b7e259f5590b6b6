/** The durable job table: what is due, what was sent, and why not. */
import type { Queryable, SqlValue, Warehouse } from "../warehouse/warehouse.js";
import type { Job, JobLog, JobStatus } from "./report.js";
import type { Rule } from "./rules.js";
import { jobId } from "./timing.js";
import type { Occurrence } from "./triggers.js";

/** A job row as the engine works with it (times in epoch ms). */
export interface JobRow {
  id: string;
  rule_id: string;
  action_index: number;
  action_kind: string;
  customer_id: string;
  trigger_message_id: string;
  trigger_ms: number;
  due_ms: number;
  status: JobStatus;
  attempts: number;
  trigger_event: string | null;
}

/** What the templates and the recorded events need of the triggering message, frozen when it triggered. */
export interface TriggerEvent {
  type: string;
  event: string | null;
  ts: number;
  userId: string | null;
  anonymousId: string | null;
  properties: Record<string, unknown>;
  revenue: number | null;
  currency: string | null;
}

function parseObject(json: string | null): Record<string, unknown> {
  if (!json) return {};
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export function triggerEventOf(o: Occurrence): TriggerEvent {
  return {
    type: o.type,
    event: o.event,
    ts: o.event_ms,
    userId: o.user_id,
    anonymousId: o.anonymous_id,
    properties: parseObject(o.properties),
    revenue: o.revenue,
    currency: o.currency,
  };
}

const ts = (param: string) => `epoch_ms(CAST(${param} AS BIGINT))`;

/**
 * Schedules every action of every occurrence; occurrences already scheduled are left alone (the job id
 * is the idempotency key). Returns how many jobs are new.
 */
export async function scheduleOccurrences(
  wh: Warehouse,
  rule: Rule,
  occurrences: readonly Occurrence[],
  now: number,
): Promise<number> {
  const rows: SqlValue[][] = [];
  for (const o of occurrences) {
    const event = JSON.stringify(triggerEventOf(o));
    rule.actions.forEach((action, index) => {
      rows.push([
        jobId(rule.id, index, o.message_id),
        rule.id,
        index,
        action.kind,
        o.customer_id,
        o.message_id,
        Math.round(o.trigger_ms),
        Math.round(o.trigger_ms + rule.waitMs),
        now,
        event,
      ]);
    });
  }
  let added = 0;
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const params: SqlValue[] = [];
    const values = chunk.map((row) => {
      const p = (v: SqlValue) => {
        params.push(v);
        return `$${params.length}`;
      };
      const [id, ruleId, index, kind, customer, message, trigger, due, created, event] = row.map(p);
      return `(${id}, ${ruleId}, ${index}, ${kind}, ${customer}, ${message}, ${ts(trigger!)}, ${ts(due!)},
               'scheduled', 0, ${ts(created!)}, ${ts(created!)}, ${event})`;
    });
    added += await wh.run(
      `INSERT INTO automation_jobs (id, rule_id, action_index, action_kind, customer_id, trigger_message_id,
         trigger_ts, due_at, status, attempts, created_at, updated_at, trigger_event)
       VALUES ${values.join(", ")} ON CONFLICT (id) DO NOTHING`,
      params,
    );
  }
  return added;
}

const ROW_COLUMNS = `id, rule_id, action_index, action_kind, customer_id, trigger_message_id,
  CAST(epoch_ms(trigger_ts) AS DOUBLE) AS trigger_ms, CAST(epoch_ms(due_at) AS DOUBLE) AS due_ms, status,
  attempts, trigger_event::VARCHAR AS trigger_event`;

/**
 * Jobs to work on now, oldest due first: scheduled ones whose time has come, and ones left `sending` by a
 * process that stopped mid-delivery (they are sent again, with the same idempotency key).
 */
export function dueJobs(wh: Warehouse, now: number, limit: number): Promise<JobRow[]> {
  return wh.query<JobRow & Record<string, unknown>>(
    `SELECT ${ROW_COLUMNS} FROM automation_jobs
     WHERE status IN ('scheduled', 'sending') AND coalesce(next_attempt_at, due_at) <= epoch_ms(CAST($1 AS BIGINT))
     ORDER BY coalesce(next_attempt_at, due_at), id LIMIT $2`,
    [now, limit],
  );
}

export interface JobUpdate {
  status: JobStatus;
  reason?: string | null;
  attempts?: number;
  lastError?: string | null;
  nextAttemptAt?: number | null;
  dueAt?: number;
  finished?: boolean;
}

export async function updateJob(db: Queryable, id: string, u: JobUpdate, now: number): Promise<void> {
  const sets = ["status = $2", "updated_at = epoch_ms(CAST($3 AS BIGINT))"];
  const params: SqlValue[] = [id, u.status, now];
  const set = (column: string, value: SqlValue, time = false) => {
    params.push(value);
    const p = `$${params.length}`;
    sets.push(`${column} = ${time && value !== null ? ts(p) : p}`);
  };
  if (u.reason !== undefined) set("reason", u.reason);
  if (u.attempts !== undefined) set("attempts", u.attempts);
  if (u.lastError !== undefined) set("last_error", u.lastError);
  if (u.nextAttemptAt !== undefined) set("next_attempt_at", u.nextAttemptAt, true);
  if (u.dueAt !== undefined) set("due_at", u.dueAt, true);
  if (u.finished) sets.push("finished_at = epoch_ms(CAST($3 AS BIGINT))");
  await db.run(`UPDATE automation_jobs SET ${sets.join(", ")} WHERE id = $1`, params);
}

/**
 * How many trigger occurrences of a customer were acted on since `sinceMs`: of one rule, or by actions of
 * one kind across rules (a channel cap). The occurrence being decided is not counted against itself.
 */
export async function sentCount(
  wh: Warehouse,
  filter: { customerId: string; ruleId?: string; actionKind?: string; sinceMs: number; except: string },
): Promise<number> {
  const where = ["customer_id = $1", "status = 'sent'", "finished_at > epoch_ms(CAST($2 AS BIGINT))"];
  const params: SqlValue[] = [filter.customerId, filter.sinceMs, filter.except];
  where.push("trigger_message_id <> $3");
  if (filter.ruleId !== undefined) {
    params.push(filter.ruleId);
    where.push(`rule_id = $${params.length}`);
  }
  if (filter.actionKind !== undefined) {
    params.push(filter.actionKind);
    where.push(`action_kind = $${params.length}`);
  }
  const what = filter.actionKind !== undefined ? "count(*)" : "count(DISTINCT trigger_message_id)";
  const [row] = await wh.query<{ n: number }>(
    `SELECT ${what} AS n FROM automation_jobs WHERE ${where.join(" AND ")}`,
    params,
  );
  return row?.n ?? 0;
}

export interface JobFilter {
  rule?: string;
  status?: JobStatus;
  customer?: string;
  limit: number;
}

/** The run log: every job with its status, attempts and last error. */
export async function listJobs(wh: Warehouse, filter: JobFilter): Promise<JobLog> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  const add = (column: string, value: string | undefined) => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  };
  add("rule_id", filter.rule);
  add("customer_id", filter.customer);
  const scope = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const scopeParams = [...params];
  add("status", filter.status);
  const listed = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const ms = (c: string) => `CAST(epoch_ms(${c}) AS DOUBLE)`;
  const rows = await wh.query<Job & Record<string, unknown>>(
    `SELECT id, rule_id AS rule, action_index AS action, action_kind AS "actionKind", customer_id AS "customerId",
            trigger_message_id AS "triggerMessageId", ${ms("trigger_ts")} AS "triggeredAt", ${ms("due_at")} AS "dueAt",
            status, reason, attempts, last_error AS "lastError", ${ms("next_attempt_at")} AS "nextAttemptAt",
            ${ms("updated_at")} AS "updatedAt", ${ms("finished_at")} AS "finishedAt"
     FROM automation_jobs ${listed} ORDER BY updated_at DESC, id LIMIT ${Math.max(1, Math.floor(filter.limit))}`,
    params,
  );
  const counts = await wh.query<{ status: string; n: number }>(
    `SELECT status, count(*) AS n FROM automation_jobs ${scope} GROUP BY status`,
    scopeParams,
  );
  return { jobs: rows, counts: Object.fromEntries(counts.map((c) => [c.status, c.n])) };
}
