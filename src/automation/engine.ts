/**
 * The automation engine: turns newly loaded events into scheduled jobs, and due jobs into actions.
 *
 * Exactly once per trigger occurrence, from our side: a job is claimed (`sending`, attempt counted) and
 * committed before the action leaves, and marked `sent` after it succeeded. A crash in between leaves it
 * `sending`; the next start sends it again with the same idempotency key, which the receiver can use to
 * drop the repeat. A job marked `sent` is never picked again.
 */

import { segmentCondition } from "../analysis/segment.js";
import type { Catalog } from "../catalog/catalog.js";
import type { IngestOutcome } from "../ingest/ingestor.js";
import type { SourceInfo } from "../ingest/pipeline.js";
import { SqlBuilder } from "../warehouse/sql-builder.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { retryDelayMs } from "./deliver/backoff.js";
import type { Deliverers, DeliveryResult } from "./deliver/delivery.js";
import {
  dueJobs,
  type JobRow,
  scheduleOccurrences,
  sentCount,
  type TriggerEvent,
  updateJob,
} from "./jobs.js";
import type { Action, Playbook, Rule, TemplateContext } from "./rules.js";
import { SCHEDULED_TRIGGERS } from "./rules.js";
import { renderTemplate } from "./template.js";
import { holdoutDraw, quietUntil } from "./timing.js";
import { AUTOMATION_SOURCE, eventTriggerQuery, type Occurrence, scheduledTriggerQuery } from "./triggers.js";

export interface EngineSettings {
  /** How often new events are scanned and due jobs run. */
  tickMs: number;
  /** How often scheduled triggers (inactivity, P(alive)) are evaluated. */
  scheduleEveryMs: number;
  /** Each scan looks this far back again, for events that reached the warehouse late. */
  overlapMs: number;
  /** Due jobs handled per tick. */
  batch: number;
  maxAttempts: number;
  retry: { baseMs: number; maxMs: number };
}

export const DEFAULT_ENGINE: EngineSettings = {
  tickMs: 5_000,
  // Inactivity and P(alive) move by days: hourly is timely, and the scan reads every event.
  scheduleEveryMs: 60 * 60_000,
  overlapMs: 2 * 60_000,
  batch: 100,
  maxAttempts: 8,
  retry: { baseMs: 30_000, maxMs: 3_600_000 },
};

/** What the engine needs of the ingestion path: sent emails and set traits become events. */
export interface EventWriter {
  ingest(messages: readonly unknown[], impliedType: null, source: SourceInfo): Promise<IngestOutcome>;
}

export interface TickSummary {
  scheduled: number;
  sent: number;
  failed: number;
  retried: number;
  heldOut: number;
  skipped: number;
  suppressed: number;
  deferred: number;
}

type Logger = { info(msg: string): void; error(msg: string): void };

const CURSOR_KEY = "automation_scanned_to";
const EMAIL_SOURCE: SourceInfo = { name: AUTOMATION_SOURCE, kind: "email", channel: "Email" };
const SERVER_SOURCE: SourceInfo = { name: AUTOMATION_SOURCE, kind: "server", channel: null };

export class AutomationEngine {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private lastSchedule = Number.NEGATIVE_INFINITY;
  private stopped = false;
  /** History before this moment does not trigger when automation runs for the first time. */
  private readonly switchedOnAt: number;

  constructor(
    private readonly wh: Warehouse,
    private readonly events: EventWriter,
    private readonly playbook: () => Playbook,
    private readonly catalog: () => Catalog,
    private readonly deliver: Deliverers,
    private readonly settings: EngineSettings = DEFAULT_ENGINE,
    private readonly log: Logger = { info: () => undefined, error: () => undefined },
    private readonly clock: () => number = Date.now,
  ) {
    this.switchedOnAt = clock();
  }

  /** Ticks every `tickMs` until stopped; ticks never overlap. */
  start(): void {
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((err: Error) => this.log.error(`automation: ${err.message}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.settings.tickMs);
        });
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops ticking and waits for the tick in progress (a delivery under way is finished, not cut). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One round: schedule what new events triggered, then run what is due. */
  async tick(): Promise<TickSummary> {
    const summary: TickSummary = {
      scheduled: 0,
      sent: 0,
      failed: 0,
      retried: 0,
      heldOut: 0,
      skipped: 0,
      suppressed: 0,
      deferred: 0,
    };
    const playbook = this.playbook();
    const catalog = this.catalog();
    summary.scheduled += await this.scanEvents(playbook, catalog);
    const now = this.clock();
    if (now - this.lastSchedule >= this.settings.scheduleEveryMs) {
      summary.scheduled += await this.scanScheduled(playbook, catalog, now);
      this.lastSchedule = now;
    }
    await this.runDue(playbook, summary);
    return summary;
  }

  /** Event-driven triggers over the events loaded since the last scan. */
  private async scanEvents(playbook: Playbook, catalog: Catalog): Promise<number> {
    const [state] = await this.wh.query<{ value: number }>("SELECT value FROM ingest_state WHERE key = $1", [
      CURSOR_KEY,
    ]);
    const [latest] = await this.wh.query<{ ms: number | null }>(
      "SELECT CAST(epoch_ms(max(received_at)) AS DOUBLE) AS ms FROM events",
    );
    const until = latest?.ms ?? null;
    // Automation starts from the moment it is switched on: history does not trigger. Nor do events received
    // longer ago than any rule's `fresh` (rules switched off for a while, then on again).
    const fresh = Math.max(0, ...playbook.rules.map((r) => r.freshMs));
    const since = Math.max(
      state ? state.value - this.settings.overlapMs : this.switchedOnAt,
      this.clock() - fresh,
    );
    if (until === null || until <= since) return 0;
    let added = 0;
    const range = { kind: "received" as const, since, until };
    for (const rule of playbook.rules) {
      if (!rule.enabled || SCHEDULED_TRIGGERS.has(rule.trigger.kind)) continue;
      const b = new SqlBuilder(this.wh.dialect);
      const sql = eventTriggerQuery(b, rule, catalog, range);
      const occurrences = await this.wh.query<Occurrence & Record<string, unknown>>(sql, b.params);
      added += await scheduleOccurrences(this.wh, rule, occurrences, this.clock());
    }
    await this.saveCursor(until);
    return added;
  }

  private async scanScheduled(playbook: Playbook, catalog: Catalog, now: number): Promise<number> {
    let added = 0;
    for (const rule of playbook.rules) {
      if (!rule.enabled || !SCHEDULED_TRIGGERS.has(rule.trigger.kind)) continue;
      const b = new SqlBuilder(this.wh.dialect);
      const sql = scheduledTriggerQuery(b, rule, catalog, { from: now - rule.freshMs, to: now + 1 }, now);
      const occurrences = await this.wh.query<Occurrence & Record<string, unknown>>(sql, b.params);
      added += await scheduleOccurrences(this.wh, rule, occurrences, now);
    }
    return added;
  }

  private async saveCursor(value: number): Promise<void> {
    await this.wh.run(
      `INSERT INTO ingest_state (key, value) VALUES ($1, CAST($2 AS BIGINT))
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [CURSOR_KEY, Math.round(value)],
    );
  }

  private async runDue(playbook: Playbook, summary: TickSummary): Promise<void> {
    const jobs = await dueJobs(this.wh, this.clock(), this.settings.batch);
    if (jobs.length === 0) return;
    const rules = new Map(playbook.rules.map((r) => [r.id, r]));
    const blocked = await this.conditionsBlocking(jobs, rules);
    const traits = await customerTraits(this.wh, [...new Set(jobs.map((j) => j.customer_id))]);
    const unsubscribed = await unsubscribedFromEmail(
      this.wh,
      jobs.filter((j) => j.action_kind === "email").map((j) => j.customer_id),
      traits,
    );
    for (const job of jobs) {
      if (this.stopped) return;
      const rule = rules.get(job.rule_id);
      const action = rule?.actions[job.action_index];
      const now = this.clock();
      const finish = async (status: "skipped" | "held_out" | "suppressed", reason: string) => {
        await updateJob(this.wh, job.id, { status, reason, finished: true }, now);
        summary[status === "held_out" ? "heldOut" : status]++;
      };
      if (!rule || !action || action.kind !== job.action_kind) {
        await finish("skipped", "the rule or action is no longer in the playbook");
        continue;
      }
      if (!rule.enabled) {
        await finish("skipped", "the rule is disabled");
        continue;
      }
      const blockedBy = blocked.get(job.id);
      if (blockedBy) {
        await finish("skipped", blockedBy);
        continue;
      }
      if (job.attempts === 0 && holdoutDraw(rule.id, job.customer_id) < rule.holdout) {
        await finish("held_out", "in the rule's control group");
        continue;
      }
      const quietEnd = quietUntil(now, rule.quietHours);
      if (quietEnd !== null) {
        await updateJob(
          this.wh,
          job.id,
          { status: "scheduled", reason: "quiet hours", nextAttemptAt: quietEnd },
          now,
        );
        summary.deferred++;
        continue;
      }
      if (action.kind === "email" && unsubscribed.has(job.customer_id)) {
        await finish("suppressed", "unsubscribed from email");
        continue;
      }
      const capped = job.attempts === 0 ? await this.capReached(job, rule, action, playbook, now) : null;
      if (capped) {
        await finish("suppressed", capped);
        continue;
      }
      // An email without its own sender uses the playbook's.
      const withSender =
        action.kind === "email" ? { ...action, from: action.from ?? playbook.emailFrom } : action;
      await this.attempt(job, rule, withSender, traits.get(job.customer_id) ?? {}, summary);
    }
  }

  /** `unless`/`only` are checked once, when the wait ends: the reason a new job is skipped, by job id. */
  private async conditionsBlocking(jobs: JobRow[], rules: Map<string, Rule>): Promise<Map<string, string>> {
    const blocked = new Map<string, string>();
    const fresh = jobs.filter((j) => j.attempts === 0 && j.status === "scheduled");
    for (const rule of rules.values()) {
      if (!rule.unless && !rule.only) continue;
      const ids = fresh.filter((j) => j.rule_id === rule.id).map((j) => j.id);
      if (ids.length === 0) continue;
      const b = new SqlBuilder(this.wh.dialect);
      // `did` looks at what the customer did after the triggering event, up to now.
      const window = {
        since: "epoch_ms(automation_jobs.trigger_ts)",
        until: null,
        customer: "automation_jobs.customer_id",
      };
      const unless = rule.unless ? segmentCondition(b, rule.unless.segment, window) : "FALSE";
      const only = rule.only ? segmentCondition(b, rule.only.segment, window) : "TRUE";
      const rows = await this.wh.query<{ id: string; unless_hit: boolean | null; only_hit: boolean | null }>(
        `SELECT id, ${unless} AS unless_hit, ${only} AS only_hit FROM automation_jobs
         WHERE id IN (SELECT unnest(${b.param(ids)}))`,
        b.params,
      );
      for (const r of rows) {
        if (r.unless_hit) blocked.set(r.id, `unless: ${rule.unless!.text}`);
        else if (!r.only_hit) blocked.set(r.id, `only: ${rule.only!.text} did not hold`);
      }
    }
    return blocked;
  }

  private async capReached(
    job: JobRow,
    rule: Rule,
    action: Action,
    playbook: Playbook,
    now: number,
  ): Promise<string | null> {
    const base = { customerId: job.customer_id, except: job.trigger_message_id };
    if (rule.cap) {
      const n = await sentCount(this.wh, { ...base, ruleId: rule.id, sinceMs: now - rule.cap.perMs });
      if (n >= rule.cap.max) return `cap: ${rule.cap.max} per ${formatMs(rule.cap.perMs)} for this rule`;
    }
    const channel = playbook.channelCaps[action.kind];
    if (channel) {
      const n = await sentCount(this.wh, { ...base, actionKind: action.kind, sinceMs: now - channel.perMs });
      if (n >= channel.max)
        return `cap: ${channel.max} ${action.kind} per ${formatMs(channel.perMs)} across rules`;
    }
    return null;
  }

  private async attempt(
    job: JobRow,
    rule: Rule,
    action: Action,
    traits: Record<string, unknown>,
    summary: TickSummary,
  ): Promise<void> {
    const attempts = job.attempts + 1;
    // Claimed and committed before anything leaves: a crash from here on leaves `sending`, never a silent loss.
    await updateJob(this.wh, job.id, { status: "sending", attempts, reason: null }, this.clock());
    const event = parseTriggerEvent(job.trigger_event);
    const context: TemplateContext = {
      customer: { id: job.customer_id, traits },
      event: {
        name: event.event,
        type: event.type,
        messageId: job.trigger_message_id,
        timestamp: new Date(event.ts).toISOString(),
        properties: event.properties,
        revenue: event.revenue,
        currency: event.currency,
      },
      rule: { id: rule.id, name: rule.name },
      job: { id: job.id },
    };
    let result: DeliveryResult;
    try {
      result = await this.perform(job, action, context, event, traits, attempts);
    } catch (err) {
      result = { ok: false, error: (err as Error).message, retryable: true };
    }
    const now = this.clock();
    if (result.ok) {
      await updateJob(
        this.wh,
        job.id,
        { status: "sent", reason: result.detail, lastError: null, finished: true },
        now,
      );
      summary.sent++;
      return;
    }
    if (result.retryable && attempts < this.settings.maxAttempts) {
      // A receiver's Retry-After is honoured, up to the longest delay of the schedule.
      const asked = Math.min(result.retryAfterMs ?? 0, this.settings.retry.maxMs);
      const next = now + Math.max(retryDelayMs(attempts, this.settings.retry), asked);
      await updateJob(
        this.wh,
        job.id,
        { status: "scheduled", lastError: result.error, nextAttemptAt: next },
        now,
      );
      summary.retried++;
      this.log.info(
        `automation: ${rule.id} ${action.kind} for ${job.customer_id} failed (${result.error}); retrying`,
      );
      return;
    }
    const why = result.retryable ? `gave up after ${attempts} attempts` : "not retried";
    await updateJob(
      this.wh,
      job.id,
      { status: "failed", reason: why, lastError: result.error, finished: true },
      now,
    );
    summary.failed++;
    this.log.error(`automation: ${rule.id} ${action.kind} for ${job.customer_id} failed: ${result.error}`);
  }

  /** Does the action; what it sends becomes an event in the customer's journey (same id: deduplicated). */
  private async perform(
    job: JobRow,
    action: Action,
    context: TemplateContext,
    event: TriggerEvent,
    traits: Record<string, unknown>,
    attempt: number,
  ): Promise<DeliveryResult> {
    const who = {
      userId: event.userId ?? undefined,
      anonymousId: event.userId ? undefined : (event.anonymousId ?? undefined),
    };
    const stamp = {
      messageId: job.id,
      timestamp: new Date(this.clock()).toISOString(),
      context: { library: { name: "touchpoint-automation" } },
    };
    const tracked = { rule: job.rule_id, automation_job: job.id };
    switch (action.kind) {
      case "email": {
        const result = await this.deliver.email(action, context, { id: job.id, attempt });
        if (result.ok)
          await this.record(
            {
              type: "track",
              event: "Email Delivered",
              ...who,
              ...stamp,
              properties: { template: action.template, ...tracked },
            },
            EMAIL_SOURCE,
          );
        return result;
      }
      case "webhook": {
        const result = await this.deliver.webhook(action, context, { id: job.id, attempt });
        if (result.ok && action.record)
          await this.record(
            { type: "track", event: action.record, ...who, ...stamp, properties: tracked },
            SERVER_SOURCE,
          );
        return result;
      }
      case "traits": {
        const set: Record<string, unknown> = {};
        for (const [key, template] of Object.entries(action.set))
          set[key] = renderTemplate(template, context);
        if (action.tags.length) {
          const had = Array.isArray(traits.tags) ? (traits.tags as unknown[]).map(String) : [];
          set.tags = [...new Set([...had, ...action.tags])];
        }
        await this.record({ type: "identify", ...who, ...stamp, traits: set }, SERVER_SOURCE);
        return { ok: true, detail: `set ${Object.keys(set).join(", ")}` };
      }
    }
  }

  private async record(message: Record<string, unknown>, source: SourceInfo): Promise<void> {
    const outcome = await this.events.ingest([message], null, source);
    if (outcome.rejected.length)
      throw new Error(`recording the action failed: ${outcome.rejected[0]!.reason}`);
  }
}

function parseTriggerEvent(json: string | null): TriggerEvent {
  const fallback: TriggerEvent = {
    type: "track",
    event: null,
    ts: 0,
    userId: null,
    anonymousId: null,
    properties: {},
    revenue: null,
    currency: null,
  };
  if (!json) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(json) as Partial<TriggerEvent>) };
  } catch {
    return fallback;
  }
}

/** Each customer's latest traits (identify messages merged in time order). */
export async function customerTraits(
  wh: Warehouse,
  customerIds: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const out = new Map<string, Record<string, unknown>>();
  if (customerIds.length === 0) return out;
  const rows = await wh.query<{ customer_id: string; traits: string[] }>(
    `SELECT customer_id, list(traits::VARCHAR ORDER BY ts, received_at) AS traits FROM customer_events
     WHERE type = 'identify' AND traits IS NOT NULL AND customer_id IN (SELECT unnest($1))
     GROUP BY customer_id`,
    [customerIds],
  );
  for (const r of rows) {
    const merged: Record<string, unknown> = {};
    for (const t of r.traits) {
      try {
        Object.assign(merged, JSON.parse(t));
      } catch {
        // A trait blob that is not JSON cannot be merged; the others still are.
      }
    }
    out.set(r.customer_id, merged);
  }
  return out;
}

/**
 * Of these customers, the ones who opted out of email: an `Unsubscribed` event (the Segment email spec's)
 * or the trait `unsubscribed: true`. No rule sends them email, whatever its conditions say.
 */
async function unsubscribedFromEmail(
  wh: Warehouse,
  customerIds: readonly string[],
  traits: Map<string, Record<string, unknown>>,
): Promise<Set<string>> {
  const ids = [...new Set(customerIds)];
  const out = new Set(ids.filter((id) => traits.get(id)?.unsubscribed === true));
  if (ids.length === 0) return out;
  const rows = await wh.query<{ customer_id: string }>(
    `SELECT DISTINCT customer_id FROM customer_events
     WHERE event = 'Unsubscribed' AND customer_id IN (SELECT unnest($1))`,
    [ids],
  );
  for (const r of rows) out.add(r.customer_id);
  return out;
}

export function formatMs(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
